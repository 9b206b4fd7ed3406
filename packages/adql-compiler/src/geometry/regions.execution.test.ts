/**
 * The region functions (REGION_FUNCTIONS, catalog/regions.ts) on DuckDB (JavaScript over @qserv-tap/sky) and
 * MariaDB (sql/regions-mariadb.sql) give what sky gives, function by function, on a table of regions: at
 * RA 0, at the poles, larger than a hemisphere, tiny, touching only at a vertex or along an edge, nested,
 * disjoint, each kind (and each text form: DALI, labelled DALI, STC-S) against each kind, NULLs and values
 * that are not regions (ADQL 2.1 §4.2.6 CONTAINS, §4.2.8 INTERSECTS, §4.2.13 AREA, §4.2.14 CENTROID;
 * DALI 1.1 §3.3.5-3.3.8).
 *
 * Predicates must agree exactly; area and centroid within 1e-9 (the engines' sin/cos/atan2 may differ in
 * the last bit), and the number that agree to the bit is reported. One exception, counted apart: contains_point
 * for a position exactly on an edge or vertex, which sky (like scisql) decides without tolerance, so by the
 * last bit of sin/cos, where V8 (fdlibm) and MariaDB (glibc) differ for ~3% of whole-degree angles.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { circle, parseRegion } from "@qserv-tap/sky";
import { expect } from "chai";
import type { Connection } from "mysql2/promise";
import { REGION_FUNCTIONS } from "../catalog/regions.js";
import { seededRandom } from "../sql/test-support/random.js";
import { startMariaDbOrSkip, type MariaDbServer } from "../test-support/mariadb.js";
import { registerScisqlFunctions } from "./duckdb-functions.js";
import { regionCache, regionFunctions } from "./region-functions-duckdb.js";
import { regionStorageValues } from "./region-storage.js";
import type { RegionXtype } from "../catalog/regions.js";
import { installScisqlFunctions, REGION_MARIADB_FUNCTIONS } from "./scisql-mariadb.js";

type Xtype = string | null;

const TINY_TRIANGLE = "5 5 5.000001 5 5.000001 5.000001";

/** [xtype, value, what it tests]. */
const REGIONS: ReadonlyArray<readonly [string, string, string]> = [
  ["polygon", "0 0 10 0 10 10 0 10", "square"],
  ["polygon", "0 10 10 10 10 0 0 0", "the same square, clockwise"],
  ["polygon", "10 10 20 10 20 20 10 20", "square touching the first only at (10, 10)"],
  ["polygon", "10 0 20 0 20 10 10 10", "square sharing the first's edge at lon 10"],
  ["polygon", "2 2 4 2 4 4 2 4", "nested in the first"],
  ["polygon", "350 -5 10 -5 10 5 350 5", "across RA 0"],
  ["polygon", "0 80 90 80 180 80 270 80", "around the north pole"],
  ["polygon", "270 -75 180 -75 90 -75 0 -75", "around the south pole, clockwise"],
  ["polygon", TINY_TRIANGLE, "tiny triangle inside the first square"],
  ["polygon", "POLYGON ICRS 100 -30 120 -30 110 -10", "STC-S"],
  ["polygon", "polygon 200 10 210 10 205 20 200 10", "labelled, first vertex repeated at the end"],
  ["circle", "0 0 5", "at RA 0"],
  ["circle", "0 90 10", "at the north pole"],
  ["circle", "123 -90 30", "at the south pole"],
  ["circle", "10 20 120", "larger than a hemisphere"],
  ["circle", "45 45 180", "the whole sky"],
  ["circle", "5 5 0", "radius 0, inside the first square"],
  ["circle", "10 10 1e-7", "tiny, about a shared vertex"],
  ["circle", "200 -40 3", "far from everything else"],
  ["circle", "CIRCLE ICRS 355 0 3", "STC-S"],
  ["point", "0 0", "at RA 0, a vertex of the first square"],
  ["point", "10 10", "the vertex the first and third squares share"],
  ["point", "5 5", "inside the first square"],
  ["point", "0 90", "the north pole"],
  ["point", "POSITION ICRS 359.5 0", "STC-S"],
  ["range", "350 10 -5 5", "across RA 0"],
  ["range", "0 360 80 90", "polar cap"],
  ["range", "-Inf +Inf -Inf 0", "southern hemisphere, open bounds"],
  ["range", "10 20 -90 90", "a lune pole to pole"],
  ["range", "100 100 0 10", "a stretch of meridian (no area)"],
  ["range", "0 360 0 0", "the equator (no area)"],
  ["range", "30 30 10 10", "a single point"],
  ["range", "0 360 -90 90", "the whole sky"],
  ["range", "BOX ICRS 0 0 10 10", "STC-S BOX (across RA 0)"],
  ["range", "170 190 -10 10", "across RA 180"],
  ["range", "0 200 -10 10", "wider than 180°"],
  ["shape", "circle 10 20 1", "DALI shape"],
  ["shape", "polygon 0 0 10 0 10 10 0 10", "DALI shape"],
  ["shape", "point 10 10", "DALI shape"],
  ["shape", "range 0 10 0 10", "DALI shape"],
];

