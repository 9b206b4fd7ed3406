/**
 * `tap-server load` on DuckDB and on MariaDB (a private server), as tables of cases run on both
 * backends: CSV and Parquet with their NULLs, failed loads that keep the old rows and touch
 * nothing else, a reload that replaces the rows, the tables that TAP_SCHEMA publishes (queried
 * through a started service) as tables are loaded from two Felis files of one schema; then what
 * each backend gets for spatial queries (DuckDB: rows in dec order, disjoint zonemaps, a unique
 * index on the primary key; MariaDB: indexes and the scisql functions); and the Felis documents
 * the loader publishes (read back to the same catalog; links to tables that are not loaded
 * left out).
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MariaDbServer } from "../../adql-compiler/src/test-support/mariadb.js";
import { DuckDbBackend, ROW_GROUP_SIZE } from "./backends/duckdb.js";
import { felisTable, loadFelis, type Catalog, type Schema } from "./compiler-extras.js";
import { configFrom, type Config } from "./config.js";
import { DEMO_SCHEMA_PATH } from "./demo.js";
import { loadCommand, publishedDocument } from "./load.js";
import { privateMariaDb, startService, sync } from "./test-support/service.js";

/** lab.yaml: stars, and obs with a foreign key to stars. */
function labYaml(schema: string): string {
  return `---
name: ${schema}
description: Lab catalog (lab.yaml).
tables:
- name: stars
  "@id": "#stars"
  description: Stars (lab.yaml).
  primaryKey: "#stars.id"
  columns:
  - { name: id, "@id": "#stars.id", datatype: long, ivoa:ucd: meta.id;meta.main }
  - { name: ra, "@id": "#stars.ra", datatype: double, ivoa:unit: deg, ivoa:ucd: pos.eq.ra;meta.main }
  - { name: dec, "@id": "#stars.dec", datatype: double, ivoa:unit: deg, ivoa:ucd: pos.eq.dec;meta.main }
  - { name: mag, "@id": "#stars.mag", datatype: float, ivoa:unit: mag }
  - { name: label, "@id": "#stars.label", datatype: string, length: 16 }
  - { name: seen, "@id": "#stars.seen", datatype: timestamp }
- name: obs
  "@id": "#obs"
  description: Observations (lab.yaml).
  primaryKey: "#obs.obs_id"
  columns:
  - { name: obs_id, "@id": "#obs.obs_id", datatype: long }
  - { name: star_id, "@id": "#obs.star_id", datatype: long }
  - { name: flux, "@id": "#obs.flux", datatype: double }
  constraints:
  - { name: obs_star, "@type": ForeignKey, "@id": "#obs_star", columns: ["#obs.star_id"], referencedColumns: ["#stars.id"] }
`;
}

/** lab2.yaml: the same schema name; fields, and another definition of stars (no id column). */
function lab2Yaml(schema: string): string {
  return `---
name: ${schema}
description: Lab catalog (lab2.yaml).
tables:
- name: fields
  description: Fields (lab2.yaml).
  columns:
  - { name: field_id, datatype: int }
  - { name: name, datatype: string, length: 8 }
- name: stars
  description: Stars (lab2.yaml).
  columns:
  - { name: star_key, datatype: long }
  - { name: ra, datatype: double, ivoa:ucd: pos.eq.ra;meta.main }
  - { name: dec, datatype: double, ivoa:ucd: pos.eq.dec;meta.main }
`;
}

const STARS_CSV = `id,ra,dec,mag,label,seen
2,200,45.5,,Ω Cen,2025-06-30 23:59:59
1,10.5,-20.25,15.5,alpha,2025-01-02 03:04:05
3,359.75,-89.5,17.25,,
`;
/** The rows of STARS_CSV (and of the Parquet file), ordered by id; empty fields are NULL. */
const STARS = [
  [1, 10.5, -20.25, 15.5, "alpha", "2025-01-02 03:04:05"],
  [2, 200, 45.5, null, "Ω Cen", "2025-06-30 23:59:59"],
  [3, 359.75, -89.5, 17.25, null, null],
];
const STARS_B_CSV = "id,ra,dec,mag,label,seen\n7,1,2,3,beta,2024-02-29 00:00:00\n8,4,5,,,\n";
const STARS_B = [
  [7, 1, 2, 3, "beta", "2024-02-29 00:00:00"],
  [8, 4, 5, null, null, null],
];

