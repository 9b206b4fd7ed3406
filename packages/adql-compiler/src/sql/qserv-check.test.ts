/**
 * Every SQL string that the qserv dialect produces obeys qserv/README §c, checked by an independent
 * tokenizer (test-support/qserv-check.ts): the golden table's outputs (goldenSuite checks each), the
 * case01 queries (case01.test.ts), and here a few thousand generated queries built from the
 * constructs that the qserv passes rewrite.
 */
import { expect } from "chai";
import { AdqlError } from "../errors.js";
import { compileFor } from "./test-support/golden.js";
import { qservProblems } from "./test-support/qserv-check.js";
import { seededRandom } from "./test-support/random.js";

describe("the §c checker finds what Qserv refuses (qserv/README §c)", () => {
  const bad: [string, string, string][] = [
    ["a double-quoted name", 'SELECT "ra" FROM `t`', "double quote"],
    ["a bare name", "SELECT ra FROM `t`", "bare word ra"],
    ["a subquery", "SELECT `a` FROM (SELECT `a` FROM `t`) AS `q`", "subquery"],
    ["CASE", "SELECT CASE WHEN `a` = 1 THEN 2 END FROM `t`", "bare word CASE"],
    ["CAST", "SELECT CAST(`a` AS SIGNED) FROM `t`", "CAST is not one Qserv takes"],
    ["||", "SELECT `a` || `b` FROM `t`", "||"],
    ["OFFSET", "SELECT `a` FROM `t` LIMIT 5 OFFSET 3", "LIMIT is not last"],
    ["unary minus on a column", "SELECT -`a` FROM `t`", "unary -"],
    ["unary minus on a group", "SELECT `b` * -(`a`) FROM `t`", "unary -"],
    ["unary plus", "SELECT +5 FROM `t`", "unary +"],
    ["an exponent with +", "SELECT 1e+5 FROM `t`", "exponent"],
    ["a name starting with _", "SELECT `_a` FROM `t`", "underscore"],
    ["mixed AND/OR", "SELECT `a` FROM `t` WHERE `a` = 1 AND `b` = 2 OR `c` = 3", "AND and OR mixed"],
    ["HAVING with AND", "SELECT `a` FROM `t` GROUP BY `a` HAVING COUNT(*) > 1 AND MAX(`b`) > 2", "HAVING with AND"],
    ["ORDER BY an expression", "SELECT `a` FROM `t` ORDER BY `a` + 1", "ORDER BY something other"],
    ["ORDER BY a function", "SELECT `a` FROM `t` ORDER BY ABS(`a`)", "ORDER BY something other"],
    ["COUNT(DISTINCT)", "SELECT COUNT(DISTINCT `a`) FROM `t`", "COUNT(DISTINCT"],
    ["SUM of an expression", "SELECT SUM(`a` * 2) FROM `t`", "SUM of an expression"],
    ["a zero-argument call", "SELECT PI() FROM `t`", "no arguments"],
    ["a comment", "SELECT `a` FROM `t` -- x", "--"],
    ["a second statement", "SELECT `a` FROM `t`; DROP TABLE `t`", ";"],
    ["scisql in the wrong case", "SELECT `a` FROM `t` WHERE scisql_s2ptincircle(`a`, `b`, 1, 2, 3) = 1", "not spelled"],
    ["an areaspec that is not first", "SELECT `a` FROM `t` WHERE `a` = 1 AND qserv_areaspec_circle(1, 2, 3)", "not the first"],
    ["~", "SELECT ~`a` FROM `t`", "operator ~"],
    ["UNION", "SELECT `a` FROM `t` UNION SELECT `a` FROM `u`", "UNION"],
    ["LEFT JOIN", "SELECT `a` FROM `t` LEFT JOIN `u` ON `t`.`a` = `u`.`a`", "LEFT"],
  ];
  for (const [what, sql, problem] of bad) {
    it(`refuses ${what}`, () => {
      expect(qservProblems(sql).join("; ")).to.contain(problem);
    });
  }
  it("accepts what the generator writes", () => {
    expect(qservProblems(
      "SELECT `o`.`a` AS `a`, 0 - `o`.`b` AS `c` FROM `s`.`t` AS `o` WHERE qserv_areaspec_box(1, -2, 3, 4) AND (`o`.`x` BETWEEN 1 AND 2) " +
        "AND ((`o`.`y` = -1.5e-3) OR (`o`.`z` IN (1, 2))) GROUP BY `o`.`a` HAVING COUNT(*) > 2 ORDER BY `a` DESC, `c` LIMIT 10",
    )).to.deep.equal([]);
  });
});

