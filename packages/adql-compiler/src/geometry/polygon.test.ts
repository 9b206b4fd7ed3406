import { expect } from "chai";
import { checkPolygon, type PolygonProblem } from "@qserv-tap/sky";
import { scisqlS2PtInCPoly } from "./scisql.js";

describe("checkPolygon: what scisql_s2PtInCPoly can use (qserv/README §b)", () => {
  const accepted: Array<[string, number[], boolean]> = [
    ["square, anticlockwise", [0, 0, 10, 0, 10, 10, 0, 10], false],
    ["square, clockwise", [0, 10, 10, 10, 10, 0, 0, 0], true],
    ["triangle across RA 0", [355, -5, 5, -5, 0, 5], false],
    ["cap around the north pole", [0, 80, 90, 80, 180, 80, 270, 80], false],
    ["cap around the south pole, RA decreasing (anticlockwise seen from outside)", [270, -80, 180, -80, 90, -80, 0, -80], false],
    ["collinear vertices are allowed (non-strict convexity)", [0, 0, 5, 0, 10, 0, 10, 10, 0, 10], false],
    ["ADQL 2.1 §4.2.19 example POLYGON(10.0, -10.5, 20.0, 20.5, 30.0, 30.5)", [10, -10.5, 20, 20.5, 30, 30.5], true],
  ];
  for (const [name, coords, clockwise] of accepted) {
    it(`accepts ${name}`, () => {
      expect(checkPolygon(coords)).to.deep.equal({ ok: true, clockwise });
    });
  }

  const refused: Array<[string, number[], PolygonProblem]> = [
    ["two vertices", [0, 0, 10, 0], "POLYGON_VERTEX_COUNT"],
    ["an odd number of coordinates", [0, 0, 10, 0, 10], "POLYGON_VERTEX_COUNT"],
    ["21 vertices (SCISQL_MAX_VERTS is 20)", Array.from({ length: 42 }, (_, i) => (i % 2 ? 0 : i)), "POLYGON_VERTEX_COUNT"],
    ["a latitude of 95", [0, 0, 10, 95, 0, 10], "POLYGON_BAD_COORDINATE"],
    ["a NaN", [0, 0, Number.NaN, 0, 0, 10], "POLYGON_BAD_COORDINATE"],
    ["a repeated vertex", [0, 0, 0, 0, 10, 10], "POLYGON_DEGENERATE"],
    ["the first vertex repeated at the end", [0, 0, 10, 0, 10, 10, 0, 10, 0, 0], "POLYGON_DEGENERATE"],
    ["consecutive antipodal vertices", [0, 0, 180, 0, 90, 45], "POLYGON_DEGENERATE"],
    ["all vertices on the equator", [0, 0, 10, 0, 20, 0], "POLYGON_DEGENERATE"],
    ["a notched (concave) square", [0, 0, 10, 0, 10, 10, 5, 3, 0, 10], "POLYGON_NOT_CONVEX"],
    ["a bow tie (self-intersecting)", [0, 0, 10, 10, 10, 0, 0, 10], "POLYGON_NOT_CONVEX"],
    ["a triangle listed twice (winds twice)", [0, 0, 10, 0, 5, 8, 0, 0.001, 10, 0.001, 5, 8.001], "POLYGON_NOT_CONVEX"],
    ["a pentagram", pentagram(), "POLYGON_NOT_CONVEX"],
  ];
  for (const [name, coords, code] of refused) {
    it(`refuses ${name} with ${code}`, () => {
      const got = checkPolygon(coords);
      expect(got.ok).to.equal(false);
      if (!got.ok) {
        expect(got.code).to.equal(code);
        expect(got.reason).to.be.a("string").and.not.equal("");
      }
    });
  }

  it("every polygon it calls degenerate is one that s2PtInCPoly answers NULL for", () => {
    for (const [, coords, code] of refused) {
      if (code === "POLYGON_DEGENERATE") expect(scisqlS2PtInCPoly(5, 5, coords)).to.equal(null);
    }
  });
});

/** The five points of a regular pentagon around (0, 0), visited in star order. */
function pentagram(): number[] {
  const out: number[] = [];
  for (let k = 0; k < 5; k++) {
    const a = (2 * Math.PI * ((2 * k) % 5)) / 5;
    out.push((5 * Math.cos(a) + 360) % 360, 5 * Math.sin(a));
  }
  return out;
}
