/**
 * DuckDB, the embedded engine, with scisql's functions registered as JS scalar functions
 * (geometry/duckdb-functions.ts).
 *
 * scisql_angSep and scisql_s2PtInCircle are written inline (geometry/inline-sql.ts) when their
 * arguments may be repeated: as fast as the JS function for angSep, three times faster for a small
 * cone (the inline form rejects most rows on latitude alone), and they run in DuckDB's own threads.
 * Polygons stay JS calls: the inline form measured no faster there (sql/README.md).
 */
import type { BinaryExpr, BuiltinFunctionName, CastType, Expression, FunctionCall, OrderItem } from "../../ast/nodes.js";
import { numericClass } from "../../analysis/numeric-class.js";
import { isIntegerType, typeOf } from "../../analysis/types.js";
import { AdqlError } from "../../errors.js";
import { constantValue } from "../../analysis/constants.js";
import { inlineAngSepSql, inlinePtInCircleSql } from "../../geometry/inline-sql.js";
import { boundDeclination } from "../../passes/bound-declination.js";
import { scisqlFunction } from "../../builtins.js";
import { SqlGenerator } from "../generator.js";
import type { DialectDefinition, DialectTraits } from "./dialect.js";
import { isRepeatable } from "../repeatable.js";

/** 10^n as a DOUBLE literal, |n| ≤ 308. */
const tenTo = (n: number): string => `1e${n}`;

/** Two integer operands, one of them narrower than BIGINT (a long on either side makes DuckDB compute in BIGINT already). */
function narrowIntegers(left: Expression, right: Expression): boolean {
  const l = typeOf(left);
  const r = typeOf(right);
  return isIntegerType(l) && isIntegerType(r) && l.datatype !== "long" && r.datatype !== "long";
}

/** Arithmetic with a REAL operand and no DOUBLE one: DuckDB computes it in single precision. */
function realArithmetic(left: Expression, right: Expression): boolean {
  const l = typeOf(left).datatype;
  const r = typeOf(right).datatype;
  return (l === "float" || r === "float") && l !== "double" && r !== "double" && l !== null && r !== null;
}

/** A constant known to be within INTEGER (whose arithmetic cannot overflow, so needs no cast). */
function fitsInteger(v: number | undefined): boolean {
  return v !== undefined && Number.isInteger(v) && Math.abs(v) < 2 ** 31;
}

export class DuckDbGenerator extends SqlGenerator {
  readonly name = "duckdb";

