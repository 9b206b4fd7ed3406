/**
 * The default job store: the jobs of one process, in memory, each made durable as a JSON file (job-store.ts). The
 * objects it hands out are the live records, changed in place by update(), so that a reader holding one sees the
 * changes. Leases never expire here: one process runs every job, and its restart rules (manager.start) replace them.
 */
import { randomBytes } from "node:crypto";
import type { Job, Phase } from "./job.js";
import type { JsonFileJobStore } from "./job-store.js";
import { allows, LEASED, TRANSITIONS } from "./phases.js";
import { parameterBytesOf, storedBytesOf, type Condition, type JobPatch, type JobQuery, type JobStore, type Lease, type LeaseOptions, type TakeoverResult, type Usage } from "./store.js";

export class FileJobStore implements JobStore {
  readonly shared = false;
  private readonly jobs = new Map<string, Job>();
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly files: JsonFileJobStore) {}

  async open(): Promise<Job[]> {
    this.files.lock();
    const loaded = this.files.loadAll().sort((a, b) => a.creationTime.localeCompare(b.creationTime));
    for (const j of loaded) this.jobs.set(j.id, j);
    return loaded;
  }

  async close(): Promise<void> {
    await this.files.flush();
    this.files.unlock();
  }

  async get(id: string): Promise<Job | undefined> {
    return this.jobs.get(id);
  }

  async list(q: JobQuery): Promise<Job[]> {
    let jobs = [...this.jobs.values()].filter((j) => j.owner === q.owner && j.queueKey === q.queueKey);
    if (q.phases && q.phases.length > 0) jobs = jobs.filter((j) => q.phases!.includes(j.phase));
    else jobs = jobs.filter((j) => j.phase !== "ARCHIVED");
    if (q.after !== undefined) jobs = jobs.filter((j) => Date.parse(j.creationTime) > q.after!);
    jobs.sort((a, b) => b.creationTime.localeCompare(a.creationTime) || b.id.localeCompare(a.id));
    if (q.last !== undefined) jobs = jobs.slice(0, q.last);
    return jobs;
  }

  async usage(queueKey: string, except?: string): Promise<Usage> {
    const u: Usage = { jobs: 0, clientJobs: 0, bytes: 0, clientBytes: 0, parameterBytes: 0 };
    for (const j of this.jobs.values()) {
      if (j.id === except) continue;
      const b = storedBytesOf(j);
      u.jobs++;
      u.bytes += b;
      u.parameterBytes += parameterBytesOf(j);
      if (j.queueKey === queueKey) {
        u.clientJobs++;
        u.clientBytes += b;
      }
    }
    return u;
  }

  async insert(job: Job): Promise<void> {
    this.jobs.set(job.id, job);
    try {
      await this.files.save(job);
    } catch (e) {
      // Not written (a full disk): not a job, rather than one listed and queued that no restart would know.
      this.jobs.delete(job.id);
      throw e;
    }
  }

  private holds(job: Job, when: Condition | undefined): boolean {
    if (when?.phases && !when.phases.includes(job.phase)) return false;
    if (when?.lease !== undefined && this.leases.get(job.id)?.token !== when.lease) return false;
    return true;
  }

  async update(id: string, patch: JobPatch, when?: Condition): Promise<boolean> {
    const job = this.jobs.get(id);
    if (!job || !this.holds(job, when)) return false;
    apply(job, patch);
    if (patch.phase !== undefined && patch.phase !== LEASED) this.leases.delete(id);
    await this.files.save(job);
    return true;
  }

  async remove(id: string, dueBy?: number): Promise<boolean> {
    const job = this.jobs.get(id);
    if (!job || (dueBy !== undefined && Date.parse(job.destruction) > dueBy)) return false;
    this.jobs.delete(id);
    this.leases.delete(id);
    await this.files.remove(id);
    return true;
  }

  async claim(id: string, _lease: LeaseOptions, patch: JobPatch): Promise<Lease | "lost" | "full"> {
    const job = this.jobs.get(id);
    if (!job || !allows(TRANSITIONS.claim.from, job.phase)) return "lost";
    const lease = { token: randomBytes(12).toString("hex"), run: (this.leases.get(id)?.run ?? 0) + 1 };
    this.leases.set(id, lease);
    apply(job, { ...patch, phase: TRANSITIONS.claim.to });
    // Not awaited (as before the stores were split): a crash before this write leaves the job QUEUED, and it runs
    // again after the restart, which is right for a query that had not produced anything. Writes of one job are
    // ordered, so a later COMPLETED or ERROR is never overwritten by it.
    this.files.save(job).catch(() => {});
    return lease;
  }

  async renew(id: string, token: string): Promise<boolean> {
    const job = this.jobs.get(id);
    return job?.phase === LEASED && this.leases.get(id)?.token === token;
  }

  async release(id: string, token: string): Promise<boolean> {
    const lease = this.leases.get(id);
    if (lease?.token !== token) return false;
    const ok = await this.update(id, { phase: TRANSITIONS.requeue.to, progress: undefined }, { phases: TRANSITIONS.requeue.from, lease: token });
    // Not counted as a run.
    if (ok) this.leases.set(id, { token: "", run: lease.run - 1 });
    return ok;
  }

  async endRun(id: string, token: string): Promise<void> {
    if (this.leases.get(id)?.token === token) this.leases.delete(id);
  }

  async queued(limit: number): Promise<{ id: string; queueKey: string }[]> {
    return [...this.jobs.values()]
      .filter((j) => allows(TRANSITIONS.claim.from, j.phase))
      .slice(0, limit)
      .map((j) => ({ id: j.id, queueKey: j.queueKey }));
  }

  async takeOver(): Promise<TakeoverResult> {
    return { requeued: [], failed: [] };
  }

  async overrun(): Promise<string[]> {
    return [];
  }

  async due(now: number, limit: number): Promise<string[]> {
    return [...this.jobs.values()]
      .filter((j) => Date.parse(j.destruction) <= now)
      .slice(0, limit)
      .map((j) => j.id);
  }

  async nextDestruction(): Promise<number | undefined> {
    let next: number | undefined;
    for (const j of this.jobs.values()) {
      const t = Date.parse(j.destruction);
      if (next === undefined || t < next) next = t;
    }
    return next;
  }

  async phaseCounts(): Promise<Map<Phase, number>> {
    return this.phaseCountsNow();
  }

  phaseCountsNow(): Map<Phase, number> {
    const counts = new Map<Phase, number>();
    for (const j of this.jobs.values()) counts.set(j.phase, (counts.get(j.phase) ?? 0) + 1);
    return counts;
  }

  flush(): Promise<void> {
    return this.files.flush();
  }
}

/** Sets the patch's fields on the job; an undefined value removes the field. */
export function apply(job: Job, patch: JobPatch): void {
  const record = job as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete record[k];
    else record[k] = v;
  }
}
