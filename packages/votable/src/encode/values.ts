/**
 * Checking and normalising the JavaScript values handed to the writer. Each encoder calls these per element; they
 * throw VOTABLE_INVALID_VALUE naming the field, and return `null` for a null element.
 *
 * Numbers may also arrive as numeric strings (database drivers return DECIMAL and BIGINT that way) and longs as
 * safe-integer numbers: both are accepted when they convert without loss.
 */
import { INT_RANGE, LONG_MAX, LONG_MIN } from "../column.js";
import type { Column } from "../column.js";
import { VOTableError } from "../errors.js";
import { formatTimestamp } from "../format.js";

export function invalid(col: Column, msg: string, value?: unknown): never {
  const shown = value === undefined ? "" : `: ${describe(value)}`;
  throw new VOTableError("VOTABLE_INVALID_VALUE", `field "${col.field.name}" (${col.datatype}): ${msg}${shown}`, {
    field: col.field.name,
  });
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "bigint") return `${v}n`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (v instanceof Date) return `Date(${v.getTime()})`;
  return String(v);
}

const NUMERIC_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export function toInt(col: Column, v: unknown): number | null {
  if (v === null || v === undefined) return null;
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "bigint") n = Number(v);
  else if (typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v)) n = Number(v);
  else if (typeof v === "boolean") n = v ? 1 : 0;
  else return invalid(col, "not an integer", v);
  const range = INT_RANGE[col.datatype as keyof typeof INT_RANGE];
  if (!Number.isInteger(n) || n < range[0] || n > range[1]) return invalid(col, "integer out of range", v);
  return n;
}

export function toLong(col: Column, v: unknown): bigint | null {
  if (v === null || v === undefined) return null;
  let b: bigint;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number") {
    // A number beyond 2^53 may already have lost digits: refuse rather than write a wrong value.
    if (!Number.isSafeInteger(v)) return invalid(col, "a long given as a number must be a safe integer", v);
    b = BigInt(v);
  } else if (typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v)) b = BigInt(v.trim());
  else return invalid(col, "not a long (bigint)", v);
  if (b < LONG_MIN || b > LONG_MAX) return invalid(col, "long out of range", v);
  return b;
}

export function toDouble(col: Column, v: unknown): number | null {
  if (typeof v === "number") return v;
  if (v === null || v === undefined) return null;
  if (typeof v === "string") {
    if (NUMERIC_TEXT.test(v)) return Number(v);
    const t = v.trim().toLowerCase();
    if (t === "nan") return NaN;
    if (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity") return Infinity;
    if (t === "-inf" || t === "-infinity") return -Infinity;
  }
  if (typeof v === "bigint") return Number(v);
  return invalid(col, "not a number", v);
}

export function toBoolean(col: Column, v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (v === null || v === undefined) return null;
  if (v === 0 || v === 1) return v === 1;
  return invalid(col, "not a boolean", v);
}

export function toComplex(col: Column, v: unknown): readonly [number, number] | null {
  if (v === null || v === undefined) return null;
  if (isArrayLike(v) && v.length === 2) {
    const re = toDouble(col, v[0]);
    const im = toDouble(col, v[1]);
    return [re ?? NaN, im ?? NaN];
  }
  return invalid(col, "a complex value is a [real, imaginary] pair", v);
}

export function toText(col: Column, v: unknown): string | null {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return null;
  if (v instanceof Date) {
    const s = formatTimestamp(v);
    return s === undefined ? invalid(col, "invalid Date", v) : s;
  }
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  return invalid(col, "not a string", v);
}

export function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/**
 * Checks an array cell against the declared shape (VOTable 1.4 §2.2) and returns it, or null for a null cell.
 * `units` is how many array elements make one VOTable element (1, except for multi-dimensional char arrays, where
 * the check is on the number of strings).
 */
export function toArray(col: Column, v: unknown, perSlice = col.shape.sliceSize, total = col.shape.count): ArrayLike<unknown> | null {
  if (v === null || v === undefined) return null;
  if (!isArrayLike(v)) return invalid(col, `expected an array (arraysize="${col.field.arraysize}")`, v);
  const n = v.length;
  if (!col.shape.variable) {
    if (n !== total) return invalid(col, `expected ${total} elements, got ${n}`);
  } else {
    if (perSlice > 1 && n % perSlice !== 0) return invalid(col, `array length ${n} is not a multiple of ${perSlice}`);
    const max = col.shape.maxSlices;
    if (max !== undefined && n > max * perSlice) return invalid(col, `array length ${n} exceeds ${max * perSlice}`);
  }
  return v;
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character (VOTable 1.4 §2.1). */
export function truncateUtf8(s: string, max: number): string {
  if (s.length * 3 <= max) return s;
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let w: number;
    let step = 1;
    if (c < 0x80) w = 1;
    else if (c < 0x800) w = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      w = 4;
      step = 2;
    } else w = 3;
    if (bytes + w > max) return s.slice(0, i);
    bytes += w;
    i += step - 1;
  }
  return s;
}

/** Cuts a string to at most `max` UTF-16 code units without splitting a surrogate pair. */
export function truncateUtf16(s: string, max: number): string {
  if (s.length <= max) return s;
  const c = s.charCodeAt(max - 1);
  const d = s.charCodeAt(max);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? max - 1 : max);
}