/** Values that are not regions of their xtype: every function gives NULL (a predicate with a NULL argument gives 0). */
const BAD: ReadonlyArray<readonly [Xtype, string | null, string]> = [
  ["polygon", "0 0 10 0 10 10 5 3 0 10", "not convex"],
  ["polygon", "0 0 0 0 10 10", "degenerate"],
  ["polygon", "1 2 3", "odd number of coordinates"],
  ["polygon", "", "empty"],
  ["polygon", "abc", "unknown label"],
  ["point", "10 95", "latitude beyond 90"],
  ["point", "1e400 0", "not finite"],
  ["circle", "CIRCLE FK5 1 2 3", "frame other than ICRS"],
  ["circle", "circle 1 2 -1", "negative radius"],
  ["circle", "1 2 3 4", "too many numbers"],
  ["range", "BOX ICRS 0 0 -1 2", "negative width"],
  ["range", "0 10 20 10", "latitude 1 above latitude 2"],
  ["shape", "1 2 3", "shape without a label"],
  ["foo", "1 2", "not a region xtype"],
  ["POLYGON", "0 0 10 0 10 10", "xtypes are lower case"],
  [null, "0 0 1", "NULL xtype"],
  ["circle", null, "NULL value"],
];

/** Positions for contains_point: a 15° grid with both poles and RA 0/360, and points on edges and vertices. */
function positions(): [number | null, number | null][] {
  const out: [number | null, number | null][] = [];
  for (let lat = -90; lat <= 90; lat += 15) for (let lon = 0; lon <= 360; lon += 15) out.push([lon, lat]);
  for (const p of [
    [10, 10], [5, 5], [10, 5], [0, 0], [359.5, 0], [355, -5], [10.000000001, 5], [5, 5.0000005], [20, 0],
    [100, 5], [-10, 3], [370, 3], [190, 0], [123, -90], [45, 89.999999], [200, -37], [200, -43.0001],
  ] as const) {
    out.push([p[0], p[1]]);
  }
  out.push([10, 95], [null, 5], [5, null]);
  return out;
}

/**
 * Seeded random regions whose vertices, centres, bounds and points lie on a 2° lattice, in three patches (across
 * RA 0, at 60° north, next to the south pole), so that many pairs share vertices, edges (a polygon's meridian
 * edge and a range's side are one great circle) or a point: the cases that the 1e-12 rad tolerance decides.
 */
