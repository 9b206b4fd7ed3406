/**
 * MariaDB and MySQL, with scisql-compatible functions (sql/scisql-mariadb.sql) and no areaspec.
 *
 * scisql_angSep, scisql_s2PtInCircle and scisql_s2PtInCPoly with constant vertices are written as
 * plain SQL expressions (geometry/inline-sql.ts) when their arguments may be repeated: a stored
 * function costs MariaDB 6–18 µs a row (90–115 µs for a polygon), the expression under 1.2 µs (measured
 * with test-support/measure-udf.ts, see sql/README.md). The results are the same to the bit, which
 * the execution tests check against the TypeScript reference.
 */
import type { BinaryExpr, BuiltinFunctionName, CastType, Expression, FunctionCall, Join, NumberLiteral, Query, QueryBody, Span } from "../../ast/nodes.js";
import { numericClass } from "../../analysis/numeric-class.js";
import { AdqlError } from "../../errors.js";
import { inlineAngSepSql, inlinePtInCircleSql, inlinePtInCPolySql } from "../../geometry/inline-sql.js";
import { mariaDbPolygonExpression, mariaDbPolygonLiteral } from "../../geometry/scisql-mariadb.js";
import { boundDeclination } from "../../passes/bound-declination.js";
import { boundRightAscension } from "../../passes/bound-right-ascension.js";
import { constantValue } from "../../analysis/constants.js";
import { SqlGenerator } from "../generator.js";
import type { DialectDefinition, DialectTraits } from "./dialect.js";
import { isRepeatable } from "../repeatable.js";

export class MySqlGenerator extends SqlGenerator {
  readonly name: string = "mysql";

  /**
   * MariaDB refuses SQL whose SELECTs and parenthesised query expressions nest deeper than this
   * ("Too high level of nesting for select", errno 1473). Measured on MariaDB 10.11 with every form
   * of nesting the generator writes (sql/functions.execution.test.ts).
   */
  protected readonly maxNesting: number = 64;
  private nesting = 0;