  quoteIdentifier(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  /** Standard SQL strings: only the quote is doubled. A NUL cannot be in a literal, so it is chr(0). */
  stringLiteral(value: string): string {
    const parts = value.split("\0").map((p) => `'${p.replace(/'/g, "''")}'`);
    return parts.length === 1 ? parts[0]! : `(${parts.join(" || chr(0) || ")})`;
  }

  /**
   * `^` is exponentiation in DuckDB: bitwise XOR is xor(). + - * of two integers narrower than BIGINT are computed in
   * BIGINT, as their FIELD (long) says and as MariaDB computes them: DuckDB keeps INTEGER + INTEGER an INTEGER and
   * stopped the query at 2^31 ("Overflow in addition of INT32": 2147483647 + 1, flags * 1000000 * 1000000).
   */
  protected override binary(e: BinaryExpr): string {
    if (e.op === "^") return `xor(${this.expr(e.left)}, ${this.expr(e.right)})`;
    if ((e.op === "+" || e.op === "-" || e.op === "*") && narrowIntegers(e.left, e.right) && !fitsInteger(constantValue(e))) {
      return `CAST(${this.expr(e.left)} AS BIGINT) ${e.op} ${this.operand(e.right)}`;
    }
    // REAL arithmetic stays REAL in DuckDB; its FIELD says double (traits.floatNarrowing).
    if ((e.op === "+" || e.op === "-" || e.op === "*" || e.op === "/") && realArithmetic(e.left, e.right)) {
      return `CAST(${this.expr(e.left)} AS DOUBLE) ${e.op} ${e.op === "/" ? this.divisor(e.right) : this.operand(e.right)}`;
    }
    return super.binary(e);
  }

  /**
   * A division or MOD by zero is NULL, as on MariaDB and Qserv: DuckDB's DOUBLE division gave Infinity or NaN, which a
   * WHERE then compared as numbers (x / 0 > 0 kept rows). A constant divisor other than 0 needs no guard.
   */
  protected override divisor(e: Expression): string {
    const v = constantValue(e);
    return v !== undefined && v !== 0 ? this.operand(e) : `NULLIF(${this.expr(e)}, 0)`;
  }

  /** The backslash escapes, as in MySQL and PostgreSQL (see SqlGenerator.like). */
  protected override like(expr: Expression, pattern: Expression, not: boolean, caseInsensitive: boolean): string {
    return `${super.like(expr, pattern, not, caseInsensitive)} ESCAPE '\\'`;
  }

  /** NULL sorts as the smallest value, as on MariaDB and Qserv (DuckDB's default puts it last). */
  protected override orderItem(o: OrderItem): string {
    return `${this.expr(o.expr)} ${o.direction === "DESC" ? "DESC NULLS LAST" : "ASC NULLS FIRST"}`;
  }

  /**
   * Outside their domain LN, LOG10, SQRT, ASIN and ACOS answer NULL on MariaDB and Qserv, and fail the
   * whole query on DuckDB: here they answer NULL too, when the argument may be written twice.
   */
  private guarded(fn: string, x: Expression, condition: (v: string) => string, inDomain: (v: number) => boolean): string {
    const v = this.expr(x);
    const c = constantValue(x);
    if (c !== undefined) return inDomain(c) ? `${fn}(${v})` : "CAST(NULL AS DOUBLE)";
    return isRepeatable([x]) ? `(CASE WHEN ${condition(this.operand(x))} THEN ${fn}(${v}) END)` : `${fn}(${v})`;
  }

  protected override builtin(name: BuiltinFunctionName, args: string[], f: FunctionCall): string {
    const x = f.args[0]!;
    switch (name) {
      case "LOG": return this.guarded("ln", x, (v) => `${v} > 0`, (v) => v > 0);
      case "LOG10": return this.guarded("log10", x, (v) => `${v} > 0`, (v) => v > 0);
      case "SQRT": return this.guarded("sqrt", x, (v) => `${v} >= 0`, (v) => v >= 0);
      case "ASIN": return this.guarded("asin", x, (v) => `${v} BETWEEN -1 AND 1`, (v) => v >= -1 && v <= 1);
      case "ACOS": return this.guarded("acos", x, (v) => `${v} BETWEEN -1 AND 1`, (v) => v >= -1 && v <= 1);
      case "MOD": return `MOD(${args[0]}, ${this.divisor(f.args[1]!)})`;
      case "RAND":
        if (args.length > 0) throw new AdqlError("ADQL_UNSUPPORTED", "not supported: RAND with a seed on DuckDB; use RAND()", f.span);
        return "random()";
      default: return super.builtin(name, args, f);
    }
  }

  /** `x` as a DOUBLE (unless it is one already), as an operand: in parentheses unless atomic. */
  private double(x: Expression): string {
    return numericClass(x) === "double" ? this.operand(x) : `CAST(${this.expr(x)} AS DOUBLE)`;
  }

  /**
   * Exact values: round() (half away from zero, as MariaDB). Doubles: half to even on v = x·10^n (or
   * x/10^-n), then back, which is MariaDB's (and PostgreSQL's) arithmetic step for step. DuckDB's own
   * round_even(x, n) differs in the last place for some inputs (19.85 to one place) and is wrong for
   * large ones (1e15 + 0.5 → 1e15 + 1), so the tie is handled here: a tie has |v - trunc(v)| = 0.5
   * exactly, and then 2·round(v/2) is the even neighbour. v is written three times, so only when x may
   * be repeated (sql/repeatable.ts); otherwise round_even is the fallback.
   */
  protected override round(x: Expression, digits: number): string {
    if (numericClass(x) === "exact") {
      // Rounding an integer to tens or more may go past its type's largest value (ROUND(32767 of a SMALLINT, -1)),
      // which DuckDB wrapped round to -32766: computed in HUGEINT, a result beyond BIGINT fails instead, as on MariaDB.
      return digits < 0 && isIntegerType(typeOf(x)) ? `round(CAST(${this.expr(x)} AS HUGEINT), ${digits})` : `round(${this.expr(x)}, ${digits})`;
    }
    if (digits > 308) return this.double(x);
    if (digits < -308) return "0e0";
    const v = digits === 0 ? this.double(x) : digits > 0 ? `(${this.double(x)} * ${tenTo(digits)})` : `(${this.double(x)} / ${tenTo(-digits)})`;
    const even = isRepeatable([x])
      ? `(CASE WHEN abs(${v} - trunc(${v})) = 0.5 THEN 2 * round(${v} / 2) ELSE round(${v}) END)`
      : `round_even(${v}, 0)`;
    return digits === 0 ? even : digits > 0 ? `(${even} / ${tenTo(digits)})` : `(${even} * ${tenTo(-digits)})`;
  }

  /** MariaDB's TRUNCATE, step for step: exact values in exact arithmetic, doubles in doubles. */
  protected override truncate(x: Expression, digits: number): string {
    const cls = numericClass(x);
    if (cls === "exact" && isIntegerType(typeOf(x)) && digits >= 0) return this.expr(x);
    if (cls === "exact" && Math.abs(digits) <= 18) {
      const p = `1${"0".repeat(Math.abs(digits))}`;
      return digits >= 0 ? `(trunc(${this.operand(x)} * ${p}) / ${p})` : `(trunc(${this.operand(x)} / ${p}) * ${p})`;
    }
    if (digits > 308) return this.double(x);
    if (digits < -308) return "0e0";
    if (digits === 0) return `trunc(${this.double(x)})`;
    return digits > 0
      ? `(trunc(${this.double(x)} * ${tenTo(digits)}) / ${tenTo(digits)})`
      : `(trunc(${this.double(x)} / ${tenTo(-digits)}) * ${tenTo(-digits)})`;
  }

  protected override sqlFunction(name: string, args: readonly Expression[]): string {
    // A constant circle (a cone search): the declination range beside it (bound-declination) leaves the test a few
    // thousand rows, and the inline form's large expression would cost DuckDB more to prepare (about 2 ms) than the
    // JS function costs on those rows (sql/README.md).
    if (name === "scisql_s2PtInCircle" && args.length === 5 && args.slice(2).every((x) => constantValue(x) !== undefined)) {
      return this.scisqlCall(name, args);
    }
    if (this.traits.inlineScisql && isRepeatable(args)) {
      const a = (): string[] => args.map((x) => this.expr(x));
      if (name === "scisql_angSep" && args.length === 4) return inlineAngSepSql(...(a() as [string, string, string, string]));
      if (name === "scisql_s2PtInCircle" && args.length === 5) return inlinePtInCircleSql(...(a() as [string, string, string, string, string]));
    }
    return scisqlFunction(name)?.dialects.includes("duckdb") ? this.scisqlCall(name, args) : super.sqlFunction(name, args);
  }

  /** A call of one of scisql's functions that DuckDB has: their parameters are all DOUBLE (geometry/duckdb-functions.ts). */
  private scisqlCall(name: string, args: readonly Expression[]): string {
    return `${name}(${args.map((a) => this.placeholder(a) ?? this.expr(a)).join(", ")})`;
  }

  /** CHAR(n) and VARCHAR(n) keep at most n characters, as in MySQL and PostgreSQL; DuckDB ignores n. */
  protected override cast(e: Expression, t: CastType): string {
    if (t.name === "CHAR" || (t.name === "VARCHAR" && t.length !== null)) {
      return `left(CAST(${this.castOperand(e, t)} AS VARCHAR), ${t.length ?? 1})`;
    }
    return super.cast(e, t);
  }

  /** A boolean cast to a string is '1' or '0', as on MariaDB (whose BOOLEAN is a TINYINT): DuckDB wrote 'true'. */
  protected override castOperand(e: Expression, t: CastType): string {
    if ((t.name === "CHAR" || t.name === "VARCHAR") && typeOf(e).datatype === "boolean") return `CAST(${this.expr(e)} AS INTEGER)`;
    return super.castOperand(e, t);
  }

  protected timestampText(sql: string): string {
    return `regexp_replace(strftime(${sql}, '%Y-%m-%dT%H:%M:%S.%g'), '\\.000$', '')`;
  }

  protected override castType(t: CastType, e: Expression): string {
    switch (t.name) {
      case "CHAR": case "VARCHAR": return "VARCHAR";
      case "DOUBLE PRECISION": return "DOUBLE";
      default: return super.castType(t, e);
    }
  }
}

const DUCKDB_TRAITS: DialectTraits = {
  databaseName: "DuckDB",
  bmpNamesOnly: false,
  serverResidues: false,
  chunkPruning: false,
  computedBoxes: true,
  // Region columns are tested by the region functions (geometry/region-functions-duckdb.ts) on their text.
  binaryPolygonColumns: "none",
  shapeColumnsArePolygons: false,
  concatOperator: true,
  integerDivision: "//",
  // DuckDB's bit operators are signed already.
  signedBitwiseCast: false,
  // DuckDbGenerator.round and truncate compute in DOUBLE whatever is not exact (their own arithmetic).
  castBeforeRounding: true,
  // DuckDB divides DECIMALs into a DOUBLE, and averages integers as one.
  decimalQuotients: false,
  floatNarrowing: true,
  inlineScisql: true,
  // The DuckDB backend keeps statements prepared by SQL text (one per cone shape, whatever the centre).
  numberedParameters: true,
};

/** DuckDB, embedded: a declination range beside each constant spatial constraint (row-group skipping). */
export const duckdb = {
  name: "duckdb",
  traits: DUCKDB_TRAITS,
  passes: [["bound-declination", boundDeclination]],
  generator: () => new DuckDbGenerator(DUCKDB_TRAITS),
} as const satisfies DialectDefinition<"duckdb">;
