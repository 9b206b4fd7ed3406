/**
 * BINARY and BINARY2 rows from decoded bytes (VOTable 1.4 §5.3, §5.4). Bytes arrive in arbitrary pieces; whole rows
 * are decoded as soon as they are complete and the tail of an incomplete row is carried to the next piece.
 */
import type { Column } from "../column.js";
import type { Row } from "../model.js";
import type { Base64Piece } from "./base64.js";
import { verifyDecoded } from "./base64.js";

/** Decodes one cell at `pos`; returns the position after it, or -1 if the bytes end before the cell does. */
type CellDecoder = (buf: Buffer, view: DataView, pos: number, end: number, out: unknown[], i: number) => number;

export class BinaryDataError extends Error {
  constructor(
    message: string,
    readonly code: "VOTABLE_BAD_VALUE" | "VOTABLE_LIMIT_ARRAY" = "VOTABLE_BAD_VALUE",
  ) {
    super(message);
  }
}

const INCOMPLETE = -1;

export interface BinaryLimits {
  /** Largest element count accepted from a variable-length array's prefix. */
  readonly maxArrayLength: number;
}

export class BinaryRowDecoder {
  private readonly decoders: CellDecoder[];
  private readonly flagBytes: number;
  private readonly n: number;

  constructor(columns: readonly Column[], nullFlags: boolean, limits: BinaryLimits) {
    this.n = columns.length;
    this.flagBytes = nullFlags ? (columns.length + 7) >> 3 : 0;
    this.decoders = columns.map((c) => cellDecoder(c, limits));
  }

  /** Bytes of an incomplete row waiting for the next piece. */
  get pending(): number {
    return this.len;
  }

  /** Row bytes: the tail of an incomplete row, then the newly decoded bytes. */
  private work: Buffer = Buffer.allocUnsafe(64 * 1024);
  private len = 0;

  /**
   * Decodes base64 straight after the bytes carried over (Buffer#write with "base64" writes into place, so there
   * is no concatenation), checks it, then decodes the complete rows.
   */
  pushBase64(piece: Base64Piece, emit: (row: Row) => void): void {
    this.ensure(this.len + piece.bytes);
    const written = this.work.write(piece.body, this.len, "base64");
    verifyDecoded(piece, written);
    this.len += written;
    this.decodeRows(emit);
  }

  /** Appends raw bytes (for tests and other sources) and decodes the complete rows. */
  push(bytes: Uint8Array, emit: (row: Row) => void): void {
    this.ensure(this.len + bytes.length);
    this.work.set(bytes, this.len);
    this.len += bytes.length;
    this.decodeRows(emit);
  }

  private ensure(size: number): void {
    if (size <= this.work.length) return;
    const next = Buffer.allocUnsafe(Math.max(size, this.work.length * 2));
    this.work.copy(next, 0, 0, this.len);
    this.work = next;
  }

  private decodeRows(emit: (row: Row) => void): void {
    const buf = this.work;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    const end = this.len;
    const decoders = this.decoders;
    const n = this.n;
    const flagBytes = this.flagBytes;
    let pos = 0;
    while (pos < end) {
      const row = new Array<unknown>(n);
      let p = pos;
      if (flagBytes > 0) {
        if (p + flagBytes > end) break;
        p += flagBytes;
      }
      for (let i = 0; i < n && p !== INCOMPLETE; i++) {
        p = decoders[i]!(buf, view, p, end, row, i);
      }
      if (p === INCOMPLETE) break;
      if (flagBytes > 0) {
        // §5.4: a set bit, most significant first, marks a null cell; its bytes are there but meaningless.
        for (let i = 0; i < n; i++) if (buf[pos + (i >> 3)]! & (0x80 >> (i & 7))) row[i] = null;
      }
      pos = p;
      emit(row);
    }
    // Keep the incomplete row at the front for the next piece.
    if (pos > 0) {
      buf.copy(buf, 0, pos, end);
      this.len = end - pos;
    }
  }
}

function need(pos: number, n: number, end: number): boolean {
  return pos + n <= end;
}

