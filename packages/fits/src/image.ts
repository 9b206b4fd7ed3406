/**
 * Images (FITS 4.0 §5, §4.4.2): the array an HDU holds, plain or tile-compressed (§10), and sections of it.
 *
 * A section is a box of 1-based inclusive pixel ranges, one per axis, first axis (x) first, as in FITS and in
 * cfitsio's `file[ext][x1:x2,y1:y2]`. Reading one touches only the rows (or tiles) it needs.
 */
import { FitsError } from "./errors.js";
import type { Hdu } from "./layout.js";
import type { FitsFile } from "./layout.js";
import { type ByteSource, readRanges } from "./source.js";
import { type TiledInfo, readTiledSection, tiledInfo } from "./tiled.js";

export type Bitpix = 8 | 16 | 32 | 64 | -32 | -64;
export type StoredArray = Uint8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;
export type PhysicalArray = StoredArray | Int8Array | Uint16Array | Uint32Array | BigUint64Array;

export interface ImageInfo {
  hdu: number;
  /** The stored pixel type: BITPIX, or ZBITPIX for a tile-compressed image. */
  bitpix: Bitpix;
  /** NAXIS1, NAXIS2, …: the first axis varies fastest. */
  axes: number[];
  bzero: number;
  bscale: number;
  /** BLANK: the stored value of undefined pixels in an integer image. */
  blank?: number | bigint;
  /** Present for a tile-compressed image. */
  tiled?: TiledInfo;
}

/** One pixel range per axis, 1-based and inclusive: [[x1, x2], [y1, y2], …]. */
export type Section = [number, number][];

export interface ImageSection {
  info: ImageInfo;
  section: Section;
  /** The section's shape, first axis first. */
  shape: number[];
  /** Stored values (before BZERO/BSCALE), first axis fastest. Quantized floats come dequantized, as float. */
  data: StoredArray;
}

export function bytesPerPixel(bitpix: number): number {
  return Math.abs(bitpix) / 8;
}

export function storedArray(bitpix: Bitpix, n: number): StoredArray {
  switch (bitpix) {
    case 8:
      return new Uint8Array(n);
    case 16:
      return new Int16Array(n);
    case 32:
      return new Int32Array(n);
    case 64:
      return new BigInt64Array(n);
    case -32:
      return new Float32Array(n);
    case -64:
      return new Float64Array(n);
  }
}

/** Whether an HDU holds an image with pixels: a plain image with NAXIS > 0, or a tile-compressed one. */
export function isImage(hdu: Hdu): boolean {
  const h = hdu.header;
  if (h.boolean("ZIMAGE") === true && h.string("XTENSION") === "BINTABLE") return true;
  const plain = hdu.index === 0 || h.string("XTENSION") === "IMAGE";
  return plain && (h.number("NAXIS") ?? 0) > 0 && hdu.dataSize > 0;
}

export function imageInfo(hdu: Hdu): ImageInfo {
  const h = hdu.header;
  const where = { hdu: hdu.index };
  const num = (k: string, d: number) => {
    const v = h.get(k);
    if (v === undefined) return d;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new FitsError("FITS_BAD_HEADER", `${JSON.stringify(v)} is not a number`, { ...where, card: k });
    return v;
  };
  const bzero = num("BZERO", 0);
  const bscale = num("BSCALE", 1);
  const blankValue = h.get("BLANK");
  const blank = typeof blankValue === "number" || typeof blankValue === "bigint" ? blankValue : undefined;
  if (h.boolean("ZIMAGE") === true && h.string("XTENSION") === "BINTABLE") {
    const tiled = tiledInfo(hdu);
    return { hdu: hdu.index, bitpix: tiled.zbitpix, axes: tiled.axes, bzero, bscale, ...(blank !== undefined ? { blank } : {}), tiled };
  }
  if (hdu.index !== 0 && h.string("XTENSION") !== "IMAGE") {
    throw new FitsError("FITS_NOT_AN_IMAGE", `the HDU is a ${h.string("XTENSION") ?? "?"} extension, not an image`, where);
  }
  if (hdu.index === 0 && h.boolean("GROUPS") === true) throw new FitsError("FITS_UNSUPPORTED", "random groups are not supported", { ...where, card: "GROUPS" });
  const naxis = h.number("NAXIS") ?? 0;
  const axes: number[] = [];
  for (let k = 1; k <= naxis; k++) axes.push(h.number(`NAXIS${k}`) ?? 0);
  if (naxis === 0 || axes.some((n) => n === 0)) throw new FitsError("FITS_NOT_AN_IMAGE", "the HDU has no pixels (NAXIS = 0 or a zero axis)", where);
  return { hdu: hdu.index, bitpix: h.number("BITPIX") as Bitpix, axes, bzero, bscale, ...(blank !== undefined ? { blank } : {}) };
}

