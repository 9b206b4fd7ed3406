/**
 * The job store that replicas share: MariaDB (or MySQL), through mysql2. The server creates its database if missing and
 * applies the numbered migrations once (table job_schema; under a named lock, so that replicas starting together do
 * not race). One row per job, with its parameters, results metadata and warnings as JSON text, the columns that the
 * job list filters on (phase, creation time) indexed, and the lease: which replica runs the job (lease_owner), the
 * token that every write of that run must name (lease_token), and when the lease ends unless renewed (lease_expires,
 * in the database's clock, so that the replicas' clocks do not matter). job_runs keeps one row per run (which replica,
 * from when, until when its lease was valid, how it ended), which is how the tests check that no job ran twice at once.
 *
 * TAP's and SODA's jobs share the tables, told apart by the `service` column.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { Job, Phase } from "./job.js";
import { LEASED, TRANSITIONS } from "./phases.js";
import { parameterBytesOf, storedBytesOf, type Condition, type JobPatch, type JobQuery, type JobStore, type Lease, type LeaseOptions, type TakeoverResult, type Usage } from "./store.js";
import type { ServiceLog } from "../logging.js";

/** `phase IN ('...')` for phases of the table (phases.ts): constants of the Phase type, written into the SQL text. */
function phaseIn(phases: readonly Phase[]): string {
  for (const p of phases) if (!/^[A-Z]+$/.test(p)) throw new TypeError(`not a phase: ${p}`);
  return `phase IN (${phases.map((p) => `'${p}'`).join(", ")})`;
}

