/**
 * A service's start does not use up the mocha timeout of the test or hook that waits for it (start-limit.ts): a
 * busy machine takes tens of seconds to start one, and tests bound their own steps, not the machine's load.
 */
import { expect } from "chai";
import { startService, type Running } from "./service.js";
import { whileStarting } from "./start-limit.js";

describe("test support: service starts and mocha timeouts", function () {
  const running: Running[] = [];
  after(async () => {
    for (const r of running) await r.close();
  });

  it("a start that takes longer than the test's own timeout does not fail it", async function () {
    // A start takes hundreds of milliseconds even on an idle machine; the test's bound is a tenth of that.
    this.timeout(30);
    running.push(await startService({ demo: false }));
  });

  it("after the start, the test has its own timeout again, plus the time the start took", async function () {
    this.timeout(5000);
    const t0 = Date.now();
    let during = 0;
    await whileStarting(async () => {
      during = this.timeout();
      running.push(await startService({ demo: false }));
    }, 60_000);
    const took = Date.now() - t0;
    // Raised by the limit while it waits (the nested start raised and restored it again in between).
    expect(during).to.equal(5000 + 60_000);
    expect(this.timeout()).to.be.within(5000, 5000 + took);
  });
});
