/** Literal numbers: reading them (with constant folding) and writing them back as AST. */
import type { Expression, NumberLiteral, Span } from "../ast/nodes.js";

/**
 * The value of a constant numeric expression (literals, signs and + - * / of constants), as a
 * double, or undefined. Used for geometry arguments, where Qserv needs literal constants to prune.
 */
export function constantValue(e: Expression): number | undefined {
  switch (e.kind) {
    case "NumberLiteral":
      return e.form === "hex" ? Number(BigInt(e.text)) : Number(e.text);
    case "UnaryExpr": {
      if (e.op === "~") return undefined;
      const v = constantValue(e.operand);
      return v === undefined ? undefined : e.op === "-" ? -v : v;
    }
    case "BinaryExpr": {
      const l = constantValue(e.left);
      const r = constantValue(e.right);
      if (l === undefined || r === undefined) return undefined;
      switch (e.op) {
        case "+": return l + r;
        case "-": return l - r;
        case "*": return l * r;
        case "/": return r === 0 ? undefined : l / r;
        default: return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** A double as ADQL/SQL: the shortest text that reads back to the same double, sign as a unary minus. */
export function numberExpression(value: number, span: Span): Expression {
  const lit = (v: number): NumberLiteral => {
    const text = String(v);
    return { kind: "NumberLiteral", text, form: /[eE]/.test(text) ? "real" : /\./.test(text) ? "decimal" : "integer", span };
  };
  return value < 0 || Object.is(value, -0) ? { kind: "UnaryExpr", op: "-", operand: lit(-value), span } : lit(value);
}
