/**
 * The printer's contract, checked on random trees: for every tree that `parse` could return,
 * `parse(printAdql(tree))` gives the same tree back (spans aside), and so does the JSON form
 * (`astFromJson(astToJson(tree))`). The trees come from test-support/arbitrary.ts, which generates
 * every node kind in parser-normal form; the first test checks that it really covers them.
 *
 * ADQL_PROPERTY_SEED replays a run; ADQL_PROPERTY_RUNS changes the number of runs (at least 2,000).
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  AdqlError, astFromJson, astToJson, FunctionRegistry, isReservedWord, parse, printAdql, SCISQL_FUNCTIONS, stripSpans,
  type Node, type NodeKind, type Query,
} from "../index.js";
import { queryArbitrary, RESERVED_SAMPLES } from "./test-support/arbitrary.js";

const functions = new FunctionRegistry(SCISQL_FUNCTIONS);
const RUNS = Math.max(2_000, Number(process.env.ADQL_PROPERTY_RUNS ?? 2_000));
/** Generous: 2,000 runs take a few seconds; a busy machine may need more, a hang must not pass. */
const TIME_LIMIT_MS = 40_000;

/** Kinds that only compiler passes create: never parsed, and printed in a form not meant to parse. */
type SqlOnlyKind = "SqlFunctionCall" | "DaliArray";

/**
 * Every kind that the parser produces: a Record, so that the compiler says when nodes.ts gains a kind
 * that is in neither this list nor SqlOnlyKind.
 */
const ALL_KINDS: Record<Exclude<NodeKind, SqlOnlyKind>, true> = {
  Query: true, CommonTableExpression: true, SetOperation: true, Select: true, SelectAll: true, SelectColumn: true,
  OrderItem: true, TableName: true, TableRef: true, DerivedTable: true, Join: true, Identifier: true, Coordinates: true,
  WhenClause: true, ColumnRef: true, NumberLiteral: true, StringLiteral: true, NullLiteral: true, UnaryExpr: true,
  BinaryExpr: true, Comparison: true, Between: true, InPredicate: true, LikePredicate: true, NullPredicate: true,
  Exists: true, LogicalExpr: true, NotExpr: true, FunctionCall: true, UserFunctionCall: true, Aggregate: true, Cast: true,
  CaseExpr: true, ScalarSubquery: true, Point: true, Circle: true, Box: true, Polygon: true, Region: true,
};

/** The forms that the generator must produce, beyond the node kinds (labels made by `features`). */
const EXPECTED_FEATURES = [
  ...["UNION", "EXCEPT", "INTERSECT"].flatMap((op) => [`set ${op}`, `set ${op} ALL`]),
  "set operand parenthesised", "set operation nested left", "WITH", "ORDER BY ASC", "ORDER BY DESC", "ORDER BY bare", "OFFSET",
  "SELECT DISTINCT", "SELECT ALL", "TOP", "select *", "select t.*", "select alias", "GROUP BY", "HAVING", "WHERE",
  "table 1 part", "table 2 parts", "table 3 parts", "table alias", "column 4 parts", "derived table",
  ...["INNER", "LEFT", "RIGHT", "FULL", "CROSS"].map((t) => `join ${t}`),
  "join INNER implicit", "join INNER explicit", "join NATURAL", "join ON", "join USING",
  "join parenthesised", "join parenthesised on the right",
  ...["+", "-", "*", "/", "||", "&", "|", "^"].map((op) => `binary ${op}`),
  ...["-", "+", "~"].map((op) => `unary ${op}`),
  ...["=", "<>", "<", ">", "<=", ">="].map((op) => `comparison ${op}`),
  "BETWEEN", "NOT BETWEEN", "IN list", "NOT IN list", "IN subquery", "LIKE", "NOT LIKE", "ILIKE", "IS NULL", "IS NOT NULL",
  "NOT ILIKE", "EXISTS", "AND", "OR", "NOT", "CASE simple", "CASE searched", "CASE ELSE",
  ...["CHAR", "VARCHAR", "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION", "TIMESTAMP", "POINT", "CIRCLE", "POLYGON"].map((t) => `cast ${t}`),
  "cast CHAR(n)", "cast VARCHAR(n)",
  ...[
    "ABS", "CEILING", "DEGREES", "EXP", "FLOOR", "LOG", "LOG10", "MOD", "PI", "POWER", "RADIANS", "RAND", "ROUND", "SQRT",
    "TRUNCATE", "ACOS", "ASIN", "ATAN", "ATAN2", "COS", "COT", "SIN", "TAN", "LOWER", "UPPER", "COALESCE", "NULLIF",
    "IN_UNIT", "AREA", "CENTROID", "CONTAINS", "INTERSECTS", "COORD1", "COORD2", "COORDSYS", "DISTANCE",
  ].map((f) => `function ${f}`),
  "RAND(n)", "ROUND(x, n)", "ROUND(x, -n)", "DISTANCE 2 args", "DISTANCE 4 args",
  ...["AVG", "MAX", "MIN", "SUM", "COUNT"].map((a) => `aggregate ${a}`),
  "COUNT(*)", "COUNT(DISTINCT x)", "aggregate DISTINCT", "aggregate ALL", "UDF",
  ...["Point", "Circle", "Box", "Polygon"].flatMap((g) => [`${g} coordsys string`, `${g} coordsys NULL`, `${g} no coordsys`]),
  "Circle centre coordinates", "Circle centre point", "Box centre coordinates", "Box centre point",
  "Polygon coordinates", "Polygon points", "Polygon 6+ points",
  "number integer", "number decimal 1.", "number decimal .5", "number decimal 1.5", "number real", "number real e-", "number real E+",
  "number hex 0x", "number hex 0X",
  "identifier regular", "identifier delimited", "identifier delimited with \"", "identifier delimited reserved word",
  "identifier delimited non-ASCII", "string with '", "string with newline", "string non-ASCII", "string empty",
];

