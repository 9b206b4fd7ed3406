/**
 * One ObsCore row (ObsCore 1.1 §3, §4) from a FITS file's headers: the same code fills ivoa.ObsCore for the demo
 * images and for `tap-server images ingest`, so that the two agree. The spatial columns come from the image HDU's
 * WCS through @qserv-tap/sky (its footprint for s_region), the time columns from MJD-BEG/MJD-END or MJD-OBS and
 * EXPTIME, the spectral ones from the band (LSST's ugrizy), the lsst_* columns from the Butler data ID; what an
 * lsst.images container keeps in its JSON tree instead of cards fills the gaps (lsst-images.ts).
 */
import { fileURLToPath } from "node:url";
import { headerValues, type Hdu, type Header } from "@qserv-tap/fits";
import { angularSeparation, footprint, parseWcs, unitVector, type Wcs } from "@qserv-tap/sky";
import { regionStorageColumns } from "@qserv-tap/adql-compiler";
import { regionCell, type RegionColumn } from "../catalog.js";
import { type ContainerMetadata, nightsMjd } from "./lsst-images.js";

export const OBSCORE_SCHEMA_PATH = fileURLToPath(new URL("../../demo/obscore.yaml", import.meta.url));

/**
 * LSST's ugrizy filters as wavelength ranges in metres (vacuum), for em_min/em_max (ObsCore 1.1 §4.17): the
 * ranges over which each total system throughput (lsst/throughputs) is above about half its peak, rounded to the
 * nanometre.
 */
export const LSST_BANDS: Readonly<Record<string, readonly [number, number]>> = {
  u: [330e-9, 400e-9],
  g: [402e-9, 552e-9],
  r: [552e-9, 691e-9],
  i: [691e-9, 818e-9],
  z: [818e-9, 922e-9],
  y: [948e-9, 1060e-9],
};

/** The columns of ivoa.ObsCore that a row from an image fills (demo/obscore.yaml has them all). */
export interface ObsCoreRow {
  dataproduct_type: string;
  dataproduct_subtype: string | null;
  calib_level: number;
  obs_collection: string;
  obs_id: string;
  obs_title: string | null;
  obs_publisher_did: string;
  access_url: string;
  access_format: string;
  access_estsize: number;
  target_name: string | null;
  s_ra: number;
  s_dec: number;
  s_fov: number;
  s_region: string;
  s_resolution: number | null;
  s_xel1: number;
  s_xel2: number;
  t_xel: number | null;
  t_min: number | null;
  t_max: number | null;
  t_exptime: number | null;
  t_resolution: number | null;
  em_xel: number | null;
  em_min: number | null;
  em_max: number | null;
  em_res_power: number | null;
  o_ucd: string | null;
  pol_states: string | null;
  pol_xel: number | null;
  facility_name: string | null;
  instrument_name: string | null;
  lsst_visit: number | null;
  lsst_detector: number | null;
  lsst_tract: number | null;
  lsst_patch: number | null;
  lsst_band: string | null;
  lsst_filter: string | null;
}

/** The file has no usable celestial WCS (or no image): it cannot be an ObsCore image row. */
export class ObsCoreError extends Error {
  override name = "ObsCoreError";
}

export interface ObsCoreInput {
  /** The primary HDU's header (where Rubin's afw files keep the observation's cards). */
  primary: Header;
  /** The image HDU (IMAGE, or the first image). For a tile-compressed HDU, its image axes are ZNAXISn. */
  image: Hdu;
  /** obs_publisher_did: the image's ID. */
  id: string;
  /** The Butler's dataset type and data ID (data ID keys absent here are looked for in the headers). */
  datasetType?: string;
  dataId?: Readonly<Record<string, string | number>>;
  accessUrl: string;
  /** The file's size in bytes (access_estsize is in kilobytes, ObsCore 1.1 §4.8). */
  size: number;
  collection: string;
  /** What an lsst.images container records beyond its cards (lsst-images.ts); the cards come first. */
  container?: ContainerMetadata | undefined;
}


