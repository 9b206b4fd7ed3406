/**
 * The region functions of REGION_FUNCTIONS (catalog/regions.ts) as DuckDB scalar functions written in
 * JavaScript over @qserv-tap/sky, so that SQL compiled for region-valued columns runs on the embedded
 * DuckDB backend with the results of the MariaDB stored functions (sql/regions-mariadb.sql):
 *
 *     tap_region_contains_point(xtype VARCHAR, value VARCHAR, lon DOUBLE, lat DOUBLE) → INTEGER
 *     tap_region_intersects(xtypeA, valueA, xtypeB, valueB VARCHAR) → INTEGER
 *     tap_region_within(xtypeA, valueA, xtypeB, valueB VARCHAR) → INTEGER
 *     tap_region_area(xtype, value VARCHAR) → DOUBLE            (square degrees)
 *     tap_region_centroid_ra(xtype, value VARCHAR) → DOUBLE     (degrees, [0, 360))
 *     tap_region_centroid_dec(xtype, value VARCHAR) → DOUBLE
 *
 * A NULL argument gives 0 from a predicate and NULL from the others (scisql's convention, so the
 * functions are registered with special NULL handling); a value that is not a region of its xtype (or
 * an xtype that is not one of REGION_XTYPES), and a point whose latitude is outside [-90, 90], give NULL;
 * so does a centroid that is not defined (the whole sky), where sky gives NaN.
 *
 * A query usually compares a column with a constant region, which then arrives on every row: parsed
 * regions are kept per distinct (xtype, value) in a small map that is emptied when it fills, so the
 * constant is parsed once per map generation and a column's values do not grow memory without bound.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBScalarFunctionInfo, DuckDBVector } from "@duckdb/node-api";
import { DEG_PER_RAD, parseRegion, SkyError, type Region } from "@qserv-tap/sky";
import { REGION_FUNCTIONS, REGION_XTYPES, type RegionXtype } from "../catalog/regions.js";

type Cell = string | number | null;

/** How many parsed regions a function keeps. */
const CACHE_SIZE = 256;

/** A parser of (xtype, value) that remembers recent values; null for what is not a region. */
export function regionCache(): (xtype: string, value: string) => Region | null {
  const cache = new Map<string, Region | null>();
  return (xtype, value) => {
    const key = `${xtype}\u0000${value}`;
    let region = cache.get(key);
    if (region === undefined) {
      region = parseOrNull(xtype, value);
      if (cache.size >= CACHE_SIZE) cache.clear();
      cache.set(key, region);
    }
    return region;
  };
}

function parseOrNull(xtype: string, value: string): Region | null {
  if (!(REGION_XTYPES as readonly string[]).includes(xtype)) return null;
  try {
    return parseRegion(xtype as RegionXtype, value);
  } catch (err) {
    if (err instanceof SkyError) return null;
    throw err;
  }
}

/** The functions' results, row by row, with the NULL conventions above: the reference the SQL is tested against. */
export interface RegionFunctions {
  containsPoint(xtype: string | null, value: string | null, lon: number | null, lat: number | null): 0 | 1 | null;
  intersects(xa: string | null, va: string | null, xb: string | null, vb: string | null): 0 | 1 | null;
  within(xa: string | null, va: string | null, xb: string | null, vb: string | null): 0 | 1 | null;
  area(xtype: string | null, value: string | null): number | null;
  centroidRa(xtype: string | null, value: string | null): number | null;
  centroidDec(xtype: string | null, value: string | null): number | null;
}

