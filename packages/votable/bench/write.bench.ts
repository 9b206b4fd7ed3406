/**
 * Writes 1,000,000 rows of the 10-column table (bench/rows.ts) to a null sink in each format, from an async
 * generator (and BINARY2 also from an object-mode Readable), and prints MB/s, rows/s and memory; then the same
 * table as column batches of 2048 rows (typed arrays for the numbers, as DuckDB's chunks give them), built before
 * the clock starts, so that the figure is the writer's alone. Beside the clock, the process's CPU time (user +
 * system): on a shared machine it varies less than the clock, and compares two versions better.
 * Run with `npm run bench -w packages/votable`; BENCH_ROWS and BENCH_RUNS change the row count and the runs;
 * `write.bench.ts [format] [rows|batches]` runs one format from one kind of source. `write.bench.ts [format] columns`
 * writes the batches' columns one at a time (each a one-field table, so its row markup is counted in), in CPU ns per
 * row: where a format's time goes, by column kind.
 */
import { cpus, loadavg } from "node:os";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ColumnBatch, Field, OutputFormat, Row } from "../src/index.js";
import { writeTable } from "../src/index.js";
import { FIELDS, asyncRows, makeBatch, makeRow } from "./rows.js";

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const formats: OutputFormat[] = ["binary2", "binary", "tabledata", "csv", "tsv"];

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

async function sourceOnly(): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const _row of asyncRows(N)) n++;
  return n / ((performance.now() - t0) / 1000);
}

/** An object-mode Readable that pushes rows as a database driver's stream does (mysql2 pushes each parsed row). */
function readableRows(n: number): Readable {
  let i = 0;
  return new Readable({
    objectMode: true,
    highWaterMark: 256,
    read() {
      for (let k = 0; k < 64 && i < n; k++) if (!this.push(makeRow(i++) as Row)) return;
      if (i >= n) this.push(null);
    },
  });
}

interface Measure {
  bytes: number;
  seconds: number;
  /** CPU time of the process (user + system, all its threads): less disturbed by a busy machine than the clock. */
  cpuSeconds: number;
  rssGrowth: number;
}

type SourceKind = "async generator" | "Readable" | "batches";

let prebuilt: ColumnBatch[] | undefined;
async function* batches(): AsyncGenerator<ColumnBatch> {
  prebuilt ??= Array.from({ length: Math.ceil(N / 2048) }, (_, k) => makeBatch(k * 2048, Math.min(2048, N - k * 2048)));
  yield* prebuilt;
}

async function once(format: OutputFormat, source: SourceKind): Promise<Measure> {
  if (source === "batches") await batches().next(); // built before the clock starts
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const timer = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 10);
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      cb();
    },
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const rows = source === "Readable" ? readableRows(N) : source === "batches" ? batches() : asyncRows(N);
  await pipeline(writeTable(FIELDS, rows, { format, query: "SELECT * FROM bench" }), sink);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  return { bytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssGrowth: rssPeak - rssBefore };
}

/**
 * The machine is shared, so each figure is the best of RUNS runs (the fastest is the least disturbed), with the
 * median beside it; RSS growth is the largest seen.
 */
async function run(format: OutputFormat, source: SourceKind = "async generator"): Promise<void> {
  const runs: Measure[] = [];
  for (let k = 0; k < RUNS; k++) runs.push(await once(format, source));
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const best = sorted[0]!;
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const rss = Math.max(...runs.map((r) => r.rssGrowth));
  const cpu = runs.map((r) => r.cpuSeconds).sort((a, b) => a - b);
  const cpuBest = cpu[0]!;
  const cpuMedian = cpu[Math.floor(cpu.length / 2)]!;
  console.log(
    `write ${format.padEnd(9)} ${mb(best.bytes).padStart(7)} MB in ${best.seconds.toFixed(2)} s: ` +
      `${(best.bytes / 1e6 / best.seconds).toFixed(1).padStart(6)} MB/s, ${Math.round(N / best.seconds).toLocaleString("en-US").padStart(9)} rows/s ` +
      `(median ${(median.bytes / 1e6 / median.seconds).toFixed(1)} MB/s), ` +
      `CPU ${cpuBest.toFixed(2)} s (median ${cpuMedian.toFixed(2)}): ${(best.bytes / 1e6 / cpuBest).toFixed(1)} MB per CPU second, ` +
      `RSS growth ${mb(rss)} MB` +
      (source === "Readable" ? " [rows from an object-mode Readable]" : source === "batches" ? " [column batches]" : ""),
  );
}

/** Each column of the batches alone, in CPU ns per row (best of RUNS), beside the whole table's. */
async function columns(which: OutputFormat[]): Promise<void> {
  await batches().next();
  const all = prebuilt!;
  const cpuPerRow = async (fields: Field[], items: ColumnBatch[], format: OutputFormat): Promise<number> => {
    let best = Infinity;
    for (let k = 0; k < RUNS; k++) {
      const cpu0 = process.cpuUsage();
      await pipeline(writeTable(fields, items, { format, query: "SELECT * FROM bench" }), new Writable({ write: (_c, _e, cb) => cb() }));
      const cpu = process.cpuUsage(cpu0);
      best = Math.min(best, ((cpu.user + cpu.system) * 1000) / N);
    }
    return best;
  };
  const rows: string[][] = [["column", "datatype", ...which]];
  for (let c = 0; c < FIELDS.length; c++) {
    const f = FIELDS[c]!;
    const one = all.map((b) => ({ rowCount: b.rowCount, columns: [b.columns[c]!] }));
    const cells = [f.name, f.xtype ?? f.datatype];
    for (const format of which) cells.push((await cpuPerRow([f], one, format)).toFixed(0));
    rows.push(cells);
  }
  const whole = ["(all)", ""];
  for (const format of which) whole.push((await cpuPerRow(FIELDS, all, format)).toFixed(0));
  rows.push(whole);
  console.log(`CPU ns per row, one column at a time (each with its own row markup), ${N.toLocaleString("en-US")} rows as batches:`);
  for (const r of rows) console.log(r.map((v, i) => (i < 2 ? v.padEnd(14) : v.padStart(10))).join(""));
}

console.log(
  `node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)} (other processes count), ` +
    `${N.toLocaleString("en-US")} rows x ${FIELDS.length} columns, rows from an async generator`,
);
console.log(`source alone: ${Math.round(await sourceOnly()).toLocaleString("en-US")} rows/s`);
const only = process.argv[2] as OutputFormat | undefined;
const kind = process.argv[3];
if (kind === "columns") {
  await columns(only ? [only] : ["binary2", "tabledata", "csv"]);
  process.exit(0);
}
if (kind !== "batches") for (const f of only ? [only] : formats) await run(f);
if (!only) await run("binary2", "Readable");
if (kind !== "rows") for (const f of only ? [only] : formats) await run(f, "batches");
console.log(`peak RSS of the process: ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
