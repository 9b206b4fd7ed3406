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
 * the pixels whose centres lie outside the region, when the cutout is read into memory (up to IN_MEMORY_BYTES); a
 * larger one, streamed, goes without it (testing each pixel's centre would cost seconds).
 */
import { Readable } from "node:stream";
import {
  type Bitpix,
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
 * whichever the header uses. Undefined when every bit is taken.
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
  const bits = Math.abs(bitpix) * 1 - 1;
  let bit = 0;
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

/** Sets `bit` on the pixels of a big-endian integer mask section whose centres lie outside the region; their count. */
export function applyStencil(bytes: Buffer, bitpix: Bitpix, section: Section, wcs: Wcs, region: Region, bit: number): number {
  const [[x1, x2], [y1, y2]] = section as [[number, number], [number, number]];
  const width = x2 - x1 + 1;
  const size = bytesPerPixel(bitpix);
  let outside = 0;
  for (let y = y1; y <= y2; y++) {
    for (let x = x1; x <= x2; x++) {
      const sky = wcs.pixelToSky(x, y);
      if (sky && region.contains(sky[0], sky[1])) continue;
      outside++;
      const at = ((y - y1) * width + (x - x1)) * size;
      // The bit sits in the last byte of a big-endian word, or the one before, …
      const byte = at + size - 1 - Math.floor(bit / 8);
      bytes[byte] = bytes[byte]! | (1 << (bit % 8));
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
  let stencil = false;
  if (bytes <= inMemoryBytes) {
    const read = await Promise.all(planes.map((p) => readSectionBytes(img.file, p.index, section)));
    read.forEach((b, k) => (hdus[offset + k]!.data = bytesData(b)));
    const maskAt = planes.indexOf(img.mask!);
    if (detail === "MaskedImage" && region && maskAt > 0 && section.length === 2 && !(img.wcs instanceof Error)) {
      const maskHdu = hdus[offset + maskAt]!;
      const bitpix = maskHdu.header.number("BITPIX") as Bitpix;
      if (bitpix > 0) {
        const bit = stencilBit(maskHdu.header, bitpix);
        if (bit !== undefined) {
          applyStencil(read[maskAt]!, bitpix, section, img.wcs, region, bit);
          stencil = true;
        }
      }
    }
  }
  return { hdus, length: fitsByteLength(hdus), stencil };
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
