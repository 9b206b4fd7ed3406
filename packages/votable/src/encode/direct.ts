/**
 * Text for the common scalar cells written straight into the output bytes, with no intermediate strings: integers,
 * floats, doubles, longs and Date timestamps. They give exactly the text of format.ts (tests compare them); they
 * exist because TABLEDATA and CSV spend most of their time, and make most of their garbage, turning numbers into
 * strings.
 */
import type { BatchColumn } from "../batch.js";
import type { Column } from "../column.js";
import { INT_RANGE, LONG_MAX, LONG_MIN } from "../column.js";
import { civilFields, formatDouble, formatFloat, shortestDouble, shortestFloat } from "../format.js";
import type { ByteSink } from "./sink.js";

/** Writes `v` and returns true, or returns false (writing nothing) when `v` needs the general path. */
export type DirectWriter = (v: unknown, sink: ByteSink) => boolean;

/** "00".."99" as byte pairs: two digits per division. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 0x30 + (i & 1 ? (i >> 1) % 10 : ((i >> 1) / 10) | 0));

/** The number of decimal digits of 0 < v < 2^31. */
function digitCount(v: number): number {
  if (v < 1e4) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : 4;
  if (v < 1e8) return v < 1e6 ? (v < 1e5 ? 5 : 6) : v < 1e7 ? 7 : 8;
  return v < 1e9 ? 9 : 10;
}

