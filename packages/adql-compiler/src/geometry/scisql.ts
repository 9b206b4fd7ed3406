/**
 * Reference implementations of scisql's spherical functions, returning what scisql returns
 * (qserv/README §b, read from scisql's src/udfs/*.c and geometry.{h,c}). They are the oracle
 * that the MariaDB functions, the DuckDB functions and the inline SQL forms are tested against.
 *
 * An argument of `null` stands for SQL NULL. NaN and ±Infinity stand for the IEEE specials
 * that scisql treats as errors; MariaDB cannot store them, DuckDB can.
 *
 * Return conventions (qserv/README §b):
 * - the predicates return 1 or 0; any NULL argument gives 0, not NULL;
 * - a NaN/±Inf argument, a latitude outside [-90, 90] or an invalid shape gives null (scisql's
 *   "error, NULL is returned");
 * - scisql_angSep gives null for any NULL, NaN or ±Inf argument, or a latitude out of range.
 */
import { GeometryError } from "./errors.js";
import {
  edgePlanes,
  insideEdgePlanes,
  SCISQL_MAX_VERTS,
  type EdgePlanes,
  chord2,
  DEG_PER_RAD,
  RAD_PER_DEG,
  reduceAngle,
  unitVector,
} from "@qserv-tap/sky";

/** 0 or 1, or null where scisql returns NULL. */
export type ScisqlPredicateResult = 0 | 1 | null;

function isPosition(lon: number, lat: number): boolean {
  return Number.isFinite(lon) && Number.isFinite(lat) && lat >= -90 && lat <= 90;
}

/** scisql_angSep(lon1, lat1, lon2, lat2): angular separation in degrees, in [0, 180]. */
export function scisqlAngSep(
  lon1: number | null,
  lat1: number | null,
  lon2: number | null,
  lat2: number | null,
): number | null {
  if (lon1 === null || lat1 === null || lon2 === null || lat2 === null) return null;
  if (!isPosition(lon1, lat1) || !isPosition(lon2, lat2)) return null;
  const sep = 2.0 * DEG_PER_RAD * Math.asin(Math.sqrt(chord2(lon1, lat1, lon2, lat2) * 0.25));
  return sep > 180 ? 180 : sep;
}

/**
 * scisql_s2PtInCircle(lon, lat, centerLon, centerLat, radius). The boundary is inclusive.
 * A radius below 0 or above 180 (or NaN) gives null.
 *
 * scisql has two code paths: for a constant radius it compares squared chord lengths, for a
 * radius that varies per row it compares angSep with the radius. They agree except within
 * rounding of the boundary. We follow the constant-radius path, which is what CONTAINS with a
 * literal CIRCLE compiles to; the MariaDB and inline forms do the same.
 */
export function scisqlS2PtInCircle(
  lon: number | null,
  lat: number | null,
  centerLon: number | null,
  centerLat: number | null,
  radius: number | null,
): ScisqlPredicateResult {
  if (lon === null || lat === null || centerLon === null || centerLat === null || radius === null) return 0;
  if (!isPosition(lon, lat) || !isPosition(centerLon, centerLat)) return null;
  if (!(radius >= 0 && radius <= 180)) return null;
  // A cheap rejection that scisql makes first; kept because it also decides near-boundary cases.
  if (Math.abs(lat - centerLat) > radius) return 0;
  const s = Math.sin(radius * 0.5 * RAD_PER_DEG);
  return chord2(lon, lat, centerLon, centerLat) <= 4.0 * s * s ? 1 : 0;
}

/**
 * scisql_s2PtInBox(lon, lat, lonMin, latMin, lonMax, latMax): a box of coordinate ranges,
 * boundaries inclusive (qserv/README §b):
 * - lonMin > lonMax wraps through 0 when both are in [0, 360] (350..10 is [350, 360) ∪ [0, 10]);
 *   if either is outside [0, 360], lonMax < lonMin gives null;
 * - lonMax − lonMin ≥ 360 covers every longitude; otherwise all longitudes are reduced to
 *   [0, 360) before comparing, so 350..370 is the same as 350..10;
 * - latMin > latMax is an empty box (0), not an error.
 */
