import { expect } from "chai";
import { GeometryError } from "./errors.js";
import { scisqlAngSep, scisqlS2PtInBox, scisqlS2PtInCircle, scisqlS2PtInCPoly, type ScisqlPredicateResult } from "./scisql.js";

type N = number | null;

describe("scisqlAngSep (qserv/README §b: any NULL/NaN/Inf or |lat| > 90 → NULL)", () => {
  const cases: Array<[string, [N, N, N, N], number | null]> = [
    ["scisql doc example angSep(0, 0, 0, 90)", [0, 0, 0, 90], 90],
    ["antipodes on the equator", [0, 0, 180, 0], 180],
    ["same point", [10, 20, 10, 20], 0],
    ["one degree along the equator", [0, 0, 1, 0], 1],
    ["across RA 0/360", [359.5, 0, 0.5, 0], 1],
    ["longitudes are not range-checked", [720, 0, 1, 0], 1],
    ["two points at the north pole, different RA", [0, 90, 180, 90], 0],
    ["across the north pole", [0, 89, 180, 89], 2],
    ["across the south pole", [90, -89.5, 270, -89.5], 1],
    ["pole to equator", [33, -90, 200, 0], 90],
    ["NULL lon1", [null, 0, 0, 0], null],
    ["NULL lat2", [0, 0, 0, null], null],
    ["NaN", [Number.NaN, 0, 0, 0], null],
    ["+Inf", [0, 0, Number.POSITIVE_INFINITY, 0], null],
    ["lat1 > 90", [0, 90.000001, 0, 0], null],
    ["lat2 < -90", [0, 0, 0, -91], null],
  ];
  for (const [name, args, expected] of cases) {
    it(`${name}: angSep(${args.join(", ")}) = ${expected}`, () => {
      const got = scisqlAngSep(...args);
      if (expected === null) expect(got).to.equal(null);
      else expect(got).to.be.closeTo(expected, 1e-12);
    });
  }
});

describe("scisqlS2PtInCircle (qserv/README §b: NULL → 0, invalid → NULL, boundary inclusive)", () => {
  const cases: Array<[string, [N, N, N, N, N], ScisqlPredicateResult]> = [
    ["inside", [10, 20, 10, 21, 2], 1],
    ["outside", [10, 20, 10, 23, 2], 0],
    ["on the boundary due north (inclusive)", [10, 25, 10, 20, 5], 1],
    ["on the boundary due south (inclusive)", [10, 15, 10, 20, 5], 1],
    ["just outside the boundary", [10, 25.000001, 10, 20, 5], 0],
    ["cone at the north pole, any RA inside", [123, 86, 0, 90, 5], 1],
    ["cone at the north pole, boundary at RA of the centre", [0, 85, 0, 90, 5], 1],
    ["cone at the north pole, outside", [200, 84.9, 0, 90, 5], 0],
    ["point at the south pole inside a cone near it", [0, -90, 123, -89.5, 1], 1],
    ["cone centred at RA 359 reaches RA 1", [1, 10, 359, 10, 3], 1],
    ["cone centred at RA 359 reaches RA 356.5", [356.5, 10, 359, 10, 3], 1],
    ["cone centred at RA 359 misses RA 2.5 (3.45° away at dec 10)", [2.5, 10, 359, 10, 3], 0],
    ["cone centred at RA 0.5 contains RA 359.9", [359.9, -20, 0.5, -20, 1], 1],
    ["cone centred at RA 360 equals RA 0", [0, 0, 360, 0, 0.5], 1],
    ["radius 0 contains its centre", [45, 45, 45, 45, 0], 1],
    ["radius 0 contains nothing else", [45, 45.0000001, 45, 45, 0], 0],
    ["radius 180 contains the antipode", [190, -20, 10, 20, 180], 1],
    ["negative radius is an error", [0, 0, 0, 0, -1], null],
    ["radius over 180 is an error", [0, 0, 0, 0, 180.5], null],
    ["NaN radius is an error", [0, 0, 0, 0, Number.NaN], null],
    ["latitude over 90 is an error", [0, 90.5, 0, 0, 1], null],
    ["centre latitude under -90 is an error", [0, 0, 0, -90.5, 1], null],
    ["Inf longitude is an error", [Number.NEGATIVE_INFINITY, 0, 0, 0, 1], null],
    ["NULL point gives 0", [null, 0, 0, 0, 1], 0],
    ["NULL radius gives 0", [0, 0, 0, 0, null], 0],
    // README §b is silent on order; scisql checks every argument for NULL before validating any.
    ["NULL wins over an invalid latitude", [null, 95, 0, 0, 1], 0],
  ];
  for (const [name, args, expected] of cases) {
    it(`${name}: s2PtInCircle(${args.join(", ")}) = ${expected}`, () => {
      expect(scisqlS2PtInCircle(...args)).to.equal(expected);
    });
  }
});

