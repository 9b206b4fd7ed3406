/**
 * Pass (added by the mysql and duckdb dialects, sql/dialects/): a plain range on the declination column beside each constant spatial
 * constraint, so that the database reads only a band of declinations. MariaDB turns
 * `dec BETWEEN lo AND hi` into a range scan of the dec index; DuckDB skips the row groups whose
 * min/max (zonemaps) fall outside it, which the loader makes effective by storing rows in dec order.
 * Neither can do that with the predicate itself: its latitude test sits inside a CASE on a CAST
 * (geometry/inline-sql.ts) or inside a function. Qserv has its own restrictor (qserv-spatial).
 *
 * For each top-level AND-conjunct of a WHERE (of every SELECT, subqueries included) or of a join's
 * ON condition that is, after geometry-to-scisql (analysis/spatial-predicates.ts):
 * - `scisql_s2PtIn{Circle,Box,CPoly}(lon, dec, constants...) = 1`: CONTAINS(POINT, region) = 1,
 *   1 = CONTAINS(...), INTERSECTS with a POINT (ADQL 2.1 §4.2.12, §4.2.17);
 * - `scisql_angSep(lon, dec, c1, c2) < r` or `<= r`, either way round: DISTANCE(...) < r (§4.2.16);
 * where `dec` is a column of a catalog table in that SELECT's FROM, of type double or float, and
 * every argument of the region is a numeric constant, the pass puts `dec BETWEEN lo AND hi` in front
 * of the conjunct (`dec >= lo` or `dec <= hi` when the other end is a pole; nothing when both are).
 * The range comes from geometry/latitude-range.ts: centre ± r for a circle or a DISTANCE cone, the
 * latitude bounds of a box, and for a polygon its vertices, the highest and lowest points of its
 * great-circle edges and a pole it contains.
 *
 * The added conjunct never changes a result: the predicate is 1 only for a declination in the range
 * (a NULL or out-of-range declination makes it 0 or NULL already), so `bound AND predicate` is true
 * exactly where the predicate is. It is therefore not added under OR or NOT, nor for
 * `CONTAINS(...) = 0`, where it would not be implied. The range is widened outwards to a multiple
 * of 1e-8° by at least 5e-9° (0.018 mas), far beyond the rounding with which the predicates decide
 * (about 1e-12°): `30 ± 1` is written `28.99999999 AND 31.00000001`. The longitude is not bounded:
 * near RA 0/360 and near the poles a longitude range is hard to state safely, and the dec band
 * gives most of the gain.
 *
 * Region columns (catalog/regions.ts) whose table lists the bounding storage columns get the same
 * treatment for a top-level conjunct `f(...) = 1` of a REGION_FUNCTIONS predicate (or the scisql form
 * of a point in a polygon column), in front of it:
 * - a point (x, y) in column c: `c_dec_min <= y AND c_dec_max >= y` (y widened to the grid when it is a
 *   number, by 1e-8° when it is an expression);
 * - c against a constant shape S (intersects or within, either order): `c_dec_max >= S.decMin AND
 *   c_dec_min <= S.decMax AND scisql_angSep(c_cap_ra, c_cap_dec, S.capRa, S.capDec) <= c_cap_radius +
 *   S.capRadius`, S's range widened to the grid and its radius by at least 1e-8°; the parts that bound
 *   nothing (a range reaching both poles, a cap of 180°) are left out;
 * - two region columns: the same three with 1e-8° of slack on each, for joins;
 * - c against a CIRCLE of row values (x, y) with a constant radius r (a cross-match of positions with
 *   footprints): `c_dec_max >= y - r' AND c_dec_min <= y + r' AND scisql_angSep(c_cap_ra, c_cap_dec, x, y)
 *   <= c_cap_radius + r'`, r' the radius widened by at least 1e-8°.
 * Each is implied by the predicate (a region lies within its declination range and its cap, and two
 * regions that share a point have overlapping ranges and caps), so `bounds AND predicate` is the predicate.
 */
