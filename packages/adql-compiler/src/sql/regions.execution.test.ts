/**
 * Execution equivalence of region-valued columns (ADQL 2.1 §4.2; catalog/regions.ts): ADQL against a
 * table of footprints, compiled for the mysql dialect and run on MariaDB (the region stored functions,
 * scisql's binary polygon in c_scisql), compiled for the duckdb dialect and run on DuckDB (the region JS
 * functions), must give the rows that a brute force gives: every stored value parsed with @qserv-tap/sky
 * and each predicate, AREA and CENTROID evaluated in TypeScript, row by row.
 *
 * The footprints (ext.Footprint, with every storage column from regionStorageValues, and ext.Plain, the
 * same polygons without storage columns): across RA 0, around both poles, larger than a hemisphere
 * (a circle of 120° and one of 179°), tiny (1e-4°), two triangles that touch only at a vertex, a square
 * nested in another, disjoint ones, NULLs, and "shape" values of every kind (DALI labelled and STC-S).
 * The queries: each predicate (CONTAINS of a point, of a region in a shape and of a shape in a region,
 * INTERSECTS) against each shape kind (CIRCLE, BOX, POLYGON, REGION, a point), `= 0` and OR (where no
 * bounds are added), joins of two region columns and of points with footprints, a CIRCLE built from
 * columns, AREA, CENTROID, COORD1/COORD2 of a point column, and the stored values selected.
 * The counts of equal results per backend are printed at the end.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { angularSeparation, parseRegion, point, unitVector, type Region } from "@qserv-tap/sky";
import { expect } from "chai";
import type { RegionXtype } from "../catalog/regions.js";
import { compile } from "../compile.js";
import { registerScisqlFunctions } from "../geometry/duckdb-functions.js";
import { registerRegionFunctions } from "../geometry/region-functions-duckdb.js";
import { regionStorageValues } from "../geometry/region-storage.js";
import { closeSharedEngines, sharedEngine, type Engine, type Value } from "./test-support/engines.js";
import { regionSchema } from "./test-support/regions.js";

after(closeSharedEngines);

/** One footprint row: the value of each region column (as a loader would be given it), or null. */
interface Footprint {
  readonly id: number;
  readonly s_region: string | null;
  readonly cover: string | null;
  readonly pos: string | null;
  readonly shape: string | null;
}

const FOOTPRINTS: readonly Footprint[] = [
  { id: 1, s_region: "358 -1 2 -1 2 1 358 1", cover: "359.5 0 1", pos: "0 0", shape: "circle 0 0 1" },
  { id: 2, s_region: "0 85 90 85 180 85 270 85", cover: "0 90 5", pos: "123 89.5", shape: "polygon 0 -80 120 -80 240 -80" },
  { id: 3, s_region: "0 -80 120 -80 240 -80", cover: "180 -90 3", pos: "0 -90", shape: "range 350 10 -5 5" },
  { id: 4, s_region: "10 10 10.0001 10 10.0001 10.0001", cover: "10.00005 10.00005 0.00001", pos: "10.00005 10.00005", shape: "circle 10 10 0.0002" },
  { id: 5, s_region: "20 0 25 0 22 3", cover: "22 1 1", pos: "25 0", shape: "polygon 25 0 30 0 28 -3" },
  { id: 6, s_region: "25 0 30 0 28 -3", cover: "180 -20 120", pos: "28 -1", shape: "range 20 30 -3 3" },
  { id: 7, s_region: "40 -10 60 -10 60 10 40 10", cover: "50 0 20", pos: "50 0", shape: "circle 50 0 2" },
  { id: 8, s_region: "45 5 55 5 55 -5 45 -5", cover: "50 0 1", pos: "45 5", shape: "POSITION ICRS 45 5" },
  { id: 9, s_region: "100 40 110 40 105 50", cover: "200 60 0.5", pos: "300 -45", shape: "POLYGON ICRS 100 40 110 40 105 50" },
  { id: 10, s_region: null, cover: null, pos: null, shape: null },
  { id: 11, s_region: "170 -30 190 -30 180 -20", cover: "0 0 179", pos: "359.9999 -0.0001", shape: "CIRCLE ICRS 180 -25 3" },
];

const COLUMNS = { s_region: "polygon", cover: "circle", pos: "point", shape: "shape" } as const satisfies Record<string, RegionXtype>;
type RegionColumn = keyof typeof COLUMNS;

