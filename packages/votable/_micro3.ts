import { TableDataEncoder, ByteSink } from "./src/index.js";
import { FIELDS, makeRow } from "./bench/rows.js";
const N = 300000;
const rows = Array.from({ length: N }, (_, i) => makeRow(i));
const td = new TableDataEncoder(FIELDS);
for (let rep = 0; rep < 5; rep++) {
  const t0 = performance.now(); const sink = new ByteSink(1 << 17); let tot = 0;
  for (const r of rows) { td.encodeRowTo(r, sink); if (sink.len > 65536) { tot += sink.len; sink.len = 0; } }
  const s = (performance.now() - t0) / 1000; console.log("td encodeRowTo", (tot / 1e6 / s).toFixed(0), "MB/s", (s / N * 1e9).toFixed(0), "ns/row");
}
