/**
 * What the server needs from a database: sessions that can hold per-request temporary tables
 * (uploads) and run one streaming query at a time, and a health check. One implementation per
 * backend: duckdb.ts, mariadb.ts, qserv.ts.
 */
import type { Readable } from "node:stream";
import type { Dialect } from "@qserv-tap/adql-compiler";
import { batchRow, type BatchColumn, type ColumnBatch, type Field } from "@qserv-tap/votable";
import type { Schema, Table } from "../compiler-extras.js";

/**
 * The rows of a running query, in batches: each batch has one BatchColumn per SQL column, in SQL column order
 * (DuckDB: a data chunk's vectors, typed arrays for the numbers; MariaDB: the rows that mysql2 has read, column by
 * column). A batch is never empty. The next batch is read only when asked for, so at most about one batch is held
 * ahead of the consumer. Closing cancels the query.
 */
export interface RowCursor extends AsyncIterable<ColumnBatch> {
  /** Stops the query (if it is still running) and releases what it holds. Idempotent. */
  close(): Promise<void>;
}

/**
 * A cursor over another's batches that runs `close` when they end, fail or are left. A class, not a generator made per
 * call, whose closure V8 would keep until a full collection (eslint.config.js).
 */
export class ClosingCursor implements RowCursor {
  constructor(
    private readonly batches: AsyncIterable<ColumnBatch>,
    readonly close: () => Promise<void>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<ColumnBatch> {
    try {
      yield* this.batches;
    } finally {
      await this.close();
    }
  }
}

/** The rows of a cursor one by one, as arrays in SQL column order (for consumers of a few rows). */
export async function* cursorRows(cursor: AsyncIterable<ColumnBatch>): AsyncGenerator<unknown[]> {
  for await (const batch of cursor) for (let i = 0; i < batch.rowCount; i++) yield batchRow(batch, i);
}

/**
 * How the cells of a column from a row-wise driver (mysql2) are gathered into a batch: numbers into a typed array with
 * a null mask, as DuckDB's vectors come (the VOTable writers then encode them column by column, with no per-cell
 * buffer: a MariaDB cone's five number columns cost 5 scratch buffers of 82 KB each when given as plain arrays), or
 * as they are. A column whose cells do not fit its kind (a value that is not a number, an integer out of range) is
 * gathered as it is: the kind only says what to try.
 */
export type CellKind = "float64" | "int32" | "int64" | "any";

/** Rows (arrays in SQL column order) as one batch, column by column; `kinds` (per column) says which may be typed. */
export function batchOfRows(rows: readonly (readonly unknown[])[], kinds?: readonly CellKind[]): ColumnBatch {
  const width = rows[0]?.length ?? 0;
  const columns: BatchColumn[] = [];
  for (let c = 0; c < width; c++) {
    const kind = kinds?.[c] ?? "any";
    columns.push((kind !== "any" ? typedColumn(rows, c, kind) : undefined) ?? plainColumn(rows, c));
  }
  return { rowCount: rows.length, columns };
}

function plainColumn(rows: readonly (readonly unknown[])[], c: number): BatchColumn {
  const values = new Array<unknown>(rows.length);
  for (let i = 0; i < rows.length; i++) values[i] = rows[i]![c];
  return { values };
}

/** Column c as a typed array of its kind, or undefined when a cell does not fit it. */
function typedColumn(rows: readonly (readonly unknown[])[], c: number, kind: Exclude<CellKind, "any">): BatchColumn | undefined {
  const n = rows.length;
  let nulls: Uint8Array | undefined;
  if (kind === "float64") {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = rows[i]![c];
      if (typeof v === "number") values[i] = v;
      else if (v === null || v === undefined) (nulls ??= new Uint8Array(n))[i] = 1;
      else return undefined;
    }
    return { values, nulls };
  }
  if (kind === "int32") {
    const values = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = rows[i]![c];
      if (typeof v === "number" && (v | 0) === v && !Object.is(v, -0)) values[i] = v;
      else if (v === null || v === undefined) (nulls ??= new Uint8Array(n))[i] = 1;
      else return undefined;
    }
    return { values, nulls };
  }
  // int64: mysql2 gives a BIGINT as a number when it is a safe integer, else as a string of its digits.
  const values = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const v = rows[i]![c];
    if (typeof v === "number" && Number.isSafeInteger(v)) values[i] = BigInt(v);
    else if (typeof v === "string" && INT64_TEXT.test(v)) {
      const b = BigInt(v);
      if (BigInt.asIntN(64, b) !== b) return undefined;
      values[i] = b;
    } else if (v === null || v === undefined) (nulls ??= new Uint8Array(n))[i] = 1;
    else return undefined;
  }
  return { values, nulls };
}

const INT64_TEXT = /^-?\d{1,19}$/;

/**
 * The rows of an object-mode stream (mysql2's) gathered into batches of what it has already read, up to `max` rows,
 * with no promise per row. Listens for the stream's error at once, so that an error before the first batch is
 * asked for is kept for it rather than left unhandled. A stream destroyed without an error ends the batches. `kinds`
 * gives the columns' CellKinds once the driver knows them.
 */
export function streamBatches(stream: Readable, max = 1000, kinds?: () => readonly CellKind[] | undefined): AsyncIterable<ColumnBatch> {
  return new StreamBatches(stream, max, kinds);
}

/** streamBatches' iterable: a class, not a generator made per call (eslint.config.js). */
class StreamBatches implements AsyncIterable<ColumnBatch> {
  private failure: unknown;

