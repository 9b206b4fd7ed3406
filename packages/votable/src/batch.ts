/**
 * Column batches: many rows handed to the writer at once, one array of cells per field, as a columnar
 * database gives them (DuckDB's data chunks, Arrow record batches). A numeric field may come as a typed
 * array of the values themselves (Float64Array for double, Int32Array for int...), which the encoders
 * read without making an object per cell; nulls are then in a separate byte mask.
 */
import { VOTableError } from "./errors.js";
import type { ByteSink } from "./encode/sink.js";
import type { Row } from "./model.js";

/** The cells of one field in a batch. */
export interface BatchColumn {
  /**
   * Row i's cell at index i: any array of cell values (as a Row holds them), or a typed array of the
   * values. At least `rowCount` long; what lies beyond is ignored.
   */
  readonly values: ArrayLike<unknown>;
  /** Non-zero at i when row i's cell is null: for a typed array, which cannot hold a null itself. */
  readonly nulls?: Uint8Array | undefined;
  /**
   * The values are instants as milliseconds since 1970-01-01T00:00:00Z (what Date.getTime() gives), for a char
   * field (DALI timestamps, xtype="timestamp"): each cell is written as a Date of that time would be, without one.
   */
  readonly timestamps?: boolean | undefined;
}

/** `rowCount` rows, given as one BatchColumn per field, in the fields' order. */
export interface ColumnBatch {
  readonly rowCount: number;
  readonly columns: readonly BatchColumn[];
}

/** What a row source yields: rows one by one, or batches of them (both may be mixed). */
export type RowOrBatch = Row | ColumnBatch;

/**
 * Appends the rows of a batch from row `from` on to `sink`, up to and including the first row after which `sink.len`
 * is `limit` or more (where the stream cuts a chunk), or to the batch's end; returns the index after the last row
 * written. The bytes are those of the same rows given one by one. A row that cannot be encoded ends the rows written
 * before it; the call that starts at that row throws its error and leaves the sink as it was.
 */
export type BatchRangeEncoder = (from: number, sink: ByteSink, limit: number) => number;

/**
 * A BatchRangeEncoder from a function that appends row i (and on error leaves the sink as before the row): for the
 * encoders that walk a batch row by row.
 */
export function rangeOfRows(rowCount: number, row: (i: number, sink: ByteSink) => void): BatchRangeEncoder {
  return (from, sink, limit) => {
    let i = from;
    try {
      while (i < rowCount) {
        row(i++, sink);
        if (sink.len >= limit) break;
      }
    } catch (err) {
      // The rows before the bad one stay; the next call, from it, throws again (the encoders are pure).
      if (--i === from) throw err;
    }
    return i;
  };
}

/** A batch is any object that is not an array and has `rowCount` and `columns`; a row is an array. */
export function isColumnBatch(x: unknown): x is ColumnBatch {
  return typeof x === "object" && x !== null && !Array.isArray(x) && "columns" in x && "rowCount" in x;
}

/** Row i of a batch as a Row (for the writers that take rows one by one, and for tests). */
export function batchRow(batch: ColumnBatch, i: number): unknown[] {
  const cols = batch.columns;
  const row = new Array<unknown>(cols.length);
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c]!;
    row[c] = col.nulls !== undefined && col.nulls[i] !== 0 ? null : col.timestamps === true ? new Date(col.values[i] as number) : col.values[i];
  }
  return row;
}

/** The first `rowCount` rows of a batch (the arrays are shared, not copied). */
export function headOfBatch(batch: ColumnBatch, rowCount: number): ColumnBatch {
  return rowCount >= batch.rowCount ? batch : { rowCount: Math.max(0, rowCount), columns: batch.columns };
}

/** Checks a batch against the number of fields, as the row encoders check a row's length. */
export function checkBatch(batch: ColumnBatch, fields: number): void {
  if (!Array.isArray(batch.columns) || batch.columns.length !== fields) {
    throw new VOTableError("VOTABLE_INVALID_VALUE", `a batch has ${Array.isArray(batch.columns) ? batch.columns.length : "no"} columns for ${fields} fields`);
  }
  if (!Number.isSafeInteger(batch.rowCount) || batch.rowCount < 0) {
    throw new VOTableError("VOTABLE_INVALID_VALUE", `a batch's rowCount must be a non-negative integer, not ${String(batch.rowCount)}`);
  }
  for (const col of batch.columns) {
    if (col === null || typeof col !== "object" || col.values === null || typeof col.values !== "object" || col.values.length < batch.rowCount) {
      throw new VOTableError("VOTABLE_INVALID_VALUE", `a batch column holds fewer than its ${batch.rowCount} rows`);
    }
    if (col.nulls !== undefined && !(col.nulls instanceof Uint8Array && col.nulls.length >= batch.rowCount)) {
      throw new VOTableError("VOTABLE_INVALID_VALUE", "a batch column's nulls must be a Uint8Array as long as its rows");
    }
  }
}

