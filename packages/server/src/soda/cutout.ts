/**
 * The bytes of a cutout: a FITS file (the primary header's cards that still apply, then the IMAGE plane, or IMAGE,
 * MASK and VARIANCE for CUTOUTDETAIL=MaskedImage, each cut to the same box with its WCS shifted) or a PNG preview.
 *
 * FITS: the length is known exactly before any pixel is sent (fits' fitsByteLength), so the response has a
 * Content-Length; small cutouts are read into memory first (one read, and an unreadable tile is still a clean error
 * status), large ones stream in bands (fits' sectionData) pulled by the response as it drains, so memory stays flat
 * for a whole image; nothing goes through a temporary file.
 *
 * MaskedImage cutouts of a sky region get Rubin's OUTSIDE_STENCIL mask plane (as lsst/dax_images_cutout sets it) on
 * the pixels whose centres lie outside the region, in memory or band by band as the mask streams.
 */
import { Readable } from "node:stream";
import {
  type Bitpix,
  type HduData,
  type HduToWrite,
  type Header,
  type PhysicalArray,
  type Section,
  bytesData,
  bytesPerPixel,
  cutoutStream,
  fitsByteLength,
  fitsChunks,
  physical,
  previewPng,
  readSection,
  readSectionBytes,
} from "@qserv-tap/fits";
import type { Region, Wcs } from "@qserv-tap/sky";
import { usage } from "./errors.js";
import type { CutoutDetail } from "./params.js";
import type { OpenedImage } from "./plan.js";

/** Cutouts up to this many bytes (all planes) are read whole before the response starts. */
export const IN_MEMORY_BYTES = 16 * 1024 * 1024;
/** A preview's longer side, at most. */
export const PREVIEW_MAX_SIDE = 1024;
export const STENCIL_PLANE = "OUTSIDE_STENCIL";

export interface FitsCutout {
  hdus: HduToWrite[];
  /** Exact length of the file. */
  length: number;
  /** Whether the OUTSIDE_STENCIL plane was set. */
  stencil: boolean;
}

/**
 * The mask plane bit called OUTSIDE_STENCIL, added to the header when the mask does not define it yet: as
 * lsst.images does (MSKNnnnn name, MSKMnnnn bit mask, MSKDnnnn description) or as afw does (MP_name = bit index),
 * whichever the header uses: the lowest free bit, or the highest when the header declares no plane. Undefined when
 * every bit is taken.
 */
export function stencilBit(header: Header, bitpix: Bitpix): number | undefined {
  const used = new Set<number>();
  let lastIndex = -1;
  let afw = false;
  for (const c of header.cards) {
    const n = /^MSKN(\d{4})$/.exec(c.keyword);
    if (n) {
      lastIndex = Math.max(lastIndex, Number(n[1]));
      const mask = header.number(`MSKM${n[1]}`);
      if (c.value === STENCIL_PLANE && mask !== undefined && mask > 0) return Math.log2(mask);
      if (mask !== undefined && mask > 0) used.add(Math.log2(mask));
    }
    const mp = /^MP_(.+)$/.exec(c.keyword);
    if (mp && typeof c.value === "number") {
      afw = true;
      if (mp[1] === STENCIL_PLANE) return c.value;
      used.add(c.value);
    }
  }
  // The sign bit stays clear. A mask that declares no planes may still use its low bits: take the highest.
  const bits = Math.abs(bitpix) - 1;
  let bit = lastIndex < 0 && !afw ? bits - 1 : 0;
  while (used.has(bit)) bit++;
  if (bit >= bits) return undefined;
  if (afw) {
    header.set(`MP_${STENCIL_PLANE}`, bit, "Mask plane bit: pixel centre outside the cutout region");
  } else {
    const i = String(lastIndex + 1).padStart(4, "0");
    header.set(`MSKN${i}`, STENCIL_PLANE, `Name for mask plane ${lastIndex + 1}.`);
    header.set(`MSKM${i}`, 2 ** bit, `Bitmask for plane n=${lastIndex + 1}.`);
    header.set(`MSKD${i}`, "Pixel centre lies outside the region of the SODA cutout.");
  }
  return bit;
}

/** Pixels between the samples of a row whose centres are tested before the transitions are searched. */
const STENCIL_STRIDE = 16;

