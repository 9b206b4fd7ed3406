/**
 * BINARY and BINARY2 rows (VOTable 1.4 §5.3, §5.4): big-endian values, arrays prefixed by a 4-byte count when their
 * last dimension is variable. BINARY2 puts one null flag per field before each row; BINARY has no null marker,
 * so nulls are magic values there (see `binaryNullValue`). A pure encoder: rows in, bytes out (into a ByteSink);
 * the stream layer does the base64.
 */
import type { BatchRangeEncoder, ColumnBatch } from "../batch.js";
import { checkBatch } from "../batch.js";
import type { Column } from "../column.js";
import { compileColumns, defaultBinaryNull } from "../column.js";
import type { Field, Row } from "../model.js";
import { isIntegerType } from "../model.js";
import { VOTableError } from "../errors.js";
import { wellFormed } from "../xml.js";
import { BatchBuffers, binaryBatchRange } from "./binary-batch.js";
import { writeTimestamp } from "./direct.js";
import { ByteSink } from "./sink.js";
import { badRowLength, isColumns } from "./tabledata.js";
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
} from "./values.js";

type CellWriter = (v: unknown, sink: ByteSink) => void;

export interface BinaryEncoderOptions {
  /** BINARY2 (true) or BINARY (false). */
  readonly nullFlags: boolean;
}

/**
 * The magic null value that a field carries in `<VALUES null>`: the declared one, or for BINARY integers the one
 * this package picks (the most negative value, 255 for unsignedByte), since BINARY has no other way to say null.
 */
export function binaryNullValue(col: Column, nullFlags: boolean): number | bigint | undefined {
  if (col.nullValue !== undefined) return col.nullValue;
  return nullFlags || !isIntegerType(col.datatype) ? undefined : defaultBinaryNull(col.datatype);
}

/**
 * A value equal to the null value that this package picked for a BINARY integer field (binaryNullValue: the field
 * declared none) would be read back as NULL: refused, so that a result is never changed without a word. A declared
 * null value is the data's own choice, and a value equal to it is NULL by that declaration.
 */
export function pickedNullCollision(col: Column, value: number | bigint): never {
  throw new VOTableError(
    "VOTABLE_UNREPRESENTABLE",
    `field "${col.field.name}" (${col.datatype}): ${value} is the null value that BINARY declares for ${col.datatype} fields (VALUES null), ` +
      "so a reader would take it for NULL; BINARY2 (RESPONSEFORMAT=votable) flags nulls apart from the values",
    { field: col.field.name },
  );
}

export class BinaryEncoder {
  readonly columns: readonly Column[];
  readonly nullFlags: boolean;
  private readonly writers: CellWriter[];
  private readonly nullFills: Uint8Array[];
  private readonly flagBytes: number;
  private batchBuffers: BatchBuffers | undefined;

  constructor(fields: readonly Field[] | readonly Column[], options: BinaryEncoderOptions) {
    this.columns = isColumns(fields) ? fields : compileColumns(fields);
    this.nullFlags = options.nullFlags;
    this.flagBytes = options.nullFlags ? (this.columns.length + 7) >> 3 : 0;
    this.writers = this.columns.map((c) => cellWriter(c, binaryNullValue(c, this.nullFlags)));
    this.nullFills = this.columns.map((c) => nullFill(c, this.nullFlags, binaryNullValue(c, this.nullFlags)));
  }

  /** Appends one row to `sink`. On error the sink is left as it was before the row. */
  encodeRowTo(row: Row, sink: ByteSink): void {
    const writers = this.writers;
    const n = writers.length;
    if (row.length !== n) badRowLength(this.columns, row);
    const start = sink.len;
    const nulls = this.nullFills;
    try {
      const flagBytes = this.flagBytes;
      if (flagBytes > 0) {
        // VOTable 1.4 §5.4: the most significant bit of the first byte flags the first field.
        sink.reserve(flagBytes);
        const buf = sink.buf;
        for (let k = 0; k < flagBytes; k++) buf[start + k] = 0;
        sink.len = start + flagBytes;
        for (let i = 0; i < n; i++) {
          const v = row[i];
          if (v === null || v === undefined) {
            sink.buf[start + (i >> 3)]! |= 0x80 >> (i & 7);
            appendFill(sink, nulls[i]!);
          } else writers[i]!(v, sink);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = row[i];
          if (v === null || v === undefined) appendFill(sink, nulls[i]!);
          else writers[i]!(v, sink);
        }
      }
    } catch (err) {
      sink.len = start;
      throw err;
    }
  }

  /**
   * Prepares the encoding of a batch's rows, column by column (binary-batch.ts): the same bytes as `encodeRowTo`
   * for the same rows. Typed arrays of the field's own type are read as they are, without a value per cell.
   */
  batchRange(batch: ColumnBatch): BatchRangeEncoder {
    checkBatch(batch, this.writers.length);
    return binaryBatchRange(this.columns, this.writers, this.nullFills, this.flagBytes, batch, (this.batchBuffers ??= new BatchBuffers()));
  }

