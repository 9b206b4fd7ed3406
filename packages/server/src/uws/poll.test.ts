/**
 * One look at a shared job store (poll.ts) as a table: what the store holds and answers, the replica's free workers,
 * and what the look does (jobs destroyed, offered to the fair queue, announced to WAIT, logged). The store is the
 * files store with the answers of the shared store's own sweeps (expired leases, overruns) given by the case: their
 * SQL is tested against MariaDB in store-mysql.test.ts, and the whole loop by manager-shared.test.ts.
 */
import { expect } from "chai";
import { join } from "node:path";
import { dirPerTest } from "../test-support/uws.js";
import { isoNow, type Job, type Phase } from "./job.js";
import { JsonFileJobStore } from "./job-store.js";
import { pollSharedStore } from "./poll.js";
import { FileJobStore } from "./store-files.js";
import type { TakeoverResult } from "./store.js";

const NOW = Date.parse("2026-06-01T12:00:00Z");

interface Case {
  name: string;
  /** Jobs: id, phase, and destruction time from NOW (ms). */
  jobs: [string, Phase, number][];
  takeOver?: TakeoverResult;
  /** Replicas the store forgets. */
  forgotten?: string[];
  overrun?: string[];
  running?: string[];
  free: number;
  destroyed: string[];
  enqueued: string[];
  emitted: string[];
  logged: RegExp[];
  counts: Partial<Record<Phase, number>>;
}

const DAY = 86400_000;

const CASES: Case[] = [
  { name: "nothing to do", jobs: [["p", "PENDING", DAY]], free: 2, destroyed: [], enqueued: [], emitted: [], logged: [], counts: { PENDING: 1 } },
  {
    name: "QUEUED jobs of any replica are offered to the fair queue, but not one this replica runs",
    jobs: [["q1", "QUEUED", DAY], ["q2", "QUEUED", DAY], ["x", "EXECUTING", DAY]],
    running: ["q2"],
    free: 1,
    destroyed: [],
    enqueued: ["q1"],
    emitted: [],
    logged: [],
    counts: { QUEUED: 2, EXECUTING: 1 },
  },
  { name: "no free worker: none offered", jobs: [["q1", "QUEUED", DAY]], free: 0, destroyed: [], enqueued: [], emitted: [], logged: [], counts: { QUEUED: 1 } },
  {
    name: "jobs past their destruction time are destroyed, only if still due now (one replica of those that look wins)",
    jobs: [["old", "COMPLETED", -1], ["now", "ERROR", 0], ["later", "COMPLETED", 1]],
    free: 1,
    destroyed: [`old<=${NOW}`, `now<=${NOW}`],
    enqueued: [],
    emitted: [],
    logged: [],
    // Counted after the destruction.
    counts: { COMPLETED: 1 },
  },
  {
    name: "expired leases: a job taken over to run again is logged; one out of runs is announced in ERROR",
    jobs: [],
    takeOver: { requeued: ["r1"], failed: ["f1"] },
    free: 1,
    destroyed: [],
    enqueued: [],
    emitted: ["f1:ERROR"],
    logged: [/^job r1: its lease expired; taken over by replica A to run again$/, /^job f1: its lease expired and it has run as often as allowed: ERROR$/],
    counts: {},
  },
  {
    name: "replicas unseen for 100 leases are forgotten, and logged",
    jobs: [],
    forgotten: ["host-1:4242"],
    free: 1,
    destroyed: [],
    enqueued: [],
    emitted: [],
    logged: [/^replica host-1:4242: not seen for 100 leases; forgotten$/],
    counts: {},
  },
  {
    name: "a run past its EXECUTIONDURATION on a replica that did not stop it is logged",
    jobs: [],
    overrun: ["o1"],
    free: 1,
    destroyed: [],
    enqueued: [],
    emitted: [],
    logged: [/^job o1: past its EXECUTIONDURATION on a replica that did not stop it: ERROR$/],
    counts: {},
  },
];

describe("a look at a shared job store (poll.ts)", () => {
  const dir = dirPerTest("tap-poll-");

  for (const c of CASES) {
    it(c.name, async () => {
      class Store extends FileJobStore {
        beats: string[] = [];
        override async takeOver(): Promise<TakeoverResult> {
          return c.takeOver ?? { requeued: [], failed: [] };
        }
        override async overrun(): Promise<string[]> {
          return c.overrun ?? [];
        }
        async heartbeat(replica: string): Promise<void> {
          this.beats.push(replica);
        }
        forgetAsked: number[] = [];
        async forgetReplicas(unseenMs: number): Promise<string[]> {
          this.forgetAsked.push(unseenMs);
          return c.forgotten ?? [];
        }
      }
      const store = new Store(new JsonFileJobStore(join(dir(), "jobs")));
      for (const [id, phase, destruction] of c.jobs) {
        const job: Job = { v: 1, id, owner: null, queueKey: `addr:${id}`, phase, creationTime: isoNow(NOW - DAY), executionDuration: 60, destruction: isoNow(NOW + destruction), parameters: [], inlineParts: [], results: [] };
        await store.insert(job);
      }
      const destroyed: string[] = [];
      const enqueued: string[] = [];
      const emitted: string[] = [];
      const logs: string[] = [];
      const counts = await pollSharedStore({
        store,
        replicaId: "A",
        leaseMs: 30_000,
        maxRuns: 2,
        restartedMessage: "restarted",
        now: NOW,
        freeWorkers: () => c.free,
        running: (id) => c.running?.includes(id) ?? false,
        enqueue: (q) => enqueued.push(q.id),
        destroy: async (id, dueBy) => {
          if (await store.remove(id, dueBy)) destroyed.push(`${id}<=${dueBy}`);
        },
        emit: (id, event) => emitted.push(`${id}:${event}`),
        log: (m) => logs.push(m),
      });
      expect(store.beats, "the replica notes itself alive").to.deep.equal(["A"]);
      expect(store.forgetAsked, "replicas unseen for 100 leases of 30 s").to.deep.equal([3_000_000]);
      expect(destroyed).to.deep.equal(c.destroyed);
      expect(enqueued).to.deep.equal(c.enqueued);
      expect(emitted).to.deep.equal(c.emitted);
      expect(logs).to.have.length(c.logged.length);
      c.logged.forEach((re, i) => expect(logs[i]).to.match(re));
      expect(Object.fromEntries(counts)).to.deep.equal(c.counts);
      await store.flush();
    });
  }
});
