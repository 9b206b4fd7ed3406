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
 * - Region-valued columns (ADQL 2.1 §4.2, catalog/regions.ts) stand wherever a geometry may: the
 *   predicates become the REGION_FUNCTIONS with (xtype, value) pairs, `tap_region_intersects('polygon',
 *   c, 'circle', '10 20 1')`; a point in a polygon column whose table has scisql's binary polygon becomes
 *   `scisql_s2PtInCPoly(x, y, c_scisql)` (always on Qserv, Rubin's form); AREA(c) and CENTROID(c) become
 *   tap_region_area and a POINT of the two centroid functions, so COORD1(CENTROID(c)) and DISTANCE of it
 *   work; a point column's coordinates are its centroid. A constant shape (CIRCLE, BOX as a DALI range,
 *   POLYGON, POINT, REGION('STC-S')) is checked and written as its DALI text; a shape with column
 *   arguments is assembled as text in SQL (CIRCLE, POLYGON; a BOX is refused). Predicates, AREA and
 *   CENTROID of constant shapes only are computed here with @qserv-tap/sky, to a number or a POINT.
 *   REGION('...') against a point becomes the scisql predicate of its shape. Qserv, which has none of the
 *   REGION_FUNCTIONS, refuses them in qserv-restrictions; bound-declination adds the pruning conjuncts.
 * - What has no equivalent (AREA or CENTROID of a shape with column arguments, shapes compared or used
 *   elsewhere) is a positioned "not supported" error.
 *
 * scisql answers 0 when a coordinate is NULL, so `CONTAINS(...) = 0` includes rows without a
 * position: the same answer on every dialect, because the MariaDB and DuckDB functions copy scisql.
 */
import type {
  Box, Circle, ColumnRef, Comparison, Expression, FunctionCall, Identifier, Node, PointArgument, Polygon, Query, SelectColumn, Span,
  ValueType,
} from "../ast/nodes.js";
import { forEachNodeButNames, transform } from "../ast/transform.js";
import { regionOf, type RegionFacts, type RegionStorageType } from "../analysis/types.js";
import { REGION_FUNCTIONS, regionStorageColumns } from "../catalog/regions.js";
import { AdqlError } from "../errors.js";
import { adqlBoxToLonLatBox } from "../geometry/box.js";
import { checkPolygon, circle, formatRegion, parseRegion, point, polygon, rangeBox, SkyError, withoutClosingVertex, type Region } from "@qserv-tap/sky";
import { constantValue, foldConstant, numberExpression, truncatesIntegerDivision } from "../analysis/constants.js";
import type { DialectPassContext } from "./context.js";

const INT = { datatype: "int" } as const;
const ANGLE = { datatype: "double", unit: "deg", ucd: "pos.angDistance" } as const;

function unsupported(what: string, span: Span, instead?: string): AdqlError {
  return new AdqlError("ADQL_UNSUPPORTED", `not supported: ${what}${instead ? `; ${instead}` : ""}`, span);
}

