/**
 * Old build against new, alternating in one process, in CPU µs per compile (median over the realistic
 * queries of compile.bench.ts, per dialect). On a shared machine, two runs in two processes differ by more
 * than most changes; alternating rounds in one process see the same load.
 *
 *   node --import=tsx bench/alternate.bench.ts <old dist dir> [new dist dir, default ./dist] [rounds]
 *
 * The old dir must resolve chevrotain (put it under the repository's node_modules/.cache/, for instance).
 */
import { resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import { QUERIES, DIALECTS } from "./queries.js";
import type * as Compiler from "../src/index.js";

type Mod = typeof Compiler;
const oldDir = resolve(process.argv[2] ?? "");
const newDir = resolve(process.argv[3] ?? fileURLToPath(new URL("../dist", import.meta.url)));
const rounds = Number(process.argv[4] ?? 5);
const builds: [string, Mod][] = [
  ["old", (await import(pathToFileURL(resolve(oldDir, "index.js")).href)) as Mod],
  ["new", (await import(pathToFileURL(resolve(newDir, "index.js")).href)) as Mod],
];
const schema = fileURLToPath(new URL("../schemas/example.yaml", import.meta.url));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function cpuOf(m: Mod, q: string, opts: unknown, n: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) m.compile(q, opts as Parameters<Mod["compile"]>[1]);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

const catalogs = builds.map(([, m]) => m.loadFelis(schema));
// Same SQL from both builds, before timing.
for (const d of DIALECTS)
  for (const q of QUERIES) {
    const a = builds[0]![1].compile(q, { catalog: catalogs[0]!, dialect: d, maxrec: 100000 } as never).sql;
    const b = builds[1]![1].compile(q, { catalog: catalogs[1]!, dialect: d, maxrec: 100000 } as never).sql;
    if (a !== b) console.log(`DIFFERENT SQL (${d}): ${q}\n  old ${a}\n  new ${b}`);
  }
const warm = performance.now() + 3000;
while (performance.now() < warm)
  for (const d of DIALECTS) for (const q of QUERIES) builds.forEach(([, m], i) => cpuOf(m, q, { catalog: catalogs[i], dialect: d, maxrec: 100000 }, 5));
// Per dialect and query: the old and the new build timed back to back (a few ms each, so both see the
// same load), alternating which goes first; the best of the rounds for each, then the median over queries.
const best: Record<string, number[][]> = {};
const ratios: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++)
  for (const d of DIALECTS)
    QUERIES.forEach((q, qi) => {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      const t: number[] = [];
      for (const i of order) t[i] = cpuOf(builds[i]![1], q, { catalog: catalogs[i], dialect: d, maxrec: 100000 }, 100);
      for (const i of [0, 1]) ((best[`${d} ${i}`] ??= [])[qi] ??= []).push(t[i]!);
      (ratios[d] ??= []).push(t[1]! / t[0]!);
    });
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; CPU µs per compile: median over queries of each query's best of ${rounds} rounds`);
for (const d of DIALECTS) {
  const o = median(best[`${d} 0`]!.map((xs) => Math.min(...xs)));
  const n = median(best[`${d} 1`]!.map((xs) => Math.min(...xs)));
  console.log(`${d.padEnd(7)} old ${o.toFixed(1)}  new ${n.toFixed(1)}  (${((n / o - 1) * 100).toFixed(1)}%; median of the ${ratios[d]!.length} back-to-back new/old ratios ${median(ratios[d]!).toFixed(3)})`);
}
