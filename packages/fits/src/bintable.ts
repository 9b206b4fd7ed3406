/**
 * The little of binary tables (FITS 4.0 §7.3) that images need: the columns of a tile-compressed image
 * (COMPRESSED_DATA descriptors, ZSCALE, ZZERO, ZBLANK) and of Rubin's INDEX HDU.
 */
import { FitsError } from "./errors.js";
import type { Header } from "./header.js";

export interface Column {
  /** 1-based column number. */
  n: number;
  name: string;
  type: string;
  repeat: number;
  /** Byte offset in the row. */
  offset: number;
  width: number;
}

const WIDTH: Record<string, number> = { L: 1, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16, P: 8, Q: 16 };

export function tableColumns(header: Header, hdu: number): { columns: Column[]; rowBytes: number; rows: number } {
  const tfields = header.number("TFIELDS") ?? 0;
  if (!Number.isInteger(tfields) || tfields < 0 || tfields > 999) {
    throw new FitsError("FITS_BAD_HEADER", `TFIELDS = ${tfields} is not in 0..999`, { hdu, card: "TFIELDS" });
  }
  const columns: Column[] = [];
  let offset = 0;
  for (let n = 1; n <= tfields; n++) {
    const tform = header.string(`TFORM${n}`);
    const m = tform === undefined ? null : /^\s*(\d*)([LXBIJKAEDCMPQ])/.exec(tform);
    if (!m) throw new FitsError("FITS_BAD_HEADER", `TFORM${n} = ${JSON.stringify(tform)} is not a binary table format`, { hdu, card: `TFORM${n}` });
    const repeat = m[1] === "" ? 1 : Number(m[1]);
    const type = m[2]!;
    const width = type === "X" ? Math.ceil(repeat / 8) : repeat * WIDTH[type]!;
    columns.push({ n, name: (header.string(`TTYPE${n}`) ?? "").trim(), type, repeat, offset, width });
    offset += width;
  }
  const rowBytes = header.number("NAXIS1") ?? 0;
  if (offset !== rowBytes) {
    throw new FitsError("FITS_BAD_HEADER", `the TFORMn add up to ${offset} bytes, NAXIS1 says ${rowBytes}`, { hdu, card: "NAXIS1" });
  }
  return { columns, rowBytes, rows: header.number("NAXIS2") ?? 0 };
}

export function findColumn(columns: readonly Column[], name: string): Column | undefined {
  return columns.find((c) => c.name.toUpperCase() === name);
}

/** A scalar cell (the first element of the column), as a number, bigint, boolean or string. */
export function cell(row: DataView, col: Column): number | bigint | boolean | string {
  const o = col.offset;
  switch (col.type) {
    case "L":
      return row.getUint8(o) === 0x54;
    case "B":
      return row.getUint8(o);
    case "I":
      return row.getInt16(o);
    case "J":
      return row.getInt32(o);
    case "K": {
      const v = row.getBigInt64(o);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case "E":
      return row.getFloat32(o);
    case "D":
      return row.getFloat64(o);
    case "A": {
      let s = "";
      for (let k = 0; k < col.repeat; k++) {
        const c = row.getUint8(o + k);
        if (c === 0) break;
        s += String.fromCharCode(c);
      }
      return s.replace(/ +$/, "");
    }
    default:
      throw new FitsError("FITS_UNSUPPORTED", `column ${col.name} of type ${col.type} read as a scalar`);
  }
}

/** A variable-length array descriptor (P: two int32, Q: two int64): element count and heap offset. */
export function descriptor(row: DataView, col: Column): { count: number; offset: number } {
  if (col.type === "P") return { count: row.getInt32(col.offset), offset: row.getInt32(col.offset + 4) };
  if (col.type === "Q") {
    return { count: Number(row.getBigInt64(col.offset)), offset: Number(row.getBigInt64(col.offset + 8)) };
  }
  throw new FitsError("FITS_BAD_HEADER", `column ${col.name} is not a variable-length array (P or Q)`);
}

/** The element type of a P or Q column: TFORMn = 1PB(max) → "B". */
export function arrayElementType(header: Header, col: Column): string {
  const m = /^\s*\d*[PQ]([LXBIJKAEDCM])/.exec(header.string(`TFORM${col.n}`) ?? "");
  return m ? m[1]! : "";
}