/** Positions: a 15° grid with both poles, and points on the footprints' corners and edges. */
const STARS: readonly { id: number; ra: number; dec: number }[] = (() => {
  const out: { id: number; ra: number; dec: number }[] = [];
  for (let dec = -75; dec <= 75; dec += 15) for (let ra = 0; ra < 360; ra += 15) out.push({ id: out.length + 1, ra, dec });
  for (const [ra, dec] of [[0, 90], [123, -90], [25, 0], [2, 1], [358, -1], [10.00005, 10.00005], [45, 5], [55, 0], [180, -20], [359.9999, 0.5], [22, 3.0001]] as const) {
    out.push({ id: out.length + 1, ra, dec });
  }
  return out;
})();

// ---- the brute force

const parsed = FOOTPRINTS.map((f) => {
  const r = {} as Record<RegionColumn, Region | null>;
  for (const [c, xtype] of Object.entries(COLUMNS) as [RegionColumn, RegionXtype][]) r[c] = f[c] === null ? null : parseRegion(xtype, f[c]!);
  return { id: f.id, r };
});

const bit = (b: boolean): number => (b ? 1 : 0);
/** scisql's rule, which the region functions keep: a NULL region gives 0. */
const pred = (r: Region | null, test: (r: Region) => boolean): number => (r === null ? 0 : bit(test(r)));
/** A position on a region's edge: inside by sky's tolerant test, outside by its exact contains(). */
const onEdge = (r: Region | null, x: number, y: number): boolean => r !== null && !r.contains(x, y) && point(x, y).intersects(r);

function rowsWhere(test: (f: (typeof parsed)[number]) => boolean): string[] {
  return parsed.filter(test).map((f) => String(f.id));
}

// ---- the cases

interface Case {
  readonly name: string;
  readonly adql: string;
  readonly expected: () => Value[][];
  /** Numbers compared within this relative difference (AREA, C's and V8's libm differ in the last bits). */
  readonly tolerance?: number;
  /**
   * Rows that an engine may add: a position on a region's edge, which sky's contains() may round to
   * outside (no tolerance) while scisql's s2PtInCPoly rounds it to inside. Both are "inclusive"; the rows
   * must be exactly these, on the edge within sky's 1e-12 rad (point(x, y).intersects(region)).
   */
  readonly boundary?: () => Value[][];
  /** A comparison of its own (CENTROID: positions compared as directions, a pole's longitude is anything). */
  readonly compare?: (got: readonly Value[][], want: readonly Value[][]) => void;
}

const cases: Case[] = [];
const ids = (xs: string[]): Value[][] => xs.map((x) => x.split("|").map(Number));

/** The constant shapes of the predicates: ADQL and the region sky makes of it (BOX as its coordinate ranges). */
const SHAPES: readonly [adql: string, region: Region][] = [
  ["CIRCLE('ICRS', 0, 0, 1.5)", parseRegion("circle", "0 0 1.5")],
  ["CIRCLE(45, 88, 4)", parseRegion("circle", "45 88 4")],
  ["BOX(0, 0, 6, 4)", parseRegion("range", "357 3 -2 2")],
  ["POLYGON(15, -5, 35, -5, 35, 5, 15, 5)", parseRegion("polygon", "15 -5 35 -5 35 5 15 5")],
  ["CIRCLE(180, -20, 100)", parseRegion("circle", "180 -20 100")],
  ["REGION('POLYGON ICRS 44 -6 56 -6 56 6 44 6')", parseRegion("polygon", "44 -6 56 -6 56 6 44 6")],
  ["CIRCLE(10.00005, 10.00005, 0.00001)", parseRegion("circle", "10.00005 10.00005 0.00001")],
];

