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
