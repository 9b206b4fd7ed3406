/**
 * One run of a job to its end, as a table: what the executor does (and what happens meanwhile: the clock passes the
 * job's EXECUTIONDURATION, a client aborts or deletes the job, the service stops), and how the run ends (UWS 1.1
 * §2.2.3: COMPLETED, ERROR; and the run history's LOST and STOPPED), with the events that WAIT hears. Over the real
 * files store and local results store; the clock is a ManualClock, so no case waits for a deadline.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { dirPerTest } from "../test-support/uws.js";
import { TapError } from "../errors.js";
import { ManualClock } from "./clock.js";
import { JobRun, type Execution, type Outcome } from "./execution.js";
import { isoNow, type Job, type JobResult, type Phase } from "./job.js";
import { JsonFileJobStore } from "./job-store.js";
import { LocalDirResultStore } from "./result-store.js";
import { FileJobStore } from "./store-files.js";

interface Harness {
  clock: ManualClock;
  store: FileJobStore;
  results: LocalDirResultStore;
  run: JobRun;
  /** What the executor was given. */
  exec: Execution;
  stopping: boolean;
}

const RESULT: JobResult = { id: "result", mimeType: "application/x-votable+xml", size: 10, location: "x" };

/** An executor's promise that settles only when the run's signal fires (with its reason). */
const untilStopped = (e: Execution) =>
  new Promise<never>((_, reject) => e.signal.addEventListener("abort", () => reject(e.signal.reason as Error), { once: true }));

/** Lets the run's pending promises (store writes, the executor's reaction) settle. */
const settle = () => new Promise((r) => setImmediate(r));

interface Case {
  name: string;
  /** The job's EXECUTIONDURATION (s) and how long before the run's start it started (a resumed job). */
  executionDuration?: number;
  startedAgoMs?: number;
  credential?: string;
  executor(e: Execution, h: Harness): Promise<{ results: JobResult[] }>;
  /** What happens while it runs. */
  meanwhile?(h: Harness): Promise<void>;
  outcome: Outcome;
  /** The job's phase in the store afterwards; undefined: the job is gone. */
  phase: Phase | undefined;
  error?: RegExp;
  events: string[];
  check?(job: Job | undefined, h: Harness): unknown;
}

