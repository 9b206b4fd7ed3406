/**
 * One run of a job, from its claim to its end: the executor runs the query with a signal that stops it at the job's
 * EXECUTIONDURATION (UWS 1.1 §2.2.3.4: counted from its startTime, which a resumed job keeps), when a client aborts or
 * deletes the job, when the service stops, or (a shared store) when the run's lease is lost (lease.ts). Every write of
 * the run names its lease, so that a run that no longer holds the job changes nothing: it ends LOST. The outcome is
 * written last: COMPLETED with the results, ERROR with the message, nothing when the service is stopping (STOPPED:
 * the files store keeps the job EXECUTING for the restart rules, a shared store gives it back to the queue).
 */
import { errorStatusAndMessage, TapError } from "../errors.js";
import type { Clock, Timer } from "./clock.js";
import { ACTIVE_PHASES, isoNow, type Job } from "./job.js";
import { LeaseKeeper, LeaseLostError } from "./lease.js";
import { TRANSITIONS } from "./phases.js";
import type { ResultStore } from "./result-store.js";
import type { JobStore } from "./store.js";
import type { ServiceLog } from "../logging.js";

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
   * Throws when this run no longer holds the job (its lease was taken over by another replica, or the job was
   * aborted or deleted): called before a result is made visible, so that a stalled run does not replace the result of
   * the run that took over.
   */
  checkLease(): Promise<void>;
  /**
   * The bearer token of the request that created or ran the job, for services that act with the caller's rights
   * (the Butler server behind SODA). Held in memory only, never in the job store: after a restart it is gone.
   */
  credential?: string;
}

/** Runs a job to its result; throws for an error. */
export type Executor = (run: Execution) => Promise<{ results: Job["results"] }>;

/** The event that tells WAIT the job's jobInfo changed (not a phase). */
export const PROGRESS_EVENT = "PROGRESS";

/** How a run ended, as the run history (job_runs) records it. */
export type Outcome = "COMPLETED" | "ERROR" | "LOST" | "STOPPED";

/** What a run needs of its replica. */
export interface RunContext {
  store: JobStore;
  results: ResultStore;
  executor: Executor;
  clock: Clock;
  leaseMs: number;
  /** Tells the job's WAITs: the phase it entered, or PROGRESS_EVENT. */
  emit(id: string, event: string): void;
  /** Whether the service is stopping: a run stopped then is STOPPED, not in ERROR. */
  stopping(): boolean;
  log: ServiceLog;
}

export class JobRun {
  private readonly controller = new AbortController();
  private timer: Timer | undefined;
  private ended: Outcome | undefined;
  /** The run and what its replica does after it; resolves (never rejects) once both are over. */
  done: Promise<void> = Promise.resolve();
  /** A run that lost its lease while its job lives on (QUEUED again): the credential is kept, should this replica run it again. */
  keepCredential = false;

  /** `job` is the record as claimed (EXECUTING, its startTime set), `token` the claim's lease. */
  constructor(
    private readonly ctx: RunContext,
    readonly job: Job,
    private readonly token: string,
    private readonly options: { resume?: string; credential?: string } = {},
  ) {}

  /** The outcome, once the run has ended. */
  get outcome(): Outcome | undefined {
    return this.ended;
  }

  /** Stops the query (PHASE=ABORT, a deletion, a stop of the service): the executor's signal fires with `reason`. */
  stop(reason: unknown): void {
    this.timer?.cancel();
    this.controller.abort(reason);
  }

  /** Runs the job; `after` is called at the very end (the worker is free). */
  start(after: () => void = () => {}): Promise<void> {
    const { ctx, job, controller } = this;
    const keeper = ctx.store.shared
      ? new LeaseKeeper(ctx.store, job.id, this.token, ctx.leaseMs, () => controller.abort(new LeaseLostError(`job ${job.id}: lease lost`)), ctx.log, () => ctx.clock.now())
      : undefined;
    const limit = job.executionDuration;
    const remaining = Math.max(0, Date.parse(job.startTime!) + limit * 1000 - ctx.clock.now());
    this.timer = ctx.clock.after(remaining, () =>
      controller.abort(
        new TapError(500, `The query exceeded the job's execution duration limit (EXECUTIONDURATION) of ${limit} s and was stopped`, "UWS_EXECUTION_DURATION"),
      ),
    );
    this.done = this.run(keeper)
      .catch((e: unknown) => ctx.log(`job ${job.id}: ${(e as Error)?.stack ?? String(e)}`, "error"))
      .finally(() => {
        this.timer?.cancel();
        after();
      });
    return this.done;
  }

