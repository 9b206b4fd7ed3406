/**
 * The async job system's coordinator: a bounded pool of workers fed by a queue that is fair between users
 * (fair-queue.ts), the UWS actions on a job, and what happens to jobs after a restart. Jobs live in a store (store.ts):
 * the JSON files of this process (store-files.ts), or MariaDB shared by several replicas (store-mysql.ts), where a
 * replica runs a job under a lease (lease.ts) and every write of the run is conditional on still holding it, and
 * looks at the store at every poll (poll.ts). Which phase may follow which is the table in phases.ts; the parameters'
 * rules are in parameters.ts, the quotas in quotas.ts, the restart rules of the files store in recovery.ts; one run of
 * a job to its end (EXECUTIONDURATION, the lease) is execution.ts, WAIT is wait.ts, the destruction timer of the
 * files store destruction.ts, and their timers follow clock.ts.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { DEFAULT_ASYNC, DEFAULT_QUOTAS, type AsyncConfig, type Quotas } from "../config.js";
import { STOPPING_CODE } from "../backends/backend.js";
import { TapError } from "../errors.js";
import { defaultReplicaId } from "../logging.js";
import { systemClock, type Clock } from "./clock.js";
import { DestructionSweep } from "./destruction.js";
import { JobRun, type Executor } from "./execution.js";
import { FairQueue } from "./fair-queue.js";
import { FINAL_PHASES, isoNow, type Job, type JobParameter, type Phase } from "./job.js";
import { JsonFileJobStore } from "./job-store.js";
import { pollSharedStore } from "./poll.js";
import { applyParameters, destructionOf, executionDurationOf, inlineName, sizeOf, uploadedParts } from "./parameters.js";
import { allows, EDITS, phaseConflict, RUNNING, TRANSITIONS } from "./phases.js";
import type { ResultStore } from "./result-store.js";
import { FileJobStore, apply } from "./store-files.js";
import { checkQuotas } from "./quotas.js";
import { applyRestartRules } from "./recovery.js";
import type { JobStore } from "./store.js";
import { waitForChange } from "./wait.js";
import type { UploadPart } from "../params.js";
import type { ServiceLog } from "../logging.js";

export { inlineName } from "./parameters.js";
export type { Execution, Executor } from "./execution.js";

export interface ManagerOptions {
  config: AsyncConfig;
  /** The store; the JSON-file store of job-store.ts is taken as the files store (store-files.ts). */
  store: JobStore | JsonFileJobStore;
  results: ResultStore;
  executor: Executor;
  /** Whether a job that was EXECUTING when the service stopped can be re-attached (it has a backendRef). */
  canResume: boolean;
  /** What one client and all clients together may keep; the defaults when absent. */
  quotas?: Quotas;
  log?: ServiceLog;
  /** The time of the job records (a test may set it). */
  now?: () => number;
  /** The deadlines' timers (a test's ManualClock); by default the system's, with `now`. */
  clock?: Clock;
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

export const RESTARTED_MESSAGE = "The service restarted during execution; the query was lost: please run the job again";

export class JobManager {
  private readonly store: JobStore;
  private readonly events = new EventEmitter();
  private readonly queue = new FairQueue();
  private readonly running = new Map<string, JobRun>();
  /** Claims under way: they hold a worker. */
  private claiming = 0;
  /** The global limit was reached at the last claim: wait for the next poll. */
  private globalFull = false;
  /** Credentials by job ID (Execution.credential), in memory only. */
  private readonly credentials = new Map<string, string>();
  /** The files store's destruction timer (a shared store is swept at every poll). */
  private readonly destruction: DestructionSweep | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private counts = new Map<Phase, number>();
  private closed = false;
  /** Aborted when the service stops: blocking WAITs return at once (endWaits). */
  private readonly waitsEnded = new AbortController();
  private readonly log: ServiceLog;
  private readonly clock: Clock;
  readonly replicaId: string;

  constructor(private readonly o: ManagerOptions) {
    this.log = o.log ?? (() => {});
    this.clock = o.clock ?? systemClock(o.now);
    this.events.setMaxListeners(0);
    this.store = o.store instanceof JsonFileJobStore ? new FileJobStore(o.store) : o.store;
    this.replicaId = o.config.replicaId || defaultReplicaId();
    this.destruction = this.store.shared
      ? undefined
      : new DestructionSweep({ store: this.store, clock: this.clock, destroy: (id) => this.destroy(id), log: this.log });
  }

