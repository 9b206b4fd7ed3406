/**
 * Commands as a user types them (npm, npx, git), for the tests of what a newcomer does: the packed tarballs installed
 * from the registry (packaging.test.ts) and the README's quick start in a fresh clone (quick-start.test.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { until } from "../../../votable/src/test-support/until.js";

/**
 * The environment of a user's shell: ours without npm's per-run variables (set when mocha runs under `npm test`,
 * they would point a nested npm at this repository's workspace) and without TAP_* settings, plus `extra`.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k.startsWith("TAP_") || k === "INIT_CWD") continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end (killed after timeoutMs); never rejects for a non-zero status. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string },
): Promise<Ran> {
  const started = Date.now();
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnv(), stdio: ["pipe", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  proc.stdin!.end(options.input ?? "");
  const timer = setTimeout(() => killGroup(proc, "SIGKILL"), options.timeoutMs ?? 300_000);
  const [status] = (await once(proc, "close")) as [number | null];
  clearTimeout(timer);
  return { status, stdout, stderr, ms: Date.now() - started };
}

/** run(), and an Error with the command's output when its status is not 0. */
export async function runOk(command: string, args: string[], options: Parameters<typeof run>[2]): Promise<Ran> {
  const r = await run(command, args, options);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} (in ${options.cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  // npx and npm start are a chain of processes (npm, sh, node): the group reaches the server at its end.
  try {
    process.kill(-proc.pid!, signal);
  } catch {
    // already gone
  }
}

export interface Started {
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Sends SIGTERM to the process group and waits until every process of the group is gone (DuckDB's lock with it). */
  stop(): Promise<void>;
}

/**
 * Starts a long-running command (a server) in its own process group and resolves once its output matches `ready`
 * (rejects if it exits first or after timeoutMs).
 */
export async function start(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<Started> {
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  const exited = once(proc, "exit");
  const groupAlive = () => {
    try {
      process.kill(-proc.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = async () => {
    killGroup(proc, "SIGTERM");
    if (proc.exitCode === null && proc.signalCode === null) await exited;
    await until(`${command} ${args.join(" ")}: its process group gone`, () => !groupAlive());
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(proc, "SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not print ${options.ready} within ${options.timeoutMs ?? 120_000} ms:\n${out}`));
    }, options.timeoutMs ?? 120_000);
    const check = (d: Buffer) => {
      out += d.toString();
      if (options.ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on("data", check);
    proc.stderr!.on("data", check);
    proc.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(" ")} exited (${code ?? signal}):\n${out}`));
    });
  });
  return { output: () => out, stop };
}

/** An ADQL query through TAP sync (TAP 1.1 §2.7.1: POST with LANG, QUERY), answered as CSV. */
export async function tapCsv(tapUrl: string, query: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`${tapUrl}/sync`, {
    method: "POST",
    body: new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: "csv", QUERY: query }),
  });
  return { status: r.status, body: await r.text() };
}