import { lonLat, parseRegion, SkyError, type Region } from "@qserv-tap/sky";
import type { ColumnRef, Expression, Span } from "../ast/nodes.js";
import type { RegionStorageType, RegionValueType } from "../analysis/types.js";
import { REGION_FUNCTIONS } from "../catalog/regions.js";
import {
  boxLatitudes, circleLatitudes, distanceLatitudes, polygonLatitudes, type LatitudeRange,
} from "../geometry/latitude-range.js";
import { constantValue, numberExpression } from "../analysis/constants.js";
import { boundingPass, boundKey, type ConjunctBound } from "./conjunct-bounds.js";
import { isRepeatable } from "../sql/repeatable.js";
import { storageColumn } from "./geometry-to-scisql.js";
import { andAll, distanceWithin, isInsideRegion } from "../analysis/spatial-predicates.js";

/** Bounds are multiples of 1/GRID degrees, at least 0.5/GRID outside the exact range. */
const GRID = 1e8;

/** The (lon, dec) arguments and the latitude range of a constant spatial constraint, if `e` is one. */
function constraintRange(e: Expression): { dec: Expression; range: LatitudeRange } | undefined {
  if (isInsideRegion(e)) {
    const [, dec, ...rest] = e.left.args;
    const v = rest.map(constantValue);
    if (v.some((x) => x === undefined)) return undefined;
    const n = v as number[];
    let range: LatitudeRange | undefined;
    switch (e.left.name) {
      case "scisql_s2PtInCircle": range = n.length === 3 ? circleLatitudes(n[0]!, n[1]!, n[2]!) : undefined; break;
      case "scisql_s2PtInBox": range = n.length === 4 ? boxLatitudes(n[0]!, n[1]!, n[2]!, n[3]!) : undefined; break;
      default: range = polygonLatitudes(n);
    }
    return range && { dec: dec!, range };
  }
  const within = distanceWithin(e);
  if (!within) return undefined;
  const [a, b, c, d] = within.call.args as [Expression, Expression, Expression, Expression];
  const r = constantValue(within.radius);
  if (r === undefined) return undefined;
  // One point is the row's, the other the constant centre.
  const rowFirst = constantValue(c) !== undefined && constantValue(d) !== undefined;
  const dec = rowFirst ? b : d;
  const lon0 = constantValue(rowFirst ? c : a);
  const lat0 = constantValue(rowFirst ? d : b);
  if (lon0 === undefined || lat0 === undefined) return undefined;
  const range = distanceLatitudes(lon0, lat0, r);
  return range && { dec, range };
}

/** The bound on `dec`, or undefined when the range reaches both poles. */
function rangeConjunct(dec: Expression, range: LatitudeRange, span: Span): Expression | undefined {
  const lo = Math.floor(range.min * GRID - 0.5) / GRID;
  const hi = Math.ceil(range.max * GRID + 0.5) / GRID;
  const low = numberExpression(lo, span);
  const high = numberExpression(hi, span);
  if (lo > -90 && hi < 90) return { kind: "Between", not: false, expr: dec, low, high, span };
  if (lo > -90) return { kind: "Comparison", op: ">=", left: dec, right: low, span };
  if (hi < 90) return { kind: "Comparison", op: "<=", left: dec, right: high, span };
  return undefined;
}


/** Whether `dec` is a double or float column of a table in this SELECT's FROM: one a bound can narrow. */
function boundableColumn(dec: Expression, relations: ReadonlySet<string>): boolean {
  const t = dec.kind === "ColumnRef" ? dec.binding : undefined;
  return t !== undefined && relations.has(t.relation) && (t.type.datatype === "double" || t.type.datatype === "float");
}

