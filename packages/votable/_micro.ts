import { BinaryEncoder, TableDataEncoder, ByteSink, writeTable } from "./src/index.js";
import { FIELDS, makeRow } from "./bench/rows.js";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
const N = 500000;
const rows = Array.from({ length: N }, (_, i) => makeRow(i));
function time(label: string, f: () => number) { const t0 = performance.now(); const bytes = f(); const s = (performance.now() - t0) / 1000; console.log(label, (N / s / 1e6).toFixed(2), "Mrows/s", (bytes / 1e6 / s).toFixed(0), "MB/s"); }
for (let rep = 0; rep < 2; rep++) {
  const enc = new BinaryEncoder(FIELDS, { nullFlags: true });
  time("binary2 encode only", () => { const sink = new ByteSink(1 << 20); let tot = 0; for (const r of rows) { enc.encodeRow(r, sink); if (sink.len > 60000) { tot += sink.len; sink.len = 0; } } return tot * 4 / 3; });
  time("binary2 encode+b64", () => { const sink = new ByteSink(1 << 20); let tot = 0; for (const r of rows) { enc.encodeRow(r, sink); if (sink.len > 48000) { const n = sink.len - sink.len % 3; const s = Buffer.from(sink.buf.buffer, 0, n).toString("base64"); tot += Buffer.from(s + "\n", "latin1").length; sink.buf.copyWithin(0, n, sink.len); sink.len -= n; } } return tot; });
  const td = new TableDataEncoder(FIELDS);
  time("tabledata encode", () => { let tot = 0; let s = ""; for (const r of rows) { s += td.encodeRow(r); if (s.length > 65536) { tot += Buffer.from(s).length; s = ""; } } return tot; });
  time("timestamps", () => { let t = 0; for (const r of rows) t += (r[7] as Date).toISOString().length; return t; });
}
for (const format of ["binary2", "tabledata"] as const) {
  const t0 = performance.now(); let bytes = 0;
  await pipeline(writeTable(FIELDS, rows, { format }), new Writable({ write(c, _e, cb) { bytes += c.length; cb(); } }));
  const s = (performance.now() - t0) / 1000; console.log("stream sync array", format, (bytes / 1e6 / s).toFixed(0), "MB/s");
}
