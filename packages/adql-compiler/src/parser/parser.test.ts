/**
 * The grammar, as tables: ADQL in, canonical ADQL out (the printer makes structure and precedence
 * visible: `a + (b * c)` would print without parentheses, `(a + b) * c` with), or ADQL in and the
 * error code and position out. Section numbers are those of ADQL 2.1 (../shared/ivoa/specs/ADQL.tex).
 */
import { expect } from "chai";
import { AdqlError, parse, printAdql, stripSpans, FunctionRegistry, SCISQL_FUNCTIONS } from "../index.js";
import type { Query, Select } from "../ast/nodes.js";
import { defaultFunctionRegistry } from "./functions.js";
import { shortcutDisagrees } from "./test-support/shortcut.js";
import { groupEnds, tokenize } from "../lexer/tokens.js";

const registry = new FunctionRegistry(SCISQL_FUNCTIONS).with([
  { name: "gavo_normal_random", minArgs: 2, maxArgs: 2 },
  { name: "ivo_hasword", minArgs: 2, maxArgs: 2 },
]);

function canonical(adql: string): string {
  return printAdql(parse(adql, { functions: registry }));
}

/** [why, ADQL, canonical form] */
const accepted: [string, string, string][] = [
  // §2.1 lexical
  ["keywords in any case (§2.1.2)", "sElEcT a FrOm t", "SELECT a FROM t"],
  ["delimited identifiers keep case and escape quotes (§2.1.6)", 'SELECT "Size", "a""b" FROM "My Table"', 'SELECT "Size", "a""b" FROM "My Table"'],
  ["a reserved word may be a delimited name (§2.1.6)", 'SELECT "distance", "select" FROM t', 'SELECT "distance", "select" FROM t'],
  ["string literals with '' (§2.1.8)", "SELECT 'Earth''s moon' FROM t", "SELECT 'Earth''s moon' FROM t"],
  ["a string continued across a line (SQL-92 §5.3)", "SELECT 'ab'\n  'cd' FROM t", "SELECT 'abcd' FROM t"],
  ["a string continued across a comment", "SELECT 'ab' -- x\n'cd' FROM t", "SELECT 'abcd' FROM t"],
  ["integers, decimals, exponents, hex (§2.1.8)", "SELECT 1, 1.5, 1., .5, 1e3, 1.5E-3, 2.e+4, 0x1F FROM t", "SELECT 1, 1.5, 1., .5, 1e3, 1.5E-3, 2.e+4, 0x1F FROM t"],
  ["comments and every kind of whitespace (§2.1.9–10)", "SELECT\ta\r\n,--c\n\u00a0b\fFROM\u2003t -- end", "SELECT a, b FROM t"],
  ["a comment of many dashes", "SELECT a ---- comment\nFROM t", "SELECT a FROM t"],
  ["a number may touch the next word, as in SQL", "SELECT 89x FROM z ORDER BY 2desc", "SELECT 89 AS x FROM z ORDER BY 2 DESC"],
  // §2.2 query syntax
  ["ALL, DISTINCT, TOP", "select distinct top 10 a from t", "SELECT DISTINCT TOP 10 a FROM t"],
  ["ALL", "select all a from t", "SELECT ALL a FROM t"],
  ["aliases with and without AS", "SELECT a AS x, b y, c \"Z z\" FROM t", 'SELECT a AS x, b AS y, c AS "Z z" FROM t'],
  ["* and t.* and schema.t.*", "SELECT t.*, s.u.*, \"q\".* FROM s.t", 'SELECT t.*, s.u.*, "q".* FROM s.t'],
  ["* mixed with columns (corpus X1 obscore)", "SELECT a, * FROM t", "SELECT a, * FROM t"],
  ["column references of up to four parts", "SELECT c.s.t.a, s.t.b, t.c FROM c.s.t", "SELECT c.s.t.a, s.t.b, t.c FROM c.s.t"],
  ["WHERE, GROUP BY, HAVING", "SELECT a, COUNT(*) FROM t WHERE b > 1 GROUP BY a HAVING COUNT(*) > 2", "SELECT a, COUNT(*) FROM t WHERE b > 1 GROUP BY a HAVING COUNT(*) > 2"],
  ["GROUP BY an expression", "SELECT FLOOR(a/10) FROM t GROUP BY FLOOR(a/10)", "SELECT FLOOR(a / 10) FROM t GROUP BY FLOOR(a / 10)"],
  ["ORDER BY name, ordinal, expression, direction", "SELECT a, b FROM t ORDER BY 2 DESC, a ASC, a+b", "SELECT a, b FROM t ORDER BY 2 DESC, a ASC, a + b"],
  ["OFFSET (§4.10.1) with TOP", "SELECT TOP 5 a FROM t ORDER BY a OFFSET 10", "SELECT TOP 5 a FROM t ORDER BY a OFFSET 10"],
  // FROM, joins (§2.2.2)
  ["schema-qualified tables and aliases", "SELECT * FROM ivoa.ObsCore AS o, tap_upload.t u", "SELECT * FROM ivoa.ObsCore AS o, tap_upload.t AS u"],
  ["a subquery in FROM (§2.2.1)", "SELECT q.a FROM (SELECT a FROM t) AS q", "SELECT q.a FROM (SELECT a FROM t) AS q"],
  ["a subquery in FROM without AS", "SELECT q.a FROM (SELECT a FROM t) q", "SELECT q.a FROM (SELECT a FROM t) AS q"],
  ["JOIN ... ON", "SELECT * FROM a JOIN b ON a.x = b.x", "SELECT * FROM a JOIN b ON a.x = b.x"],
  ["INNER JOIN ... USING", "SELECT * FROM a INNER JOIN b USING (x, y)", "SELECT * FROM a INNER JOIN b USING (x, y)"],
  ["LEFT, RIGHT, FULL [OUTER]", "SELECT * FROM a LEFT JOIN b ON p=q RIGHT OUTER JOIN c ON r=s FULL JOIN d ON u=v", "SELECT * FROM a LEFT OUTER JOIN b ON p = q RIGHT OUTER JOIN c ON r = s FULL OUTER JOIN d ON u = v"],
  ["NATURAL joins", "SELECT * FROM a NATURAL JOIN b NATURAL LEFT OUTER JOIN c", "SELECT * FROM a NATURAL JOIN b NATURAL LEFT OUTER JOIN c"],
  ["CROSS JOIN", "SELECT * FROM a CROSS JOIN b", "SELECT * FROM a CROSS JOIN b"],
  ["parenthesised joins", "SELECT x FROM (t1 JOIN t4 ON a=b) FULL OUTER JOIN (t2 JOIN t3 USING (c)) ON x = y", "SELECT x FROM (t1 JOIN t4 ON a = b) FULL OUTER JOIN (t2 JOIN t3 USING (c)) ON x = y"],
  ["a derived table that starts with a parenthesis", "SELECT * FROM ((SELECT a FROM t) UNION (SELECT a FROM u)) AS q", "SELECT * FROM ((SELECT a FROM t) UNION (SELECT a FROM u)) AS q"],
  ["joins are left-associative", "SELECT * FROM a JOIN b ON p=q JOIN c ON r=s", "SELECT * FROM a JOIN b ON p = q JOIN c ON r = s"],
  // set operators and CTEs (§4.5, §4.6)
  ["UNION, EXCEPT, INTERSECT [ALL]", "SELECT a FROM t UNION ALL SELECT a FROM u EXCEPT SELECT a FROM v", "SELECT a FROM t UNION ALL SELECT a FROM u EXCEPT SELECT a FROM v"],
  ["INTERSECT binds tighter than UNION (§4.6.6)", "SELECT a FROM t UNION SELECT a FROM u INTERSECT SELECT a FROM v", "SELECT a FROM t UNION SELECT a FROM u INTERSECT SELECT a FROM v"],
  ["parentheses override set precedence", "(SELECT a FROM t UNION SELECT a FROM u) INTERSECT SELECT a FROM v", "(SELECT a FROM t UNION SELECT a FROM u) INTERSECT SELECT a FROM v"],
  ["ORDER BY and OFFSET of a whole union", "SELECT a FROM t UNION SELECT a FROM u ORDER BY 1 OFFSET 3", "SELECT a FROM t UNION SELECT a FROM u ORDER BY 1 OFFSET 3"],
  ["an operand with its own ORDER BY", "(SELECT TOP 1 a FROM t ORDER BY a) UNION SELECT a FROM u", "(SELECT TOP 1 a FROM t ORDER BY a) UNION SELECT a FROM u"],
  ["WITH, several CTEs (§4.5)", "WITH x AS (SELECT a FROM t), y AS (SELECT a FROM x) SELECT * FROM y", "WITH x AS (SELECT a FROM t), y AS (SELECT a FROM x) SELECT * FROM y"],
  // predicates and conditions (§2.2.3)
  ["comparisons; != is <>", "SELECT * FROM t WHERE a = 1 AND b <> 2 AND c != 3 AND d < 4 AND e > 5 AND f <= 6 AND g >= 7", "SELECT * FROM t WHERE a = 1 AND b <> 2 AND c <> 3 AND d < 4 AND e > 5 AND f <= 6 AND g >= 7"],
  ["BETWEEN's AND is not the boolean AND", "SELECT * FROM t WHERE a BETWEEN 1 AND 2 AND b NOT BETWEEN c AND d", "SELECT * FROM t WHERE a BETWEEN 1 AND 2 AND b NOT BETWEEN c AND d"],
  ["IN a list and a subquery", "SELECT * FROM t WHERE a IN (1, 2) OR b NOT IN (SELECT b FROM u)", "SELECT * FROM t WHERE a IN (1, 2) OR b NOT IN (SELECT b FROM u)"],
  ["LIKE and ILIKE (§4.4.4)", "SELECT * FROM t WHERE a LIKE 'x%' AND b NOT ILIKE '_y'", "SELECT * FROM t WHERE a LIKE 'x%' AND b NOT ILIKE '_y'"],
  ["IS [NOT] NULL", "SELECT * FROM t WHERE a IS NULL OR b IS NOT NULL", "SELECT * FROM t WHERE a IS NULL OR b IS NOT NULL"],
  ["EXISTS", "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a)", "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a)"],
  ["AND binds tighter than OR", "SELECT * FROM t WHERE a=1 OR b=2 AND c=3", "SELECT * FROM t WHERE a = 1 OR b = 2 AND c = 3"],
  ["parentheses override AND/OR", "SELECT * FROM t WHERE (a=1 OR b=2) AND c=3", "SELECT * FROM t WHERE (a = 1 OR b = 2) AND c = 3"],
  ["NOT binds tighter than AND", "SELECT * FROM t WHERE NOT a=1 AND b=2", "SELECT * FROM t WHERE NOT a = 1 AND b = 2"],
  ["NOT of a parenthesised condition", "SELECT * FROM t WHERE NOT (a=1 AND b=2)", "SELECT * FROM t WHERE NOT (a = 1 AND b = 2)"],
  ["NOT NOT", "SELECT * FROM t WHERE NOT NOT a=1", "SELECT * FROM t WHERE NOT NOT a = 1"],
  ["a condition in parentheses compared", "SELECT * FROM t WHERE (a) = (b)", "SELECT * FROM t WHERE a = b"],
  // value expressions
  ["* binds tighter than +", "SELECT a + b * c, (a + b) * c FROM t", "SELECT a + b * c, (a + b) * c FROM t"],
  ["- is left-associative", "SELECT a - b - c, a - (b - c) FROM t", "SELECT a - b - c, a - (b - c) FROM t"],
  ["/ is left-associative", "SELECT a / b / c, a / (b / c) FROM t", "SELECT a / b / c, a / (b / c) FROM t"],
  ["unary signs", "SELECT -a, +b, - -c, -(a+b), 2 * -3 FROM t", "SELECT -a, +b, -(-c), -(a + b), 2 * -3 FROM t"],
  ["|| binds looser than +", "SELECT a || b + 1, (a || b) || c FROM t", "SELECT a || b + 1, a || b || c FROM t"],
  ["bitwise operators: & tighter than ^ tighter than |", "SELECT a | b ^ c & d, (a | b) & c, ~a FROM t", "SELECT a | b ^ c & d, (a | b) & c, ~a FROM t"],
  ["bitwise binds looser than arithmetic", "SELECT flags & 4 + 1 FROM t", "SELECT flags & 4 + 1 FROM t"],
  ["CASE, searched and simple", "SELECT CASE WHEN a > 1 THEN 'x' WHEN a IS NULL THEN NULL ELSE 'y' END, CASE b WHEN 1 THEN 2 END FROM t", "SELECT CASE WHEN a > 1 THEN 'x' WHEN a IS NULL THEN NULL ELSE 'y' END, CASE b WHEN 1 THEN 2 END FROM t"],
  ["COALESCE and NULLIF (§4.8)", "SELECT COALESCE(a, b, 0), NULLIF(a, 0) FROM t", "SELECT COALESCE(a, b, 0), NULLIF(a, 0) FROM t"],
  ["CAST targets (§4.7.1)", "SELECT CAST(a AS INTEGER), CAST(a AS DOUBLE PRECISION), CAST(a AS char(10)), CAST(a AS VARCHAR), CAST(a AS TIMESTAMP), CAST(p AS POINT) FROM t", "SELECT CAST(a AS INTEGER), CAST(a AS DOUBLE PRECISION), CAST(a AS CHAR(10)), CAST(a AS VARCHAR), CAST(a AS TIMESTAMP), CAST(p AS POINT) FROM t"],
  ["IN_UNIT (§4.9.1)", "SELECT IN_UNIT(ra, 'rad') FROM t", "SELECT IN_UNIT(ra, 'rad') FROM t"],
  ["NULL as a value", "SELECT NULL, COALESCE(NULL, 1) FROM t", "SELECT NULL, COALESCE(NULL, 1) FROM t"],
  ["a scalar subquery", "SELECT (SELECT MAX(a) FROM u) FROM t", "SELECT (SELECT MAX(a) FROM u) FROM t"],
  // functions (§2.3)
  ["math functions", "SELECT ABS(a), CEILING(a), DEGREES(a), EXP(a), FLOOR(a), LOG(a), LOG10(a), MOD(a, 3), PI(), POWER(a, 2), RADIANS(a), RAND(), RAND(5), ROUND(a), ROUND(a, -2), SQRT(a), TRUNCATE(a, 1) FROM t", "SELECT ABS(a), CEILING(a), DEGREES(a), EXP(a), FLOOR(a), LOG(a), LOG10(a), MOD(a, 3), PI(), POWER(a, 2), RADIANS(a), RAND(), RAND(5), ROUND(a), ROUND(a, -2), SQRT(a), TRUNCATE(a, 1) FROM t"],
  ["trigonometric functions", "SELECT ACOS(a), ASIN(a), ATAN(a), ATAN2(a, b), COS(a), COT(a), SIN(a), TAN(a) FROM t", "SELECT ACOS(a), ASIN(a), ATAN(a), ATAN2(a, b), COS(a), COT(a), SIN(a), TAN(a) FROM t"],
  ["LOWER and UPPER (§4.4)", "SELECT lower(a), UPPER('x') FROM t", "SELECT LOWER(a), UPPER('x') FROM t"],
  ["aggregates", "SELECT COUNT(*), COUNT(a), COUNT(DISTINCT a), AVG(ALL a), MIN(a), MAX(a), SUM(a * 2) FROM t", "SELECT COUNT(*), COUNT(a), COUNT(DISTINCT a), AVG(ALL a), MIN(a), MAX(a), SUM(a * 2) FROM t"],
  ["user-defined functions (§4.3)", "SELECT scisql_angSep(a, b, c, d), gavo_normal_random(1, 2) FROM t", "SELECT scisql_angSep(a, b, c, d), gavo_normal_random(1, 2) FROM t"],
  // geometry (§4.2)
  ["POINT with and without a coordinate system", "SELECT POINT('ICRS', ra, dec), POINT(ra, dec), POINT(NULL, 1, 2) FROM t", "SELECT POINT('ICRS', ra, dec), POINT(ra, dec), POINT(NULL, 1, 2) FROM t"],
  ["CIRCLE with coordinates or a point centre", "SELECT CIRCLE('', 1, 2, 3), CIRCLE(1, 2, 3), CIRCLE(POINT(1, 2), 3), CIRCLE('ICRS', p, 3), CIRCLE(p, .5) FROM t", "SELECT CIRCLE('', 1, 2, 3), CIRCLE(1, 2, 3), CIRCLE(POINT(1, 2), 3), CIRCLE('ICRS', p, 3), CIRCLE(p, .5) FROM t"],
  ["BOX", "SELECT BOX('ICRS', 1, 2, 3, 4), BOX(1, 2, 3, 4), BOX(POINT(1, 2), 3, 4) FROM t", "SELECT BOX('ICRS', 1, 2, 3, 4), BOX(1, 2, 3, 4), BOX(POINT(1, 2), 3, 4) FROM t"],
  ["POLYGON of coordinates or points", "SELECT POLYGON('ICRS', 1, 2, 3, 4, 5, 6), POLYGON(POINT(1, 2), POINT(3, 4), p) FROM t", "SELECT POLYGON('ICRS', 1, 2, 3, 4, 5, 6), POLYGON(POINT(1, 2), POINT(3, 4), p) FROM t"],
  ["REGION", "SELECT REGION('Circle ICRS 1 2 3') FROM t", "SELECT REGION('Circle ICRS 1 2 3') FROM t"],
  ["CONTAINS and INTERSECTS as numbers (§4.2.12, §4.2.17)", "SELECT * FROM t WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 20, 1)) = 1 AND 0 = INTERSECTS(c, BOX(1, 2, 3, 4))", "SELECT * FROM t WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 20, 1)) = 1 AND 0 = INTERSECTS(c, BOX(1, 2, 3, 4))"],
  ["DISTANCE with 2 and 4 arguments (§4.2.16)", "SELECT DISTANCE(POINT(1, 2), POINT(ra, dec)), DISTANCE(1, 2, ra, dec), DISTANCE(p, q) FROM t", "SELECT DISTANCE(POINT(1, 2), POINT(ra, dec)), DISTANCE(1, 2, ra, dec), DISTANCE(p, q) FROM t"],
  ["COORD1, COORD2, COORDSYS, AREA, CENTROID", "SELECT COORD1(p), COORD2(POINT(1, 2)), COORDSYS(c), AREA(CIRCLE(1, 2, 3)), CENTROID(c), COORD1(CENTROID(c)) FROM t", "SELECT COORD1(p), COORD2(POINT(1, 2)), COORDSYS(c), AREA(CIRCLE(1, 2, 3)), CENTROID(c), COORD1(CENTROID(c)) FROM t"],
  ["a geometry compared (corpus)", "select x from y where CIRCLE('fk5', 2, 3, 7) = x", "SELECT x FROM y WHERE CIRCLE('fk5', 2, 3, 7) = x"],
];

