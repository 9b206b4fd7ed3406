/**
 * Node constructors used by the parser's embedded actions. They hold the rules that the ADQL BNF
 * expresses through its typed non-terminals (`<numeric_value_expression>`, `<search_condition>`,
 * `<coord_value>`...), which a single expression grammar cannot: a condition is not a value, a geometry
 * is not a number, a CIRCLE centre is a point. Each violation is an AdqlError with the node's span.
 */
import type {
  BuiltinFunctionName, Circle, Box, Coordinates, Expression, FunctionCall, Point, PointArgument, Polygon,
  Span, UserFunctionCall, Identifier, CoordSys,
} from "../ast/nodes.js";
import { AdqlError } from "../errors.js";
import { suggest } from "../analysis/names.js";
import { BUILTINS, type ArgumentForm, type Signature } from "../builtins.js";
import { describeArity, type FunctionRegistry } from "./functions.js";

const CONDITION_KINDS: ReadonlySet<Expression["kind"]> = new Set([
  "Comparison", "Between", "InPredicate", "LikePredicate", "NullPredicate", "Exists", "LogicalExpr", "NotExpr",
]);

export function isCondition(e: Expression): boolean {
  return CONDITION_KINDS.has(e.kind);
}

/** Values that are certainly geometries, whatever the schema says. */
export function isGeometry(e: Expression): boolean {
  switch (e.kind) {
    case "Point": case "Circle": case "Box": case "Polygon": case "Region":
      return true;
    case "FunctionCall":
      return e.name === "CENTROID";
    case "Cast":
      return e.target.name === "POINT" || e.target.name === "CIRCLE" || e.target.name === "POLYGON";
    default:
      return false;
  }
}

export function describe(e: Expression): string {
  switch (e.kind) {
    case "ColumnRef": return `column ${e.parts.map((p) => p.name).join(".")}`;
    case "NumberLiteral": return `number ${e.text}`;
    case "StringLiteral": return "a string literal";
    case "NullLiteral": return "NULL";
    case "FunctionCall": return `${e.name}(...)`;
    case "UserFunctionCall": return `${e.name.name}(...)`;
    case "Aggregate": return `${e.name}(...)`;
    case "Point": case "Circle": case "Box": case "Polygon": case "Region": return `${e.kind.toUpperCase()}(...)`;
    case "Comparison": return `a comparison (${e.op})`;
    case "Between": return "a BETWEEN predicate";
    case "InPredicate": return "an IN predicate";
    case "LikePredicate": return e.caseInsensitive ? "an ILIKE predicate" : "a LIKE predicate";
    case "NullPredicate": return "an IS NULL predicate";
    case "Exists": return "an EXISTS predicate";
    case "LogicalExpr": return `a condition with ${e.op}`;
    case "NotExpr": return "a NOT condition";
    case "BinaryExpr": return `an expression with '${e.op}'`;
    case "UnaryExpr": return `an expression with unary '${e.op}'`;
    case "Cast": return "CAST(...)";
    case "CaseExpr": return "CASE ... END";
    case "ScalarSubquery": return "a subquery";
    case "SqlFunctionCall": return `${e.name}(...)`;
    case "DaliArray": return `a ${e.xtype}`;
  }
}

function typeError(message: string, span: Span): AdqlError {
  return new AdqlError("ADQL_TYPE_ERROR", message, span);
}

/** A value where the grammar wants a `<value_expression>`: anything but a condition. */
export function value(e: Expression, where: string): Expression {
  if (isCondition(e)) throw typeError(`${describe(e)} cannot be used as a value ${where}`, e.span);
  return e;
}

/** An operand of arithmetic, concatenation or a numeric function: a value that is not a geometry. */
export function scalar(e: Expression, where: string): Expression {
  value(e, where);
  if (isGeometry(e)) throw typeError(`a geometry, ${describe(e)}, cannot be used ${where}`, e.span);
  return e;
}

/** A `<search_condition>` where one is required (WHERE, HAVING, ON, AND/OR/NOT, CASE WHEN). */
export function condition(e: Expression, where: string): Expression {
  if (!isCondition(e)) {
    throw typeError(
      `expected a condition ${where} (a comparison, BETWEEN, IN, LIKE, IS NULL or EXISTS), but found ${describe(e)}`,
      e.span,
    );
  }
  return e;
}

function isIntegerLiteral(e: Expression): boolean {
  return e.kind === "NumberLiteral" && e.form === "integer";
}