describe("scisqlS2PtInBox (qserv/README §b: coordinate ranges, inclusive, RA wrap-around)", () => {
  const cases: Array<[string, [N, N, N, N, N, N], ScisqlPredicateResult]> = [
    ["inside", [5, 5, 0, 0, 10, 10], 1],
    ["corner lonMin/latMin (inclusive)", [0, 0, 0, 0, 10, 10], 1],
    ["corner lonMax/latMax (inclusive)", [10, 10, 0, 0, 10, 10], 1],
    ["just east", [10.000001, 5, 0, 0, 10, 10], 0],
    ["just north", [5, 10.000001, 0, 0, 10, 10], 0],
    ["wrap 350..10 contains 355", [355, 0, 350, -10, 10, 10], 1],
    ["wrap 350..10 contains 5", [5, 0, 350, -10, 10, 10], 1],
    ["wrap 350..10 contains 0", [0, 0, 350, -10, 10, 10], 1],
    ["wrap 350..10 contains 360 (reduced to 0)", [360, 0, 350, -10, 10, 10], 1],
    ["wrap 350..10 contains -5 (reduced to 355)", [-5, 0, 350, -10, 10, 10], 1],
    ["wrap 350..10 boundary 350", [350, 10, 350, -10, 10, 10], 1],
    ["wrap 350..10 misses 180", [180, 0, 350, -10, 10, 10], 0],
    ["wrap 350..10 misses 349.9", [349.9, 0, 350, -10, 10, 10], 0],
    ["lonMax < lonMin with lonMax < 0 is an error", [0, 0, 10, -10, -5, 10], null],
    ["lonMax < lonMin with lonMin > 360 is an error", [0, 0, 370, -10, 10, 10], null],
    ["350..370 is range-reduced to 350..10", [5, 0, 350, -10, 370, 10], 1],
    ["-10..10 is range-reduced to 350..10", [355, 0, -10, -10, 10, 10], 1],
    ["-10..10 misses 11", [11, 0, -10, -10, 10, 10], 0],
    ["0..360 spans every longitude", [359.9, 0, 0, -10, 360, 10], 1],
    ["-180..180 spans every longitude", [90, 0, -180, -10, 180, 10], 1],
    // Not in README §b; scisql's code reduces 360 to 0 here, so 360..10 is 0..10, not a wrap.
    ["360..10 is 0..10", [5, 0, 360, -10, 10, 10], 1],
    ["360..10 does not contain 355", [355, 0, 360, -10, 10, 10], 0],
    ["latMin > latMax is empty, not an error", [0, 0, 0, 10, 10, -10], 0],
    ["polar cap 0..360 x 80..90 contains the pole", [123, 90, 0, 80, 360, 90], 1],
    ["boxes are coordinate ranges even at the pole", [180, 90, 0, 85, 90, 90], 0],
    ["point latitude over 90 is an error", [0, 91, 0, 0, 10, 10], null],
    ["latMin under -90 is an error", [0, 0, 0, -91, 10, 10], null],
    ["NaN is an error", [0, 0, Number.NaN, 0, 10, 10], null],
    ["NULL lon gives 0", [null, 0, 0, 0, 10, 10], 0],
    ["NULL latMax gives 0", [5, 5, 0, 0, 10, null], 0],
    ["NULL wins over an invalid latitude", [0, 91, 0, 0, 10, null], 0],
  ];
  for (const [name, args, expected] of cases) {
    it(`${name}: s2PtInBox(${args.join(", ")}) = ${expected}`, () => {
      expect(scisqlS2PtInBox(...args)).to.equal(expected);
    });
  }
});

