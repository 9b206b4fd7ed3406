/**
 * Tile-compressed images (FITS 4.0 §10): a binary table with one row per tile, each row a descriptor into the
 * heap where the tile's compressed bytes are. GZIP_1, GZIP_2 (bytes shuffled by significance before gzip),
 * RICE_1 (and its old name RICE_ONE) and NOCOMPRESS are read; PLIO_1 and HCOMPRESS_1 are refused. Quantized floating-point tiles are
 * restored with ZSCALE and ZZERO per tile, NO_DITHER, SUBTRACTIVE_DITHER_1 or SUBTRACTIVE_DITHER_2 (§10.2), with
 * ZBLANK for NaN. Only the tiles a section touches are read and decompressed.
 */
import { inflateSync, gunzipSync } from "node:zlib";
import { type Column, arrayElementType, descriptor, findColumn, tableColumns } from "./bintable.js";
import { FitsError } from "./errors.js";
import type { Bitpix, ImageInfo, ReadOptions, Section, StoredArray } from "./image.js";
import { fromBigEndian, storedArray } from "./image.js";
import type { Hdu } from "./layout.js";
import { type ByteSource, readRanges } from "./source.js";
import { riceDecode } from "./rice.js";

export type Compression = "GZIP_1" | "GZIP_2" | "RICE_1" | "NOCOMPRESS";
export type Quantize = "NO_DITHER" | "SUBTRACTIVE_DITHER_1" | "SUBTRACTIVE_DITHER_2";

export interface TiledInfo {
  zbitpix: Bitpix;
  axes: number[];
  tile: number[];
  /** Tiles per axis. */
  grid: number[];
  compression: Compression;
  blocksize: number;
  bytepix: 1 | 2 | 4;
  /** Present when floating-point tiles were quantized to integers (ZSCALE given). */
  quantize?: Quantize;
  dither0: number;
  rowBytes: number;
  rows: number;
  /** Byte offsets from the start of the HDU's data. */
  heapStart: number;
  heapEnd: number;
  columns: { data: Column; dataType: string; gzip?: Column; uncompressed?: Column; uncompressedType?: string; zscale?: Column; zzero?: Column; zblank?: Column };
  zscale?: number;
  zzero?: number;
  zblank?: number;
}

/** A tile's decompressed bytes may not exceed this, whatever its header says (a bomb is refused, not inflated). */
const MAX_TILE_BYTES = 256 * 1024 * 1024;

const REFUSED: Record<string, string> = {
  PLIO_1: "PLIO_1 (IRAF pixel lists) is not supported: it is used only for masks from IRAF; funpack can expand it",
  HCOMPRESS_1: "HCOMPRESS_1 is not supported: its wavelet coding is lossy and rare in Rubin data; funpack can expand it",
};