const CASES: Case[] = [
  {
    name: "the executor's result: COMPLETED with the results and an end time; the database's reference is cleared",
    executor: async (e) => {
      await e.setBackendRef("query-17");
      expect(e.job.backendRef).to.equal("query-17");
      return { results: [RESULT] };
    },
    outcome: "COMPLETED",
    phase: "COMPLETED",
    events: ["COMPLETED"],
    check: (job) => {
      expect(job!.results).to.deep.equal([RESULT]);
      expect(job!.endTime).to.be.a("string");
      expect(job!.backendRef).to.equal(undefined);
    },
  },
  {
    name: "the executor's error: ERROR with its message",
    executor: async () => {
      throw new TapError(400, "Unknown column: magg", "TAP_BAD_QUERY");
    },
    outcome: "ERROR",
    phase: "ERROR",
    error: /^Unknown column: magg$/,
    events: ["ERROR"],
  },
  {
    name: "EXECUTIONDURATION (UWS 1.1 §2.2.3.4): the signal fires at the limit, not before, and the job is in ERROR naming it",
    executionDuration: 10,
    executor: (e) => untilStopped(e),
    meanwhile: async (h) => {
      h.clock.advance(9_999);
      await settle();
      expect(h.exec.signal.aborted).to.equal(false);
      h.clock.advance(1);
    },
    outcome: "ERROR",
    phase: "ERROR",
    error: /execution duration limit \(EXECUTIONDURATION\) of 10 s and was stopped/,
    events: ["ERROR"],
  },
  {
    name: "a resumed job's limit counts from its first start, not from the resumption",
    executionDuration: 10,
    startedAgoMs: 4_000,
    executor: (e) => untilStopped(e),
    meanwhile: async (h) => {
      h.clock.advance(5_999);
      await settle();
      expect(h.exec.signal.aborted).to.equal(false);
      h.clock.advance(1);
    },
    outcome: "ERROR",
    phase: "ERROR",
    error: /EXECUTIONDURATION\) of 10 s/,
    events: ["ERROR"],
  },
  {
    name: "a job past its limit before it starts (resumed late) is stopped at once",
    executionDuration: 10,
    startedAgoMs: 60_000,
    executor: (e) => untilStopped(e),
    meanwhile: async (h) => h.clock.advance(0),
    outcome: "ERROR",
    phase: "ERROR",
    error: /EXECUTIONDURATION/,
    events: ["ERROR"],
  },
  {
    name: "an executor that ignores its signal and returns a result after the limit is still in ERROR",
    executionDuration: 1,
    executor: async (e) => {
      await new Promise((resolve) => e.signal.addEventListener("abort", resolve, { once: true }));
      return { results: [RESULT] };
    },
    meanwhile: async (h) => h.clock.advance(1_000),
    outcome: "ERROR",
    phase: "ERROR",
    error: /EXECUTIONDURATION\) of 1 s/,
    events: ["ERROR"],
  },
  {
    name: "PHASE=ABORT while it runs: the query is stopped, the run's writes are refused (LOST), the job stays ABORTED",
    executor: (e) => untilStopped(e),
    meanwhile: async (h) => {
      expect(await h.store.update(h.run.job.id, { phase: "ABORTED" }, { phases: ["EXECUTING"] })).to.equal(true);
      h.run.stop(new TapError(500, "The job was aborted", "UWS_ABORTED"));
    },
    outcome: "LOST",
    phase: "ABORTED",
    events: [],
  },
  {
    name: "deleted while it runs: LOST, and an object the run wrote after the deletion is removed too",
    executor: async (e, h) => {
      await untilStopped(e).catch(() => {});
      await h.results.put(e.job.id, "result", Buffer.from("<VOTABLE/>"));
      return { results: [RESULT] };
    },
    meanwhile: async (h) => {
      expect(await h.store.remove(h.run.job.id)).to.equal(true);
      h.run.stop(new TapError(500, "The job was deleted", "UWS_DELETED"));
    },
    outcome: "LOST",
    phase: undefined,
    events: [],
    check: (_job, h) => expect(existsSync(join(h.results.dir, h.run.job.id))).to.equal(false),
  },
  {
    name: "the service stopping: STOPPED, and the files store keeps the job EXECUTING for the restart rules",
    executor: (e) => untilStopped(e),
    meanwhile: async (h) => {
      h.stopping = true;
      h.run.stop(new TapError(503, "The service is stopping", "TAP_STOPPING"));
    },
    outcome: "STOPPED",
    phase: "EXECUTING",
    events: [],
  },
  {
    name: "progress (jobInfo): an event for each change, none for the same counts again; kept in the record",
    executor: async (e) => {
      e.setProgress({ chunksCompleted: 1, chunksTotal: 3 });
      e.setProgress({ chunksCompleted: 1, chunksTotal: 3 });
      e.setProgress({ chunksCompleted: 2, chunksTotal: 3 });
      return { results: [] };
    },
    outcome: "COMPLETED",
    phase: "COMPLETED",
    events: ["PROGRESS", "PROGRESS", "COMPLETED"],
    check: (job) => expect(job!.progress).to.deep.equal({ chunksCompleted: 2, chunksTotal: 3 }),
  },
  {
    name: "progress after the signal fired is not published",
    executionDuration: 1,
    executor: async (e) => {
      await untilStopped(e).catch(() => {});
      e.setProgress({ chunksCompleted: 3, chunksTotal: 3 });
      throw e.signal.reason;
    },
    meanwhile: async (h) => h.clock.advance(1_000),
    outcome: "ERROR",
    phase: "ERROR",
    error: /EXECUTIONDURATION/,
    events: ["ERROR"],
    check: (job) => expect(job!.progress).to.equal(undefined),
  },
  {
    name: "the compiler's warnings are stored with the job (jobInfo)",
    executor: async (e) => {
      await e.setWarnings([]);
      await e.setWarnings(["TOP is applied after ORDER BY"]);
      return { results: [] };
    },
    outcome: "COMPLETED",
    phase: "COMPLETED",
    events: ["COMPLETED"],
    check: (job) => expect(job!.warnings).to.deep.equal(["TOP is applied after ORDER BY"]),
  },
  {
    name: "checkLease passes while the run holds the job, and throws once the job was aborted: LOST, nothing written",
    executor: async (e, h) => {
      await e.checkLease();
      await h.store.update(e.job.id, { phase: "ABORTED" }, { phases: ["EXECUTING"] });
      await e.checkLease();
      return { results: [RESULT] };
    },
    outcome: "LOST",
    phase: "ABORTED",
    events: [],
    check: (job) => expect(job!.results).to.deep.equal([]),
  },
  {
    name: "the executor is given the credential (held in memory only)",
    credential: "token-123",
    executor: async (e) => {
      expect(e.credential).to.equal("token-123");
      return { results: [] };
    },
    outcome: "COMPLETED",
    phase: "COMPLETED",
    events: ["COMPLETED"],
    check: (job) => expect(JSON.stringify(job)).not.to.contain("token-123"),
  },
];

