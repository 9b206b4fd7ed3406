/**
 * Passes: ADQL geometry (ADQL 2.1 §4.2) to scisql (qserv/README §b).
 *
 * check-coordinate-systems: the only frame is ICRS. An empty string, NULL or a string that starts
 * with ICRS is accepted; anything else is a positioned error. The argument is then dropped.
 *
 * geometry-to-scisql:
 * - CONTAINS(POINT, CIRCLE|BOX|POLYGON) and INTERSECTS with a POINT on either side become
 *   scisql_s2PtInCircle / s2PtInBox / s2PtInCPoly, which return 1 or 0 as CONTAINS does; a
 *   comparison with a constant is normalised to `scisql_...(...) = n` (the form Qserv prunes on).
 * - DISTANCE becomes scisql_angSep; COORD1 and COORD2 of a POINT become its coordinates;
 *   COORDSYS is 'ICRS'.
 * - BOX is read as a box of coordinate ranges (centre ± half width and height, wrapping at RA 0/360),
 *   as scisql and pgsphere read it (see geometry/box.ts for why this is not ADQL's great-circle box).
 * - A POINT, CIRCLE or POLYGON in the select list becomes a DALI array of its numbers.
 * - What has no equivalent (AREA, CENTROID of a polygon, REGION, geometry-valued columns, shapes
 *   compared or used elsewhere) is a positioned "not supported" error.
 *
 * scisql answers 0 when a coordinate is NULL, so `CONTAINS(...) = 0` includes rows without a
 * position: the same answer on every dialect, because the MariaDB and DuckDB functions copy scisql.
 */
import type {
  Box, Circle, Comparison, Expression, FunctionCall, Node, PointArgument, Polygon, Query, SelectColumn, Span,
} from "../ast/nodes.js";
import { forEachNode, transform } from "../ast/transform.js";
import { AdqlError } from "../errors.js";
import { adqlBoxToLonLatBox } from "../geometry/box.js";
import { checkPolygon } from "@qserv-tap/sky";
import { constantValue, foldConstant, numberExpression } from "./constants.js";
import type { PassContext } from "./context.js";

const INT = { datatype: "int" } as const;
const ANGLE = { datatype: "double", unit: "deg", ucd: "pos.angDistance" } as const;

function unsupported(what: string, span: Span, instead?: string): AdqlError {
  return new AdqlError("ADQL_UNSUPPORTED", `not supported: ${what}${instead ? `; ${instead}` : ""}`, span);
}

export function checkCoordinateSystems(query: Query, _ctx: PassContext): Query {
  return transform(query, (n) => {
    if (n.kind !== "Point" && n.kind !== "Circle" && n.kind !== "Box" && n.kind !== "Polygon") return undefined;
    const cs = n.coordSys;
    if (cs === null) return undefined;
    if (cs.kind === "StringLiteral") {
      const v = cs.value.trim().toUpperCase();
      if (v !== "" && v !== "ICRS" && !v.startsWith("ICRS ")) {
        throw new AdqlError("ADQL_BAD_COORDSYS", `coordinate system '${cs.value}' is not supported: positions are ICRS; write '' or 'ICRS'`, cs.span);
      }
    }
    return { ...n, coordSys: null };
  });
}

/** The two coordinates of a point argument, or an error naming what it is. */
function pointCoordinates(p: PointArgument, fn: string): [Expression, Expression] {
  if (p.kind === "Coordinates" || p.kind === "Point") return [p.x, p.y];
  if (p.kind === "ColumnRef") {
    throw unsupported(`a geometry-valued column as a point in ${fn}`, p.span, "use POINT('ICRS', ra, dec) with the position columns");
  }
  throw unsupported(`${describeGeometry(p)} as a point in ${fn}`, p.span, "use POINT('ICRS', ra, dec)");
}

function describeGeometry(e: Expression): string {
  switch (e.kind) {
    case "FunctionCall": return `${e.name}(...)`;
    case "ColumnRef": return `column ${e.parts.map((p) => p.name).join(".")}`;
    case "Point": case "Circle": case "Box": case "Polygon": case "Region": return `${e.kind.toUpperCase()}(...)`;
    default: return "this expression";
  }
}

