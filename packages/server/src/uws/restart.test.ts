/**
 * Durability across a crash: a real server in a child process (DuckDB file, async directory),
 * jobs in every phase, SIGKILL while two queries are executing, a restart on the same files,
 * and every job checked afterwards.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const SLOW = "SELECT COUNT(*) AS n FROM demo.stars AS a JOIN demo.stars AS b ON a.g_mag < b.g_mag + a.ra - b.ra";

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Child {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

async function startServer(dir: string, port: number): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", "--conditions", "source", MAIN, "serve"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      TAP_DUCKDB_PATH: join(dir, "tap.duckdb"),
      TAP_ASYNC_DIR: join(dir, "async"),
      TAP_ASYNC_CONCURRENCY: "2",
      TAP_CONFIG: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const look = () => {
      const m = / at (http:\/\/\S+\/tap)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on("data", look);
    proc.once("exit", (code) => reject(new Error(`server exited (${code}):\n${out}`)));
  });
  return { proc, url, output: () => out };
}

async function stop(child: Child | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = once(child.proc, "exit");
  child.proc.kill(signal);
  await exited;
}

const tag = (xml: string, name: string) => new RegExp(`<uws:${name}>([^<]*)</uws:${name}>`).exec(xml)?.[1];

async function create(base: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(`${base}/async`, { method: "POST", body: new URLSearchParams(params), redirect: "manual" });
  expect(res.status).to.equal(303);
  return res.headers.get("location")!;
}

async function waitFor(job: string, phases: string[]): Promise<string> {
  const end = Date.now() + 10_000;
  let xml = await (await fetch(job)).text();
  while (!phases.includes(tag(xml, "phase")!) && Date.now() < end) {
    xml = await (await fetch(`${job}?WAIT=2&PHASE=${tag(xml, "phase")}`)).text();
  }
  return xml;
}

describe("async jobs survive a crash (SIGKILL) and a restart", function () {
  this.timeout(60_000);
  let dir: string;
  let first: Child | undefined;
  let second: Child | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tap-restart-"));
  });
  after(async () => {
    await stop(first, "SIGKILL");
    await stop(second, "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps completed, pending, queued and failed jobs; running ones fail with a message; expired ones go", async () => {
    const port = await freePort();
    first = await startServer(dir, port);
    const base = first.url;

    const completed = await create(base, { LANG: "ADQL", QUERY: "SELECT TOP 50 star_id, ra FROM demo.stars ORDER BY star_id", RESPONSEFORMAT: "csv", PHASE: "RUN" });
    expect(tag(await waitFor(completed, ["COMPLETED"]), "phase")).to.equal("COMPLETED");
    const resultBefore = await (await fetch(`${completed}/results/result`)).text();
    const expiring = await create(base, { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars", PHASE: "RUN" });
    await waitFor(expiring, ["COMPLETED"]);
    await fetch(`${expiring}/destruction`, { method: "POST", body: new URLSearchParams({ DESTRUCTION: new Date(Date.now() + 1000).toISOString() }) });
    const failed = await create(base, { LANG: "ADQL", QUERY: "SELECT nothing FROM demo.stars", PHASE: "RUN" });
    await waitFor(failed, ["ERROR"]);
    const pending = await create(base, { LANG: "ADQL", QUERY: "SELECT TOP 2 star_id FROM demo.stars", RUNID: "keep-me" });
    const slow1 = await create(base, { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" });
    const slow2 = await create(base, { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" });
    await waitFor(slow1, ["EXECUTING"]);
    await waitFor(slow2, ["EXECUTING"]);
    const queued = await create(base, { LANG: "ADQL", QUERY: "SELECT TOP 3 star_id FROM demo.stars ORDER BY star_id", RESPONSEFORMAT: "csv", PHASE: "RUN" });
    expect(tag(await (await fetch(queued)).text(), "phase")).to.equal("QUEUED");

    await stop(first, "SIGKILL");
    await new Promise((r) => setTimeout(r, 1000));

    second = await startServer(dir, port);
    expect(second.output()).to.match(/async jobs after restart: 0 resumed, 2 failed \(were executing\), 1 queued again, 1 destroyed/);
    const phase = async (job: string) => tag(await (await fetch(job)).text(), "phase");

    expect(await phase(completed)).to.equal("COMPLETED");
    const after = await fetch(`${completed}/results/result`);
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