const FILES: Record<string, string> = {
  "stars.csv": STARS_CSV,
  "stars_b.csv": STARS_B_CSV,
  "bad.csv": "id,ra,dec,mag,label,seen\n4,bad,1,1,x,\n",
  "dup.csv": "id,ra,dec,mag,label,seen\n5,1,1,1,x,\n5,2,2,2,y,\n",
  "nomag.csv": "id,ra,dec,label,seen\n6,1,1,x,\n",
  "obs.csv": "obs_id,star_id,flux\n1,1,0.5\n2,1,0.75\n3,3,\n",
  "fields.csv": "field_id,name\n1,north\n2,south\n",
  "stars2.csv": "star_key,ra,dec\n10,1,1\n",
};

interface Target {
  readonly name: "duckdb" | "mariadb";
  start(ctx: Mocha.Context): Promise<void>;
  stop(): Promise<void>;
  /** The configuration, as the overrides that startService takes. */
  settings(): Record<string, unknown>;
  /** Rows as arrays, numbers as numbers. */
  query(sql: string): Promise<unknown[][]>;
  /** An SQL expression that prints a timestamp column as `YYYY-MM-DD hh:mm:ss`. */
  timestamp(column: string): string;
  /** A quoted identifier (dec is a reserved word in MariaDB). */
  id(name: string): string;
}

function plain(v: unknown): unknown {
  return typeof v === "bigint" ? Number(v) : v;
}

function duckTarget(dir: () => string): Target {
  const path = () => join(dir(), "tap.duckdb");
  return {
    name: "duckdb",
    async start() {},
    async stop() {},
    settings: () => ({ backend: "duckdb", duckdb: { path: path() }, demo: false }),
    async query(sql) {
      const duck = await DuckDbBackend.open(path());
      try {
        return (await duck.rows(sql)).map((r) => r.map(plain));
      } finally {
        await duck.close();
      }
    },
    timestamp: (c) => `strftime(${c}, '%Y-%m-%d %H:%M:%S')`,
    id: (n) => `"${n}"`,
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
    settings: () => ({ backend: "mariadb", mariadb, demo: false }),
    async query(sql) {
      const c = await db!.connect({ database: "tap" });
      try {
        const [rows] = await c.query({ sql, rowsAsArray: true });
        return Array.isArray(rows) ? (rows as unknown[][]).map((r) => r.map(plain)) : [];
      } finally {
        await c.end();
      }
    },
    timestamp: (c) => `DATE_FORMAT(${c}, '%Y-%m-%d %H:%i:%s')`,
    id: (n) => `\`${n}\``,
  };
}

/** Loads running at once: console.log is silenced while any runs, and given back when the last ends. */
let loading = 0;
const realLog = console.log;

async function load(config: Config, yaml: string, table: string, file: string): Promise<void> {
  if (loading++ === 0) console.log = () => {};
  try {
    await loadCommand(["--schema", yaml, "--table", table, file], config);
  } finally {
    if (--loading === 0) console.log = realLog;
  }
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("the load succeeded");
}

/** CSV rows of a sync query through the service (after the header line). */
async function served(url: string, query: string): Promise<{ status: number; rows: string[][]; text: string }> {
  const r = await sync(url, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "csv" });
  const lines = r.text.trim().split(/\r?\n/).slice(1);
  return { status: r.status, rows: lines.filter((l) => l !== "").map((l) => l.split(",")), text: r.text };
}

