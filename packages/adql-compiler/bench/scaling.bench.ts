/**
 * How the parser's time grows with the size of an adversarial input (src/parser/test-support/adversarial.ts):
 * for each generator, n is raised until one parse takes some 10 ms of CPU, then t(n), t(2n) and t(8n) are
 * measured alternately, best of 3, in CPU time. Linear parsing gives ratios near 2 and 8, an n log n step
 * about 2.2 and 10, a quadratic one 4 and 64. A tree that outgrows V8's young generation between n and 8n
 * adds its promotion once, which can double the larger run: read a high ratio at one scale with the
 * other's. The test (fuzz.test.ts) keeps only a generous bound per input, which does not depend on the
 * machine's load; this is the measurement.
 *
 *   node --conditions=qserv-tap-source --import=tsx bench/scaling.bench.ts
 */
import { loadavg } from "node:os";
import { ADVERSARIAL, alternately, parseTime } from "../src/parser/test-support/adversarial.js";
import { parse } from "../src/index.js";

const GENERATORS: Array<[string, number]> = [
  ["IN list", 2_000], ["+ chain", 2_000], ["AND chain", 700], ["UNION chain", 500], ["JOIN chain", 500],
  ["joins in 50 nested parentheses", 800], ["plain string literal", 2_000_000], ["unknown function name", 20_000],
  ["run of (", 100_000], ["syntax error after a long condition", 700],
];

parse("SELECT a FROM t"); // the parser's construction is not what is measured
console.log(`parser scaling, CPU ms, best of 3 alternating runs; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log("generator".padEnd(38) + "n".padStart(9) + "t(n)".padStart(9) + "t(2n)/t(n)".padStart(12) + "t(8n)/t(n)".padStart(12));
for (const [name, n0] of GENERATORS) {
  const gen = ADVERSARIAL[name]!;
  let n = n0;
  // The first parses of a generator run cold (V8 compiles the rules they reach): not what is measured.
  while (Math.min(parseTime(gen(n)), parseTime(gen(n))) < 8 && n < n0 * 16) n *= 2;
  const [t1, t2] = alternately(gen(n), gen(2 * n), 3);
  const [t1b, t8] = alternately(gen(n), gen(8 * n), 3);
  const tn = Math.min(t1, t1b);
  console.log(name.padEnd(38) + String(n).padStart(9) + tn.toFixed(1).padStart(9) + (t2 / tn).toFixed(2).padStart(12) + (t8 / tn).toFixed(2).padStart(12));
}
