/**
 * Faults of the database, with real processes: a MariaDB that this file starts, kills (SIGKILL),
 * restarts on the same port and data, and stops (SIGSTOP); the service in a child process where
 * its start and its exit are what is tested, in this process where its pool is inspected.
 *
 * What the service must do (issue 11, "Faults"): start without its database and recover by
 * itself; refuse to start on bad credentials or an unknown database (exit 2); end a result
 * cleanly when the database dies mid-query (VOTable: the trailing ERROR INFO of DALI 1.1 §5.4.4;
 * before the first byte: a 503 error document with Retry-After), leaking no connection; fire its
 * timeouts against a database that hangs, and kill the query once the database is back.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findMariaDb } from "../../adql-compiler/src/test-support/mariadb.js";
import type { MariaDbBackend } from "./backends/mariadb.js";
import { controlledMariaDb, freePort, spawnServer, type ChildServer, type ControlledMariaDb } from "./test-support/child-server.js";
import { get, needTool, startService, sync, type Running } from "./test-support/service.js";
import { until } from "../../votable/src/test-support/until.js";

const FELIS = `---
name: lab
"@id": "#lab"
tables:
- name: stars
  "@id": "#stars"
  primaryKey: "#stars.id"
  columns:
  - { name: id, "@id": "#stars.id", datatype: long, ivoa:ucd: meta.id;meta.main }
  - { name: ra, "@id": "#stars.ra", datatype: double, ivoa:unit: deg, ivoa:ucd: pos.eq.ra;meta.main }
  - { name: dec, "@id": "#stars.dec", datatype: double, ivoa:unit: deg, ivoa:ucd: pos.eq.dec;meta.main }
`;

const PASSWORD = "s3cret-Pa55";

/** A query that only ends by being stopped: 8e9 rows, streamed. */
const ENDLESS = "SELECT a.id, b.id AS other, c.id AS third FROM lab.stars AS a, lab.stars AS b, lab.stars AS c";
/** A query that sends nothing for as long as it runs: an aggregate over the same 8e9 rows. */
const SILENT = "SELECT COUNT(*) AS n_silent FROM lab.stars AS a, lab.stars AS b, lab.stars AS c WHERE a.ra + b.ra + c.ra > 0";

const availability = async (url: string) => {
  const text = (await get(`${url}/availability`)).text;
  return { available: /<vosi:available>(\w+)<\/vosi:available>/.exec(text)?.[1], note: /<vosi:note>([^<]*)<\/vosi:note>/.exec(text)?.[1] ?? "" };
};