describe("tap-server load", function () {
  let dir = "";
  const targets: Target[] = [duckTarget(() => dir), mariaTarget()];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tap-load-test-"));
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
    mkdirSync(join(dir, "a-directory.csv"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Felis files for a schema name of the test's own. */
  const yamls = (schema: string) => {
    writeFileSync(join(dir, `${schema}.yaml`), labYaml(schema));
    writeFileSync(join(dir, `${schema}-2.yaml`), lab2Yaml(schema));
    return { lab: join(dir, `${schema}.yaml`), lab2: join(dir, `${schema}-2.yaml`) };
  };

  before(async () => {
    // The Parquet file, written by DuckDB from typed values with real Parquet nulls.
    const duck = await DuckDbBackend.open(":memory:");
    try {
      const values = STARS.map(
        (r) =>
          `(${r[0]}::BIGINT, ${r[1]}::DOUBLE, ${r[2]}::DOUBLE, ${r[3] ?? "NULL"}::FLOAT, ` +
          `${r[4] === null ? "NULL" : `'${String(r[4])}'`}::VARCHAR, ${r[5] === null ? "NULL" : `'${String(r[5])}'`}::TIMESTAMP)`,
      );
      const parquet = join(dir, "stars.parquet");
      await duck.run(`COPY (SELECT * FROM (VALUES ${values.join(", ")}) AS t(id, ra, dec, mag, label, seen) ORDER BY id DESC) TO '${parquet}' (FORMAT parquet)`);
      const nulls = await duck.rows(`SELECT count(*) - count(mag), count(*) - count(label), count(*) - count(seen) FROM read_parquet('${parquet}')`);
      expect(nulls[0]!.map(Number)).to.deep.equal([1, 1, 1]);
    } finally {
      await duck.close();
    }
  });

  for (const target of targets) {
    describe(`on ${target.name}`, function () {
      before(async function () {
        await target.start(this);
      });
      after(() => target.stop());

      const starsRows = (schema: string) =>
        target.query(`SELECT id, ra, ${target.id("dec")}, mag, label, ${target.timestamp("seen")} FROM ${schema}.stars ORDER BY id`);
      const tablesOf = async (schema: string) =>
        (await target.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY 1`)).map((r) => r[0]);
      const storedDoc = async (schema: string) => (await target.query(`SELECT yaml FROM tap_server_felis WHERE name = '${schema}'`))[0]?.[0];

      const FORMATS = [
        { format: "CSV (empty field = NULL)", file: "stars.csv" },
        { format: "Parquet (Parquet nulls)", file: "stars.parquet" },
      ];
      for (const [i, c] of FORMATS.entries()) {
        it(`loads ${c.format}: every value, NULLs, non-ASCII text`, async () => {
          const schema = `fmt${i}`;
          await load(configFrom(target.settings()), yamls(schema).lab, `${schema}.stars`, join(dir, c.file));
          expect(await starsRows(schema)).to.deep.equal(STARS);
          expect(await tablesOf(schema)).to.deep.equal(["stars"]);
        });
      }

      it("a reload replaces the rows", async () => {
        const { lab } = yamls("reload");
        await load(configFrom(target.settings()), lab, "reload.stars", join(dir, "stars.csv"));
        await load(configFrom(target.settings()), lab, "reload.stars", join(dir, "stars_b.csv"));
        expect(await starsRows("reload")).to.deep.equal(STARS_B);
        expect(await tablesOf("reload")).to.deep.equal(["stars"]);
      });

      const FAILURES = [
        { what: "a value that is not a double", file: "bad.csv", error: /Conversion Error: Could not convert string 'bad' to DOUBLE/ },
        { what: "a duplicate primary key", file: "dup.csv", error: /duplicate/i },
        { what: "a column missing from the file", file: "nomag.csv", error: /Binder Error: .*"mag"/ },
        { what: "a missing input file", file: "missing.csv", error: /cannot read .*missing\.csv: ENOENT/ },
        { what: "a directory as input", file: "a-directory.csv", error: /cannot read .*a-directory\.csv: not a file/ },
      ];
      for (const [i, c] of FAILURES.entries()) {
        it(`a failed load (${c.what}) keeps the old rows and what is published, and leaves nothing behind`, async () => {
          const schema = `fail${i}`;
          const { lab } = yamls(schema);
          await load(configFrom(target.settings()), lab, `${schema}.stars`, join(dir, "stars.csv"));
          const doc = await storedDoc(schema);
          const e = await rejection(load(configFrom(target.settings()), lab, `${schema}.stars`, join(dir, c.file)));
          expect(e.message).to.match(c.error);
          expect(await starsRows(schema)).to.deep.equal(STARS);
          expect(await tablesOf(schema)).to.deep.equal(["stars"]);
          expect(await storedDoc(schema)).to.equal(doc);
        });
      }

      it("loads NaN and infinities as themselves on DuckDB, as NULL on MariaDB (which has neither)", async () => {
        const parquet = join(dir, "nonfinite.parquet");
        const duck = await DuckDbBackend.open(":memory:");
        try {
          await duck.run(
            `COPY (SELECT * FROM (VALUES (1::BIGINT, 1::DOUBLE, 1::DOUBLE, 'nan'::FLOAT, 'a'::VARCHAR, NULL::TIMESTAMP), ` +
              `(2, 2, 2, 'inf'::FLOAT, 'b', NULL), (3, 3, 3, '-inf'::FLOAT, 'c', NULL), (4, 4, 4, 1.5::FLOAT, 'd', NULL)) ` +
              `AS t(id, ra, dec, mag, label, seen)) TO '${parquet}' (FORMAT parquet)`,
          );
        } finally {
          await duck.close();
        }
        const { lab } = yamls("nonfinite");
        await load(configFrom(target.settings()), lab, "nonfinite.stars", parquet);
        const mags = (await target.query("SELECT id, mag FROM nonfinite.stars ORDER BY id")).map((r) => r[1]);
        expect(mags).to.deep.equal(target.name === "duckdb" ? [NaN, Infinity, -Infinity, 1.5] : [null, null, null, 1.5]);
      });

      if (target.name === "mariadb") {
        it("two loads into one schema at once both land, and both tables are published (loads take turns)", async () => {
          const { lab } = yamls("together");
          await Promise.all([
            load(configFrom(target.settings()), lab, "together.stars", join(dir, "stars.csv")),
            load(configFrom(target.settings()), lab, "together.obs", join(dir, "obs.csv")),
          ]);
          expect(await tablesOf("together")).to.deep.equal(["obs", "stars"]);
          const published = (await target.query("SELECT table_name FROM tap_server_felis_tables WHERE schema_name = 'together' ORDER BY 1")).map((r) => r[0]);
          expect(published).to.deep.equal(["obs", "stars"]);
          expect(String(await storedDoc("together"))).to.match(/"obs"[\s\S]*"stars"|"stars"[\s\S]*"obs"/);
          // Its obs_star key would share an id with the schema of the TAP_SCHEMA test below.
          await target.query("DROP DATABASE together");
          await target.query("DELETE FROM tap_server_felis_tables WHERE schema_name = 'together'");
          await target.query("DELETE FROM tap_server_felis WHERE name = 'together'");
        });
      }

      it("a missing input file is found before the database is touched (no schema, nothing stored)", async () => {
        const { lab } = yamls("untouched");
        const e = await rejection(load(configFrom(target.settings()), lab, "untouched.stars", join(dir, "missing.csv")));
        expect(e.message).to.match(/cannot read/);
        expect((e as { usage?: boolean }).usage).to.equal(true);
        const schemata = await target.query("SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'untouched'");
        expect(schemata).to.deep.equal([]);
        expect(await storedDoc("untouched")).to.equal(undefined);
      });

      // Loads from two Felis files of one schema; after each, what the started service publishes.
      const STEPS: {
        load: [file: "lab" | "lab2", table: string, data: string];
        tables: [string, string][];
        keys: string[][];
        columns: Record<string, string[]>;
        counts: Record<string, number>;
      }[] = [
        {
          load: ["lab", "stars", "stars.csv"],
          tables: [["pub.stars", "Stars (lab.yaml)."]],
          keys: [],
          columns: { stars: ["id", "ra", "dec", "mag", "label", "seen"] },
          counts: { stars: 3 },
        },
        {
          load: ["lab2", "fields", "fields.csv"],
          tables: [
            ["pub.fields", "Fields (lab2.yaml)."],
            ["pub.stars", "Stars (lab.yaml)."],
          ],
          keys: [],
          columns: { fields: ["field_id", "name"], stars: ["id", "ra", "dec", "mag", "label", "seen"] },
          counts: { fields: 2, stars: 3 },
        },
        {
          load: ["lab", "obs", "obs.csv"],
          tables: [
            ["pub.fields", "Fields (lab2.yaml)."],
            ["pub.obs", "Observations (lab.yaml)."],
            ["pub.stars", "Stars (lab.yaml)."],
          ],
          keys: [["obs_star", "pub.obs", "pub.stars"]],
          columns: { obs: ["obs_id", "star_id", "flux"] },
          counts: { fields: 2, obs: 3, stars: 3 },
        },
        {
          // Another definition of stars, without the column the key refers to: the key goes.
          load: ["lab2", "stars", "stars2.csv"],
          tables: [
            ["pub.fields", "Fields (lab2.yaml)."],
            ["pub.obs", "Observations (lab.yaml)."],
            ["pub.stars", "Stars (lab2.yaml)."],
          ],
          keys: [],
          columns: { stars: ["star_key", "ra", "dec"] },
          counts: { fields: 2, obs: 3, stars: 1 },
        },
        {
          load: ["lab", "stars", "stars_b.csv"],
          tables: [
            ["pub.fields", "Fields (lab2.yaml)."],
            ["pub.obs", "Observations (lab.yaml)."],
            ["pub.stars", "Stars (lab.yaml)."],
          ],
          keys: [["obs_star", "pub.obs", "pub.stars"]],
          columns: { stars: ["id", "ra", "dec", "mag", "label", "seen"] },
          counts: { fields: 2, obs: 3, stars: 2 },
        },
      ];
      it("TAP_SCHEMA publishes exactly the loaded tables, each as the file it was loaded with defined it", async () => {
        const files = yamls("pub");
        for (const [i, step] of STEPS.entries()) {
          const [file, table, data] = step.load;
          await load(configFrom(target.settings()), files[file], `pub.${table}`, join(dir, data));
          const running = await startService(target.settings());
          try {
            const at = `after load ${i + 1} (${file}.yaml ${table})`;
            const tables = await served(running.url, "SELECT table_name, description FROM TAP_SCHEMA.tables WHERE schema_name = 'pub' ORDER BY table_name");
            expect(tables.status, tables.text).to.equal(200);
            expect(tables.rows, at).to.deep.equal(step.tables);
            const keys = await served(running.url, "SELECT key_id, from_table, target_table FROM TAP_SCHEMA.keys WHERE from_table LIKE 'pub.%'");
            expect(keys.rows, at).to.deep.equal(step.keys);
            for (const [t, cols] of Object.entries(step.columns)) {
              const got = await served(running.url, `SELECT column_name FROM TAP_SCHEMA.columns WHERE table_name = 'pub.${t}' ORDER BY column_index`);
              expect(got.rows.map((r) => r[0]), `${at}: columns of ${t}`).to.have.members(cols);
            }
            for (const [t, n] of Object.entries(step.counts)) {
              const got = await served(running.url, `SELECT COUNT(*) AS n FROM pub.${t}`);
              expect(got.status, got.text).to.equal(200);
              expect(got.rows, `${at}: rows of ${t}`).to.deep.equal([[String(n)]]);
            }
            if (i === 0) {
              // obs is defined in lab.yaml but not loaded: unknown to the service (a 400, not a 500).
              const other = await served(running.url, "SELECT COUNT(*) FROM pub.obs");
              expect(other.status, other.text).to.equal(400);
            }
          } finally {
            await running.close();
          }
        }
      });

      it("a schema stored by the older loader (its whole Felis file) keeps, at the next load, only its tables that exist", async () => {
        const { lab, lab2 } = yamls("legacy");
        await load(configFrom(target.settings()), lab, "legacy.stars", join(dir, "stars.csv"));
        // What the older loader left: the whole of lab.yaml (stars and obs), no per-table rows.
        await target.query("DELETE FROM tap_server_felis_tables WHERE schema_name = 'legacy'");
        await target.query(`UPDATE tap_server_felis SET yaml = '${labYaml("legacy").replaceAll("'", "''")}' WHERE name = 'legacy'`);
        await load(configFrom(target.settings()), lab2, "legacy.fields", join(dir, "fields.csv"));
        const published = loadFelis(String(await storedDoc("legacy"))).schemas[0]!;
        expect(published.tables.map((t) => [t.name, t.description])).to.deep.equal([
          ["fields", "Fields (lab2.yaml)."],
          ["stars", "Stars (lab.yaml)."],
        ]);
        const rows = await target.query("SELECT table_name FROM tap_server_felis_tables WHERE schema_name = 'legacy' ORDER BY 1");
        expect(rows).to.deep.equal([["fields"], ["stars"]]);
      });

      if (target.name === "duckdb") {
        const ORDERS = [
          {
            what: "dec found by its UCD (pos.eq.dec;meta.main), a primary key",
            yaml: (s: string) => labYaml(s),
            table: "stars",
            header: "id,ra,dec,mag,label,seen",
            row: (i: number, dec: string) => `${i},${(i * 7) % 360},${dec},,,`,
            dec: "dec",
            index: "CREATE UNIQUE INDEX idx_stars_primary_key ON %s.stars(id);",
          },
          {
            what: "dec named by qserv:dec_column (no UCD), a two-column primary key",
            yaml: (s: string) => `---
name: ${s}
tables:
- name: src
  primaryKey: ["#src.visit", "#src.n"]
  qserv:director: true
  qserv:ra_column: alpha
  qserv:dec_column: delta
  columns:
  - { name: visit, datatype: int }
  - { name: n, datatype: int }
  - { name: alpha, datatype: double }
  - { name: delta, datatype: double }
`,
            table: "src",
            header: "visit,n,alpha,delta",
            row: (i: number, dec: string) => `${i % 7},${i},${(i * 7) % 360},${dec}`,
            dec: "delta",
            index: "CREATE UNIQUE INDEX idx_src_primary_key ON %s.src(visit, n);",
          },
          {
            what: "no dec column and no primary key: the file's order, no index",
            yaml: (s: string) => `---\nname: ${s}\ntables:\n- name: plain\n  columns:\n  - { name: x, datatype: int }\n  - { name: dec, datatype: double }\n`,
            table: "plain",
            header: "x,dec",
            row: (i: number, dec: string) => `${i},${dec}`,
            dec: null,
            index: null,
          },
        ];
        for (const [k, c] of ORDERS.entries()) {
          it(`stores the rows in dec order, NULLs last, with the primary key indexed: ${c.what}`, async () => {
            const schema = `order${k}`;
            const yaml = join(dir, `${schema}.yaml`);
            writeFileSync(yaml, c.yaml(schema));
            // 2,000 rows in a scrambled order, every 10th dec NULL.
            const decs = Array.from({ length: 2000 }, (_, i) => (i % 10 === 3 ? "" : String((((i * 7919) % 2000) / 2000) * 180 - 90)));
            writeFileSync(join(dir, `${schema}.csv`), [c.header, ...decs.map((d, i) => c.row(i, d))].join("\n") + "\n");
            await load(configFrom(target.settings()), yaml, `${schema}.${c.table}`, join(dir, `${schema}.csv`));
            const stored = (await target.query(`SELECT ${c.dec ?? "dec"} FROM ${schema}.${c.table} ORDER BY rowid`)).map((r) => r[0]);
            const fileOrder = decs.map((d) => (d === "" ? null : Number(d)));
            const expected = c.dec
              ? [...fileOrder.filter((d): d is number => d !== null).sort((a, b) => a - b), ...fileOrder.filter((d) => d === null)]
              : fileOrder;
            expect(stored).to.deep.equal(expected);
            const indexes = await target.query(`SELECT sql, is_unique FROM duckdb_indexes() WHERE schema_name = '${schema}'`);
            expect(indexes).to.deep.equal(c.index ? [[c.index.replace("%s", schema), true]] : []);
          });
        }

        it("a 300,000-row table: small row groups whose dec ranges do not overlap (zonemaps prune dec bands)", async () => {
          const { lab } = yamls("zone");
          const lines = ["id,ra,dec,mag,label,seen"];
          for (let i = 0; i < 300_000; i++) lines.push(`${i},${(i * 0.0137) % 360},${(((i * 7919) % 300_000) / 300_000) * 180 - 90},,,`);
          writeFileSync(join(dir, "zone.csv"), lines.join("\n") + "\n");
          await load(configFrom(target.settings()), lab, "zone.stars", join(dir, "zone.csv"));
          const segments = await target.query(
            "SELECT row_group_id, stats FROM pragma_storage_info('zone.stars') WHERE column_name = 'dec' AND segment_type = 'DOUBLE' ORDER BY row_group_id, segment_id",
          );
          const ranges = segments.map((s) => {
            const m = /Min: ([-\d.e]+), Max: ([-\d.e]+)/.exec(String(s[1]));
            return [Number(m![1]), Number(m![2])] as const;
          });
          // Row groups of DuckDbBackend's size in a database file (DuckDB's default would make 3).
          expect(new Set(segments.map((s) => s[0])).size).to.equal(Math.ceil(300_000 / ROW_GROUP_SIZE));
          for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).to.be.at.least(ranges[i - 1]![1]);
          // A 1° band touches about 1/180 of the table: one or two segments.
          expect(ranges.filter(([lo, hi]) => hi >= 10 && lo <= 11).length).to.be.at.most(2);
        });
      }

      if (target.name === "mariadb") {
        it("creates the primary key, the dec index (with the RA second) and the indexed columns' indexes, and installs the scisql functions", async () => {
          const { lab } = yamls("spatial");
          await load(configFrom(target.settings()), lab, "spatial.stars", join(dir, "stars.csv"));
          const indexes = await target.query(
            "SELECT index_name, column_name FROM information_schema.statistics WHERE table_schema = 'spatial' AND table_name = 'stars' ORDER BY 1, seq_in_index",
          );
          expect(indexes).to.deep.equal([
            ["idx_stars_dec", "dec"],
            ["idx_stars_dec", "ra"],
            ["PRIMARY", "id"],
          ]);
          const collation = await target.query(
            "SELECT table_collation FROM information_schema.tables WHERE table_schema = 'spatial' AND table_name = 'stars'",
          );
          expect(collation).to.deep.equal([["utf8mb4_bin"]]);
          const fns = await target.query(
            "SELECT scisql_angSep(0, 0, 0, 1), scisql_s2PtInCircle(10.5, -20.25, 10, -20, 1), scisql_s2PtInCircle(200, 45.5, 10, -20, 1)",
          );
          expect(fns[0]![0]).to.be.closeTo(1, 1e-12);
          expect(fns[0]!.slice(1)).to.deep.equal([1, 0]);
          // A cone through the stored function over the loaded rows.
          const cone = await target.query("SELECT id FROM spatial.stars WHERE scisql_s2PtInCircle(ra, `dec`, 10, -20, 1) = 1");
          expect(cone).to.deep.equal([[1]]);
        });
      }
    });
  }

  describe("the published Felis documents", () => {
    const FILES_READ_BACK = [
      ["demo/demo.yaml", DEMO_SCHEMA_PATH],
      ["adql-compiler/schemas/example.yaml", fileURLToPath(new URL("../../adql-compiler/schemas/example.yaml", import.meta.url))],
      ["shared/felis/dp02_dc2.yaml", fileURLToPath(new URL("../../../../shared/felis/dp02_dc2.yaml", import.meta.url))],
      ["shared/felis/dp1.yaml", fileURLToPath(new URL("../../../../shared/felis/dp1.yaml", import.meta.url))],
    ];
    const all = (s: Schema) => new Map(s.tables.map((t) => [t.name, felisTable(t)]));
    for (const [name, path] of FILES_READ_BACK) {
      it(`every table of ${name}, published, reads back to the same catalog`, () => {
        const catalog = loadFelis(path!);
        for (const schema of catalog.schemas) {
          const back: Catalog = loadFelis(publishedDocument(schema, all(schema)));
          // The document lists the tables by name.
          const sorted = { ...schema, tables: [...schema.tables].sort((a, b) => (a.name < b.name ? -1 : 1)) };
          expect(back.schemas).to.deep.equal([sorted]);
        }
      });
    }

    it("keeps non-ASCII text, and is ASCII itself", () => {
      const catalog = loadFelis("---\nname: u\ndescription: Ω Centauri 😀\ntables:\n- name: t\n  columns:\n  - { name: x, datatype: int, description: \"é\" }\n");
      const doc = publishedDocument(catalog.schemas[0]!, all(catalog.schemas[0]!));
      expect(doc).to.match(/^[\x20-\x7e\n]*$/);
      expect(loadFelis(doc).schemas).to.deep.equal(catalog.schemas);
      expect(loadFelis(doc).schemas[0]!.description).to.equal("Ω Centauri 😀");
    });

    const example = () => loadFelis(fileURLToPath(new URL("../../adql-compiler/schemas/example.yaml", import.meta.url))).schemas[0]!;
    const LINKS = [
      { loaded: ["Detection"], keys: [], detectionQserv: null },
      { loaded: ["Object", "Detection"], keys: ["Detection → Object"], detectionQserv: "child" },
    ];
    for (const c of LINKS) {
      it(`with ${c.loaded.join(" and ")} loaded, keys and Qserv links point only to loaded tables`, () => {
        const schema = example();
        const tables = new Map(schema.tables.filter((t) => c.loaded.includes(t.name)).map((t) => [t.name, felisTable(t)]));
        const back = loadFelis(publishedDocument(schema, tables)).schemas[0]!;
        expect(back.tables.map((t) => t.name).sort()).to.deep.equal([...c.loaded].sort());
        const detection = back.tables.find((t) => t.name === "Detection")!;
        expect(detection.foreignKeys.map((k) => `${detection.name} → ${k.targetTable}`)).to.deep.equal(c.keys);
        expect(detection.qserv?.role ?? null).to.equal(c.detectionQserv);
      });
    }
  });
});
