/**
 * TABLEDATA cell text to values (VOTable 1.4 §5.1 and §6). An empty TD is null (§5.1); so is whitespace for
 * non-string types. A value equal to the field's VALUES null is null (§5.5: "must always be respected").
 * Parsers throw a plain Error with the reason; the reader adds the position.
 */
import type { Column } from "../column.js";
import { INT_RANGE, LONG_MAX, LONG_MIN } from "../column.js";

export type CellParser = (text: string) => unknown;

export class CellError extends Error {}

const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT_TEXT = /^[+-]?\d+$/;
const HEX_TEXT = /^0[xX][0-9a-fA-F]+$/;
const SPACE = /\s+/;

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

export function parseFloatText(t: string): number {
  if (FLOAT_TEXT.test(t)) return Number(t);
  // §6 names "+Inf", "-Inf" and "NaN"; other writers use other capitalisations and "Infinity".
  switch (t.toLowerCase()) {
    case "nan":
      return NaN;
    case "inf":
    case "+inf":
    case "infinity":
    case "+infinity":
      return Infinity;
    case "-inf":
    case "-infinity":
      return -Infinity;
  }
  throw new CellError(`not a number: "${clip(t)}"`);
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}

function intParser(col: Column): (t: string) => number | null {
  const [lo, hi] = INT_RANGE[col.datatype as keyof typeof INT_RANGE];
  const bits = col.datatype === "short" ? 16 : col.datatype === "int" ? 32 : 8;
  const magic = col.nullValue;
  return (t) => {
    let n: number;
    if (INT_TEXT.test(t)) n = Number(t);
    else if (HEX_TEXT.test(t) && t.length - 2 <= bits / 4) {
      // §6: the hexadecimal form gives the bits, so 0xFFFF is -1 for a short.
      const raw = parseInt(t.slice(2), 16);
      n = col.datatype === "unsignedByte" ? raw : raw >= 2 ** (bits - 1) ? raw - 2 ** bits : raw;
    } else throw new CellError(`not an integer: "${clip(t)}"`);
    if (n < lo || n > hi) throw new CellError(`${t} is out of range for ${col.datatype}`);
    return n === magic ? null : n;
  };
}

function longParser(col: Column): (t: string) => bigint | null {
  const magic = col.nullValue;
  return (t) => {
    let b: bigint;
    if (INT_TEXT.test(t)) b = BigInt(t);
    else if (HEX_TEXT.test(t) && t.length - 2 <= 16) b = BigInt.asIntN(64, BigInt(t));
    else throw new CellError(`not an integer: "${clip(t)}"`);
    if (b < LONG_MIN || b > LONG_MAX) throw new CellError(`${t} is out of range for long`);
    return b === magic ? null : b;
  };
}

function elementParser(col: Column): (t: string) => unknown {
  switch (col.datatype) {
    case "boolean":
      return (t) => {
        switch (t.toLowerCase()) {
          case "t":
          case "true":
          case "1":
            return true;
          case "f":
          case "false":
          case "0":
            return false;
          case "?":
          case "":
            return null;
        }
        throw new CellError(`not a boolean: "${clip(t)}"`);
      };
    case "bit":
      return (t) => {
        if (t === "1") return true;
        if (t === "0") return false;
        throw new CellError(`not a bit: "${clip(t)}"`);
      };
    case "unsignedByte":
    case "short":
    case "int":
      return intParser(col);
    case "long":
      return longParser(col);
    case "float":
    case "double": {
      const magic = col.nullValue;
      const single = col.datatype === "float";
      return (t) => {
        const x = single ? Math.fround(parseFloatText(t)) : parseFloatText(t);
        return magic !== undefined && x === magic ? null : x;
      };
    }
    default:
      throw new Error(`unreachable: ${col.datatype}`);
  }
}

