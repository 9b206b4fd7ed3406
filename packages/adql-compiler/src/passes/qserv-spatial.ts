/**
 * Pass (Qserv only): spatial constraints in the forms that let Qserv prune chunks (qserv/README §a).
 *
 * Qserv derives an area restrictor from exactly one top-level conjunct `scisql_s2PtIn*(ra, dec,
 * constants...) = 1` on a partitioned table's partitioning columns, or from a leading
 * `qserv_areaspec_*(constants...)`. The constants must be literals (`[-]number`). This pass:
 * - folds constant arguments of the scisql predicates to literals (`1/60.0` → `0.016666666666666666`);
 * - turns a cone written with DISTANCE (`scisql_angSep(ra, dec, c1, c2) < r`, either way round, with
 *   0 < r ≤ 180) on partitioning columns into `scisql_s2PtInCircle(ra, dec, c1, c2, r) = 1`;
 * - turns a circle whose centre is another director's position (`CONTAINS(POINT(a..), CIRCLE(b.., r))`)
 *   into the admissible near-neighbour predicate `scisql_angSep(a.ra, a.dec, b.ra, b.dec) <= r`, and
 *   checks that the radius of a near-neighbour join (either form) is a constant within the partition
 *   overlap (qserv/README §c, "Joins and near-neighbour queries"), in WHERE and in JOIN ... ON;
 * - refuses a join of two director tables that has no such predicate (nor, for a self-join, an equality
 *   of the director key, which keeps joined rows in one chunk), which Qserv cannot evaluate;
 * - when several constraints could prune and only one partitioned table is in FROM, writes the first
 *   as a leading `qserv_areaspec_*` (Qserv then adds the exact scisql filter for that table itself), so
 *   that Qserv still prunes; with several partitioned tables it writes all but the first as `<> 0`,
 *   which Qserv does not take as a restrictor, so that exactly one is left.
 * `qservPruning` reports which form a compiled query has, for the golden tests and for operators.
 *
 * DISTANCE(...) < r becomes an inclusive cone: the two differ only for rows exactly r away.
 */
import type { Comparison, Expression, Join, Query, Select, SqlFunctionCall, TableReference } from "../ast/nodes.js";
import type { SchemaLookup, SchemaTable } from "../analysis/schema.js";
import { AdqlError } from "../errors.js";
import { constantValue, foldConstant, isSignedLiteral } from "../analysis/constants.js";
import type { PassContext } from "./context.js";
import {
  andAll, baseTables, conjuncts, distanceWithin, isInsideRegion, REGION_PREDICATES, type BaseTable, type InsideRegion,
} from "../analysis/spatial-predicates.js";

interface Partitioned extends BaseTable {
  readonly table: SchemaTable & { qserv: NonNullable<SchemaTable["qserv"]> };
}

function partitionedTables(select: Select, schema: SchemaLookup | undefined, base = baseTables(select, schema)): Partitioned[] {
  return base.filter((t): t is Partitioned => Boolean(t.table.qserv?.ra && t.table.qserv.dec));
}

/** The partitioned table whose partitioning columns `x` and `y` are, if they are. */
function positionOf(x: Expression, y: Expression, tables: Partitioned[]): Partitioned | undefined {
  if (x.kind !== "ColumnRef" || y.kind !== "ColumnRef" || !x.binding || !y.binding) return undefined;
  return tables.find((t) =>
    t.qualifier === x.binding!.relation && t.qualifier === y.binding!.relation &&
    t.table.qserv.ra === x.binding!.column && t.table.qserv.dec === y.binding!.column);
}

/**
 * `scisql_s2PtInEllipse(...) = 1`: a user's call (no ADQL shape becomes an ellipse), which Qserv also
 * derives a restrictor from (qserv/README §a.3).
 */
function isInsideEllipse(e: Expression): e is InsideRegion {
  return e.kind === "Comparison" && e.op === "=" && e.left.kind === "SqlFunctionCall" && e.left.name === "scisql_s2PtInEllipse" &&
    e.left.args.length === 7 && e.right.kind === "NumberLiteral" && e.right.text === "1";
}

