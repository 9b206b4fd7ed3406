/**
 * QSERV STAND-IN on case01 (not Qserv): the server's qserv backend, configured with a Felis schema
 * that declares Qserv's partitioning, answers realistic ADQL through /tap/sync over a real LSST
 * dataset (shared/qserv/datasets/case01: Object, 88 rows, the director table partitioned on
 * ra_PS/decl_PS with overlap 0.01667°; Source, 3339 rows, its child on raObject/declObject).
 *
 * The data are loaded into a private MariaDB with the dataset's own MySQL DDL; the scisql-compatible
 * stored functions are installed there. Between the server and MariaDB sits a small double of what
 * Qserv's czar does to the SQL it receives before the workers run it (shared/qserv/README.md §a.2):
 * - a leading `qserv_areaspec_<shape>(constants)` (which MariaDB cannot run) is removed, and
 *   `scisql_s2PtIn<Shape>(t.ra, t.dec, constants) = 1` is added for every partitioned table t in
 *   FROM, on that table's own partitioning columns;
 * - our MariaDB scisql_s2PtInCPoly takes its vertices as one string where scisql's UDF takes them as
 *   arguments, so literal vertices are joined into that string.
 * Chunking, merging and the proxy are not emulated: this checks that what the server sends obeys
 * Qserv's SQL restrictions (every string goes through the independent §c checker of the
 * compiler's tests) and returns the right rows, which are compared with the same ADQL run by a
 * second service on the MariaDB backend (mysql dialect) over the same tables, and for the spatial
 * queries with a brute-force answer computed here from the TSV.
 */
import { expect } from "chai";
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, createGunzip } from "node:zlib";
import { installScisqlFunctions } from "@qserv-tap/adql-compiler";
import { findMariaDb, startMariaDb, type MariaDbServer } from "../../../adql-compiler/src/test-support/mariadb.js";
import { qservProblems } from "../../../adql-compiler/src/sql/test-support/qserv-check.js";
import type { MySqlConnectionConfig } from "../config.js";
import { needTool, startService, sync, type Running } from "../test-support/service.js";
import type { Backend, RowCursor, Session } from "./backend.js";
import { QservBackend } from "./qserv.js";

const CASE01 = fileURLToPath(new URL("../../../../../shared/qserv/datasets/case01/", import.meta.url));
const TABLES = ["Object", "Source"] as const;
/** The partitioning of case01/partition/*.json. */
const PARTITION: Record<string, { ra: string; dec: string }> = {
  Object: { ra: "ra_PS", dec: "decl_PS" },
  Source: { ra: "raObject", dec: "declObject" },
};

