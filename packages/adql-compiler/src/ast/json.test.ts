/**
 * astFromJson (ast/json.ts): a document that is not a tree of nodes fails when it is read, with the
 * path of what is wrong, and not deep inside a pass. The walkers (transform.ts) take any object in a
 * child field for a node, so the reader's check of child fields is what keeps a plain object there
 * out of every walk.
 */
import { expect } from "chai";
import { astFromJson, astToJson, compile, loadFelis, parse } from "../index.js";

const catalog = loadFelis(new URL("../../schemas/example.yaml", import.meta.url).pathname);

const SPAN = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 1, line: 1, column: 2 } };
const number = (text: string): object => ({ kind: "NumberLiteral", text, form: "int", span: SPAN });
const name = (n: string): object => ({ kind: "Identifier", name: n, delimited: false, span: SPAN });
const column = (n: string): object => ({ kind: "ColumnRef", parts: [name(n)], span: SPAN });
/** A comparison of two values: the node whose child fields the cases below spoil. */
const comparison = (left: unknown, right: unknown): object => ({ kind: "Comparison", op: "=", left, right, span: SPAN });

const REFUSED: readonly (readonly [what: string, doc: unknown, message: string])[] = [
  ["an unknown kind", { kind: "Banana", span: SPAN }, "$: unknown node kind Banana"],
  ["a kind that is not a string", { kind: 7, span: SPAN }, "$: unknown node kind 7"],
  ["a node without a span", { kind: "NullLiteral" }, "$: NullLiteral has no valid span"],
  ["a span without a line", { kind: "NullLiteral", span: { start: { offset: 0, column: 1 }, end: SPAN.end } }, "$: NullLiteral has no valid span"],
  ["a plain object in a child field", comparison(column("a"), { text: "1" }), "$.right: Comparison holds an object without a kind where a node belongs"],
  ["a number in a child field", comparison(1, column("a")), "$.left: Comparison holds a number where a node belongs"],
  ["a string in a child field", comparison(column("a"), "b"), "$.right: Comparison holds a string where a node belongs"],
  ["an array in a one-node field", comparison([column("a")], column("b")), "$.left: Comparison holds an array where a node belongs"],
  [
    "a node in a field that holds an array",
    { kind: "FunctionCall", name: "ABS", args: number("1"), span: SPAN },
    "$.args: FunctionCall holds a node (NumberLiteral) where an array of nodes belongs",
  ],
  [
    "a plain object in an array of children",
    { kind: "FunctionCall", name: "ABS", args: [number("1"), { text: "2" }], span: SPAN },
    "$.args[1]: FunctionCall holds an object without a kind where a node belongs",
  ],
  ["null in an array of children", { kind: "DaliArray", xtype: "point", items: [number("1"), null], span: SPAN }, "$.items[1]: DaliArray holds null where a node belongs"],
  ["a name part that is not a node", { kind: "ColumnRef", parts: ["a"], span: SPAN }, "$.parts[0]: ColumnRef holds a string where a node belongs"],
  ["a bad node deep inside", comparison(column("a"), comparison(number("1"), { kind: "Banana", span: SPAN })), "$.right.right: unknown node kind Banana"],
  // The root itself (these were returned as nodes)
  ["null as the root", null, "$: not an AST node (an object with a kind), but null"],
  ["a number as the root", 1, "$: not an AST node (an object with a kind), but number"],
  ["a string as the root", "x", "$: not an AST node (an object with a kind), but string"],
  ["an array as the root", [], "$: not an AST node (an object with a kind), but an array"],
  ["an object without a kind as the root", { text: "1" }, "$: not an AST node (an object with a kind), but object"],
];

describe("AST ⇄ JSON (ast/json.ts)", () => {
  for (const [what, doc, message] of REFUSED) {
    it(`refuses ${what}, with its path`, () => {
      expect(() => astFromJson(JSON.stringify(doc))).to.throw(Error, message);
    });
  }

  it("takes null and absent child fields, and objects outside child fields (a binding, a type)", () => {
    const ref = { ...column("ra"), binding: { relation: "o", column: "ra" }, type: { datatype: "double", unit: "deg" } };
    const docs: readonly object[] = [
      comparison(ref, number("1")),
      { kind: "Aggregate", name: "COUNT", quantifier: null, arg: null, span: SPAN },
      { kind: "CaseExpr", whens: [], span: SPAN },
      // IN's values: a list, or a subquery (CHILD_FIELDS: "either").
      { kind: "InPredicate", expr: column("a"), values: [number("1")], not: false, span: SPAN },
      { kind: "InPredicate", expr: column("a"), values: parse("SELECT 1 FROM t"), not: false, span: SPAN },
    ];
    for (const doc of docs) expect(astFromJson(JSON.stringify(doc))).to.deep.equal(doc);
  });

  it("reads back parsed and compiled trees unchanged (every kind that passes make included)", () => {
    const trees = [
      parse("SELECT TOP 5 a.x, COUNT(*) FROM t AS a JOIN u USING (k) WHERE a.y IN (1, 2) AND x BETWEEN 1 AND 2 GROUP BY a.x"),
      compile("SELECT POINT('ICRS', ra, dec) AS p, IN_UNIT(ra, 'arcsec') AS r FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 1, 2, 3)) = 1", { catalog, dialect: "qserv" }).ast,
    ];
    for (const tree of trees) expect(astFromJson(astToJson(tree))).to.deep.equal(tree);
  });
});
