/**
 * MariaDB (or MySQL) through mysql2's callback API: a pool; each session holds one connection;
 * results stream with query().stream() and rowsAsArray over the text protocol (which Qserv's
 * proxy also speaks). Cancelling destroys the connection and kills the query on the server.
 */
import mysql from "mysql2";
import type { ColumnBatch, Field } from "@qserv-tap/votable";
import type { Dialect } from "@qserv-tap/adql-compiler";
import type { MySqlConnectionConfig } from "../config.js";
import { isUnreachable } from "./database-errors.js";
import { streamBatches, type Backend, type CellKind, type RowCursor, type Session, type TableLoad, type UploadTable } from "./backend.js";
import { TapError } from "../errors.js";

export function quoteMy(name: string): string {
  return "`" + name.replaceAll("`", "``") + "`";
}

/** The MariaDB type of an uploaded VOTable field. */
export function myType(f: Pick<Field, "datatype" | "arraysize" | "xtype">): string {
  if (f.xtype === "timestamp") return "DATETIME(6)";
  const array = f.arraysize !== undefined && f.arraysize !== "";
  if (f.datatype === "char" || f.datatype === "unicodeChar") {
    const m = f.arraysize ? /^(\d+)\*?$/.exec(f.arraysize) : null;
    if (!array) return "CHAR(1)";
    return m && Number(m[1]) <= 1024 ? `VARCHAR(${m[1]})` : "TEXT";
  }
  if (array) return "TEXT";
  switch (f.datatype) {
    case "boolean":
    case "bit":
      return "BOOLEAN";
    case "unsignedByte":
    case "short":
      return "SMALLINT";
    case "int":
      return "INT";
    case "long":
      return "BIGINT";
    case "float":
      return "FLOAT";
    case "double":
      return "DOUBLE";
    default:
      return "TEXT";
  }
}

type Conn = mysql.PoolConnection;

/** MySQL's column types (the protocol's, as mysql2's column definitions give them) and the UNSIGNED flag. */
const TINY = 1;
const SHORT = 2;
const LONG = 3;
const FLOAT = 4;
const DOUBLE = 5;
const LONGLONG = 8;
const INT24 = 9;
const UNSIGNED_FLAG = 32;

/** How a result column's cells are gathered into batches (backend.ts CellKind): numbers typed, the rest as they come. */
export function cellKindOf(field: { columnType?: number; type?: number; flags?: number }): CellKind {
  const type = field.columnType ?? field.type;
  const unsigned = ((field.flags ?? 0) & UNSIGNED_FLAG) !== 0;
  switch (type) {
    case FLOAT:
    case DOUBLE:
      return "float64";
    case TINY:
    case SHORT:
    case INT24:
      return "int32";
    case LONG:
      return unsigned ? "any" : "int32";
    case LONGLONG:
      return unsigned ? "any" : "int64";
    default:
      return "any";
  }
}

export function q(conn: mysql.Connection | mysql.PoolConnection | mysql.Pool, sql: string, values?: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) =>
    conn.query(sql, values ?? [], (err: Error | null, rows: unknown) => (err ? reject(err) : resolve(rows))),
  );
}

/**
 * Rows for multi-row INSERT statements, sent when a statement would pass `maxBytes` (or
 * `maxRows`): a statement must fit in one packet, and max_allowed_packet is 16 MiB by default but
 * may be lower, while a batch of a fixed number of rows of a wide table (LSST's have hundreds of
 * columns, some text) has no bound.
 */
export class InsertBatches {
  private rows: unknown[][] = [];
  private bytes = 0;
  constructor(
    private readonly send: (rows: unknown[][]) => Promise<void>,
    private readonly maxBytes = 1024 * 1024,
    private readonly maxRows = 1000,
  ) {}

  async add(row: unknown[]): Promise<void> {
    const size = rowBytes(row);
    if (this.rows.length > 0 && (this.bytes + size > this.maxBytes || this.rows.length >= this.maxRows)) await this.flush();
    this.rows.push(row);
    this.bytes += size;
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    this.bytes = 0;
    await this.send(rows);
  }
}

/** An upper bound of a row's size in an INSERT: text may double when escaped; quotes and commas. */
function rowBytes(row: readonly unknown[]): number {
  let n = 4;
  for (const v of row) n += typeof v === "string" ? 2 * Buffer.byteLength(v) + 4 : v === null || v === undefined ? 5 : String(v).length + 2;
  return n;
}