/** A Felis YAML document for the tables, from their MySQL DDL, with Qserv's partitioning keys. */
function felis(): string {
  const felisType = (t: string): string | undefined => {
    if (t.startsWith("bigint")) return "long";
    if (t.startsWith("int") || t.startsWith("mediumint")) return "int";
    if (t.startsWith("smallint") || t.startsWith("tinyint")) return "short";
    if (t.startsWith("double")) return "double";
    if (t.startsWith("float")) return "float";
    if (t.startsWith("char") || t.startsWith("varchar")) return "char";
    return undefined; // blob, varbinary: not published
  };
  const lines = ["---", "name: case01", '"@id": "#case01"', "description: Qserv integration-test dataset case01 (LSST).", "tables:"];
  for (const table of TABLES) {
    const ddl = readFileSync(`${CASE01}schema/${table}.schema`, "utf8");
    const key = table === "Object" ? "objectId" : "sourceId";
    lines.push(`- name: ${table}`, `  "@id": "#${table}"`, `  primaryKey: "#${table}.${key}"`);
    if (table === "Object") {
      lines.push("  qserv:director: true", "  qserv:ra_column: ra_PS", "  qserv:dec_column: decl_PS", "  qserv:director_key: objectId", "  qserv:overlap: 0.01667");
    } else {
      lines.push("  qserv:director_table: Object", "  qserv:ra_column: raObject", "  qserv:dec_column: declObject", "  qserv:director_key: objectId");
    }
    lines.push("  columns:");
    for (const m of ddl.matchAll(/^\s+`([^`]+)` ([a-z]+)(?:\((\d+)\))?[^,\n]*?(NOT NULL)?/gm)) {
      const [, name, sqlType, length, notNull] = m;
      const type = felisType(sqlType!);
      if (!type) continue;
      const unit = /^(ra|decl)(_PS|_SG|Object)?$/.test(name!) ? ", ivoa:unit: deg" : "";
      lines.push(
        `  - { name: ${name}, "@id": "#${table}.${name}", datatype: ${type}${type === "char" ? `, length: ${length}` : ""}` +
          `${notNull ? ", nullable: false" : ""}${unit} }`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

const AREASPEC: Record<string, string> = { circle: "scisql_s2PtInCircle", box: "scisql_s2PtInBox", poly: "scisql_s2PtInCPoly" };

/** What the czar would hand to the workers, made runnable on MariaDB with our stored functions. */
export function czarRewrite(sql: string): string {
  let out = sql;
  const spec = /qserv_areaspec_(circle|box|poly)\(([-\d.e, ]+)\)(?:\s*=\s*1)?/i.exec(out);
  if (spec) {
    const from = /\bFROM\b(.*?)(?:\bWHERE\b|$)/s.exec(out)?.[1] ?? "";
    const filters: string[] = [];
    for (const t of from.matchAll(/`case01`\.`(Object|Source)`(?: AS `([^`]+)`)?/g)) {
      const part = PARTITION[t[1]!]!;
      const q = t[2] ?? t[1]!;
      filters.push(`${AREASPEC[spec[1]!.toLowerCase()]}(\`${q}\`.\`${part.ra}\`, \`${q}\`.\`${part.dec}\`, ${spec[2]}) = 1`);
    }
    if (filters.length === 0) throw new Error(`Spatial restrictor without partitioned table: ${sql}`);
    out = out.slice(0, spec.index) + filters.join(" AND ") + out.slice(spec.index + spec[0].length);
  }
  // scisql_s2PtInCPoly(lon, lat, v1lon, v1lat, ...) → scisql_s2PtInCPoly(lon, lat, 'v1lon v1lat ...')
  return out.replace(/scisql_s2PtInCPoly\(([^,]+), ([^,]+), ((?:-?[\d.e-]+(?:, )?){6,})\)/g, (_, lon: string, lat: string, vs: string) => {
    return `scisql_s2PtInCPoly(${lon}, ${lat}, '${vs.split(",").map((v) => v.trim()).join(" ")}')`;
  });
}