/** Labels for the forms that occur in a tree. */
function features(root: Node, out: Set<string>): void {
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) {
      x.forEach(visit);
      return;
    }
    if (typeof x !== "object" || x === null) return;
    const n = x as Node;
    if ("kind" in n) {
      out.add(`kind ${n.kind}`);
      label(n, out);
    }
    for (const [k, v] of Object.entries(n)) if (k !== "span") visit(v);
  };
  visit(root);
}

function label(n: Node, out: Set<string>): void {
  const add = (s: string): void => void out.add(s);
  switch (n.kind) {
    case "Query":
      if (n.with.length > 0) add("WITH");
      for (const o of n.orderBy) add(`ORDER BY ${o.direction ?? "bare"}`);
      if (n.offset) add("OFFSET");
      if (n.body.kind === "Query") add("set operand parenthesised");
      break;
    case "SetOperation":
      add(`set ${n.op}${n.all ? " ALL" : ""}`);
      if (n.left.kind === "SetOperation") add("set operation nested left");
      if (n.left.kind === "Query" || n.right.kind === "Query") add("set operand parenthesised");
      break;
    case "Select":
      if (n.quantifier) add(`SELECT ${n.quantifier}`);
      if (n.top) add("TOP");
      if (n.where) add("WHERE");
      if (n.groupBy.length > 0) add("GROUP BY");
      if (n.having) add("HAVING");
      break;
    case "SelectAll": add(n.qualifier ? "select t.*" : "select *"); break;
    case "SelectColumn": if (n.alias) add("select alias"); break;
    case "TableName": add(`table ${n.parts.length} part${n.parts.length > 1 ? "s" : ""}`); break;
    case "TableRef": if (n.alias) add("table alias"); break;
    case "DerivedTable": add("derived table"); break;
    case "ColumnRef": if (n.parts.length === 4) add("column 4 parts"); break;
    case "Join":
      add(`join ${n.type}`);
      if (n.type === "INNER") add(`join INNER ${n.explicitType ? "explicit" : "implicit"}`);
      if (n.natural) add("join NATURAL");
      if (n.on) add("join ON");
      if (n.using.length > 0) add("join USING");
      if (n.parenthesized) add("join parenthesised");
      if (n.right.kind === "Join") add("join parenthesised on the right");
      break;
    case "BinaryExpr": add(`binary ${n.op}`); break;
    case "UnaryExpr": add(`unary ${n.op}`); break;
    case "Comparison": add(`comparison ${n.op}`); break;
    case "Between": add(n.not ? "NOT BETWEEN" : "BETWEEN"); break;
    case "InPredicate": add(Array.isArray(n.values) ? (n.not ? "NOT IN list" : "IN list") : "IN subquery"); break;
    case "LikePredicate": add(`${n.not ? "NOT " : ""}${n.caseInsensitive ? "ILIKE" : "LIKE"}`); break;
    case "NullPredicate": add(n.not ? "IS NOT NULL" : "IS NULL"); break;
    case "Exists": add("EXISTS"); break;
    case "LogicalExpr": add(n.op); break;
    case "NotExpr": add("NOT"); break;
    case "CaseExpr":
      add(n.operand ? "CASE simple" : "CASE searched");
      if (n.else) add("CASE ELSE");
      break;
    case "Cast":
      add(`cast ${n.target.name}`);
      if (n.target.length !== null) add(`cast ${n.target.name}(n)`);
      break;
    case "FunctionCall":
      add(`function ${n.name}`);
      if (n.name === "RAND" && n.args.length === 1) add("RAND(n)");
      if (n.name === "ROUND" && n.args.length === 2) add(n.args[1]!.kind === "UnaryExpr" ? "ROUND(x, -n)" : "ROUND(x, n)");
      if (n.name === "DISTANCE") add(`DISTANCE ${n.args.length} args`);
      break;
    case "Aggregate":
      add(`aggregate ${n.name}`);
      if (n.arg === null) add("COUNT(*)");
      if (n.quantifier) add(`aggregate ${n.quantifier}`);
      if (n.name === "COUNT" && n.quantifier === "DISTINCT") add("COUNT(DISTINCT x)");
      break;
    case "UserFunctionCall": add("UDF"); break;
    case "Point": case "Circle": case "Box": case "Polygon":
      add(`${n.kind} ${n.coordSys === null ? "no coordsys" : n.coordSys.kind === "NullLiteral" ? "coordsys NULL" : "coordsys string"}`);
      if (n.kind === "Circle" || n.kind === "Box") add(`${n.kind} centre ${n.center.kind === "Coordinates" ? "coordinates" : "point"}`);
      if (n.kind === "Polygon") {
        add(`Polygon ${n.vertices[0]!.kind === "Coordinates" ? "coordinates" : "points"}`);
        if (n.vertices[0]!.kind !== "Coordinates" && n.vertices.length >= 6) add("Polygon 6+ points");
      }
      break;
    case "NumberLiteral":
      if (n.form === "integer") add("number integer");
      else if (n.form === "hex") add(`number hex ${n.text.slice(0, 2)}`);
      else if (n.form === "decimal") add(n.text.startsWith(".") ? "number decimal .5" : n.text.endsWith(".") ? "number decimal 1." : "number decimal 1.5");
      else {
        add("number real");
        if (/e-/.test(n.text)) add("number real e-");
        if (/E\+/.test(n.text)) add("number real E+");
      }
      break;
    case "Identifier":
      if (!n.delimited) add("identifier regular");
      else {
        add("identifier delimited");
        if (n.name.includes('"')) add('identifier delimited with "');
        if (isReservedWord(n.name)) add("identifier delimited reserved word");
        if (nonAscii(n.name)) add("identifier delimited non-ASCII");
      }
      break;
    case "StringLiteral":
      if (n.value.includes("'")) add("string with '");
      if (n.value.includes("\n")) add("string with newline");
      if (nonAscii(n.value)) add("string non-ASCII");
      if (n.value === "") add("string empty");
      break;
    default:
      break;
  }
}

