/**
 * One cold start, run in a fresh process by parse.bench.ts:
 *   node --conditions=qserv-tap-source --import=tsx bench/cold.ts <file URL of src/parse.ts>
 *   node node_modules/.cache/adql-compiler-bench/bench/cold.js <file URL of the compiled parse.js>
 * Prints one line of JSON, in milliseconds: the time from process start to this script, the import
 * of the parser module (its lexer is built at import), the construction of the parser (Chevrotain's
 * self-analysis), the first parse and the second parse.
 */
const QUERY =
  "SELECT TOP 100 o.objectId, o.ra, o.dec, f.psfFlux FROM dp02.Object AS o JOIN dp02.ForcedSource AS f " +
  "ON f.objectId = o.objectId WHERE CONTAINS(POINT('ICRS', o.ra, o.dec), CIRCLE('ICRS', 62.0, -37.0, 0.1)) = 1 " +
  "AND f.psfFlux BETWEEN 1e-3 AND 1e3 ORDER BY o.objectId";
const QUERY2 = "SELECT COUNT(*) AS n, AVG(mag) FROM cat.src WHERE mag < 21.5 GROUP BY band HAVING COUNT(*) > 10";

interface ParseModule {
  parse(adql: string): unknown;
  parserInstance(): unknown;
}

const target = process.argv[2];
if (!target) throw new Error("usage: cold.ts <module URL>");
const t0 = performance.now();
const mod = (await import(target)) as ParseModule;
const t1 = performance.now();
mod.parserInstance();
const t2 = performance.now();
mod.parse(QUERY);
const t3 = performance.now();
mod.parse(QUERY2);
const t4 = performance.now();
console.log(JSON.stringify({ startup: t0, import: t1 - t0, construct: t2 - t1, firstParse: t3 - t2, secondParse: t4 - t3 }));
