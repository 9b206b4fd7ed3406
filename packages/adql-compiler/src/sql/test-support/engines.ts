/**
 * The two databases that the execution tests run compiled SQL on, behind one small interface:
 * MariaDB (a private server from test-support/mariadb.ts, with the scisql-compatible stored
 * functions installed) for the mysql dialect, and an in-memory DuckDB (with the scisql JS functions
 * registered) for the duckdb dialect. Values come back normalised, so that rows from both can be
 * compared: numbers of every SQL type (and booleans) as JS numbers, DATETIME/TIMESTAMP as `YYYY-MM-DD hh:mm:ss[.fff]`
 * without trailing zeros, NULL as null.
 */
import { DOUBLE, DuckDBDecimalValue, DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { Readable } from "node:stream";
import mysql, { type Connection, type FieldPacket } from "mysql2/promise";
import type { Dialect } from "../../passes/index.js";
import { registerScisqlFunctions } from "../../geometry/duckdb-functions.js";
import { installScisqlFunctions } from "../../geometry/scisql-mariadb.js";
import { startMariaDbOrSkip, type MariaDbServer } from "../../test-support/mariadb.js";

export type Value = number | string | boolean | null;

export interface Result {
  readonly columns: readonly string[];
  readonly rows: readonly Value[][];
}

export interface Engine {
  readonly name: "mariadb" | "duckdb";
  /** The compiler dialect whose SQL this engine runs. */
  readonly dialect: Extract<Dialect, "mysql" | "duckdb">;
  /**
   * Runs one SELECT. Fails if the text held more than one statement. `parameters` (DuckDB only) are the values of
   * the placeholders $1, $2..., bound as DOUBLE, as the server's DuckDB backend binds them.
   */
  query(sql: string, options?: { text?: boolean; parameters?: readonly number[] }): Promise<Result>;
  /** Runs a statement that returns no rows (DDL, INSERT). */
  exec(sql: string): Promise<void>;
  /** MariaDB only: `LOAD DATA LOCAL INFILE` with the file's content from `stream`. */
  loadDataLocal?(sql: string, stream: () => Readable): Promise<void>;
  close(): Promise<void>;
}

/** The schemas (databases) that the test catalog uses. */
export const SCHEMAS = ["demo", "ext", "tap_tmp"] as const;

function timestampText(s: string): string {
  return s.replace("T", " ").replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

function normalise(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Object.is(v, -0) ? 0 : v; // "-0" and "0" are one value here
  if (typeof v === "string") return v;
  // MariaDB's BOOLEAN is TINYINT(1): both engines' booleans as 1 and 0.
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof DuckDBDecimalValue) return normalise(Number(v.toString()));
  if (v instanceof Date) return timestampText(v.toISOString());
  if (Buffer.isBuffer(v)) return v.toString("hex");
  return timestampText(String(v));
}

/**
 * A MariaDB engine with the test schemas created and the scisql functions installed in `demo`, the
 * connection's current database. Skips the suite when MariaDB is missing (fails on CI).
 *
 * SELECTs go through the binary protocol (mysql2 execute): over the text protocol MariaDB prints a
 * computed DOUBLE with 15 significant digits (3.14159e0 * 3.14159e0 arrives as 9.8695877281, not
 * 9.869587728099999), which would hide differences in the last bits. `{ text: true }` uses the text
 * protocol with several statements allowed, to see whether a query text holds more than one.
 */
export async function openMariaDb(ctx: Mocha.Context): Promise<Engine> {
  const server: MariaDbServer = await startMariaDbOrSkip(ctx);
  let conn: Connection;
  try {
    conn = await mysql.createConnection({
      host: server.host, port: server.port, user: "root", multipleStatements: true,
      dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, charset: "UTF8MB4_BIN",
    });
    // Binary collation, as a catalog should have it: ADQL compares strings case-sensitively (the
    // compiler makes LIKE binary itself; =, <, ORDER BY and GROUP BY follow the collation).
    for (const s of SCHEMAS) await conn.query(`CREATE DATABASE \`${s}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await conn.query("USE `demo`");
    await installScisqlFunctions(conn);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return {
    name: "mariadb",
    dialect: "mysql",
    async query(sql, options = {}) {
      if (options.parameters !== undefined) throw new Error("the mysql dialect writes no placeholders");
      const [rows, fields] = (options.text
        ? await conn.query({ sql, rowsAsArray: true })
        : await conn.execute({ sql, rowsAsArray: true })) as unknown as [unknown[], FieldPacket[] | FieldPacket[][]];
      if (fields.length > 0 && Array.isArray(fields[0])) throw new Error(`more than one statement ran: ${sql}`);
      // NEWDECIMAL and LONGLONG arrive as text (bigNumberStrings), DATETIME, TIMESTAMP and DATE too (dateStrings).
      const kind = (fields as FieldPacket[]).map((f) => (f.type === 246 || f.type === 8 ? "number" : f.type === 12 || f.type === 7 || f.type === 10 ? "time" : ""));
      const cell = (v: unknown, i: number): Value =>
        typeof v !== "string" ? normalise(v) : kind[i] === "number" ? normalise(Number(v)) : kind[i] === "time" ? timestampText(v) : v;
      return { columns: (fields as FieldPacket[]).map((f) => f.name), rows: (rows as unknown[][]).map((r) => r.map(cell)) };
    },
    async exec(sql) {
      await conn.query(sql);
    },
    async loadDataLocal(sql, stream) {
      await conn.query({ sql, infileStreamFactory: stream } as never);
    },
    async close() {
      await conn.end().catch(() => undefined);
      await server.stop();
    },
  };
}

/** A DuckDB engine with the test schemas created and the scisql functions registered. */
export async function openDuckDb(): Promise<Engine> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn: DuckDBConnection = await instance.connect();
  await registerScisqlFunctions(conn);
  for (const s of SCHEMAS) await conn.run(`CREATE SCHEMA "${s}"`);
  return {
    name: "duckdb",
    dialect: "duckdb",
    async query(sql, { parameters = [] } = {}) {
      // extractStatements parses without running: exactly one statement may be there.
      const statements = await conn.extractStatements(sql);
      if (statements.count !== 1) throw new Error(`${statements.count} statements in: ${sql}`);
      const reader = parameters.length > 0 ? await conn.runAndReadAll(sql, [...parameters], parameters.map(() => DOUBLE)) : await conn.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRows().map((r) => r.map(normalise)) };
    },
    async exec(sql) {
      await conn.run(sql);
    },
    async close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

const shared = new Map<Engine["name"], Promise<Engine>>();
const opened: Engine[] = [];

/** Closes the shared engines (idempotent): for a root `after` hook. */
export async function closeSharedEngines(): Promise<void> {
  const all = opened.splice(0);
  shared.clear();
  await Promise.all(all.map((e) => e.close()));
}

/**
 * One engine of each kind for the whole mocha run, set up by `setup` the first time: starting and
 * filling a MariaDB server takes seconds, and several test files need the same tables. Its close()
 * does nothing: every file that uses it registers `after(closeSharedEngines)` at its top level, a
 * root hook that runs once all files are done (an open connection would keep mocha from exiting).
 * If MariaDB is missing, every suite that asks is skipped (or fails on CI).
 */
export function sharedEngine(kind: Engine["name"], ctx: Mocha.Context, setup: (e: Engine) => Promise<void>): Promise<Engine> {
  let p = shared.get(kind);
  if (!p) {
    p = (async () => {
      const e = kind === "mariadb" ? await openMariaDb(ctx) : await openDuckDb();
      await setup(e);
      opened.push(e);
      return { ...e, close: async () => undefined };
    })();
    shared.set(kind, p);
    // A failed start (no MariaDB) is retried by the next suite, which then skips or fails likewise.
    p.catch(() => shared.delete(kind));
  }
  return p;
}
