/**
 * The server's half of a split Qserv query: a select-list expression that Qserv cannot compute (CASE,
 * CAST), evaluated over one result row as the mysql dialect has MariaDB evaluate it (sql/dialects/mysql.ts):
 * NULL propagates through arithmetic, comparisons and functions, and AND/OR/NOT are three-valued;
 * integer / integer is MariaDB's DIV (toward zero), other arithmetic is in doubles; a division by zero,
 * SQRT or LOG outside their domain are NULL; strings compare as MariaDB's default collation does
 * (case-insensitively, trailing spaces ignored); a FLOAT column is read at its single-precision value; CAST follows the mysql dialect's types (SIGNED rounds,
 * CHAR(n) cuts to n characters, REAL is a single-precision float).
 *
 * The expression is the compiler's AST, whose column references name the hidden SQL columns that Qserv
 * returns (`inputs`). Only the constructs in `residueSupport` reach here: the compiler refuses the others.
 */
import type { Expression } from "../ast/nodes.js";
import { isIntegerType, typeOf } from "../analysis/types.js";
import { BUILTIN_NAMES, BUILTINS } from "../builtins.js";

/** A value of a row: what the database drivers hand over (numbers, bigints, strings, dates), or null. */
export type ResidueValue = number | bigint | string | boolean | Date | null;

/** Why a construct cannot be computed by the server, or undefined if it can. */
export function residueSupport(e: Expression): string | undefined {
  switch (e.kind) {
    case "NumberLiteral": case "StringLiteral": case "NullLiteral": case "ColumnRef":
      return undefined;
    case "UnaryExpr":
      return e.op === "~" ? "~" : residueSupport(e.operand);
    case "BinaryExpr":
      if (e.op === "&" || e.op === "|" || e.op === "^") return `the bit operation ${e.op}`;
      return residueSupport(e.left) ?? residueSupport(e.right);
    case "Comparison": return residueSupport(e.left) ?? residueSupport(e.right);
    case "Between": return residueSupport(e.expr) ?? residueSupport(e.low) ?? residueSupport(e.high);
    case "InPredicate":
      if (!Array.isArray(e.values)) return "IN with a subquery";
      return residueSupport(e.expr) ?? firstOf(e.values as readonly Expression[]);
    case "NullPredicate": return residueSupport(e.expr);
    case "LogicalExpr": return residueSupport(e.left) ?? residueSupport(e.right);
    case "NotExpr": return residueSupport(e.operand);
    case "CaseExpr":
      return (e.operand ? residueSupport(e.operand) : undefined) ??
        firstOf(e.whens.flatMap((w) => [w.when, w.then])) ?? (e.else ? residueSupport(e.else) : undefined);
    case "Cast":
      if (e.target.name === "TIMESTAMP" || e.target.name === "POINT" || e.target.name === "CIRCLE" || e.target.name === "POLYGON") return `CAST AS ${e.target.name}`;
      return residueSupport(e.expr);
    case "FunctionCall":
      if (!serverFunctions.has(e.name)) return e.name;
      return firstOf(e.args);
    default:
      return e.kind === "Aggregate" ? "an aggregate" : e.kind;
  }
}

function firstOf(es: readonly Expression[]): string | undefined {
  for (const x of es) {
    const why = residueSupport(x);
    if (why !== undefined) return why;
  }
  return undefined;
}

/** The ADQL functions that the server computes (FunctionCall names). */
export const serverFunctions: ReadonlySet<string> = new Set(BUILTIN_NAMES.filter((name) => BUILTINS[name].server));

type Value = number | bigint | string | null;

function normal(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString().replace("T", " ").replace("Z", "");
  return String(v);
}

/** A string as MariaDB reads a number from it: its longest numeric prefix, 0 if none. */
function num(v: number | bigint | string): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(v);
  return m ? Number(m[0]) : 0;
}

function isInteger(e: Expression, v: number | bigint | string): boolean {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v) && isIntegerType(typeOf(e)));
}

/** MariaDB's text of a number (CONCAT, CAST AS CHAR). */
function text(v: number | bigint | string): string {
  if (typeof v !== "number") return String(v);
  return String(v).replace(/e\+/, "e");
}

/**
 * A value's text in a CAST to a string: a timestamp, which Qserv sends as MariaDB's `YYYY-MM-DD hh:mm:ss[.ffffff]`,
 * in DALI's form with milliseconds where they are not 0, as the generators write it (SqlGenerator.castOperand).
 */
function castText(v: number | bigint | string, arg: Expression): string {
  if (typeof v !== "string" || typeOf(arg).xtype !== "timestamp") return text(v);
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?$/.exec(v);
  if (!m) return v;
  const ms = (m[3] ?? "").padEnd(3, "0").slice(0, 3);
  return `${m[1]}T${m[2]}${ms === "000" ? "" : `.${ms}`}`;
}