for (const [adql, s] of SHAPES) {
  for (const c of ["s_region", "cover", "shape"] as const) {
    cases.push({ name: `INTERSECTS(${adql}, ${c}) = 1`, adql: `SELECT id FROM ext.Footprint WHERE INTERSECTS(${adql}, ${c}) = 1`, expected: () => ids(rowsWhere((f) => pred(f.r[c], (r) => s.intersects(r)) === 1)) });
    cases.push({ name: `CONTAINS(${c}, ${adql}) = 1`, adql: `SELECT id FROM ext.Footprint WHERE CONTAINS(${c}, ${adql}) = 1`, expected: () => ids(rowsWhere((f) => pred(f.r[c], (r) => r.within(s)) === 1)) });
    cases.push({ name: `1 = CONTAINS(${adql}, ${c})`, adql: `SELECT id FROM ext.Footprint WHERE 1 = CONTAINS(${adql}, ${c})`, expected: () => ids(rowsWhere((f) => pred(f.r[c], (r) => s.within(r)) === 1)) });
  }
  cases.push({ name: `CONTAINS(pos, ${adql}) = 1 (a point column)`, adql: `SELECT id FROM ext.Footprint WHERE CONTAINS(pos, ${adql}) = 1`, expected: () => ids(rowsWhere((f) => pred(f.r.pos, (r) => r.within(s)) === 1)) });
  cases.push({ name: `INTERSECTS(${adql}, s_region) = 0 OR INTERSECTS(${adql}, cover) = 1 (no bounds)`, adql: `SELECT id FROM ext.Footprint WHERE INTERSECTS(${adql}, s_region) = 0 OR INTERSECTS(${adql}, cover) = 1`, expected: () => ids(rowsWhere((f) => pred(f.r.s_region, (r) => s.intersects(r)) === 0 || pred(f.r.cover, (r) => s.intersects(r)) === 1)) });
  cases.push({ name: `the same polygons without storage columns (ext.Plain): INTERSECTS(${adql}, s_region)`, adql: `SELECT id FROM ext.Plain WHERE INTERSECTS(${adql}, s_region) = 1`, expected: () => ids(rowsWhere((f) => pred(f.r.s_region, (r) => s.intersects(r)) === 1)) });
}

const POINTS: readonly [number, number][] = [[0, 0], [25, 0], [0, 90], [10.00005, 10.00005], [50, 0], [359.5, 0.2], [45, 5], [105, 45], [180, -85]];
for (const [x, y] of POINTS) {
  for (const c of ["s_region", "cover", "shape"] as const) {
    cases.push({ name: `CONTAINS(POINT(${x}, ${y}), ${c}) = 1`, adql: `SELECT id FROM ext.Footprint WHERE CONTAINS(POINT(${x}, ${y}), ${c}) = 1`, expected: () => ids(rowsWhere((f) => pred(f.r[c], (r) => r.contains(x, y)) === 1)), boundary: () => ids(rowsWhere((f) => onEdge(f.r[c], x, y))) });
  }
  cases.push({ name: `CONTAINS(POINT(${x}, ${y}), s_region) = 0`, adql: `SELECT id FROM ext.Footprint WHERE CONTAINS(POINT(${x}, ${y}), s_region) = 0`, expected: () => ids(rowsWhere((f) => pred(f.r.s_region, (r) => r.contains(x, y)) === 0)) });
  cases.push({ name: `INTERSECTS(s_region, POINT(${x}, ${y})) = 1 on ext.Plain`, adql: `SELECT id FROM ext.Plain WHERE INTERSECTS(s_region, POINT(${x}, ${y})) = 1`, expected: () => ids(rowsWhere((f) => pred(f.r.s_region, (r) => r.contains(x, y)) === 1)) });
}

