/**
 * Qserv through its MySQL-protocol proxy: the MariaDB backend's connection handling, with the
 * qserv dialect (the compiler refuses what Qserv cannot run) and no uploads (Qserv has no
 * per-session temporary tables). TAP_SCHEMA is answered from the embedded store.
 *
 * Async jobs run on Qserv's own async protocol (shared/qserv/README.md §d): `SUBMIT <select>`
 * returns a query id, which the job records; the status is polled in
 * information_schema.processlist (while running) and information_schema.queries (after); the
 * rows are read with `SELECT * FROM qserv_result(<id>)` and then deleted with
 * `CALL qserv_result_delete(<id>)`; `CANCEL <id>` stops the query. No connection is held while
 * Qserv works, and a job whose query was submitted before the service restarted is re-attached
 * by its id. While it runs, the processlist row's CHUNKS and CHUNKS_COMP (chunks dispatched and
 * completed) are passed on as the query's progress.
 */
import type { Dialect } from "@qserv-tap/adql-compiler";
import type { MySqlConnectionConfig } from "../config.js";
import { ClosingCursor, LoadRefusedError, STOPPING_CODE, type AsyncQueryProtocol, type AsyncRunOptions, type QueryProgress, type RowCursor } from "./backend.js";
import { MariaDbBackend, q } from "./mariadb.js";
import type { ServiceLog } from "../logging.js";

/** How the Qserv backend sends SQL: to the czar's proxy (a mysql2 pool), or to a test double. */
export interface SqlChannel {
  /** A statement whose small result is read whole, rows as objects keyed by column name. */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  /** A statement whose result streams, rows as arrays; aborting or closing stops it. */
  stream(sql: string, signal?: AbortSignal): Promise<RowCursor>;
}

export interface QservAsyncOptions {
  /** First status poll after this many ms, then doubling up to maxPollMs. */
  firstPollMs?: number;
  maxPollMs?: number;
  log?: ServiceLog;
}


function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const col = (row: Record<string, unknown> | undefined, name: string): unknown => {
  if (!row) return undefined;
  const key = Object.keys(row).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : row[key];
};

/** CHUNKS and CHUNKS_COMP of a status row, when both are counts. */
function chunkCounts(row: Record<string, unknown> | undefined): QueryProgress | undefined {
  const total = Number(col(row, "CHUNKS"));
  const completed = Number(col(row, "CHUNKS_COMP"));
  if (!Number.isSafeInteger(total) || !Number.isSafeInteger(completed) || total < 0 || completed < 0) return undefined;
  if (col(row, "CHUNKS") === null || col(row, "CHUNKS_COMP") === null) return undefined;
  return { chunksCompleted: Math.min(completed, total), chunksTotal: total };
}

export class QservAsyncProtocol implements AsyncQueryProtocol {
  private readonly firstPollMs: number;
  private readonly maxPollMs: number;
  constructor(
    private readonly channel: SqlChannel,
    options: QservAsyncOptions = {},
  ) {
    this.firstPollMs = options.firstPollMs ?? 20;
    this.maxPollMs = options.maxPollMs ?? 2000;
  }

  async run(sql: string, { signal, resume, onSubmitted, onProgress }: AsyncRunOptions): Promise<RowCursor> {
    signal.throwIfAborted();
    let id = resume;
    if (id === undefined) {
      const rows = await this.channel.rows(`SUBMIT ${sql}`);
      const value = col(rows[0], "JOBID") ?? Object.values(rows[0] ?? {})[0];
      id = value === undefined || value === null ? "" : String(value);
      if (!/^\d+$/.test(id)) throw new Error(`Qserv answered SUBMIT without a query id (${JSON.stringify(rows[0] ?? null)})`);
      await onSubmitted?.(id);
    }
    const qid = id;
    const cancel = () => {
      const reason = signal.reason as { code?: string } | undefined;
      if (reason?.code === STOPPING_CODE) return;
      this.channel.rows(`CANCEL ${qid}`).catch(() => {});
    };
    signal.addEventListener("abort", cancel, { once: true });
    try {
      await this.waitForCompletion(qid, signal, onProgress);
      const cursor = await this.channel.stream(`SELECT * FROM qserv_result(${qid})`, signal);
      const channel = this.channel;
      let deleted = false;
      const remove = async () => {
        if (deleted) return;
        deleted = true;
        // Results are kept by Qserv until deleted (API >= 40) or purged after an hour.
        await channel.rows(`CALL qserv_result_delete(${qid})`).catch(() => {});
      };
      const close = async () => {
        signal.removeEventListener("abort", cancel);
        await cursor.close();
        const reason = signal.reason as { code?: string } | undefined;
        if (reason?.code !== STOPPING_CODE) await remove();
      };
      return new ClosingCursor(cursor, close);
    } catch (e) {
      signal.removeEventListener("abort", cancel);
      if (signal.aborted) cancel();
      throw e;
    }
  }

