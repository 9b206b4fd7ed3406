/**
 * Which Parquet writer: measured on 1,000,000 rows of demo.stars (the 100,000 demo stars ten times; 10 columns:
 * BIGINT, DOUBLE×3, VARCHAR, REAL×2, INTEGER, BOOLEAN, TIMESTAMP, with NULLs).
 *
 * 1. In this process, the same rows, streamed from DuckDB as JavaScript values (as a MariaDB or Qserv cursor gives
 *    them), through each candidate:
 *    - js: the votable package's VOParquet writer (hyparquet-writer, row groups of 65,536 rows), to a file;
 *    - duckdb-appender: appended to a DuckDB temporary table, then COPY … TO (FORMAT parquet): what a
 *      MariaDB/Qserv result would need, since DuckDB writes Parquet only from its own tables or queries;
 *    - duckdb-copy: COPY (query) TO: DuckDB's own result, with no JavaScript in between (DuckDB backend only);
 *    and the cost of the source alone, which all three share except duckdb-copy.
 *    Each is given its wall time, the CPU time of this process and its peak RSS over the baseline.
 * 2. End to end, against `tap-server serve` in a child process: the 1,000,000-row download as BINARY2 and as
 *    Parquet, with the time to the first byte and the size.
 *
 *   node --conditions=qserv-tap-source --import=tsx bench/parquet.bench.ts
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { DuckDBInstance } from "@duckdb/node-api";
import { writeTable, type Field } from "@qserv-tap/votable";
import { spawnServer } from "../src/test-support/child-server.js";

const dir = mkdtempSync(join(tmpdir(), "tap-parquet-bench-"));
const ROWS = 1_000_000;
const QUERY_1M = "SELECT TOP 1000000 s.* FROM demo.stars AS s, demo.stars AS k WHERE k.star_id <= 10";

async function download(base: string, format: string, query: string, file: string): Promise<{ s: number; ttfb: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(`${base}/sync`, { method: "POST", body: new URLSearchParams({ LANG: "ADQL", QUERY: query, RESPONSEFORMAT: format, MAXREC: "2000000" }) });
  if (res.status !== 200) throw new Error(`${format}: ${res.status} ${await res.text()}`);
  let ttfb = 0;
  const out = createWriteStream(file);
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (ttfb === 0) ttfb = performance.now() - t0;
    if (!out.write(value)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(r));
  return { s: (performance.now() - t0) / 1000, ttfb: ttfb / 1000, bytes: statSync(file).size };
}

// --- 2 first: the server gives the demo stars, which part 1 reads back into its own DuckDB.
const server = await spawnServer({ TAP_DUCKDB_PATH: ":memory:", TAP_ASYNC_DIR: join(dir, "async") });
const starsFile = join(dir, "stars.parquet");
await download(server.url, "parquet", "SELECT * FROM demo.stars", starsFile);
const e2e: Record<string, { s: number; ttfb: number; bytes: number }[]> = { "votable/b2": [], parquet: [] };
for (let k = 0; k < 3; k++) {
  for (const f of ["votable/b2", "parquet"]) e2e[f]!.push(await download(server.url, f, QUERY_1M, join(dir, `e2e.${f.replace("/", "")}`)));
}
await server.stop();

// --- 1: the writers alone.
const db = await DuckDBInstance.create(":memory:");
const conn = await db.connect();
await conn.run(
  `CREATE TABLE stars AS SELECT star_id, ra, dec, designation, g_mag, r_mag, parallax, flags, is_variable, CAST(first_seen AS TIMESTAMP) AS first_seen FROM read_parquet('${starsFile}')`,
);
const SRC = "SELECT s.* FROM stars AS s, range(10) AS k ORDER BY k.range, s.star_id";
const FIELDS: Field[] = [
  { name: "star_id", datatype: "long" },
  { name: "ra", datatype: "double" },
  { name: "dec", datatype: "double" },
  { name: "designation", datatype: "char", arraysize: "*" },
  { name: "g_mag", datatype: "float" },
  { name: "r_mag", datatype: "float" },
  { name: "parallax", datatype: "double" },
  { name: "flags", datatype: "int" },
  { name: "is_variable", datatype: "boolean" },
  { name: "first_seen", datatype: "char", arraysize: "*", xtype: "timestamp" },
];

async function* source(): AsyncGenerator<unknown[]> {
  const result = await conn.stream(SRC);
  for await (const rows of result.yieldRowsJs()) {
    for (const r of rows) {
      // As results.ts gives a timestamp to the writer: a Date.
      const t = r[9];
      if (t !== null && !(t instanceof Date)) throw new Error(`first_seen is ${typeof t}`);
      yield r;
    }
  }
}

interface Run {
  s: number;
  cpu: number;
  rssMB: number;
  bytes?: number;
}

async function measure(what: () => Promise<number | undefined>): Promise<Run> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const bytes = await what();
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { s, cpu: (c.user + c.system) / 1e6, rssMB: (peak - base) / 2 ** 20, ...(bytes !== undefined ? { bytes } : {}) };
}

const candidates: Record<string, () => Promise<number | undefined>> = {
  "source only": async () => {
    let n = 0;
    for await (const r of source()) n += r.length > 0 ? 1 : 0;
    if (n !== ROWS) throw new Error(`${n} rows`);
    return undefined;
  },
  js: async () => {
    const file = join(dir, "js.parquet");
    await pipeline(writeTable(FIELDS, source(), { format: "parquet" }), createWriteStream(file));
    return statSync(file).size;
  },
  "duckdb-appender": async () => {
    const file = join(dir, "appender.parquet");
    await conn.run(
      "CREATE OR REPLACE TEMP TABLE rows_in (star_id BIGINT, ra DOUBLE, dec DOUBLE, designation VARCHAR, g_mag REAL, r_mag REAL, parallax DOUBLE, flags INTEGER, is_variable BOOLEAN, first_seen VARCHAR)",
    );
    const a = await conn.createAppender("rows_in", null, "temp");
    const src = source();
    const cell = <T>(v: unknown, append: (x: T) => void): void => (v === null ? a.appendNull() : append(v as T));
    for await (const r of src) {
      cell<bigint>(r[0], (x) => a.appendBigInt(x));
      for (const j of [1, 2]) cell<number>(r[j], (x) => a.appendDouble(x));
      cell<string>(r[3], (x) => a.appendVarchar(x));
      for (const j of [4, 5]) cell<number>(r[j], (x) => a.appendFloat(x));
      cell<number>(r[6], (x) => a.appendDouble(x));
      cell<number>(r[7], (x) => a.appendInteger(x));
      cell<boolean>(r[8], (x) => a.appendBoolean(x));
      cell<Date>(r[9], (x) => a.appendVarchar(x.toISOString().slice(0, -1)));
      a.endRow();
    }
    a.closeSync();
    await conn.run(`COPY rows_in TO '${file}' (FORMAT parquet)`);
    await conn.run("DROP TABLE rows_in");
    return statSync(file).size;
  },
  "duckdb-copy": async () => {
    const file = join(dir, "copy.parquet");
    await conn.run(`COPY (${SRC}) TO '${file}' (FORMAT parquet)`);
    return statSync(file).size;
  },
};

const results: Record<string, Run[]> = {};
for (let k = 0; k < 3; k++) {
  for (const [name, run] of Object.entries(candidates)) (results[name] ??= []).push(await measure(run));
}
conn.closeSync();
db.closeSync();
rmSync(dir, { recursive: true, force: true });

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[], d = 2) => `${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)}`;
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; ${ROWS} rows, 3 runs each (median, range)`);
console.log("writer            wall s            CPU s             peak RSS +MB   file MB");
for (const [name, runs] of Object.entries(results)) {
  const b = runs[0]!.bytes;
  console.log(
    `${name.padEnd(17)} ${med(runs.map((r) => r.s)).toFixed(2)} (${range(runs.map((r) => r.s))})`.padEnd(36) +
      `${med(runs.map((r) => r.cpu)).toFixed(2)} (${range(runs.map((r) => r.cpu))})`.padEnd(18) +
      `${med(runs.map((r) => r.rssMB)).toFixed(0)}`.padEnd(15) +
      (b !== undefined ? (b / 2 ** 20).toFixed(1) : "-"),
  );
}
console.log("end to end (tap-server serve, child process), 1,000,000 rows:");
for (const [f, runs] of Object.entries(e2e)) {
  console.log(
    `  ${f.padEnd(11)} ${med(runs.map((r) => r.s)).toFixed(2)} s (${range(runs.map((r) => r.s))}), first byte ${med(runs.map((r) => r.ttfb)).toFixed(2)} s, ${(runs[0]!.bytes / 2 ** 20).toFixed(1)} MB`,
  );
}
