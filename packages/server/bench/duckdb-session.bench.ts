/**
 * The DuckDB backend's cost per session and query, in process (no HTTP, no ADQL parsing in the loop): the cone search
 * SQL that the server sends (1° CONTAINS on demo.stars compiled for DuckDB with the demo's schema, MAXREC 100,000),
 * on the demo catalog in a database file (100,000 stars in declination order, 8,192-row row groups, as the server
 * has it), each query in its own session, CONCURRENCY at once; wall and process CPU (DuckDB's threads included) per
 * session + query. Centres vary (500 drawn on the sphere, seeded) or are fixed (FIXED=1: the same SQL each time,
 * which a connection's kept prepared statement serves). PARAMETERS=1 compiles the cones with placeholders for their
 * constants (one SQL text, the values bound at each run), as the server does for a query it sees the first time. Besides
 * wall and CPU time, the JavaScript thread's busy time per query (event-loop utilisation), the part that the server's
 * other work competes for. For comparing two versions of backends/duckdb.ts (alternate their runs: the machine is shared).
 *
 *   node --conditions=qserv-tap-source --import=tsx bench/duckdb-session.bench.ts [path of a duckdb.ts] [queries, 2000] [concurrency, 8]
 *
 * DEMO_DB=path keeps the generated demo database there (generated when missing: about 15 s), rather than in a
 * temporary directory removed at the end. THREADS=n sets DuckDB's threads. L_SQL=... replaces the cone (e.g.
 * "SELECT 1", the floor of the round trips).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "@qserv-tap/adql-compiler";
import type { DuckDbBackend } from "../src/backends/duckdb.js";
import { lookupOf } from "../src/catalog.js";
import { loadFelis } from "../src/compiler-extras.js";
import { DEMO_SCHEMA_PATH, Random, ensureDemo } from "../src/demo.js";

const which = process.argv[2] || fileURLToPath(new URL("../src/backends/duckdb.ts", import.meta.url));
const N = Number(process.argv[3] ?? 2000);
const CONCURRENCY = Number(process.argv[4] ?? 8);
const mod = (await import(which)) as { DuckDbBackend: typeof DuckDbBackend };
const catalog = loadFelis(DEMO_SCHEMA_PATH);
const tmp = process.env.DEMO_DB ? undefined : mkdtempSync(join(tmpdir(), "tap-duckdb-session-"));
const path = process.env.DEMO_DB ?? join(tmp!, "tap.duckdb");
if (!existsSync(path)) {
  const setup = await mod.DuckDbBackend.open(path);
  await ensureDemo(setup, catalog);
  await setup.close();
}
const b = await mod.DuckDbBackend.open(path, process.env.THREADS ? { threads: Number(process.env.THREADS) } : {});
await b.lockDown();

const tables = lookupOf(catalog, "data");
const random = new Random(20261124);
const fixed = process.env.FIXED === "1";
const parameters = process.env.PARAMETERS === "1";
const queries = Array.from({ length: fixed ? 1 : 500 }, (): { sql: string; parameters?: readonly number[] } => {
  const ra = fixed ? 210.5 : random.next() * 360;
  const dec = fixed ? -30.25 : (Math.asin(2 * random.next() - 1) * 180) / Math.PI;
  const adql =
    "SELECT star_id, ra, dec, g_mag, r_mag FROM demo.stars " +
    `WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${ra.toFixed(6)}, ${dec.toFixed(6)}, 1))`;
  if (process.env.L_SQL) return { sql: process.env.L_SQL };
  const compiled = compile(adql, { catalog: { tables }, dialect: "duckdb", maxrec: 100_000, parameters });
  return { sql: compiled.sql, ...(compiled.parameters ? { parameters: compiled.parameters } : {}) };
});

let rows = 0;
async function one(i: number): Promise<void> {
  const s = await b.session();
  try {
    const q = queries[i % queries.length]!;
    for await (const batch of await s.query(q.sql, undefined, q.parameters)) rows += batch.rowCount;
  } finally {
    await s.release();
  }
}
async function run(n: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await one(next++);
  }));
}

await run(300);
rows = 0;
const c0 = process.cpuUsage();
const e0 = performance.eventLoopUtilization();
const t0 = performance.now();
await run(N);
const t = performance.now() - t0;
const c = process.cpuUsage(c0);
const e = performance.eventLoopUtilization(e0);
console.log(
  `${which} (${fixed ? "fixed" : "varying"} centres${parameters ? " as parameters" : ""}, ${CONCURRENCY} at once, ${process.env.THREADS ?? "default"} threads): ` +
    `${((t / N) * 1000).toFixed(0)} µs wall, ${((c.user + c.system) / N).toFixed(0)} µs CPU (JavaScript thread busy ${((e.active / N) * 1000).toFixed(0)} µs) per session+query, ` +
    `${(rows / N).toFixed(1)} rows each; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`,
);
await b.close();
if (tmp) rmSync(tmp, { recursive: true, force: true });
