/**
 * The layout of a FITS file: where each HDU's header and data are. Found by reading headers only, one after the
 * other (FITS 4.0 §3.3: data size = |BITPIX|/8 × GCOUNT × (PCOUNT + NAXIS1 × … × NAXISn), padded to 2880), or, in
 * Rubin's `lsst.images` files, from the INDEX HDU whose address the primary header gives (INDXADDR, INDXSIZE):
 * then every header is read at once, in one batch of ranged reads.
 */
import { cell, findColumn, tableColumns } from "./bintable.js";
import { BLOCK, FitsError, padToBlock } from "./errors.js";
import { Header, findEnd } from "./header.js";
import { type ByteSource, readRanges } from "./source.js";

export interface Hdu {
  /** 0 for the primary HDU. */
  index: number;
  headerOffset: number;
  dataOffset: number;
  /** Data bytes, without the padding to 2880. */
  dataSize: number;
  header: Header;
}

export interface OpenOptions {
  cache?: LayoutCache;
  /** A header longer than this is refused (FITS_ABSURD_SIZE): a file without END must not be read whole. */
  maxHeaderBytes?: number;
  /** Use the INDEX HDU when there is one (default true). */
  useIndex?: boolean;
}

const BITPIX = new Set([8, 16, 32, 64, -32, -64]);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function intCard(h: Header, key: string, hdu: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = h.get(key);
  const invalid = v === undefined ? h.invalidCard(key) : undefined;
  if (invalid) throw new FitsError("FITS_BAD_CARD", invalid.invalid!.replace(/^HDU \d+, card [^:]+: /, ""), { hdu, card: key });
  if (v === undefined) throw new FitsError("FITS_BAD_HEADER", "mandatory keyword missing", { hdu, card: key });
  if (typeof v === "bigint") throw new FitsError("FITS_ABSURD_SIZE", `value ${v} is beyond 2^53`, { hdu, card: key });
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new FitsError("FITS_BAD_HEADER", `value ${JSON.stringify(v)} is not an integer`, { hdu, card: key });
  }
  if (v < min) throw new FitsError("FITS_BAD_HEADER", `value ${v} is below ${min}`, { hdu, card: key });
  if (v > max) throw new FitsError("FITS_ABSURD_SIZE", `value ${v} is above ${max}`, { hdu, card: key });
  return v;
}

/** The data size in bytes that the mandatory keywords announce, checked (§4.4.1). */
export function dataSizeOf(h: Header, hdu: number): number {
  const first = h.cards[0]?.keyword;
  const want = hdu === 0 ? "SIMPLE" : "XTENSION";
  if (first !== want) {
    throw new FitsError("FITS_BAD_HEADER", `the first keyword is ${first ?? "missing"}, not ${want}`, { hdu, card: first ?? want });
  }
  const bitpix = intCard(h, "BITPIX", hdu, -64, 64);
  if (!BITPIX.has(bitpix)) throw new FitsError("FITS_BAD_HEADER", `BITPIX = ${bitpix} is not 8, 16, 32, 64, -32 or -64`, { hdu, card: "BITPIX" });
  const naxis = intCard(h, "NAXIS", hdu, 0, 999);
  if (naxis === 0) return 0;
  const groups = hdu === 0 && h.boolean("GROUPS") === true && h.number("NAXIS1") === 0;
  let product = 1n;
  for (let k = 1; k <= naxis; k++) {
    const n = intCard(h, `NAXIS${k}`, hdu, 0);
    if (!(groups && k === 1)) product *= BigInt(n);
    if (product > MAX_SAFE) throw new FitsError("FITS_ABSURD_SIZE", "the data size is beyond 2^53 bytes", { hdu, card: `NAXIS${k}` });
  }
  const pcount = hdu === 0 && !groups ? 0 : intCard(h, "PCOUNT", hdu, 0);
  const gcount = hdu === 0 && !groups ? 1 : intCard(h, "GCOUNT", hdu, 1);
  const size = (BigInt(Math.abs(bitpix) / 8) * BigInt(gcount) * (BigInt(pcount) + product));
  if (size > MAX_SAFE) throw new FitsError("FITS_ABSURD_SIZE", "the data size is beyond 2^53 bytes", { hdu, card: "PCOUNT" });
  return Number(size);
}

