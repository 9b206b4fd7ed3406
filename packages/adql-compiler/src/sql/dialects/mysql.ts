/**
 * MariaDB and MySQL, with scisql-compatible functions (sql/scisql-mariadb.sql) and no areaspec.
 */
import type { BinaryExpr, BuiltinFunctionName, CastType, Expression, FunctionCall } from "../../ast/nodes.js";
import { constantValue } from "../../passes/constants.js";
import { mariaDbPolygonExpression, mariaDbPolygonLiteral } from "../../geometry/scisql-mariadb.js";
import { SqlGenerator } from "../generator.js";

export class MySqlGenerator extends SqlGenerator {
  readonly name: string = "mysql";
  /** `||` is OR in MySQL (and in Qserv): concatenation is CONCAT. */
  protected override readonly concatOperator = false;
  protected override readonly integerDivision = "DIV";
  /** MySQL's bit operators work on unsigned 64-bit integers; ADQL's (like PostgreSQL's) are signed. */
  protected readonly signedBitwise: boolean = true;

  quoteIdentifier(name: string): string {
    return `\`${name.replace(/`/g, "``")}\``;
  }

  /** Backslash is an escape character in MySQL strings (unless NO_BACKSLASH_ESCAPES): escape it too. */
  stringLiteral(value: string): string {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''").replace(/\0/g, "\\0")}'`;
  }

  protected override binary(e: BinaryExpr): string {
    const s = super.binary(e);
    return this.signedBitwise && (e.op === "&" || e.op === "|" || e.op === "^") ? `CAST(${s} AS SIGNED)` : s;
  }

  protected override unary(op: "-" | "+" | "~", operand: Expression): string {
    const s = super.unary(op, operand);
    return op === "~" && this.signedBitwise ? `CAST(${s} AS SIGNED)` : s;
  }

  /** LIKE compares case-sensitively in ADQL; MySQL's default collations do not, so compare bytes. */
  protected override like(expr: Expression, pattern: Expression, not: boolean, caseInsensitive: boolean): string {
    const n = not ? "NOT " : "";
    if (caseInsensitive) return `LOWER(${this.expr(expr)}) ${n}LIKE LOWER(${this.expr(pattern)})`;
    return `${this.operand(expr)} ${n}LIKE BINARY ${this.operand(pattern)}`;
  }

  protected override builtin(name: BuiltinFunctionName, args: string[], f: FunctionCall): string {
    switch (name) {
      case "RAND": return `RAND(${args.join(", ")})`;
      default: return super.builtin(name, args, f);
    }
  }

  /** s2PtInCPoly takes its vertices as one string here (see sql/scisql-mariadb.sql). */
  protected override sqlFunction(name: string, args: readonly Expression[]): string {
    if (name !== "scisql_s2PtInCPoly") return super.sqlFunction(name, args);
    const [x, y, ...coords] = args;
    const values = coords.map(constantValue);
    const poly = values.every((v) => v !== undefined)
      ? mariaDbPolygonLiteral(values as number[])
      : mariaDbPolygonExpression(coords.map((c) => this.expr(c)));
    return `scisql_s2PtInCPoly(${this.expr(x!)}, ${this.expr(y!)}, ${poly})`;
  }

  protected override castType(t: CastType, e: Expression): string {
    switch (t.name) {
      case "SMALLINT": case "INTEGER": case "BIGINT": return "SIGNED";
      case "REAL": return "FLOAT";
      case "DOUBLE PRECISION": return "DOUBLE";
      case "VARCHAR": case "CHAR": return t.length === null ? "CHAR" : `CHAR(${t.length})`;
      case "TIMESTAMP": return "DATETIME(6)";
      default: return super.castType(t, e);
    }
  }
}
