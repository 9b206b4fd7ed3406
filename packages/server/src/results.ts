/**
 * From compiled result columns and database rows to VOTable fields and cells: DALI arrays
 * (point, circle, polygon) are assembled from their SQL columns, and each driver's value types
 * (bigint or string for BIGINT, 0/1 for BOOLEAN, strings for DECIMAL and DATETIME) become the
 * VOTable writer's.
 */
import { evaluateResidue, type QuerySplit, type ResultColumn } from "@qserv-tap/adql-compiler";
import type { BatchColumn, ColumnBatch, Datatype, Field } from "@qserv-tap/votable";

export type CellConverter = (row: readonly unknown[]) => unknown;

export function fieldOf(col: ResultColumn): Field {
  const f: Field = { name: col.name, datatype: (col.datatype ?? "char") as Datatype };
  if (col.datatype === null) f.arraysize = "*";
  // arraysize="1" on a character field is deprecated (VOTable 1.3 Erratum 3): one character is the default.
  else if (col.arraysize !== undefined && !(col.arraysize === "1" && (col.datatype === "char" || col.datatype === "unicodeChar"))) {
    f.arraysize = col.arraysize;
  }
  if (col.xtype !== undefined) f.xtype = col.xtype;
  if (col.unit !== undefined) f.unit = col.unit;
  if (col.ucd !== undefined) f.ucd = col.ucd;
  if (col.utype !== undefined) f.utype = col.utype;
  if (col.description !== undefined) f.description = col.description;
  if (col.nullValue !== undefined) f.nullValue = col.nullValue;
  return f;
}

function toNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  const n = Number(v);
  return Number.isNaN(n) && String(v).trim().toLowerCase() !== "nan" ? null : n;
}

function toInteger(v: unknown): number | null {
  const n = toNumber(v);
  return n === null || !Number.isFinite(n) ? null : Math.trunc(n);
}

function toLong(v: unknown): bigint | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isFinite(v) ? (Number.isSafeInteger(v) ? v : BigInt(Math.trunc(v))) : null;
  if (typeof v === "boolean") return v ? 1 : 0;
  const s = String(v).trim();
  if (/^[-+]?\d+$/.test(s)) return BigInt(s);
  const n = Number(s);
  return Number.isFinite(n) ? BigInt(Math.trunc(n)) : null;
}

function toBoolean(v: unknown): boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return v;
  if (typeof v === "number" || typeof v === "bigint") return Number(v) !== 0;
  const s = String(v).trim().toLowerCase();
  if (s === "true" || s === "t" || s === "1") return true;
  if (s === "false" || s === "f" || s === "0") return false;
  return null;
}

const SQL_DATETIME = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)$/;

function toText(v: unknown, timestamp: boolean): string | Date | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") {
    if (timestamp) {
      const m = SQL_DATETIME.exec(v);
      if (m) return `${m[1]}T${m[2]}`;
    }
    return v;
  }
  if (v instanceof Date) return timestamp ? v : v.toISOString().replace(/Z$/, "");
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  return String(v);
}

function scalar(datatype: string | null, xtype: string | undefined): (v: unknown) => unknown {
  switch (datatype) {
    case "boolean":
    case "bit":
      return toBoolean;
    case "unsignedByte":
    case "short":
    case "int":
      return toInteger;
    case "long":
      return toLong;
    case "float":
    case "double":
      return toNumber;
    default: {
      const ts = xtype === "timestamp";
      return (v) => toText(v, ts);
    }
  }
}

/** How to get each cell of a result row out of an SQL row. */
export function converterOf(col: ResultColumn): CellConverter {
  const positions = col.sqlColumns;
  if (positions.length > 1) {
    return (row) => {
      const out: number[] = [];
      for (const p of positions) {
        const n = toNumber(row[p]);
        if (n === null) return null;
        out.push(n);
      }
      return out;
    };
  }
  const p = positions[0] ?? 0;
  const convert = scalar(col.datatype, col.xtype);
  if (col.arraysize !== undefined && col.datatype !== "char" && col.datatype !== "unicodeChar") {
    // A numeric array held in one SQL column (a DuckDB list, or a space-separated string).
    return (row) => {
      const v = row[p];
      if (v === null || v === undefined) return null;
      const items = Array.isArray(v) ? v : String(v).trim().split(/[\s,]+/);
      return items.map((x) => convert(x));
    };
  }
  return (row) => convert(row[p]);
}

/** How to get one VOTable column of a batch out of a batch of SQL columns. */
export type ColumnConverter = (batch: ColumnBatch) => BatchColumn;

/** Typed arrays of integers: what the database hands over for integer columns (DuckDB's vectors). */
function isIntegerArray(v: unknown): boolean {
  return (
    v instanceof Int32Array ||
    v instanceof Int16Array ||
    v instanceof Int8Array ||
    v instanceof Uint16Array ||
    v instanceof Uint8Array ||
    v instanceof Uint32Array ||
    v instanceof BigInt64Array
  );
}

