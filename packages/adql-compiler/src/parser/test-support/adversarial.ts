/**
 * Adversarial parser inputs by size (deep nesting, huge lists, long chains, long literals, runs of
 * quotes, blanks), and CPU timing of a parse: shared by the parser's robustness test (fuzz.test.ts,
 * each input within a generous bound) and its scaling benchmark (bench/scaling.bench.ts, how the time
 * grows with the size, which is a measurement and so not a test).
 */
import { AdqlError, parse } from "../../index.js";

/** CPU milliseconds of this process (all its threads) since `from`. */
export function cpuMsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

/**
 * CPU milliseconds to parse `input` once; an AdqlError is a normal outcome, anything else is rethrown.
 * CPU time, not wall time: a neighbour on a busy machine takes the core away, which stretches the wall
 * clock of one run and not another, but leaves the work done by this process as it was.
 */
export function parseTime(input: string): number {
  const c0 = process.cpuUsage();
  try {
    parse(input);
  } catch (e) {
    if (!(e instanceof AdqlError)) throw e;
  }
  return cpuMsSince(c0);
}

/** The best times of `a` and `b` over `rounds` alternating runs. */
export function alternately(a: string, b: string, rounds: number): [number, number] {
  let ta = Infinity;
  let tb = Infinity;
  for (let i = 0; i < rounds; i++) {
    ta = Math.min(ta, parseTime(a));
    tb = Math.min(tb, parseTime(b));
  }
  return [ta, tb];
}

/** What `parse` does with an input: "parsed", or the AdqlError code. */
export function outcome(input: string): string {
  try {
    parse(input);
    return "parsed";
  } catch (e) {
    if (e instanceof AdqlError) return e.code;
    throw e;
  }
}

const list = (n: number, item: (i: number) => string, sep: string): string => Array.from({ length: n }, (_, i) => item(i)).join(sep);

/** Adversarial inputs, by size parameter n. */
export const ADVERSARIAL: Record<string, (n: number) => string> = {
  "nested parentheses": (n) => `SELECT ${"(".repeat(n)}1${")".repeat(n)} FROM t`,
  "IN list": (n) => `SELECT a FROM t WHERE a IN (${list(n, (i) => String(i), ", ")})`,
  "+ chain": (n) => `SELECT ${list(n, () => "1", " + ")} FROM t`,
  "AND chain": (n) => `SELECT a FROM t WHERE ${list(n, (i) => `a = ${i}`, " AND ")}`,
  "UNION chain": (n) => list(n, (i) => `SELECT a${i} FROM t`, " UNION "),
  "JOIN chain": (n) => `SELECT a FROM t0${list(n, (i) => ` JOIN t${i + 1} ON a = b`, "")}`,
  "joins in 50 nested parentheses": (n) => `SELECT a FROM ${"(".repeat(50)}t0${list(n, (i) => ` JOIN t${i + 1} USING (a)`, "")}${")".repeat(50)}`,
  "CASE with many WHENs": (n) => `SELECT CASE ${"WHEN a = 1 THEN 2 ".repeat(n)}END FROM t`,
  "string literal": (n) => `SELECT '${"x''y".repeat(n)}' FROM t`,
  "plain string literal": (n) => `SELECT '${"x".repeat(n)}' FROM t`,
  "regular identifier": (n) => `SELECT ${"x".repeat(n)} FROM t`,
  "delimited identifier": (n) => `SELECT "${'x""'.repeat(n)}" FROM t`,
  "unknown function name": (n) => `SELECT ${"f".repeat(n)}(1) FROM t`,
  "run of (": (n) => "(".repeat(n),
  "unterminated string with quotes": (n) => `SELECT '${"''".repeat(n)} FROM t`,
  "unterminated delimited identifier": (n) => `SELECT "${'a""'.repeat(n)} FROM t`,
  "alternating quotes": (n) => `'"`.repeat(n),
  "whitespace": (n) => `SELECT a${" \t\n".repeat(n)}FROM t`,
  "comments": (n) => `SELECT a${"-- comment\n".repeat(n)}FROM t`,
  "syntax error after a long condition": (n) => `SELECT a FROM t WHERE ${list(n, (i) => `a = ${i}`, " AND ")} )`,
};
