/**
 * The demo images: about two dozen small LSST-like images generated deterministically on first start, like the
 * demo catalog, and drawn from it. Each is centred on a chosen star of demo.stars (the brightest in a sky cell, the
 * one nearest RA 0, the ones nearest each pole); the stars inside are rendered at their catalog positions through
 * @qserv-tap/sky's WCS (SIP included) with a Gaussian PSF, over a background with seeded noise. Coadds are TAN with a
 * tract/patch data ID in g and r; visit images are TAN-SIP, rotated, in r at two epochs within demo.detections'
 * times. Image, mask and variance planes are written as Rubin writes them: mostly GZIP_2 in the lsst.images
 * container (an empty primary with FMTVER, DATAMODL, INDXADDR/INDXSIZE, and an INDEX table last), a few in the
 * older afw layout (IMAGE, MASK, VARIANCE uncompressed, no index).
 *
 * Writing one image from a spec is cheap and separate (renderImage, writeImage), for benchmarks that need many.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  type Bitpix,
  type Card,
  type HduToWrite,
  type StoredArray,
  FileSource,
  FitsFile,
  Header,
  arrayData,
  bytesData,
  emptyPrimary,
  gzip2Image,
  imageHeader,
  withChecksum,
  writeFitsFile,
} from "@qserv-tap/fits";
import { angularSeparation, parseWcs, unitVector, type HeaderValue, type Wcs } from "@qserv-tap/sky";
import type { Backend } from "../backends/backend.js";
import { DuckDbBackend } from "../backends/duckdb.js";
import type { Config } from "../config.js";
import { Random } from "../demo.js";
import { ensureObsCoreTable, ingestFile, refreshAccessUrls, type IngestContext } from "./ingest.js";
import { LocalRegistry, nameUuid } from "./local-registry.js";
import type { ServiceLog } from "../logging.js";

/** A star of demo.stars, as the renderer needs it. */
export interface CatalogStar {
  id: number;
  ra: number;
  dec: number;
  g: number | null;
  r: number | null;
}

/** lsst.images: GZIP_2 planes, INDEX HDU last. afw: the three planes uncompressed, no index. */
export type DemoLayout = "lsst.images" | "afw";

export interface DemoImageSpec {
  /** The file name, without directory. */
  file: string;
  datasetType: "deep_coadd" | "visit_image";
  dataId: Readonly<Record<string, string | number>>;
  band: "g" | "r";
  /** The star the image is centred on (CRVAL). */
  centre: CatalogStar;
  nx: number;
  ny: number;
  /** Arcseconds per pixel. */
  scale: number;
  /** Degrees, of the pixel grid against north. */
  rotation: number;
  /** TAN-SIP with a fixed small distortion, or plain TAN. */
  sip: boolean;
  /** Start and end of the observation (MJD), and the exposure time (s). */
  mjd: readonly [number, number];
  exptime: number;
  /** The Gaussian PSF's sigma in pixels. */
  psfSigma: number;
  /** nJy per pixel, and the noise's standard deviation. */
  background: number;
  noise: number;
  layout: DemoLayout;
  /** GZIP_2 tiles: one row per tile, or rectangles. */
  tile: "row" | readonly [number, number];
  seed: number;
}

/** A rendered image: the three planes (FITS order, first axis fastest) and where each star was drawn. */
export interface RenderedImage {
  image: Float32Array;
  mask: Int32Array;
  variance: Float32Array;
  /** FITS pixel coordinates (1-based) of each star drawn, from our WCS. */
  drawn: { id: number; ra: number; dec: number; x: number; y: number; flux: number }[];
}

export const FACILITY = "Rubin:Simonyi (demo)";
export const INSTRUMENT = "LSSTCam (demo)";
export const DEMO_REPO_COLLECTION = "LSST.demo";
/** demo.detections' MJD range (demo.ts draws them uniformly in it). */
export const DETECTION_MJD: readonly [number, number] = [60310, 61210];

/** Rubin's mask planes (afw's default set), as MSKNnnnn/MSKMnnnn/MSKDnnnn cards. */
const MASK_PLANES = [
  ["BAD", "This pixel is known to be bad (e.g. the amplifier is not working)."],
  ["SAT", "This pixel is saturated."],
  ["INTRP", "This pixel has been interpolated over."],
  ["CR", "This pixel is contaminated by a cosmic ray."],
  ["EDGE", "This pixel is too close to the edge to be processed properly."],
  ["DETECTED", "This pixel lies within an object's Footprint."],
  ["DETECTED_NEGATIVE", "This pixel lies within a negative Footprint."],
  ["SUSPECT", "This pixel is untrustworthy."],
  ["NO_DATA", "There was no data at this pixel."],
] as const;
const BIT = Object.fromEntries(MASK_PLANES.map(([n], i) => [n, 1 << i])) as Record<(typeof MASK_PLANES)[number][0], number>;

