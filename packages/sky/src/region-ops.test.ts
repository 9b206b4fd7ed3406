/**
 * Region–region operations (ADQL 2.1 §4.2.6 CONTAINS, §4.2.7 CENTROID, §4.2.8 INTERSECTS, §4.2.13 AREA; DALI
 * 1.1 §3.3 point, circle, range, polygon), checked against an independent brute-force oracle
 * (test-support/region-oracle.ts: signed distances and sampling, used only where its answer is clear by a
 * margin) and against analytic expectations for the touching cases the oracle cannot settle.
 */
import { expect } from "chai";
import { parseRegion } from "./region-text.js";
import { circle, point, polygon, rangeBox, type Region } from "./regions.js";
import {
  oracleIntersects,
  oracleMoments,
  oracleOf,
  oracleWithin,
  sep,
  vec,
  type Spec,
  type V,
} from "./test-support/region-oracle.js";

function build(s: Spec): Region {
  switch (s.kind) {
    case "point":
      return point(s.lon, s.lat);
    case "circle":
      return s.r === 0 ? parseRegion("circle", `${s.lon} ${s.lat} 0`) : circle(s.lon, s.lat, s.r);
    case "polygon":
      return polygon(s.v);
    case "range":
      return rangeBox(s.lon1, s.lon2, s.lat1, s.lat2);
  }
}

const C = (lon: number, lat: number, r: number): Spec => ({ kind: "circle", lon, lat, r });
const P = (...v: [number, number][]): Spec => ({ kind: "polygon", v });
const R = (lon1: number, lon2: number, lat1: number, lat2: number): Spec => ({ kind: "range", lon1, lon2, lat1, lat2 });
const PT = (lon: number, lat: number): Spec => ({ kind: "point", lon, lat });

/** The table of footprints: at RA 0, at the poles, larger than a hemisphere, tiny, and more. */
const TABLE: { name: string; spec: Spec }[] = [
  { name: "footprint across RA 0", spec: P([359.5, -0.5], [0.5, -0.5], [0.5, 0.5], [359.5, 0.5]) },
  { name: "tilted footprint across RA 0, clockwise", spec: P([-0.2, 0.9], [0.9, 0.2], [0.2, -0.9], [-0.9, -0.2]) },
  { name: "range across RA 0", spec: R(359, 1, -1, 1) },
  { name: "circle crossing the RA 0 footprint's edge, holding no vertex", spec: C(0, 0.6, 0.15) },
  { name: "polygon holding the north pole", spec: P([0, 85], [90, 85], [180, 85], [270, 85]) },
  { name: "range: cap to +90", spec: R(0, 360, 86, 90) },
  { name: "range: wedge to +90", spec: R(10, 100, 80, 90) },
  { name: "circle over the north pole", spec: C(45, 89, 2) },
  { name: "polygon holding the south pole", spec: P([0, -84], [120, -84], [240, -84]) },
  { name: "range to -90 across RA 0", spec: R(350, 20, -90, -87) },
  { name: "circle of radius 120 (larger than a hemisphere)", spec: C(0, 0, 120) },
  { name: "circle of radius 100 elsewhere", spec: C(200, -30, 100) },
  { name: "large polygon holding the south pole", spec: P([0, -10], [90, -10], [180, -10], [270, -10]) },
  { name: "range 280° wide", spec: R(100, 20, -10, 10) },
  { name: "band of every longitude", spec: R(0, 360, -5, 5) },
  { name: "tiny polygon (1e-4°)", spec: P([10, 10], [10.0001, 10], [10.0001, 10.0001], [10, 10.0001]) },
  { name: "tiny circle on the tiny polygon's corner", spec: C(10.0001, 10.0001, 5e-5) },
  { name: "tiny circle at RA 0", spec: C(0, 0, 1e-4) },
  { name: "1° circle round the tiny ones", spec: C(10, 10, 1) },
  { name: "point inside the tiny polygon", spec: PT(10.00005, 10.00005) },
  { name: "point at the north pole", spec: PT(0, 90) },
  { name: "point at RA 0", spec: PT(0, 0) },
  { name: "the whole sky (circle of 180)", spec: C(0, 0, 180) },
  { name: "range without width (a stretch of meridian)", spec: R(5, 5, -2, 2) },
  { name: "circle of radius 0", spec: C(0.2, 0.1, 0) },
  { name: "long thin strip through RA 0 (vertices far outside the circles on it)", spec: P([-5, -0.01], [5, -0.01], [5, 0.01], [-5, 0.01]) },
];

