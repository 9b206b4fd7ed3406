/**
 * The demo catalog: demo/demo.yaml's tables, filled with rows from a seeded generator, so that
 * every fresh start produces the same catalog. Stars are uniform on the sphere; magnitudes,
 * parallaxes and designations are sometimes NULL; detections carry a band and an MJD.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBTimestampValue } from "@duckdb/node-api";
import type { DuckDbBackend } from "./backends/duckdb.js";
import { quoteDuck } from "./backends/duckdb.js";
import { duckStorageType } from "./catalog.js";
import type { Catalog, Table } from "./compiler-extras.js";

export const DEMO_SCHEMA_PATH = fileURLToPath(new URL("../demo/demo.yaml", import.meta.url));
export const DEMO_STARS = 100_000;
export const DEMO_DETECTIONS = 200_000;

/** A small, seeded 32-bit generator (xorshift, then a multiply-xorshift finaliser). */
export class Random {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    let z = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
    z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  }
  gauss(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** The DuckDB table of a catalog table (a region column holds its DALI text; catalog.ts, withRegionStorage). */
export function createTableSql(t: Table, qualified: string): string {
  const cols = t.columns.map((c) => `${quoteDuck(c.name)} ${duckStorageType(c)}${c.nullable ? "" : " NOT NULL"}`);
  if (t.primaryKey.length > 0) cols.push(`PRIMARY KEY (${t.primaryKey.map(quoteDuck).join(", ")})`);
  return `CREATE TABLE ${qualified} (${cols.join(", ")})`;
}

function pad(n: number, width: number): string {
  return String(Math.floor(n)).padStart(width, "0");
}

function designation(ra: number, dec: number): string {
  const h = ra / 15;
  const hh = Math.floor(h);
  const mm = Math.floor((h - hh) * 60);
  const ss = ((h - hh) * 60 - mm) * 60;
  const sign = dec < 0 ? "-" : "+";
  const d = Math.abs(dec);
  const dd = Math.floor(d);
  const dm = Math.floor((d - dd) * 60);
  const ds = Math.floor(((d - dd) * 60 - dm) * 60);
  return `DEMO J${pad(hh, 2)}${pad(mm, 2)}${pad(ss, 2)}.${Math.floor((ss % 1) * 10)}${sign}${pad(dd, 2)}${pad(dm, 2)}${pad(ds, 2)}`;
}

let cacheDir: string | undefined;

/**
 * Keeps a copy of the generated demo tables (Parquet) in `dir`, from which later demo catalogs are filled instead of
 * generated: for test runs, which open many in-memory services (test-support/service.ts), each of which would
 * otherwise spend a second of CPU on the same 300,000 rows. The copy is keyed by what the rows depend on, so that a
 * changed generator generates again. `undefined` turns it off (the default: a server generates once, into its file).
 */
export function cacheDemoIn(dir: string | undefined): void {
  cacheDir = dir;
}

/** The cache's key: this module's code (the generator), demo.yaml, the tables' DuckDB types and DuckDB's version. */
async function cacheKey(duck: DuckDbBackend, tables: readonly Table[]): Promise<string> {
  const version = await duck.rows("SELECT library_version FROM pragma_version()");
  const hash = createHash("sha256");
  for (const part of [readFileSync(fileURLToPath(import.meta.url)), readFileSync(DEMO_SCHEMA_PATH), String(version[0]?.[0])]) hash.update(part).update("\0");
  for (const t of tables) hash.update(createTableSql(t, t.name)).update("\0");
  return hash.digest("hex").slice(0, 16);
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Fills the (empty) demo tables from the cache; false when it has no copy of them, or one DuckDB cannot read. */
async function fillFromCache(duck: DuckDbBackend, tables: readonly Table[], files: Map<string, string>): Promise<boolean> {
  if (![...files.values()].every((f) => existsSync(f))) return false;
  try {
    for (const t of tables) await duck.run(`INSERT INTO demo.${quoteDuck(t.name)} SELECT * FROM read_parquet(${sqlString(files.get(t.name)!)})`);
    return true;
  } catch {
    for (const t of tables) await duck.run(`DELETE FROM demo.${quoteDuck(t.name)}`);
    return false;
  }
}

/**
 * Copies the generated tables into the cache: each file written whole under another name, then renamed. The copies
 * of other versions go (a run that still reads one falls back to generating).
 */
async function fillCache(duck: DuckDbBackend, tables: readonly Table[], files: Map<string, string>): Promise<void> {
  for (const t of tables) {
    const file = files.get(t.name)!;
    const dir = dirname(file);
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.partial`;
    try {
      await duck.run(`COPY demo.${quoteDuck(t.name)} TO ${sqlString(partial)} (FORMAT parquet)`);
      renameSync(partial, file);
    } finally {
      rmSync(partial, { force: true });
    }
    for (const other of readdirSync(dir)) {
      if (other.startsWith("demo-") && other.endsWith(`-${t.name}.parquet`) && join(dir, other) !== file) rmSync(join(dir, other), { force: true });
    }
  }
}

/**
 * Creates and fills the demo tables unless they exist. Returns whether it generated them (or filled them from the cache).
 * `generate` fills the empty tables when the cache has no copy of them (a test gives its own, to see when it is called).
 */
export async function ensureDemo(duck: DuckDbBackend, catalog: Catalog, generate: (duck: DuckDbBackend) => Promise<void> = generateDemo): Promise<boolean> {
  const schema = catalog.schemas.find((s) => s.name === "demo");
  if (!schema) throw new Error("the demo schema is missing from the catalog");
  const existing = await duck.rows(
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'demo' AND table_name IN ('stars', 'detections')",
  );
  // Done only once finishDemo's index is there, its last step: tables left empty by a generation that failed (a full
  // disk) were taken for the demo, and every later start failed on them until the operator deleted the file.
  const finished = await duck.rows(`SELECT count(*) FROM duckdb_indexes() WHERE schema_name = 'demo' AND index_name = '${DEMO_DONE_INDEX}'`);
  if (Number(existing[0]?.[0]) === 2 && Number(finished[0]?.[0]) === 1) return false;
  await duck.run("CREATE SCHEMA IF NOT EXISTS demo");
  for (const t of schema.tables) {
    await duck.run(`DROP TABLE IF EXISTS demo.${quoteDuck(t.name)}`);
    await duck.run(createTableSql(t, `demo.${quoteDuck(t.name)}`));
  }
  const dir = cacheDir;
  const key = dir === undefined ? undefined : await cacheKey(duck, schema.tables);
  const files = new Map(schema.tables.map((t) => [t.name, join(dir ?? "", `demo-${key}-${t.name}.parquet`)]));
  if (dir !== undefined && (await fillFromCache(duck, schema.tables, files))) {
    await finishDemo(duck);
    return true;
  }
  await generate(duck);
  if (dir !== undefined) await fillCache(duck, schema.tables, files).catch(() => {});
  await finishDemo(duck);
  return true;
}

/** The index that finishDemo makes last: its presence says that the demo tables are whole. */
const DEMO_DONE_INDEX = "idx_detections_star_id";

async function finishDemo(duck: DuckDbBackend): Promise<void> {
  await duck.run(`CREATE INDEX IF NOT EXISTS ${DEMO_DONE_INDEX} ON demo.detections (star_id)`);
  await duck.run("CHECKPOINT");
}

/** How many rows the demo generates: DEMO_STARS and DEMO_DETECTIONS, what `npm start` serves, unless a test of the generator asks for fewer. */
export interface DemoSize {
  readonly stars: number;
  readonly detections: number;
}

export async function generateDemo(duck: DuckDbBackend, size: DemoSize = { stars: DEMO_STARS, detections: DEMO_DETECTIONS }): Promise<void> {
  const rnd = new Random(20261124);
  // Generated into a staging table, then stored in declination order: with small row groups (DuckDbBackend's
  // ROW_GROUP_SIZE), a cone's declination band then reads a few groups of the table, not all of it.
  await duck.run("CREATE OR REPLACE TEMP TABLE tap_demo_stars AS SELECT * FROM demo.stars LIMIT 0");
  // Appenders append on this thread (appendX, flushSync): nothing of theirs is under way when close() comes.
  const stars = await duck.withMain((main) => main.createAppender("tap_demo_stars", "main", "temp"));
  const epoch0 = Date.UTC(2024, 0, 1);
  const starMag: (number | null)[] = [];
  for (let i = 1; i <= size.stars; i++) {
    const ra = rnd.next() * 360;
    const dec = (Math.asin(2 * rnd.next() - 1) * 180) / Math.PI;
    const g = 14 + 10 * Math.pow(rnd.next(), 0.4);
    const color = 0.2 + 0.8 * rnd.next();
    const hasG = rnd.next() > 0.1;
    const hasR = rnd.next() > 0.05;
    const hasPlx = rnd.next() > 0.3;
    stars.appendBigInt(BigInt(i));
    stars.appendDouble(ra);
    stars.appendDouble(dec);
    if (g < 21) stars.appendVarchar(designation(ra, dec));
    else stars.appendNull();
    if (hasG) stars.appendFloat(Math.round(g * 1000) / 1000);
    else stars.appendNull();
    const r = g - color;
    starMag.push(hasR ? r : null);
    if (hasR) stars.appendFloat(Math.round(r * 1000) / 1000);
    else stars.appendNull();
    if (hasPlx) stars.appendDouble(Math.round(Math.abs(rnd.gauss()) * 5000) / 1000);
    else stars.appendNull();
    let flags = 0;
    for (let b = 0; b < 4; b++) if (rnd.next() < 0.05) flags |= 1 << b;
    stars.appendInteger(flags);
    stars.appendBoolean(rnd.next() < 0.08);
    const seconds = Math.floor(rnd.next() * 2.5 * 365.25 * 86400);
    stars.appendTimestamp(new DuckDBTimestampValue(BigInt(epoch0 + seconds * 1000) * 1000n));
    stars.endRow();
  }
  stars.flushSync();
  stars.closeSync();
  await duck.run("INSERT INTO demo.stars SELECT * FROM temp.main.tap_demo_stars ORDER BY dec, star_id");
  await duck.run("DROP TABLE temp.main.tap_demo_stars");
  const det = await duck.withMain((main) => main.createAppender("detections", "demo"));
  const bands = "ugrizy";
  for (let i = 1; i <= size.detections; i++) {
    const star = 1 + Math.floor(rnd.next() * size.stars);
    det.appendBigInt(BigInt(i));
    det.appendBigInt(BigInt(star));
    det.appendDouble(Math.round((60310 + rnd.next() * 900) * 1e6) / 1e6);
    det.appendVarchar(bands[Math.floor(rnd.next() * 6)]!);
    const base = starMag[star - 1];
    if (base === null || base === undefined || rnd.next() < 0.03) {
      det.appendNull();
      det.appendNull();
    } else {
      det.appendFloat(Math.round((base + 0.05 * rnd.gauss()) * 1000) / 1000);
      det.appendFloat(Math.round((0.01 + 0.02 * rnd.next()) * 1000) / 1000);
    }
    det.endRow();
  }
  det.flushSync();
  det.closeSync();
}
