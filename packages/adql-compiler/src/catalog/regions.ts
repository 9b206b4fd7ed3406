/**
 * Region-valued columns (ADQL 2.1 §4.2; DALI's point, circle, range, polygon and shape): which columns hold
 * a region, and the storage form that the loaders write beside each one so that the compiled SQL can prune and test exactly.
 *
 * A region column `c` holds its value as text in DALI form for its xtype ("10 20 11 20 11 21" for a polygon,
 * "10 20 0.5" for a circle, "10 20" for a point; a "shape" column carries the DALI shape label). The SQL
 * functions that test regions (REGION_FUNCTIONS) also read an STC-S value ("POLYGON ICRS 10 20 ..."), which
 * is what Rubin's ObsCore keeps, so a table loaded elsewhere still answers (without the pruning columns).
 *
 * Beside `c`, our loaders write the columns of REGION_STORAGE: a bounding declination range and a bounding
 * cap, so that the bound-declination pass and the engines' zone maps or indexes skip most rows before the
 * exact test; and, for polygons, scisql's binary polygon (`c_scisql`, the name Rubin's Qserv ObsCore uses),
 * so that `scisql_s2PtInCPoly(lon, lat, c_scisql)` applies on MariaDB and Qserv.
 */

/** The DALI xtypes of a region column (DALI: point, circle, range and polygon, and "shape", the labelled form of DALI 1.2). */
export const REGION_XTYPES = ["point", "circle", "polygon", "range", "shape"] as const;
export type RegionXtype = (typeof REGION_XTYPES)[number];

/** The storage columns beside a region column `c`: each is `c` + suffix. */
export const REGION_STORAGE = {
  /** DOUBLE: the smallest declination of the region, degrees. */
  decMin: "_dec_min",
  /** DOUBLE: the largest declination of the region, degrees. */
  decMax: "_dec_max",
  /** DOUBLE × 3: a cap (centre RA, Dec, radius in degrees) that holds the whole region. */
  capRa: "_cap_ra",
  capDec: "_cap_dec",
  capRadius: "_cap_radius",
  /** VARBINARY (MariaDB and Qserv only): scisql_s2CPolyToBin of a polygon's vertices; NULL for other shapes. */
  scisql: "_scisql",
} as const;
export type RegionStorageColumn = keyof typeof REGION_STORAGE;

/** The SQL names of the storage columns of region column `sqlName`. */
export function regionStorageColumns(sqlName: string): Readonly<Record<RegionStorageColumn, string>> {
  const out = {} as Record<RegionStorageColumn, string>;
  for (const [k, suffix] of Object.entries(REGION_STORAGE)) out[k as RegionStorageColumn] = sqlName + suffix;
  return out;
}

/**
 * The SQL functions that test regions, with the same names, arguments and results on DuckDB (JavaScript
 * scalar functions calling @qserv-tap/sky) and MariaDB (stored functions, sql/regions-mariadb.sql). A
 * region argument is a pair (xtype, value) of strings: a REGION_XTYPES name and the value in that xtype's
 * DALI form (or labelled: a DALI shape or STC-S). Like scisql's predicates, a NULL argument gives 0 and a
 * value that is not a region gives NULL.
 */
export const REGION_FUNCTIONS = {
  /** (xtype, value, lon, lat) → INTEGER 1/0: the position is inside the region or on its edge. */
  containsPoint: "tap_region_contains_point",
  /** (xtypeA, valueA, xtypeB, valueB) → INTEGER 1/0: the regions share a point (edges included). */
  intersects: "tap_region_intersects",
  /** (xtypeA, valueA, xtypeB, valueB) → INTEGER 1/0: every point of A is in B (ADQL's CONTAINS(A, B)). */
  within: "tap_region_within",
  /** (xtype, value) → DOUBLE: the area in square degrees (ADQL 2.1 §4.2.8). */
  area: "tap_region_area",
  /** (xtype, value) → DOUBLE: the centroid's RA and Dec in degrees (ADQL 2.1 §4.2.10). */
  centroidRa: "tap_region_centroid_ra",
  centroidDec: "tap_region_centroid_dec",
} as const;

/** ObsCore's s_region (ObsCore 1.1 §4.12), recognised by its utype when the metadata gives no xtype. */
const S_REGION_UTYPE = /^(obscore:)?Char\.SpatialAxis\.Coverage\.Support\.Area$/i;

/** What the compiler needs to know about a column to decide whether it holds a region. */
export interface RegionColumnFacts {
  readonly name: string;
  readonly datatype: string | null;
  readonly xtype?: string | null;
  readonly utype?: string | null;
}

/**
 * The region xtype of a column, or null for a column that does not hold a region: a column with a region
 * xtype; or one that the metadata marks as a region without a DALI xtype (ObsCore's s_region by its utype or
 * name, TAP 1.0's adql:REGION), which is a "shape" when it holds text (labelled values: Rubin's ObsCore keeps
 * STC-S, our loaders write DALI shapes) and a polygon when it holds numbers.
 */
export function regionXtype(column: RegionColumnFacts): RegionXtype | null {
  const xtype = column.xtype?.toLowerCase();
  if (xtype && (REGION_XTYPES as readonly string[]).includes(xtype)) return xtype as RegionXtype;
  const marked =
    xtype === "adql:region" ||
    (!xtype && ((column.utype !== undefined && column.utype !== null && S_REGION_UTYPE.test(column.utype)) || column.name.toLowerCase() === "s_region"));
  if (!marked) return null;
  if (column.datatype === "char" || column.datatype === "unicodeChar") return "shape";
  return column.datatype === "double" || column.datatype === "float" ? "polygon" : null;
}

/** Which storage columns beside region column `name` a table has, by its column names (exact spelling). */
export interface RegionStoragePresence {
  /** c_dec_min, c_dec_max, c_cap_ra, c_cap_dec and c_cap_radius: the compiler adds pruning conjuncts. */
  readonly bounds: boolean;
  /** c_scisql: CONTAINS(POINT, c) on a polygon column becomes scisql_s2PtInCPoly(lon, lat, c_scisql). */
  readonly scisql: boolean;
}

/**
 * The storage columns that a table lists beside its region column `name`. The compiler uses only what
 * the catalog lists, so that a table loaded elsewhere (Rubin's ObsCore, with s_region alone) still
 * answers through the exact functions; a catalog that describes our loaders' tables lists them (and
 * TAP_SCHEMA leaves them out: isRegionStorageColumn).
 */
export function regionStorageIn(columnNames: readonly string[], name: string): RegionStoragePresence {
  const has = new Set(columnNames);
  const s = regionStorageColumns(name);
  return {
    bounds: has.has(s.decMin) && has.has(s.decMax) && has.has(s.capRa) && has.has(s.capDec) && has.has(s.capRadius),
    scisql: has.has(s.scisql),
  };
}

/** Whether column `name` of a table is a storage column beside one of its region columns (hidden from SELECT * and TAP_SCHEMA). */
export function isRegionStorageColumn(columns: readonly RegionColumnFacts[], name: string): boolean {
  for (const suffix of Object.values(REGION_STORAGE)) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, name.length - suffix.length);
    if (columns.some((c) => c.name === base && regionXtype(c) !== null)) return true;
  }
  return false;
}