  private now(): number {
    return this.clock.now();
  }

  get config(): AsyncConfig {
    return this.o.config;
  }

  private get leaseMs(): number {
    return (this.o.config.leaseSeconds ?? DEFAULT_ASYNC.leaseSeconds) * 1000;
  }

  /** The longest pause between two looks at a shared store (WAIT, the queue, the sweeps). */
  private get pollMs(): number {
    return (this.o.config.pollSeconds ?? DEFAULT_ASYNC.pollSeconds) * 1000;
  }

  /** Jobs kept, by phase (for /metrics): a shared store's as of its last poll. */
  phaseCounts(): Map<Phase, number> {
    return this.store.phaseCountsNow?.() ?? this.counts;
  }

  /** Opens the store, applies the restart rules (files) and starts the queue, the sweeps and (shared) the polling. */
  async start(): Promise<{ resumed: number; failed: number; destroyed: number; requeued: number }> {
    const loaded = await this.store.open();
    const stats = await applyRestartRules(this.store, loaded, {
      now: this.now(),
      canResume: this.o.canResume,
      restartedMessage: this.o.restartedMessage ?? RESTARTED_MESSAGE,
      destroy: (id) => this.destroy(id),
      enqueue: (job, front) => this.queue.add(job.queueKey, job.id, front),
    });
    if (!this.store.shared) {
      // Results whose job record is gone (a crash between the two deletions). Not with a shared store: another
      // replica may be writing a new job's uploads before its record.
      const ids = new Set(loaded.map((j) => j.id));
      for (const id of await this.o.results.jobIds()) {
        if (!ids.has(id) || !(await this.store.get(id))) await this.o.results.removeJob(id).catch(() => {});
      }
      void this.destruction?.schedule();
    } else {
      this.log(`async jobs: replica ${this.replicaId}, shared job store, lease ${this.leaseMs} ms, poll ${this.pollMs} ms`);
      await this.tick();
      this.pollTimer = setInterval(() => void this.tick(), this.pollMs);
      this.pollTimer.unref();
    }
    this.pump();
    return stats;
  }

  /**
   * Stops timers and running queries. With the files store, running jobs stay EXECUTING (see start()); with a shared
   * store they go back to QUEUED, for another replica to take at once rather than after their lease.
   */
  async close(): Promise<void> {
    this.closed = true;
    const sweeping = this.destruction?.stop();
    clearInterval(this.pollTimer);
    await sweeping;
    await this.ticking;
    const waits = [...this.running.values()].map((r) => {
      r.stop(new TapError(503, "The service is stopping", STOPPING_CODE));
      return r.done;
    });
    await Promise.all(waits);
    await this.store.flush();
    await this.store.close();
  }

