/**
 * `tap-server load` of a table with a region column, on DuckDB and on MariaDB (a private server): Rubin's ObsCore
 * Felis file (/work/shared/felis/ivoa_obscore.yaml, s_region an STC-S string there) loaded from a CSV whose
 * s_region is STC-S and from a Parquet file whose s_region is DALI. The loader stores the DALI value and the
 * storage columns beside it (adql-compiler's catalog/regions.ts: bounds on both backends, scisql's binary polygon
 * on MariaDB), publishes neither in TAP_SCHEMA, VOSI tables nor SELECT *, and the table answers ADQL's region
 * predicates (ADQL 2.1 §4.2.7 CONTAINS, §4.2.8 INTERSECTS) through the service. A bad region value fails the load
 * with the file, the row, the column and the problem, and leaves nothing behind.
 */
import { expect } from "chai";
import { circle, parseRegion } from "@qserv-tap/sky";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MariaDbServer } from "../../adql-compiler/src/test-support/mariadb.js";
import { DuckDbBackend } from "./backends/duckdb.js";
import { loadFelis } from "./compiler-extras.js";
import { configFrom, type Config } from "./config.js";
import { loadCommand } from "./load.js";
import { obsCoreTable } from "./images/ingest.js";
import { OBSCORE_SCHEMA_PATH } from "./images/obscore.js";
import { get, privateMariaDb, startService, sync } from "./test-support/service.js";

const RUBIN_OBSCORE = "/work/shared/felis/ivoa_obscore.yaml";
const COLUMNS = loadFelis(RUBIN_OBSCORE).schemas[0]!.tables.find((t) => t.name === "ObsCore")!.columns.map((c) => c.name);
const footprint = (f: { vertices: number[] }) => parseRegion("polygon", f.vertices.join(" "));
const STORAGE = ["s_region_dec_min", "s_region_dec_max", "s_region_cap_ra", "s_region_cap_dec", "s_region_cap_radius"];

/** Footprints (convex, either winding) at RA 0, around a pole, tiny, a triangle, and clockwise in the south. */
const FOOTPRINTS: { id: string; vertices: number[]; stcs: string }[] = [
  { id: "ra0", vertices: [359.5, -1, 0.5, -1, 0.5, 1, 359.5, 1], stcs: "POLYGON ICRS" },
  { id: "npole", vertices: [0, 88, 90, 88, 180, 88, 270, 88], stcs: "Polygon icrs" },
  { id: "tiny", vertices: [149.999, 2.499, 150.001, 2.499, 150.001, 2.501, 149.999, 2.501], stcs: "POLYGON" },
  { id: "tri", vertices: [10, 10, 20, 10, 15, 20], stcs: "POLYGON ICRS" },
  { id: "south", vertices: [200, -55, 210, -55, 210, -60, 200, -60], stcs: "POLYGON ICRS" },
];

/** A CSV of Rubin's ObsCore columns, the ones given filled and the rest empty (NULL). */
function csv(rows: Record<string, string | number>[]): string {
  const line = (r: Record<string, string | number>) => COLUMNS.map((c) => (r[c] === undefined ? "" : `"${String(r[c])}"`)).join(",");
  return [COLUMNS.join(","), ...rows.map(line)].join("\n") + "\n";
}

function row(id: string, region: string | undefined): Record<string, string | number> {
  return { calib_level: 2, obs_id: id, obs_collection: "test", obs_publisher_did: `ivo://test/${id}`, s_ra: 1, s_dec: 1, ...(region ? { s_region: region } : {}) };
}

const STCS_ROWS = [...FOOTPRINTS.map((f) => row(f.id, `${f.stcs} ${f.vertices.join(" ")}`)), row("none", undefined)];
const DALI_ROWS = [...FOOTPRINTS.map((f) => row(f.id, f.vertices.join(" "))), row("none", undefined)];

/**
 * Points and circles, with the footprints that hold or meet them as written by hand; the test checks these
 * against a brute force with @qserv-tap/sky too.
 */