export interface MySqlStoreLocation {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The database's clock in milliseconds: leases are measured on it, whatever the replicas' clocks say. */
const NOW_MS = "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)";

/** Numbered migrations, applied once each, in order. Never edit one that has shipped: add the next. */
export const MIGRATIONS: readonly string[][] = [
  [
    `CREATE TABLE IF NOT EXISTS jobs (
      service VARCHAR(16) NOT NULL,
      id VARCHAR(64) NOT NULL,
      run_id TEXT NULL,
      owner VARCHAR(255) NULL,
      queue_key VARCHAR(320) NOT NULL,
      phase VARCHAR(12) NOT NULL,
      creation_ms BIGINT NOT NULL,
      start_ms BIGINT NULL,
      end_ms BIGINT NULL,
      execution_duration INT NOT NULL,
      destruction_ms BIGINT NOT NULL,
      parameters LONGTEXT NOT NULL,
      parameter_bytes BIGINT NOT NULL,
      inline_parts TEXT NOT NULL,
      inline_bytes BIGINT NULL,
      results TEXT NOT NULL,
      result_bytes BIGINT NOT NULL,
      error_type VARCHAR(16) NULL,
      error_message TEXT NULL,
      backend_ref VARCHAR(255) NULL,
      progress_completed INT NULL,
      progress_total INT NULL,
      warnings TEXT NULL,
      lease_owner VARCHAR(255) NULL,
      lease_token CHAR(24) NULL,
      lease_expires BIGINT NULL,
      runs INT NOT NULL DEFAULT 0,
      PRIMARY KEY (id),
      KEY jobs_list (service, queue_key, phase, creation_ms),
      KEY jobs_list_time (service, queue_key, creation_ms),
      KEY jobs_phase (service, phase, creation_ms),
      KEY jobs_destruction (service, destruction_ms)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ],
  [
    `CREATE TABLE IF NOT EXISTS job_runs (
      token CHAR(24) NOT NULL,
      job_id VARCHAR(64) NOT NULL,
      service VARCHAR(16) NOT NULL,
      run INT NOT NULL,
      replica VARCHAR(255) NOT NULL,
      claimed_ms BIGINT NOT NULL,
      valid_until_ms BIGINT NOT NULL,
      ended_ms BIGINT NULL,
      outcome VARCHAR(16) NULL,
      PRIMARY KEY (token),
      KEY job_runs_job (job_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    // One row per service, locked while a claim counts the jobs executing (the global limit).
    `CREATE TABLE IF NOT EXISTS job_claim_lock (service VARCHAR(16) NOT NULL PRIMARY KEY) ENGINE=InnoDB`,
  ],
  [
    // Which replica holds the job's bearer token in its memory (never the token), and when each replica was last alive.
    `ALTER TABLE jobs ADD COLUMN credential_holder VARCHAR(255) NULL`,
    `CREATE TABLE IF NOT EXISTS job_replicas (replica VARCHAR(255) NOT NULL PRIMARY KEY, seen_ms BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ],
];

/** A Job field and the columns it is kept in. */
const COLUMNS: { [K in keyof JobPatch]-?: (v: JobPatch[K]) => Record<string, unknown> } = {
  runId: (v) => ({ run_id: v ?? null }),
  phase: (v) => ({ phase: v }),
  startTime: (v) => ({ start_ms: v === undefined ? null : Date.parse(v) }),
  endTime: (v) => ({ end_ms: v === undefined ? null : Date.parse(v) }),
  executionDuration: (v) => ({ execution_duration: v }),
  destruction: (v) => ({ destruction_ms: Date.parse(v!) }),
  parameters: (v) => ({ parameters: JSON.stringify(v), parameter_bytes: parameterBytesOf({ parameters: v! }) }),
  inlineParts: (v) => ({ inline_parts: JSON.stringify(v) }),
  inlineBytes: (v) => ({ inline_bytes: v ?? null }),
  results: (v) => ({ results: JSON.stringify(v), result_bytes: storedBytesOf({ results: v! }) }),
  error: (v) => ({ error_type: v?.type ?? null, error_message: v?.message ?? null }),
  backendRef: (v) => ({ backend_ref: v ?? null }),
  progress: (v) => ({ progress_completed: v?.chunksCompleted ?? null, progress_total: v?.chunksTotal ?? null }),
  warnings: (v) => ({ warnings: v === undefined ? null : JSON.stringify(v) }),
  credentialHolder: (v) => ({ credential_holder: v ?? null }),
};

function columnsOf(patch: JobPatch): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    const f = COLUMNS[k as keyof JobPatch] as ((v: unknown) => Record<string, unknown>) | undefined;
    if (f) Object.assign(out, f(v));
  }
  // A job that leaves EXECUTING leaves its lease.
  if (patch.phase !== undefined && patch.phase !== LEASED) Object.assign(out, { lease_owner: null, lease_token: null, lease_expires: null });
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

function jobOf(r: RowDataPacket): Job {
  const job: Job = {
    v: 1,
    id: r.id as string,
    owner: (r.owner as string | null) ?? null,
    queueKey: r.queue_key as string,
    phase: r.phase as Phase,
    creationTime: iso(Number(r.creation_ms)),
    executionDuration: Number(r.execution_duration),
    destruction: iso(Number(r.destruction_ms)),
    parameters: JSON.parse(r.parameters as string) as Job["parameters"],
    inlineParts: JSON.parse(r.inline_parts as string) as string[],
    results: JSON.parse(r.results as string) as Job["results"],
  };
  if (r.run_id !== null) job.runId = r.run_id as string;
  if (r.start_ms !== null) job.startTime = iso(Number(r.start_ms));
  if (r.end_ms !== null) job.endTime = iso(Number(r.end_ms));
  if (r.inline_bytes !== null) job.inlineBytes = Number(r.inline_bytes);
  if (r.error_type !== null) job.error = { type: r.error_type as "fatal" | "transient", message: (r.error_message as string) ?? "" };
  if (r.backend_ref !== null) job.backendRef = r.backend_ref as string;
  if (r.progress_total !== null) job.progress = { chunksCompleted: Number(r.progress_completed), chunksTotal: Number(r.progress_total) };
  if (r.warnings !== null) job.warnings = JSON.parse(r.warnings as string) as string[];
  if (r.credential_holder !== null && r.credential_holder !== undefined) job.credentialHolder = r.credential_holder as string;
  return job;
}

/** Where the store is, for logs: never the password. */
export function describeLocation(l: MySqlStoreLocation): string {
  return `mysql://${l.user}@${l.host}:${l.port}/${l.database}`;
}

/** One pool per location, shared by the services (TAP, SODA) of a process. */
const pools = new Map<string, { pool: Pool; users: number; ready: Promise<void> }>();

export class MySqlJobStore implements JobStore {
  readonly shared = true;
  private pool!: Pool;
  private readonly key: string;

  constructor(
    private readonly location: MySqlStoreLocation,
    /** Which service's jobs (tap, soda). */
    private readonly service: string,
    private readonly options: { connectionLimit?: number; log?: ServiceLog } = {},
  ) {
    if (!/^[A-Za-z0-9_$]{1,64}$/.test(location.database)) throw new Error(`the job store's database name must be letters, digits and _, not "${location.database}"`);
    this.key = `${location.user}@${location.host}:${location.port}/${location.database}`;
  }

  async open(): Promise<Job[]> {
    let entry = pools.get(this.key);
    if (!entry) {
      const pool = mysql.createPool({
        host: this.location.host,
        port: this.location.port,
        user: this.location.user,
        password: this.location.password,
        database: this.location.database,
        connectionLimit: this.options.connectionLimit ?? 8,
        connectTimeout: 10_000,
      });
      entry = { pool, users: 0, ready: migrate(this.location, this.options.log ?? (() => {})) };
      pools.set(this.key, entry);
    }
    entry.users++;
    this.pool = entry.pool;
    try {
      await entry.ready;
    } catch (e) {
      await this.close();
      throw e;
    }
    await this.pool.query("INSERT IGNORE INTO job_claim_lock (service) VALUES (?)", [this.service]);
    return [];
  }

  async close(): Promise<void> {
    const entry = pools.get(this.key);
    if (!entry || entry.pool !== this.pool) return;
    if (--entry.users === 0) {
      pools.delete(this.key);
      await entry.pool.end();
    }
  }

  async get(id: string): Promise<Job | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>("SELECT * FROM jobs WHERE id = ? AND service = ?", [id, this.service]);
    return rows[0] ? jobOf(rows[0]) : undefined;
  }

  async list(q: JobQuery): Promise<Job[]> {
    const where = ["service = ?", "queue_key = ?", "owner <=> ?"];
    const args: unknown[] = [this.service, q.queueKey, q.owner];
    if (q.phases && q.phases.length > 0) {
      where.push(`phase IN (${q.phases.map(() => "?").join(", ")})`);
      args.push(...q.phases);
    } else where.push("phase <> 'ARCHIVED'");
    if (q.after !== undefined) {
      where.push("creation_ms > ?");
      args.push(q.after);
    }
    let sql = `SELECT * FROM jobs WHERE ${where.join(" AND ")} ORDER BY creation_ms DESC, id DESC`;
    if (q.last !== undefined) {
      sql += " LIMIT ?";
      args.push(q.last);
    }
    const [rows] = await this.pool.query<RowDataPacket[]>(sql, args);
    return rows.map(jobOf);
  }

  async usage(queueKey: string, except?: string): Promise<Usage> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS jobs, COALESCE(SUM(queue_key = ?), 0) AS client_jobs,
              COALESCE(SUM(result_bytes + COALESCE(inline_bytes, 0)), 0) AS bytes,
              COALESCE(SUM(IF(queue_key = ?, result_bytes + COALESCE(inline_bytes, 0), 0)), 0) AS client_bytes,
              COALESCE(SUM(parameter_bytes), 0) AS parameter_bytes
       FROM jobs WHERE service = ? AND id <> ?`,
      [queueKey, queueKey, this.service, except ?? ""],
    );
    const r = rows[0]!;
    return { jobs: Number(r.jobs), clientJobs: Number(r.client_jobs), bytes: Number(r.bytes), clientBytes: Number(r.client_bytes), parameterBytes: Number(r.parameter_bytes) };
  }

  async insert(job: Job): Promise<void> {
    const cols: Record<string, unknown> = {
      service: this.service,
      id: job.id,
      owner: job.owner,
      queue_key: job.queueKey,
      creation_ms: Date.parse(job.creationTime),
      inline_bytes: null,
      ...columnsOf({ ...job, runId: job.runId }),
    };
    const names = Object.keys(cols);
    await this.pool.query(`INSERT INTO jobs (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`, names.map((n) => cols[n]));
  }

  private conditions(id: string, when: Condition | undefined): { sql: string; args: unknown[] } {
    const where = ["id = ?", "service = ?"];
    const args: unknown[] = [id, this.service];
    if (when?.phases) {
      where.push(`phase IN (${when.phases.map(() => "?").join(", ")})`);
      args.push(...when.phases);
    }
    if (when?.lease !== undefined) {
      where.push("lease_token = ?");
      args.push(when.lease);
    }
    return { sql: where.join(" AND "), args };
  }

  async update(id: string, patch: JobPatch, when?: Condition): Promise<boolean> {
    const cols = columnsOf(patch);
    const names = Object.keys(cols);
    if (names.length === 0) return (await this.get(id)) !== undefined;
    const c = this.conditions(id, when);
    const [r] = await this.pool.query<ResultSetHeader>(`UPDATE jobs SET ${names.map((n) => `${n} = ?`).join(", ")} WHERE ${c.sql}`, [
      ...names.map((n) => cols[n]),
      ...c.args,
    ]);
    return r.affectedRows === 1;
  }

  async remove(id: string, dueBy?: number): Promise<boolean> {
    const [r] = await this.pool.query<ResultSetHeader>(
      `DELETE FROM jobs WHERE id = ? AND service = ?${dueBy !== undefined ? " AND destruction_ms <= ?" : ""}`,
      dueBy !== undefined ? [id, this.service, dueBy] : [id, this.service],
    );
    if (r.affectedRows === 1) await this.pool.query("DELETE FROM job_runs WHERE job_id = ?", [id]);
    return r.affectedRows === 1;
  }

  async claim(id: string, lease: LeaseOptions, patch: JobPatch): Promise<Lease | "lost" | "full"> {
    const token = randomBytes(12).toString("hex");
    const conn: PoolConnection = await this.pool.getConnection();
    try {
      await conn.beginTransaction();
      if (lease.globalLimit > 0) {
        // Claims of this service are serialised while one counts: two replicas cannot both take the last slot.
        await conn.query("SELECT service FROM job_claim_lock WHERE service = ? FOR UPDATE", [this.service]);
        const [n] = await conn.query<RowDataPacket[]>(
          `SELECT COUNT(*) AS n FROM jobs WHERE service = ? AND ${phaseIn([LEASED])} AND lease_expires > ${NOW_MS}`,
          [this.service],
        );
        if (Number(n[0]!.n) >= lease.globalLimit) {
          await conn.rollback();
          return "full";
        }
      }
      const cols = columnsOf({ ...patch, phase: TRANSITIONS.claim.to });
      const names = Object.keys(cols);
      // The claim itself: one UPDATE whose WHERE only one replica can satisfy.
      const [r] = await conn.query<ResultSetHeader>(
        `UPDATE jobs SET ${names.map((n) => `${n} = ?`).join(", ")}, lease_owner = ?, lease_token = ?, lease_expires = ${NOW_MS} + ?, runs = runs + 1
         WHERE id = ? AND service = ? AND ${phaseIn(TRANSITIONS.claim.from)}`,
        [...names.map((n) => cols[n]), lease.owner, token, lease.ms, id, this.service],
      );
      if (r.affectedRows !== 1) {
        await conn.rollback();
        return "lost";
      }
      const [runs] = await conn.query<RowDataPacket[]>("SELECT runs FROM jobs WHERE id = ?", [id]);
      const run = Number(runs[0]!.runs);
      await conn.query(
        `INSERT INTO job_runs (token, job_id, service, run, replica, claimed_ms, valid_until_ms) VALUES (?, ?, ?, ?, ?, ${NOW_MS}, ${NOW_MS} + ?)`,
        [token, id, this.service, run, lease.owner, lease.ms],
      );
      await conn.commit();
      return { token, run };
    } catch (e) {
      await conn.rollback().catch(() => {});
      throw e;
    } finally {
      conn.release();
    }
  }

  async renew(id: string, token: string, ms: number): Promise<boolean> {
    const [r] = await this.pool.query<ResultSetHeader>(
      `UPDATE jobs j JOIN job_runs r ON r.token = j.lease_token SET j.lease_expires = ${NOW_MS} + ?, r.valid_until_ms = ${NOW_MS} + ?
       WHERE j.id = ? AND j.service = ? AND j.lease_token = ? AND j.${phaseIn([LEASED])}`,
      [ms, ms, id, this.service, token],
    );
    return r.affectedRows > 0;
  }

  async release(id: string, token: string): Promise<boolean> {
    const [r] = await this.pool.query<ResultSetHeader>(
      `UPDATE jobs SET phase = ?, progress_completed = NULL, progress_total = NULL, lease_owner = NULL, lease_token = NULL, lease_expires = NULL,
       runs = GREATEST(runs - 1, 0) WHERE id = ? AND service = ? AND ${phaseIn(TRANSITIONS.requeue.from)} AND lease_token = ?`,
      [TRANSITIONS.requeue.to, id, this.service, token],
    );
    return r.affectedRows === 1;
  }

  async endRun(_id: string, token: string, outcome: string): Promise<void> {
    // A run that still held its lease ends now; a lost one stays valid only until its last renewal.
    await this.pool.query(`UPDATE job_runs SET ended_ms = ${NOW_MS}, outcome = ?, valid_until_ms = LEAST(valid_until_ms, ${NOW_MS}) WHERE token = ?`, [
      outcome,
      token,
    ]);
  }

  async queued(limit: number): Promise<{ id: string; queueKey: string }[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT id, queue_key FROM jobs WHERE service = ? AND ${phaseIn(TRANSITIONS.claim.from)} ORDER BY creation_ms, id LIMIT ?`,
      [this.service, limit],
    );
    return rows.map((r) => ({ id: r.id as string, queueKey: r.queue_key as string }));
  }

  async takeOver(maxRuns: number, message: string, now: number): Promise<TakeoverResult> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT id, runs, lease_token FROM jobs WHERE service = ? AND ${phaseIn([LEASED])} AND (lease_expires IS NULL OR lease_expires < ${NOW_MS})`,
      [this.service],
    );
    const out: TakeoverResult = { requeued: [], failed: [] };
    for (const r of rows) {
      const again = Number(r.runs) < maxRuns;
      const patch: JobPatch = again
        ? { phase: TRANSITIONS.requeue.to, progress: undefined }
        : { phase: TRANSITIONS.lost.to, error: { type: "transient", message }, endTime: iso(now), backendRef: undefined, progress: undefined };
      const cols = columnsOf(patch);
      const names = Object.keys(cols);
      // Conditional on the lease seen, still expired: of the replicas that sweep, one takes it over.
      const [u] = await this.pool.query<ResultSetHeader>(
        `UPDATE jobs SET ${names.map((n) => `${n} = ?`).join(", ")} WHERE id = ? AND service = ? AND ${phaseIn((again ? TRANSITIONS.requeue : TRANSITIONS.lost).from)}
         AND lease_token <=> ? AND (lease_expires IS NULL OR lease_expires < ${NOW_MS})`,
        [...names.map((n) => cols[n]), r.id, this.service, r.lease_token],
      );
      if (u.affectedRows === 1) (again ? out.requeued : out.failed).push(r.id as string);
    }
    return out;
  }

  async overrun(graceMs: number, now: number): Promise<string[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT id, execution_duration, lease_token FROM jobs WHERE service = ? AND ${phaseIn(TRANSITIONS.fail.from)} AND start_ms + execution_duration * 1000 + ? < ?`,
      [this.service, graceMs, now],
    );
    const out: string[] = [];
    for (const r of rows) {
      const message = `The query exceeded the job's execution duration limit (EXECUTIONDURATION) of ${Number(r.execution_duration)} s and was stopped`;
      const ok = await this.update(r.id as string, { phase: TRANSITIONS.fail.to, error: { type: "fatal", message }, endTime: iso(now), backendRef: undefined }, {
        phases: TRANSITIONS.fail.from,
        lease: r.lease_token as string,
      });
      if (ok) out.push(r.id as string);
    }
    return out;
  }

