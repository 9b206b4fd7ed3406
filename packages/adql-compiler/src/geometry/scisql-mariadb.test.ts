import { expect } from "chai";
import type { RowDataPacket } from "mysql2";
import type { Connection } from "mysql2/promise";
import { coarseGridPoints, gridPoints, polygons, sqlNumber } from "../test-support/geometry-cases.js";
import { compare, expectedRowCount, geometryTablesSql, mergeComparisons, type Comparison } from "../test-support/geometry-compare.js";
import { startMariaDbOrSkip, type MariaDbServer } from "../test-support/mariadb.js";
import { inlineAngSepSql, inlinePtInCircleSql, inlinePtInCPolySql } from "./inline-sql.js";
import {
  installScisqlFunctions,
  mariaDbPolygonExpression,
  mariaDbPolygonLiteral,
  SCISQL_MARIADB_FUNCTIONS,
  scisqlMariaDbScript,
  splitSqlScript,
} from "./scisql-mariadb.js";

describe("splitSqlScript: the install script without the client's DELIMITER command", () => {
  it("gives one CREATE OR REPLACE for each of the four functions, no DELIMITER lines", () => {
    // CREATE OR REPLACE, not DROP then CREATE: a query running during a load never finds a function missing.
    const statements = splitSqlScript(scisqlMariaDbScript());
    expect(statements).to.have.length(4);
    for (const [i, name] of SCISQL_MARIADB_FUNCTIONS.entries()) {
      expect(statements[i]).to.match(new RegExp(`^CREATE OR REPLACE FUNCTION ${name}\\(`));
      expect(statements[i]).to.match(/\nEND$/);
    }
    expect(statements.join("\n")).not.to.match(/DELIMITER|\$\$/);
  });

  it("splits on ';' outside DELIMITER blocks and skips comment lines", () => {
    expect(splitSqlScript("-- c\nSELECT 1;\nDELIMITER //\nCREATE x BEGIN a; b; END //\nDELIMITER ;\nSELECT 2;")).to.deep.equal([
      "SELECT 1",
      "CREATE x BEGIN a; b; END",
      "SELECT 2",
    ]);
  });
});

describe("polygon arguments for the MariaDB scisql_s2PtInCPoly", () => {
  it("prints literal vertices so that they read back as the same doubles", () => {
    expect(mariaDbPolygonLiteral([10, -10.5, 0.1, 1e-7, 359.99999999999994, 90])).to.equal(
      "'10 -10.5 0.1 1e-7 359.99999999999994 90'",
    );
  });
  it("concatenates expression vertices with CONCAT (NULL-propagating) of doubles", () => {
    expect(mariaDbPolygonExpression(["t.a", "t.b"])).to.equal("CONCAT(CAST((t.a) AS DOUBLE), ' ', CAST((t.b) AS DOUBLE))");
  });
});

