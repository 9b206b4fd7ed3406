/**
 * compile's `parameters` option: numeric literals where the database reads a DOUBLE anyway become placeholders $1, $2...,
 * with their values in CompileResult.parameters, in a dialect that takes them (traits.numberedParameters: duckdb). That
 * the rows stay the same is checked on DuckDB for every golden query (golden.execution.test.ts).
 */
import { expect } from "chai";
import { compile } from "../compile.js";
import { DIALECT_NAMES } from "./dialects/index.js";
import { testSchema } from "./test-support/catalog.js";

const CONE = "SELECT objectId FROM demo.Object WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 210.5, -30.25, 0.5))";

/** ADQL, then what the duckdb dialect writes with placeholders: a part of the SQL, and the values. */
const CASES: readonly (readonly [what: string, adql: string, sql: string, parameters: readonly number[]])[] = [
  [
    "a cone (ADQL 2.1 §4.2.12): its centre and radius, and the declination band beside it",
    CONE,
    `WHERE ("Object"."dec" BETWEEN $1 AND $2) AND (scisql_s2PtInCircle("Object"."ra", "Object"."dec", $3, $4, $5) = 1)`,
    [-30.75000001, -29.74999999, 210.5, -30.25, 0.5],
  ],
  ["a DOUBLE column compared with a number, either way round", "SELECT objectId FROM demo.Object WHERE ra > 10 AND 20.5 >= dec", `WHERE ("Object"."ra" > $1) AND ($2 >= "Object"."dec")`, [10, 20.5]],
  ["a negative number, an exponent and a hexadecimal literal", "SELECT objectId FROM demo.Object WHERE ra = -1.5 OR dec = 2E1 OR ra = 0x10", `$1`, [-1.5, 20, 16]],
  ["BETWEEN on a DOUBLE column, and NOT BETWEEN", "SELECT objectId FROM demo.Object WHERE ra BETWEEN 1 AND 2 AND dec NOT BETWEEN -1 AND 1", `WHERE ("Object"."ra" BETWEEN $1 AND $2) AND ("Object"."dec" NOT BETWEEN $3 AND $4)`, [1, 2, -1, 1]],
  ["a BOX's corners (scisql_s2PtInBox takes DOUBLEs)", "SELECT objectId FROM demo.Object WHERE 1 = CONTAINS(POINT(ra, dec), BOX(10, 20, 2, 4))", `scisql_s2PtInBox("Object"."ra", "Object"."dec", $3, $4, $5, $6)`, [17.99999999, 22.00000001, 9, 18, 11, 22]],
  ["a FLOAT column keeps its literal: binding a DOUBLE there would change the comparison's type", "SELECT objectId FROM demo.Object WHERE g_mag < 20.5", `WHERE "Object"."g_mag" < 20.5`, []],
  ["an INTEGER column keeps its literal", "SELECT objectId FROM demo.Object WHERE flags = 3", `WHERE "Object"."flags" = 3`, []],
  ["a computed value keeps its literal", "SELECT objectId FROM demo.Object WHERE ra + 1 > 2", `WHERE ("Object"."ra" + 1) > 2`, []],
  ["a constant expression is not a literal: its type is the database's to decide", "SELECT objectId FROM demo.Object WHERE ra > 1 + 1", `WHERE "Object"."ra" > (1 + 1)`, []],
  ["a string keeps its literal", "SELECT objectId FROM demo.Object WHERE name = 'x'", `WHERE "Object"."name" = 'x'`, []],
];

describe("compile's parameters option: DOUBLE constants as placeholders (duckdb)", () => {
  for (const [what, adql, sql, parameters] of CASES) {
    it(what, () => {
      const r = compile(adql, { catalog: testSchema(), dialect: "duckdb", parameters: true });
      expect(r.sql).to.contain(sql);
      expect(r.parameters ?? []).to.deep.equal(parameters);
      // Each placeholder is written once, numbered as its value's place.
      const numbers = [...r.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
      expect(numbers.sort((a, b) => a - b)).to.deep.equal(parameters.map((_, i) => i + 1));
    });
  }

  it("cones at other centres have one SQL text", () => {
    const other = CONE.replace("210.5, -30.25, 0.5", "3.25, 61.5, 0.5");
    expect(compile(other, { catalog: testSchema(), dialect: "duckdb", parameters: true }).sql).to.equal(
      compile(CONE, { catalog: testSchema(), dialect: "duckdb", parameters: true }).sql,
    );
  });

  for (const dialect of DIALECT_NAMES) {
    it(`${dialect}: without the option, the SQL is self-contained and as before`, () => {
      const r = compile(CONE, { catalog: testSchema(), dialect });
      expect(r.parameters).to.equal(undefined);
      expect(r.sql).to.not.match(/\$\d/);
    });
  }

  for (const dialect of DIALECT_NAMES.filter((d) => d !== "duckdb")) {
    it(`${dialect}: takes no placeholders, so the option changes nothing`, () => {
      const r = compile(CONE, { catalog: testSchema(), dialect, parameters: true });
      expect(r.parameters).to.equal(undefined);
      expect(r.sql).to.equal(compile(CONE, { catalog: testSchema(), dialect }).sql);
    });
  }
});
