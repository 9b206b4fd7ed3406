/**
 * Durability across a crash: a real server in a child process (DuckDB file, async directory),
 * jobs in every phase, SIGKILL while two queries are executing, a restart on the same files,
 * and every job checked afterwards.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, spawnServer, type ChildServer } from "../test-support/child-server.js";
import { createJob, tag, waitFor } from "../test-support/uws.js";
import { until } from "../../../votable/src/test-support/until.js";
const SLOW = "SELECT COUNT(*) AS n FROM demo.stars AS a JOIN demo.stars AS b ON a.g_mag < b.g_mag + a.ra - b.ra";

/** The server on the test's files: a DuckDB file and an async directory, two jobs at once. */
function startServer(dir: string, port: number): Promise<ChildServer> {
  return spawnServer(
    { TAP_DUCKDB_PATH: join(dir, "tap.duckdb"), TAP_ASYNC_DIR: join(dir, "async"), TAP_ASYNC_CONCURRENCY: "2" },
    { port, timeoutMs: 30_000 },
  );
}

describe("async jobs survive a crash (SIGKILL) and a restart", function () {
  this.timeout(60_000);
  let dir: string;
  let first: ChildServer | undefined;
  let second: ChildServer | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tap-restart-"));
  });
  after(async () => {
    await first?.stop("SIGKILL");
    await second?.stop("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps completed, pending, queued and failed jobs; running ones fail with a message; expired ones go", async () => {
    const port = await freePort();
    first = await startServer(dir, port);
    const base = first.url;

    const completed = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 50 star_id, ra FROM demo.stars ORDER BY star_id", RESPONSEFORMAT: "csv", PHASE: "RUN" });
    expect(tag(await waitFor(completed, ["COMPLETED"]), "phase")).to.equal("COMPLETED");
    const resultBefore = await (await fetch(`${completed}/results/result`)).text();
    const expiring = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars", PHASE: "RUN" });
    await waitFor(expiring, ["COMPLETED"]);
    const expiresAt = Date.now() + 1000;
    await fetch(`${expiring}/destruction`, { method: "POST", body: new URLSearchParams({ DESTRUCTION: new Date(expiresAt).toISOString() }) });
    const failed = await createJob(base, { LANG: "ADQL", QUERY: "SELECT nothing FROM demo.stars", PHASE: "RUN" });
    await waitFor(failed, ["ERROR"]);
    const pending = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 2 star_id FROM demo.stars", RUNID: "keep-me" });
    const slow1 = await createJob(base, { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" });
    const slow2 = await createJob(base, { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" });
    await waitFor(slow1, ["EXECUTING"]);
    await waitFor(slow2, ["EXECUTING"]);
    const queued = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 3 star_id FROM demo.stars ORDER BY star_id", RESPONSEFORMAT: "csv", PHASE: "RUN" });
    expect(tag(await (await fetch(queued)).text(), "phase")).to.equal("QUEUED");

    await first?.stop("SIGKILL");
    // The restart must come after the expiring job's destruction time: wait for the clock.
    await until("the destruction time has passed", () => Date.now() > expiresAt);

    second = await startServer(dir, port);
    expect(second.output()).to.match(/async jobs after restart: 0 resumed, 2 failed \(were executing\), 1 queued again, 1 destroyed/);
    const phase = async (job: string) => tag(await (await fetch(job)).text(), "phase");

    expect(await phase(completed)).to.equal("COMPLETED");
    // identity: fetch asks for gzip by default, and a compressed response has no Content-Length.
    const after = await fetch(`${completed}/results/result`, { headers: { "Accept-Encoding": "identity" } });
    expect(after.headers.get("content-length")).to.equal(String(Buffer.byteLength(resultBefore)));
    expect(await after.text()).to.equal(resultBefore);

    expect((await fetch(expiring)).status).to.equal(404);
    expect(existsSync(join(dir, "async", "results", expiring.split("/").pop()!))).to.equal(false);

    const f = await (await fetch(failed)).text();
    expect(tag(f, "phase")).to.equal("ERROR");
    expect(tag(f, "message")).to.match(/ADQL error/);

    const p = await (await fetch(pending)).text();
    expect(tag(p, "phase")).to.equal("PENDING");
    expect(tag(p, "runId")).to.equal("keep-me");
    expect(p).to.contain('<uws:parameter id="query">SELECT TOP 2 star_id FROM demo.stars</uws:parameter>');

    for (const job of [slow1, slow2]) {
      const x = await (await fetch(job)).text();
      expect(tag(x, "phase")).to.equal("ERROR");
      expect(tag(x, "message")).to.match(/service restarted during execution/);
      expect(x).to.match(/<uws:endTime>\d{4}-/);
    }

    expect(tag(await waitFor(queued, ["COMPLETED", "ERROR"]), "phase")).to.equal("COMPLETED");
    expect(await (await fetch(`${queued}/results/result`)).text()).to.equal("star_id\r\n1\r\n2\r\n3\r\n");

    // The pending job still runs.
    await fetch(`${pending}/phase`, { method: "POST", body: new URLSearchParams({ PHASE: "RUN" }) });
    expect(tag(await waitFor(pending, ["COMPLETED", "ERROR"]), "phase")).to.equal("COMPLETED");
  });
});
