/**
 * Client errors are 400s, decided before the first byte wherever the compiler can know (issue 11,
 * item 8): each hostile query of the list is sent to /sync on the DuckDB demo service and on a
 * MariaDB service with the demo tables, and must get HTTP 400 with a DALI error VOTable
 * (DALI 1.1 §5.4.4: RESOURCE type="results", INFO name="QUERY_STATUS" value="ERROR") whose message
 * names the problem and its position. Where the error can only come while rows stream, the VOTable
 * ends with the trailing QUERY_STATUS=ERROR INFO instead.
 */
import { expect } from "chai";
import type { MariaDbServer } from "../../../adql-compiler/src/test-support/mariadb.js";
import { DEMO_SCHEMA_PATH } from "../demo.js";
import { privateMariaDb, startService, sync, type Running } from "../test-support/service.js";

interface Case {
  readonly name: string;
  readonly query: string;
  /** Per backend: the status and a fragment of the QUERY_STATUS=ERROR message. */
  readonly duckdb: readonly [status: number, fragment: string];
  readonly mariadb: readonly [status: number, fragment: string];
}

const both = (fragment: string): Pick<Case, "duckdb" | "mariadb"> => ({ duckdb: [400, fragment], mariadb: [400, fragment] });

const CASES: readonly Case[] = [
  // Found by a black-box probe: DuckDB answered these 500 with its own message about our SQL, MariaDB ran them.
  { name: "a column beside COUNT(*) without GROUP BY (a 500 on DuckDB, one arbitrary row on MariaDB before)",
    query: "SELECT TOP 3 star_id, COUNT(*) FROM demo.stars",
    ...both("line 1, column 14: star_id is neither in GROUP BY nor inside an aggregate") },
  { name: "a timestamp compared with a number",
    query: "SELECT star_id FROM demo.stars WHERE first_seen > 5",
    ...both("line 1, column 51: > compares values of one kind: first_seen is a timestamp, 5 is a number") },
  { name: "LIKE on a number (MariaDB matched the number's digits before)",
    query: "SELECT star_id FROM demo.stars WHERE star_id LIKE '5%'",
    ...both("line 1, column 38: LIKE matches character strings: star_id is a number") },
  { name: "a number compared with strings (MariaDB compared them as 0 before)",
    query: "SELECT star_id FROM demo.stars WHERE star_id IN ('a', 'b')",
    ...both("line 1, column 50: IN compares values of one kind: star_id is a number, 'a' is a character string") },
  { name: "a CIRCLE of radius 200° (0 rows before)",
    query: "SELECT COUNT(*) AS n FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 10, 200))",
    ...both("line 1, column 81: the radius 200 is not in (0, 180] degrees") },
  { name: "a LIKE pattern ending in the escape character",
    query: "SELECT star_id FROM demo.stars WHERE designation LIKE 'abc\\'",
    ...both("line 1, column 55: the LIKE pattern ends in a lone backslash") },
  { name: "a function that the database lacks, which the capabilities leave out (refused by the compiler for DuckDB's dialect)",
    query: "SELECT scisql_fluxToAbMag(g_mag) AS m FROM demo.stars",
    duckdb: [400, "line 1, column 8: not supported on DuckDB (the duckdb dialect): the function scisql_fluxToAbMag"],
    mariadb: [400, "line 1, column 8: not supported by this service's database: the function scisql_fluxToAbMag"] },
  { name: "JOIN without ON or USING (a 500 on DuckDB and a cross join on MariaDB before)",
    query: "SELECT s.star_id FROM demo.stars AS s JOIN demo.detections AS d WHERE s.ra > 0",
    ...both("line 1, column 65: a JOIN needs ON <condition> or USING (<columns>), but found WHERE") },
  { name: "CAST to CHAR(0)",
    query: "SELECT CAST(designation AS CHAR(0)) AS c FROM demo.stars",
    ...both("line 1, column 33: CHAR(0) has no room for a character") },
  { name: "an integer literal of 2^63",
    query: "SELECT 9223372036854775808 AS n FROM demo.stars",
    ...both("line 1, column 8: the integer 9223372036854775808 is beyond the range of BIGINT") },
  { name: "a 400-digit integer literal (silently NULL before)",
    query: `SELECT 1${"0".repeat(399)} AS n FROM demo.stars`,
    ...both("(400 characters) is beyond the range of BIGINT") },
  { name: "1e400",
    query: "SELECT 1e400 AS x FROM demo.stars",
    ...both("line 1, column 8: the number 1e400 is beyond the range of DOUBLE PRECISION") },
  { name: "an OFFSET of 10^30",
    query: "SELECT star_id FROM demo.stars ORDER BY star_id OFFSET 1000000000000000000000000000000",
    ...both("line 1, column 56: OFFSET 1000000000000000000000000000000 is more rows than there can be") },
  { name: "a constant CAST beyond SMALLINT",
    query: "SELECT CAST(99999999 AS SMALLINT) AS s FROM demo.stars",
    ...both("line 1, column 13: CAST of 99999999 to SMALLINT: the value is beyond the range of SMALLINT") },
  { name: "subqueries nested beyond MariaDB's 64 levels (the 300-way UNION's failure, which now runs: below)",
    query: (() => {
      let q = "SELECT star_id FROM demo.stars";
      for (let i = 0; i < 64; i++) q = `SELECT star_id FROM (${q}) AS t${i}`;
      return q;
    })(),
    duckdb: [200, ""],
    mariadb: [400, "nested more than 64 levels deep"] },
  // Not the compiler's to know: the backends classify it as the query's error (MariaDB by errno 1242,
  // DuckDB by its message), before the first row.
  { name: "a scalar subquery that returns several rows (MariaDB errno 1242)",
    query: "SELECT star_id, (SELECT star_id FROM demo.stars) AS other FROM demo.stars",
    ...both("ubquery") },
];