describe("sky region operations vs a brute-force oracle (ADQL 2.1 §4.2)", function () {
  this.timeout(120000);
  const built = TABLE.map((t) => ({ ...t, region: build(t.spec), oracle: oracleOf(t.spec) }));

  it("INTERSECTS and CONTAINS of every ordered pair agree with the oracle wherever it is clear", () => {
    let clearI = 0;
    let clearW = 0;
    const wrong: string[] = [];
    for (const a of built) {
      for (const b of built) {
        const got = a.region.intersects(b.region);
        if (got !== b.region.intersects(a.region)) wrong.push(`${a.name} / ${b.name}: intersects is not symmetric`);
        const want = oracleIntersects(a.oracle, b.oracle);
        if (want !== "unclear") {
          clearI++;
          if (got !== want) wrong.push(`${a.name} ∩ ${b.name}: got ${got}, oracle ${want}`);
        }
        const gotW = a.region.within(b.region);
        if (gotW && !got) wrong.push(`${a.name} within ${b.name} but they do not intersect`);
        const wantW = oracleWithin(a.oracle, b.oracle);
        if (wantW !== "unclear") {
          clearW++;
          if (gotW !== wantW) wrong.push(`${a.name} ⊆ ${b.name}: got ${gotW}, oracle ${wantW}`);
        }
      }
    }
    expect(wrong).to.deep.equal([]);
    // Most pairs are clear; the rest are touching or nearly so (the analytic table below).
    const pairs = built.length * built.length;
    expect(clearI, "pairs the oracle decided for INTERSECTS").to.be.greaterThan(pairs * 0.85);
    expect(clearW, "pairs the oracle decided for CONTAINS").to.be.greaterThan(pairs * 0.85);
  });

  for (const t of built) {
    it(`${t.name}: area, centroid and declination range agree with the oracle`, () => {
      const o = t.oracle;
      const r = t.region;
      if (o.radius === 0) {
        expect(r.area()).to.equal(0);
      } else {
        const h = Math.max(o.radius / 200, 1e-9);
        const m = oracleMoments(o, h);
        // Midpoint rule: only cells cut by the edge can be wrong, about perimeter × h of them.
        const tol = o.perimeter * h + 1e-11 * m.area + 1e-15;
        expect(r.area(), "area").to.be.closeTo(m.area, tol);
        const len = Math.hypot(m.moment.x, m.moment.y, m.moment.z);
        const [clon, clat] = r.centroid();
        if (t.spec.kind === "circle") {
          expect([clon, clat]).to.deep.equal([t.spec.lon < 0 ? t.spec.lon + 360 : t.spec.lon % 360, t.spec.lat]);
        } else if (Number.isNaN(clon)) {
          // No centroid: the oracle's moment must vanish within its own error.
          expect(len, "moment of a region without centroid").to.be.below(tol);
        } else if (len > 3 * tol) {
          // The oracle's moment is off by at most about tol, which turns its direction by at most tol / (len − tol).
          expect(sep(vec(clon, clat), scale(m.moment, 1 / len)), "centroid").to.be.below(tol / (len - tol));
        }
      }
      const [lo, hi] = r.decRange();
      const step = Math.max(o.radius / 2000, 1e-9);
      const lats = o.boundary(step).map((v) => (Math.atan2(v.z, Math.hypot(v.x, v.y)) * 180) / Math.PI);
      if (r.contains(0, 90)) lats.push(90);
      if (r.contains(0, -90)) lats.push(-90);
      const slack = ((step * 180) / Math.PI) ** 2 + 1e-9;
      expect(Math.min(...lats), "lowest latitude").to.be.within(lo - 1e-9, lo + slack + (step * 180) / Math.PI);
      expect(Math.max(...lats), "highest latitude").to.be.within(hi - slack - (step * 180) / Math.PI, hi + 1e-9);
    });
  }
});

function scale(v: V, s: number): V {
  return { x: v.x * s, y: v.y * s, z: v.z * s };
}

const SQ = P([0, 0], [1, 0], [1, 1], [0, 1]);
/** The top edge of SQ, a great circle from (1, 1) to (0, 1), is highest at lon 0.5: tan φ = tan 1° / cos 0.5°. */
const SQ_TOP = (Math.atan(Math.tan(Math.PI / 180) / Math.cos(Math.PI / 360)) * 180) / Math.PI;

