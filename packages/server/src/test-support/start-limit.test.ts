/**
 * A service's start does not use up the mocha timeout of the test or hook that waits for it (start-limit.ts): a
 * busy machine takes tens of seconds to start one, and tests bound their own steps, not the machine's load.
 */
import { expect } from "chai";
import { startService, type Running } from "./service.js";
import { whileStarting } from "./start-limit.js";

describe("test support: service starts and mocha timeouts", function () {
  // The lightest start there is (no demo catalog, no image service): what it takes does not matter here.
  const LIGHT = { demo: false, images: { registry: "none" } };
  const running: Running[] = [];
  after(async () => {
    for (const r of running) await r.close();
  });

  it("a start that takes longer than the test's own timeout does not fail it", async function () {
    // Even that start takes a hundred milliseconds or more on an idle machine; the test's bound is under a third of that.
    this.timeout(30);
    running.push(await startService(LIGHT));
  });

  it("after the start, the test has its own timeout again, plus the time the start took", async function () {
    this.timeout(5000);
    const t0 = Date.now();
    let during = 0;
    await whileStarting(async () => {
      during = this.timeout();
      running.push(await startService(LIGHT));
    }, 60_000);
    const took = Date.now() - t0;
    // Raised by the limit while it waits (the nested start raised and restored it again in between).
    expect(during).to.equal(5000 + 60_000);
    expect(this.timeout()).to.be.within(5000, 5000 + took);
  });
});