const STARS = [
  [1, 10.5, -5.25, "J0001", 15.5, 15.1, 1.5, 0, 0, "2020-01-01 00:00:00"],
  [2, 180, 30, "J0002", null, 14.2, 0.5, 3, 1, "2021-06-30 12:00:00"],
  [3, 359.5, 89.5, "J0003", 18.25, null, null, 1, 0, null],
];

/** A MariaDB service whose `demo` database holds the demo schema's two tables, with three stars. */
async function mariaDbDemo(ctx: Mocha.Context): Promise<{ db: MariaDbServer; svc: Running }> {
  const { db, mariadb } = await privateMariaDb(ctx);
  const c = await db.connect();
  try {
    await c.query("CREATE DATABASE demo CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    await c.query(
      "CREATE TABLE demo.stars (star_id BIGINT PRIMARY KEY, ra DOUBLE, `dec` DOUBLE, designation VARCHAR(32), g_mag FLOAT, r_mag FLOAT, " +
        "parallax DOUBLE, flags INT, is_variable BOOLEAN, first_seen DATETIME(3))",
    );
    await c.query("CREATE TABLE demo.detections (detection_id BIGINT PRIMARY KEY, star_id BIGINT, mjd DOUBLE, band CHAR(1), mag FLOAT, mag_err FLOAT)");
    await c.query("INSERT INTO demo.stars VALUES ?", [STARS]);
    await c.query("INSERT INTO demo.detections VALUES (1, 1, 59000.5, 'g', 15.5, 0.01), (2, 2, 59001.5, 'r', 14.2, 0.02)");
  } finally {
    await c.end();
  }
  const svc = await startService({ backend: "mariadb", demo: false, mariadb, schemas: [DEMO_SCHEMA_PATH] });
  return { db, svc };
}

const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&" };

/** The text of the QUERY_STATUS=ERROR INFO, unescaped. */
function queryStatus(text: string): string | undefined {
  return /<INFO name="QUERY_STATUS" value="ERROR">([^<]*)<\/INFO>/.exec(text)?.[1]?.replace(/&(?:lt|gt|quot|apos|amp);/g, (m) => ENTITIES[m]!);
}

