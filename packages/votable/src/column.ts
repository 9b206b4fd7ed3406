import { VOTableError } from "./errors.js";
import type { Datatype, Field, Shape } from "./model.js";
import { DATATYPES, isCharType, isIntegerType, parseArraysize } from "./model.js";
import { isNCName } from "./xml.js";

/**
 * A field checked once and reduced to what the encoders and decoders need, so that the per-row code does no
 * parsing of metadata.
 */
export interface Column {
  readonly field: Field;
  readonly index: number;
  readonly datatype: Datatype;
  readonly shape: Shape;
  /** For char types: the strings are `count` strings of `storage` units each, or a single string. */
  readonly strings: StringLayout | undefined;
  /** The declared VALUES null, parsed for the datatype (number, or bigint for long). */
  readonly nullValue: number | bigint | undefined;
  /** The size in bytes of one element in BINARY (complex: both parts; bit: see binary encoder). */
  readonly elementBytes: number;
}

export interface StringLayout {
  /** One string per cell (1-D or scalar char), or an array of strings (multi-dimensional char). */
  readonly multi: boolean;
  /** Storage units per string (UTF-8 bytes for char, UTF-16 code units for unicodeChar); undefined for `*`. */
  readonly storage: number | undefined;
  /** For a single string: whether its length is variable (arraysize ends with `*`). */
  readonly variable: boolean;
}

export const ELEMENT_BYTES: Record<Datatype, number> = {
  boolean: 1,
  bit: 1,
  unsignedByte: 1,
  short: 2,
  int: 4,
  long: 8,
  char: 1,
  unicodeChar: 2,
  float: 4,
  double: 8,
  floatComplex: 8,
  doubleComplex: 16,
};

export const INT_RANGE = {
  unsignedByte: [0, 255],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
} as const;

export const LONG_MIN = -(2n ** 63n);
export const LONG_MAX = 2n ** 63n - 1n;

export function compileColumns(fields: readonly Field[], errorCode: "VOTABLE_INVALID_FIELD" | "VOTABLE_BAD_FIELD" = "VOTABLE_INVALID_FIELD"): Column[] {
  const ids = new Set<string>();
  return fields.map((field, index) => {
    try {
      return compileColumn(field, index, ids);
    } catch (err) {
      if (err instanceof VOTableError && errorCode !== err.code) {
        throw new VOTableError(errorCode, err.message, { field: field?.name, cause: err });
      }
      throw err;
    }
  });
}

function compileColumn(field: Field, index: number, ids: Set<string>): Column {
  const where = `field ${index + 1}${field && typeof field.name === "string" ? ` "${field.name}"` : ""}`;
  const fail = (msg: string): never => {
    throw new VOTableError("VOTABLE_INVALID_FIELD", `${where}: ${msg}`, { field: field?.name });
  };
  if (field === null || typeof field !== "object") fail("not an object");
  if (typeof field.name !== "string" || field.name === "") fail("a name is required");
  if (!DATATYPES.includes(field.datatype)) fail(`unknown datatype "${String(field.datatype)}"`);
  if (field.ID !== undefined) {
    if (!isNCName(field.ID)) fail(`ID "${field.ID}" is not an XML NCName`);
    if (ids.has(field.ID)) fail(`ID "${field.ID}" is not unique`);
    ids.add(field.ID);
  }
  if (field.width !== undefined && !(Number.isSafeInteger(field.width) && field.width > 0)) {
    fail("width must be a positive integer");
  }
  if (field.precision !== undefined && !/^[EF]?[0-9]+$/.test(field.precision)) fail("bad precision");
  const shape = parseArraysize(field.arraysize, where);
  const datatype = field.datatype;
  let strings: StringLayout | undefined;
  if (isCharType(datatype)) {
    if (shape.scalar) strings = { multi: false, storage: 1, variable: false };
    else if (shape.dims.length === 1) {
      strings = { multi: false, storage: shape.variable ? shape.maxSlices : shape.count, variable: shape.variable };
    } else {
      // VOTable 1.4 §2.2: the first dimension is the storage of each string, and must be fixed.
      const first = shape.dims[0];
      if (first === undefined || first === 0) fail("the first dimension of a char array must be fixed");
      strings = { multi: true, storage: first, variable: shape.variable };
    }
  }
  let nullValue: number | bigint | undefined;
  if (field.nullValue !== undefined && field.nullValue !== null) {
    if (!isIntegerType(datatype) && datatype !== "float" && datatype !== "double") {
      fail(`a null value is only meaningful for numeric datatypes, not ${datatype}`);
    }
    nullValue = parseNullValue(datatype, field.nullValue, fail);
  }
  return { field, index, datatype, shape, strings, nullValue, elementBytes: ELEMENT_BYTES[datatype] };
}

function parseNullValue(datatype: Datatype, v: number | bigint | string, fail: (m: string) => never): number | bigint {
  if (datatype === "long") {
    let b: bigint;
    try {
      b = typeof v === "bigint" ? v : typeof v === "number" ? BigInt(v) : parseIntegerText(v.trim(), 64);
    } catch {
      return fail(`bad null value "${String(v)}"`);
    }
    if (b < LONG_MIN || b > LONG_MAX) fail(`null value ${b} out of range`);
    return b;
  }
  if (datatype === "float" || datatype === "double") {
    const n = typeof v === "string" ? Number(v) : Number(v);
    if (Number.isNaN(n) && String(v) !== "NaN") fail(`bad null value "${String(v)}"`);
    return datatype === "float" ? Math.fround(n) : n;
  }
  const range = INT_RANGE[datatype as keyof typeof INT_RANGE];
  let n: number;
  if (typeof v === "string") {
    try {
      const bits = datatype === "short" ? 16 : datatype === "int" ? 32 : 8;
      n = Number(parseIntegerText(v.trim(), bits, datatype === "unsignedByte"));
    } catch {
      return fail(`bad null value "${v}"`);
    }
  } else n = Number(v);
  if (!Number.isInteger(n) || n < range[0] || n > range[1]) fail(`null value ${String(v)} out of range for ${datatype}`);
  return n;
}

/**
 * VOTable 1.4 §6: an integer is decimal with an optional sign, or "0x" and hex digits, which give the bits
 * (so 0xFFFF is -1 for a short).
 */
export function parseIntegerText(s: string, bits: number, unsigned = false): bigint {
  if (/^[+-]?[0-9]+$/.test(s)) return BigInt(s);
  const m = /^0[xX]([0-9a-fA-F]+)$/.exec(s);
  if (m && m[1]!.length <= bits / 4) {
    const raw = BigInt("0x" + m[1]);
    return unsigned ? raw : BigInt.asIntN(bits, raw);
  }
  throw new SyntaxError(`not an integer: "${s}"`);
}

/** The default magic null for BINARY, where integers have no other way to be null (VOTable 1.4 §5.5). */
export function defaultBinaryNull(datatype: Datatype): number | bigint | undefined {
  switch (datatype) {
    case "unsignedByte":
      return 255;
    case "short":
      return -32768;
    case "int":
      return -2147483648;
    case "long":
      return LONG_MIN;
    default:
      return undefined;
  }
}