/** "0000".."9999" as little-endian 32-bit words: four digits in one store (40 KB). */
const DIGIT_QUADS = Uint32Array.from({ length: 10000 }, (_, v) => {
  const d = [1000, 100, 10, 1].map((p) => 0x30 + (((v / p) | 0) % 10));
  return (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0;
});

/**
 * The `count` low digits of 0 ≤ v < 2^31 (zero-padded), written right to left ending before `end`: four at a time
 * (one division and one unaligned store each; 37 → 32 ns for a 17-digit double's writeDecimal), then pairs.
 */
function putDigits(buf: Uint8Array, view: DataView, end: number, v: number, count: number): void {
  while (count >= 4) {
    const q = (v / 10000) | 0;
    view.setUint32(end - 4, DIGIT_QUADS[v - q * 10000]!, true);
    end -= 4;
    v = q;
    count -= 4;
  }
  while (count >= 2) {
    const q = (v / 100) | 0;
    const r = (v - q * 100) << 1;
    buf[--end] = DIGIT_PAIRS[r + 1]!;
    buf[--end] = DIGIT_PAIRS[r]!;
    v = q;
    count -= 2;
  }
  if (count > 0) buf[end - 1] = 0x30 + (v % 10);
}

/** An integer of magnitude below 2^53, in decimal. */
export function writeInteger(sink: ByteSink, n: number): void {
  sink.reserve(17);
  const buf = sink.buf;
  const view = sink.view;
  let pos = sink.len;
  if (n < 0) {
    buf[pos++] = 0x2d;
    n = -n;
  }
  if (n < 2147483648) {
    const v = n | 0;
    const count = v === 0 ? 1 : digitCount(v);
    putDigits(buf, view, pos + count, v, count);
    sink.len = pos + count;
    return;
  }
  // hi·10^8 + lo. The floor is exact: n/10^8 is at least 10^-8 below the next integer, more than half an ulp of a
  // quotient below 2^27 (direct.test has the integers just below multiples of 10^8)
  const hi = Math.floor(n / 1e8);
  const lo = n - hi * 1e8;
  const count = digitCount(hi);
  putDigits(buf, view, pos + count, hi, count);
  putDigits(buf, view, pos + count + 8, lo, 8);
  sink.len = pos + count + 8;
}

/**
 * (hi·10^8 + lo)·10^exp, not zero, in Number#toString notation, as format.ts's decimalString: 0 < hi < 2^31 and
 * 0 ≤ lo < 10^8, or hi = 0 and 0 < lo < 2^31. The digits go straight into the sink, right to left.
 */
function writeDecimal(sink: ByteSink, negative: boolean, hi: number, lo: number, exp: number): void {
  // int32 from here on (both below 2^31), so that the digit arithmetic stays in integers
  let h = hi | 0;
  let l = lo | 0;
  let lowCount: number;
  if (h > 0 && l === 0) {
    l = h;
    h = 0;
    exp += 8;
  }
  if (h > 0) {
    lowCount = 8;
    while (l % 10 === 0) {
      l = (l / 10) | 0;
      exp++;
      lowCount--;
    }
  } else {
    while (l % 10 === 0) {
      l = (l / 10) | 0;
      exp++;
    }
    lowCount = digitCount(l);
  }
  const highCount = h > 0 ? digitCount(h) : 0;
  const count = highCount + lowCount;
  const x = exp + count - 1; // the decimal exponent of the leading digit
  sink.reserve(count + 32);
  const buf = sink.buf;
  const view = sink.view;
  let pos = sink.len;
  if (negative) buf[pos++] = 0x2d;
  if (x >= 21 || x <= -7 || (exp < 0 && x >= 0)) {
    // d.ddd (and an exponent), or ddd.ddd: the digits one byte to the right, then the integer part back left of the point
    const intDigits = x >= 21 || x <= -7 ? 1 : x + 1;
    putDigits(buf, view, pos + 1 + count, l, lowCount);
    if (h > 0) putDigits(buf, view, pos + 1 + highCount, h, highCount);
    if (count === intDigits) {
      buf[pos] = buf[pos + 1]!;
      pos += 1;
    } else {
      for (let i = 0; i < intDigits; i++) buf[pos + i] = buf[pos + i + 1]!;
      buf[pos + intDigits] = 0x2e;
      pos += count + 1;
    }
    if (intDigits === 1 && (x >= 21 || x <= -7)) {
      buf[pos++] = 0x65; // e
      buf[pos++] = x > 0 ? 0x2b : 0x2d;
      const ax = x < 0 ? -x : x;
      if (ax >= 10) buf[pos++] = 0x30 + ((ax / 10) | 0);
      buf[pos++] = 0x30 + (ax % 10);
    }
  } else {
    if (x < 0) {
      // 0.000ddd
      buf[pos++] = 0x30;
      buf[pos++] = 0x2e;
      for (let i = 0; i < -x - 1; i++) buf[pos++] = 0x30;
    }
    putDigits(buf, view, pos + count, l, lowCount);
    if (h > 0) putDigits(buf, view, pos + highCount, h, highCount);
    pos += count;
    // an integer: its trailing zeros
    for (let i = 0; i < exp; i++) buf[pos++] = 0x30;
  }
  sink.len = pos;
}

export function writeFloat(sink: ByteSink, x: number): void {
  const f = Math.fround(x);
  if (f === f && f !== 0 && f !== Infinity && f !== -Infinity) {
    const s = shortestFloat(f);
    if (s !== undefined) return writeDecimal(sink, f < 0, 0, s.digits, s.exp);
  }
  sink.ascii(formatFloat(f));
}

/** A double as formatDouble writes it (Number#toString), from shortestDouble's digits where it decides them. */
export function writeDouble(sink: ByteSink, x: number): void {
  const s = shortestDouble(x < 0 ? -x : x);
  if (s !== undefined) return writeDecimal(sink, x < 0, s.hi, s.lo, s.exp);
  sink.ascii(formatDouble(x));
}

const DAY_MS = 86_400_000;
/** The instants of years 1 to 9999, the range that writeTimestamp handles (other years take format.ts's path). */
export const TIMESTAMP_MIN_MS = -62135596800000;
export const TIMESTAMP_MAX_MS = 253402300799999;

/** 0 ≤ n < 100 as two digits. */
function two(buf: Uint8Array, pos: number, n: number): void {
  const r = n << 1;
  buf[pos] = DIGIT_PAIRS[r]!;
  buf[pos + 1] = DIGIT_PAIRS[r + 1]!;
}

/** DALI 1.2 §3.3 timestamp of a Date's time t (an integer, years 1 to 9999), as format.ts's formatTimestamp. */
export function writeTimestamp(sink: ByteSink, t: number): void {
  sink.reserve(32);
  sink.len = putTimestamp(sink.buf, sink.len, t);
}

/** The length of writeTimestamp's text of an integer t (years 1 to 9999): 23 with milliseconds, 19 without. */
export function timestampLength(t: number): number {
  return t % 1000 === 0 ? 19 : 23; // a day is whole seconds: the milliseconds of the day are those of t
}

/**
 * writeTimestamp's text of an integer t at `pos` of a buffer with room for it (32 bytes); returns the position after
 * it. The time of day is below 2^31 ms, so its fields come from int32 divisions by constants (a third quicker than
 * Math.floor of doubles: 52-71 → 32-40 ns per timestamp in process).
 */
export function putTimestamp(buf: Uint8Array, pos: number, t: number): number {
  const day = Math.floor(t / DAY_MS);
  let ms = (t - day * DAY_MS) | 0;
  pos = writeCivilDate(buf, pos, day);
  const h = (ms / 3_600_000) | 0;
  ms -= h * 3_600_000;
  const m = (ms / 60_000) | 0;
  ms -= m * 60_000;
  const sec = (ms / 1000) | 0;
  ms -= sec * 1000;
  buf[pos] = 0x54; // T
  two(buf, pos + 1, h);
  buf[pos + 3] = 0x3a;
  two(buf, pos + 4, m);
  buf[pos + 6] = 0x3a;
  two(buf, pos + 7, sec);
  pos += 9;
  if (ms !== 0) {
    buf[pos++] = 0x2e;
    buf[pos++] = 0x30 + ((ms / 100) | 0);
    two(buf, pos, ms % 100);
    pos += 2;
  }
  return pos;
}

/**
 * Days since 1970-01-01 of a year 1-9999 (putTimestamp's callers check TIMESTAMP_MIN_MS and TIMESTAMP_MAX_MS, and
 * timestampLength counts on the 10 bytes) as YYYY-MM-DD, as civilDate() writes it, without a string (every row of a
 * result may have a day of its own). Returns the position after it.
 */
function writeCivilDate(buf: Uint8Array, pos: number, days: number): number {
  // A direct-mapped cache of the last days' 10 bytes: a result's timestamps often share days.
  const slot = days & (DATE_SLOTS - 1);
  if (dateKeys[slot] === days) {
    const at = slot * 10;
    for (let k = 0; k < 10; k++) buf[pos + k] = dateBytes[at + k]!;
    return pos + 10;
  }
  const [y, mm, dd] = civilFields(days);
  two(buf, pos, (y / 100) | 0);
  two(buf, pos + 2, y % 100);
  buf[pos + 4] = 0x2d;
  two(buf, pos + 5, mm);
  buf[pos + 7] = 0x2d;
  two(buf, pos + 8, dd);
  dateKeys[slot] = days;
  dateBytes.set(buf.subarray(pos, pos + 10), slot * 10);
  return pos + 10;
}

const DATE_SLOTS = 4096;
const dateKeys = new Float64Array(DATE_SLOTS).fill(NaN);
const dateBytes = new Uint8Array(DATE_SLOTS * 10);

/** The direct writer for a field's scalar cells, if its datatype has one. */
export function directWriter(col: Column): DirectWriter | undefined {
  if (!col.shape.scalar && !col.strings) return undefined;
  switch (col.datatype) {
    case "unsignedByte":
    case "short":
    case "int": {
      const [lo, hi] = INT_RANGE[col.datatype];
      return (v, sink) => {
        if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) return false;
        writeInteger(sink, v);
        return true;
      };
    }
    case "long":
      return (v, sink) => {
        if (typeof v === "bigint") {
          if (v < LONG_MIN || v > LONG_MAX) return false;
          sink.ascii(v.toString());
          return true;
        }
        if (typeof v === "number" && Number.isSafeInteger(v)) {
          writeInteger(sink, v);
          return true;
        }
        return false;
      };
    case "float":
      return (v, sink) => {
        if (typeof v !== "number") return false;
        writeFloat(sink, v);
        return true;
      };
    case "double":
      return (v, sink) => {
        if (typeof v !== "number") return false;
        writeDouble(sink, v);
        return true;
      };
    case "char":
    case "unicodeChar":
      // Only a Date takes this path; storage bounds of at least 23 units cannot cut a timestamp.
      if (col.strings?.multi || (col.strings?.storage !== undefined && col.strings.storage < 23)) return undefined;
      return (v, sink) => {
        if (!(v instanceof Date)) return false;
        const t = v.getTime();
        if (t !== t || t < -62135596800000 || t > 253402300799999) return false; // years 1-9999 only here
        writeTimestamp(sink, t);
        return true;
      };
    default:
      return undefined;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The writer of a batch column's cell i as text, between `<TD>` and `</TD>` or `<TD/>` for a null (td: TABLEDATA),
 * or bare and nothing for a null (CSV and TSV), for a typed array of a scalar numeric field's own type: the text of
 * the row path (the direct writers above), without a value or a closure per cell. Undefined for any other column.
 */
export function typedTextCell(col: Column, data: BatchColumn, td: boolean): ((i: number, sink: ByteSink) => void) | undefined {
  if (data.timestamps === true || !col.shape.scalar) return undefined;
  const values = data.values;
  const nulls = data.nulls;
  let put: ((sink: ByteSink, i: number) => void) | undefined;
  switch (col.datatype) {
    case "int":
      if (values instanceof Int32Array || values instanceof Int16Array || values instanceof Int8Array || values instanceof Uint16Array || values instanceof Uint8Array) {
        put = (sink, i) => writeInteger(sink, values[i]!);
      }
      break;
    case "short":
      if (values instanceof Int16Array || values instanceof Int8Array || values instanceof Uint8Array) put = (sink, i) => writeInteger(sink, values[i]!);
      break;
    case "unsignedByte":
      if (values instanceof Uint8Array) put = (sink, i) => writeInteger(sink, values[i]!);
      break;
    case "long":
      if (values instanceof BigInt64Array) {
        // Below 2^53 from the two 32-bit halves, without a BigInt; beyond, BigInt's digits (as the row path).
        const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
        const hi = LITTLE_ENDIAN ? 1 : 0;
        put = (sink, i) => {
          const h = words[2 * i + hi]!;
          if (h >= -2097152 && h < 2097152) writeInteger(sink, h * 4294967296 + (words[2 * i + 1 - hi]! >>> 0));
          else sink.ascii(values[i]!.toString());
        };
      }
      break;
    case "float":
      if (values instanceof Float32Array || values instanceof Float64Array) put = (sink, i) => writeFloat(sink, values[i]!);
      break;
    case "double":
      if (values instanceof Float64Array || values instanceof Float32Array) put = (sink, i) => writeDouble(sink, values[i]!);
      break;
    default:
      break;
  }
  if (put === undefined) return undefined;
  const cell = put;
  if (!td) {
    return (i, sink) => {
      if (nulls === undefined || nulls[i] === 0) cell(sink, i);
    };
  }
  return (i, sink) => {
    if (nulls !== undefined && nulls[i] !== 0) return sink.tdEmpty();
    sink.tdOpen();
    cell(sink, i);
    sink.tdClose();
  };
}