function scalarDecoder(col: Column): CellDecoder {
  const magic = col.nullValue;
  switch (col.datatype) {
    case "boolean":
      return (buf, _v, pos, end, out, i) => {
        if (pos >= end) return INCOMPLETE;
        out[i] = booleanByte(buf[pos]!);
        return pos + 1;
      };
    case "bit":
      return (buf, _v, pos, end, out, i) => {
        if (pos >= end) return INCOMPLETE;
        out[i] = (buf[pos]! & 0x80) !== 0;
        return pos + 1;
      };
    case "unsignedByte":
      return (buf, _v, pos, end, out, i) => {
        if (pos >= end) return INCOMPLETE;
        const x = buf[pos]!;
        out[i] = x === magic ? null : x;
        return pos + 1;
      };
    case "short":
      return (_b, view, pos, end, out, i) => {
        if (!need(pos, 2, end)) return INCOMPLETE;
        const x = view.getInt16(pos);
        out[i] = x === magic ? null : x;
        return pos + 2;
      };
    case "int":
      return (_b, view, pos, end, out, i) => {
        if (!need(pos, 4, end)) return INCOMPLETE;
        const x = view.getInt32(pos);
        out[i] = x === magic ? null : x;
        return pos + 4;
      };
    case "long":
      return (_b, view, pos, end, out, i) => {
        if (!need(pos, 8, end)) return INCOMPLETE;
        const x = view.getBigInt64(pos);
        out[i] = x === magic ? null : x;
        return pos + 8;
      };
    case "float":
      return (_b, view, pos, end, out, i) => {
        if (!need(pos, 4, end)) return INCOMPLETE;
        const x = view.getFloat32(pos);
        out[i] = magic !== undefined && x === magic ? null : x;
        return pos + 4;
      };
    case "double":
      return (_b, view, pos, end, out, i) => {
        if (!need(pos, 8, end)) return INCOMPLETE;
        const x = view.getFloat64(pos);
        out[i] = magic !== undefined && x === magic ? null : x;
        return pos + 8;
      };
    case "floatComplex":
      return (_b, view, pos, end, out, i) => {
        if (!need(pos, 8, end)) return INCOMPLETE;
        out[i] = [view.getFloat32(pos), view.getFloat32(pos + 4)];
        return pos + 8;
      };
    case "doubleComplex":
      return (_b, view, pos, end, out, i) => {
        if (!need(pos, 16, end)) return INCOMPLETE;
        out[i] = [view.getFloat64(pos), view.getFloat64(pos + 8)];
        return pos + 16;
      };
    default:
      throw new Error(`unreachable: ${col.datatype}`);
  }
}

/** VOTable 1.4 §6: T, t, 1 are true; F, f, 0 false; NUL, blank and ? null. */
function booleanByte(b: number): boolean | null {
  switch (b) {
    case 0x54:
    case 0x74:
    case 0x31:
      return true;
    case 0x46:
    case 0x66:
    case 0x30:
      return false;
    case 0x00:
    case 0x20:
    case 0x3f:
      return null;
  }
  throw new BinaryDataError(`byte 0x${b.toString(16)} is not a boolean`);
}

function cellDecoder(col: Column, limits: BinaryLimits): CellDecoder {
  if (col.strings) return stringDecoder(col, limits);
  if (col.shape.scalar) return scalarDecoder(col);
  if (col.datatype === "bit") return bitArrayDecoder(col, limits);
  const element = scalarDecoder(col);
  const size = col.elementBytes;
  const slice = col.shape.sliceSize;
  if (!col.shape.variable) {
    const count = col.shape.count as number;
    return (buf, view, pos, end, out, i) => {
      if (!need(pos, count * size, end)) return INCOMPLETE;
      const arr = new Array<unknown>(count);
      for (let k = 0; k < count; k++) pos = element(buf, view, pos, end, arr, k);
      out[i] = arr;
      return pos;
    };
  }
  return (buf, view, pos, end, out, i) => {
    if (!need(pos, 4, end)) return INCOMPLETE;
    const count = variableCount(col, view.getInt32(pos), limits) * slice;
    pos += 4;
    if (!need(pos, count * size, end)) return INCOMPLETE;
    const arr = new Array<unknown>(count);
    for (let k = 0; k < count; k++) pos = element(buf, view, pos, end, arr, k);
    out[i] = arr;
    return pos;
  };
}