describe("scisql functions on MariaDB agree with the TypeScript reference (qserv/README §b)", function () {
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
    for (const sql of geometryTablesSql(sqlNumber)) await conn.query(sql);
  });

  after(async () => {
    await conn?.end();
    await db?.stop();
  });

  function expectAgreement(c: Comparison, what: "angSep" | "circle" | "box" | "polygon", rows = expectedRowCount(what)) {
    expect(c.checked, "rows compared").to.equal(rows);
    expect(c.mismatches.slice(0, 5), `${c.mismatches.length} mismatches`).to.deep.equal([]);
  }

  it("installs idempotently (CREATE OR REPLACE FUNCTION)", async () => {
    await installScisqlFunctions(conn);
    const [rows] = await conn.query<RowDataPacket[]>(
      "SELECT ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 't' AND ROUTINE_NAME LIKE 'scisql%' ORDER BY 1",
    );
    expect(rows.map((r) => r.name)).to.have.members([...SCISQL_MARIADB_FUNCTIONS]);
  });

  it("scisql_angSep on the grid × circle centres (within 1e-11°)", async () => {
    const c = await compare(run, "angSep", "SELECT s.id, p.id, scisql_angSep(p.lon, p.lat, s.clon, s.clat) FROM pts p CROSS JOIN circles s");
    expectAgreement(c, "angSep");
  });

  it("scisql_s2PtInCircle on the grid × cones (poles, RA 0/360, NULL, invalid)", async () => {
    const c = await compare(
      run,
      "circle",
      "SELECT s.id, p.id, scisql_s2PtInCircle(p.lon, p.lat, s.clon, s.clat, s.r) FROM pts p CROSS JOIN circles s",
    );
    expectAgreement(c, "circle");
  });

  it("scisql_s2PtInBox on the grid × boxes (across RA 0, reduced, empty, NULL, invalid)", async () => {
    const c = await compare(
      run,
      "box",
      "SELECT s.id, p.id, scisql_s2PtInBox(p.lon, p.lat, s.lonmin, s.latmin, s.lonmax, s.latmax) FROM pts p CROSS JOIN boxes s",
    );
    expectAgreement(c, "box");
  });

  it("scisql_s2PtInCPoly on the coarse grid × polygons, vertices as a literal string (either orientation, poles, RA 0)", async () => {
    const ids = coarseGridPoints().map((p) => p.id);
    const checks = await Promise.all(
      polygons.map((poly, i) => {
        const arg = poly.includes(null)
          ? mariaDbPolygonExpression(poly.map(sqlNumber))
          : mariaDbPolygonLiteral(poly as number[]);
        return compare(run, "polygon", `SELECT ${i}, p.id, scisql_s2PtInCPoly(p.lon, p.lat, ${arg}) FROM pts p WHERE p.id IN (${ids.join(", ")})`);
      }),
    );
    expectAgreement(mergeComparisons(checks), "polygon", ids.length * polygons.length);
  });

  it("scisql_s2PtInCPoly with vertices as CONCAT of DOUBLE columns gives the same answers", async () => {
    const square = polygons[1]!;
    const cols = square.map((_, k) => `v${k}`);
    await conn.query(`CREATE TABLE sq (${cols.map((c) => `${c} DOUBLE`).join(", ")})`);
    await conn.query(`INSERT INTO sq VALUES (${square.map(sqlNumber).join(", ")})`);
    const c = await compare(
      run,
      "polygon",
      `SELECT 1, p.id, scisql_s2PtInCPoly(p.lon, p.lat, ${mariaDbPolygonExpression(cols.map((c) => `q.${c}`))}) FROM pts p CROSS JOIN sq q`,
    );
    expectAgreement(c, "polygon", gridPoints().length);
  });

  it("scisql_s2PtInCPoly refuses 2 or 21 vertices like scisql's init, and gives NULL for a malformed string", async () => {
    for (const poly of ["'1 2 3 4'", "'1 2 3 4 5'", mariaDbPolygonLiteral(Array.from({ length: 42 }, (_, i) => i % 80))]) {
      let message = "";
      try {
        await conn.query(`SELECT scisql_s2PtInCPoly(1, 1, ${poly})`);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, poly).to.equal("scisql_s2PtInCPoly expects between 4 and 21 spherical coordinate pairs");
    }
    expect(await run("SELECT scisql_s2PtInCPoly(5, 5, '0 0 10 0 10 x'), scisql_s2PtInCPoly(5, 5, '0, 0, 10, 0,  10 10')")).to.deep.equal([
      [null, 1],
    ]);
  });

  it("literal arguments, as a compiler emits them, give the same answers as DOUBLE columns", async () => {
    const c = await compare(
      run,
      "circle",
      `SELECT 2, p.id, scisql_s2PtInCircle(p.lon, p.lat, 359, 10, 7) FROM pts p`,
    );
    expectAgreement(c, "circle", gridPoints().length);
  });

  it("inline angSep expression on the grid × circle centres (within 1e-11°)", async () => {
    const c = await compare(
      run,
      "angSep",
      `SELECT s.id, p.id, ${inlineAngSepSql("p.lon", "p.lat", "s.clon", "s.clat")} FROM pts p CROSS JOIN circles s`,
    );
    expectAgreement(c, "angSep");
  });

  it("inline s2PtInCircle expression on the grid × cones", async () => {
    const c = await compare(
      run,
      "circle",
      `SELECT s.id, p.id, ${inlinePtInCircleSql("p.lon", "p.lat", "s.clon", "s.clat", "s.r")} FROM pts p CROSS JOIN circles s`,
    );
    expectAgreement(c, "circle");
  });

  it("inline s2PtInCPoly expression (constant vertices) on the grid × polygons", async () => {
    const checks = await Promise.all(
      polygons.map((poly, i) =>
        compare(run, "polygon", `SELECT ${i}, p.id, ${inlinePtInCPolySql("p.lon", "p.lat", poly)} FROM pts p`),
      ),
    );
    expectAgreement(mergeComparisons(checks), "polygon");
  });

  it("inline forms with DECIMAL literal arguments give the stored functions' answers", async () => {
    // MariaDB reads 12.3 as DECIMAL; both forms must turn each argument into a DOUBLE first,
    // as scisql does, rather than add or subtract the DECIMALs exactly.
    const literals = Array.from({ length: 40 }, (_, i) => [
      ((i * 37.13) % 360).toFixed(2),
      (((i * 11.7) % 180) - 90).toFixed(1),
      ((i * 53.9 + 0.1) % 360).toFixed(3),
      (((i * 7.3) % 180) - 89.9).toFixed(1),
    ]);
    const sql = literals
      .map(([a, b, c, d]) => `SELECT ${inlineAngSepSql(a!, b!, c!, d!)}, scisql_angSep(${a}, ${b}, ${c}, ${d}),
        ${inlinePtInCircleSql(a!, b!, c!, d!, "45.5")}, scisql_s2PtInCircle(${a}, ${b}, ${c}, ${d}, 45.5)`)
      .join(" UNION ALL ");
    const rows = await run(sql);
    expect(rows).to.have.length(literals.length);
    for (const [inlineSep, storedSep, inlineIn, storedIn] of rows) {
      expect(Number(inlineSep)).to.equal(Number(storedSep));
      expect(Number(inlineIn)).to.equal(Number(storedIn));
    }
  });
});
