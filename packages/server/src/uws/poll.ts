/**
 * One look at a shared job store, by every replica at every poll interval: the replica notes itself alive (and
 * replicas unseen for long are forgotten), leases
 * that expired are taken over (the job QUEUED again while it has runs left, else ERROR), runs past their
 * EXECUTIONDURATION on a replica that did not stop them are ended, jobs past their destruction time are destroyed,
 * and QUEUED jobs of any replica are offered to this replica's fair queue. Each of these is a conditional write of the
 * store, so of the replicas that look at once, one does it.
 */
import type { Phase } from "./job.js";
import type { JobStore } from "./store.js";
import type { ServiceLog } from "../logging.js";

export interface PollContext {
  store: JobStore;
  replicaId: string;
  leaseMs: number;
  /** TAP_JOB_MAX_RUNS. */
  maxRuns: number;
  /** The error of a job whose lease expired on its last allowed run. */
  restartedMessage: string;
  now: number;
  /**
   * Workers of this replica not running or claiming a job, asked once the sweeps are done, before the QUEUED jobs are
   * read (the replica may then try claims again that the global limit refused).
   */
  freeWorkers(): number;
  running(id: string): boolean;
  enqueue(job: { id: string; queueKey: string }): void;
  /** JobManager.destroy, only if still due by `dueBy`. */
  destroy(id: string, dueBy: number): Promise<void>;
  emit(id: string, event: string): void;
  log: ServiceLog;
}

/**
 * A replica not seen for this many leases is forgotten (its row of job_replicas deleted): it stopped long ago, and
 * whether it is alive is asked only over one lease (the jobs whose credentials it held are in ERROR by then).
 */
export const REPLICA_FORGOTTEN_LEASES = 100;

/** At most this many due jobs destroyed per look (the next look takes the rest). */
const DESTROYED_PER_POLL = 100;

/** Looks once; the phase counts (for /metrics). */
export async function pollSharedStore(ctx: PollContext): Promise<Map<Phase, number>> {
  const { store, now } = ctx;
  // Other replicas leave the jobs whose credentials this one holds to it while this is recent.
  await store.heartbeat?.(ctx.replicaId);
  const forgotten = await store.forgetReplicas?.(REPLICA_FORGOTTEN_LEASES * ctx.leaseMs).catch((e: unknown) => {
    ctx.log(`job store: forgetting stopped replicas: ${(e as Error).message}`, "warn");
    return [];
  });
  for (const r of forgotten ?? []) ctx.log(`replica ${r}: not seen for ${REPLICA_FORGOTTEN_LEASES} leases; forgotten`);
  const t = await store.takeOver(ctx.maxRuns, ctx.restartedMessage, now);
  for (const id of t.requeued) ctx.log(`job ${id}: its lease expired; taken over by replica ${ctx.replicaId} to run again`);
  for (const id of t.failed) {
    ctx.log(`job ${id}: its lease expired and it has run as often as allowed: ERROR`, "warn");
    ctx.emit(id, "ERROR");
  }
  for (const id of await store.overrun(ctx.leaseMs, now)) ctx.log(`job ${id}: past its EXECUTIONDURATION on a replica that did not stop it: ERROR`, "warn");
  for (const id of await store.due(now, DESTROYED_PER_POLL)) {
    await ctx.destroy(id, now).catch((e: unknown) => ctx.log(`destroying job ${id}: ${(e as Error).message}`, "error"));
  }
  const free = ctx.freeWorkers();
  if (free > 0) for (const q of await store.queued(Math.max(50, free * 4))) if (!ctx.running(q.id)) ctx.enqueue(q);
  return store.phaseCounts();
}