function call(name: string, args: Expression[], span: Span, type: { datatype: "int" | "double"; unit?: string; ucd?: string }): Expression {
  return { kind: "SqlFunctionCall", name, args, type, span };
}

/** Constant-folded argument: Qserv prunes only on literal constants. */
const folded = foldConstant;

function pointInCircle(x: Expression, y: Expression, c: Circle): Expression {
  const [cx, cy] = pointCoordinates(c.center, "CIRCLE");
  return call("scisql_s2PtInCircle", [x, y, folded(cx), folded(cy), folded(c.radius)], c.span, INT);
}

function pointInBox(x: Expression, y: Expression, b: Box, ctx: PassContext): Expression {
  const [cx, cy] = pointCoordinates(b.center, "BOX");
  const values = [cx, cy, b.width, b.height].map(constantValue);
  if (values.every((v) => v !== undefined)) {
    const [lon, lat, w, h] = values as [number, number, number, number];
    let box;
    try {
      box = adqlBoxToLonLatBox(lon, lat, w, h);
    } catch (e) {
      throw new AdqlError("ADQL_BAD_ARGUMENTS", (e as Error).message, b.span);
    }
    const s = b.span;
    return call("scisql_s2PtInBox", [x, y, numberExpression(box.lonMin, s), numberExpression(box.latMin, s), numberExpression(box.lonMax, s), numberExpression(box.latMax, s)], s, INT);
  }
  // Not constant: scisql wraps a longitude range given outside [0, 360) itself; latitudes are clamped.
  const s = b.span;
  const half = (e: Expression): Expression => ({ kind: "BinaryExpr", op: "/", left: e, right: { kind: "NumberLiteral", text: "2.0", form: "decimal", span: s }, span: s });
  const plus = (a: Expression, b2: Expression): Expression => ({ kind: "BinaryExpr", op: "+", left: a, right: b2, span: s });
  const minus = (a: Expression, b2: Expression): Expression => ({ kind: "BinaryExpr", op: "-", left: a, right: b2, span: s });
  const clamp = (fn: "GREATEST" | "LEAST", bound: number, e: Expression): Expression => call(fn, [numberExpression(bound, s), e], s, { datatype: "double" });
  if (ctx.dialect === "qserv") {
    throw unsupported("a BOX whose centre or size is not a constant on Qserv", b.span, "give the BOX as numbers, or use a POLYGON");
  }
  return call("scisql_s2PtInBox", [
    x, y,
    minus(cx, half(b.width)), clamp("GREATEST", -90, minus(cy, half(b.height))),
    plus(cx, half(b.width)), clamp("LEAST", 90, plus(cy, half(b.height))),
  ], s, INT);
}

function pointInPolygon(x: Expression, y: Expression, p: Polygon): Expression {
  const coords: Expression[] = p.vertices.flatMap((v) => pointCoordinates(v, "POLYGON")).map(folded);
  const values = coords.map(constantValue);
  if (values.every((v) => v !== undefined)) {
    const check = checkPolygon(values as number[]);
    if (!check.ok) throw new AdqlError("ADQL_BAD_POLYGON", `${check.reason}; scisql takes convex polygons of 3 to 20 vertices`, p.span);
  } else if (coords.length / 2 > 20) {
    // Vertices that are not constants are allowed (scisql checks them row by row), but not too many.
    throw new AdqlError("ADQL_BAD_POLYGON", `a polygon of ${coords.length / 2} vertices; scisql takes at most 20`, p.span);
  }
  return call("scisql_s2PtInCPoly", [x, y, ...coords], p.span, INT);
}

/** `CONTAINS(point, shape)` as a scisql predicate (1 or 0). */
function containsPoint(point: Expression, shape: Expression, span: Span, ctx: PassContext): Expression {
  const [x, y] = pointCoordinates(point, "CONTAINS");
  switch (shape.kind) {
    case "Circle": return pointInCircle(x, y, shape);
    case "Box": return pointInBox(x, y, shape, ctx);
    case "Polygon": return pointInPolygon(x, y, shape);
    case "Point":
      throw unsupported("CONTAINS of a point in a point", span, "compare DISTANCE(...) with a small radius");
    case "Region":
      throw unsupported("REGION", shape.span, "use CIRCLE, BOX or POLYGON");
    default:
      throw unsupported(`${describeGeometry(shape)} as the region of CONTAINS`, shape.span, "use CIRCLE, BOX or POLYGON");
  }
}

