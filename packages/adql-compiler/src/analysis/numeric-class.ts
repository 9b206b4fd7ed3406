/**
 * Whether the databases compute a numeric expression exactly (integers and DECIMAL) or in binary
 * floating point. The two round differently (MariaDB's ROUND(2.5) is 3 but ROUND(2.5e0) is 2, like
 * PostgreSQL's numeric and double precision), and the generators need to know which they have to give
 * the same answer on every backend.
 *
 * The rules are those that MariaDB/MySQL and DuckDB share: integer and decimal literals are exact,
 * literals with an exponent are DOUBLE; integer columns are exact, float and double columns are not;
 * + - * of exact values stay exact and anything with a double becomes a double. Where the engines
 * disagree (a decimal divided by a decimal is DECIMAL in MariaDB but DOUBLE in DuckDB; AVG of
 * integers) or the type is not known, the answer is "unknown", and generators convert to DOUBLE.
 */
import type { Expression, NumberLiteral } from "../ast/nodes.js";
import { BUILTINS } from "../builtins.js";
import { isIntegerType, typeOf } from "./types.js";

export type NumericClass = "exact" | "double" | "unknown";

function join(a: NumericClass, b: NumericClass): NumericClass {
  if (a === "double" || b === "double") return "double";
  return a === "exact" && b === "exact" ? "exact" : "unknown";
}

/**
 * A decimal literal of more than 38 digits: DuckDB reads it as a DOUBLE (its DECIMAL holds 38), and
 * MariaDB silently loses digits beyond its DECIMAL(65, 38) (a 100-digit one saturates to 65 nines), so
 * the generators write it with an exponent, a double on both.
 */
export function isWideDecimal(e: NumberLiteral): boolean {
  if (e.form !== "decimal" || e.text.length <= 39) return false;
  const [int = "", frac = ""] = e.text.split(".");
  return int.replace(/^0+/, "").length + frac.length > 38;
}

export function numericClass(e: Expression): NumericClass {
  switch (e.kind) {
    case "NumberLiteral":
      return e.form === "real" || isWideDecimal(e) ? "double" : "exact";
    case "ColumnRef": {
      const t = typeOf(e);
      if (isIntegerType(t)) return "exact";
      return (t.datatype === "double" || t.datatype === "float") && (t.arraysize === undefined || t.arraysize === "1") ? "double" : "unknown";
    }
    case "UnaryExpr":
      return e.op === "~" ? "exact" : numericClass(e.operand);
    case "BinaryExpr": {
      const c = join(numericClass(e.left), numericClass(e.right));
      if (e.op === "/" && c === "exact") {
        // Integer division (docs/adr/0002) is exact; a decimal quotient is not the same on every engine.
        return isIntegerType(typeOf(e.left)) && isIntegerType(typeOf(e.right)) ? "exact" : "unknown";
      }
      return e.op === "||" ? "unknown" : c;
    }
    case "FunctionCall": {
      // From the function's result in builtins.ts: a rule over its arguments, or a fixed type.
      const result = BUILTINS[e.name].result;
      switch (result) {
        case "keepFirst": case "rounded": return numericClass(e.args[0]!);
        case "arithmetic": return join(numericClass(e.args[0]!), numericClass(e.args[1]!));
        case "firstKnown": case "common": case "text": return "unknown";
        case "inUnit": return "double";
        default: return result.datatype === "double" ? "double" : isIntegerType(result) ? "exact" : "unknown";
      }
    }
    case "SqlFunctionCall":
      // IN_UNIT's product has an unnamed wrapper; scisql_angSep and the like return DOUBLE.
      if (e.name === "") return numericClass(e.args[0]!);
      return e.type.datatype === "double" ? "double" : "unknown";
    case "Aggregate":
      if (e.name === "COUNT") return "exact";
      if (e.arg === null) return "unknown";
      if (e.name === "AVG") return numericClass(e.arg) === "double" ? "double" : "unknown";
      return numericClass(e.arg);
    case "Cast":
      switch (e.target.name) {
        case "SMALLINT": case "INTEGER": case "BIGINT": return "exact";
        case "REAL": case "DOUBLE PRECISION": return "double";
        default: return "unknown";
      }
    default:
      return "unknown";
  }
}
