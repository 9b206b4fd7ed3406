/**
 * What a loader writes for one value of a region column (catalog/regions.ts, REGION_STORAGE): the value
 * in DALI form for the column's xtype, and the storage columns beside it that the compiled SQL prunes
 * and tests with.
 */
import { formatRegion, lonLat, parseRegion, SCISQL_MAX_VERTS, SkyError } from "@qserv-tap/sky";
import type { RegionXtype } from "../catalog/regions.js";
import { scisqlPolygonBinary } from "./scisql-binary.js";

export interface RegionStorageValues {
  /** The DALI value for the column's xtype (the labelled DALI shape for "shape"). */
  value: string;
  /** The exact declination range of the region, degrees (a polygon edge may bulge past its vertices). */
  decMin: number;
  decMax: number;
  /** A cap (centre and radius, degrees) that holds the whole region. */
  capRa: number;
  capDec: number;
  capRadius: number;
  /** scisql_s2CPolyToBin of a polygon's vertices (scisql-binary.ts); null for the other kinds. */
  scisql: Buffer | null;
}

/** A value that a region column cannot hold; the message names the problem (and where, for a syntax error). */
export class RegionValueError extends Error {
  override readonly name = "RegionValueError";

  constructor(
    message: string,
    /** The 1-based character position in the value, when the problem has one. */
    readonly position?: number,
  ) {
    super(message);
  }
}

/**
 * Parses one value of a region column of the given xtype (DALI, a labelled DALI shape, or STC-S such as
 * Rubin's ObsCore s_region "POLYGON ICRS 10 20 ..."), checks it (a polygon must be convex, and at most
 * scisql's 20 vertices so that the MariaDB and Qserv forms hold it), and gives what to store.
 *
 * @throws RegionValueError naming the problem.
 */
export function regionStorageValues(xtype: RegionXtype, text: string): RegionStorageValues {
  try {
    const region = parseRegion(xtype, text);
    const value = formatRegion(region, xtype);
    let scisql: Buffer | null = null;
    if (region.kind === "polygon") {
      const vertices = region.vertices ?? [];
      if (vertices.length > SCISQL_MAX_VERTS) {
        throw new RegionValueError(
          `a polygon of ${vertices.length} vertices: region columns hold at most ${SCISQL_MAX_VERTS} (scisql's limit)`,
        );
      }
      scisql = scisqlPolygonBinary(vertices.flat());
    }
    const [decMin, decMax] = region.decRange();
    const cap = region.boundingCap();
    const [capRa, capDec] = lonLat(cap.center);
    return { value, decMin, decMax, capRa, capDec, capRadius: cap.radius, scisql };
  } catch (err) {
    if (err instanceof SkyError) {
      // sky's parse errors name the 1-based character position in their message.
      const at = /at character (\d+)/.exec(err.message);
      throw new RegionValueError(`not a ${xtype} value: ${err.message}`, at ? Number(at[1]) : undefined);
    }
    throw err;
  }
}