const CONTAINS_CASES: { point: [number, number]; ids: string[] }[] = [
  { point: [0, 0], ids: ["ra0"] },
  { point: [359.9, 0.5], ids: ["ra0"] },
  { point: [123, 89.9], ids: ["npole"] },
  { point: [150, 2.5], ids: ["tiny"] },
  { point: [15, 12], ids: ["tri"] },
  { point: [205, -57], ids: ["south"] },
  { point: [100, 0], ids: [] },
  // Vertices: boundaries are inclusive.
  { point: [20, 10], ids: ["tri"] },
  { point: [210, -60], ids: ["south"] },
  // Not on the edge from (200, -55) to (210, -55), a great circle that bulges south of -55° between them.
  { point: [205, -55], ids: [] },
];
const INTERSECTS_CASES: { circle: [number, number, number]; ids: string[] }[] = [
  { circle: [1, 0, 0.6], ids: ["ra0"] },
  { circle: [1, 0, 0.4], ids: [] },
  // The great-circle edge from (0, 88) to (90, 88) bulges to 88.59° at RA 45: a circle reaching 88.5° misses it.
  { circle: [45, 87, 1.5], ids: [] },
  { circle: [45, 87, 1.7], ids: ["npole"] },
  { circle: [150.002, 2.5, 0.0015], ids: ["tiny"] },
  { circle: [15, 15, 30], ids: ["ra0", "tri"] },
  { circle: [0, 0, 179], ids: ["npole", "ra0", "south", "tiny", "tri"] },
];

/** Bad values, each in the second data row: what the message says beside the file, row and column. */
const BAD: { what: string; value: string; problem: RegExp }[] = [
  { what: "an odd number of coordinates", value: "POLYGON ICRS 10 10 20 10 15", problem: /latitude of vertex 3.*end of the value/ },
  { what: "another frame", value: "POLYGON FK4 10 10 20 10 15 20", problem: /FK4/ },
  // (A circle is a shape, so it loads into Rubin's s_region; a circle in a polygon column is refused: region-storage.test.)
  { what: "a circle with a negative radius", value: "CIRCLE ICRS 10 10 -1", problem: /radius/i },
  { what: "a non-convex polygon", value: "POLYGON ICRS 0 0 10 0 10 10 5 2 0 10", problem: /convex|outside the edge/i },
  { what: "not a number", value: "POLYGON ICRS 10 10 20 x 15 20", problem: /character 23, got 'x'/ },
];

interface Target {
  readonly name: "duckdb" | "mariadb";
  start(ctx: Mocha.Context): Promise<void>;
  stop(): Promise<void>;
  settings(): Record<string, unknown>;
  query(sql: string): Promise<unknown[][]>;
}

const plain = (v: unknown) => (typeof v === "bigint" ? Number(v) : v);

function duckTarget(dir: () => string): Target {
  const path = () => join(dir(), "tap.duckdb");
  return {
    name: "duckdb",
    async start() {},
    async stop() {},
    settings: () => ({ backend: "duckdb", duckdb: { path: path() }, demo: false, images: { registry: "none" } }),
    async query(sql) {
      const duck = await DuckDbBackend.open(path());
      try {
        return (await duck.rows(sql)).map((r) => r.map(plain));
      } finally {
        await duck.close();
      }
    },
  };
}

function mariaTarget(): Target {
  let db: MariaDbServer | undefined;
  let mariadb: Record<string, unknown> = {};
  return {
    name: "mariadb",
    async start(ctx) {
      ({ db, mariadb } = await privateMariaDb(ctx));
    },
    async stop() {
      await db?.stop();
    },
    settings: () => ({ backend: "mariadb", mariadb, demo: false, images: { registry: "none" } }),
    async query(sql) {
      const c = await db!.connect({ database: "tap" });
      try {
        const [rows] = await c.query({ sql, rowsAsArray: true });
        return Array.isArray(rows) ? (rows as unknown[][]).map((r) => r.map(plain)) : [];
      } finally {
        await c.end();
      }
    },
  };
}

let loading = 0;
const realLog = console.log;
async function load(config: Config, table: string, file: string, yaml = RUBIN_OBSCORE): Promise<void> {
  if (loading++ === 0) console.log = () => {};
  try {
    await loadCommand(["--schema", yaml, "--table", table, file], config);
  } finally {
    if (--loading === 0) console.log = realLog;
  }
}

async function served(url: string, query: string): Promise<string[][]> {
  const r = await sync(url, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "csv" });
  expect(r.status, `${query}\n${r.text}`).to.equal(200);
  return r.text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l !== "")
    .map((l) => l.split(","));
}