/** [why, ADQL, code, line, column] */
const refused: [string, string, string, number, number][] = [
  ["empty input", "", "ADQL_SYNTAX_ERROR", 1, 1],
  ["only a comment", "-- nothing", "ADQL_SYNTAX_ERROR", 1, 11],
  ["a reserved word as a column (§2.1.2)", "SELECT distance FROM stars", "ADQL_SYNTAX_ERROR", 1, 17],
  ["a reserved SQL word as a table", "SELECT a FROM size", "ADQL_SYNTAX_ERROR", 1, 15],
  ["a reserved word as an alias", "SELECT a AS date FROM t", "ADQL_SYNTAX_ERROR", 1, 13],
  ["an identifier starting with _ (§2.1.5)", "SELECT _weird_name FROM stars", "ADQL_LEXICAL_ERROR", 1, 8],
  ["an unterminated string", "SELECT 'abc FROM t", "ADQL_LEXICAL_ERROR", 1, 8],
  ["an unterminated delimited identifier", 'SELECT a FROM "t', "ADQL_LEXICAL_ERROR", 1, 15],
  ["an empty delimited identifier", 'SELECT "" FROM t', "ADQL_LEXICAL_ERROR", 1, 8],
  ["a character that starts no token", "SELECT a FROM t WHERE a = $1", "ADQL_LEXICAL_ERROR", 1, 27],
  ["a semicolon (not ADQL)", "SELECT a FROM t;", "ADQL_LEXICAL_ERROR", 1, 16],
  ["== is not an operator; PI needs ()", "select x from y where PI==3", "ADQL_SYNTAX_ERROR", 1, 25],
  ["no FROM", "SELECT a", "ADQL_SYNTAX_ERROR", 1, 9],
  ["trailing junk", "SELECT a FROM t t2 junk", "ADQL_SYNTAX_ERROR", 1, 20],
  ["TOP needs an unsigned integer", "SELECT TOP -10 a FROM t", "ADQL_SYNTAX_ERROR", 1, 12],
  ["TOP after the select list", "SELECT a TOP 10 FROM t", "ADQL_SYNTAX_ERROR", 1, 10],
  ["OFFSET needs an unsigned integer", "SELECT a FROM t OFFSET 10.5", "ADQL_SYNTAX_ERROR", 1, 24],
  ["a derived table needs a name", "SELECT * FROM (SELECT * FROM x)", "ADQL_SYNTAX_ERROR", 1, 32],
  ["WITH is only for the top-level query (§4.5)", "SELECT * FROM (WITH a AS (SELECT 1 FROM t) SELECT * FROM a) AS q", "ADQL_SYNTAX_ERROR", 1, 16],
  ["NATURAL JOIN takes no ON", "SELECT * FROM a NATURAL JOIN b ON a.x = b.x", "ADQL_SYNTAX_ERROR", 1, 32],
  ["a JOIN without ON or USING (SQL-92 §7.5: required unless NATURAL)", "select x from t1 JOIN t2", "ADQL_SYNTAX_ERROR", 1, 25],
  ["a LEFT JOIN without ON, before WHERE", "SELECT x FROM t1 LEFT JOIN t2 AS b WHERE x = 1", "ADQL_SYNTAX_ERROR", 1, 36],
  ["CHAR(0): a length is at least 1 (SQL-92 §6.1)", "SELECT CAST(a AS CHAR(0)) FROM t", "ADQL_BAD_ARGUMENTS", 1, 23],
  ["a table name of four parts", "select x from a.b.c.d", "ADQL_SYNTAX_ERROR", 1, 15],
  ["a column reference of five parts", "select x.y.z.a.b from a", "ADQL_SYNTAX_ERROR", 1, 8],
  ["a bare expression is not a condition", "SELECT * FROM t WHERE a", "ADQL_TYPE_ERROR", 1, 23],
  ["CONTAINS must be compared (§4.2.12)", "SELECT * FROM y WHERE CONTAINS(a, b)", "ADQL_TYPE_ERROR", 1, 23],
  ["a POINT is not a condition", "select x from y where Point('fk5', 2, 3)", "ADQL_TYPE_ERROR", 1, 23],
  ["a condition is not a value", "SELECT a > 1 FROM t", "ADQL_TYPE_ERROR", 1, 8],
  ["a condition is not an operand", "SELECT * FROM t WHERE (a > 1) + 2 = 3", "ADQL_TYPE_ERROR", 1, 24],
  ["AND of values", "SELECT * FROM t WHERE a AND b", "ADQL_TYPE_ERROR", 1, 23],
  ["a geometry is not a string (corpus)", "SELECT point('icrs', 3, 4) || 'aaaa' from Y", "ADQL_TYPE_ERROR", 1, 8],
  ["a geometry is not a number", "SELECT 1 + CIRCLE(1, 2, 3) FROM t", "ADQL_TYPE_ERROR", 1, 12],
  ["arity of a builtin", "select x from y where ABS(y,z)<3", "ADQL_BAD_ARGUMENTS", 1, 23],
  ["no arguments to ABS", "select x from y where ABS()<3", "ADQL_BAD_ARGUMENTS", 1, 23],
  ["COALESCE needs an argument (§4.8.1)", "SELECT COALESCE() FROM stars", "ADQL_BAD_ARGUMENTS", 1, 8],
  ["ROUND's precision is an integer literal", "SELECT ROUND(a, b) FROM t", "ADQL_BAD_ARGUMENTS", 1, 17],
  ["IN_UNIT's unit is a string literal", "SELECT IN_UNIT(a, b) FROM t", "ADQL_BAD_ARGUMENTS", 1, 19],
  ["SUM(*)", "SELECT SUM(*) FROM t", "ADQL_BAD_ARGUMENTS", 1, 8],
  ["CAST to a type ADQL does not have (§4.7.1)", "SELECT CAST(314 AS FLOAT) FROM stars", "ADQL_SYNTAX_ERROR", 1, 20],
  ["CAST to NULL", "SELECT CAST(123 AS NULL) FROM stars", "ADQL_SYNTAX_ERROR", 1, 20],
  ["CIRCLE without a radius (corpus)", "select x from y where CIRCLE('fk5', 2, 3)=x", "ADQL_BAD_ARGUMENTS", 1, 37],
  ["POLYGON with an odd number of coordinates (corpus)", "select x from y where POLYGON('fk5', 2, 3, 3, 0, 23, 0, 45)=x", "ADQL_BAD_ARGUMENTS", 1, 38],
  ["POLYGON of two points", "SELECT POLYGON(POINT(1, 2), POINT(3, 4)) FROM t", "ADQL_BAD_ARGUMENTS", 1, 8],
  ["REGION of a column", "SELECT REGION(s) FROM t", "ADQL_BAD_ARGUMENTS", 1, 8],
  ["COORD1 of a number", "SELECT COORD1(3) FROM t", "ADQL_BAD_ARGUMENTS", 1, 15],
  ["an unknown function (§4.3)", "SELECT id, my_undefined_function(ra, dec) AS bad FROM atable", "ADQL_UNKNOWN_FUNCTION", 1, 12],
  ["a UDF with the wrong arity", "SELECT scisql_angSep(1, 2, 3) FROM t", "ADQL_BAD_ARGUMENTS", 1, 8],
  ["IN with a trailing comma", "select x from y where x IN (23, 3,)", "ADQL_SYNTAX_ERROR", 1, 35],
  ["IS with a value", "SELECT * FROM y WHERE y IS 3", "ADQL_SYNTAX_ERROR", 1, 28],
  ["EXISTS without parentheses", "SELECT * FROM x WHERE EXISTS z", "ADQL_SYNTAX_ERROR", 1, 30],
  ["ORDER BY inside a set operand without parentheses", "SELECT a FROM t ORDER BY a UNION SELECT a FROM u", "ADQL_SYNTAX_ERROR", 1, 28],
  ["an unclosed parenthesis", "select * from a group by d having (d>2", "ADQL_SYNTAX_ERROR", 1, 39],
  ["TRUE is reserved, not a literal", "SELECT * FROM t WHERE a = TRUE", "ADQL_SYNTAX_ERROR", 1, 27],
  ["parentheses nested too deep", `SELECT ${"(".repeat(150)}1${")".repeat(150)} FROM t`, "ADQL_TOO_COMPLEX", 1, 108],
  ["a multi-line position", "SELECT a,\n  b\nFROM t\nWHERE a >", "ADQL_SYNTAX_ERROR", 4, 10],
];