/**
 * Which pixel centres of row `y`, from x1 to x2, lie inside the region (1 = inside). Every STENCIL_STRIDE-th centre
 * is tested, and between two samples that differ the transition is found by bisection; a row with no sample inside
 * is tested pixel by pixel. This is exact when a row crosses the region's edge at most once between two samples:
 * so for circles and convex polygons in TAN, whose pixel rows are great circles that meet the region in one arc, and
 * for the nearly straight rows of other projections and SIP at cutout scales.
 */
export function stencilRow(y: number, x1: number, x2: number, wcs: Wcs, region: Region, out: Uint8Array): void {
  const inside = (x: number) => {
    const sky = wcs.pixelToSky(x, y);
    return sky !== null && region.contains(sky[0], sky[1]) ? 1 : 0;
  };
  const xs: number[] = [];
  for (let x = x1; x < x2; x += STENCIL_STRIDE) xs.push(x);
  xs.push(x2);
  const st = xs.map(inside);
  if (!st.includes(1)) {
    for (let x = x1; x <= x2; x++) out[x - x1] = inside(x);
    return;
  }
  for (let k = 0; k < xs.length; k++) {
    out[xs[k]! - x1] = st[k]!;
    if (k + 1 === xs.length) break;
    const a = xs[k]!;
    const b = xs[k + 1]!;
    let lo = b - 1;
    let hi = b;
    if (st[k] !== st[k + 1]) {
      lo = a;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (inside(mid) === st[k]) lo = mid;
        else hi = mid;
      }
    }
    out.fill(st[k]!, a - x1, lo - x1 + 1);
    out.fill(st[k + 1]!, hi - x1, b - x1);
  }
}

/** Sets `bit` on the pixels of a big-endian integer mask section whose centres lie outside the region; their count. */
export function applyStencil(bytes: Buffer, bitpix: Bitpix, section: Section, wcs: Wcs, region: Region, bit: number): number {
  const [[x1, x2], [y1, y2]] = section as [[number, number], [number, number]];
  const width = x2 - x1 + 1;
  const size = bytesPerPixel(bitpix);
  const row = new Uint8Array(width);
  // The bit sits in the last byte of a big-endian word, or the one before, …
  const within = size - 1 - Math.floor(bit / 8);
  const flag = 1 << (bit % 8);
  let outside = 0;
  for (let y = y1; y <= y2; y++) {
    stencilRow(y, x1, x2, wcs, region, row);
    const start = (y - y1) * width * size + within;
    for (let i = 0; i < width; i++) {
      if (row[i]) continue;
      outside++;
      const at = start + i * size;
      bytes[at] = bytes[at]! | flag;
    }
  }
  return outside;
}

/** The HDUs of a FITS cutout, with its exact length. */
export async function fitsCutout(
  img: OpenedImage,
  section: Section,
  detail: CutoutDetail,
  region?: Region,
  inMemoryBytes = IN_MEMORY_BYTES,
): Promise<FitsCutout> {
  const planes = [img.image];
  if (detail === "MaskedImage") {
    if (!img.mask || !img.variance) {
      throw usage("CUTOUTDETAIL=MaskedImage: the dataset has no MASK and VARIANCE planes of the image's size; use CUTOUTDETAIL=Image", "SODA_NO_PLANES");
    }
    planes.push(img.mask, img.variance);
  }
  const hdus = cutoutStream(
    img.file,
    planes.map((p) => p.index),
    section,
  );
  // cutoutStream adds an empty primary HDU unless the image is the primary itself.
  const offset = hdus.length - planes.length;
  let pixels = 1;
  for (const [a, b] of section) pixels *= b - a + 1;
  let bytes = 0;
  for (const p of planes) bytes += pixels * bytesPerPixel(Number(p.header.number("ZBITPIX") ?? p.header.number("BITPIX")));
  if (bytes <= inMemoryBytes) {
    const read = await Promise.all(planes.map((p) => readSectionBytes(img.file, p.index, section)));
    read.forEach((b, k) => (hdus[offset + k]!.data = bytesData(b)));
  }
  let stencil = false;
  const maskAt = planes.indexOf(img.mask!);
  if (detail === "MaskedImage" && region && maskAt > 0 && section.length === 2 && !(img.wcs instanceof Error)) {
    const wcs = img.wcs;
    const maskHdu = hdus[offset + maskAt]!;
    const bitpix = maskHdu.header.number("BITPIX") as Bitpix;
    const bit = bitpix > 0 ? stencilBit(maskHdu.header, bitpix) : undefined;
    if (bit !== undefined) {
      stencil = true;
      maskHdu.data = new StencilledMask(maskHdu.data!, section as [[number, number], [number, number]], bitpix, wcs, region, bit);
    }
  }
  return { hdus, length: fitsByteLength(hdus), stencil };
}

