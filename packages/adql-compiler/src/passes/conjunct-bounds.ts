/**
 * The walk that the bounding passes share (bound-declination, bound-right-ascension): every SELECT's WHERE and every
 * join's ON condition (subqueries included), and in them each top-level AND-conjunct, which gets a bound in front of it
 * where the pass has one. A bound is implied by its own conjunct, so it goes only there: never under OR or NOT, and for
 * a join's ON condition whatever the join's type. A bound with a key is written once per condition, and not at all
 * where the condition has an equal one already (a query that the pass has seen, or that a user wrote so).
 */
import type { Expression, Join, Query, Select, TableReference } from "../ast/nodes.js";
import { transform } from "../ast/transform.js";
import { constantValue } from "../analysis/constants.js";
import { baseTables } from "../analysis/spatial-predicates.js";
import type { PassContext } from "./context.js";

/** What a pass puts in front of a conjunct; `key` names a bound that one condition needs only once. */
export interface ConjunctBound {
  readonly bound: Expression;
  readonly key?: string;
}

export interface BoundingRules {
  /** The bound for a conjunct, if any; `relations` are the SQL qualifiers of the catalog tables in the SELECT's FROM. */
  readonly boundOf: (conjunct: Expression, relations: ReadonlySet<string>) => ConjunctBound | undefined;
}

/**
 * A key for a condition of the shapes the bounding passes write (comparisons and BETWEENs of a column with constants,
 * joined by OR): equal keys, equal conditions. Undefined for anything else.
 */
export function boundKey(e: Expression): string | undefined {
  switch (e.kind) {
    case "LogicalExpr": {
      const l = e.op === "OR" ? boundKey(e.left) : undefined;
      const r = l === undefined ? undefined : boundKey(e.right);
      return r === undefined ? undefined : `(${l} OR ${r})`;
    }
    case "Comparison": case "Between": {
      const col = e.kind === "Comparison" ? e.left : e.expr;
      const values = (e.kind === "Comparison" ? [e.right] : [e.low, e.high]).map(constantValue);
      if (col.kind !== "ColumnRef" || !col.binding || values.includes(undefined) || (e.kind === "Between" && e.not)) return undefined;
      return [col.binding.relation, col.binding.column, e.kind === "Comparison" ? e.op : "BETWEEN", ...values].join("\u0000");
    }
    default:
      return undefined;
  }
}

function withBounds(condition: Expression, relations: ReadonlySet<string>, rules: BoundingRules): Expression {
  const seen = new Set<string>();
  const collect = (e: Expression): void => {
    if (e.kind === "LogicalExpr" && e.op === "AND") {
      collect(e.left);
      collect(e.right);
    } else {
      const k = boundKey(e);
      if (k !== undefined) seen.add(k);
    }
  };
  collect(condition);
  const add = (e: Expression): Expression => {
    if (e.kind === "LogicalExpr" && e.op === "AND") {
      const left = add(e.left);
      const right = add(e.right);
      return left === e.left && right === e.right ? e : { ...e, left, right };
    }
    const found = rules.boundOf(e, relations);
    if (!found || (found.key !== undefined && seen.has(found.key))) return e;
    if (found.key !== undefined) seen.add(found.key);
    return { kind: "LogicalExpr", op: "AND", left: found.bound, right: e, span: e.span };
  };
  return add(condition);
}

function boundJoins(t: TableReference, relations: ReadonlySet<string>, rules: BoundingRules): TableReference {
  if (t.kind !== "Join") return t;
  const left = boundJoins(t.left, relations, rules);
  const right = boundJoins(t.right, relations, rules);
  const on = t.on && withBounds(t.on, relations, rules);
  return left === t.left && right === t.right && on === t.on ? t : ({ ...t, left, right, on } satisfies Join);
}

/** The pass that puts `rules`' bounds in front of the conjuncts they bound (nothing without a catalog). */
export function boundingPass(rules: BoundingRules): (query: Query, ctx: PassContext) => Query {
  return (query, ctx) => {
    if (!ctx.schema) return query;
    const schema = ctx.schema;
    return transform(query, (n) => {
      if (n.kind !== "Select" || (n.where === null && !n.from.some((t) => t.kind === "Join"))) return undefined;
      const relations = new Set(baseTables(n, schema).map((t) => t.qualifier));
      if (relations.size === 0) return undefined;
      const where = n.where && withBounds(n.where, relations, rules);
      const from = n.from.map((t) => boundJoins(t, relations, rules));
      const unchanged = where === n.where && from.every((t, i) => t === n.from[i]);
      return unchanged ? undefined : ({ ...n, where, from } satisfies Select);
    });
  };
}