  /** The job as the store has it now (with a shared store, wherever it runs). */
  get(id: string): Promise<Job | undefined> {
    return this.store.get(id);
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
  list(req: Requester, filter: { phases?: Phase[]; after?: number; last?: number } = {}): Promise<Job[]> {
    return this.store.list({ owner: req.owner, queueKey: queueKeyOf(req), ...filter });
  }

  private async checkQuotas(job: Job, before: Job | undefined, newJobs: number, newBytes: number): Promise<void> {
    checkQuotas(this.o.quotas ?? DEFAULT_QUOTAS, job, before, await this.store.usage(job.queueKey, job.id), newJobs, newBytes);
  }

  private get limits() {
    return { maxExecutionSeconds: this.o.config.maxExecutionSeconds, maxDestructionSeconds: this.o.config.maxDestructionSeconds, now: this.now() };
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
      // 160 random bits, in lower-case hex: an anonymous job's URL is its only credential.
      id: randomBytes(20).toString("hex"),
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
    applyParameters(job, parameters, this.o.multiValued ?? TAP_MULTI_VALUED, this.limits);
    const kept = uploadedParts(job, inline);
    await this.checkQuotas(job, undefined, 1, sizeOf(kept));
    if (options.credential !== undefined) {
      this.credentials.set(job.id, options.credential);
      // Who holds it, for the other replicas: never the token.
      job.credentialHolder = this.replicaId;
    }
    try {
      for (const [name, part] of kept) {
        await this.o.results.put(job.id, inlineName(name), () => part.open());
        job.inlineParts.push(name);
        job.inlineBytes = (job.inlineBytes ?? 0) + part.size;
      }
    } catch (e) {
      // The job does not exist: neither do the parts already copied.
      await this.o.results.removeJob(job.id).catch(() => {});
      this.credentials.delete(job.id);
      throw e;
    }
    if (options.run) job.phase = TRANSITIONS.run.to;
    try {
      await this.store.insert(job);
    } catch (e) {
      // Not stored (a full disk): no job, and nothing of it kept.
      await this.o.results.removeJob(job.id).catch(() => {});
      this.credentials.delete(job.id);
      throw e;
    }
    void this.destruction?.schedule();
    if (options.run) {
      this.queue.add(job.queueKey, job.id);
      this.pump();
    }
    return job;
  }

  private badPhase(job: Job, what: string): TapError {
    return phaseConflict(`${what} of job ${job.id} cannot change: it is ${job.phase}`);
  }

  /** Changes the job if the store still has it in one of `phases`; else refuses with the phase it is in now. */
  private async change(job: Job, patch: Parameters<JobStore["update"]>[1], phases: readonly Phase[], what: string): Promise<void> {
    if (!allows(phases, job.phase)) throw this.badPhase(job, what);
    if (await this.store.update(job.id, patch, { phases })) return;
    const now = await this.store.get(job.id);
    if (!now) throw new TapError(404, `No such job: ${job.id}`, "UWS_NO_JOB");
    throw this.badPhase(now, what);
  }

  async addParameters(job: Job, parameters: JobParameter[], inline: Map<string, UploadPart>): Promise<void> {
    if (!allows(EDITS.parameters, job.phase)) {
      throw phaseConflict(`The parameters of job ${job.id} cannot change: it is ${job.phase}, not PENDING`);
    }
    // Worked on a copy: a refused change leaves the job as it was.
    const next = structuredClone(job);
    const destruction = job.destruction;
    applyParameters(next, parameters, this.o.multiValued ?? TAP_MULTI_VALUED, this.limits);
    const kept = uploadedParts(next, inline);
    await this.checkQuotas(next, job, 0, sizeOf(kept));
    for (const [name, part] of kept) {
      const replaced = next.inlineParts.includes(name) ? ((await this.o.results.size(job.id, inlineName(name))) ?? 0) : 0;
      await this.o.results.put(job.id, inlineName(name), () => part.open());
      if (!next.inlineParts.includes(name)) next.inlineParts.push(name);
      next.inlineBytes = (next.inlineBytes ?? 0) - replaced + part.size;
    }
    await this.change(
      job,
      {
        parameters: next.parameters,
        runId: next.runId,
        executionDuration: next.executionDuration,
        destruction: next.destruction,
        inlineParts: next.inlineParts,
        inlineBytes: next.inlineBytes,
      },
      EDITS.parameters,
      "The parameters",
    );
    // A DESTRUCTION among them moves the job's destruction as /destruction does.
    if (next.destruction !== destruction) void this.destruction?.schedule();
  }

  async setExecutionDuration(job: Job, value: string): Promise<void> {
    if (!allows(EDITS.executionDuration, job.phase)) throw this.badPhase(job, "The execution duration");
    await this.change(job, { executionDuration: executionDurationOf(value, this.limits) }, EDITS.executionDuration, "The execution duration");
  }

  /** DESTRUCTION (UWS 1.1 §2.2.3.3): a time to come (destructionOf refuses one already past). */
  async setDestruction(job: Job, value: string): Promise<void> {
    const destruction = destructionOf(job, value, this.limits);
    await this.change(job, { destruction }, EDITS.destruction, "The destruction time");
    void this.destruction?.schedule();
  }

  /** PHASE=RUN. */
  async run(job: Job, credential?: string): Promise<void> {
    if (allows(RUNNING, job.phase)) return;
    if (!allows(TRANSITIONS.run.from, job.phase)) throw phaseConflict(`Job ${job.id} cannot be run: it is ${job.phase}`);
    if (credential !== undefined) this.credentials.set(job.id, credential);
    const patch = { phase: TRANSITIONS.run.to, ...(credential !== undefined ? { credentialHolder: this.replicaId } : {}) };
    if (!(await this.store.update(job.id, patch, { phases: TRANSITIONS.run.from }))) {
      const now = await this.store.get(job.id);
      if (!now) throw new TapError(404, `No such job: ${job.id}`, "UWS_NO_JOB");
      if (allows(RUNNING, now.phase)) return;
      throw phaseConflict(`Job ${job.id} cannot be run: it is ${now.phase}`);
    }
    this.events.emit(job.id, TRANSITIONS.run.to);
    this.queue.add(job.queueKey, job.id);
    this.pump();
  }

  /** PHASE=ABORT: a queued job is taken off the queue; a running one has its query stopped (by its replica, through the lease). */
  async abort(job: Job): Promise<void> {
    if (FINAL_PHASES.has(job.phase)) return;
    this.queue.remove(job.id);
    const r = this.running.get(job.id);
    if (await this.store.update(job.id, { phase: TRANSITIONS.abort.to, endTime: isoNow(this.now()) }, { phases: TRANSITIONS.abort.from })) {
      this.events.emit(job.id, TRANSITIONS.abort.to);
    }
    r?.stop(new TapError(500, "The job was aborted", "UWS_ABORTED"));
  }

  /**
   * DELETE, ACTION=DELETE, and the destruction time (`dueBy`: only if still due, so that of the replicas that sweep,
   * one deletes): the job, its query and its results go.
   */
  async destroy(id: string, dueBy?: number): Promise<void> {
    this.queue.remove(id);
    const removed = await this.store.remove(id, dueBy);
    if (!removed && dueBy !== undefined) return;
    const r = this.running.get(id);
    this.credentials.delete(id);
    this.events.emit(id, "DELETED");
    if (r) {
      r.stop(new TapError(500, "The job was deleted", "UWS_DELETED"));
      await r.done;
    }
    await this.o.results.removeJob(id);
  }

  /** WAIT (UWS 1.1 §2.2.1.2): see wait.ts. */
  wait(job: Job, seconds: number, phase: Phase | undefined, signal?: AbortSignal): Promise<void> {
    if (this.waitsEnded.signal.aborted) return Promise.resolve();
    const ctx = { events: this.events, store: this.store, clock: this.clock, maxWaitSeconds: this.o.config.maxWaitSeconds, pollMs: this.pollMs };
    const ended = signal ? AbortSignal.any([signal, this.waitsEnded.signal]) : this.waitsEnded.signal;
    return waitForChange(ctx, job, seconds, phase, ended);
  }

  /**
   * Returns every blocking WAIT now, and any later one at once: the service is stopping, and a client blocked in WAIT
   * would hold the shutdown for its whole grace period and then lose its connection (pyvo's job.wait() failed so).
   * UWS 1.1 §2.2.1.2 lets the service return before the time asked; the client reads the job as it is and asks again.
   */
  endWaits(): void {
    this.waitsEnded.abort();
  }

  /** Clients blocked in WAIT on a job (for tests and monitoring). */
  waiting(id: string): number {
    return this.events.listenerCount(id);
  }

  /** Clients blocked in WAIT, on any job (the tap_async_blocked_waits metric). */
  blockedWaits(): number {
    let n = 0;
    for (const id of this.events.eventNames()) n += this.events.listenerCount(id);
    return n;
  }

  /** Jobs waiting on this replica, in the order they would start (for tests and monitoring). */
  queueLength(): number {
    return this.queue.size;
  }

  runningCount(): number {
    return this.running.size;
  }

  // --- claiming and running ---------------------------------------------------

  /** Starts queued jobs while this replica has free workers: the fair queue picks, the store's claim decides. */
  private pump(): void {
    while (!this.closed && !this.globalFull && this.running.size + this.claiming < this.o.config.concurrency) {
      const id = this.queue.next();
      if (id === undefined) return;
      this.claiming++;
      void this.claim(id).finally(() => {
        this.claiming--;
        this.pump();
      });
    }
  }

  private async claim(id: string): Promise<void> {
    try {
      const job = await this.store.get(id);
      if (!job || !allows(TRANSITIONS.claim.from, job.phase) || this.closed) return;
      if (job.credentialHolder !== undefined && !this.credentials.has(id)) {
        await this.credentialsGone(job);
        return;
      }
      const resume = this.o.canResume ? job.backendRef : undefined;
      const startTime = resume !== undefined && job.startTime ? job.startTime : isoNow(this.now());
      const lease = await this.store.claim(
        id,
        { owner: this.replicaId, ms: this.leaseMs, globalLimit: this.o.config.globalConcurrency ?? 0 },
        { startTime, progress: undefined },
      );
      if (lease === "lost") return;
      if (lease === "full") {
        // Every replica together runs as many as allowed: try again at the next poll.
        this.globalFull = true;
        this.queue.add(job.queueKey, id, true);
        return;
      }
      apply(job, { phase: TRANSITIONS.claim.to, startTime, progress: undefined });
      if (this.store.shared) this.log(`job ${id}: run ${lease.run} on replica ${this.replicaId}`);
      this.execute(job, lease.token, resume);
    } catch (e) {
      this.log(`job ${id}: claiming: ${(e as Error).message}`, "error");
    }
  }

  /**
   * A job that runs with a bearer token that this replica does not have: the token is held in the memory of the
   * replica that the job was created or run on, and nowhere else (never in the store, never in a log). While that
   * replica lives the job is left to it; once it has stopped (no heartbeat for a lease time; or it is this replica,
   * restarted), the token is gone, and running the job without it would cut with no rights, or other rights: ERROR.
   */
  private async credentialsGone(job: Job): Promise<void> {
    const holder = job.credentialHolder!;
    if (holder !== this.replicaId && (await this.store.replicaAlive?.(holder, this.leaseMs))) return;
    const message =
      `The job's credentials (the bearer token it was created or run with) were held only in the memory of replica ${holder}, ` +
      `which stopped before the job ran; please run the job again`;
    const failed = { phase: TRANSITIONS.credentialsLost.to, error: { type: "fatal" as const, message }, endTime: isoNow(this.now()) };
    if (await this.store.update(job.id, failed, { phases: TRANSITIONS.credentialsLost.from })) {
      this.log(`job ${job.id}: its credentials were held by replica ${holder}, which stopped: ${TRANSITIONS.credentialsLost.to}`, "warn");
      this.events.emit(job.id, TRANSITIONS.credentialsLost.to);
    }
  }

  /** Runs the claimed job on a worker of this replica (execution.ts); the worker is free again after its end. */
  private execute(job: Job, token: string, resume: string | undefined): void {
    const credential = this.credentials.get(job.id);
    const ctx = {
      store: this.store,
      results: this.o.results,
      executor: this.o.executor,
      clock: this.clock,
      leaseMs: this.leaseMs,
      emit: (id: string, event: string) => this.events.emit(id, event),
      stopping: () => this.closed,
      log: this.log,
    };
    const run = new JobRun(ctx, job, token, { ...(resume !== undefined ? { resume } : {}), ...(credential !== undefined ? { credential } : {}) });
    this.running.set(job.id, run);
    this.events.emit(job.id, TRANSITIONS.claim.to);
    void run.start(() => {
      this.running.delete(job.id);
      if (!run.keepCredential) this.credentials.delete(job.id);
      this.pump();
    });
  }

  // --- the shared store ------------------------------------------------------

  /** Looks at a shared store (poll.ts), once at a time, every poll interval. */
  private tick(): Promise<void> {
    if (this.ticking || this.closed) return this.ticking ?? Promise.resolve();
    this.ticking = pollSharedStore({
      store: this.store,
      replicaId: this.replicaId,
      leaseMs: this.leaseMs,
      maxRuns: this.o.config.maxRuns ?? DEFAULT_ASYNC.maxRuns,
      restartedMessage: this.o.restartedMessage ?? RESTARTED_MESSAGE,
      now: this.now(),
      freeWorkers: () => {
        this.globalFull = false;
        return this.o.config.concurrency - this.running.size - this.claiming;
      },
      running: (id) => this.running.has(id),
      enqueue: (q) => this.queue.add(q.queueKey, q.id),
      destroy: (id, dueBy) => this.destroy(id, dueBy),
      emit: (id, event) => this.events.emit(id, event),
      log: this.log,
    })
      .then((counts) => {
        this.counts = counts;
        this.pump();
      })
      .catch((e: unknown) => this.log(`job store: ${(e as Error).message}`, "error"))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }
}

function queueKeyOf(req: Requester): string {
  return req.owner !== null ? `user:${req.owner}` : `addr:${req.address}`;
}
