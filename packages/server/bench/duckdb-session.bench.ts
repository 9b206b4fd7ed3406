/**
 * The DuckDB backend's cost per session and query, in process (no HTTP, no ADQL): 2,000 cone-shaped queries on a
 * 100,000-row table in declination order (about 8 rows each), each in its own session, one at a time; wall and
 * process CPU (DuckDB's threads included) per session + query. For comparing two versions of backends/duckdb.ts
 * (alternate their runs: the machine is shared).
 *
 *   node --conditions=source --import=tsx bench/duckdb-session.bench.ts [path of a duckdb.ts] [threads]
 *
 * L_SQL=... replaces the cone (e.g. "SELECT 1", the floor of the round trips).
 */
import { fileURLToPath } from "node:url";
import type { DuckDbBackend } from "../src/backends/duckdb.js";
const which = process.argv[2] ?? fileURLToPath(new URL("../src/backends/duckdb.ts", import.meta.url));
const mod = (await import(which)) as { DuckDbBackend: typeof DuckDbBackend };
const b = await mod.DuckDbBackend.open(":memory:", process.argv[3] ? { threads: Number(process.argv[3]) } : {});
await b.run("CREATE TABLE stars AS SELECT i AS star_id, random()*360 AS ra, degrees(asin(2*random()-1)) AS dec, random() AS g_mag, random() AS r_mag FROM range(100000) t(i) ORDER BY dec");
const sql = (ra: number, dec: number) => `SELECT star_id, ra, dec, g_mag, r_mag FROM stars WHERE dec BETWEEN (${dec - 1}) AND (${dec + 1}) AND 2*asin(sqrt(sin(radians(dec-(${dec}))/2)^2 + cos(radians(dec))*cos(radians(${dec}))*sin(radians(ra-(${ra}))/2)^2)) <= radians(1) LIMIT 100001`;
async function one(i: number): Promise<number> {
  const s = await b.session();
  try { const c = await s.query(process.env.L_SQL ?? sql((i * 37) % 360, ((i * 13) % 170) - 85)); let n = 0; for await (const x of c) n += x.rowCount; return n; } finally { await s.release(); }
}
for (let i = 0; i < 200; i++) await one(i);
const N = 2000; const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < N; i++) await one(i);
const t = performance.now() - t0; const c = process.cpuUsage(c0);
console.log(which, process.argv[3] ?? "default threads", `${(t / N * 1000).toFixed(0)} µs wall, ${((c.user + c.system) / N).toFixed(0)} µs CPU per session+query`);
await b.close();