function cell(v: unknown, f: Field, column: string, table: string): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && Number.isNaN(v)) return null;
  if (v === Infinity || v === -Infinity) {
    // MariaDB's DOUBLE has no infinities, and mysql2 wrote the value as a bare word (a 500, "Unknown column 'Infinity'").
    throw new TapError(400, `The upload TAP_UPLOAD.${table}, column ${column}: ${v} cannot be stored in this service's database (MariaDB has no infinite values); upload NULL or a finite number`, "TAP_UPLOAD_VALUE");
  }
  if (f.xtype === "timestamp") {
    const s = v instanceof Date ? v.toISOString() : String(v);
    return s.replace("T", " ").replace(/Z$/, "");
  }
  if (typeof v === "object" && v !== null && typeof (v as ArrayLike<unknown>).length === "number" && typeof v !== "string") {
    return Array.from(v as ArrayLike<unknown>).map(String).join(" ");
  }
  return v;
}

const VALUE_ERRNOS = new Set([
  1116, // ER_TOO_MANY_TABLES: a join or UNION of more tables than MariaDB allows
  1210, // ER_WRONG_ARGUMENTS
  1242, // ER_SUBQUERY_NO_1_ROW: a scalar subquery that returns several rows
  1264, // ER_WARN_DATA_OUT_OF_RANGE
  1367, // ER_ILLEGAL_VALUE_FOR_TYPE: 1e400
  1425, // ER_TOO_BIG_SCALE
  1426, // ER_TOO_BIG_PRECISION
  1427, // ER_M_BIGGER_THAN_D
  1441, // ER_DATETIME_FUNCTION_OVERFLOW
  1582, // ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT
  1583, // ER_WRONG_PARAMETERS_TO_NATIVE_FCT
  1292, // ER_TRUNCATED_WRONG_VALUE
  1365, // ER_DIVISION_BY_ZERO
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
  1406, // ER_DATA_TOO_LONG
  1690, // ER_DATA_OUT_OF_RANGE
]);

/** MariaDB (and Qserv's czar) give an error number. */
export function isMariaDbValueError(e: unknown): boolean {
  const errno = (e as { errno?: unknown })?.errno;
  return typeof errno === "number" && VALUE_ERRNOS.has(errno);
}

/**
 * Closes a connection that is not to be used again. mysql2's destroy() only half-closes it: the server's answers still
 * arrive, and a command queued on it may then write its next packet (an EXECUTE behind the statement that just ended)
 * into the closed socket. That fails with a fatal 'error' event on the connection, and an 'error' that nobody hears
 * ends the process: a client that went away at the wrong moment took the server down with it (seen under wrk, whose
 * connections close with requests in flight). The error changes nothing for a connection already given up.
 */
export function discardConnection(conn: mysql.Connection | mysql.PoolConnection): void {
  conn.on("error", () => {});
  conn.destroy();
}

/** KILL QUERY attempts, about 2 minutes of a database that does not answer (5 s each, and the waits between). */
const KILL_ATTEMPTS = 12;

/** Seconds that a client told "the database is unavailable" is asked to wait (Retry-After). */
export const UNAVAILABLE_RETRY_SECONDS = 5;

/** A database that cannot be reached or went away, as a 503 that names it and the cause. */
export function unavailable(e: unknown, description: string, during: string): TapError {
  const cause = (e as Error)?.message ?? String(e);
  return new TapError(503, `The ${description} ${during}: ${cause}`, "TAP_DATABASE_UNAVAILABLE", UNAVAILABLE_RETRY_SECONDS);
}

export class MariaDbBackend implements Backend {
  readonly kind: "mariadb" | "qserv" = "mariadb";
  readonly dialect: Dialect = "mysql";
  readonly uploads: boolean = true;
  /** Query results through prepared statements (MySQL's binary protocol): exact doubles, faster. */
  readonly binaryProtocol: boolean = true;
  readonly description: string;
  private counter = 0;
  /** Every SQL statement sent, for tests (Qserv stand-in). */
  onSql?: (sql: string) => void;
  /** Sessions waiting for a pooled connection. */
  private waiting = 0;
  private readonly acquireTimeoutMs: number;
  private readonly queueLimit: number;