describe("scisqlS2PtInCPoly (qserv/README §b: 3..20 vertices, either orientation)", () => {
  const square = [0, 0, 10, 0, 10, 10, 0, 10];
  const squareCw = [0, 10, 10, 10, 10, 0, 0, 0];
  const northCap = [0, 80, 90, 80, 180, 80, 270, 80];
  const southCap = [270, -80, 180, -80, 90, -80, 0, -80];
  const acrossRa0 = [350, -5, 10, -5, 10, 5, 350, 5];
  const acrossRa0Cw = [350, 5, 10, 5, 10, -5, 350, -5];
  const cases: Array<[string, [N, N], N[], ScisqlPredicateResult]> = [
    ["inside a square, anticlockwise", [5, 5], square, 1],
    ["inside a square, clockwise", [5, 5], squareCw, 1],
    ["outside a square, anticlockwise", [15, 5], square, 0],
    ["outside a square, clockwise", [15, 5], squareCw, 0],
    // On these edges the arithmetic is exact (a zero coordinate), so the inclusive boundary shows.
    ["a vertex is inside (boundary inclusive)", [0, 0], square, 1],
    ["a point on the RA 0 edge is inside", [0, 5], square, 1],
    ["a point on the equator edge is inside", [5, 0], squareCw, 1],
    ["polygon around the north pole contains the pole", [0, 90], northCap, 1],
    ["polygon around the north pole, near a vertex", [0, 81], northCap, 1],
    // Edges are great circles: between vertices at lat 80 the edge bulges poleward to ~82.9.
    ["edges are great circles, not parallels", [45, 81], northCap, 0],
    ["polygon around the south pole, RA decreasing", [123, -89], southCap, 1],
    ["polygon around the south pole excludes the equator", [0, 0], southCap, 0],
    ["polygon across RA 0 contains RA 0", [0, 0], acrossRa0, 1],
    ["polygon across RA 0 contains RA 355", [355, 0], acrossRa0, 1],
    ["polygon across RA 0 contains RA 360", [360, 1], acrossRa0Cw, 1],
    ["polygon across RA 0 excludes RA 15", [15, 0], acrossRa0, 0],
    ["polygon across RA 0 excludes RA 180", [180, 0], acrossRa0Cw, 0],
    ["NULL point gives 0", [null, 5], square, 0],
    ["NULL vertex gives 0", [5, 5], [0, 0, 10, null, 10, 10, 0, 10], 0],
    ["point latitude over 90 is an error", [5, 90.5], square, null],
    ["vertex latitude over 90 is an error", [5, 5], [0, 0, 10, 0, 10, 95, 0, 10], null],
    ["Inf vertex is an error", [5, 5], [0, 0, Number.POSITIVE_INFINITY, 0, 10, 10], null],
    // scisql checks the point first (NULL → 0, invalid → NULL), then all vertices for NULL, then their values.
    ["NULL point wins over an invalid vertex", [null, 5], [0, 0, 10, 95, 10, 10], 0],
    ["invalid point wins over a NULL vertex", [5, 95], [0, 0, 10, null, 10, 10], null],
    ["NULL vertex wins over an invalid vertex", [5, 5], [0, 0, 10, 95, null, 10], 0],
    ["repeated vertex: degenerate → NULL", [5, 5], [0, 0, 0, 0, 10, 10], null],
    ["closing vertex repeated: degenerate → NULL", [5, 5], [...square, 0, 0], null],
    ["all vertices on the equator: degenerate → NULL", [5, 0], [0, 0, 10, 0, 20, 0], null],
    // Non-convex polygons are the caller's problem in scisql: the result is the intersection of
    // the edge half-spaces, so (1, 5), inside the left lobe of this notched square, gives 0.
    ["non-convex polygon is not detected", [1, 5], [0, 0, 10, 0, 10, 10, 5, 3, 0, 10], 0],
    ["20 vertices are accepted", [0, 0], circleOfVertices(20, 5), 1],
  ];
  for (const [name, [lon, lat], vertices, expected] of cases) {
    it(`${name}: s2PtInCPoly(${lon}, ${lat}, ${vertices.length / 2} vertices) = ${expected}`, () => {
      expect(scisqlS2PtInCPoly(lon, lat, vertices)).to.equal(expected);
    });
  }

  const arity: Array<[string, N[]]> = [
    ["an odd number of coordinates", [0, 0, 10, 0, 10]],
    ["two vertices", [0, 0, 10, 0]],
    ["21 vertices", circleOfVertices(21, 5)],
  ];
  for (const [name, vertices] of arity) {
    it(`${name} fails the query like scisql's init (SCISQL_CPOLY_ARITY)`, () => {
      expect(() => scisqlS2PtInCPoly(0, 0, vertices))
        .to.throw(GeometryError)
        .with.property("code", "SCISQL_CPOLY_ARITY");
    });
  }
});

/** n vertices on a small circle of the given radius around (0, 0), anticlockwise. */
function circleOfVertices(n: number, radius: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    out.push((radius * Math.cos(a) + 360) % 360, radius * Math.sin(a));
  }
  return out;
}