/** Reads the header that starts at `offset`: blocks until the one with END. */
async function readHeaderAt(source: ByteSource, offset: number, fileSize: number, hdu: number, maxBytes: number): Promise<{ header: Header; bytes: number }> {
  const pieces: Uint8Array[] = [];
  let got = 0;
  let chunk = 4 * BLOCK;
  for (;;) {
    const remaining = fileSize - offset - got;
    if (remaining < BLOCK) {
      if (got === 0 || remaining > 0) {
        throw new FitsError("FITS_TRUNCATED", `the file ends at byte ${fileSize} inside the header`, { hdu, offset: offset + got });
      }
      throw new FitsError("FITS_NO_END", `the header has no END card before the end of the file (byte ${fileSize})`, { hdu, offset });
    }
    if (got >= maxBytes) {
      throw new FitsError("FITS_NO_END", `no END card in the first ${maxBytes} bytes of the header`, { hdu, offset });
    }
    const n = Math.min(chunk, Math.floor(remaining / BLOCK) * BLOCK, maxBytes - got);
    const bytes = await source.read(offset + got, n);
    if (got === 0 && hdu === 0 && Buffer.from(bytes.subarray(0, 10)).toString("latin1") !== "SIMPLE  = ") {
      // Not FITS at all: say so at once rather than look for an END card through the whole file.
      const start = JSON.stringify(Buffer.from(bytes.subarray(0, 10)).toString("latin1"));
      throw new FitsError("FITS_BAD_HEADER", `not a FITS file: it starts with ${start}, not "SIMPLE  = "`, { hdu, card: "SIMPLE" });
    }
    const end = findEnd(bytes);
    if (end >= 0) {
      pieces.push(bytes.subarray(0, end + 80));
      const all = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      return { header: Header.parse(all, { hdu }), bytes: padToBlock(got + end + 80) };
    }
    pieces.push(bytes);
    got += n;
    chunk *= 2;
  }
}

export class FitsFile {
  readonly source: ByteSource;
  readonly size: number;
  readonly hdus: readonly Hdu[];
  /** How the layout was found: by the INDEX HDU, by scanning headers, or from the cache. */
  readonly via: "index" | "scan" | "cache";

  private constructor(source: ByteSource, size: number, hdus: Hdu[], via: FitsFile["via"]) {
    this.source = source;
    this.size = size;
    this.hdus = hdus;
    this.via = via;
  }

  static async open(source: ByteSource, options: OpenOptions = {}): Promise<FitsFile> {
    const { size, version } = await source.stat();
    const key = `${source.id}\u0000${size}\u0000${version}`;
    const cached = options.cache?.get(key);
    if (cached) return new FitsFile(source, size, cached, "cache");
    const maxHeaderBytes = options.maxHeaderBytes ?? 1024 * BLOCK;
    if (size < BLOCK) throw new FitsError("FITS_TRUNCATED", `the file is ${size} bytes, less than one 2880-byte block`, { hdu: 0 });
    const primary = await readHeaderAt(source, 0, size, 0, maxHeaderBytes);
    const first: Hdu = { index: 0, headerOffset: 0, dataOffset: primary.bytes, dataSize: dataSizeOf(primary.header, 0), header: primary.header };
    let hdus: Hdu[] | undefined;
    let via: FitsFile["via"] = "scan";
    if (options.useIndex !== false && first.header.has("INDXADDR")) {
      hdus = await fromIndex(source, size, first, maxHeaderBytes);
      if (hdus) via = "index";
    }
    hdus ??= await scan(source, size, first, maxHeaderBytes);
    options.cache?.set(key, hdus);
    return new FitsFile(source, size, hdus, via);
  }

  /** An HDU by 0-based index, or by EXTNAME (case-insensitive; the first with that name). */
  hdu(which: number | string): Hdu {
    if (typeof which === "number") {
      const h = this.hdus[which];
      if (!h) throw new FitsError("FITS_NO_SUCH_HDU", `there is no HDU ${which}: the file has ${this.hdus.length} (0 to ${this.hdus.length - 1})`);
      return h;
    }
    const h = this.hduNamed(which);
    if (!h) throw new FitsError("FITS_NO_SUCH_HDU", `there is no HDU with EXTNAME ${JSON.stringify(which)}`);
    return h;
  }