describe("tap-server load of a region column (ObsCore's s_region)", function () {
  this.timeout(120_000);
  let dir = "";
  const targets: Target[] = [duckTarget(() => dir), mariaTarget()];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tap-load-regions-"));
    writeFileSync(join(dir, "stcs.csv"), csv(STCS_ROWS));
    writeFileSync(join(dir, "dali.csv"), csv(DALI_ROWS));
    for (const [i, b] of BAD.entries()) writeFileSync(join(dir, `bad${i}.csv`), csv([row("good", "POLYGON ICRS 10 10 20 10 15 20"), row("bad", b.value)]));
    // The Parquet file: DALI s_region, typed columns, real Parquet nulls.
    const duck = await DuckDbBackend.open(":memory:");
    try {
      await duck.run(
        `COPY (SELECT * REPLACE (CAST(calib_level AS INTEGER) AS calib_level, CAST(s_ra AS DOUBLE) AS s_ra, CAST(s_dec AS DOUBLE) AS s_dec) ` +
          `FROM read_csv('${join(dir, "dali.csv")}', header = true, nullstr = '', all_varchar = true)) TO '${join(dir, "dali.parquet")}' (FORMAT parquet)`,
      );
      // And one whose s_region is the DALI polygon's numbers as a Parquet list.
      await duck.run(
        `COPY (SELECT * REPLACE (CAST(string_split(s_region, ' ') AS DOUBLE[]) AS s_region) FROM read_parquet('${join(dir, "dali.parquet")}')) ` +
          `TO '${join(dir, "list.parquet")}' (FORMAT parquet)`,
      );
    } finally {
      await duck.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const target of targets) {
    describe(`on ${target.name}`, function () {
      before(async function () {
        await target.start(this);
      });
      after(() => target.stop());

      const INPUTS = [
        { what: "a CSV with STC-S s_region (Rubin's form)", file: "stcs.csv" },
        { what: "a Parquet file with DALI s_region", file: "dali.parquet" },
        { what: "a Parquet file with s_region as a list of numbers", file: "list.parquet" },
      ];
      for (const input of INPUTS) {
        it(`loads ${input.what}: a DALI shape (polygon) and its storage columns`, async () => {
          await load(configFrom(target.settings()), "ivoa.ObsCore", join(dir, input.file));
          const storage = [...STORAGE, ...(target.name === "mariadb" ? ["s_region_scisql"] : [])];
          const rows = await target.query(`SELECT obs_id, s_region, ${storage.join(", ")} FROM ivoa.ObsCore ORDER BY obs_id`);
          expect(rows.map((r) => r[0])).to.deep.equal(["none", "npole", "ra0", "south", "tiny", "tri"]);
          for (const r of rows) {
            const f = FOOTPRINTS.find((x) => x.id === r[0]);
            if (!f) {
              expect(r.slice(1).every((v) => v === null), `NULL s_region: ${JSON.stringify(r)}`).to.equal(true);
              continue;
            }
            // Rubin's s_region (char, no xtype) is loaded as a DALI shape (DALI 1.2 §3.12): "polygon", the same vertices.
            const [label, ...nums] = String(r[1]).trim().split(/\s+/);
            expect(label, String(r[1])).to.equal("polygon");
            expect(nums.map(Number), String(r[1])).to.deep.equal(f.vertices);
            const decs = f.vertices.filter((_, i) => i % 2 === 1);
            const [decMin, decMax, , , radius] = r.slice(2, 7) as number[];
            expect(decMin, `${f.id} dec_min`).to.be.at.most(Math.min(...decs) + 1e-9);
            expect(decMax, `${f.id} dec_max`).to.be.at.least(Math.max(...decs) - 1e-9);
            expect(radius, `${f.id} cap radius`).to.be.above(0).and.below(90);
            if (target.name === "mariadb") {
              // scisql_s2CPolyToBin: 24 bytes per vertex and one more for their sum.
              expect((r[7] as Buffer).length, `${f.id} scisql`).to.equal(24 * (f.vertices.length / 2 + 1));
            }
          }
        });
      }

      it("publishes s_region alone: TAP_SCHEMA, VOSI tables and SELECT * have none of the storage columns", async () => {
        await load(configFrom(target.settings()), "ivoa.ObsCore", join(dir, "stcs.csv"));
        const running = await startService(target.settings());
        try {
          const cols = await served(running.url, "SELECT column_name FROM TAP_SCHEMA.columns WHERE table_name = 'ivoa.ObsCore'");
          expect(cols.map((c) => c[0])).to.have.members(COLUMNS);
          const vosi = await get(`${running.url}/tables/ivoa.ObsCore`);
          expect(vosi.status).to.equal(200);
          expect(vosi.text).to.include("<name>s_region</name>");
          expect(vosi.text).to.not.include("s_region_");
          const star = await sync(running.url, { LANG: "ADQL", QUERY: "SELECT * FROM ivoa.ObsCore", RESPONSEFORMAT: "csv" });
          expect(star.status, star.text).to.equal(200);
          expect(star.text.split(/\r?\n/)[0]!.split(",")).to.deep.equal(COLUMNS);
        } finally {
          await running.close();
        }
      });

      it("answers CONTAINS(POINT, s_region) and INTERSECTS(CIRCLE, s_region) through the service (ADQL 2.1 §4.2.7-8)", async () => {
        await load(configFrom(target.settings()), "ivoa.ObsCore", join(dir, "stcs.csv"));
        const running = await startService(target.settings());
        try {
          for (const c of CONTAINS_CASES) {
            expect(FOOTPRINTS.filter((f) => footprint(f).contains(...c.point)).map((f) => f.id).sort(), `sky: ${c.point}`).to.deep.equal(c.ids);
            const q = `SELECT obs_id FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', ${c.point.join(", ")}), s_region) = 1 ORDER BY obs_id`;
            expect((await served(running.url, q)).map((r) => r[0]), q).to.deep.equal(c.ids);
          }
          // In the select list: the DALI shape (ADQL 2.1 §4.2; DALI 1.2 §3.12), the vertices as loaded, and
          // the same type as TAP_SCHEMA publishes (char: ObsCore's s_region is a string).
          const vot = await sync(running.url, { LANG: "ADQL", QUERY: "SELECT s_region FROM ivoa.ObsCore WHERE obs_id = 'tri'", RESPONSEFORMAT: "votable/td" });
          expect(/<FIELD [^>]*name="s_region"[^>]*>/.exec(vot.text)?.[0]).to.include('datatype="char"').and.include('xtype="shape"');
          const [label, ...nums] = /<TD>([^<]*)<\/TD>/.exec(vot.text)![1]!.trim().split(/\s+/);
          expect(label).to.equal("polygon");
          expect(nums.map(Number)).to.deep.equal(FOOTPRINTS.find((f) => f.id === "tri")!.vertices);
          const published = await served(running.url, "SELECT datatype, xtype FROM TAP_SCHEMA.columns WHERE table_name = 'ivoa.ObsCore' AND column_name = 's_region'");
          expect(published).to.deep.equal([["char", "shape"]]);
          for (const c of INTERSECTS_CASES) {
            const disc = circle(...c.circle);
            expect(FOOTPRINTS.filter((f) => footprint(f).intersects(disc)).map((f) => f.id).sort(), `sky: ${c.circle}`).to.deep.equal(c.ids);
            const q = `SELECT obs_id FROM ivoa.ObsCore WHERE INTERSECTS(CIRCLE('ICRS', ${c.circle.join(", ")}), s_region) = 1 ORDER BY obs_id`;
            expect((await served(running.url, q)).map((r) => r[0]), q).to.deep.equal(c.ids);
          }
        } finally {
          await running.close();
        }
      });

      it("loads the demo's ObsCore Felis (s_region a DALI shape, its storage columns listed) and answers CONTAINS on it", async () => {
        const columns = obsCoreTable().columns.map((c) => c.name).filter((c) => !c.startsWith("s_region_"));
        const file = join(dir, "demo-obscore.csv");
        const line = (r: Record<string, string | number>) => columns.map((c) => (r[c] === undefined ? "" : `"${String(r[c])}"`)).join(",");
        writeFileSync(file, [columns.join(","), ...STCS_ROWS.map(line)].join("\n") + "\n");
        await load(configFrom(target.settings()), "ivoa.ObsCore", file, OBSCORE_SCHEMA_PATH);
        const [[value]] = (await target.query("SELECT s_region FROM ivoa.ObsCore WHERE obs_id = 'tri'")) as [[string]];
        expect(value).to.equal("polygon 10 10 20 10 15 20");
        const running = await startService(target.settings());
        try {
          const q = "SELECT obs_id FROM ivoa.ObsCore WHERE CONTAINS(POINT('ICRS', 15, 12), s_region) = 1";
          expect(await served(running.url, q)).to.deep.equal([["tri"]]);
        } finally {
          await running.close();
        }
      });

      for (const [i, b] of BAD.entries()) {
        it(`refuses ${b.what} with the file, row, column and problem, and keeps what was loaded`, async () => {
          await load(configFrom(target.settings()), "ivoa.ObsCore", join(dir, "dali.csv"));
          const before = await target.query("SELECT obs_id, s_region FROM ivoa.ObsCore ORDER BY obs_id");
          let error: Error | undefined;
          try {
            await load(configFrom(target.settings()), "ivoa.ObsCore", join(dir, `bad${i}.csv`));
          } catch (e) {
            error = e as Error;
          }
          expect(error, "the load succeeded").to.not.equal(undefined);
          expect(error!.message).to.include(`bad${i}.csv, row 2: column s_region`);
          expect(error!.message).to.match(b.problem);
          expect(await target.query("SELECT obs_id, s_region FROM ivoa.ObsCore ORDER BY obs_id")).to.deep.equal(before);
          const tables = await target.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'ivoa'");
          expect(tables.map((r) => r[0])).to.deep.equal(["ObsCore"]);
        });
      }
    });
  }
});