const JOINS: readonly [a: RegionColumn, b: RegionColumn, fn: "INTERSECTS" | "CONTAINS"][] = [
  ["s_region", "s_region", "INTERSECTS"], ["s_region", "s_region", "CONTAINS"], ["cover", "s_region", "INTERSECTS"],
  ["shape", "cover", "INTERSECTS"], ["s_region", "cover", "CONTAINS"], ["pos", "s_region", "INTERSECTS"], ["shape", "shape", "CONTAINS"],
];
for (const [ca, cb, fn] of JOINS) {
  cases.push({
    name: `a join: ${fn}(a.${ca}, b.${cb}) = 1`,
    adql: `SELECT a.id, b.id FROM ext.Footprint AS a, ext.Footprint AS b WHERE ${fn}(a.${ca}, b.${cb}) = 1`,
    expected: () => ids(parsed.flatMap((a) => parsed.filter((b) => {
      const ra = a.r[ca];
      const rb = b.r[cb];
      if (!ra || !rb) return false;
      return fn === "INTERSECTS" ? ra.intersects(rb) : ra.within(rb);
    }).map((b) => `${a.id}|${b.id}`))),
  });
}
for (const c of ["s_region", "cover", "shape"] as const) {
  cases.push({
    name: `points joined with footprints: CONTAINS(POINT(s.ra, s.dec), f.${c}) = 1`,
    adql: `SELECT s.id, f.id FROM ext.Star AS s JOIN ext.Footprint AS f ON CONTAINS(POINT(s.ra, s.dec), f.${c}) = 1`,
    expected: () => ids(STARS.flatMap((s) => parsed.filter((f) => pred(f.r[c], (r) => r.contains(s.ra, s.dec)) === 1).map((f) => `${s.id}|${f.id}`))),
    boundary: () => ids(STARS.flatMap((s) => parsed.filter((f) => onEdge(f.r[c], s.ra, s.dec)).map((f) => `${s.id}|${f.id}`))),
  });
}
cases.push({
  name: "a CIRCLE of a star's columns against footprints with storage columns (bounds y ± r, caps)",
  adql: "SELECT s.id, f.id FROM ext.Star AS s, ext.Footprint AS f WHERE INTERSECTS(CIRCLE(s.ra, s.dec, 2), f.cover) = 1 AND CONTAINS(f.shape, CIRCLE(s.ra, s.dec, 5)) = 1",
  expected: () => ids(STARS.flatMap((s) => {
    const c2 = parseRegion("circle", `${s.ra} ${s.dec} 2`);
    const c5 = parseRegion("circle", `${s.ra} ${s.dec} 5`);
    return parsed.filter((f) => pred(f.r.cover, (r) => c2.intersects(r)) === 1 && pred(f.r.shape, (r) => r.within(c5)) === 1).map((f) => `${s.id}|${f.id}`);
  })),
});
cases.push({
  name: "a CIRCLE of a star's columns against the polygons without storage (ext.Plain)",
  adql: "SELECT s.id, f.id FROM ext.Star AS s, ext.Plain AS f WHERE INTERSECTS(CIRCLE(s.ra, s.dec, 2), f.s_region) = 1",
  expected: () => ids(STARS.flatMap((s) => {
    const c = parseRegion("circle", `${s.ra} ${s.dec} 2`);
    return parsed.filter((f) => pred(f.r.s_region, (r) => c.intersects(r)) === 1).map((f) => `${s.id}|${f.id}`);
  })),
});

const area = (r: Region | null): number | null => (r === null ? null : (r.area() * 180 * 180) / (Math.PI * Math.PI));
const centroid = (r: Region | null, k: 0 | 1): number | null => {
  if (r === null) return null;
  const v = r.centroid()[k];
  return Number.isFinite(v) ? v : null;
};
cases.push({
  name: "AREA of each region column, in square degrees (ADQL 2.1 §4.2.8)",
  adql: "SELECT id, AREA(s_region), AREA(cover), AREA(pos), AREA(shape) FROM ext.Footprint",
  expected: () => parsed.map((f) => [f.id, area(f.r.s_region), area(f.r.cover), area(f.r.pos), area(f.r.shape)]),
  tolerance: 1e-9,
});
cases.push({
  name: "AREA of a CIRCLE whose radius is a column (2π(1 − cos r) in SQL)",
  adql: "SELECT id, AREA(CIRCLE(ra, dec, ABS(dec) / 10 + 0.5)) FROM ext.Star",
  expected: () => STARS.map((s) => [s.id, area(parseRegion("circle", `${s.ra} ${s.dec} ${Math.abs(s.dec) / 10 + 0.5}`))]),
  tolerance: 1e-9,
});
cases.push({
  name: "CENTROID of each region column, and COORD1/COORD2 of a point column (ADQL 2.1 §4.2.7, §4.2.4)",
  adql: "SELECT id, CENTROID(s_region) AS c, COORD2(CENTROID(cover)), COORD1(pos), COORD2(pos), CENTROID(shape) AS s FROM ext.Footprint",
  expected: () => parsed.map((f) => [f.id, centroid(f.r.s_region, 0), centroid(f.r.s_region, 1), centroid(f.r.cover, 1), centroid(f.r.pos, 0), centroid(f.r.pos, 1), centroid(f.r.shape, 0), centroid(f.r.shape, 1)]),
  compare: (got, want) => {
    // Pairs (lon, lat) at columns 1-2 and 6-7 as directions; the others as numbers.
    const g = sortRows(got);
    const w = sortRows(want);
    expect(g.length).to.equal(w.length);
    g.forEach((row, i) => {
      const e = w[i]!;
      const direction = (r: readonly Value[], k: number): number[] | null => (r[k] === null ? null : [r[k] as number, r[k + 1] as number]);
      for (const k of [1, 6]) {
        const a = direction(row, k);
        const b = direction(e, k);
        if (a === null || b === null) expect(a, `row ${i} column ${k}`).to.equal(b);
        else expect(angularSeparation(unitVector(a[0]!, a[1]!), unitVector(b[0]!, b[1]!)), `row ${i} column ${k}: ${a} vs ${b}`).to.be.below(1e-9);
      }
      for (const k of [0, 3, 4, 5]) {
        if (typeof row[k] === "number" && typeof e[k] === "number") expect(Math.abs((row[k] as number) - (e[k] as number)), `row ${i} column ${k}`).to.be.below(1e-9);
        else expect(row[k], `row ${i} column ${k}`).to.equal(e[k]);
      }
    });
  },
});
cases.push({
  // Independent of sky's centroid: a convex region holds its centroid (the 1e-4° triangle too).
  name: "the CENTROID of each convex footprint lies inside it",
  adql: "SELECT id, COORD1(CENTROID(s_region)), COORD2(CENTROID(s_region)), COORD1(CENTROID(cover)), COORD2(CENTROID(cover)) FROM ext.Footprint",
  expected: () => parsed.map((f) => [f.id, f.r.s_region ? 1 : null, f.r.cover ? 1 : null]),
  compare: (got, want) => {
    const inside = got.map((r) => {
      const f = parsed.find((p) => p.id === r[0])!;
      const at = (k: number, reg: Region | null): number | null => (r[k] === null || reg === null ? null : bit(point(r[k] as number, r[k + 1] as number).intersects(reg)));
      return [r[0]!, at(1, f.r.s_region), at(3, f.r.cover)];
    });
    expect(sortRows(inside)).to.deep.equal(sortRows(want));
  },
});
cases.push({
  name: "DISTANCE from a CENTROID to a point, within 30°",
  adql: "SELECT id FROM ext.Footprint WHERE DISTANCE(CENTROID(s_region), POINT(30, 0)) < 30",
  expected: () => ids(rowsWhere((f) => {
    if (!f.r.s_region) return false;
    const [lon, lat] = f.r.s_region.centroid();
    return angularSeparation(unitVector(lon, lat), unitVector(30, 0)) < 30;
  })),
});
cases.push({
  name: "the stored values selected, as stored (DALI text)",
  adql: "SELECT id, s_region, cover, pos, shape FROM ext.Footprint",
  expected: () => FOOTPRINTS.map((f) => [f.id, ...(Object.entries(COLUMNS) as [RegionColumn, RegionXtype][]).map(([c, x]) => (f[c] === null ? null : regionStorageValues(x, f[c]!).value))]),
});

