/**
 * A private MariaDB server for tests (the recipe of shared/notes/environment.md): a fresh data
 * directory under the OS temp dir, a free TCP port on 127.0.0.1, `--no-defaults` so that
 * /etc/mysql is ignored, root without a password. Nothing is shared between servers, so
 * parallel test runs do not collide.
 *
 * Use it from a suite like this, so that the server stops whether the tests pass or fail
 * (mocha runs `after` hooks even when a test or the `before` hook failed):
 *
 *     describe("...", function () {
 *       let db: MariaDbServer | undefined;
 *       before(async function () {
 *         this.timeout(30_000);
 *         db = await startMariaDbOrSkip(this);
 *       });
 *       after(async () => db?.stop());
 *     });
 *
 * If the process dies without running `after` (an uncaught exception, process.exit, Ctrl-C),
 * an 'exit' handler still kills every server this module started and removes its directory.
 * Only SIGKILL of the test process itself can leak a server.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";

export interface MariaDbServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  /**
   * A new mysql2 promise connection as root. `multipleStatements` is on, so that install
   * scripts can be sent in one call; do not pass untrusted text to it.
   */
  connect(options?: { database?: string }): Promise<mysql.Connection>;
  /** Kills the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export class MariaDbUnavailableError extends Error {
  override readonly name = "MariaDbUnavailableError";
  readonly code = "MARIADB_UNAVAILABLE";
}

const MARIADBD_CANDIDATES = ["/usr/sbin/mariadbd", "/usr/bin/mariadbd", "/usr/local/sbin/mariadbd"];

/** The server and installer binaries, or why they cannot be used. */
export function findMariaDb(): { ok: true; mariadbd: string; installDb: string } | { ok: false; reason: string } {
  const mariadbd = MARIADBD_CANDIDATES.find((p) => existsSync(p)) ?? which("mariadbd");
  const installDb = which("mariadb-install-db");
  if (!mariadbd || !installDb) {
    return {
      ok: false,
      reason: "MariaDB is not installed (apt-get install -y --no-install-recommends mariadb-server mariadb-client)",
    };
  }
  return { ok: true, mariadbd, installDb };
}

/** Starts a server, or throws MariaDbUnavailableError if MariaDB is not installed. */
export async function startMariaDb(options: { startupTimeoutMs?: number } = {}): Promise<MariaDbServer> {
  const found = findMariaDb();
  if (!found.ok) throw new MariaDbUnavailableError(found.reason);
  const dataDir = mkdtempSync(join(tmpdir(), "qserv-tap-mariadb-"));
  const user = userInfo().username;
  try {
    const init = spawnSync(
      found.installDb,
      [
        "--no-defaults",
        `--user=${user}`,
        `--datadir=${join(dataDir, "data")}`,
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
      ],
      { encoding: "utf8" },
    );
    if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr || init.stdout}`);
    // The port is free when we look, but another process may take it before mariadbd binds
    // it; then mariadbd exits and we try another.
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      try {
        return await launch(found.mariadbd, dataDir, user, port, options.startupTimeoutMs ?? 20_000);
      } catch (err) {
        lastError = err;
        if (!(err instanceof PortTakenError)) break;
      }
    }
    throw lastError;
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Starts a server for a mocha `before` hook. Without MariaDB the suite is skipped, except under
 * CI (`process.env.CI` set), where a missing database is a failure rather than a silent pass.
 */
export async function startMariaDbOrSkip(ctx: { skip(): void }, found = findMariaDb()): Promise<MariaDbServer> {
  if (!found.ok) {
    if (process.env.CI) throw new MariaDbUnavailableError(`${found.reason}; CI is set, so this is a failure`);
    console.warn(`    skipped: ${found.reason}`);
    ctx.skip();
  }
  return startMariaDb();
}

class PortTakenError extends Error {}

const running = new Set<MariaDbServer>();
let exitHookInstalled = false;

async function launch(
  mariadbd: string,
  dataDir: string,
  user: string,
  port: number,
  timeoutMs: number,
): Promise<MariaDbServer> {
  const errorLog = join(dataDir, `error-${port}.log`);
  const child = spawn(
    mariadbd,
    [
      "--no-defaults",
      `--user=${user}`,
      `--datadir=${join(dataDir, "data")}`,
      `--socket=${join(dataDir, "mysqld.sock")}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--pid-file=${join(dataDir, "mariadbd.pid")}`,
      `--log-error=${errorLog}`,
      "--skip-name-resolve",
      // Small and quick: tests hold little data.
      "--innodb-buffer-pool-size=32M",
    ],
    { stdio: "ignore" },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.once("error", () => undefined);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${mariadbd}`);
  const server = makeServer(child, pid, port, dataDir);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exitCode = await Promise.race([exited, sleep(50).then(() => "running" as const)]);
    if (exitCode !== "running") {
      const log = readTail(errorLog);
      running.delete(server);
      if (/bind on tcp\/ip port|address already in use/i.test(log)) throw new PortTakenError(log);
      throw new Error(`mariadbd exited with code ${exitCode}:\n${log}`);
    }
    if (await canConnect(port)) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`mariadbd did not accept connections within ${timeoutMs} ms:\n${readTail(errorLog)}`);
    }
  }
}

function makeServer(child: ChildProcess, pid: number, port: number, dataDir: string): MariaDbServer {
  let stopped: Promise<void> | undefined;
  const server: MariaDbServer = {
    host: "127.0.0.1",
    port,
    pid,
    dataDir,
    connect: (options = {}) =>
      mysql.createConnection({
        host: "127.0.0.1",
        port,
        user: "root",
        multipleStatements: true,
        ...(options.database ? { database: options.database } : {}),
      }),
    stop() {
      stopped ??= (async () => {
        running.delete(server);
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
          // The data is thrown away, so there is nothing for a clean shutdown to save, and it costs ~2 s.
          killQuietly(pid);
          await gone;
        }
        rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
  running.add(server);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const s of running) {
        killQuietly(s.pid);
        rmSync(s.dataDir, { recursive: true, force: true });
      }
    });
  }
  return server;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", connectTimeout: 1000 });
    await conn.end();
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function which(cmd: string): string | undefined {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}

function readTail(path: string): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no error log)";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
