/**
 * A TEST DOUBLE of Qserv's async query protocol (shared/qserv/README.md §d), at the level of
 * the Qserv backend's SqlChannel: it accepts the statements the czar accepts for async queries
 * and runs the query for real on a MariaDB server, so that cancellation really stops a
 * database statement. It is not Qserv: no chunks, no shared scans, no proxy. What it mimics:
 *
 * - `SUBMIT <select>` → one row `jobId | resultLocation`; only SELECT is accepted. The query runs
 *   in the background as `CREATE TABLE qservResult.result_<id> AS <select>` on its own connection.
 * - `SELECT * FROM information_schema.processlist WHERE id=<id>` → a row while it runs, none after;
 *   its CHUNKS and CHUNKS_COMP are the chunks the query was split into and those completed. The
 *   double has no chunks of its own: a query "has" `chunks` of them (default 1). They complete all
 *   together when MariaDB has finished, or, with `manualChunks`, one by one as the test calls
 *   completeChunks(), the query staying EXECUTING until MariaDB has finished and every chunk is done.
 * - `SELECT * FROM information_schema.queries WHERE id=<id>` → STATUS EXECUTING, COMPLETED, FAILED or
 *   ABORTED, and ERROR.
 * - `SELECT * FROM qserv_result(<id>)` (Qserv's own regular expression) → the rows, streamed;
 *   `CALL qserv_result_delete(<id>)` drops them; reading them again then fails with error 1146.
 * - `CANCEL <id>` → `KILL QUERY` of the running statement, status ABORTED; for an unknown or
 *   finished id, Qserv's error 4005.
 *
 * Its state lives in this object, standing for the czar, which outlives a restart of the TAP
 * service. With `manualChunks`, a query stays "running" after MariaDB finished it, as under Qserv's
 * dispatch, until the test completes its chunks.
 */
import mysql from "mysql2";
import { streamBatches, type RowCursor } from "../backends/backend.js";
import type { SqlChannel } from "../backends/qserv.js";
import { qservProblems } from "../../../adql-compiler/src/sql/test-support/qserv-check.js";

interface QueryState {
  id: number;
  sql: string;
  status: "EXECUTING" | "COMPLETED" | "FAILED" | "ABORTED";
  error?: string;
  threadId?: number;
  submitted: Date;
  chunks: number;
  chunksCompleted: number;
  /** Resolves the wait for the last chunk (manualChunks). */
  chunksDone?: () => void;
}

const RESULT = /^select\s+\*\s+from\s+qserv_result\s*\(\s*(\d+)\s*\)$/i;

function query(conn: mysql.Pool | mysql.PoolConnection, sql: string): Promise<unknown> {
  return new Promise((resolve, reject) => conn.query(sql, (err: Error | null, rows: unknown) => (err ? reject(err) : resolve(rows))));
}

export class QservProtocolDouble implements SqlChannel {
  private readonly pool: mysql.Pool;
  private next = 1000;
  readonly queries = new Map<number, QueryState>();
  /** Every statement received, in order. */
  readonly received: string[] = [];
  /** Every SUBMITted SELECT, checked with Qserv's grammar (a refused one is answered with Qserv's error). */
  readonly grammarChecked: string[] = [];
  /** The chunks of the next SUBMITted queries (Qserv's CHUNKS). */
  chunks = 1;
  /** Chunks complete only through completeChunks(). */
  manualChunks = false;

  constructor(config: { host: string; port: number; user: string; password: string; database: string }) {
    this.pool = mysql.createPool({ ...config, connectionLimit: 8, dateStrings: true, supportBigNumbers: true });
  }

  /** The id the next SUBMIT will get. */
  nextId(): number {
    return this.next + 1;
  }

  async init(): Promise<void> {
    await query(this.pool, "CREATE DATABASE IF NOT EXISTS qservResult");
  }

  async close(): Promise<void> {
    for (const q of this.queries.values()) q.chunksDone?.();
    await new Promise<void>((r) => this.pool.end(() => r()));
  }

