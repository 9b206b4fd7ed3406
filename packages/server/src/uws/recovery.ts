/**
 * What happens to the jobs of the files store after a restart (a shared store has none: leases say, see the manager's
 * sweep): a job past its destruction time is destroyed; a QUEUED job is queued again; an EXECUTING job is re-attached
 * (queued first, with its backend reference) when the backend can, and else put in ERROR with the restart message,
 * its database connection having died with the process.
 */
import { isoNow, type Job } from "./job.js";
import { TRANSITIONS } from "./phases.js";
import type { JobStore } from "./store.js";

export interface RestartStats {
  resumed: number;
  failed: number;
  destroyed: number;
  requeued: number;
}

export async function applyRestartRules(
  store: JobStore,
  loaded: readonly Job[],
  o: { now: number; canResume: boolean; restartedMessage: string; destroy(id: string): Promise<void>; enqueue(job: Job, front: boolean): void },
): Promise<RestartStats> {
  const stats: RestartStats = { resumed: 0, failed: 0, destroyed: 0, requeued: 0 };
  const now = o.now;
  for (const job of loaded) {
    if (Date.parse(job.destruction) <= now) {
      await o.destroy(job.id);
      stats.destroyed++;
      continue;
    }
    if (job.phase === "EXECUTING") {
      if (o.canResume && job.backendRef) {
        // Queued again with its reference: the claim re-attaches to the query (execute's resume).
        await store.update(job.id, { phase: TRANSITIONS.requeue.to });
        o.enqueue(job, true);
        stats.resumed++;
      } else {
        await store.update(job.id, {
          phase: TRANSITIONS.lost.to,
          endTime: isoNow(now),
          error: { type: "transient", message: o.restartedMessage },
          backendRef: undefined,
        });
        stats.failed++;
      }
    } else if (job.phase === "QUEUED") {
      o.enqueue(job, false);
      stats.requeued++;
    }
  }
  return stats;
}
