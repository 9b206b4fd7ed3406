/**
 * A stand-in for Qserv's czar: the qserv dialect's SQL for realistic queries over Qserv's own
 * integration-test dataset case01 (test-support/case01.ts), run on MariaDB with the scisql-compatible
 * stored functions after doing what Qserv itself would do to it:
 * - a leading `qserv_areaspec_<shape>(args)` is removed and `scisql_s2PtIn<Shape>(t.ra, t.dec, args) = 1`
 *   is prepended to WHERE for every partitioned table t in FROM, on t's partitioning columns
 *   (qserv/README §a.2);
 * - our stored scisql_s2PtInCPoly takes its vertices as one string (sql/scisql-mariadb.sql), where the
 *   real UDF takes them as arguments: literal vertices are joined into that string.
 * Nothing else is changed: chunking, merging and the proxy are not emulated, so this checks that the
 * SQL runs and means the same, not how Qserv distributes it. Each result must equal the mysql
 * dialect's result for the same ADQL on the same data, and, for spatial queries, a brute-force answer
 * in TypeScript. Every qserv SQL string also passes the §c checker, and prunes (or not) as stated.
 */
import { existsSync } from "node:fs";
import { expect } from "chai";
import { compile, type CompileResult } from "../compile.js";
import type { Query, TableReference } from "../ast/nodes.js";
import { adqlBoxToLonLatBox } from "../geometry/box.js";
import { prepareS2PtInCPoly, scisqlAngSep, scisqlS2PtInBox, scisqlS2PtInCircle } from "../geometry/scisql.js";
import { case01Schema, CASE01_DIR, loadCase01 } from "./test-support/case01.js";
import { closeSharedEngines, type Engine, type Value } from "./test-support/engines.js";
import { qservProblems } from "./test-support/qserv-check.js";
import { skyEngine } from "./test-support/sky.js";

after(closeSharedEngines);

const AREASPEC_TO_SCISQL: Readonly<Record<string, string>> = {
  circle: "scisql_s2PtInCircle",
  box: "scisql_s2PtInBox",
  poly: "scisql_s2PtInCPoly",
};

/** The partitioned tables of the query's FROM, as (SQL qualifier, ra, dec) (qserv/README §a.2). */
function partitioned(ast: Query): [string, string, string][] {
  const out: [string, string, string][] = [];
  const visit = (t: TableReference): void => {
    if (t.kind === "Join") return void (visit(t.left), visit(t.right));
    if (t.kind !== "TableRef" || !t.sqlName) return;
    const table = case01Schema().tables.find((s) => s.name === t.sqlName![t.sqlName!.length - 1]);
    if (table?.qserv?.ra && table.qserv.dec) out.push([t.alias?.name ?? table.name, table.qserv.ra, table.qserv.dec]);
  };
  if (ast.body.kind === "Select") ast.body.from.forEach(visit);
  return out;
}

/** What the czar would hand the workers, made runnable on MariaDB with our stored functions. */
export function asQservWould(r: CompileResult): string {
  let sql = r.sql.replace(/ WHERE qserv_areaspec_(circle|box|poly)\(([^)]*)\)( AND |$)/, (_, shape: string, args: string, rest: string) => {
    const filters = partitioned(r.ast).map(([t, ra, dec]) => `${AREASPEC_TO_SCISQL[shape]}(\`${t}\`.\`${ra}\`, \`${t}\`.\`${dec}\`, ${args}) = 1`);
    return ` WHERE ${filters.join(" AND ")}${rest}`;
  });
  sql = sql.replace(/scisql_s2PtInCPoly\((`[^`]+`\.`[^`]+`), (`[^`]+`\.`[^`]+`), ((?:-?[\d.e-]+, )+-?[\d.e-]+)\)/g, (_, x: string, y: string, v: string) =>
    `scisql_s2PtInCPoly(${x}, ${y}, '${v.replace(/,/g, "")}')`);
  return sql;
}

interface Position {
  readonly objectId: number;
  readonly ra: number;
  readonly dec: number;
}