/** Checks a section against the image's axes; a missing trailing range means the whole axis. */
export function checkSection(info: ImageInfo, section: Section): Section {
  if (section.length > info.axes.length) {
    throw new FitsError("FITS_BAD_SECTION", `the section has ${section.length} ranges; the image has ${info.axes.length} axes`, { hdu: info.hdu });
  }
  return info.axes.map((n, k) => {
    const r = section[k] ?? [1, n];
    const [a, b] = r;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b > n || a > b) {
      throw new FitsError("FITS_BAD_SECTION", `range ${a}:${b} of axis ${k + 1} is not within 1:${n}`, { hdu: info.hdu });
    }
    return [a, b] as [number, number];
  });
}

/** The number of pixels in a section, and its shape. */
export function sectionShape(section: Section): { shape: number[]; count: number } {
  const shape = section.map(([a, b]) => b - a + 1);
  return { shape, count: shape.reduce((p, n) => p * n, 1) };
}

export interface ReadOptions {
  /** Refuse sections with more pixels than this (FITS_BAD_SECTION); default 2^28. */
  maxPixels?: number;
  /** Ranges closer than this are read together (default 16 KiB for files; 256 KiB suits HTTP). */
  gap?: number;
  /**
   * Decode into this array (of the image's stored type and the section's size) instead of a new one: a caller
   * that reads many sections saves the allocation, which on some machines costs more than the decoding.
   */
  into?: StoredArray;
}

/** Reads a section of an image HDU: only the rows, or tiles, that it touches. */
export async function readSection(file: FitsFile, which: number | string, section: Section, options: ReadOptions = {}): Promise<ImageSection> {
  const hdu = file.hdu(which);
  const info = imageInfo(hdu);
  const box = checkSection(info, section);
  const { shape, count } = sectionShape(box);
  if (count > (options.maxPixels ?? 2 ** 28)) {
    throw new FitsError("FITS_BAD_SECTION", `the section has ${count} pixels, more than the limit of ${options.maxPixels ?? 2 ** 28}`, { hdu: hdu.index });
  }
  if (options.into && (options.into.length !== count || options.into.constructor !== storedArray(info.bitpix, 0).constructor)) {
    throw new FitsError("FITS_BAD_SECTION", `the array to decode into is a ${options.into.constructor.name} of ${options.into.length}, not ${count} values of BITPIX ${info.bitpix}`, { hdu: hdu.index });
  }
  let data = info.tiled
    ? await readTiledSection(file.source, hdu, info, box, options)
    : await readPlainSection(file.source, hdu, info, box, options.gap ?? 16 * 1024);
  if (options.into && data !== options.into) {
    (options.into as Float64Array).set(data as Float64Array);
    data = options.into;
  }
  return { info, section: box, shape, data };
}

/** Calls `f` with the 0-based start index of each run along the first axis, for every row of the section. */
export function forEachRow(axes: readonly number[], section: Section, f: (start: number, row: number) => void): void {
  const ndim = axes.length;
  const idx = section.map(([a]) => a - 1);
  const strides: number[] = [];
  let s = 1;
  for (let k = 0; k < ndim; k++) {
    strides.push(s);
    s *= axes[k]!;
  }
  let row = 0;
  for (;;) {
    let start = 0;
    for (let k = 0; k < ndim; k++) start += idx[k]! * strides[k]!;
    f(start, row++);
    let k = 1;
    for (; k < ndim; k++) {
      if (idx[k]! < section[k]![1] - 1) {
        idx[k]!++;
        break;
      }
      idx[k] = section[k]![0] - 1;
    }
    if (k >= ndim) return;
  }
}

/**
 * A section's pixels as FITS stores them (big-endian), for writing: a plain image's rows are copied as read, with
 * no conversion; a tile-compressed image's section is decoded and converted.
 */
export async function readSectionBytes(file: FitsFile, which: number | string, section: Section, options: ReadOptions = {}): Promise<Buffer> {
  const hdu = file.hdu(which);
  const info = imageInfo(hdu);
  if (info.tiled) return toBigEndian((await readSection(file, hdu.index, section, options)).data);
  const box = checkSection(info, section);
  return readPlainBytes(file.source, hdu, info, box, options.gap ?? 16 * 1024);
}

