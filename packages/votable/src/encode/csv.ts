/**
 * CSV (RFC 4180, with a header line, as TAP 1.1 §3.2 asks for text/csv;header=present) and TSV
 * (text/tab-separated-values). Cells use the TABLEDATA text forms; a null is an empty field. A pure encoder.
 */
import type { BatchRangeEncoder, ColumnBatch } from "../batch.js";
import { checkBatch, rangeOfRows } from "../batch.js";
import type { Column } from "../column.js";
import { compileColumns } from "../column.js";
import type { Field, Row } from "../model.js";
import { ByteSink } from "./sink.js";
import { directWriter, typedTextCell } from "./direct.js";
import { textFormatter } from "./text.js";
import { badRowLength, batchCell, isColumns } from "./tabledata.js";

export type Delimited = "csv" | "tsv";

type CellWriter = (v: unknown, sink: ByteSink) => void;

const CSV_QUOTE = /[",\r\n]/;
const TSV_BAD = /[\t\r\n]/g;

/** RFC 4180 §2.6-2.7: quote a field holding a comma, quote or line break, doubling the quotes. */
export function csvField(s: string): string {
  return CSV_QUOTE.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/**
 * TSV has no quoting and TAP 1.1 §3.2 says values "may not contain the TAB character": tabs and line breaks become
 * spaces (lossy, but the only way to keep one record per line).
 */
export function tsvField(s: string): string {
  return s.replace(TSV_BAD, " ");
}

export class DelimitedEncoder {
  readonly columns: readonly Column[];
  readonly format: Delimited;
  private readonly cells: CellWriter[];
  private readonly sep: string;
  private readonly eol: string;
  /** The separator's byte, and whether a line ends in CR LF (CSV) or LF (TSV): written as bytes per cell and row. */
  private readonly sepByte: number;
  private readonly crlf: boolean;
  private readonly escape: (s: string) => string;

  constructor(fields: readonly Field[] | readonly Column[], format: Delimited) {
    this.columns = isColumns(fields) ? fields : compileColumns(fields);
    this.format = format;
    this.sep = format === "csv" ? "," : "\t";
    this.eol = format === "csv" ? "\r\n" : "\n"; // RFC 4180 §2.1 wants CRLF; TSV conventionally uses LF
    this.sepByte = this.sep.charCodeAt(0);
    this.crlf = this.eol === "\r\n";
    this.escape = format === "csv" ? csvField : tsvField;
    this.cells = this.columns.map((col) => this.cellWriter(col));
  }

  private cellWriter(col: Column): CellWriter {
    const text = textFormatter(col, { booleans: "truefalse" });
    if (col.strings) {
      // In CSV a quoted empty field is an empty string and a bare empty field is null.
      const empty = this.format === "csv" ? '""' : "";
      const escape = this.escape;
      const direct = directWriter(col);
      return (v, sink) => {
        if (direct !== undefined && direct(v, sink)) return;
        const s = text(v);
        if (s === null) return;
        if (s === "") sink.ascii(empty);
        else sink.utf8(escape(s));
      };
    }
    // Numbers, booleans and arrays of them are ASCII without separators or quotes: nothing to escape.
    const direct = directWriter(col);
    return (v, sink) => {
      if (v === null || v === undefined) return;
      if (direct !== undefined && direct(v, sink)) return;
      const s = text(v);
      if (s !== null) sink.ascii(s);
    };
  }

  header(): string {
    return this.columns.map((c) => this.escape(c.field.name)).join(this.sep) + this.eol;
  }

  /** Appends one row to `sink`, as UTF-8. */
  encodeRowTo(row: Row, sink: ByteSink): void {
    const cells = this.cells;
    if (row.length !== cells.length) badRowLength(this.columns, row);
    const start = sink.len;
    try {
      for (let i = 0; i < cells.length; i++) {
        if (i > 0) sink.u8(this.sepByte);
        cells[i]!(row[i], sink);
      }
      endLine(sink, this.crlf);
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
    const cols = batch.columns.map((c, k) => typedTextCell(this.columns[k]!, c, false) ?? batchCell(c, cells[k]!, this.columns[k]!, false));
    const n = cols.length;
    const sep = this.sepByte;
    const crlf = this.crlf;
    return (i, sink) => {
      const start = sink.len;
      try {
        for (let c = 0; c < n; c++) {
          if (c > 0) sink.u8(sep);
          cols[c]!(i, sink);
        }
        endLine(sink, crlf);
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

/** CR LF or LF as bytes: ascii() of a constant costs about 10 ns, a good part of a number's cell (as TABLEDATA's markup). */
function endLine(sink: ByteSink, crlf: boolean): void {
  if (crlf) sink.u8(0x0d);
  sink.u8(0x0a);
}