const real = (keyword: string, value: number, comment?: string): Card => ({ keyword, value, real: true, ...(comment ? { comment } : {}) });

/** A fixed, small distortion (pixels): up to about a pixel at the corners of a 400-pixel image. */
const SIP_A: readonly [number, number, number][] = [
  [2, 0, 6e-6],
  [1, 1, -4e-6],
  [0, 2, 3e-6],
  [3, 0, 1.5e-8],
];
const SIP_B: readonly [number, number, number][] = [
  [2, 0, -3e-6],
  [1, 1, 5e-6],
  [0, 2, 4e-6],
  [0, 3, -1e-8],
];

/** The WCS cards of a spec: CRVAL at the centre star, CRPIX at the image centre, CD with the rotation, SIP. */
export function wcsCards(spec: DemoImageSpec): Card[] {
  const s = spec.scale / 3600;
  const t = (spec.rotation * Math.PI) / 180;
  const suffix = spec.sip ? "-SIP" : "";
  const cards: Card[] = [
    { keyword: "WCSAXES", value: 2 },
    { keyword: "CTYPE1", value: `RA---TAN${suffix}` },
    { keyword: "CTYPE2", value: `DEC--TAN${suffix}` },
    { keyword: "CUNIT1", value: "deg" },
    { keyword: "CUNIT2", value: "deg" },
    real("CRPIX1", (spec.nx + 1) / 2),
    real("CRPIX2", (spec.ny + 1) / 2),
    real("CRVAL1", spec.centre.ra),
    real("CRVAL2", spec.centre.dec),
    real("CD1_1", -s * Math.cos(t)),
    real("CD1_2", s * Math.sin(t)),
    real("CD2_1", s * Math.sin(t)),
    real("CD2_2", s * Math.cos(t)),
    { keyword: "RADESYS", value: "ICRS" },
  ];
  if (spec.sip) {
    cards.push({ keyword: "A_ORDER", value: 3 });
    for (const [p, q, v] of SIP_A) cards.push(real(`A_${p}_${q}`, v));
    cards.push({ keyword: "B_ORDER", value: 3 });
    for (const [p, q, v] of SIP_B) cards.push(real(`B_${p}_${q}`, v));
  }
  return cards;
}

/** The spec's WCS, as the sky package reads the cards we write. */
export function specWcs(spec: DemoImageSpec): Wcs {
  const values = new Map<string, HeaderValue>([
    ["NAXIS", 2],
    ["NAXIS1", spec.nx],
    ["NAXIS2", spec.ny],
  ]);
  for (const c of wcsCards(spec)) values.set(c.keyword, c.value as HeaderValue);
  return parseWcs(values);
}

/** Flux in nJy of an AB magnitude (m = 31.4 − 2.5 log10 f/nJy). */
export function abFlux(mag: number): number {
  return 10 ** ((31.4 - mag) / 2.5);
}

function starMag(star: CatalogStar, band: "g" | "r"): number {
  const own = band === "g" ? star.g : star.r;
  const other = band === "g" ? star.r : star.g;
  // The demo's colours are g − r in [0.2, 1]: a missing magnitude is the other one shifted by the mean colour.
  return own ?? (other !== null ? other + (band === "g" ? 0.6 : -0.6) : 23);
}

/** Standard normal deviates, both of each Box–Muller pair (Random.gauss uses one): the noise is most of the drawing. */
function gaussPairs(rnd: Random): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rnd.next()));
    const a = 2 * Math.PI * rnd.next();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

/**
 * Counts per nJy of a star's photon noise: high, so that the demo's bright stars give centroids good to a few
 * milliarcseconds even in the coarse polar images (the cutout tests compare centroids with catalog positions).
 */
const GAIN = 10_000;

/** Draws the stars (catalog positions through our WCS) over a background with seeded noise. */
export function renderImage(spec: DemoImageSpec, stars: readonly CatalogStar[], wcs: Wcs = specWcs(spec)): RenderedImage {
  const { nx, ny, psfSigma: sigma } = spec;
  const n = nx * ny;
  const model = new Float64Array(n);
  const drawn: RenderedImage["drawn"] = [];
  const reach = Math.ceil(5 * sigma);
  for (const star of stars) {
    const p = wcs.skyToPixel(star.ra, star.dec);
    if (!p) continue;
    const [x, y] = p;
    if (x < 1 - reach || x > nx + reach || y < 1 - reach || y > ny + reach) continue;
    const flux = abFlux(starMag(star, spec.band));
    const amp = flux / (2 * Math.PI * sigma * sigma);
    drawn.push({ id: star.id, ra: star.ra, dec: star.dec, x, y, flux });
    const x1 = Math.max(1, Math.floor(x - reach));
    const x2 = Math.min(nx, Math.ceil(x + reach));
    const y1 = Math.max(1, Math.floor(y - reach));
    const y2 = Math.min(ny, Math.ceil(y + reach));
    for (let j = y1; j <= y2; j++) {
      const dy2 = (j - y) * (j - y);
      const row = (j - 1) * nx;
      for (let i = x1; i <= x2; i++) {
        const dx = i - x;
        model[row + i - 1]! += amp * Math.exp(-(dx * dx + dy2) / (2 * sigma * sigma));
      }
    }
  }
  const gauss = gaussPairs(new Random(spec.seed));
  const image = new Float32Array(n);
  const mask = new Int32Array(n);
  const variance = new Float32Array(n);
  const noise2 = spec.noise * spec.noise;
  const edge = 2;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      const signal = model[k]!;
      // Photon noise of the source on top of the sky's, at GAIN counts per nJy.
      const v = noise2 + signal / GAIN;
      image[k] = spec.background + signal + Math.sqrt(v) * gauss();
      variance[k] = v;
      let m = 0;
      if (signal > 5 * spec.noise) m |= BIT.DETECTED;
      if (i < edge || j < edge || i >= nx - edge || j >= ny - edge) m |= BIT.EDGE;
      mask[k] = m;
    }
  }
  return { image, mask, variance, drawn };
}

