/** Exact comparison of our arrays with the raw little-endian dumps that astropy_fits.py writes. */
import { readFileSync } from "node:fs";
import type { PhysicalArray } from "../image.js";

export interface Dump {
  dtype: string;
  shape: number[];
  box?: [[number, number], [number, number]];
  error?: string;
  /** Set by a test that has corrected a known departure. */
  patched?: PhysicalArray;
}

const TYPES: Record<string, { new (b: ArrayBuffer): PhysicalArray }> = {
  "|u1": Uint8Array,
  "|i1": Int8Array,
  "<i2": Int16Array,
  "<u2": Uint16Array,
  "<i4": Int32Array,
  "<u4": Uint32Array,
  "<i8": BigInt64Array,
  "<u8": BigUint64Array,
  "<f4": Float32Array,
  "<f8": Float64Array,
};

export function loadDump(path: string, d: Dump): PhysicalArray {
  const bytes = readFileSync(path);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
  const T = TYPES[d.dtype];
  if (!T) throw new Error(`no array type for dtype ${d.dtype}`);
  return new T(ab);
}

/** The first index where two arrays differ (NaN equals NaN; 0 and -0 differ), or -1. Types must match too. */
export function firstDifference(a: PhysicalArray, b: PhysicalArray): number {
  if (a.constructor !== b.constructor) return -2;
  if (a.length !== b.length) return -3;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
