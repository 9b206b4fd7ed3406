import { VOTableError } from "./errors.js";

/** VOTable 1.4 §2.1, Table 1: the primitive datatypes. */
export type Datatype =
  | "boolean"
  | "bit"
  | "unsignedByte"
  | "short"
  | "int"
  | "long"
  | "char"
  | "unicodeChar"
  | "float"
  | "double"
  | "floatComplex"
  | "doubleComplex";

export const DATATYPES: readonly Datatype[] = [
  "boolean",
  "bit",
  "unsignedByte",
  "short",
  "int",
  "long",
  "char",
  "unicodeChar",
  "float",
  "double",
  "floatComplex",
  "doubleComplex",
];

/** The metadata of one column: what a VOTable FIELD says (VOTable 1.4 §4). */
export interface Field {
  name: string;
  datatype: Datatype;
  /** VOTable 1.4 §2.2: "10", "*", "10*", "2x3*"... Absent for a scalar. */
  arraysize?: string;
  ID?: string;
  ucd?: string;
  unit?: string;
  utype?: string;
  /** DALI 1.2 §3: "timestamp", "point", "circle", "polygon"... */
  xtype?: string;
  ref?: string;
  width?: number;
  precision?: string;
  description?: string;
  /**
   * The magic value of `<VALUES null="...">` (VOTable 1.4 §4.7), for integer datatypes. When absent, the BINARY
   * serialization picks one (see README); TABLEDATA and BINARY2 need none.
   */
  nullValue?: number | bigint | string;
}

/** An INFO element (VOTable 1.4 §4.8). `content` is the optional element text. */
export interface Info {
  name: string;
  value: string;
  content?: string;
  ID?: string;
  ucd?: string;
  utype?: string;
  unit?: string;
  xtype?: string;
}

export interface TableMeta {
  name?: string;
  ID?: string;
  ucd?: string;
  utype?: string;
  description?: string;
  nrows?: number;
}

export interface ResourceMeta {
  name?: string;
  ID?: string;
  utype?: string;
  type?: "results" | "meta";
  description?: string;
}

/** A complex number as [real, imaginary]. */
export type Complex = readonly [number, number];

/**
 * What a cell holds, by datatype, for a scalar field (arrays hold arrays of the same, strings hold strings):
 * boolean and bit: boolean; unsignedByte, short, int, float, double: number; long: bigint (a safe-integer number is
 * accepted on write); char and unicodeChar: string (a Date too, for xtype="timestamp"); the complex types: Complex.
 * `null` is a null cell (`undefined` is accepted on write).
 */
export type CellValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Date
  | Complex
  | readonly boolean[]
  | readonly number[]
  | readonly bigint[]
  | readonly string[]
  | readonly Complex[]
  | ArrayLike<number>
  | ArrayLike<bigint>;

/** One table row: one cell per field, in field order. */
export type Row = readonly unknown[];

/**
 * The shape of a cell, from `arraysize` (VOTable 1.4 §2.2). `dims` lists every dimension, first (fastest varying)
 * first; when `variable` is set the last dimension is the variable one and `dims` holds its upper bound (or
 * `undefined` for `*`).
 */
export interface Shape {
  readonly scalar: boolean;
  readonly dims: readonly (number | undefined)[];
  readonly variable: boolean;
  /** Product of the fixed dimensions: the size of one slice of the variable dimension. */
  readonly sliceSize: number;
  /** Upper bound on the number of slices of a variable array, when declared (`10*`). */
  readonly maxSlices: number | undefined;
  /** Total element count of a fixed array (1 for a scalar), `undefined` when variable. */
  readonly count: number | undefined;
}

const ARRAYSIZE = /^(?:(\d+)x)*(\d+)?\*?$/;

