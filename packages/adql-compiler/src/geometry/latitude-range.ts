/**
 * The latitudes that a point inside a region can have, for the regions of scisql's predicates
 * (scisql.ts): the range that the bound-declination pass turns into `dec BETWEEN lo AND hi`.
 *
 * Each function answers the exact range of the region in degrees, not clamped to [-90, 90], or
 * undefined when it cannot give one it is sure of; it answers undefined too when scisql's predicate
 * is never 1 for the arguments (NULL for an invalid shape), since no bound is needed then. The
 * caller widens the range by a margin for rounding: the predicates decide in floating point, so a
 * point may be accepted a few ulps outside the exact region (see polygonLatitudes for how far).
 */
import { checkPolygon, edgePlanes, dot, DEG_PER_RAD, unitVector, type Vec3 } from "@qserv-tap/sky";

/** A closed range of latitudes, in degrees. */
export interface LatitudeRange {
  readonly min: number;
  readonly max: number;
}

const isLatitude = (v: number): boolean => Number.isFinite(v) && v >= -90 && v <= 90;

/**
 * scisql_s2PtInCircle(lon, lat, centerLon, centerLat, radius): its first test rejects
 * |lat − centerLat| > radius, so the range is centerLat ± radius.
 */
export function circleLatitudes(centerLon: number, centerLat: number, radius: number): LatitudeRange | undefined {
  if (!Number.isFinite(centerLon) || !isLatitude(centerLat) || !(radius >= 0 && radius <= 180)) return undefined;
  return { min: centerLat - radius, max: centerLat + radius };
}

/**
 * A cone written `scisql_angSep(lon, lat, centerLon, centerLat) < radius`: the separation of two
 * points is at least the difference of their latitudes, so the range is centerLat ± radius. Near
 * 180° angSep's asin loses precision (an error of about 1e-15 / sin(separation) rad), so a radius
 * over 179° gives no range.
 */
export function distanceLatitudes(centerLon: number, centerLat: number, radius: number): LatitudeRange | undefined {
  if (!Number.isFinite(centerLon) || !isLatitude(centerLat) || !(radius >= 0 && radius <= 179)) return undefined;
  return { min: centerLat - radius, max: centerLat + radius };
}

/**
 * scisql_s2PtInBox(lon, lat, lonMin, latMin, lonMax, latMax): latitudes are compared with the
 * bounds as they are. A box that scisql refuses (NULL) or that is empty gives no range.
 */
export function boxLatitudes(lonMin: number, latMin: number, lonMax: number, latMax: number): LatitudeRange | undefined {
  if (!Number.isFinite(lonMin) || !Number.isFinite(lonMax) || !isLatitude(latMin) || !isLatitude(latMax)) return undefined;
  if (lonMax < lonMin && (lonMax < 0 || lonMin > 360)) return undefined;
  return latMin <= latMax ? { min: latMin, max: latMax } : undefined;
}

/**
 * How far (in radians, as a sine) a candidate extreme may be outside an edge or the polygon and
 * still count: counting one wrongly only widens the range.
 */
const TOLERANCE = 1e-9;

/** Below this |a × b| an edge from a to nearly −a is too ill-determined to bound (see below). */
const MIN_LONG_EDGE_CROSS = 1e-3;

function cross(a: Vec3, b: Vec3): Vec3 {
  return { x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x };
}

function scale(v: Vec3, k: number): Vec3 {
  return { x: v.x * k, y: v.y * k, z: v.z * k };
}

/**
 * scisql_s2PtInCPoly(lon, lat, vertices): the latitude range of a convex polygon whose edges are
 * great-circle arcs. The extremes are at a vertex, at the highest or lowest point of an edge (an
 * arc can reach beyond its ends' latitudes: from (0, 60) to (90, 60) it rises to 67.8°), or at a
 * pole inside the polygon.
 *
 * Only polygons that checkPolygon accepts (convex, within a hemisphere, not degenerate) get a range:
 * scisql's answer for other vertex lists is the intersection of the edge half-spaces, which may
 * lie far from the vertices. How far the half-spaces that scisql tests (edge normals computed in
 * floating point) can put an accepted point outside the exact polygon: a normal's direction is good
 * to a few ulps, whatever the edge's length, because (b + a) × (b − a) keeps its relative accuracy;
 * a vertex where two edges meet at a tiny angle can slide along them, but stays as close to the
 * exact polygon as the edges are. Together well under 1e-12 rad. The exception is an edge between
 * nearly antipodal vertices, whose great circle the two vertices barely determine: such a polygon
 * (over 179.9° across) gets no range.
 */
export function polygonLatitudes(coords: readonly number[]): LatitudeRange | undefined {
  if (!checkPolygon(coords).ok) return undefined;
  const built = edgePlanes(coords);
  if (!built.ok) return undefined;
  const { edges, clockwise } = built.planes;
  const sign = clockwise ? -1 : 1;
  const n = coords.length >> 1;
  const verts: Vec3[] = [];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const lat = coords[2 * i + 1]!;
    verts.push(unitVector(coords[2 * i]!, lat));
    min = Math.min(min, lat);
    max = Math.max(max, lat);
  }
  let north = true;
  let south = true;
  for (let i = 0; i < n; i++) {
    const a = verts[i]!;
    const b = verts[(i + 1) % n]!;
    const e = edges[i]!;
    const norm = Math.sqrt(dot(e, e));
    if (dot(a, b) < 0 && norm / 2 < MIN_LONG_EDGE_CROSS) return undefined;
    const u = scale(e, 1 / norm); // the unit normal of the edge's great circle, along a × b
    // Inside is sign · (p · e) ≥ 0: is each pole inside this edge's half-space?
    if (sign * u.z < -TOLERANCE) north = false;
    if (sign * -u.z < -TOLERANCE) south = false;
    // The great circle's highest point is ẑ projected on its plane, at latitude atan2(√(ux² + uy²), |uz|)
    // (well conditioned near the poles, unlike an asin); the lowest point is its opposite.
    const horizontal = Math.hypot(u.x, u.y);
    const top = Math.atan2(horizontal, Math.abs(u.z)) * DEG_PER_RAD;
    if (horizontal < TOLERANCE) {
      // The circle is (nearly) the equator: its points are all within `top` of latitude 0.
      min = Math.min(min, -top);
      max = Math.max(max, top);
      continue;
    }
    // ẑ − uz·u, normalised: (−uz·ux, −uz·uy, 1 − uz²) / horizontal.
    const p: Vec3 = { x: (-u.z * u.x) / horizontal, y: (-u.z * u.y) / horizontal, z: horizontal };
    const onArc = (q: Vec3): boolean => dot(cross(a, q), u) >= -TOLERANCE && dot(cross(q, b), u) >= -TOLERANCE;
    if (onArc(p)) max = Math.max(max, top);
    if (onArc(scale(p, -1))) min = Math.min(min, -top);
  }
  if (north) max = 90;
  if (south) min = -90;
  return { min, max };
}
