import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { expect } from "chai";
import { polygons, sqlNumber } from "../test-support/geometry-cases.js";
import { compare, expectedRowCount, geometryTablesSql, mergeComparisons, type Comparison } from "../test-support/geometry-compare.js";
import { SCISQL_FUNCTIONS } from "../builtins.js";
import { registerScisqlFunctions } from "./duckdb-functions.js";
import { inlineAngSepSql, inlinePtInCircleSql, inlinePtInCPolySql } from "./inline-sql.js";

describe("scisql functions on DuckDB agree with the TypeScript reference (qserv/README §b)", function () {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  const run = async (sql: string) => (await conn.runAndReadAll(sql)).getRows() as unknown[][];

  before(async function () {
    this.timeout(20_000);
    instance = await DuckDBInstance.create(":memory:");
    conn = await instance.connect();
    await registerScisqlFunctions(conn);
    for (const sql of geometryTablesSql(sqlNumber)) await conn.run(sql);
  });

  after(() => {
    conn?.closeSync();
    instance?.closeSync();
  });

  it("defines exactly the scisql functions that builtins.ts lists for duckdb", async () => {
    const rows = await run("SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name LIKE 'scisql%' ORDER BY 1");
    const listed = SCISQL_FUNCTIONS.filter((f) => f.dialects.includes("duckdb")).map((f) => f.name).sort();
    expect(rows.map((r) => r[0])).to.deep.equal(listed);
  });

  function expectAgreement(c: Comparison, what: "angSep" | "circle" | "box" | "polygon") {
    expect(c.checked, "rows compared").to.equal(expectedRowCount(what));
    expect(c.mismatches.slice(0, 5), `${c.mismatches.length} mismatches`).to.deep.equal([]);
  }

  const pairs = {
    angSep: ["scisql_angSep(p.lon, p.lat, s.clon, s.clat)", inlineAngSepSql("p.lon", "p.lat", "s.clon", "s.clat"), "circles"],
    circle: [
      "scisql_s2PtInCircle(p.lon, p.lat, s.clon, s.clat, s.r)",
      inlinePtInCircleSql("p.lon", "p.lat", "s.clon", "s.clat", "s.r"),
      "circles",
    ],
  } as const;

  for (const [what, [js, inline, table]] of Object.entries(pairs) as [keyof typeof pairs, (typeof pairs)[keyof typeof pairs]][]) {
    it(`JS scalar ${js.slice(0, js.indexOf("("))} on the grid × ${table}`, async () => {
      expectAgreement(await compare(run, what, `SELECT s.id, p.id, ${js} FROM pts p CROSS JOIN ${table} s`), what);
    });
    it(`inline ${what} expression on the grid × ${table}`, async () => {
      expectAgreement(await compare(run, what, `SELECT s.id, p.id, ${inline} FROM pts p CROSS JOIN ${table} s`), what);
    });
  }

  it("JS scalar scisql_s2PtInBox on the grid × boxes (across RA 0, reduced, empty, NULL, invalid)", async () => {
    const sql = "SELECT s.id, p.id, scisql_s2PtInBox(p.lon, p.lat, s.lonmin, s.latmin, s.lonmax, s.latmax) FROM pts p CROSS JOIN boxes s";
    expectAgreement(await compare(run, "box", sql), "box");
  });

  it("JS scalar scisql_s2PtInCPoly with scisql's variable arity on the grid × polygons", async () => {
    const checks = await Promise.all(
      polygons.map((poly, i) =>
        compare(run, "polygon", `SELECT ${i}, p.id, scisql_s2PtInCPoly(p.lon, p.lat, ${poly.map(sqlNumber).join(", ")}) FROM pts p`),
      ),
    );
    expectAgreement(mergeComparisons(checks), "polygon");
  });

  it("inline s2PtInCPoly expression (constant vertices) on the grid × polygons", async () => {
    const checks = await Promise.all(
      polygons.map((poly, i) => compare(run, "polygon", `SELECT ${i}, p.id, ${inlinePtInCPolySql("p.lon", "p.lat", poly)} FROM pts p`)),
    );
    expectAgreement(mergeComparisons(checks), "polygon");
  });

  it("scisql_s2PtInCPoly refuses 2 or 21 vertices for the whole query, as scisql does", async () => {
    for (const args of ["1, 2, 3, 4", "1, 2, 3, 4, 5", Array.from({ length: 42 }, (_, i) => i % 80).join(", ")]) {
      let message = "";
      try {
        await conn.run(`SELECT scisql_s2PtInCPoly(1, 1, ${args}) FROM range(3)`);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, args).to.contain("scisql_s2PtInCPoly expects between 4 and 21 spherical coordinate pairs");
    }
  });

  it("integer and DECIMAL arguments are cast to DOUBLE; NULL literals give 0, not NULL", async () => {
    const [row] = await run(
      "SELECT scisql_s2PtInCircle(1, 1, 0, 0, 2), scisql_s2PtInBox(5.5, 5, 0, 0, 10, 10), scisql_s2PtInCircle(NULL, 1, 0, 0, 2), scisql_angSep(NULL, 0, 0, 90), scisql_angSep(0, 0, 0, 90)",
    );
    expect(row!.slice(0, 4)).to.deep.equal([1, 1, 0, null]);
    expect(row![4]).to.be.closeTo(90, 1e-13);
  });
});