/** `scisql_s2PtIn*(ra, dec, literals) = 1` on partitioning columns: what Qserv prunes on. */
function isRestrictor(e: Expression, tables: Partitioned[]): e is InsideRegion {
  if (!isInsideRegion(e) && !isInsideEllipse(e)) return false;
  const [x, y, ...rest] = e.left.args;
  return positionOf(x!, y!, tables) !== undefined && rest.length > 0 && rest.every(isSignedLiteral);
}

function one(span: Comparison["span"]): Expression {
  return { kind: "NumberLiteral", text: "1", form: "integer", span };
}

/** The scisql predicates and angSep with their constant arguments folded to literals. */
function foldArguments(e: Expression): Expression {
  if (e.kind === "Comparison") {
    const left = foldArguments(e.left);
    const right = foldArguments(e.right);
    return left === e.left && right === e.right ? e : { ...e, left, right };
  }
  if (e.kind !== "SqlFunctionCall" || !(REGION_PREDICATES.has(e.name) || e.name === "scisql_s2PtInEllipse" || e.name === "scisql_angSep")) return e;
  const args = e.args.map(foldConstant);
  return args.every((a, i) => a === e.args[i]) ? e : { ...e, args };
}

/** A near-neighbour join predicate between two directors: checked, in Qserv's admissible form. */
function nearNeighbour(
  a: Expression, b: Expression, c: Expression, d: Expression, radius: Expression,
  tables: Partitioned[],
): { left: Partitioned; right: Partitioned; radius: Expression } | undefined {
  const left = positionOf(a, b, tables);
  const right = positionOf(c, d, tables);
  if (!left || !right || left === right || !left.table.qserv.director || !right.table.qserv.director) return undefined;
  const r = constantValue(radius);
  if (r === undefined) {
    throw new AdqlError("ADQL_UNSUPPORTED", "not supported on Qserv: a near-neighbour join with a radius that is not a constant; give the radius as a number", radius.span);
  }
  const overlap = Math.min(left.table.qserv.overlap ?? Infinity, right.table.qserv.overlap ?? Infinity);
  if (r > overlap) {
    throw new AdqlError("ADQL_UNSUPPORTED", `not supported on Qserv: a near-neighbour join radius of ${r} deg, larger than the partition overlap (${overlap} deg); use a radius of at most ${overlap}`, radius.span);
  }
  return { left, right, radius: foldConstant(radius) };
}

/** DISTANCE cones and near-neighbour circles, rewritten conjunct by conjunct. */
function rewriteConjunct(e0: Expression, tables: Partitioned[], nn: NearNeighbours): Expression {
  const e = foldArguments(e0);
  if (e.kind !== "Comparison") return e;
  // angSep(...) < r, or r > angSep(...)
  const within = distanceWithin(e);
  if (within) {
    const { call, radius: bound, op } = within;
    const [a, b, c, d] = call.args as [Expression, Expression, Expression, Expression];
    const pair = nearNeighbour(a, b, c, d, bound, tables);
    if (pair) {
      nn.count++;
      nn.pairs.push([pair.left.qualifier, pair.right.qualifier]);
      return { ...e, left: call, right: pair.radius, op };
    }
    const r = constantValue(bound);
    // s2PtInCircle answers NULL outside [0, 180] where angSep < r is false or true for every row.
    if (r !== undefined && r <= 180 && (r > 0 || (r === 0 && op === "<="))) {
      const radius = foldConstant(bound);
      const cone = (x: Expression, y: Expression, cx: Expression, cy: Expression): Expression => ({
        kind: "Comparison", op: "=",
        left: { ...call, name: "scisql_s2PtInCircle", args: [x, y, cx, cy, radius], type: { datatype: "int" } },
        right: one(e.span), span: e.span,
      });
      if (positionOf(a, b, tables) && isSignedLiteral(c) && isSignedLiteral(d)) return cone(a, b, c, d);
      if (positionOf(c, d, tables) && isSignedLiteral(a) && isSignedLiteral(b)) return cone(c, d, a, b);
    }
  }
  // s2PtInCircle(a.ra, a.dec, b.ra, b.dec, r) = 1 between two directors: Qserv's admissible form is angSep.
  if (isInsideRegion(e) && e.left.name === "scisql_s2PtInCircle") {
    const [a, b, c, d, r] = e.left.args as [Expression, Expression, Expression, Expression, Expression];
    const pair = nearNeighbour(a, b, c, d, r, tables);
    if (pair) {
      nn.count++;
      nn.pairs.push([pair.left.qualifier, pair.right.qualifier]);
      return { kind: "Comparison", op: "<=", left: { ...e.left, name: "scisql_angSep", args: [a, b, c, d], type: { datatype: "double", unit: "deg" } }, right: pair.radius, span: e.span };
    }
  }
  return e;
}

