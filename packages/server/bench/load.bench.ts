/**
 * Load (issue 11, "Faults: Load"): 64 concurrent clients, each from its own loopback address
 * (127.0.0.2 ...), mixing cone searches, bad queries and async submissions, for 60 s against
 * the MariaDB backend with 100,000 stars loaded by `tap-server load`. It reports, per kind of
 * request, the answers by status, the socket errors, the 5xx answers other than the documented
 * overload answer (503 with Retry-After), and the server's RSS sampled every 5 s. It exits 1 if
 * there was a socket error or an undocumented 5xx.
 *
 *   node --conditions=qserv-tap-source --import=tsx bench/load.bench.ts [seconds] [clients]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMariaDb } from "../../adql-compiler/src/test-support/mariadb.js";
import { DEMO_SCHEMA_PATH, Random } from "../src/demo.js";
import { spawnServer } from "../src/test-support/child-server.js";

const SECONDS = Number(process.argv[2] ?? 60);
const CLIENTS = Number(process.argv[3] ?? 64);
const STARS = 100_000;
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "tap-load-bench-"));
const db = await startMariaDb();
const root = await db.connect();
await root.query("CREATE DATABASE tap");
await root.end();

// The demo schema's stars, as a CSV for the loader.
const random = new Random(20261205);
const lines = ["star_id,ra,dec,designation,g_mag,r_mag,parallax,flags,is_variable,first_seen"];
for (let i = 1; i <= STARS; i++) {
  const ra = random.next() * 360;
  const dec = (Math.asin(2 * random.next() - 1) * 180) / Math.PI;
  const mag = () => (14 + random.next() * 8).toFixed(3);
  lines.push(`${i},${ra.toFixed(6)},${dec.toFixed(6)},S${i},${mag()},${mag()},${(random.next() * 10).toFixed(4)},${i % 8},${i % 7 === 0},2020-01-01T00:00:00`);
}
writeFileSync(join(dir, "stars.csv"), lines.join("\n") + "\n");
const env = {
  TAP_BACKEND: "mariadb",
  TAP_MARIADB_URL: `mysql://root@127.0.0.1:${db.port}/tap`,
  TAP_ASYNC_DIR: join(dir, "async"),
  TAP_CONFIG: "",
};
const loaded = spawnSync(process.execPath, ["--import", "tsx", "--conditions", "qserv-tap-source", MAIN, "load", "--schema", DEMO_SCHEMA_PATH, "--table", "demo.stars", join(dir, "stars.csv")], {
  env: { ...process.env, ...env },
  encoding: "utf8",
});
if (loaded.status !== 0) throw new Error(`load failed: ${loaded.stderr}`);
const server = await spawnServer(env);
const base = server.url;

type Kind = "cone" | "bad query" | "async job";
const statuses = new Map<Kind, Map<string, number>>();
const socketErrors: string[] = [];
const unexpected: string[] = [];
const count = (kind: Kind, key: string) => {
  const m = statuses.get(kind) ?? new Map<string, number>();
  m.set(key, (m.get(key) ?? 0) + 1);
  statuses.set(kind, m);
};

function send(from: string, method: string, url: string, form?: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress: from, headers: body ? { "content-type": "application/x-www-form-urlencoded" } : {} }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Records an answer; a 5xx other than a 503 with Retry-After is a defect. */
function note(kind: Kind, r: { status: number; headers: Record<string, unknown>; body: string }): void {
  count(kind, String(r.status));
  if (r.status >= 500 && !(r.status === 503 && r.headers["retry-after"] !== undefined)) unexpected.push(`${kind}: ${r.status} ${r.body.slice(0, 300)}`);
}

const BAD = ["SELECT FROM demo.stars", "SELECT nope FROM demo.stars", "SELECT * FROM demo.missing", "SELECT 1 +", "SELECT TOP -1 * FROM demo.stars"];

