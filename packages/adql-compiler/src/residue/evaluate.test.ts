/**
 * The server's evaluator of split-off select-list expressions (compile.ts QuerySplit): each case is a
 * residue compiled for Qserv and evaluated over one row, against the value that MariaDB gives for the
 * same ADQL through the mysql dialect (the values below were read from MariaDB 10/11 semantics: NULL
 * propagation, three-valued logic, DIV for integers, NULL for a division by zero and outside SQRT's
 * and LOG's domain, case-insensitive string comparison, CAST AS SIGNED rounding). The end-to-end
 * comparison against MariaDB itself is in packages/server/src/backends/qserv-case01.test.ts.
 */
import { expect } from "chai";
import { compile } from "../compile.js";
import { firstSelect } from "../ast/transform.js";
import { createCatalog } from "../catalog/index.js";
import { evaluateResidue, residueSupport } from "./evaluate.js";

const catalog = createCatalog([{
  name: "s",
  tables: [{
    name: "t",
    columns: [
      { name: "i", datatype: "int" },
      { name: "j", datatype: "long" },
      { name: "x", datatype: "double" },
      { name: "f", datatype: "float" },
      { name: "name", datatype: "char", arraysize: "*" },
      { name: "ts", datatype: "char", arraysize: "*", xtype: "timestamp" },
    ],
  }],
}]);

/** The value of `expr` over the row (columns by name) as the server computes it for Qserv. */
function residueValue(expr: string, row: Record<string, unknown>): unknown {
  const r = compile(`SELECT ${expr} AS v FROM s.t`, { catalog, dialect: "qserv" });
  const residue = r.split?.residues[0];
  if (!residue) throw new Error(`not split: ${r.sql}`);
  // The hidden columns' values, by the catalog column each one returns (the SQL says which).
  const byHidden: Record<string, unknown> = {};
  for (const m of r.sql.matchAll(/`t`\.`(\w+)` AS `(residue_in\d+)`/g)) byHidden[m[2]!] = row[m[1]!];
  return evaluateResidue(residue.expr, (name) => byHidden[name] ?? null);
}

const ROW = { i: 7, j: 10n, x: 2.5, f: 9.75619e-30, name: "Vega" };
const NULLS = { i: null, j: null, x: null, f: null, name: null };

