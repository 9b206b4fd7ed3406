/** Literal numbers: reading them (with constant folding) and writing them back as AST. */
import type { Expression, NumberLiteral, Span } from "../ast/nodes.js";

/** A folded constant: its value, and whether SQL would type it as an integer. */
interface Folded {
  readonly value: number;
  readonly integer: boolean;
}

function fold(e: Expression): Folded | undefined {
  switch (e.kind) {
    case "NumberLiteral":
      return e.form === "hex"
        ? { value: Number(BigInt(e.text)), integer: true }
        : { value: Number(e.text), integer: e.form === "integer" };
    case "UnaryExpr": {
      if (e.op === "~") return undefined;
      const v = fold(e.operand);
      return v === undefined ? undefined : e.op === "-" ? { value: -v.value, integer: v.integer } : v;
    }
    case "BinaryExpr": {
      const l = fold(e.left);
      const r = fold(e.right);
      if (l === undefined || r === undefined) return undefined;
      const integer = l.integer && r.integer;
      switch (e.op) {
        case "+": return { value: l.value + r.value, integer };
        case "-": return { value: l.value - r.value, integer };
        case "*": return { value: l.value * r.value, integer };
        case "/":
          if (r.value === 0) return undefined;
          // Integer operands divide as integers, truncating toward zero (docs/adr/0002), as the
          // generators write them: folding must not give a different number than the SQL would.
          return { value: integer ? Math.trunc(l.value / r.value) : l.value / r.value, integer };
        default: return undefined;
      }
    }
    default:
      return undefined;
  }
}

/**
 * The value of a constant numeric expression (literals, signs and + - * / of constants), as a
 * double, or undefined. Used for geometry arguments, where Qserv needs literal constants to prune.
 * `/` of two integers is integer division, as in the generated SQL (7/2 = 3).
 */
export function constantValue(e: Expression): number | undefined {
  return fold(e)?.value;
}

/** Whether folding `e` truncates a quotient: a `/` of two integers whose exact quotient is not a whole number (1/60). */
export function truncatesIntegerDivision(e: Expression): boolean {
  switch (e.kind) {
    case "UnaryExpr":
      return truncatesIntegerDivision(e.operand);
    case "BinaryExpr": {
      if (truncatesIntegerDivision(e.left) || truncatesIntegerDivision(e.right)) return true;
      if (e.op !== "/") return false;
      const [l, r] = [fold(e.left), fold(e.right)];
      return l !== undefined && r !== undefined && l.integer && r.integer && r.value !== 0 && l.value % r.value !== 0;
    }
    default:
      return false;
  }
}

/** Whether `e` is a number as Qserv's grammar takes it in a restrictor: `[-]literal` (qserv/README §a). */
export function isSignedLiteral(e: Expression): boolean {
  if (e.kind === "NumberLiteral") return true;
  return e.kind === "UnaryExpr" && e.op === "-" && e.operand.kind === "NumberLiteral";
}

/** A double as ADQL/SQL: the shortest text that reads back to the same double, sign as a unary minus. */
export function numberExpression(value: number, span: Span): Expression {
  return value < 0 || Object.is(value, -0) ? { kind: "UnaryExpr", op: "-", operand: literal(-value, span), span } : literal(value, span);
}

function literal(v: number, span: Span): NumberLiteral {
  // String(number) writes an exponent with a lower-case e only; includes() is a third of a regular expression's cost here.
  const text = String(v);
  return { kind: "NumberLiteral", text, form: text.includes("e") ? "real" : text.includes(".") ? "decimal" : "integer", span };
}

/** `e` folded to a literal when it is a finite constant; otherwise `e` itself. */
export function foldConstant(e: Expression): Expression {
  if (isSignedLiteral(e)) return e;
  const v = constantValue(e);
  return v === undefined || !Number.isFinite(v) ? e : numberExpression(v, e.span);
}