/** [A, B, A ∩ B ≠ ∅, A ⊆ B, B ⊆ A]: cases whose answer sits exactly on an edge, decided by geometry. */
const TOUCHING: [string, Spec, Spec, boolean, boolean, boolean][] = [
  ["squares sharing only a vertex", SQ, P([1, 1], [2, 1], [2, 2], [1, 2]), true, false, false],
  ["squares sharing an edge", SQ, P([1, 0], [2, 0], [2, 1], [1, 1]), true, false, false],
  ["squares sharing an edge, opposite windings", P([0, 1], [1, 1], [1, 0], [0, 0]), P([1, 0], [2, 0], [2, 1], [1, 1]), true, false, false],
  ["squares sharing the meridian RA 0", P([359, 0], [0, 0], [0, 1], [359, 1]), SQ, true, false, false],
  ["a vertex on the middle of an edge", SQ, P([0.5, 0], [1, -1], [0, -1]), true, false, false],
  ["squares 1e-9° apart", SQ, P([1 + 1e-9, 0], [2, 0], [2, 1], [1 + 1e-9, 1]), false, false, false],
  ["polygon and range sharing only a corner", P([1, 1], [2, 1], [2, 2], [1, 2]), R(0, 1, 0, 1), true, false, false],
  ["ranges sharing a meridian side", R(0, 1, 0, 1), R(1, 2, 0, 1), true, false, false],
  ["ranges sharing the meridian RA 0", R(359, 0, 0, 1), R(0, 1, 0, 1), true, false, false],
  ["ranges sharing a parallel side", R(0, 1, 0, 1), R(0, 1, 1, 2), true, false, false],
  ["ranges meeting at a corner", R(0, 1, 0, 1), R(1, 2, 1, 2), true, false, false],
  // Three sides shared; the square's top edge is a great circle, which bulges north of the parallel.
  ["range inside the square of the same corners", R(0, 1, 0, 1), SQ, true, true, false],
  ["circle tangent to an edge from outside", C(0.5, -0.5, 0.5), SQ, true, false, false],
  ["circle 1e-9° short of an edge", C(0.5, -0.5, 0.5 - 1e-9), SQ, false, false, false],
  ["circle tangent to an edge from inside", C(0.5, 0.4, 0.4), SQ, true, true, false],
  ["caps sharing their whole edge (radius 120 and its complement)", C(0, 0, 120), C(180, 0, 60), true, false, false],
  ["the complement cap a hair smaller", C(0, 0, 120), C(180, 0, 60 - 1e-9), false, false, false],
  ["equal circles", C(10, 20, 1), C(10, 20, 1), true, true, true],
  ["equal polygons, other start and winding", SQ, P([1, 1], [1, 0], [0, 0], [0, 1]), true, true, true],
  ["whole sky and a tiny polygon", C(0, 0, 180), P([10, 10], [10.0001, 10], [10.0001, 10.0001]), true, false, true],
  ["whole sky as a range and as a circle", R(0, 360, -90, 90), C(30, 40, 180), true, true, true],
  ["point on an edge", PT(0.5, 0), SQ, true, true, false],
  ["point at a vertex", PT(1, 1), SQ, true, true, false],
  ["the pole in a wedge reaching it", PT(123, 90), R(10, 20, 80, 90), true, true, false],
  ["point 1e-9° off an edge", PT(0.5, -1e-9), SQ, false, false, false],
  ["polygon in the gap of a 280° range", R(100, 20, -10, 10), P([50, 0], [60, 0], [55, 5]), false, false, false],
  ["polygon touching the gap's side", R(100, 20, -10, 10), P([20, 0], [30, 0], [25, 5]), true, false, false],
  ["a meridian stretch along an edge", R(0, 0, 0, 1), SQ, true, true, false],
  ["polar cap inside the pole polygon", R(0, 360, 87, 90), P([0, 85], [90, 85], [180, 85], [270, 85]), true, true, false],
  ["pole polygon inside the cap through its vertices", P([0, 85], [90, 85], [180, 85], [270, 85]), R(0, 360, 85, 90), true, true, false],
  ["polar cap of 86 reaches past the pole polygon's edges", R(0, 360, 86, 90), P([0, 85], [90, 85], [180, 85], [270, 85]), true, false, false],
  ["circle of radius 0 and the point", C(10, 20, 0), PT(10, 20), true, true, true],
  ["circle through a range's corner from outside", C(2, 1, 1), R(0, 1, 0, 1), true, false, false],
  // Only edge crossings can show these: no vertex of either lies in the other.
  ["circle across a strip, holding none of its vertices", C(0, 0, 1), P([-5, -0.01], [5, -0.01], [5, 0.01], [-5, 0.01]), true, false, false],
  ["circle beside the strip", C(0, 0.3, 0.25), P([-5, -0.01], [5, -0.01], [5, 0.01], [-5, 0.01]), false, false, false],
  ["crossed strips (a plus sign)", P([-5, -0.01], [5, -0.01], [5, 0.01], [-5, 0.01]), P([-0.01, -5], [0.01, -5], [0.01, 5], [-0.01, 5]), true, false, false],
  ["range across a strip", R(359.9, 0.1, -3, 3), P([-5, -0.01], [5, -0.01], [5, 0.01], [-5, 0.01]), true, false, false],
];

