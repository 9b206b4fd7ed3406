/**
 * What Rubin's lsst.images container records outside its FITS cards. Its primary HDU names the data model
 * (`DATAMODL = 'https://images.lsst.io/schemas/cell_coadd-1.0.0'`), and a `JSON` HDU holds the object's tree, one
 * variable-length byte array: the band, the patch, the tract of the sky projection's frame, and the provenance
 * (instrument, physical filter, and a table of the input visits with their day_obs). A DP2 deep_coadd has no
 * BAND, FILTER or MJD cards (../shared/rubin/images/README.md), so without this its ObsCore row had no band, no
 * spectral or time range, and no tract or patch.
 *
 * Only what ObsCore needs is read, and a tree that is missing, too large or malformed gives nothing: the file is
 * still an image with a WCS, which is all that ingest requires.
 */
import { type FitsFile, arrayDescriptor, tableCell, tableColumns } from "@qserv-tap/fits";

/** The container's facts, in the data ID's vocabulary (band, tract, patch, skymap, physical_filter). */
export interface ContainerMetadata {
  /** The data model's name: `cell_coadd` for DATAMODL `https://images.lsst.io/schemas/cell_coadd-1.0.0`. */
  model: string;
  dataId: Record<string, string | number>;
  instrument?: string;
  /** The first and last day_obs of the inputs (Rubin's observing nights, YYYYMMDD). */
  nights?: readonly [number, number];
}

/** A JSON tree beyond this is not read (DP2's is 25 KB; a tree is metadata, not data). */
const MAX_TREE_BYTES = 16 * 1024 * 1024;
/** An input table beyond this is not read for its nights (read whole: DP2's rows are 120 bytes, so 140,000 inputs). */
const MAX_INPUT_BYTES = 16 * 1024 * 1024;

const MODEL = /^https:\/\/images\.lsst\.io\/schemas\/([A-Za-z0-9_]+)-\d[\w.-]*$/;

/** The container metadata of an lsst.images file, or undefined for any other FITS file. */
export async function containerMetadata(file: FitsFile): Promise<ContainerMetadata | undefined> {
  const model = MODEL.exec(file.hdus[0]?.header.string("DATAMODL")?.trim() ?? "")?.[1];
  if (model === undefined) return undefined;
  const tree = await jsonTree(file);
  if (tree === undefined) return { model, dataId: {} };
  const dataId: Record<string, string | number> = {};
  const band = tree.band;
  if (typeof band === "string" && band !== "") dataId.band = band;
  const patch = object(tree.patch)?.id;
  if (Number.isSafeInteger(patch)) dataId.patch = patch as number;
  const frames = object(object(tree.sky_projection)?.pixel_to_sky)?.frames;
  const tract = Array.isArray(frames) ? frames.map(object).find((f) => f?.frame_type === "TRACT") : undefined;
  if (Number.isSafeInteger(tract?.tract)) dataId.tract = tract!.tract as number;
  if (typeof tract?.skymap === "string") dataId.skymap = tract.skymap;
  const provenance = object(tree.provenance);
  if (typeof provenance?.physical_filter === "string") dataId.physical_filter = provenance.physical_filter;
  const instrument = typeof provenance?.instrument === "string" ? provenance.instrument : undefined;
  const nights = await inputNights(file, provenance);
  return { model, dataId, ...(instrument !== undefined ? { instrument } : {}), ...(nights !== undefined ? { nights } : {}) };
}

/**
 * The MJD range that the nights first..last cover: Rubin's day_obs is the date at UTC−12 h, so a night D runs from
 * D 12:00 to D+1 12:00 UTC. For a coadd, the bounds of its inputs' exposures, to the night (ObsCore 1.1 §4.14 asks
 * for the first start and the last stop; the container records nothing finer).
 */
export function nightsMjd(nights: readonly [number, number]): [number, number] | undefined {
  const [first, last] = nights.map(mjdOfDate);
  return first === undefined || last === undefined ? undefined : [first + 0.5, last + 1.5];
}

/** The MJD of 00:00 UTC on a YYYYMMDD date, or undefined for one that is not a date. */
function mjdOfDate(yyyymmdd: number): number | undefined {
  const y = Math.floor(yyyymmdd / 10000);
  const m = Math.floor(yyyymmdd / 100) % 100;
  const d = yyyymmdd % 100;
  const t = Date.UTC(y, m - 1, d);
  if (!Number.isInteger(yyyymmdd) || y < 1900 || y > 2200 || new Date(t).getUTCMonth() !== m - 1 || new Date(t).getUTCDate() !== d) return undefined;
  return t / 86_400_000 + 40587;
}

function object(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The JSON HDU's tree: its one row's variable-length byte array, parsed. */
async function jsonTree(file: FitsFile): Promise<Record<string, unknown> | undefined> {
  const hdu = file.hduNamed("JSON");
  if (hdu === undefined || hdu.header.string("XTENSION")?.trim() !== "BINTABLE") return undefined;
  try {
    const { columns, rowBytes, rows } = tableColumns(hdu.header, hdu.index);
    const col = columns[0];
    if (rows < 1 || col === undefined || (col.type !== "P" && col.type !== "Q")) return undefined;
    const row = await file.source.read(hdu.dataOffset, rowBytes);
    const { count, offset } = arrayDescriptor(new DataView(row.buffer, row.byteOffset, row.byteLength), col);
    const heap = hdu.header.number("THEAP") ?? rowBytes * rows;
    if (count < 2 || count > MAX_TREE_BYTES || offset < 0 || heap + offset + count > hdu.dataSize) return undefined;
    const bytes = await file.source.read(hdu.dataOffset + heap + offset, count);
    return object(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)));
  } catch {
    return undefined;
  }
}

/**
 * The first and last day_obs of the provenance's input table: the tree names its column as a FITS source,
 * `fits:PROVENANCE/INPUTS[3]` (EXTNAME, then the 1-based column), stored with TZEROn for unsigned integers.
 */
async function inputNights(file: FitsFile, provenance: Record<string, unknown> | undefined): Promise<[number, number] | undefined> {
  const columns = object(provenance?.inputs)?.columns;
  const dayObs = Array.isArray(columns) ? columns.map(object).find((c) => c?.name === "day_obs") : undefined;
  const source = object(dayObs?.data)?.source;
  const m = typeof source === "string" ? /^fits:(.+)\[(\d+)\]$/.exec(source) : null;
  const hdu = m ? file.hduNamed(m[1]!) : undefined;
  if (!m || hdu === undefined) return undefined;
  try {
    const table = tableColumns(hdu.header, hdu.index);
    const col = table.columns[Number(m[2]) - 1];
    if (col === undefined || !"BIJK".includes(col.type) || table.rows < 1 || table.rowBytes * table.rows > MAX_INPUT_BYTES) return undefined;
    const zero = hdu.header.number(`TZERO${col.n}`) ?? 0;
    const scale = hdu.header.number(`TSCAL${col.n}`) ?? 1;
    const data = await file.source.read(hdu.dataOffset, table.rowBytes * table.rows);
    let first = Infinity;
    let last = -Infinity;
    for (let r = 0; r < table.rows; r++) {
      const raw = tableCell(new DataView(data.buffer, data.byteOffset + r * table.rowBytes, table.rowBytes), col);
      const v = Number(raw) * scale + zero;
      if (!Number.isSafeInteger(v) || mjdOfDate(v) === undefined) return undefined;
      first = Math.min(first, v);
      last = Math.max(last, v);
    }
    return [first, last];
  } catch {
    return undefined;
  }
}