async function readPlainBytes(source: ByteSource, hdu: Hdu, info: ImageInfo, section: Section, gap: number): Promise<Buffer> {
  const bpp = bytesPerPixel(info.bitpix);
  const width = (section[0]![1] - section[0]![0] + 1) * bpp;
  const ranges: { offset: number; length: number }[] = [];
  forEachRow(info.axes, section, (start) => ranges.push({ offset: hdu.dataOffset + start * bpp, length: width }));
  // Whole rows of a whole plane are one range: read it as it is.
  const merged = ranges.every((r, i) => i === 0 || r.offset === ranges[i - 1]!.offset + width);
  if (merged) return Buffer.from((await readRanges(source, [{ offset: ranges[0]!.offset, length: width * ranges.length }], gap))[0]!);
  const rows = await readRanges(source, ranges, gap);
  const out = Buffer.allocUnsafe(ranges.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return out;
}

async function readPlainSection(source: ByteSource, hdu: Hdu, info: ImageInfo, section: Section, gap: number): Promise<StoredArray> {
  return fromBigEndian(await readPlainBytes(source, hdu, info, section, gap), info.bitpix);
}

/** Converts big-endian FITS bytes to a native typed array, in place (the buffer is reused). */
export function fromBigEndian(buf: Buffer, bitpix: Bitpix): StoredArray {
  if (bitpix === 8) return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  const aligned = buf.byteOffset % 8 === 0 ? buf : Buffer.from(buf);
  const n = aligned.length / bytesPerPixel(bitpix);
  if (bitpix === 16) aligned.swap16();
  else if (bitpix === 32 || bitpix === -32) aligned.swap32();
  else aligned.swap64();
  switch (bitpix) {
    case 16:
      return new Int16Array(aligned.buffer, aligned.byteOffset, n);
    case 32:
      return new Int32Array(aligned.buffer, aligned.byteOffset, n);
    case 64:
      return new BigInt64Array(aligned.buffer, aligned.byteOffset, n);
    case -32:
      return new Float32Array(aligned.buffer, aligned.byteOffset, n);
    case -64:
      return new Float64Array(aligned.buffer, aligned.byteOffset, n);
  }
}

/** Big-endian FITS bytes of a stored array (a copy). */
export function toBigEndian(data: StoredArray): Buffer {
  const buf = Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const w = data.BYTES_PER_ELEMENT;
  if (w === 2) buf.swap16();
  else if (w === 4) buf.swap32();
  else if (w === 8) buf.swap64();
  return buf;
}

/**
 * Physical values (§4.4.2.5: BZERO + BSCALE × stored), in the type astropy gives them: the unsigned conventions
 * (BITPIX 16, 32, 64 with BZERO 2^15, 2^31, 2^63, and BITPIX 8 with BZERO −128) as unsigned or signed integers; other
 * scaled integers as float32 (BITPIX 8, 16) or float64 (32, 64) with BLANK as NaN; unscaled data as stored.
 */
export function physical(s: ImageSection): PhysicalArray {
  const { bitpix, bzero, bscale, blank } = s.info;
  const d = s.data;
  if (bscale === 1 && bzero === 0) return d;
  if (bscale === 1) {
    if (bitpix === 8 && bzero === -128) return Int8Array.from(d as Uint8Array, (v) => v - 128);
    if (bitpix === 16 && bzero === 32768) return Uint16Array.from(d as Int16Array, (v) => v + 32768);
    if (bitpix === 32 && bzero === 2147483648) return Uint32Array.from(d as Int32Array, (v) => v + 2147483648);
    if (bitpix === 64 && bzero === 9223372036854775808) {
      const out = new BigUint64Array(d.length);
      const src = d as BigInt64Array;
      for (let i = 0; i < d.length; i++) out[i] = BigInt.asUintN(64, src[i]! + 9223372036854775808n);
      return out;
    }
  }
  const isFloat = bitpix < 0;
  const single = bitpix === -32 || bitpix === 8 || bitpix === 16;
  const out = single ? new Float32Array(d.length) : new Float64Array(d.length);
  const blankNumber = blank === undefined || isFloat ? undefined : Number(blank);
  // astropy scales float32 results in float32 arithmetic (x *= BSCALE; x += BZERO): the same roundings here.
  const f = Math.fround;
  const scale = single ? f(bscale) : bscale;
  const zero = single ? f(bzero) : bzero;
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]!);
    if (v === blankNumber) out[i] = Number.NaN;
    else out[i] = single ? f(f(v * scale) + zero) : v * scale + zero;
  }
  return out;
}

/**
 * An image HDU's keyword values, as a WCS parser takes them (the first card of each keyword; integers beyond 2^53
 * as numbers; complex values left out), with the image's own axes in NAXIS and NAXISn (for a tile-compressed image,
 * not those of the table that holds it: §10.1). With `primary`, an extension with INHERIT = T also takes the primary
 * header's keywords that it does not define itself (§4.4.2.6).
 */
export function headerValues(hdu: Hdu, primary?: Hdu): Map<string, string | number | boolean> {
  const values = new Map<string, string | number | boolean>();
  const add = (h: Hdu) => {
    for (const c of h.header.cards) {
      if (values.has(c.keyword) || c.value === undefined || c.value === null) continue;
      const v = c.value;
      if (typeof v === "bigint") values.set(c.keyword, Number(v));
      else if (typeof v !== "object") values.set(c.keyword, v);
    }
  };
  add(hdu);
  for (const k of [...values.keys()]) if (/^NAXIS\d*$/.test(k)) values.delete(k);
  if (primary && primary !== hdu && values.get("INHERIT") === true) add(primary);
  const axes = imageInfo(hdu).axes;
  values.set("NAXIS", axes.length);
  axes.forEach((n, k) => values.set(`NAXIS${k + 1}`, n));
  return values;
}