interface Case {
  readonly name: string;
  readonly adql: string;
  readonly prune: "scisql" | "areaspec" | "none";
  /** The row order matters (ORDER BY). */
  readonly ordered?: boolean;
  /** The brute-force answer: objectIds (first column), from the Object positions. */
  readonly brute?: (objects: readonly Position[]) => number[];
}

const where = (pred: (o: Position) => boolean) => (objects: readonly Position[]): number[] => objects.filter(pred).map((o) => o.objectId);

const CASES: Case[] = [
  {
    name: "a cone across RA 0 (qserv/README §a.3: a single s2PtInCircle = 1 prunes)",
    adql: "SELECT objectId, ra_PS, decl_PS FROM case01.Object WHERE CONTAINS(POINT('ICRS', ra_PS, decl_PS), CIRCLE('ICRS', 0, 0, 1.5)) = 1",
    prune: "scisql",
    brute: where((o) => scisqlS2PtInCircle(o.ra, o.dec, 0, 0, 1.5) === 1),
  },
  {
    name: "a cone written with DISTANCE, with a magnitude cut",
    adql: "SELECT objectId FROM case01.Object WHERE DISTANCE(POINT('ICRS', ra_PS, decl_PS), POINT('ICRS', 1.2, -3.2)) < 1 AND (uFlux_PS IS NULL OR uFlux_PS > 0)",
    prune: "scisql",
  },
  {
    name: "the same cone: the rows that brute force finds",
    adql: "SELECT objectId FROM case01.Object WHERE DISTANCE(POINT(ra_PS, decl_PS), POINT(1.2, -3.2)) < 1",
    prune: "scisql",
    brute: where((o) => scisqlS2PtInCircle(o.ra, o.dec, 1.2, -3.2, 1) === 1),
  },
  {
    name: "a BOX across RA 0 (docs/adr/0003)",
    adql: "SELECT objectId FROM case01.Object WHERE CONTAINS(POINT(ra_PS, decl_PS), BOX(0, -1, 3, 4)) = 1",
    prune: "scisql",
    brute: where((o) => {
      const b = adqlBoxToLonLatBox(0, -1, 3, 4);
      return scisqlS2PtInBox(o.ra, o.dec, b.lonMin, b.latMin, b.lonMax, b.latMax) === 1;
    }),
  },
  {
    name: "a POLYGON across RA 0, anticlockwise",
    adql: "SELECT objectId FROM case01.Object WHERE CONTAINS(POINT(ra_PS, decl_PS), POLYGON(358.5, -3, 1.5, -3, 1.5, 2, 358.5, 2)) = 1",
    prune: "scisql",
    brute: where((o) => prepareS2PtInCPoly([358.5, -3, 1.5, -3, 1.5, 2, 358.5, 2])(o.ra, o.dec) === 1),
  },
  {
    name: "the same POLYGON clockwise",
    adql: "SELECT objectId FROM case01.Object WHERE CONTAINS(POINT(ra_PS, decl_PS), POLYGON(358.5, 2, 1.5, 2, 1.5, -3, 358.5, -3)) = 1",
    prune: "scisql",
    brute: where((o) => prepareS2PtInCPoly([358.5, -3, 1.5, -3, 1.5, 2, 358.5, 2])(o.ra, o.dec) === 1),
  },
  {
    name: "two shapes on Object: a leading qserv_areaspec_circle, which the czar turns into the scisql filter (§a.2)",
    adql: "SELECT objectId FROM case01.Object WHERE CONTAINS(POINT(ra_PS, decl_PS), CIRCLE(1, -2, 2.5)) = 1 AND CONTAINS(POINT(ra_PS, decl_PS), BOX(1, -3, 2, 2)) = 1",
    prune: "areaspec",
    brute: where((o) => {
      const b = adqlBoxToLonLatBox(1, -3, 2, 2);
      return scisqlS2PtInCircle(o.ra, o.dec, 1, -2, 2.5) === 1 && scisqlS2PtInBox(o.ra, o.dec, b.lonMin, b.latMin, b.lonMax, b.latMax) === 1;
    }),
  },
  {
    name: "a POLYGON first: a leading qserv_areaspec_poly",
    adql: "SELECT objectId FROM case01.Object WHERE CONTAINS(POINT(ra_PS, decl_PS), POLYGON(0, -5, 3, -5, 3, -1, 0, -1)) = 1 AND DISTANCE(POINT(ra_PS, decl_PS), POINT(2, -3)) < 1.5",
    prune: "areaspec",
    brute: where((o) => prepareS2PtInCPoly([0, -5, 3, -5, 3, -1, 0, -1])(o.ra, o.dec) === 1 && scisqlS2PtInCircle(o.ra, o.dec, 2, -3, 1.5) === 1),
  },
  {
    name: "Object–Source join on the director key with a cone on Object: sources per object, most first",
    adql: "SELECT o.objectId, COUNT(*) AS n FROM case01.Object AS o JOIN case01.Source AS s ON o.objectId = s.objectId WHERE CONTAINS(POINT(o.ra_PS, o.decl_PS), CIRCLE(1, -3, 2)) = 1 GROUP BY o.objectId ORDER BY COUNT(*) DESC, o.objectId",
    prune: "scisql",
    ordered: true,
  },
  {
    name: "cones on Object and on Source's partitioning position: one kept as the restrictor, the other <> 0",
    adql: "SELECT o.objectId, s.sourceId FROM case01.Object AS o JOIN case01.Source AS s ON o.objectId = s.objectId WHERE CONTAINS(POINT(o.ra_PS, o.decl_PS), CIRCLE(1, -3, 2)) = 1 AND CONTAINS(POINT(s.raObject, s.declObject), CIRCLE(1.5, -3, 2)) = 1",
    prune: "scisql",
  },
  {
    name: "Object, Source and the unpartitioned Filter: sources per filter in a cone",
    adql: "SELECT f.filterName, COUNT(*) AS n FROM case01.Object AS o JOIN case01.Source AS s ON o.objectId = s.objectId JOIN case01.Filter AS f ON s.filterId = f.filterId WHERE CONTAINS(POINT(o.ra_PS, o.decl_PS), CIRCLE(359, 2, 1.5)) = 1 GROUP BY f.filterName ORDER BY f.filterName",
    prune: "scisql",
    ordered: true,
  },
  {
    name: "aggregates over a cone (COUNT, AVG, MIN, MAX of columns, §c aggregates)",
    adql: "SELECT COUNT(*) AS n, COUNT(uFlux_PS) AS nu, AVG(rFlux_PS) AS r, MIN(decl_PS) AS lo, MAX(decl_PS) AS hi FROM case01.Object WHERE CONTAINS(POINT(ra_PS, decl_PS), CIRCLE(1, -2, 3)) = 1",
    prune: "scisql",
  },
  {
    name: "GROUP BY and HAVING on Source, ordered by an aggregate (a hidden select item on Qserv)",
    adql: "SELECT filterId, COUNT(*) AS n FROM case01.Source GROUP BY filterId HAVING COUNT(*) > 100 ORDER BY COUNT(*) DESC",
    prune: "none",
    ordered: true,
  },
  {
    name: "TOP 5 ordered by an expression (hidden alias on Qserv; §c ORDER BY)",
    adql: "SELECT TOP 5 objectId, ra_PS FROM case01.Object ORDER BY decl_PS - ra_PS DESC",
    prune: "none",
    ordered: true,
  },
  {
    name: "the nearest objects to a point, nearest first",
    adql: "SELECT TOP 10 objectId, DISTANCE(POINT(ra_PS, decl_PS), POINT(0, 0)) AS d FROM case01.Object ORDER BY d",
    prune: "none",
    ordered: true,
    brute: (objects) => [...objects].sort((a, b) => scisqlAngSep(a.ra, a.dec, 0, 0)! - scisqlAngSep(b.ra, b.dec, 0, 0)!).slice(0, 10).map((o) => o.objectId),
  },
  {
    name: "a near-neighbour self-join within the overlap (§c joins): the duplicated object",
    adql: "SELECT o1.objectId, o2.objectId FROM case01.Object AS o1, case01.Object AS o2 WHERE DISTANCE(POINT(o1.ra_PS, o1.decl_PS), POINT(o2.ra_PS, o2.decl_PS)) < 0.001 AND o1.objectId <> o2.objectId",
    prune: "none",
    brute: (objects) => objects.flatMap((a) => objects.filter((b) => a !== b && scisqlAngSep(a.ra, a.dec, b.ra, b.dec)! < 0.001).map(() => a.objectId)),
  },
  {
    name: "rewritten expressions: unary minus, PI, exponents, integer division, IN_UNIT, || (§c)",
    adql: "SELECT objectId, -decl_PS AS md, ra_PS * PI() / 180 AS rad, 1.5E+1 * flags AS f, objectId / 1000 AS k, IN_UNIT(decl_PS, 'arcmin') AS am, 'o' || objectId AS label FROM case01.Object WHERE -decl_PS > 2 ORDER BY objectId",
    prune: "none",
    ordered: true,
  },
  {
    name: "director-index lookups (objectId IN ...) and a source cone on non-partitioning columns",
    adql: "SELECT sourceId, objectId FROM case01.Source WHERE objectId IN (420949744686724, 411676910297121) OR CONTAINS(POINT(ra, decl), CIRCLE(1.1345, -5.2698, 0.001)) = 1",
    prune: "none",
  },
  {
    name: "LIKE is case-sensitive on a case-insensitive (latin1_swedish_ci) table: 9 filters are NOT LIKE 'Z' (issue 17: a bare LIKE gave 8)",
    adql: "SELECT filterId, filterName FROM case01.Filter WHERE filterName NOT LIKE 'Z' AND filterName NOT LIKE 'u%'",
    prune: "none",
  },
  {
    name: "LIKE 'v' finds nothing where the value is 'V'; ILIKE 'v' finds it; _ is one character",
    adql: "SELECT filterId FROM case01.Filter WHERE filterName LIKE 'V' OR filterName ILIKE 'd_' OR filterName LIKE 'G'",
    prune: "none",
  },
  {
    name: "bit operations give ADQL's signed results on negative values (filterId -99), and MOD is the % operator",
    adql: "SELECT filterId, filterId & 6 AS a, filterId & -2 AS b, filterId | 4 AS c, filterId ^ 3 AS d, ~filterId AS e, filterId & ~1 AS f, MOD(filterId, 4) AS m FROM case01.Filter",
    prune: "none",
  },
  {
    name: "a parenthesised join and an ON with AND, flattened for Qserv's parser",
    adql: "SELECT s.sourceId, f.filterName FROM (case01.Source AS s JOIN case01.Filter AS f ON s.filterId = f.filterId AND f.filterName LIKE 'r'), case01.Object AS o WHERE o.objectId = s.objectId AND o.objectId = 420949744686724",
    prune: "none",
  },
  {
    name: "LIKE, BETWEEN and a column not in the select list in ORDER BY",
    adql: "SELECT filterId FROM case01.Filter WHERE filterName LIKE '_' AND photClam BETWEEN 0 AND 10000 ORDER BY photBW",
    prune: "none",
    ordered: true,
  },
];