describe("client errors are 400s with a DALI error document, on DuckDB and MariaDB (issue 11 item 8)", function () {
  this.timeout(120_000);
  const services: Partial<Record<"duckdb" | "mariadb", Running>> = {};
  let db: MariaDbServer | undefined;

  before(async function () {
    services.duckdb = await startService({ demo: true });
    const m = await mariaDbDemo(this);
    db = m.db;
    services.mariadb = m.svc;
  });
  after(async () => {
    await services.duckdb?.close();
    await services.mariadb?.close();
    await db?.stop();
  });

  for (const c of CASES) {
    for (const backend of ["duckdb", "mariadb"] as const) {
      it(`${backend}: ${c.name}`, async () => {
        const [status, fragment] = c[backend];
        const r = await sync(services[backend]!.url, { LANG: "ADQL", QUERY: c.query });
        expect(r.status, r.text.slice(0, 600)).to.equal(status);
        if (status === 200) {
          expect(queryStatus(r.text), "no error in the result").to.equal(undefined);
          return;
        }
        expect(r.type).to.match(/^application\/x-votable\+xml/);
        expect(r.text).to.match(/<RESOURCE type="results">/);
        expect(queryStatus(r.text)).to.contain(fragment);
      });
    }
  }

  it("a 300-way UNION runs on both backends (MariaDB refused it, at more than 63 nested parentheses)", async () => {
    const union = Array.from({ length: 300 }, (_, i) => `SELECT ${i} AS n FROM demo.stars WHERE star_id = 1`).join(" UNION ");
    for (const backend of ["duckdb", "mariadb"] as const) {
      const r = await sync(services[backend]!.url, { LANG: "ADQL", RESPONSEFORMAT: "csv", QUERY: union });
      expect(r.status, `${backend}: ${r.text.slice(0, 300)}`).to.equal(200);
      expect(r.text.trim().split(/\r?\n/), backend).to.have.length(301);
    }
  });

  it("the functions refused are those whose probe the database failed; what the compiler refuses keeps its own message", async () => {
    // scisql's photometry, HTM and ellipse functions exist on Qserv only (neither DuckDB's nor MariaDB's
    // scisql functions have them), in the registry's order.
    const photometry = ["fluxToAbMag", "fluxToAbMagSigma", "nanojanskyToAbMag", "nanojanskyToAbMagSigma", "abMagToNanojansky", "abMagToNanojanskySigma", "abMagToFlux", "abMagToFluxSigma", "dnToAbMag", "dnToAbMagSigma", "dnToFlux", "dnToFluxSigma", "fluxToDn", "fluxToDnSigma", "abMagToDn", "abMagToDnSigma"];
    const flux = [...photometry, "s2HtmId", "s2HtmLevel"].map((f) => `scisql_${f}`);
    // This MariaDB has none of the scisql stored functions (`tap-server load` installs them): BOX and
    // s2PtInBox/s2PtInCPoly need them; CIRCLE, DISTANCE and constant polygons are written inline. On DuckDB the
    // compiler refuses the others itself (builtins.ts: the duckdb dialect lacks them), so no probe fails there.
    // Nor the region functions (regions-mariadb.sql): the queries that need them are refused by the compiler, not failed by
    // MariaDB with a 500 ("FUNCTION tap.tap_region_intersects does not exist").
    const regions = ["tap_region_contains_point", "tap_region_intersects", "tap_region_within", "tap_region_area", "tap_region_centroid_ra", "tap_region_centroid_dec"];
    const expected = { duckdb: [], mariadb: ["BOX", "scisql_s2PtInBox", "scisql_s2PtInEllipse", "scisql_s2PtInCPoly", ...flux, ...regions] };
    for (const backend of ["duckdb", "mariadb"] as const) {
      const { deps, features } = services[backend]!.service;
      expect(deps.unavailableFunctions, backend).to.deep.equal(expected[backend]);
      expect(features.supported.map((f) => f.form).join(), backend).to.not.contain("fluxToAbMag");
      const r = await sync(services[backend]!.url, { LANG: "ADQL", QUERY: "SELECT AREA(POLYGON('ICRS', ra, dec, 3, 4, 5, 6)) AS a FROM demo.stars" });
      expect(r.status).to.equal(400);
      expect(queryStatus(r.text), backend).to.contain("not supported: AREA of a POLYGON whose parameters are not constants");
    }
    const shapes = "SELECT star_id FROM demo.stars WHERE 1 = INTERSECTS(CIRCLE('ICRS', ra, dec, 1), CIRCLE('ICRS', 10, 10, 1))";
    expect((await sync(services.duckdb!.url, { LANG: "ADQL", QUERY: shapes })).status).to.equal(200);
    const refused = await sync(services.mariadb!.url, { LANG: "ADQL", QUERY: shapes });
    expect(refused.status, refused.text.slice(0, 400)).to.equal(400);
    expect(queryStatus(refused.text)).to.equal(
      "ADQL error: line 1, column 42: not supported by this service's database: INTERSECTS of two regions, whose function tap_region_intersects it lacks; " +
        "the service's operator installs it with regions-mariadb.sql",
    );
  });

  for (const encoding of ["identity", "gzip"]) {
    it(`MariaDB: CSV has no error channel (DALI 1.1 §5.4.1): the same failure cuts the response short (${encoding})`, async () => {
      const body = new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: "csv", QUERY: "SELECT CAST(star_id * 100000 AS SMALLINT) AS s FROM demo.stars" });
      const res = await fetch(`${services.mariadb!.url}/sync`, { method: "POST", body, headers: { "Accept-Encoding": encoding } });
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-encoding") ?? "identity").to.equal(encoding);
      let cut: unknown;
      await res.text().catch((e: unknown) => (cut = e));
      expect(cut, "the body ends in a transport error, not a complete CSV").to.be.instanceOf(Error);
    });
  }

  it("DuckDB: a computed value that does not fit its cast fails before the first row: 400, from the database", async () => {
    const r = await sync(services.duckdb!.url, { LANG: "ADQL", QUERY: "SELECT CAST(ra * 1e30 AS INTEGER) AS x FROM demo.stars" });
    expect(r.status).to.equal(400);
    expect(queryStatus(r.text)).to.match(/^The query failed on its values: Conversion Error: /);
  });

  it("MariaDB: a value that fails only while rows stream ends the VOTable with the trailing QUERY_STATUS=ERROR INFO (DALI 1.1 §5.4.4)", async () => {
    // The cast is not of a constant: MariaDB computes 100000 into a SMALLINT column, which the writer refuses after the 200.
    const r = await sync(services.mariadb!.url, { LANG: "ADQL", RESPONSEFORMAT: "votable/td", QUERY: "SELECT CAST(star_id * 100000 AS SMALLINT) AS s FROM demo.stars" });
    expect(r.status).to.equal(200);
    expect(r.text).to.match(/<\/TABLE>\s*<INFO name="QUERY_STATUS" value="ERROR">[^<]+<\/INFO>\s*<\/RESOURCE>\s*<\/VOTABLE>\s*$/);
  });
});
