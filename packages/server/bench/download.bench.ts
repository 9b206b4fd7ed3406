/**
 * Large downloads alone: `SELECT TOP n * FROM demo.stars` (10 columns) through /sync, from a
 * `tap-server serve` child process (in-memory DuckDB with the demo catalog), timed by node:http:
 * first body byte and last, median, min and max of the runs, and the rate in MB/s. The cone
 * searches are in cone.bench.ts; this one exists to compare two builds of the streaming path
 * (run them alternately, the machine is shared) and to profile it.
 *
 *   node --conditions=source --import=tsx bench/download.bench.ts [runs] [rows] [formats]
 *
 * More than 100,000 rows: the stars' columns from a cross join with the detections (the first rows of it).
 * formats: comma-separated RESPONSEFORMAT values (default votable,votable/td,csv), each with "+gzip" to ask for
 * gzip Content-Encoding (the bytes are then the compressed ones). The server's
 * RSS (from /proc) before and at its peak is printed too. BENCH_PROFILE=DIR runs the server with
 * --cpu-prof, writing its profile into DIR when it stops.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnServer } from "../src/test-support/child-server.js";

const RUNS = Number(process.argv[2] ?? 5);
const ROWS = Number(process.argv[3] ?? 100_000);
const FORMATS = (process.argv[4] ?? "votable,votable/td,csv").split(",");

const dir = mkdtempSync(join(tmpdir(), "tap-download-bench-"));
const profile = process.env.BENCH_PROFILE;
const env: Record<string, string> = { TAP_DUCKDB_PATH: ":memory:", TAP_ASYNC_DIR: join(dir, "async"), TAP_LOG_LEVEL: "warn" };
// Past the catalog's 100,000 stars, the same 10 columns repeated: the first rows of a cross join with the detections.
const QUERY = ROWS <= 100_000 ? `SELECT TOP ${ROWS} * FROM demo.stars` : `SELECT TOP ${ROWS} s.* FROM demo.stars AS s CROSS JOIN demo.detections AS d`;
const server = await spawnServer(env, { timeoutMs: 600_000, ...(profile ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profile}`] } : {}) });

function rssMb(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** `format+gzip` asks for gzip (Accept-Encoding), to measure what compression costs; bytes are then the compressed ones. */
function download(formatAndEncoding: string): Promise<{ ttfb: number; total: number; bytes: number; peakRss: number }> {
  const [format, encoding] = formatAndEncoding.split("+");
  const body = new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: format!, MAXREC: String(ROWS), QUERY }).toString();
  const url = new URL(`${server.url}/sync`);
  return new Promise((resolve, reject) => {
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
        if (res.statusCode === 200) resolve({ ttfb, total: performance.now() - t0, bytes, peakRss: Math.max(peakRss, rssMb()) });
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
    console.log(
      `  ${format.padEnd(10)}: total median ${median(totals).toFixed(0)} ms (min ${Math.min(...totals).toFixed(0)}, max ${Math.max(...totals).toFixed(0)}), ` +
        `first byte median ${median(ttfbs).toFixed(1)} ms (min ${Math.min(...ttfbs).toFixed(1)}), ${mb.toFixed(1)} MB, ${(mb / (median(totals) / 1000)).toFixed(0)} MB/s; ` +
        `RSS ${rss0.toFixed(0)} MB before, peak ${Math.max(...runs.map((r) => r.peakRss)).toFixed(0)} MB`,
    );
  }
  console.log(`load average after: ${load()}`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
