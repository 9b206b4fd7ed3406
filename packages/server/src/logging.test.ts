import { expect } from "chai";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "../../votable/src/test-support/until.js";
import { createApp } from "./app.js";
import Koa from "koa";
import { accessLog, createLogger, requestIdOf, type RequestRecord } from "./logging.js";
import { freePort, spawnServer } from "./test-support/child-server.js";
import { startService, type Running } from "./test-support/service.js";

const TOKEN = "alice-token-0123456789abcdef";
const PASSWORD = "Mariadb-Pa55word-never-logged";
const ENV_PASSWORD = "Env-Pa55word-never-logged";
const COOKIE = "session=cookie-value-never-logged";
const ADQL = "SELECT TOP 3 ra, dec FROM demo.stars ORDER BY ra";

/** A service whose access log is captured: the test service's deps behind a second app with a logger of ours. */
async function captured(): Promise<{ base: string; lines: Record<string, unknown>[]; raw: string[]; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "tap-logging-"));
  writeFileSync(join(dir, "tokens.json"), JSON.stringify({ tokens: { [TOKEN]: "alice" } }));
  const saved = process.env.TAP_MARIADB_URL;
  process.env.TAP_MARIADB_URL = `mysql://tap:${ENV_PASSWORD}@127.0.0.1:3306/tap`;
  let running: Running;
  try {
    running = await startService({
      demo: true,
      auth: { mode: "token", tokenFile: join(dir, "tokens.json") },
      mariadb: { password: PASSWORD },
    });
  } finally {
    if (saved === undefined) delete process.env.TAP_MARIADB_URL;
    else process.env.TAP_MARIADB_URL = saved;
  }
  const raw: string[] = [];
  const logger = createLogger("trace", { write: (s: string) => void raw.push(s) });
  const { deps, features } = running.service;
  const app = createApp({ ...deps, logger, log: (m) => logger.info(m) }, features.supported);
  const server: Server = createServer(app.callback());
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    raw,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("access log (issue 15, Operations: one JSON line per request)", function () {
  let svc: Awaited<ReturnType<typeof captured>>;
  before(async () => (svc = await captured()));
  after(async () => svc?.close());

  /** The access-log line of the request with this id, once it has been written. */
  async function lineOf(id: string): Promise<Record<string, unknown>> {
    await until(`the log line of ${id}`, () => svc.lines.some((l) => l.requestId === id), 10_000);
    return svc.lines.find((l) => l.requestId === id)!;
  }

  it("a sync query's line: request id, user, method, endpoint, ADQL, SQL, rows, bytes, status, time", async () => {
    const r = await fetch(`${svc.base}/tap/sync`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "x-request-id": "test-sync-1", "accept-encoding": "identity" },
      body: new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", QUERY: ADQL }),
    });
    const body = Buffer.from(await r.arrayBuffer());
    expect(r.status).to.equal(200);
    const line = await lineOf("test-sync-1");
    const cases: [string, (v: unknown) => boolean][] = [
      ["user", (v) => v === "alice"],
      ["method", (v) => v === "POST"],
      ["endpoint", (v) => v === "/tap/sync"],
      ["adql", (v) => v === ADQL],
      ["sql", (v) => typeof v === "string" && /select/i.test(v) && /stars/i.test(v)],
      ["rows", (v) => v === 3],
      ["bytes", (v) => v === body.length],
      ["status", (v) => v === 200],
      ["ms", (v) => typeof v === "number" && v >= 0],
      ["level", (v) => v === 30],
      ["time", (v) => typeof v === "number"],
    ];
    for (const [field, ok] of cases) expect(ok(line[field]), `${field}: ${JSON.stringify(line[field])}`).to.equal(true);
  });

  it("a client gone before the answer: status 499 (not Koa's default 404) and aborted, in the log line and the record the metrics count", async () => {
    const raw: string[] = [];
    const records: RequestRecord[] = [];
    let started!: () => void;
    const handling = new Promise<void>((r) => (started = r));
    const app = new Koa();
    app.use(accessLog(createLogger("info", { write: (s: string) => void raw.push(s) }), (r) => records.push(r)));
    // An answer that never comes, as a query that runs on while its client leaves.
    app.use(() => {
      started();
      return new Promise<void>(() => {});
    });
    const server = createServer(app.callback()).listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const req = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/tap/sync`, { method: "POST", headers: { "x-request-id": "gone-early" } });
      req.on("error", () => {});
      req.end("QUERY=x");
      await handling;
      req.destroy();
      await until("the request is logged", () => records.length === 1, 10_000);
      expect(records[0]).to.include({ status: 499, aborted: true, bytes: 0 });
      expect(JSON.parse(raw[0]!)).to.include({ requestId: "gone-early", status: 499, aborted: true });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  const idCases: [string, string | undefined, (id: string) => boolean][] = [
    ["a well-formed incoming id is kept", "abc-123_x.y:z", (id) => id === "abc-123_x.y:z"],
    ["no id: one is generated (a UUID)", undefined, (id) => /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(id)],
    ["a malformed id (spaces, quotes) is replaced", 'bad id "forged"', (id) => id !== 'bad id "forged"' && /^[0-9a-f-]{36}$/.test(id)],
    ["an over-long id is replaced", "x".repeat(200), (id) => id.length === 36],
  ];
  for (const [name, incoming, ok] of idCases) {
    it(`X-Request-Id: ${name}, echoed in the response and logged`, async () => {
      const r = await fetch(`${svc.base}/tap/availability`, { headers: incoming === undefined ? {} : { "x-request-id": incoming } });
      await r.arrayBuffer();
      const id = r.headers.get("x-request-id")!;
      expect(ok(id), id).to.equal(true);
      expect((await lineOf(id)).endpoint).to.equal("/tap/availability");
    });
  }

  it("requestIdOf keeps only short ids of safe characters", () => {
    const cases: [string | string[] | undefined, boolean][] = [
      ["a", true],
      ["a\nb", false],
      ["", false],
      [["a", "b"], false],
      ["x".repeat(128), true],
    ];
    for (const [h, kept] of cases) expect(requestIdOf(h) === h, JSON.stringify(h)).to.equal(kept);
  });

  it("a logger names its replica on every line: TAP_REPLICA_ID's value, else the host name and process id", () => {
    const cases: [string, string, RegExp][] = [
      ["configured", "tap-7f9c-0", /^tap-7f9c-0$/],
      ["not configured", "", new RegExp(`-${process.pid}$`)],
    ];
    for (const [name, configured, expected] of cases) {
      const out: string[] = [];
      const logger = createLogger("info", { write: (l: string) => void out.push(l) }, configured);
      logger.info("one");
      logger.child({ job: "x" }).warn({ n: 1 }, "two");
      for (const l of out) expect((JSON.parse(l) as { replica?: string }).replica, `${name}: ${l}`).to.match(expected);
      expect(out, name).to.have.length(2);
    }
  });

  it("the logger's redaction censors credentials in an object logged whole", () => {
    const out: string[] = [];
    const logger = createLogger("trace", { write: (l: string) => void out.push(l) });
    const cases: [string, Record<string, unknown>][] = [
      ["request headers", { req: { headers: { authorization: `Bearer ${TOKEN}`, cookie: COOKIE } } }],
      ["a configuration section", { mariadb: { user: "tap", password: PASSWORD } }],
      ["a token key", { auth: { token: TOKEN } }],
    ];
    for (const [name, obj] of cases) {
      logger.debug(obj, name);
      const last = out[out.length - 1]!;
      for (const secret of [TOKEN, PASSWORD, COOKIE]) expect(last.includes(secret), `${name}: ${last}`).to.equal(false);
      expect(last, name).to.include("[redacted]");
    }
  });

  it("no bearer token, password, cookie or Authorization header ever appears in the log", async () => {
    const requests: [string, RequestInit][] = [
      [`/tap/sync`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, cookie: COOKIE }, body: new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", QUERY: ADQL }) }],
      [`/tap/sync?LANG=ADQL&QUERY=SELECT%20nonsense%20FROM`, { headers: { authorization: `Bearer ${TOKEN}`, cookie: COOKIE } }],
      [`/tap/sync?LANG=ADQL&QUERY=SELECT%201`, { headers: { authorization: `Bearer ${TOKEN}x`, cookie: COOKIE } }],
      [`/tap/async`, { headers: { authorization: `Basic ${Buffer.from(`u:${PASSWORD}`).toString("base64")}` } }],
      [`/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }],
    ];
    const before = svc.raw.length;
    for (const [path, init] of requests) await (await fetch(`${svc.base}${path}`, init)).arrayBuffer();
    await until("a line per request", () => svc.raw.length - before >= requests.length, 10_000);
    const text = svc.raw.join("");
    for (const secret of [TOKEN, PASSWORD, ENV_PASSWORD, COOKIE, "cookie-value", Buffer.from(`u:${PASSWORD}`).toString("base64")]) {
      expect(text.includes(secret), `the log holds ${secret}`).to.equal(false);
    }
    expect(text.toLowerCase()).not.to.include("authorization");
  });
});