/** MJD → the calendar date (UTC) as YYYY-MM-DDThh:mm:ss.sss. */
function isoDate(mjd: number): string {
  return new Date(Math.round((mjd - 40587) * 86_400_000)).toISOString().replace("Z", "");
}

/** Rubin's day_obs: the date, as YYYYMMDD, 12 hours before (UTC−12h). */
export function dayObs(mjd: number): number {
  return Number(isoDate(mjd - 0.5).slice(0, 10).replaceAll("-", ""));
}

function observationCards(spec: DemoImageSpec): Card[] {
  const seeing = spec.psfSigma * 2 * Math.sqrt(2 * Math.log(2)) * spec.scale;
  const cards: Card[] = [
    { keyword: "ORIGIN", value: "qserv-tap demo generator", comment: "synthetic image, no scientific content" },
    { keyword: "TELESCOP", value: FACILITY },
    { keyword: "INSTRUME", value: INSTRUMENT },
    { keyword: "FILTER", value: String(spec.dataId.physical_filter ?? spec.band), comment: "physical filter" },
    { keyword: "BAND", value: spec.band, comment: "abstract filter" },
    { keyword: "DATE-OBS", value: isoDate(spec.mjd[0]), comment: "start of the observation (UTC)" },
    { keyword: "TIMESYS", value: "UTC" },
    real("MJD-OBS", spec.mjd[0], "start of the observation"),
  ];
  if (spec.datasetType === "deep_coadd") {
    cards.push(real("MJD-BEG", spec.mjd[0], "first start of the coadded visits"), real("MJD-END", spec.mjd[1], "last end of the coadded visits"));
  }
  cards.push(
    real("EXPTIME", spec.exptime, "[s] exposure time (total, for a coadd)"),
    real("PSFSIGMA", Number(spec.psfSigma.toFixed(4)), "[pixel] sigma of the Gaussian PSF"),
    real("SEEING", Number(seeing.toFixed(4)), "[arcsec] FWHM of the PSF"),
    { keyword: "LSST BUTLER DATASETTYPE", value: spec.datasetType },
  );
  for (const [k, v] of Object.entries(spec.dataId)) cards.push({ keyword: `LSST BUTLER DATAID ${k.toUpperCase()}`, value: v });
  return cards;
}

function maskCards(): Card[] {
  return MASK_PLANES.flatMap(([name, description], i) => {
    const n = String(i).padStart(4, "0");
    return [
      { keyword: `MSKN${n}`, value: name, comment: `Name for mask plane ${i}.` },
      { keyword: `MSKM${n}`, value: 1 << i, comment: `Bitmask for plane n=${i}; always 1<<n.` },
      { keyword: `MSKD${n}`, value: description },
    ];
  });
}

/** The container's INDEX HDU columns, as Rubin's lsst.images writes them. */
interface IndexRow {
  extname: string;
  xtension: string;
  zimage: boolean;
  hdrAddr: number;
  datAddr: number;
  datSize: number;
}

function padded(n: number): number {
  return Math.ceil(n / 2880) * 2880;
}