  async due(now: number, limit: number): Promise<string[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>("SELECT id FROM jobs WHERE service = ? AND destruction_ms <= ? ORDER BY destruction_ms LIMIT ?", [
      this.service,
      now,
      limit,
    ]);
    return rows.map((r) => r.id as string);
  }

  async nextDestruction(): Promise<number | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>("SELECT MIN(destruction_ms) AS t FROM jobs WHERE service = ?", [this.service]);
    return rows[0]!.t === null ? undefined : Number(rows[0]!.t);
  }

  async phaseCounts(): Promise<Map<Phase, number>> {
    const [rows] = await this.pool.query<RowDataPacket[]>("SELECT phase, COUNT(*) AS n FROM jobs WHERE service = ? GROUP BY phase", [this.service]);
    return new Map(rows.map((r) => [r.phase as Phase, Number(r.n)]));
  }

  async flush(): Promise<void> {}

  async heartbeat(replica: string): Promise<void> {
    await this.pool.query(`INSERT INTO job_replicas (replica, seen_ms) VALUES (?, ${NOW_MS}) ON DUPLICATE KEY UPDATE seen_ms = VALUES(seen_ms)`, [replica]);
  }

  /** When this store last looked for replicas to forget (this process's clock). */
  private lastForget = Number.NEGATIVE_INFINITY;

  async forgetReplicas(unseenMs: number): Promise<string[]> {
    // Every replica polls every second or so; stopped replicas' rows are few and harmless for a while.
    if (Date.now() - this.lastForget < unseenMs / 10) return [];
    this.lastForget = Date.now();
    // A plain read, then deletions by key, each only if the row is still unseen: no range of the table is locked
    // against the other replicas' heartbeats, and a replica seen meanwhile keeps its row.
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT replica FROM job_replicas WHERE seen_ms < ${NOW_MS} - ?`, [unseenMs]);
    const forgotten: string[] = [];
    for (const r of rows) {
      const [u] = await this.pool.query<ResultSetHeader>(`DELETE FROM job_replicas WHERE replica = ? AND seen_ms < ${NOW_MS} - ?`, [r.replica, unseenMs]);
      if (u.affectedRows === 1) forgotten.push(r.replica as string);
    }
    return forgotten;
  }

  async replicaAlive(replica: string, ms: number): Promise<boolean> {
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT seen_ms > ${NOW_MS} - ? AS alive FROM job_replicas WHERE replica = ?`, [ms, replica]);
    return rows[0] !== undefined && Number(rows[0].alive) === 1;
  }
}