/**
 * A mask plane's data with the stencil's bit set outside the region. The data is a stream of whole rows (fits'
 * sectionData bands, or one buffer of our own), read twice (DATASUM, then the bytes): each pass marks the rows it
 * reads, in place, which a second time changes nothing. A class, not a generator made per call (eslint.config.js).
 */
class StencilledMask implements HduData {
  readonly bytes: number;
  constructor(
    private readonly data: HduData,
    private readonly section: [[number, number], [number, number]],
    private readonly bitpix: Bitpix,
    private readonly wcs: Wcs,
    private readonly region: Region,
    private readonly bit: number,
  ) {
    this.bytes = data.bytes;
  }

  async *chunks(): AsyncGenerator<Buffer> {
    const [[x1, x2], [y1]] = this.section;
    const rowBytes = (x2 - x1 + 1) * bytesPerPixel(this.bitpix);
    let y = y1;
    for await (const c of this.data.chunks()) {
      const band = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
      const rows = band.length / rowBytes;
      applyStencil(band, this.bitpix, [[x1, x2], [y, y + rows - 1]], this.wcs, this.region, this.bit);
      y += rows;
      yield band;
    }
  }
}

/** The file's bytes as a stream that reads on as it is consumed (backpressure), closing the file at the end. */
export function fitsStream(cut: FitsCutout, close: () => Promise<void>): Readable {
  const stream = Readable.from(fitsChunks(cut.hdus), { objectMode: false, highWaterMark: 1 << 20 });
  stream.once("close", () => void close().catch(() => {}));
  return stream;
}

/**
 * A PNG preview of the IMAGE plane in `section`: as it is when neither side exceeds PREVIEW_MAX_SIDE, else the mean
 * of k × k blocks (k the smallest factor that brings the longer side within it), read in bands of block rows so that
 * memory stays at one band and the output.
 */
export async function previewCutout(img: OpenedImage, section: Section): Promise<Buffer> {
  const [[x1, x2], [y1, y2]] = section as [[number, number], [number, number]];
  const width = x2 - x1 + 1;
  const height = y2 - y1 + 1;
  const rest: Section = section.slice(2).map(([a]) => [a, a] as [number, number]);
  const k = Math.max(1, Math.ceil(Math.max(width, height) / PREVIEW_MAX_SIDE));
  if (k === 1) {
    const s = await readSection(img.file, img.image.index, [[x1, x2], [y1, y2], ...rest]);
    return previewPng(physical(s), width, height);
  }
  const w = Math.ceil(width / k);
  const h = Math.ceil(height / k);
  const out = new Float64Array(w * h);
  const bandRows = k * Math.max(1, Math.floor((4 * 1024 * 1024) / (width * 8 * k)));
  for (let ya = y1; ya <= y2; ya += bandRows) {
    const yb = Math.min(y2, ya + bandRows - 1);
    const s = await readSection(img.file, img.image.index, [[x1, x2], [ya, yb], ...rest]);
    const v = physical(s) as PhysicalArray;
    const rows = yb - ya + 1;
    for (let by = 0; by < Math.ceil(rows / k); by++) {
      const oy = (ya - y1) / k + by;
      for (let ox = 0; ox < w; ox++) {
        let sum = 0;
        let n = 0;
        for (let dy = by * k; dy < Math.min(rows, (by + 1) * k); dy++) {
          const row = dy * width;
          for (let dx = ox * k; dx < Math.min(width, (ox + 1) * k); dx++) {
            const value = Number(v[row + dx]!);
            if (Number.isFinite(value)) {
              sum += value;
              n++;
            }
          }
        }
        out[oy * w + ox] = n > 0 ? sum / n : Number.NaN;
      }
    }
  }
  return previewPng(out, w, h);
}
