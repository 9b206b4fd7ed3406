/**
 * Writing FITS: HDUs as a stream of chunks (header, data, zero padding to 2880), with DATASUM and CHECKSUM
 * (FITS 4.0 §4.4.2.7), so that a cutout can go to an HTTP response without a temporary file.
 *
 * The data of an HDU is a source of chunks that can be iterated twice: once to sum it for DATASUM (which goes in the
 * header, before the data), once to write it. For a section already in memory that costs nothing; for a whole image
 * streamed out, it reads the image twice and keeps memory flat.
 */
import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { OnesSum, addSums, encodeChecksum } from "./checksum.js";
import { FitsError, padToBlock } from "./errors.js";
import { type Card, Header } from "./header.js";
import { type Bitpix, type StoredArray, toBigEndian } from "./image.js";

export interface HduData {
  /** The data's length in bytes, without padding. */
  bytes: number;
  /** The data's bytes, big-endian as FITS stores them; called once more when checksums are written. */
  chunks(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface HduToWrite {
  header: Header;
  data?: HduData;
}

export interface WriteOptions {
  /** Write DATASUM and CHECKSUM (default true). */
  checksum?: boolean;
}

/** Wraps bytes at hand as HduData. */
export function bytesData(bytes: Uint8Array): HduData {
  return { bytes: bytes.length, chunks: () => [bytes] };
}

/** A stored array as HduData, converted to big-endian in slices so that no second full copy is made at once. */
export function arrayData(data: StoredArray): HduData {
  return new ArrayData(data);
}

/**
 * arrayData's HduData. A class, not an object literal with a `*chunks()` made per call, whose closure V8 would keep
 * until a full collection (eslint.config.js).
 */
class ArrayData implements HduData {
  readonly bytes: number;
  constructor(private readonly data: StoredArray) {
    this.bytes = data.byteLength;
  }
  *chunks(): Generator<Uint8Array> {
    const { data } = this;
    const per = Math.max(1, Math.floor((1 << 20) / data.BYTES_PER_ELEMENT));
    for (let i = 0; i < data.length; i += per) yield toBigEndian(data.subarray(i, i + per) as StoredArray);
  }
}

async function sumData(data: HduData, hdu: number): Promise<number> {
  const s = new OnesSum();
  let n = 0;
  for await (const c of data.chunks()) {
    s.add(c);
    n += c.length;
  }
  if (n !== data.bytes) throw new FitsError("FITS_INVALID_VALUE", `the data has ${n} bytes; ${data.bytes} were announced`, { hdu });
  return s.value();
}

/** The chunks of a whole FITS file: each HDU's header, data and padding, in order. */
export async function* fitsChunks(hdus: readonly HduToWrite[], options: WriteOptions = {}): AsyncGenerator<Uint8Array> {
  for (const [i, hdu] of hdus.entries()) {
    const size = hdu.data?.bytes ?? 0;
    let header = hdu.header;
    if (options.checksum !== false) {
      const datasum = hdu.data ? await sumData(hdu.data, i) : 0;
      header = withChecksum(header, datasum);
    }
    yield header.toBytes();
    if (hdu.data) {
      let n = 0;
      for await (const c of hdu.data.chunks()) {
        n += c.length;
        yield c;
      }
      if (n !== size) throw new FitsError("FITS_INVALID_VALUE", `the data has ${n} bytes; ${size} were announced`, { hdu: i });
      if (padToBlock(size) > size) yield new Uint8Array(padToBlock(size) - size);
    }
  }
}

/**
 * The exact length in bytes of the file fitsChunks() writes, known before any data is read: for an HTTP
 * Content-Length. (CHECKSUM and DATASUM have fixed-width values, so their cards' count is all that matters.)
 */
export function fitsByteLength(hdus: readonly HduToWrite[], options: WriteOptions = {}): number {
  let n = 0;
  for (const hdu of hdus) {
    const header = options.checksum === false ? hdu.header : withChecksum(hdu.header, 0);
    n += header.toBytes().length + padToBlock(hdu.data?.bytes ?? 0);
  }
  return n;
}

/** A copy of the header with DATASUM and CHECKSUM set so that the HDU sums to −0 (Appendix J). */
export function withChecksum(header: Header, datasum: number): Header {
  const h = header.clone();
  h.set("CHECKSUM", "0000000000000000", "HDU checksum");
  h.set("DATASUM", String(datasum), "data unit checksum");
  const sum = addSums(new OnesSum().add(h.toBytes()).value(), datasum);
  h.set("CHECKSUM", encodeChecksum(~sum >>> 0));
  return h;
}

export async function writeFitsFile(path: string, hdus: readonly HduToWrite[], options: WriteOptions = {}): Promise<void> {
  await pipeline(Readable.from(fitsChunks(hdus, options)), createWriteStream(path));
}

export interface ImageHeaderOptions {
  primary?: boolean;
  extname?: string;
  /** More cards, after the mandatory ones (WCS, BUNIT, BZERO/BSCALE, ...). Mandatory keywords among them are skipped. */
  cards?: readonly Card[];
}

const STRUCTURAL = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|GROUPS|TFIELDS|THEAP|T(TYPE|FORM|UNIT|DIM|NULL|SCAL|ZERO|DISP)\d+|Z(IMAGE|BITPIX|NAXIS\d*|TILE\d+|CMPTYPE|NAME\d+|VAL\d+|QUANTIZ|DITHER0|SIMPLE|TENSION|EXTEND|BLOCKED|PCOUNT|GCOUNT|HECKSUM|DATASUM|BLANK|SCALE|ZERO)|CHECKSUM|DATASUM|END|LONGSTRN)$/;

/** Whether a keyword describes the structure of an HDU (and so must not be copied into another). */
export function isStructural(keyword: string): boolean {
  return STRUCTURAL.test(keyword);
}

/** The header of an uncompressed image: mandatory keywords in order (§4.4.1), then the given cards. */
export function imageHeader(bitpix: Bitpix, axes: readonly number[], options: ImageHeaderOptions = {}): Header {
  const cards: Card[] = options.primary
    ? [{ keyword: "SIMPLE", value: true, comment: "conforms to FITS standard" }]
    : [{ keyword: "XTENSION", value: "IMAGE", comment: "image extension" }];
  cards.push({ keyword: "BITPIX", value: bitpix, comment: "array data type" }, { keyword: "NAXIS", value: axes.length, comment: "number of array dimensions" });
  axes.forEach((n, k) => cards.push({ keyword: `NAXIS${k + 1}`, value: n }));
  if (options.primary) cards.push({ keyword: "EXTEND", value: true });
  else cards.push({ keyword: "PCOUNT", value: 0, comment: "number of parameters" }, { keyword: "GCOUNT", value: 1, comment: "number of groups" });
  if (options.extname !== undefined) cards.push({ keyword: "EXTNAME", value: options.extname, comment: "extension name" });
  for (const c of options.cards ?? []) {
    if (isStructural(c.keyword) || (options.extname !== undefined && c.keyword === "EXTNAME")) continue;
    cards.push({ ...c });
  }
  return new Header(cards);
}

/** An empty primary HDU (for files whose images are extensions, as tile-compressed ones must be). */
export function emptyPrimary(cards: readonly Card[] = []): HduToWrite {
  const h = new Header([
    { keyword: "SIMPLE", value: true, comment: "conforms to FITS standard" },
    { keyword: "BITPIX", value: 8, comment: "array data type" },
    { keyword: "NAXIS", value: 0, comment: "number of array dimensions" },
    { keyword: "EXTEND", value: true },
    ...cards.filter((c) => !isStructural(c.keyword)).map((c) => ({ ...c })),
  ]);
  return { header: h };
}

export interface Gzip2Options {
  /** Tile shape, first axis first; default one row per tile. */
  tile?: readonly number[];
  extname?: string;
  cards?: readonly Card[];
  /** zlib level (default 6). */
  level?: number;
}

/**
 * A GZIP_2 tile-compressed image HDU (§10), lossless for every BITPIX: each tile's big-endian bytes are shuffled
 * by significance and gzipped. Floats are not quantized (ZQUANTIZ = 'NONE'). The compressed tiles are held in
 * memory until written, which suits generated images; sizes are known before the header is written.
 */
export function gzip2Image(data: StoredArray, bitpix: Bitpix, axes: readonly number[], options: Gzip2Options = {}): HduToWrite {
  const ndim = axes.length;
  const tile = axes.map((n, k) => Math.min(options.tile?.[k] ?? (k === 0 ? n : 1), n));
  const grid = axes.map((n, k) => Math.ceil(n / tile[k]!));
  const count = axes.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new FitsError("FITS_INVALID_VALUE", `the data has ${data.length} pixels; the axes make ${count}`);
  const w = Math.abs(bitpix) / 8;
  const strides: number[] = [];
  let s = 1;
  for (const n of axes) {
    strides.push(s);
    s *= n;
  }
  const tiles: Uint8Array[] = [];
  const g = new Array<number>(ndim).fill(0);
  const nTiles = grid.reduce((a, b) => a * b, 1);
  for (let t = 0; t < nTiles; t++) {
    const origin = g.map((i, k) => i * tile[k]!);
    const shape = origin.map((o, k) => Math.min(tile[k]!, axes[k]! - o));
    const n = shape.reduce((a, b) => a * b, 1);
    // Gather the tile's pixels (first axis fastest), then its big-endian bytes.
    const pixels = data.constructor === BigInt64Array ? new BigInt64Array(n) : new (data.constructor as new (n: number) => StoredArray)(n);
    const idx = [...origin];
    let o = 0;
    for (;;) {
      let src = 0;
      for (let k = 0; k < ndim; k++) src += idx[k]! * strides[k]!;
      (pixels as Float64Array).set((data as Float64Array).subarray(src, src + shape[0]!), o);
      o += shape[0]!;
      let k = 1;
      for (; k < ndim; k++) {
        if (idx[k]! < origin[k]! + shape[k]! - 1) {
          idx[k]!++;
          break;
        }
        idx[k] = origin[k]!;
      }
      if (k >= ndim) break;
    }
    const be = toBigEndian(pixels);
    const shuffled = Buffer.allocUnsafe(be.length);
    for (let b = 0; b < w; b++) for (let i = 0; i < n; i++) shuffled[b * n + i] = be[i * w + b]!;
    tiles.push(gzipSync(shuffled, { level: options.level ?? 6 }));
    for (let k = 0; k < ndim; k++) {
      if (++g[k]! < grid[k]!) break;
      g[k] = 0;
    }
  }
  const heap = tiles.reduce((a, t) => a + t.length, 0);
  const max = tiles.reduce((a, t) => Math.max(a, t.length), 0);
  const table = Buffer.alloc(nTiles * 8);
  let offset = 0;
  tiles.forEach((t, i) => {
    table.writeInt32BE(t.length, i * 8);
    table.writeInt32BE(offset, i * 8 + 4);
    offset += t.length;
  });
  const cards: Card[] = [
    { keyword: "XTENSION", value: "BINTABLE", comment: "binary table extension" },
    { keyword: "BITPIX", value: 8, comment: "8-bit bytes" },
    { keyword: "NAXIS", value: 2, comment: "2-dimensional binary table" },
    { keyword: "NAXIS1", value: 8, comment: "width of table in bytes" },
    { keyword: "NAXIS2", value: nTiles, comment: "number of rows in table" },
    { keyword: "PCOUNT", value: heap, comment: "size of special data area" },
    { keyword: "GCOUNT", value: 1, comment: "one data group (required keyword)" },
    { keyword: "TFIELDS", value: 1, comment: "number of fields in each row" },
    { keyword: "TTYPE1", value: "COMPRESSED_DATA", comment: "label for field 1" },
    { keyword: "TFORM1", value: `1PB(${max})`, comment: "data format of field: variable length array" },
    { keyword: "ZIMAGE", value: true, comment: "extension contains compressed image" },
    ...tile.map((t, k) => ({ keyword: `ZTILE${k + 1}`, value: t, comment: "size of tiles to be compressed" })),
    { keyword: "ZCMPTYPE", value: "GZIP_2", comment: "compression algorithm" },
    { keyword: "ZBITPIX", value: bitpix, comment: "data type of the image" },
    { keyword: "ZNAXIS", value: ndim, comment: "number of image dimensions" },
    ...axes.map((n, k) => ({ keyword: `ZNAXIS${k + 1}`, value: n })),
    ...(bitpix < 0 ? [{ keyword: "ZQUANTIZ", value: "NONE", comment: "lossless compression without quantization" }] : []),
  ];
  if (options.extname !== undefined) cards.push({ keyword: "EXTNAME", value: options.extname, comment: "extension name" });
  for (const c of options.cards ?? []) {
    if (isStructural(c.keyword) || (options.extname !== undefined && c.keyword === "EXTNAME")) continue;
    cards.push({ ...c });
  }
  return {
    header: new Header(cards),
    data: { bytes: table.length + heap, chunks: () => [table, ...tiles] },
  };
}

