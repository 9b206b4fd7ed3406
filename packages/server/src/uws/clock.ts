/**
 * The time and the timers of the job system's deadlines (a job's EXECUTIONDURATION, WAIT, the destruction times):
 * the system's, or a clock that moves only when a test moves it (ManualClock), so that a test of a deadline of seconds
 * or days neither waits for it nor depends on how busy the machine is.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /**
   * Calls `fn` once `ms` have passed, however long that is. `unref`: the timer alone does not keep the process
   * alive (a sweep, not a deadline that a request waits for).
   */
  after(ms: number, fn: () => void, options?: { unref?: boolean }): Timer;
}

/** Node's setTimeout takes at most 2^31-1 ms (about 24.8 days); beyond that it fires after 1 ms, with a warning. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The system's timers, with `now` as the time of the job records (a test may set it). A delay longer than Node's
 * longest timeout is waited for in several timeouts: an EXECUTIONDURATION limit of 30 days (the service's
 * TAP_ASYNC_MAX_EXECUTION_DURATION has no upper bound) must not stop the query after 1 ms. `maxTimeoutMs` is
 * Node's limit, smaller in a test.
 */
export function systemClock(now: () => number = Date.now, maxTimeoutMs = MAX_TIMEOUT_MS): Clock {
  return {
    now,
    after(ms, fn, options = {}) {
      let timeout: NodeJS.Timeout | undefined;
      // Counted in timeouts (the monotonic clock), not by the wall clock, which may be set back meanwhile.
      const arm = (left: number) => {
        timeout = left > maxTimeoutMs ? setTimeout(() => arm(left - maxTimeoutMs), maxTimeoutMs) : setTimeout(fn, left);
        if (options.unref) timeout.unref();
      };
      arm(Math.max(0, ms));
      return { cancel: () => clearTimeout(timeout) };
    },
  };
}

/**
 * A clock that moves only when advance() is called, firing the timers that fall due in the order of their times
 * (and of their setting, for equal times), each with now() at its own time. For tests.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.parse("2026-01-01T00:00:00Z")) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Timer {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return { cancel: () => void this.timers.delete(id) };
  }

  /** Moves the time on by `ms`, firing the timers due by then (also those that the fired ones set within it). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }

  /** Timers set and not yet fired or cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** How long until the next timer fires; undefined when none is set. */
  nextIn(): number | undefined {
    let at: number | undefined;
    for (const t of this.timers.values()) if (at === undefined || t.at < at) at = t.at;
    return at === undefined ? undefined : at - this.time;
  }
}
