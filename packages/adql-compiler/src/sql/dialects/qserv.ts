/**
 * Qserv: MySQL syntax as Qserv's parser accepts it (qserv/README §c), with the real scisql UDFs.
 * The qserv-restrictions pass has already refused or rewritten what Qserv cannot run; this module
 * only changes how the remaining constructs are written.
 */
import type { Aggregate, BinaryExpr, BuiltinFunctionName, Expression, FunctionCall } from "../../ast/nodes.js";
import { AdqlError } from "../../errors.js";
import { qservRestrictions } from "../../passes/qserv-restrictions.js";
import { qservSpatial } from "../../passes/qserv-spatial.js";
import type { DialectDefinition, DialectTraits } from "./dialect.js";
import { MySqlGenerator } from "./mysql.js";

/** A literal integer, with its sign: what Qserv's grammar reads as one constant (`MINUS? DECIMAL_LITERAL`). */
function signedInteger(e: Expression): bigint | undefined {
  if (e.kind === "NumberLiteral" && (e.form === "integer" || e.form === "hex")) return BigInt(e.text);
  if (e.kind === "UnaryExpr" && (e.op === "-" || e.op === "+")) {
    const v = signedInteger(e.operand);
    return v === undefined ? undefined : e.op === "-" ? -v : v;
  }
  return undefined;
}

export class QservGenerator extends MySqlGenerator {
  override readonly name = "qserv";

  /**
   * Qserv's parser takes only a column in an aggregate (FunctionArg's adapter: FullColumnName), and its czar computes AVG
   * from the chunks' SUM and COUNT itself: the argument stays as written.
   */
  protected override aggregate(e: Aggregate): string {
    return e.arg === null ? `${e.name}(*)` : `${e.name}(${e.quantifier === "DISTINCT" ? "DISTINCT " : ""}${this.expr(e.arg)})`;
  }

  /** Backtick identifiers cannot contain a backtick in Qserv (`REVERSE_QUOTE_ID`); the pass refuses them. */
  override quoteIdentifier(name: string): string {
    if (name.includes("`")) throw new Error("qserv: an identifier with a backtick reached the generator");
    return `\`${name}\``;
  }

  /**
   * ADQL's LIKE is case-sensitive (ILIKE is the case-insensitive one, ADQL 2.1 §4.4.4), and a bare
   * LIKE follows the column's collation, which in Qserv's catalogs ignores case (and accents). Qserv's
   * parser refuses COLLATE, BINARY x, CAST and CONVERT (UNHANDLED CollateExpressionAtom,
   * BinaryExpressionAtom, DataTypeFunctionCall in its listener), but passes scalar functions: UNHEX(HEX(x))
   * is x as a binary string, and MySQL compares a binary string with any string byte by byte. So
   * `UNHEX(HEX(x)) LIKE 'p'` is LIKE with the case of every letter. One difference remains, for
   * values with non-ASCII characters: `_` then matches one byte, not one character (documented in the
   * README's Qserv section).
   */
  protected override like(expr: Expression, pattern: Expression, not: boolean, caseInsensitive: boolean): string {
    const n = not ? "NOT " : "";
    const bytes = (s: string): string => `UNHEX(HEX(${s}))`;
    const value = caseInsensitive ? `LOWER(${this.expr(expr)})` : this.expr(expr);
    const literal = pattern.kind === "StringLiteral";
    const p = caseInsensitive ? `LOWER(${this.expr(pattern)})` : literal ? this.expr(pattern) : bytes(this.expr(pattern));
    return `${bytes(value)} ${n}LIKE ${p}`;
  }

  /**
   * Qserv's nested-expression adapter takes a predicate or a logical expression, not a NOT
   * (qserv-listener-rules: NestedExpressionAtom implements PredicateExpressionCBH and
   * LogicalExpressionCBH), so `(NOT (x))` beside AND or OR is refused. A NOT is written bare there:
   * NOT binds tighter than AND and OR, in MySQL as in the grammar (its prefix alternative comes first).
   */
  protected override logical(op: "AND" | "OR", left: Expression, right: Expression): string {
    const side = (e: Expression): string =>
      (e.kind === "LogicalExpr" && e.op === op) || e.kind === "NotExpr" ? this.expr(e) : this.operand(e);
    return `${side(left)} ${op} ${side(right)}`;
  }

