/**
 * Full compile (parse → passes → SQL) of realistic queries, per dialect: the median µs per query.
 * Runs the built package (dist/, as the service does), so `tsc -b` must have run: `npm run bench` does.
 * Target (issue 15): a median under 50 µs (issue 4's was 100 µs).
 */
import { fileURLToPath } from "node:url";
import { cpus, loadavg } from "node:os";
import { compile, loadFelis, type Dialect } from "@qserv-tap/adql-compiler";

const catalog = loadFelis(fileURLToPath(new URL("../schemas/example.yaml", import.meta.url)));

/** Queries of the kinds LSST users send: cones, boxes, polygons, joins, aggregates, crossmatches. */
const QUERIES: readonly string[] = [
  "SELECT TOP 100 objectId, ra, dec, g_mag FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 62.0, -37.0, 0.1)) = 1",
  "SELECT objectId, ra, dec FROM demo.Object WHERE DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 150.1, 2.2)) < 5.0/60",
  "SELECT COUNT(*) FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), BOX('ICRS', 10, 10, 1, 1)) = 1",
  "SELECT objectId, g_mag - r_mag AS gr FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), POLYGON('ICRS', 10, 10, 11, 10, 11, 11, 10, 11)) = 1 AND g_mag < 24",
  "SELECT o.objectId, d.mjd, d.flux FROM demo.Object AS o JOIN demo.Detection AS d ON o.objectId = d.objectId WHERE o.objectId = 1234 ORDER BY d.mjd",
  "SELECT band, COUNT(*) AS n, AVG(flux) AS mean_flux FROM demo.Detection WHERE mjd BETWEEN 60000 AND 60100 GROUP BY band ORDER BY band",
  "SELECT TOP 10 objectId, name FROM demo.Object WHERE name LIKE 'NGC%' AND flags = 0 ORDER BY g_mag ASC",
  "SELECT a.objectId, b.objectId FROM demo.Object AS a, demo.Object AS b WHERE DISTANCE(POINT('ICRS', a.ra, a.dec), POINT('ICRS', b.ra, b.dec)) < 0.01 AND a.objectId <> b.objectId",
  "SELECT objectId, POINT('ICRS', ra, dec) AS pos FROM demo.Object WHERE r_mag IS NOT NULL AND ra BETWEEN 0 AND 1",
  "SELECT * FROM demo.Object WHERE objectId IN (1, 2, 3, 5, 8, 13, 21, 34)",
];

const DIALECTS: readonly Dialect[] = ["qserv", "mysql", "duckdb"];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

console.log(`compile benchmark: node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)}`);
console.log(`${QUERIES.length} realistic queries on schemas/example.yaml, compiled from dist/; µs per full compile (parse, passes, SQL)`);
// Warm-up over every dialect first (the shared code is JIT-compiled once, as in a running service);
// it also checks that every query compiles.
const warmUntil = performance.now() + 2000;
while (performance.now() < warmUntil) for (const dialect of DIALECTS) for (const q of QUERIES) compile(q, { catalog, dialect, maxrec: 100000 });
for (const dialect of DIALECTS) {
  const perQuery: number[] = [];
  // CPU time as well as wall time: on a shared machine, wall time also counts other processes' turns.
  const perQueryCpu: number[] = [];
  for (const q of QUERIES) {
    for (let i = 0; i < 300; i++) compile(q, { catalog, dialect, maxrec: 100000 });
    const rounds: number[] = [];
    const cpuRounds: number[] = [];
    for (let r = 0; r < 7; r++) {
      const n = 300;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) compile(q, { catalog, dialect, maxrec: 100000 });
      rounds.push(Number(process.hrtime.bigint() - t0) / n / 1000);
      const c = process.cpuUsage(c0);
      cpuRounds.push((c.user + c.system) / n);
    }
    perQuery.push(median(rounds));
    perQueryCpu.push(median(cpuRounds));
  }
  const sorted = [...perQuery].sort((a, b) => a - b);
  console.log(
    `  ${dialect.padEnd(7)} median ${median(perQuery).toFixed(1).padStart(6)} µs wall, ${median(perQueryCpu).toFixed(1).padStart(6)} µs CPU   ` +
      `min ${sorted[0]!.toFixed(1).padStart(6)}   max ${sorted[sorted.length - 1]!.toFixed(1).padStart(6)}   (target < 50 µs: ${median(perQuery) < 50 ? "met" : "NOT met"})`,
  );
}
