/**
 * Automatic destruction with the files store (UWS 1.1 §2.2.3.3: the job is deleted at its destruction time) as a
 * table: jobs with destruction times, changes to them, time passing; which jobs are destroyed, when, and when the
 * timer is set for next. Over the real files store; the clock is a ManualClock, so no case waits for a destruction
 * time.
 */
import { expect } from "chai";
import { join } from "node:path";
import { dirPerTest } from "../test-support/uws.js";
import { ManualClock } from "./clock.js";
import { DestructionSweep } from "./destruction.js";
import { isoNow, type Job } from "./job.js";
import { JsonFileJobStore } from "./job-store.js";
import { FileJobStore } from "./store-files.js";

type Step =
  /** A job created with its destruction time this long from now (negative: past). */
  | ["job", string, number]
  /** Its DESTRUCTION changed to this long from now. */
  | ["destruction", string, number]
  | ["advance", number]
  | ["stop"];

interface Case {
  name: string;
  steps: Step[];
  /** Jobs destroyed, as "name@ms since the start". */
  destroyed: string[];
  /** When the timer fires next, from the end; undefined: no timer. */
  nextIn: number | undefined;
  /** Jobs whose destruction fails (their results cannot be removed, say). */
  failing?: string[];
  logged?: RegExp;
}

const HOUR = 3600_000;

const CASES: Case[] = [
  { name: "no jobs: no timer", steps: [], destroyed: [], nextIn: undefined },
  { name: "a job is destroyed at its destruction time, not before", steps: [["job", "a", 200], ["advance", 199]], destroyed: [], nextIn: 1 },
  { name: "…and at it exactly; then no timer is left", steps: [["job", "a", 200], ["advance", 200]], destroyed: ["a@200"], nextIn: undefined },
  { name: "a job past its destruction time (found at a start) goes at once", steps: [["job", "a", -1000], ["advance", 0]], destroyed: ["a@0"], nextIn: undefined },
  {
    name: "jobs go in the order of their destruction times, each at its own",
    steps: [["job", "late", 300], ["job", "early", 100], ["advance", 1000]],
    destroyed: ["early@100", "late@300"],
    nextIn: undefined,
  },
  { name: "two jobs due at once go in one sweep", steps: [["job", "a", 100], ["job", "b", 100], ["advance", 100]], destroyed: ["a@100", "b@100"], nextIn: undefined },
  {
    name: "a far destruction time: the sweep looks again every hour, and destroys nothing before it",
    steps: [["job", "a", 30 * 86400_000], ["advance", HOUR], ["advance", HOUR]],
    destroyed: [],
    nextIn: HOUR,
  },
  {
    name: "DESTRUCTION moved later before the timer fires: the job stays until the new time",
    steps: [["job", "a", 200], ["advance", 100], ["destruction", "a", 500], ["advance", 400], ["advance", 100]],
    destroyed: ["a@600"],
    nextIn: undefined,
  },
  {
    name: "DESTRUCTION moved earlier: the job goes at the new time",
    steps: [["job", "a", 5000], ["destruction", "a", 50], ["advance", 1000]],
    destroyed: ["a@50"],
    nextIn: undefined,
  },
  { name: "stopped (the service stops): nothing more is destroyed", steps: [["job", "a", 200], ["stop"], ["advance", 1000]], destroyed: [], nextIn: undefined },
  {
    name: "a destruction that fails is logged, and the other jobs due still go",
    steps: [["job", "bad", 100], ["job", "b", 100], ["advance", 100]],
    failing: ["bad"],
    destroyed: ["b@100"],
    nextIn: undefined,
    logged: /^destroying job bad: disk gone$/,
  },
];

describe("automatic destruction, files store (destruction.ts)", () => {
  const dir = dirPerTest("tap-destruction-");

  for (const c of CASES) {
    it(c.name, async () => {
      const clock = new ManualClock();
      const t0 = clock.now();
      const store = new FileJobStore(new JsonFileJobStore(join(dir(), "jobs")));
      const destroyed: string[] = [];
      const logs: string[] = [];
      const sweep = new DestructionSweep({
        store,
        clock,
        destroy: async (id) => {
          await store.remove(id);
          // As JobManager.destroy when the results store fails: the record is gone, its results are not.
          if (c.failing?.includes(id)) throw new Error("disk gone");
          destroyed.push(`${id}@${clock.now() - t0}`);
        },
        log: (m) => logs.push(m),
      });
      const at = (ms: number) => isoNow(clock.now() + ms);
      for (const step of c.steps) {
        if (step[0] === "job") {
          const job: Job = { v: 1, id: step[1], owner: null, queueKey: "addr:a", phase: "PENDING", creationTime: at(0), executionDuration: 60, destruction: at(step[2]), parameters: [], inlineParts: [], results: [] };
          await store.insert(job);
          await sweep.schedule();
        } else if (step[0] === "destruction") {
          await store.update(step[1], { destruction: at(step[2]) });
          await sweep.schedule();
        } else if (step[0] === "stop") await sweep.stop();
        else {
          // Timer by timer, each sweep ended before the next timer is looked at.
          let left = step[1];
          for (let next = clock.nextIn(); next !== undefined && next <= left; next = clock.nextIn()) {
            clock.advance(next);
            left -= next;
            await sweep.settled();
          }
          clock.advance(left);
        }
      }
      expect(destroyed).to.deep.equal(c.destroyed);
      if (c.failing) {
        expect(logs).to.have.length(1);
        expect(logs[0]).to.match(c.logged!);
      } else expect(logs).to.deep.equal([]);
      expect(clock.nextIn()).to.equal(c.nextIn);
      await store.flush();
    });
  }
});