/** A GET whose body is read in two steps: the first chunk, then (when asked) the rest, with how it ended. */
function streamingGet(url: string): Promise<{ status: number; first: string; rest(): Promise<{ text: string; error?: string }>; destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      // A response cut by the server ends with "aborted": rest() reports it.
      res.on("error", () => {});
      res.once("data", (chunk: Buffer) => {
        res.pause();
        resolve({
          status: res.statusCode ?? 0,
          first: chunk.toString(),
          rest: () =>
            new Promise((done) => {
              let text = "";
              res.on("data", (c: Buffer) => (text += c.toString()));
              res.once("end", () => done({ text }));
              res.once("error", (e) => done({ text, error: e.message }));
              res.once("close", () => done({ text, ...(res.complete ? {} : { error: "aborted" }) }));
              res.resume();
            }),
          destroy: () => req.destroy(),
        });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("server faults: the database unreachable, dying, hanging (a MariaDB process this test controls)", function () {
  this.timeout(180_000);
  let db: ControlledMariaDb | undefined;
  let dir: string;
  let child: ChildServer | undefined;
  let running: Running | undefined;

  before(async function () {
    needTool(this, findMariaDb().ok, "MariaDB (mariadbd, mariadb-install-db)");
    dir = mkdtempSync(join(tmpdir(), "tap-faults-"));
    writeFileSync(join(dir, "lab.yaml"), FELIS);
    // Installed now, started by the first test: its port is known before anything listens on it.
    db = await controlledMariaDb();
  });

  after(async () => {
    await child?.stop("SIGKILL");
    await running?.close().catch(() => {});
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The database running, with the user, the databases and the table of the configuration: the first test brings it
   * up so, after starting without it; any other test run alone (mocha -g) gets it here.
   */
  const provisioned = async () => {
    if (db!.pid() === undefined) await db!.start();
    const c = await db!.connect();
    try {
      await c.query(
        `CREATE DATABASE IF NOT EXISTS tap; CREATE DATABASE IF NOT EXISTS lab; ` +
          `CREATE USER IF NOT EXISTS 'tap'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; GRANT ALL ON *.* TO 'tap'@'127.0.0.1'; USE lab; ` +
          "CREATE TABLE IF NOT EXISTS lab.stars (id BIGINT PRIMARY KEY, ra DOUBLE, `dec` DOUBLE); " +
          "INSERT IGNORE INTO lab.stars SELECT seq, MOD(seq * 137.508, 360), MOD(seq * 7.3, 178) - 89 FROM seq_1_to_2000",
      );
    } finally {
      await c.end();
    }
  };

  const env = (password = PASSWORD, database = "tap") => ({
    TAP_BACKEND: "mariadb",
    TAP_MARIADB_URL: `mysql://tap:${encodeURIComponent(password)}@127.0.0.1:${db!.port}/${database}`,
    TAP_SCHEMAS: join(dir, "lab.yaml"),
    TAP_ASYNC_DIR: join(dir, "async"),
  });

  const service = (overrides: Record<string, unknown> = {}) =>
    startService({
      backend: "mariadb",
      demo: false,
      schemas: [join(dir, "lab.yaml")],
      mariadb: { host: "127.0.0.1", port: db!.port, user: "tap", password: PASSWORD, database: "tap", connectionLimit: 2, ...overrides },
    });

  it("starts without its database: /availability says why, queries get a 503 error document, and it recovers by itself", async () => {
    child = await spawnServer(env());
    const url = child.url;
    const down = await availability(url);
    expect(down.available).to.equal("false");
    expect(down.note).to.contain(`MariaDB at 127.0.0.1:${db!.port}/tap cannot be reached`).and.to.contain("ECONNREFUSED");
    const q = await fetch(`${url}/sync?${new URLSearchParams({ LANG: "ADQL", QUERY: "SELECT TOP 1 id FROM lab.stars" })}`);
    const body = await q.text();
    expect(q.status).to.equal(503);
    expect(Number(q.headers.get("retry-after"))).to.be.at.least(1);
    expect(body).to.match(/<INFO name="QUERY_STATUS" value="ERROR">[^<]*cannot be reached/);
    for (const text of [down.note, body]) expect(text).not.to.contain(PASSWORD).and.not.to.contain(dir);
    expect((await fetch(`${url}/capabilities`)).status).to.equal(503);

    // The database comes up, with the user, the database and the table of the configuration.
    await provisioned();
    await until("the service opens once the database answers", async () => (await availability(url)).available === "true");
    const ok = await sync(url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM lab.stars", RESPONSEFORMAT: "csv" });
    expect(ok.status, ok.text).to.equal(200);
    expect(ok.text).to.match(/\n2000\r?\n/);
    expect((await fetch(`${url}/capabilities`)).status).to.equal(200);
    expect(child.output()).to.contain("answers: the service is open");
    await child.stop();
    expect(child.proc.exitCode).to.equal(0);
    child = undefined;
  });

  // Configuration errors that no retry mends: one line, exit 2, no password.
  const CONFIG_ERRORS: [string, () => Record<string, string>, RegExp][] = [
    ["a wrong password", () => env("wrong-password"), /^tap-server: cannot open the MariaDB at 127\.0\.0\.1:\d+\/tap \(user tap\): Access denied for user 'tap'@'127\.0\.0\.1' \(using password: YES\)\n$/],
    ["an unknown database", () => env(PASSWORD, "nothere"), /^tap-server: cannot open the MariaDB at 127\.0\.0\.1:\d+\/nothere \(user tap\): Unknown database 'nothere'\n$/],
  ];
  for (const [name, settings, stderr] of CONFIG_ERRORS) {
    it(`refuses to start on ${name}: one line, exit 2`, async () => {
      await provisioned();
      const cwd = mkdtempSync(join(tmpdir(), "tap-main-"));
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TAP_")));
      const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), "--conditions", "qserv-tap-source", fileURLToPath(new URL("./main.ts", import.meta.url)), "serve"], {
        cwd,
        env: { ...base, PORT: "0", ...settings() },
        encoding: "utf8",
        timeout: 50_000,
      });
      rmSync(cwd, { recursive: true, force: true });
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.match(stderr);
      expect(r.stderr).not.to.contain("wrong-password");
    });
  }

  it("ends a result cleanly when the database dies mid-query (trailing ERROR INFO), answers 503 while it is down, and leaks no connection", async () => {
    await provisioned();
    running = await service();
    const backend = running.service.deps.backend as MariaDbBackend;
    const params = new URLSearchParams({ LANG: "ADQL", MAXREC: "10000000", RESPONSEFORMAT: "votable/td", QUERY: ENDLESS });
    const res = await streamingGet(`${running.url}/sync?${params}`);
    expect(res.status).to.equal(200);
    expect(res.first).to.contain("<TABLEDATA>");
    await db!.kill();
    const rest = await res.rest();
    expect(rest.error).to.equal(undefined);
    const tail = rest.text.slice(-600);
    expect(tail, tail).to.match(/<INFO name="QUERY_STATUS" value="ERROR">The MariaDB at 127\.0\.0\.1:\d+\/tap went away during the query: [^<]+<\/INFO>/);
    expect(tail).to.match(/<\/VOTABLE>\s*$/);

    // Down: before the first byte, a 503 error document with Retry-After.
    const down = await fetch(`${running.url}/sync?${new URLSearchParams({ LANG: "ADQL", QUERY: "SELECT TOP 1 id FROM lab.stars" })}`);
    const text = await down.text();
    expect(down.status, text).to.equal(503);
    expect(down.headers.get("retry-after")).to.equal("5");
    expect(text).to.match(/<INFO name="QUERY_STATUS" value="ERROR">The MariaDB at [^<]+ cannot be reached: [^<]*ECONNREFUSED/);

    // Back: the pool opens new connections, and after the queries none is held.
    await db!.start();
    const again = await sync(running.url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM lab.stars", RESPONSEFORMAT: "csv" });
    expect(again.status, again.text).to.equal(200);
    expect(again.text).to.match(/\n2000\r?\n/);
    await until("the pool holds no busy connection", async () => {
      const n = backend.poolCounts();
      return n.all === n.free && n.waiting === 0;
    });
    expect(backend.poolCounts().all).to.be.at.most(2);
    await running.close();
    running = undefined;
  });

  it("a hanging database (SIGSTOP): the sync timeout, the connection wait and /availability fire; the query is killed once it is back", async () => {
    await provisioned();
    const c = await db!.connect();
    const kills = async () => Number(((await c.query("SHOW GLOBAL STATUS LIKE 'Com_kill'")) as unknown as [{ Value: string }[]])[0][0]!.Value);
    const silentRuns = async () =>
      Number(
        ((await c.query("SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE '%n_silent%' AND id <> CONNECTION_ID()")) as unknown as [
          { n: number }[],
        ])[0][0]!.n,
      );
    const kills0 = await kills();
    running = await startService({
      backend: "mariadb",
      demo: false,
      schemas: [join(dir, "lab.yaml")],
      limits: { syncTimeoutSeconds: 2 },
      mariadb: { host: "127.0.0.1", port: db!.port, user: "tap", password: PASSWORD, database: "tap", connectionLimit: 1, acquireTimeoutSeconds: 1, connectTimeoutSeconds: 1 },
    });
    const backend = running.service.deps.backend as MariaDbBackend;
    const url = running.url;
    const slow = sync(url, { LANG: "ADQL", QUERY: SILENT, RESPONSEFORMAT: "csv" });
    await until("the query runs on the database", async () => (await silentRuns()) === 1, 10_000);
    await db!.pause();
    try {
      const t0 = Date.now();
      const timedOut = await slow;
      expect(timedOut.status, timedOut.text).to.equal(503);
      expect(timedOut.text).to.contain("Query exceeded the synchronous time limit of 2 s");
      expect(Date.now() - t0).to.be.below(4000);
      // The one pooled connection was given up with its query; a new one cannot be opened while the database hangs.
      const t1 = Date.now();
      const waiting = await sync(url, { LANG: "ADQL", QUERY: "SELECT TOP 1 id FROM lab.stars", RESPONSEFORMAT: "csv" });
      expect(waiting.status, waiting.text).to.equal(503);
      expect(Date.now() - t1).to.be.below(4000);
      // The ping's new connection meets the connect timeout (1 s here) before the availability timeout (5 s).
      const t2 = Date.now();
      const hang = await availability(url);
      expect(hang).to.deep.equal({ available: "false", note: "The database does not answer: connect ETIMEDOUT" });
      expect(Date.now() - t2).to.be.within(900, 4_000);
    } finally {
      await db!.resume();
    }
    // KILL QUERY, tried again until the database answers, stops the statement.
    await until("the abandoned query is killed", async () => (await silentRuns()) === 0 && (await kills()) > kills0, 60_000);
    await until("/availability is true again", async () => (await availability(url)).available === "true");
    const after = await sync(url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM lab.stars", RESPONSEFORMAT: "csv" });
    expect(after.status, after.text).to.equal(200);
    await until("no connection is held", async () => {
      const n = backend.poolCounts();
      return n.all === n.free && n.waiting === 0;
    });
    await c.end();
    await running.close();
    running = undefined;
  });

  it("a pool taken by long queries: a bounded wait, then 503 with Retry-After; at most queueLimit wait", async () => {
    await provisioned();
    running = await service({ connectionLimit: 1, acquireTimeoutSeconds: 1, queueLimit: 1 });
    const backend = running.service.deps.backend as MariaDbBackend;
    const params = new URLSearchParams({ LANG: "ADQL", MAXREC: "10000000", RESPONSEFORMAT: "csv", QUERY: ENDLESS });
    const holder = await streamingGet(`${running.url}/sync?${params}`);
    expect(holder.status).to.equal(200);
    const t0 = Date.now();
    const [waited, refused] = await Promise.all([
      sync(running.url, { LANG: "ADQL", QUERY: "SELECT TOP 1 id FROM lab.stars", RESPONSEFORMAT: "csv" }),
      // Sent once the first one waits: then the queue is full.
      until("one query waits", async () => backend.poolCounts().waiting === 1, 5000).then(() =>
        fetch(`${running!.url}/sync?${new URLSearchParams({ LANG: "ADQL", QUERY: "SELECT TOP 1 id FROM lab.stars" })}`),
      ),
    ]);
    expect(refused.status).to.equal(503);
    expect(refused.headers.get("retry-after")).to.equal("5");
    expect(await refused.text()).to.contain("queries are waiting for one");
    expect(waited.status, waited.text).to.equal(503);
    expect(waited.text).to.contain("No connection to the database came free within 1 s");
    expect(Date.now() - t0).to.be.within(900, 4000);
    holder.destroy();
    await until("the pool is free again", async () => {
      const n = backend.poolCounts();
      return n.all === n.free && n.waiting === 0;
    });
    const after = await sync(running.url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM lab.stars", RESPONSEFORMAT: "csv" });
    expect(after.status, after.text).to.equal(200);
    await running.close();
    running = undefined;
  });

  // Errors of the query's own values are the client's (DALI 1.1 §5.2): 400.
  const VALUE_ERRORS: [string, string, RegExp][] = [
    ["a scalar subquery that returns several rows (errno 1242)", "SELECT id, (SELECT id FROM lab.stars WHERE id < 3) AS x FROM lab.stars WHERE id = 1", /Subquery returns more than 1 row/],
  ];
  for (const [name, query, message] of VALUE_ERRORS) {
    it(`answers ${name} with 400`, async () => {
      await provisioned();
      running ??= await service();
      const r = await sync(running.url, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "csv" });
      expect(r.status, r.text).to.equal(400);
      expect(r.text).to.match(message);
    });
  }

  it("an upload that MariaDB refuses is named TAP_UPLOAD.<name>, not by its temporary table", async () => {
    await provisioned();
    running ??= await service();
    const session = await running.service.deps.backend.session();
    try {
      const err = await session
        .createUploadTable(
          { name: "mine", fields: [{ name: "seen", datatype: "char", arraysize: "*", xtype: "timestamp" }], rows: (async function* () {
            yield ["2020-02-30T00:00:00"];
          })() },
          ["seen"],
        )
        .then(
          () => undefined,
          (e: unknown) => e as Error & { status?: number },
        );
      expect(err, "the insert was refused").to.not.equal(undefined);
      expect(err!.message).to.contain("TAP_UPLOAD.mine").and.not.to.match(/tap_upload_\d/);
      expect(err!.status).to.equal(400);
    } finally {
      await session.release();
    }
    await running.close();
    running = undefined;
  });

  it("SIGTERM while a MariaDB query runs: the response is cut, the query killed, and the server exits 0", async () => {
    await provisioned();
    child = await spawnServer({ ...env(), TAP_SHUTDOWN_GRACE: "0" });
    const answer = fetch(`${child.url}/sync?${new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: "csv", QUERY: SILENT })}`).then(
      (r) => r.text(),
      () => "cut",
    );
    const c = await db!.connect();
    try {
      const runningQueries = async () => {
        const [rows] = await c.query("SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE '%n_silent%' AND id <> CONNECTION_ID()");
        return Number((rows as { n: number | string }[])[0]!.n);
      };
      await until("the query runs on MariaDB", async () => (await runningQueries()) === 1, 20_000);
      const exited = new Promise<number | null>((resolve) => child!.proc.once("exit", (code) => resolve(code)));
      child.proc.kill("SIGTERM");
      expect(await exited).to.equal(0);
      expect(child.output()).to.contain("cutting 1 request(s) still running after 0 s");
      expect(await answer).to.equal("cut");
      await until("the query has ended on MariaDB", async () => (await runningQueries()) === 0, 20_000);
    } finally {
      await c.end();
    }
    child = undefined;
  });
});

describe("server faults: the HTTP server against slow clients, and SIGTERM (a child process)", function () {
  this.timeout(120_000);

  it("cuts off a client that trickles its headers (slowloris) after headersTimeout, and caps connections", async () => {
    const child = await spawnServer({ TAP_DUCKDB_PATH: ":memory:", TAP_DEMO: "false", TAP_HTTP_HEADERS_TIMEOUT: "2", TAP_HTTP_MAX_CONNECTIONS: "3" });
    try {
      const { port } = new URL(child.url);
      const slowloris = () =>
        new Promise<{ ms: number; answer: string }>((resolve) => {
          const s = connect(Number(port), "127.0.0.1");
          const t0 = Date.now();
          let answer = "";
          let n = 0;
          s.on("data", (d) => (answer += d.toString()));
          s.on("error", () => {});
          s.write("GET /tap/availability HTTP/1.1\r\nHost: x\r\n");
          const trickle = setInterval(() => s.write(`X-${n++}: y\r\n`), 200);
          s.on("close", () => {
            clearInterval(trickle);
            resolve({ ms: Date.now() - t0, answer });
          });
        });
      const cut = await slowloris();
      expect(cut.ms).to.be.within(1_900, 5_000);
      expect(cut.answer).to.match(/^HTTP\/1\.1 408/);
      // maxConnections: three open connections are served, a fourth is closed at once.
      const sockets = await Promise.all(
        [0, 1, 2].map(
          () =>
            new Promise<Socket>((resolve) => {
              const s = connect(Number(port), "127.0.0.1", () => resolve(s));
              s.on("error", () => {});
            }),
        ),
      );
      const fourth = await new Promise<{ closed: boolean; answer: string }>((resolve) => {
        const s = connect(Number(port), "127.0.0.1", () => s.write("GET /tap/availability HTTP/1.1\r\nHost: x\r\n\r\n"));
        let answer = "";
        s.on("data", (d) => (answer += d.toString()));
        s.on("error", () => {});
        s.on("close", () => resolve({ closed: true, answer }));
      });
      expect(fourth).to.deep.equal({ closed: true, answer: "" });
      for (const s of sockets) s.destroy();
      await until("a connection is served again", async () => (await fetch(`${child.url}/availability`)).status === 200, 10_000);
    } finally {
      await child.stop();
    }
  });

  it("SIGTERM: no new work, the running response finishes within the grace period, jobs persist, exit 0", async () => {
    const asyncDir = mkdtempSync(join(tmpdir(), "tap-sigterm-"));
    try {
      const env = { TAP_DUCKDB_PATH: ":memory:", TAP_DEMO: "true", TAP_ASYNC_DIR: asyncDir, TAP_SHUTDOWN_GRACE: "60" };
      const child = await spawnServer(env);
      const url = child.url;
      const job = await fetch(`${url}/async`, { method: "POST", body: new URLSearchParams({ LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars" }), redirect: "manual" });
      expect(job.status).to.equal(303);
      const jobUrl = job.headers.get("location")!;
      // 200,000 rows of CSV: the client reads the first chunk, then waits while the server stops.
      const params = new URLSearchParams({ LANG: "ADQL", MAXREC: "1000000", RESPONSEFORMAT: "csv", QUERY: "SELECT detection_id, star_id, mjd FROM demo.detections" });
      const res = await streamingGet(`${url}/sync?${params}`);
      expect(res.status).to.equal(200);
      const exited = new Promise<number | null>((resolve) => child.proc.once("exit", (code) => resolve(code)));
      child.proc.kill("SIGTERM");
      await until("the server stops listening", async () => {
        try {
          await fetch(`${url}/availability`);
          return false;
        } catch {
          return true;
        }
      }, 10_000);
      expect(child.proc.exitCode, "it waits for the running response").to.equal(null);
      const rest = await res.rest();
      expect(rest.error).to.equal(undefined);
      expect((res.first + rest.text).trim().split(/\r?\n/).length).to.equal(200_001);
      expect(await exited).to.equal(0);

      // The job is there after a restart.
      const again = await spawnServer(env, { port: Number(new URL(url).port) });
      try {
        const doc = await (await fetch(jobUrl)).text();
        expect(doc).to.contain("<uws:phase>PENDING</uws:phase>");
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(asyncDir, { recursive: true, force: true });
    }
  });

  it("SIGTERM with a client blocked in WAIT: it gets the job document at once, and the server exits without waiting out its grace", async () => {
    const child = await spawnServer({ TAP_DUCKDB_PATH: ":memory:", TAP_DEMO: "false", TAP_SHUTDOWN_GRACE: "60" });
    const job = await fetch(`${child.url}/async`, { method: "POST", body: new URLSearchParams({ LANG: "ADQL", QUERY: "SELECT 1" }), redirect: "manual" });
    expect(job.status).to.equal(303);
    // pyvo's job.wait() sends WAIT=-1: the service's longest wait, 60 s by default
    const blocked = fetch(`${job.headers.get("location")!}?WAIT=-1`);
    await until("the WAIT blocks", async () => /^tap_async_blocked_waits\{service="tap"\} 1$/m.test(await (await fetch(`${new URL(child.url).origin}/metrics`)).text()), 10_000);
    const exited = new Promise<number | null>((resolve) => child.proc.once("exit", (code) => resolve(code)));
    const t0 = Date.now();
    child.proc.kill("SIGTERM");
    const res = await blocked;
    expect(res.status).to.equal(200);
    expect(await res.text()).to.contain("<uws:phase>PENDING</uws:phase>");
    expect(await exited).to.equal(0);
    expect(Date.now() - t0, "well within the 60 s grace").to.be.below(30_000);
  });

  it("while a first start makes the demo, /healthz answers (alive) and the rest 503 (starting); then the service", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-first-start-"));
    const port = await freePort();
    // A fresh data directory: the child makes the demo catalog itself (seconds), with the port already open.
    const starting = spawnServer({ TAP_DATA_DIR: dir, TAP_IMAGES_REGISTRY: "none" }, { port });
    try {
      let url: string | undefined;
      void starting.then((c) => (url = c.url), () => {});
      const base = `http://127.0.0.1:${port}`;
      let seen: [number, number, string] | undefined;
      let upFirst = false;
      await until("a /healthz answer while the service starts", async () => {
        if (url !== undefined) return (upFirst = true);
        const health = await fetch(`${base}/healthz`).catch(() => undefined);
        if (!health) return false;
        const other = await fetch(`${base}/tap/availability`);
        seen = [health.status, other.status, await other.text()];
        return true;
      }, 60_000);
      expect(upFirst, "the service was up before /healthz was seen: nothing tested").to.equal(false);
      expect(seen![0]).to.equal(200);
      expect(seen![1]).to.equal(503);
      expect(seen![2]).to.contain("The service is starting");
      expect((await fetch(`${(await starting).url}/availability`)).status).to.equal(200);
    } finally {
      // Stopped whatever failed: a child left running keeps mocha from exiting.
      await starting.then((c) => c.stop(), () => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("SIGHUP stops as SIGTERM does: a line that says so, exit 0 (Node's default was exit 129 at once, no line)", async () => {
    const child = await spawnServer({ TAP_DUCKDB_PATH: ":memory:", TAP_DEMO: "false", TAP_IMAGES_REGISTRY: "none" });
    const exited = new Promise<number | null>((resolve) => child.proc.once("exit", (code) => resolve(code)));
    child.proc.kill("SIGHUP");
    expect(await exited).to.equal(0);
    expect(child.output()).to.match(/"msg":"SIGHUP: stopping"/);
  });

  it("SIGTERM: a response still running after the grace period is cut, and the server exits 0", async () => {
    const child = await spawnServer({ TAP_DUCKDB_PATH: ":memory:", TAP_DEMO: "true", TAP_SHUTDOWN_GRACE: "1" });
    const params = new URLSearchParams({ LANG: "ADQL", MAXREC: "10000000", RESPONSEFORMAT: "csv", QUERY: "SELECT a.star_id, b.star_id AS other FROM demo.stars AS a, demo.stars AS b" });
    const res = await streamingGet(`${child.url}/sync?${params}`);
    const exited = new Promise<number | null>((resolve) => child.proc.once("exit", (code) => resolve(code)));
    const t0 = Date.now();
    child.proc.kill("SIGTERM");
    expect(await exited).to.equal(0);
    expect(Date.now() - t0).to.be.within(900, 10_000);
    expect(child.output()).to.contain("cutting 1 request(s) still running after 1 s");
    res.destroy();
  });

  // process.exit joins libuv's threads, and a DuckDB task calling a JavaScript scalar function (the scisql functions)
  // waits for the JavaScript thread: a server whose database was closed under such a query never exited (seen after
  // cones cut short by their client). The query below calls scisql_angSep for each of 10^10 pairs and answers nothing.
  it("SIGTERM while a query runs the scisql functions (JavaScript on DuckDB): the query is stopped before the database closes, and the server exits 0", async () => {
    const child = await spawnServer({ TAP_DUCKDB_PATH: ":memory:", TAP_DEMO: "true", TAP_SHUTDOWN_GRACE: "0" });
    const metrics = `${child.url.replace(/\/tap$/, "")}/metrics`;
    const query = "SELECT COUNT(*) AS n FROM demo.stars AS a, demo.stars AS b WHERE scisql_angSep(a.ra, a.dec, b.ra, b.dec) < 0";
    const answer = fetch(`${child.url}/sync?${new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: "csv", QUERY: query })}`).then(
      (r) => r.text(),
      () => "cut",
    );
    await until("the query runs", async () => /tap_sync_queries\{state="running"\} 1\b/.test(await (await fetch(metrics)).text()), 20_000);
    const exited = new Promise<number | null>((resolve) => child.proc.once("exit", (code) => resolve(code)));
    child.proc.kill("SIGTERM");
    expect(await exited).to.equal(0);
    expect(child.output()).to.contain("cutting 1 request(s) still running after 0 s");
    expect(await answer).to.equal("cut");
  });

  /** A module of this package, as a script's import names it (a quoted absolute path). */
  const sourceOf = (relative: string): string => JSON.stringify(new URL(relative, import.meta.url).pathname);

  /** An ES module script in a child process (its source through tsx): the lines it wrote to stderr, its exit status. */
  const runScript = (script: string): { lines: string[]; status: number | null } => {
    const r = spawnSync(process.execPath, ["--import=tsx", "--conditions=qserv-tap-source", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
    return { lines: r.stderr.split("\n").filter(Boolean), status: r.status };
  };

  // The same hang without a session: a query on the backend's own connection (setup, TAP_SCHEMA, health checks) when
  // close() came. DuckDB's thread then deadlocked in the query (its connection's context destroyed under its own lock),
  // and the process never exited (a server stopped right after its start; three of three runs of this script).
  it("close() with a query under way on the backend's own connection: the query is interrupted first, and the process exits", () => {
    const script = `
      import { DuckDbBackend } from ${sourceOf("./backends/duckdb.ts")};
      const duck = await DuckDbBackend.open(":memory:");
      const query = duck.rows("SELECT count(*) FROM range(3000000000) t(i) WHERE i % 7 = 3").then(
        () => console.error("query answered"),
        (e) => console.error("query failed: " + e.message),
      );
      // At once: the query may not have started in DuckDB yet, where an interrupt is lost unless repeated.
      await duck.close();
      console.error("closed");
      await duck.ping().catch((e) => console.error("ping refused: " + e.message));
      await query;
      process.exit(0);
    `;
    const r = runScript(script);
    expect(r.lines).to.deep.equal(["query failed: INTERRUPT Error: Interrupted!", "closed", "ping refused: the DuckDB database is closing"]);
    expect(r.status, "exit status (null: killed by the timeout, the process hung)").to.equal(0);
  });

  // The image registry listed its entries on the backend's own connection without counting the query (the start-up
  // message's sample cutout), so close() closed under it: a server stopped as soon as it printed its URL never exited
  // (download.bench.ts, found with gdb: DuckDB's thread deadlocked in that query). Before the fix, three runs of this
  // script: a hang (killed by the timeout), an assertion failure in pthread_mutex_lock, and a listing that failed
  // otherwise than by the interrupt ("bad_weak_ptr"; with 1,000,000 entries, also a segmentation fault).
  it("close() with the image registry's listing under way: the listing is interrupted first, and the process exits", () => {
    const script = `
      import { DuckDbBackend } from ${sourceOf("./backends/duckdb.ts")};
      import { LocalRegistry } from ${sourceOf("./images/local-registry.ts")};
      const duck = await DuckDbBackend.open(":memory:");
      const registry = await LocalRegistry.open(duck, { authority: "ivo://test" });
      // Enough entries (200,000) that the listing is still running when close() comes.
      await duck.run("INSERT INTO memory.images.datasets (uuid, repo, dataset_type, data_id, path, size) " +
        "SELECT 'u' || i, 'r', 'calexp', '{}', '/p/' || (i * 7919 % 1000003), 1 FROM range(200000) t(i)");
      const listing = registry.entries().then(
        (e) => console.error("listed"),
        (e) => console.error("listing failed: " + e.message),
      );
      await registry.close();
      await duck.close();
      console.error("closed");
      await listing;
      process.exit(0);
    `;
    const r = runScript(script);
    // Interrupted, or (on a machine quick enough to finish it between two interrupts) answered, before the close.
    expect(r.lines).to.be.deep.oneOf([
      ["listing failed: INTERRUPT Error: Interrupted!", "closed"],
      ["listed", "closed"],
    ]);
    expect(r.status, "exit status (null: killed by the timeout, the process hung; 139: a segmentation fault)").to.equal(0);
  });

  // A load of a region column appends its converted rows through an appender on the backend's own connection, between
  // queries that read the rows in slices. close() between two slices closed the connection under the appender, and the
  // load failed with "Appender: Attempting to flush data to a closed connection" (three of three runs of this script).
  it("close() while a load converts a region column: the next slice is refused, the appender is closed before the connection, and the process exits", () => {
    const script = `
      import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
      import { join } from "node:path";
      import { tmpdir } from "node:os";
      import { DuckDbBackend } from ${sourceOf("./backends/duckdb.ts")};
      import { loadFelis } from ${sourceOf("./compiler-extras.ts")};
      import { OBSCORE_SCHEMA_PATH } from ${sourceOf("./images/obscore.ts")};
      const schema = loadFelis(OBSCORE_SCHEMA_PATH).schemas[0];
      const table = schema.tables.find((t) => t.name === "ObsCore");
      const names = table.columns.map((c) => c.name);
      const cell = { obs_id: (i) => "o" + i, obs_publisher_did: (i) => "ivo://test/o" + i, obs_collection: () => "test", calib_level: () => "2", s_region: () => "10 10 20 10 15 20" };
      const dir = mkdtempSync(join(tmpdir(), "tap-load-close-"));
      const file = join(dir, "obscore.csv");
      // 12,000 rows: three slices of 5,000
      const lines = [names.join(",")];
      for (let i = 0; i < 12000; i++) lines.push(names.map((n) => (cell[n] ? cell[n](i) : "")).join(","));
      writeFileSync(file, lines.join("\\n") + "\\n");
      const duck = await DuckDbBackend.open(join(dir, "tap.duckdb"));
      const rows = duck.rows.bind(duck);
      let closing;
      duck.rows = (sql) => {
        const answer = rows(sql);
        if (closing !== undefined || !sql.includes("WHERE tap_row >=")) return answer;
        // once the first slice is read, before its rows are appended
        return answer.then((r) => ((closing = duck.close()), r));
      };
      await duck.load({ schema, table, file }).then(
        (n) => console.error("loaded " + n),
        (e) => console.error("load failed: " + e.message),
      );
      await closing;
      console.error("closed");
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    `;
    const r = runScript(script);
    expect(r.lines).to.deep.equal(["load failed: the DuckDB database is closing", "closed"]);
    expect(r.status, "exit status (null: killed by the timeout, the process hung)").to.equal(0);
  });
});
