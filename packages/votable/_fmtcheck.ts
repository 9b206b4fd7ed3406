import { formatFloat, formatTimestamp } from "./src/format.js";
// exhaustive-ish check vs slow reference
function ref(f: number): string { for (let p = 1; p <= 9; p++) { const t = f.toPrecision(p); if (Math.fround(Number(t)) === f) return String(Number(t)); } return "?"; }
const buf = new Float32Array(1); const u = new Uint32Array(buf.buffer);
let bad = 0, n = 0;
for (let i = 0; i < 3_000_000; i++) {
  u[0] = (Math.random() * 2 ** 32) >>> 0; const f = buf[0]!;
  if (!Number.isFinite(f) || f === 0) continue;
  n++;
  const s = formatFloat(f), r = ref(f);
  if (Math.fround(Number(s)) !== f || s.replace(/^-/, "").replace(/[.e+-]/g, "").replace(/^0+/, "").replace(/0+$/, "").length > r.replace(/^-/, "").replace(/[.e+-]/g, "").replace(/^0+/, "").replace(/0+$/, "").length) { if (bad++ < 10) console.log("BAD", f, s, r); }
}
for (const f of [16777217, 0.1, 1e-45, 3.4028234663852886e38, 1.17549435e-38, 100, 1e21, 1e-7, 123456789, 0.000001]) console.log(f, formatFloat(f));
console.log("checked", n, "bad", bad);
for (const t of [0, -1, 951782400000, -62135596800000, 253402300799999, -62198755200000, 1e15, 1700000000123]) { const d = new Date(t); const iso = d.toISOString(); console.log(formatTimestamp(d), iso); }
let tb = 0; for (let t = -8.64e15; t < 8.64e15; t += 86400000 * 37.3 + 12345) { const d = new Date(Math.round(t)); const iso = d.toISOString().replace("Z", "").replace(".000", ""); if (formatTimestamp(d) !== iso) { if (tb++ < 5) console.log("TS BAD", formatTimestamp(d), iso); } }
console.log("ts bad", tb);
