/**
 * VOParquet (IVOA Note VOParquet 1.0, 2025-01-16): a Parquet file whose key–value metadata holds
 * `IVOA.VOTable-Parquet.version` = "1.0" and `IVOA.VOTable-Parquet.content` = a VOTable with the FIELDs (and the
 * INFOs of the query) and no DATA, so that units, UCDs and descriptions survive.
 *
 * Streamed as far as Parquet allows: the rows are gathered into row groups of bounded size, and each group goes out
 * when it is full. The footer, with the schema and the key–value metadata, comes last, so an overflow or an error
 * found after the first row is still told: as the QUERY_STATUS INFO after the TABLE of the embedded VOTable, as in
 * a VOTable result (DALI 1.2 §5.4.1, §5.4.2).
 *
 * Columns: boolean → BOOLEAN; unsignedByte, short, int → INT32 (UINT_8, INT_16); long → INT64; float → FLOAT;
 * double → DOUBLE; char and unicodeChar → BYTE_ARRAY UTF8 (a timestamp as its VOTable ISO 8601 string, as the FIELD
 * says); numeric and boolean arrays → a LIST of the element type. Every column is OPTIONAL: NULL is a Parquet null.
 */
import { Readable } from "node:stream";
import type { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { Column } from "./column.js";
import { compileColumns } from "./column.js";
import { metadataDocument, type Trailer } from "./encode/document.js";
import { checkMetaResources } from "./encode/meta.js";
import { VOTableError } from "./errors.js";
import { formatTimestamp } from "./format.js";
import type { Field, Row } from "./model.js";
import { isCharType, isComplexType } from "./model.js";
import type { RowSource, WriteOptions } from "./stream.js";
import { errorMessageOf, isTrailer, openSource, rowsOf } from "./stream.js";

export const VOPARQUET_VERSION_KEY = "IVOA.VOTable-Parquet.version";
export const VOPARQUET_CONTENT_KEY = "IVOA.VOTable-Parquet.content";
export const VOPARQUET_VERSION = "1.0";

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]["schema"][number];
type KeyValue = { key: string; value?: string };

export interface ParquetWriteOptions {
  /** Rows per row group (default 65 536; the first group has at most 1000, so that a reader sees rows early). */
  rowGroupRows?: number;
  /** A row group is also closed when its cells are about this many bytes (default 32 MiB): long strings stay bounded. */
  rowGroupBytes?: number;
  /**
   * Min/max statistics of each column chunk (default false): they let a reader skip row groups, but cost more CPU
   * than the rest of the writing (README, "VOParquet"), and a query result is read whole.
   */
  statistics?: boolean;
  /** Bytes that the stream holds unread before it stops pulling rows (default 1 MiB, at least one row group's worth). */
  highWaterMark?: number;
}

interface ParquetColumn {
  schema: SchemaElement[];
  /** The cell as the Parquet writer wants it; throws if it cannot be. */
  convert(v: unknown): unknown;
  /** About how many bytes a cell takes while it waits in its row group. */
  size(v: unknown): number;
}

function fail(col: Column, msg: string): never {
  throw new VOTableError("VOTABLE_BAD_VALUE", `field "${col.field.name}": ${msg}`, { field: col.field.name });
}

function scalarOf(col: Column): { type: SchemaElement; convert: (v: unknown) => unknown; bytes: number } {
  const isNull = (v: unknown) => v === null || v === undefined;
  const num = (v: unknown): number => {
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    return fail(col, `${typeof v} is not a number`);
  };
  const int = (v: unknown): number | null => {
    if (isNull(v)) return null;
    const n = num(v);
    // NaN is the VOTable null of integers in text (VOTable 1.4 §6); Parquet has a null of its own.
    if (!Number.isFinite(n)) return null;
    return Math.trunc(n);
  };
  switch (col.datatype) {
    case "boolean":
    case "bit":
      return {
        type: { name: "", type: "BOOLEAN" },
        bytes: 1,
        convert: (v) => {
          if (isNull(v)) return null;
          if (typeof v === "boolean") return v;
          if (typeof v === "number" || typeof v === "bigint") return Number(v) !== 0;
          return fail(col, `${typeof v} is not a boolean`);
        },
      };
    case "unsignedByte":
      return { type: { name: "", type: "INT32", converted_type: "UINT_8" }, bytes: 4, convert: int };
    case "short":
      return { type: { name: "", type: "INT32", converted_type: "INT_16" }, bytes: 4, convert: int };
    case "int":
      return { type: { name: "", type: "INT32" }, bytes: 4, convert: int };
    case "long":
      return {
        type: { name: "", type: "INT64" },
        bytes: 8,
        convert: (v) => {
          if (isNull(v)) return null;
          if (typeof v === "bigint") return v;
          const n = num(v);
          return Number.isFinite(n) ? BigInt(Math.trunc(n)) : null;
        },
      };
    case "float":
      return { type: { name: "", type: "FLOAT" }, bytes: 4, convert: (v) => (isNull(v) ? null : num(v)) };
    case "double":
      return { type: { name: "", type: "DOUBLE" }, bytes: 8, convert: (v) => (isNull(v) ? null : num(v)) };
    default:
      return fail(col, `datatype ${col.datatype} has no Parquet column here`);
  }
}

