/**
 * Loaded by .mocharc.quick.cjs (npm run test:quick): the quick run starts no process, so that it stays a
 * few seconds long. Every way of starting one (MariaDB, a child server, python, stilts...) records the
 * command and fails the test that started it: the file then needs a slow kind in
 * test-kinds.json. Recorded rather than only thrown, because a test that probes for a tool in a try/catch
 * would otherwise skip silently.
 */
import { createRequire, syncBuiltinESMExports } from "node:module";

const childProcess = createRequire(import.meta.url)("node:child_process") as Record<string, unknown>;
/** What was started, and from which test file (read from the stack: a before-all hook has no current test). */
const started: { file: string; command: string }[] = [];

/**
 * A build step whose output is cached across runs, so that it runs once per clone: the generation of Qserv's
 * grammar (adql-compiler sql/test-support/qserv-grammar.ts, into node_modules/.cache).
 */
const CACHED_BUILD = /[\\/]antlr-ng[\\/]/;
/** mocha's own workers, with --parallel. */
const MOCHA_WORKERS = /[\\/]node_modules[\\/]workerpool[\\/]/;

for (const name of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) {
  const original = childProcess[name] as (...args: unknown[]) => unknown;
  childProcess[name] = (command: unknown, args?: unknown, ...rest: unknown[]) => {
    const line = [command, ...(Array.isArray(args) ? args : [])].map(String).join(" ");
    if (CACHED_BUILD.test(line) || MOCHA_WORKERS.test(new Error().stack ?? "")) return original(command, args, ...rest);
    const file = /\/(packages\/[^\s:()]+\.test\.ts)/.exec(new Error().stack ?? "")?.[1] ?? "a test file";
    started.push({ file, command: line.slice(0, 200) });
    throw new Error(`npm run test:quick starts no process (${line}): give ${file} a slow kind in test-kinds.json`);
  };
}
// ES modules import the built-ins' named exports as bindings that follow only after this call.
syncBuiltinESMExports();

function check(): void {
  if (started.length === 0) return;
  const found = started.splice(0);
  const files = [...new Set(found.map((s) => s.file))].join(", ");
  throw new Error(`${files} started ${found.length} process(es) in npm run test:quick (${found.map((s) => s.command).join("; ")}): give it a slow kind in test-kinds.json (processes, tools)`);
}

export const mochaHooks = { afterEach: check, afterAll: check };
