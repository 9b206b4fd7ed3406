/**
 * Qserv match tables, after Qserv's integration-test dataset case03 (lsst/qserv itest_src/datasets/case03:
 * RefObject and RunDeepSource are directors, RefDeepSrcMatch pairs their rows; its ingest configuration
 * names `director_table`/`director_key` RefObject.refObjectId, `director_table2`/`director_key2`
 * RunDeepSource.deepSourceId and `flag` flags). The dataset itself is not in shared/, so the tables here
 * are the same shape with a handful of rows of our own.
 *
 * - The catalog reads the match table from Felis (qserv:director_table2 ...) and writes it back.
 * - The qserv dialect accepts case03's three-way join (query 0019.1's form) and refuses, with Qserv's
 *   reason, the joins that Qserv's RelationGraph refuses.
 * - On MariaDB, the qserv SQL returns the rows that the mysql dialect's SQL returns (Qserv's workers
 *   run it per chunk on the same engine; chunking is not emulated).
 */
import { expect } from "chai";
import { dump } from "js-yaml";
import { compile } from "../compile.js";
import { AdqlError } from "../errors.js";
import { loadFelis } from "../catalog/felis.js";
import { felisTable } from "../catalog/felis.js";
import { getTable, type Catalog } from "../catalog/model.js";
import { closeSharedEngines, openMariaDb, type Engine } from "./test-support/engines.js";
import { qservProblems } from "./test-support/qserv-check.js";

after(closeSharedEngines);

const FELIS = `
name: case03
"@id": "#case03"
tables:
- name: RefObject
  "@id": "#RefObject"
  primaryKey: "#RefObject.refObjectId"
  qserv:director: true
  qserv:ra_column: ra
  qserv:dec_column: decl
  qserv:overlap: 0.01667
  columns:
  - { name: refObjectId, "@id": "#RefObject.refObjectId", datatype: long }
  - { name: ra, "@id": "#RefObject.ra", datatype: double, ivoa:unit: deg }
  - { name: decl, "@id": "#RefObject.decl", datatype: double, ivoa:unit: deg }
  - { name: gMag, "@id": "#RefObject.gMag", datatype: double }
- name: RunDeepSource
  "@id": "#RunDeepSource"
  primaryKey: "#RunDeepSource.id"
  qserv:director: true
  qserv:ra_column: coord_ra
  qserv:dec_column: coord_decl
  qserv:overlap: 0.01667
  columns:
  - { name: id, "@id": "#RunDeepSource.id", datatype: long }
  - { name: coord_ra, "@id": "#RunDeepSource.coord_ra", datatype: double, ivoa:unit: deg }
  - { name: coord_decl, "@id": "#RunDeepSource.coord_decl", datatype: double, ivoa:unit: deg }
  - { name: coadd_id, "@id": "#RunDeepSource.coadd_id", datatype: long }
- name: RefDeepSrcMatch
  "@id": "#RefDeepSrcMatch"
  qserv:director_table: RefObject
  qserv:director_key: refObjectId
  qserv:director_table2: RunDeepSource
  qserv:director_key2: deepSourceId
  qserv:flag_column: flags
  columns:
  - { name: refObjectId, "@id": "#RefDeepSrcMatch.refObjectId", datatype: long }
  - { name: deepSourceId, "@id": "#RefDeepSrcMatch.deepSourceId", datatype: long }
  - { name: angSep, "@id": "#RefDeepSrcMatch.angSep", datatype: double }
  - { name: nSrcMatches, "@id": "#RefDeepSrcMatch.nSrcMatches", datatype: int }
  - { name: flags, "@id": "#RefDeepSrcMatch.flags", datatype: int }
- name: Labels
  "@id": "#Labels"
  columns:
  - { name: id, "@id": "#Labels.id", datatype: long }
  - { name: name, "@id": "#Labels.name", datatype: char, length: 8 }
  - { name: flags, "@id": "#Labels.flags", datatype: long }
- name: DeepCoadd
  "@id": "#DeepCoadd"
  columns:
  - { name: deepCoaddId, "@id": "#DeepCoadd.deepCoaddId", datatype: long }
  - { name: filterName, "@id": "#DeepCoadd.filterName", datatype: char, length: 1 }
`;

