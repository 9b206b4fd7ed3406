/**
 * The limits that passes/check-limits.ts and the mysql dialect's nesting bound enforce, checked on
 * the real engines: what is accepted at each bound runs on MariaDB and DuckDB with the same result,
 * and what is refused is what the engines fail on (or run with another meaning), so that each bound
 * is the engines' own and not a guess.
 */
import { expect } from "chai";
import { compile } from "../compile.js";
import { AdqlError } from "../errors.js";
import { testSchema } from "./test-support/catalog.js";
import { closeSharedEngines, type Engine, type Value } from "./test-support/engines.js";
import { skyEngine } from "./test-support/sky.js";

after(closeSharedEngines);

/** `SELECT id FROM ext.Vals` inside n derived tables: n + 1 levels of SELECT. */
function derivedTables(n: number): string {
  let q = "SELECT id FROM ext.Vals WHERE id = 1";
  for (let i = 0; i < n; i++) q = `SELECT id FROM (${q}) AS t${i}`;
  return q;
}

/** Constants at the edge of their type's range: accepted, and the same on both engines. */
const AT_THE_BOUNDS: readonly [name: string, expr: string, value: Value][] = [
  ["the largest BIGINT literal", "9223372036854775807", Number("9223372036854775807")],
  ["the smallest BIGINT, a negated literal", "-9223372036854775808", -9223372036854775808],
  ["CAST to SMALLINT at its top", "CAST(32767 AS SMALLINT)", 32767],
  ["CAST to SMALLINT at its bottom", "CAST(-32768 AS SMALLINT)", -32768],
  ["CAST of a double that rounds to the top of SMALLINT", "CAST(32767.4 AS SMALLINT)", 32767],
  ["CAST to INTEGER at its top", "CAST(2147483647 AS INTEGER)", 2147483647],
  ["CAST of a string to INTEGER", "CAST(' -2147483648 ' AS INTEGER)", -2147483648],
  ["CAST to BIGINT at its top", "CAST(9223372036854775807 AS BIGINT)", Number("9223372036854775807")],
  ["CAST to REAL near its top", "CAST(3.4e38 AS REAL)", Math.fround(3.4e38)],
  ["CAST of a DALI timestamp on the last day of February of a leap year", "CAST('2024-02-29T23:59:59.25Z' AS TIMESTAMP)", "2024-02-29 23:59:59.25"],
  ["the largest double literal", "1.7976931348623157e308", 1.7976931348623157e308],
  ["a decimal of 101 digits, a double on both (MariaDB's DECIMAL kept 65 nines of it)", `${"9".repeat(100)}.5`, Number(`${"9".repeat(100)}.5`)],
  ["a decimal with 81 fractional digits, a double on both (MariaDB's DECIMAL made it 0)", `0.${"0".repeat(80)}1`, 1e-81],
  ["a decimal of 38 digits stays exact on both", "1234567890123456789.0123456789012345678", Number("1234567890123456789.0123456789012345678")],
];

/** Constants just beyond a bound: refused by the compiler; the SQL they would have given fails on DuckDB. */
const BEYOND: readonly [name: string, expr: string, duckdbSql: string][] = [
  ["CAST to SMALLINT beyond its top", "CAST(32768 AS SMALLINT)", "SELECT CAST(32768 AS SMALLINT)"],
  ["CAST of a double that rounds beyond SMALLINT", "CAST(32767.5 AS SMALLINT)", "SELECT CAST(32767.5 AS SMALLINT)"],
  ["CAST to REAL beyond its top", "CAST(3.5e38 AS REAL)", "SELECT CAST(3.5e38 AS REAL)"],
  ["CAST of a day that does not exist to TIMESTAMP (MariaDB: NULL)", "CAST('2023-02-29' AS TIMESTAMP)", "SELECT CAST('2023-02-29' AS TIMESTAMP)"],
  ["a LIKE pattern that ends in the escape character", "CASE WHEN 'a\\' LIKE 'a\\' THEN 1 END", "SELECT 'a\\' LIKE 'a\\' ESCAPE '\\'"],
];

describe("limits: the bounds the compiler enforces are the engines' own", function () {
  const engines: Partial<Record<Engine["name"], Engine>> = {};
  before(async function () {
    this.timeout(60_000);
    engines.duckdb = await skyEngine("duckdb", this);
    engines.mariadb = await skyEngine("mariadb", this);
  });

  async function both(adql: string): Promise<Record<Engine["name"], readonly Value[][]>> {
    const out = {} as Record<Engine["name"], readonly Value[][]>;
    for (const e of [engines.mariadb!, engines.duckdb!]) {
      out[e.name] = (await e.query(compile(adql, { catalog: testSchema(), dialect: e.dialect }).sql)).rows;
    }
    return out;
  }

  for (const [name, expr, value] of AT_THE_BOUNDS) {
    it(`accepted: ${name}`, async () => {
      const { mariadb, duckdb } = await both(`SELECT ${expr} AS v FROM ext.Vals WHERE id = 1`);
      expect(mariadb).to.deep.equal([[value]]);
      expect(duckdb).to.deep.equal([[value]]);
    });
  }

  for (const [name, expr, duckdbSql] of BEYOND) {
    it(`refused: ${name}, which DuckDB fails on`, async () => {
      for (const dialect of ["mysql", "duckdb"] as const) {
        expect(() => compile(`SELECT ${expr} AS v FROM ext.Vals`, { catalog: testSchema(), dialect }), dialect).to.throw(AdqlError);
      }
      let failed = false;
      await engines.duckdb!.query(duckdbSql).catch(() => (failed = true));
      expect(failed, duckdbSql).to.equal(true);
    });
  }

  it("a 300-way UNION runs on both (MariaDB refused it when each pair was parenthesised)", async () => {
    const adql = Array.from({ length: 300 }, (_, i) => `SELECT ${i} AS n FROM ext.Vals WHERE id = 1`).join(" UNION ");
    const { mariadb, duckdb } = await both(`SELECT COUNT(*) AS c FROM (${adql}) AS u`);
    expect(mariadb).to.deep.equal([[300]]);
    expect(duckdb).to.deep.equal([[300]]);
  });

  it("64 levels of SELECT run on MariaDB; 65 are refused with the position of the 65th, and MariaDB fails on them (errno 1473)", async function () {
    this.timeout(20_000);
    expect((await both(derivedTables(63))).mariadb).to.deep.equal([[1]]);
    const adql = derivedTables(64);
    let err: unknown;
    try {
      compile(adql, { catalog: testSchema(), dialect: "mysql" });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(AdqlError);
    const e = err as AdqlError;
    expect([e.code, e.line, e.column]).to.deep.equal(["ADQL_TOO_COMPLEX", 1, adql.indexOf("SELECT id FROM ext.Vals") + 1]);
    expect(e.message).to.contain("nested more than 64 levels deep");
    // The same SQL, one level beyond what the compiler writes:
    const sql = `SELECT \`id\` FROM (${compile(derivedTables(63), { catalog: testSchema(), dialect: "mysql" }).sql}) AS \`t\``;
    let errno: unknown;
    await engines.mariadb!.query(sql).catch((x: { errno?: number }) => (errno = x.errno));
    expect(errno).to.equal(1473);
    // DuckDB has no such bound: the 65 levels run there.
    expect((await engines.duckdb!.query(compile(adql, { catalog: testSchema(), dialect: "duckdb" }).sql)).rows).to.deep.equal([[1]]);
  });
});
