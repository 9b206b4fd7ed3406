/**
 * Automatic destruction (UWS 1.1 §2.2.3.3): a job whose destruction time has passed is deleted with its results. With
 * the files store, one timer waits for the earliest destruction time of all jobs, set again whenever a job is created
 * or its DESTRUCTION changes, and after each sweep. A shared store is swept at every poll instead (manager.ts), where
 * the replicas' conditional deletions decide which one deletes.
 */
import type { Clock, Timer } from "./clock.js";
import type { JobStore } from "./store.js";
import type { ServiceLog } from "../logging.js";

/** The sweep looks again at least this often: a far destruction time is not trusted to one timer of weeks. */
const LOOK_AGAIN_MS = 3600_000;

export interface DestructionContext {
  store: Pick<JobStore, "due" | "nextDestruction">;
  clock: Clock;
  /** Deletes the job with its results (JobManager.destroy). */
  destroy(id: string): Promise<void>;
  log: ServiceLog;
}

export class DestructionSweep {
  private timer: Timer | undefined;
  private stopped = false;
  /** The sweep under way. */
  private sweeping: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: DestructionContext) {}

  /** Sets the timer for the earliest destruction time (after a job is created, or its destruction time changes). */
  async schedule(): Promise<void> {
    if (this.stopped) return;
    const next = await this.ctx.store.nextDestruction();
    this.timer?.cancel();
    if (next === undefined || this.stopped) return;
    const delay = Math.min(Math.max(0, next - this.ctx.clock.now()), LOOK_AGAIN_MS);
    this.timer = this.ctx.clock.after(delay, () => void (this.sweeping = this.sweep().catch((e: unknown) => this.ctx.log(`destruction sweep: ${(e as Error).message}`, "error"))), { unref: true });
  }

  /** Destroys the jobs that are due, then sets the timer for the next one. */
  async sweep(): Promise<void> {
    const now = this.ctx.clock.now();
    for (const id of await this.ctx.store.due(now, Number.MAX_SAFE_INTEGER)) {
      await this.ctx.destroy(id).catch((e: unknown) => this.ctx.log(`destroying job ${id}: ${(e as Error).message}`, "error"));
    }
    await this.schedule();
  }

  /** Resolves once the sweep under way (if any) has ended. */
  settled(): Promise<void> {
    return this.sweeping;
  }

  /** No more sweeps; resolves once the one under way has ended (before the store closes). */
  stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    return this.sweeping;
  }
}