const ROWS: Readonly<Record<string, string>> = {
  RefObject: "(1, 10.0, -1.0, 20.5), (2, 10.1, -1.1, 21.0), (3, 200.0, 5.0, 19.0)",
  RunDeepSource: "(101, 10.0, -1.0, 7), (102, 10.1, -1.1, 7), (103, 10.2, -1.2, 8), (104, 200.0, 5.0, 8)",
  RefDeepSrcMatch: "(1, 101, 0.0001, 1, 1), (2, 102, 0.0002, 2, 1), (2, 103, 0.0003, 2, 2), (3, 104, 0.0001, 1, 3)",
  DeepCoadd: "(7, 'r'), (8, 'R')",
  Labels: "(1, 'abc', 0), (2, 'ABC', -1), (3, 'Abc', -9223372036854775808), (4, 'é', 9223372036854775807), (5, 'e', 5), (6, 'ab_c', -2), (7, NULL, NULL)",
};

const DDL: Readonly<Record<string, string>> = {
  RefObject: "refObjectId BIGINT, ra DOUBLE, decl DOUBLE, gMag DOUBLE",
  RunDeepSource: "id BIGINT, coord_ra DOUBLE, coord_decl DOUBLE, coadd_id BIGINT",
  RefDeepSrcMatch: "refObjectId BIGINT, deepSourceId BIGINT, angSep DOUBLE, nSrcMatches INT, flags INT",
  DeepCoadd: "deepCoaddId BIGINT, filterName CHAR(1)",
  // A case- and accent-insensitive collation, as Qserv's catalogs have.
  Labels: "id BIGINT, name VARCHAR(8) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, flags BIGINT",
};

/** On Labels (utf8mb4_general_ci): LIKE and bit operations whose qserv SQL must give the mysql dialect's rows. */
const SAME_ROWS: readonly string[] = [
  "SELECT id FROM case03.Labels WHERE name LIKE 'a%'",
  "SELECT id FROM case03.Labels WHERE name NOT LIKE 'ABC'",
  "SELECT id FROM case03.Labels WHERE name LIKE 'ab\\_c'",
  "SELECT id FROM case03.Labels WHERE name ILIKE 'abc'",
  "SELECT id FROM case03.Labels WHERE name LIKE 'e'",
  "SELECT id, flags & -2 AS a, flags | 1 AS b, flags ^ -1 AS c, ~flags AS d, flags & 3 AS e, flags ^ flags AS f, flags & ~6 AS g FROM case03.Labels",
  "SELECT id FROM case03.Labels WHERE (flags & -9223372036854775807) < 0",
  "SELECT id, MOD(flags, 7) AS m FROM case03.Labels",
];

const catalog = (): Catalog => loadFelis(FELIS);

/** Accepted on Qserv: what RelationGraph admits through a match table (qserv/README §c joins). */
const ACCEPTED: readonly { name: string; adql: string }[] = [
  { name: "case03 0019.1: source, coadd, match table and reference object, joined on the directors' keys",
    adql: "SELECT sro.refObjectId, s.id, rom.nSrcMatches, sro.gMag, sce.filterName FROM case03.RunDeepSource AS s, case03.DeepCoadd AS sce, case03.RefDeepSrcMatch AS rom, case03.RefObject AS sro " +
      "WHERE s.coadd_id = sce.deepCoaddId AND s.id = rom.deepSourceId AND rom.refObjectId = sro.refObjectId AND sce.filterName LIKE 'r'" },
  { name: "the same join written with JOIN ... ON",
    adql: "SELECT r.refObjectId, s.id FROM case03.RefObject AS r JOIN case03.RefDeepSrcMatch AS m ON r.refObjectId = m.refObjectId JOIN case03.RunDeepSource AS s ON m.deepSourceId = s.id" },
  { name: "the match table with one of its directors",
    adql: "SELECT m.refObjectId, s.id FROM case03.RefDeepSrcMatch AS m JOIN case03.RunDeepSource AS s ON m.deepSourceId = s.id WHERE m.flags = 1" },
  { name: "the match table alone",
    adql: "SELECT refObjectId, COUNT(*) AS n FROM case03.RefDeepSrcMatch GROUP BY refObjectId" },
];

