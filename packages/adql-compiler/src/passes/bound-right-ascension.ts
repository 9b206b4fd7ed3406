/**
 * Pass (added by the mysql dialect after bound-declination, sql/dialects/mysql.ts): a range on the right ascension
 * column beside each constant cone, so that the cone's predicate is tested only on the rows of a small box around it.
 * bound-declination leaves the database a band of declinations all around the sky, about 1.5% of a catalog for a 1°
 * cone; the predicate then costs MariaDB an expression per row of the band (an inline CASE of about sixty operations,
 * geometry/inline-sql.ts) and DuckDB a call into JavaScript with the band's rows. A plain comparison on the column
 * rejects all but about 2r/360·(1/cos δ) of them first, at the engine's own speed.
 *
 * For each top-level AND-conjunct of a WHERE (of every SELECT, subqueries included) or of a join's ON condition that
 * is, after geometry-to-scisql (analysis/spatial-predicates.ts), a cone with constant centre and radius:
 * - `scisql_s2PtInCircle(ra, dec, lon, lat, r) = 1`: CONTAINS(POINT, CIRCLE) = 1, 1 = CONTAINS(...), INTERSECTS of a
 *   POINT and a CIRCLE (ADQL 2.1 §4.2.12, §4.2.17);
 * - `scisql_angSep(ra, dec, lon, lat) < r` or `<= r`, either way round: DISTANCE(...) < r (§4.2.16);
 * where `ra` is a column of a catalog table in that SELECT's FROM, of type double or float, and the cone stays 10° away
 * from the poles (geometry/longitude-range.ts), the pass puts, in front of the conjunct, with [lo, hi] the cone's
 * longitudes widened outwards to a multiple of 1e-8° by at least 5e-9° (as bound-declination widens its range):
 * - `(ra BETWEEN lo AND hi OR ra < 0 OR ra >= 360)` when [lo, hi] lies within [0, 360);
 * - `(ra >= lo + 360 OR ra <= hi)` when lo < 0, `(ra >= lo OR ra <= hi - 360)` when hi ≥ 360: across RA 0/360.
 *
 * The added conjunct never changes a result. scisql's predicates compute with the sine and cosine of the difference of
 * longitudes, so they answer the same for ra and ra ± 360: a row with a right ascension in [0, 360) is accepted only
 * within the cone's longitudes, taken modulo 360, and a row outside [0, 360) passes the bound whatever its value (it
 * is then the predicate alone that decides, as without the pass). A NULL right ascension makes the predicate 0 already.
 * So `bound AND predicate` is true exactly where the predicate is, and, as in bound-declination, nothing is added under
 * OR or NOT, nor for `CONTAINS(...) = 0`. Boxes and polygons get no longitude range: a box's is its own test, and a
 * polygon's would need its vertices' hull in longitude, across 0/360, for a smaller gain than the cones'.
 */
import type { ColumnRef, Expression, Span } from "../ast/nodes.js";
import { constantValue, numberExpression } from "../analysis/constants.js";
import { distanceWithin, isInsideRegion } from "../analysis/spatial-predicates.js";
import { coneLongitudes, type LongitudeRange } from "../geometry/longitude-range.js";
import { boundingPass, boundKey, type ConjunctBound } from "./conjunct-bounds.js";

/** Bounds are multiples of 1/GRID degrees, at least 0.5/GRID outside the exact range (as in bound-declination). */
const GRID = 1e8;

/** The right ascension argument and the longitudes of a constant cone, if `e` is one. */
function coneRange(e: Expression): { ra: Expression; range: LongitudeRange } | undefined {
  if (isInsideRegion(e)) {
    const args = e.left.args;
    if (e.left.name !== "scisql_s2PtInCircle" || args.length !== 5) return undefined;
    const [lon, lat, r] = args.slice(2).map(constantValue);
    const range = lon !== undefined && lat !== undefined && r !== undefined ? coneLongitudes(lon, lat, r) : undefined;
    return range && { ra: args[0]!, range };
  }
  const within = distanceWithin(e);
  if (!within) return undefined;
  const [a, b, c, d] = within.call.args as [Expression, Expression, Expression, Expression];
  const r = constantValue(within.radius);
  // One point is the row's, the other the constant centre.
  const rowFirst = constantValue(c) !== undefined && constantValue(d) !== undefined;
  const lon = constantValue(rowFirst ? c : a);
  const lat = constantValue(rowFirst ? d : b);
  const range = lon !== undefined && lat !== undefined && r !== undefined ? coneLongitudes(lon, lat, r) : undefined;
  return range && { ra: rowFirst ? a : c, range };
}

function compare(left: Expression, op: "<" | ">=" | "<=", value: number, span: Span): Expression {
  return { kind: "Comparison", op, left, right: numberExpression(value, span), span };
}

function or(left: Expression, right: Expression, span: Span): Expression {
  return { kind: "LogicalExpr", op: "OR", left, right, span };
}

/** The bound on `ra` for longitudes in `range` (see the module's comment). */
function rangeConjunct(ra: ColumnRef, range: LongitudeRange, span: Span): Expression {
  // The centre moved into [0, 360) by whole turns, which the predicates do not see.
  const turns = Math.floor((range.min + range.max) / 2 / 360) * 360;
  const lower = (v: number): number => Math.floor(v * GRID - 0.5) / GRID;
  const upper = (v: number): number => Math.ceil(v * GRID + 0.5) / GRID;
  const lo = lower(range.min - turns);
  const hi = upper(range.max - turns);
  if (lo < 0) return or(compare(ra, ">=", lower(range.min - turns + 360), span), compare(ra, "<=", hi, span), span);
  if (hi >= 360) return or(compare(ra, ">=", lo, span), compare(ra, "<=", upper(range.max - turns - 360), span), span);
  const inside: Expression = { kind: "Between", not: false, expr: ra, low: numberExpression(lo, span), high: numberExpression(hi, span), span };
  return or(or(inside, compare(ra, "<", 0, span), span), compare(ra, ">=", 360, span), span);
}

/** The RA range in front of a constant cone on a catalog column. */
function rightAscensionBound(e: Expression, relations: ReadonlySet<string>): ConjunctBound | undefined {
  const found = coneRange(e);
  const t = found?.ra.kind === "ColumnRef" ? found.ra.binding : undefined;
  if (!found || !t || !relations.has(t.relation) || (t.type.datatype !== "double" && t.type.datatype !== "float")) return undefined;
  const bound = rangeConjunct(found.ra as ColumnRef, found.range, e.span);
  return { bound, key: boundKey(bound)! };
}

export const boundRightAscension = boundingPass({ boundOf: rightAscensionBound });