/**
 * A cross-match: a point in a circle of constant radius about another row's position, `scisql_s2PtInCircle(lon, dec,
 * x, y, r) = 1` (CONTAINS(POINT, CIRCLE(x, y, r)) = 1 with x or y not constant), or `scisql_angSep(lon, dec, x, y) < r`
 * (DISTANCE < r) with neither point constant. A point within r of (x, y) has its declination within r of y (an arc is
 * no shorter than its change of latitude), so `dec BETWEEN y - r' AND y + r'`, r' = r widened by at least 1e-8°, is
 * implied. It is what lets a database join the two tables on a range of declinations (DuckDB's range join, MariaDB's
 * dec index per row) rather than test every pair: an upload of 1,000 positions against 100,000 stars took 1.2 s
 * without it on DuckDB. y is written twice more: only where that gives the same value (sql/repeatable.ts).
 */
function crossMatchBound(e: Expression, relations: ReadonlySet<string>): Expression | undefined {
  let pairs: [dec: Expression, y: Expression][];
  let radius: Expression;
  if (isInsideRegion(e)) {
    if (e.left.name !== "scisql_s2PtInCircle" || e.left.args.length !== 5) return undefined;
    const [, dec, x, y, r] = e.left.args as [Expression, Expression, Expression, Expression, Expression];
    if (constantValue(x) !== undefined && constantValue(y) !== undefined) return undefined; // constraintRange's
    pairs = [[dec, y]];
    radius = r;
  } else {
    const within = distanceWithin(e);
    if (!within) return undefined;
    const [a, b, c, d] = within.call.args as [Expression, Expression, Expression, Expression];
    if ((constantValue(a) !== undefined && constantValue(b) !== undefined) || (constantValue(c) !== undefined && constantValue(d) !== undefined)) return undefined;
    pairs = [[b, d], [d, b]];
    radius = within.radius;
  }
  const r = constantValue(radius);
  if (r === undefined || !(r >= 0 && r < 90)) return undefined;
  const pair = pairs.find(([dec, y]) => boundableColumn(dec, relations) && isRepeatable([y]));
  if (!pair) return undefined;
  const [dec, y] = pair;
  const widened = num(Math.ceil(r * GRID + 1) / GRID, e.span);
  return { kind: "Between", not: false, expr: dec, low: minus(y, widened, e.span), high: plus(y, widened, e.span), span: e.span };
}

/** The bound in front of a conjunct: a region column's storage bounds, the dec range of a constant constraint, or a cross-match's. */
function declinationBound(e: Expression, relations: ReadonlySet<string>): ConjunctBound | undefined {
  const region = regionBounds(e);
  if (region) return { bound: region };
  const found = constraintRange(e);
  if (!found) {
    const crossMatch = crossMatchBound(e, relations);
    return crossMatch && { bound: crossMatch };
  }
  const bound = boundableColumn(found.dec, relations) ? rangeConjunct(found.dec, found.range, e.span) : undefined;
  const key = bound && boundKey(bound);
  return bound && key !== undefined ? { bound, key } : undefined;
}

// ---- region columns

/** The slack, in degrees, where both sides of a comparison are computed per row. */
const SLACK = 1e-8;

type Bounded =
  | { readonly form: "column"; readonly ref: ColumnRef }
  | { readonly form: "constant"; readonly region: Region }
  /** A CIRCLE of row values with a constant radius (geometry-to-scisql's DALI text of them). */
  | { readonly form: "circle"; readonly x: Expression; readonly y: Expression; readonly r: number };

/**
 * The items of a DALI text assembled in SQL (geometry-to-scisql's daliText: `CAST(CAST(e AS DOUBLE) AS
 * VARCHAR)` and string literals of constants and separators, joined by ||), or undefined.
 */
