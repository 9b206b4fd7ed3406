/**
 * MariaDB (or MySQL) through mysql2's callback API: a pool; each session holds one connection;
 * results stream with query().stream() and rowsAsArray over the text protocol (which Qserv's
 * proxy also speaks). Cancelling destroys the connection and kills the query on the server.
 */
import mysql from "mysql2";
import type { Field } from "@qserv-tap/votable";
import type { Dialect } from "@qserv-tap/adql-compiler";
import type { MySqlConnectionConfig } from "../config.js";
import type { Backend, RowCursor, Session, UploadTable } from "./backend.js";

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

function cell(v: unknown, f: Field): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && Number.isNaN(v)) return null;
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
  1264, // ER_WARN_DATA_OUT_OF_RANGE
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

  protected constructor(
    readonly pool: mysql.Pool,
    readonly config: MySqlConnectionConfig,
  ) {
    this.description = `MariaDB at ${config.host}:${config.port}/${config.database}`;
  }

  static async open(config: MySqlConnectionConfig): Promise<MariaDbBackend> {
    const b = new MariaDbBackend(MariaDbBackend.createPool(config), config);
    await b.ping();
    return b;
  }

  /**
   * KILL QUERY from a connection of its own: through the pool it would wait while every pooled
   * connection is busy, and the abandoned query would run on until one came free.
   */
  async killQuery(threadId: number): Promise<void> {
    const c = mysql.createConnection({
      host: this.config.host,
      port: this.config.port,
      user: this.config.user,
      password: this.config.password,
      connectTimeout: 5000,
    });
    try {
      await q(c, `KILL QUERY ${threadId}`);
    } finally {
      c.destroy();
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
      // Every ad-hoc query is a new prepared statement: keep few per connection, well under the
      // server's max_prepared_stmt_count (16382 for all connections together).
      maxPreparedStatements: 32,
      supportBigNumbers: true,
      dateStrings: true,
      timezone: "Z",
      charset: "utf8mb4",
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

  async session(): Promise<Session> {
    const conn = await new Promise<Conn>((resolve, reject) =>
      this.pool.getConnection((err, c) => (err ? reject(err) : resolve(c))),
    );
    return new MariaDbSession(this, conn, () => ++this.counter);
  }

  isQueryValueError(e: unknown): boolean {
    return isMariaDbValueError(e);
  }

  async ping(): Promise<void> {
    await q(this.pool, "SELECT 1");
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }
}

class MariaDbSession implements Session {
  private temps: string[] = [];
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
    await q(this.conn, create);
    this.temps.push(name);
    const insert = `INSERT INTO ${quoteMy(name)} VALUES `;
    const tuple = `(${table.fields.map(() => "?").join(", ")})`;
    const batches = new InsertBatches((rows) => q(this.conn, insert + rows.map(() => tuple).join(", "), rows.flat()).then(() => undefined));
    for await (const row of table.rows) await batches.add(table.fields.map((f, i) => cell(row[i], f)));
    await batches.flush();
    return [name];
  }

  async query(sql: string, signal?: AbortSignal): Promise<RowCursor> {
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
    const kill = () => {
      // The server runs on until told: kill the statement from another connection, and never
      // give this connection back to the pool.
      this.broken = true;
      const threadId = conn.threadId;
      stream.destroy();
      conn.destroy();
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
    return {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          for await (const row of stream) yield row as unknown[];
          ended = true;
        } finally {
          await close();
        }
      },
    };
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.broken) return;
    try {
      for (const t of this.temps) await q(this.conn, `DROP TEMPORARY TABLE IF EXISTS ${quoteMy(t)}`);
      this.conn.release();
    } catch {
      this.conn.destroy();
    }
  }
}
