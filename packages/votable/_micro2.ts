import { formatFloat, formatDouble, formatTimestamp } from "./src/format.js";
import { escapeText } from "./src/xml.js";
import { makeRow } from "./bench/rows.js";
const N = 300000;
const rows = Array.from({ length: N }, (_, i) => makeRow(i));
function time(label: string, f: () => number) { const t0 = performance.now(); const x = f(); const s = (performance.now() - t0) / 1000; console.log(label.padEnd(20), (s / N * 1e9).toFixed(0), "ns/row", x > 0 ? "" : "-"); }
for (let rep = 0; rep < 2; rep++) {
time("formatFloat x3", () => { let t = 0; for (const r of rows) for (let k = 3; k < 6; k++) if (r[k] !== null) t += formatFloat(r[k] as number).length; return t; });
time("formatDouble x2", () => { let t = 0; for (const r of rows) t += formatDouble(r[1] as number).length + formatDouble(r[2] as number).length; return t; });
time("formatTimestamp", () => { let t = 0; for (const r of rows) t += formatTimestamp(r[7] as Date)!.length; return t; });
time("escape x2", () => { let t = 0; for (const r of rows) t += escapeText(r[8] as string).length + escapeText(r[9] as string).length; return t; });
time("bigint toString", () => { let t = 0; for (const r of rows) t += (r[0] as bigint).toString().length; return t; });
time("concat", () => { let t = 0; let s = ""; for (const r of rows) { s += "<TR><TD>" + r[8] + "</TD><TD>" + r[9] + "</TD><TD>" + r[6] + "</TD></TR>"; if (s.length > 65536) { t += Buffer.from(s).length; s = ""; } } return t; });
}