  quoteIdentifier(name: string): string {
    return `\`${name.replace(/`/g, "``")}\``;
  }

  override generate(q: Query): string {
    this.nesting = 0;
    return super.generate(q);
  }

  /** One more level of nesting for MariaDB, refused beyond maxNesting at the construct that opens it; the caller leaves it. */
  private enter(span: Span): void {
    if (++this.nesting > this.maxNesting) {
      this.nesting = 0;
      throw new AdqlError(
        "ADQL_TOO_COMPLEX",
        `not supported on ${this.name}: subqueries and parenthesised set operations nested more than ${this.maxNesting} levels deep`,
        span,
      );
    }
  }

  protected override query(q: Query): string {
    this.enter(q.span);
    try {
      return super.query(q);
    } finally {
      this.nesting--;
    }
  }

  protected override body(b: QueryBody, operand: boolean): string {
    if (!operand || !(b.kind === "SetOperation" || (b.kind === "Select" && b.top !== null))) return super.body(b, operand);
    this.enter(b.span);
    try {
      return super.body(b, operand);
    } finally {
      this.nesting--;
    }
  }

  /** Backslash is an escape character in MySQL strings (unless NO_BACKSLASH_ESCAPES): escape it too. */
  stringLiteral(value: string): string {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''").replace(/\0/g, "\\0")}'`;
  }

  protected override binary(e: BinaryExpr): string {
    const s = super.binary(e);
    return this.traits.signedBitwiseCast && (e.op === "&" || e.op === "|" || e.op === "^") ? `CAST(${s} AS SIGNED)` : s;
  }

  protected override unary(op: "-" | "+" | "~", operand: Expression): string {
    const s = super.unary(op, operand);
    return op === "~" && this.traits.signedBitwiseCast ? `CAST(${s} AS SIGNED)` : s;
  }

  /** MySQL has no OFFSET without LIMIT: the documented idiom is the largest LIMIT there is. */
  protected override limitClause(limit: number | undefined, offset: NumberLiteral | null): string {
    return offset && limit === undefined ? ` LIMIT 18446744073709551615 OFFSET ${offset.text}` : super.limitClause(limit, offset);
  }

  /**
   * MariaDB and MySQL refuse LIMIT in an IN subquery ("doesn't yet support 'LIMIT & IN/ALL/ANY/SOME
   * subquery'") but take it in a derived table: `IN (SELECT * FROM (... LIMIT n) AS t)`.
   */
  protected override inSubquery(q: Query): string {
    const limited = q.limit !== undefined || q.offset !== null || (q.body.kind === "Select" && q.body.top !== null);
    if (!limited) return super.inSubquery(q);
    this.enter(q.span);
    try {
      return `SELECT * FROM (${this.query(q)}) AS ${this.quoteIdentifier("in_subquery")}`;
    } finally {
      this.nesting--;
    }
  }

  /** MySQL has no FULL OUTER JOIN (MariaDB would read FULL as a table alias). */
  protected override join(j: Join): string {
    if (j.type === "FULL") {
      throw new AdqlError("ADQL_UNSUPPORTED", `not supported on ${this.name}: FULL OUTER JOIN; use a LEFT and a RIGHT OUTER JOIN with UNION`, j.span);
    }
    return super.join(j);
  }

  /**
   * LIKE compares case-sensitively in ADQL, ILIKE case-insensitively, and `_` is one character; MySQL's
   * default collations ignore case and accents, and LIKE BINARY counts bytes (and fails between
   * character sets), so both compare in utf8mb4_bin, ILIKE after LOWER on both sides. The backslash is
   * LIKE's escape character, as in MySQL and PostgreSQL (ADQL 2.1 does not say; sql/generator.ts).
   */
  protected override like(expr: Expression, pattern: Expression, not: boolean, caseInsensitive: boolean): string {
    const n = not ? "NOT " : "";
    const p = pattern.kind === "StringLiteral" ? this.expr(pattern) : `CONVERT(${this.expr(pattern)} USING utf8mb4)`;
    if (caseInsensitive) return `LOWER(${this.expr(expr)}) ${n}LIKE LOWER(${p}) COLLATE utf8mb4_bin`;
    return `${this.operand(expr)} ${n}LIKE ${p} COLLATE utf8mb4_bin`;
  }

  protected override builtin(name: BuiltinFunctionName, args: string[], f: FunctionCall): string {
    switch (name) {
      case "RAND": return `RAND(${args.join(", ")})`;
      default: return super.builtin(name, args, f);
    }
  }

  /** `x` as a DOUBLE where its class is not known, so that MariaDB rounds it as DuckDB does. */
  private asRounded(x: Expression): string {
    return this.traits.castBeforeRounding && numericClass(x) === "unknown" ? `CAST(${this.expr(x)} AS DOUBLE)` : this.expr(x);
  }

  protected override round(x: Expression, digits: number): string {
    return `ROUND(${this.asRounded(x)}, ${digits})`;
  }

  protected override truncate(x: Expression, digits: number): string {
    return `TRUNCATE(${this.asRounded(x)}, ${digits})`;
  }

  /** Inline forms where they apply; s2PtInCPoly otherwise takes its vertices as one string here (see sql/scisql-mariadb.sql). */
  protected override sqlFunction(name: string, args: readonly Expression[]): string {
    if (this.traits.inlineScisql && isRepeatable(args)) {
      const a = (): string[] => args.map((x) => this.expr(x));
      if (name === "scisql_angSep" && args.length === 4) return inlineAngSepSql(...(a() as [string, string, string, string]));
      if (name === "scisql_s2PtInCircle" && args.length === 5) return inlinePtInCircleSql(...(a() as [string, string, string, string, string]));
    }
    // Three arguments: a region column's binary polygon (catalog/regions.ts c_scisql), passed as it is.
    if (name !== "scisql_s2PtInCPoly" || args.length === 3) return super.sqlFunction(name, args);
    const [x, y, ...coords] = args;
    const values = coords.map(constantValue);
    if (values.every((v) => v !== undefined)) {
      if (this.traits.inlineScisql && isRepeatable([x!, y!])) return inlinePtInCPolySql(this.expr(x!), this.expr(y!), values as number[]);
      return `scisql_s2PtInCPoly(${this.expr(x!)}, ${this.expr(y!)}, ${mariaDbPolygonLiteral(values as number[])})`;
    }
    return `scisql_s2PtInCPoly(${this.expr(x!)}, ${this.expr(y!)}, ${mariaDbPolygonExpression(coords.map((c) => this.expr(c)))})`;
  }

  /** DATE_FORMAT's %f is microseconds: the first three of them, dropped when all 0. */
  protected timestampText(sql: string): string {
    return `TRIM(TRAILING '.000' FROM LEFT(DATE_FORMAT(${sql}, '%Y-%m-%dT%H:%i:%s.%f'), 23))`;
  }

  protected override castType(t: CastType, e: Expression): string {
    switch (t.name) {
      case "SMALLINT": case "INTEGER": case "BIGINT": return "SIGNED";
      case "REAL": return "FLOAT";
      case "DOUBLE PRECISION": return "DOUBLE";
      // CHAR without a length is CHAR(1) in SQL; MySQL's CAST AS CHAR would keep the whole string.
      case "CHAR": return `CHAR(${t.length ?? 1})`;
      case "VARCHAR": return t.length === null ? "CHAR" : `CHAR(${t.length})`;
      case "TIMESTAMP": return "DATETIME(6)";
      default: return super.castType(t, e);
    }
  }
}

const MYSQL_TRAITS: DialectTraits = {
  databaseName: "MariaDB/MySQL",
  bmpNamesOnly: true,
  serverResidues: false,
  chunkPruning: false,
  computedBoxes: true,
  // scisql-mariadb.sql's s2PtInCPoly reads the binary polygon where the table stores one.
  binaryPolygonColumns: "where-stored",
  shapeColumnsArePolygons: false,
  // `||` is OR in MySQL (unless PIPES_AS_CONCAT): concatenation is CONCAT.
  concatOperator: false,
  integerDivision: "DIV",
  // MySQL's bit operators work on unsigned 64-bit integers; ADQL's (like PostgreSQL's) are signed.
  signedBitwiseCast: true,
  castBeforeRounding: true,
  decimalQuotients: true,
  floatNarrowing: false,
  inlineScisql: true,
  // mysql2 binds `?` by position only, and the server sends MariaDB text queries.
  numberedParameters: false,
};

/**
 * MariaDB and MySQL: a declination range beside each constant spatial constraint (an index range scan), and a right
 * ascension range beside each constant cone (the inline predicate then runs on a box, not a band).
 */
export const mysql = {
  name: "mysql",
  traits: MYSQL_TRAITS,
  passes: [["bound-declination", boundDeclination], ["bound-right-ascension", boundRightAscension]],
  generator: () => new MySqlGenerator(MYSQL_TRAITS),
} as const satisfies DialectDefinition<"mysql">;
