/**
 * A generated (seeded) sky for the execution tests, in the tables of the test catalog (catalog.ts):
 * objects spread over the sphere with crowds at both poles, across RA 0/360 and on a 0.5° grid (so
 * that box and polygon edges fall on rows), detections near objects, reference sources of which
 * some sit within a few arcseconds of an object (for cross-matches) and some have no position, and a
 * few exposures whose positions serve as shape centres and vertices. The same rows are loaded into
 * MariaDB and DuckDB and kept here for the brute-force answers.
 */
import type { SchemaTable } from "../../analysis/schema.js";
import { sqlDoubleLiteral } from "../../geometry/inline-sql.js";
import { generatorFor } from "../../compile.js";
import { sharedEngine, type Engine, type Value } from "./engines.js";
import { testSchema } from "./catalog.js";
import { seededRandom } from "./random.js";

export interface SkyObject {
  readonly objectId: number;
  readonly ra: number;
  readonly dec: number;
  readonly name: string | null;
  readonly g_mag: number | null;
  readonly r_mag: number | null;
  readonly flags: number;
}

export interface SkyReference {
  readonly refId: number;
  readonly ra: number | null;
  readonly decl: number | null;
  readonly mag: number | null;
}

export interface SkyExposure {
  readonly exposureId: number;
  readonly ra: number;
  readonly dec: number;
  readonly band: string;
}

export interface Sky {
  readonly objects: readonly SkyObject[];
  readonly references: readonly SkyReference[];
  readonly exposures: readonly SkyExposure[];
  /** Rows per table, keyed `schema.table`, in the catalog's column order. */
  readonly rows: ReadonlyMap<string, readonly Value[][]>;
}

const DEG = 180 / Math.PI;

export function makeSky(seed = 1): Sky {
  const rnd = seededRandom(seed);
  const uniform = (a: number, b: number): number => a + (b - a) * rnd();
  const objects: SkyObject[] = [];
  const add = (ra: number, dec: number): void => {
    const id = objects.length + 1;
    const g = rnd() < 0.1 ? null : Math.fround(uniform(14, 26));
    objects.push({
      objectId: id,
      ra,
      dec,
      name: rnd() < 0.2 ? null : `${rnd() < 0.5 ? "NGC" : "obj"}_${id}`,
      g_mag: g,
      r_mag: rnd() < 0.1 ? null : Math.fround(uniform(14, 26)),
      flags: Math.floor(rnd() * 8),
    });
  };
  for (let i = 0; i < 2000; i++) add(uniform(0, 360), DEG * Math.asin(uniform(-1, 1)));
  for (let i = 0; i < 300; i++) add(uniform(0, 360), uniform(84, 90));
  for (let i = 0; i < 300; i++) add(uniform(0, 360), uniform(-90, -84));
  for (let i = 0; i < 400; i++) add((uniform(-1.5, 1.5) + 360) % 360, uniform(-5, 5));
  for (let ra = 5; ra <= 25; ra += 0.5) for (let dec = 5; dec <= 25; dec += 0.5) add(ra, dec);
  for (const [ra, dec] of [[0, 0], [360, 0], [0, 90], [180, -90], [359.99999, 0], [10, 20]] as const) add(ra, dec);

  const references: SkyReference[] = [];
  for (let i = 0; i < 1500; i++) {
    const near = i < 600 ? objects[Math.floor(rnd() * objects.length)]! : undefined;
    let ra: number | null = near ? (near.ra + uniform(-0.0008, 0.0008) + 360) % 360 : uniform(0, 360);
    let decl: number | null = near ? Math.max(-90, Math.min(90, near.dec + uniform(-0.0008, 0.0008))) : DEG * Math.asin(uniform(-1, 1));
    if (i % 97 === 0) ra = null;
    if (i % 89 === 0) decl = null;
    references.push({ refId: 100000 + i, ra, decl, mag: rnd() < 0.05 ? null : Math.fround(uniform(10, 20)) });
  }

  const exposures: SkyExposure[] = [];
  for (let i = 0; i < 12; i++) {
    exposures.push({ exposureId: 500 + i, ra: i < 4 ? 359.5 + i * 0.4 : uniform(5, 25), dec: i < 4 ? 0 : uniform(5, 25), band: "ugrizy"[i % 6]! });
  }

  // Right ascensions outside [0, 360), which scisql's predicates read modulo 360 (bound-right-ascension must keep them).
  // Pushed without rnd(), so that the rows above stay as they were.
  for (const [ra, dec] of [[-0.3, 0.1], [360.4, -0.2], [370, 20.1], [-350, 19.9]] as const) {
    objects.push({ objectId: objects.length + 1, ra, dec, name: null, g_mag: null, r_mag: null, flags: 0 });
  }

  const rows = new Map<string, Value[][]>();
  rows.set("demo.Object", objects.map((o) => [o.objectId, o.ra, o.dec, o.name, o.g_mag, o.r_mag, o.flags, o.flags % 2 === 1, `2020-01-0${1 + (o.objectId % 9)} 12:00:00.${o.objectId % 1000}`]));
  const detections: Value[][] = [];
  for (const o of objects.slice(0, 1500)) {
    for (let k = 0; k < 2; k++) {
      detections.push([detections.length + 1, o.objectId, (o.ra + 360) % 360, o.dec, 60000 + detections.length / 10, "ugrizy"[detections.length % 6]!,
        detections.length % 13 === 0 ? null : Math.fround(uniform(0, 1000)), Math.fround(uniform(1, 10))]);
    }
  }
  rows.set("demo.Detection", detections);
  rows.set("ext.Reference", references.map((r) => [r.refId, r.ra, r.decl, r.mag]));
  rows.set("ext.Exposure", exposures.map((e) => [e.exposureId, e.band, 59000 + e.exposureId, 30, e.ra, e.dec]));
  rows.set("ext.Vals", VALS.map((v) => [v.id, v.i, v.x, v.f, v.p, v.s, v.ang, v.t]));
  rows.set("ext.Weird", [Array.from({ length: 14 }, (_, i) => i + 1), Array.from({ length: 14 }, (_, i) => -(i + 1))]);
  rows.set("tap_tmp.upload_1234", objects.slice(0, 20).map((o) => [o.objectId, o.ra, o.dec]));
  return { objects, references, exposures, rows };
}