/** Rewrites the ON conditions of inner joins (near-neighbour predicates may be written there). */
function rewriteJoins(t: TableReference, tables: Partitioned[], nn: NearNeighbours): TableReference {
  if (t.kind !== "Join") return t;
  const left = rewriteJoins(t.left, tables, nn);
  const right = rewriteJoins(t.right, tables, nn);
  const on = t.on && (t.type === "INNER" || t.type === "CROSS")
    ? andAll(conjuncts(t.on).map((c) => rewriteConjunct(c, tables, nn)))
    : t.on;
  return left === t.left && right === t.right && on === t.on ? t : ({ ...t, left, right, on } satisfies Join);
}

/** The top-level conjuncts of the ON conditions of inner joins. */
function joinConditions(t: TableReference): Expression[] {
  if (t.kind !== "Join") return [];
  const own = t.on && (t.type === "INNER" || t.type === "CROSS") ? conjuncts(t.on) : [];
  return [...joinConditions(t.left), ...joinConditions(t.right), ...own];
}

/**
 * `a.key = b.key` between two references to the same director table, on its director key: the rows
 * it joins are one row's chunk. (Equal keys of two different directors say nothing about chunks.)
 */
function isKeyJoin(e: Expression, directors: Partitioned[]): boolean {
  if (e.kind !== "Comparison" || e.op !== "=" || e.left.kind !== "ColumnRef" || e.right.kind !== "ColumnRef") return false;
  const l = e.left.binding;
  const r = e.right.binding;
  if (!l || !r || l.relation === r.relation) return false;
  const dl = directors.find((d) => d.qualifier === l.relation);
  const dr = directors.find((d) => d.qualifier === r.relation);
  return dl !== undefined && dl.table === dr?.table && dl.table.qserv.key !== undefined && l.column === dl.table.qserv.key && r.column === dl.table.qserv.key;
}

interface NearNeighbours {
  count: number;
  /** The qualifiers of the two directors of each near-neighbour predicate. */
  readonly pairs: [string, string][];
}

/** A table's name as the schema gives it, to compare with a child's or a match table's director. */
function sameTable(t: SchemaTable, name: { readonly schema: string | null; readonly name: string }): boolean {
  return t.schema === name.schema && t.name === name.name;
}

/**
 * The director table whose key `column` of `t` holds: a director's own key, a child's key column, a
 * match table's column for either director. Undefined for any other column.
 */
function keyOwner(t: BaseTable, column: string, schema: SchemaLookup): SchemaTable | undefined {
  const q = t.table.qserv;
  if (!q) return undefined;
  if (q.match) {
    const side = q.match.find((m) => m.column === column);
    return side && schema.tables.find((x) => sameTable(x, side.director));
  }
  if (q.key !== column) return undefined;
  if (q.director) return t.table;
  return q.directorTable && schema.tables.find((x) => sameTable(x, q.directorTable!));
}

/** Whether the catalog says enough about a partitioned table to tell which joins keep its rows in one chunk. */
function described(t: BaseTable): boolean {
  const q = t.table.qserv!;
  return q.match !== undefined || (q.key !== undefined && (q.director || q.directorTable !== undefined));
}

