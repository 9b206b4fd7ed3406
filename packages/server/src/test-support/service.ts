/**
 * Test helpers: one demo service (in-memory DuckDB) shared by the test files of a mocha run,
 * listening on 127.0.0.1 on a free port, and the rule for external tools: a missing tool fails
 * the test when CI is set, and skips it otherwise.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { copyFileSync, rmSync, utimesSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { findMariaDb, startMariaDb, type MariaDbServer } from "../../../adql-compiler/src/test-support/mariadb.js";
import { DuckDbBackend } from "../backends/duckdb.js";
import { loadFelis } from "../compiler-extras.js";
import { configFrom, type Config } from "../config.js";
import { DEMO_SCHEMA_PATH, ensureDemo } from "../demo.js";
import { openLocalImageService } from "../images/demo-images.js";
import { openService, type Service } from "../startup.js";
import { testImagesDirs } from "./child-server.js";
import { cachedDemoDatabase } from "./demo-cache.js";
import { scratchDir } from "./scratch.js";
import { whileStarting } from "./start-limit.js";
import type { ServiceLog } from "../logging.js";

export interface Running {
  url: string;
  service: Service;
  server: Server;
  close(): Promise<void>;
}

export async function startService(
  overrides: Record<string, unknown> = {},
  options: { backend?: Service["deps"]["backend"]; log?: ServiceLog } = {},
): Promise<Running> {
  return whileStarting(() => openRunning(overrides, options));
}

async function openRunning(
  overrides: Record<string, unknown>,
  options: { backend?: Service["deps"]["backend"]; log?: ServiceLog },
): Promise<Running> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  // Async jobs in a fresh directory, unless the test gives one (and then owns it).
  const asyncOverride = overrides.async as { dir?: string } | undefined;
  const ownDir = asyncOverride?.dir === undefined ? temporaryDir("tap-async-") : undefined;
  let config: Config;
  let service: Service;
  let dbDir: string | undefined;
  try {
    // The test's DuckDB settings (limits, threads), on the database that it names or else on a copy of the demo's.
    const ownDuck = overrides.duckdb as Record<string, unknown> | undefined;
    const settings = (duckdb: Record<string, unknown>) =>
      configFrom({
        port,
        // The access log would fill the test output; logging.test.ts starts its own logger.
        logLevel: "silent",
        ...overrides,
        duckdb,
        async: { ...(asyncOverride ?? {}), dir: asyncOverride?.dir ?? ownDir },
        images: { ...testImagesDirs(), ...((overrides.images as object | undefined) ?? {}) },
      });
    config = settings({ path: ":memory:", ...ownDuck });
    if (config.demo && config.backend === "duckdb" && ownDuck?.path === undefined && !options.backend) {
      // The demo catalog on a copy of this process's demo database (demoDatabase), not filled again.
      dbDir = temporaryDir("tap-db-");
      const path = join(dbDir, "tap.duckdb");
      await copyDemoDatabase(config.images.registry === "local" && config.images.demo, path);
      config = settings({ ...ownDuck, path });
    }
    service = await openService(config, { log: options.log ?? (() => {}), ...(options.backend ? { backend: options.backend } : {}) });
  } catch (e) {
    // A service that cannot open must not leave its port listening: mocha would never exit.
    await new Promise<void>((r) => server.close(() => r()));
    for (const dir of [ownDir, dbDir]) if (dir) removeDir(dir);
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
      for (const dir of [ownDir, dbDir]) if (dir) removeDir(dir);
    },
  };
}

/** Directories of services not closed yet: removed when the process exits (a --parallel worker's demo service). */
const temporaryDirs = new Set<string>();
process.once("exit", () => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

function temporaryDir(prefix: string): string {
  // In RAM where there is some (scratch.ts): a service's database and job store sync at each commit.
  const dir = scratchDir(prefix);
  temporaryDirs.add(dir);
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  temporaryDirs.delete(dir);
}

const demoTemplates = new Map<boolean, Promise<string>>();

/**
 * Copies the demo database to `to`, marking it as used (another version's run removes files unused for a while:
 * demo-cache.ts); one removed all the same, after a long pause of this run, is made again.
 */
async function copyDemoDatabase(withImages: boolean, to: string): Promise<void> {
  let from = await demoDatabase(withImages);
  try {
    copyFileSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    demoTemplates.delete(withImages);
    from = await demoDatabase(withImages);
    copyFileSync(from, to);
  }
  utimesSync(from, new Date(), new Date());
}

/**
 * A DuckDB file with the demo tables (demo.ts ensureDemo) and, `withImages`, the demo images registered (the registry
 * and ivoa.ObsCore, as the local image service keeps them beside the tables), made once per clone and code version
 * (demo-cache.ts cachedDemoDatabase). A test service that serves the demo catalog from DuckDB, and names no database
 * of its own, starts on a copy of the one that matches its images settings: filling a service's tables took a second
 * of CPU each time (reading the cached Parquet, building the index) and registering the demo images a second more;
 * copying the file takes a few milliseconds. A service that finds the images registered only sets their access URLs
 * (demo-images.ts ensureDemoImages). The copy is the service's own, so a test may change it.
 */
function demoDatabase(withImages: boolean): Promise<string> {
  let template = demoTemplates.get(withImages);
  if (!template) {
    template = cachedDemoDatabase(withImages, async (path) => {
      const duck = await DuckDbBackend.open(path);
      try {
        await ensureDemo(duck, loadFelis(DEMO_SCHEMA_PATH));
        if (withImages) {
          const settings = configFrom({ duckdb: { path }, logLevel: "silent", images: testImagesDirs() });
          await (await openLocalImageService(duck, settings, { demoCatalog: true, log: () => {} }))?.close();
        }
      } finally {
        await duck.close();
      }
    });
    demoTemplates.set(withImages, template);
  }
  return template;
}

let shared: Promise<Running> | undefined;

/**
 * The demo service, started once per process. Whoever waits for it while it starts does so without using up the
 * timeout of its test or hook (whileStarting). A worker of mocha --parallel runs each of its files as a run of its
 * own, whose root `after` would close the service after the first file that used it: there it lives as long as the
 * worker, and its directories go when the worker exits (temporaryDir).
 */
export function demoService(): Promise<Running> {
  if (!shared) {
    shared = startService({ demo: true });
    if (process.env.MOCHA_WORKER_ID === undefined) {
      after(async () => {
        const s = await shared;
        shared = undefined;
        await s?.close();
      });
    }
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

/** A sync query of `query` in `format`, with the VOTable text `doc` uploaded inline as TAP_UPLOAD.`name`. */
export async function syncWithUpload(url: string, name: string, format: string, query: string, doc: string): Promise<{ status: number; body: Buffer }> {
  const form = new FormData();
  form.set("LANG", "ADQL");
  form.set("RESPONSEFORMAT", format);
  form.set("UPLOAD", `${name},param:p`);
  form.set("QUERY", query);
  form.set("p", new Blob([doc]), "p.xml");
  const res = await fetch(`${url}/sync`, { method: "POST", body: form });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
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