/** §5.3: the 4-byte prefix counts slices of the variable (last) dimension. */
function variableCount(col: Column, n: number, limits: BinaryLimits): number {
  if (n < 0) throw new BinaryDataError(`negative array length ${n} for field "${col.field.name}"`);
  if (n * col.shape.sliceSize > limits.maxArrayLength) {
    throw new BinaryDataError(
      `array length ${n} for field "${col.field.name}" exceeds the limit of ${limits.maxArrayLength}`,
      "VOTABLE_LIMIT_ARRAY",
    );
  }
  if (col.shape.maxSlices !== undefined && n > col.shape.maxSlices) {
    throw new BinaryDataError(`array length ${n} exceeds arraysize "${col.field.arraysize}" of field "${col.field.name}"`);
  }
  return n;
}

function bitArrayDecoder(col: Column, limits: BinaryLimits): CellDecoder {
  const fixed = col.shape.count;
  return (buf, view, pos, end, out, i) => {
    let count: number;
    if (fixed === undefined) {
      if (!need(pos, 4, end)) return INCOMPLETE;
      count = variableCount(col, view.getInt32(pos), limits) * col.shape.sliceSize;
      pos += 4;
    } else count = fixed;
    const nbytes = (count + 7) >> 3;
    if (!need(pos, nbytes, end)) return INCOMPLETE;
    const arr = new Array<boolean>(count);
    for (let k = 0; k < count; k++) arr[k] = (buf[pos + (k >> 3)]! & (0x80 >> (k & 7))) !== 0;
    out[i] = arr;
    return pos + nbytes;
  };
}

function utf16(buf: Buffer, pos: number, units: number): string {
  // Byte-swap into a copy: Buffer's "utf16le" decoder is native and fast, and the input is big-endian.
  const copy = Buffer.from(buf.subarray(pos, pos + units * 2));
  copy.swap16();
  return copy.toString("utf16le");
}

function stringDecoder(col: Column, limits: BinaryLimits): CellDecoder {
  const layout = col.strings!;
  const isUtf8 = col.datatype === "char";
  const unit = isUtf8 ? 1 : 2;
  const decode = (buf: Buffer, pos: number, units: number, cutAtNul: boolean): string => {
    let n = units;
    if (cutAtNul) {
      // §6: in a fixed-size string a NUL ends the value; bytes after it are ignored.
      if (isUtf8) {
        const z = buf.indexOf(0, pos);
        if (z >= 0 && z < pos + units) n = z - pos;
      } else {
        for (let k = 0; k < units; k++) {
          if (buf[pos + 2 * k] === 0 && buf[pos + 2 * k + 1] === 0) {
            n = k;
            break;
          }
        }
      }
    }
    return isUtf8 ? buf.toString("utf8", pos, pos + n) : utf16(buf, pos, n);
  };
  if (!layout.multi) {
    if (layout.variable) {
      return (buf, view, pos, end, out, i) => {
        if (!need(pos, 4, end)) return INCOMPLETE;
        const units = variableCount(col, view.getInt32(pos), limits);
        pos += 4;
        if (!need(pos, units * unit, end)) return INCOMPLETE;
        out[i] = decode(buf, pos, units, false);
        return pos + units * unit;
      };
    }
    const units = layout.storage as number;
    return (buf, _v, pos, end, out, i) => {
      if (!need(pos, units * unit, end)) return INCOMPLETE;
      out[i] = decode(buf, pos, units, true);
      return pos + units * unit;
    };
  }
  const width = layout.storage as number;
  const perSlice = col.shape.sliceSize / width;
  const fixedStrings = col.shape.count === undefined ? undefined : col.shape.count / width;
  return (buf, view, pos, end, out, i) => {
    let nstrings: number;
    if (fixedStrings === undefined) {
      if (!need(pos, 4, end)) return INCOMPLETE;
      nstrings = variableCount(col, view.getInt32(pos), limits) * perSlice;
      pos += 4;
    } else nstrings = fixedStrings;
    if (!need(pos, nstrings * width * unit, end)) return INCOMPLETE;
    const arr = new Array<string>(nstrings);
    for (let k = 0; k < nstrings; k++, pos += width * unit) arr[k] = decode(buf, pos, width, true);
    out[i] = arr;
    return pos;
  };
}
