/**
 * The walkers: the functions written out per kind (transform.ts childWalkers) against the generic loop
 * over the same keys, which a runtime without code from strings uses. Both must visit the same nodes
 * in the same order and rebuild the same trees, sharing what did not change.
 */
import { expect } from "chai";
import fc from "fast-check";
import { compile, loadFelis, type Node, type Query } from "../index.js";
import { CHILDREN, childWalkers, forEachNode, NODE_KINDS, transform, VALUE_CHILDREN } from "./transform.js";
import { queryArbitrary } from "./test-support/arbitrary.js";

const written = { all: childWalkers(CHILDREN, true), values: childWalkers(VALUE_CHILDREN, true) };
const generic = { all: childWalkers(CHILDREN, false), values: childWalkers(VALUE_CHILDREN, false) };

type Walkers = ReturnType<typeof childWalkers>;

function visitOrder(root: Node, w: Walkers): Node[] {
  const out: Node[] = [];
  const walk = (n: Node): void => {
    out.push(n);
    w.each.get(n.kind)!(n, walk);
  };
  walk(root);
  return out;
}

/** Every number replaced by a new node (bottom-up, as transform does), with `w`'s map functions. */
function renumber(root: Node, w: Walkers): Node {
  const walk = (n: Node): Node => {
    const rebuilt = w.map.get(n.kind)!(n, walk);
    return rebuilt.kind === "NumberLiteral" ? { ...rebuilt, text: `${rebuilt.text}0` } : rebuilt;
  };
  return walk(root);
}

const catalog = loadFelis(new URL("../../schemas/example.yaml", import.meta.url).pathname);

/** Compiled trees, for the kinds that only passes make (SqlFunctionCall, DaliArray) and bound column references. */
const COMPILED: readonly (readonly [adql: string, dialect: "qserv" | "mysql" | "duckdb"])[] = [
  ["SELECT TOP 5 objectId, POINT('ICRS', ra, dec) AS p FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 20, 1)) = 1 ORDER BY g_mag", "qserv"],
  ["SELECT o.objectId, d.flux FROM demo.Object AS o JOIN demo.Detection AS d ON o.objectId = d.objectId WHERE d.mjd BETWEEN 1 AND 2", "mysql"],
  ["SELECT DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 1, 2)) AS r FROM demo.Object WHERE objectId IN (SELECT objectId FROM demo.Detection)", "duckdb"],
];

describe("AST walkers: written out per kind and generic (ast/transform.ts)", () => {
  it("both cover every kind, with the same child keys", () => {
    for (const w of [written.all, written.values, generic.all, generic.values]) {
      expect([...w.each.keys()].sort()).to.deep.equal([...NODE_KINDS].sort());
      expect([...w.map.keys()].sort()).to.deep.equal([...NODE_KINDS].sort());
    }
  });

  it("a node comes back as it is when it has no child to change, and as a copy when it has", () => {
    const body: Node = { kind: "NullLiteral", span: SPAN };
    const cases: readonly (readonly [node: Node, copied: boolean])[] = [
      [{ kind: "NullLiteral", span: SPAN }, false],
      [{ kind: "Aggregate", name: "COUNT", quantifier: null, arg: null, span: SPAN }, false],
      [{ kind: "FunctionCall", name: "PI", args: [], span: SPAN } as Node, false],
      [{ kind: "Query", with: [], body: body as never, orderBy: [], offset: null, span: SPAN }, true],
    ];
    for (const [node, copied] of cases) {
      for (const w of [written.all, generic.all]) {
        const out = w.map.get(node.kind)!(node, (c) => ({ ...c }));
        if (copied) {
          expect(out).to.not.equal(node);
          expect(out).to.deep.equal(node);
          expect((out as Query).body).to.not.equal(body);
        } else {
          expect(out).to.equal(node);
        }
      }
    }
  });

  it("on random trees: the same nodes in the same order, and the same rebuilt trees", () => {
    fc.assert(
      fc.property(queryArbitrary(), (q: Query) => {
        for (const [w, g] of [[written.all, generic.all], [written.values, generic.values]] as const) {
          const order = visitOrder(q, w);
          const expected = visitOrder(q, g);
          expect(order.length).to.equal(expected.length);
          order.forEach((n, i) => expect(n).to.equal(expected[i]));
          expect(renumber(q, w)).to.deep.equal(renumber(q, g));
          expect(w.map.get("Query")!(q, (c) => c)).to.equal(q);
        }
      }),
      { numRuns: 300, seed: 19 },
    );
  });

  for (const [adql, dialect] of COMPILED) {
    it(`on a compiled tree (${dialect}): ${adql.slice(0, 60)}...`, () => {
      const { ast } = compile(adql, { catalog, dialect });
      const nodes = visitOrder(ast, generic.all);
      expect(visitOrder(ast, written.all)).to.have.ordered.members(nodes);
      const seen: Node[] = [];
      forEachNode(ast, (n) => void seen.push(n));
      expect(seen).to.have.ordered.members(nodes);
      expect(renumber(ast, written.values)).to.deep.equal(renumber(ast, generic.values));
      // transform rebuilds the path to each change and shares the rest.
      const renumbered = transform(ast, (n) => (n.kind === "NumberLiteral" ? { ...n, text: `${n.text}0` } : undefined));
      expect(renumbered).to.deep.equal(renumber(ast, generic.values));
      const untouched = transform(ast, () => undefined);
      expect(untouched).to.equal(ast);
    });
  }
});

const SPAN = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };
