/**
 * The latitude ranges that bound-declination writes as `dec BETWEEN lo AND hi` must hold every point
 * that scisql's predicates accept (the reference in scisql.ts), for seeded random regions whose accepted
 * points (found by sampling, near vertices and edges too) must lie in the range within 1e-9° (the pass
 * widens by at least 5e-9°). Edge extremes are also checked against dense sampling of the great-circle
 * arcs, an oracle independent of the closed form. The table of exact cases is in latitude-range.test.ts.
 */
import { expect } from "chai";
import { seededRandom } from "../sql/test-support/random.js";
import { circleLatitudes, distanceLatitudes, polygonLatitudes } from "./latitude-range.js";
import { prepareS2PtInCPoly, scisqlAngSep, scisqlS2PtInCircle } from "./scisql.js";
import { DEG_PER_RAD, RAD_PER_DEG } from "@qserv-tap/sky";

/** The pass's margin is at least 5e-9°; the ranges must be good to well within it. */
const SLACK = 1e-9;

describe("latitude ranges of scisql's regions (for bound-declination): random regions", () => {
  it("random convex polygons: every accepted point is in the range, edge extremes match dense sampling", () => {
    const rnd = seededRandom(20240611);
    let accepted = 0;
    // 250 polygons: V8 block coverage of geometry/ is the same after the first 200 as after 400 (the
    // generator's shape classes repeat every 30), so more add time, not cases.
    for (let k = 0; k < 250; k++) {
      const coords = randomConvexPolygon(rnd, k);
      const range = polygonLatitudes(coords);
      expect(range, `polygon ${coords.join(", ")}`).to.not.equal(undefined);
      const { min, max } = range!;
      const inside = prepareS2PtInCPoly(coords);
      // Points at and next to the vertices, at the top and bottom of the edges, and spread over a cap around them.
      for (const [lon, lat] of probePoints(coords, range!, rnd)) {
        if (inside(lon, lat) !== 1) continue;
        accepted++;
        expect(lat, `(${lon}, ${lat}) in polygon ${coords.join(", ")}`).to.be.within(min - SLACK, max + SLACK);
      }
      // The closed-form extremes against dense sampling of the arcs.
      const [lo, hi] = sampledEdgeLatitudes(coords);
      expect(max, "max against sampled edges").to.be.at.least(hi - SLACK);
      expect(min, "min against sampled edges").to.be.at.most(lo + SLACK);
      // Not much wider either (sampling 2000 points an edge misses the top of a long edge by up to ~1e-5°).
      if (max < 90) expect(max - hi, "max is tight").to.be.below(1e-4);
      if (min > -90) expect(lo - min, "min is tight").to.be.below(1e-4);
    }
    expect(accepted, "the probes found points inside").to.be.greaterThan(10_000);
  });

  it("random cones (CONTAINS and DISTANCE): every accepted point is in the range", () => {
    const rnd = seededRandom(7);
    // 500 cones: block coverage is the same after 250 as after 2,000 (the classes repeat every 6).
    for (let k = 0; k < 500; k++) {
      const lon = rnd() * 360;
      const lat = k % 3 === 0 ? 90 - rnd() * 5 : rnd() * 180 - 90;
      const r = k % 2 === 0 ? rnd() * 179 : 10 ** (-6 + 6 * rnd());
      const c = circleLatitudes(lon, lat, r)!;
      const d = distanceLatitudes(lon, lat, r)!;
      for (let j = 0; j < 20; j++) {
        // On the meridian through the centre, just inside and outside the latitude extremes.
        const plat = Math.max(-90, Math.min(90, (j % 2 ? lat + r : lat - r) + (rnd() - 0.5) * 1e-9 * 10 ** (j % 5)));
        const plon = j < 10 ? lon : (lon + 180) % 360;
        if (scisqlS2PtInCircle(plon, plat, lon, lat, r) === 1) expect(plat).to.be.within(c.min - SLACK, c.max + SLACK);
        const sep = scisqlAngSep(plon, plat, lon, lat);
        if (sep !== null && sep < r) expect(plat).to.be.within(d.min - SLACK, d.max + SLACK);
      }
    }
  });
});

function vec(lon: number, lat: number): [number, number, number] {
  const l = lon * RAD_PER_DEG;
  const b = lat * RAD_PER_DEG;
  return [Math.cos(l) * Math.cos(b), Math.sin(l) * Math.cos(b), Math.sin(b)];
}

function latOf(v: readonly number[]): number {
  return Math.atan2(v[2]!, Math.hypot(v[0]!, v[1]!)) * DEG_PER_RAD;
}

/** [min, max] latitude of points spread along the great-circle arc from a to b (slerp). */
function sampleArc(a: [number, number], b: [number, number], steps: number): [number, number] {
  const p = vec(...a);
  const q = vec(...b);
  const omega = Math.acos(Math.max(-1, Math.min(1, p[0] * q[0] + p[1] * q[1] + p[2] * q[2])));
  let lo = Math.min(a[1], b[1]);
  let hi = Math.max(a[1], b[1]);
  if (omega < 1e-12) return [lo, hi];
  for (let i = 1; i < steps; i++) {
    const t = i / steps;
    const s = Math.sin((1 - t) * omega) / Math.sin(omega);
    const u = Math.sin(t * omega) / Math.sin(omega);
    const lat = latOf([s * p[0] + u * q[0], s * p[1] + u * q[1], s * p[2] + u * q[2]]);
    lo = Math.min(lo, lat);
    hi = Math.max(hi, lat);
  }
  return [lo, hi];
}

function sampledEdgeLatitudes(coords: readonly number[]): [number, number] {
  const n = coords.length / 2;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const [l, h] = sampleArc([coords[2 * i]!, coords[2 * i + 1]!], [coords[2 * j]!, coords[2 * j + 1]!], 2000);
    lo = Math.min(lo, l);
    hi = Math.max(hi, h);
  }
  return [lo, hi];
}

/**
 * A convex polygon: 3 to 20 vertices at increasing azimuths on a small circle, in either
 * orientation, centred anywhere (a third of them within 10° of a pole, some on RA 0/360), with
 * radii from 1e-6° to 80° (tiny ones have vertices that differ in the last digits).
 */
function randomConvexPolygon(rnd: () => number, k: number): number[] {
  for (;;) {
    const lonC = k % 5 === 0 ? (rnd() - 0.5) * 4 : rnd() * 360;
    const latC = k % 3 === 0 ? (k % 2 ? 1 : -1) * (80 + rnd() * 10) : Math.asin(rnd() * 2 - 1) * DEG_PER_RAD;
    const radius = 10 ** (-6 + Math.log10(80e6) * rnd());
    const n = 3 + Math.floor(rnd() * 18);
    const az: number[] = [];
    for (let i = 0; i < n; i++) az.push(rnd() * 2 * Math.PI);
    az.sort((a, b) => a - b);
    const c = vec(lonC, latC);
    // A tangent basis at c.
    const e1 = Math.abs(c[2]) < 0.9 ? cross([0, 0, 1], c) : cross([1, 0, 0], c);
    const u = normalise(e1);
    const w = cross(c, u);
    const rho = radius * RAD_PER_DEG;
    const coords: number[] = [];
    for (const a of az) {
      const v = c.map((ci, i) => ci * Math.cos(rho) + (u[i]! * Math.cos(a) + w[i]! * Math.sin(a)) * Math.sin(rho));
      const lon = ((Math.atan2(v[1]!, v[0]!) * DEG_PER_RAD) + 360) % 360;
      coords.push(lon, Math.max(-90, Math.min(90, latOf(v))));
    }
    const ordered = rnd() < 0.5 ? coords : reverse(coords);
    if (polygonLatitudes(ordered) !== undefined) return ordered;
    // Rarely the vertices of a tiny polygon round onto each other: draw another.
  }
}

function reverse(coords: number[]): number[] {
  const out: number[] = [];
  for (let i = coords.length - 2; i >= 0; i -= 2) out.push(coords[i]!, coords[i + 1]!);
  return out;
}

function cross(a: readonly number[], b: readonly number[]): [number, number, number] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

function normalise(v: readonly number[]): [number, number, number] {
  const n = Math.hypot(v[0]!, v[1]!, v[2]!);
  return [v[0]! / n, v[1]! / n, v[2]! / n];
}

/** Points to try: every vertex and tiny steps around it, points along each edge nudged across it, and a cloud. */
function probePoints(coords: readonly number[], range: { min: number; max: number }, rnd: () => number): [number, number][] {
  const n = coords.length / 2;
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const lon = coords[2 * i]!;
    const lat = coords[2 * i + 1]!;
    out.push([lon, lat]);
    for (let s = 0; s < 6; s++) {
      const step = 10 ** (-12 + s);
      out.push([lon + (rnd() - 0.5) * step, Math.max(-90, Math.min(90, lat + (rnd() - 0.5) * step))]);
      out.push([lon, Math.max(-90, Math.min(90, lat + step))], [lon, Math.max(-90, lat - step)]);
    }
    const j = (i + 1) % n;
    for (let t = 1; t < 8; t++) {
      // Points along the edge, nudged up and down: where an edge bulges, these are its highest.
      const m = mid(coords, i, j, t / 8);
      for (const d of [0, 1e-11, -1e-11, 1e-9, -1e-9]) out.push([m[0], Math.max(-90, Math.min(90, m[1] + d))]);
    }
  }
  // A cloud over every longitude and the range's latitudes, 1° more on each side.
  const lo = Math.max(-90, range.min - 1);
  const hi = Math.min(90, range.max + 1);
  for (let s = 0; s < 200; s++) out.push([rnd() * 360, lo + (hi - lo) * rnd()]);
  return out;
}

/** The point a fraction t of the way along the edge from vertex i to vertex j. */
function mid(coords: readonly number[], i: number, j: number, t: number): [number, number] {
  const p = vec(coords[2 * i]!, coords[2 * i + 1]!);
  const q = vec(coords[2 * j]!, coords[2 * j + 1]!);
  const v = normalise(p.map((pi, k) => pi * (1 - t) + q[k]! * t));
  return [((Math.atan2(v[1], v[0]) * DEG_PER_RAD) + 360) % 360, latOf(v)];
}
