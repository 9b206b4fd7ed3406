/**
 * Sync admission (issue 11: one client's flood must not stall the others): a table of steps run
 * against one Admission, with a hand-driven timer, so that no case waits for real time.
 */
import { expect } from "chai";
import { Admission, type Release } from "./admission.js";
import { TapError } from "./errors.js";

type Step =
  | { acquire: string; as: string; expect: "granted" | "waiting" | 429 | 503 }
  | { release: string }
  | { abort: string }
  | { timeout: true }
  | { settled: Record<string, "granted" | "waiting" | 429 | 503 | "aborted"> }
  | { counts: { running: number; waiting: number } };

const CASES: [string, { total: number; perClient: number; maxWaiting?: number }, Step[]][] = [
  [
    "grants up to the total, then queues in order of arrival",
    { total: 2, perClient: 2 },
    [
      { acquire: "a", as: "a1", expect: "granted" },
      { acquire: "b", as: "b1", expect: "granted" },
      { acquire: "c", as: "c1", expect: "waiting" },
      { acquire: "d", as: "d1", expect: "waiting" },
      { counts: { running: 2, waiting: 2 } },
      { release: "a1" },
      { settled: { c1: "granted", d1: "waiting" } },
      { release: "a1" }, // a second release of the same slot changes nothing
      { counts: { running: 2, waiting: 1 } },
      { release: "b1" },
      { settled: { d1: "granted" } },
      { counts: { running: 2, waiting: 0 } },
    ],
  ],
  [
    "refuses a client over its share at once with 429, running or waiting",
    { total: 2, perClient: 1 },
    [
      { acquire: "a", as: "a1", expect: "granted" },
      { acquire: "a", as: "a2", expect: 429 },
      { acquire: "b", as: "b1", expect: "granted" },
      { acquire: "c", as: "c1", expect: "waiting" },
      { acquire: "c", as: "c2", expect: 429 },
      { release: "a1" },
      { settled: { c1: "granted" } },
      { acquire: "a", as: "a3", expect: "waiting" },
    ],
  ],
  [
    "answers a wait that runs out with 503 and frees its place",
    { total: 1, perClient: 2 },
    [
      { acquire: "a", as: "a1", expect: "granted" },
      { acquire: "b", as: "b1", expect: "waiting" },
      { timeout: true },
      { settled: { b1: 503 } },
      { counts: { running: 1, waiting: 0 } },
      { acquire: "b", as: "b2", expect: "waiting" },
      { acquire: "b", as: "b3", expect: "waiting" },
    ],
  ],
  [
    "takes a client that goes away off the queue",
    { total: 1, perClient: 1 },
    [
      { acquire: "a", as: "a1", expect: "granted" },
      { acquire: "b", as: "b1", expect: "waiting" },
      { acquire: "c", as: "c1", expect: "waiting" },
      { abort: "b1" },
      { settled: { b1: "aborted" } },
      { release: "a1" },
      { settled: { c1: "granted" } },
      { acquire: "b", as: "b2", expect: "waiting" },
    ],
  ],
  [
    "refuses with 503 at once when the queue is full",
    { total: 1, perClient: 5, maxWaiting: 1 },
    [
      { acquire: "a", as: "a1", expect: "granted" },
      { acquire: "b", as: "b1", expect: "waiting" },
      { acquire: "c", as: "c1", expect: 503 },
    ],
  ],
];

describe("sync admission", function () {
  for (const [name, options, steps] of CASES) {
    it(name, async () => {
      const timers: (() => void)[] = [];
      const admission = new Admission({
        ...options,
        queueMs: 10_000,
        setTimer: (fn) => {
          timers.push(fn);
          return {
            clear: () => {
              const i = timers.indexOf(fn);
              if (i >= 0) timers.splice(i, 1);
            },
          };
        },
      });
      const state = new Map<string, "granted" | "waiting" | 429 | 503 | "aborted">();
      const releases = new Map<string, Release>();
      const aborts = new Map<string, AbortController>();
      const flush = () => new Promise((r) => setImmediate(r));
      for (const step of steps) {
        if ("acquire" in step) {
          const abort = new AbortController();
          aborts.set(step.as, abort);
          state.set(step.as, "waiting");
          admission.acquire(step.acquire, abort.signal).then(
            (release) => {
              state.set(step.as, "granted");
              releases.set(step.as, release);
            },
            (e: unknown) => {
              if (e instanceof TapError) {
                state.set(step.as, e.status as 429 | 503);
                expect(e.retryAfter, "Retry-After").to.be.a("number");
              } else state.set(step.as, "aborted");
            },
          );
          await flush();
          expect(state.get(step.as), `${step.as}`).to.equal(step.expect);
        } else if ("release" in step) {
          releases.get(step.release)!();
          await flush();
        } else if ("abort" in step) {
          aborts.get(step.abort)!.abort(new Error("client went away"));
          await flush();
        } else if ("timeout" in step) {
          timers.shift()!();
          await flush();
        } else if ("settled" in step) {
          for (const [k, v] of Object.entries(step.settled)) expect(state.get(k), k).to.equal(v);
        } else {
          expect(admission.counts).to.deep.equal(step.counts);
        }
      }
    });
  }
});
