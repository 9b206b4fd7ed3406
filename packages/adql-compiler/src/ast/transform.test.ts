/**
 * The walkers: the functions written out per kind (transform.ts childWalkers) against the generic loop
 * over the same keys, which a runtime without code from strings uses. Both must visit the same nodes
 * in the same order and rebuild the same trees, sharing what did not change. transform.property.test.ts
 * compares them on random trees.
 */
import { expect } from "chai";
import { compile, loadFelis, type Node, type Query } from "../index.js";
import { forEachNode, NODE_KINDS, transform } from "./transform.js";
import { generic, renumber, visitOrder, written } from "./test-support/walkers.js";

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