export function checkCoordinateSystems(query: Query, _ctx: DialectPassContext): Query {
  return transform(query, (n) => {
    const kind = n.kind; // read once: every node passes here, and each read is a megamorphic lookup
    if (kind !== "Point" && kind !== "Circle" && kind !== "Box" && kind !== "Polygon") return undefined;
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
  const stored = storedPoint(p);
  if (stored) return stored;
  if (p.kind === "ColumnRef") {
    const facts = regionOf(p);
    if (facts) throw unsupported(`a ${facts.xtype} column as a point in ${fn}`, p.span, "give a POINT, CENTROID(...) or a point column");
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

/**
 * The coordinates of a point where scisql takes one (DISTANCE, the point of CONTAINS): given as numbers, they must be a
 * position on the sphere (a latitude in [-90, 90]), since scisql takes any other as NULL and the query would match
 * nothing without a word. Expressions are left to the database, row by row. (BOX and POLYGON check their own.)
 */
function positionCoordinates(p: PointArgument, fn: string): [Expression, Expression] {
  const [x, y] = pointCoordinates(p, fn);
  checkConstantPosition(x, y, p.span);
  return [x, y];
}

function checkConstantPosition(x: Expression, y: Expression, span: Span): void {
  const [lon, lat] = [constantValue(x), constantValue(y)];
  if (lon !== undefined && lat !== undefined) skyCheck(span, "ADQL_BAD_ARGUMENTS", () => point(lon, lat));
}

function pointInCircle(x: Expression, y: Expression, c: Circle): Expression {
  const [cx, cy] = pointCoordinates(c.center, "CIRCLE");
  // A radius given as a number must make a circle (0 < r <= 180), as in AREA, REGION and SODA: scisql matches nothing
  // for a negative or infinite one, and everything beyond 180.
  const [lon, lat, r] = [cx, cy, c.radius].map(constantValue);
  if (lon !== undefined && lat !== undefined && r !== undefined) {
    if (r === 0 && truncatesIntegerDivision(c.radius)) {
      throw new AdqlError("ADQL_BAD_ARGUMENTS", "the radius is 0: a division of integers is an integer division in ADQL, as in SQL (write 1.0/60 for one arcminute)", c.radius.span);
    }
    skyCheck(c.span, "ADQL_BAD_ARGUMENTS", () => circle(lon, lat, r));
  }
  return call("scisql_s2PtInCircle", [x, y, folded(cx), folded(cy), folded(c.radius)], c.span, INT);
}

function pointInBox(x: Expression, y: Expression, b: Box, ctx: DialectPassContext): Expression {
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
  const traits = ctx.traits;
  if (!traits.computedBoxes) {
    throw unsupported(`a BOX whose centre or size is not a constant on ${traits.databaseName}`, b.span, "give the BOX as numbers, or use a POLYGON");
  }
  return call("scisql_s2PtInBox", [
    x, y,
    minus(cx, half(b.width)), clamp("GREATEST", -90, minus(cy, half(b.height))),
    plus(cx, half(b.width)), clamp("LEAST", 90, plus(cy, half(b.height))),
  ], s, INT);
}

function pointInPolygon(x: Expression, y: Expression, p: Polygon): Expression {
  let coords: Expression[] = p.vertices.flatMap((v) => pointCoordinates(v, "POLYGON")).map(folded);
  const values = coords.map(constantValue);
  if (values.every((v) => v !== undefined)) {
    // A last vertex that repeats the first is dropped (sky's withoutClosingVertex): scisql would see an edge of length 0.
    const open = withoutClosingVertex(values as number[]);
    coords = coords.slice(0, open.length);
    const check = checkPolygon(open);
    if (!check.ok) throw new AdqlError("ADQL_BAD_POLYGON", `${check.reason}; scisql takes convex polygons of 3 to 20 vertices`, p.span);
  } else if (coords.length / 2 > 20) {
    // Vertices that are not constants are allowed (scisql checks them row by row), but not too many.
    throw new AdqlError("ADQL_BAD_POLYGON", `a polygon of ${coords.length / 2} vertices; scisql takes at most 20`, p.span);
  }
  return call("scisql_s2PtInCPoly", [x, y, ...coords], p.span, INT);
}

/** `CONTAINS(point, shape)` as a scisql predicate (1 or 0). */
function containsPoint(point: Expression, shape: Expression, span: Span, ctx: DialectPassContext): Expression {
  const [x, y] = positionCoordinates(point, "CONTAINS");
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

// ---- region-valued columns and constant shapes (ADQL 2.1 §4.2)

type RegionKind = "point" | "circle" | "polygon" | "range";

/** A region argument of CONTAINS, INTERSECTS, AREA or CENTROID, as the REGION_FUNCTIONS take it. */
type RegionOperand =
  /** A region column. */
  | { readonly form: "column"; readonly ref: ColumnRef; readonly facts: RegionFacts }
  /** A shape known here, checked, with its DALI text. */
  | { readonly form: "constant"; readonly kind: RegionKind; readonly region: Region; readonly value: string; readonly numbers: readonly number[] }
  /** A shape with column arguments: its DALI text assembled in SQL. */
  | { readonly form: "computed"; readonly kind: "circle" | "polygon"; readonly value: Expression };

const DEG2_PER_SR = (180 / Math.PI) ** 2;
const AREA_TYPE = { datatype: "double", unit: "deg**2", ucd: "phys.angArea" } as const;
const RA_TYPE = { datatype: "double", unit: "deg", ucd: "pos.eq.ra" } as const;
const DEC_TYPE = { datatype: "double", unit: "deg", ucd: "pos.eq.dec" } as const;

function text(value: string, span: Span): Expression {
  return { kind: "StringLiteral", value, span };
}

function regionCall(name: string, args: Expression[], span: Span, type: ValueType): Expression {
  return { kind: "SqlFunctionCall", name, args, type, span };
}

/** The (xtype, value) pair of an operand, in the REGION_FUNCTIONS' argument order. */
function pair(o: RegionOperand, span: Span): [Expression, Expression] {
  switch (o.form) {
    case "column": return [text(o.facts.xtype, span), o.ref];
    case "constant": return [text(o.kind, span), text(o.value, span)];
    case "computed": return [text(o.kind, span), o.value];
  }
}

/** A storage column beside region column `ref` (catalog/regions.ts), bound like it. */
export function storageColumn(ref: ColumnRef, which: keyof ReturnType<typeof regionStorageColumns>): ColumnRef {
  const b = ref.binding!;
  const column = regionStorageColumns(b.column)[which];
  const type: RegionStorageType = {
    datatype: which === "scisql" ? null : "double",
    storageOf: b as RegionStorageType["storageOf"],
  };
  const name = (n: string): Identifier => ({ kind: "Identifier", name: n, delimited: true, span: ref.span });
  const parts = b.relation ? [name(b.relation), name(column)] : [name(column)];
  return { kind: "ColumnRef", parts, binding: { relation: b.relation, column, type }, span: ref.span };
}

/** The coordinates of a stored point (a point column: its centroid is itself), or undefined. */
function storedPoint(e: Expression): [Expression, Expression] | undefined {
  const facts = regionOf(e);
  if (!facts || facts.xtype !== "point") return undefined;
  const args = [text("point", e.span), e];
  return [regionCall(REGION_FUNCTIONS.centroidRa, args, e.span, RA_TYPE), regionCall(REGION_FUNCTIONS.centroidDec, args, e.span, DEC_TYPE)];
}

function skyCheck<T>(span: Span, code: "ADQL_BAD_ARGUMENTS" | "ADQL_BAD_POLYGON", make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof SkyError || (e instanceof Error && e.name === "GeometryError")) throw new AdqlError(code, e.message, span);
    throw e;
  }
}

function constantOperand(kind: RegionKind, region: Region, numbers: readonly number[]): RegionOperand {
  return { form: "constant", kind, region, value: numbers.map((n) => String(n)).join(" "), numbers };
}

/** The DALI numbers of a parsed REGION value: point "lon lat", circle "lon lat r", polygon vertices, range "lon1 lon2 lat1 lat2". */
function regionNumbers(r: Region, span: Span): number[] {
  switch (r.kind) {
    case "point": return [...r.centroid()];
    case "polygon": return (r.vertices ?? []).flatMap((v) => [v[0], v[1]]);
    default: {
      // Circle and range: their DALI text is what formatRegion writes; the numbers come from it.
      const value = skyCheck(span, "ADQL_BAD_ARGUMENTS", () => formatRegion(r, r.kind));
      return value.trim().split(/\s+/).map(Number);
    }
  }
}

/** A geometry argument as a region operand, or undefined when it is not one (a number, a string...). */
function regionOperand(e: Expression): RegionOperand | undefined {
  const facts = regionOf(e);
  if (facts) return { form: "column", ref: e as ColumnRef, facts };
  switch (e.kind) {
    case "Region": {
      const r = skyCheck(e.text.span, "ADQL_BAD_ARGUMENTS", () => parseRegion("shape", e.text.value));
      return constantOperand(r.kind, r, regionNumbers(r, e.text.span));
    }
    case "Point": {
      const [x, y] = [constantValue(e.x), constantValue(e.y)];
      if (x === undefined || y === undefined) return undefined;
      return constantOperand("point", skyCheck(e.span, "ADQL_BAD_ARGUMENTS", () => point(x, y)), [x, y]);
    }
    case "Circle": {
      const [cx, cy] = pointCoordinates(e.center, "CIRCLE");
      const n = [cx, cy, e.radius].map(constantValue);
      if (n.every((v) => v !== undefined)) {
        const [x, y, r] = n as [number, number, number];
        return constantOperand("circle", skyCheck(e.span, "ADQL_BAD_ARGUMENTS", () => circle(x, y, r)), [x, y, r]);
      }
      return { form: "computed", kind: "circle", value: daliText([cx, cy, e.radius], e.span) };
    }
    case "Box": {
      const [cx, cy] = pointCoordinates(e.center, "BOX");
      const n = [cx, cy, e.width, e.height].map(constantValue);
      if (n.some((v) => v === undefined)) {
        throw unsupported("a BOX whose centre or size is not a constant, as a region", e.span, "give the BOX as numbers, or use a POLYGON");
      }
      const [x, y, w, h] = n as [number, number, number, number];
      const b = skyCheck(e.span, "ADQL_BAD_ARGUMENTS", () => adqlBoxToLonLatBox(x, y, w, h));
      // The DALI range of the box of coordinate ranges (geometry/box.ts says why BOX is read so).
      const numbers = [b.lonMin, b.lonMax, b.latMin, b.latMax];
      return constantOperand("range", skyCheck(e.span, "ADQL_BAD_ARGUMENTS", () => rangeBox(b.lonMin, b.lonMax, b.latMin, b.latMax)), numbers);
    }
    case "Polygon": {
      const coords = e.vertices.flatMap((v) => pointCoordinates(v, "POLYGON"));
      const n = coords.map(constantValue);
      if (n.every((v) => v !== undefined)) {
        const flat = withoutClosingVertex(n as number[]);
        const vertices = Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!] as const);
        return constantOperand("polygon", skyCheck(e.span, "ADQL_BAD_POLYGON", () => polygon(vertices)), flat);
      }
      return { form: "computed", kind: "polygon", value: daliText(coords, e.span) };
    }
    default:
      return undefined;
  }
}

/**
 * The DALI text of numbers computed per row: `CAST(CAST(x AS DOUBLE) AS VARCHAR) || ' ' || ...`, which
 * both dialects print with enough digits to read back the same double, and which is NULL when any
 * number is (MariaDB's CONCAT and DuckDB's || both propagate NULL), so the predicate answers 0.
 */
function daliText(items: readonly Expression[], span: Span): Expression {
  const asText = (e: Expression): Expression => ({
    kind: "Cast",
    expr: { kind: "Cast", expr: e, target: { name: "DOUBLE PRECISION", length: null }, span },
    target: { name: "VARCHAR", length: null },
    span,
  });
  // Constants are written as text here, next to their separators.
  const parts: (Expression | string)[] = [];
  items.forEach((e, i) => {
    const v = constantValue(e);
    const piece = v === undefined ? asText(e) : String(v);
    const sep = i === 0 ? "" : " ";
    const last = parts[parts.length - 1];
    if (typeof piece === "string" && typeof last === "string") parts[parts.length - 1] = last + sep + piece;
    else if (typeof piece === "string") parts.push(sep + piece);
    else {
      if (sep && typeof last === "string") parts[parts.length - 1] = last + sep;
      else if (sep) parts.push(sep);
      parts.push(piece);
    }
  });
  return parts.map((p) => (typeof p === "string" ? text(p, span) : p)).reduce((l, r) => ({ kind: "BinaryExpr", op: "||", left: l, right: r, span }));
}

/**
 * `CONTAINS(point, c)` for a region column c: scisql's binary polygon where there is one, else the function.
 * On Qserv a text column without a DALI xtype ("shape": Rubin's s_region, STC-S) is taken as Rubin's polygons,
 * as Rubin's own service does; a row whose region is not a polygon has a NULL binary, which scisql answers 0.
 */
function pointInColumn(x: Expression, y: Expression, c: Extract<RegionOperand, { form: "column" }>, span: Span, ctx: DialectPassContext): Expression {
  const traits = ctx.traits;
  const polygons = c.facts.xtype === "polygon" || (traits.shapeColumnsArePolygons && c.facts.xtype === "shape");
  const binary = traits.binaryPolygonColumns === "assumed" || (traits.binaryPolygonColumns === "where-stored" && c.facts.scisql);
  if (polygons && binary) {
    return call("scisql_s2PtInCPoly", [x, y, storageColumn(c.ref, "scisql")], span, INT);
  }
  return regionCall(REGION_FUNCTIONS.containsPoint, [...pair(c, span), x, y], span, INT);
}

/** `CONTAINS(point, shape)` for a shape given by REGION: the scisql predicate of its kind. */
function pointInConstant(x: Expression, y: Expression, c: Extract<RegionOperand, { form: "constant" }>, span: Span): Expression {
  const n = c.numbers.map((v) => numberExpression(v, span));
  switch (c.kind) {
    case "circle": return call("scisql_s2PtInCircle", [x, y, ...n], span, INT);
    case "range": return call("scisql_s2PtInBox", [x, y, n[0]!, n[2]!, n[1]!, n[3]!], span, INT);
    case "polygon": {
      if (c.numbers.length / 2 > 20) return regionCall(REGION_FUNCTIONS.containsPoint, [...pair(c, span), x, y], span, INT);
      return call("scisql_s2PtInCPoly", [x, y, ...n], span, INT);
    }
    case "point": throw unsupported("CONTAINS of a point in a point", span, "compare DISTANCE(...) with a small radius");
  }
}

/** A predicate between two regions: computed here when both are constants, else a REGION_FUNCTIONS call. */
function regionPredicate(fn: "within" | "intersects", a: RegionOperand, b: RegionOperand, span: Span): Expression {
  if (a.form === "constant" && b.form === "constant") {
    const yes = fn === "within" ? a.region.within(b.region) : a.region.intersects(b.region);
    return numberExpression(yes ? 1 : 0, span);
  }
  return regionCall(REGION_FUNCTIONS[fn], [...pair(a, span), ...pair(b, span)], span, INT);
}

function describeOperand(e: Expression): string {
  const facts = regionOf(e);
  return facts ? `the ${facts.xtype} column ${describeGeometry(e).replace(/^column /, "")}` : describeGeometry(e);
}

/**
 * The point of a POINT, or undefined. A point column is not taken apart here: as a region it is tested
 * exactly by the region functions, where its coordinates (the centroid functions) would be rounded.
 */
function pointLike(e: Expression): [Expression, Expression] | undefined {
  return e.kind === "Point" ? [e.x, e.y] : undefined;
}

/** CONTAINS(a, b) (ADQL 2.1 §4.2.12): a point in a region, or region a within region b. */
function contains(a: Expression, b: Expression, span: Span, ctx: DialectPassContext): Expression {
  const p = pointLike(a);
  if (p) {
    if (b.kind === "Circle" || b.kind === "Box" || b.kind === "Polygon") return containsPoint(a, b, span, ctx);
    if (pointLike(b)) throw unsupported("CONTAINS of a point in a point", span, "compare DISTANCE(...) with a small radius");
    const rb = regionOperand(b);
    if (rb?.form === "column") return pointInColumn(p[0], p[1], rb, span, ctx);
    if (rb?.form === "constant") return pointInConstant(p[0], p[1], rb, span);
    throw unsupported(`${describeGeometry(b)} as the region of CONTAINS`, b.span, "use CIRCLE, BOX, POLYGON, REGION or a region column");
  }
  const ra = regionOperand(a);
  if (!ra) throw unsupported(`${describeGeometry(a)} as the first argument of CONTAINS`, a.span, "give a POINT, a shape or a region column");
  const rb = regionOperand(b);
  if (!rb) throw unsupported(`${describeGeometry(b)} as the region of CONTAINS`, b.span, "use CIRCLE, BOX, POLYGON, REGION or a region column");
  if (rb.form === "constant" && rb.kind === "point" && ra.form !== "constant") {
    throw unsupported("CONTAINS of a region in a point", span, "compare DISTANCE(...) with a small radius");
  }
  return regionPredicate("within", ra, rb, span);
}

/** INTERSECTS(a, b) (ADQL 2.1 §4.2.17): with a point on either side it is CONTAINS(point, other). */
function intersects(a: Expression, b: Expression, span: Span, ctx: DialectPassContext): Expression {
  if (pointLike(a)) return contains(a, b, span, ctx);
  if (pointLike(b)) return contains(b, a, span, ctx);
  const ra = regionOperand(a);
  const rb = regionOperand(b);
  if (!ra || !rb) {
    const bad = ra ? b : a;
    throw unsupported(`${describeOperand(bad)} in INTERSECTS`, bad.span, "give a POINT, a shape or a region column");
  }
  if (ra.form === "constant" && ra.kind === "point") return contains(pointExpression(ra, a.span), b, span, ctx);
  if (rb.form === "constant" && rb.kind === "point") return contains(pointExpression(rb, b.span), a, span, ctx);
  return regionPredicate("intersects", ra, rb, span);
}

function pointExpression(o: Extract<RegionOperand, { form: "constant" }>, span: Span): Expression {
  return { kind: "Point", coordSys: null, x: numberExpression(o.numbers[0]!, span), y: numberExpression(o.numbers[1]!, span), span };
}

/** AREA (ADQL 2.1 §4.2.8), in square degrees. */
function area(g: Expression, span: Span): Expression {
  if (g.kind === "Point") return typed(numberExpression(0, span), span);
  const o = regionOperand(g);
  if (!o) throw unsupported(`AREA of ${describeGeometry(g)}`, g.span, "give a shape or a region column");
  switch (o.form) {
    case "constant": return typed(numberExpression(o.region.area() * DEG2_PER_SR, span), span);
    case "column": return regionCall(REGION_FUNCTIONS.area, pair(o, span), span, AREA_TYPE);
    case "computed": {
      if (g.kind === "Circle") {
        // The area depends on the radius alone: a number when the radius is one.
        const r = constantValue(g.radius);
        if (r === undefined) return circleArea(g.radius, span);
        return typed(numberExpression(skyCheck(g.span, "ADQL_BAD_ARGUMENTS", () => circle(0, 0, r)).area() * DEG2_PER_SR, span), span);
      }
      throw unsupported(`AREA of a ${o.kind.toUpperCase()} whose parameters are not constants`, g.span, "compute the area from the shape's parameters");
    }
  }
}

/**
 * The area of a cap of radius r degrees in square degrees, 2π(1 − cos r)·(180/π)², for a radius given per
 * row.
 */
function circleArea(r: Expression, span: Span): Expression {
  const fn = (name: "COS" | "RADIANS", arg: Expression): Expression => ({ kind: "FunctionCall", name, args: [arg], span });
  const oneMinusCos: Expression = { kind: "BinaryExpr", op: "-", left: numberExpression(1, span), right: fn("COS", fn("RADIANS", r)), span };
  const product: Expression = { kind: "BinaryExpr", op: "*", left: numberExpression(64800 / Math.PI, span), right: oneMinusCos, span };
  return typed(product, span);
}

/** `e` with AREA's type (deg**2): an SQL call without a name is the expression in parentheses. */
function typed(e: Expression, span: Span): Expression {
  return regionCall("", [e], span, AREA_TYPE);
}

/** CENTROID (ADQL 2.1 §4.2.7): a POINT, so that COORD1, DISTANCE and the select list take it. */
function centroid(g: Expression, span: Span): Expression {
  const pointOf = (x: Expression, y: Expression): Expression => ({ kind: "Point", coordSys: null, x, y, span });
  if (g.kind === "Point") return g;
  if (g.kind === "Circle") {
    const [x, y] = pointCoordinates(g.center, "CENTROID");
    return pointOf(x, y);
  }
  if (g.kind === "Box") {
    // A BOX with column arguments: its centre, as before (the centroid of a box of coordinate ranges is
    // not its centre in latitude, but computing it per row would take a function that Qserv lacks).
    const [x, y] = pointCoordinates(g.center, "CENTROID");
    if (![x, y, g.width, g.height].every((e) => constantValue(e) !== undefined)) return pointOf(x, y);
  }
  const o = regionOperand(g);
  if (o?.form === "constant") {
    const [lon, lat] = o.region.centroid();
    return pointOf(numberExpression(lon, span), numberExpression(lat, span));
  }
  if (o?.form === "column") {
    const args = pair(o, span);
    return pointOf(regionCall(REGION_FUNCTIONS.centroidRa, args, span, RA_TYPE), regionCall(REGION_FUNCTIONS.centroidDec, args, span, DEC_TYPE));
  }
  throw unsupported(`CENTROID of ${describeGeometry(g)}`, span, "CENTROID takes a constant shape, a CIRCLE, a BOX or a region column");
}

function geometryCall(f: FunctionCall, ctx: DialectPassContext): Expression | undefined {
  switch (f.name) {
    case "CONTAINS":
      return contains(f.args[0]!, f.args[1]!, f.span, ctx);
    case "INTERSECTS":
      return intersects(f.args[0]!, f.args[1]!, f.span, ctx);
    case "DISTANCE": {
      if (f.args.length === 4) {
        checkConstantPosition(f.args[0]!, f.args[1]!, f.span);
        checkConstantPosition(f.args[2]!, f.args[3]!, f.span);
      }
      const args = f.args.length === 4 ? [...f.args] : [...positionCoordinates(f.args[0]!, "DISTANCE"), ...positionCoordinates(f.args[1]!, "DISTANCE")];
      return call("scisql_angSep", args.map(folded), f.span, ANGLE);
    }
    case "COORD1": case "COORD2": {
      const [x, y] = pointCoordinates(f.args[0]!, f.name);
      return f.name === "COORD1" ? x : y;
    }
    case "COORDSYS":
      return { kind: "StringLiteral", value: "ICRS", span: f.span };
    case "AREA":
      return area(f.args[0]!, f.span);
    case "CENTROID":
      return centroid(f.args[0]!, f.span);
    default:
      return undefined;
  }
}

const REGION_PREDICATES: ReadonlySet<string> = new Set([REGION_FUNCTIONS.containsPoint, REGION_FUNCTIONS.intersects, REGION_FUNCTIONS.within]);

/** `CONTAINS(...) = 1` and `1 = CONTAINS(...)` become `scisql_...(...) = 1`: the predicate first. */
function normaliseComparison(c: Comparison): Expression | undefined {
  const isPred = (e: Expression): boolean => e.kind === "SqlFunctionCall" && (e.name.startsWith("scisql_s2PtIn") || REGION_PREDICATES.has(e.name));
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
    case "Region": {
      // A REGION selected: the DALI array of its shape (a range has no DALI array form here).
      const o = regionOperand(e);
      if (o?.form !== "constant" || o.kind === "range") return undefined;
      return { kind: "DaliArray", xtype: o.kind, items: o.numbers.map((v) => numberExpression(v, e.span)), span: e.span };
    }
    default:
      return undefined;
  }
}