function latticeRegions(): { regions: [string, string][]; points: [number, number][] } {
  const rnd = seededRandom(14);
  const pick = (n: number) => Math.floor(rnd() * n);
  const regions: [string, string][] = [];
  const points: [number, number][] = [];
  for (const [lon0, lat0] of [[-6, -6], [170, 54], [40, -88]] as const) {
    const at = (i: number, j: number): [number, number] => [lon0 + 2 * i, Math.min(90, lat0 + 2 * j)];
    for (let i = 0; i <= 6; i++) for (let j = 0; j <= 6; j++) points.push(at(i, j));
    let made = 0;
    while (made < 12) {
      const kind = pick(4);
      const i0 = pick(5);
      const j0 = pick(5);
      const i1 = i0 + 1 + pick(6 - i0);
      const j1 = j0 + 1 + pick(6 - j0);
      const [a, b] = at(i0, j0);
      const [c, d] = at(i1, j1);
      let value: [string, string];
      if (kind === 0) value = ["polygon", pick(2) ? `${a} ${b} ${c} ${b} ${c} ${d} ${a} ${d}` : `${a} ${b} ${c} ${b} ${a} ${d}`];
      else if (kind === 1) value = ["circle", `${a} ${b} ${1 + pick(3)}`];
      else if (kind === 2) value = ["range", `${a} ${c} ${b} ${d}`];
      else value = ["point", `${a} ${b}`];
      try {
        parseRegion(value[0] as RegionXtype, value[1]);
      } catch {
        continue; // a triangle squeezed onto one great circle near the pole, say
      }
      regions.push(value);
      made++;
    }
  }
  return { regions, points };
}

interface Tally {
  agree: number;
  bitIdentical: number;
  /** contains_point answers that differ from sky's for a position within 1e-7° of the region's edge. */
  boundary: string[];
  mismatches: string[];
}

function tally(): Tally {
  return { agree: 0, bitIdentical: 0, boundary: [], mismatches: [] };
}

/**
 * Whether the position lies within 1e-7° of the region's edge. sky's contains() has no tolerance (as scisql's
 * s2PtInCPoly), so for a position exactly on an edge or vertex the last bit of sin/cos decides, and V8's
 * Math.sin/cos (fdlibm) and MariaDB's (glibc) differ in the last bit for about 3% of whole-degree angles
 * (sin 46°, sin 58°, ...). Such answers are rounding, not geometry: counted apart, not failed.
 */
function onEdge(xtype: string | null, value: string | null, lon: number | null, lat: number | null): boolean {
  if (xtype === null || value === null || lon === null || lat === null || !(lat >= -90 && lat <= 90)) return false;
  let region;
  try {
    region = parseRegion(xtype as RegionXtype, value);
  } catch {
    return false;
  }
  const probe = circle(lon, lat, 1e-7);
  return probe.intersects(region) && !probe.within(region);
}

function check(t: Tally, what: string, got: unknown, want: number | null, tolerance = 0): void {
  const g = got === null || got === undefined ? null : Number(got);
  const ok = g === want || (g !== null && want !== null && Math.abs(g - want) <= tolerance);
  if (ok) {
    t.agree++;
    if (g === want) t.bitIdentical++;
  } else {
    t.mismatches.push(`${what}: got ${String(got)}, sky ${String(want)}`);
  }
}

const parsed = regionCache();
const regionFunctionsParse = (x: string, v: string) => parsed(x, v)?.kind ?? null;

function checkContains(t: Tally, what: string, got: unknown, want: number | null, edge: () => boolean): void {
  const g = got === null || got === undefined ? null : Number(got);
  if (g !== want && edge()) t.boundary.push(`${what}: got ${String(got)}, sky ${String(want)}`);
  else check(t, what, got, want);
}

const sqlString = (s: string | null) => (s === null ? "NULL" : `'${s.replace(/'/g, "''")}'`);

/** All regions, good and bad, with ids; the bad ones after the good. */
const ALL: ReadonlyArray<readonly [Xtype, string | null, string]> = [...REGIONS, ...BAD];
const GOOD = REGIONS.length;

interface Engine {
  run(sql: string): Promise<unknown[][]>;
}

