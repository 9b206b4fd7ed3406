/**
 * Pass: IN_UNIT(x, 'unit') (ADQL 2.1 §4.15.1) becomes x multiplied by a constant factor. The unit of x
 * comes from its type (a column's unit, kept through + and -); an expression without a known unit,
 * an unknown unit or a conversion across dimensions is a positioned error, as the standard requires.
 */
import type { Query } from "../ast/nodes.js";
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
      args: [{ kind: "BinaryExpr", op: "*", left: value!, right: { kind: "NumberLiteral", text: String(c.factor).replace(/e\+/, "e"), form: /e/.test(String(c.factor)) ? "real" : "decimal", span: n.span }, span: n.span }],
      type,
      span: n.span,
    };
  });
}
