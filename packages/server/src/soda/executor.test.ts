/**
 * SODA's async executor (SODA 1.0 §6) under a lease (issue 18): a run that no longer holds its job (another replica
 * took it over while this one stalled: Execution.checkLease throws) makes none of its cutouts visible, whatever the
 * kind of result (a FITS cutout, a PNG preview, a text/plain entry for an unknown ID); a run that holds it writes them.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TestRegistry } from "../test-support/images.js";
import { startService, type Running } from "../test-support/service.js";
import type { Job } from "../uws/job.js";
import { LeaseLostError } from "../uws/lease.js";
import type { Execution } from "../uws/manager.js";
import { LocalDirResultStore } from "../uws/result-store.js";
import { sodaExecutor } from "./executor.js";
import { openerFor } from "./sync.js";

describe("SODA async executor and the job's lease (issue 18)", function () {
  this.timeout(60_000);
  let running: Running;
  let dir: string;
  let results: LocalDirResultStore;
  let imageId: string;
  let n = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "soda-lease-"));
    // The service's deps for a SODA executor, with an image registry of the test's own: no demo catalog either.
    running = await startService({ demo: false, images: { registry: "none" } });
    const registry = new TestRegistry();
    imageId = (await registry.add(dir, { ra: 10, dec: -5, nx: 60, ny: 40 })).id;
    running.service.deps.images = registry;
    results = new LocalDirResultStore(join(dir, "results"));
  });
  after(async () => {
    await running?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function execution(parameters: [string, string][], checkLease: () => Promise<void>): Execution {
    const job: Job = {
      v: 1,
      id: `lease-${++n}`,
      owner: null,
      queueKey: "192.0.2.1",
      phase: "EXECUTING",
      creationTime: new Date().toISOString(),
      executionDuration: 60,
      destruction: new Date(Date.now() + 3_600_000).toISOString(),
      parameters: parameters.map(([name, value]) => ({ name, value })),
      inlineParts: [],
      results: [],
    };
    return { job, signal: new AbortController().signal, setBackendRef: async () => {}, setProgress: () => {}, setWarnings: async () => {}, checkLease };
  }

  const CASES: [string, () => [string, string][], string][] = [
    // name, the job's parameters, the first result's MIME type when the lease holds
    ["a FITS cutout", () => [["ID", imageId], ["CIRCLE", "10 -5 0.001"]], "application/fits"],
    ["a PNG preview (RESPONSEFORMAT=image/png)", () => [["ID", imageId], ["CIRCLE", "10 -5 0.001"], ["RESPONSEFORMAT", "image/png"]], "image/png"],
    ["an unknown ID's text/plain entry (SODA 1.0 §6)", () => [["ID", imageId.replace(/.{4}$/, "0000")]], "text/plain"],
    ["no pixels' text/plain entry (SODA 1.0 §6)", () => [["ID", imageId], ["CIRCLE", "200 60 0.001"]], "text/plain"],
  ];
  for (const [name, parameters, mimeType] of CASES) {
    it(`${name}: written while the lease holds, not when it was lost`, async () => {
      const execute = sodaExecutor(running.service.deps, openerFor(running.service.deps), results);
      let checks = 0;
      const held = execution(parameters(), async () => void checks++);
      const done = await execute(held);
      expect(done.results.map((r) => r.mimeType.split(";")[0])).to.deep.equal([mimeType]);
      expect(checks, "the lease is checked before the result is visible").to.equal(1);
      expect(await results.size(held.job.id, "cutout-1")).to.be.a("number");

      const lost = execution(parameters(), async () => {
        throw new LeaseLostError("job: this run no longer holds the job");
      });
      let thrown: unknown;
      await execute(lost).catch((e: unknown) => (thrown = e));
      expect(thrown, "the run ends with the lease's error, which the manager takes as LOST").to.be.instanceOf(LeaseLostError);
      expect(await results.size(lost.job.id, "cutout-1"), "no cutout made visible").to.equal(undefined);
    });
  }

  it("stops at the first result once the lease is lost: the cutouts before it stay, none after", async () => {
    const execute = sodaExecutor(running.service.deps, openerFor(running.service.deps), results);
    let checks = 0;
    const run = execution([["ID", imageId], ["CIRCLE", "10 -5 0.001"], ["CIRCLE", "10 -5 0.002"], ["CIRCLE", "10 -5 0.003"]], async () => {
      if (++checks >= 2) throw new LeaseLostError("job: this run no longer holds the job");
    });
    await execute(run).then(
      () => expect.fail("the run went on after losing its lease"),
      (e: unknown) => expect(e).to.be.instanceOf(LeaseLostError),
    );
    const sizes = await Promise.all(["cutout-1", "cutout-2", "cutout-3"].map((r) => results.size(run.job.id, r)));
    expect(sizes.map((s) => s !== undefined)).to.deep.equal([true, false, false]);
  });
});