describe("residue evaluator: select-list expressions the server computes for Qserv, with MariaDB's semantics", () => {
  const cases: [why: string, expr: string, row: Record<string, unknown>, want: unknown][] = [
    ["searched CASE, first true branch (ADQL 2.1 §2.2; SQL CASE)", "CASE WHEN x > 2 THEN 'big' WHEN x > 1 THEN 'mid' ELSE 'small' END", ROW, "big"],
    ["searched CASE, no branch and no ELSE: NULL", "CASE WHEN x > 10 THEN 'big' END", ROW, null],
    ["a NULL condition is not true", "CASE WHEN x > 1 THEN 'yes' ELSE 'no' END", NULLS, "no"],
    ["simple CASE compares with =", "CASE i WHEN 6 THEN 'six' WHEN 7 THEN 'seven' END", ROW, "seven"],
    ["simple CASE: NULL matches no WHEN", "CASE i WHEN NULL THEN 'null' ELSE 'other' END", NULLS, "other"],
    ["string comparison ignores case (MariaDB's default collation)", "CASE WHEN name = 'VEGA' THEN 1 ELSE 0 END", ROW, 1],
    ["string comparison ignores trailing spaces (PAD SPACE)", "CASE WHEN name = 'Vega  ' THEN 1 ELSE 0 END", ROW, 1],
    ["COALESCE: the first non-NULL", "CASE WHEN 1 = 1 THEN COALESCE(x, i, 3) END", NULLS, 3],
    ["NULLIF", "CASE WHEN 1 = 1 THEN NULLIF(i, 7) END", ROW, null],
    ["integer / integer is DIV, toward zero", "CASE WHEN 1 = 1 THEN (0 - i) / 2 END", ROW, -3],
    ["double division", "CASE WHEN 1 = 1 THEN x / 2 END", ROW, 1.25],
    ["division by zero: NULL", "CASE WHEN 1 = 1 THEN x / 0 END", ROW, null],
    ["long arithmetic stays exact", "CASE WHEN 1 = 1 THEN j * 1000000000000 + 1 END", ROW, 10000000000001n],
    ["NULL propagates through arithmetic", "CASE WHEN 1 = 1 THEN x + 1 END", NULLS, null],
    ["SQRT of a negative number: NULL", "CASE WHEN 1 = 1 THEN SQRT(0 - x) END", ROW, null],
    ["LOG of 0: NULL", "CASE WHEN 1 = 1 THEN LOG(x - x) END", ROW, null],
    ["ROUND of a double: half to even (MariaDB's rint)", "CASE WHEN 1 = 1 THEN ROUND(x) END", ROW, 2],
    ["ROUND of an exact literal: half away from zero", "CASE WHEN i > 0 THEN ROUND(2.5) END", ROW, 3],
    ["TRUNCATE toward zero", "CASE WHEN 1 = 1 THEN TRUNCATE(0 - x, 0) END", ROW, -2],
    ["MOD of integers", "CASE WHEN 1 = 1 THEN MOD(i, 4) END", ROW, 3],
    ["UPPER, LOWER and || (CONCAT)", "UPPER(CASE WHEN i > 0 THEN name END) || '-' || LOWER('AbC')", ROW, "VEGA-abc"],
    ["|| with NULL is NULL (CONCAT)", "CASE WHEN 1 = 1 THEN name || 'x' END", NULLS, null],
    ["IN with a NULL in the list and no match: NULL, so not true", "CASE WHEN i IN (1, NULL) THEN 'in' ELSE 'not' END", ROW, "not"],
    ["BETWEEN", "CASE WHEN x BETWEEN 2 AND 3 THEN 1 ELSE 0 END", ROW, 1],
    ["NOT of NULL is NULL; OR with TRUE is TRUE", "CASE WHEN NOT (x > 1) OR i = 7 THEN 1 ELSE 0 END", NULLS, 0],
    ["CAST AS INTEGER rounds a double (CAST AS SIGNED)", "CAST(x AS INTEGER)", ROW, 3],
    ["CAST AS INTEGER of a string reads its integer prefix", "CAST(name AS INTEGER)", { ...ROW, name: "42abc" }, 42],
    ["CAST AS CHAR(n) cuts to n characters", "CAST(name AS CHAR(2))", ROW, "Ve"],
    ["CAST AS VARCHAR of an integer", "CAST(i AS VARCHAR(10))", ROW, "7"],
    // Qserv sends a DATETIME as MariaDB's text (mysql2 dateStrings); the generators write DALI's form.
    ["CAST of a timestamp AS VARCHAR: DALI's form, with its milliseconds", "CAST(ts AS VARCHAR)", { ...ROW, ts: "2020-02-29 23:59:58.125000" }, "2020-02-29T23:59:58.125"],
    ["CAST of a timestamp AS VARCHAR(n): no milliseconds when they are 0", "CAST(ts AS VARCHAR(40))", { ...ROW, ts: "2020-02-29 23:59:58.000" }, "2020-02-29T23:59:58"],
    ["CAST of a timestamp AS CHAR(n): the first n characters of DALI's form", "CAST(ts AS CHAR(13))", { ...ROW, ts: "2020-02-29 23:59:58" }, "2020-02-29T23"],
    ["CAST AS REAL: single precision", "CAST(x / 3 AS REAL)", ROW, Math.fround(2.5 / 3)],
    ["CAST of NULL is NULL", "CAST(x AS DOUBLE PRECISION)", NULLS, null],
    ["a FLOAT column is read at its single-precision value", "CASE WHEN 1 = 1 THEN f * 1e30 END", ROW, Math.fround(9.75619e-30) * 1e30],
  ];
  for (const [why, expr, row, want] of cases) {
    it(why, () => {
      expect(residueValue(expr, row)).to.deep.equal(want);
    });
  }

  it("residueSupport names what the server cannot compute", () => {
    const parsed = (expr: string) => {
      const r = compile(`SELECT ${expr} AS v FROM s.t`, { catalog, dialect: "mysql" });
      const item = firstSelect(r.ast).items[0]!;
      if (item.kind !== "SelectColumn") throw new Error("not a column");
      return residueSupport(item.expr);
    };
    expect(parsed("CASE WHEN x > 1 THEN RAND() END")).to.equal("RAND");
    expect(parsed("CASE WHEN x > 1 THEN i & 3 END")).to.equal("the bit operation &");
    expect(parsed("CAST(name AS TIMESTAMP)")).to.equal("CAST AS TIMESTAMP");
    expect(parsed("CASE WHEN x > 1 THEN 1 END")).to.equal(undefined);
  });

  it("a select-list function that the database lacks is computed by the server; elsewhere it stays refused", () => {
    const r = compile("SELECT i, COT(x) + 1 AS c FROM s.t", { catalog, dialect: "qserv", unavailableFunctions: ["COT"] });
    expect(r.sql).to.not.match(/COT/);
    expect(r.split?.residues.map((x) => x.name)).to.deep.equal(["c"]);
    const v = evaluateResidue(r.split!.residues[0]!.expr, () => 0.5);
    expect(v).to.equal(1 / Math.tan(0.5) + 1);
    expect(() => compile("SELECT i FROM s.t WHERE COT(x) > 1", { catalog, dialect: "qserv", unavailableFunctions: ["COT"] }))
      .to.throw(/not supported by this service's database: the function COT/);
    expect(() => compile("SELECT COUNT(*) AS n, MAX(i) AS m FROM s.t GROUP BY i HAVING COT(1) > 0", { catalog, dialect: "qserv", unavailableFunctions: ["cot"] }))
      .to.throw(/the function COT/);
    expect(() => compile("SELECT COT(x) AS c FROM s.t", { catalog, dialect: "mysql", unavailableFunctions: ["COT"] })).to.throw(/the function COT/);
  });

  it("an expression the server cannot compute keeps Qserv's refusal", () => {
    expect(() => compile("SELECT CASE WHEN x > 1 THEN RAND() END AS v FROM s.t", { catalog, dialect: "qserv" })).to.throw(/not supported on Qserv: CASE/);
  });
});
