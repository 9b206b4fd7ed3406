import { dot, doubledCross, meanDirection, tangentBasis, unitVector, type Vec3 } from "./vector.js";

/** scisql's limit on polygon vertices (SCISQL_MAX_VERTS, scisql geometry.h; qserv/README §b). */
export const SCISQL_MAX_VERTS = 20;

/**
 * Below these squared magnitudes an edge normal, or the polygon's orientation, is rounding
 * noise rather than geometry. qserv/README §b says a degenerate polygon gives NULL; scisql's
 * docs do not say where degeneracy starts, so we chose: two consecutive vertices closer than
 * about 5e-15 rad (or that far from antipodal), or all vertices within about 1e-14 rad of the
 * first edge's great circle. The MariaDB functions use the same two thresholds.
 */
export const DEGENERATE_EDGE_NORM2 = 1e-28;
export const DEGENERATE_ORIENTATION2 = 1e-28;

/** A polygon as scisql tests points against it: one edge-plane normal per edge. */
export interface EdgePlanes {
  readonly edges: readonly Vec3[];
  /**
   * True when the vertices run clockwise seen from outside the sphere. scisql then negates
   * every normal; we keep them as computed and flip the sign test instead, which is the same
   * to the bit because negating a normal negates each product of the dot product exactly.
   */
  readonly clockwise: boolean;
}

export type EdgePlanesResult =
  | { readonly ok: true; readonly planes: EdgePlanes }
  | { readonly ok: false; readonly degeneracy: "ZERO_LENGTH_EDGE" | "ZERO_AREA"; readonly edge: number };

/**
 * Edge planes of a polygon whose vertices are valid positions (flat lon, lat, lon, lat, ... in
 * degrees, at least 3 vertices). Orientation is decided as scisql does it: by the sign of
 * (sum of vertices) · (first edge normal).
 *
 * scisql starts the vertex sum at the last vertex; we add the vertices in order, because the
 * MariaDB function reads them one by one from a string and cannot go back. The two sums differ
 * only by rounding, which changes the sign only for polygons that the degeneracy test rejects.
 */
export function edgePlanes(coords: readonly number[]): EdgePlanesResult {
  const n = coords.length >> 1;
  const verts: Vec3[] = [];
  for (let i = 0; i < n; i++) verts.push(unitVector(coords[2 * i]!, coords[2 * i + 1]!));
  let sx = 0;
  let sy = 0;
  let sz = 0;
  const edges: Vec3[] = [];
  for (let i = 0; i < n; i++) {
    const v = verts[i]!;
    const e = doubledCross(v, verts[(i + 1) % n]!);
    if (dot(e, e) <= DEGENERATE_EDGE_NORM2) return { ok: false, degeneracy: "ZERO_LENGTH_EDGE", edge: i };
    edges.push(e);
    sx += v.x;
    sy += v.y;
    sz += v.z;
  }
  const e0 = edges[0]!;
  const s = sx * e0.x + sy * e0.y + sz * e0.z;
  if (s * s <= DEGENERATE_ORIENTATION2 * dot(e0, e0)) return { ok: false, degeneracy: "ZERO_AREA", edge: 0 };
  return { ok: true, planes: { edges, clockwise: s < 0 } };
}

/** Whether the unit vector p is inside or on the boundary of every edge plane. */
export function insideEdgePlanes(planes: EdgePlanes, p: Vec3): boolean {
  for (const e of planes.edges) {
    const d = dot(p, e);
    if (planes.clockwise ? d > 0 : d < 0) return false;
  }
  return true;
}

export type PolygonProblem =
  /** Fewer than 3 or more than 20 vertices, or an odd number of coordinates. */
  | "POLYGON_VERTEX_COUNT"
  /** A coordinate that is not a finite number, or a latitude outside [-90, 90]. */
  | "POLYGON_BAD_COORDINATE"
  /** Two consecutive vertices equal or antipodal, or all vertices on one great circle: scisql gives NULL. */
  | "POLYGON_DEGENERATE"
  /** Not convex, not within a hemisphere, self-intersecting, or winding more than once. */
  | "POLYGON_NOT_CONVEX";

export type PolygonCheck =
  | { readonly ok: true; readonly clockwise: boolean }
  | { readonly ok: false; readonly code: PolygonProblem; readonly reason: string };

/**
 * A vertex may lie this far (sine of the angle) outside an edge's great circle and still count
 * as on it, so that polygons with collinear vertices typed in decimal degrees pass.
 */
