/**
 * check-expressions refuses (golden-common-errors.ts has those, with positions); here, what it must let through: the
 * grouped queries of SQL-92 §7.9-§7.11 (columns by name, by alias, by expression; aggregates of expressions; HAVING
 * alone; correlated subqueries), comparisons that every engine reads alike (booleans with 0 and 1, timestamps with
 * DALI's strings), and anything whose type is unknown (no catalog, a UDF, NULL).
 */
import { expect } from "chai";
import { compile, loadFelis, parse, schemaLookup } from "../index.js";
import { checkExpressions } from "./check-expressions.js";
import { resolveNames } from "./resolve-names.js";

const catalog = loadFelis(new URL("../../schemas/example.yaml", import.meta.url).pathname);
const ctx = { dialect: "duckdb", schema: schemaLookup(catalog) } as const;

const ACCEPTED: readonly (readonly [what: string, adql: string])[] = [
  ["a column in GROUP BY", "SELECT band, COUNT(*) AS n FROM demo.Detection GROUP BY band"],
  ["a column grouped by its alias", "SELECT band AS b, COUNT(*) AS n FROM demo.Detection GROUP BY b"],
  ["an expression grouped by itself", "SELECT FLOOR(mjd) AS d1, COUNT(*) AS n FROM demo.Detection GROUP BY FLOOR(mjd)"],
  ["an expression grouped by its alias, and ordered by it", "SELECT FLOOR(mjd) AS d1, COUNT(*) AS n FROM demo.Detection GROUP BY d1 ORDER BY d1"],
  ["a grouped column in an expression", "SELECT band, MAX(flux) - MIN(flux) AS spread, COUNT(*) + 1 AS n FROM demo.Detection GROUP BY band"],
  ["a grouped column qualified one way and written another", "SELECT d.band FROM demo.Detection AS d GROUP BY band"],
  ["HAVING with aggregates only, without GROUP BY", "SELECT COUNT(*) AS n FROM demo.Object HAVING COUNT(*) > 1"],
  ["HAVING and ORDER BY on the groups", "SELECT band FROM demo.Detection GROUP BY band HAVING COUNT(*) > 2 AND band <> 'u' ORDER BY band DESC"],
  ["ORDER BY an aggregate of a grouped query", "SELECT band FROM demo.Detection GROUP BY band ORDER BY COUNT(*)"],
  ["ORDER BY a result column's position", "SELECT band, COUNT(*) FROM demo.Detection GROUP BY band ORDER BY 2"],
  ["an aggregate of an expression", "SELECT AVG(g_mag - r_mag) AS color FROM demo.Object"],
  ["COUNT of any column, MIN and MAX of strings and timestamps", "SELECT COUNT(name), MIN(name), MAX(first_seen), COUNT(DISTINCT is_variable) FROM demo.Object"],
  ["a correlated subquery with its own aggregate", "SELECT o.objectId, (SELECT COUNT(*) FROM demo.Detection AS d WHERE d.objectId = o.objectId) AS n FROM demo.Object AS o"],
  ["an aggregate of the outer query's column in a subquery's WHERE (SQL-92 §6.5: the outer query's aggregate)",
    "SELECT d.band, (SELECT COUNT(*) FROM demo.Object AS o WHERE o.objectId = MAX(d.objectId)) AS n FROM demo.Detection AS d GROUP BY d.band"],
  ["a USING join's column, grouped", "SELECT objectId, COUNT(*) AS n FROM demo.Object AS a JOIN demo.Detection AS b USING (objectId) GROUP BY objectId"],
  ["a grouped column inside an expression of the select list", "SELECT band || 'x' AS b, COUNT(*) AS n FROM demo.Detection GROUP BY band"],
  ["an aggregate in a subquery of WHERE", "SELECT objectId FROM demo.Object WHERE g_mag < (SELECT AVG(g_mag) FROM demo.Object)"],
  ["a derived table's aggregate, filtered outside", "SELECT q.band FROM (SELECT band, COUNT(*) AS n FROM demo.Detection GROUP BY band) AS q WHERE q.n > 10"],
  ["SELECT DISTINCT ordered by a selected column, its alias and its position", "SELECT DISTINCT band AS b FROM demo.Detection ORDER BY b, band, 1"],
  ["a boolean compared with 1, and with '0'", "SELECT objectId FROM demo.Object WHERE is_variable = 1 OR is_variable = '0'"],
  ["a timestamp compared with DALI's strings", "SELECT objectId FROM demo.Object WHERE first_seen >= '2024-01-01' AND first_seen < '2024-06-01T12:00:00Z'"],
  ["a timestamp BETWEEN two timestamps", "SELECT objectId FROM demo.Object WHERE first_seen BETWEEN CAST('2024-01-01' AS TIMESTAMP) AND '2025-01-01T00:00:00'"],
  ["LIKE and ILIKE on strings", "SELECT objectId FROM demo.Object WHERE name LIKE 'NGC%' OR UPPER(name) ILIKE LOWER('m%')"],
  ["integer bit operations", "SELECT flags & 4, flags | 1, ~flags FROM demo.Object"],
  ["CASE with integer and real results, COALESCE and NULLIF", "SELECT CASE WHEN g_mag > 20 THEN 1 ELSE 2.5 END, COALESCE(g_mag, r_mag, 0), NULLIF(name, '') FROM demo.Object"],
  ["a simple CASE over a string", "SELECT CASE band WHEN 'g' THEN 1 WHEN 'r' THEN 2 ELSE NULL END FROM demo.Detection"],
  ["NULL anywhere", "SELECT NULL + 1, COALESCE(NULL, name) FROM demo.Object WHERE g_mag <> NULL"],
  ["casts that ADQL lists (§4.7.1)", "SELECT CAST(objectId AS VARCHAR), CAST(name AS DOUBLE PRECISION), CAST(first_seen AS VARCHAR(30)), CAST(g_mag AS INTEGER) FROM demo.Object"],
  ["IN a one-column subquery of the same kind", "SELECT objectId FROM demo.Object WHERE objectId IN (SELECT objectId FROM demo.Detection)"],
  // False positives that a differential check against DuckDB and MariaDB found in a first version of the pass:
  ["GROUP BY a position in the select list, as every engine reads it", "SELECT band, COUNT(*) AS n FROM demo.Detection GROUP BY 1 ORDER BY 1"],
  ["GROUP BY a position whose item is an expression", "SELECT FLOOR(mjd) AS night, COUNT(*) AS n FROM demo.Detection GROUP BY 1"],
  ["SELECT DISTINCT ordered by an expression of selected columns (ADQL 2.1: sort keys are expressions)", "SELECT DISTINCT band FROM demo.Detection ORDER BY LOWER(band)"],
  ["SELECT DISTINCT with GROUP BY, ordered by an aggregate", "SELECT DISTINCT band FROM demo.Detection GROUP BY band ORDER BY COUNT(*)"],
  ["SUM of a boolean: the number of true values on every engine", "SELECT SUM(is_variable) AS n FROM demo.Object"],
  ["a GROUP BY expression and a select item that spell one number two ways", "SELECT FLOOR(g_mag / 2.) AS b, COUNT(*) AS n FROM demo.Object GROUP BY FLOOR(g_mag / 2.0)"],
  ["a number compared with a numeric string (an identifier a script quoted)", "SELECT objectId FROM demo.Object WHERE objectId = '1651589610221862935' OR objectId IN ('1', '2')"],
  ["arithmetic on a numeric string (lyonetia gavo 8b9aa804)", "SELECT '30' * 1323 AS x FROM demo.Object"],
  ["a numeric expression as a sort key", "SELECT objectId FROM demo.Object ORDER BY g_mag - r_mag"],
];