describe("one run of a job (execution.ts)", function () {
  const dir = dirPerTest("tap-execution-");

  for (const c of CASES) {
    it(c.name, async () => {
      const clock = new ManualClock();
      const store = new FileJobStore(new JsonFileJobStore(join(dir(), "jobs")));
      const results = new LocalDirResultStore(join(dir(), "results"));
      const now = clock.now();
      const job: Job = {
        v: 1,
        id: randomBytes(20).toString("hex"),
        owner: null,
        queueKey: "addr:127.0.0.1",
        phase: "QUEUED",
        creationTime: isoNow(now - (c.startedAgoMs ?? 0) - 1000),
        executionDuration: c.executionDuration ?? 3600,
        destruction: isoNow(now + 86400_000),
        parameters: [],
        inlineParts: [],
        results: [],
      };
      await store.insert(job);
      const startTime = isoNow(now - (c.startedAgoMs ?? 0));
      const lease = await store.claim(job.id, { owner: "test", ms: 30_000, globalLimit: 0 }, { startTime });
      if (typeof lease === "string") throw new Error(`not claimed: ${lease}`);
      const events: string[] = [];
      const h = { clock, store, results, stopping: false } as Harness;
      const ctx = {
        store,
        results,
        clock,
        leaseMs: 30_000,
        executor: (e: Execution) => {
          h.exec = e;
          return c.executor(e, h);
        },
        emit: (id: string, event: string) => {
          expect(id).to.equal(job.id);
          events.push(event);
        },
        stopping: () => h.stopping,
        log: () => {},
      };
      h.run = new JobRun(ctx, (await store.get(job.id))!, lease.token, c.credential !== undefined ? { credential: c.credential } : {});
      let after = 0;
      const done = h.run.start(() => after++);
      await c.meanwhile?.(h);
      await done;
      expect(h.run.outcome).to.equal(c.outcome);
      expect(after, "the worker is freed once").to.equal(1);
      const stored = await store.get(job.id);
      expect(stored?.phase).to.equal(c.phase);
      if (c.error) expect(stored!.error!.message).to.match(c.error);
      else if (stored) expect(stored.error).to.equal(undefined);
      expect(events).to.deep.equal(c.events);
      // The limit's timer is gone with the run.
      expect(clock.pending).to.equal(0);
      await c.check?.(stored, h);
      await store.flush();
    });
  }
});