const CONVEXITY_TOLERANCE = 1e-12;

/**
 * The coordinates of a polygon without a last vertex that repeats the first. DALI 1.1 §3.3.7 closes a polygon
 * implicitly and calls the repeated vertex "highly discouraged" but does not forbid it, and many s_region values of
 * other archives are written so; kept, it would make an edge of length 0, which scisql answers with NULL. The same
 * array when there is no such vertex, or when dropping it would leave fewer than 3.
 */
export function withoutClosingVertex(coords: readonly number[]): readonly number[] {
  const n = coords.length;
  if (n % 2 !== 0 || n < 8) return coords;
  return coords[n - 2] === coords[0] && coords[n - 1] === coords[1] ? coords.slice(0, n - 2) : coords;
}

/**
 * Whether scisql can use this polygon as it is meant: 3 to 20 vertices, either orientation,
 * convex, within a hemisphere, edges meeting only at vertices (qserv/README §b). scisql itself
 * does not check convexity (its result for a non-convex polygon is the intersection of the
 * edge half-spaces), so a compiler should refuse what this rejects. Other users of convex
 * polygons (SODA's POLYGON) allow more vertices than scisql: maxVertices.
 */
export function checkPolygon(coords: readonly number[], maxVertices = SCISQL_MAX_VERTS): PolygonCheck {
  const n = coords.length >> 1;
  if (coords.length % 2 !== 0 || n < 3 || n > maxVertices) {
    return fail("POLYGON_VERTEX_COUNT", `a polygon needs 3 to ${maxVertices} vertices, got ${coords.length / 2}`);
  }
  for (let i = 0; i < n; i++) {
    const lon = coords[2 * i]!;
    const lat = coords[2 * i + 1]!;
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || lat < -90 || lat > 90) {
      return fail("POLYGON_BAD_COORDINATE", `vertex ${i + 1} (${lon}, ${lat}) is not a position on the sphere`);
    }
  }
  const built = edgePlanes(coords);
  if (!built.ok) {
    const i = built.edge;
    return fail(
      "POLYGON_DEGENERATE",
      built.degeneracy === "ZERO_LENGTH_EDGE"
        ? `vertices ${i + 1} and ${((i + 1) % n) + 1} are the same point or antipodal, so the edge between them is undefined`
        : "all vertices lie on one great circle, so the polygon has no area",
    );
  }
  const { edges, clockwise } = built.planes;
  const sign = clockwise ? -1 : 1;
  const verts: Vec3[] = [];
  for (let i = 0; i < n; i++) verts.push(unitVector(coords[2 * i]!, coords[2 * i + 1]!));
  for (let i = 0; i < n; i++) {
    const e = edges[i]!;
    const norm = Math.sqrt(dot(e, e));
    for (let j = 0; j < n; j++) {
      if (j === i || j === (i + 1) % n) continue;
      if ((sign * dot(verts[j]!, e)) / norm < -CONVEXITY_TOLERANCE) {
        return fail(
          "POLYGON_NOT_CONVEX",
          `vertex ${j + 1} lies outside the edge from vertex ${i + 1} to vertex ${((i + 1) % n) + 1}`,
        );
      }
    }
  }
  // Every vertex inside every edge plane still admits a polygon that goes round twice (a
  // triangle listed twice): count the turns of the vertices around their mean direction.
  const winding = windingTurns(verts);
  if (Math.abs(Math.abs(winding) - 1) > 1e-6) {
    return fail("POLYGON_NOT_CONVEX", `the vertices wind ${Math.round(Math.abs(winding))} times around the polygon`);
  }
  return { ok: true, clockwise };
}

function fail(code: PolygonProblem, reason: string): PolygonCheck {
  return { ok: false, code, reason };
}

/** Signed number of turns the vertex sequence makes around the normalised sum of the vertices. */
function windingTurns(verts: readonly Vec3[]): number {
  const [u, w] = tangentBasis(meanDirection(verts));
  let total = 0;
  let prev = Math.atan2(dot(verts[verts.length - 1]!, w), dot(verts[verts.length - 1]!, u));
  for (const v of verts) {
    const az = Math.atan2(dot(v, w), dot(v, u));
    let step = az - prev;
    if (step > Math.PI) step -= 2 * Math.PI;
    if (step <= -Math.PI) step += 2 * Math.PI;
    total += step;
    prev = az;
  }
  return total / (2 * Math.PI);
}
