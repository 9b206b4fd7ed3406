/**
 * Cell values as text (VOTable 1.4 §6, the TABLEDATA forms), shared by TABLEDATA, CSV and TSV. A formatter returns
 * the unescaped text of a cell, or null for a null cell; the caller escapes for its own syntax.
 */
import type { Column } from "../column.js";
import { formatDouble, formatFloat } from "../format.js";
import { xmlSafe } from "../xml.js";
import {
  invalid,
  toArray,
  toBoolean,
  toComplex,
  toDouble,
  toInt,
  toLong,
  toText,
  truncateUtf16,
  truncateUtf8,
} from "./values.js";

export type CellFormatter = (v: unknown) => string | null;

export interface TextStyle {
  /** TABLEDATA uses "T"/"F" (compact, what astropy and STIL write); CSV and TSV use "true"/"false". */
  readonly booleans: "TF" | "truefalse";
  /** The text goes into XML: multi-dimensional strings are made XML-safe before they are padded to their storage. */
  readonly xml?: boolean;
}

type ElementFormatter = (v: unknown) => string;

export function textFormatter(col: Column, style: TextStyle): CellFormatter {
  if (col.strings) return stringFormatter(col, style.xml === true);
  const element = elementFormatter(col, style);
  if (col.shape.scalar) {
    if (col.datatype === "bit") {
      return (v) => {
        const b = toBoolean(col, v);
        return b === null ? null : b ? "1" : "0";
      };
    }
    return (v) => (v === null || v === undefined ? null : element(v));
  }
  // VOTable 1.4 §5.1: array elements are separated by whitespace. For bits §6 only says "a sequence of 0 and 1";
  // separating them too is what astropy needs for variable bit arrays, and every reader strips the blanks.
  const sep = " ";
  return (v) => {
    const a = toArray(col, v);
    if (a === null) return null;
    let out = "";
    for (let i = 0; i < a.length; i++) out += (i === 0 ? "" : sep) + element(a[i]);
    return out;
  };
}

function elementFormatter(col: Column, style: TextStyle): ElementFormatter {
  // Inside an array a null element can only be a magic value (VOTable 1.4 §5.5) or NaN.
  const magic = col.nullValue !== undefined ? String(col.nullValue) : undefined;
  const nullElement = (): string => magic ?? invalid(col, "a null array element needs a declared nullValue");
  switch (col.datatype) {
    case "boolean": {
      const [t, f] = style.booleans === "TF" ? ["T", "F"] : ["true", "false"];
      return (v) => {
        const b = toBoolean(col, v);
        return b === null ? "?" : b ? t : f;
      };
    }
    case "bit":
      return (v) => {
        const b = toBoolean(col, v);
        return b === null ? invalid(col, "bits cannot be null") : b ? "1" : "0";
      };
    case "unsignedByte":
    case "short":
    case "int":
      return (v) => {
        if (typeof v === "number" && Number.isInteger(v)) {
          const n = toInt(col, v) as number;
          return String(n);
        }
        const n = toInt(col, v);
        return n === null ? nullElement() : String(n);
      };
    case "long":
      return (v) => {
        const b = toLong(col, v);
        return b === null ? nullElement() : b.toString();
      };
    case "float":
      return (v) => {
        const x = toDouble(col, v);
        return x === null ? (magic ?? "NaN") : formatFloat(x);
      };
    case "double":
      return (v) => {
        const x = typeof v === "number" ? v : toDouble(col, v);
        return x === null ? (magic ?? "NaN") : formatDouble(x);
      };
    case "floatComplex":
    case "doubleComplex": {
      const fmt = col.datatype === "floatComplex" ? formatFloat : formatDouble;
      return (v) => {
        const c = toComplex(col, v);
        return c === null ? "NaN NaN" : fmt(c[0]) + " " + fmt(c[1]);
      };
    }
    default:
      return (v) => toText(col, v) ?? "";
  }
}

function stringFormatter(col: Column, xml: boolean): CellFormatter {
  const layout = col.strings!;
  const utf8 = col.datatype === "char";
  const storage = layout.storage;
  if (!layout.multi) {
    if (storage === undefined) return (v) => toText(col, v);
    const cut = utf8 ? truncateUtf8 : truncateUtf16;
    return (v) => {
      const s = toText(col, v);
      return s === null ? null : cut(s, storage);
    };
  }
  // Multi-dimensional char (VOTable 1.4 §2.2): fixed-storage strings, each padded with blanks as in the §5.1 example
  // (a NUL cannot appear in XML). Replacing forbidden characters after padding would shift the storage boundaries.
  const width = storage as number;
  const stringsPerSlice = col.shape.sliceSize / width;
  const total = col.shape.count === undefined ? undefined : col.shape.count / width;
  return (v) => {
    const a = toArray(col, v, stringsPerSlice, total);
    if (a === null) return null;
    let out = "";
    for (let i = 0; i < a.length; i++) {
      const s = toText(col, a[i]) ?? "";
      out += padString(xml ? xmlSafe(s) : s, width, utf8);
    }
    return out;
  };
}

function padString(s: string, width: number, utf8: boolean): string {
  const cut = utf8 ? truncateUtf8(s, width) : truncateUtf16(s, width);
  const used = utf8 ? Buffer.byteLength(cut, "utf8") : cut.length;
  return used >= width ? cut : cut + " ".repeat(width - used);
}