/** The tree as JSON without spans: what stripSpans keeps, in one pass (the property runs it twice per tree). */
function structure(x: unknown): string {
  return JSON.stringify(x, (k, v: unknown) => (k === "span" ? undefined : v));
}

function nonAscii(s: string): boolean {
  return [...s].some((c) => c.codePointAt(0)! > 0x7f);
}

/** Fails, with chai's diff of the span-stripped trees, when the trees differ. */
function sameTree(actual: unknown, expected: unknown, what: string): void {
  if (structure(actual) !== structure(expected)) expect(stripSpans(actual), what).to.deep.equal(stripSpans(expected));
}

describe("printAdql ∘ parse round trip on random trees (fast-check)", function () {
  this.timeout(TIME_LIMIT_MS + 20_000);

  it("the generator covers every node kind and every syntactic form", function () {
    for (const w of RESERVED_SAMPLES) expect(isReservedWord(w), w).to.equal(true);
    const seen = new Set<string>();
    for (const q of fc.sample(queryArbitrary(), { numRuns: 1_000, seed: 42 })) features(q, seen);
    const missingKinds = Object.keys(ALL_KINDS).filter((k) => !seen.has(`kind ${k}`));
    const missingForms = EXPECTED_FEATURES.filter((f) => !seen.has(f));
    expect(missingKinds, "node kinds never generated").to.deep.equal([]);
    expect(missingForms, "forms never generated").to.deep.equal([]);
  });

  it(`parse(printAdql(t)) = t and the JSON form round-trips, for ${RUNS} random trees`, function () {
    const seed = process.env.ADQL_PROPERTY_SEED !== undefined ? Number(process.env.ADQL_PROPERTY_SEED) : Date.now() % 0x7fffffff;
    let chars = 0;
    const property = fc.property(queryArbitrary(), (ast: Query) => {
      const text = printAdql(ast);
      chars += text.length;
      let reparsed: Query;
      try {
        reparsed = parse(text, { functions });
      } catch (e) {
        throw new Error(
          `the printed tree does not parse:\n  ${text}\n  ${e instanceof AdqlError ? `${e.code} ${e.message}\n${e.excerpt ?? ""}` : String(e)}`,
          { cause: e },
        );
      }
      sameTree(reparsed, ast, `parse(printAdql(t)) differs from t for:\n  ${text}\n  reprinted: ${printAdql(reparsed)}\n`);
      // JSON: the tree survives astToJson/astFromJson unchanged, spans included, and so prints the same
      // text (and therefore parses back to the same tree).
      const json = astToJson(ast);
      const revived = astFromJson<Query>(json);
      if (JSON.stringify(revived) !== json) expect(revived, "astFromJson(astToJson(t))").to.deep.equal(ast);
      expect(printAdql(revived), "printAdql(astFromJson(astToJson(t)))").to.equal(text);
    });
    const t0 = performance.now();
    const details = fc.check(property, { numRuns: RUNS, seed, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: true });
    const elapsed = (performance.now() - t0) / 1000;
    console.log(`      property: ${details.numRuns} runs (seed ${seed}) in ${elapsed.toFixed(2)} s, ${Math.round(chars / Math.max(1, details.numRuns))} chars per query on average`);
    if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? "the property failed");
    expect(details.numRuns).to.be.at.least(2_000);
  });

  // A bug once (found by reading parser.ts): the simple-CASE operand was parsed as a <value_expression> and never
  // type-checked, so a parenthesised condition was accepted there, and the printer then dropped the parentheses.
  it("refuses a condition as the operand of a simple CASE, or prints it so that it parses back", function () {
    for (const adql of ["SELECT CASE (a = b) WHEN 1 THEN 2 END FROM t", "SELECT CASE (x IS NULL) WHEN 1 THEN 2 END FROM t"]) {
      let ast: Query;
      try {
        ast = parse(adql);
      } catch (e) {
        expect(e, adql).to.be.instanceOf(AdqlError);
        continue;
      }
      const printed = printAdql(ast);
      sameTree(parse(printed), ast, `${adql} → ${printed}`);
    }
  });

  // A bug once: the length of CHAR(n) / VARCHAR(n) was read with Number(), so a length beyond 1.8e308 became
  // Infinity: printAdql wrote CHAR(Infinity), which does not parse, and astToJson wrote null (a CHAR without length).
  it("refuses or round-trips a CHAR(n) length too large for a double", function () {
    const adql = `SELECT CAST(a AS CHAR(1${"0".repeat(400)})) FROM t`;
    let ast: Query;
    try {
      ast = parse(adql);
    } catch (e) {
      expect(e).to.be.instanceOf(AdqlError);
      return;
    }
    sameTree(parse(printAdql(ast)), ast, printAdql(ast));
    sameTree(astFromJson(astToJson(ast)), ast, "astFromJson(astToJson(t))");
  });

  // A gap once: after IN and in a scalar subquery, `(` followed by `(` was read as a parenthesised value, so a query
  // that starts with a parenthesised operand was refused there ("expected ')' but found UNION"), although EXISTS and
  // derived tables accepted it.
  it("accepts IN and scalar subqueries that start with a parenthesised set operand", function () {
    for (const adql of [
      "SELECT a FROM t WHERE a IN ((SELECT a FROM t) UNION (SELECT b FROM u))",
      "SELECT ((SELECT a FROM t) UNION SELECT b FROM u) FROM t",
      "SELECT a FROM t WHERE a IN ((SELECT a FROM t) ORDER BY a)",
    ]) {
      const ast = parse(adql);
      sameTree(parse(printAdql(ast)), ast, adql);
    }
  });
});
