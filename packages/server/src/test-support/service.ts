/**
 * Test helpers: one demo service (in-memory DuckDB) shared by the test files of a mocha run,
 * listening on 127.0.0.1 on a free port, and the rule for external tools: a missing tool fails
 * the test when CI is set, and skips it otherwise.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findMariaDb, startMariaDb, type MariaDbServer } from "../../../adql-compiler/src/test-support/mariadb.js";
import { configFrom, type Config } from "../config.js";
import { openService, type Service } from "../startup.js";
import { testImagesDirs } from "./child-server.js";
import { whileStarting } from "./start-limit.js";

export interface Running {
  url: string;
  service: Service;
  server: Server;
  close(): Promise<void>;
}

export async function startService(
  overrides: Record<string, unknown> = {},
  options: { backend?: Service["deps"]["backend"]; log?: (m: string) => void } = {},
): Promise<Running> {
  return whileStarting(() => openRunning(overrides, options));
}

async function openRunning(
  overrides: Record<string, unknown>,
  options: { backend?: Service["deps"]["backend"]; log?: (m: string) => void },
): Promise<Running> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  // Async jobs in a fresh directory, unless the test gives one (and then owns it).
  const asyncOverride = overrides.async as { dir?: string } | undefined;
  const ownDir = asyncOverride?.dir === undefined ? mkdtempSync(join(tmpdir(), "tap-async-")) : undefined;
  let config: Config;
  let service: Service;
  try {
    config = configFrom({
      duckdb: { path: ":memory:" },
      port,
      // The access log would fill the test output; logging.test.ts starts its own logger.
      logLevel: "silent",
      ...overrides,
      async: { ...(asyncOverride ?? {}), dir: asyncOverride?.dir ?? ownDir },
      images: { ...testImagesDirs(), ...((overrides.images as object | undefined) ?? {}) },
    });
    service = await openService(config, { log: options.log ?? (() => {}), ...(options.backend ? { backend: options.backend } : {}) });
  } catch (e) {
    // A service that cannot open must not leave its port listening: mocha would never exit.
    await new Promise<void>((r) => server.close(() => r()));
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    throw e;
  }
  server.on("request", service.app.callback());
  return {
    url: config.baseUrl,
    service,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await service.close();
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

let shared: Promise<Running> | undefined;

/**
 * The demo service, started once per process. Whoever waits for it while it starts does so without using up the
 * timeout of its test or hook (whileStarting).
 */
export function demoService(): Promise<Running> {
  if (!shared) {
    shared = startService({ demo: true });
    after(async () => {
      const s = await shared;
      shared = undefined;
      await s?.close();
    });
  }
  const started = shared;
  return whileStarting(() => started);
}

/**
 * A private MariaDB (a temporary datadir, a free port) with an empty database `tap`, and the
 * `mariadb` settings of a service that uses it. Skips, or fails under CI, without MariaDB.
 */
export async function privateMariaDb(
  ctx: Mocha.Context,
): Promise<{ db: MariaDbServer; mariadb: { host: string; port: number; user: string; password: string; database: string; connectionLimit: number } }> {
  needTool(ctx, findMariaDb().ok, "MariaDB (mariadbd, mariadb-install-db)");
  const db = await startMariaDb();
  const c = await db.connect();
  await c.query("CREATE DATABASE tap");
  await c.end();
  return { db, mariadb: { host: "127.0.0.1", port: db.port, user: "root", password: "", database: "tap", connectionLimit: 2 } };
}

/** Whether a command exists on PATH (or at an absolute path). */
export function hasTool(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

export function hasPython(modules: string[]): boolean {
  if (!hasTool("/usr/bin/python3")) return false;
  return spawnSync("/usr/bin/python3", ["-c", modules.map((m) => `import ${m}`).join("; ")], { stdio: "ignore" }).status === 0;
}

/** Skips (or, under CI, fails) when a tool is missing. */
export function needTool(ctx: Mocha.Context, available: boolean, what: string): void {
  if (available) return;
  if (process.env.CI) throw new Error(`${what} is required in CI but is not installed`);
  console.log(`      (skipped: ${what} is not installed)`);
  ctx.skip();
}

export async function get(url: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

export async function sync(
  base: string,
  params: Record<string, string>,
  method: "GET" | "POST" = "POST",
): Promise<{ status: number; type: string; body: Buffer; text: string }> {
  const body = new URLSearchParams(params);
  const res =
    method === "GET"
      ? await fetch(`${base}/sync?${body}`)
      : await fetch(`${base}/sync`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: buf, text: buf.toString("utf8") };
}

export function validateXml(files: string[]): { ok: boolean; output: string } {
  try {
    const output = execFileSync(new URL("../../../../../shared/ivoa/validate-xml", import.meta.url).pathname, files, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { ok: true, output };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}