describe("pass check-expressions: what it lets through", () => {
  for (const [what, adql] of ACCEPTED) {
    it(what, () => {
      const resolved = resolveNames(parse(adql), ctx);
      expect(checkExpressions(resolved, ctx)).to.equal(resolved);
      // And the whole compile, on the dialect without restrictions of its own (Qserv refuses some of these for itself).
      expect(() => compile(adql, { catalog, dialect: "duckdb" })).not.to.throw();
    });
  }

  it("judges nothing whose type it does not know: without a catalog, every column's type is unknown", () => {
    const unknown = [
      "SELECT a + b, UPPER(c), SUM(d) FROM t WHERE e LIKE 'x%' AND f = 'y' AND g > 5",
      "SELECT a, COUNT(*) FROM t",
      "SELECT CASE WHEN x = 1 THEN a ELSE 'b' END FROM t",
      // SELECT * not expanded: whether ORDER BY sorts by a selected column is not known.
      "SELECT DISTINCT * FROM t ORDER BY x",
      "SELECT DISTINCT t.* FROM t ORDER BY t.x",
    ];
    for (const adql of unknown) expect(() => checkExpressions(parse(adql), { dialect: "duckdb" }), adql).not.to.throw();
  });

  it("returns the query it was given (a check: it rewrites nothing)", () => {
    const q = parse("SELECT 1 FROM t");
    expect(checkExpressions(q, { dialect: "duckdb" })).to.equal(q);
  });
});
