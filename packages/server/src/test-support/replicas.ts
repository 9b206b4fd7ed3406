/**
 * Replicas of the service sharing one job store, for the scale-out tests (issue 18): a private MariaDB (the job store,
 * TAP_JOB_STORE), one async directory that every replica uses (the local result store on a shared directory; a test
 * may pass TAP_RESULT_STORE and its settings in `env` instead), and server processes started, killed, paused and
 * resumed by the test. Each replica has its own in-memory demo DuckDB (a DuckDB file has one writer process).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RowDataPacket } from "mysql2/promise";
import { controlledMariaDb, spawnServer, type ChildServer, type ControlledMariaDb } from "./child-server.js";
import { tag } from "./uws.js";

export interface ReplicaSet {
  db: ControlledMariaDb;
  /** TAP_JOB_STORE of every replica. */
  storeUrl: string;
  /** The shared TAP_ASYNC_DIR. */
  asyncDir: string;
  /** The running replicas by name (TAP_REPLICA_ID). */
  replicas: Map<string, ChildServer>;
  /** Starts a replica named `name` (its TAP_REPLICA_ID) with the set's environment and `env` over it. */
  start(name: string, env?: Record<string, string>): Promise<ChildServer>;
  /** Rows of a query on the job store's database. */
  sql(query: string, args?: unknown[]): Promise<RowDataPacket[]>;
  /** SIGSTOP / SIGCONT a replica; resolves once the kernel reports the new state. */
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  /** Stops every replica (SIGKILL), the MariaDB, and removes the directories. */
  close(): Promise<void>;
}

export const JOB_STORE_DATABASE = "tap_jobs";

function stateOf(pid: number): string | undefined {
  try {
    return /\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

async function waitState(pid: number, want: (s: string | undefined) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!want(stateOf(pid))) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not change state (${stateOf(pid)})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A MariaDB and a shared async directory; no replica runs until start(). `env` is every replica's environment (short
 * leases and polls for tests: TAP_JOB_LEASE, TAP_JOB_POLL).
 */
export async function replicaSet(env: Record<string, string> = {}): Promise<ReplicaSet> {
  const db = await controlledMariaDb();
  await db.start();
  const dir = mkdtempSync(join(tmpdir(), "tap-replicas-"));
  const asyncDir = join(dir, "async");
  const storeUrl = `mysql://root@127.0.0.1:${db.port}/${JOB_STORE_DATABASE}`;
  const conn = await db.connect();
  const replicas = new Map<string, ChildServer>();
  const set: ReplicaSet = {
    db,
    storeUrl,
    asyncDir,
    replicas,
    async start(name, more = {}) {
      const server = await spawnServer(
        {
          TAP_DUCKDB_PATH: ":memory:",
          TAP_DEMO: "true",
          TAP_IMAGES_REGISTRY: "none",
          TAP_ASYNC_DIR: asyncDir,
          TAP_JOB_STORE: storeUrl,
          TAP_REPLICA_ID: name,
          ...env,
          ...more,
        },
        { timeoutMs: 120_000 },
      );
      replicas.set(name, server);
      return server;
    },
    async sql(query, args = []) {
      const [rows] = await conn.query<RowDataPacket[]>(query.replaceAll("{db}", JOB_STORE_DATABASE), args);
      return rows;
    },
    async pause(name) {
      const pid = replicas.get(name)!.proc.pid!;
      process.kill(pid, "SIGSTOP");
      await waitState(pid, (s) => s === "T");
    },
    async resume(name) {
      const pid = replicas.get(name)!.proc.pid!;
      process.kill(pid, "SIGCONT");
      await waitState(pid, (s) => s !== "T");
    },
    async close() {
      for (const r of replicas.values()) {
        try {
          if (r.proc.pid) process.kill(r.proc.pid, "SIGCONT");
        } catch {
          // gone
        }
        await r.stop("SIGKILL");
      }
      await conn.end().catch(() => {});
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return set;
}

/** The runs of jobs (table job_runs) that overlap in time for the same job: none, if no job ever ran twice at once. */
export function overlappingRuns(runs: readonly { job_id: string; claimed_ms: number | string; valid_until_ms: number | string }[]): string[] {
  const byJob = new Map<string, { from: number; to: number }[]>();
  for (const r of runs) {
    const list = byJob.get(r.job_id) ?? [];
    list.push({ from: Number(r.claimed_ms), to: Number(r.valid_until_ms) });
    byJob.set(r.job_id, list);
  }
  const out: string[] = [];
  for (const [id, list] of byJob) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 1; i < list.length; i++) if (list[i]!.from < list[i - 1]!.to) out.push(id);
  }
  return out;
}

/** A small async job (three rows), different for each i, run at once. */
export const smallJob = (i: number): Record<string, string> => ({
  LANG: "ADQL",
  QUERY: `SELECT TOP 3 star_id FROM demo.stars WHERE star_id > ${i} ORDER BY star_id`,
  RESPONSEFORMAT: "csv",
  PHASE: "RUN",
});

/** The job id at the end of a job URL. */
export const jobIdOf = (url: string): string => url.split("/").pop()!;

/** The job document once its phase is final, waiting with WAIT on `base`'s replica (at most `seconds`). */
export async function finalJob(base: string, id: string, seconds = 60): Promise<string> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const xml = await (await fetch(`${base}/async/${id}`)).text();
    const phase = tag(xml, "phase")!;
    if (!["PENDING", "QUEUED", "EXECUTING"].includes(phase)) return xml;
    if (Date.now() > end) throw new Error(`job ${id} still ${phase} after ${seconds} s`);
    await fetch(`${base}/async/${id}?WAIT=5&PHASE=${phase}`);
  }
}
