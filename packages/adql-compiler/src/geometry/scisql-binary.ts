/**
 * scisql's binary polygon: the bytes that scisql_s2CPolyToBin returns and that the 3-argument
 * scisql_s2PtInCPoly(lon, lat, poly) reads (scisql src/geometry.c, scisql_s2cpoly_init and
 * scisql_s2cpoly_tobin/frombin; the udf docs of s2CPolyToBin: "an N vertex input will result in a
 * binary string of length exactly 24*(N + 1)").
 *
 * Layout, for N vertices v[0..N-1] (unit vectors of the degrees given, as scisql_sctov3 computes them):
 *
 *     offset 0        vsum.x vsum.y vsum.z          the vertex sum, accumulated as v[N-1] + v[0] + ... + v[N-2]
 *     offset 24·(i+1) edge[i].x edge[i].y edge[i].z  i = 0..N-1: 2·(v[i] × v[i+1 mod N]) computed as
 *                                                    (v[i+1] + v[i]) × (v[i+1] − v[i]) (scisql_v3_rcross)
 *
 * each value an IEEE 754 double, little-endian (scisql copies the bytes on a little-endian host and
 * reverses them on a big-endian one, so the stored form is little-endian everywhere). If vsum · edge[0]
 * is negative (clockwise vertices) every edge is negated, so that a point p is inside iff p · edge[i] ≥ 0
 * for every i. The reader accepts 4 to 21 triples (3 to 20 vertices), and its length must be an
 * exact multiple of 24.
 *
 * scisql_s2CPolyToBin itself writes into MySQL's 255-byte result buffer, so it gives NULL for a polygon
 * of more than 9 vertices (24·11 > 255), although s2PtInCPoly reads up to 20; this function produces the
 * bytes for 3 to 20 vertices, which is what s2PtInCPoly reads.
 */
import { doubledCross, SCISQL_MAX_VERTS, unitVector, type Vec3 } from "@qserv-tap/sky";
import { GeometryError } from "./errors.js";

/** Bytes per (x, y, z) triple. */
const TRIPLE = 24;

/**
 * scisql_s2CPolyToBin(v1Lon, v1Lat, ..., vNLon, vNLat): the binary polygon of the vertices given flat
 * in degrees, byte for byte. Like scisql, it neither checks convexity nor degeneracy (a caller that
 * stores polygons checks them with sky's polygon() first).
 *
 * @throws GeometryError SCISQL_BINARY_POLYGON for an odd number of coordinates, fewer than 3 or more
 *   than 20 vertices, or a vertex that is not a position (non-finite, latitude outside [-90, 90]),
 *   where scisql returns NULL or fails.
 */
export function scisqlPolygonBinary(coords: readonly number[]): Buffer {
  const n = coords.length / 2;
  if (!Number.isInteger(n) || n < 3 || n > SCISQL_MAX_VERTS) {
    throw new GeometryError(
      "SCISQL_BINARY_POLYGON",
      `scisql's binary polygon needs 3 to ${SCISQL_MAX_VERTS} vertices, got ${coords.length} coordinates`,
    );
  }
  const verts: Vec3[] = [];
  for (let i = 0; i < n; i++) {
    const lon = coords[2 * i]!;
    const lat = coords[2 * i + 1]!;
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || lat < -90 || lat > 90) {
      throw new GeometryError("SCISQL_BINARY_POLYGON", `vertex ${i + 1} (${lon}, ${lat}) is not a position on the sphere`);
    }
    verts.push(unitVector(lon, lat));
  }
  // The sum starts at the last vertex: the order of the additions decides the rounding of vsum.
  let sx = verts[n - 1]!.x;
  let sy = verts[n - 1]!.y;
  let sz = verts[n - 1]!.z;
  const edges: Vec3[] = [];
  for (let i = 0; i < n - 1; i++) {
    edges.push(doubledCross(verts[i]!, verts[i + 1]!));
    sx += verts[i]!.x;
    sy += verts[i]!.y;
    sz += verts[i]!.z;
  }
  edges.push(doubledCross(verts[n - 1]!, verts[0]!));
  const e0 = edges[0]!;
  const flip = sx * e0.x + sy * e0.y + sz * e0.z < 0;
  const out = Buffer.alloc(TRIPLE * (n + 1));
  out.writeDoubleLE(sx, 0);
  out.writeDoubleLE(sy, 8);
  out.writeDoubleLE(sz, 16);
  edges.forEach((e, i) => {
    const at = TRIPLE * (i + 1);
    out.writeDoubleLE(flip ? -e.x : e.x, at);
    out.writeDoubleLE(flip ? -e.y : e.y, at + 8);
    out.writeDoubleLE(flip ? -e.z : e.z, at + 16);
  });
  return out;
}

/** What a binary polygon holds: the vertex sum and the inward edge normals. */
export interface ScisqlBinaryPolygon {
  readonly vsum: Vec3;
  readonly edges: readonly Vec3[];
}

/**
 * Reads scisql's binary polygon as scisql_s2cpoly_frombin does; null where scisql gives NULL (a length
 * that is not 24·(N+1) with N in 3..20). A non-finite value is refused (null) as well.
 */
export function readScisqlPolygonBinary(bytes: Uint8Array): ScisqlBinaryPolygon | null {
  const triples = bytes.length / TRIPLE;
  if (!Number.isInteger(triples) || triples < 4 || triples > SCISQL_MAX_VERTS + 1) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (i: number): Vec3 | null => {
    const x = view.getFloat64(TRIPLE * i, true);
    const y = view.getFloat64(TRIPLE * i + 8, true);
    const z = view.getFloat64(TRIPLE * i + 16, true);
    return Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z) ? { x, y, z } : null;
  };
  const vsum = read(0);
  const edges: Vec3[] = [];
  for (let i = 1; i < triples; i++) {
    const e = read(i);
    if (!e) return null;
    edges.push(e);
  }
  return vsum ? { vsum, edges } : null;
}

/** scisql_s2cpoly_cv3: whether the position is inside or on the edge of a binary polygon. */
export function insideScisqlPolygon(poly: ScisqlBinaryPolygon, lon: number, lat: number): boolean {
  const p = unitVector(lon, lat);
  return poly.edges.every((e) => !(p.x * e.x + p.y * e.y + p.z * e.z < 0));
}