async function createTables(exec: (sql: string) => Promise<unknown>, textType: string): Promise<void> {
  await exec(`CREATE TABLE regs (id INTEGER, xtype ${textType}, val ${textType})`);
  await exec(`INSERT INTO regs VALUES ${ALL.map(([x, v], i) => `(${i}, ${sqlString(x)}, ${sqlString(v)})`).join(", ")}`);
  await exec("CREATE TABLE pos (id INTEGER, lon DOUBLE, lat DOUBLE)");
  await exec(
    `INSERT INTO pos VALUES ${positions()
      .map(([lon, lat], i) => `(${i}, ${lon === null ? "NULL" : lon}, ${lat === null ? "NULL" : lat})`)
      .join(", ")}`,
  );
}

const LATTICE = latticeRegions();

async function createLatticeTables(exec: (sql: string) => Promise<unknown>, textType: string): Promise<void> {
  await exec(`CREATE TABLE latt (id INTEGER, xtype ${textType}, val ${textType})`);
  await exec(`INSERT INTO latt VALUES ${LATTICE.regions.map(([x, v], i) => `(${i}, ${sqlString(x)}, ${sqlString(v)})`).join(", ")}`);
  await exec("CREATE TABLE lpos (id INTEGER, lon DOUBLE, lat DOUBLE)");
  await exec(`INSERT INTO lpos VALUES ${LATTICE.points.map(([lon, lat], i) => `(${i}, ${lon}, ${lat})`).join(", ")}`);
}

/** The lattice regions pairwise (both predicates) and at every lattice point (contains_point). */
async function compareLatticeWithSky(engine: Engine): Promise<Record<string, Tally>> {
  const sky = regionFunctions();
  const F = REGION_FUNCTIONS;
  const R = LATTICE.regions;
  const out: Record<string, Tally> = { intersects: tally(), within: tally(), containsPoint: tally() };
  const pairs = await engine.run(
    `SELECT a.id, b.id, ${F.intersects}(a.xtype, a.val, b.xtype, b.val), ${F.within}(a.xtype, a.val, b.xtype, b.val)
     FROM latt a CROSS JOIN latt b ORDER BY a.id, b.id`,
  );
  for (const [ia, ib, inter, within] of pairs) {
    const [xa, va] = R[Number(ia)]!;
    const [xb, vb] = R[Number(ib)]!;
    check(out.intersects!, `intersects ${xa} '${va}' vs ${xb} '${vb}'`, inter, sky.intersects(xa, va, xb, vb));
    check(out.within!, `within ${xa} '${va}' vs ${xb} '${vb}'`, within, sky.within(xa, va, xb, vb));
  }
  const inside = await engine.run(
    `SELECT r.id, p.id, ${F.containsPoint}(r.xtype, r.val, p.lon, p.lat) FROM latt r CROSS JOIN lpos p ORDER BY r.id, p.id`,
  );
  for (const [ir, ip, got] of inside) {
    const [x, v] = R[Number(ir)]!;
    const [lon, lat] = LATTICE.points[Number(ip)]!;
    checkContains(out.containsPoint!, `contains_point ${x} '${v}' at (${lon}, ${lat})`, got, sky.containsPoint(x, v, lon, lat), () => onEdge(x, v, lon, lat));
  }
  return out;
}

