/**
 * The embedded DuckDB backend: one database (a file, or in memory), one connection per session (kept
 * for the next session when the session left nothing behind), scisql's functions registered as DuckDB
 * scalar functions, streaming results chunk by chunk.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { DuckDBConnection, DuckDBDataChunk, DuckDBListType, DuckDBPreparedStatement, DuckDBResult, DuckDBValue, DuckDBVector } from "@duckdb/node-api";
// The native layer's module object (CommonJS, its functions set at load: an ES import cannot name them).
import type { get_data_from_pointer } from "@duckdb/node-bindings";
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  DuckDBBigIntVector,
  DuckDBBooleanVector,
  DuckDBDoubleVector,
  DuckDBFloatVector,
  DuckDBInstance,
  DuckDBIntegerVector,
  DuckDBSmallIntVector,
  DuckDBTimestampVector,
  DuckDBTinyIntVector,
  DuckDBUSmallIntVector,
  DuckDBUTinyIntVector,
  DuckDBVarCharVector,
  JSDuckDBValueConverter,
  DuckDBTimestampValue as TimestampValue,
  INTEGER,
  LIST,
  FLOAT,
  SMALLINT,
  StatementType,
  listValue,
} from "@duckdb/node-api";
import type { BatchColumn, ColumnBatch, Field } from "@qserv-tap/votable";
import { registerScisqlFunctions } from "../compiler-extras.js";
import { parseDaliTimestamp, timestampMicros } from "../timestamp.js";
import type { DuckDbConfig } from "../config.js";
import { type Backend, type RowCursor, type Session, type TableLoad, type UploadTable } from "./backend.js";
import { TapError } from "../errors.js";
import "./duckdb-text.js";

export function quoteDuck(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The DuckDB type of a VOTable field (uploads) or catalog column (loader, demo). */
export function duckType(f: { datatype: string; arraysize?: string | null; xtype?: string | null }): string {
  if (f.xtype === "timestamp") return "TIMESTAMP";
  const array = f.arraysize !== undefined && f.arraysize !== null && f.arraysize !== "";
  const scalar = ((): string => {
    switch (f.datatype) {
      case "boolean":
      case "bit":
        return "BOOLEAN";
      case "unsignedByte":
      case "short":
        return "SMALLINT";
      case "int":
        return "INTEGER";
      case "long":
        return "BIGINT";
      case "float":
        return "REAL";
      case "double":
        return "DOUBLE";
      default:
        return "VARCHAR";
    }
  })();
  if (scalar === "VARCHAR" || !array) return scalar;
  return `${scalar}[]`;
}

/** The resources of one DuckDB instance; what is not given keeps DuckDB's default (the loader's, the tests'). */
export type DuckDbResources = Partial<Omit<DuckDbConfig, "path">>;

/**
 * DuckDB's "Out of Memory Error" (its memory_limit, or max_temp_directory_size, was reached) as
 * the service's answer: the advice DuckDB appends (raise the limit) is the operator's to take,
 * not the client's. 503: the limit is shared by every running query, so the same query may pass
 * when the service is less busy.
 */
export function duckDbResourceError(e: unknown, resources: DuckDbResources = {}): TapError | undefined {
  const message = (e as Error)?.message ?? "";
  if (!/^Out of Memory Error:/.test(message)) return undefined;
  const first = message.split("\n")[0]!.replace(/^Out of Memory Error:\s*/, "");
  const limits = [
    resources.memoryLimit ? `${resources.memoryLimit} of memory` : undefined,
    resources.maxTempDirectorySize ? `${resources.maxTempDirectorySize} of temporary disk` : undefined,
  ].filter((x) => x !== undefined);
  return new TapError(
    503,
    `The query used too much memory: it needs more than the database allows all running queries together` +
      `${limits.length > 0 ? ` (${limits.join(" and ")})` : ""}; ask for fewer rows or columns, or try again later (${first})`,
    "TAP_QUERY_TOO_LARGE",
  );
}

/** DuckDB names its error class at the start of the message. */
export function isDuckDbValueError(e: unknown): boolean {
  return /^(Conversion|Out of Range|Invalid Input) Error:/.test((e as Error)?.message ?? "");
}

export class DuckDbBackend implements Backend {
  readonly kind = "duckdb" as const;
  readonly dialect = "duckdb" as const;
  readonly uploads = true;
  readonly description: string;
  private uploadCounter = 0;
  /** Sessions handed out and not yet released: close() stops their queries and waits for them. */
  private readonly live = new Set<DuckDbSession>();
  /** Called when the last live session is released (close() waiting). */
  private onAllReleased: (() => void) | undefined;
  /**
   * Connections of released sessions, for the next sessions: a new connection and its closing cost about
   * as much as a cone search's query (issue 15's profile). Only a connection that its session left clean
   * comes here: no upload table ever made on it, its last query read to its end with the transaction
   * ended (so no interrupted or failed statement, no open transaction).
   */
  private readonly idle: DuckDBConnection[] = [];
  /** Connections being made (connect), which close() waits for. */
  private readonly connecting = new Set<Promise<DuckDBConnection>>();
  private closed = false;
  /** Queries under way on `main` (run, rows, ping), which close() ends before it closes the connection. */
  private readonly mainQueries: ConnectionQueries;