  /** The first HDU with this EXTNAME (case-insensitive), or undefined: for an HDU that a file may lack. */
  hduNamed(name: string): Hdu | undefined {
    const want = name.trim().toUpperCase();
    return this.hdus.find((x) => (x.header.string("EXTNAME") ?? "").trim().toUpperCase() === want);
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

async function scan(source: ByteSource, size: number, first: Hdu, maxHeaderBytes: number): Promise<Hdu[]> {
  const hdus = [first];
  for (;;) {
    const last = hdus[hdus.length - 1]!;
    const next = last.dataOffset + padToBlock(last.dataSize);
    if (last.dataOffset + last.dataSize > size) {
      throw new FitsError("FITS_TRUNCATED", `the data needs ${last.dataSize} bytes from byte ${last.dataOffset}; the file has ${size}`, {
        hdu: last.index,
        offset: size,
      });
    }
    if (next + BLOCK > size) return hdus;
    // What follows the last HDU may be special records (§3.5); only XTENSION starts an extension.
    const magic = await source.read(next, 8);
    if (Buffer.from(magic).toString("latin1") !== "XTENSION") return hdus;
    const index = last.index + 1;
    const { header, bytes } = await readHeaderAt(source, next, size, index, maxHeaderBytes);
    hdus.push({ index, headerOffset: next, dataOffset: next + bytes, dataSize: dataSizeOf(header, index), header });
  }
}

/**
 * The lsst.images INDEX HDU: a table with a row per HDU before it (EXTNAME, EXTVER, XTENSION, ZIMAGE, HDRADDR,
 * DATADDR, DATSIZE). Anything inconsistent (an offset outside the file, rows out of order, a header that does not
 * end where the index says the data starts) returns undefined, and the file is scanned instead.
 */
async function fromIndex(source: ByteSource, size: number, first: Hdu, maxHeaderBytes: number): Promise<Hdu[] | undefined> {
  const addr = first.header.number("INDXADDR");
  if (addr === undefined || !Number.isInteger(addr) || addr < BLOCK || addr % BLOCK !== 0 || addr + BLOCK > size) return undefined;
  let index: { header: Header; bytes: number };
  try {
    index = await readHeaderAt(source, addr, size, -1, maxHeaderBytes);
  } catch {
    return undefined;
  }
  const ih = index.header;
  if (ih.string("XTENSION") !== "BINTABLE" || ih.string("EXTNAME") !== "INDEX") return undefined;
  let table;
  try {
    table = tableColumns(ih, -1);
  } catch {
    return undefined;
  }
  const cols = ["HDRADDR", "DATADDR"].map((n) => findColumn(table.columns, n));
  if (cols.some((c) => !c) || table.rows < 1 || table.rows * table.rowBytes > size) return undefined;
  const dataOffset = addr + index.bytes;
  const data = await source.read(dataOffset, table.rows * table.rowBytes);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const spans: { headerOffset: number; dataOffset: number }[] = [];
  for (let r = 0; r < table.rows; r++) {
    const row = new DataView(view.buffer, view.byteOffset + r * table.rowBytes, table.rowBytes);
    const h = cell(row, cols[0]!);
    const d = cell(row, cols[1]!);
    if (typeof h !== "number" || typeof d !== "number" || h % BLOCK !== 0 || d % BLOCK !== 0 || d <= h || d > addr) return undefined;
    if (spans.length && h < spans[spans.length - 1]!.dataOffset) return undefined;
    spans.push({ headerOffset: h, dataOffset: d });
  }
  if (spans[0]!.headerOffset !== 0 || spans[0]!.dataOffset !== first.dataOffset) return undefined;
  const rest = spans.slice(1);
  const headerBytes = await readRanges(source, rest.map((s) => ({ offset: s.headerOffset, length: s.dataOffset - s.headerOffset })));
  const hdus: Hdu[] = [first];
  for (let k = 0; k < rest.length; k++) {
    const i = k + 1;
    const bytes = headerBytes[k]!;
    const end = findEnd(bytes);
    if (end < 0 || padToBlock(end + 80) !== bytes.length) return undefined;
    const header = Header.parse(bytes, { hdu: i });
    hdus.push({ index: i, headerOffset: rest[k]!.headerOffset, dataOffset: rest[k]!.dataOffset, dataSize: dataSizeOf(header, i), header });
  }
  for (let k = 0; k < hdus.length; k++) {
    const next = k + 1 < hdus.length ? hdus[k + 1]!.headerOffset : addr;
    if (hdus[k]!.dataOffset + padToBlock(hdus[k]!.dataSize) !== next) return undefined;
  }
  const last = hdus.length;
  hdus.push({ index: last, headerOffset: addr, dataOffset, dataSize: dataSizeOf(ih, last), header: ih });
  // Whatever follows the INDEX HDU is found by scanning on from it.
  return scan(source, size, hdus.pop()!, maxHeaderBytes).then((tail) => [...hdus, ...tail]);
}

/** A small LRU of layouts, keyed by path or URL with size and version, so a changed file is never misread. */
export class LayoutCache {
  private readonly map = new Map<string, Hdu[]>();
  constructor(readonly max = 256) {}
  get(key: string): Hdu[] | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, hdus: Hdu[]): void {
    this.map.delete(key);
    this.map.set(key, hdus);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  get size(): number {
    return this.map.size;
  }
}
