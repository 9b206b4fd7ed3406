/**
 * scisql_angSep, scisql_s2PtInCircle and (for vertices known at compile time)
 * scisql_s2PtInCPoly as plain SQL expressions, for MariaDB/MySQL and DuckDB:
 * a stored-function call costs MariaDB microseconds per row, and a JS scalar function crosses
 * into JavaScript for every chunk, while an expression runs at the engine's native speed.
 *
 * The expressions give scisql's results (qserv/README §b) with the arithmetic of the TypeScript
 * reference (scisql.ts), operation for operation, including NULL handling. The same text is
 * valid in both dialects: CAST(... AS DOUBLE), SIN/COS/ASIN/SQRT/ABS, LEAST/GREATEST and CASE
 * exist in MariaDB ≥ 10.4, MySQL ≥ 8.0.17 and DuckDB, and literals written with an exponent
 * are DOUBLE in all three.
 *
 * Each argument is pasted several times, so arguments must be deterministic expressions
 * (columns, literals, arithmetic): never RAND() or a subquery.
 */
import { assertCPolyArity, polygonVerdict } from "./scisql.js";

const RAD = "0.017453292519943295e0";
const DEG = "57.29577951308232e0";

/**
 * Each argument becomes a DOUBLE first, as scisql converts its arguments. Without it MariaDB
 * would add two DECIMAL literals exactly (0.1 + 0.2 = 0.3) where scisql adds doubles, and DuckDB
 * would compute FLOAT columns in single precision.
 */
function asDouble(sql: string): string {
  return `CAST((${sql}) AS DOUBLE)`;
}

/** The clamped squared chord between two positions: @qserv-tap/sky's vector.ts chord2. */
function chord2Sql(lon1: string, lat1: string, lon2: string, lat2: string): string {
  const sx = `SIN((${lon1} - ${lon2}) * ${RAD} * 0.5e0)`;
  const sy = `SIN((${lat1} - ${lat2}) * ${RAD} * 0.5e0)`;
  const cz = `COS((${lat1} + ${lat2}) * ${RAD} * 0.5e0)`;
  return `LEAST(4e0, GREATEST(0e0, 4e0 * (${sx} * ${sx} * (${cz} * ${cz} - ${sy} * ${sy}) + ${sy} * ${sy})))`;
}

/** scisql_angSep(lon1, lat1, lon2, lat2) in degrees; NULL for a NULL argument or |lat| > 90. */
export function inlineAngSepSql(lon1: string, lat1: string, lon2: string, lat2: string): string {
  const [a, b, c, d] = [lon1, lat1, lon2, lat2].map(asDouble) as [string, string, string, string];
  return (
    `(CASE WHEN ${a} IS NULL OR ${b} IS NULL OR ${c} IS NULL OR ${d} IS NULL` +
    ` OR ${b} < -90 OR ${b} > 90 OR ${d} < -90 OR ${d} > 90 THEN NULL` +
    ` ELSE LEAST(180e0, 2e0 * ${DEG} * ASIN(SQRT(${chord2Sql(a, b, c, d)} * 0.25e0))) END)`
  );
}

/**
 * scisql_s2PtInCircle(lon, lat, centerLon, centerLat, radius): 1 or 0, 0 for any NULL argument,
 * NULL for |lat| > 90 or a radius outside [0, 180]. Compare it with `= 1` as the scisql call.
 */
export function inlinePtInCircleSql(
  lon: string,
  lat: string,
  centerLon: string,
  centerLat: string,
  radius: string,
): string {
  const [p, q, c, d, r] = [lon, lat, centerLon, centerLat, radius].map(asDouble) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const s = `SIN(${r} * 0.5e0 * ${RAD})`;
  return (
    `(CASE WHEN ${p} IS NULL OR ${q} IS NULL OR ${c} IS NULL OR ${d} IS NULL OR ${r} IS NULL THEN 0` +
    ` WHEN ${q} < -90 OR ${q} > 90 OR ${d} < -90 OR ${d} > 90 OR ${r} < 0 OR ${r} > 180 THEN NULL` +
    ` WHEN ABS(${q} - ${d}) > ${r} THEN 0` +
    ` WHEN ${chord2Sql(p, q, c, d)} <= 4e0 * ${s} * ${s} THEN 1 ELSE 0 END)`
  );
}

/**
 * scisql_s2PtInCPoly(lon, lat, v1Lon, v1Lat, ...) for vertices known when compiling: 1 or 0,
 * 0 if lon or lat is NULL, NULL if |lat| > 90 or the polygon is invalid or degenerate.
 *
 * The edge normals and the orientation are computed here, once, by the TypeScript reference,
 * and written into the SQL as DOUBLE literals; only the point's unit vector and one dot product
 * per edge are left to the engine. On MariaDB this costs about as much as the circle test,
 * against some 100 µs per row (4 vertices) to 350 µs (20 vertices) for the stored function,
 * which must parse the vertices and rebuild the polygon for every row.
 *
 * @throws GeometryError SCISQL_CPOLY_ARITY as scisqlS2PtInCPoly does.
 */
export function inlinePtInCPolySql(lon: string, lat: string, coords: readonly (number | null)[]): string {
  assertCPolyArity(coords.length);
  const p = asDouble(lon);
  const q = asDouble(lat);
  const guard = `(CASE WHEN ${p} IS NULL OR ${q} IS NULL THEN 0 WHEN ${q} < -90 OR ${q} > 90 THEN NULL`;
  // After the point, scisql looks at the vertices: a NULL one gives 0, an invalid one NULL.
  const planes = polygonVerdict(coords);
  if (planes === 0 || planes === null) return `${guard} ELSE ${planes === 0 ? "0" : "NULL"} END)`;
  const cosLat = `COS(${q} * ${RAD})`;
  const x = `COS(${p} * ${RAD}) * ${cosLat}`;
  const y = `SIN(${p} * ${RAD}) * ${cosLat}`;
  const z = `SIN(${q} * ${RAD})`;
  const side = planes.clockwise ? "<= 0" : ">= 0";
  const tests = planes.edges.map(
    (e) => `${x} * ${sqlDoubleLiteral(e.x)} + ${y} * ${sqlDoubleLiteral(e.y)} + ${z} * ${sqlDoubleLiteral(e.z)} ${side}`,
  );
  return `${guard} WHEN ${tests.join(" AND ")} THEN 1 ELSE 0 END)`;
}

/**
 * A finite double as a SQL literal that MariaDB, MySQL and DuckDB read as exactly that DOUBLE:
 * the shortest digits that round-trip, with an exponent, because a plain decimal literal would
 * be a DECIMAL there.
 */
export function sqlDoubleLiteral(x: number): string {
  return x.toExponential().replace("e+", "e");
}