  protected constructor(
    readonly pool: mysql.Pool,
    readonly config: MySqlConnectionConfig,
  ) {
    this.description = `MariaDB at ${config.host}:${config.port}/${config.database}`;
    this.acquireTimeoutMs = (config.acquireTimeoutSeconds ?? 10) * 1000;
    this.queueLimit = config.queueLimit ?? 64;
  }

  static async open(config: MySqlConnectionConfig): Promise<MariaDbBackend> {
    const b = new MariaDbBackend(MariaDbBackend.createPool(config), config);
    await b.ping().catch(async (e: unknown) => {
      await b.close();
      throw e;
    });
    return b;
  }

  /** The pool's connections: open, idle, and requests waiting for one (for tests and monitoring). */
  poolCounts(): { all: number; free: number; waiting: number } {
    const p = this.pool as unknown as { _allConnections: { length: number }; _freeConnections: { length: number } };
    return { all: p._allConnections.length, free: p._freeConnections.length, waiting: this.waiting };
  }

  connectionCounts(): { open: number; idle: number; waiting: number } {
    const c = this.poolCounts();
    return { open: c.all, idle: c.free, waiting: c.waiting };
  }

  /**
   * KILL QUERY from a connection of its own: through the pool it would wait while every pooled
   * connection is busy, and the abandoned query would run on until one came free.
   */
  async killQuery(threadId: number): Promise<void> {
    // A database that hangs (or restarts) cannot be told at once; the query would run on once it
    // is back, so keep trying while the failure is the connection's. ER_NO_SUCH_THREAD: it ended.
    let delay = 500;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.once(`KILL QUERY ${threadId}`, 5000);
        return;
      } catch (e) {
        if ((e as { code?: string }).code === "ER_NO_SUCH_THREAD" || !isUnreachable(e) || attempt >= KILL_ATTEMPTS) return;
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /** One statement on a connection of its own, outside the pool. */
  private async once(sql: string, timeoutMs: number): Promise<unknown> {
    const c = mysql.createConnection({
      host: this.config.host,
      port: this.config.port,
      user: this.config.user,
      password: this.config.password,
      connectTimeout: timeoutMs,
    });
    // An error on this throwaway connection (the database went away) must not be unhandled.
    c.on("error", () => {});
    try {
      return await q(c, sql);
    } finally {
      discardConnection(c);
    }
  }

  static createPool(config: MySqlConnectionConfig): mysql.Pool {
    return mysql.createPool({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      ...(config.database ? { database: config.database } : {}),
      connectionLimit: config.connectionLimit,
      connectTimeout: (config.connectTimeoutSeconds ?? 10) * 1000,
      // Every ad-hoc query is a new prepared statement: keep few per connection, well under the
      // server's max_prepared_stmt_count (16382 for all connections together).
      maxPreparedStatements: 32,
      supportBigNumbers: true,
      dateStrings: true,
      timezone: "Z",
      // The connection's collation is what string literals, CASTs and CASE results compare by (a column keeps its own):
      // binary, so that 'abc' = 'ABC' and 'é' = 'E' are false as on DuckDB and as ADQL 2.1 §4.7 means (comparison is
      // case-sensitive; ILIKE is the insensitive form). utf8mb4's default collation, general_ci, made them true.
      charset: "UTF8MB4_BIN",
    });
  }

  async storedFelis(): Promise<string[]> {
    try {
      const rows = (await q(this.pool, "SELECT yaml FROM tap_server_felis ORDER BY name")) as { yaml: string }[];
      return rows.map((r) => r.yaml);
    } catch {
      return [];
    }
  }

  /** `tap-server load`: a staging table swapped in by RENAME TABLE (mariadb-load.ts). */
  async load(request: TableLoad): Promise<number> {
    const { loadMariaDb } = await import("./mariadb-load.js");
    return loadMariaDb(this, request);
  }

  /**
   * A pooled connection, waited for at most acquireTimeoutSeconds, with at most queueLimit
   * requests waiting: a database that is slow, or a pool taken by long queries, is answered with
   * a 503 and Retry-After instead of a request that waits without end.
   */
  protected acquire(): Promise<mysql.PoolConnection> {
    const { all, free } = this.poolCounts();
    const busy = all - free >= this.config.connectionLimit;
    if (busy && this.waiting >= this.queueLimit) {
      return Promise.reject(
        new TapError(
          503,
          `All ${this.config.connectionLimit} connections to the database are busy and ${this.waiting} queries are waiting for one: try again later`,
          "TAP_DATABASE_BUSY",
          UNAVAILABLE_RETRY_SECONDS,
        ),
      );
    }
    this.waiting++;
    return new Promise<Conn>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        this.waiting--;
        reject(
          new TapError(
            503,
            busy
              ? `No connection to the database came free within ${this.acquireTimeoutMs / 1000} s (all ${this.config.connectionLimit} are busy): try again later`
              : `The ${this.description} did not accept a connection within ${this.acquireTimeoutMs / 1000} s`,
            busy ? "TAP_DATABASE_BUSY" : "TAP_DATABASE_UNAVAILABLE",
            UNAVAILABLE_RETRY_SECONDS,
          ),
        );
      }, this.acquireTimeoutMs);
      this.pool.getConnection((err, c) => {
        if (settled) {
          // Too late for the request that asked: back to the pool.
          if (!err) c.release();
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.waiting--;
        if (err) reject(isUnreachable(err) ? unavailable(err, this.description, "cannot be reached") : err);
        else resolve(c);
      });
    });
  }

  async session(): Promise<Session> {
    const conn = await this.acquire();
    return new MariaDbSession(this, conn, () => ++this.counter);
  }

  isQueryValueError(e: unknown): boolean {
    return isMariaDbValueError(e);
  }

  async ping(): Promise<void> {
    const { all, free } = this.poolCounts();
    // With every pooled connection taken by queries, a ping through the pool would wait for
    // them, and the database would look unavailable while it is only busy.
    if (free === 0 && all >= this.config.connectionLimit) await this.once("SELECT 1", (this.config.connectTimeoutSeconds ?? 10) * 1000);
    else await q(this.pool, "SELECT 1");
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }
}

