/**
 * Reads the 1,000,000-row benchmark table (bench/rows.ts) back, from a Readable of 64 KiB chunks as a socket or a
 * file would give, for BINARY2 and TABLEDATA, and prints MB/s of input and rows/s (best of BENCH_RUNS, default 3).
 */
import { Readable } from "node:stream";
import { readVOTable, streamToBuffer, writeTable } from "../src/index.js";
import { FIELDS, makeRow } from "./rows.js";

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);

function* rows(n: number): Generator<unknown[]> {
  for (let i = 0; i < n; i++) yield makeRow(i) as unknown[];
}

function chunks(buf: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < buf.length; i += 65536) yield buf.subarray(i, i + 65536);
    })(),
  );
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

for (const format of (process.argv[2] ? [process.argv[2]] : ["binary2", "tabledata"]) as ("binary2" | "tabledata")[]) {
  const doc = await streamToBuffer(writeTable(FIELDS, rows(N), { format }));
  // TABLEDATA reading is slow (saxes sees every character): once is enough to tell.
  const runs = format === "tabledata" ? 1 : RUNS;
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    const reader = await readVOTable(chunks(doc));
    let n = 0;
    for await (const _row of reader) n++;
    times.push((performance.now() - t0) / 1000);
    if (n !== N) throw new Error(`read ${n} rows, wrote ${N}`);
  }
  times.sort((a, b) => a - b);
  const s = times[0]!;
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `read  ${format.padEnd(9)} ${(doc.length / 1e6).toFixed(1).padStart(7)} MB in ${s.toFixed(2)} s: ` +
      `${(doc.length / 1e6 / s).toFixed(1).padStart(6)} MB/s, ${Math.round(N / s).toLocaleString("en-US").padStart(9)} rows/s` +
      (runs > 1 ? ` (median ${(doc.length / 1e6 / median).toFixed(1)} MB/s)` : ""),
  );
}