export function tiledInfo(hdu: Hdu): TiledInfo {
  const h = hdu.header;
  const where = { hdu: hdu.index };
  const int = (k: string, min: number, dflt?: number): number => {
    const v = h.get(k);
    const invalid = v === undefined ? h.invalidCard(k) : undefined;
    if (invalid) throw new FitsError("FITS_BAD_CARD", invalid.invalid!.replace(/^HDU \d+, card [^:]+: /, ""), { ...where, card: k });
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      throw new FitsError(v === undefined ? "FITS_BAD_HEADER" : "FITS_ABSURD_SIZE", v === undefined ? "mandatory keyword missing" : `value ${String(v)} is not an integer ≥ ${min}`, { ...where, card: k });
    }
    return v;
  };
  let cmp = (h.string("ZCMPTYPE") ?? "").trim();
  if (cmp === "RICE_ONE") cmp = "RICE_1";
  if (REFUSED[cmp]) throw new FitsError("FITS_UNSUPPORTED", REFUSED[cmp]!, { ...where, card: "ZCMPTYPE" });
  if (!["GZIP_1", "GZIP_2", "RICE_1", "NOCOMPRESS"].includes(cmp)) {
    throw new FitsError("FITS_UNSUPPORTED", `compression ${JSON.stringify(cmp)} is not one of GZIP_1, GZIP_2, RICE_1, NOCOMPRESS`, { ...where, card: "ZCMPTYPE" });
  }
  const zbitpix = int("ZBITPIX", -64) as Bitpix;
  if (![8, 16, 32, 64, -32, -64].includes(zbitpix)) throw new FitsError("FITS_BAD_HEADER", `ZBITPIX = ${zbitpix}`, { ...where, card: "ZBITPIX" });
  const znaxis = int("ZNAXIS", 1);
  if (znaxis > 999) throw new FitsError("FITS_ABSURD_SIZE", `ZNAXIS = ${znaxis}`, { ...where, card: "ZNAXIS" });
  const axes: number[] = [];
  const tile: number[] = [];
  const grid: number[] = [];
  let tilePixels = 1;
  let tiles = 1;
  for (let k = 1; k <= znaxis; k++) {
    const n = int(`ZNAXIS${k}`, 1);
    const t = int(`ZTILE${k}`, 1, k === 1 ? n : 1);
    axes.push(n);
    tile.push(t);
    grid.push(Math.ceil(n / t));
    tilePixels *= Math.min(t, n);
    tiles *= Math.ceil(n / t);
  }
  const quantized = h.has("ZSCALE");
  const { columns, rowBytes, rows } = tableColumns(h, hdu.index);
  const zscaleCol = findColumn(columns, "ZSCALE");
  const quantize = zbitpix < 0 && (zscaleCol !== undefined || quantized) ? ((h.string("ZQUANTIZ") ?? "NO_DITHER").trim() as Quantize) : undefined;
  if (quantize !== undefined && !["NO_DITHER", "SUBTRACTIVE_DITHER_1", "SUBTRACTIVE_DITHER_2"].includes(quantize)) {
    throw new FitsError("FITS_UNSUPPORTED", `ZQUANTIZ = ${JSON.stringify(quantize)}`, { ...where, card: "ZQUANTIZ" });
  }
  const elemBytes = quantize ? 4 : Math.abs(zbitpix) / 8;
  if (tilePixels * elemBytes > MAX_TILE_BYTES) {
    throw new FitsError("FITS_ABSURD_SIZE", `a tile of ${tilePixels} pixels is larger than ${MAX_TILE_BYTES} bytes`, { ...where, card: "ZTILE1" });
  }
  if (rows !== tiles) throw new FitsError("FITS_BAD_HEADER", `the table has ${rows} rows for ${tiles} tiles`, { ...where, card: "NAXIS2" });
  const data = findColumn(columns, "COMPRESSED_DATA");
  if (!data || (data.type !== "P" && data.type !== "Q")) throw new FitsError("FITS_BAD_HEADER", "no COMPRESSED_DATA column of type P or Q", { ...where, card: "TTYPE1" });
  const param = (name: string): number | undefined => {
    for (let i = 1; i < 100; i++) {
      const k = h.string(`ZNAME${i}`);
      if (k === undefined) return undefined;
      if (k.trim().toUpperCase() === name) return h.number(`ZVAL${i}`);
    }
    return undefined;
  };
  const bytepix = (param("BYTEPIX") ?? (cmp === "RICE_1" ? 4 : elemBytes)) as 1 | 2 | 4;
  if (cmp === "RICE_1" && ![1, 2, 4].includes(bytepix)) throw new FitsError("FITS_UNSUPPORTED", `RICE_1 with BYTEPIX = ${bytepix}`, { ...where, card: "ZVAL2" });
  const blocksize = param("BLOCKSIZE") ?? 32;
  if (!Number.isInteger(blocksize) || blocksize < 1) throw new FitsError("FITS_BAD_HEADER", `BLOCKSIZE = ${blocksize}`, { ...where, card: "ZVAL1" });
  const dither0 = h.number("ZDITHER0") ?? 1;
  if (quantize && quantize !== "NO_DITHER" && (!Number.isInteger(dither0) || dither0 < 1 || dither0 > 10000)) {
    throw new FitsError("FITS_BAD_HEADER", `ZDITHER0 = ${dither0} is not in 1..10000`, { ...where, card: "ZDITHER0" });
  }
  const theap = h.number("THEAP") ?? rowBytes * rows;
  const pcount = h.number("PCOUNT") ?? 0;
  const heapEnd = rowBytes * rows + pcount;
  if (theap < rowBytes * rows || theap > heapEnd) throw new FitsError("FITS_BAD_HEADER", `THEAP = ${theap} is outside the data`, { ...where, card: "THEAP" });
  const gzip = findColumn(columns, "GZIP_COMPRESSED_DATA");
  const uncompressed = findColumn(columns, "UNCOMPRESSED_DATA");
  const zzero = findColumn(columns, "ZZERO");
  const zblank = findColumn(columns, "ZBLANK");
  const info: TiledInfo = {
    zbitpix,
    axes,
    tile,
    grid,
    compression: cmp as Compression,
    blocksize,
    bytepix,
    dither0,
    rowBytes,
    rows,
    heapStart: theap,
    heapEnd,
    columns: { data, dataType: arrayElementType(h, data) },
  };
  if (quantize) info.quantize = quantize;
  if (gzip) info.columns.gzip = gzip;
  if (uncompressed) {
    info.columns.uncompressed = uncompressed;
    info.columns.uncompressedType = arrayElementType(h, uncompressed);
  }
  if (zscaleCol) info.columns.zscale = zscaleCol;
  if (zzero) info.columns.zzero = zzero;
  if (zblank) info.columns.zblank = zblank;
  for (const k of ["ZSCALE", "ZZERO", "ZBLANK"] as const) {
    const v = h.number(k);
    if (v !== undefined) info[k.toLowerCase() as "zscale" | "zzero" | "zblank"] = v;
  }
  return info;
}

