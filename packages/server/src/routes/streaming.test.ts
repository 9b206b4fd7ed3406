import { expect } from "chai";
import { request } from "node:http";
import type { DuckDbBackend } from "../backends/duckdb.js";
import { demoService, startService, sync } from "../test-support/service.js";
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

  // A result that the writer finishes at once is sent whole, with its Content-Length (RFC 9112 §6.2); a larger one is
  // streamed in chunks (RFC 9112 §7.1), as before. Either way the document is whole and the session is given back.
  // (Whether a cone's answer ends within the wait depends on the machine's load: stream-start.test.ts's cases decide.)
  const bodies: [name: string, query: string, rows: number | undefined, chunked: boolean | undefined][] = [
    ["a cone search's answer", "SELECT star_id, ra, dec FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 210.5, -30.25, 1))", undefined, undefined],
    ["20,000 rows (over 64 KB)", "SELECT TOP 20000 star_id, ra, dec FROM demo.stars", 20000, true],
  ];
  for (const [name, adql, rows, chunked] of bodies) {
    it(`${name}: the whole document${chunked ? ", streamed in chunks" : ""}`, async function () {
      this.timeout(30_000);
      const { url, service } = await demoService();
      const backend = service.deps.backend as DuckDbBackend;
      const res = await fetch(`${url}/sync`, {
        method: "POST",
        body: new URLSearchParams({ LANG: "ADQL", MAXREC: "100000", RESPONSEFORMAT: "csv", QUERY: adql }),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      const text = await res.text();
      expect(res.status).to.equal(200);
      const length = res.headers.get("content-length");
      expect(length === null ? "chunked" : Number(length)).to.equal(res.headers.get("transfer-encoding") === "chunked" ? "chunked" : Buffer.byteLength(text));
      if (chunked) expect(res.headers.get("transfer-encoding")).to.equal("chunked");
      const lines = text.trim().split(/\r?\n/);
      expect(lines[0]).to.equal("star_id,ra,dec");
      if (rows !== undefined) expect(lines).to.have.length(rows + 1);
      else expect(lines.length).to.be.greaterThan(1);
      await until("the session is released", () => backend.activeSessions === 0);
    });
  }

  describe("text results encoded in threads (http.encodingThreads)", function () {
    this.timeout(60_000);
    let inLoop: Awaited<ReturnType<typeof startService>> | undefined;
    let inThreads: Awaited<ReturnType<typeof startService>> | undefined;
    before(async function () {
      inLoop = await startService({ demo: true, images: { registry: "none" }, http: { encodingThreads: 0 } });
      inThreads = await startService({ demo: true, images: { registry: "none" }, http: { encodingThreads: 1 } });
    });
    after(async () => {
      await inLoop?.close();
      await inThreads?.close();
    });

    // Every column type of demo.stars (long, double, float, int, boolean, char, timestamp), nulls, a MAXREC cut
    // inside a batch, and an OFFSET that starts inside one.
    const QUERY = "SELECT TOP 7000 * FROM demo.stars WHERE star_id > 5 ORDER BY star_id OFFSET 300";
    for (const format of ["votable/td", "csv", "tsv"]) {
      it(`${format}: the bytes that the event loop writes, and the threads wrote them`, async function () {
        const threaded = inThreads!;
        const encoders = threaded.service.deps.encoders!;
        expect(inLoop!.service.deps.encoders).to.equal(undefined);
        const before = encoders.batches;
        const params = { LANG: "ADQL", MAXREC: "6500", RESPONSEFORMAT: format, QUERY };
        const there = await sync(threaded.url, params);
        const here = await sync(inLoop!.url, params);
        expect(there.status).to.equal(200);
        expect(there.type).to.equal(here.type);
        // The documents differ only in the time of the request and where they name their own service (its origin).
        const own = (r: { text: string }, url: string) => r.text.split(url).join("<service>").replace(/(name="REQUEST_TIME" value=)"[^"]*"/, "$1");
        expect(own(there, new URL(threaded.url).origin) === own(here, new URL(inLoop!.url).origin), "the same document").to.equal(true);
        if (format === "votable/td") expect(there.text).to.contain('<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
        expect(encoders.batches - before, "batches encoded by the threads").to.be.greaterThan(0);
      });
    }
  });
});