describe("sky region operations: touching and nested cases (ADQL 2.1 §4.2.6, §4.2.8; boundaries inclusive)", () => {
  for (const [name, a, b, meet, aInB, bInA] of TOUCHING) {
    it(name, () => {
      const ra = build(a);
      const rb = build(b);
      expect(ra.intersects(rb), "A ∩ B").to.equal(meet);
      expect(rb.intersects(ra), "B ∩ A").to.equal(meet);
      expect(ra.within(rb), "A ⊆ B").to.equal(aInB);
      expect(rb.within(ra), "B ⊆ A").to.equal(bInA);
    });
  }

  it("a non-Region object is refused with a TypeError", () => {
    const fake = { ...circle(0, 0, 1) } as Region;
    expect(() => circle(0, 0, 1).intersects(fake)).to.throw(TypeError);
  });
});

describe("sky region centroid and declination range: analytic values", () => {
  const cases: [string, () => Region, [number, number] | "nan", [number, number]][] = [
    ["circle: its centre", () => circle(370, -20, 3), [10, -20], [-23, -17]],
    ["circle over the pole: its centre, decRange clamped", () => circle(45, 89, 2), [45, 89], [87, 90]],
    ["range across RA 0, symmetric", () => rangeBox(350, 10, -1, 1), [0, 0], [-1, 1]],
    ["band symmetric about the equator: no centroid", () => rangeBox(0, 360, -5, 5), "nan", [-5, 5]],
    ["range cap to the south pole", () => rangeBox(0, 360, -90, -80), [0, -90], [-90, -80]],
    ["square symmetric about lon 0.5", () => polygon([[0, 0], [1, 0], [1, 1], [0, 1]]), [0.5, Number.NaN], [0, SQ_TOP]],
    // Great-circle edges between vertices at −80 dip to atan(tan 80° / cos 45°) = 82.8929...° at lon 45.
    ["polygon round the south pole", () => polygon([[0, -80], [90, -80], [180, -80], [270, -80]]), [Number.NaN, -90], [-90, -80]],
    ["point", () => point(-10, 5), [350, 5], [5, 5]],
    ["meridian stretch: its middle", () => rangeBox(5, 5, -2, 4), [5, 1], [-2, 4]],
  ];
  for (const [name, make, cen, dec] of cases) {
    it(name, () => {
      const r = make();
      const [lon, lat] = r.centroid();
      if (cen === "nan") {
        expect(Number.isNaN(lon) && Number.isNaN(lat)).to.equal(true);
      } else {
        if (!Number.isNaN(cen[0]) && Math.abs(lat) < 90) expect(Math.min(Math.abs(lon - cen[0]), 360 - Math.abs(lon - cen[0]))).to.be.below(1e-9);
        if (!Number.isNaN(cen[1])) expect(lat).to.be.closeTo(cen[1], 1e-9);
      }
      const [lo, hi] = r.decRange();
      expect(lo).to.be.closeTo(dec[0], 1e-12);
      expect(hi).to.be.closeTo(dec[1], 1e-12);
    });
  }

  it("a great-circle edge reaching past its vertices, away from the pole", () => {
    // The edge from (0, −80) to (90, −80) is lowest at lon 45: atan(tan 80° / cos 45°) = 82.8929...°.
    const r = polygon([[0, -80], [90, -80], [45, -60]]);
    const want = -(Math.atan(Math.tan((80 * Math.PI) / 180) / Math.cos(Math.PI / 4)) * 180) / Math.PI;
    expect(r.decRange()).to.deep.equal([r.decRange()[0], -60]);
    expect(r.decRange()[0]).to.be.closeTo(want, 1e-12);
  });
});