function daliItems(e: Expression): (Expression | number)[] | undefined {
  const parts: Expression[] = [];
  const flatten = (x: Expression): void => {
    if (x.kind === "BinaryExpr" && x.op === "||") {
      flatten(x.left);
      flatten(x.right);
    } else parts.push(x);
  };
  flatten(e);
  const items: (Expression | number)[] = [];
  for (const p of parts) {
    if (p.kind === "StringLiteral") {
      for (const t of p.value.split(" ")) if (t !== "") items.push(Number(t));
    } else if (p.kind === "Cast" && p.target.name === "VARCHAR" && p.expr.kind === "Cast" && p.expr.target.name === "DOUBLE PRECISION") {
      items.push(p.expr.expr);
    } else {
      return undefined;
    }
  }
  return items.every((i) => typeof i !== "number" || Number.isFinite(i)) ? items : undefined;
}

/** A (xtype, value) pair of a REGION_FUNCTIONS call that can be bounded: a column with storage, or a constant. */
function bounded(xtype: Expression | undefined, value: Expression | undefined): Bounded | undefined {
  if (value?.kind === "ColumnRef") {
    const t = value.binding?.type as Partial<RegionValueType> | undefined;
    return t?.region?.bounds ? { form: "column", ref: value } : undefined;
  }
  if (xtype?.kind === "StringLiteral" && xtype.value === "circle" && value && value.kind !== "StringLiteral") {
    const items = daliItems(value);
    if (items?.length !== 3 || typeof items[2] !== "number" || !(items[2] >= 0 && items[2] < 180)) return undefined;
    // The centre is written again in the bounds: only where that gives the same value (sql/repeatable.ts).
    if (!isRepeatable(items.slice(0, 2).filter((i): i is Expression => typeof i !== "number"))) return undefined;
    const item = (i: Expression | number): Expression => (typeof i === "number" ? numberExpression(i, value.span) : i);
    return { form: "circle", x: item(items[0]!), y: item(items[1]!), r: items[2] };
  }
  if (xtype?.kind !== "StringLiteral" || value?.kind !== "StringLiteral") return undefined;
  try {
    return { form: "constant", region: parseRegion(xtype.value as Parameters<typeof parseRegion>[0], value.value) };
  } catch (e) {
    if (e instanceof SkyError) return undefined; // the function answers NULL for it: nothing to bound
    throw e;
  }
}

function num(v: number, span: Span): Expression {
  return numberExpression(v, span);
}

function plus(a: Expression, b: Expression, span: Span): Expression {
  return { kind: "BinaryExpr", op: "+", left: a, right: b, span };
}

function minus(a: Expression, b: Expression, span: Span): Expression {
  return { kind: "BinaryExpr", op: "-", left: a, right: b, span };
}

function cmp(left: Expression, op: "<=" | ">=", right: Expression, span: Span): Expression {
  return { kind: "Comparison", op, left, right, span };
}

function angSep(a: Expression, b: Expression, c: Expression, d: Expression, span: Span): Expression {
  return { kind: "SqlFunctionCall", name: "scisql_angSep", args: [a, b, c, d], type: { datatype: "double", unit: "deg" }, span };
}

/** `c_dec_min <= y AND c_dec_max >= y`: the point (x, y) can be in c only within c's declinations. */
function pointBounds(c: ColumnRef, y: Expression, span: Span): Expression {
  const v = constantValue(y);
  const lo = v === undefined ? plus(y, num(SLACK, span), span) : num(Math.ceil(v * GRID + 0.5) / GRID, span);
  const hi = v === undefined ? minus(y, num(SLACK, span), span) : num(Math.floor(v * GRID - 0.5) / GRID, span);
  return andAll([cmp(storageColumn(c, "decMin"), "<=", lo, span), cmp(storageColumn(c, "decMax"), ">=", hi, span)])!;
}

