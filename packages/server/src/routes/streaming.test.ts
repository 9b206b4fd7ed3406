import { expect } from "chai";
import { request } from "node:http";
import type { DuckDbBackend } from "../backends/duckdb.js";
import { demoService, sync } from "../test-support/service.js";
import { until } from "../../../votable/src/test-support/until.js";

describe("server streaming", function () {
  it("sends the first bytes early, and a client disconnect cancels the query and releases the session", async function () {
    this.timeout(30_000);
    const { url, service } = await demoService();
    const backend = service.deps.backend as DuckDbBackend;
    // About 2e10 rows: it can only finish by being cancelled.
    const query = new URLSearchParams({
      LANG: "ADQL",
      MAXREC: "10000000",
      QUERY: "SELECT a.star_id, b.star_id AS other FROM demo.stars AS a, demo.stars AS b",
    });
    const started = Date.now();
    const firstChunk = await new Promise<{ bytes: number; ms: number }>((resolve, reject) => {
      const req = request(`${url}/sync?${query}`, (res) => {
        res.once("data", (chunk: Buffer) => {
          resolve({ bytes: chunk.length, ms: Date.now() - started });
          req.destroy();
        });
      });
      req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
      req.end();
    });
    expect(firstChunk.bytes).to.be.greaterThan(0);
    expect(firstChunk.ms).to.be.lessThan(5000);
    await until("the session is released", () => backend.activeSessions === 0);
    expect(backend.activeSessions).to.equal(0);
    const after = await sync(url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM demo.stars", RESPONSEFORMAT: "csv" });
    expect(after.text).to.match(/\n100000\r?\n/);
  });
});
