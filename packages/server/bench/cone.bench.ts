/**
 * Sync cone searches on both catalog backends, and a large download, against the figures of GAVO DaCHS
 * measured on this machine (shared/notes/environment.md: 14-16 cone searches/s whatever the concurrency; a
 * 100,000-row download in 1.0-1.5 s, time to first byte 73-98% of the total).
 *
 * The service runs from the compiled build, as `npm start` runs it (`node dist/main.js serve`), in a child
 * process. The load comes from wrk (Debian's `wrk`, the load generator of shared/notes/environment.md), one thread
 * for the 8 connections, each sending its next request when the previous answer is read; a Lua script (bench/cone.lua)
 * draws the centres and counts as failed any answer other than a 200 with a non-empty body that is no error document.
 * wrk costs about a tenth of the CPU per request of a node:http client, which on 2 shared cores leaves the server the
 * rest; BENCH_CLIENT=node loads from this process with node:http (keep-alive) instead, for comparison. Both clients'
 * CPU per request is printed. The bench builds first (`npx tsc -b` at the
 * repository's root; nothing to do when the build is current). Two services, one after the other:
 * - DuckDB: the demo catalog (100,000 stars) generated into a database file, the default configuration;
 * - MariaDB: the same 100,000 stars on a private MariaDB (mariadbd started here), loaded by `tap-server load`.
 *
 * Cone searches of radius 1° at 8 connections (issue 15's target: at least 500 req/s on DuckDB and 300 on MariaDB,
 * p99 under 50 ms, no errors), BINARY2, no gzip asked: centres drawn uniformly on the sphere (seeded), and one fixed
 * centre. Each level runs RUNS times, the two alternating; the table gives the median, minimum and maximum over the
 * runs, and the server's CPU per request (all its threads, from /proc); each run's own figures (and a random run's
 * seed) go to stderr. A failed request (a status other than 200, an error document) is counted, not thrown. Then, on
 * DuckDB, `SELECT * FROM demo.stars` (100,000 rows).
 *
 *   node --conditions=qserv-tap-source --import=tsx bench/cone.bench.ts [seconds per level, 10] [runs, 3] ["cones": no download]
 *
 * BENCH_BACKENDS=duckdb or mariadb runs one. BENCH_PROFILE=DIR runs the servers with --cpu-prof, writing their
 * profiles into DIR when they stop. BENCH_NO_BUILD=1 skips the build.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMariaDb, type MariaDbServer } from "../../adql-compiler/src/test-support/mariadb.js";
import { DuckDbBackend } from "../src/backends/duckdb.js";
import { loadFelis } from "../src/compiler-extras.js";
import { DEMO_SCHEMA_PATH, Random, ensureDemo } from "../src/demo.js";
import { DIST_MAIN, spawnServer, type ChildServer } from "../src/test-support/child-server.js";

const SECONDS = Number(process.argv[2] ?? 10);
const RUNS = Number(process.argv[3] ?? 3);
const CONES_ONLY = process.argv[4] === "cones";
const CONCURRENCY = 8;
const TARGETS: Record<Backend, number> = { duckdb: 500, mariadb: 300 };
const DACHS_RPS = [14, 16];
const DACHS_DOWNLOAD_S = [1.0, 1.5];
const DOWNLOADS = 5;
const DOWNLOAD_FORMATS = ["votable", "votable/td", "csv"];
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

type Backend = "duckdb" | "mariadb";
const BACKENDS = (process.env.BENCH_BACKENDS ?? "duckdb,mariadb").split(",").map((b) => b.trim()) as Backend[];
const profile = process.env.BENCH_PROFILE;
const CLIENT = process.env.BENCH_CLIENT === "node" ? "node" : "wrk";
const CONE_LUA = fileURLToPath(new URL("./cone.lua", import.meta.url));
if (CLIENT === "wrk" && spawnSync("wrk", ["--version"]).error) {
  throw new Error("wrk was not found: install Debian's wrk (shared/notes/environment.md), or run with BENCH_CLIENT=node");
}
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

if (process.env.BENCH_NO_BUILD !== "1") {
  const built = spawnSync("npx", ["tsc", "-b"], { cwd: ROOT, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`npx tsc -b failed; the bench runs the compiled server:\n${built.stdout}${built.stderr}`);
}

const dir = mkdtempSync(join(tmpdir(), "tap-cone-bench-"));
const common = { TAP_SYNC_PER_CLIENT: "16", TAP_LOG_LEVEL: "warn" };
// A first start generates the demo catalog and images: minutes on a busy machine.
const serverOptions = { dist: true, timeoutMs: 600_000, ...(profile ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profile}`] } : {}) };

/** The server's CPU time so far (ms, all its threads), from /proc: on a shared machine steadier than a rate. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime, fields 14 and 15 of proc(5), in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const random = new Random(20261124);
function coneQuery(fixed: boolean): string {
  const ra = fixed ? 210.5 : random.next() * 360;
  const dec = fixed ? -30.25 : (Math.asin(2 * random.next() - 1) * 180) / Math.PI;
  return (
    "SELECT star_id, ra, dec, g_mag, r_mag FROM demo.stars " +
    `WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${ra.toFixed(6)}, ${dec.toFixed(6)}, 1))`
  );
}

/** POSTs a form; resolves with the status and the body. */
function post(agent: Agent, url: string, form: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/x-www-form-urlencoded" } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(parts) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const quantile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

interface Level {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpu: number;
  /** mariadbd's CPU per request (MariaDB; DuckDB runs inside the server). */
  dbCpu: number;
  /** The load generator's CPU per request. */
  clientCpu: number;
  /** wrk's seed for the centres (cone.lua), to run the level again. */
  seed?: number;
}

/** The first level's seed for wrk's centres; each level takes the next. */
const SEED = 20261124;
let wrkLevels = 0;

/** A level with wrk: the Lua script's summary (one JSON line), and wrk's own CPU time from its parent shell's accounts. */
async function levelWrk(server: ChildServer, seconds: number, fixed: boolean, dbPid?: number): Promise<Level> {
  const cpu0 = cpuMs(server.proc.pid!);
  const db0 = dbPid !== undefined ? cpuMs(dbPid) : 0;
  // The shell reports its waited-for children's CPU (cutime and cstime of proc(5)) once wrk has ended.
  const script = 'wrk "$@"; s=$?; cat /proc/$$/stat >&2; exit $s';
  // Each level draws centres of its own: with one seed for all, every run after the first (and the first after the
  // warm-up) sent the cones of the run before to the same server, each then a second sight that the server compiles
  // with its constants and keeps (query-router.ts): a new statement for DuckDB to prepare, and a kept syntax tree
  // that dies old, per cone.
  const seed = SEED + wrkLevels++;
  const args = ["-t1", `-c${CONCURRENCY}`, `-d${seconds}s`, "--timeout", "10s", "-s", CONE_LUA, `${server.url}/sync`, "--", fixed ? "fixed" : "random", String(seed)];
  const child = spawn("sh", ["-c", script, "sh", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) throw new Error(`the server exited (${server.proc.exitCode ?? server.proc.signalCode}) under load:\n${server.output().slice(-3000)}`);
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (code !== 0 || line === undefined) throw new Error(`wrk failed (exit ${code}):\n${out}${err}`);
  const r = JSON.parse(line) as { requests: number; seconds: number; p50: number; p99: number; failed: number; socketErrors: number };
  const stat = err.trim().split("\n").pop()!;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const clientMs = ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  const errors = r.failed + r.socketErrors;
  const n = r.requests + r.socketErrors;
  return {
    rps: (r.requests - r.failed) / r.seconds,
    p50: r.p50 / 1000,
    p99: r.p99 / 1000,
    errors,
    cpu: (cpuMs(server.proc.pid!) - cpu0) / n,
    dbCpu: dbPid !== undefined ? (cpuMs(dbPid) - db0) / n : 0,
    clientCpu: clientMs / n,
    ...(fixed ? {} : { seed }),
  };
}

/** CONCURRENCY workers, each sending its next request as soon as the previous one has been read. */
async function level(server: ChildServer, seconds: number, fixed: boolean, dbPid?: number): Promise<Level> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  if (CLIENT === "wrk") return levelWrk(server, seconds, fixed, dbPid);
  const latencies: number[] = [];
  let errors = 0;
  const client0 = process.cpuUsage();
  const cpu0 = cpuMs(server.proc.pid!);
  const db0 = dbPid !== undefined ? cpuMs(dbPid) : 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          const r = await post(agent, `${server.url}/sync`, { LANG: "ADQL", QUERY: coneQuery(fixed) });
          if (r.status !== 200 || r.body.byteLength === 0 || r.body.includes('value="ERROR"')) errors++;
          else latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  const n = latencies.length + errors;
  const client = process.cpuUsage(client0);
  return {
    rps: latencies.length / elapsed,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors,
    cpu: (cpuMs(server.proc.pid!) - cpu0) / n,
    dbCpu: dbPid !== undefined ? (cpuMs(dbPid) - db0) / n : 0,
    clientCpu: (client.user + client.system) / 1000 / n,
  };
}

/** One download: time to the first body byte and to the last, with node:http (no decoding). */
function download(base: string, format: string): Promise<{ ttfb: number; total: number; bytes: number }> {
  const body = new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: format, MAXREC: "100000", QUERY: "SELECT * FROM demo.stars" }).toString();
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(`${base}/sync`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } }, (res) => {
      let ttfb = -1;
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        if (ttfb < 0) ttfb = performance.now() - t0;
        bytes += chunk.length;
      });
      res.on("end", () => (res.statusCode === 200 ? resolve({ ttfb, total: performance.now() - t0, bytes }) : reject(new Error(`download: ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The demo catalog's stars as a CSV file, from the generator the DuckDB service uses (the same rows). */
async function demoStarsCsv(file: string): Promise<void> {
  const duck = await DuckDbBackend.open(":memory:");
  try {
    await ensureDemo(duck, loadFelis(DEMO_SCHEMA_PATH));
    await duck.run(`COPY demo.stars TO '${file.replaceAll("'", "''")}' (HEADER, DELIMITER ',')`);
  } finally {
    await duck.close();
  }
}

async function startBackend(backend: Backend): Promise<{ server: ChildServer; db?: MariaDbServer }> {
  if (backend === "duckdb") {
    // The default configuration: the demo generated into a database file of the data directory.
    const server = await spawnServer({ ...common, TAP_DATA_DIR: join(dir, "duckdb"), TAP_ASYNC_DIR: join(dir, "duckdb-async") }, serverOptions);
    return { server };
  }
  const db = await startMariaDb();
  try {
    const root = await db.connect();
    await root.query("CREATE DATABASE tap");
    await root.end();
    const csv = join(dir, "stars.csv");
    await demoStarsCsv(csv);
    const env = { ...common, TAP_BACKEND: "mariadb", TAP_MARIADB_URL: `mysql://root@127.0.0.1:${db.port}/tap`, TAP_DATA_DIR: join(dir, "mariadb"), TAP_CONFIG: "" };
    const loaded = spawnSync(process.execPath, [DIST_MAIN, "load", "--schema", DEMO_SCHEMA_PATH, "--table", "demo.stars", csv], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
    if (loaded.status !== 0) throw new Error(`tap-server load failed: ${loaded.stderr}`);
    return { server: await spawnServer(env, serverOptions), db };
  } catch (e) {
    await db.stop();
    throw e;
  }
}

const fmt = (xs: number[], digits = 0) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${quantile(s, 0.5).toFixed(digits)} (${s[0]!.toFixed(digits)}-${s[s.length - 1]!.toFixed(digits)})`;
};

try {
  console.log(
    `sync cone searches, r = 1°, ${CONCURRENCY} connections, BINARY2, demo.stars (100,000 rows), ${SECONDS} s per level, ${RUNS} runs; ` +
      `the compiled server (${DIST_MAIN}); load from ${CLIENT === "wrk" ? "wrk (one thread)" : "node:http in this process"}`,
  );
  console.log(
    "| backend | centres | req/s median (min-max) | p50 ms | p99 ms | errors | server CPU ms/request (+ mariadbd's) | client CPU ms/request | vs DaCHS (14-16/s) | target |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const backend of BACKENDS) {
    const loadBefore = load();
    const { server, db } = await startBackend(backend);
    try {
      // Warm-up: the first queries compile, connect and fill the caches.
      await level(server, 2, false);
      const runs: Record<"random" | "fixed", Level[]> = { random: [], fixed: [] };
      for (let i = 0; i < RUNS; i++) {
        for (const centres of ["random", "fixed"] as const) {
          const r = await level(server, SECONDS, centres === "fixed", db?.pid);
          runs[centres].push(r);
          // Each run on stderr, so that an outlier in the table's ranges can be found again (its seed) and looked into.
          console.error(
            `  ${backend} run ${i + 1} ${centres}${r.seed !== undefined ? ` (seed ${r.seed})` : ""}: ${r.rps.toFixed(0)} req/s, ` +
              `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors, server ${r.cpu.toFixed(2)} ms${db ? ` + mariadbd ${r.dbCpu.toFixed(2)} ms` : ""} per request`,
          );
        }
      }
      for (const centres of ["random", "fixed"] as const) {
        const rs = runs[centres];
        const rps = rs.map((r) => r.rps);
        const median = quantile(rps, 0.5);
        const p99 = quantile(rs.map((r) => r.p99), 0.5);
        const errors = rs.reduce((a, r) => a + r.errors, 0);
        const met = median >= TARGETS[backend] && p99 < 50 && errors === 0;
        console.log(
          `| ${backend} | ${centres} | ${fmt(rps)} | ${fmt(rs.map((r) => r.p50), 1)} | ${fmt(rs.map((r) => r.p99), 1)} | ${errors} | ${fmt(rs.map((r) => r.cpu), 2)}${db ? ` (+ ${fmt(rs.map((r) => r.dbCpu), 2)})` : ""} | ` +
            `${fmt(rs.map((r) => r.clientCpu), 2)} | ` +
            `${(median / DACHS_RPS[1]!).toFixed(1)}-${(median / DACHS_RPS[0]!).toFixed(1)}x | >= ${TARGETS[backend]} req/s, p99 < 50 ms, 0 errors: ${met ? "met" : "not met"} |`,
        );
      }
      console.log(`  (${backend}: load average ${loadBefore} before, ${load()} after; 2 shared cores, the server and the client share them)`);
      if (backend === "duckdb" && !CONES_ONLY) {
        console.log(`  100,000-row download (SELECT * FROM demo.stars, 10 columns), median of ${DOWNLOADS}:`);
        for (const format of DOWNLOAD_FORMATS) {
          await download(server.url, format); // warm-up
          const got = [];
          for (let i = 0; i < DOWNLOADS; i++) got.push(await download(server.url, format));
          const ttfb = quantile(got.map((r) => r.ttfb), 0.5);
          const total = quantile(got.map((r) => r.total), 0.5);
          console.log(
            `    ${format.padEnd(10)}: first byte ${ttfb.toFixed(0)} ms, total ${total.toFixed(0)} ms (${(got[0]!.bytes / 1e6).toFixed(1)} MB, first byte at ${((100 * ttfb) / total).toFixed(0)}%); ` +
              `${((DACHS_DOWNLOAD_S[0]! * 1000) / total).toFixed(1)}-${((DACHS_DOWNLOAD_S[1]! * 1000) / total).toFixed(1)}x faster than DaCHS (1.0-1.5 s, first byte at 73-98%)`,
          );
        }
      }
    } finally {
      await server.stop();
      await db?.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