export function parseArraysize(arraysize: string | undefined, where = "arraysize"): Shape {
  if (arraysize === undefined || arraysize === "") {
    return { scalar: true, dims: [], variable: false, sliceSize: 1, maxSlices: undefined, count: 1 };
  }
  const text = arraysize.trim();
  if (!ARRAYSIZE.test(text) || text === "") {
    throw new VOTableError("VOTABLE_INVALID_FIELD", `${where}: bad arraysize "${arraysize}"`);
  }
  const variable = text.endsWith("*");
  const parts = (variable ? text.slice(0, -1) : text).split("x");
  const dims: (number | undefined)[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (p === "") {
      // Only the last, variable dimension may be left open ("*" or "3x*").
      if (!(variable && i === parts.length - 1)) {
        throw new VOTableError("VOTABLE_INVALID_FIELD", `${where}: bad arraysize "${arraysize}"`);
      }
      dims.push(undefined);
    } else {
      const n = Number(p);
      if (!Number.isSafeInteger(n) || (n === 0 && !(variable && i === parts.length - 1))) {
        throw new VOTableError("VOTABLE_INVALID_FIELD", `${where}: bad dimension "${p}" in arraysize "${arraysize}"`);
      }
      dims.push(n);
    }
  }
  const fixedDims = variable ? dims.slice(0, -1) : dims;
  let sliceSize = 1;
  for (const d of fixedDims) sliceSize *= d as number;
  if (variable) {
    return { scalar: false, dims, variable, sliceSize, maxSlices: dims[dims.length - 1], count: undefined };
  }
  return { scalar: false, dims, variable, sliceSize, maxSlices: undefined, count: sliceSize };
}

export function isIntegerType(t: Datatype): t is "unsignedByte" | "short" | "int" | "long" {
  return t === "unsignedByte" || t === "short" || t === "int" || t === "long";
}

export function isComplexType(t: Datatype): t is "floatComplex" | "doubleComplex" {
  return t === "floatComplex" || t === "doubleComplex";
}

export function isCharType(t: Datatype): t is "char" | "unicodeChar" {
  return t === "char" || t === "unicodeChar";
}

/** Field builders for the DALI 1.2 §3 xtypes, with the metadata DALI requires. */
export function timestampField(name: string, extra: Partial<Field> = {}): Field {
  return { ...extra, name, datatype: "char", arraysize: "*", xtype: "timestamp" };
}

export function pointField(name: string, extra: Partial<Field> = {}): Field {
  return { unit: "deg", ...extra, name, datatype: "double", arraysize: "2", xtype: "point" };
}

export function circleField(name: string, extra: Partial<Field> = {}): Field {
  return { unit: "deg", ...extra, name, datatype: "double", arraysize: "3", xtype: "circle" };
}

export function polygonField(name: string, extra: Partial<Field> = {}): Field {
  return { unit: "deg", ...extra, name, datatype: "double", arraysize: "*", xtype: "polygon" };
}

/**
 * One OPTION of a VALUES element (VOTable 1.4 §4.7): a value, with an optional label, and nested options for
 * hierarchical choices.
 */
export interface OptionMeta {
  value: string;
  name?: string;
  options?: readonly OptionMeta[];
}

/**
 * A VALUES element that describes a domain (VOTable 1.4 §4.7): MIN and MAX (inclusive unless said otherwise) and
 * OPTIONs. DataLink 1.1 §4.3 and SODA 1.0 §4.3 use it to tell clients the useful range of a service parameter; SODA
 * writes the bounds of the CIRCLE and POLYGON xtypes as blank-separated numbers in MAX. Values are written as given.
 */
export interface ValuesMeta {
  min?: string;
  minInclusive?: boolean;
  max?: string;
  maxInclusive?: boolean;
  options?: readonly OptionMeta[];
}

/**
 * A PARAM (VOTable 1.4 §4.3): a FIELD's metadata with a value. `ref` names the ID of a FIELD (or PARAM) elsewhere in
 * the document; DataLink 1.1 §4.3 uses it for a service parameter whose value comes from a result column (and then
 * `value` is "").
 */
export interface ParamMeta {
  name: string;
  datatype: Datatype;
  value: string;
  arraysize?: string;
  ID?: string;
  ucd?: string;
  unit?: string;
  utype?: string;
  xtype?: string;
  ref?: string;
  description?: string;
  values?: ValuesMeta;
}

/** A GROUP of PARAMs (VOTable 1.4 §4.6), such as DataLink's `inputParams`. */
export interface GroupMeta {
  name?: string;
  ID?: string;
  ucd?: string;
  utype?: string;
  description?: string;
  params?: readonly ParamMeta[];
  groups?: readonly GroupMeta[];
}

/**
 * A RESOURCE type="meta" written after the results RESOURCE: no table, only metadata. DataLink 1.1 §4 service
 * descriptors are such resources with `utype="adhoc:service"`, PARAMs (accessURL, standardID, …) and a GROUP
 * `inputParams`.
 */
export interface MetaResource {
  name?: string;
  ID?: string;
  utype?: string;
  description?: string;
  infos?: readonly Info[];
  params?: readonly ParamMeta[];
  groups?: readonly GroupMeta[];
}
