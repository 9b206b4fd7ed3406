/**
 * The service in a child process, as `tap-server serve` runs it (from source, through tsx; or from the
 * compiled build, as `npm start` does): for tests and benchmarks that measure the process itself (RSS, a
 * crash and a restart, load, CPU per request).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Connection } from "mysql2/promise";
import "./data-dir.js";
import { demoImagesCacheDir } from "./demo-cache.js";
import { SERVICE_START_LIMIT_MS, whileStarting } from "./start-limit.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
/** The compiled build's entry point (`npx tsc -b` at the repository's root writes it). */
export const DIST_MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

let imagesDirs: { dir: string; registryPath: string } | undefined;

/**
 * Where the services of one test process keep demo images: the clone's cache of them (demo-cache.ts), so that they
 * are drawn once per clone (later services register the files already there) and never in the repository's data/;
 * the registry file (for a service on another backend than DuckDB) in a temporary directory of the process.
 */
export function testImagesDirs(): { dir: string; registryPath: string } {
  if (!imagesDirs) {
    const root = mkdtempSync(join(tmpdir(), "tap-images-"));
    imagesDirs = { dir: demoImagesCacheDir(), registryPath: join(root, "images.duckdb") };
    process.once("exit", () => rmSync(root, { recursive: true, force: true }));
  }
  return imagesDirs;
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
export async function spawnServer(
  env: Record<string, string>,
  options: {
    port?: number;
    timeoutMs?: number;
    /** Node's own flags, such as --cpu-prof (which NODE_OPTIONS refuses). */
    nodeArgs?: string[];
    /**
     * Run the compiled build (packages/server/dist/main.js, as `npm start` does) rather than the sources through
     * tsx, whose transpiled code is slower (esbuild's keepNames): for benchmarks. The build must exist and be current.
     */
    dist?: boolean;
  } = {},
): Promise<ChildServer> {
  if (options.dist && !existsSync(DIST_MAIN)) throw new Error(`${DIST_MAIN} is missing: build first (npx tsc -b at the repository's root)`);
  const port = options.port ?? (await freePort());
  const entry = options.dist ? [DIST_MAIN, "serve"] : ["--import", "tsx", "--conditions", "qserv-tap-source", MAIN, "serve"];
  const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      TAP_CONFIG: "",
      TAP_IMAGES_DIR: testImagesDirs().dir,
      // A DuckDB file is locked by the process that opens it: each child has its own registry.
      TAP_IMAGES_REGISTRY_PATH: `${testImagesDirs().registryPath}.${port}`,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  // The wait for the URL does not use up the caller's mocha timeout: a busy machine takes tens of seconds to start a
  // child (tsx compiling the sources, the demo generated); only SERVICE_START_LIMIT_MS (or timeoutMs) calls it hung.
  const url = await whileStarting(() => new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind the caller, who has no handle on it.
      proc.kill("SIGKILL");
      reject(new Error(`server did not start:\n${out}`));
    }, options.timeoutMs ?? SERVICE_START_LIMIT_MS);
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
  }));
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

/**
 * A MariaDB whose process a test controls (the faults tests): one data directory, started and
 * killed on a fixed port as often as the test wants, so that the service sees the same database
 * disappear and come back. Root has no password. stop() kills it and removes the directory.
 */
export interface ControlledMariaDb {
  readonly port: number;
  /** The running mariadbd's pid, or undefined while it is down. */
  pid(): number | undefined;
  /** Starts mariadbd and resolves once it accepts connections. */
  start(): Promise<void>;
  /** SIGKILL (a crash) and waits for the process to be gone. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT; resolves once the kernel reports the new state. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** A root connection (mysql2/promise, multipleStatements). */
  connect(): Promise<Connection>;
  stop(): Promise<void>;
}

export async function controlledMariaDb(port?: number): Promise<ControlledMariaDb> {
  const { findMariaDb } = await import("../../../adql-compiler/src/test-support/mariadb.js");
  const mysql = (await import("mysql2/promise")).default;
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir, userInfo } = await import("node:os");
  const { join } = await import("node:path");
  const found = findMariaDb();
  if (!found.ok) throw new Error(found.reason);
  const dir = mkdtempSync(join(tmpdir(), "tap-faults-mariadb-"));
  const user = userInfo().username;
  const init = spawnSync(found.installDb, ["--no-defaults", `--user=${user}`, `--datadir=${join(dir, "data")}`, "--auth-root-authentication-method=normal", "--skip-test-db"], {
    encoding: "utf8",
  });
  if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr || init.stdout}`);
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const connect = (timeoutMs = 1000) =>
    mysql.createConnection({ host: "127.0.0.1", port: p, user: "root", multipleStatements: true, connectTimeout: timeoutMs });
  const state = (pid: number) => {
    try {
      return /\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1];
    } catch {
      return undefined;
    }
  };
  const waitState = async (pid: number, want: (s: string | undefined) => boolean) => {
    for (let i = 0; i < 500 && !want(state(pid)); i++) await new Promise((r) => setTimeout(r, 10));
    if (!want(state(pid))) throw new Error(`mariadbd ${pid} did not change state (${state(pid)})`);
  };
  const db: ControlledMariaDb = {
    port: p,
    pid: () => child?.pid,
    async start() {
      const proc = spawn(
        found.mariadbd,
        [
          "--no-defaults",
          `--user=${user}`,
          `--datadir=${join(dir, "data")}`,
          `--socket=${join(dir, "mysqld.sock")}`,
          `--port=${p}`,
          "--bind-address=127.0.0.1",
          `--pid-file=${join(dir, "mariadbd.pid")}`,
          `--log-error=${join(dir, "error.log")}`,
          "--skip-name-resolve",
          "--innodb-buffer-pool-size=32M",
        ],
        { stdio: "ignore" },
      );
      child = proc;
      let exited = false;
      proc.once("exit", () => (exited = true));
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (exited) throw new Error(`mariadbd exited:\n${readFileSync(join(dir, "error.log"), "utf8").slice(-2000)}`);
        try {
          await (await connect()).end();
          return;
        } catch {
          if (Date.now() > deadline) throw new Error("mariadbd did not accept connections within 30 s");
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    async kill() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = once(proc, "exit");
      proc.kill("SIGKILL");
      await gone;
    },
    async pause() {
      const pid = child!.pid!;
      process.kill(pid, "SIGSTOP");
      await waitState(pid, (s) => s === "T");
    },
    async resume() {
      const pid = child!.pid!;
      process.kill(pid, "SIGCONT");
      await waitState(pid, (s) => s !== "T");
    },
    connect: () => connect(5000),
    async stop() {
      if (child?.pid) {
        try {
          process.kill(child.pid, "SIGCONT");
        } catch {
          // gone
        }
      }
      await db.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return db;
}