function columnOf(col: Column, name: string): ParquetColumn {
  if (isComplexType(col.datatype)) {
    throw new VOTableError("VOTABLE_INVALID_FIELD", `field "${col.field.name}": complex values are not written to Parquet`, {
      field: col.field.name,
    });
  }
  if (isCharType(col.datatype)) {
    return {
      schema: [{ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" }],
      convert: (v) => {
        if (v === null || v === undefined) return null;
        if (typeof v === "string") return v;
        if (v instanceof Date) return formatTimestamp(v) ?? fail(col, "invalid Date");
        if (Array.isArray(v)) return v.join(" ");
        return String(v);
      },
      size: (v) => (typeof v === "string" ? v.length * 2 + 16 : 16),
    };
  }
  const s = scalarOf(col);
  if (col.shape.scalar) {
    return { schema: [{ ...s.type, name, repetition_type: "OPTIONAL" }], convert: s.convert, size: () => s.bytes };
  }
  // Parquet's three-level LIST (parquet-format LogicalTypes.md, "Lists").
  return {
    schema: [
      { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { ...s.type, name: "element", repetition_type: "OPTIONAL" },
    ],
    convert: (v) => {
      if (v === null || v === undefined) return null;
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) return fail(col, "an array is expected");
      return Array.from(v as ArrayLike<unknown>, (x) => s.convert(x));
    },
    size: (v) => (Array.isArray(v) ? v.length * s.bytes + 16 : 16),
  };
}

/** Parquet names must be unique among siblings; VOTable FIELD names need not be. */
function uniqueNames(columns: readonly Column[]): string[] {
  const seen = new Set<string>();
  return columns.map((c) => {
    let name = c.field.name;
    for (let k = 2; seen.has(name); k++) name = `${c.field.name}_${k}`;
    seen.add(name);
    return name;
  });
}

/**
 * hyparquet-writer, and the byte sink of its writer (each flush, one per row group, becomes a chunk of the stream),
 * loaded when the first Parquet stream starts: with hyparquet, some 120 modules and 0.1 s that a process that writes no
 * Parquet (most services, most of the time) would otherwise spend on starting.
 */
interface ParquetModule {
  readonly ParquetWriter: typeof ParquetWriter;
  readonly ChunkWriter: new (emit: (chunk: Buffer) => void | Promise<void>) => ByteWriter;
}

let parquetModule: Promise<ParquetModule> | undefined;

function loadParquet(): Promise<ParquetModule> {
  parquetModule ??= import("hyparquet-writer").then(({ ByteWriter, ParquetWriter }) => {
    // Made once per process (the promise above is kept), so the closure that it keeps is this one's.
    // eslint-disable-next-line no-restricted-syntax
    class ChunkWriter extends ByteWriter {
      constructor(private readonly emit: (chunk: Buffer) => void | Promise<void>) {
        super(64 * 1024);
      }

      private take(): Buffer {
        const chunk = Buffer.from(new Uint8Array(this.buffer, 0, this.index)); // a copy: the buffer is reused
        this.index = 0;
        return chunk;
      }

      flush(): void | Promise<void> {
        return this.emit(this.take());
      }

      override finish(): void {
        void this.emit(this.take());
      }
    }
    return { ParquetWriter, ChunkWriter };
  });
  return parquetModule;
}

export class ParquetStream extends Readable {
  /** Rows written so far. */
  rowCount = 0;
  /** The error that ended the rows early, if any. */
  failure: unknown = undefined;

  private readonly columns: readonly Column[];
  private readonly pq: ParquetColumn[];
  private readonly names: string[];
  private readonly rows: RowSource;
  private readonly options: WriteOptions & ParquetWriteOptions;
  private started = false;
  private finished = false;
  private wake: (() => void) | undefined;
  private close: (() => void) | undefined;

  constructor(fields: readonly Field[], rows: RowSource, options: WriteOptions & ParquetWriteOptions) {
    super({ highWaterMark: options.highWaterMark ?? 1 << 20, signal: options.signal });
    const rg = options.rowGroupRows;
    if (rg !== undefined && !(Number.isSafeInteger(rg) && rg >= 1)) {
      throw new VOTableError("VOTABLE_INVALID_OPTION", "rowGroupRows must be a positive integer");
    }
    this.columns = compileColumns(fields);
    if (this.columns.length === 0) throw new VOTableError("VOTABLE_INVALID_FIELD", "a table needs at least one field");
    this.names = uniqueNames(this.columns);
    this.pq = this.columns.map((c, i) => columnOf(c, this.names[i]!));
    if (options.metaResources !== undefined && options.metaResources.length > 0) {
      const ids = new Set<string>();
      for (const c of this.columns) if (c.field.ID !== undefined) ids.add(c.field.ID);
      if (options.resource?.ID !== undefined) ids.add(options.resource.ID);
      if (options.table?.ID !== undefined) ids.add(options.table.ID);
      for (const info of options.infos ?? []) if (info.ID !== undefined) ids.add(info.ID);
      checkMetaResources(options.metaResources, ids);
    }
    // Checks the options the embedded VOTable needs (IDs, requestTime) now, as the other formats do.
    metadataDocument(this.columns, options);
    this.rows = rows;
    this.options = options;
  }

  override _read(): void {
    if (this.wake) {
      const w = this.wake;
      this.wake = undefined;
      w();
    } else if (!this.started) {
      this.started = true;
      this.run().catch((err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))));
    }
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.finished) {
      this.finished = true;
      this.close?.();
    }
    this.wake?.();
    this.wake = undefined;
    cb(err);
  }

  /** Pushes a chunk; when the consumer's buffer is full, resolves only once it asks for more. */
  private pushChunk = (chunk: Buffer): void | Promise<void> => {
    if (this.destroyed || chunk.length === 0) return;
    if (this.push(chunk)) return;
    return new Promise<void>((resolve) => (this.wake = resolve));
  };

  private async run(): Promise<void> {
    const source = rowsOf(openSource(this.rows));
    this.close = () => source.close();
    const maxRows = this.options.rowGroupRows ?? 65536;
    const maxBytes = this.options.rowGroupBytes ?? 32 * 1024 * 1024;
    const kv: KeyValue[] = [];
    const schema: SchemaElement[] = [{ name: "root", num_children: this.pq.length }, ...this.pq.flatMap((c) => c.schema)];
    const { ParquetWriter, ChunkWriter } = await loadParquet();
    const writer = new ParquetWriter({
      writer: new ChunkWriter(this.pushChunk),
      schema,
      kvMetadata: kv,
      createdBy: "@qserv-tap/votable",
      statistics: this.options.statistics ?? false,
    });
    const pq = this.pq;
    const n = pq.length;
    // Scalar numbers have a size of their own; only strings and arrays are measured cell by cell.
    const variable = this.columns.flatMap((c, i) => (isCharType(c.datatype) || !c.shape.scalar ? [i] : []));
    const fixedBytes = pq.reduce((sum, c, i) => (variable.includes(i) ? sum : sum + c.size(null)), 0);
    let data: unknown[][] = this.pq.map(() => []);
    let groupRows = 0;
    let groupBytes = 0;
    let groups = 0;
    const writeGroup = async (): Promise<void> => {
      if (groupRows === 0) return;
      const columnData = this.pq.map((_, i) => ({ name: this.names[i]!, data: data[i]! }));
      data = this.pq.map(() => []);
      const rows = groupRows;
      groupRows = 0;
      groupBytes = 0;
      groups++;
      await writer.write({ columnData, rowGroupSize: rows });
    };
    let trailer: Trailer = {};
    for (;;) {
      if (this.destroyed) return;
      let r: IteratorResult<Row>;
      try {
        const p = source.pull() as IteratorResult<Row> | Promise<IteratorResult<Row>>;
        r = p instanceof Promise ? await p : p;
        if (this.destroyed) return;
        if (r.done) {
          if (isTrailer(r.value)) trailer = r.value;
          break;
        }
        const row = r.value;
        try {
          for (let i = 0; i < n; i++) data[i]!.push(pq[i]!.convert(row[i]));
        } catch (err) {
          // The row that failed leaves the group as it was.
          for (const d of data) d.length = groupRows;
          throw err;
        }
        groupRows++;
        groupBytes += fixedBytes;
        for (const i of variable) groupBytes += pq[i]!.size(data[i]![groupRows - 1]);
      } catch (err) {
        if (this.destroyed) return;
        this.failure = err;
        this.finished = true;
        source.close();
        trailer = { status: "ERROR", message: errorMessageOf(err, this.options.onError) };
        await writeGroup();
        await this.end_(writer, kv, trailer);
        return;
      }
      this.rowCount++;
      if (groupRows >= (groups === 0 ? Math.min(1000, maxRows) : maxRows) || groupBytes >= maxBytes) await writeGroup();
    }
    this.finished = true;
    await writeGroup();
    try {
      const fromEnd = await this.options.end?.();
      if (fromEnd) trailer = { ...trailer, ...fromEnd, infos: [...(trailer.infos ?? []), ...(fromEnd.infos ?? [])] };
    } catch (err) {
      trailer = { status: "ERROR", message: errorMessageOf(err, this.options.onError) };
      this.failure = err;
    }
    await this.end_(writer, kv, trailer);
  }

  /** The footer: the key–value metadata of VOParquet 1.0, with the VOTable that says how the rows ended. */
  private async end_(writer: ParquetWriter, kv: KeyValue[], trailer: Trailer): Promise<void> {
    if (this.destroyed) return;
    kv.push(
      { key: VOPARQUET_VERSION_KEY, value: VOPARQUET_VERSION },
      { key: VOPARQUET_CONTENT_KEY, value: metadataDocument(this.columns, this.options, trailer, this.options.metaResources) },
    );
    await writer.finish();
    if (!this.destroyed) this.push(null);
  }
}
