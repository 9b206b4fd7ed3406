/**
 * The clock of the job system's deadlines: the test clock fires timers in the order of their times, each at its
 * time; the system clock waits for a delay longer than Node's longest timeout in several (an EXECUTIONDURATION limit
 * of 30 days must not stop the query at once).
 */
import { expect } from "chai";
import { ManualClock, systemClock } from "./clock.js";

type Step = ["after", string, number] | ["cancel", string] | ["advance", number];

const CASES: { name: string; steps: Step[]; fired: string[]; pending: number }[] = [
  { name: "a timer fires at its time, not before", steps: [["after", "a", 100], ["advance", 99]], fired: [], pending: 1 },
  { name: "…and at its time exactly", steps: [["after", "a", 100], ["advance", 100]], fired: ["a@100"], pending: 0 },
  { name: "timers fire in the order of their times", steps: [["after", "late", 300], ["after", "early", 100], ["advance", 1000]], fired: ["early@100", "late@300"], pending: 0 },
  { name: "equal times fire in the order they were set", steps: [["after", "a", 50], ["after", "b", 50], ["advance", 50]], fired: ["a@50", "b@50"], pending: 0 },
  { name: "a cancelled timer never fires", steps: [["after", "a", 50], ["cancel", "a"], ["advance", 100]], fired: [], pending: 0 },
  { name: "a negative delay is no delay", steps: [["after", "a", -5], ["advance", 0]], fired: ["a@0"], pending: 0 },
  { name: "time adds up over several advances", steps: [["after", "a", 150], ["advance", 100], ["advance", 49], ["advance", 1]], fired: ["a@150"], pending: 0 },
];

describe("clock (the deadlines' timers)", () => {
  describe("ManualClock", () => {
    for (const c of CASES) {
      it(c.name, () => {
        const clock = new ManualClock(0);
        const fired: string[] = [];
        const timers = new Map<string, { cancel(): void }>();
        for (const s of c.steps) {
          if (s[0] === "after") timers.set(s[1], clock.after(s[2], () => fired.push(`${s[1]}@${clock.now()}`)));
          else if (s[0] === "cancel") timers.get(s[1])!.cancel();
          else clock.advance(s[1]);
        }
        expect(fired).to.deep.equal(c.fired);
        expect(clock.pending).to.equal(c.pending);
      });
    }

    it("fires a timer that a fired one sets, when it falls within the same advance", () => {
      const clock = new ManualClock(0);
      const fired: number[] = [];
      const again = () => {
        fired.push(clock.now());
        if (fired.length < 3) clock.after(40, again);
      };
      clock.after(40, again);
      clock.advance(100);
      expect(fired).to.deep.equal([40, 80]);
      expect(clock.nextIn()).to.equal(20);
    });
  });

  describe("systemClock", () => {
    it("waits for a delay longer than the longest timeout in several timeouts, and fires once, after the whole delay", async () => {
      // Node's limit made 10 ms, so that the delay of 45 ms takes five timeouts.
      const clock = systemClock(Date.now, 10);
      const t0 = performance.now();
      let calls = 0;
      await new Promise<void>((resolve) => clock.after(45, () => (calls++, resolve())));
      // Not after the first timeout of 10 ms (a millisecond's leeway for the timers' rounding).
      expect(performance.now() - t0).to.be.at.least(44);
      expect(calls).to.equal(1);
    });

    it("sets no timeout beyond Node's limit: 30 days neither warns (TimeoutOverflowWarning) nor fires at once", async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on("warning", onWarning);
      let fired = false;
      const t = systemClock().after(30 * 86400_000, () => (fired = true));
      try {
        // An overflowing timeout is warned about on the next tick (and set to fire after 1 ms).
        await new Promise((r) => setImmediate(r));
        expect(warnings).to.deep.equal([]);
        expect(fired).to.equal(false);
      } finally {
        t.cancel();
        process.off("warning", onWarning);
      }
    });

    it("cancels", async () => {
      const clock = systemClock(Date.now, 10);
      let fired = false;
      clock.after(15, () => (fired = true)).cancel();
      await new Promise<void>((resolve) => clock.after(30, resolve));
      expect(fired).to.equal(false);
    });
  });
});