  constructor(
    private readonly stream: Readable,
    private readonly max: number,
    private readonly kinds: (() => readonly CellKind[] | undefined) | undefined,
  ) {
    stream.on("error", (e: unknown) => (this.failure ??= e));
  }

  private wait(): Promise<void> {
    const stream = this.stream;
    return new Promise<void>((resolve) => {
      const wake = () => {
        stream.off("readable", wake);
        stream.off("end", wake);
        stream.off("error", wake);
        stream.off("close", wake);
        resolve();
      };
      stream.on("readable", wake);
      stream.on("end", wake);
      stream.on("error", wake);
      stream.on("close", wake);
    });
  }

  // destroy(error) sets `errored` at once and emits the error later.
  private check(): void {
    const e = this.failure ?? this.stream.errored;
    if (e !== undefined && e !== null) throw e;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ColumnBatch> {
    const { stream, max } = this;
    for (;;) {
      this.check();
      const rows: unknown[][] = [];
      let row: unknown;
      while (rows.length < max && (row = stream.read()) !== null) rows.push(row as unknown[]);
      if (rows.length > 0) {
        yield batchOfRows(rows, this.kinds?.());
        continue;
      }
      this.check();
      if (stream.readableEnded || stream.destroyed) return;
      await this.wait();
    }
  }
}

/** A table to create for TAP_UPLOAD: its fields and its rows. */
export interface UploadTable {
  /** The name the query uses, after TAP_UPLOAD. */
  name: string;
  fields: readonly Field[];
  rows: AsyncIterable<readonly unknown[]>;
}

export interface Session {
  /** Creates a temporary table visible only to this session; returns its name in SQL, qualified as needed. */
  createUploadTable(table: UploadTable, columnNames: readonly string[]): Promise<string[]>;
  /**
   * Runs one query; abort (signal) cancels it. `parameters` are the values of the SQL's placeholders $1, $2... as
   * doubles (CompileResult.parameters), only for a dialect with numberedParameters.
   */
  query(sql: string, signal?: AbortSignal, parameters?: readonly number[]): Promise<RowCursor>;
  /** Drops temporary tables and returns the connection. Idempotent. */
  release(): Promise<void>;
}

/**
 * The code of the abort reason with which the service stops running jobs at shutdown: a
 * database's own async query is then left running, to be re-attached after the restart.
 */
export const STOPPING_CODE = "TAP_STOPPING";

/** How a query runs on a database's own asynchronous protocol (Qserv's SUBMIT). */
export interface AsyncRunOptions {
  /** Aborting cancels the query on the database (Qserv: CANCEL). */
  signal: AbortSignal;
  /** A reference returned earlier through onSubmitted: re-attach to that query instead of submitting. */
  resume?: string;
  /** Called with the database's reference of the query once it is submitted, before waiting for it. */
  onSubmitted?: (ref: string) => void | Promise<void>;
  /** Called whenever the database reports that more of the query is done (Qserv: chunks completed). */
  onProgress?: (progress: QueryProgress) => void;
}

/** How much of a running query is done, as the database counts it (Qserv: its chunks). */
export interface QueryProgress {
  chunksCompleted: number;
  chunksTotal: number;
}

export interface AsyncQueryProtocol {
  /**
   * Submits the query (or re-attaches to it), waits for the database to finish it without holding
   * a connection, then returns its rows.
   */
  run(sql: string, options: AsyncRunOptions): Promise<RowCursor>;
}

/**
 * What `tap-server load` asks of a backend (load.ts has checked the file and found the table): fill the table from
 * the file, all or nothing, and publish its Felis definition for storedFelis.
 */
export interface TableLoad {
  /** The Felis schema of the table, whose published document the load rebuilds. */
  schema: Schema;
  /** The table as Felis defines it: the backend adds the storage columns of its regions (withRegionStorage). */
  table: Table;
  /** A CSV (header line, empty field = NULL) or Parquet file, readable. */
  file: string;
}

export interface Backend {
  readonly kind: "duckdb" | "mariadb" | "qserv";
  readonly dialect: Dialect;
  /** Whether TAP_UPLOAD works on this backend. */
  readonly uploads: boolean;
  /** A short description for availability notes. */
  readonly description: string;
  session(): Promise<Session>;
  /**
   * The database's own protocol for long queries, when it has one: async jobs use it, and a job
   * that was running when the service stopped can be re-attached after a restart.
   */
  readonly asyncQueries?: AsyncQueryProtocol;
  /** Throws when the database does not answer a trivial query. */
  /** The database connections held: open, idle in a pool, and requests waiting for one (/metrics). */
  connectionCounts?(): { open: number; idle: number; waiting: number };
  ping(): Promise<void>;
  /**
   * Whether a database error was caused by the query's own values (a cast out of range, an
   * invalid argument): DALI 1.1 §5.2 makes those the client's errors (400), not the service's.
   */
  isQueryValueError(e: unknown): boolean;
  /** The Felis documents that `tap-server load` stored in this database; a backend that cannot be loaded has none. */
  storedFelis?(): Promise<string[]>;
  /**
   * Loads a table (`tap-server load`) and returns the number of rows; a backend that refuses throws a
   * LoadRefusedError that says why. Only on a backend opened for it: the service's DuckDB reads no file.
   */
  load?(request: TableLoad): Promise<number>;
  close(): Promise<void>;
}

/** A backend that does not load tables with `tap-server load` (Qserv has its own ingest tools): the reason. */
export class LoadRefusedError extends Error {
  override name = "LoadRefusedError";
  /** The command's usage error: exit status 2 (main.ts), as a wrong option. */
  readonly usage = true;
}

