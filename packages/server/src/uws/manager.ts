/**
 * The async job system: jobs kept durably (job-store.ts), a bounded pool of workers fed by a
 * queue that is fair between users (round robin over owners, or client addresses for anonymous
 * users), EXECUTIONDURATION enforced by aborting the database query, WAIT, automatic destruction,
 * and what happens to jobs after a restart.
 */
import { createHash, randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { DEFAULT_QUOTAS, type AsyncConfig, type Quotas } from "../config.js";
import { STOPPING_CODE } from "../backends/backend.js";
import { errorStatusAndMessage, TapError } from "../errors.js";
import { ACTIVE_PHASES, FINAL_PHASES, isoNow, type Job, type JobParameter, type Phase } from "./job.js";
import type { JobStore } from "./job-store.js";
import type { ResultStore } from "./result-store.js";
import type { UploadPart } from "../params.js";

/** What a running job is given: its record, a signal, and a way to record the database's reference. */
export interface Execution {
  job: Readonly<Job>;
  signal: AbortSignal;
  /** Set when the job was running when the service stopped: re-attach to this query. */
  resume?: string;
  /** Records (durably) the database's reference of the running query. */
  setBackendRef(ref: string): Promise<void>;
  /**
   * Publishes how much of the query is done (jobInfo); clients blocked in WAIT are answered. Kept
   * in memory, and on disk with the job's next write: a resumed job reports afresh.
   */
  setProgress(progress: { chunksCompleted: number; chunksTotal: number }): void;
  /** Records (durably) the compiler's warnings about the query (jobInfo). */
  setWarnings(warnings: readonly string[]): Promise<void>;
  /**
   * The bearer token of the request that created or ran the job, for services that act with the caller's rights
   * (the Butler server behind SODA). Held in memory only, never in the job store: after a restart it is gone.
   */
  credential?: string;
}

/** Runs a job to its result; throws for an error. */
export type Executor = (run: Execution) => Promise<{ results: Job["results"] }>;

export interface ManagerOptions {
  config: AsyncConfig;
  store: JobStore;
  results: ResultStore;
  executor: Executor;
  /** Whether a job that was EXECUTING when the service stopped can be re-attached (it has a backendRef). */
  canResume: boolean;
  /** What one client and all clients together may keep; the defaults when absent. */
  quotas?: Quotas;
  log?: (m: string) => void;
  now?: () => number;
  /**
   * Parameters whose values accumulate over the POSTs to a job (default: TAP's UPLOAD); any other parameter posted
   * again replaces its earlier values. SODA's filters are all multi-valued (SODA 1.0 §3.1, §6).
   */
  multiValued?: ReadonlySet<string>;
  /** The error of a job that was EXECUTING when the service stopped and cannot be re-attached. */
  restartedMessage?: string;
}

export interface Requester {
  owner: string | null;
  /** The client address, for anonymous fair queuing. */
  address: string;
}

const TAP_MULTI_VALUED: ReadonlySet<string> = new Set(["UPLOAD"]);

/** The event that tells WAIT the job's jobInfo changed (not a phase). */
const PROGRESS_EVENT = "PROGRESS";

export const RESTARTED_MESSAGE = "The service restarted during execution; the query was lost: please run the job again";

export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private readonly events = new EventEmitter();
  /** Waiting jobs per queue key, and the keys in round-robin order. */
  private readonly queues = new Map<string, string[]>();
  private rotation: string[] = [];
  private readonly running = new Map<string, { controller: AbortController; timer?: NodeJS.Timeout; done: Promise<void> }>();
  private readonly resumeRefs = new Map<string, string>();
  /** Credentials by job ID (Execution.credential), in memory only. */
  private readonly credentials = new Map<string, string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly log: (m: string) => void;
  private readonly now: () => number;

  constructor(private readonly o: ManagerOptions) {
    this.log = o.log ?? (() => {});
    this.now = o.now ?? Date.now;
    this.events.setMaxListeners(0);
  }

  get config(): AsyncConfig {
    return this.o.config;
  }

  /** Jobs kept, by phase (for /metrics). */
  phaseCounts(): Map<Phase, number> {
    const counts = new Map<Phase, number>();
    for (const j of this.jobs.values()) counts.set(j.phase, (counts.get(j.phase) ?? 0) + 1);
    return counts;
  }

  /** Loads the stored jobs and applies the restart rules; starts the queue and the destruction timer. */
  async start(): Promise<{ resumed: number; failed: number; destroyed: number; requeued: number }> {
    const stats = { resumed: 0, failed: 0, destroyed: 0, requeued: 0 };
    const loaded = this.o.store.loadAll().sort((a, b) => a.creationTime.localeCompare(b.creationTime));
    const now = this.now();
    for (const job of loaded) {
      this.jobs.set(job.id, job);
      if (Date.parse(job.destruction) <= now) {
        await this.destroy(job.id);
        stats.destroyed++;
        continue;
      }
      if (job.phase === "EXECUTING") {
        if (this.o.canResume && job.backendRef) {
          this.resumeRefs.set(job.id, job.backendRef);
          this.enqueue(job, true);
          stats.resumed++;
        } else {
          job.endTime = isoNow(now);
          job.error = { type: "transient", message: this.o.restartedMessage ?? RESTARTED_MESSAGE };
          delete job.backendRef;
          await this.setPhase(job, "ERROR");
          stats.failed++;
        }
      } else if (job.phase === "QUEUED") {
        this.enqueue(job);
        stats.requeued++;
      }
    }
    // Results whose job record is gone (a crash between the two deletions).
    for (const id of await this.o.results.jobIds()) {
      if (!this.jobs.has(id)) await this.o.results.removeJob(id).catch(() => {});
    }
    this.scheduleSweep();
    this.pump();
    return stats;
  }

  /** Stops timers and running queries; running jobs stay EXECUTING in the store (see start()). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.sweepTimer);
    const waits = [...this.running.values()].map((r) => {
      clearTimeout(r.timer);
      r.controller.abort(new TapError(503, "The service is stopping", STOPPING_CODE));
      return r.done;
    });
    await Promise.all(waits);
    await this.o.store.flush();
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /**
   * Whether the requester may see and change the job: a user's job only its user; an anonymous
   * job anyone who has its URL, whose id (160 random bits) is then the only credential.
   */
  visibleTo(job: Job, req: Requester): boolean {
    return job.owner === null || job.owner === req.owner;
  }

  /**
   * The job list of the requester, most recent first: a user's own jobs, or for an anonymous
   * client the anonymous jobs created from its address, so that no client learns another's ids.
   */
  list(req: Requester, filter: { phases?: Phase[]; after?: number; last?: number } = {}): Job[] {
    const key = queueKeyOf(req);
    let jobs = [...this.jobs.values()].filter((j) => j.owner === req.owner && j.queueKey === key);
    if (filter.phases && filter.phases.length > 0) jobs = jobs.filter((j) => filter.phases!.includes(j.phase));
    else jobs = jobs.filter((j) => j.phase !== "ARCHIVED");
    if (filter.after !== undefined) jobs = jobs.filter((j) => Date.parse(j.creationTime) > filter.after!);
    jobs.sort((a, b) => b.creationTime.localeCompare(a.creationTime) || b.id.localeCompare(a.id));
    if (filter.last !== undefined) jobs = jobs.slice(0, filter.last);
    return jobs;
  }

  /** 160 random bits, in lower-case hex: an anonymous job's URL is its only credential. */
  private newId(): string {
    for (;;) {
      const id = randomBytes(20).toString("hex");
      if (!this.jobs.has(id)) return id;
    }
  }

  /** Bytes a job keeps: its results and its inline uploads. */
  private static storedBytes(job: Job): number {
    let n = job.inlineBytes ?? 0;
    for (const r of job.results) n += r.size;
    return n;
  }

  /** Bytes of a job's parameters: they are held in memory for as long as the job exists. */
  private static parameterBytes(job: Job): number {
    let n = 0;
    for (const p of job.parameters) n += p.name.length + p.value.length;
    return n;
  }

  /**
   * Refuses a job (or more inline bytes, or parameters) over the quotas: the client's own with a
   * 429, which only the client can cure by deleting jobs; the service's with a 503, which time
   * cures. `job` is the new or changed job, with its parameters applied.
   */
  private checkQuotas(job: Job, newJobs: number, newBytes: number): void {
    const q = this.o.quotas ?? DEFAULT_QUOTAS;
    const key = job.queueKey;
    const own = JobManager.parameterBytes(job);
    // Parameters accumulate (UPLOAD) over POSTs to a PENDING job: one job may hold no more than
    // one request may carry.
    if (own > q.parameterBytesPerJob) {
      throw new TapError(413, `The parameters of this job would be ${own} bytes long; this service keeps at most ${q.parameterBytesPerJob} per job`, "TAP_TOO_LARGE");
    }
    let mine = 0;
    let myBytes = 0;
    let allBytes = 0;
    let allParameters = own;
    for (const j of this.jobs.values()) {
      if (j.id !== job.id) allParameters += JobManager.parameterBytes(j);
      const b = JobManager.storedBytes(j);
      allBytes += b;
      if (j.queueKey === key) {
        mine++;
        myBytes += b;
      }
    }
    if (allParameters > q.parameterBytesTotal) {
      throw new TapError(503, `This service holds as many job parameters as it can keep in memory: try again later`, "UWS_FULL", 600);
    }
    if (newJobs > 0 && mine + newJobs > q.jobsPerClient) {
      throw new TapError(429, `You have ${mine} jobs, the most this service keeps for one client: delete some to create more`, "UWS_QUOTA_JOBS");
    }
    if (newJobs > 0 && this.jobs.size + newJobs > q.jobsTotal) {
      throw new TapError(503, `This service holds ${this.jobs.size} jobs, its limit: try again later`, "UWS_FULL", 600);
    }
    if (myBytes + newBytes > q.storedBytesPerClient) {
      throw new TapError(
        newBytes > q.storedBytesPerClient ? 413 : 429,
        `Your jobs keep ${myBytes} bytes of results and uploads; this service keeps at most ${q.storedBytesPerClient} bytes for one client: delete some jobs`,
        "UWS_QUOTA_BYTES",
      );
    }
    if (allBytes + newBytes > q.storedBytesTotal) {
      throw new TapError(503, `This service's storage for job results is full: try again later`, "UWS_FULL", 600);
    }
  }

  /** A new job, PENDING, or QUEUED at once with `run` (PHASE=RUN in the creation request: one write, not two). */
  async create(
    req: Requester,
    parameters: JobParameter[],
    inline: Map<string, UploadPart>,
    options: { run?: boolean; credential?: string } = {},
  ): Promise<Job> {
    if (this.closed) throw new TapError(503, "The service is stopping", "TAP_STOPPING", 30);
    const now = this.now();
    const c = this.o.config;
    const job: Job = {
      v: 1,
      id: this.newId(),
      owner: req.owner,
      queueKey: queueKeyOf(req),
      phase: "PENDING",
      creationTime: isoNow(now),
      executionDuration: c.defaultExecutionSeconds,
      destruction: isoNow(now + c.defaultDestructionSeconds * 1000),
      parameters: [],
      inlineParts: [],
      results: [],
    };
    if (options.credential !== undefined) this.credentials.set(job.id, options.credential);
    this.applyParameters(job, parameters);
    const kept = uploadedParts(job, inline);
    this.checkQuotas(job, 1, sizeOf(kept));
    try {
      for (const [name, part] of kept) {
        await this.o.results.put(job.id, inlineName(name), () => part.open());
        job.inlineParts.push(name);
        job.inlineBytes = (job.inlineBytes ?? 0) + part.size;
      }
    } catch (e) {
      // The job does not exist: neither do the parts already copied.
      await this.o.results.removeJob(job.id).catch(() => {});
      throw e;
    }
    this.jobs.set(job.id, job);
    if (options.run) job.phase = "QUEUED";
    await this.o.store.save(job);
    this.scheduleSweep();
    if (options.run) {
      this.enqueue(job);
      this.pump();
    }
    return job;
  }

  /**
   * UWS control parameters in the creation POST; others are the protocol's (TAP) parameters.
   * UPLOAD accumulates (TAP 1.1 §2.2: several tables); a single-valued parameter posted again
   * replaces its earlier value (taplint checks this with RUNID).
   */
  private applyParameters(job: Job, parameters: JobParameter[]): void {
    const multi = this.o.multiValued ?? TAP_MULTI_VALUED;
    const replaced = new Set(parameters.map((p) => p.name).filter((n) => !multi.has(n)));
    job.parameters = job.parameters.filter((p) => !replaced.has(p.name));
    for (const p of parameters) {
      switch (p.name) {
        case "PHASE":
        case "ACTION":
          break;
        case "EXECUTIONDURATION":
          this.setExecutionDurationOf(job, p.value);
          break;
        case "DESTRUCTION":
          this.setDestructionOf(job, p.value);
          break;
        default:
          if (p.name === "RUNID") job.runId = p.value;
          job.parameters.push(p);
      }
    }
  }

  async addParameters(job: Job, parameters: JobParameter[], inline: Map<string, UploadPart>): Promise<void> {
    if (job.phase !== "PENDING") {
      throw new TapError(400, `The parameters of job ${job.id} cannot change: it is ${job.phase}, not PENDING`, "UWS_BAD_PHASE");
    }
    const before = { parameters: job.parameters, runId: job.runId, executionDuration: job.executionDuration, destruction: job.destruction };
    this.applyParameters(job, parameters);
    const kept = uploadedParts(job, inline);
    try {
      this.checkQuotas(job, 0, sizeOf(kept));
    } catch (e) {
      // A refused change leaves the job as it was.
      Object.assign(job, before);
      if (before.runId === undefined) delete job.runId;
      throw e;
    }
    for (const [name, part] of kept) {
      const replaced = job.inlineParts.includes(name) ? ((await this.o.results.size(job.id, inlineName(name))) ?? 0) : 0;
      await this.o.results.put(job.id, inlineName(name), () => part.open());
      if (!job.inlineParts.includes(name)) job.inlineParts.push(name);
      job.inlineBytes = (job.inlineBytes ?? 0) - replaced + part.size;
    }
    await this.o.store.save(job);
  }

  private setExecutionDurationOf(job: Job, value: string): void {
    if (!/^\s*-?\d+\s*$/.test(value)) throw new TapError(400, `EXECUTIONDURATION must be an integer number of seconds, not "${value}"`);
    const max = this.o.config.maxExecutionSeconds;
    const n = Number(value);
    // 0 (unlimited) and anything above the service's limit become the limit (UWS 1.1 §2.2.3.4).
    job.executionDuration = n <= 0 || n > max ? max : n;
  }

  async setExecutionDuration(job: Job, value: string): Promise<void> {
    if (job.phase !== "PENDING" && job.phase !== "QUEUED") {
      throw new TapError(400, `The execution duration of job ${job.id} cannot change: it is ${job.phase}`, "UWS_BAD_PHASE");
    }
    this.setExecutionDurationOf(job, value);
    await this.o.store.save(job);
  }

  private setDestructionOf(job: Job, value: string): void {
    const t = Date.parse(value);
    if (!/^\d{4}-\d\d-\d\dT/.test(value.trim()) || Number.isNaN(t)) {
      throw new TapError(400, `DESTRUCTION must be an ISO 8601 date and time, not "${value}"`);
    }
    const latest = Date.parse(job.creationTime) + this.o.config.maxDestructionSeconds * 1000;
    // Times without a zone are UTC (UWS 1.1 §2.2.1).
    const ms = /[zZ]|[+-]\d\d:?\d\d$/.test(value.trim()) ? t : Date.parse(`${value.trim()}Z`);
    job.destruction = isoNow(Math.min(ms, latest));
  }

  async setDestruction(job: Job, value: string): Promise<void> {
    this.setDestructionOf(job, value);
    await this.o.store.save(job);
    this.scheduleSweep();
  }

  /** Changes the phase, makes it durable, then tells the waiting clients. */
  private async setPhase(job: Job, phase: Phase): Promise<void> {
    job.phase = phase;
    await this.o.store.save(job);
    this.events.emit(job.id, phase);
  }

  /** PHASE=RUN. */
  async run(job: Job, credential?: string): Promise<void> {
    if (job.phase === "QUEUED" || job.phase === "EXECUTING") return;
    if (credential !== undefined) this.credentials.set(job.id, credential);
    if (job.phase !== "PENDING" && job.phase !== "HELD") {
      throw new TapError(400, `Job ${job.id} cannot be run: it is ${job.phase}`, "UWS_BAD_PHASE");
    }
    this.enqueue(job);
    await this.setPhase(job, "QUEUED");
    this.pump();
  }

  /** PHASE=ABORT: a queued job is taken off the queue; a running one has its query stopped on the database. */
  async abort(job: Job): Promise<void> {
    if (FINAL_PHASES.has(job.phase)) return;
    this.dequeue(job);
    const r = this.running.get(job.id);
    job.endTime = isoNow(this.now());
    await this.setPhase(job, "ABORTED");
    if (r) {
      clearTimeout(r.timer);
      r.controller.abort(new TapError(500, "The job was aborted", "UWS_ABORTED"));
    }
  }

  /** DELETE, ACTION=DELETE, and the destruction time: the job, its query and its results go. */
  async destroy(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) return;
    this.dequeue(job);
    const r = this.running.get(id);
    this.jobs.delete(id);
    this.credentials.delete(id);
    this.events.emit(id, "DELETED");
    if (r) {
      clearTimeout(r.timer);
      r.controller.abort(new TapError(500, "The job was deleted", "UWS_DELETED"));
      await r.done;
    }
    await this.o.store.remove(id);
    await this.o.results.removeJob(id);
  }

  /**
   * WAIT (UWS 1.1 §2.2.1.2): resolves when the phase or the reported progress (jobInfo) changes,
   * or after `seconds` (capped; -1: the cap), at once when the job is not in an active phase or
   * not in `phase`.
   */
  wait(job: Job, seconds: number, phase: Phase | undefined, signal?: AbortSignal): Promise<void> {
    if (!ACTIVE_PHASES.has(job.phase) || (phase !== undefined && job.phase !== phase)) return Promise.resolve();
    const cap = this.o.config.maxWaitSeconds;
    const s = seconds < 0 ? cap : Math.min(seconds, cap);
    if (s <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const start = job.phase;
      const done = () => {
        clearTimeout(timer);
        this.events.off(job.id, onChange);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const onChange = (p: string) => {
        if (p !== start) done();
      };
      const timer = setTimeout(done, s * 1000);
      this.events.on(job.id, onChange);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  // --- the queue -----------------------------------------------------------

  private enqueue(job: Job, front = false): void {
    const q = this.queues.get(job.queueKey);
    if (q) {
      if (front) q.unshift(job.id);
      else q.push(job.id);
    } else {
      this.queues.set(job.queueKey, [job.id]);
      if (front) this.rotation.unshift(job.queueKey);
      else this.rotation.push(job.queueKey);
    }
  }

  private dequeue(job: Job): void {
    const q = this.queues.get(job.queueKey);
    if (!q) return;
    const i = q.indexOf(job.id);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) {
      this.queues.delete(job.queueKey);
      this.rotation = this.rotation.filter((k) => k !== job.queueKey);
    }
  }

  /** The next job: the first of the next user in the rotation, who then goes to the back. */
  private next(): Job | undefined {
    while (this.rotation.length > 0) {
      const key = this.rotation.shift()!;
      const q = this.queues.get(key);
      const id = q?.shift();
      if (q && q.length > 0) this.rotation.push(key);
      else this.queues.delete(key);
      const job = id === undefined ? undefined : this.jobs.get(id);
      if (job) return job;
    }
    return undefined;
  }

  /** Clients blocked in WAIT on a job (for tests and monitoring). */
  waiting(id: string): number {
    return this.events.listenerCount(id);
  }

  /** Jobs waiting, in the order they would start (for tests and monitoring). */
  queueLength(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  runningCount(): number {
    return this.running.size;
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.o.config.concurrency) {
      const job = this.next();
      if (!job) return;
      this.execute(job);
    }
  }

  private execute(job: Job): void {
    const controller = new AbortController();
    const resume = this.resumeRefs.get(job.id);
    this.resumeRefs.delete(job.id);
    const entry: { controller: AbortController; timer?: NodeJS.Timeout; done: Promise<void> } = { controller, done: Promise.resolve() };
    this.running.set(job.id, entry);
    const limit = job.executionDuration;
    const started = resume !== undefined && job.startTime ? Date.parse(job.startTime) : this.now();
    const remaining = Math.max(0, started + limit * 1000 - this.now());
    entry.timer = setTimeout(
      () =>
        controller.abort(
          new TapError(
            500,
            `The query exceeded the job's execution duration limit (EXECUTIONDURATION) of ${limit} s and was stopped`,
            "UWS_EXECUTION_DURATION",
          ),
        ),
      remaining,
    );
    entry.done = (async () => {
      try {
        if (resume === undefined) job.startTime = isoNow(started);
        // Not awaited: a crash before this write leaves the job QUEUED, and it runs again after the
        // restart, which is right for a query that had not produced anything. Writes of a job are
        // ordered, so COMPLETED or ERROR is never overwritten by it.
        job.phase = "EXECUTING";
        const written = this.o.store.save(job).then(() => this.events.emit(job.id, "EXECUTING"));
        written.catch((e: unknown) => this.log(`job ${job.id}: ${(e as Error).message}`));
        controller.signal.throwIfAborted();
        const { results } = await this.o.executor({
          job,
          signal: controller.signal,
          ...(resume !== undefined ? { resume } : {}),
          ...(this.credentials.has(job.id) ? { credential: this.credentials.get(job.id)! } : {}),
          setBackendRef: async (ref) => {
            job.backendRef = ref;
            await this.o.store.save(job);
          },
          setProgress: (progress) => {
            if (job.phase !== "EXECUTING" || controller.signal.aborted) return;
            const p = job.progress;
            if (p && p.chunksCompleted === progress.chunksCompleted && p.chunksTotal === progress.chunksTotal) return;
            job.progress = { chunksCompleted: progress.chunksCompleted, chunksTotal: progress.chunksTotal };
            this.events.emit(job.id, PROGRESS_EVENT);
          },
          setWarnings: async (warnings) => {
            if (warnings.length === 0 && job.warnings === undefined) return;
            job.warnings = [...warnings];
            await this.o.store.save(job);
          },
        });
        if (controller.signal.aborted) throw controller.signal.reason;
        if (job.phase !== "EXECUTING" || !this.jobs.has(job.id)) return;
        job.results = results;
        job.endTime = isoNow(this.now());
        delete job.backendRef;
        await this.setPhase(job, "COMPLETED");
      } catch (e) {
        if (job.phase !== "EXECUTING" || !this.jobs.has(job.id)) return;
        if (this.closed) return; // stays EXECUTING: the restart rules decide
        const reason = controller.signal.aborted ? controller.signal.reason : e;
        job.error = { type: "fatal", message: messageOf(reason) };
        job.endTime = isoNow(this.now());
        delete job.backendRef;
        await this.setPhase(job, "ERROR");
      }
    })()
      .catch((e: unknown) => this.log(`job ${job.id}: ${(e as Error)?.stack ?? String(e)}`))
      .finally(() => {
        clearTimeout(entry.timer);
        this.running.delete(job.id);
        this.credentials.delete(job.id);
        this.pump();
      });
  }

  // --- destruction ------------------------------------------------------------

  private scheduleSweep(): void {
    if (this.closed) return;
    clearTimeout(this.sweepTimer);
    let next = Infinity;
    for (const j of this.jobs.values()) next = Math.min(next, Date.parse(j.destruction));
    if (next === Infinity) return;
    // setTimeout takes at most 2^31-1 ms; look again at least every hour.
    const delay = Math.min(Math.max(0, next - this.now()), 3600_000);
    this.sweepTimer = setTimeout(() => void this.sweep(), delay);
    this.sweepTimer.unref();
  }

  private async sweep(): Promise<void> {
    const now = this.now();
    for (const j of [...this.jobs.values()]) {
      if (Date.parse(j.destruction) <= now) {
        await this.destroy(j.id).catch((e: unknown) => this.log(`destroying job ${j.id}: ${(e as Error).message}`));
      }
    }
    this.scheduleSweep();
  }
}

function queueKeyOf(req: Requester): string {
  return req.owner !== null ? `user:${req.owner}` : `addr:${req.address}`;
}

/**
 * The parts that the job's UPLOAD parameters name (`name,param:part`): only those are kept, so
 * that parts sent along with a job cost no storage unless the job reads them.
 */
function uploadedParts(job: Job, inline: Map<string, UploadPart>): Map<string, UploadPart> {
  const named = new Set<string>();
  for (const p of job.parameters) {
    if (p.name !== "UPLOAD") continue;
    for (const item of p.value.split(";")) {
      const uri = item.slice(item.indexOf(",") + 1).trim();
      if (item.includes(",") && uri.startsWith("param:")) named.add(uri.slice("param:".length));
    }
  }
  return new Map([...inline].filter(([name]) => named.has(name)));
}

function sizeOf(parts: Map<string, UploadPart>): number {
  let n = 0;
  for (const p of parts.values()) n += p.size;
  return n;
}

/**
 * The results-store object of an inline upload part. A part name that is not a safe file name
 * (or is long) is hashed, so that two names never share an object ("a b" and "a_b").
 */
export function inlineName(part: string): string {
  return /^[A-Za-z0-9_-]{1,100}$/.test(part) ? `upload.${part}` : `upload.h${createHash("sha256").update(part).digest("hex").slice(0, 40)}`;
}

function messageOf(e: unknown): string {
  return errorStatusAndMessage(e).message;
}