async function client(index: number, end: number): Promise<void> {
  const from = `127.0.0.${2 + (index % 250)}`;
  const rnd = new Random(1000 + index);
  while (performance.now() < end) {
    const p = rnd.next();
    try {
      if (p < 0.75) {
        const ra = rnd.next() * 360;
        const dec = (Math.asin(2 * rnd.next() - 1) * 180) / Math.PI;
        const query = `SELECT star_id, ra, dec, g_mag FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${ra.toFixed(4)}, ${dec.toFixed(4)}, 0.5))`;
        note("cone", await send(from, "POST", `${base}/sync`, { LANG: "ADQL", QUERY: query }));
      } else if (p < 0.9) {
        note("bad query", await send(from, "POST", `${base}/sync`, { LANG: "ADQL", QUERY: BAD[Math.floor(rnd.next() * BAD.length)]! }));
      } else {
        const created = await send(from, "POST", `${base}/async`, { LANG: "ADQL", PHASE: "RUN", QUERY: "SELECT TOP 100 star_id, ra, dec FROM demo.stars WHERE dec > 80" });
        note("async job", created);
        if (created.status !== 303) continue;
        const job = String(created.headers.location);
        // WAIT returns at each change of phase: wait again until the job has ended.
        let phase = "QUEUED";
        for (let i = 0; i < 10 && ["PENDING", "QUEUED", "EXECUTING"].includes(phase) && performance.now() < end + 30_000; i++) {
          const waited = await send(from, "GET", `${job}?WAIT=30`);
          if (waited.status >= 500) note("async job", waited);
          phase = /<uws:phase>(\w+)</.exec(waited.body)?.[1] ?? "?";
        }
        count("async job", `phase ${phase}`);
        const deleted = await send(from, "DELETE", job);
        if (deleted.status !== 303) note("async job", deleted);
      }
    } catch (e) {
      socketErrors.push(`${from}: ${(e as Error).message}`);
    }
  }
}

function rssMiB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

const samples: [number, number][] = [];
const t0 = performance.now();
const sampler = setInterval(() => samples.push([(performance.now() - t0) / 1000, rssMiB()]), 5000);
samples.push([0, rssMiB()]);
const end = t0 + SECONDS * 1000;
await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i, end)));
clearInterval(sampler);
samples.push([(performance.now() - t0) / 1000, rssMiB()]);
const elapsed = (performance.now() - t0) / 1000;

console.log(`load: ${CLIENTS} clients, ${elapsed.toFixed(1)} s, MariaDB backend, ${STARS} stars; load average at the end ${loadavg()[0]!.toFixed(2)} (2 cores shared with the clients)`);
for (const [kind, m] of statuses) {
  const total = [...m].filter(([k]) => !k.startsWith("phase")).reduce((n, [, v]) => n + v, 0);
  console.log(`  ${kind}: ${total} requests (${(total / elapsed).toFixed(1)}/s): ${[...m].map(([k, v]) => `${k} ×${v}`).join(", ")}`);
}
console.log(`  socket errors: ${socketErrors.length}${socketErrors.length ? ` (${socketErrors.slice(0, 3).join("; ")})` : ""}`);
console.log(`  5xx other than 503 with Retry-After: ${unexpected.length}${unexpected.length ? ` (${unexpected.slice(0, 3).join("; ")})` : ""}`);
console.log(`  server RSS (MiB) by time (s): ${samples.map(([t, r]) => `${t.toFixed(0)}:${r.toFixed(0)}`).join(" ")}`);
const quarter = Math.max(1, Math.floor(samples.length / 4));
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `  RSS median of the first quarter ${med(samples.slice(1, 1 + quarter).map((s) => s[1])).toFixed(0)} MiB, of the last ${med(samples.slice(-quarter).map((s) => s[1])).toFixed(0)} MiB`,
);

await server.stop("SIGTERM");
await db.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(socketErrors.length + unexpected.length > 0 ? 1 : 0);
