/**
 * Qserv's own grammar as the check of what the qserv dialect writes (test-support/qserv-grammar.ts,
 * ../shared/qserv/grammar/README.md): first that the checker refuses what Qserv refuses, and for the
 * reason Qserv gives; then every golden qserv SQL (golden-cases.ts, golden-regions.ts). The other sources
 * are case01.test.ts, the server's Qserv stand-in tests, qserv-lyonetia.test.ts and qserv-property.test.ts.
 */
import { expect } from "chai";
import { expandInline, sqlCases } from "./test-support/golden.js";
import { GOLDEN } from "./test-support/golden-cases.js";
import { REGION_GOLDEN } from "./test-support/golden-regions.js";
import { checkSource, EXPECTED_KNOWN_BY_SOURCE, KNOWN_QSERV_DEFECTS, qservGrammarProblems } from "./test-support/qserv-check.js";

describe("Qserv's grammar and listener rules refuse what Qserv refuses (../shared/qserv/grammar)", () => {
  const bad: [string, string, string][] = [
    ["MOD as a function (MOD is an operator in QSMySqlLexer/MySqlParser)", "SELECT MOD(`a`, 2) FROM `t`", "grammar:"],
    ["a bit operation on a parenthesised constant (BitExpressionAtom adapter)", "SELECT `a` FROM `t` WHERE `f` & (-2) = 0", "inside BitExpressionAtom"],
    ["~ as x ^ (-1)", "SELECT `a` ^ (-1) FROM `t`", "inside BitExpressionAtom"],
    ["a parenthesised join in FROM", "SELECT `a` FROM (`a` JOIN `b` USING (`x`)), `c`", "TableSourcesItem is UNHANDLED"],
    ["a subquery in FROM", "SELECT `a` FROM (SELECT `a` FROM `t`) AS `q`", "UNHANDLED"],
    ["CASE", "SELECT CASE WHEN `a` = 1 THEN 2 END FROM `t`", "SpecificFunctionCall is UNHANDLED"],
    ["CAST", "SELECT CAST(`a` AS SIGNED) FROM `t`", "UNHANDLED"],
    ["OFFSET (LimitClauseAdapter)", "SELECT `a` FROM `t` LIMIT 5 OFFSET 3", "offset is not supported"],
    ["LIMIT m, n (LimitClauseAdapter)", "SELECT `a` FROM `t` LIMIT 3, 5", "offset is not supported"],
    ["unary minus on a column", "SELECT -`a` FROM `t`", "UnaryExpressionAtom is UNHANDLED"],
    ["a name starting with _ (UidAdapter)", "SELECT `_a` FROM `t`", "underscore"],
    ["mixed AND/OR (one precedence in the grammar)", "SELECT `a` FROM `t` WHERE `a` = 1 AND `b` = 2 OR `c` = 3", "AND and OR mixed"],
    ["HAVING with AND (FromClauseAdapter)", "SELECT `a` FROM `t` GROUP BY `a` HAVING COUNT(*) > 1 AND MAX(`b`) > 2", "logical expression in HAVING"],
    ["ORDER BY a function (OrderByExpressionAdapter)", "SELECT `a` FROM `t` ORDER BY ABS(`a`)", "functions in ORDER BY"],
    ["COUNT(DISTINCT) (AggregateWindowedFunction)", "SELECT COUNT(DISTINCT `a`) FROM `t`", "is not supported"],
    ["SUM of an expression (FunctionArg takes a column)", "SELECT SUM(`a` * 2) FROM `t`", "inside FunctionArg"],
    ["a zero-argument call (ScalarFunctionCallAdapter)", "SELECT PI() FROM `t`", "without arguments"],
    ["a second statement", "SELECT `a` FROM `t`; DROP TABLE `t`", "DropTable is UNHANDLED"],
    ["|| (OR in Qserv)", "SELECT `a` FROM `t` WHERE `a` = 1 || `b` = 2", "|| is OR"],
    ["a double-quoted name", 'SELECT `a` FROM `t` WHERE "ra" = 1', "double-quoted"],
    ["scisql in the wrong case", "SELECT `a` FROM `t` WHERE Scisql_s2PtInCircle(`a`, `b`, 1, 2, 3) = 1", "spelled scisql_"],
    ["an areaspec that is not first", "SELECT `a` FROM `t` WHERE `a` = 1 AND qserv_areaspec_circle(1, 2, 3)", "not the first conjunct"],
    ["an areaspec in parentheses", "SELECT `a` FROM `t` WHERE (qserv_areaspec_circle(1, 2, 3) AND `a` = 1)", "areaspec"],
    ["UNION", "SELECT `a` FROM `t` UNION SELECT `a` FROM `u`", "UNHANDLED"],
    ["LEFT JOIN", "SELECT `a` FROM `t` AS `x` LEFT JOIN `u` ON `t`.`a` = `u`.`a`", "OuterJoin is UNHANDLED"],
    ["ESCAPE in LIKE (LikePredicateAdapter)", "SELECT `a` FROM `t` WHERE `a` LIKE 'x!%' ESCAPE '!'", "ESCAPE is not supported"],
    ["two USING columns (InnerJoinAdapter)", "SELECT `a` FROM `t` JOIN `u` USING (`a`, `b`)", "one USING column"],
    ["an unterminated string (the lexer makes an error token, the parser refuses)", "SELECT 'a FROM `t`", "grammar:"],
  ];
  for (const [what, sql, problem] of bad) {
    it(`refuses ${what}`, () => {
      const problems = qservGrammarProblems(sql);
      expect(problems).to.have.length(1);
      expect(problems[0]).to.contain(problem);
    });
  }

  const good: [string, string][] = [
    ["what the generator writes", "SELECT `o`.`a` AS `a`, 0 - `o`.`b` AS `c` FROM `s`.`t` AS `o` WHERE qserv_areaspec_box(1, -2, 3, 4) AND (`o`.`x` BETWEEN 1 AND 2) " +
      "AND ((`o`.`y` = -1.5e-3) OR (`o`.`z` IN (1, 2))) GROUP BY `o`.`a` HAVING COUNT(*) > 2 ORDER BY `a` DESC, `c` LIMIT 10"],
    ["MOD and % as operators", "SELECT `a` % 2 AS `m`, `a` MOD 2 AS `n` FROM `t`"],
    ["a bit operation between a column and a constant", "SELECT `a` FROM `t` WHERE `f` & 3 = 1"],
    ["a join through USING", "SELECT `a`.`x` FROM `a` JOIN `b` USING (`x`), `c`"],
    ["Qserv's own test of areaspec = 1 (case01 1006)", "SELECT COUNT(*) FROM Object WHERE qserv_areaspec_box(0, 0, 3, 10) = 1"],
    ["scisql in WHERE, as Rubin's TAP writes it", "SELECT ra, dec FROM s.t WHERE scisql_s2PtInCircle(ra, dec, 1, 2, 3) = 1"],
    // An ambiguity of the grammar: without an alias, LEFT is read as the alias of `t` (LEFT is in
    // functionNameBase), and the join as an inner join. The generator always writes AS before a join.
    ["LEFT read as an alias", "SELECT `a` FROM `t` LEFT JOIN `u` ON `t`.`a` = `u`.`a`"],
    ["LIKE without ESCAPE", "SELECT `a` FROM `t` WHERE `a` NOT LIKE 'Z%'"],
  ];
  for (const [what, sql] of good) {
    it(`accepts ${what}`, () => {
      expect(qservGrammarProblems(sql)).to.deep.equal([]);
    });
  }
});

