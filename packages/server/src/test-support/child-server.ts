/**
 * The service in a child process, as `tap-server serve` runs it (from source, through tsx): for
 * tests and benchmarks that measure the process itself (RSS, a crash and a restart, load).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface ChildServer {
  proc: ChildProcess;
  /** The TAP base URL that the server printed. */
  url: string;
  /** Everything it has written to stdout and stderr so far. */
  output(): string;
  /** Sends the signal and waits for the process to exit; nothing if it has already. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `tap-server serve` on 127.0.0.1 with these environment variables (TAP_CONFIG empty, so
 * that no configuration file is read), and resolves once it prints its URL.
 */
export async function spawnServer(env: Record<string, string>, options: { port?: number; timeoutMs?: number } = {}): Promise<ChildServer> {
  const port = options.port ?? (await freePort());
  const proc = spawn(process.execPath, ["--import", "tsx", "--conditions", "source", MAIN, "serve"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", TAP_CONFIG: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), options.timeoutMs ?? 60_000);
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = / at (http:\/\/\S+\/tap)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${out}`));
    });
  });
  return {
    proc,
    url,
    output: () => out,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, "exit");
      proc.kill(signal);
      await exited;
    },
  };
}
