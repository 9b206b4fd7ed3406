/**
 * Writes 1,000,000 rows of the 10-column table (bench/rows.ts) to a null sink in each format, from an async
 * generator, and prints MB/s, rows/s and memory. Run with `npm run bench -w packages/votable`.
 */
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { OutputFormat } from "../src/index.js";
import { writeTable } from "../src/index.js";
import { FIELDS, asyncRows } from "./rows.js";

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
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

async function run(format: OutputFormat): Promise<void> {
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
  const t0 = performance.now();
  await pipeline(writeTable(FIELDS, asyncRows(N), { format, query: "SELECT * FROM bench" }), sink);
  const s = (performance.now() - t0) / 1000;
  clearInterval(timer);
  console.log(
    `write ${format.padEnd(9)} ${mb(bytes).padStart(7)} MB in ${s.toFixed(2)} s: ` +
      `${(bytes / 1e6 / s).toFixed(1).padStart(6)} MB/s, ${Math.round(N / s).toLocaleString("en-US").padStart(9)} rows/s, ` +
      `RSS growth ${mb(rssPeak - rssBefore)} MB`,
  );
}

console.log(`node ${process.version}, ${N.toLocaleString("en-US")} rows x ${FIELDS.length} columns, rows from an async generator`);
console.log(`source alone: ${Math.round(await sourceOnly()).toLocaleString("en-US")} rows/s`);
const only = process.argv[2] as OutputFormat | undefined;
for (const f of only ? [only] : formats) await run(f);
console.log(`peak RSS of the process: ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
