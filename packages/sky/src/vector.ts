/**
 * The few 3-vector operations that scisql's predicates are built on.
 *
 * The order of every floating-point operation here is deliberate: the MariaDB functions
 * (sql/scisql-mariadb.sql) and the inline SQL forms (inline-sql.ts) repeat it operation for
 * operation, so that all implementations round identically and agree to the bit wherever
 * their sin/cos agree.
 */

/**
 * scisql's conversion constants (scisql geometry.h writes them with 30 digits; these are the
 * same doubles written with the fewest digits that round-trip). The SQL forms spell them the
 * same way so that every implementation multiplies by identical values.
 */
export const RAD_PER_DEG = 0.017453292519943295;
export const DEG_PER_RAD = 57.29577951308232;

export interface Vec3 {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** The unit vector of a position given in degrees. */
export function unitVector(lonDeg: number, latDeg: number): Vec3 {
  const lon = lonDeg * RAD_PER_DEG;
  const lat = latDeg * RAD_PER_DEG;
  const cosLat = Math.cos(lat);
  return { x: Math.cos(lon) * cosLat, y: Math.sin(lon) * cosLat, z: Math.sin(lat) };
}

export function dot(a: Vec3, b: Vec3): number {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}

/**
 * Twice the cross product a × b, computed as (b + a) × (b − a). For nearly equal unit vectors
 * this loses less precision than the plain cross product, which is why scisql uses it for
 * polygon edge normals.
 */
export function doubledCross(a: Vec3, b: Vec3): Vec3 {
  const sx = b.x + a.x;
  const dx = b.x - a.x;
  const sy = b.y + a.y;
  const dy = b.y - a.y;
  const sz = b.z + a.z;
  const dz = b.z - a.z;
  return { x: sy * dz - sz * dy, y: sz * dx - sx * dz, z: sx * dy - sy * dx };
}

/**
 * The squared chord length between two positions in degrees, clamped to [0, 4]: the haversine
 * form that scisql compares against, 4·(sin²(Δlon/2)·(cos²(mean lat) − sin²(Δlat/2)) + sin²(Δlat/2)).
 */
export function chord2(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const sx = Math.sin((lon1 - lon2) * RAD_PER_DEG * 0.5);
  const sy = Math.sin((lat1 - lat2) * RAD_PER_DEG * 0.5);
  const cz = Math.cos((lat1 + lat2) * RAD_PER_DEG * 0.5);
  const x = sx * sx;
  const y = sy * sy;
  const z = cz * cz;
  const d2 = 4.0 * (x * (z - y) + y);
  return d2 < 0 ? 0 : d2 > 4 ? 4 : d2;
}

/** An angle in degrees reduced to [0, 360), as scisql reduces box longitudes. */
export function reduceAngle(deg: number): number {
  let a = deg % 360;
  if (a < 0) {
    a += 360;
    // -1e-17 + 360 rounds to 360, which must wrap as well.
    if (a === 360) a = 0;
  }
  return a;
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return { x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x };
}

export function normalize(v: Vec3): Vec3 {
  const len = Math.sqrt(dot(v, v));
  return { x: v.x / len, y: v.y / len, z: v.z / len };
}

/**
 * The position of a vector (of any length) in degrees, longitude in [0, 360). Latitude comes from
 * atan2 rather than asin, which keeps full precision next to the poles.
 */
export function lonLat(v: Vec3): [number, number] {
  const lat = Math.atan2(v.z, Math.hypot(v.x, v.y)) * DEG_PER_RAD;
  const lon = v.x === 0 && v.y === 0 ? 0 : reduceAngle(Math.atan2(v.y, v.x) * DEG_PER_RAD);
  return [lon, lat];
}

/** The angle between two vectors in degrees, accurate at all separations (atan2 of |a×b| and a·b). */
export function angularSeparation(a: Vec3, b: Vec3): number {
  const c = cross(a, b);
  return Math.atan2(Math.sqrt(dot(c, c)), dot(a, b)) * DEG_PER_RAD;
}

/** The point a fraction t of the way along the shorter great-circle arc from unit vector a to unit vector b. */
export function slerp(a: Vec3, b: Vec3, t: number): Vec3 {
  const omega = angularSeparation(a, b) * RAD_PER_DEG;
  if (omega === 0) return a;
  const s = Math.sin(omega);
  const wa = Math.sin((1 - t) * omega) / s;
  const wb = Math.sin(t * omega) / s;
  return normalize({ x: wa * a.x + wb * b.x, y: wa * a.y + wb * b.y, z: wa * a.z + wb * b.z });
}

/** A right-handed tangent basis (u, w) at the unit vector n: any axis not parallel to n gives one. */
export function tangentBasis(n: Vec3): [Vec3, Vec3] {
  const axis = Math.abs(n.x) < 0.9 ? { x: 1, y: 0, z: 0 } : { x: 0, y: 1, z: 0 };
  const u = normalize(cross(axis, n));
  return [u, cross(n, u)];
}

/** The normalised sum of the vectors: a polygon's centre of vertices. */
export function meanDirection(vs: readonly Vec3[]): Vec3 {
  let x = 0;
  let y = 0;
  let z = 0;
  for (const v of vs) {
    x += v.x;
    y += v.y;
    z += v.z;
  }
  return normalize({ x, y, z });
}