/**
 * An error that names an upload's temporary table (`tap`.`tap_upload_3_mine`) names it as the
 * query does (TAP_UPLOAD.mine): the internal name means nothing to the client.
 */
export function renameUploads(e: unknown, names: ReadonlyMap<string, string>): unknown {
  if (names.size === 0 || !(e instanceof Error)) return e;
  let message = e.message;
  for (const [sqlName, tapName] of names) {
    message = message.replace(new RegExp("(`[^`]*`\\.)?`?" + sqlName + "`?", "gi"), tapName);
  }
  if (message === e.message) return e;
  e.message = message;
  const sql = e as { sqlMessage?: string };
  if (typeof sql.sqlMessage === "string") sql.sqlMessage = message;
  return e;
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

class MariaDbSession implements Session {
  private temps: string[] = [];
  /** Temporary table name -> TAP_UPLOAD.name. */
  readonly uploadNames = new Map<string, string>();
  private released = false;
  private broken = false;
  constructor(
    private readonly backend: MariaDbBackend,
    private readonly conn: Conn,
    private readonly nextId: () => number,
  ) {}

  async createUploadTable(table: UploadTable, columnNames: readonly string[]): Promise<string[]> {
    const name = `tap_upload_${this.nextId()}_${table.name.replace(/\W/g, "_")}`.toLowerCase();
    const cols = table.fields.map((f, i) => `${quoteMy(columnNames[i]!)} ${myType(f)}`);
    // utf8mb4 whatever the database's default (often latin1): VOTable text is Unicode. The
    // binary collation makes = and ORDER BY on it case- and accent-sensitive, as ADQL means them.
    const create = `CREATE TEMPORARY TABLE ${quoteMy(name)} (${cols.join(", ")}) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
    this.backend.onSql?.(create);
    this.uploadNames.set(name, `TAP_UPLOAD.${table.name}`);
    try {
      await q(this.conn, create);
      this.temps.push(name);
      const insert = `INSERT INTO ${quoteMy(name)} VALUES `;
      const tuple = `(${table.fields.map(() => "?").join(", ")})`;
      const batches = new InsertBatches((rows) => q(this.conn, insert + rows.map(() => tuple).join(", "), rows.flat()).then(() => undefined));
      for await (const row of table.rows) await batches.add(table.fields.map((f, i) => cell(row[i], f, columnNames[i]!, table.name)));
      await batches.flush();
    } catch (e) {
      if (isUnreachable(e)) throw unavailable(e, this.backend.description, "went away while the upload was stored");
      const renamed = renameUploads(e, this.uploadNames);
      if (isMariaDbValueError(renamed)) {
        throw new TapError(400, `The upload TAP_UPLOAD.${table.name} has a value that does not fit its column: ${(renamed as Error).message}`, "TAP_UPLOAD_VALUE");
      }
      throw renamed;
    }
    return [name];
  }

  async query(sql: string, signal?: AbortSignal, parameters?: readonly number[]): Promise<RowCursor> {
    // The mysql and qserv dialects write no placeholders (their numberedParameters trait is false).
    if (parameters !== undefined && parameters.length > 0) throw new Error("the MariaDB backend takes no query parameters");
    this.backend.onSql?.(sql);
    // Aborted before the statement was sent: its listener would never fire, so do not send it.
    signal?.throwIfAborted();
    const conn = this.conn;
    // The binary protocol (a prepared statement) returns doubles exactly; the text protocol prints
    // computed doubles with 15 digits. It is also 4-6 times faster to read (notes/environment.md).
    const command = this.backend.binaryProtocol ? conn.execute({ sql, rowsAsArray: true }) : conn.query({ sql, rowsAsArray: true });
    const stream = command.stream({ highWaterMark: 1000 });
    let closed = false;
    let ended = false;
    stream.once("end", () => (ended = true));
    // mysql2 does not end a statement's row stream when its connection dies (the database was
    // killed or restarted): the rows would just stop coming. End it with the connection's error.
    const socket = (conn as unknown as { stream?: NodeJS.EventEmitter }).stream;
    const onLost = (e?: unknown) => {
      if (ended || closed) return;
      const lost = e instanceof Error ? e : Object.assign(new Error("Connection lost: the server closed the connection"), { code: "PROTOCOL_CONNECTION_LOST", fatal: true });
      this.broken = true;
      stream.destroy(lost);
    };
    const onSocketClose = () => onLost();
    conn.on("error", onLost);
    socket?.once("close", onSocketClose);
    const unwatch = () => {
      conn.off("error", onLost);
      socket?.off("close", onSocketClose);
    };
    stream.once("close", unwatch);
    const kill = () => {
      // The server runs on until told: kill the statement from another connection, and never
      // give this connection back to the pool.
      this.broken = true;
      const threadId = conn.threadId;
      // With an error: a stream destroyed without one just ends, and a query stopped before its
      // first row (the sync timeout) would look like an empty result.
      stream.destroy(signal?.aborted ? asError(signal.reason) : new Error("The query was stopped"));
      discardConnection(conn);
      if (threadId !== null && threadId !== undefined) this.backend.killQuery(Number(threadId)).catch(() => {});
    };
    const onAbort = () => {
      if (!ended) kill();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const close = async () => {
      if (closed) return;
      closed = true;
      signal?.removeEventListener("abort", onAbort);
      if (!ended) kill();
    };
    const description = this.backend.description;
    const uploads = this.uploadNames;
    let kinds: CellKind[] | undefined;
    stream.once("fields", (fields: readonly { columnType?: number; type?: number; flags?: number }[] | undefined) => {
      kinds = fields?.map(cellKindOf);
    });
    const batches = streamBatches(stream, 1000, () => kinds);
    return new MariaDbCursor(batches, close, () => (ended = true), description, uploads);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.broken) return;
    try {
      for (const t of this.temps) await q(this.conn, `DROP TEMPORARY TABLE IF EXISTS ${quoteMy(t)}`);
      this.conn.release();
    } catch {
      discardConnection(this.conn);
    }
  }
}

/** A MariaDB query's batches: a class, not a generator made per call (eslint.config.js). */
class MariaDbCursor implements RowCursor {
  constructor(
    private readonly batches: AsyncIterable<ColumnBatch>,
    readonly close: () => Promise<void>,
    /** The rows ran out: the statement is over, and stopping it kills nothing. */
    private readonly ended: () => void,
    private readonly description: string,
    private readonly uploads: ReadonlyMap<string, string>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<ColumnBatch> {
    try {
      yield* this.batches;
      this.ended();
    } catch (e) {
      // The rows stop: the database died, restarted or was cut off mid-query.
      if (isUnreachable(e)) throw unavailable(e, this.description, "went away during the query");
      throw renameUploads(e, this.uploads);
    } finally {
      await this.close();
    }
  }
}
