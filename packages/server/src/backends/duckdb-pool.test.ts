/**
 * The DuckDB backend keeps the connection of a released session for the next one (issue 15: a new
 * connection per cone search cost as much as its query), but only a connection its session left as
 * new: no temporary table of an upload (TAP 1.1 §4.2: an upload is the request's alone), no open
 * transaction, no interrupted or failed statement.
 */
import { expect } from "chai";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ColumnBatch } from "@qserv-tap/votable";
import { DuckDbBackend } from "./duckdb.js";
import { cachedTestDatabase } from "../test-support/demo-cache.js";
import type { RowCursor } from "./backend.js";
import { scratchDir } from "../test-support/scratch.js";

async function drain(cursor: RowCursor): Promise<number> {
  let n = 0;
  for await (const b of cursor as AsyncIterable<ColumnBatch>) n += b.rowCount;
  return n;
}

async function count(backend: DuckDbBackend, sql: string): Promise<number> {
  const session = await backend.session();
  try {
    const cursor = await session.query(sql);
    let value = -1;
    for await (const b of cursor) value = Number(b.columns[0]!.values[0]);
    return value;
  } finally {
    await session.release();
  }
}

describe("server DuckDB: connections kept between sessions", function () {
  this.timeout(60_000);
  let backend: DuckDbBackend;
  let dir: string;
  let n = 0;

  // A backend of its own for each test (its connections are what the test counts), on a copy of a database with the
  // table `big` (1,000,000 rows: a query of all of them is still running after its first batch), made once per clone
  // (test-support/demo-cache.ts): making the table took a quarter of a second for each test, and half a second once.
  let big: string;
  before(async () => {
    dir = scratchDir("tap-duckdb-pool-");
    const sql = "CREATE TABLE big AS SELECT i, CAST(i AS VARCHAR) AS s FROM range(1000000) t(i)";
    big = await cachedTestDatabase(sql, async (path) => {
      const made = await DuckDbBackend.open(path, { threads: 2 });
      await made.run(sql);
      await made.close();
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    const path = join(dir, `test-${++n}.duckdb`);
    copyFileSync(big, path);
    backend = await DuckDbBackend.open(path, { threads: 2 });
  });
  afterEach(async () => backend.close());

  it("hands the connection of a query read to its end to the next session, whose queries see what was committed since", async () => {
    expect(await count(backend, "SELECT count(*) FROM big")).to.equal(1_000_000);
    expect(backend.idleConnections).to.equal(1);
    expect(backend.connectionCounts()).to.deep.equal({ open: 1, idle: 1, waiting: 0 });
    // A transaction left open on the kept connection would not see this table.
    await backend.run("CREATE TABLE later AS SELECT 42 AS x");
    const session = await backend.session();
    expect(backend.idleConnections).to.equal(0);
    expect(backend.activeSessions).to.equal(1);
    const cursor = await session.query("SELECT x FROM later");
    let x: unknown;
    for await (const b of cursor) x = b.columns[0]!.values[0];
    expect(x).to.equal(42);
    await session.release();
    await session.release(); // idempotent: kept once
    expect(backend.idleConnections).to.equal(1);
    expect(backend.activeSessions).to.equal(0);
  });

  it("serves sessions at once from separate connections, and keeps each afterwards", async () => {
    const sessions = await Promise.all([backend.session(), backend.session(), backend.session()]);
    const cursors = await Promise.all(sessions.map((s) => s.query("SELECT i FROM big WHERE i < 5000")));
    expect(await Promise.all(cursors.map(drain))).to.deep.equal([5000, 5000, 5000]);
    await Promise.all(sessions.map((s) => s.release()));
    expect(backend.idleConnections).to.equal(3);
  });

  it("closes the connection of a session with an upload: its temporary table is not visible to the next session (TAP 1.1 §4.2)", async () => {
    const session = await backend.session();
    const rows = (async function* () {
      yield [1, "a"];
      yield [2, "b"];
    })();
    const [name] = await session.createUploadTable(
      { name: "mine", fields: [{ name: "id", datatype: "int" }, { name: "label", datatype: "char", arraysize: "*" }], rows },
      ["id", "label"],
    );
    expect(await drain(await session.query(`SELECT * FROM temp."${name}"`))).to.equal(2);
    await session.release();
    expect(backend.idleConnections).to.equal(0);
    for (let i = 0; i < 3; i++) {
      const next = await backend.session();
      try {
        const error = await next.query(`SELECT * FROM temp."${name}"`).then(drain, (e: unknown) => e as Error);
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.match(/Catalog Error: Table with name .* does not exist/);
      } finally {
        await next.release();
      }
    }
  });

  for (const how of ["closed after its first batch", "aborted by its signal after its first batch", "aborted before it started"] as const) {
    const kept = how === "aborted before it started"; // nothing was sent on it
    it(`${kept ? "keeps" : "does not keep"} the connection of a query ${how}; the next session's query runs whole`, async () => {
      const session = await backend.session();
      const controller = new AbortController();
      if (how === "aborted before it started") {
        controller.abort();
        const error = await session.query("SELECT * FROM big", controller.signal).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(Error);
      } else {
        const cursor = await session.query("SELECT * FROM big", controller.signal);
        const it = cursor[Symbol.asyncIterator]();
        expect((await it.next()).done).to.equal(false);
        if (how === "closed after its first batch") await cursor.close();
        else {
          controller.abort();
          await it.return?.(undefined);
        }
      }
      await session.release();
      expect(backend.idleConnections).to.equal(kept ? 1 : 0);
      expect(await count(backend, "SELECT count(*) FROM big")).to.equal(1_000_000);
      expect(backend.idleConnections).to.equal(1);
    });
  }

  it("does not keep the connection of a query that failed while its rows were produced, and still reports the failure", async () => {
    const session = await backend.session();
    const cursor = await session.query("SELECT i, CAST(CASE WHEN i > 900000 THEN 'x' ELSE '1' END AS INTEGER) FROM big");
    const error = await drain(cursor).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/Conversion Error/);
    await session.release();
    expect(backend.idleConnections).to.equal(0);
    expect(await count(backend, "SELECT count(*) FROM big")).to.equal(1_000_000);
  });

  it("keeps the statements it prepared on a connection: the same SQL again reads what was committed since, a table replaced by one of other columns included", async () => {
    const rows = async (sql: string): Promise<unknown[][]> => {
      const session = await backend.session();
      try {
        const out: unknown[][] = [];
        for await (const b of await session.query(sql)) {
          for (let r = 0; r < b.rowCount; r++) out.push(b.columns.map((c) => c.values[r]));
        }
        return out;
      } finally {
        await session.release();
      }
    };
    const sql = "SELECT * FROM t ORDER BY 1";
    const steps: Array<[string, string | undefined, unknown[][]]> = [
      ["first", "CREATE TABLE t AS SELECT CAST(i AS INTEGER) AS i FROM range(2) r(i)", [[0], [1]]],
      ["rows added", "INSERT INTO t VALUES (7)", [[0], [1], [7]]],
      ["replaced, other columns", "CREATE OR REPLACE TABLE t AS SELECT 'a' AS x, 2.5e0 AS y", [["a", 2.5]]],
      // More other statements than a connection keeps: the first is dropped, and prepared again.
      ["after 20 other statements", undefined, [["a", 2.5]]],
    ];
    for (const [name, change, expected] of steps) {
      if (change !== undefined) await backend.run(change);
      else for (let i = 0; i < 20; i++) expect(await count(backend, `SELECT ${i} + 0 * count(*) FROM t`)).to.equal(i);
      expect(await rows(sql), name).to.deep.equal(expected);
      expect(backend.idleConnections, name).to.equal(1);
    }
  });

  it("reports a failure while the rows are produced each time the same SQL is sent", async () => {
    // In the table's last row group: a bad row in the first one (122,880 rows; i > 100000 was tried) can fail the
    // query before its first batch, which is another case (it did in CI, once in two runs).
    const sql = "SELECT i, CAST(CASE WHEN i > 900000 THEN 'x' ELSE '1' END AS INTEGER) FROM big";
    for (let attempt = 0; attempt < 2; attempt++) {
      const session = await backend.session();
      const error = await drain(await session.query(sql)).catch((e: unknown) => e);
      expect((error as Error).message, `attempt ${attempt}`).to.match(/Conversion Error/);
      await session.release();
    }
  });

  it("releases the session of a query calling a JS scalar function (scisql) closed after its first batch", async () => {
    // DuckDB's threads may be producing further chunks, waiting for the JavaScript thread to run the function: the
    // connection is closed only after they have stopped, not with the JavaScript thread waiting for them.
    for (let attempt = 0; attempt < 3; attempt++) {
      const session = await backend.session();
      const cursor = await session.query("SELECT i FROM big WHERE scisql_angSep(i % 360, 0, 0, 0) >= 0");
      const it = cursor[Symbol.asyncIterator]();
      expect((await it.next()).done).to.equal(false);
      await it.return?.(undefined);
      await session.release();
    }
    // and then a query that calls it for each of 100,000 rows (50 chunks) still answers
    expect(await count(backend, "SELECT count(*) FROM big WHERE i < 100000 AND scisql_angSep(i % 360, 0, 0, 0) >= 0")).to.equal(100_000);
  });

  it("closes the kept connections with the backend", async () => {
    await count(backend, "SELECT 1");
    expect(backend.idleConnections).to.equal(1);
    await backend.close();
    expect(backend.idleConnections).to.equal(0);
    backend = await DuckDbBackend.open(":memory:"); // for afterEach
  });

  it("stops the query of a session still live at close, waits for its release, and then refuses new sessions", async () => {
    // A database closed under a running query would not stop it, and a DuckDB task calling a JS scalar function would
    // then hang the process's exit (faults.test.ts, SIGTERM). This query calls one for each of 10^9 rows, none passing.
    const events: string[] = [];
    const session = await backend.session();
    const running = session.query("SELECT i FROM range(1000000000) t(i) WHERE scisql_angSep(i % 360, 0, 0, 0) < 0").then(
      () => events.push("query answered"),
      async (e: Error) => {
        events.push(`query failed: ${e.message}`);
        await session.release();
        events.push("released");
      },
    );
    await backend.close();
    events.push("closed");
    await running;
    expect(events).to.deep.equal(["query failed: INTERRUPT Error: Interrupted!", "released", "closed"]);
    expect(backend.activeSessions).to.equal(0);
    await backend.session().then(
      () => expect.fail("a session of a closed database"),
      (e: Error) => expect(e.message).to.equal("the database is closed"),
    );
    backend = await DuckDbBackend.open(":memory:"); // for afterEach
  });
});