// ---- the tables

async function load(engine: Engine): Promise<void> {
  const mariadb = engine.name === "mariadb";
  const q = (n: string): string => (mariadb ? `\`${n}\`` : `"${n}"`);
  const text = (v: string | null): string => (v === null ? "NULL" : `'${v.replace(/'/g, "''")}'`);
  const num = (v: number | null): string => (v === null ? "NULL" : String(v));
  const storageDdl = (c: string): string =>
    [`${c}_dec_min`, `${c}_dec_max`, `${c}_cap_ra`, `${c}_cap_dec`, `${c}_cap_radius`].map((n) => `${q(n)} DOUBLE`).join(", ") +
    `, ${q(`${c}_scisql`)} ${mariadb ? "VARBINARY(600)" : "BLOB"}`;
  for (const t of ["Footprint", "Plain", "Star"]) await engine.exec(`DROP TABLE IF EXISTS ${q("ext")}.${q(t)}`);
  const cols = Object.keys(COLUMNS) as RegionColumn[];
  await engine.exec(`CREATE TABLE ${q("ext")}.${q("Footprint")} (${q("id")} BIGINT, ${cols.map((c) => `${q(c)} VARCHAR(600), ${storageDdl(c)}`).join(", ")})`);
  await engine.exec(`CREATE TABLE ${q("ext")}.${q("Plain")} (${q("id")} BIGINT, ${q("s_region")} VARCHAR(600))`);
  await engine.exec(`CREATE TABLE ${q("ext")}.${q("Star")} (${q("id")} BIGINT, ${q("ra")} DOUBLE, ${q("dec")} DOUBLE)`);
  for (const f of FOOTPRINTS) {
    const values: string[] = [String(f.id)];
    for (const c of cols) {
      const s = f[c] === null ? null : regionStorageValues(COLUMNS[c], f[c]!);
      const bin = s?.scisql ? (mariadb ? `X'${s.scisql.toString("hex")}'` : `from_hex('${s.scisql.toString("hex")}')`) : "NULL";
      values.push(text(s?.value ?? null), num(s?.decMin ?? null), num(s?.decMax ?? null), num(s?.capRa ?? null), num(s?.capDec ?? null), num(s?.capRadius ?? null), bin);
    }
    await engine.exec(`INSERT INTO ${q("ext")}.${q("Footprint")} VALUES (${values.join(", ")})`);
    await engine.exec(`INSERT INTO ${q("ext")}.${q("Plain")} VALUES (${f.id}, ${text(f.s_region === null ? null : regionStorageValues("polygon", f.s_region).value)})`);
  }
  await engine.exec(`INSERT INTO ${q("ext")}.${q("Star")} VALUES ${STARS.map((s) => `(${s.id}, ${s.ra}, ${s.dec})`).join(", ")}`);
}