/** `<coord_value> ::= <point_value> | <column_reference>`, `<point_value>` being POINT, CENTROID or a UDF. */
function isCoordValue(e: Expression): boolean {
  return e.kind === "Point" || e.kind === "ColumnRef" || e.kind === "UserFunctionCall" ||
    (e.kind === "FunctionCall" && e.name === "CENTROID") || (e.kind === "Cast" && e.target.name === "POINT");
}

const FORM_TEXT: Record<ArgumentForm, string> = {
  value: "a value",
  geometry: "a geometry",
  coord: "a point (POINT, CENTROID, a column or a user-defined function)",
  signedInteger: "an integer literal",
  unsignedInteger: "an unsigned integer literal",
  string: "a string literal",
};

function fits(e: Expression, form: ArgumentForm): boolean {
  switch (form) {
    case "value": return !isCondition(e) && !isGeometry(e);
    // The BNF's <geometry_value_expression> includes every <value_expression_primary>, literals and
    // aggregates too (the corpus's "warts" test CENTROID(3)); only the schema can say more.
    case "geometry": return !isCondition(e);
    case "coord": return isCoordValue(e);
    case "unsignedInteger": return isIntegerLiteral(e);
    case "signedInteger":
      return isIntegerLiteral(e) || (e.kind === "UnaryExpr" && e.op !== "~" && isIntegerLiteral(e.operand));
    case "string": return e.kind === "StringLiteral";
  }
}

/** A builtin call, checked against its signatures in builtins.ts. */
export function builtinCall(name: BuiltinFunctionName, args: Expression[], span: Span): FunctionCall {
  const sigs: readonly Signature[] = BUILTINS[name].signatures;
  const byArity = sigs.filter((s) => s.args.length === args.length || (s.variadic && args.length >= s.args.length));
  if (byArity.length === 0) {
    throw new AdqlError("ADQL_BAD_ARGUMENTS", `${name} takes ${describeArity(name)}, not ${args.length}`, span);
  }
  let firstMismatch: { arg: Expression; form: ArgumentForm } | undefined;
  for (const sig of byArity) {
    const bad = args.findIndex((a, i) => !fits(a, sig.args[Math.min(i, sig.args.length - 1)]!));
    if (bad < 0) return { kind: "FunctionCall", name, args, span };
    firstMismatch ??= { arg: args[bad]!, form: sig.args[Math.min(bad, sig.args.length - 1)]! };
  }
  const { arg, form } = firstMismatch!;
  if (isCondition(arg)) value(arg, `as an argument of ${name}`);
  throw new AdqlError("ADQL_BAD_ARGUMENTS", `${name} expects ${FORM_TEXT[form]} here, not ${describe(arg)}`, arg.span);
}

export function userCall(name: Identifier, args: Expression[], span: Span, registry: FunctionRegistry): UserFunctionCall {
  const def = registry.lookup(name.name);
  if (def === undefined) {
    const hint = suggest(name.name, registry.definitions().map((d) => d.name));
    throw new AdqlError("ADQL_UNKNOWN_FUNCTION", `unknown function ${name.name}`, name.span, hint ? { hint } : {});
  }
  if (args.length < def.minArgs || args.length > def.maxArgs) {
    const n = def.minArgs === def.maxArgs ? `${def.minArgs}` : def.maxArgs === Infinity ? `at least ${def.minArgs}` : `${def.minArgs} to ${def.maxArgs}`;
    throw new AdqlError("ADQL_BAD_ARGUMENTS", `${def.name} takes ${n} arguments, not ${args.length}`, span);
  }
  for (const a of args) value(a, `as an argument of ${def.name}`);
  return { kind: "UserFunctionCall", name, args, span };
}

// ---------------------------------------------------------------------------------------------
// Geometry constructors: the optional, deprecated coordinate system comes first (ADQL 2.1 §4.2.5).

function coordinates(x: Expression, y: Expression, fn: string): Coordinates {
  scalar(x, `as a coordinate of ${fn}`);
  scalar(y, `as a coordinate of ${fn}`);
  return { kind: "Coordinates", x, y, span: { start: x.span.start, end: y.span.end } };
}

function pointArgument(e: Expression, fn: string): Expression {
  if (!isCoordValue(e)) {
    throw new AdqlError("ADQL_BAD_ARGUMENTS", `${fn} expects a centre here: two coordinates or a point, not ${describe(e)}`, e.span);
  }
  return e;
}

/**
 * The coordinate system is a string literal in the BNF; NULL is accepted too, as an explicit "none"
 * (the corpus's geometry tests use POINT(NULL, 2, 3)).
 */