/** Refused: Qserv's AnalysisError "Query involves partitioned table joins that Qserv does not know how to evaluate using only partition-local data". */
const REFUSED: readonly { name: string; adql: string; column: number; table: string }[] = [
  { name: "two directors without the match table or a near-neighbour condition",
    adql: "SELECT r.refObjectId FROM case03.RefObject AS r, case03.RunDeepSource AS s WHERE r.refObjectId = s.id", column: 50, table: "s" },
  { name: "the match table joined on the wrong key column",
    adql: "SELECT r.refObjectId FROM case03.RefObject AS r, case03.RefDeepSrcMatch AS m, case03.RunDeepSource AS s WHERE r.refObjectId = m.refObjectId AND m.refObjectId = s.id", column: 79, table: "s" },
  { name: "the match table joined to a director on a column that is not a key",
    adql: "SELECT m.refObjectId FROM case03.RefDeepSrcMatch AS m JOIN case03.RunDeepSource AS s ON m.nSrcMatches = s.id", column: 60, table: "s" },
];

describe("Qserv match tables (case03's RefDeepSrcMatch; issue 17)", () => {
  it("the catalog reads a match table from Felis and writes it back", () => {
    const m = getTable(catalog(), "case03", "RefDeepSrcMatch")!;
    expect(m.qserv).to.deep.equal({
      role: "match",
      directors: [
        { directorSchema: "case03", directorTable: "RefObject", keyColumn: "refObjectId" },
        { directorSchema: "case03", directorTable: "RunDeepSource", keyColumn: "deepSourceId" },
      ],
      flagColumn: "flags", raColumn: null, decColumn: null, keyColumn: null,
    });
    const written = felisTable(m);
    expect(written).to.include({ "qserv:director_table": "RefObject", "qserv:director_key": "refObjectId", "qserv:director_table2": "RunDeepSource", "qserv:director_key2": "deepSourceId", "qserv:flag_column": "flags" });
    const again = loadFelis(dump({ name: "case03", "@id": "#case03", tables: [felisTable(getTable(catalog(), "case03", "RefObject")!), felisTable(getTable(catalog(), "case03", "RunDeepSource")!), written] }));
    expect(getTable(again, "case03", "RefDeepSrcMatch")!.qserv).to.deep.equal(m.qserv);
  });

  it("a match table needs both directors and both key columns, and directors that are directors", () => {
    const broken = FELIS.replace("  qserv:director_key2: deepSourceId\n", "");
    expect(() => loadFelis(broken)).to.throw(/match table names two director tables/);
    const notDirector = FELIS.replace("qserv:director_table2: RunDeepSource", "qserv:director_table2: DeepCoadd");
    expect(() => loadFelis(notDirector)).to.throw(/DeepCoadd is not a director table/);
  });

  for (const c of REFUSED) {
    it(`refused: ${c.name}`, () => {
      let error: unknown;
      try {
        compile(c.adql, { catalog: catalog(), dialect: "qserv" });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(AdqlError);
      const e = error as AdqlError;
      expect(e.message).to.include(`a join of the partitioned table ${c.table} with`);
      expect(e.message).to.include("Qserv does not know how to evaluate using only partition-local data");
      expect(e.span?.start.column).to.equal(c.column);
      // The other dialects run it.
      expect(() => compile(c.adql, { catalog: catalog(), dialect: "mysql" })).not.to.throw();
    });
  }

  describe("on MariaDB: the qserv SQL gives the mysql dialect's rows (match-table joins; LIKE and bit operations on a case-insensitive table)", function () {
    let engine: Engine;
    before(async function () {
      this.timeout(60_000);
      engine = await openMariaDb(this);
      await engine.exec("CREATE DATABASE IF NOT EXISTS case03 CHARACTER SET latin1");
      for (const [t, cols] of Object.entries(DDL)) {
        await engine.exec(`DROP TABLE IF EXISTS case03.${t}`);
        await engine.exec(`CREATE TABLE case03.${t} (${cols})`);
        await engine.exec(`INSERT INTO case03.${t} VALUES ${ROWS[t]}`);
      }
    });
    after(async () => engine?.close());

    for (const adql of SAME_ROWS) {
      it(`case-insensitive table: ${adql}`, async () => {
        const q = compile(adql, { catalog: catalog(), dialect: "qserv" });
        expect(qservProblems(q.sql), "Qserv's grammar").to.deep.equal([]);
        const m = compile(adql, { catalog: catalog(), dialect: "mysql" });
        const key = (rows: readonly (readonly unknown[])[]) => rows.map((r) => r.map((v) => (v === null ? "null" : String(Number(v)))).join("|")).sort();
        expect(key((await engine.query(q.sql)).rows)).to.deep.equal(key((await engine.query(m.sql)).rows));
      });
    }

    it("bit operations to the last bit on -2^63 and 2^63 - 1: the qserv and mysql results compared by MariaDB itself", async () => {
      const adql = "SELECT id, flags & -2 AS a, flags | 1 AS b, flags ^ -1 AS c, ~flags AS d, flags & 3 AS e, flags ^ flags AS f, flags & ~6 AS g FROM case03.Labels";
      const q = compile(adql, { catalog: catalog(), dialect: "qserv" }).sql;
      const m = compile(adql, { catalog: catalog(), dialect: "mysql" }).sql;
      const same = ["a", "b", "c", "d", "e", "f", "g"].map((c) => `q.${c} <=> m.${c}`).join(" AND ");
      const [[n, total]] = (await engine.query(`SELECT SUM(${same}), COUNT(*) FROM (${q}) AS q JOIN (${m}) AS m ON q.id = m.id`)).rows as [[number, number]];
      expect([n, total]).to.deep.equal([7, 7]);
    });

    it("the differences that remain, as documented: `_` is one byte, and = follows the collation on both dialects", async () => {
      const ids = async (adql: string, dialect: "qserv" | "mysql") =>
        (await engine.query(compile(adql, { catalog: catalog(), dialect }).sql)).rows.map((r) => Number(r[0])).sort();
      expect(await ids("SELECT id FROM case03.Labels WHERE name LIKE '_'", "mysql")).to.deep.equal([4, 5]);
      expect(await ids("SELECT id FROM case03.Labels WHERE name LIKE '_'", "qserv")).to.deep.equal([5]);
      expect(await ids("SELECT id FROM case03.Labels WHERE name = 'abc'", "mysql")).to.deep.equal([1, 2, 3]);
      expect(await ids("SELECT id FROM case03.Labels WHERE name = 'abc'", "qserv")).to.deep.equal([1, 2, 3]);
    });

    for (const c of ACCEPTED) {
      it(c.name, async () => {
        const q = compile(c.adql, { catalog: catalog(), dialect: "qserv" });
        expect(qservProblems(q.sql), "qserv/README §c").to.deep.equal([]);
        const m = compile(c.adql, { catalog: catalog(), dialect: "mysql" });
        const key = (rows: readonly (readonly unknown[])[]) => rows.map((r) => r.map(String).join("|")).sort();
        const viaQserv = (await engine.query(q.sql)).rows;
        const viaMysql = (await engine.query(m.sql)).rows;
        expect(viaMysql.length).to.be.greaterThan(0);
        expect(key(viaQserv)).to.deep.equal(key(viaMysql));
      });
    }
  });
});