/** `a.x = b.y` (top-level conjuncts of WHERE and inner ON, USING and NATURAL) as pairs of (qualifier, column). */
function equalities(conditions: Expression[], from: readonly TableReference[], tables: BaseTable[]): [string, string, string, string][] {
  const out: [string, string, string, string][] = [];
  for (const e of conditions) {
    if (e.kind !== "Comparison" || e.op !== "=" || e.left.kind !== "ColumnRef" || e.right.kind !== "ColumnRef") continue;
    const l = e.left.binding;
    const r = e.right.binding;
    if (l && r && l.relation !== r.relation) out.push([l.relation, l.column, r.relation, r.column]);
  }
  const visit = (t: TableReference): void => {
    if (t.kind !== "Join") return;
    visit(t.left);
    visit(t.right);
    if ((t.using.length === 0 && !t.natural) || t.right.kind !== "TableRef") return;
    const right = tables.find((b) => b.ref === t.right);
    if (!right) return;
    const leftTables: BaseTable[] = [];
    const collect = (x: TableReference): void => {
      if (x.kind === "Join") return void (collect(x.left), collect(x.right));
      const b = tables.find((y) => y.ref === x);
      if (b) leftTables.push(b);
    };
    collect(t.left);
    // NATURAL: the columns the two sides share (ADQL 2.1 §2.2.3, as in SQL).
    const names = t.natural ? right.table.columns.map((c) => c.name) : t.using.map((u) => u.name);
    for (const u of names) {
      for (const l of leftTables) {
        const col = (b: BaseTable) => b.table.columns.find((c) => c.name.toLowerCase() === u.toLowerCase())?.name;
        const lc = col(l);
        const rc = col(right);
        if (lc && rc) out.push([l.qualifier, lc, right.qualifier, rc]);
      }
    }
  };
  from.forEach(visit);
  return out;
}

/**
 * Qserv runs a join of partitioned tables only where each pair of joined rows is in one chunk
 * (qserv/README §c "Joins and near-neighbour queries", Qserv's RelationGraph): a director and its
 * children, or two children, equal on the director key; two references to one director equal on its
 * key; a match table equal on a director's key to that director (or its children); two directors
 * within a near-neighbour distance. Every partitioned table in FROM must be linked to the others
 * by such conditions; Qserv refuses the rest after parsing. The first table not linked is where the
 * error points. Tables whose key the catalog does not give are not judged (the old check of
 * director pairs alone still applies to them).
 */
