/**
 * The embedded DuckDB as the service runs it (issue 11): a memory limit, a spill directory of
 * bounded size and a thread count from the configuration, and no file access (nor setting
 * changes) on the connections that serve queries, even for SQL that the ADQL compiler would
 * never write.
 */
import { expect } from "chai";
import { configFrom, defaultDuckDbMemory } from "../config.js";
import { startService, sync, type Running } from "../test-support/service.js";
import type { DuckDbBackend } from "./duckdb.js";

/** SQL that reaches the database directly (a session of the backend), and what DuckDB answers. */
const REFUSED: [string, string, RegExp][] = [
  ["read_csv of a server file", "SELECT * FROM read_csv('/etc/passwd')", /^Permission Error: .*file system operations are disabled/],
  ["read_text", "SELECT * FROM read_text('/etc/hostname')", /^Permission Error: .*file system operations are disabled/],
  // No replacement scan reads the file: the name is an unknown table.
  ["a file named as a table", "SELECT * FROM '/etc/passwd'", /^Catalog Error: Table with name \/etc\/passwd does not exist/],
  ["COPY ... TO a file", "COPY (SELECT 1) TO '/tmp/tap-duckdb-limits-copy.csv'", /^Permission Error: .*file system operations are disabled/],
  ["ATTACH of another database", "ATTACH '/tmp/tap-duckdb-limits.duckdb' AS other", /^Permission Error: .*file system operations are disabled/],
  ["turning external access back on", "SET enable_external_access = true", /configuration has been locked/],
  ["raising the memory limit", "SET memory_limit = '100GB'", /configuration has been locked/],
  ["changing the spill directory", "SET temp_directory = '/tmp'", /configuration has been locked/],
  ["INSTALL of an extension", "INSTALL httpfs", /Permission Error|locked|disabled/],
];

describe("server DuckDB limits: memory, spill, threads, no file access", function () {
  this.timeout(120_000);
  let running: Running | undefined;

  before(async () => {
    running = await startService({
      demo: true,
      // On a copy of the demo database (test-support/service.ts), as a service keeps its catalog in a file.
      duckdb: { memoryLimit: "128MiB", maxTempDirectorySize: "64MiB", threads: 2 },
      // No image service: these are the query connections' limits, and registering the demo images took half of the start.
      images: { registry: "none" },
    });
  });
  after(async () => running?.close());

  it("runs with the configured settings", async () => {
    const backend = running!.service.deps.backend as DuckDbBackend;
    const [row] = await backend.rows(
      "SELECT current_setting('memory_limit'), current_setting('max_temp_directory_size'), current_setting('threads'), current_setting('enable_external_access'), current_setting('lock_configuration')",
    );
    expect(row!.map(String)).to.deep.equal(["128.0 MiB", "64.0 MiB", "2", "false", "true"]);
  });

  it("streams a TOP n download from its first rows: late materialization is off (docs/performance.md)", async () => {
    const backend = running!.service.deps.backend as DuckDbBackend;
    expect((await backend.rows("SELECT current_setting('disabled_optimizers')"))[0]!.map(String)).to.deep.equal(["late_materialization"]);
    // With it on, DuckDB plans a semi-join ordered by rowid, which makes and sorts all n rows before the first.
    const plan = (await backend.rows("EXPLAIN SELECT * FROM demo.stars LIMIT 100000")).map((r) => String(r[1])).join("\n");
    expect(plan).to.contain("STREAMING_LIMIT");
    expect(plan).to.not.match(/ORDER_BY|HASH_JOIN|SEMI/);
  });

  for (const [name, sql, error] of REFUSED) {
    it(`refuses ${name} on a query connection`, async () => {
      const session = await running!.service.deps.backend.session();
      try {
        const failure = await session.query(sql).then(
          async (cursor) => {
            for await (const row of cursor) void row;
            return undefined;
          },
          (e: unknown) => e as Error,
        );
        expect(failure, `${sql} ran`).to.not.equal(undefined);
        expect(failure!.message).to.match(error);
      } finally {
        await session.release();
      }
    });
  }

  it("answers a query that needs more memory than the limit with a 503 that says so, within bounded memory", async () => {
    // A top-N of 10,000,001 wide rows out of a 100,000,000-row cross join: its heap cannot spill.
    const query =
      "SELECT a.designation || b.designation AS s FROM demo.stars AS a, demo.stars AS b WHERE b.star_id < 1000 ORDER BY a.ra + b.ra";
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const t0 = Date.now();
    let r;
    try {
      r = await sync(running!.url, { LANG: "ADQL", QUERY: query, MAXREC: "10000000", RESPONSEFORMAT: "csv" });
    } finally {
      clearInterval(sample);
    }
    expect(r.status, r.text).to.equal(503);
    expect(r.text).to.match(/The query used too much memory: .*\(128MiB of memory and 64MiB of temporary disk\)/);
    expect(r.text).not.to.contain("SET memory_limit");
    expect(Date.now() - t0).to.be.below(30_000);
    // DuckDB's limit is on its buffers; the process holds the demo catalog and the test's own.
    expect((peak - before) / 2 ** 20, "RSS growth (MiB)").to.be.below(400);
    // The service answers the next query.
    const ok = await sync(running!.url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM demo.stars", RESPONSEFORMAT: "csv" });
    expect(ok.text).to.match(/\n100000\r?\n/);
  });

  it("defaults: 2 GiB or a quarter of the RAM, 4 GiB of spill, a thread per core, a private spill directory for an in-memory database", () => {
    expect(defaultDuckDbMemory(24 * 1024 ** 3)).to.equal("2048MiB");
    expect(defaultDuckDbMemory(4 * 1024 ** 3)).to.equal("1024MiB");
    const c = configFrom({});
    expect(c.duckdb.maxTempDirectorySize).to.equal("4GiB");
    expect(c.duckdb.threads).to.be.at.least(1);
    expect(c.duckdb.tempDirectory).to.equal("");
    expect(() => configFrom({ duckdb: { memoryLimit: "lots" } })).to.throw(/duckdb.memoryLimit must be a size/);
    expect(() => configFrom({}, { TAP_DUCKDB_THREADS: "0" })).to.throw(/TAP_DUCKDB_THREADS \(duckdb\.threads\) must be a positive integer, not "0"/);
  });
});
