/**
 * Region-valued columns, golden (ADQL 2.1 §4.2; catalog/regions.ts): for each dialect, ADQL against the
 * region tables of test-support/regions.ts in, the exact SQL out (test-support/golden-regions.ts, one row per input); every
 * Qserv SQL passes the §c checker (qserv-check.test.ts), and what Qserv cannot run is refused at its construct. The result
 * columns of a selected region column carry its xtype (DALI 1.1 §3.3).
 */
import { expect } from "chai";
import { compile, type CompileResult } from "../compile.js";
import type { Dialect } from "../passes/index.js";
import { GOLDEN_DIALECTS, goldenSuite } from "./test-support/golden.js";
import { REGION_GOLDEN } from "./test-support/golden-regions.js";
import { regionSchema } from "./test-support/regions.js";

function compileFor(dialect: Dialect, adql: string): CompileResult {
  return compile(adql, { catalog: regionSchema(), dialect });
}

goldenSuite("region columns, golden, or refused with its position and why (qserv/README \"Geometry\")", REGION_GOLDEN, regionSchema);

describe("region columns: result columns (DALI 1.1 §3.3)", () => {
  for (const dialect of GOLDEN_DIALECTS) {
    it(`the stored value with the column's xtype, double arraysize * (char for a shape), no storage column (${dialect})`, () => {
      const r = compileFor(dialect, "SELECT * FROM ext.Footprint");
      expect(r.columns!.map((c) => ({ ...c }))).to.deep.equal([
        { name: "id", datatype: "long", ucd: "meta.id", sqlColumns: [0] },
        { name: "s_region", datatype: "double", arraysize: "*", xtype: "polygon", unit: "deg", ucd: "pos.outline;obs.field", utype: "obscore:Char.SpatialAxis.Coverage.Support.Area", sqlColumns: [1] },
        { name: "cover", datatype: "double", arraysize: "*", xtype: "circle", unit: "deg", sqlColumns: [2] },
        { name: "pos", datatype: "double", arraysize: "*", xtype: "point", unit: "deg", sqlColumns: [3] },
        { name: "shape", datatype: "char", arraysize: "*", xtype: "shape", sqlColumns: [4] },
      ]);
    });
  }
  it("Rubin's s_region (known by its utype, values possibly STC-S) keeps its own type when selected", () => {
    const r = compileFor("qserv", "SELECT s_region FROM ext.RubinObsCore WHERE CONTAINS(POINT(10, 20), s_region) = 1");
    expect(r.sql).to.equal("SELECT `RubinObsCore`.`s_region` AS `s_region` FROM `ext`.`RubinObsCore` WHERE scisql_s2PtInCPoly(10, 20, `RubinObsCore`.`s_region_scisql`) = 1");
    expect(r.columns!.map((c) => ({ ...c }))).to.deep.equal([
      { name: "s_region", datatype: "char", arraysize: "512", ucd: "pos.outline;obs.field", utype: "Char.SpatialAxis.Coverage.Support.Area", sqlColumns: [0] },
    ]);
  });
  it("AREA of a constant shape and of a CIRCLE with a radius per row keep AREA's unit", () => {
    const r = compileFor("mysql", "SELECT AREA(CIRCLE(1, 2, 3)) AS a, AREA(CIRCLE(ra, dec, dec / 10)) AS b FROM ext.Star");
    expect(r.columns!.map((c) => [c.name, c.unit, c.ucd])).to.deep.equal([["a", "deg**2", "phys.angArea"], ["b", "deg**2", "phys.angArea"]]);
  });
  it("CENTROID of a column is a DALI point of two SQL columns; AREA is in square degrees", () => {
    const r = compileFor("duckdb", "SELECT CENTROID(s_region) AS c, AREA(cover) AS a FROM ext.Footprint");
    expect(r.columns!.map((c) => ({ ...c }))).to.deep.equal([
      { name: "c", datatype: "double", arraysize: "2", xtype: "point", unit: "deg", sqlColumns: [0, 1] },
      { name: "a", datatype: "double", unit: "deg**2", ucd: "phys.angArea", sqlColumns: [2] },
    ]);
  });
});
