/**
 * What a written value becomes once read back, per serialization: the rules of VOTable 1.4 §5 (null
 * conventions) and of this writer (README, "Null conventions"). Shared by the round-trip tests and the astropy
 * checks, so that both test against the same documented behaviour.
 */
import type { Column } from "../column.js";
import { compileColumns, defaultBinaryNull } from "../column.js";
import type { Serialization } from "../encode/document.js";
import { formatTimestamp } from "../format.js";
import type { Field, Row } from "../model.js";
import { wellFormed, xmlSafe } from "../xml.js";

function isNull(v: unknown): boolean {
  return v === null || v === undefined;
}

function utf8Cut(s: string, max: number): string {
  const b = Buffer.from(wellFormed(s), "utf8");
  if (b.length <= max) return wellFormed(s);
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.toString("utf8", 0, end);
}

function utf16Cut(s: string, max: number): string {
  const w = wellFormed(s);
  if (w.length <= max) return w;
  const c = w.charCodeAt(max - 1);
  return w.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

function text(v: unknown): string {
  if (v instanceof Date) return formatTimestamp(v)!;
  return String(v);
}

/** A string cell as read back. */
function expectString(col: Column, v: unknown, ser: Serialization): unknown {
  const layout = col.strings!;
  const utf8 = col.datatype === "char";
  const cut = (s: string, max: number | undefined): string =>
    max === undefined ? wellFormed(s) : utf8 ? utf8Cut(s, max) : utf16Cut(s, max);
  const nulCut = (s: string): string => {
    const z = s.indexOf("\0");
    return z < 0 ? s : s.slice(0, z);
  };
  if (layout.multi) {
    if (isNull(v)) return ser === "BINARY2" || ser === "TABLEDATA" ? null : col.shape.variable ? [] : new Array((col.shape.count as number) / (layout.storage as number)).fill("");
    const items = (v as unknown[]).map((x) => (isNull(x) ? "" : text(x)));
    if (ser === "TABLEDATA") {
      if (items.length === 0) return null;
      // Blank padding is indistinguishable from trailing blanks, and NUL cannot be written in XML.
      return items.map((s) => cut(xmlSafe(s), layout.storage).replace(/ +$/, ""));
    }
    return items.map((s) => nulCut(cut(s, layout.storage)));
  }
  if (isNull(v)) return ser === "BINARY" ? "" : null;
  let s = cut(text(v), layout.storage);
  if (!layout.variable) s = ser === "TABLEDATA" ? s : nulCut(s);
  if (ser === "TABLEDATA") {
    s = xmlSafe(s);
    return s === "" ? null : s; // §5.1: an empty TD is null
  }
  return s;
}

function elementValue(col: Column, x: unknown, ser: Serialization): unknown {
  const magic = ser === "BINARY" ? (col.nullValue ?? defaultBinaryNull(col.datatype)) : col.nullValue;
  switch (col.datatype) {
    case "boolean":
      return isNull(x) ? null : x === true || x === 1;
    case "bit":
      return x === true || x === 1;
    case "unsignedByte":
    case "short":
    case "int": {
      if (isNull(x)) return null;
      const n = Number(x);
      return magic !== undefined && n === Number(magic) ? null : n;
    }
    case "long": {
      if (isNull(x)) return null;
      const b = BigInt(x as bigint);
      return magic !== undefined && b === BigInt(magic) ? null : b;
    }
    case "float": {
      if (isNull(x)) return magic !== undefined ? null : NaN;
      const f = Math.fround(Number(x));
      return magic !== undefined && f === Number(magic) ? null : f;
    }
    case "double": {
      if (isNull(x)) return magic !== undefined ? null : NaN;
      const f = Number(x);
      return magic !== undefined && f === Number(magic) ? null : f;
    }
    case "floatComplex":
    case "doubleComplex": {
      if (isNull(x)) return [NaN, NaN];
      const c = x as [number, number];
      return col.datatype === "floatComplex" ? [Math.fround(c[0]), Math.fround(c[1])] : [c[0], c[1]];
    }
    default:
      throw new Error(`unexpected ${col.datatype}`);
  }
}

/** The value our reader (or any faithful reader) should return for a written cell. */
export function expectCell(col: Column, v: unknown, ser: Serialization): unknown {
  if (col.strings) return expectString(col, v, ser);
  const shape = col.shape;
  if (shape.scalar) {
    if (isNull(v)) {
      if (ser !== "BINARY") return null;
      switch (col.datatype) {
        case "float":
        case "double":
          return col.nullValue !== undefined ? null : NaN;
        case "floatComplex":
        case "doubleComplex":
          return [NaN, NaN];
        case "bit":
          return false; // BINARY cannot say that a bit is null
        default:
          return null;
      }
    }
    return elementValue(col, v, ser);
  }
  if (isNull(v)) {
    if (ser !== "BINARY") return null;
    if (shape.variable) return [];
    return new Array(shape.count).fill(undefined).map(() => elementValue(col, null, ser));
  }
  const arr = Array.from(v as ArrayLike<unknown>, (x) => elementValue(col, x, ser));
  if (ser === "TABLEDATA" && arr.length === 0) return null; // §5.5: an empty array and a null are the same in TABLEDATA
  return arr;
}

/**
 * The first row with an integer (or integer array element) equal to the null value that BINARY picks for a field that
 * declares none (encode/binary.ts, pickedNullCollision): the writer refuses it, and the stream ends there with
 * QUERY_STATUS=ERROR. -1 when there is none, or in another serialization.
 */
export function firstPickedNullCollision(fields: readonly Field[], rows: readonly Row[], ser: Serialization): number {
  if (ser !== "BINARY") return -1;
  const cols = compileColumns(fields);
  const collides = (col: Column, x: unknown): boolean => {
    const magic = defaultBinaryNull(col.datatype);
    if (magic === undefined || col.nullValue !== undefined || isNull(x)) return false;
    return typeof magic === "bigint" ? BigInt(x as bigint) === magic : Number(x) === magic;
  };
  return rows.findIndex((r) =>
    cols.some((c, i) => {
      const v = r[i];
      if (c.shape.scalar) return collides(c, v);
      return Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<unknown>).some((x) => collides(c, x)) : false;
    }),
  );
}

export function expectRows(fields: readonly Field[], rows: readonly Row[], ser: Serialization): unknown[][] {
  const cols = compileColumns(fields);
  return rows.map((r) => cols.map((c, i) => expectCell(c, r[i], ser)));
}

/** Deep equality where NaN equals NaN, -0 equals 0, and bigints compare by value. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b || (a !== a && b !== b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}

export function describeDifference(got: unknown[][], want: unknown[][], fields: readonly Field[]): string | undefined {
  if (got.length !== want.length) return `${got.length} rows read, ${want.length} expected`;
  for (let r = 0; r < want.length; r++) {
    for (let c = 0; c < fields.length; c++) {
      if (!sameValue(got[r]![c], want[r]![c])) {
        return `row ${r}, field ${fields[c]!.name} (${fields[c]!.datatype} ${fields[c]!.arraysize ?? ""}): got ${show(got[r]![c])}, want ${show(want[r]![c])}`;
      }
    }
  }
  return undefined;
}

export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === "bigint" ? `${x}n` : typeof x === "number" && !Number.isFinite(x) ? String(x) : x,
  );
}