function indexHdu(rows: readonly IndexRow[]): HduToWrite {
  const w = Math.max(8, ...rows.map((r) => r.extname.length));
  const rowBytes = w + 4 + 8 + 1 + 8 * 3;
  const data = Buffer.alloc(rows.length * rowBytes);
  rows.forEach((r, i) => {
    let o = i * rowBytes;
    data.write(r.extname.padEnd(w, " "), o, "latin1");
    o += w;
    data.writeInt32BE(1, o);
    o += 4;
    data.write(r.xtension.padEnd(8, " "), o, "latin1");
    o += 8;
    data.write(r.zimage ? "T" : "F", o, "latin1");
    o += 1;
    for (const v of [r.hdrAddr, r.datAddr, r.datSize]) {
      data.writeBigInt64BE(BigInt(v), o);
      o += 8;
    }
  });
  const columns: [string, string][] = [
    ["EXTNAME", `${w}A`],
    ["EXTVER", "J"],
    ["XTENSION", "8A"],
    ["ZIMAGE", "L"],
    ["HDRADDR", "K"],
    ["DATADDR", "K"],
    ["DATSIZE", "K"],
  ];
  const header = new Header([
    { keyword: "XTENSION", value: "BINTABLE", comment: "binary table extension" },
    { keyword: "BITPIX", value: 8, comment: "array data type" },
    { keyword: "NAXIS", value: 2, comment: "number of array dimensions" },
    { keyword: "NAXIS1", value: rowBytes, comment: "length of dimension 1" },
    { keyword: "NAXIS2", value: rows.length, comment: "length of dimension 2" },
    { keyword: "PCOUNT", value: 0, comment: "number of group parameters" },
    { keyword: "GCOUNT", value: 1, comment: "number of groups" },
    { keyword: "TFIELDS", value: columns.length, comment: "number of table fields" },
    ...columns.flatMap(([name, form], k): Card[] => [
      { keyword: `TTYPE${k + 1}`, value: name },
      { keyword: `TFORM${k + 1}`, value: form },
    ]),
    { keyword: "EXTNAME", value: "INDEX", comment: "extension name" },
  ]);
  return { header, data: bytesData(data) };
}

/** The bytes an HDU takes in the file (with the CHECKSUM and DATASUM cards the writer adds). */
function hduSpan(h: HduToWrite): { header: number; data: number } {
  return { header: withChecksum(h.header, 0).toBytes().length, data: padded(h.data?.bytes ?? 0) };
}

/**
 * The lsst.images container around the HDUs: the primary gets FMTVER, INDXADDR/INDXSIZE and DATAMODL, and an INDEX
 * table that gives each HDU's header and data offsets goes last. The offsets are known before anything is written,
 * since header sizes do not depend on the values of their cards.
 */
export function lsstImagesContainer(primaryCards: readonly Card[], extensions: readonly HduToWrite[], dataModel: string): HduToWrite[] {
  const container = (addr: number, size: number): Card[] => [
    { keyword: "FMTVER", value: 1, comment: "FITS container layout version." },
    { keyword: "INDXADDR", value: addr, comment: "Offset in bytes to the HDU index." },
    { keyword: "INDXSIZE", value: size, comment: "Size of the HDU index." },
    { keyword: "DATAMODL", value: dataModel, comment: "Schema URL." },
  ];
  const primaryAt = (addr: number, size: number) => emptyPrimary([...container(addr, size), ...primaryCards]);
  const hdus = [primaryAt(0, 0), ...extensions];
  const rows: IndexRow[] = [];
  let offset = 0;
  for (const h of hdus) {
    const span = hduSpan(h);
    const zimage = h.header.boolean("ZIMAGE") === true;
    rows.push({
      extname: h.header.string("EXTNAME") ?? "",
      xtension: rows.length === 0 ? "IMAGE" : (h.header.string("XTENSION") ?? "IMAGE"),
      zimage,
      hdrAddr: offset,
      datAddr: offset + span.header,
      datSize: span.data,
    });
    offset += span.header + span.data;
  }
  const index = indexHdu(rows);
  const span = hduSpan(index);
  return [primaryAt(offset, span.header + span.data), ...extensions, index];
}

const DATA_MODELS: Record<DemoImageSpec["datasetType"], string> = {
  deep_coadd: "https://images.lsst.io/schemas/cell_coadd-1.0.0",
  visit_image: "https://images.lsst.io/schemas/visit_image-1.0.0",
};

/** The HDUs of one image file, in the spec's layout. */
export function imageHdus(spec: DemoImageSpec, planes: Pick<RenderedImage, "image" | "mask" | "variance">): HduToWrite[] {
  const wcs = wcsCards(spec);
  const axes = [spec.nx, spec.ny];
  const plane = (extname: string, data: StoredArray, bitpix: Bitpix, cards: Card[]): HduToWrite => {
    if (spec.layout === "afw") {
      const afw: Card[] = [{ keyword: "INHERIT", value: true }, { keyword: "EXTTYPE", value: extname }, ...cards];
      return { header: imageHeader(bitpix, axes, { extname, cards: afw }), data: arrayData(data) };
    }
    const tile = spec.tile === "row" ? [spec.nx, 1] : [...spec.tile];
    return gzip2Image(data, bitpix, axes, { extname, cards, tile });
  };
  const extensions = [
    plane("IMAGE", planes.image, -32, [{ keyword: "BUNIT", value: "nJy" }, ...wcs]),
    plane("MASK", planes.mask, 32, [...maskCards(), ...wcs]),
    plane("VARIANCE", planes.variance, -32, [{ keyword: "BUNIT", value: "nJy2" }, ...wcs]),
  ];
  const primary = observationCards(spec);
  if (spec.layout === "afw") return [emptyPrimary(primary), ...extensions];
  return lsstImagesContainer(
    [...primary, { keyword: "COMMENT", comment: "A demo image of qserv-tap: the lsst.images container, without its JSON tree." }],
    extensions,
    DATA_MODELS[spec.datasetType],
  );
}