  private async waitForCompletion(id: string, signal: AbortSignal, onProgress?: (p: QueryProgress) => void): Promise<void> {
    let delay = this.firstPollMs;
    let last: QueryProgress | undefined;
    const report = (p: QueryProgress) => {
      if (last && last.chunksCompleted === p.chunksCompleted && last.chunksTotal === p.chunksTotal) return;
      last = p;
      onProgress?.(p);
    };
    // A poll that finds every connection busy is tried again later: the query runs on Qserv
    // meanwhile, and only the job's own limit (the signal) should end the wait.
    const poll = (sql: string) =>
      this.channel.rows(sql).catch((e: unknown) => {
        if ((e as { code?: unknown }).code === "TAP_DATABASE_BUSY") return undefined;
        throw e;
      });
    for (;;) {
      signal.throwIfAborted();
      const running = await poll(`SELECT * FROM information_schema.processlist WHERE id=${id}`);
      const progress = chunkCounts(running?.[0]);
      if (progress) report(progress);
      const done = running !== undefined && running.length === 0 ? await poll(`SELECT * FROM information_schema.queries WHERE id=${id}`) : undefined;
      if (done !== undefined) {
        const row = done[0];
        if (!row) throw new Error(`Qserv has no query ${id}: it was lost or purged`);
        const status = String(col(row, "STATUS") ?? "");
        if (status === "COMPLETED") {
          // The processlist row is gone once the query is done; a completed query completed every chunk.
          const total = chunkCounts(row)?.chunksTotal ?? last?.chunksTotal;
          if (total !== undefined) report({ chunksCompleted: total, chunksTotal: total });
          return;
        }
        if (status !== "EXECUTING") {
          const error = col(row, "ERROR");
          throw new Error(`Qserv query ${id} ended ${status}${error ? `: ${String(error)}` : ""}`);
        }
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, this.maxPollMs);
    }
  }
}

export class QservBackend extends MariaDbBackend {
  override readonly kind = "qserv" as const;
  override readonly dialect: Dialect = "qserv";
  override readonly uploads = false;
  /** Qserv's proxy has no prepared statements: the text protocol it is. */
  override readonly binaryProtocol = false;
  override readonly description: string;
  readonly asyncQueries: QservAsyncProtocol;

  protected constructor(
    pool: ReturnType<typeof MariaDbBackend.createPool>,
    config: MySqlConnectionConfig,
    channel?: (backend: QservBackend) => SqlChannel,
    options: QservAsyncOptions = {},
  ) {
    super(pool, config);
    this.description = `Qserv at ${config.host}:${config.port}`;
    this.asyncQueries = new QservAsyncProtocol(channel ? channel(this) : this.proxyChannel(), options);
  }

  /**
   * `channel` replaces the connection to the czar for the async protocol (tests use a double
   * that speaks it over MariaDB).
   */
  static override async open(
    config: MySqlConnectionConfig,
    options: { channel?: (backend: QservBackend) => SqlChannel } & QservAsyncOptions = {},
  ): Promise<QservBackend> {
    const b = new QservBackend(MariaDbBackend.createPool(config), config, options.channel, options);
    await b.ping().catch(async (e: unknown) => {
      await b.close();
      throw e;
    });
    return b;
  }

  /** The czar's proxy: statements on the pool; results streamed on a session that is released after. */
  proxyChannel(): SqlChannel {
    return {
      // Through acquire(), as sessions are: the protocol's SUBMIT and status polls wait for a
      // connection no longer than a query does, and a busy pool answers 503.
      rows: async (sql) => {
        this.onSql?.(sql);
        const conn = await this.acquire();
        try {
          return (await q(conn, sql)) as Record<string, unknown>[];
        } finally {
          conn.release();
        }
      },
      stream: async (sql, signal) => {
        const session = await this.session();
        try {
          const cursor = await session.query(sql, signal);
          const close = async () => {
            try {
              await cursor.close();
            } finally {
              await session.release();
            }
          };
          return new ClosingCursor(cursor, close);
        } catch (e) {
          await session.release();
          throw e;
        }
      },
    };
  }

  override async storedFelis(): Promise<string[]> {
    return [];
  }

  /** Qserv partitions its tables into chunks on its workers, which its own ingest tools do. */
  override load(): Promise<number> {
    return Promise.reject(new LoadRefusedError("load: Qserv tables are loaded with Qserv's own ingest tools, not with tap-server"));
  }
}
