/**
 * The tables of region-valued columns (ADQL 2.1 §4.2; catalog/regions.ts) that the region golden and
 * execution tests compile against, added to the compiler's test catalog (catalog.ts):
 * - ext.Footprint: our loaders' form. `s_region` is ObsCore's (a char column recognised by its utype, a
 *   polygon) with every storage column, scisql's binary polygon included; `cover` a circle, `pos` a point
 *   and `shape` a labelled DALI shape, each with its bounding columns.
 * - ext.Plain: a polygon column with no storage column, as Rubin's ObsCore has it where it was loaded
 *   elsewhere (the exact functions only; on Qserv, Rubin's `s_region_scisql` is assumed).
 * - ext.RubinObsCore: ObsCore's s_region as Rubin's Felis has it (a string known by its utype, no xtype, no
 *   storage columns), whose values may be STC-S.
 * - ext.Star: positions, for joins of points with footprints.
 */
import type { SchemaColumn, SchemaLookup, SchemaTable } from "../../analysis/schema.js";
import { regionStorageColumns } from "../../catalog/regions.js";
import { testSchema } from "./catalog.js";

const OBSCORE_AREA = "obscore:Char.SpatialAxis.Coverage.Support.Area";

/** The bounding storage columns (and, with `scisql`, the binary polygon) beside region column `name`. */
function storage(name: string, scisql: boolean): SchemaColumn[] {
  const s = regionStorageColumns(name);
  const out: SchemaColumn[] = [s.decMin, s.decMax, s.capRa, s.capDec, s.capRadius].map((n) => ({ name: n, datatype: "double", unit: "deg" }));
  if (scisql) out.push({ name: s.scisql, datatype: "unsignedByte", arraysize: "*" });
  return out;
}

export const FOOTPRINT_TABLE: SchemaTable = {
  schema: "ext",
  name: "Footprint",
  columns: [
    { name: "id", datatype: "long", ucd: "meta.id" },
    { name: "s_region", datatype: "char", arraysize: "*", xtype: "polygon", ucd: "pos.outline;obs.field", utype: OBSCORE_AREA },
    ...storage("s_region", true),
    { name: "cover", datatype: "char", arraysize: "*", xtype: "circle" },
    ...storage("cover", false),
    { name: "pos", datatype: "char", arraysize: "*", xtype: "point" },
    ...storage("pos", false),
    { name: "shape", datatype: "char", arraysize: "*", xtype: "shape" },
    ...storage("shape", false),
  ],
};

export const PLAIN_TABLE: SchemaTable = {
  schema: "ext",
  name: "Plain",
  columns: [
    { name: "id", datatype: "long" },
    { name: "s_region", datatype: "char", arraysize: "*", xtype: "polygon" },
  ],
};

export const RUBIN_OBSCORE_TABLE: SchemaTable = {
  schema: "ext",
  name: "RubinObsCore",
  columns: [
    { name: "obs_id", datatype: "char", arraysize: "*" },
    { name: "s_region", datatype: "char", arraysize: "512", ucd: "pos.outline;obs.field", utype: "Char.SpatialAxis.Coverage.Support.Area" },
  ],
};

export const STAR_TABLE: SchemaTable = {
  schema: "ext",
  name: "Star",
  columns: [
    { name: "id", datatype: "long" },
    { name: "ra", datatype: "double", unit: "deg" },
    { name: "dec", datatype: "double", unit: "deg" },
  ],
};

let lookup: SchemaLookup | undefined;

/** The test catalog (catalog.ts) with the region tables. */
export function regionSchema(): SchemaLookup {
  lookup ??= { tables: [...testSchema().tables, FOOTPRINT_TABLE, PLAIN_TABLE, RUBIN_OBSCORE_TABLE, STAR_TABLE] };
  return lookup;
}
