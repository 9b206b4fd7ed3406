/**
 * The CLI as a user runs it: the built dist/cli/adql2qserv.js in a child process (npm test builds first).
 * Exit status 0 ok, 2 ADQL error, 1 other error; SQL on stdout, `line:column: CODE message` on stderr.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { CHEVROTAIN_BUNDLE, VERSION } from "../parser/chevrotain.js";
import { PRINT_RESOLVED, resolvedUrls } from "../test-support/resolved-modules.js";

const cli = fileURLToPath(new URL("../../dist/cli/adql2qserv.js", import.meta.url));
const schema = fileURLToPath(new URL("../../schemas/example.yaml", import.meta.url));

function run(args: string[], input?: string, nodeOptions: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeOptions, cli, ...args], { input: input ?? "", encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("adql2qserv CLI", function () {
  this.timeout(20000);
  const file = join(mkdtempSync(join(tmpdir(), "adql2qserv-")), "q.adql");
  writeFileSync(file, "SELECT TOP 1 ra FROM demo.Object");

  const cases: [string, string[], string | undefined, number, RegExp, RegExp][] = [
    // [why, args, stdin, exit status, stdout, stderr]
    ["ADQL from an argument, qserv by default", ["SELECT TOP 5 a FROM t"], undefined, 0, /^SELECT `a` AS `a` FROM `t` LIMIT 5\n$/, /^$/],
    ["ADQL from standard input", ["--dialect", "duckdb"], "SELECT a FROM t", 0, /^SELECT "a" AS "a" FROM "t"\n$/, /^$/],
    ["ADQL from a file, with a schema; a full scan on Qserv is a warning", ["--schema", schema, "-f", file], undefined, 0, /FROM `demo`.`Object` LIMIT 1/, /^warning: Qserv cannot limit this query to some chunks/],
    ["MAXREC adds LIMIT MAXREC+1", ["--maxrec", "100", "--dialect", "mysql", "SELECT a FROM t"], undefined, 0, /LIMIT 101\n$/, /^$/],
    ["a syntax error: exit 2, position and caret", ["SELECT a FROM"], undefined, 2, /^$/, /^1:14: ADQL_SYNTAX_ERROR .*\n {2}SELECT a FROM\n {15}\^/],
    ["an unknown column with a schema: exit 2 and a hint", ["--schema", schema, "SELECT rra FROM demo.Object"], undefined, 2, /^$/, /ADQL_UNKNOWN_COLUMN unknown column rra\n {2}hint: did you mean ra\?/],
    ["not supported on Qserv: exit 2", ["SELECT a FROM t UNION SELECT b FROM u"], undefined, 2, /^$/, /ADQL_UNSUPPORTED not supported on Qserv: UNION/],
    ["--ast prints JSON", ["--ast", "SELECT a FROM t"], undefined, 0, /"kind": "Query"/, /^$/],
    ["--explain prints each pass", ["--explain", "SELECT a FROM t"], undefined, 0, /-- after resolve-names[\s\S]*-- after top-to-limit[\s\S]*-- result/, /^$/],
    ["--explain shows a split: the OFFSET and a CASE computed by the service", ["--schema", schema, "--explain", "SELECT ra, CASE WHEN ra > 180 THEN 'west' ELSE 'east' END AS side FROM demo.Object ORDER BY ra OFFSET 10"], undefined, 0,
      /-- result\n[\s\S]*-- split: the service skips the first 10 rows[\s\S]*-- split: the service computes side = CASE WHEN "residue_in1" > 180 THEN 'west' ELSE 'east' END \(residue_in1 = SQL column 2\)/, /warning/],
    ["without --explain, a split is said on stderr", ["--schema", schema, "SELECT ra FROM demo.Object OFFSET 3"], undefined, 0, /^SELECT(?![\s\S]*OFFSET)/, /split: the service skips the first 3 rows/],
    ["an unknown dialect: exit 1", ["--dialect", "oracle", "SELECT a FROM t"], undefined, 1, /^$/, /unknown dialect oracle/],
    ["a bad --maxrec: exit 1", ["--maxrec=-3", "SELECT a FROM t"], undefined, 1, /^$/, /--maxrec must be a non-negative integer/],
    ["a --maxrec beyond 2^53: exit 1 (it was written as LIMIT 100000000000000000000)", ["--maxrec", "99999999999999999999", "SELECT a FROM t"], undefined, 1, /^$/, /--maxrec must be a non-negative integer up to 9007199254740991, not 99999999999999999999/],
    ["a query both as an argument and with -f: exit 1 (the argument was ignored)", ["-f", file, "SELECT b FROM t"], undefined, 1, /^$/, /give the query as an argument or with -f FILE, not both/],
    ["-f of a file that is not there: one line, exit 1", ["-f", "/nonexistent/q.adql"], undefined, 1, /^$/, /^adql2qserv: cannot read the query: ENOENT[^\n]*\n$/],
    ["--schema of a file that is not there: one line, no stack, exit 1 (was an internal error)", ["--schema", "/nonexistent/s.yaml", "SELECT a FROM t"], undefined, 1, /^$/, /^adql2qserv: cannot load --schema: ENOENT[^\n]*\n$/],
    ["--schema of a file that is not Felis: one line, exit 1", ["--schema", file, "SELECT a FROM t"], undefined, 1, /^$/, /^adql2qserv: cannot load --schema: [^\n]*\n$/],
    ["an unknown option: exit 1", ["--frobnicate"], undefined, 1, /^$/, /Unknown option/],
    ["--help: exit 0", ["--help"], undefined, 0, /usage: adql2qserv/, /^$/],
  ];
  for (const [why, args, stdin, status, stdout, stderr] of cases) {
    it(why, function () {
      const r = run(args, stdin);
      expect(r.stderr).to.match(stderr);
      expect(r.stdout).to.match(stdout);
      expect(r.status).to.equal(status);
    });
  }

  it("compiles where Node refuses code from strings (ast/transform.ts falls back to its generic walkers)", function () {
    const args = ["--schema", schema, "SELECT TOP 2 objectId FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 1, 2, 0.1)) = 1"];
    const plain = run(args);
    const refused = run(args, undefined, ["--disallow-code-generation-from-strings"]);
    expect(refused.stderr).to.equal(plain.stderr);
    expect(refused.status).to.equal(0);
    expect(refused.stdout).to.match(/scisql_s2PtInCircle\(`Object`.`ra`, `Object`.`dec`, 1, 2, 0.1\) = 1/).and.to.equal(plain.stdout);
  });
  /**
   * parser/chevrotain.ts loads Chevrotain's one-file build instead of its entry point and lodash-es's 600 modules. A
   * resolve hook (module.register, in a data: URL) prints every module that the CLI's process resolves: the compiler's
   * own are there, and none of lodash-es or of Chevrotain's lib/src.
   */
  it("starts without Chevrotain's entry point or lodash-es: the modules it resolves", function () {
    const r = run(["SELECT TOP 1 a FROM t"], undefined, [...PRINT_RESOLVED]);
    expect(r.status, r.stderr).to.equal(0);
    const resolved = resolvedUrls(r.stderr);
    expect(resolved.filter((l) => l.includes("/adql-compiler/dist/parser/"))).to.have.length.above(2);
    expect(resolved.filter((l) => /lodash-es|chevrotain\/lib\/src/.test(l))).to.deep.equal([]);
  });

  it("loads the one-file build of the Chevrotain that the package's entry point is: the same version, the same exports", async function () {
    const entry = (await import("chevrotain")) as Record<string, unknown>;
    const bundle = createRequire(import.meta.url)(CHEVROTAIN_BUNDLE) as Record<string, unknown>;
    expect(VERSION).to.equal(entry["VERSION"]).and.to.equal((JSON.parse(readFileSync(join(dirname(CHEVROTAIN_BUNDLE), "..", "package.json"), "utf8")) as { version: string }).version);
    expect(Object.keys(bundle).sort()).to.deep.equal(Object.keys(entry).sort());
  });
});