describe("ADQL grammar", function () {
  describe("accepts ADQL 2.1 and prints it canonically", function () {
    for (const [why, adql, expected] of accepted) {
      it(why, function () {
        const printed = canonical(adql);
        expect(printed).to.equal(expected);
        // The canonical form is a fixed point, and parses to the same tree.
        expect(canonical(printed)).to.equal(printed);
        expect(stripSpans(parse(printed, { functions: registry }))).to.deep.equal(stripSpans(parse(adql, { functions: registry })));
      });
    }
  });

  describe("refuses what is not ADQL, with a code and a position", function () {
    for (const [why, adql, code, line, column] of refused) {
      it(why, function () {
        let err: unknown;
        try {
          parse(adql, { functions: registry });
        } catch (e) {
          err = e;
        }
        expect(err, "no error").to.be.instanceOf(AdqlError);
        const e = err as AdqlError;
        expect({ code: e.code, line: e.line, column: e.column }, e.message).to.deep.equal({ code, line, column });
        expect(e.excerpt, "excerpt").to.include("^");
      });
    }
  });

  describe("spans", function () {
    it("every node's span covers its own text (§2 positions are 1-based)", function () {
      const src = "SELECT t.a AS x,\n  COUNT(*)\nFROM s.t\nWHERE a BETWEEN 1 AND 2";
      const q = parse(src);
      const sel = q.body as Select;
      const text = (n: { span: { start: { offset: number }; end: { offset: number } } }): string => src.slice(n.span.start.offset, n.span.end.offset);
      expect(text(q)).to.equal(src);
      expect(text(sel.items[0]!)).to.equal("t.a AS x");
      expect(text(sel.items[1]!)).to.equal("COUNT(*)");
      expect(sel.items[1]!.span.start).to.deep.equal({ offset: 19, line: 2, column: 3 });
      expect(text(sel.from[0]!)).to.equal("s.t");
      expect(text(sel.where!)).to.equal("a BETWEEN 1 AND 2");
    });

    it("the span of a parenthesised set operand includes its parentheses", function () {
      const src = "(SELECT a FROM t) UNION SELECT b FROM u";
      const q: Query = parse(src);
      expect(q.body.kind).to.equal("SetOperation");
      const left = (q.body as { left: Query }).left;
      expect(src.slice(left.span.start.offset, left.span.end.offset)).to.equal("(SELECT a FROM t)");
    });
  });

  describe("errors", function () {
    it("say what was expected and what was found", function () {
      expect(() => parse("SELECT a FROM t WHERE")).to.throw(AdqlError, /expected .* but found the end of the query/);
      expect(() => parse("SELECT a FROM t t2 junk")).to.throw(AdqlError, /unexpected identifier junk/);
    });

    it("name the reserved word and how to quote it", function () {
      try {
        parse("SELECT a FROM size");
        expect.fail("accepted");
      } catch (e) {
        expect((e as AdqlError).message).to.match(/reserved word SIZE.*"size"/);
      }
    });

    it("suggest a known function for a misspelt one", function () {
      try {
        parse("SELECT scisql_angsp(1, 2, 3, 4) FROM t");
        expect.fail("accepted");
      } catch (e) {
        expect((e as AdqlError).hint).to.equal("did you mean scisql_angSep?");
      }
    });

    it("show the line with a caret under the column", function () {
      try {
        parse("SELECT a\nFROM t\nWHERE a = = 1");
        expect.fail("accepted");
      } catch (e) {
        expect((e as AdqlError).excerpt).to.equal("  WHERE a = = 1\n            ^");
      }
    });

    it("are only AdqlError, even for non-string misuse", function () {
      expect(() => parse(42 as unknown as string)).to.throw(TypeError);
    });
  });
  describe("the shortcut for bare operands (parser.ts bareOperand) gives the rules' tree or error", function () {
    // Names, numbers, strings and signed numbers that no following token extends skip the expression rules; next to
    // them, what must still take the rules: an operator, a call, a string that continues, a sign before a name.
    const cases = [
      "SELECT -1 FROM t", "SELECT x FROM t WHERE dec > -37.5", "SELECT x FROM t WHERE dec BETWEEN -5 AND +5",
      "SELECT - 3 * 2 FROM t", "SELECT -3.5e2, ~7, -0x1F FROM t", "SELECT - -3 FROM t", "SELECT -x FROM t",
      "SELECT -1.5 AS a, +2 b FROM t", "SELECT CIRCLE('ICRS', 10, -37.0, 0.1) FROM t", "SELECT TOP 5 x FROM t ORDER BY -1",
      "SELECT x FROM t WHERE -1 IN (-1, -2)", "SELECT -1 || 'a' FROM t", "SELECT -'a' FROM t", "SELECT x FROM t WHERE -5",
      "SELECT x FROM t GROUP BY -1", "SELECT -1 x, -2.5e-3 FROM t", "SELECT 'a' 'b' FROM t", "SELECT 'a'\n'b' FROM t",
      "SELECT 'a' -- a comment\n'b' FROM t", "SELECT x FROM t WHERE name = 'a' || 'b'", "SELECT 'it''s' AS s FROM t",
      "SELECT x FROM t WHERE 'a' LIKE x", "SELECT 'a' FROM t WHERE 'x' IS NULL", "SELECT 'a'.b FROM t", "SELECT 'a'( FROM t",
      "SELECT x FROM t WHERE 'a'", "SELECT CONTAINS(POINT('ICRS', 1, 2), CIRCLE('ICRS', 1, 2, 3)) FROM t",
      "SELECT o.ra, s.t.dec, c.s.t.x FROM t AS o", "SELECT a.b.c.d.e FROM t", "SELECT a.b.c.d. FROM t", "SELECT o.ra + 1 FROM t",
      "SELECT a.\"Odd Name\", \"q\".x FROM t", "SELECT a.count FROM t", "SELECT a.b(1) FROM t", "SELECT a. FROM t",
      "SELECT x FROM t AS o JOIN u AS d ON o.id = d.id WHERE o.ra BETWEEN d.lo AND d.hi", "SELECT a.b.* FROM t",
      "SELECT COUNT(o.x) FROM t AS o GROUP BY o.y ORDER BY o.y DESC", "SELECT a.b AS c, a.b c2 FROM t",
      "SELECT ABS(x), COUNT(*), AVG(DISTINCT y), scisql_angSep(1, 2, 3, 4) FROM t", "SELECT ABS(x) + 1, COUNT(*) * 2 FROM t",
      "SELECT x FROM t WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 1, -2, 3)) = 1", "SELECT POINT('ICRS', 1 2) FROM t",
      "SELECT ABS(x FROM t", "SELECT ABS(x)) FROM t", "SELECT ABS((x)) FROM t", "SELECT f(1) FROM t", "SELECT \"f\"(1) FROM t",
      "SELECT ABS(1)(2) FROM t", "SELECT ABS(1).x FROM t", "SELECT x FROM t WHERE DISTANCE(POINT(ra, dec), POINT(1, 2)) < 1",
      "SELECT COUNT(*) FROM t HAVING COUNT(*) > 1", "SELECT POLYGON(1, 2, 3, 4, 5, 6), BOX(1, 2, 3, 4), AREA(CIRCLE(1, 2, 3)) FROM t",
      "SELECT ABS() FROM t", "SELECT COUNT() FROM t", "SELECT x FROM t WHERE ABS(x)", "SELECT x FROM t WHERE x IN (ABS(1), -2, 'a')",
    ];
    for (const adql of cases) {
      it(JSON.stringify(adql), function () {
        expect(shortcutDisagrees(adql, defaultFunctionRegistry)).to.equal(null);
      });
    }
  });
  describe("groupEnds: the token after each parenthesised group, for the parser's lookahead", function () {
    const cases: [string, string[]][] = [
      // [ADQL, the type after each '(' in the order they open]
      ["SELECT ABS(x) FROM t", ["FROM"]],
      ["SELECT f(g(1), (2)) + 1 FROM t", ["Plus", "Comma", "RParen"]],
      ["SELECT (1", ["EOF"]],
      ["SELECT ((1) FROM t", ["EOF", "FROM"]],
      ["SELECT 1) (2)", ["EOF"]],
      ["SELECT COUNT(*)", ["EOF"]],
    ];
    for (const [adql, expected] of cases) {
      it(JSON.stringify(adql), function () {
        const tokens = tokenize(adql);
        const ends = groupEnds(tokens);
        const opens = tokens.filter((t) => t.tokenType.name === "LParen");
        expect(opens.map((t) => ends.get(t)?.name)).to.deep.equal(expected);
      });
    }
  });
});
