/**
 * Region–region operations (ADQL 2.1 §4.2.12 CONTAINS, §4.2.10 CENTROID, §4.2.17 INTERSECTS, §4.2.8 AREA;
 * DALI §3.7–3.10 point, circle, range, polygon), checked against an independent brute-force oracle
 * (test-support/region-oracle.ts: signed distances and sampling, used only where its answer is clear by a
 * margin) and against analytic expectations for the touching cases the oracle cannot settle.
 */
import { expect } from "chai";
import { formatRegion, parseRegion } from "./region-text.js";
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
      // Every region meets and lies within itself (edges inclusive, within the tolerance).
      if (!a.region.intersects(a.region) || !a.region.within(a.region)) wrong.push(`${a.name}: not within itself`);
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

describe("sky region operations: random pairs (seeded) at RA 0, the poles and elsewhere, 1e-4° to 60°", function () {
  this.timeout(120000);
  let seed = 20261205;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const clampLat = (x: number): number => Math.max(-90, Math.min(90, x));
  /** A convex polygon: vertices on a small circle about (lon, lat) at sorted azimuths. */
  const polygonAbout = (lon: number, lat: number, rDeg: number, n: number): [number, number][] => {
    const az = Array.from({ length: n }, () => rnd() * 2 * Math.PI).sort((x, y) => x - y);
    return az.map((a) => onCircleAbout(lon, lat, rDeg, a));
  };
  const randomSpec = (lon: number, lat: number, size: number): Spec => {
    const k = rnd();
    if (k < 0.3) return C(lon + (rnd() - 0.5) * size, clampLat(lat + (rnd() - 0.5) * size), size * (0.2 + rnd()));
    if (k < 0.6) return R(lon - size * rnd() * 2, lon + size * rnd() * 2, clampLat(lat - size * rnd()), clampLat(lat + size * rnd()));
    if (k < 0.65) return PT(lon + (rnd() - 0.5) * size, clampLat(lat + (rnd() - 0.5) * size));
    return P(...polygonAbout(lon, lat, size * (0.3 + rnd()), 3 + Math.floor(rnd() * 5)));
  };
  const place = (): [number, number] => {
    const spots: [number, number][] = [[0, 0], [0, 89], [180, -88], [359.9, 30], [rnd() * 360, rnd() * 180 - 90]];
    return spots[Math.floor(rnd() * spots.length)]!;
  };

  it("INTERSECTS and CONTAINS agree with the oracle on 600 random pairs", () => {
    const counts = { clear: 0, meet: 0, apart: 0, within: 0, notWithin: 0 };
    const wrong: string[] = [];
    for (let i = 0; i < 600; i++) {
      const [lon, lat] = place();
      const size = Math.min(60, 10 ** (-4 + rnd() * 6));
      let a: Spec;
      let b: Spec;
      let ra: Region;
      let rb: Region;
      try {
        a = randomSpec(lon, lat, size);
        b = randomSpec(lon, lat, size);
        ra = build(a);
        rb = build(b);
      } catch {
        continue; // a random polygon that polygon() refuses (nearly degenerate)
      }
      const oi = oracleIntersects(oracleOf(a), oracleOf(b));
      if (oi !== "unclear") {
        counts.clear++;
        counts[oi ? "meet" : "apart"]++;
        if (oi !== ra.intersects(rb)) wrong.push(`∩ ${JSON.stringify(a)} ${JSON.stringify(b)}: oracle ${oi}`);
      }
      const ow = oracleWithin(oracleOf(a), oracleOf(b));
      if (ow !== "unclear") {
        counts[ow ? "within" : "notWithin"]++;
        if (ow !== ra.within(rb)) wrong.push(`⊆ ${JSON.stringify(a)} ${JSON.stringify(b)}: oracle ${ow}`);
      }
    }
    expect(wrong).to.deep.equal([]);
    expect(counts.clear).to.be.greaterThan(550);
    for (const k of ["meet", "apart", "within", "notWithin"] as const) expect(counts[k], k).to.be.greaterThan(40);
  });

  it("a point meets and lies within a region exactly when contains() says so, away from the edge (3000 random)", () => {
    const wrong: string[] = [];
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const [lon, lat] = place();
      const size = Math.min(60, 10 ** (-4 + rnd() * 6));
      let spec: Spec;
      try {
        spec = randomSpec(lon, lat, size);
        build(spec);
      } catch {
        continue;
      }
      const r = build(spec);
      const plon = lon + (rnd() - 0.5) * 3 * size;
      const plat = clampLat(lat + (rnd() - 0.5) * 3 * size);
      // Only where the point is clearly in or out (the operations allow 1e-12 rad at the edge, contains() none).
      if (Math.abs(oracleOf(spec).sd(vec(plon, plat))) < 1e-9) continue;
      checked++;
      const p = point(plon, plat);
      const want = r.contains(plon, plat);
      if (p.within(r) !== want || p.intersects(r) !== want || r.intersects(p) !== want) wrong.push(`${JSON.stringify(spec)} (${plon}, ${plat})`);
    }
    expect(wrong).to.deep.equal([]);
    expect(checked).to.be.greaterThan(2500);
  });

  it("polygons built on each other's edge touch (and 1e-9 of their size apart do not), 300 random cases", () => {
    const wrong: string[] = [];
    for (let i = 0; i < 300; i++) {
      const [lon, lat] = place();
      const size = Math.min(30, 10 ** (-4 + rnd() * 5));
      const va = polygonAbout(lon, lat, size, 3 + Math.floor(rnd() * 4));
      let a: Region;
      try {
        a = polygon(va);
      } catch {
        continue;
      }
      // The triangle on the far side of edge j: its third vertex is the mirror image of A's centre there.
      const j = Math.floor(rnd() * va.length);
      const p = va[j]!;
      const q = va[(j + 1) % va.length]!;
      const [mx, my] = a.centroid();
      const far = mirror(vec(mx, my), vec(...p), vec(...q));
      const b = polygon([q, p, far]);
      if (!a.intersects(b) || !b.intersects(a) || a.within(b) || b.within(a)) wrong.push(`edge ${JSON.stringify([va, j])}`);
      // Only the vertex p shared: the triangle turned about p away from A.
      // The same triangle with its edge moved 1e-9° (1.7e-11 rad, above the 1e-12 tolerance) out from A's: apart.
      const shift = (v: [number, number]): [number, number] => awayFrom(v, vec(...p), vec(...q), vec(mx, my), 1e-9);
      const b2 = polygon([shift(q), shift(p), far]);
      if (a.intersects(b2) || b2.intersects(a)) wrong.push(`gap ${JSON.stringify([va, j])}`);
      // The triangle holding p as a vertex, with the mirror of q in the edge p–far: A and it share p.
      const c = polygon([p, far, mirror(vec(...q), vec(...p), vec(...far))]);
      if (!a.intersects(c) || !c.intersects(a)) wrong.push(`vertex ${JSON.stringify([va, j])}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it("the centroid of a convex polygon or a range lies inside it, at every size down to 1e-6°", () => {
    const outside: string[] = [];
    for (let i = 0; i < 300; i++) {
      const [lon, lat] = place();
      const size = Math.min(40, 10 ** (-6 + rnd() * 7));
      let r: Region;
      try {
        r =
          i % 2 === 0
            ? polygon(polygonAbout(lon, lat, size, 3 + Math.floor(rnd() * 6)))
            : rangeBox(lon - size * rnd(), lon + size * rnd(), clampLat(lat - size * rnd()), clampLat(lat + size * rnd()));
      } catch {
        continue;
      }
      if (r.area() === 0) continue;
      const [clon, clat] = r.centroid();
      if (!r.contains(clon, clat)) outside.push(`${JSON.stringify(r.kind === "polygon" ? r.vertices : r.decRange())} → ${clon} ${clat}`);
    }
    expect(outside).to.deep.equal([]);
  });
});

/** v moved `by` degrees off the great circle through p and q, to the side away from `inside`. */
function awayFrom(v: [number, number], p: V, q: V, inside: V, by: number): [number, number] {
  const n0 = { x: p.y * q.z - p.z * q.y, y: p.z * q.x - p.x * q.z, z: p.x * q.y - p.y * q.x };
  const l = Math.hypot(n0.x, n0.y, n0.z);
  const sgn = n0.x * inside.x + n0.y * inside.y + n0.z * inside.z > 0 ? -1 : 1;
  const n = { x: (sgn * n0.x) / l, y: (sgn * n0.y) / l, z: (sgn * n0.z) / l };
  const a = vec(...v);
  const b = (by * Math.PI) / 180;
  const m = { x: Math.cos(b) * a.x + Math.sin(b) * n.x, y: Math.cos(b) * a.y + Math.sin(b) * n.y, z: Math.cos(b) * a.z + Math.sin(b) * n.z };
  return [((Math.atan2(m.y, m.x) * 180) / Math.PI + 360) % 360, (Math.atan2(m.z, Math.hypot(m.x, m.y)) * 180) / Math.PI];
}

/** The direction of x mirrored in the great circle through p and q. */
function mirror(x: V, p: V, q: V): [number, number] {
  const n = { x: p.y * q.z - p.z * q.y, y: p.z * q.x - p.x * q.z, z: p.x * q.y - p.y * q.x };
  const l = Math.hypot(n.x, n.y, n.z);
  const k = (2 * (n.x * x.x + n.y * x.y + n.z * x.z)) / (l * l);
  const m = { x: x.x - k * n.x, y: x.y - k * n.y, z: x.z - k * n.z };
  return [((Math.atan2(m.y, m.x) * 180) / Math.PI + 360) % 360, (Math.atan2(m.z, Math.hypot(m.x, m.y)) * 180) / Math.PI];
}

/** The point rDeg from (lon, lat) at azimuth a (radians). */
function onCircleAbout(lon: number, lat: number, rDeg: number, a: number): [number, number] {
  const c = vec(lon, lat);
  const axis = Math.abs(c.z) < 0.9 ? { x: 0, y: 0, z: 1 } : { x: 1, y: 0, z: 0 };
  let u = { x: axis.y * c.z - axis.z * c.y, y: axis.z * c.x - axis.x * c.z, z: axis.x * c.y - axis.y * c.x };
  const lu = Math.hypot(u.x, u.y, u.z);
  u = { x: u.x / lu, y: u.y / lu, z: u.z / lu };
  const w = { x: c.y * u.z - c.z * u.y, y: c.z * u.x - c.x * u.z, z: c.x * u.y - c.y * u.x };
  const r = (rDeg * Math.PI) / 180;
  const p = {
    x: Math.cos(r) * c.x + Math.sin(r) * (Math.cos(a) * u.x + Math.sin(a) * w.x),
    y: Math.cos(r) * c.y + Math.sin(r) * (Math.cos(a) * u.y + Math.sin(a) * w.y),
    z: Math.cos(r) * c.z + Math.sin(r) * (Math.cos(a) * u.z + Math.sin(a) * w.z),
  };
  return [((Math.atan2(p.y, p.x) * 180) / Math.PI + 360) % 360, (Math.atan2(p.z, Math.hypot(p.x, p.y)) * 180) / Math.PI];
}

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
  // At the poles, where every longitude is the same point.
  ["the pole (at lon 77) and a polygon with a vertex at the pole (lon 0)", PT(77, 90), P([0, 80], [120, 80], [0, 90]), true, true, false],
  ["wedges on opposite sides meeting only at the pole", R(10, 20, 80, 90), R(200, 210, 85, 90), true, false, false],
  ["a south wedge and the south pole as a circle of radius 0", R(10, 20, -90, -80), C(0, -90, 0), true, false, true],
  ["a polar circle and the range of the same cap", C(0, 90, 10), R(0, 360, 80, 90), true, true, true],
  ["a pole polygon and a tiny cap at its vertex", P([0, 80], [120, 80], [0, 90]), R(0, 360, 89.999, 90), true, false, false],
  ["a polar circle and a 300° wedge of the same cap (coincident for 300°)", C(0, 90, 10), R(0, 300, 80, 90), true, false, true],
  ["the cap of radius 120 about the north pole and the range down to −30", C(0, 90, 120), R(0, 360, -30, 90), true, true, true],
  ["that cap and a range a hair smaller", C(0, 90, 120), R(0, 360, -29.999, 90), true, false, true],
  ["a band and a circle of radius 100 that leaves out lon 180", R(0, 360, -10, 10), C(0, 0, 100), true, false, false],
  ["a circle inside a band (whose complement has two parts)", C(0, 0, 5), R(0, 360, -10, 10), true, true, false],
  // Hemispheres and great circles.
  ["opposite hemispheres share their edge", C(0, 0, 90), C(180, 0, 90), true, false, false],
  ["the northern hemisphere and a band just south of it", C(0, 90, 90), R(0, 360, -10, 0), true, false, false],
  ["the northern hemisphere as a circle and as a range", C(0, 90, 90), R(0, 360, 0, 90), true, true, true],
  ["the equator as a range on the northern hemisphere's edge", R(0, 360, 0, 0), C(0, 90, 90), true, true, false],
  ["a whole parallel through a triangle", R(0, 360, 10, 10), P([0, 5], [10, 5], [5, 15]), true, false, false],
  // Only edge crossings can show these: no vertex of either lies in the other.
  ["circle across a strip, holding none of its vertices", C(0, 0, 1), P([-5, -0.01], [5, -0.01], [5, 0.01], [-5, 0.01]), true, false, false],
  ["circle beside the strip", C(0, 0.3, 0.25), P([-5, -0.01], [5, -0.01], [5, 0.01], [-5, 0.01]), false, false, false],
  ["crossed strips (a plus sign)", P([-5, -0.01], [5, -0.01], [5, 0.01], [-5, 0.01]), P([-0.01, -5], [0.01, -5], [0.01, 5], [-0.01, 5]), true, false, false],
  ["range across a strip", R(359.9, 0.1, -3, 3), P([-5, -0.01], [5, -0.01], [5, 0.01], [-5, 0.01]), true, false, false],
];

describe("sky region operations: touching and nested cases (ADQL 2.1 §4.2.12, §4.2.17; boundaries inclusive)", () => {
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

  it("regions from a second copy of the module (sources beside a build) work with ours", async () => {
    const specifier = "./regions.js?second-copy";
    const copy = (await import(specifier)) as { circle: typeof circle };
    const theirs = copy.circle(0, 0, 1);
    expect(theirs.constructor).to.not.equal(circle(0, 0, 1).constructor);
    expect(circle(0, 0, 1.5).intersects(theirs)).to.equal(true);
    expect(theirs.within(circle(0, 0, 2))).to.equal(true);
    expect(circle(0, 0, 0.5).within(theirs)).to.equal(true);
    expect(formatRegion(theirs, "shape")).to.equal("circle 0 0 1");
  });

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
