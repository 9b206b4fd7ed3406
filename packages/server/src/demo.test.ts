/**
 * The demo catalog from the test runs' cache (demo.ts cacheDemoIn) is the generated one: the same rows in the same
 * stored order (the declination order that cones rely on), with the same types.
 */
import { expect } from "chai";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDbBackend } from "./backends/duckdb.js";
import { loadFelis } from "./compiler-extras.js";
import { cacheDemoIn, DEMO_DETECTIONS, DEMO_SCHEMA_PATH, DEMO_STARS, ensureDemo, generateDemo } from "./demo.js";
import { DEMO_CACHE_DIR } from "./test-support/demo-cache.js";
import { scratchDir } from "./test-support/scratch.js";

const SIZE = { stars: DEMO_STARS / 10, detections: DEMO_DETECTIONS / 10 };

/** A digest of every row of a table with its place in the stored order (rowid), its row count, and its columns' types. */
async function contents(duck: DuckDbBackend, table: string): Promise<{ digest: unknown[][]; types: unknown[][] }> {
  const digest = await duck.rows(`SELECT count(*), bit_xor(hash(t.rowid, t)) FROM demo.${table} AS t`);
  const types = await duck.rows(`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'demo' AND table_name = '${table}' ORDER BY ordinal_position`);
  return { digest, types };
}

describe("demo catalog cache (test runs)", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = scratchDir("tap-demo-cache-")));
  after(() => {
    // Back to the cache that test-support/demo-cache.ts set for this process.
    cacheDemoIn(DEMO_CACHE_DIR);
    rmSync(dir, { recursive: true, force: true });
  });

  it("fills the tables from the cache with exactly the generated rows, in the same order", async () => {
    const catalog = loadFelis(DEMO_SCHEMA_PATH);
    const generated = await DuckDbBackend.open(":memory:");
    const cached = await DuckDbBackend.open(":memory:");
    try {
      // The first fill generates and writes the cache, the second reads it. The generator is the demo's own, with a tenth of
      // its rows: the same columns and code path, and the test takes 0.2 s instead of 1.5 s.
      cacheDemoIn(dir);
      expect(await ensureDemo(generated, catalog, (d) => generateDemo(d, SIZE))).to.equal(true);
      expect(readdirSync(dir).filter((f) => f.endsWith(".parquet"))).to.have.length(2);
      expect(await ensureDemo(cached, catalog)).to.equal(true);
      for (const table of ["stars", "detections"]) {
        const want = await contents(generated, table);
        expect(want.digest[0]![0]).to.equal(BigInt(table === "stars" ? SIZE.stars : SIZE.detections));
        expect(await contents(cached, table), table).to.deep.equal(want);
      }
      const indexes = "SELECT index_name FROM duckdb_indexes() WHERE schema_name = 'demo' ORDER BY 1";
      expect(await cached.rows(indexes)).to.deep.equal(await generated.rows(indexes));
    } finally {
      for (const d of [generated, cached]) await d.close();
    }
  });

  it("generates again when a cached file cannot be read, into tables that the failed read left empty", async () => {
    const catalog = loadFelis(DEMO_SCHEMA_PATH);
    cacheDemoIn(dir);
    // The last table's file is the bad one: the tables before it have been filled from the cache when its read fails.
    const last = catalog.schemas.find((s) => s.name === "demo")!.tables.at(-1)!.name;
    for (const f of readdirSync(dir).filter((n) => n.endsWith(`-${last}.parquet`))) writeFileSync(join(dir, f), "not parquet");
    const duck = await DuckDbBackend.open(":memory:");
    try {
      // The generator itself is the first case's; here, when it is called, and on what.
      const counts: unknown[][][] = [];
      const generate = async (d: DuckDbBackend) => {
        counts.push(await d.rows("SELECT (SELECT count(*) FROM demo.stars), (SELECT count(*) FROM demo.detections)"));
      };
      expect(await ensureDemo(duck, catalog, generate)).to.equal(true);
      expect(counts).to.deep.equal([[[0n, 0n]]]);
    } finally {
      await duck.close();
    }
  });

  it("generates again over tables that a failed generation left (a full disk), and only then calls the demo done", async () => {
    const catalog = loadFelis(DEMO_SCHEMA_PATH);
    cacheDemoIn(undefined); // as npm start generates: no cache (after() sets the process's back)
    const duck = await DuckDbBackend.open(":memory:");
    try {
      const failing = async () => {
        throw Object.assign(new Error("No space left on device"), { code: "ENOSPC" });
      };
      let error: unknown;
      await ensureDemo(duck, catalog, failing).catch((e: unknown) => (error = e));
      expect((error as Error).message).to.equal("No space left on device");
      // The tables are there, empty: the next start generates (it took them for the demo, and failed on them for good).
      let calls = 0;
      const generate = async () => {
        calls++;
      };
      expect(await ensureDemo(duck, catalog, generate)).to.equal(true);
      expect(calls).to.equal(1);
      expect(await ensureDemo(duck, catalog, generate), "now done").to.equal(false);
      expect(calls).to.equal(1);
    } finally {
      await duck.close();
    }
  });
});