describe("generated queries compiled for Qserv obey §c, or are refused with an ADQL error", () => {
  // Pieces that exercise the rewrites of qserv-restrictions and qserv-spatial.
  const items = [
    "objectId", "-ra", "-(g_mag - r_mag)", "~flags", "+dec", "ra * PI() / 180", "1.5E+3", "name || 'x'", "flags / 2",
    "ABS(dec)", "ROUND(ra, 2)", "TRUNCATE(dec, -1)", "IN_UNIT(ra, 'arcsec')", "POINT(ra, dec)", "CIRCLE(ra, dec, .5)",
    "DISTANCE(POINT(ra, dec), POINT(10, 20))", "COALESCE(g_mag, 0)", "0x10 + flags", "LOWER(name)", "- -ra",
  ];
  const conditions = [
    "CONTAINS(POINT(ra, dec), CIRCLE(10, 20, 1/60.0)) = 1", "1 = CONTAINS(POINT(ra, dec), BOX(0, 0, 10, 5))",
    "DISTANCE(POINT(ra, dec), POINT(10, -20)) < 0.5", "g_mag BETWEEN 18 AND 20", "name LIKE 'a\\_%'", "name ILIKE 'B%'",
    "NOT flags = 0", "-dec > -5", "flags & 3 = 1", "objectId IN (1, 2, 3)", "g_mag IS NULL",
    "CONTAINS(POINT(ra, dec), POLYGON(10, 10, 20, 10, 15, 20)) = 0", "INTERSECTS(CIRCLE(10, 20, 1), POINT(ra, dec)) = 1",
  ];
  const orders = ["", " ORDER BY objectId", " ORDER BY g_mag - r_mag DESC", " ORDER BY DISTANCE(POINT(ra, dec), POINT(1, 2))", " ORDER BY 1", " ORDER BY dec"];
  it("3000 queries: every compiled one passes the checker", () => {
    const rnd = seededRandom(20261124);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    let compiled = 0;
    const failures: string[] = [];
    for (let n = 0; n < 3000; n++) {
      const select = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(items)).join(", ");
      let where = "";
      for (let i = Math.floor(rnd() * 4); i > 0; i--) {
        const c = rnd() < 0.2 ? `(${pick(conditions)} OR ${pick(conditions)})` : pick(conditions);
        where += where === "" ? ` WHERE ${c}` : ` ${rnd() < 0.7 ? "AND" : "OR"} ${c}`;
      }
      const adql = `SELECT ${rnd() < 0.3 ? `TOP ${Math.floor(rnd() * 100)} ` : ""}${select} FROM demo.Object${where}${pick(orders)}`;
      try {
        const sql = compileFor("qserv", adql, rnd() < 0.5 ? { maxrec: 1000 } : {}).sql;
        compiled++;
        const problems = qservProblems(sql);
        if (problems.length > 0) failures.push(`${adql}\n  → ${sql}\n  ${problems.join("; ")}`);
      } catch (e) {
        if (!(e instanceof AdqlError)) throw e;
      }
    }
    expect(failures.slice(0, 3)).to.deep.equal([]);
    expect(compiled, "queries that compiled").to.be.greaterThan(2000);
  });
});