describe("every golden qserv SQL passes Qserv's grammar and listener rules", () => {
  const sources: [string, readonly { name: string; sql: string }[], readonly string[]][] = [
    // The known defects each source still shows (KNOWN_QSERV_DEFECTS, issue 17): lists that must shrink.
    ["golden-cases.ts (qserv)", sqlCases(GOLDEN, "qserv"), EXPECTED_KNOWN_BY_SOURCE.golden],
    ["golden-regions.ts (qserv)", sqlCases(REGION_GOLDEN, "qserv"), EXPECTED_KNOWN_BY_SOURCE.regions],
  ];
  for (const [source, cases, expectedKnown] of sources) {
    it(`${source}: all accepted, but for the known defects listed`, () => {
      const r = checkSource(source, cases.map((c) => ({ label: c.name, sql: expandInline(c.sql) })));
      expect(r.refused, r.refused.join("\n")).to.deep.equal([]);
      expect([...r.known.keys()].sort(), "known defects met (remove fixed ones from this list)").to.deep.equal([...expectedKnown].sort());
    });
  }
  it("lists only defects with an issue that some source still shows", () => {
    const listed = new Set(Object.values(EXPECTED_KNOWN_BY_SOURCE).flat());
    for (const d of KNOWN_QSERV_DEFECTS) {
      expect(d.issue, d.id).to.equal(17);
      expect(listed.has(d.id), `${d.id} is met by no source: remove it from KNOWN_QSERV_DEFECTS`).to.equal(true);
    }
    for (const id of listed) expect(KNOWN_QSERV_DEFECTS.map((d) => d.id)).to.include(id);
  });
});