/** The qserv backend seen through the czar double: records every SQL string, rewrites as the czar does. */
class CzarStandIn implements Backend {
  readonly kind = "qserv" as const;
  readonly dialect = "qserv" as const;
  readonly uploads = false;
  readonly description = "Qserv stand-in (MariaDB behind a czar double)";
  readonly sent: string[] = [];
  constructor(private readonly inner: QservBackend) {}
  async session(): Promise<Session> {
    const s = await this.inner.session();
    return {
      createUploadTable: () => Promise.reject(new Error("no uploads on Qserv")),
      query: (sql: string, signal?: AbortSignal): Promise<RowCursor> => {
        this.sent.push(sql);
        return s.query(czarRewrite(sql), signal);
      },
      release: () => s.release(),
    };
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  isQueryValueError(e: unknown): boolean {
    return this.inner.isQueryValueError(e);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Position {
  id: string;
  ra: number;
  dec: number;
}

function objects(): Position[] {
  const text = gunzipSync(readFileSync(`${CASE01}Object.tsv.gz`)).toString("latin1");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"))
    .map((f) => ({ id: f[0]!, ra: Number(f[2]), dec: Number(f[4]) }));
}

const RAD = Math.PI / 180;
function angSep(a: { ra: number; dec: number }, b: { ra: number; dec: number }): number {
  const s = Math.sin(((a.dec - b.dec) * RAD) / 2) ** 2 + Math.cos(a.dec * RAD) * Math.cos(b.dec * RAD) * Math.sin(((a.ra - b.ra) * RAD) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(s)))) / RAD;
}

interface Case {
  name: string;
  adql: string;
  ordered?: boolean;
  /** The brute-force answer: the first column's values. */
  brute?: (os: Position[]) => string[];
  /** The compiled SQL must contain this (the form Qserv prunes on). */
  form?: RegExp;
  minRows?: number;
  /** A split query (compile.ts QuerySplit): the SQL sent has no OFFSET, CASE or CAST; the server does them. */
  split?: boolean;
  maxrec?: number;
}

const inCircle = (ra: number, dec: number, r: number) => (os: Position[]) => os.filter((o) => angSep(o, { ra, dec }) <= r).map((o) => o.id);

const CASES: Case[] = [
  {
    name: "a cone across RA 0",
    adql: "SELECT objectId, ra_PS, decl_PS FROM case01.Object WHERE 1 = CONTAINS(POINT('ICRS', ra_PS, decl_PS), CIRCLE('ICRS', 0, -1, 2))",
    brute: inCircle(0, -1, 2),
    form: /scisql_s2PtInCircle\(`Object`\.`ra_PS`, `Object`\.`decl_PS`, 0, -1, 2\) = 1/,
    minRows: 5,
  },
  {
    name: "a cone written with DISTANCE, arcminutes",
    adql: "SELECT o.objectId FROM case01.Object AS o WHERE DISTANCE(POINT('ICRS', o.ra_PS, o.decl_PS), POINT('ICRS', 359.5, 2.5)) < 90/60.0",
    brute: (os) => os.filter((o) => angSep(o, { ra: 359.5, dec: 2.5 }) < 1.5).map((o) => o.id),
    form: /scisql_s2PtInCircle/,
    minRows: 3,
  },
  {
    name: "a BOX across RA 0",
    adql: "SELECT objectId FROM case01.Object WHERE 1 = CONTAINS(POINT('ICRS', ra_PS, decl_PS), BOX('ICRS', 0, -2, 3, 4))",
    brute: (os) => os.filter((o) => (o.ra >= 358.5 || o.ra <= 1.5) && o.dec >= -4 && o.dec <= 0).map((o) => o.id),
    form: /scisql_s2PtInBox/,
    minRows: 5,
  },
  {
    name: "a POLYGON",
    adql: "SELECT objectId FROM case01.Object WHERE 1 = CONTAINS(POINT('ICRS', ra_PS, decl_PS), POLYGON('ICRS', 358.5, -3, 1.5, -3, 1.5, 2, 358.5, 2))",
    form: /scisql_s2PtInCPoly/,
    minRows: 5,
  },
  {
    name: "a cone and a box on one table: the first becomes a leading qserv_areaspec_circle",
    adql:
      "SELECT objectId, ra_PS FROM case01.Object WHERE 1 = CONTAINS(POINT('ICRS', ra_PS, decl_PS), CIRCLE('ICRS', 0, -1, 3)) " +
      "AND 1 = CONTAINS(POINT('ICRS', ra_PS, decl_PS), BOX('ICRS', 0, 0, 4, 4))",
    brute: (os) => os.filter((o) => angSep(o, { ra: 0, dec: -1 }) <= 3 && (o.ra >= 358 || o.ra <= 2) && o.dec >= -2 && o.dec <= 2).map((o) => o.id),
    form: /WHERE qserv_areaspec_circle\(0, -1, 3\)/,
    minRows: 3,
  },
  {
    name: "Object–Source join on objectId in a cone",
    adql:
      "SELECT o.objectId, s.sourceId, s.psfFlux FROM case01.Object AS o JOIN case01.Source AS s ON s.objectId = o.objectId " +
      "WHERE 1 = CONTAINS(POINT('ICRS', o.ra_PS, o.decl_PS), CIRCLE('ICRS', 1, -3, 1.5))",
    minRows: 100,
  },
  {
    name: "sources per object (COUNT, AVG, MIN, MAX, GROUP BY, ORDER BY an alias, TOP)",
    adql:
      "SELECT TOP 10 objectId, COUNT(*) AS n, AVG(psfFlux) AS mean_flux, MIN(taiMidPoint) AS first_t, MAX(taiMidPoint) AS last_t " +
      "FROM case01.Source WHERE objectId IS NOT NULL GROUP BY objectId ORDER BY n DESC, objectId",
    ordered: true,
    minRows: 10,
  },
  {
    name: "the brightest objects in r (ORDER BY, TOP, IS NOT NULL)",
    adql: "SELECT TOP 7 objectId, rFlux_PS FROM case01.Object WHERE rFlux_PS IS NOT NULL ORDER BY rFlux_PS DESC",
    ordered: true,
    minRows: 7,
  },
  {
    name: "ORDER BY an expression (Qserv: through an added, hidden output column) with TOP",
    adql: "SELECT TOP 5 objectId FROM case01.Object ORDER BY ra_PS + decl_PS DESC",
    ordered: true,
    form: /ORDER BY `orderby\d+` DESC/,
    minRows: 5,
  },
  {
    name: "counts over a join with HAVING",
    adql:
      "SELECT s.filterId, COUNT(*) AS n FROM case01.Object AS o JOIN case01.Source AS s ON s.objectId = o.objectId " +
      "WHERE o.decl_PS BETWEEN -4 AND 2 GROUP BY s.filterId HAVING COUNT(*) > 10",
    minRows: 1,
  },
  {
    name: "near neighbours: a self-join of the director with DISTANCE < 0.01",
    adql:
      "SELECT o1.objectId AS a, o2.objectId AS b, DISTANCE(POINT('ICRS', o1.ra_PS, o1.decl_PS), POINT('ICRS', o2.ra_PS, o2.decl_PS)) AS d " +
      "FROM case01.Object AS o1, case01.Object AS o2 " +
      "WHERE DISTANCE(POINT('ICRS', o1.ra_PS, o1.decl_PS), POINT('ICRS', o2.ra_PS, o2.decl_PS)) < 0.01 AND o1.objectId <> o2.objectId",
    brute: (os) => os.flatMap((a) => os.filter((b) => a.id !== b.id && angSep(a, b) < 0.01).map(() => a.id)),
    form: /scisql_angSep\(`o1`\.`ra_PS`, `o1`\.`decl_PS`, `o2`\.`ra_PS`, `o2`\.`decl_PS`\) < 0\.01/,
    minRows: 2,
  },
];

/**
 * Split queries: Qserv runs the part it can, and the server skips the OFFSET rows and computes the select-list
 * CASE and CAST (with what they contain) over each row, as the mysql dialect has MariaDB do it.
 */
const SPLIT_CASES: Case[] = [
  { name: "split: OFFSET with ORDER BY and TOP", adql: "SELECT TOP 10 objectId, ra_PS FROM case01.Object ORDER BY objectId OFFSET 20", ordered: true, minRows: 10 },
  { name: "split: OFFSET without TOP, near the end of the table", adql: "SELECT objectId FROM case01.Object ORDER BY decl_PS, objectId OFFSET 80", ordered: true, minRows: 8 },
  { name: "split: OFFSET beyond the last row", adql: "SELECT objectId FROM case01.Object ORDER BY objectId OFFSET 500", ordered: true, minRows: 0 },
  { name: "split: OFFSET with MAXREC: MAXREC rows after the offset", adql: "SELECT objectId FROM case01.Object ORDER BY objectId OFFSET 3", ordered: true, maxrec: 5, minRows: 5 },
  {
    name: "split: searched CASE with IS NULL and a float comparison",
    adql: "SELECT objectId, CASE WHEN rFlux_PS IS NULL THEN 'none' WHEN rFlux_PS > 1e-30 THEN 'bright' ELSE 'faint' END AS kind FROM case01.Object",
    minRows: 88,
  },
  {
    name: "split: simple CASE on an integer column, no ELSE (NULL)",
    adql: "SELECT sourceId, CASE filterId WHEN 0 THEN 'u' WHEN 1 THEN 'g' WHEN 2 THEN 'r' END AS band FROM case01.Source",
    minRows: 3339,
  },
  {
    name: "split: COALESCE, NULL and arithmetic in a CASE",
    adql: "SELECT objectId, CASE WHEN COALESCE(rFlux_PS, -1) < 0 THEN NULL ELSE rFlux_PS * 1e30 + 1 END AS f2, COALESCE(rFlux_PS, 0) AS f0 FROM case01.Object",
    minRows: 88,
  },
  {
    name: "split: string functions and concatenation over a CASE",
    adql: "SELECT objectId, UPPER(CASE WHEN decl_PS < 0 THEN 'south' ELSE 'North' END) || '-' || LOWER('AbC') AS hemi FROM case01.Object",
    minRows: 88,
  },
  {
    name: "split: math in a CASE (ROUND, ABS, FLOOR, SQRT, POWER, integer division)",
    adql:
      "SELECT TOP 40 sourceId, CASE WHEN filterId > 0 THEN 7 / filterId ELSE NULL END AS q, " +
      "CASE WHEN raObject > 180 THEN ROUND(raObject - 360, 3) ELSE ROUND(raObject, 3) END AS ra_wrapped, " +
      "CASE WHEN declObject < 0 THEN SQRT(ABS(declObject)) ELSE POWER(declObject, 2) END AS d, " +
      "CASE WHEN psfFlux IS NULL THEN -1 ELSE FLOOR(declObject) END AS fl FROM case01.Source ORDER BY sourceId",
    ordered: true, minRows: 40,
  },
  {
    name: "split: CAST to INTEGER, BIGINT, DOUBLE PRECISION, CHAR(n) and VARCHAR",
    adql:
      "SELECT TOP 40 sourceId, CAST(declObject * 10 AS INTEGER) AS i, CAST(filterId AS BIGINT) AS b, CAST(filterId AS DOUBLE PRECISION) AS dd, " +
      "CAST('abcdef' AS CHAR(3)) AS c, CAST(filterId AS VARCHAR(4)) AS v FROM case01.Source ORDER BY sourceId",
    ordered: true, minRows: 40,
  },
  {
    name: "split: OFFSET and a CASE together, with NULLIF and IN",
    adql:
      "SELECT TOP 400 sourceId, CASE WHEN filterId IN (1, 2) THEN NULLIF(filterId, 2) ELSE 0 END AS n FROM case01.Source " +
      "WHERE objectId IS NOT NULL ORDER BY filterId, sourceId OFFSET 700",
    ordered: true, minRows: 400,
  },
].map((c) => ({ ...c, split: true }));

function rowsOf(csv: string): string[] {
  return csv.trim().split(/\r?\n/).slice(1);
}

describe("Qserv stand-in on case01: the qserv backend, a Felis schema with partitioning, a czar double over MariaDB", function () {
  this.timeout(120_000);
  let db: MariaDbServer | undefined;
  let qserv: Running | undefined;
  let mysql: Running | undefined;
  let czar: CzarStandIn;
  let dir: string | undefined;
  const positions = objects();

  before(async function () {
    needTool(this, findMariaDb().ok, "MariaDB (mariadbd, mariadb-install-db)");
    db = await startMariaDb();
    const c = await db.connect();
    try {
      await c.query("CREATE DATABASE case01 CHARACTER SET latin1");
      await c.query("USE case01");
      for (const t of TABLES) {
        await c.query(readFileSync(`${CASE01}schema/${t}.schema`, "utf8"));
        await c.query({
          sql: `LOAD DATA LOCAL INFILE '${t}.tsv' INTO TABLE \`${t}\``,
          infileStreamFactory: () => createReadStream(`${CASE01}${t}.tsv.gz`).pipe(createGunzip()),
        } as never);
      }
      await installScisqlFunctions(c);
    } finally {
      await c.end();
    }
    dir = mkdtempSync(join(tmpdir(), "tap-case01-"));
    const schema = join(dir, "case01.yaml");
    writeFileSync(schema, felis());
    const connection: MySqlConnectionConfig = { host: "127.0.0.1", port: db.port, user: "root", password: "", database: "case01", connectionLimit: 4 };
    czar = new CzarStandIn(await QservBackend.open(connection));
    qserv = await startService({ backend: "qserv", qserv: connection, schemas: [schema] }, { backend: czar });
    mysql = await startService({ backend: "mariadb", mariadb: connection, schemas: [schema], demo: false });
  });

  after(async () => {
    await qserv?.close();
    await mysql?.close();
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the czar double: an areaspec becomes one scisql filter per partitioned table, on its own columns", () => {
    const sql =
      "SELECT `o`.`objectId` AS `objectId` FROM `case01`.`Object` AS `o` JOIN `case01`.`Source` AS `s` ON `s`.`objectId` = `o`.`objectId` " +
      "WHERE qserv_areaspec_box(358, -2, 2, 2) AND (`s`.`psfFlux` > 0) LIMIT 10";
    expect(czarRewrite(sql)).to.equal(
      "SELECT `o`.`objectId` AS `objectId` FROM `case01`.`Object` AS `o` JOIN `case01`.`Source` AS `s` ON `s`.`objectId` = `o`.`objectId` " +
        "WHERE scisql_s2PtInBox(`o`.`ra_PS`, `o`.`decl_PS`, 358, -2, 2, 2) = 1 AND scisql_s2PtInBox(`s`.`raObject`, `s`.`declObject`, 358, -2, 2, 2) = 1 " +
        "AND (`s`.`psfFlux` > 0) LIMIT 10",
    );
    expect(czarRewrite("SELECT `x` FROM `case01`.`Object` WHERE qserv_areaspec_poly(0, 0, 1, 0, 1, 1) = 1")).to.equal(
      "SELECT `x` FROM `case01`.`Object` WHERE scisql_s2PtInCPoly(`Object`.`ra_PS`, `Object`.`decl_PS`, '0 0 1 0 1 1') = 1",
    );
  });

  it("loaded Object and Source, and publishes them with the Felis schema", async () => {
    const n = await sync(qserv!.url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM case01.Source", RESPONSEFORMAT: "csv" });
    expect(n.text, n.text).to.match(/\n3339\r?\n/);
    const o = await sync(qserv!.url, { LANG: "ADQL", QUERY: "SELECT COUNT(*) AS n FROM case01.Object", RESPONSEFORMAT: "csv" });
    expect(o.text).to.match(/\n88\r?\n/);
    const tables = await (await fetch(`${qserv!.url}/tables/case01.Object`)).text();
    expect(tables).to.contain("<name>ra_PS</name>");
  });

  for (const c of [...CASES, ...SPLIT_CASES]) {
    it(c.name, async () => {
      const before = czar.sent.length;
      const params = { LANG: "ADQL", QUERY: c.adql, RESPONSEFORMAT: "csv", ...(c.maxrec !== undefined ? { MAXREC: String(c.maxrec) } : {}) };
      const got = await sync(qserv!.url, params);
      expect(got.status, got.text).to.equal(200);
      const sent = czar.sent.slice(before);
      expect(sent).to.have.length(1);
      if (c.form) expect(sent[0], sent[0]).to.match(c.form);
      if (c.split) expect(sent[0], sent[0]).to.not.match(/\bOFFSET\b|\bCASE\b|\bCAST\b|\bCOALESCE\(`Object`\.`rFlux_PS`, -1\)/);
      const want = await sync(mysql!.url, params);
      expect(want.status, want.text).to.equal(200);
      const rows = rowsOf(got.text);
      const expected = rowsOf(want.text);
      expect(rows.length).to.be.at.least(c.minRows ?? 1);
      if (c.ordered) expect(rows).to.deep.equal(expected);
      else expect([...rows].sort()).to.deep.equal([...expected].sort());
      if (c.brute) expect(rows.map((r) => r.split(",")[0]).sort()).to.deep.equal(c.brute(positions).sort());
    });
  }

  it("split: MAXREC counts the rows after the OFFSET (DALI §5.5 OVERFLOW only when more remain)", async () => {
    const over = await sync(qserv!.url, { LANG: "ADQL", QUERY: "SELECT objectId FROM case01.Object ORDER BY objectId OFFSET 80", MAXREC: "7" });
    expect(over.text).to.match(/<INFO name="QUERY_STATUS" value="OVERFLOW"/);
    const q = { LANG: "ADQL", QUERY: "SELECT objectId FROM case01.Object ORDER BY objectId OFFSET 80", RESPONSEFORMAT: "csv" };
    expect(rowsOf((await sync(qserv!.url, { ...q, MAXREC: "7" })).text)).to.have.length(7);
    expect(rowsOf((await sync(qserv!.url, { ...q, MAXREC: "8" })).text)).to.have.length(8);
    const exact = await sync(qserv!.url, { LANG: "ADQL", QUERY: "SELECT objectId FROM case01.Object ORDER BY objectId OFFSET 80", MAXREC: "8" });
    expect(exact.text).to.not.match(/OVERFLOW/);
    expect(exact.text).to.match(/<INFO name="QUERY_STATUS" value="OK"/);
  });

  it("refuses what Qserv cannot run, with a message, before sending anything", async () => {
    const before = czar.sent.length;
    const r = await sync(qserv!.url, {
      LANG: "ADQL",
      QUERY: "SELECT o1.objectId FROM case01.Object AS o1, case01.Object AS o2 WHERE o1.decl_PS < o2.decl_PS",
    });
    expect(r.status).to.equal(400);
    expect(r.text, r.text).to.contain("Qserv does not know how to evaluate using only partition-local data").and.to.contain("DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) &lt; r");
    expect(czar.sent.length).to.equal(before);
  });

  it("every SQL string sent to the Qserv backend obeys qserv/README §c (the compiler tests' independent checker)", () => {
    expect(czar.sent.length).to.be.greaterThan(CASES.length);
    expect(czar.sent.some((s) => /qserv_areaspec_/.test(s))).to.equal(true);
    const problems = czar.sent.map((s) => ({ sql: s, problems: qservProblems(s) })).filter((p) => p.problems.length > 0);
    expect(problems, JSON.stringify(problems, null, 2)).to.deep.equal([]);
  });
});