/** The bounds of two regions that share a point (intersects, or one within the other). */
function pairBounds(a: Bounded, b: Bounded, span: Span): Expression | undefined {
  if (a.form !== "column" && b.form !== "column") return undefined;
  if (a.form !== "column") return pairBounds(b, a, span);
  const c = (a as Extract<Bounded, { form: "column" }>).ref;
  const parts: Expression[] = [];
  if (b.form === "column") {
    const d = b.ref;
    parts.push(cmp(storageColumn(d, "decMin"), "<=", plus(storageColumn(c, "decMax"), num(SLACK, span), span), span));
    parts.push(cmp(storageColumn(d, "decMax"), ">=", minus(storageColumn(c, "decMin"), num(SLACK, span), span), span));
    parts.push(cmp(
      angSep(storageColumn(c, "capRa"), storageColumn(c, "capDec"), storageColumn(d, "capRa"), storageColumn(d, "capDec"), span),
      "<=", plus(plus(storageColumn(c, "capRadius"), storageColumn(d, "capRadius"), span), num(SLACK, span), span), span));
    return andAll(parts)!;
  }
  if (b.form === "circle") {
    // A circle about a row's position: its declinations are within y ± r, its points within r of (x, y).
    const r = num(Math.ceil(b.r * GRID + 1) / GRID, span);
    parts.push(cmp(storageColumn(c, "decMax"), ">=", minus(b.y, r, span), span));
    parts.push(cmp(storageColumn(c, "decMin"), "<=", plus(b.y, r, span), span));
    parts.push(cmp(angSep(storageColumn(c, "capRa"), storageColumn(c, "capDec"), b.x, b.y, span), "<=", plus(storageColumn(c, "capRadius"), r, span), span));
    return andAll(parts)!;
  }
  const [min, max] = b.region.decRange();
  const lo = Math.floor(min * GRID - 0.5) / GRID;
  const hi = Math.ceil(max * GRID + 0.5) / GRID;
  if (lo > -90) parts.push(cmp(storageColumn(c, "decMax"), ">=", num(lo, span), span));
  if (hi < 90) parts.push(cmp(storageColumn(c, "decMin"), "<=", num(hi, span), span));
  const cap = b.region.boundingCap();
  if (cap.radius < 180) {
    const [ra, dec] = lonLat(cap.center);
    const radius = Math.ceil(cap.radius * GRID + 1) / GRID;
    parts.push(cmp(angSep(storageColumn(c, "capRa"), storageColumn(c, "capDec"), num(ra, span), num(dec, span), span),
      "<=", plus(storageColumn(c, "capRadius"), num(radius, span), span), span));
  }
  return andAll(parts) ?? undefined;
}

/** The bounds in front of a region predicate `f(...) = 1`, or undefined. */
function regionBounds(e: Expression): Expression | undefined {
  if (e.kind !== "Comparison" || e.op !== "=" || e.left.kind !== "SqlFunctionCall") return undefined;
  if (e.right.kind !== "NumberLiteral" || e.right.text !== "1") return undefined;
  const f = e.left;
  const a = f.args;
  switch (f.name) {
    case REGION_FUNCTIONS.containsPoint: {
      const c = bounded(a[0], a[1]);
      return c?.form === "column" && a[3] ? pointBounds(c.ref, a[3], e.span) : undefined;
    }
    case "scisql_s2PtInCPoly": {
      // The point-in-polygon-column form: its third argument is the storage column c_scisql.
      const storage = a.length === 3 && a[2]!.kind === "ColumnRef" ? (a[2]!.binding?.type as Partial<RegionStorageType> | undefined)?.storageOf : undefined;
      if (!storage?.type.region.bounds) return undefined;
      const ref: ColumnRef = { kind: "ColumnRef", parts: [], binding: storage, span: a[2]!.span };
      return pointBounds(ref, a[1]!, e.span);
    }
    case REGION_FUNCTIONS.intersects: case REGION_FUNCTIONS.within: {
      const x = bounded(a[0], a[1]);
      const y = bounded(a[2], a[3]);
      return x && y ? pairBounds(x, y, e.span) : undefined;
    }
    default:
      return undefined;
  }
}

export const boundDeclination = boundingPass({ boundOf: declinationBound });