/**
 * Whether the cell converter of a scalar column leaves every value of this typed array as it is (a number stays
 * the same number, a bigint for a long stays a bigint), so that the array can go to the writer unconverted.
 */
function keepsTypedArray(datatype: string | null, values: unknown): boolean {
  switch (datatype) {
    case "float":
    case "double":
      return values instanceof Float64Array || values instanceof Float32Array || (isIntegerArray(values) && !(values instanceof BigInt64Array));
    case "unsignedByte":
    case "short":
    case "int":
      return isIntegerArray(values) && !(values instanceof BigInt64Array);
    case "long":
      return isIntegerArray(values);
    case "boolean":
      // DuckDB's BOOLEAN vector: 0 or 1, which the writers take as false and true.
      return values instanceof Uint8Array;
    default:
      return false;
  }
}

/**
 * converterOf for a batch, column by column: a scalar number column whose SQL column is a typed array that the
 * conversion would leave as it is is handed over as it is (with its nulls); any other column is converted cell by
 * cell, as converterOf converts a row's.
 */
export function columnConverterOf(col: ResultColumn): ColumnConverter {
  const cell = converterOf(col);
  const positions = col.sqlColumns;
  const p = positions[0] ?? 0;
  const scalar = positions.length <= 1 && (col.arraysize === undefined || col.datatype === "char" || col.datatype === "unicodeChar");
  const timestampField = col.xtype === "timestamp" && (col.datatype === "char" || col.datatype === "unicodeChar");
  return (batch) => {
    const n = batch.rowCount;
    if (scalar) {
      const source = batch.columns[p]!;
      if (source.timestamps === true) {
        // Instants that a timestamp field writes as they are (toText keeps a Date); any other field gets Dates.
        if (timestampField) return source;
      } else if (ArrayBuffer.isView(source.values) && keepsTypedArray(col.datatype, source.values)) return source;
      const convert = scalarOf(col);
      const { values, nulls } = source;
      const dates = source.timestamps === true;
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = nulls !== undefined && nulls[i] !== 0 ? null : convert(dates ? new Date(values[i] as number) : values[i]);
      return { values: out };
    }
    // Several SQL columns (a point, a circle) or an array in one: through the row converter, a row at a time.
    const out = new Array<unknown>(n);
    const row = new Array<unknown>(batch.columns.length);
    for (let i = 0; i < n; i++) {
      for (const q of positions.length > 0 ? positions : [0]) {
        const c = batch.columns[q]!;
        row[q] = c.nulls !== undefined && c.nulls[i] !== 0 ? null : c.timestamps === true ? new Date(c.values[i] as number) : c.values[i];
      }
      out[i] = cell(row);
    }
    return { values: out };
  };
}

function scalarOf(col: ResultColumn): (v: unknown) => unknown {
  return scalar(col.datatype, col.xtype);
}

/** Maps batches of SQL columns to batches of VOTable columns. */
export function batchMapper(columns: readonly ResultColumn[]): (batch: ColumnBatch) => ColumnBatch {
  const converters = columns.map(columnConverterOf);
  return (batch) => ({ rowCount: batch.rowCount, columns: converters.map((c) => c(batch)) });
}

/** The batch without its first `skip` rows (a split query's OFFSET, applied by the server). */
export function dropRows(batch: ColumnBatch, skip: number): ColumnBatch {
  if (skip <= 0) return batch;
  const n = Math.max(0, batch.rowCount - skip);
  const cut = (v: ArrayLike<unknown>): ArrayLike<unknown> =>
    ArrayBuffer.isView(v) ? (v as unknown as Uint8Array).subarray(skip, skip + n) : Array.prototype.slice.call(v, skip, skip + n);
  return {
    rowCount: n,
    columns: batch.columns.map((c) => ({
      ...c,
      values: cut(c.values),
      nulls: c.nulls === undefined ? undefined : c.nulls.subarray(skip, skip + n),
    })),
  };
}

/**
 * A split Qserv query's residues (compile.ts QuerySplit), computed for every row of a batch of the SQL's
 * columns and appended after them, at the positions that their result columns' sqlColumns name.
 */
export function residueAppender(split: QuerySplit): (batch: ColumnBatch) => ColumnBatch {
  const residues = [...split.residues].sort((a, b) => a.sqlColumn - b.sqlColumn);
  if (residues.length === 0) return (batch) => batch;
  return (batch) => {
    const n = batch.rowCount;
    const cell = (col: BatchColumn | undefined, i: number): unknown => {
      if (!col || (col.nulls !== undefined && col.nulls[i] !== 0)) return null;
      return col.timestamps === true ? new Date(col.values[i] as number) : col.values[i];
    };
    const computed: BatchColumn[] = residues.map((r) => {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        out[i] = evaluateResidue(r.expr, (name) => {
          const p = r.inputs[name];
          return p === undefined ? null : cell(batch.columns[p], i);
        });
      }
      return { values: out };
    });
    return { rowCount: n, columns: [...batch.columns, ...computed] };
  };
}