/** The image's WCS and axis lengths, or an ObsCoreError saying why it has no usable celestial WCS. */
export function imageWcs(image: Hdu): { wcs: Wcs; naxis1: number; naxis2: number } {
  const values = headerValues(image);
  const naxis1 = values.get("NAXIS1");
  const naxis2 = values.get("NAXIS2");
  if (typeof naxis1 !== "number" || typeof naxis2 !== "number" || naxis1 < 1 || naxis2 < 1) throw new ObsCoreError("the image HDU has no 2-D image");
  let wcs: Wcs;
  try {
    wcs = parseWcs(values);
  } catch (e) {
    throw new ObsCoreError(`no usable WCS: ${(e as Error).message}`);
  }
  const cel = wcs.celestial;
  if (!cel) throw new ObsCoreError("no celestial WCS (CTYPE1/CTYPE2 are not RA/DEC)");
  if (cel.lonAxis > 1 || cel.latAxis > 1) throw new ObsCoreError("the celestial WCS is not on pixel axes 1 and 2");
  // FK5 J2000 is within about 20 mas of ICRS, which the s_* columns do not resolve; FK4 or galactic axes are not.
  if (!["ICRS", "FK5"].includes(cel.radesys)) {
    throw new ObsCoreError(`RADESYS ${cel.radesys} is not ICRS (ObsCore 1.1 §4.10)`);
  }
  return { wcs, naxis1, naxis2 };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** s_region as demo/obscore.yaml describes it: a DALI shape (catalog.ts converts and checks its values). */
const S_REGION: RegionColumn = { name: "s_region", xtype: "shape", storage: regionStorageColumns("s_region") };

/**
 * s_region as a DALI 1.2 shape (demo/obscore.yaml: char, xtype "shape"): "polygon lon1 lat1 lon2 lat2 ...", the
 * footprint's vertices in the sky package's winding, to 1e-7° (0.4 mas). The finest footprint that a region column
 * holds: within 512 characters (Rubin's s_region length), and convex with at most scisql's 20 vertices (as the
 * storage columns need, catalog.ts regionCell). It covers the image: vertices only where a side bows outwards (a
 * side that bows inwards keeps its chord, outside it); one that still does not fit is drawn coarser, down to the
 * four corners.
 */
export function sRegion(wcs: Wcs, naxis1: number, naxis2: number, maxLength = 512): { region: string; vertices: [number, number][] } {
  let problem = "";
  for (const tolerancePixels of [0.05, 0.2, 1, 5, 1e9]) {
    const f = footprint(wcs, naxis1, naxis2, { tolerancePixels, covering: true });
    const vertices = f.vertices.map(([lon, lat]) => [round(lon, 7), round(lat, 7)] as [number, number]);
    const region = `polygon ${vertices.map(([a, b]) => `${a} ${b}`).join(" ")}`;
    if (region.length > maxLength) {
      problem = `longer than ${maxLength} characters`;
      continue;
    }
    try {
      regionCell(S_REGION, region);
    } catch (e) {
      problem = (e as Error).message;
      continue;
    }
    return { region, vertices };
  }
  throw new ObsCoreError(`the footprint does not fit in s_region: ${problem}`);
}

function card(input: ObsCoreInput, keyword: string): string | number | boolean | undefined {
  for (const h of [input.image.header, input.primary]) {
    const v = h.get(keyword);
    if (v !== undefined && v !== null && typeof v !== "object") return typeof v === "bigint" ? Number(v) : v;
  }
  return undefined;
}

function numberCard(input: ObsCoreInput, ...keywords: string[]): number | undefined {
  for (const k of keywords) {
    const v = card(input, k);
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return undefined;
}

function stringCard(input: ObsCoreInput, ...keywords: string[]): string | undefined {
  for (const k of keywords) {
    const v = card(input, k);
    if (typeof v === "string" && v.trim() !== "") return v.trim();
  }
  return undefined;
}

/**
 * The data ID: the registry's, else Rubin's `HIERARCH LSST BUTLER DATAID <KEY>` cards, else plain cards (BAND,
 * VISIT, DETECTOR, TRACT, PATCH, DAY_OBS, PHYSFILT), else an lsst.images container's JSON tree.
 */
export function dataIdFromHeaders(input: Pick<ObsCoreInput, "primary" | "image" | "dataId" | "container">): Record<string, string | number> {
  const out: Record<string, string | number> = { ...(input.dataId ?? {}) };
  const probe = { ...input, id: "", accessUrl: "", size: 0, collection: "" };
  for (const key of ["band", "visit", "detector", "tract", "patch", "day_obs", "physical_filter", "skymap"]) {
    if (out[key] !== undefined) continue;
    const plain = key === "physical_filter" ? "PHYSFILT" : key === "day_obs" ? "DAY_OBS" : key.toUpperCase();
    const v = card(probe, `LSST BUTLER DATAID ${key.toUpperCase()}`) ?? card(probe, plain);
    if (typeof v === "string" || typeof v === "number") out[key] = typeof v === "string" ? v.trim() : v;
  }
  if (out.band === undefined) {
    const filter = stringCard(probe, "FILTER");
    const m = filter ? /^([ugrizy])(\b|_)/.exec(filter) : null;
    if (m) out.band = m[1]!;
  }
  for (const [key, v] of Object.entries(input.container?.dataId ?? {})) out[key] ??= v;
  return out;
}

function integer(v: string | number | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

/** The ObsCore row of one image file (ObsCore 1.1 §4, column by column). */
export function obsCoreRow(input: ObsCoreInput): ObsCoreRow {
  const { wcs, naxis1, naxis2 } = imageWcs(input.image);
  const centre = wcs.pixelToSky((naxis1 + 1) / 2, (naxis2 + 1) / 2);
  if (!centre) throw new ObsCoreError("the image's centre has no sky position");
  let region: { region: string; vertices: [number, number][] };
  try {
    region = sRegion(wcs, naxis1, naxis2);
  } catch (e) {
    throw e instanceof ObsCoreError ? e : new ObsCoreError(`no footprint: ${(e as Error).message}`);
  }
  // §4.11: the diameter of a circle that holds the footprint, centred on (s_ra, s_dec).
  const c = unitVector(centre[0], centre[1]);
  const radius = Math.max(...region.vertices.map(([lon, lat]) => angularSeparation(c, unitVector(lon, lat))));
  const dataId = dataIdFromHeaders(input);
  const band = typeof dataId.band === "string" ? dataId.band : undefined;
  const em = band !== undefined ? LSST_BANDS[band] : undefined;
  const datasetType = input.datasetType ?? stringCard(input, "LSST BUTLER DATASETTYPE") ?? input.container?.model ?? "image";
  const exptime = numberCard(input, "EXPTIME", "EXPOSURE");
  const beg = numberCard(input, "MJD-BEG");
  const end = numberCard(input, "MJD-END");
  const obs = numberCard(input, "MJD-OBS");
  // §4.14: the start and stop of the observation; for a combination of frames, the first start and last stop.
  // Without cards, an lsst.images container's input nights bound it.
  const nights = input.container?.nights !== undefined ? nightsMjd(input.container.nights) : undefined;
  const [tMin, tMax] =
    beg !== undefined && end !== undefined
      ? [beg, end]
      : obs !== undefined
        ? [obs, exptime !== undefined ? obs + exptime / 86400 : obs]
        : nights !== undefined
          ? nights
          : [null, null];
  // §4.13: the FWHM of the PSF in arcseconds: SEEING, else a Gaussian PSF's sigma in pixels.
  const scale = wcs.pixelScale((naxis1 + 1) / 2, (naxis2 + 1) / 2) * 3600;
  const seeing = numberCard(input, "SEEING");
  const sigma = numberCard(input, "PSFSIGMA");
  const sResolution = seeing ?? (sigma !== undefined ? 2 * Math.sqrt(2 * Math.log(2)) * sigma * scale : undefined);
  const visit = integer(dataId.visit);
  const tract = integer(dataId.tract);
  const calib = datasetType === "raw" ? 1 : /coadd/.test(datasetType) ? 3 : 2;
  const obsId =
    visit !== null
      ? `${visit}${dataId.detector !== undefined ? `_${dataId.detector}` : ""}`
      : tract !== null
        ? `${tract}_${dataId.patch ?? ""}_${band ?? ""}`
        : input.id;
  const described = Object.entries(dataId)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return {
    dataproduct_type: "image",
    dataproduct_subtype: `lsst.${datasetType}`,
    calib_level: calib,
    obs_collection: input.collection,
    obs_id: obsId,
    obs_title: `${datasetType}${described ? ` (${described})` : ""}`,
    obs_publisher_did: input.id,
    access_url: input.accessUrl,
    access_format: "application/fits",
    // kbyte is 1000 bytes: VOUnits 1.0's SI prefix k (1024 would be its binary prefix, Kibyte); DataLink's content_length / 1000.
    access_estsize: Math.max(1, Math.round(input.size / 1000)),
    target_name: stringCard(input, "OBJECT") ?? null,
    s_ra: round(centre[0], 10),
    s_dec: round(centre[1], 10),
    s_fov: round(2 * radius, 8),
    s_region: region.region,
    s_resolution: sResolution !== undefined ? round(sResolution, 4) : null,
    s_xel1: naxis1,
    s_xel2: naxis2,
    t_xel: tMin !== null ? 1 : null,
    t_min: tMin,
    t_max: tMax,
    t_exptime: exptime ?? null,
    t_resolution: null,
    em_xel: em ? 1 : null,
    em_min: em ? em[0] : null,
    em_max: em ? em[1] : null,
    em_res_power: em ? round((em[0] + em[1]) / 2 / (em[1] - em[0]), 4) : null,
    o_ucd: (stringCard(input, "BUNIT") ?? "").endsWith("Jy") ? "phot.flux.density" : null,
    pol_states: null,
    pol_xel: null,
    facility_name: stringCard(input, "TELESCOP") ?? null,
    instrument_name: stringCard(input, "INSTRUME") ?? input.container?.instrument ?? null,
    lsst_visit: visit,
    lsst_detector: integer(dataId.detector),
    lsst_tract: tract,
    lsst_patch: integer(dataId.patch),
    lsst_band: band ?? null,
    lsst_filter: typeof dataId.physical_filter === "string" ? dataId.physical_filter : null,
  };
}
