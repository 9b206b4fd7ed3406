/**
 * DuckDB, the embedded engine, with scisql's functions registered as JS scalar functions
 * (geometry/duckdb-functions.ts).
 */
import type { BinaryExpr, BuiltinFunctionName, CastType, Expression, FunctionCall } from "../../ast/nodes.js";
import { AdqlError } from "../../errors.js";
import { SqlGenerator } from "../generator.js";

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

  /** `^` is exponentiation in DuckDB: bitwise XOR is xor(). */
  protected override binary(e: BinaryExpr): string {
    return e.op === "^" ? `xor(${this.expr(e.left)}, ${this.expr(e.right)})` : super.binary(e);
  }

  protected override builtin(name: BuiltinFunctionName, args: string[], f: FunctionCall): string {
    switch (name) {
      case "RAND":
        if (args.length > 0) throw new AdqlError("ADQL_UNSUPPORTED", "not supported: RAND with a seed on DuckDB; use RAND()", f.span);
        return "random()";
      case "TRUNCATE":
        return args[1] === undefined || args[1] === "0" ? `trunc(${args[0]})` : `(trunc((${args[0]}) * power(10, ${args[1]})) / power(10, ${args[1]}))`;
      default: return super.builtin(name, args, f);
    }
  }

  protected override castType(t: CastType, e: Expression): string {
    switch (t.name) {
      case "CHAR": case "VARCHAR": return "VARCHAR";
      case "DOUBLE PRECISION": return "DOUBLE";
      default: return super.castType(t, e);
    }
  }
}