  /** One row as bytes: for tests and for callers without a stream. */
  encodeRow(row: Row): Uint8Array {
    const sink = new ByteSink(256);
    this.encodeRowTo(row, sink);
    return sink.take();
  }
}

function appendFill(sink: ByteSink, fill: Uint8Array): void {
  const n = fill.length;
  sink.reserve(n);
  const buf = sink.buf;
  let pos = sink.len;
  for (let k = 0; k < n; k++) buf[pos++] = fill[k]!;
  sink.len = pos;
}

/** The bytes of a null cell. BINARY2 §5.4 recommends NaN for floats and zero bytes otherwise. */
function nullFill(col: Column, nullFlags: boolean, magic: number | bigint | undefined): Uint8Array {
  const sink = new ByteSink(64);
  if (col.shape.variable) {
    sink.i32(0); // a null variable array is an empty one (§5.4 recommends this for BINARY2 too)
    return sink.take();
  }
  const count = col.shape.count as number;
  if (col.strings) {
    sink.zeros(count * col.elementBytes);
    return sink.take();
  }
  if (col.datatype === "bit") {
    sink.zeros((count + 7) >> 3);
    return sink.take();
  }
  for (let i = 0; i < count; i++) writeNullElement(col, sink, nullFlags ? undefined : magic, !nullFlags);
  return sink.take();
}

function writeNullElement(col: Column, sink: ByteSink, magic: number | bigint | undefined, binary: boolean): void {
  switch (col.datatype) {
    case "boolean":
      sink.u8(binary ? 0x3f /* ? */ : 0);
      return;
    case "unsignedByte":
      sink.u8(magic === undefined ? 0 : Number(magic));
      return;
    case "short":
      sink.i16(magic === undefined ? 0 : Number(magic));
      return;
    case "int":
      sink.i32(magic === undefined ? 0 : Number(magic));
      return;
    case "long":
      sink.i64(magic === undefined ? 0n : BigInt(magic));
      return;
    case "float":
      sink.f32(magic === undefined ? NaN : Number(magic));
      return;
    case "double":
      sink.f64(magic === undefined ? NaN : Number(magic));
      return;
    case "floatComplex":
      sink.f32(NaN);
      sink.f32(NaN);
      return;
    case "doubleComplex":
      sink.f64(NaN);
      sink.f64(NaN);
      return;
    default:
      sink.zeros(col.elementBytes);
  }
}

function writeUtf8(sink: ByteSink, s: string, max: number): number {
  return sink.utf8(s, max);
}

function writeUtf16(sink: ByteSink, s: string): void {
  const n = s.length;
  sink.reserve(n * 2);
  const view = sink.view;
  let pos = sink.len;
  for (let i = 0; i < n; i++, pos += 2) view.setUint16(pos, s.charCodeAt(i));
  sink.len = pos;
}

function cellWriter(col: Column, magic: number | bigint | undefined): CellWriter {
  if (col.strings) return stringWriter(col);
  const element = elementWriter(col, magic);
  if (col.shape.scalar) return element;
  if (col.datatype === "bit") return bitArrayWriter(col);
  const variable = col.shape.variable;
  const slice = col.shape.sliceSize;
  const dt = col.datatype;
  return (v, sink) => {
    const a = toArray(col, v);
    if (a === null) return;
    if (variable) sink.i32(a.length / slice);
    // Typed arrays of the right kind skip the per-element checks.
    if (dt === "double" && a instanceof Float64Array) {
      sink.reserve(a.length * 8);
      for (let i = 0; i < a.length; i++) sink.view.setFloat64(sink.len + i * 8, a[i]!);
      sink.len += a.length * 8;
      return;
    }
    for (let i = 0; i < a.length; i++) element(a[i], sink);
  };
}

