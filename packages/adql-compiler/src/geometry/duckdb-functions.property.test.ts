/**
 * The scisql functions on DuckDB, the JS scalar functions and the inline SQL, against the TypeScript reference
 * (scisql.ts) over a grid of points and every test shape: brute force, 36,000 to 39,000 rows a test. Which functions
 * exist, and their arguments, are in duckdb-functions.test.ts.
 */
import { expect } from "chai";
import { polygons, sqlNumber } from "../test-support/geometry-cases.js";
import { compare, expectedRowCount, geometryTablesSql, mergeComparisons, type Comparison } from "../test-support/geometry-compare.js";
import { scisqlDuckDb } from "../test-support/scisql-duckdb.js";
import { inlineAngSepSql, inlinePtInCircleSql, inlinePtInCPolySql } from "./inline-sql.js";

describe("scisql functions on DuckDB agree with the TypeScript reference on a grid (qserv/README §b)", function () {
  const { run } = scisqlDuckDb(async (conn) => {
    for (const sql of geometryTablesSql(sqlNumber)) await conn.run(sql);
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
});