/** Creates the database if missing and applies the migrations not yet applied, one replica at a time. */
async function migrate(l: MySqlStoreLocation, log: ServiceLog): Promise<void> {
  const conn = await mysql.createConnection({ host: l.host, port: l.port, user: l.user, password: l.password, connectTimeout: 10_000 });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${l.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await conn.query(`USE \`${l.database}\``);
    const [locked] = await conn.query<RowDataPacket[]>("SELECT GET_LOCK(?, 60) AS ok", [`tap_jobs_migrate_${l.database}`]);
    if (Number(locked[0]!.ok) !== 1) throw new Error("the job store's migration lock was not granted within 60 s");
    try {
      await conn.query("CREATE TABLE IF NOT EXISTS job_schema (version INT NOT NULL PRIMARY KEY, applied_ms BIGINT NOT NULL) ENGINE=InnoDB");
      const [rows] = await conn.query<RowDataPacket[]>("SELECT COALESCE(MAX(version), 0) AS v FROM job_schema");
      const have = Number(rows[0]!.v);
      for (let v = have + 1; v <= MIGRATIONS.length; v++) {
        for (const statement of MIGRATIONS[v - 1]!) await conn.query(statement);
        await conn.query(`INSERT INTO job_schema (version, applied_ms) VALUES (?, ${NOW_MS})`, [v]);
        log(`job store ${describeLocation(l)}: migration ${v} applied`);
      }
    } finally {
      await conn.query("SELECT RELEASE_LOCK(?)", [`tap_jobs_migrate_${l.database}`]);
    }
  } finally {
    await conn.end();
  }
}
