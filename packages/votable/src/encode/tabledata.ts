/**
 * TABLEDATA rows (VOTable 1.4 §5.1): one `<TR>` per row, one `<TD>` per field, an empty `<TD/>` for a null.
 * A pure encoder: a row in, its UTF-8 bytes (or a string) out; the stream layer batches the bytes.
 */
import type { BatchColumn, BatchRangeEncoder, ColumnBatch } from "../batch.js";
import { checkBatch, rangeOfRows } from "../batch.js";
import type { Column } from "../column.js";
import { compileColumns } from "../column.js";
import { VOTableError } from "../errors.js";
import type { Field, Row } from "../model.js";
import { TIMESTAMP_MAX_MS, TIMESTAMP_MIN_MS, directWriter, typedTextCell, writeTimestamp } from "./direct.js";
import { ByteSink } from "./sink.js";
import { textFormatter } from "./text.js";

type TdWriter = (v: unknown, sink: ByteSink) => void;

export class TableDataEncoder {
  readonly columns: readonly Column[];
  private readonly cells: TdWriter[];

  constructor(fields: readonly Field[] | readonly Column[]) {
    this.columns = isColumns(fields) ? fields : compileColumns(fields);
    this.cells = this.columns.map((col) => {
      const general = generalCell(col);
      const direct = directWriter(col);
      if (direct === undefined) return general;
      // Numbers and Date timestamps go straight to bytes; anything else (a numeric string...) takes the general path.
      return (v, sink) => {
        if (v === null || v === undefined) return sink.tdEmpty();
        const at = sink.len;
        sink.tdOpen();
        if (direct(v, sink)) return sink.tdClose();
        sink.len = at;
        general(v, sink);
      };
    });
  }

  /**
   * Appends one row to `sink`, as UTF-8. Writing bytes straight away (rather than building a batch string) lets
   * each row's strings die young, which keeps the garbage collector's heap small.
   */
  encodeRowTo(row: Row, sink: ByteSink): void {
    const cells = this.cells;
    if (row.length !== cells.length) badRowLength(this.columns, row);
    const start = sink.len;
    try {
      sink.trOpen();
      for (let i = 0; i < cells.length; i++) cells[i]!(row[i], sink);
      sink.trClose();
    } catch (err) {
      sink.len = start;
      throw err;
    }
  }

  /** Prepares the encoding of a batch's rows, as `encodeRowTo` would encode the same rows. */
  batchRange(batch: ColumnBatch): BatchRangeEncoder {
    return rangeOfRows(batch.rowCount, this.batchRows(batch));
  }

  /** Prepares the encoding of a batch's rows: the returned function appends row i, as `encodeRowTo` would. */
  private batchRows(batch: ColumnBatch): (i: number, sink: ByteSink) => void {
    const cells = this.cells;
    checkBatch(batch, cells.length);
    const cols = batch.columns.map((c, k) => typedTextCell(this.columns[k]!, c, true) ?? batchCell(c, cells[k]!, this.columns[k]!, true));
    const n = cols.length;
    return (i, sink) => {
      const start = sink.len;
      try {
        sink.trOpen();
        for (let c = 0; c < n; c++) cols[c]!(i, sink);
        sink.trClose();
      } catch (err) {
        sink.len = start;
        throw err;
      }
    };
  }

  /** One row as a string: for tests and for callers without a stream. */
  encodeRow(row: Row): string {
    const sink = new ByteSink(256);
    this.encodeRowTo(row, sink);
    return Buffer.from(sink.view0()).toString("utf8");
  }
}

function generalCell(col: Column): TdWriter {
  const text = textFormatter(col, { booleans: "TF", xml: true });
  // Only strings can hold markup, forbidden or non-ASCII characters; numbers are ASCII as they are.
  if (col.strings) {
    return (v, sink) => {
      const s = text(v);
      if (s === null || s === "") return sink.tdEmpty();
      sink.tdOpen();
      sink.xmlText(s);
      sink.tdClose();
    };
  }
  return (v, sink) => {
    const s = text(v);
    if (s === null || s === "") return sink.tdEmpty();
    sink.tdAscii(s);
  };
}

/**
 * Row i's cell of a batch column through a row encoder's cell writer, which writes a null as it should. Timestamps
 * (BatchColumn.timestamps) are written between `<TD>` and `</TD>` (td) or bare (CSV) where the cell writer would
 * write a Date's text as it is (directWriter's condition), else given to it as a Date.
 */
export function batchCell(data: BatchColumn, write: (v: unknown, sink: ByteSink) => void, col: Column, td: boolean): (i: number, sink: ByteSink) => void {
  const values = data.values;
  const nulls = data.nulls;
  if (data.timestamps === true) {
    const direct = directWriter(col) !== undefined && col.strings !== undefined;
    return (i, sink) => {
      if (nulls !== undefined && nulls[i] !== 0) return write(null, sink);
      // cut toward zero, as a Date and the binary writers cut a fraction of a millisecond
      const t = Math.trunc(values[i] as number);
      if (direct && t >= TIMESTAMP_MIN_MS && t <= TIMESTAMP_MAX_MS) {
        if (td) sink.tdOpen();
        writeTimestamp(sink, t);
        if (td) sink.tdClose();
      } else write(new Date(t), sink);
    };
  }
  if (nulls === undefined) return (i, sink) => write(values[i], sink);
  return (i, sink) => write(nulls[i] !== 0 ? null : values[i], sink);
}

export function badRowLength(columns: readonly Column[], row: Row): never {
  const msg = Array.isArray(row)
    ? `a row has ${row.length} cells for ${columns.length} fields`
    : "a row must be an array of cells";
  throw new VOTableError("VOTABLE_INVALID_VALUE", msg);
}

export function isColumns(x: readonly Field[] | readonly Column[]): x is readonly Column[] {
  const first = x[0] as Partial<Column> | undefined;
  return first !== undefined && first.shape !== undefined && first.field !== undefined;
}