function checkLinks(tables: BaseTable[], conditions: Expression[], from: readonly TableReference[], nn: NearNeighbours, schema: SchemaLookup): boolean {
  if (tables.length < 2 || !tables.every(described)) return false;
  const parent = new Map<string, string>(tables.map((t) => [t.qualifier, t.qualifier]));
  const find = (q: string): string => {
    let r = q;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const union = (a: string, b: string): void => void parent.set(find(a), find(b));
  for (const [a, b] of nn.pairs) union(a, b);
  for (const [lq, lc, rq, rc] of equalities(conditions, from, tables)) {
    const l = tables.find((t) => t.qualifier === lq);
    const r = tables.find((t) => t.qualifier === rq);
    if (!l || !r) continue;
    const lo = keyOwner(l, lc, schema);
    if (lo && lo === keyOwner(r, rc, schema)) union(lq, rq);
  }
  const root = find(tables[0]!.qualifier);
  const apart = tables.find((t) => find(t.qualifier) !== root);
  if (!apart) return true;
  const linked = tables.filter((t) => find(t.qualifier) === root).map((t) => t.qualifier);
  throw new AdqlError(
    "ADQL_UNSUPPORTED",
    `not supported on Qserv: a join of the partitioned table ${apart.qualifier} with ${linked.join(", ")} by no condition that keeps joined rows in one chunk ` +
      "(Qserv: \"Query involves partitioned table joins that Qserv does not know how to evaluate using only partition-local data\"); " +
      "join them on the director key (a.objectId = b.objectId, in WHERE or ON, joined by AND), through a match table on both directors' keys, " +
      "or, for two director tables, with DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < r, r at most the partition overlap",
    apart.ref.span,
  );
}

const AREASPEC: Readonly<Record<string, string>> = {
  scisql_s2PtInCircle: "qserv_areaspec_circle",
  scisql_s2PtInBox: "qserv_areaspec_box",
  scisql_s2PtInCPoly: "qserv_areaspec_poly",
  // Same arguments, the axes in arcsec (qserv/README §a).
  scisql_s2PtInEllipse: "qserv_areaspec_ellipse",
};

export function qservSpatial(query: Query, ctx: PassContext): Query {
  if (query.body.kind !== "Select") return query;
  const select = query.body;
  const base = baseTables(select, ctx.schema);
  const tables = partitionedTables(select, ctx.schema, base);
  const allPartitioned = base.filter((t) => t.table.qserv !== undefined);
  const whereParts = conjuncts(select.where);
  if (tables.length === 0) {
    checkLinks(allPartitioned, [...whereParts, ...select.from.flatMap(joinConditions)], select.from, { count: 0, pairs: [] }, ctx.schema!);
    return query;
  }
  const nn: NearNeighbours = { count: 0, pairs: [] };
  const from = select.from.map((t) => rewriteJoins(t, tables, nn));
  let parts = whereParts.map((c) => rewriteConjunct(c, tables, nn));
  const directors = tables.filter((t) => t.table.qserv.director);
  const conditions = [...parts, ...from.flatMap(joinConditions)];
  const judged = checkLinks(allPartitioned, conditions, from, nn, ctx.schema!);
  // Two directors joined on their keys (a.objectId = b.objectId) have their rows in the same chunk.
  const keyJoins = conditions.filter((c) => isKeyJoin(c, directors)).length;
  if (!judged && directors.length >= 2 && nn.count + keyJoins < directors.length - 1) {
    const second = directors[1]!;
    throw new AdqlError(
      "ADQL_UNSUPPORTED",
      `not supported on Qserv: a join of the partitioned tables ${directors.map((d) => d.qualifier).join(" and ")} without a near-neighbour condition; ` +
        "add DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < r on their position columns, with r at most the partition overlap",
      second.ref.span,
    );
  }
  const restrictors = parts.filter((c) => isRestrictor(c, tables));
  if (restrictors.length >= 2 && tables.length === 1) {
    const first = restrictors[0]!;
    const f = first.left;
    const areaspec: SqlFunctionCall = { kind: "SqlFunctionCall", name: AREASPEC[f.name]!, args: f.args.slice(2), type: { datatype: "int" }, span: f.span };
    parts = [areaspec, ...parts.filter((c) => c !== first)];
  } else if (restrictors.length >= 2) {
    // Several tables: an areaspec would filter every partitioned table with its shape. Qserv derives a
    // restrictor only from `= 1` and only when there is exactly one: the others are written `<> 0`,
    // the same rows (the predicates are 1, 0 or NULL), so that Qserv prunes on the first.
    const rest = new Set<Expression>(restrictors.slice(1));
    const notZero = (c: Comparison): Comparison => ({ ...c, op: "<>", right: { kind: "NumberLiteral", text: "0", form: "integer", span: c.right.span } });
    parts = parts.map((c) => (rest.has(c) ? notZero(c as Comparison) : c));
  }
  const where = andAll(parts);
  const unchanged = from.every((t, i) => t === select.from[i]) && parts.length === whereParts.length &&
    parts.every((p, i) => p === whereParts[i]);
  return unchanged ? query : { ...query, body: { ...select, from, where } };
}

export type QservPruning =
  | { readonly restrictor: "scisql"; readonly predicate: string }
  | { readonly restrictor: "areaspec"; readonly predicate: string }
  | { readonly restrictor: "none"; readonly reason: string };

/** Which chunk-pruning form a compiled Qserv query has (qserv/README §a.3). */
export function qservPruning(query: Query, schema: SchemaLookup | undefined): QservPruning {
  if (query.body.kind !== "Select") return { restrictor: "none", reason: "not a single SELECT" };
  const tables = partitionedTables(query.body, schema);
  if (tables.length === 0) return { restrictor: "none", reason: "no partitioned table in FROM" };
  const parts = conjuncts(query.body.where);
  const first = parts[0];
  if (first?.kind === "SqlFunctionCall" && first.name.startsWith("qserv_areaspec_")) return { restrictor: "areaspec", predicate: first.name };
  const restrictors = parts.filter((c) => isRestrictor(c, tables));
  if (restrictors.length === 1) return { restrictor: "scisql", predicate: restrictors[0]!.left.name };
  if (restrictors.length > 1) return { restrictor: "none", reason: `${restrictors.length} spatial constraints on several partitioned tables` };
  return { restrictor: "none", reason: "no constant spatial constraint on partitioning columns in the top-level AND" };
}