export function cellParser(col: Column): CellParser {
  if (col.strings) return stringParser(col);
  const shape = col.shape;
  if (col.datatype === "floatComplex" || col.datatype === "doubleComplex") return complexParser(col);
  const element = elementParser(col);
  if (shape.scalar) return (text) => (isBlank(text) ? null : element(text.trim()));
  if (col.datatype === "bit") {
    // §6: a bit array is a run of 0 and 1 characters; writers also separate them with blanks.
    return (text) => {
      const t = text.replace(/\s+/g, "");
      if (t === "") return null;
      checkCount(col, t.length);
      const out: boolean[] = new Array<boolean>(t.length);
      for (let i = 0; i < t.length; i++) out[i] = element(t[i]!) as boolean;
      return out;
    };
  }
  return (text) => {
    if (isBlank(text)) return null;
    const parts = text.trim().split(SPACE);
    checkCount(col, parts.length);
    const out = new Array<unknown>(parts.length);
    for (let i = 0; i < parts.length; i++) out[i] = element(parts[i]!);
    return out;
  };
}

/**
 * Checks an array's element count against arraysize. `count` says n elements in the message: a complex array's
 * elements are complex values, each two numbers in the TD (§2.2, §6), and a count of values alone would read as
 * half the numbers the client wrote.
 */
function checkCount(
  col: Column,
  n: number,
  per = col.shape.sliceSize,
  total = col.shape.count,
  count: (n: number) => string = (k) => `${k} values`,
): void {
  const s = col.shape;
  if (!s.variable) {
    if (n !== total) throw new CellError(`expected ${count(total!)}, got ${count(n)}`);
    return;
  }
  if (n % per !== 0) throw new CellError(`${count(n)} is not a multiple of ${per}`);
  if (s.maxSlices !== undefined && n > s.maxSlices * per) {
    throw new CellError(`${count(n)} exceed arraysize "${col.field.arraysize}"`);
  }
}

/** "2 complex values (4 numbers)": what a complex array holds, and what the TD has. */
function complexCount(n: number): string {
  return `${n} complex value${n === 1 ? "" : "s"} (${2 * n} numbers)`;
}

/**
 * §6: a complex value is two numbers, real then imaginary, so a complex array of arraysize n is 2n numbers in its
 * TD (§5.1: numbers separated by whitespace). Cells are [real, imaginary] pairs, and a complex array is an array of
 * pairs, as the writers take them.
 */
function complexParser(col: Column): CellParser {
  const single = col.datatype === "floatComplex";
  const num = (t: string): number => (single ? Math.fround(parseFloatText(t)) : parseFloatText(t));
  const scalar = col.shape.scalar;
  return (text) => {
    if (isBlank(text)) return null;
    const parts = text.trim().split(SPACE);
    // astropy writes a null complex as a single "NaN".
    if (scalar && parts.length === 1 && parts[0]!.toLowerCase() === "nan") return [NaN, NaN];
    if (scalar && parts.length !== 2) {
      throw new CellError(`a ${col.datatype} is two numbers, real and imaginary, not ${parts.length}`);
    }
    if (parts.length % 2 !== 0) {
      throw new CellError(`${parts.length} numbers are not whole ${col.datatype} values, each two numbers (real and imaginary)`);
    }
    if (!scalar) checkCount(col, parts.length / 2, undefined, undefined, complexCount);
    const pairs: [number, number][] = new Array<[number, number]>(parts.length / 2);
    for (let i = 0; i < parts.length; i += 2) pairs[i / 2] = [num(parts[i]!), num(parts[i + 1]!)];
    return scalar ? pairs[0] : pairs;
  };
}

function stringParser(col: Column): CellParser {
  const layout = col.strings!;
  if (!layout.multi) return (text) => (text === "" ? null : text);
  // Multi-dimensional char: fixed-storage strings padded with blanks (the writer's TABLEDATA form).
  const width = layout.storage as number;
  const perSlice = col.shape.sliceSize / width;
  const total = col.shape.count === undefined ? undefined : col.shape.count / width;
  const utf8 = col.datatype === "char";
  return (text) => {
    if (text === "") return null;
    const out: string[] = [];
    if (utf8) {
      const bytes = Buffer.from(text, "utf8");
      for (let i = 0; i < bytes.length; i += width) out.push(trimPad(bytes.toString("utf8", i, Math.min(i + width, bytes.length))));
    } else {
      for (let i = 0; i < text.length; i += width) out.push(trimPad(text.slice(i, i + width)));
    }
    checkCount(col, out.length, perSlice, total);
    return out;
  };
}

function trimPad(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0)) end--;
  return s.slice(0, end);
}