/** Runs every function on the engine and compares with sky; returns the tallies per function. */
async function compareWithSky(engine: Engine): Promise<Record<string, Tally>> {
  const sky = regionFunctions();
  const F = REGION_FUNCTIONS;
  const out: Record<string, Tally> = {};
  const label = (i: number) => `#${i} ${ALL[i]![0]} '${ALL[i]![1]}' (${ALL[i]![2]})`;

  // Every good region against every region (the bad ones too: NULL), both predicates.
  out.intersects = tally();
  out.within = tally();
  const pairs = await engine.run(
    `SELECT a.id, b.id, ${F.intersects}(a.xtype, a.val, b.xtype, b.val), ${F.within}(a.xtype, a.val, b.xtype, b.val)
     FROM regs a CROSS JOIN regs b WHERE a.id < ${GOOD} OR b.id < ${GOOD} ORDER BY a.id, b.id`,
  );
  for (const [ia, ib, inter, within] of pairs) {
    const [xa, va] = ALL[Number(ia)]!;
    const [xb, vb] = ALL[Number(ib)]!;
    const what = `${label(Number(ia))} vs ${label(Number(ib))}`;
    check(out.intersects, `intersects ${what}`, inter, sky.intersects(xa, va, xb, vb));
    check(out.within, `within ${what}`, within, sky.within(xa, va, xb, vb));
  }

  // A constant region against a column (what compiled queries do; the engines' caches see it on every row).
  const constants = await engine.run(
    `SELECT b.id, ${F.intersects}('circle', '5 5 6', b.xtype, b.val), ${F.within}(b.xtype, b.val, 'polygon', '350 -20 30 -20 30 20 350 20')
     FROM regs b ORDER BY b.id`,
  );
  for (const [ib, inter, within] of constants) {
    const [xb, vb] = ALL[Number(ib)]!;
    check(out.intersects, `intersects circle 5 5 6 vs ${label(Number(ib))}`, inter, sky.intersects("circle", "5 5 6", xb, vb));
    check(out.within, `within ${label(Number(ib))} vs polygon`, within, sky.within(xb, vb, "polygon", "350 -20 30 -20 30 20 350 20"));
  }

  out.containsPoint = tally();
  const pts = positions();
  const inside = await engine.run(
    `SELECT r.id, p.id, ${F.containsPoint}(r.xtype, r.val, p.lon, p.lat) FROM regs r CROSS JOIN pos p ORDER BY r.id, p.id`,
  );
  for (const [ir, ip, got] of inside) {
    const [x, v] = ALL[Number(ir)]!;
    const [lon, lat] = pts[Number(ip)]!;
    checkContains(out.containsPoint, `contains_point ${label(Number(ir))} at (${lon}, ${lat})`, got, sky.containsPoint(x, v, lon, lat), () => onEdge(x, v, lon, lat));
  }

  out.area = tally();
  out.centroid = tally();
  const singles = await engine.run(
    `SELECT id, ${F.area}(xtype, val), ${F.centroidRa}(xtype, val), ${F.centroidDec}(xtype, val) FROM regs ORDER BY id`,
  );
  for (const [i, area, ra, dec] of singles) {
    const [x, v] = ALL[Number(i)]!;
    const want = sky.area(x, v);
    check(out.area, `area ${label(Number(i))}`, area, want, 1e-9 * Math.max(1, Math.abs(want ?? 0)));
    // RA near 0/360 may land on either side within rounding; at a pole (a polygon around it) RA is rounding noise.
    const wantRa = sky.centroidRa(x, v);
    const wantDec = sky.centroidDec(x, v);
    const gotRa = ra === null ? null : Number(ra);
    const atPole = wantDec !== null && 90 - Math.abs(wantDec) < 1e-9;
    const raNear =
      gotRa !== null && wantRa !== null && (atPole || Math.abs(Math.abs(gotRa - wantRa) - 360) <= 1e-9) ? wantRa : gotRa;
    check(out.centroid, `centroid RA ${label(Number(i))}`, raNear, wantRa, 1e-9);
    check(out.centroid, `centroid Dec ${label(Number(i))}`, dec, wantDec, 1e-9);
  }

  // NULL positions and regions in every function.
  out.nulls = tally();
  const [nulls] = await engine.run(
    `SELECT ${F.containsPoint}('circle', '1 2 3', NULL, 2), ${F.containsPoint}(NULL, '1 2 3', 1, 2), ${F.intersects}('circle', NULL, 'point', '1 2'),
            ${F.within}(NULL, NULL, NULL, NULL), ${F.area}('circle', NULL), ${F.centroidRa}(NULL, '1 2'), ${F.centroidDec}('point', NULL)`,
  );
  [0, 0, 0, 0, null, null, null].forEach((want, k) => check(out.nulls!, `NULL case ${k}`, nulls![k], want));
  return out;
}

function summarise(engine: string, result: Record<string, Tally>): string {
  return `${engine}: ${Object.entries(result)
    .map(
      ([f, t]) =>
        `${f} ${t.agree}/${t.agree + t.mismatches.length + t.boundary.length} (bit-identical ${t.bitIdentical}` +
        `${t.boundary.length ? `; ${t.boundary.length} on an edge, decided by rounding` : ""})`,
    )
    .join(", ")}`;
}

