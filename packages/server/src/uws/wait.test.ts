/**
 * WAIT (UWS 1.1 §2.2.1.2) as a table: the job's phase, the WAIT and PHASE asked for, what happens (time passes, this
 * replica announces a change, the client goes away, another replica changes the job in a shared store), and after
 * which step the blocking GET returns. The clock is a ManualClock: a WAIT of a minute takes no time.
 */
import { expect } from "chai";
import { EventEmitter } from "node:events";
import { ManualClock } from "./clock.js";
import { PROGRESS_EVENT } from "./execution.js";
import type { Job, Phase } from "./job.js";
import { waitForChange } from "./wait.js";

type Step =
  | ["advance", number]
  | ["event", string]
  | ["event of another job", string]
  | ["client gone"]
  /** Another replica changes the job in the shared store (undefined: deletes it). */
  | ["stored", Partial<Job> | undefined];

interface Case {
  name: string;
  phase: Phase;
  wait: number;
  phaseParam?: Phase;
  shared?: boolean;
  steps: Step[];
  /** The step after which WAIT has returned: 0 at once, n after the n-th step; undefined: it never returns. */
  returnsAfter: number | undefined;
}

const MAX_WAIT_SECONDS = 60;
const POLL_MS = 1000;

const CASES: Case[] = [
  { name: "a job in a final phase: at once", phase: "COMPLETED", wait: 30, steps: [], returnsAfter: 0 },
  { name: "a job in ERROR: at once", phase: "ERROR", wait: 30, steps: [], returnsAfter: 0 },
  { name: "PHASE=EXECUTING while the job is QUEUED: at once", phase: "QUEUED", wait: 30, phaseParam: "EXECUTING", steps: [], returnsAfter: 0 },
  { name: "WAIT=0: at once", phase: "PENDING", wait: 0, steps: [], returnsAfter: 0 },
  { name: "WAIT=5 and no change: after 5 s, not before", phase: "PENDING", wait: 5, steps: [["advance", 4_999], ["advance", 1]], returnsAfter: 2 },
  { name: "WAIT=-1: the service's longest WAIT", phase: "PENDING", wait: -1, steps: [["advance", 59_999], ["advance", 1]], returnsAfter: 2 },
  { name: "a WAIT longer than the service's longest: capped", phase: "QUEUED", wait: 600, steps: [["advance", 59_999], ["advance", 1]], returnsAfter: 2 },
  { name: "PHASE=QUEUED matches: blocks until the job starts", phase: "QUEUED", wait: 30, phaseParam: "QUEUED", steps: [["advance", 1_000], ["event", "EXECUTING"]], returnsAfter: 2 },
  { name: "a phase change on this replica", phase: "PENDING", wait: 30, steps: [["event", "QUEUED"]], returnsAfter: 1 },
  { name: "the job's progress changes (jobInfo)", phase: "EXECUTING", wait: 30, steps: [["event", PROGRESS_EVENT]], returnsAfter: 1 },
  { name: "the job deleted", phase: "EXECUTING", wait: 30, steps: [["event", "DELETED"]], returnsAfter: 1 },
  { name: "the phase it is already in, announced again: no change", phase: "EXECUTING", wait: 30, steps: [["event", "EXECUTING"], ["advance", 29_999], ["advance", 1]], returnsAfter: 3 },
  { name: "another job's change: no change", phase: "EXECUTING", wait: 30, steps: [["event of another job", "COMPLETED"], ["advance", 30_000]], returnsAfter: 2 },
  { name: "the client goes away: the WAIT ends (nothing left listening)", phase: "EXECUTING", wait: 30, steps: [["advance", 10], ["client gone"]], returnsAfter: 2 },
  {
    name: "shared store: another replica's change is seen at the first read, after 50 ms",
    phase: "QUEUED",
    wait: 30,
    shared: true,
    steps: [["stored", { phase: "EXECUTING" }], ["advance", 49], ["advance", 1]],
    returnsAfter: 3,
  },
  {
    name: "shared store: reads at 50 ms intervals doubling up to the poll interval (50, 150, 350, 750, 1550, 2550 ms)",
    phase: "EXECUTING",
    wait: 30,
    shared: true,
    steps: [["advance", 1_550], ["stored", { phase: "COMPLETED" }], ["advance", 999], ["advance", 1]],
    returnsAfter: 4,
  },
  {
    name: "shared store: another replica's progress (jobInfo)",
    phase: "EXECUTING",
    wait: 30,
    shared: true,
    steps: [["advance", 150], ["stored", { progress: { chunksCompleted: 4, chunksTotal: 9 } }], ["advance", 199], ["advance", 1]],
    returnsAfter: 4,
  },
  { name: "shared store: the job deleted by another replica", phase: "EXECUTING", wait: 30, shared: true, steps: [["stored", undefined], ["advance", 50]], returnsAfter: 2 },
  {
    name: "shared store: no read beyond the time asked for; the WAIT ends on time",
    phase: "EXECUTING",
    wait: 1,
    shared: true,
    steps: [["advance", 999], ["advance", 1]],
    returnsAfter: 2,
  },
  { name: "files store: the store is not read (this process makes every change)", phase: "EXECUTING", wait: 2, steps: [["stored", { phase: "COMPLETED" }], ["advance", 1_999], ["advance", 1]], returnsAfter: 3 },
];

/** Lets the promises of a fired timer (a store read, the WAIT's resolution) settle. */
const settle = () => new Promise((r) => setImmediate(r));

describe("WAIT (wait.ts)", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const clock = new ManualClock();
      const events = new EventEmitter();
      const job = { id: "job-1", phase: c.phase } as Job;
      let stored: Job | undefined = { ...job };
      let reads = 0;
      const store = {
        shared: c.shared ?? false,
        get: async () => {
          reads++;
          return stored;
        },
      };
      const client = new AbortController();
      let returned = false;
      const w = waitForChange({ events, store, clock, maxWaitSeconds: MAX_WAIT_SECONDS, pollMs: POLL_MS }, job, c.wait, c.phaseParam, client.signal);
      void w.then(() => (returned = true));
      await settle();
      const at: boolean[] = [returned];
      for (const step of c.steps) {
        if (step[0] === "advance") {
          // Timer by timer, letting each read settle before the next is set.
          let left = step[1];
          for (let next = clock.nextIn(); next !== undefined && next <= left; next = clock.nextIn()) {
            clock.advance(next);
            left -= next;
            await settle();
          }
          clock.advance(left);
        } else if (step[0] === "event") events.emit(job.id, step[1]);
        else if (step[0] === "event of another job") events.emit("job-2", step[1]);
        else if (step[0] === "client gone") client.abort();
        else stored = step[1] === undefined ? undefined : { ...stored!, ...step[1] };
        await settle();
        at.push(returned);
      }
      const expected = at.map((_, i) => c.returnsAfter !== undefined && i >= c.returnsAfter);
      expect(at, "returned after each step").to.deep.equal(expected);
      // Nothing is left behind: no listener, no timer.
      expect(events.listenerCount(job.id)).to.equal(0);
      expect(clock.pending).to.equal(0);
      if (!c.shared) expect(reads, "reads of the store").to.equal(0);
    });
  }
});