/** A row of ext.Vals: values that exercise the function mappings (ties, signs, NULL, non-ASCII...). */
export interface ValsRow {
  readonly id: number;
  readonly i: number | null;
  readonly x: number | null;
  readonly f: number | null;
  readonly p: number | null;
  readonly s: string | null;
  readonly ang: number | null;
  readonly t: number | null;
}

const I = [0, 1, -1, 7, -7, 2, 3, 10, -10, 125, -125, 2147483648, -5, null, 6, 9007199254740991, -9007199254740991, 15];
const X = [2.5, -2.5, 0.5, 1.5, 0.125, 19.85, -0.6205, 1234.5, -1234.5, 0, 1e-300, 3.14159, 100, null, 1.005, -7.25, 0.29, 1e15 + 0.5];
const F = [0.1, 2.5, -1.25, null, 3.3, -0.7, 1e-3, 65504, 0, 7.5, -2.5, 1.5, 0.3, 12.25, -100.125, 0.2, 5, null].map((v) => (v === null ? null : Math.fround(v)));
const P = [1, 2, 10, 0.5, 1e-5, 1e10, 123.456, Math.E, 0.001, 3, null, 7, 1000, 42.42, 0.9, 64, 2.25, 99.5];
const S = ["abc", "Abc", "ABC", "é", "É", "a_b", "axb", "a\\b", "a%b", "it's", "NGC_1", "", null, "ÉCOLE", "x", "a\\_b", "ça va", "Ab_"];
const ANG = [1, 0.5, -2, 180, 0, null, 1 / 3, 90, 45, 10, 12.5, 360, 0.001, 7, -90, 33, 1e-6, 2];
const T = [1, 0.5, 2, null, 365.25, 0, 1 / 24, 3, 7, 10, 100, 0.001, 12, 30, 60, 0.25, 9, 1.5];

export const VALS: readonly ValsRow[] = I.map((i, k) => ({
  id: k + 1, i, x: X[k]!, f: F[k]!, p: P[k]!, s: S[k]!, ang: ANG[k]!, t: T[k]!,
}));

/** The column type of a catalog column in each engine. */
function sqlType(c: SchemaTable["columns"][number], engine: Engine["name"]): string {
  if (c.xtype === "timestamp") return engine === "mariadb" ? "DATETIME(3)" : "TIMESTAMP";
  switch (c.datatype) {
    case "long": return "BIGINT";
    case "int": return "INTEGER";
    case "short": case "unsignedByte": return "SMALLINT";
    case "float": return "FLOAT";
    case "double": return "DOUBLE";
    case "boolean": return "BOOLEAN";
    default: return engine === "mariadb" ? "VARCHAR(64)" : "VARCHAR";
  }
}

/** A value as a literal of the engine's SQL. */
export function sqlValue(v: Value, engine: Engine["name"]): string {
  if (v === null) return "NULL";
  if (typeof v === "number") return sqlDoubleLiteral(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  return generatorFor(engine === "mariadb" ? "mysql" : "duckdb").stringLiteral(v);
}

/** Creates the test catalog's tables in an engine and loads the rows given for them. */
export async function loadTables(engine: Engine, rows: ReadonlyMap<string, readonly Value[][]>): Promise<void> {
  const g = generatorFor(engine.dialect);
  for (const t of testSchema().tables) {
    const name = t.sqlName ?? [t.schema ?? "", t.name];
    const qualified = name.map((p) => g.quoteIdentifier(p)).join(".");
    const cols = t.columns.map((c) => `${g.quoteIdentifier(c.name)} ${sqlType(c, engine.name)}`).join(", ");
    await engine.exec(`CREATE TABLE ${qualified} (${cols})`);
    // Identifier columns indexed, as a catalog has them: joins on objectId need not scan.
    for (const c of t.columns.filter((c) => /^(?:[a-z]+Id|id)$/.test(c.name))) {
      await engine.exec(`CREATE INDEX ${g.quoteIdentifier(`${t.name}_${c.name}`)} ON ${qualified} (${g.quoteIdentifier(c.name)})`);
    }
    const data = rows.get(name.join(".")) ?? [];
    for (let i = 0; i < data.length; i += 500) {
      const values = data.slice(i, i + 500).map((r) => `(${r.map((v) => sqlValue(v, engine.name)).join(", ")})`);
      await engine.exec(`INSERT INTO ${qualified} VALUES ${values.join(", ")}`);
    }
  }
}

let sky: Sky | undefined;

/** The generated sky (the same object for every caller). */
export function theSky(): Sky {
  sky ??= makeSky();
  return sky;
}

/** A shared engine of each kind with the sky loaded (engines.ts sharedEngine). */
export function skyEngine(kind: Engine["name"], ctx: Mocha.Context): Promise<Engine> {
  return sharedEngine(kind, ctx, (e) => loadTables(e, theSky().rows));
}