let randoms: Float64Array | undefined;

/**
 * The standard's 10,000 pseudo-random numbers for subtractive dithering (§10.2.2): Park and Miller's minimal
 * standard generator (a = 16807, m = 2^31 − 1) from seed 1, computed in double precision and kept as float32.
 */
export function ditherRandoms(): Float64Array {
  if (randoms) return randoms;
  const r = new Float64Array(10000);
  const a = 16807;
  const m = 2147483647;
  let seed = 1;
  for (let i = 0; i < 10000; i++) {
    const temp = a * seed;
    seed = temp - m * Math.trunc(temp / m);
    // cfitsio keeps the sequence in single precision; the values, and the offsets derived from them, follow.
    r[i] = Math.fround(seed / m);
  }
  randoms = r;
  return r;
}

/** The quantized value that SUBTRACTIVE_DITHER_2 uses for an exact zero (§10.2.2). */
const ZERO_VALUE = -2147483646;

interface TileJob {
  /** 1-based tile number (table row). */
  tile: number;
  /** The tile's first pixel (0-based) and shape, per axis. */
  origin: number[];
  shape: number[];
}

export async function readTiledSection(source: ByteSource, hdu: Hdu, info: ImageInfo, section: Section, options: ReadOptions): Promise<StoredArray> {
  const t = info.tiled!;
  const ndim = t.axes.length;
  const jobs: TileJob[] = [];
  // Tiles that the section touches, the first axis fastest (the order of the table's rows).
  const lo = section.map(([a], k) => Math.floor((a - 1) / t.tile[k]!));
  const hi = section.map(([, b], k) => Math.floor((b - 1) / t.tile[k]!));
  const g = [...lo];
  for (;;) {
    let row = 0;
    for (let k = ndim - 1; k >= 0; k--) row = row * t.grid[k]! + g[k]!;
    const origin = g.map((i, k) => i * t.tile[k]!);
    jobs.push({ tile: row + 1, origin, shape: origin.map((o, k) => Math.min(t.tile[k]!, t.axes[k]! - o)) });
    let k = 0;
    for (; k < ndim; k++) {
      if (g[k]! < hi[k]!) {
        g[k]!++;
        break;
      }
      g[k] = lo[k]!;
    }
    if (k >= ndim) break;
  }
  const gap = options.gap ?? 16 * 1024;
  const rowBytes = await readRanges(source, jobs.map((j) => ({ offset: hdu.dataOffset + (j.tile - 1) * t.rowBytes, length: t.rowBytes })), gap);
  const where = (tile: number) => ({ hdu: hdu.index, tile });
  const plans = jobs.map((j, i) => {
    const row = new DataView(rowBytes[i]!.buffer, rowBytes[i]!.byteOffset, t.rowBytes);
    let col = t.columns.data;
    let kind: "data" | "gzip" | "uncompressed" = "data";
    let d = descriptor(row, col);
    if (d.count === 0 && t.columns.gzip && descriptor(row, t.columns.gzip).count > 0) {
      col = t.columns.gzip;
      kind = "gzip";
      d = descriptor(row, col);
    } else if (d.count === 0 && t.columns.uncompressed && descriptor(row, t.columns.uncompressed).count > 0) {
      col = t.columns.uncompressed;
      kind = "uncompressed";
      d = descriptor(row, col);
    }
    const elem = kind === "uncompressed" ? elementBytes(t.columns.uncompressedType ?? "") : kind === "gzip" ? 1 : elementBytes(t.columns.dataType);
    const bytes = d.count * elem;
    if (d.count < 0 || d.offset < 0 || t.heapStart + d.offset + bytes > t.heapEnd) {
      throw new FitsError("FITS_BAD_TILE", `descriptor (${d.count} elements at heap offset ${d.offset}) points outside the heap of ${t.heapEnd - t.heapStart} bytes`, where(j.tile));
    }
    const num = (c: Column | undefined, dflt: number | undefined): number | undefined => {
      if (!c) return dflt;
      return c.type === "D" ? row.getFloat64(c.offset) : c.type === "E" ? row.getFloat32(c.offset) : c.type === "J" ? row.getInt32(c.offset) : c.type === "I" ? row.getInt16(c.offset) : dflt;
    };
    return {
      job: j,
      kind,
      offset: hdu.dataOffset + t.heapStart + d.offset,
      length: bytes,
      zscale: num(t.columns.zscale, t.zscale),
      zzero: num(t.columns.zzero, t.zzero),
      zblank: num(t.columns.zblank, t.zblank),
    };
  });
  const blobs = await readRanges(source, plans, gap);
  const { count: outCount, strides: outStrides } = strideOf(section.map(([a, b]) => b - a + 1));
  const out = options.into ?? storedArray(t.zbitpix, outCount);
  // Tiles are decoded one after the other into the same scratch arrays (most tiles have one size).
  const scratch: Scratch = new Map();
  plans.forEach((p, i) => {
    const pixels = decodeTile(t, p, blobs[i]!, hdu.index, scratch);
    copyTile(p.job, pixels, section, out, outStrides);
  });
  return out;
}