export function scisqlS2PtInBox(
  lon: number | null,
  lat: number | null,
  lonMin: number | null,
  latMin: number | null,
  lonMax: number | null,
  latMax: number | null,
): ScisqlPredicateResult {
  if (lon === null || lat === null || lonMin === null || latMin === null || lonMax === null || latMax === null) {
    return 0;
  }
  if (!isPosition(lon, lat) || !isPosition(lonMin, latMin) || !isPosition(lonMax, latMax)) return null;
  if (lonMax < lonMin && (lonMax < 0 || lonMin > 360)) return null;
  if (latMin > latMax || lat < latMin || lat > latMax) return 0;
  if (lonMax - lonMin >= 360) return 1;
  const p = reduceAngle(lon);
  const lo = reduceAngle(lonMin);
  const hi = reduceAngle(lonMax);
  if (lo <= hi) return p >= lo && p <= hi ? 1 : 0;
  return p >= lo || p <= hi ? 1 : 0;
}

/**
 * scisql_s2PtInCPoly(lon, lat, v1Lon, v1Lat, ..., vNLon, vNLat) with the vertices given flat.
 * Either orientation; the boundary is inclusive (a point on an edge's great circle is inside).
 *
 * Checked in scisql's order: the point NULL → 0; the point invalid → null; any vertex NULL → 0;
 * any vertex invalid → null. A degenerate polygon gives null (qserv/README §b; see @qserv-tap/sky's polygon.ts
 * for where we put the threshold). A non-convex polygon is not detected, as in scisql: the
 * result is then the intersection of the edge half-spaces (use checkPolygon to refuse it).
 *
 * @throws GeometryError SCISQL_CPOLY_ARITY for an odd number of coordinates or a vertex count
 *   outside 3..20, where scisql fails the whole query at UDF initialisation.
 */
export function scisqlS2PtInCPoly(
  lon: number | null,
  lat: number | null,
  vertices: readonly (number | null)[],
): ScisqlPredicateResult {
  return prepareS2PtInCPoly(vertices)(lon, lat);
}

/**
 * scisqlS2PtInCPoly with the polygon built once, for testing many points against one polygon
 * (scisql caches a constant polygon the same way).
 *
 * @throws GeometryError SCISQL_CPOLY_ARITY, at once, as scisqlS2PtInCPoly.
 */
export function prepareS2PtInCPoly(
  vertices: readonly (number | null)[],
): (lon: number | null, lat: number | null) => ScisqlPredicateResult {
  assertCPolyArity(vertices.length);
  const polygon = polygonVerdict(vertices);
  return (lon, lat) => {
    if (lon === null || lat === null) return 0;
    if (!isPosition(lon, lat)) return null;
    if (polygon === 0 || polygon === null) return polygon;
    return insideEdgePlanes(polygon, unitVector(lon, lat)) ? 1 : 0;
  };
}

/**
 * What the vertices alone decide, in scisql's order: 0 for a NULL vertex, null for an invalid
 * vertex or a degenerate polygon, else the polygon's edge planes.
 */
export function polygonVerdict(vertices: readonly (number | null)[]): EdgePlanes | 0 | null {
  if (vertices.some((v) => v === null)) return 0;
  const coords = vertices as readonly number[];
  for (let i = 0; i < coords.length; i += 2) {
    if (!isPosition(coords[i]!, coords[i + 1]!)) return null;
  }
  const built = edgePlanes(coords);
  return built.ok ? built.planes : null;
}

/** The message scisql gives when it refuses the argument count (qserv/README §b). */
export const CPOLY_ARITY_MESSAGE = `scisql_s2PtInCPoly expects between 4 and ${SCISQL_MAX_VERTS + 1} spherical coordinate pairs`;

/** @throws GeometryError SCISQL_CPOLY_ARITY unless the count is even and 6..40 (3..20 vertices). */
export function assertCPolyArity(coordinateCount: number): void {
  if (coordinateCount % 2 !== 0 || coordinateCount < 6 || coordinateCount > 2 * SCISQL_MAX_VERTS) {
    throw new GeometryError("SCISQL_CPOLY_ARITY", CPOLY_ARITY_MESSAGE);
  }
}
