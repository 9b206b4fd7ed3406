/**
 * What the job manager asks of a job store. Every change is conditional (on the job's phase, or on holding its lease),
 * so that two replicas, or a replica and a client, never undo each other's writes: the store applies a change only if
 * its condition still holds, and says whether it did. Two stores implement it: the JSON files of one process
 * (store-files.ts, the default) and MariaDB, shared by replicas (store-mysql.ts).
 */
import type { Job, Phase } from "./job.js";

/** Fields of a job that a change may set; undefined removes an optional field. */
export type JobPatch = Partial<Omit<Job, "v" | "id" | "owner" | "queueKey" | "creationTime">>;

export interface Condition {
  /** The job is in one of these phases. */
  phases?: readonly Phase[];
  /** The writer still holds the job's lease (Lease.token). */
  lease?: string;
}

export interface JobQuery {
  owner: string | null;
  queueKey: string;
  /** Only these phases; none given: every phase but ARCHIVED (UWS 1.1 §2.2.3.1). */
  phases?: readonly Phase[];
  /** Created after this time (ms). */
  after?: number;
  /** The most recent n. */
  last?: number;
}

/** What the quotas count: jobs and bytes of one client and of everyone (other than one job being changed). */
export interface Usage {
  jobs: number;
  clientJobs: number;
  bytes: number;
  clientBytes: number;
  parameterBytes: number;
}

/** A claim won: the lease that the runner's writes must name. */
export interface Lease {
  token: string;
  /** Which run of the job this is (1 the first; a job taken over after its replica died runs again). */
  run: number;
}

export interface LeaseOptions {
  /** This replica (TAP_REPLICA_ID). */
  owner: string;
  ms: number;
  /** Jobs EXECUTING under a lease across all replicas, at most (0: no limit). */
  globalLimit: number;
}

export interface TakeoverResult {
  /** Jobs put back in QUEUED to run again. */
  requeued: string[];
  /** Jobs put in ERROR. */
  failed: string[];
}

export interface JobStore {
  /** Whether other processes share the store: then the manager polls it and sweeps it with the others. */
  readonly shared: boolean;
  /** Opens it; the files store returns every job for the restart rules, a shared store none (leases say). */
  open(): Promise<Job[]>;
  close(): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  list(q: JobQuery): Promise<Job[]>;
  usage(queueKey: string, except?: string): Promise<Usage>;
  insert(job: Job): Promise<void>;
  /** Applies the patch if the condition holds; whether it did (false also when the job is gone). */
  update(id: string, patch: JobPatch, when?: Condition): Promise<boolean>;
  /** Deletes the record (only if its destruction time is before `dueBy`, when given); whether this call did. */
  remove(id: string, dueBy?: number): Promise<boolean>;
  /**
   * QUEUED → EXECUTING with a new lease, if still QUEUED and under the global limit: one replica wins. "lost": the job
   * is no longer QUEUED (another replica took it, or a client aborted it); "full": the global limit is reached.
   */
  claim(id: string, lease: LeaseOptions, patch: JobPatch): Promise<Lease | "lost" | "full">;
  /** Extends the lease; false when it is lost (taken over, or the job left EXECUTING or is gone). */
  renew(id: string, token: string, ms: number): Promise<boolean>;
  /**
   * Gives the job back (a graceful stop): QUEUED again at once, for another replica, without counting this run against
   * maxRuns; false when the lease is no longer held.
   */
  release(id: string, token: string): Promise<boolean>;
  /** Ends the run's record (the job_runs history of the SQL store). */
  endRun(id: string, token: string, outcome: string): Promise<void>;
  /** QUEUED jobs, oldest first (a shared store: for the replicas to claim). */
  queued(limit: number): Promise<{ id: string; queueKey: string }[]>;
  /** Jobs whose lease expired: back to QUEUED while they have run fewer than `maxRuns` times, else ERROR with `message`. */
  takeOver(maxRuns: number, message: string, now: number): Promise<TakeoverResult>;
  /** Jobs EXECUTING longer than their EXECUTIONDURATION plus `graceMs` (their replica's timer did not fire): ERROR. */
  overrun(graceMs: number, now: number): Promise<string[]>;
  /** Jobs whose destruction time has passed. */
  due(now: number, limit: number): Promise<string[]>;
  /** The earliest destruction time, or undefined when there are no jobs. */
  nextDestruction(): Promise<number | undefined>;
  phaseCounts(): Promise<Map<Phase, number>>;
  /** The same at once, for a store that holds its jobs in memory (the metrics read it synchronously). */
  phaseCountsNow?(): Map<Phase, number>;
  /** Resolves once every write started so far is durable. */
  flush(): Promise<void>;
  /** A shared store: notes that this replica is alive now (every poll). */
  heartbeat?(replica: string): Promise<void>;
  /**
   * A shared store: whether the replica has noted itself alive within the last `ms` (its credentials are still in
   * its memory). A store without it has one process, whose earlier lives are gone.
   */
  replicaAlive?(replica: string, ms: number): Promise<boolean>;
  /**
   * A shared store: deletes the notes of the replicas not seen for `unseenMs` (stopped ones: an id, host name and pid
   * by default, seldom comes back), and says which; replicaAlive() is false for them before and after. A store may
   * look less often than it is asked.
   */
  forgetReplicas?(unseenMs: number): Promise<string[]>;
}

export function parameterBytesOf(job: Pick<Job, "parameters">): number {
  let n = 0;
  for (const p of job.parameters) n += p.name.length + p.value.length;
  return n;
}

/** Bytes a job keeps: its results and its inline uploads. */
export function storedBytesOf(job: Pick<Job, "results" | "inlineBytes">): number {
  let n = job.inlineBytes ?? 0;
  for (const r of job.results) n += r.size;
  return n;
}