function strideOf(shape: number[]): { count: number; strides: number[] } {
  const strides: number[] = [];
  let s = 1;
  for (const n of shape) {
    strides.push(s);
    s *= n;
  }
  return { count: s, strides };
}

function elementBytes(type: string): number {
  return { B: 1, I: 2, J: 4, K: 8, E: 4, D: 8 }[type] ?? 1;
}

function inflate(bytes: Uint8Array, expected: number, hdu: number, tile: number): Buffer {
  let out: Buffer;
  try {
    // Both zlib and gzip streams occur; maxOutputLength stops a bomb after `expected` bytes.
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    out = (gz ? gunzipSync : inflateSync)(bytes, { maxOutputLength: Math.max(expected, 1) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new FitsError("FITS_DECOMPRESSION_LIMIT", `the tile inflates to more than its ${expected} bytes`, { hdu, tile });
    }
    throw new FitsError("FITS_BAD_TILE", `gzip data does not inflate: ${err.message}`, { hdu, tile });
  }
  if (out.length !== expected) throw new FitsError("FITS_BAD_TILE", `the tile inflates to ${out.length} bytes, not ${expected}`, { hdu, tile });
  return out;
}

/** GZIP_2 stores the most significant bytes of all pixels first, then the next ones, and so on (§10.4.3). */
function unshuffle(bytes: Buffer, width: number): Buffer {
  if (width === 1) return bytes;
  const n = bytes.length / width;
  const out = Buffer.allocUnsafe(bytes.length);
  for (let k = 0; k < width; k++) {
    const base = k * n;
    for (let i = 0; i < n; i++) out[i * width + k] = bytes[base + i]!;
  }
  return out;
}

type Plan = { job: TileJob; kind: "data" | "gzip" | "uncompressed"; zscale: number | undefined; zzero: number | undefined; zblank: number | undefined };

function intBitpix(bytes: number): Bitpix {
  return (bytes * 8) as Bitpix;
}

type Scratch = Map<string, Int8Array | Int16Array | Int32Array | Float32Array | Float64Array>;

function scratchArray<T extends Int8Array | Int16Array | Int32Array | Float32Array | Float64Array>(scratch: Scratch, type: { new (n: number): T; name: string }, n: number): T {
  // One array per type, replaced when a tile of another size comes (edge tiles are smaller: a subarray serves).
  let a = scratch.get(type.name) as T | undefined;
  if (!a || a.length < n) {
    a = new type(n);
    scratch.set(type.name, a);
  }
  return a.length === n ? a : (a.subarray(0, n) as T);
}

/**
 * Decompresses one tile into stored values of the image's type (quantized floats restored). The result may be a
 * scratch array, valid until the next call with the same scratch.
 */
function decodeTile(t: TiledInfo, p: Plan, bytes: Uint8Array, hdu: number, scratch: Scratch): StoredArray {
  const n = p.job.shape.reduce((a, b) => a * b, 1);
  const tile = p.job.tile;
  const floatBitpix = t.zbitpix;
  if (p.kind === "uncompressed") {
    const type = t.columns.uncompressedType === "D" ? -64 : t.columns.uncompressedType === "E" ? -32 : t.zbitpix;
    const w = Math.abs(type) / 8;
    if (bytes.length !== n * w) throw new FitsError("FITS_BAD_TILE", `UNCOMPRESSED_DATA has ${bytes.length} bytes, not ${n * w}`, { hdu, tile });
    return convert(fromBigEndian(Buffer.from(bytes), type as Bitpix), t.zbitpix);
  }
  if (p.kind === "gzip") {
    // Tiles that could not be quantized are kept losslessly, gzipped as GZIP_1 would (§10.3).
    const w = Math.abs(floatBitpix) / 8;
    return fromBigEndian(inflate(bytes, n * w, hdu, tile), floatBitpix);
  }
  const quantized = t.quantize !== undefined;
  const w = quantized ? 4 : Math.abs(t.zbitpix) / 8;
  const rawType: Bitpix = quantized ? 32 : t.zbitpix;
  let raw: StoredArray;
  switch (t.compression) {
    case "GZIP_1":
      raw = fromBigEndian(inflate(bytes, n * w, hdu, tile), rawType);
      break;
    case "GZIP_2":
      raw = fromBigEndian(unshuffle(inflate(bytes, n * w, hdu, tile), w), rawType);
      break;
    case "NOCOMPRESS": {
      const type = elementBytes(t.columns.dataType);
      if (bytes.length !== n * type) throw new FitsError("FITS_BAD_TILE", `NOCOMPRESS tile has ${bytes.length} bytes, not ${n * type}`, { hdu, tile });
      const bp: Bitpix = t.columns.dataType === "E" ? -32 : t.columns.dataType === "D" ? -64 : intBitpix(type);
      raw = fromBigEndian(Buffer.from(bytes), bp);
      break;
    }
    case "RICE_1": {
      if (t.zbitpix === 64 || t.zbitpix === -64 && !quantized) {
        throw new FitsError("FITS_UNSUPPORTED", "RICE_1 of 64-bit pixels is not defined", { hdu, tile });
      }
      const ints = t.bytepix === 1 ? scratchArray(scratch, Int8Array, n) : t.bytepix === 2 ? scratchArray(scratch, Int16Array, n) : scratchArray(scratch, Int32Array, n);
      riceDecode(bytes, n, t.bytepix, t.blocksize, ints, tile);
      raw = t.bytepix === 1 ? new Uint8Array(ints.buffer, 0, n) : (ints as Int16Array | Int32Array);
      if (!quantized && raw.constructor !== storedArray(t.zbitpix, 0).constructor) return convert(raw, t.zbitpix);
      break;
    }
  }
  if (!quantized) return convert(raw, t.zbitpix);
  return dequantize(t, p, raw as Int32Array, hdu, scratch);
}

function convert(a: StoredArray, bitpix: Bitpix): StoredArray {
  const want = storedArray(bitpix, 0).constructor as { new (n: number): StoredArray; from(a: ArrayLike<number>): StoredArray };
  if (a.constructor === want) return a;
  if (bitpix === 64) return BigInt64Array.from(a as ArrayLike<number>, (v) => BigInt(v));
  return want.from(a as ArrayLike<number>);
}

function dequantize(t: TiledInfo, p: Plan, q: Int32Array, hdu: number, scratch: Scratch): StoredArray {
  const tile = p.job.tile;
  if (p.zscale === undefined || p.zzero === undefined) {
    throw new FitsError("FITS_BAD_TILE", "a quantized tile without ZSCALE and ZZERO", { hdu, tile });
  }
  const scale = p.zscale;
  const zero = p.zzero;
  const blank = p.zblank;
  const n = q.length;
  const out = t.zbitpix === -32 ? scratchArray(scratch, Float32Array, n) : scratchArray(scratch, Float64Array, n);
  if (t.quantize === "NO_DITHER") {
    for (let i = 0; i < n; i++) {
      const v = q[i]!;
      out[i] = v === blank ? Number.NaN : v * scale + zero;
    }
    return out;
  }
  const r = ditherRandoms();
  const dither2 = t.quantize === "SUBTRACTIVE_DITHER_2";
  // The sequence starts at an offset set by the tile number and ZDITHER0, and moves on per pixel (§10.2.2).
  let iseed = (tile - 1 + t.dither0 - 1) % 10000;
  let next = Math.trunc(r[iseed]! * 500);
  for (let i = 0; i < n; i++) {
    const v = q[i]!;
    if (v === blank) out[i] = Number.NaN;
    else if (dither2 && v === ZERO_VALUE) out[i] = 0;
    else out[i] = (v - r[next]! + 0.5) * scale + zero;
    next++;
    if (next === 10000) {
      iseed++;
      if (iseed === 10000) iseed = 0;
      next = Math.trunc(r[iseed]! * 500);
    }
  }
  return out;
}

/** Copies the part of a decoded tile that lies in the section into the output. */
function copyTile(job: TileJob, pixels: StoredArray, section: Section, out: StoredArray, outStrides: number[]): void {
  const ndim = section.length;
  if (ndim === 2) {
    const [[x1, x2], [y1, y2]] = section as [[number, number], [number, number]];
    const [ox, oy] = job.origin as [number, number];
    const [tw, th] = job.shape as [number, number];
    const fx = Math.max(x1 - 1, ox);
    const tx = Math.min(x2 - 1, ox + tw - 1);
    const fy = Math.max(y1 - 1, oy);
    const ty = Math.min(y2 - 1, oy + th - 1);
    const width = tx - fx + 1;
    const ow = outStrides[1]!;
    for (let y = fy; y <= ty; y++) {
      const src = (y - oy) * tw + (fx - ox);
      (out as Float64Array).set((pixels as Float64Array).subarray(src, src + width), (y - (y1 - 1)) * ow + (fx - (x1 - 1)));
    }
    return;
  }
  const from = section.map(([a], k) => Math.max(a - 1, job.origin[k]!));
  const to = section.map(([, b], k) => Math.min(b - 1, job.origin[k]! + job.shape[k]! - 1));
  const { strides: tileStrides } = strideOf(job.shape);
  const width = to[0]! - from[0]! + 1;
  const idx = [...from];
  for (;;) {
    let src = 0;
    let dst = 0;
    for (let k = 0; k < ndim; k++) {
      src += (idx[k]! - job.origin[k]!) * tileStrides[k]!;
      dst += (idx[k]! - (section[k]![0] - 1)) * outStrides[k]!;
    }
    (out as Float64Array).set((pixels as Float64Array).subarray(src, src + width), dst);
    let k = 1;
    for (; k < ndim; k++) {
      if (idx[k]! < to[k]!) {
        idx[k]!++;
        break;
      }
      idx[k] = from[k]!;
    }
    if (k >= ndim) return;
  }
}