/** The row functions, each with its own cache. */
export function regionFunctions(): RegionFunctions {
  const one = regionCache();
  const a = regionCache();
  const b = regionCache();
  const pair = (xa: string | null, va: string | null, xb: string | null, vb: string | null, test: (ra: Region, rb: Region) => boolean) => {
    if (xa === null || va === null || xb === null || vb === null) return 0;
    const ra = a(xa, va);
    const rb = b(xb, vb);
    if (!ra || !rb) return null;
    return test(ra, rb) ? 1 : 0;
  };
  const single = (xtype: string | null, value: string | null) => (xtype === null || value === null ? null : one(xtype, value));
  return {
    containsPoint(xtype, value, lon, lat) {
      if (xtype === null || value === null || lon === null || lat === null) return 0;
      const region = one(xtype, value);
      if (!region || !Number.isFinite(lon) || !(lat >= -90 && lat <= 90)) return null;
      return region.contains(lon, lat) ? 1 : 0;
    },
    intersects: (xa, va, xb, vb) => pair(xa, va, xb, vb, (ra, rb) => ra.intersects(rb)),
    within: (xa, va, xb, vb) => pair(xa, va, xb, vb, (ra, rb) => ra.within(rb)),
    area(xtype, value) {
      const region = single(xtype, value);
      return region ? region.area() * DEG_PER_RAD * DEG_PER_RAD : null;
    },
    centroidRa(xtype, value) {
      const region = single(xtype, value);
      return region ? finiteOrNull(region.centroid()[0]) : null;
    },
    centroidDec(xtype, value) {
      const region = single(xtype, value);
      return region ? finiteOrNull(region.centroid()[1]) : null;
    },
  };
}

/** sky's NaN (a centroid that is not defined: the whole sky) is SQL's NULL, as MariaDB has no NaN. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Registers the six functions on the connection (they are then visible to its database). */
export async function registerRegionFunctions(conn: DuckDBConnection): Promise<void> {
  const { DuckDBScalarFunction, DOUBLE, INTEGER, VARCHAR } = await import("@duckdb/node-api");
  const define = (name: string, parameterTypes: (typeof DOUBLE | typeof VARCHAR)[], returnType: typeof DOUBLE | typeof INTEGER, fn: (args: Cell[]) => number | null) =>
    conn.registerScalarFunction(
      DuckDBScalarFunction.create({
        name,
        returnType,
        parameterTypes,
        specialHandling: true,
        mainFunction: (info, input, output) => applyRowwise(info, input, output, fn),
      }),
    );
  // One set of caches per function, since a query may call several with different constants.
  const f = {
    containsPoint: regionFunctions(),
    intersects: regionFunctions(),
    within: regionFunctions(),
    area: regionFunctions(),
    centroidRa: regionFunctions(),
    centroidDec: regionFunctions(),
  };
  const S = (c: Cell) => c as string | null;
  const N = (c: Cell) => c as number | null;
  const two = [VARCHAR, VARCHAR];
  const four = [VARCHAR, VARCHAR, VARCHAR, VARCHAR];
  await define(REGION_FUNCTIONS.containsPoint, [VARCHAR, VARCHAR, DOUBLE, DOUBLE], INTEGER, ([x, v, lon, lat]) =>
    f.containsPoint.containsPoint(S(x!), S(v!), N(lon!), N(lat!)),
  );
  await define(REGION_FUNCTIONS.intersects, four, INTEGER, ([xa, va, xb, vb]) => f.intersects.intersects(S(xa!), S(va!), S(xb!), S(vb!)));
  await define(REGION_FUNCTIONS.within, four, INTEGER, ([xa, va, xb, vb]) => f.within.within(S(xa!), S(va!), S(xb!), S(vb!)));
  await define(REGION_FUNCTIONS.area, two, DOUBLE, ([x, v]) => f.area.area(S(x!), S(v!)));
  await define(REGION_FUNCTIONS.centroidRa, two, DOUBLE, ([x, v]) => f.centroidRa.centroidRa(S(x!), S(v!)));
  await define(REGION_FUNCTIONS.centroidDec, two, DOUBLE, ([x, v]) => f.centroidDec.centroidDec(S(x!), S(v!)));
}

function applyRowwise(
  info: DuckDBScalarFunctionInfo,
  input: DuckDBDataChunk,
  output: DuckDBVector,
  fn: (args: Cell[]) => number | null,
): void {
  const columns: DuckDBVector[] = [];
  for (let c = 0; c < input.columnCount; c++) columns.push(input.getColumnVector(c));
  const args: Cell[] = new Array<Cell>(columns.length);
  try {
    for (let r = 0; r < input.rowCount; r++) {
      for (let c = 0; c < columns.length; c++) args[c] = columns[c]!.getItem(r) as Cell;
      output.setItem(r, fn(args));
    }
    output.flush();
  } catch (err) {
    info.setError(String(err));
  }
}
