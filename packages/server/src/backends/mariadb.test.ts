/**
 * The MariaDB backend end to end: a private MariaDB, `tap-server load` of a CSV with a Felis
 * schema, then sync queries (cone search, NULLs, an upload join, TAP_SCHEMA from the embedded
 * store) through the service; and the Qserv backend's behaviour against the same server as a
 * stand-in (no uploads; every SQL string goes through the qserv dialect).
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findMariaDb, startMariaDb, type MariaDbServer } from "../../../adql-compiler/src/test-support/mariadb.js";
import { qservProblems } from "../../../adql-compiler/src/sql/test-support/qserv-check.js";
import { configFrom } from "../config.js";
import { loadCommand } from "../load.js";
import { needTool, startService, sync, type Running } from "../test-support/service.js";
import { QservBackend } from "./qserv.js";
import { until } from "../../../votable/src/test-support/until.js";

const FELIS = `---
name: lab
"@id": "#lab"
description: Test stars.
tables:
- name: stars
  "@id": "#stars"
  primaryKey: "#stars.id"
  columns:
  - { name: id, "@id": "#stars.id", datatype: long, ivoa:ucd: meta.id;meta.main }
  - { name: ra, "@id": "#stars.ra", datatype: double, nullable: false, ivoa:unit: deg, ivoa:ucd: pos.eq.ra;meta.main }
  - { name: dec, "@id": "#stars.dec", datatype: double, nullable: false, ivoa:unit: deg, ivoa:ucd: pos.eq.dec;meta.main }
  - { name: mag, "@id": "#stars.mag", datatype: float, ivoa:unit: mag }
  - { name: label, "@id": "#stars.label", datatype: string, length: 16 }
  - { name: seen, "@id": "#stars.seen", datatype: timestamp }
`;

function csv(): string {
  const lines = ["id,ra,dec,mag,label,seen"];
  for (let i = 1; i <= 2000; i++) {
    const ra = (i * 137.508) % 360;
    const dec = -89 + ((i * 7.3) % 178);
    lines.push(`${i},${ra},${dec},${i % 5 === 0 ? "" : (15 + (i % 70) / 10).toFixed(2)},${i % 3 === 0 ? "" : `s${i}`},2025-01-0${1 + (i % 9)} 12:00:00`);
  }
  return lines.join("\n") + "\n";
}

describe("server on MariaDB (loader, queries, uploads) and the Qserv stand-in", function () {
  this.timeout(120_000);
  let db: MariaDbServer | undefined;
  let running: Running | undefined;
  let dir: string;

  before(async function () {
    needTool(this, findMariaDb().ok, "MariaDB (mariadbd, mariadb-install-db)");
    db = await startMariaDb();
    const c = await db.connect();
    await c.query("CREATE DATABASE tap");
    await c.end();
    dir = mkdtempSync(join(tmpdir(), "tap-load-"));
    writeFileSync(join(dir, "lab.yaml"), FELIS);
    writeFileSync(join(dir, "stars.csv"), csv());
  });

  after(async () => {
    await running?.close();
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const mariadb = () => ({ host: "127.0.0.1", port: db!.port, user: "root", password: "", database: "tap", connectionLimit: 4 });

  it("loads a CSV with its Felis schema, installing scisql functions and indexes", async () => {
    const config = configFrom({ backend: "mariadb", mariadb: mariadb() });
    const log = console.log;
    console.log = () => {};
    try {
      await loadCommand(["--schema", join(dir, "lab.yaml"), "--table", "lab.stars", join(dir, "stars.csv")], config);
    } finally {
      console.log = log;
    }
    const c = await db!.connect();
    const [rows] = (await c.query("SELECT COUNT(*) AS n, SUM(mag IS NULL) AS nulls FROM lab.stars")) as unknown as [{ n: number; nulls: string }[]];
    const [idx] = (await c.query("SHOW INDEX FROM lab.stars")) as unknown as [{ Key_name: string; Seq_in_index: number; Column_name: string }[]];
    const [fns] = (await c.query("SHOW FUNCTION STATUS WHERE Db = 'tap'")) as unknown as [{ Name: string }[]];
    // The optimizer's row count, read at once: InnoDB's own recount comes at least 10 s after the table's creation, and
    // until then it planned on the empty staging table's (mariadb-load.ts ANALYZE TABLE).
    const [stats] = (await c.query("SELECT n_rows FROM mysql.innodb_table_stats WHERE database_name = 'lab' AND table_name = 'stars'")) as unknown as [{ n_rows: number }[]];
    await c.end();
    expect(stats.map((s) => Number(s.n_rows))).to.deep.equal([2000]);
    expect(Number(rows[0]!.n)).to.equal(2000);
    expect(Number(rows[0]!.nulls)).to.equal(400);
    // The declination with the right ascension second (index condition pushdown of a cone's RA range).
    const decIndex = idx.filter((i) => i.Key_name === "idx_stars_dec").sort((a, b) => a.Seq_in_index - b.Seq_in_index);
    expect(decIndex.map((i) => i.Column_name)).to.deep.equal(["dec", "ra"]);
    expect(fns.map((f) => f.Name)).to.include("scisql_s2PtInCircle");
  });

  // A connection given up while a command is queued on it: mysql2's destroy() half-closes it, the running statement's
  // answer still arrives, and the queued EXECUTE of a cached statement then writes into the closed socket, a fatal
  // 'error' on the connection.
  // Unheard, it ends the process (the server died so when a client left with a request in flight). Each row runs in a
  // process of its own; the first shows that the case is reproduced.
  const GIVEN_UP: [string, string, number, RegExp | null][] = [
    ["destroy() alone: the late write's error is unheard and ends the process", "conn.destroy()", 1, /ERR_STREAM_WRITE_AFTER_END/],
    ["discardConnection: the same error is heard and dropped, the process lives on", "discardConnection(conn)", 0, null],
  ];
  for (const [what, giveUp, code, stderr] of GIVEN_UP) {
    it(`a connection given up with a command queued: ${what}`, () => {
      const script = `
        import mysql from "mysql2";
        import { discardConnection } from ${JSON.stringify(new URL("./mariadb.ts", import.meta.url).pathname)};
        const conn = mysql.createConnection({ host: "127.0.0.1", port: ${db!.port}, user: "root", password: "" });
        // Prepared once, the statement is in the connection's cache: the next execute() queues an EXECUTE at once.
        conn.execute("SELECT 1", (err) => {
          if (err) throw err;
          conn.query("SELECT SLEEP(0.5)", () => {});
          // Streamed, as the backend reads rows: a command without a callback, whose failure mysql2 emits on the connection.
          conn.execute({ sql: "SELECT 1", rowsAsArray: true }).stream().on("error", () => {}).resume();
          // The SLEEP is under way and the EXECUTE waits behind it; the socket's close comes after the SLEEP's answer.
          const socket = conn.stream;
          ${giveUp};
          socket.once("close", () => process.exit(0));
        });
      `;
      const r = spawnSync(process.execPath, ["--import=tsx", "--conditions=qserv-tap-source", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
      expect(r.status, r.stderr).to.equal(code);
      if (stderr) expect(r.stderr).to.match(stderr);
      else expect(r.stderr).to.equal("");
    });
  }

  it("serves the loaded table: cone search, NULLs, TAP_SCHEMA, upload join", async () => {
    running = await startService({ backend: "mariadb", mariadb: mariadb(), demo: false });
    const url = running.url;
    const cone = await sync(url, {
      LANG: "ADQL",
      QUERY: "SELECT id, DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 100, 0)) AS d FROM lab.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 100, 0, 10))",
      RESPONSEFORMAT: "csv",
    });
    expect(cone.status, cone.text).to.equal(200);
    const ds = cone.text.trim().split(/\r?\n/).slice(1).map((l) => Number(l.split(",")[1]));
    expect(ds.length).to.be.greaterThan(0);
    for (const d of ds) expect(d).to.be.at.most(10);
    const nulls = await sync(url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM lab.stars WHERE mag IS NULL", RESPONSEFORMAT: "csv" });
    expect(nulls.text).to.match(/\n400\r?\n/);
    const ts = await sync(url, { LANG: "ADQL", QUERY: "SELECT TOP 1 seen FROM lab.stars ORDER BY id", RESPONSEFORMAT: "csv" });
    expect(ts.text).to.match(/2025-01-0\dT12:00:00/);
    const tap = await sync(url, { LANG: "ADQL", QUERY: "SELECT table_name FROM TAP_SCHEMA.tables", RESPONSEFORMAT: "csv" });
    expect(tap.text).to.contain("lab.stars");
    const vot =
      '<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>' +
      '<FIELD name="id" datatype="long"/><FIELD name="tag" datatype="char" arraysize="*"/>' +
      "<DATA><TABLEDATA><TR><TD>3</TD><TD>three</TD></TR><TR><TD>10</TD><TD>ten</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>";
    const form = new FormData();
    form.set("LANG", "ADQL");
    form.set("RESPONSEFORMAT", "csv");
    form.set("UPLOAD", "mine,param:t1");
    form.set("QUERY", "SELECT u.tag, s.id FROM TAP_UPLOAD.mine AS u JOIN lab.stars AS s ON s.id = u.id ORDER BY s.id");
    form.set("t1", new Blob([vot], { type: "application/x-votable+xml" }), "t1.xml");
    const res = await fetch(`${url}/sync`, { method: "POST", body: form });
    const text = await res.text();
    expect(res.status, text).to.equal(200);
    expect(text.trim().split(/\r?\n/)).to.deep.equal(["tag,id", "three,3", "ten,10"]);
    await running.close();
    running = undefined;
  });

  it("returns computed doubles exactly (binary protocol; the text protocol would print 15 digits)", async () => {
    running = await startService({ backend: "mariadb", mariadb: mariadb(), demo: false });
    try {
      const r = await sync(running.url, { LANG: "ADQL", QUERY: "SELECT TOP 1 PI() * PI() AS x, 1e0 / 3 AS third FROM lab.stars", RESPONSEFORMAT: "csv" });
      expect(r.status, r.text).to.equal(200);
      const [x, third] = r.text.trim().split(/\r?\n/)[1]!.split(",").map(Number);
      expect(x).to.equal(Math.PI * Math.PI);
      expect(third).to.equal(1 / 3);
    } finally {
      await running.close();
      running = undefined;
    }
  });

  it("a client that disconnects gets its query killed (KILL QUERY seen by the server) and its connection released", async () => {
    // Two connections in the pool: four abandoned queries would exhaust it if any were kept.
    running = await startService({ backend: "mariadb", mariadb: { ...mariadb(), connectionLimit: 2 }, demo: false });
    const url = running.url;
    const c = await db!.connect();
    const status = async (): Promise<number> => {
      const [rows] = (await c.query("SHOW GLOBAL STATUS LIKE 'Com_kill'")) as unknown as [{ Value: string }[]];
      return Number(rows[0]!.Value);
    };
    // 8e9 rows: it only ends by being stopped.
    const marker = "SELECT a.id, b.id AS other, c.id AS third FROM lab.stars AS a, lab.stars AS b, lab.stars AS c";
    const runningQueries = async (): Promise<number> => {
      const [rows] = (await c.query(
        "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE command IN ('Query', 'Execute') AND info LIKE '%third%' AND id <> CONNECTION_ID()",
      )) as unknown as [{ n: number }[]];
      return Number(rows[0]!.n);
    };
    try {
      const kills0 = await status();
      for (let i = 0; i < 4; i++) {
        const params = new URLSearchParams({ LANG: "ADQL", MAXREC: "10000000", RESPONSEFORMAT: "csv", QUERY: marker });
        const res = await fetch(`${url}/sync?${params}`);
        expect(res.status).to.equal(200);
        const reader = res.body!.getReader();
        const first = await reader.read();
        expect(first.value?.length ?? 0).to.be.greaterThan(0);
        // The statement is running on the server now...
        expect(await runningQueries()).to.equal(1);
        await reader.cancel();
        // ...and is gone soon after the disconnect.
        await until("the abandoned query stops", async () => (await runningQueries()) === 0);
        expect(await runningQueries(), "the query still runs after the client left").to.equal(0);
      }
      // KILL QUERY was sent for each abandoned query (Com_kill counts KILL statements).
      await until("KILL QUERY is counted for each abandoned query", async () => (await status()) - kills0 >= 4);
      expect((await status()) - kills0).to.equal(4);
      // The pool is not exhausted: a follow-up query runs at once.
      const t0 = Date.now();
      const after = await sync(url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM lab.stars", RESPONSEFORMAT: "csv" });
      expect(after.text).to.match(/\n2000\r?\n/);
      expect(Date.now() - t0).to.be.lessThan(5000);
    } finally {
      await c.end();
      await running.close();
      running = undefined;
    }
  });

  it("Qserv stand-in: qserv dialect, no uploads, TAP_SCHEMA from the embedded store", async () => {
    const sent: string[] = [];
    const backend = await QservBackend.open(mariadb());
    backend.onSql = (sql) => sent.push(sql);
    running = await startService({ backend: "qserv", qserv: mariadb(), schemas: [join(dir, "lab.yaml")] }, { backend });
    const url = running.url;
    const r = await sync(url, {
      LANG: "ADQL",
      QUERY: "SELECT TOP 5 id, ra, dec FROM lab.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 100, 0, 10)) ORDER BY id",
      RESPONSEFORMAT: "csv",
    });
    expect(r.status, r.text).to.equal(200);
    const tap = await sync(url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM TAP_SCHEMA.columns WHERE table_name = 'lab.stars'", RESPONSEFORMAT: "csv" });
    expect(tap.text).to.match(/\n6\r?\n/);
    const up = await sync(url, { LANG: "ADQL", QUERY: "SELECT * FROM TAP_UPLOAD.t", UPLOAD: "t,param:x" });
    expect(up.status).to.equal(400);
    expect(up.text).to.contain("Uploads are not available on this backend");
    const caps = await (await fetch(`${url}/capabilities`)).text();
    expect(caps).not.to.contain("upload-inline");
    // Every statement sent is SELECT-only SQL of the qserv dialect: no temporary tables, no session state.
    expect(sent.length).to.be.greaterThan(0);
    for (const sql of sent) {
      expect(sql, sql).to.match(/^SELECT /);
      expect(sql, sql).not.to.match(/TEMPORARY|CREATE|INSERT|\bSET\b/i);
      // ... and Qserv's own grammar and parse listener accept it (issue 17).
      expect(qservProblems(sql), sql).to.deep.equal([]);
    }
  });

  it("tap-server load on Qserv refuses with the reason, a usage error (exit 2), before any SQL is sent", async () => {
    const config = configFrom({ backend: "qserv", qserv: mariadb() });
    const err = await loadCommand(["--schema", join(dir, "lab.yaml"), "--table", "lab.stars", join(dir, "stars.csv")], config).then(
      () => undefined,
      (e: unknown) => e as Error & { usage?: boolean },
    );
    expect(err?.message).to.equal("load: Qserv tables are loaded with Qserv's own ingest tools, not with tap-server");
    expect(err?.usage).to.equal(true);
    const backend = await QservBackend.open(mariadb());
    const sent: string[] = [];
    backend.onSql = (sql) => sent.push(sql);
    try {
      await backend.load().catch(() => undefined);
    } finally {
      await backend.close();
    }
    expect(sent).to.deep.equal([]);
  });
});