/** Truth of a condition: NULL, or whether the number is not 0. */
function truth(v: Value): boolean | null {
  return v === null ? null : num(v) !== 0;
}

function fromTruth(b: boolean | null): Value {
  return b === null ? null : b ? 1 : 0;
}

function compareValues(a: number | bigint | string, b: number | bigint | string): number {
  if (typeof a === "string" && typeof b === "string") {
    // utf8mb4_general_ci / PAD SPACE: case ignored, trailing spaces ignored.
    const x = a.replace(/ +$/, "").toLowerCase();
    const y = b.replace(/ +$/, "").toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  const x = num(a);
  const y = num(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function roundHalfAway(x: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.sign(x) * Math.round(Math.abs(x) * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** MariaDB rounds a double half to even (its rint), an exact value half away from zero. */
function roundValue(v: number | bigint | string, digits: number, exact: boolean): number | bigint {
  if (typeof v === "bigint") return v;
  const x = num(v);
  if (exact) return roundHalfAway(x, digits);
  const f = 10 ** digits;
  const y = x * f;
  const r = Math.round(y);
  const even = Math.abs(y - Math.trunc(y)) === 0.5 ? 2 * Math.round(y / 2) : r;
  return even / f;
}

function truncateValue(v: number | bigint | string, digits: number): number | bigint {
  if (typeof v === "bigint") return v;
  const f = 10 ** digits;
  return Math.trunc(num(v) * f) / f;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Evaluates a residue over one row; `column(name)` is the value of the hidden SQL column `name`. */
export function evaluateResidue(e: Expression, column: (name: string) => unknown): ResidueValue {
  const ev = (x: Expression): Value => evaluate(x);
  function evaluate(x: Expression): Value {
    switch (x.kind) {
      case "NumberLiteral":
        if (x.form === "hex") return Number(BigInt(x.text));
        return Number(x.text);
      case "StringLiteral": return x.value;
      case "NullLiteral": return null;
      case "ColumnRef": {
        const v = normal(column(x.binding?.column ?? x.parts[x.parts.length - 1]!.name));
        // A FLOAT column reaches JavaScript as its shortest decimal (9.75619e-30); MariaDB computes with its exact
        // single-precision value, which Math.fround recovers.
        return typeof v === "number" && typeOf(x).datatype === "float" ? Math.fround(v) : v;
      }
      case "UnaryExpr": {
        const v = ev(x.operand);
        if (v === null || x.op === "+") return v;
        return typeof v === "bigint" ? -v : -num(v);
      }
      case "BinaryExpr": {
        const l = ev(x.left);
        const r = ev(x.right);
        if (l === null || r === null) return null;
        if (x.op === "||") return text(l) + text(r);
        const ints = isInteger(x.left, l) && isInteger(x.right, r);
        if (ints && (typeof l === "bigint" || typeof r === "bigint")) {
          const a = BigInt(l);
          const b = BigInt(r);
          switch (x.op) {
            case "+": return a + b;
            case "-": return a - b;
            case "*": return a * b;
            case "/": return b === 0n ? null : a / b;
            default: return null;
          }
        }
        const a = num(l);
        const b = num(r);
        switch (x.op) {
          case "+": return a + b;
          case "-": return a - b;
          case "*": return a * b;
          case "/": return b === 0 ? null : ints ? Math.trunc(a / b) : a / b;
          default: return null;
        }
      }
      case "Comparison": {
        const l = ev(x.left);
        const r = ev(x.right);
        if (l === null || r === null) return null;
        const c = compareValues(l, r);
        switch (x.op) {
          case "=": return fromTruth(c === 0);
          case "<>": return fromTruth(c !== 0);
          case "<": return fromTruth(c < 0);
          case ">": return fromTruth(c > 0);
          case "<=": return fromTruth(c <= 0);
          default: return fromTruth(c >= 0);
        }
      }
      case "Between": {
        const v = ev(x.expr);
        const lo = ev(x.low);
        const hi = ev(x.high);
        const ge = v === null || lo === null ? null : compareValues(v, lo) >= 0;
        const le = v === null || hi === null ? null : compareValues(v, hi) <= 0;
        const both = ge === false || le === false ? false : ge === null || le === null ? null : true;
        return fromTruth(both === null ? null : x.not ? !both : both);
      }
      case "InPredicate": {
        const v = ev(x.expr);
        if (v === null) return null;
        let sawNull = false;
        for (const item of x.values as readonly Expression[]) {
          const w = ev(item);
          if (w === null) sawNull = true;
          else if (compareValues(v, w) === 0) return fromTruth(!x.not);
        }
        return sawNull ? null : fromTruth(x.not);
      }
      case "NullPredicate": {
        const isNull = ev(x.expr) === null;
        return fromTruth(x.not ? !isNull : isNull);
      }
      case "LogicalExpr": {
        const l = truth(ev(x.left));
        const r = truth(ev(x.right));
        if (x.op === "AND") return fromTruth(l === false || r === false ? false : l === null || r === null ? null : true);
        return fromTruth(l === true || r === true ? true : l === null || r === null ? null : false);
      }
      case "NotExpr": {
        const t = truth(ev(x.operand));
        return fromTruth(t === null ? null : !t);
      }
      case "CaseExpr": {
        const operand = x.operand ? ev(x.operand) : undefined;
        for (const w of x.whens) {
          if (operand === undefined) {
            if (truth(ev(w.when)) === true) return ev(w.then);
          } else {
            const v = ev(w.when);
            if (operand !== null && v !== null && compareValues(operand, v) === 0) return ev(w.then);
          }
        }
        return x.else ? ev(x.else) : null;
      }
      case "Cast": return cast(x.target.name, x.target.length, ev(x.expr), x.expr);
      case "FunctionCall": return call(x.name, x.args.map(ev), x.args);
      default:
        throw new Error(`residue: ${x.kind} cannot be computed by the server`);
    }
  }
  const v = evaluate(e);
  return v;
}

function cast(name: string, length: number | null, v: Value, arg: Expression): Value {
  if (v === null) return null;
  switch (name) {
    case "SMALLINT": case "INTEGER": case "BIGINT": {
      // CAST AS SIGNED: an exact or floating value rounds (half away from zero); a string is read as an integer.
      if (typeof v === "bigint") return v;
      if (typeof v === "string") {
        const m = /^\s*[+-]?\d+/.exec(v);
        return m ? Number(BigInt(m[0])) : 0;
      }
      return Number.isInteger(v) && isIntegerType(typeOf(arg)) ? v : roundHalfAway(v, 0);
    }
    case "REAL": return Math.fround(num(v));
    case "DOUBLE PRECISION": return num(v);
    case "CHAR": return Array.from(castText(v, arg)).slice(0, length ?? 1).join("");
    case "VARCHAR": return length === null ? castText(v, arg) : Array.from(castText(v, arg)).slice(0, length).join("");
    default: throw new Error(`residue: CAST AS ${name} cannot be computed by the server`);
  }
}

function call(name: string, args: Value[], exprs: readonly Expression[]): Value {
  switch (name) {
    case "COALESCE": return args.find((a) => a !== null) ?? null;
    case "NULLIF": return args[0] !== null && args[1] !== null && compareValues(args[0]!, args[1]!) === 0 ? null : args[0]!;
    default: break;
  }
  if (args.some((a) => a === null)) return null;
  const a = args as (number | bigint | string)[];
  const x = (): number => num(a[0]!);
  const y = (): number => num(a[1]!);
  const exact = (i: number): boolean => isInteger(exprs[i]!, a[i]!) || exprs[i]!.kind === "NumberLiteral" && exprs[i]!.form !== "real";
  switch (name) {
    case "LOWER": return text(a[0]!).toLowerCase();
    case "UPPER": return text(a[0]!).toUpperCase();
    case "ABS": return typeof a[0] === "bigint" ? (a[0] < 0n ? -a[0] : a[0]) : Math.abs(x());
    case "CEILING": return typeof a[0] === "bigint" ? a[0] : Math.ceil(x());
    case "FLOOR": return typeof a[0] === "bigint" ? a[0] : Math.floor(x());
    case "DEGREES": return x() * 180 / Math.PI;
    case "RADIANS": return x() * Math.PI / 180;
    case "EXP": return finiteOrNull(Math.exp(x()));
    case "LOG": return x() > 0 ? Math.log(x()) : null;
    case "LOG10": return x() > 0 ? Math.log10(x()) : null;
    case "SQRT": return x() >= 0 ? Math.sqrt(x()) : null;
    case "POWER": return finiteOrNull(x() ** y());
    case "MOD": {
      if (y() === 0) return null;
      if (isInteger(exprs[0]!, a[0]!) && isInteger(exprs[1]!, a[1]!)) return Number(BigInt(a[0]!) % BigInt(a[1]!));
      return x() % y();
    }
    case "ROUND": return roundValue(a[0]!, a[1] === undefined ? 0 : y(), exact(0));
    case "TRUNCATE": return truncateValue(a[0]!, a[1] === undefined ? 0 : y());
    case "ACOS": return x() >= -1 && x() <= 1 ? Math.acos(x()) : null;
    case "ASIN": return x() >= -1 && x() <= 1 ? Math.asin(x()) : null;
    case "ATAN": return Math.atan(x());
    case "ATAN2": return Math.atan2(x(), y());
    case "COS": return Math.cos(x());
    case "COT": return x() === 0 ? null : 1 / Math.tan(x());
    case "SIN": return Math.sin(x());
    case "TAN": return Math.tan(x());
    default: throw new Error(`residue: ${name} cannot be computed by the server`);
  }
}
