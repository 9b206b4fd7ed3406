/**
 * Reads the 1,000,000-row benchmark table (bench/rows.ts) back, from a Readable of 64 KiB chunks as a socket or a
 * file would give, for BINARY2 and TABLEDATA, and prints MB/s of input and rows/s.
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

for (const format of (process.argv[2] ? [process.argv[2]] : ["binary2", "tabledata"]) as ("binary2" | "tabledata")[]) {
  const doc = await streamToBuffer(writeTable(FIELDS, rows(N), { format }));
  const t0 = performance.now();
  const reader = await readVOTable(chunks(doc));
  let n = 0;
  for await (const _row of reader) n++;
  const s = (performance.now() - t0) / 1000;
  if (n !== N) throw new Error(`read ${n} rows, wrote ${N}`);
  console.log(
    `read  ${format.padEnd(9)} ${(doc.length / 1e6).toFixed(1).padStart(7)} MB in ${s.toFixed(2)} s: ` +
      `${(doc.length / 1e6 / s).toFixed(1).padStart(6)} MB/s, ${Math.round(N / s).toLocaleString("en-US").padStart(9)} rows/s`,
  );
}