  /** Where the database is, for the operator (the start-up line); `description` is public and says less. */
  readonly location: string;
  private locked = false;

  private constructor(
    readonly instance: DuckDBInstance,
    /** A connection kept open for setup, metadata and health checks; used only through mainQueries (withMain). */
    private readonly main: DuckDBConnection,
    path: string,
    readonly resources: DuckDbResources,
    /** A spill directory of our own, removed at close. */
    private readonly ownTemp: string | undefined,
    /** The statement that makes the attached file a new connection's default database (none in memory). */
    private readonly use: string | undefined,
  ) {
    this.mainQueries = new ConnectionQueries(main, "the DuckDB database");
    this.description = path === ":memory:" ? "embedded DuckDB (in memory)" : "embedded DuckDB";
    this.location = path === ":memory:" ? "embedded DuckDB (in memory)" : `embedded DuckDB (${path})`;
  }

  /**
   * Opens the database with external access on: the loader and the demo generator read and write
   * files through it. A server calls lockDown() once its set-up is done.
   */
  static async open(path: string, resources: DuckDbResources = {}): Promise<DuckDbBackend> {
    const file = path !== ":memory:";
    if (file) mkdirSync(dirname(path), { recursive: true });
    // DuckDB 1.5's late materialization turns `SELECT ... FROM t LIMIT n` (every TOP n download) into a semi-join
    // ordered by rowid, which makes and sorts all n rows before the first: 100,000 rows' first byte 44-82 ms against
    // 8-10 ms without it, and 1,000,000 rows 220-250 MB of RSS against 32-53 (docs/performance.md). A service streams.
    // Not allocator_background_threads: it takes the madvise of each query's purge off the query's thread (2,239-2,426 calls
    // per 3,300 cones against 644-695 in process), but over HTTP it gave no more cones per second and a longer p99
    // (docs/performance.md).
    const options: Record<string, string> = { disabled_optimizers: "late_materialization" };
    if (resources.memoryLimit) options.memory_limit = resources.memoryLimit;
    if (resources.threads) options.threads = String(resources.threads);
    if (resources.maxTempDirectorySize) options.max_temp_directory_size = resources.maxTempDirectorySize;
    let ownTemp: string | undefined;
    if (resources.tempDirectory) {
      options.temp_directory = resources.tempDirectory;
    } else if (file) {
      // DuckDB's default for a database file, which the in-memory instance below would not get.
      options.temp_directory = `${path}.tmp`;
    } else if (resources.maxTempDirectorySize) {
      // DuckDB's default for an in-memory database is ./.tmp, which every in-memory instance of
      // the working directory would share (and remove at its close).
      ownTemp = mkdtempSync(join(tmpdir(), "tap-duckdb-"));
      options.temp_directory = ownTemp;
    }
    try {
      // A file is attached rather than opened, for its row group size (only ATTACH takes one); an in-memory
      // database ignores the option.
      const instance = await DuckDBInstance.create(":memory:", options);
      const main = await instance.connect();
      let use: string | undefined;
      try {
        if (file) {
          await main.run(`ATTACH ${quoteDuckString(resolve(path))} (ROW_GROUP_SIZE ${ROW_GROUP_SIZE})`);
          // The name DuckDB gives it (the file's stem), which is also the catalog's name when the file is opened
          // directly: qualified names (the image registry's) stay as they were. Found as the one database attached,
          // not by its path: DuckDB lists the path with symbolic links resolved.
          const reader = await main.runAndReadAll("SELECT database_name FROM duckdb_databases() WHERE NOT internal AND path IS NOT NULL");
          use = `USE ${quoteDuck(String(reader.getRows()[0]?.[0]))}`;
          await main.run(use);
        }
        await registerScisqlFunctions(main);
      } catch (e) {
        main.closeSync();
        instance.closeSync();
        throw e;
      }
      return new DuckDbBackend(instance, main, path, resources, ownTemp, use);
    } catch (e) {
      if (ownTemp) rmSync(ownTemp, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * From here on no query reads or writes a file (read_csv, COPY, ATTACH, extensions) and no
   * setting changes (SET memory_limit): DuckDB applies both to every connection of the instance,
   * and neither can be undone, so the queries that clients send cannot either. Spilling to the
   * temporary directory goes on.
   */
  async lockDown(): Promise<void> {
    if (this.locked) return;
    await this.main.run("SET enable_external_access = false");
    await this.main.run("SET lock_configuration = true");
    this.locked = true;
  }

  async run(sql: string, values?: DuckDBValue[]): Promise<void> {
    await this.mainQueries.run((main) => main.run(sql, values));
  }

  /**
   * `use` with the backend's own connection, counted as run and rows are, so that close() ends it before closing:
   * a query left running under close() crashed the process or hung its exit (an image listing at a server's
   * start, stopped at once; faults.test). Whatever `use` starts on the connection must have ended when it resolves.
   */
  withMain<T>(use: (main: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.mainQueries.run(use);
  }

  async rows(sql: string): Promise<unknown[][]> {
    const reader = await this.mainQueries.run((main) => main.runAndReadAll(sql));
    return reader.getRowsJS() as unknown[][];
  }

  /** Felis documents stored by `tap-server load`. */
  async storedFelis(): Promise<string[]> {
    const exists = await this.rows("SELECT count(*) FROM information_schema.tables WHERE table_name = 'tap_server_felis'");
    if (Number(exists[0]?.[0]) === 0) return [];
    return (await this.rows("SELECT yaml FROM tap_server_felis ORDER BY name")).map((r) => String(r[0]));
  }

  /** `tap-server load`: the table dropped, created and filled in one transaction (duckdb-load.ts). */
  async load(request: TableLoad): Promise<number> {
    const { loadDuckDb } = await import("./duckdb-load.js");
    return loadDuckDb(this, request);
  }

  /**
   * A new connection to the database: DuckDB's connections start in the instance's in-memory catalog. Counted
   * until made, since its USE is a query that close() must not close the instance under.
   */
  async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error("the database is closed");
    const making = (async () => {
      const conn = await this.instance.connect();
      if (this.use !== undefined) await conn.run(this.use);
      return conn;
    })();
    this.connecting.add(making);
    try {
      return await making;
    } finally {
      this.connecting.delete(making);
    }
  }

  async session(): Promise<Session> {
    if (this.closed) throw new Error("the database is closed");
    const conn = this.idle.pop() ?? (await this.connect());
    if (this.closed) {
      // close() came while the connection was made: it no longer waits for sessions
      closeConnection(conn);
      throw new Error("the database is closed");
    }
    const session: DuckDbSession = new DuckDbSession(
      conn,
      () => ++this.uploadCounter,
      (reusable) => this.releaseConnection(session, conn, reusable),
      this.resources,
    );
    this.live.add(session);
    return session;
  }

  private releaseConnection(session: DuckDbSession, conn: DuckDBConnection, reusable: boolean): void {
    this.live.delete(session);
    if (reusable && !this.closed && this.idle.length < MAX_IDLE_CONNECTIONS) this.idle.push(conn);
    else closeConnection(conn);
    if (this.live.size === 0) this.onAllReleased?.();
  }

  /** Sessions not yet released (for tests and monitoring). */
  get activeSessions(): number {
    return this.live.size;
  }

  /** Connections kept for the next sessions (tests). */
  get idleConnections(): number {
    return this.idle.length;
  }

  isQueryValueError(e: unknown): boolean {
    return isDuckDbValueError(e);
  }

  /** A connection per session, taken from the idle ones or made at once: nobody waits. */
  connectionCounts(): { open: number; idle: number; waiting: number } {
    return { open: this.activeSessions + this.idle.length, idle: this.idle.length, waiting: 0 };
  }

  async ping(): Promise<void> {
    await this.mainQueries.run((main) => main.runAndReadAll("SELECT 1"));
  }

  /**
   * Closes the database once the sessions still live have ended. Their queries are interrupted first: at shutdown,
   * responses cut short and jobs aborted are still stopping theirs. Closing under a running query would not stop it,
   * and the process's exit would then never come: process.exit joins libuv's threads, and a DuckDB task calling a
   * JavaScript scalar function (the scisql functions) on one of them waits for this thread, which runs no JavaScript
   * any more (seen: a server that did not exit after SIGTERM, cones cut short by the client's end).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.live.size > 0) {
      for (const session of this.live) session.interrupt();
      await new Promise<void>((resolve) => {
        // A session that its holder never releases runs no query: after the bound, closing cannot deadlock on it.
        const bound = setTimeout(resolve, CLOSE_WAIT_MS);
        this.onAllReleased = () => {
          clearTimeout(bound);
          resolve();
        };
      });
    }
    await Promise.allSettled([...this.connecting]);
    await this.mainQueries.close();
    for (const conn of this.idle.splice(0)) closeConnection(conn);
    this.instance.closeSync();
    if (this.ownTemp) rmSync(this.ownTemp, { recursive: true, force: true });
  }
}

/**
 * Rows per row group of a database file (DuckDB's default: 122,880). DuckDB skips a row group whose minimum and
 * maximum exclude a filter; tables are written in declination order (the demo, `tap-server load`), so a cone's
 * declination band reads a few small groups rather than the whole table. 8,192 rather than 2,048: the same cone
 * CPU here (a 100,000-row table: 2.5-3.1 ms vs 2.8-3.0, one thread), and a quarter of the groups for a full scan.
 */
export const ROW_GROUP_SIZE = 8192;

/** An SQL string literal. */
function quoteDuckString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** More idle connections than sessions ever run at once would only hold memory. */
const MAX_IDLE_CONNECTIONS = 32;
/** How long close() waits for live sessions to be released after interrupting their queries (ms). */
const CLOSE_WAIT_MS = 10_000;

/**
 * The queries under way on one connection that is shared by its owner's callers (a backend's own connection, the
 * image registry's), so that it is closed only once they have ended. DuckDB closing a connection under its query
 * deadlocks the query's thread: the last reference to the connection's context is then dropped inside the query,
 * which destroys the context while holding its lock (gdb: ClientContext::Destroy waiting in LockContext, under
 * PendingQueryResult::ExecuteInternal). process.exit joins that thread and never returns: a server stopped right
 * after its start hung for 15 minutes, and a script that closes under a query hung in three runs of three.
 */
export class ConnectionQueries {
  private readonly running = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    private readonly conn: DuckDBConnection,
    /** What the connection serves, for the refusal once it is closing. */
    private readonly what: string,
  ) {}

  /** `query` on the connection, counted until it ends; refused once close() has begun. */
  run<T>(query: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error(`${this.what} is closing`));
    const running = query(this.conn);
    this.running.add(running);
    const done = (): void => void this.running.delete(running);
    running.then(done, done);
    return running;
  }

  /**
   * Interrupts the queries under way until they have ended (interruptWhile; bounded, as close() waits for sessions),
   * then closes the connection. A query still running after the bound keeps its connection open: closing under it
   * would hang the process for good, where leaving it lets the exit wait for its end.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.running.size > 0) {
      let waiting = true;
      interruptWhile(this.conn, () => waiting && this.running.size > 0);
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.running]), new Promise<void>((resolve) => (bound = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      waiting = false;
      clearTimeout(bound);
      if (this.running.size > 0) return;
    }
    this.conn.closeSync();
  }
}

/**
 * Interrupts the connection's statement now, and again every 20 ms while `pending()` holds: an interrupt that lands
 * before DuckDB has started the statement is lost, and the statement then runs to its end.
 */
function interruptWhile(conn: DuckDBConnection, pending: () => boolean): void {
  conn.interrupt();
  const again = setInterval(() => (pending() ? conn.interrupt() : clearInterval(again)), 20);
}

/**
 * The statements last prepared on each connection, by SQL, least recently used first. Preparing (parsing,
 * binding, optimizing) a cone search's SQL costs DuckDB about half of the query's CPU (1.5-3 ms here, the inline
 * circle test being a large expression), and a client that repeats a query (a portal's fixed cone, a page
 * refreshed) sends the same SQL again, and cones at other centres send it too, their constants being placeholders
 * (the compiler's `parameters` option, bound at each run). DuckDB binds a prepared statement again by itself when a table it reads has
 * changed since (its catalog's version), so a kept statement sees what was committed after it.
 */
const statements = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();
/** Statements kept per connection: a bound plan is a few KB. */
const STATEMENTS_PER_CONNECTION = 16;
/** Longer SQL (an IN list of thousands of values) is prepared each time rather than kept. */
const MAX_KEPT_SQL = 8192;

/** The connection's prepared statement for this SQL, and whether it is kept (the caller destroys one that is not). */
async function prepareKept(conn: DuckDBConnection, sql: string): Promise<{ prepared: DuckDBPreparedStatement; kept: boolean }> {
  let kept = statements.get(conn);
  const hit = kept?.get(sql);
  if (hit !== undefined) {
    kept!.delete(sql);
    kept!.set(sql, hit);
    return { prepared: hit, kept: true };
  }
  const prepared = await conn.prepare(sql);
  if (sql.length > MAX_KEPT_SQL) return { prepared, kept: false };
  if (kept === undefined) statements.set(conn, (kept = new Map()));
  kept.set(sql, prepared);
  if (kept.size > STATEMENTS_PER_CONNECTION) {
    const [oldest, statement] = kept.entries().next().value!;
    kept.delete(oldest);
    statement.destroySync();
  }
  return { prepared, kept: true };
}

/** Closes a connection and the statements kept on it. */
function closeConnection(conn: DuckDBConnection): void {
  for (const statement of statements.get(conn)?.values() ?? []) statement.destroySync();
  statements.delete(conn);
  conn.closeSync();
}

class DuckDbSession implements Session {
  private temps: string[] = [];
  private released = false;
  /** Whether the connection can serve another session as far as queries go: false from a query until it has ended cleanly. */
  private reusable = true;
  /** Temporary tables are the connection's: it is closed at release rather than handed to another session. */
  private uploaded = false;
  /** Stops the query running on the connection, while there is one. */
  private stopQuery: (() => void) | undefined;
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly nextId: () => number,
    private readonly onRelease: (reusable: boolean) => void,
    private readonly resources: DuckDbResources,
  ) {}

  async createUploadTable(table: UploadTable, columnNames: readonly string[]): Promise<string[]> {
    this.uploaded = true;
    const sqlName = `tap_upload_${this.nextId()}_${table.name.replace(/\W/g, "_")}`.toLowerCase();
    const cols = table.fields.map((f, i) => `${quoteDuck(columnNames[i]!)} ${duckType(f)}`);
    await this.conn.run(`CREATE TEMP TABLE ${quoteDuck(sqlName)} (${cols.join(", ")})`);
    this.temps.push(sqlName);
    const appender = await this.conn.createAppender(sqlName, null, "temp");
    try {
      const append = table.fields.map(appenderFor);
      for await (const row of table.rows) {
        for (let i = 0; i < append.length; i++) append[i]!(appender, row[i]);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return [sqlName];
  }

  async query(sql: string, signal?: AbortSignal, parameters: readonly number[] = []): Promise<RowCursor> {
    const conn = this.conn;
    // A signal aborted before this call (a job deleted while its query was being compiled) never
    // fires its listener: stop here instead of running the query to the end.
    signal?.throwIfAborted();
    this.reusable = false;
    // Interrupted until stream() has settled: one that lands before the statement has started is lost (interruptWhile).
    let starting = true;
    const onAbort = () => interruptWhile(conn, () => starting);
    signal?.addEventListener("abort", onAbort, { once: true });
    this.stopQuery = onAbort;
    let result: DuckDBResult;
    const resources = this.resources;
    try {
      // prepare() rather than stream(sql): the compiled query is one statement, and stream(sql) would split
      // it into statements first, a round trip to DuckDB's thread more (each costs about 0.15-0.3 ms here).
      const { prepared, kept } = await prepareKept(conn, sql);
      try {
        // Every placeholder is bound each time: a kept statement holds the values of its last run.
        for (let i = 0; i < parameters.length; i++) prepared.bindDouble(i + 1, parameters[i]!);
        result = await prepared.stream();
      } finally {
        if (!kept) prepared.destroySync();
      }
      starting = false;
      signal?.throwIfAborted();
    } catch (e) {
      starting = false;
      signal?.removeEventListener("abort", onAbort);
      this.stopQuery = undefined;
      if (signal?.aborted) conn.interrupt();
      throw duckDbResourceError(e, resources) ?? e;
    }
    return new DuckDbCursor(this, conn, result, { sql, parameters, signal, onAbort, resources });
  }

  /** The cursor's query read to its end: the connection is as a new one (the statement's own transaction has ended with it). */
  queryEnded(): void {
    this.reusable = true;
  }

  /** The cursor's query has stopped, or will not be stopped again. */
  queryStopped(): void {
    this.stopQuery = undefined;
  }

  /** The service is closing: the query running, if any, stops as if its request had been aborted. */
  interrupt(): void {
    this.stopQuery?.();
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const reusable = this.reusable && !this.uploaded;
    if (!reusable) {
      try {
        for (const t of this.temps) await this.conn.run(`DROP TABLE IF EXISTS temp.${quoteDuck(t)}`);
      } catch {
        // the connection goes away anyway
      }
    }
    this.onRelease(reusable);
  }
}

/**
 * The rows of a DuckDB query as batches, a data chunk each. A class rather than an object literal made in query(): a
 * generator method made per call got an initial map of its own in V8's old space, which held each query's closure
 * (and its chunks) until a full collection (eslint.config.js's no-restricted-syntax).
 */
class DuckDbCursor implements RowCursor {
  private closed = false;
  private complete = false;
  /** The chunk asked for before the consumer wanted it, while it is on its way. */
  private ahead: Promise<DuckDBDataChunk | null> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly session: DuckDbSession,
    private readonly conn: DuckDBConnection,
    private readonly result: DuckDBResult,
    private readonly query: { sql: string; parameters: readonly number[]; signal: AbortSignal | undefined; onAbort: () => void; resources: DuckDbResources },
  ) {}

  // Every caller waits for the one stop (the iterator's finally and the consumer's cleanup both close): a caller
  // that went on while the first was still settling could release the session, and closing a DuckDB connection
  // while a statement runs on it deadlocks DuckDB (its context destroyed under its own lock; seen at exit).
  close(): Promise<void> {
    return (this.stopping ??= this.stop());
  }

  private async stop(): Promise<void> {
    this.closed = true;
    this.query.signal?.removeEventListener("abort", this.query.onAbort);
    if (!this.complete) {
      // A stream left before its end is stopped; the connection, not reusable, is closed at release.
      this.conn.interrupt();
      // A chunk on its way ends (interrupted) before the connection runs anything else.
      await this.ahead?.catch(() => null);
      await settle(this.conn);
    }
    this.session.queryStopped();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ColumnBatch> {
    const { result } = this;
    const { sql, parameters, signal, resources } = this.query;
    try {
      for (;;) {
        if (this.closed) break;
        const chunk = await (this.ahead ?? result.fetchChunk());
        this.ahead = undefined;
        const n = chunk === null ? 0 : chunk.rowCount;
        if (n === 0) break;
        // The next chunk is asked for before this one is handed on: DuckDB produces it on a libuv thread while the
        // consumer encodes this one. At one DuckDB thread (the default) nothing else overlaps the two: a
        // 1,000,000-row download took 2.6 s instead of 2.0 s at two threads without it (docs/performance.md).
        const ahead = result.fetchChunk();
        // Handled now: it may fail while the consumer is still busy with this chunk, before anyone awaits it.
        ahead.catch(() => {});
        this.ahead = ahead;
        yield chunkBatch(chunk!, n);
      }
      if (!this.closed) {
        signal?.throwIfAborted();
        await checkStreamEnded(this.conn, result, sql, parameters);
        this.complete = true;
        this.session.queryEnded();
      }
    } catch (e) {
      throw duckDbResourceError(e, resources) ?? e;
    } finally {
      await this.close();
    }
  }
}

/**
 * A data chunk as a batch: the numbers as the typed arrays of their vectors (DOUBLE a Float64Array, BIGINT a
 * BigInt64Array...: the chunk's own memory, no value made per cell), nulls from the validity mask; other types
 * (VARCHAR, TIMESTAMP, DECIMAL, BOOLEAN, lists) converted to JavaScript values as getRowsJS would. The batch holds the
 * chunk, whose memory the typed arrays view.
 */
function chunkBatch(chunk: DuckDBDataChunk, n: number): ColumnBatch & { chunk: DuckDBDataChunk } {
  const columns: BatchColumn[] = [];
  for (let c = 0; c < chunk.columnCount; c++) {
    const vector = chunk.getColumnVector(c);
    columns.push(typedColumn(vector, n) ?? { values: chunk.convertColumnValues(c, JSDuckDBValueConverter) });
  }
  return { rowCount: n, columns, chunk };
}

/** What the numeric vector classes hold (private in their declarations, public fields in their code). */
interface NumericVector {
  items: Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint16Array | Uint8Array | BigInt64Array;
  validity: { data: BigUint64Array | null; offset: number };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The string reader of @duckdb/node-api's VARCHAR vectors (getItem's, without its BigInt validity check per cell). */
const dataAccessors = createRequire(import.meta.url)("@duckdb/node-api/lib/vectors/dataAccessors.js") as {
  getString?: (view: DataView, offset: number) => string;
};

function typedColumn(vector: DuckDBVector, n: number): BatchColumn | undefined {
  if (vector instanceof DuckDBTimestampVector) return timestampColumn(vector, n);
  if (vector instanceof DuckDBVarCharVector) return varcharColumn(vector, n);
  if (vector instanceof DuckDBBooleanVector) {
    // One byte per value, 0 or 1 (sizeof(bool)).
    const { dataView, validity } = vector as unknown as { dataView: DataView; validity: NumericVector["validity"] };
    if (!(dataView instanceof DataView) || dataView.byteLength < n) return undefined;
    return withNulls(new Uint8Array(dataView.buffer, dataView.byteOffset, n), validity, n);
  }
  if (
    !(
      vector instanceof DuckDBDoubleVector ||
      vector instanceof DuckDBFloatVector ||
      vector instanceof DuckDBIntegerVector ||
      vector instanceof DuckDBBigIntVector ||
      vector instanceof DuckDBSmallIntVector ||
      vector instanceof DuckDBTinyIntVector ||
      vector instanceof DuckDBUSmallIntVector ||
      vector instanceof DuckDBUTinyIntVector
    )
  ) {
    return undefined;
  }
  const { items, validity } = vector as unknown as NumericVector;
  if (!ArrayBuffer.isView(items) || items.length < n) return undefined;
  return withNulls(items, validity, n);
}

/** A column of these values, with the nulls of DuckDB's validity mask. */
function withNulls(items: BatchColumn["values"], validity: NumericVector["validity"] | undefined, n: number, timestamps = false): BatchColumn | undefined {
  if (validity === undefined) return undefined;
  const flags = timestamps ? { timestamps } : {};
  if (validity.data === null) return { values: items, ...flags };
  // DuckDB's validity mask: bit i%64 of 64-bit word i/64 is set when row i is valid; on a little-endian host that
  // is bit i%8 of byte i/8.
  if (!LITTLE_ENDIAN || validity.offset !== 0) return undefined;
  const bits = new Uint8Array(validity.data.buffer, validity.data.byteOffset, validity.data.byteLength);
  let nulls: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    if (((bits[i >> 3]! >> (i & 7)) & 1) === 0) (nulls ??= new Uint8Array(n))[i] = 1;
  }
  return nulls === undefined ? { values: items, ...flags } : { values: items, nulls, ...flags };
}

/**
 * The native copy of `count` bytes at a C address: @duckdb/node-bindings' get_data_from_pointer reads the address
 * from an ArrayBuffer, as getStringBytes passes it a string entry; here the entry is ours.
 */
const bindings = createRequire(import.meta.url)("@duckdb/node-bindings") as { get_data_from_pointer?: typeof get_data_from_pointer };
/** Native copies of long strings made by the cursor so far: one per run (tests check that runs are found). */
let stringCopies = 0;
export function varcharCopies(): number {
  return stringCopies;
}
const ADDRESS = new ArrayBuffer(8);
const ADDRESS_WORDS = new Uint32Array(ADDRESS);
const utf8 = new TextDecoder();

/**
 * VARCHAR as strings, from DuckDB's 16-byte entries (length; up to 12 bytes inline, else a pointer at +8), nulls from
 * the mask. Long strings whose bytes lie end to end, nulls and inline strings aside (in scans, filters, LIMIT and
 * ORDER BY of a table: about 3 runs per chunk of 2,048 rows, demo.stars' designations), are copied in one native call,
 * not one each: a call, its Buffer and its decoding cost about 1 µs, a third of a 1,000,000-row download's JavaScript time
 * (docs/performance.md). Only the strings' own bytes are read, as each call of getString would.
 */
function varcharColumn(vector: DuckDBVarCharVector, n: number): BatchColumn | undefined {
  const getString = dataAccessors.getString;
  const copy = bindings.get_data_from_pointer;
  const { dataView, validity, itemOffset } = vector as unknown as { dataView: DataView; validity: NumericVector["validity"]; itemOffset: number };
  if (typeof getString !== "function" || typeof copy !== "function" || !(dataView instanceof DataView) || itemOffset !== 0 || dataView.byteLength < n * 16 || !LITTLE_ENDIAN) {
    return undefined;
  }
  const strings = new Array<string | null>(n);
  const column = withNulls(strings, validity, n);
  if (column === undefined) return undefined;
  const nulls = column.nulls;
  const dv = dataView;
  const isNull = (i: number) => nulls !== undefined && nulls[i] !== 0;
  // A long string's address, exact as a double (user-space addresses are below 2^48).
  const address = (i: number) => dv.getUint32(i * 16 + 8, true) + dv.getUint32(i * 16 + 12, true) * 4294967296;
  // The run being read: its last row, its bytes and text, and the next string's offset in them.
  let last = -1;
  let bytes: Uint8Array = new Uint8Array(0);
  let text = "";
  let ascii = true;
  let off = 0;
  for (let i = 0; i < n; i++) {
    if (isNull(i)) {
      strings[i] = null;
      continue;
    }
    const length = dv.getUint32(i * 16, true);
    if (length <= 12) {
      strings[i] = getString(dv, i * 16);
      continue;
    }
    if (i > last) {
      // A run: the long strings from i on whose bytes continue where the previous one's end (nulls and inline
      // strings between them take no bytes), copied from the first one's address.
      const start = address(i);
      let end = start + length;
      last = i;
      for (let j = i + 1; j < n; j++) {
        if (isNull(j)) continue;
        const next = dv.getUint32(j * 16, true);
        if (next <= 12) continue;
        if (address(j) !== end) break;
        end += next;
        last = j;
      }
      ADDRESS_WORDS[0] = dv.getUint32(i * 16 + 8, true);
      ADDRESS_WORDS[1] = dv.getUint32(i * 16 + 12, true);
      stringCopies++;
      bytes = copy(ADDRESS, 0, end - start);
      text = utf8.decode(bytes);
      // As many UTF-16 units as bytes: all ASCII, so byte offsets are string offsets.
      ascii = text.length === end - start;
      off = 0;
    }
    strings[i] = ascii ? text.substring(off, off + length) : utf8.decode(bytes.subarray(off, off + length));
    off += length;
  }
  // A plain array holds its nulls itself.
  return { values: strings };
}

/**
 * TIMESTAMP (microseconds since 1970, a BigInt64Array) as milliseconds in a Float64Array, cut toward zero as
 * getRowsJS's Date is, read as two 32-bit halves rather than as a BigInt per value. Values beyond 2^53 µs (before
 * 1685, after 2255, or DuckDB's infinities) leave the column to the general conversion.
 */
function timestampColumn(vector: DuckDBTimestampVector, n: number): BatchColumn | undefined {
  const { items, validity } = vector as unknown as { items: BigInt64Array; validity: NumericVector["validity"] };
  if (!(items instanceof BigInt64Array) || items.length < n || !LITTLE_ENDIAN) return undefined;
  const ms = new Float64Array(n);
  const column = withNulls(ms, validity, n, true);
  if (column === undefined) return undefined;
  const nulls = column.nulls;
  const halves = new Int32Array(items.buffer, items.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    if (nulls !== undefined && nulls[i] !== 0) continue; // whatever the vector holds there
    const hi = halves[2 * i + 1]!;
    // |µs| < 2^53: the high half within ±2^21.
    if (hi >= 0x200000 || hi < -0x200000) return undefined;
    const micros = hi * 4294967296 + (halves[2 * i]! >>> 0);
    ms[i] = (micros - (micros % 1000)) / 1000;
  }
  return column;
}

/**
 * Whether a streamed result ended because its rows ran out or because the query failed. DuckDB's C API
 * ends a failing stream as it ends a complete one (an empty chunk), and keeps the error where
 * @duckdb/node-bindings (1.5.6) cannot read it (duckdb_result_error). But the C API's accessors of a result
 * answer INVALID for a result that holds an error (duckdb_result_statement_type: a SELECT's stream says
 * SELECT until it fails), which costs no round trip to DuckDB's threads. The error's message is then found
 * by running the query again without streaming: counting its rows as structs makes DuckDB compute every
 * column (count(*) would let it skip them), in bounded memory. Only a failed query pays for this.
 */
async function checkStreamEnded(conn: DuckDBConnection, result: DuckDBResult, sql: string, parameters: readonly number[]): Promise<void> {
  if (result.statementType !== StatementType.INVALID) return;
  await conn.run(`SELECT count(tap_row) FROM (${sql}) AS tap_row`, [...parameters], parameters.map(() => DOUBLE));
  throw new Error("the query failed while its rows were being produced (DuckDB gave no reason, and running it again succeeded)");
}

/**
 * Ends the interrupted query of a connection on DuckDB's side, off the JavaScript thread, as the transaction's
 * ROLLBACK did before: a statement run on the connection first cleans up its active query, waiting for the query's
 * tasks. Otherwise closeSync at release would clean it up on the JavaScript thread, which a task calling a JS scalar
 * function (the scisql functions) needs. Not seen to hang without it (duckdb-pool.test.ts), but only a query left
 * before its end pays for it.
 */
async function settle(conn: DuckDBConnection): Promise<void> {
  try {
    await conn.run("SELECT 1");
  } catch {
    // The connection is closing anyway.
  }
}

type Appender = Awaited<ReturnType<DuckDBConnection["createAppender"]>>;

function appenderFor(f: Field): (a: Appender, v: unknown) => void {
  const t = duckType(f);
  return (a, v) => {
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v) && t !== "DOUBLE" && t !== "REAL")) {
      a.appendNull();
      return;
    }
    switch (t) {
      case "BOOLEAN":
        a.appendBoolean(Boolean(v));
        return;
      case "SMALLINT":
        a.appendSmallInt(Number(v));
        return;
      case "INTEGER":
        a.appendInteger(Number(v));
        return;
      case "BIGINT":
        a.appendBigInt(BigInt(v as number | bigint));
        return;
      case "REAL":
        a.appendFloat(Number(v));
        return;
      case "DOUBLE":
        a.appendDouble(Number(v));
        return;
      case "TIMESTAMP":
        // Checked by the upload (uploads.ts), to the microsecond, which Date.parse would round to the millisecond.
        a.appendValue(new TimestampValue(v instanceof Date ? BigInt(v.getTime()) * 1000n : timestampMicros(parseDaliTimestamp(String(v)))));
        return;
      case "VARCHAR":
        a.appendVarchar(Array.isArray(v) ? v.join(" ") : String(v));
        return;
      default: {
        // An array column (a VOTable arraysize other than char's): a list, whose type DuckDB
        // cannot infer from the values.
        const list = LIST_TYPES[t];
        if (!list) throw new Error(`no DuckDB list type for ${t}`);
        const items = Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<unknown>) : [v];
        a.appendList(listValue(items.map((x) => listItem(t, x))), list.type);
      }
    }
  };
}

const LIST_TYPES: Record<string, { type: DuckDBListType } | undefined> = {
  "BOOLEAN[]": { type: LIST(BOOLEAN) },
  "SMALLINT[]": { type: LIST(SMALLINT) },
  "INTEGER[]": { type: LIST(INTEGER) },
  "BIGINT[]": { type: LIST(BIGINT) },
  "REAL[]": { type: LIST(FLOAT) },
  "DOUBLE[]": { type: LIST(DOUBLE) },
};

function listItem(t: string, x: unknown): DuckDBValue {
  if (x === null || x === undefined) return null;
  switch (t) {
    case "BOOLEAN[]":
      return Boolean(x);
    case "BIGINT[]":
      return BigInt(x as number | bigint);
    default:
      return Number(x);
  }
}