export function geometryToScisql(query: Query, ctx: DialectPassContext): Query {
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
  const missing = missingRegionFunctions(ctx);
  // Whatever geometry is left has no SQL equivalent where it stands.
  forEachNodeButNames(out, (n) => {
    if (missing !== undefined && n.kind === "SqlFunctionCall" && missing.has(n.name)) {
      throw new AdqlError("ADQL_UNSUPPORTED", `not supported by this service's database: ${REGION_FUNCTION_USES[n.name] ?? n.name}, whose function ${n.name} it lacks; the service's operator installs it with regions-mariadb.sql`, n.span);
    }
    switch (n.kind) {
      case "Point": case "Circle": case "Box": case "Polygon":
        throw unsupported(`${n.kind.toUpperCase()} here`, n.span, "geometries may be selected, or used in CONTAINS, INTERSECTS and DISTANCE");
      case "Region":
        throw unsupported("REGION here", n.span, "REGION may be used in CONTAINS, INTERSECTS, AREA and CENTROID, or selected when it is a point, circle or polygon");
      case "DaliArray":
        return false;
      default:
        for (const operand of valueOperands(n)) {
          const facts = regionOf(operand);
          if (facts) {
            throw unsupported(`the ${facts.xtype} column ${describeGeometry(operand).replace(/^column /, "")} as a value here`, operand.span,
              "a region column may be selected, tested with CONTAINS and INTERSECTS, given to AREA and CENTROID, or tested with IS NULL");
          }
        }
        return true;
    }
  });
  return out;
}