function isPointLike(e: Expression): boolean {
  return e.kind === "Point";
}

function geometryCall(f: FunctionCall, ctx: PassContext): Expression | undefined {
  switch (f.name) {
    case "CONTAINS":
      return containsPoint(f.args[0]!, f.args[1]!, f.span, ctx);
    case "INTERSECTS": {
      const [a, b] = f.args as [Expression, Expression];
      if (isPointLike(a)) return containsPoint(a, b, f.span, ctx);
      if (isPointLike(b)) return containsPoint(b, a, f.span, ctx);
      throw unsupported("INTERSECTS of two regions", f.span, "one argument must be a POINT");
    }
    case "DISTANCE": {
      const args = f.args.length === 4 ? [...f.args] : [...pointCoordinates(f.args[0]!, "DISTANCE"), ...pointCoordinates(f.args[1]!, "DISTANCE")];
      return call("scisql_angSep", args.map(folded), f.span, ANGLE);
    }
    case "COORD1": case "COORD2": {
      const [x, y] = pointCoordinates(f.args[0]!, f.name);
      return f.name === "COORD1" ? x : y;
    }
    case "COORDSYS":
      return { kind: "StringLiteral", value: "ICRS", span: f.span };
    case "AREA":
      throw unsupported("AREA", f.span, "compute the area from the shape's parameters");
    case "CENTROID": {
      const g = f.args[0]!;
      if (g.kind === "Circle" || g.kind === "Box") {
        const [x, y] = pointCoordinates(g.center, "CENTROID");
        return { kind: "Point", coordSys: null, x, y, span: f.span };
      }
      throw unsupported(`CENTROID of ${describeGeometry(g)}`, f.span, "CENTROID is available for CIRCLE and BOX");
    }
    default:
      return undefined;
  }
}

/** `CONTAINS(...) = 1` and `1 = CONTAINS(...)` become `scisql_...(...) = 1`: the predicate first. */
function normaliseComparison(c: Comparison): Expression | undefined {
  const isPred = (e: Expression): boolean => e.kind === "SqlFunctionCall" && e.name.startsWith("scisql_s2PtIn");
  if (!isPred(c.left) && isPred(c.right) && c.left.kind === "NumberLiteral") {
    const flipped: Record<string, Comparison["op"]> = { "=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<=" };
    return { ...c, left: c.right, right: c.left, op: flipped[c.op]! };
  }
  return undefined;
}

function daliArray(e: Expression): Expression | undefined {
  switch (e.kind) {
    case "Point":
      return { kind: "DaliArray", xtype: "point", items: [e.x, e.y], span: e.span };
    case "Circle": {
      const [x, y] = pointCoordinates(e.center, "CIRCLE");
      return { kind: "DaliArray", xtype: "circle", items: [x, y, e.radius], span: e.span };
    }
    case "Polygon":
      return { kind: "DaliArray", xtype: "polygon", items: e.vertices.flatMap((v) => pointCoordinates(v, "POLYGON")), span: e.span };
    default:
      return undefined;
  }
}

export function geometryToScisql(query: Query, ctx: PassContext): Query {
  const out = transform(query, (n: Node) => {
    switch (n.kind) {
      case "FunctionCall": return geometryCall(n, ctx);
      case "Comparison": return normaliseComparison(n);
      case "SelectColumn": {
        const arr = daliArray(n.expr);
        return arr ? ({ ...n, expr: arr } satisfies SelectColumn) : undefined;
      }
      default: return undefined;
    }
  });
  // Whatever geometry is left has no SQL equivalent where it stands.
  forEachNode(out, (n) => {
    switch (n.kind) {
      case "Point": case "Circle": case "Box": case "Polygon":
        throw unsupported(`${n.kind.toUpperCase()} here`, n.span, "geometries may be selected, or used in CONTAINS, INTERSECTS and DISTANCE");
      case "Region":
        throw unsupported("REGION", n.span, "use CIRCLE, BOX or POLYGON");
      case "DaliArray":
        return false;
      default:
        return true;
    }
  });
  return out;
}