  /** MOD is an operator in Qserv's grammar (`mathOperator`), not a function: MOD(a, b) is a syntax error there. */
  protected override builtin(name: BuiltinFunctionName, args: string[], f: FunctionCall): string {
    if (name === "MOD") return `(${this.operand(f.args[0]!)} % ${this.operand(f.args[1]!)})`;
    return super.builtin(name, args, f);
  }

  /**
   * Bit operations. Qserv's bit-expression adapter takes a column or a constant on each side
   * (qserv-listener-rules: BitExpressionAtom implements FullColumnNameExpressionAtomCBH and
   * ConstantExpressionAtomCBH only), and a negative constant is one constant only without
   * parentheses (`flags & -2`). MySQL computes them on unsigned 64-bit integers, where ADQL's are
   * signed: `u - (u DIV 2^63) * 2^64` turns the unsigned result u back into the signed one (DECIMAL
   * arithmetic, exact), in arithmetic that Qserv passes. An AND with a non-negative constant cannot
   * set the sign bit and is written bare. The qserv-restrictions pass has refused other operands.
   */
  protected override binary(e: BinaryExpr): string {
    if (e.op !== "&" && e.op !== "|" && e.op !== "^") return super.binary(e);
    const side = (x: Expression): string => {
      if (x.kind === "ColumnRef") return this.expr(x);
      const v = signedInteger(x);
      if (v === undefined) throw new AdqlError("ADQL_UNSUPPORTED", "not supported on Qserv: a bit operation on an expression; Qserv takes a column or an integer on each side of & | ^", x.span);
      return v.toString();
    };
    const u = `${side(e.left)} ${e.op} ${side(e.right)}`;
    const nonNegative = (x: Expression): boolean => (signedInteger(x) ?? -1n) >= 0n;
    if (e.op === "&" && (nonNegative(e.left) || nonNegative(e.right))) return u;
    return `(${u}) - ((${u}) DIV 9223372036854775808) * 18446744073709551616`;
  }

  /** The real scisql takes polygon vertices as separate arguments. */
  protected override sqlFunction(name: string, args: readonly Expression[]): string {
    return `${name}(${args.map((a) => this.expr(a)).join(", ")})`;
  }
}

const QSERV_TRAITS: DialectTraits = {
  databaseName: "Qserv",
  bmpNamesOnly: true,
  serverResidues: true,
  chunkPruning: true,
  // Its spatial restrictor and scisql's box take constants (qserv-spatial.ts).
  computedBoxes: false,
  // Rubin's catalogs store the binary polygon beside every region column.
  binaryPolygonColumns: "assumed",
  shapeColumnsArePolygons: true,
  // `||` is OR in MySQL's grammar, which Qserv's follows.
  concatOperator: false,
  integerDivision: "DIV",
  // No CAST in Qserv's parser: QservGenerator.binary writes the signed result in arithmetic instead.
  signedBitwiseCast: false,
  castBeforeRounding: false,
  decimalQuotients: true,
  floatNarrowing: false,
  // The real scisql UDFs run in the workers.
  inlineScisql: false,
  // Qserv's proxy takes plain SQL text; its parser has no placeholders.
  numberedParameters: false,
};

/** Qserv: its passes refuse and rewrite what Qserv cannot run, and give it its spatial restrictor. */
export const qserv = {
  name: "qserv",
  traits: QSERV_TRAITS,
  passes: [
    ["qserv-restrictions", qservRestrictions],
    ["qserv-spatial", qservSpatial],
  ],
  generator: () => new QservGenerator(QSERV_TRAITS),
} as const satisfies DialectDefinition<"qserv">;