function splitCoordSys(args: Expression[], countWithout: (n: number) => boolean): { coordSys: CoordSys; rest: Expression[] } {
  const first = args[0];
  if ((first?.kind === "StringLiteral" || first?.kind === "NullLiteral") && !countWithout(args.length)) {
    return { coordSys: first, rest: args.slice(1) };
  }
  return { coordSys: null, rest: args };
}

function arityError(fn: string, expected: string, span: Span): AdqlError {
  return new AdqlError("ADQL_BAD_ARGUMENTS", `${fn} takes ${expected}`, span);
}

export function geometryConstructor(word: string, args: Expression[], span: Span): Expression {
  switch (word) {
    case "POINT": {
      const { coordSys, rest } = splitCoordSys(args, (n) => n === 2);
      if (rest.length !== 2) throw arityError("POINT", "([coordsys,] x, y)", span);
      const c = coordinates(rest[0]!, rest[1]!, "POINT");
      return { kind: "Point", coordSys, x: c.x, y: c.y, span } satisfies Point;
    }
    case "CIRCLE": {
      // CIRCLE('sys', x, y, r) | CIRCLE('sys', centre, r) | CIRCLE(x, y, r) | CIRCLE(centre, r)
      const { coordSys, rest } = splitCoordSys(args, (n) => n === 2);
      let center: PointArgument;
      let radius: Expression;
      if (rest.length === 3) {
        center = coordinates(rest[0]!, rest[1]!, "CIRCLE");
        radius = rest[2]!;
      } else if (rest.length === 2) {
        center = pointArgument(rest[0]!, "CIRCLE");
        radius = rest[1]!;
      } else {
        throw arityError("CIRCLE", "([coordsys,] centre, radius), the centre being a point or two coordinates", span);
      }
      scalar(radius, "as the radius of CIRCLE");
      return { kind: "Circle", coordSys, center, radius, span } satisfies Circle;
    }
    case "BOX": {
      const { coordSys, rest } = splitCoordSys(args, (n) => n === 3);
      let center: PointArgument;
      let sizes: Expression[];
      if (rest.length === 4) {
        center = coordinates(rest[0]!, rest[1]!, "BOX");
        sizes = rest.slice(2);
      } else if (rest.length === 3) {
        center = pointArgument(rest[0]!, "BOX");
        sizes = rest.slice(1);
      } else {
        throw arityError("BOX", "([coordsys,] centre, width, height), the centre being a point or two coordinates", span);
      }
      const [width, height] = sizes as [Expression, Expression];
      scalar(width, "as the width of BOX");
      scalar(height, "as the height of BOX");
      return { kind: "Box", coordSys, center, width, height, span } satisfies Box;
    }
    case "POLYGON": {
      const { coordSys, rest } = splitCoordSys(args, () => false);
      return { kind: "Polygon", coordSys, vertices: polygonVertices(rest, span), span } satisfies Polygon;
    }
    case "REGION": {
      const only = args[0];
      if (args.length !== 1 || only?.kind !== "StringLiteral") throw arityError("REGION", "one string literal", span);
      return { kind: "Region", text: only, span };
    }
    default:
      throw new Error(`not a geometry constructor: ${word}`);
  }
}

/**
 * `<polygon_vertices>`: three or more coordinate pairs, or three or more points. Without a schema, a
 * list of columns is ambiguous (`POLYGON(a, b, c, d, e, f)`): an even count of six or more that holds
 * no POINT or CENTROID is read as coordinate pairs, which is how every known service writes it.
 */
function polygonVertices(args: Expression[], span: Span): PointArgument[] {
  const hasPoint = args.some((a) => a.kind === "Point" || (a.kind === "FunctionCall" && a.name === "CENTROID"));
  if (!hasPoint && args.length >= 6 && args.length % 2 === 0) {
    const out: Coordinates[] = [];
    for (let i = 0; i < args.length; i += 2) out.push(coordinates(args[i]!, args[i + 1]!, "POLYGON"));
    return out;
  }
  if (args.length >= 3 && args.every(isCoordValue)) return args;
  const bad = args.find((a) => !isCoordValue(a));
  if (args.length >= 3 && bad && (args.length % 2 === 1 || hasPoint)) {
    throw new AdqlError(
      "ADQL_BAD_ARGUMENTS",
      `POLYGON expects its vertices as coordinate pairs or as points; ${describe(bad)} is not a point and the coordinates do not pair up`,
      bad.span,
    );
  }
  throw arityError("POLYGON", "([coordsys,] at least three vertices), each vertex a point or two coordinates", span);
}