/** Writes one image (to a temporary name first, so that a half-written file is never taken for a whole one). */
export async function writeImage(path: string, spec: DemoImageSpec, planes: Pick<RenderedImage, "image" | "mask" | "variance">): Promise<void> {
  // Named for this writer alone: two servers starting on one directory each write their own, and either's is whole.
  const partial = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.partial`;
  await writeFitsFile(partial, imageHdus(spec, planes));
  await rename(partial, path);
}

// ---------------------------------------------------------------------------------------------------------------
// Which images: centres chosen from demo.stars, specs from centres.

/** The stars the demo images are centred on. */
export interface DemoCentres {
  /** The brightest star (r) with both magnitudes in each of six sky cells. */
  cells: CatalogStar[];
  /** The bright star (r and g < 18) nearest RA 0 within |dec| < 60°. */
  ra0: CatalogStar;
  /** The bright stars nearest each pole. */
  north: CatalogStar;
  south: CatalogStar;
}

/** The sky cells (RA from, to; Dec from, to) whose brightest stars centre the ordinary images. */
export const DEMO_CELLS: readonly (readonly [number, number, number, number])[] = [
  [20, 60, -40, -10],
  [80, 120, 10, 40],
  [150, 190, -20, 20],
  [200, 240, 30, 60],
  [260, 300, -60, -30],
  [310, 350, -10, 20],
];

const STAR_COLUMNS = "star_id, ra, dec, g_mag, r_mag";

function toStar(row: unknown[]): CatalogStar {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return { id: Number(row[0]), ra: Number(row[1]), dec: Number(row[2]), g: num(row[3]), r: num(row[4]) };
}

async function oneStar(duck: DuckDbBackend, where: string, order: string): Promise<CatalogStar> {
  const rows = await duck.rows(`SELECT ${STAR_COLUMNS} FROM demo.stars WHERE ${where} ORDER BY ${order}, star_id LIMIT 1`);
  if (!rows[0]) throw new Error(`demo.stars has no star where ${where}`);
  return toStar(rows[0]);
}

export async function chooseDemoCentres(duck: DuckDbBackend): Promise<DemoCentres> {
  const both = "g_mag IS NOT NULL AND r_mag IS NOT NULL";
  const cells: CatalogStar[] = [];
  for (const [ra1, ra2, dec1, dec2] of DEMO_CELLS) {
    cells.push(await oneStar(duck, `${both} AND ra >= ${ra1} AND ra < ${ra2} AND dec >= ${dec1} AND dec < ${dec2}`, "r_mag"));
  }
  // Bright enough (r < 18) that a cutout's centroid is precise at any of the scales below.
  const bright = `${both} AND r_mag < 18 AND g_mag < 18`;
  return {
    cells,
    ra0: await oneStar(duck, `${bright} AND abs(dec) < 60`, "least(ra, 360 - ra)"),
    north: await oneStar(duck, bright, "dec DESC"),
    south: await oneStar(duck, bright, "dec ASC"),
  };
}

/** The stars within `radius` degrees of a position (a dec band scanned, then the exact separation). */
export async function starsAround(duck: DuckDbBackend, ra: number, dec: number, radius: number): Promise<CatalogStar[]> {
  const lo = Math.max(-90, dec - radius);
  const hi = Math.min(90, dec + radius);
  const rows = await duck.rows(`SELECT ${STAR_COLUMNS} FROM demo.stars WHERE dec BETWEEN ${lo} AND ${hi} ORDER BY star_id`);
  const c = unitVector(ra, dec);
  return rows.map(toStar).filter((s) => angularSeparation(c, unitVector(s.ra, s.dec)) <= radius);
}

/** The radius (degrees) of a circle around the spec's centre that holds the image and a PSF's reach beyond it. */
export function specRadius(spec: DemoImageSpec): number {
  return (Math.hypot(spec.nx, spec.ny) / 2 + 6 * spec.psfSigma + 2) * (spec.scale / 3600) * 1.05;
}

const SEEING_ARCSEC = 0.8;
const FWHM = 2 * Math.sqrt(2 * Math.log(2));

export interface SpecOptions {
  nx?: number;
  ny?: number;
  scale?: number;
  layout?: DemoLayout;
  tile?: DemoImageSpec["tile"];
  /** Where in the ordering of specs: sets the seed, tract/patch, visit number and detector. */
  index?: number;
}

function psfSigmaFor(scale: number): number {
  // The seeing in pixels, but never under 1.5 pixels, so that coarse (polar) images still sample their stars.
  return Math.max(SEEING_ARCSEC / FWHM / scale, 1.5);
}

/** A deep_coadd spec: TAN, north up, a tract/patch/band data ID. */
export function coaddSpec(centre: CatalogStar, band: "g" | "r", options: SpecOptions = {}): DemoImageSpec {
  const k = options.index ?? 0;
  const scale = options.scale ?? 0.2;
  const tract = 9000 + Math.floor(centre.id / 1000);
  const patch = centre.id % 100;
  return {
    file: `deep_coadd_${tract}_${patch}_${band}.fits`,
    datasetType: "deep_coadd",
    dataId: { band, skymap: "demo_cells", tract, patch },
    band,
    centre,
    nx: options.nx ?? 400,
    ny: options.ny ?? 400,
    scale,
    rotation: 0,
    sip: false,
    mjd: [DETECTION_MJD[0] + 10.1 + (k % 7), DETECTION_MJD[1] - 10.3 - (k % 5)],
    exptime: 30 * 40,
    psfSigma: psfSigmaFor(scale),
    background: 0,
    noise: 25,
    layout: options.layout ?? "lsst.images",
    tile: options.tile ?? "row",
    seed: 1000 + k,
  };
}

/** A visit_image spec: TAN-SIP, rotated, band r, at one epoch (MJD), with a visit/detector/day_obs data ID. */
export function visitSpec(centre: CatalogStar, mjd: number, options: SpecOptions = {}): DemoImageSpec {
  const k = options.index ?? 0;
  const scale = options.scale ?? 0.2;
  const day = dayObs(mjd);
  const visit = day * 100_000 + 100 + (k % 99_000);
  const detector = (11 + 17 * k) % 189;
  return {
    file: `visit_image_${visit}_${detector}_r.fits`,
    datasetType: "visit_image",
    dataId: { band: "r", day_obs: day, detector, physical_filter: "r_57", visit },
    band: "r",
    centre,
    nx: options.nx ?? 400,
    ny: options.ny ?? 400,
    scale,
    rotation: 23 + ((37 * k) % 300),
    sip: true,
    mjd: [mjd, mjd + 30 / 86400],
    exptime: 30,
    psfSigma: psfSigmaFor(scale) * 1.1,
    background: 400,
    noise: 60,
    layout: options.layout ?? "lsst.images",
    tile: options.tile ?? "row",
    seed: 5000 + k,
  };
}

/** The two epochs of the visit images, inside demo.detections' MJD range, at night in Chile. */
export const VISIT_EPOCHS: readonly number[] = [60412.1, 60807.3];

/** A pixel scale (arcsec) at which a `pixels`-wide image centred on `centre` holds the pole with room to spare. */
function poleScale(centre: CatalogStar, pixels: number): number {
  const d = 90 - Math.abs(centre.dec);
  return Math.max(0.2, Math.ceil(((d * 3600) / (0.35 * pixels)) * 100) / 100);
}

/** A width (pixels) at which an image centred on `centre` (north up) reaches across RA 0 with 50 pixels to spare. */
function ra0Width(centre: CatalogStar, scale: number): number {
  const d = Math.min(centre.ra, 360 - centre.ra) * Math.cos((centre.dec * Math.PI) / 180);
  return Math.max(400, 2 * Math.ceil((d * 3600) / scale) + 100);
}

/**
 * The demo set (24 images): coadds in g and r at three cells and across RA 0 (one with Rubin's 32×32 tiles);
 * r coadds holding each pole; visit images at two epochs at three cells, across RA 0 and at the north pole; at the
 * south pole two afw-layout visits; and a g/r pair of 1024×1024 afw coadds (uncompressed, for cutout benchmarks).
 */
export function demoImageSpecs(c: DemoCentres): DemoImageSpec[] {
  const specs: DemoImageSpec[] = [];
  const add = (s: DemoImageSpec) => specs.push({ ...s, seed: s.seed + specs.length * 7919 });
  let k = 0;
  for (const [i, centre] of [c.cells[0]!, c.cells[1]!, c.cells[2]!].entries()) {
    for (const band of ["g", "r"] as const) add(coaddSpec(centre, band, { index: k++, ...(i === 0 ? { tile: [32, 32] as const } : {}) }));
  }
  const ra0nx = ra0Width(c.ra0, 0.2);
  for (const band of ["g", "r"] as const) add(coaddSpec(c.ra0, band, { index: k++, nx: ra0nx }));
  // The polar images have coarse pixels (tens of arcseconds): less sky noise keeps their centroids as precise.
  const quiet = (s: DemoImageSpec): DemoImageSpec => ({ ...s, noise: s.noise / 50 });
  for (const pole of [c.north, c.south]) add(quiet(coaddSpec(pole, "r", { index: k++, nx: 500, ny: 500, scale: poleScale(pole, 500) })));
  for (const centre of [c.cells[3]!, c.cells[4]!, c.cells[0]!]) {
    for (const mjd of VISIT_EPOCHS) add(visitSpec(centre, mjd + k / 100, { index: k++ }));
  }
  // Rotated, a visit across RA 0 needs the diagonal's reach: a square as wide as the unrotated width.
  for (const mjd of VISIT_EPOCHS) add(visitSpec(c.ra0, mjd + k / 100, { index: k++, nx: ra0nx, ny: ra0nx }));
  for (const mjd of VISIT_EPOCHS) add(quiet(visitSpec(c.north, mjd + k / 100, { index: k++, nx: 500, ny: 500, scale: poleScale(c.north, 500) })));
  for (const mjd of VISIT_EPOCHS) {
    add(quiet(visitSpec(c.south, mjd + k / 100, { index: k++, nx: 500, ny: 500, scale: poleScale(c.south, 500), layout: "afw" })));
  }
  for (const band of ["g", "r"] as const) add(coaddSpec(c.cells[5]!, band, { index: k++, nx: 1024, ny: 1024, layout: "afw" }));
  return specs;
}

/** Renders and writes every spec into `dir`; returns what was drawn in each, by file name. */
export async function writeDemoImages(
  duck: DuckDbBackend,
  dir: string,
  specs: readonly DemoImageSpec[],
): Promise<Map<string, RenderedImage["drawn"]>> {
  await mkdir(dir, { recursive: true });
  const drawn = new Map<string, RenderedImage["drawn"]>();
  for (const spec of specs) {
    const stars = await starsAround(duck, spec.centre.ra, spec.centre.dec, specRadius(spec));
    const rendered = renderImage(spec, stars);
    await writeImage(join(dir, spec.file), spec, rendered);
    drawn.set(spec.file, rendered.drawn);
  }
  return drawn;
}

/** Removes leftovers of an interrupted generation (`*.partial` older than an hour: not another writer's). */
export async function removePartials(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    if (!n.endsWith(".partial")) continue;
    const s = await stat(join(dir, n)).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > 3600_000) await unlink(join(dir, n)).catch(() => {});
  }
}

/**
 * What the files of a generation depend on (the specs, and this version of the renderer and writer): written
 * beside the files, so that a later start, or another registry (an in-memory DuckDB), registers the files that are
 * there instead of drawing them again, and a changed generator draws them anew.
 */
const GENERATOR_VERSION = 5;
export function demoStamp(specs: readonly DemoImageSpec[]): string {
  return createHash("sha256").update(JSON.stringify({ GENERATOR_VERSION, specs })).digest("hex");
}
const STAMP_FILE = "demo-images.stamp";

/** Whether every file is there (a generation that was interrupted is done again). */
export async function allPresent(dir: string, specs: readonly DemoImageSpec[]): Promise<boolean> {
  for (const s of specs) {
    const st = await stat(join(dir, s.file)).catch(() => undefined);
    if (!st?.isFile()) return false;
  }
  return true;
}

/** A demo image's UUID: derived from its repository, dataset type and data ID, so it is the same everywhere. */
export function demoUuid(repo: string, spec: Pick<DemoImageSpec, "datasetType" | "dataId">): string {
  const dataId = Object.fromEntries(Object.entries(spec.dataId).sort(([a], [b]) => (a < b ? -1 : 1)));
  return nameUuid(`${repo}/${spec.datasetType}/${JSON.stringify(dataId)}`);
}

export interface DemoImagesResult {
  generated: boolean;
  count: number;
  /** Milliseconds spent rendering and writing (0 when the images were there). */
  ms: number;
  specs: DemoImageSpec[];
}

/**
 * Generates the demo images into config.images.dir unless they are all there and registered, registers them and
 * gives each its ObsCore row (when `obscore` is given), through ingest.ts like any other file. On later starts it
 * only points the rows' access_url at the current base URL.
 */
export async function ensureDemoImages(
  registry: LocalRegistry,
  stars: DuckDbBackend,
  config: Pick<Config, "images">,
  options: { obscore?: DuckDbBackend | undefined } = {},
): Promise<DemoImagesResult> {
  const { dir, repo, baseUrl } = config.images;
  const specs = demoImageSpecs(await chooseDemoCentres(stars));
  const registered = new Map((await registry.entries(repo)).map((e) => [e.uuid, e.path]));
  const stamp = demoStamp(specs);
  const drawn = (await readFile(join(dir, STAMP_FILE), "utf8").catch(() => "")) === stamp && (await allPresent(dir, specs));
  if (drawn && specs.every((s) => registered.get(demoUuid(repo, s)) === resolve(join(dir, s.file)))) {
    if (options.obscore) await refreshAccessUrls(options.obscore, baseUrl);
    return { generated: false, count: specs.length, ms: 0, specs };
  }
  let ms = 0;
  if (!drawn) {
    const started = performance.now();
    await mkdir(dir, { recursive: true });
    await removePartials(dir);
    await writeDemoImages(stars, dir, specs);
    await writeFile(join(dir, STAMP_FILE), stamp);
    ms = performance.now() - started;
  }
  const ctx: IngestContext = { registry, obscore: options.obscore, repo, imagesBaseUrl: baseUrl, collection: DEMO_REPO_COLLECTION };
  for (const s of specs) await ingestFile(join(dir, s.file), ctx, { uuid: demoUuid(repo, s), datasetType: s.datasetType, dataId: s.dataId });
  return { generated: !drawn, count: specs.length, ms, specs };
}

/**
 * The local image service as the server opens it: the registry in the backend's DuckDB (with ivoa.ObsCore beside
 * it) or, on another backend, in a DuckDB file of its own; the demo images generated on first start when
 * configured (they need the demo catalog). Call before the backend is locked down. On another backend, a registry
 * file that cannot be opened (DuckDB lets one process hold it) leaves the service without images (undefined),
 * with a message, rather than without TAP.
 */
export async function openLocalImageService(
  backend: Backend,
  config: Config,
  options: { demoCatalog: boolean; log: ServiceLog },
): Promise<LocalRegistry | undefined> {
  const duck = backend instanceof DuckDbBackend ? backend : undefined;
  const { authority } = config.images;
  let registry: LocalRegistry;
  if (duck) registry = await LocalRegistry.open(duck, { authority });
  else {
    try {
      registry = await LocalRegistry.openFile(config.images.registryPath, { authority });
    } catch (e) {
      options.log(`the image registry ${config.images.registryPath} cannot be opened, so no image is served: ${(e as Error).message.split("\n")[0]}`, "warn");
      return undefined;
    }
  }
  try {
    if (duck) await ensureObsCoreTable(duck);
    if (config.images.demo && duck && options.demoCatalog) {
      const r = await ensureDemoImages(registry, duck, config, { obscore: duck });
      if (r.generated) options.log(`generated ${r.count} demo images in ${config.images.dir} in ${(r.ms / 1000).toFixed(1)} s`);
    } else {
      if (config.images.demo) options.log("no demo images: they are drawn from the demo catalog, which is served only on the DuckDB backend with TAP_DEMO");
      if (duck) await refreshAccessUrls(duck, config.images.baseUrl);
    }
    return registry;
  } catch (e) {
    await registry.close().catch(() => {});
    throw e;
  }
}

/**
 * A cutout around the star at the centre of a registered coadd (a demo one: CRVAL is its star), away from the
 * poles, for the start-up message; else around the centre of any image.
 */
export async function sampleCutoutUrl(registry: LocalRegistry, imagesBaseUrl: string): Promise<string | undefined> {
  const entries = await registry.entries();
  const ordered = [...entries.filter((x) => x.datasetType === "deep_coadd"), ...entries.filter((x) => x.datasetType !== "deep_coadd")];
  for (const e of ordered.slice(0, 50)) {
    const file = await FitsFile.open(new FileSource(e.path)).catch(() => undefined);
    if (!file) continue;
    try {
      const image = file.hdus.find((h) => h.header.string("EXTNAME") === "IMAGE") ?? file.hdus[1] ?? file.hdus[0]!;
      const [ra, dec] = [image.header.number("CRVAL1"), image.header.number("CRVAL2")];
      if (ra === undefined || dec === undefined || Math.abs(dec) > 80) continue;
      const id = registry.idOf(e.repo, e.uuid);
      return `${imagesBaseUrl}/soda/sync?ID=${encodeURIComponent(id)}&CIRCLE=${Number(ra.toFixed(6))}%20${Number(dec.toFixed(6))}%200.002`;
    } finally {
      await file.close();
    }
  }
  return undefined;
}

/**
 * `n` visit images of one star at epochs spread over demo.detections' range, written into `dir` (for benchmarks in
 * the shape of DMS-REQ-0375: stamps of 800 epochs of one object). Each is drawn from `stars` (default: the star
 * alone); options set their size and layout (small afw images are the quickest to write).
 */
export async function writeVisitSeries(
  dir: string,
  star: CatalogStar,
  n: number,
  options: SpecOptions & { stars?: readonly CatalogStar[] } = {},
): Promise<{ spec: DemoImageSpec; path: string }[]> {
  await mkdir(dir, { recursive: true });
  const [first, last] = [DETECTION_MJD[0] + 5, DETECTION_MJD[1] - 5];
  const out: { spec: DemoImageSpec; path: string }[] = [];
  for (let k = 0; k < n; k++) {
    const mjd = first + ((last - first) * (k + 0.5)) / n;
    const spec = visitSpec(star, Math.round(mjd * 1e6) / 1e6, { ...options, index: (options.index ?? 0) + k });
    const path = join(dir, spec.file);
    await writeImage(path, spec, renderImage(spec, options.stars ?? [star]));
    out.push({ spec, path });
  }
  return out;
}
