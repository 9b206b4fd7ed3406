/**
 * Large downloads alone: `SELECT TOP n * FROM demo.stars` (10 columns) through /sync, from a
 * `tap-server serve` child process run from the compiled build as `npm start` runs it, in the default
 * configuration (the demo catalog in a DuckDB file of its data directory), timed by node:http:
 * first body byte and last, median, min and max of the runs, the rate in MB/s, and the server's CPU time per
 * download (all its threads, from /proc: steadier than the rate on a shared machine). The cone
 * searches are in cone.bench.ts; this one exists to compare two builds of the streaming path
 * (run them alternately, the machine is shared) and to profile it.
 *
 *   node --conditions=qserv-tap-source --import=tsx bench/download.bench.ts [runs] [rows] [formats]
 *
 * More than 100,000 rows: the bench's own copy of the demo database (in its temporary data directory, never the
 * demo that tests use) has its demo.stars grown to whole copies of the 100,000 stars (star_id offset by 100,000 per
 * copy) before the measured server starts, so the rows are a table's, as a download reads them. (A cross join with
 * the detections, used before, repeats one star over each run of rows: DuckDB hands it over as constant vectors.)
 * formats: comma-separated RESPONSEFORMAT values (default votable,votable/td,csv), each with "+gzip" to ask for
 * gzip Content-Encoding (the bytes are then the compressed ones). The server's
 * RSS (from /proc) before and at its peak is printed too. BENCH_PROFILE=DIR runs the server with
 * --cpu-prof, writing its profile into DIR when it stops. The bench first runs `npx tsc -b` at the root (nothing
 * when the build is current); BENCH_NO_BUILD=1 skips it. The server inherits this process's environment:
 * TAP_ENCODING_THREADS=n sets its encoding threads (docs/performance.md compares 0, 1 and 2).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { spawnServer } from "../src/test-support/child-server.js";

const RUNS = Number(process.argv[2] ?? 5);
const ROWS = Number(process.argv[3] ?? 100_000);
const FORMATS = (process.argv[4] ?? "votable,votable/td,csv").split(",");

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
if (process.env.BENCH_NO_BUILD !== "1") {
  const built = spawnSync("npx", ["tsc", "-b"], { cwd: ROOT, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`npx tsc -b failed; the bench runs the compiled server:\n${built.stdout}${built.stderr}`);
}

const dir = mkdtempSync(join(tmpdir(), "tap-download-bench-"));
const profile = process.env.BENCH_PROFILE;
// The default configuration: the demo generated into a database file of the data directory.
const env: Record<string, string> = { TAP_DATA_DIR: join(dir, "data"), TAP_ASYNC_DIR: join(dir, "async"), TAP_LOG_LEVEL: "warn" };
const QUERY = `SELECT TOP ${ROWS} * FROM demo.stars`;
const DEMO_STARS = 100_000;
if (ROWS > DEMO_STARS) {
  // A first start generates the demo into the data directory's database file; then, server stopped (it holds the
  // file's lock), its stars are copied until there are enough.
  await (await spawnServer(env, { dist: true, timeoutMs: 600_000 })).stop();
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  await c.run(`ATTACH '${join(dir, "data", "tap.duckdb")}' AS bench (ROW_GROUP_SIZE 8192)`);
  const copies = Math.ceil(ROWS / DEMO_STARS);
  await c.run(
    `INSERT INTO bench.demo.stars SELECT s.* REPLACE (s.star_id + ${DEMO_STARS} * t.k AS star_id) FROM bench.demo.stars AS s, range(1, ${copies}) AS t(k)`,
  );
  await c.run("CHECKPOINT bench");
  c.closeSync();
  db.closeSync();
}
const server = await spawnServer(env, { dist: true, timeoutMs: 600_000, ...(profile ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profile}`] } : {}) });

function rssMb(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** `format+gzip` asks for gzip (Accept-Encoding), to measure what compression costs; bytes are then the compressed ones. */
/**
 * CPU time so far (ms), from utime and stime (fields 14 and 15 of proc(5), in ticks of 10 ms): of all the server's
 * threads, and of its main thread alone (JavaScript; DuckDB runs in threads of its own), whose share bounds the rate.
 */
function cpuMs(): { all: number; main: number } {
  const ticks = (path: string) => {
    const stat = readFileSync(path, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  };
  const pid = server.proc.pid;
  return { all: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
}

function download(formatAndEncoding: string): Promise<{ ttfb: number; total: number; bytes: number; peakRss: number; cpu: number; mainCpu: number }> {
  const [format, encoding] = formatAndEncoding.split("+");
  const body = new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: format!, MAXREC: String(ROWS), QUERY }).toString();
  const url = new URL(`${server.url}/sync`);
  return new Promise((resolve, reject) => {
    const cpu0 = cpuMs();
    const t0 = performance.now();
    let ttfb = 0;
    let bytes = 0;
    let peakRss = rssMb();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb())), 20);
    const req = request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "accept-encoding": encoding ?? "identity" } }, (res) => {
      res.on("data", (d: Buffer) => {
        if (bytes === 0) ttfb = performance.now() - t0;
        bytes += d.length;
      });
      res.on("end", () => {
        clearInterval(sampler);
        if (res.statusCode === 200) resolve({ ttfb, total: performance.now() - t0, bytes, peakRss: Math.max(peakRss, rssMb()), cpu: cpuMs().all - cpu0.all, mainCpu: cpuMs().main - cpu0.main });
        else reject(new Error(`download: ${res.statusCode}`));
      });
    });
    req.on("error", (e) => {
      clearInterval(sampler);
      reject(e);
    });
    req.end(body);
  });
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor((xs.length - 1) / 2)]!;
const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");

try {
  console.log(`${ROWS}-row download (${QUERY}, 10 columns), ${RUNS} runs after one warm-up; load average ${load()}`);
  const rss0 = rssMb();
  for (const format of FORMATS) {
    await download(format);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await download(format));
    const totals = runs.map((r) => r.total);
    const ttfbs = runs.map((r) => r.ttfb);
    const mb = runs[0]!.bytes / 1e6;
    const peak = Math.max(...runs.map((r) => r.peakRss));
    console.log(
      `  ${format.padEnd(10)}: total median ${median(totals).toFixed(0)} ms (min ${Math.min(...totals).toFixed(0)}, max ${Math.max(...totals).toFixed(0)}), ` +
        `first byte median ${median(ttfbs).toFixed(1)} ms (min ${Math.min(...ttfbs).toFixed(1)}), ${mb.toFixed(1)} MB, ${(mb / (median(totals) / 1000)).toFixed(0)} MB/s; ` +
        `server CPU median ${median(runs.map((r) => r.cpu)).toFixed(0)} ms (main thread ${median(runs.map((r) => r.mainCpu)).toFixed(0)} ms); ` +
        `RSS ${rss0.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB (growth ${(peak - rss0).toFixed(0)} MB)`,
    );
  }
  console.log(`load average after: ${load()}`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
