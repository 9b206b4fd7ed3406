/**
 * Pass: IN_UNIT(x, 'unit') (ADQL 2.1 §4.9.1) becomes x multiplied by a constant factor. The unit of x
 * comes from its type (a column's unit, kept through + and -); an expression without a known unit,
 * an unknown unit or a conversion across dimensions is a positioned error, as the standard requires.
 */
import type { NumberLiteral, Query, Span } from "../ast/nodes.js";
import { transform } from "../ast/transform.js";
import { typeOf } from "../analysis/types.js";
import { conversionFactor } from "../analysis/units.js";
import { AdqlError } from "../errors.js";
import type { PassContext } from "./context.js";

export function inUnit(query: Query, _ctx: PassContext): Query {
  return transform(query, (n) => {
    if (n.kind !== "FunctionCall" || n.name !== "IN_UNIT") return undefined;
    const [value, unitArg] = n.args;
    const target = unitArg!.kind === "StringLiteral" ? unitArg!.value : "";
    const from = typeOf(value!).unit;
    if (from === undefined || from === "") {
      throw new AdqlError("ADQL_BAD_UNIT", `IN_UNIT: the value has no unit to convert from`, value!.span);
    }
    const c = conversionFactor(from, target);
    if (!c.ok) throw new AdqlError("ADQL_BAD_UNIT", `IN_UNIT: ${c.reason}`, unitArg!.span);
    const type = { ...typeOf(value!), datatype: "double" as const, unit: target };
    return {
      kind: "SqlFunctionCall",
      name: "",
      args: [{ kind: "BinaryExpr", op: "*", left: value!, right: factorLiteral(c.factor, n.span), span: n.span }],
      type,
      span: n.span,
    };
  });
}

/**
 * The factor with an exponent, so that every engine reads it as a DOUBLE (a plain `0.001` is a
 * DECIMAL in MariaDB and DuckDB, and an integer column times a DECIMAL stays DECIMAL); the shortest
 * digits that read back to the same double, and no `+` in the exponent (Qserv's lexer has none).
 */
export function factorLiteral(factor: number, span: Span): NumberLiteral {
  const text = String(factor).replace(/e\+/, "e");
  return { kind: "NumberLiteral", text: /e/.test(text) ? text : `${text}e0`, form: "real", span };
}
