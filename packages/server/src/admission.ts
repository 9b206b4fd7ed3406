/**
 * Admission of sync queries: at most `total` run at once, and at most `perClient` of one client
 * (user or address) run or wait at once. A request over the total waits, first come first
 * served, for at most `queueMs`; one over its client's share is refused at once with a 429, so
 * that one client's flood takes no one else's turn; a wait that runs out is a 503. Both carry
 * Retry-After.
 */
import { TapError } from "./errors.js";

export interface AdmissionOptions {
  total: number;
  perClient: number;
  queueMs: number;
  /** The most requests that may wait; beyond it, a 503 at once. */
  maxWaiting?: number;
  /** For tests: how a wait is timed. */
  setTimer?: (fn: () => void, ms: number) => { clear(): void };
}

interface Waiter {
  key: string;
  grant: () => void;
  refuse: (e: Error) => void;
}

/** Releases a slot; idempotent. */
export type Release = () => void;

const realTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  return { clear: () => clearTimeout(t) };
};

export class Admission {
  private running = 0;
  /** Running and waiting requests per client. */
  private readonly perKey = new Map<string, number>();
  private readonly waiting: Waiter[] = [];
  private readonly setTimer: NonNullable<AdmissionOptions["setTimer"]>;
  private readonly maxWaiting: number;

  constructor(private readonly o: AdmissionOptions) {
    this.setTimer = o.setTimer ?? realTimer;
    this.maxWaiting = o.maxWaiting ?? 16 * o.total;
  }

  /** Queries running now, and waiting for a slot (for monitoring and tests). */
  get counts(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  acquire(key: string, signal?: AbortSignal): Promise<Release> {
    const mine = this.perKey.get(key) ?? 0;
    if (mine >= this.o.perClient) {
      return Promise.reject(
        new TapError(429, `You have ${mine} synchronous queries running or waiting, the most this service allows one client`, "TAP_TOO_MANY_QUERIES", 1),
      );
    }
    if (this.running < this.o.total) {
      this.enter(key);
      return Promise.resolve(this.releaser(key));
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(this.busy());
    this.perKey.set(key, mine + 1);
    return new Promise<Release>((resolve, reject) => {
      const leave = () => {
        timer.clear();
        signal?.removeEventListener("abort", onAbort);
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
      };
      const waiter: Waiter = {
        key,
        grant: () => {
          leave();
          this.running++;
          resolve(this.releaser(key));
        },
        refuse: (e) => {
          leave();
          this.drop(key);
          reject(e);
        },
      };
      const onAbort = () => waiter.refuse(signal!.reason instanceof Error ? signal!.reason : new Error("aborted"));
      const timer = this.setTimer(() => waiter.refuse(this.busy()), this.o.queueMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private busy(): TapError {
    return new TapError(503, `The service is running as many queries as it can: try again shortly`, "TAP_BUSY", Math.max(1, Math.ceil(this.o.queueMs / 1000)));
  }

  private enter(key: string): void {
    this.running++;
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
  }

  private drop(key: string): void {
    const n = (this.perKey.get(key) ?? 1) - 1;
    if (n <= 0) this.perKey.delete(key);
    else this.perKey.set(key, n);
  }

  private releaser(key: string): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      this.drop(key);
      this.waiting[0]?.grant();
    };
  }
}
