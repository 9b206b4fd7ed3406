/**
 * What the server needs from a database: sessions that can hold per-request temporary tables
 * (uploads) and run one streaming query at a time, and a health check. One implementation per
 * backend: duckdb.ts, mariadb.ts, qserv.ts.
 */
import type { Dialect } from "@qserv-tap/adql-compiler";
import type { Field } from "@qserv-tap/votable";
import { TapError } from "../errors.js";

/** Rows of a running query, as arrays in SQL column order. Closing cancels the query. */
export interface RowCursor extends AsyncIterable<unknown[]> {
  /** Stops the query (if it is still running) and releases what it holds. Idempotent. */
  close(): Promise<void>;
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
  /** Runs one query; abort (signal) cancels it. */
  query(sql: string, signal?: AbortSignal): Promise<RowCursor>;
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
}

export interface AsyncQueryProtocol {
  /**
   * Submits the query (or re-attaches to it), waits for the database to finish it without holding
   * a connection, then returns its rows.
   */
  run(sql: string, options: AsyncRunOptions): Promise<RowCursor>;
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
  ping(): Promise<void>;
  /**
   * Whether a database error was caused by the query's own values (a cast out of range, an
   * invalid argument): DALI 1.1 §5.2 makes those the client's errors (400), not the service's.
   */
  isQueryValueError(e: unknown): boolean;
  close(): Promise<void>;
}

/**
 * A database condition with the status the client gets: a TapError, so that the query's error
 * handling passes it on as it is. `retryAfter`, when set, is sent as Retry-After (a 503 that is
 * expected to pass: the pool is busy, the database is down).
 */
export class BackendError extends TapError {
  override name = "BackendError";
  constructor(message: string, status = 500, code = "TAP_DATABASE_ERROR", retryAfter?: number) {
    super(status, message, code, retryAfter);
  }
}
