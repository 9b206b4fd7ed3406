/**
 * Whether SQL expressions may be written more than once in a statement and still mean one value:
 * the inline forms of the scisql functions (geometry/inline-sql.ts) repeat each argument several
 * times. Columns, literals, arithmetic and the deterministic ADQL functions qualify; RAND, subqueries,
 * user-defined functions (which may not be deterministic) and aggregates (costly to repeat) do not.
 */
import type { Expression } from "../ast/nodes.js";

function repeatable(e: Expression): boolean {
  switch (e.kind) {
    case "ColumnRef": case "NumberLiteral": case "NullLiteral":
      return true;
    case "UnaryExpr":
      return repeatable(e.operand);
    case "BinaryExpr":
      return e.op !== "||" && repeatable(e.left) && repeatable(e.right);
    case "FunctionCall":
      return e.name !== "RAND" && e.args.every(repeatable);
    case "SqlFunctionCall":
      // The IN_UNIT product and the clamps of a BOX are arithmetic.
      return (e.name === "" || e.name === "GREATEST" || e.name === "LEAST") && e.args.every(repeatable);
    default:
      return false;
  }
}

export function isRepeatable(args: readonly Expression[]): boolean {
  return args.every(repeatable);
}
