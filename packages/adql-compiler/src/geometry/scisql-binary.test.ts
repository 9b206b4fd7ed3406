import { expect } from "chai";
import type { Connection } from "mysql2/promise";
import { coarseGridPoints, gridPoints, polygons, sqlNumber } from "../test-support/geometry-cases.js";
import { startMariaDbOrSkip, type MariaDbServer } from "../test-support/mariadb.js";
import { GeometryError } from "./errors.js";
import { insideScisqlPolygon, readScisqlPolygonBinary, scisqlPolygonBinary } from "./scisql-binary.js";
import { installScisqlFunctions, mariaDbPolygonLiteral } from "./scisql-mariadb.js";
import { scisqlS2PtInCPoly } from "./scisql.js";

/** IEEE 754 doubles, little-endian, as hex. */
const LE = {
  zero: "0000000000000000",
  negZero: "0000000000000080",
  one: "000000000000f03f",
  two: "0000000000000040",
  negTwo: "00000000000000c0",
  /** 2ε, ε = cos(90 · RAD_PER_DEG) = 6.123233995736766e-17 (the double nearest π/2 is not π/2). */
  twoEps: "075c143326a6a13c",
  negTwoEps: "075c143326a6a1bc",
};

describe("scisqlPolygonBinary: scisql_s2CPolyToBin's bytes (scisql geometry.c, s2cpoly_init/tobin)", () => {
  // The octant triangle a = (0, 0), b = (90, 0), c = (0, 90), by hand from the definition:
  // unit vectors a = (1, 0, 0), b = (ε, 1, 0), c = (ε, 0, 1).
  // vsum = c + a + b (the sum starts at the last vertex) = (ε + 1 + ε, 1, 1) = (1, 1, 1): 1 + ε rounds to 1.
  // edge i = (v[i+1] + v[i]) × (v[i+1] − v[i]):
  //   a→b: s = (1, 1, 0), d = (ε − 1, 1, 0) = (−(1 − 2⁻⁵³), 1, 0) → (0·0 − 0·1, 0·d.x − 1·0, 1·1 − 1·d.x)
  //        = (0, −0, 2 − 2⁻⁵³ → 2 (ties to even));
  //   b→c: s = (2ε, 1, 1), d = (0, −1, 1) → (1·1 − 1·(−1), 1·0 − 2ε·1, 2ε·(−1) − 1·0) = (2, −2ε, −2ε);
  //   c→a: s = (1, 0, 1), d = (1 − 2⁻⁵³, 0, −1) → (0·(−1) − 1·0, 1·d.x − 1·(−1), 1·0 − 0·d.x) = (−0, 2, 0).
  // vsum · edge0 = 2 > 0: anticlockwise, the normals are kept.
  const octant = [0, 0, 90, 0, 0, 90];
  const octantHex = [
    [LE.one, LE.one, LE.one],
    [LE.zero, LE.negZero, LE.two],
    [LE.two, LE.negTwoEps, LE.negTwoEps],
    [LE.negZero, LE.two, LE.zero],
  ];

  it("gives the hand-computed 96 bytes (24·(N+1)) for an anticlockwise triangle", () => {
    const bytes = scisqlPolygonBinary(octant);
    expect(bytes.length).to.equal(96);
    expect(bytes.toString("hex")).to.equal(octantHex.flat().join(""));
  });

  it("negates every edge, but not vsum, for the clockwise order a, c, b", () => {
    // vsum = b + a + c = (ε + 1 + ε, 1, 1) = (1, 1, 1); edges a→c, c→b, b→a are the negated edges
    // of the reverse ring up to rounding, and vsum · (a×c) < 0, so they are negated:
    //   a→c: s = (1, 0, 1), d = (ε − 1, 0, 1) → (0·1 − 1·0, 1·d.x − 1·1, 1·0 − 0·d.x) = (0, −2, 0) → (−0, 2, −0)
    const bytes = scisqlPolygonBinary([0, 0, 0, 90, 90, 0]);
    expect(bytes.subarray(0, 24).toString("hex")).to.equal(LE.one + LE.one + LE.one);
    expect(bytes.subarray(24, 48).toString("hex")).to.equal(LE.negZero + LE.two + LE.negZero);
    const read = readScisqlPolygonBinary(bytes)!;
    // Inward normals: the octant's interior point is inside, its antipode is not.
    expect(insideScisqlPolygon(read, 45, 30)).to.equal(true);
    expect(insideScisqlPolygon(read, 225, -30)).to.equal(false);
  });

  it("reads back (frombin) what it writes, and refuses what scisql refuses", () => {
    const read = readScisqlPolygonBinary(scisqlPolygonBinary(octant))!;
    expect(read.vsum).to.deep.equal({ x: 1, y: 1, z: 1 });
    expect(read.edges).to.have.length(3);
    for (const bad of [Buffer.alloc(72), Buffer.alloc(95), Buffer.alloc(24 * 22), Buffer.alloc(0)]) {
      expect(readScisqlPolygonBinary(bad), `${bad.length} bytes`).to.equal(null);
    }
    const nan = scisqlPolygonBinary(octant);
    nan.writeDoubleLE(Number.NaN, 32);
    expect(readScisqlPolygonBinary(nan)).to.equal(null);
  });

  const refused: [string, number[]][] = [
    ["2 vertices", [0, 0, 1, 1]],
    ["an odd number of coordinates", [0, 0, 1, 1, 2]],
    ["21 vertices", Array.from({ length: 42 }, (_, i) => (i % 2 ? 10 : i))],
    ["a latitude beyond 90", [0, 0, 10, 91, 0, 10]],
    ["a NaN", [0, 0, 10, Number.NaN, 0, 10]],
  ];
  for (const [what, coords] of refused) {
    it(`refuses ${what} (scisql: NULL)`, () => {
      expect(() => scisqlPolygonBinary(coords)).to.throw(GeometryError).with.property("code", "SCISQL_BINARY_POLYGON");
    });
  }

  it("holds 20 vertices (504 bytes), which s2PtInCPoly reads", () => {
    const coords = polygons[7] as number[];
    expect(coords).to.have.length(40);
    expect(scisqlPolygonBinary(coords)).to.have.length(504);
  });

  it("gives the same inside/outside as scisql_s2PtInCPoly with the vertices, on the grid × the valid convex polygons", () => {
    let checked = 0;
    for (const poly of polygons.slice(0, 8) as number[][]) {
      const bin = readScisqlPolygonBinary(scisqlPolygonBinary(poly))!;
      for (const p of gridPoints()) {
        if (p.lon === null || p.lat === null || p.lat < -90 || p.lat > 90) continue;
        const expected = scisqlS2PtInCPoly(p.lon, p.lat, poly);
        expect(insideScisqlPolygon(bin, p.lon, p.lat) ? 1 : 0, `${poly} at (${p.lon}, ${p.lat})`).to.equal(expected);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(20_000);
  });
});

describe("MariaDB scisql_s2PtInCPoly(lon, lat, binary polygon), as scisql's 3-argument form", function () {
  let db: MariaDbServer | undefined;
  let conn: Connection;
  const run = async (sql: string) => (await conn.query({ sql, rowsAsArray: true }))[0] as unknown[][];

  before(async function () {
    this.timeout(60_000);
    db = await startMariaDbOrSkip(this);
    conn = await db.connect();
    await conn.query("CREATE DATABASE t");
    await conn.query("USE t");
    await installScisqlFunctions(conn);
    const pts = coarseGridPoints();
    await conn.query("CREATE TABLE pts (id INTEGER PRIMARY KEY, lon DOUBLE, lat DOUBLE)");
    await conn.query(`INSERT INTO pts VALUES ${pts.map((p) => `(${p.id}, ${sqlNumber(p.lon)}, ${sqlNumber(p.lat)})`).join(", ")}`);
    // VARBINARY(504): 21 triples, the largest polygon scisql reads (what a loader's c_scisql column holds).
    await conn.query("CREATE TABLE polys (id INTEGER PRIMARY KEY, bin VARBINARY(504), txt TEXT)");
    const valid = polygons.slice(0, 8) as number[][];
    await conn.query(
      `INSERT INTO polys VALUES ${valid
        .map((p, i) => `(${i}, X'${scisqlPolygonBinary(p).toString("hex")}', ${mariaDbPolygonLiteral(p)})`)
        .join(", ")}`,
    );
  });

  after(async () => {
    await conn?.end();
    await db?.stop();
  });

  it("agrees with the coordinate-string form and with scisql's test on the coarse grid × 8 polygons (poles, RA 0, 20 vertices, both windings)", async () => {
    const rows = await run(
      "SELECT q.id, p.lon, p.lat, scisql_s2PtInCPoly(p.lon, p.lat, q.bin), scisql_s2PtInCPoly(p.lon, p.lat, q.txt) FROM pts p CROSS JOIN polys q",
    );
    const valid = polygons.slice(0, 8) as number[][];
    expect(rows).to.have.length(coarseGridPoints().length * valid.length);
    const wrong = rows.filter(([id, lon, lat, bin, txt]) => {
      const expected = scisqlS2PtInCPoly(lon as number | null, lat as number | null, valid[id as number]!);
      return bin !== expected || txt !== expected;
    });
    expect(wrong.slice(0, 5), `${wrong.length} disagree`).to.deep.equal([]);
  });

  it("gives 0 for a NULL point or polygon, NULL for a bad latitude, a bad length or a non-finite double (scisql's frombin)", async () => {
    const square = scisqlPolygonBinary(polygons[0] as number[]);
    const nan = Buffer.from(square);
    nan.writeDoubleLE(Number.NaN, 40);
    const cases: [string, number | null][] = [
      [`scisql_s2PtInCPoly(NULL, 5, X'${square.toString("hex")}')`, 0],
      ["scisql_s2PtInCPoly(5, 5, CAST(NULL AS BINARY))", 0],
      [`scisql_s2PtInCPoly(5, 95, X'${square.toString("hex")}')`, null],
      [`scisql_s2PtInCPoly(5, 5, X'${square.subarray(0, 95).toString("hex")}')`, null],
      [`scisql_s2PtInCPoly(5, 5, X'${Buffer.alloc(72, 0x3f).toString("hex")}')`, null],
      [`scisql_s2PtInCPoly(5, 5, X'${nan.toString("hex")}')`, null],
      [`scisql_s2PtInCPoly(5, 5, X'${square.toString("hex")}')`, 1],
    ];
    const got = await run(`SELECT ${cases.map(([sql]) => sql).join(", ")}`);
    expect(got[0]).to.deep.equal(cases.map(([, want]) => want));
  });
});