/** A DuckDB of its own, with scisql's and the region functions, and the schema the test catalog names. */
async function openDuckDbWithRegions(): Promise<Engine & { conn: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  await registerScisqlFunctions(conn);
  await registerRegionFunctions(conn);
  await conn.run(`CREATE SCHEMA "ext"`);
  const normalise = (v: unknown): Value => (v === null || v === undefined ? null : typeof v === "bigint" ? Number(v) : (v as Value));
  return {
    name: "duckdb",
    dialect: "duckdb",
    conn,
    async query(sql) {
      const reader = await conn.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRows().map((r) => r.map(normalise)) };
    },
    async exec(sql) {
      await conn.run(sql);
    },
    async close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

// ---- the comparison

function sortRows(rows: readonly Value[][]): Value[][] {
  const key = (r: readonly Value[]): string => JSON.stringify(r);
  return [...rows].map((r) => [...r]).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function sameRows(got: readonly Value[][], want: readonly Value[][], tolerance: number | undefined): void {
  const g = sortRows(got);
  const w = sortRows(want);
  if (tolerance === undefined) {
    expect(g).to.deep.equal(w);
    return;
  }
  expect(g.length, "rows").to.equal(w.length);
  g.forEach((row, i) => {
    expect(row.length).to.equal(w[i]!.length);
    row.forEach((v, j) => {
      const e = w[i]![j]!;
      if (typeof v === "number" && typeof e === "number") expect(Math.abs(v - e), `row ${i} column ${j}: ${v} vs ${e}`).to.be.at.most(tolerance * Math.max(1, Math.abs(e)));
      else expect(v, `row ${i} column ${j}`).to.equal(e);
    });
  });
}

const tally = new Map<string, { equal: number; edge: number; total: number }>();

for (const kind of ["duckdb", "mariadb"] as const) {
  describe(`region columns on ${kind === "duckdb" ? "DuckDB" : "MariaDB"}: the rows of the brute force (ADQL 2.1 §4.2)`, function () {
    this.timeout(120000);
    let engine: Engine | undefined;
    let own: (Engine & { conn: DuckDBConnection }) | undefined;
    before(async function () {
      if (kind === "duckdb") {
        own = await openDuckDbWithRegions();
        engine = own;
      } else {
        engine = await sharedEngine("mariadb", this, async () => undefined);
      }
      await load(engine);
    });
    after(async () => {
      await own?.close();
      const t = tally.get(kind);
      if (t) console.log(`    regions execution, ${kind}: ${t.equal} of ${t.total} queries give exactly the brute force's rows, ${t.edge} more differ only by positions on an edge`);
    });
    for (const c of cases) {
      it(c.name, async () => {
        const t = tally.get(kind) ?? { equal: 0, edge: 0, total: 0 };
        tally.set(kind, t);
        t.total++;
        const { sql } = compile(c.adql, { catalog: regionSchema(), dialect: engine!.dialect });
        const got = (await engine!.query(sql)).rows;
        const want = c.expected();
        if (c.compare) {
          c.compare(got, want);
        } else if (c.boundary && JSON.stringify(sortRows(got)) !== JSON.stringify(sortRows(want))) {
          // Equal but for positions on an edge, each of which is in the brute force's rows or on the edge.
          const key = (r: readonly Value[]): string => JSON.stringify(r);
          const allowed = new Set([...want, ...c.boundary()].map(key));
          const gotKeys = new Set(got.map(key));
          expect(got.filter((r) => !allowed.has(key(r))), "rows neither inside nor on an edge").to.deep.equal([]);
          expect(want.filter((r) => !gotKeys.has(key(r))), "rows inside that are missing").to.deep.equal([]);
          t.edge++;
          return;
        } else {
          sameRows(got, want, c.tolerance);
        }
        t.equal++;
      });
    }
  });
}