function expectAllAgree(result: Record<string, Tally>): void {
  const mismatches = Object.values(result).flatMap((t) => t.mismatches);
  expect(mismatches.slice(0, 10), `${mismatches.length} disagree with sky`).to.deep.equal([]);
  expect(result.intersects!.agree).to.be.greaterThan(2000);
  expectFewOnEdge(result);
}

/** Rounding decides only positions on an edge, and few of them: more would hide a real difference. */
function expectFewOnEdge(result: Record<string, Tally>): void {
  const t = result.containsPoint!;
  expect(t.boundary.length, t.boundary.slice(0, 3).join("; ")).to.be.at.most(0.01 * (t.agree + t.boundary.length));
}

function expectLatticeAgrees(result: Record<string, Tally>): void {
  const mismatches = Object.values(result).flatMap((t) => t.mismatches);
  expect(mismatches.slice(0, 10), `${mismatches.length} disagree with sky`).to.deep.equal([]);
  expect(result.intersects!.agree).to.equal(LATTICE.regions.length ** 2);
  expectFewOnEdge(result);
}

describe("region functions agree with @qserv-tap/sky on DuckDB and MariaDB (ADQL 2.1 §4.2)", function () {
  it("the reference: sky answers the table as a person would (spot checks of the cases' intent)", () => {
    const sky = regionFunctions();
    const [sq, , corner, edge, nested] = REGIONS;
    expect(sky.intersects(sq![0], sq![1], corner![0], corner![1]), "touching at a vertex").to.equal(1);
    expect(sky.intersects(sq![0], sq![1], edge![0], edge![1]), "sharing an edge").to.equal(1);
    expect(sky.within(nested![0], nested![1], sq![0], sq![1]), "nested").to.equal(1);
    expect(sky.within(sq![0], sq![1], nested![0], nested![1])).to.equal(0);
    expect(sky.intersects("circle", "200 -40 3", sq![0], sq![1]), "disjoint").to.equal(0);
    expect(sky.intersects("circle", "10 20 120", "point", "190 -20"), "larger than a hemisphere: the antipode of the centre is outside").to.equal(0);
    expect(sky.intersects("circle", "10 20 120", "point", "190 -81"), "but 119° from the centre is inside").to.equal(1);
    expect(sky.area("circle", "45 45 180")).to.be.closeTo(41252.96125, 1e-4);
    for (const [x, v, what] of BAD) expect(sky.area(x, v), what).to.equal(null);
  });

  describe("DuckDB (JavaScript scalar functions)", function () {
    let instance: DuckDBInstance;
    let conn: DuckDBConnection;
    before(async function () {
      this.timeout(30_000);
      instance = await DuckDBInstance.create(":memory:");
      conn = await instance.connect();
      await registerScisqlFunctions(conn);
      await createTables((sql) => conn.run(sql), "VARCHAR");
      await createLatticeTables((sql) => conn.run(sql), "VARCHAR");
    });
    after(() => {
      conn?.closeSync();
      instance?.closeSync();
    });

    it("gives sky's answer for every case", async function () {
      this.timeout(60_000);
      const result = await compareWithSky({ run: async (sql) => (await conn.runAndReadAll(sql)).getRows() as unknown[][] });
      console.log(`      ${summarise("DuckDB", result)}`);
      expectAllAgree(result);
    });

    it("the ./duckdb package entry registers them on their own too (registerRegionFunctions)", async () => {
      const { registerRegionFunctions } = await import("@qserv-tap/adql-compiler/duckdb");
      const other = await instance.connect();
      try {
        await registerRegionFunctions(other);
        const rows = (await other.runAndReadAll(`SELECT ${REGION_FUNCTIONS.intersects}('circle', '10 20 1', 'point', '10 20.5')`)).getRows();
        expect(rows).to.deep.equal([[1]]);
      } finally {
        other.closeSync();
      }
    });

    it("gives sky's answer on the lattice regions (shared vertices, edges and points)", async function () {
      this.timeout(60_000);
      const result = await compareLatticeWithSky({ run: async (sql) => (await conn.runAndReadAll(sql)).getRows() as unknown[][] });
      console.log(`      ${summarise("DuckDB lattice", result)}`);
      expectLatticeAgrees(result);
    });
  });

  describe("MariaDB (stored functions)", function () {
    let db: MariaDbServer | undefined;
    let conn: Connection;
    before(async function () {
      this.timeout(60_000);
      db = await startMariaDbOrSkip(this);
      conn = await db.connect();
      await conn.query("CREATE DATABASE t CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
      await conn.query("USE t");
      await installScisqlFunctions(conn);
      await createTables((sql) => conn.query(sql), "TEXT");
      await createLatticeTables((sql) => conn.query(sql), "TEXT");
    });
    after(async () => {
      await conn?.end();
      await db?.stop();
    });

    it("gives sky's answer for every case", async function () {
      this.timeout(600_000);
      // The binary protocol: it carries a DOUBLE's every bit.
      const result = await compareWithSky({ run: async (sql) => (await conn.execute({ sql, rowsAsArray: true }))[0] as unknown[][] });
      console.log(`      ${summarise("MariaDB", result)}`);
      expectAllAgree(result);
    });

    it("gives sky's answer on the lattice regions (shared vertices, edges and points)", async function () {
      this.timeout(600_000);
      const result = await compareLatticeWithSky({ run: async (sql) => (await conn.execute({ sql, rowsAsArray: true }))[0] as unknown[][] });
      console.log(`      ${summarise("MariaDB lattice", result)}`);
      expectLatticeAgrees(result);
    });

    it("installScisqlFunctions installs the six region functions beside scisql's", async () => {
      const [rows] = (await conn.query(
        "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 't' AND ROUTINE_NAME LIKE 'tap\\_region\\_%' AND ROUTINE_NAME NOT LIKE 'tap\\_region\\_\\_%'",
      )) as unknown as [{ ROUTINE_NAME: string }[]];
      expect(rows.map((r) => r.ROUTINE_NAME)).to.have.members([...REGION_MARIADB_FUNCTIONS]);
      expect([...REGION_MARIADB_FUNCTIONS].sort()).to.deep.equal(Object.values(REGION_FUNCTIONS).sort());
    });

    it("scisql_s2PtInCPoly on a polygon's stored scisql binary (c_scisql) agrees with tap_region_contains_point", async function () {
      this.timeout(120_000);
      // What the compiler emits for CONTAINS(POINT, polygon column) on MariaDB and Qserv.
      const polygons = REGIONS.map(([x, v], id) => ({ x, v, id })).filter(({ x, v }) => regionFunctionsParse(x, v) === "polygon");
      expect(polygons.length).to.be.greaterThan(10);
      await conn.query("CREATE TABLE bins (id INTEGER, bin VARBINARY(504))");
      await conn.query(
        `INSERT INTO bins VALUES ${polygons.map(({ x, v, id }) => `(${id}, X'${regionStorageValues(x as RegionXtype, v).scisql!.toString("hex")}')`).join(", ")}`,
      );
      const [rows] = (await conn.execute({
        sql: `SELECT b.id, p.id, scisql_s2PtInCPoly(p.lon, p.lat, b.bin), ${REGION_FUNCTIONS.containsPoint}(r.xtype, r.val, p.lon, p.lat)
              FROM bins b JOIN regs r ON r.id = b.id CROSS JOIN pos p`,
        rowsAsArray: true,
      })) as unknown as [unknown[][]];
      expect(rows).to.have.length(polygons.length * positions().length);
      const differ = rows.filter(([, , bin, fn]) => bin !== fn);
      console.log(`      MariaDB scisql binary vs contains_point: ${rows.length - differ.length}/${rows.length} agree`);
      expect(differ.slice(0, 5)).to.deep.equal([]);
    });
  });
});