function elementWriter(col: Column, magic: number | bigint | undefined): CellWriter {
  // The null value that this package picked, not one the field declared (pickedNullCollision).
  const picked = col.nullValue === undefined ? magic : undefined;
  const nullElement = (sink: ByteSink): void => {
    if (magic === undefined && (col.datatype === "unsignedByte" || col.datatype === "short" || col.datatype === "int" || col.datatype === "long")) {
      invalid(col, "a null array element needs a declared nullValue");
    }
    writeNullElement(col, sink, magic, true);
  };
  switch (col.datatype) {
    case "boolean":
      return (v, sink) => {
        const b = toBoolean(col, v);
        sink.u8(b === null ? 0x3f : b ? 0x54 /* T */ : 0x46 /* F */);
      };
    case "bit":
      // VOTable 1.4 §6: bits start with the most significant one.
      return (v, sink) => {
        const b = toBoolean(col, v);
        if (b === null) invalid(col, "bits cannot be null");
        sink.u8(b ? 0x80 : 0);
      };
    case "unsignedByte":
      return (v, sink) => {
        const n = toInt(col, v);
        if (n === null) nullElement(sink);
        else if (n === picked) pickedNullCollision(col, n);
        else sink.u8(n);
      };
    case "short":
      return (v, sink) => {
        const n = toInt(col, v);
        if (n === null) nullElement(sink);
        else if (n === picked) pickedNullCollision(col, n);
        else sink.i16(n);
      };
    case "int":
      return (v, sink) => {
        const n = typeof v === "number" && (v | 0) === v ? v : toInt(col, v);
        if (n === null) nullElement(sink);
        else if (n === picked) pickedNullCollision(col, n);
        else sink.i32(n);
      };
    case "long":
      return (v, sink) => {
        const b = typeof v === "bigint" && BigInt.asIntN(64, v) === v ? v : toLong(col, v);
        if (b === null) nullElement(sink);
        else if (b === picked) pickedNullCollision(col, b);
        else sink.i64(b);
      };
    case "float":
      return (v, sink) => {
        const x = typeof v === "number" ? v : toDouble(col, v);
        sink.f32(x === null ? (magic === undefined ? NaN : Number(magic)) : x);
      };
    case "double":
      return (v, sink) => {
        const x = typeof v === "number" ? v : toDouble(col, v);
        sink.f64(x === null ? (magic === undefined ? NaN : Number(magic)) : x);
      };
    case "floatComplex":
      return (v, sink) => {
        const c = toComplex(col, v);
        sink.f32(c === null ? NaN : c[0]);
        sink.f32(c === null ? NaN : c[1]);
      };
    case "doubleComplex":
      return (v, sink) => {
        const c = toComplex(col, v);
        sink.f64(c === null ? NaN : c[0]);
        sink.f64(c === null ? NaN : c[1]);
      };
    default:
      throw new Error(`unreachable: ${col.datatype}`);
  }
}

function bitArrayWriter(col: Column): CellWriter {
  const variable = col.shape.variable;
  return (v, sink) => {
    const a = toArray(col, v);
    if (a === null) return;
    if (variable) sink.i32(a.length);
    const nbytes = (a.length + 7) >> 3;
    sink.zeros(nbytes);
    const base = sink.len - nbytes;
    for (let i = 0; i < a.length; i++) {
      const b = toBoolean(col, a[i]);
      if (b === null) invalid(col, "bits cannot be null");
      if (b) sink.buf[base + (i >> 3)]! |= 0x80 >> (i & 7);
    }
  };
}

function stringWriter(col: Column): CellWriter {
  const layout = col.strings!;
  const isUtf8 = col.datatype === "char";
  const storage = layout.storage;
  if (!layout.multi) {
    if (layout.variable) {
      const max = storage ?? Infinity;
      const dates = isUtf8 && max >= 23; // room for any YYYY-MM-DDThh:mm:ss.SSS
      return (v, sink) => {
        if (dates && v instanceof Date) {
          const t = v.getTime();
          // Years 1 to 9999 straight to bytes; other dates (and invalid ones) through toText below.
          if (t >= -62135596800000 && t <= 253402300799999) {
            sink.reserve(4);
            const at = sink.len;
            sink.len += 4;
            writeTimestamp(sink, t);
            sink.view.setInt32(at, sink.len - at - 4);
            return;
          }
        }
        const s = typeof v === "string" ? v : toText(col, v);
        if (s === null) return sink.i32(0);
        sink.reserve(4 + s.length);
        const at = sink.len;
        sink.len += 4;
        if (isUtf8) {
          // Not `sink.view.setInt32(at, writeUtf8(...))`: the view would be read before writeUtf8 grows the buffer.
          const used = writeUtf8(sink, s, max);
          sink.view.setInt32(at, used);
        } else {
          const t = truncateUtf16(wellFormed(s), max);
          writeUtf16(sink, t);
          sink.view.setInt32(at, t.length);
        }
      };
    }
    const width = storage as number;
    return (v, sink) => {
      const s = toText(col, v) ?? "";
      writeFixedString(sink, s, width, isUtf8);
    };
  }
  const width = storage as number;
  const stringsPerSlice = col.shape.sliceSize / width;
  const total = col.shape.count === undefined ? undefined : col.shape.count / width;
  return (v, sink) => {
    const a = toArray(col, v, stringsPerSlice, total);
    if (a === null) return;
    if (layout.variable) sink.i32(a.length / stringsPerSlice);
    for (let i = 0; i < a.length; i++) writeFixedString(sink, toText(col, a[i]) ?? "", width, isUtf8);
  };
}

/** A fixed-storage string, cut to fit and padded with NULs (VOTable 1.4 §6, "Character"). */
function writeFixedString(sink: ByteSink, s: string, width: number, isUtf8: boolean): void {
  if (isUtf8) {
    const used = writeUtf8(sink, s, width);
    if (used < width) sink.zeros(width - used);
  } else {
    const t = truncateUtf16(wellFormed(s), width);
    writeUtf16(sink, t);
    if (t.length < width) sink.zeros((width - t.length) * 2);
  }
}
