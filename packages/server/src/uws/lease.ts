/**
 * Keeping a job's lease while it runs: renewed every third of its length, so that two renewals may fail (a slow
 * database, a pause) before it lapses. When the store says the lease is gone (another replica took the job over after
 * this one stalled, or a client aborted or deleted it), the run is told to stop, and its writes, all conditional on the
 * lease, are refused: its result is discarded.
 */
import type { JobStore } from "./store.js";
import type { ServiceLog } from "../logging.js";

export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lost = false;
  private lastRenewed: number;

  constructor(
    private readonly store: JobStore,
    private readonly id: string,
    readonly token: string,
    private readonly ms: number,
    private readonly onLost: () => void,
    private readonly log: ServiceLog = () => {},
    private readonly now: () => number = Date.now,
  ) {
    this.lastRenewed = now();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.renew(), Math.max(20, Math.floor(this.ms / 3)));
  }

  private lose(): void {
    if (this.lost) return;
    this.lost = true;
    this.stop();
    this.onLost();
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    const sent = this.now();
    let ok: boolean | undefined;
    try {
      ok = await this.store.renew(this.id, this.token, this.ms);
    } catch (e) {
      this.log(`job ${this.id}: renewing the lease: ${(e as Error).message}`, "warn");
    }
    if (this.stopped) return;
    if (ok === false) return this.lose();
    if (ok) this.lastRenewed = sent;
    // The store did not answer for a whole lease: another replica may have taken the job over meanwhile.
    else if (this.now() - this.lastRenewed > this.ms) return this.lose();
    this.schedule();
  }

  /** Renews now and throws LeaseLostError if the lease is gone: before a run makes its result visible. */
  async check(): Promise<void> {
    if (!this.lost) {
      const ok = await this.store.renew(this.id, this.token, this.ms);
      if (ok) this.lastRenewed = this.now();
      else this.lose();
    }
    if (this.lost) throw new LeaseLostError(`job ${this.id}: the lease was lost (another replica took the job over)`);
  }

  get held(): boolean {
    return !this.lost;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