describe("tap-server serve: one JSON log (issue 15, Operations)", function () {
  this.timeout(120_000);

  it("writes the service's own messages and the access log as JSON lines of one log, at TAP_LOG_LEVEL, each naming the replica (TAP_REPLICA_ID)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-serve-log-"));
    const child = await spawnServer({ TAP_DATA_DIR: dir, TAP_DUCKDB_PATH: ":memory:", TAP_LOG_LEVEL: "info", TAP_REPLICA_ID: "replica-a7" });
    try {
      await (await fetch(`${child.url}/sync?LANG=ADQL&QUERY=${encodeURIComponent(ADQL)}`, { headers: { "x-request-id": "serve-log-1" } })).arrayBuffer();
      await until("the request's line", () => child.output().includes('"requestId":"serve-log-1"'), 20_000);
      // output() holds stdout too, where the URL and the sample query are printed for a person.
      const lines = child.output().split("\n").filter((l) => l.startsWith("{"));
      const records = lines.map((l) => JSON.parse(l) as { level?: number; msg?: string; service?: string; replica?: string });
      expect(records.every((r) => r.service === "qserv-tap" && typeof r.level === "number"), lines.join("\n")).to.equal(true);
      // Every line: the service's own messages ("generated the demo catalog", checked below) and the access log's alike.
      expect(records.filter((r) => r.replica !== "replica-a7"), lines.join("\n")).to.deep.equal([]);
      expect(records.map((r) => r.msg)).to.include("generated the demo catalog").and.to.include("request");
      expect(child.output().split("\n").filter((l) => l.includes("generated the demo catalog") && !l.startsWith("{"))).to.deep.equal([]);
    } finally {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("at TAP_LOG_LEVEL=warn, a database that cannot be reached is still logged, as a warning (it was info, and nothing showed)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-serve-warn-"));
    // A MariaDB port that nobody listens on
    const nobody = await freePort();
    const child = await spawnServer({ TAP_DATA_DIR: dir, TAP_BACKEND: "mariadb", TAP_MARIADB_URL: `mysql://root@127.0.0.1:${nobody}/tap`, TAP_LOG_LEVEL: "warn", TAP_IMAGES_REGISTRY: "none" });
    try {
      await until("the warning", () => child.output().includes("cannot reach"), 20_000);
      const records = child.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(records.filter((r) => r.msg.startsWith("cannot reach")).map((r) => r.level)).to.deep.equal([40]);
      // info lines stay out at warn
      expect(records.filter((r) => r.level < 40)).to.deep.equal([]);
    } finally {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