describe("case01 on MariaDB: the qserv dialect's SQL, after what the czar does, means what the mysql dialect's does (a stand-in for Qserv)", function () {
  let engine: Engine;
  let objects: Position[];
  before(async function () {
    this.timeout(60_000);
    if (!existsSync(CASE01_DIR)) {
      if (process.env.CI) throw new Error(`${CASE01_DIR} is missing; CI is set, so this is a failure`);
      console.warn(`    skipped: ${CASE01_DIR} is missing`);
      this.skip();
    }
    engine = await skyEngine("mariadb", this);
    await loadCase01(engine);
    const rows = (await engine.query("SELECT objectId, ra_PS, decl_PS FROM case01.Object")).rows;
    objects = rows.map(([id, ra, dec]) => ({ objectId: id as number, ra: ra as number, dec: dec as number }));
    expect(objects).to.have.length(88);
  });

  const key = (rows: readonly Value[][]): string[] => rows.map((r) => r.map(String).join("|"));

  for (const c of CASES) {
    it(c.name, async () => {
      const q = compile(c.adql, { catalog: case01Schema(), dialect: "qserv" });
      expect(q.qserv?.restrictor, "pruning").to.equal(c.prune);
      expect(qservProblems(q.sql), "qserv/README §c").to.deep.equal([]);
      const viaQserv = (await engine.query(asQservWould(q))).rows;
      const m = compile(c.adql, { catalog: case01Schema(), dialect: "mysql" });
      const viaMysql = (await engine.query(m.sql)).rows;
      // The qserv SQL may carry hidden ORDER BY items after the result columns.
      const visible = q.columns!.flatMap((col) => col.sqlColumns);
      const qservRows = viaQserv.map((r) => visible.map((i) => r[i]!));
      if (c.ordered) expect(key(qservRows)).to.deep.equal(key(viaMysql));
      else expect(key(qservRows).sort()).to.deep.equal(key(viaMysql).sort());
      expect(viaMysql.length, "rows").to.be.greaterThan(0);
      if (c.brute) {
        const ids = viaQserv.map((r) => r[0] as number);
        const want = c.brute(objects);
        if (c.ordered) expect(ids).to.deep.equal(want);
        else expect([...ids].sort()).to.deep.equal([...want].sort());
      }
    });
  }

  it("the defects the qserv dialect avoids are real on this table: a bare LIKE ignores case, bare bit operations are unsigned (issue 17)", async () => {
    const collation = (await engine.query("SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'case01' AND TABLE_NAME = 'Filter' AND COLUMN_NAME = 'filterName'")).rows[0]![0];
    expect(String(collation)).to.match(/_ci$/);
    const bare = (await engine.query("SELECT COUNT(*) FROM case01.Filter WHERE filterName NOT LIKE 'Z'")).rows[0]![0];
    const q = compile("SELECT COUNT(*) AS n FROM case01.Filter WHERE filterName NOT LIKE 'Z'", { catalog: case01Schema(), dialect: "qserv" });
    const fixed = (await engine.query(q.sql)).rows[0]![0];
    expect([bare, fixed]).to.deep.equal([8, 9]);
    const unsigned = (await engine.query("SELECT CAST(filterId | 4 AS CHAR) FROM case01.Filter WHERE filterId = -99")).rows[0]![0];
    expect(String(unsigned)).to.equal("18446744073709551517");
    const b = compile("SELECT filterId | 4 AS b FROM case01.Filter WHERE filterId = -99", { catalog: case01Schema(), dialect: "qserv" });
    expect(Number((await engine.query(b.sql)).rows[0]![0])).to.equal(-99);
  });

  it("the emulation rewrites an areaspec for every partitioned table, on its own position columns", () => {
    const q = compile(
      "SELECT o.objectId FROM case01.Object AS o JOIN case01.Source AS s ON o.objectId = s.objectId WHERE CONTAINS(POINT(o.ra_PS, o.decl_PS), CIRCLE(1, 2, 3)) = 1",
      { catalog: case01Schema(), dialect: "qserv" },
    );
    const withAreaspec = { ...q, sql: q.sql.replace(/WHERE .*$/, "WHERE qserv_areaspec_circle(1, 2, 3) AND `s`.`filterId` = 2") };
    expect(asQservWould(withAreaspec)).to.match(
      /WHERE scisql_s2PtInCircle\(`o`\.`ra_PS`, `o`\.`decl_PS`, 1, 2, 3\) = 1 AND scisql_s2PtInCircle\(`s`\.`raObject`, `s`\.`declObject`, 1, 2, 3\) = 1 AND `s`\.`filterId` = 2$/,
    );
  });
});
