/**
 * ADQL parser benchmark: `npm run bench -w packages/adql-compiler` (see bench/README.md).
 *
 * 1. Cold start, in fresh processes: import, parser construction, first parse (median of 5).
 * 2. The lyonetia corpus's valid queries, warm: per-query median time, then the median, mean and
 *    95th percentile over queries, and the throughput of whole passes over the corpus.
 * 3. Worst cases modelled on sqlglot's parser benchmarks: a huge IN list, many JOINs, many UNIONs, a
 *    long AND chain, and a few more.
 *
 * Each is measured twice: the TypeScript source as tests and `npm run bench` load it (tsx), and a
 * plain-JavaScript build of the same source (what tsc emits and the service runs); see compiled.ts.
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import * as sourceParse from "../src/parse.js";
import * as sourceFunctions from "../src/parser/functions.js";
import { corpusAvailable, loadCorpus, type CorpusQuery } from "../src/parser/test-support/lyonetia.js";
import { buildCompiled, CACHE_DIR, PACKAGE_DIR } from "./compiled.js";

type ParseModule = typeof sourceParse;
type FunctionsModule = typeof sourceFunctions;
interface Variant {
  readonly name: string;
  readonly parse: ParseModule;
  readonly functions: FunctionsModule;
  readonly coldCommand: readonly string[];
}

const COLD_RUNS = 5;
const WARMUP_MS = 1_500;
const ROUNDS = 30;
const BATCH = 5;
const TARGET_US = 30;

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");
const row = (label: string, cells: readonly string[], width = 44): string =>
  `  ${label.padEnd(width)}${cells.map((c) => c.padStart(15)).join("")}`;

function now(): bigint {
  return process.hrtime.bigint();
}

// ---------------------------------------------------------------------------------------------
// 1. Cold start

interface Cold { startup: number; import: number; construct: number; firstParse: number; secondParse: number }

function coldStart(variant: Variant): Cold | string {
  const runs: Cold[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const [cmd, ...args] = variant.coldCommand;
    const r = spawnSync(cmd!, args, { cwd: PACKAGE_DIR, encoding: "utf8" });
    if (r.status !== 0) return `failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`;
    runs.push(JSON.parse(r.stdout.trim().split("\n").pop()!) as Cold);
  }
  const m = (k: keyof Cold): number => median(runs.map((r) => r[k]));
  return { startup: m("startup"), import: m("import"), construct: m("construct"), firstParse: m("firstParse"), secondParse: m("secondParse") };
}

// ---------------------------------------------------------------------------------------------
// 2. The corpus, warm

interface CorpusResult {
  readonly parsed: number;
  readonly refused: string[];
  readonly perQuery: number[];
  readonly passMs: number;
}

function corpusRun(variant: Variant, corpus: readonly CorpusQuery[]): CorpusResult {
  const { FunctionRegistry, SCISQL_FUNCTIONS } = variant.functions;
  const { parse } = variant.parse;
  // Per-query registries, as in conformance.test.ts: the corpus declares the UDFs each query may call.
  const all = corpus.map((q) => ({
    q,
    functions: new FunctionRegistry(SCISQL_FUNCTIONS).with(FunctionRegistry.fromForms(q.functionForms).definitions()),
  }));
  const refused: string[] = [];
  const ok = all.filter(({ q, functions }) => {
    try {
      parse(q.adql, { functions });
      return true;
    } catch {
      refused.push(q.key);
      return false;
    }
  });
  const t0 = performance.now();
  while (performance.now() - t0 < WARMUP_MS) for (const { q, functions } of ok) parse(q.adql, { functions });
  const samples: number[][] = ok.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    ok.forEach(({ q, functions }, i) => {
      const start = now();
      for (let b = 0; b < BATCH; b++) parse(q.adql, { functions });
      samples[i]!.push(Number(now() - start) / 1000 / BATCH);
    });
  }
  const perQuery = samples.map(median);
  // One pass over the corpus at each query's median time: robust to a spike in any one round.
  return { parsed: ok.length, refused, perQuery, passMs: perQuery.reduce((a, b) => a + b, 0) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// 3. Worst cases

const list = (n: number, item: (i: number) => string, sep: string): string => Array.from({ length: n }, (_, i) => item(i)).join(sep);

const WORST_CASES: ReadonlyArray<readonly [string, string]> = [
  ["IN list of 20,000 numbers", `SELECT a FROM t WHERE a IN (${list(20_000, (i) => String(i * 7), ", ")})`],
  ["200 JOINs", `SELECT t0.a FROM t0${list(200, (i) => ` JOIN t${i + 1} ON t${i + 1}.id = t${i}.id`, "")}`],
  ["500 UNIONs", list(501, (i) => `SELECT a, b FROM t${i} WHERE c > ${i}`, " UNION ")],
  ["900 ANDs (parse refuses chains deeper than 1,000)", `SELECT a FROM t WHERE ${list(900, (i) => `c${i} = ${i}`, " AND ")}`],
  ["1,000 select columns", `SELECT ${list(1_000, (i) => `t.c${i} AS x${i}`, ", ")} FROM t`],
  ["CASE with 500 WHENs", `SELECT CASE ${list(500, (i) => `WHEN a = ${i} THEN 'v${i}'`, " ")} ELSE NULL END FROM t`],
  ["50 CTEs", `WITH ${list(50, (i) => `c${i} AS (SELECT a FROM t${i} WHERE b = ${i})`, ", ")} SELECT * FROM c0`],
  ["subqueries 40 deep", `SELECT a FROM t WHERE a IN ${list(40, () => "(SELECT a FROM t WHERE a IN ", "")}(1)${")".repeat(40)}`],
  ["arithmetic in 99 nested parentheses", `SELECT ${"(1 + ".repeat(99)}1${")".repeat(99)} FROM t`],
];

function worstCase(variant: Variant, adql: string): { ms: number; outcome: string } {
  let outcome = "parsed";
  const once = (): number => {
    const start = now();
    try {
      variant.parse.parse(adql);
    } catch (e) {
      outcome = (e as { code?: string }).code ?? String(e);
    }
    return Number(now() - start) / 1e6;
  };
  once();
  once();
  return { ms: median(Array.from({ length: 7 }, once)), outcome };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const load0 = loadavg();
  const cpu = cpus();
  console.log("ADQL parser benchmark (@qserv-tap/adql-compiler)");
  console.log(`node ${process.version}, ${process.platform} ${process.arch}, ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? "?"})`);
  console.log(`load average at start: ${load0.map((l) => l.toFixed(2)).join(" ")}${load0[0]! > cpu.length / 2 ? "  (busy machine: expect noise)" : ""}`);

  const variants: Variant[] = [{
    name: "source (tsx)",
    parse: sourceParse,
    functions: sourceFunctions,
    coldCommand: [process.execPath, "--conditions=qserv-tap-source", "--import=tsx", "bench/cold.ts", pathToFileURL(join(PACKAGE_DIR, "src/parse.ts")).href],
  }];
  try {
    const [parseUrl, functionsUrl] = buildCompiled([
      join(PACKAGE_DIR, "src/parse.ts"), join(PACKAGE_DIR, "src/parser/functions.ts"), join(PACKAGE_DIR, "bench/cold.ts"),
    ]);
    variants.push({
      name: "compiled (js)",
      parse: (await import(parseUrl!)) as ParseModule,
      functions: (await import(functionsUrl!)) as FunctionsModule,
      coldCommand: [process.execPath, join(CACHE_DIR, "bench/cold.js"), parseUrl!],
    });
  } catch (e) {
    console.log(`compiled build unavailable (${String(e).split("\n")[0]}): source figures only`);
  }
  const header = row("", variants.map((v) => v.name));

  // 1. Cold start
  console.log("");
  console.log(`cold start: a fresh node process each time, median of ${COLD_RUNS} (ms)`);
  console.log(header);
  const colds = variants.map(coldStart);
  const coldRow = (label: string, f: (c: Cold) => string): void =>
    console.log(row(label, colds.map((c) => (typeof c === "string" ? "failed" : f(c)))));
  coldRow("process start to benchmark script", (c) => fmt(c.startup));
  coldRow("import of the parser module (lexer built)", (c) => fmt(c.import));
  coldRow("parser construction (self-analysis)", (c) => fmt(c.construct));
  coldRow("first parse", (c) => fmt(c.firstParse, 2));
  coldRow("construction + first parse", (c) => fmt(c.construct + c.firstParse));
  coldRow("second parse", (c) => fmt(c.secondParse, 2));
  colds.forEach((c, i) => typeof c === "string" && console.log(`  ${variants[i]!.name}: ${c}`));

  // 2. Corpus
  console.log("");
  const results: Array<CorpusResult | null> = [];
  if (!corpusAvailable()) {
    console.log("corpus: ../shared/conformance/lyonetia is missing; corpus figures skipped");
  } else {
    const valid = loadCorpus().filter((q) => q.valid);
    const chars = median(valid.map((q) => q.adql.length));
    for (const v of variants) results.push(corpusRun(v, valid));
    const r0 = results[0]!;
    console.log(`corpus: lyonetia, ${valid.length} valid queries (median ${chars} characters); ${r0.parsed} parse, ` +
      `${r0.refused.length} refused (the listed deviations: ${r0.refused.join(", ") || "none"})`);
    if (variants.length > 1) {
      // The compiled build must be the same parser: same trees for every valid query.
      const differ = valid.filter((q) => {
        const trees = variants.map((v) => {
          try {
            return JSON.stringify(v.parse.parse(q.adql, { functions: new v.functions.FunctionRegistry(v.functions.SCISQL_FUNCTIONS).with(v.functions.FunctionRegistry.fromForms(q.functionForms).definitions()) }));
          } catch (e) {
            return String((e as { code?: string }).code);
          }
        });
        return trees.some((t) => t !== trees[0]);
      });
      console.log(`compiled build: ${differ.length === 0 ? "same trees as the source for every valid query" : `DIFFERS from the source on ${differ.length} queries`}`);
    }
    console.log(`warm corpus parse: ${fmt(WARMUP_MS / 1000)} s warm-up, then ${ROUNDS} rounds of ${BATCH} parses per query (µs per query)`);
    console.log(header);
    const stat = (label: string, f: (r: CorpusResult) => number, digits = 1): void =>
      console.log(row(label, results.map((r) => (r ? fmt(f(r), digits) : "n/a"))));
    stat("median (of each query's median)", (r) => median(r.perQuery));
    stat("mean", (r) => mean(r.perQuery));
    stat("p95", (r) => percentile(r.perQuery, 95));
    stat("max", (r) => Math.max(...r.perQuery));
    stat("queries per second (one core, corpus mix)", (r) => r.parsed / (r.passMs / 1000), 0);
    stat("one pass over the corpus (ms)", (r) => r.passMs, 2);
  }

  // 3. Worst cases
  console.log("");
  console.log("worst cases (ms, median of 7 after 2 warm-up runs)");
  console.log(row("", variants.map((v) => v.name), 56));
  for (const [label, adql] of WORST_CASES) {
    const rs = variants.map((v) => worstCase(v, adql));
    const note = rs[0]!.outcome === "parsed" ? "" : `  (${rs[0]!.outcome})`;
    console.log(row(`${label} (${(adql.length / 1024).toFixed(0)} KiB)`, rs.map((r) => fmt(r.ms, 2)), 56) + note);
  }

  // Verdict
  console.log("");
  results.forEach((r, i) => {
    if (!r) return;
    const m = median(r.perQuery);
    console.log(`target: median < ${TARGET_US} µs per corpus query: ${variants[i]!.name} ${fmt(m)} µs, ${m < TARGET_US ? "met" : "NOT met"}`);
  });
  const load1 = loadavg();
  console.log(`load average at end: ${load1.map((l) => l.toFixed(2)).join(" ")}`);
}

await main();