  async rows(sql: string): Promise<Record<string, unknown>[]> {
    this.received.push(sql);
    const s = sql.trim();
    let m: RegExpExecArray | null;
    if ((m = /^SUBMIT\s+([\s\S]*)$/i.exec(s))) return [this.submit(m[1]!)];
    if ((m = /^SELECT \* FROM information_schema\.processlist WHERE id=(\d+)$/i.exec(s))) {
      const q = this.queries.get(Number(m[1]));
      return q && q.status === "EXECUTING"
        ? [{ ID: q.id, TYPE: "ASYNC", CZAR: "double", CZAR_ID: 1, SUBMITTED: q.submitted.toISOString(), UPDATED: new Date().toISOString(), CHUNKS: q.chunks, CHUNKS_COMP: q.chunksCompleted, QUERY: q.sql }]
        : [];
    }
    if ((m = /^SELECT \* FROM information_schema\.queries WHERE id=(\d+)$/i.exec(s))) {
      const q = this.queries.get(Number(m[1]));
      return q ? [{ ID: q.id, STATUS: q.status, ERROR: q.error ?? null, QUERY: q.sql, SUBMITTED: q.submitted.toISOString() }] : [];
    }
    if ((m = /^CANCEL\s+(\d+)$/i.exec(s))) {
      const q = this.queries.get(Number(m[1]));
      if (!q || q.status !== "EXECUTING") throw new Error(`ERROR 4005 (Proxy): KILL/CANCEL failed: Unknown or finished query ID: CANCEL ${m[1]}`);
      q.status = "ABORTED";
      q.chunksDone?.();
      if (q.threadId !== undefined) await query(this.pool, `KILL QUERY ${q.threadId}`).catch(() => {});
      return [{ "Trying to kill query": `CANCEL ${q.id}` }];
    }
    if ((m = /^CALL qserv_result_delete\((\d+)\)$/i.exec(s))) {
      await query(this.pool, `DROP TABLE IF EXISTS qservResult.result_${Number(m[1])}`);
      return [];
    }
    throw new Error(`The Qserv protocol double does not answer: ${sql}`);
  }

  private submit(select: string): Record<string, unknown> {
    if (!/^\s*SELECT\b/i.test(select)) throw new Error(`SUBMIT only valid with SELECT queries: ${select}`);
    // Qserv parses what it is sent with its own grammar and listener (../shared/qserv/grammar): so does the double.
    const problems = qservProblems(select);
    this.grammarChecked.push(select);
    if (problems.length > 0) throw new Error(`ERROR 4110 (Proxy): Query processing error: QI=?: Failed to instantiate query: ParseException:${problems[0]}`);
    const q: QueryState = { id: ++this.next, sql: select, status: "EXECUTING", submitted: new Date(), chunks: this.chunks, chunksCompleted: 0 };
    this.queries.set(q.id, q);
    void this.execute(q);
    return { jobId: q.id, resultLocation: `table:result_${q.id}` };
  }

  private async execute(q: QueryState): Promise<void> {
    const conn = await new Promise<mysql.PoolConnection>((resolve, reject) =>
      this.pool.getConnection((err, c) => (err ? reject(err) : resolve(c))),
    );
    q.threadId = conn.threadId ?? undefined;
    try {
      await query(conn, `CREATE TABLE qservResult.result_${q.id} AS ${q.sql}`);
      if (this.manualChunks && q.chunksCompleted < q.chunks && q.status === "EXECUTING") {
        await new Promise<void>((resolve) => (q.chunksDone = resolve));
      }
      if (q.status === "EXECUTING") {
        q.chunksCompleted = q.chunks;
        q.status = "COMPLETED";
      }
    } catch (e) {
      if (q.status === "EXECUTING") {
        q.status = "FAILED";
        q.error = (e as Error).message;
      }
    } finally {
      delete q.threadId;
      conn.release();
    }
  }

  /** Completes `n` more chunks of query `id` (manualChunks); the last one lets the query complete. */
  completeChunks(id: number, n = 1): void {
    const q = this.queries.get(id);
    if (!q) throw new Error(`The Qserv protocol double has no query ${id}`);
    q.chunksCompleted = Math.min(q.chunks, q.chunksCompleted + n);
    if (q.chunksCompleted === q.chunks) q.chunksDone?.();
  }

  async stream(sql: string, signal?: AbortSignal): Promise<RowCursor> {
    this.received.push(sql);
    const m = RESULT.exec(sql.trim());
    if (!m) throw new Error(`The Qserv protocol double streams only qserv_result(): ${sql}`);
    const id = Number(m[1]);
    const conn = await new Promise<mysql.PoolConnection>((resolve, reject) =>
      this.pool.getConnection((err, c) => (err ? reject(err) : resolve(c))),
    );
    const stream = conn.query({ sql: `SELECT * FROM qservResult.result_${id}`, rowsAsArray: true }).stream();
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      stream.destroy();
      conn.destroy();
    };
    signal?.addEventListener("abort", () => void close(), { once: true });
    const batches = streamBatches(stream);
    return {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          yield* batches;
        } finally {
          if (!closed) {
            closed = true;
            conn.release();
          }
        }
      },
    };
  }

  /** Statements running on MariaDB for this double's queries (to check that cancellation stopped them). */
  async runningOnMariaDb(): Promise<number> {
    const rows = (await query(this.pool, "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE 'CREATE TABLE qservResult.%'")) as { n: number }[];
    return Number(rows[0]!.n);
  }
}