/** What each of the REGION_FUNCTIONS computes, for the refusal of a query that needs one the database lacks. */
const REGION_FUNCTION_USES: Readonly<Record<string, string>> = {
  [REGION_FUNCTIONS.containsPoint]: "a point in a region-valued column",
  [REGION_FUNCTIONS.intersects]: "INTERSECTS of two regions",
  [REGION_FUNCTIONS.within]: "CONTAINS of a region in a region",
  [REGION_FUNCTIONS.area]: "AREA of a region-valued column",
  [REGION_FUNCTIONS.centroidRa]: "CENTROID of a region-valued column",
  [REGION_FUNCTIONS.centroidDec]: "CENTROID of a region-valued column",
};

const REGION_FUNCTION_NAMES: readonly string[] = Object.values(REGION_FUNCTIONS);

/**
 * The REGION_FUNCTIONS that the service's database lacks (PassContext.unavailableFunctions: the server's probes find
 * them), or undefined when it has them all, as it almost always does: then no query pays for the check.
 */
function missingRegionFunctions(ctx: DialectPassContext): ReadonlySet<string> | undefined {
  const unavailable = ctx.unavailableFunctions;
  if (unavailable === undefined || unavailable.size === 0) return undefined;
  if (!REGION_FUNCTION_NAMES.some((f) => unavailable.has(f))) return undefined;
  return new Set(REGION_FUNCTION_NAMES.filter((f) => unavailable.has(f)));
}

const NO_OPERANDS: readonly Expression[] = [];

/**
 * The operands of `n` that must be plain values (numbers, strings): arithmetic, comparisons, LIKE, IN,
 * the math and string functions, aggregates other than COUNT. A region column there would compare or
 * compute on its DALI text.
 */
function valueOperands(n: Node): readonly Expression[] {
  switch (n.kind) {
    case "BinaryExpr": case "Comparison": return [n.left, n.right];
    case "UnaryExpr": return [n.operand];
    case "Between": return [n.expr, n.low, n.high];
    case "LikePredicate": return [n.expr, n.pattern];
    case "InPredicate": return Array.isArray(n.values) ? [n.expr, ...(n.values as readonly Expression[])] : [n.expr];
    case "FunctionCall": return n.args;
    case "Aggregate": return n.name === "COUNT" || n.arg === null ? NO_OPERANDS : [n.arg];
    default: return NO_OPERANDS;
  }
}
