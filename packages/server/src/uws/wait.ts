/**
 * WAIT (UWS 1.1 §2.2.1.2): a blocking GET of a job returns when the job's phase or its reported progress (jobInfo)
 * changes, or after the time asked for (capped by the service; -1: the cap), and at once when the job is not in an
 * active phase, or not in the PHASE that the client named. A change made by this replica is an event on `events`
 * (named by the job's id: the phase entered, or the progress event); with a shared store, one made by another
 * replica is seen by reading the store, at intervals that double from 50 ms up to the poll interval, bounded by the
 * time left.
 */
import type { EventEmitter } from "node:events";
import type { Clock, Timer } from "./clock.js";
import { ACTIVE_PHASES, type Job, type Phase } from "./job.js";
import type { JobStore } from "./store.js";

export interface WaitContext {
  events: EventEmitter;
  store: Pick<JobStore, "shared" | "get">;
  clock: Clock;
  /** The longest WAIT (maxWaitSeconds). */
  maxWaitSeconds: number;
  /** The longest pause between two reads of a shared store. */
  pollMs: number;
}

/** The first read of a shared store, after this long; each next one after twice as long, up to pollMs. */
const FIRST_POLL_MS = 50;

export function waitForChange(ctx: WaitContext, job: Job, seconds: number, phase: Phase | undefined, signal?: AbortSignal): Promise<void> {
  if (!ACTIVE_PHASES.has(job.phase) || (phase !== undefined && job.phase !== phase)) return Promise.resolve();
  const cap = ctx.maxWaitSeconds;
  const s = seconds < 0 ? cap : Math.min(seconds, cap);
  if (s <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const start = job.phase;
    const progress = progressKey(job);
    const end = ctx.clock.now() + s * 1000;
    let poll: Timer | undefined;
    let finished = false;
    const done = () => {
      finished = true;
      timer.cancel();
      poll?.cancel();
      ctx.events.off(job.id, onChange);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const onChange = (p: string) => {
      if (p !== start) done();
    };
    const timer = ctx.clock.after(s * 1000, done);
    ctx.events.on(job.id, onChange);
    signal?.addEventListener("abort", done, { once: true });
    if (ctx.store.shared) {
      let delay = FIRST_POLL_MS;
      const look = async () => {
        const now = await ctx.store.get(job.id).catch(() => job);
        if (finished) return;
        if (!now || now.phase !== start || progressKey(now) !== progress) return done();
        delay = Math.min(delay * 2, ctx.pollMs);
        poll = ctx.clock.after(Math.min(delay, Math.max(0, end - ctx.clock.now())), () => void look());
      };
      poll = ctx.clock.after(delay, () => void look());
    }
  });
}

function progressKey(job: Job): string {
  return job.progress ? `${job.progress.chunksCompleted}/${job.progress.chunksTotal}` : "";
}