  private async run(keeper: LeaseKeeper | undefined): Promise<void> {
    const { ctx, job, controller, token } = this;
    const lease = { lease: token };
    const lost = () => new LeaseLostError(`job ${job.id}: this run no longer holds the job`);
    let progressWrite: Promise<unknown> = Promise.resolve();
    let outcome: Outcome = "ERROR";
    try {
      controller.signal.throwIfAborted();
      const { results } = await ctx.executor({
        job,
        signal: controller.signal,
        ...(this.options.resume !== undefined ? { resume: this.options.resume } : {}),
        ...(this.options.credential !== undefined ? { credential: this.options.credential } : {}),
        setBackendRef: async (ref) => {
          if (!(await ctx.store.update(job.id, { backendRef: ref }, lease))) throw lost();
          job.backendRef = ref;
        },
        setProgress: (progress) => {
          if (job.phase !== "EXECUTING" || controller.signal.aborted) return;
          const p = job.progress;
          if (p && p.chunksCompleted === progress.chunksCompleted && p.chunksTotal === progress.chunksTotal) return;
          const next = { chunksCompleted: progress.chunksCompleted, chunksTotal: progress.chunksTotal };
          job.progress = next;
          ctx.emit(job.id, PROGRESS_EVENT);
          // Other replicas' WAITs see it in the store; the files store keeps it with the job's next write.
          if (ctx.store.shared) progressWrite = progressWrite.then(() => ctx.store.update(job.id, { progress: next }, lease)).catch(() => {});
        },
        setWarnings: async (warnings) => {
          if (warnings.length === 0 && job.warnings === undefined) return;
          if (!(await ctx.store.update(job.id, { warnings: [...warnings] }, lease))) throw lost();
          job.warnings = [...warnings];
        },
        checkLease: async () => {
          if (keeper) await keeper.check();
          else if (!(await ctx.store.renew(job.id, token, ctx.leaseMs))) throw lost();
        },
      });
      if (controller.signal.aborted) throw controller.signal.reason;
      await progressWrite;
      const done = { phase: TRANSITIONS.complete.to, results, endTime: isoNow(ctx.clock.now()), backendRef: undefined };
      if (await ctx.store.update(job.id, done, { phases: TRANSITIONS.complete.from, ...lease })) {
        outcome = "COMPLETED";
        ctx.emit(job.id, TRANSITIONS.complete.to);
      } else outcome = "LOST";
    } catch (e) {
      const reason = controller.signal.aborted ? controller.signal.reason : e;
      if (reason instanceof LeaseLostError) {
        outcome = "LOST";
        return;
      }
      if (ctx.stopping()) {
        outcome = "STOPPED";
        // Files: stays EXECUTING, for the restart rules. Shared: back to QUEUED, for another replica at once.
        if (ctx.store.shared) await ctx.store.release(job.id, token);
        return;
      }
      const message = errorStatusAndMessage(reason).message;
      const failed = { phase: TRANSITIONS.fail.to, error: { type: "fatal" as const, message }, endTime: isoNow(ctx.clock.now()), backendRef: undefined };
      if (await ctx.store.update(job.id, failed, { phases: TRANSITIONS.fail.from, ...lease })) ctx.emit(job.id, TRANSITIONS.fail.to);
      else outcome = "LOST";
    } finally {
      this.ended = outcome;
      keeper?.stop();
      await ctx.store.endRun(job.id, token, outcome).catch((e: unknown) => ctx.log(`job ${job.id}: ${(e as Error).message}`, "error"));
      if (outcome === "LOST") {
        ctx.log(`job ${job.id}: this run lost the job (lease taken over, or the job aborted or deleted); its result is discarded`, "warn");
        // A job deleted while it ran keeps no object that this run wrote after the deletion.
        const now = await ctx.store.get(job.id).catch(() => job);
        if (!now) await ctx.results.removeJob(job.id).catch(() => {});
        this.keepCredential = now !== undefined && ACTIVE_PHASES.has(now.phase);
      }
    }
  }
}
