/**
 * The spatial constraints of a WHERE clause, as geometry-to-scisql writes them, recognised once for
 * the passes that act on them: qserv-spatial (Qserv's chunk pruning) and bound-declination (an
 * index range on the declination column). Each recogniser looks at one conjunct and says nothing
 * about which columns or constants are acceptable: its caller decides.
 */
import type { Comparison, Expression, NumberLiteral, Select, SqlFunctionCall, TableRef, TableReference } from "../ast/nodes.js";
import type { SchemaLookup, SchemaTable } from "./schema.js";

/** A table of the catalog in a SELECT's FROM, and the qualifier its columns' bindings use. */
export interface BaseTable {
  readonly qualifier: string;
  readonly ref: TableRef;
  readonly table: SchemaTable;
}

/** The catalog tables in a SELECT's own FROM (through joins; not in subqueries, not CTEs). */
export function baseTables(select: Select, schema: SchemaLookup | undefined): BaseTable[] {
  const out: BaseTable[] = [];
  if (!schema) return out;
  const visit = (t: TableReference): void => {
    if (t.kind === "Join") {
      visit(t.left);
      visit(t.right);
    } else if (t.kind === "TableRef" && t.sqlName) {
      const sqlName = t.sqlName;
      const table = schema.tables.find((s) => {
        const n = s.sqlName ?? (s.schema === null ? [s.name] : [s.schema, s.name]);
        return n.length === sqlName.length && n.every((p, i) => p === sqlName[i]);
      });
      if (table) out.push({ qualifier: t.alias?.name ?? sqlName[sqlName.length - 1]!, ref: t, table });
    }
  };
  select.from.forEach(visit);
  return out;
}

/** The top-level AND-conjuncts of a condition, left to right. */
export function conjuncts(e: Expression | null): Expression[] {
  if (!e) return [];
  if (e.kind === "LogicalExpr" && e.op === "AND") return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

/** The conjunction of a list, left-deep; null for an empty list. */
export function andAll(list: Expression[]): Expression | null {
  if (list.length === 0) return null;
  return list.reduce((l, r) => ({ kind: "LogicalExpr", op: "AND", left: l, right: r, span: { start: l.span.start, end: r.span.end } }));
}

/** The scisql predicates that CONTAINS and INTERSECTS with a point become (ADQL 2.1 §4.2.12, §4.2.17). */
export const REGION_PREDICATES: ReadonlySet<string> = new Set(["scisql_s2PtInCircle", "scisql_s2PtInBox", "scisql_s2PtInCPoly"]);

/** `scisql_s2PtIn*(lon, lat, region...) = 1`: a position inside a region. */
export type InsideRegion = Comparison & { readonly left: SqlFunctionCall; readonly right: NumberLiteral };

/**
 * `scisql_s2PtIn*(lon, lat, ...) = 1`, the form that `CONTAINS(POINT, shape) = 1`, `1 = CONTAINS(...)`
 * and INTERSECTS with a POINT take after geometry-to-scisql (which puts the predicate first). The
 * predicates answer 1, 0 or NULL, so this conjunct is true only for a position inside the region.
 */
export function isInsideRegion(e: Expression): e is InsideRegion {
  if (e.kind !== "Comparison" || e.op !== "=" || e.left.kind !== "SqlFunctionCall") return false;
  if (e.right.kind !== "NumberLiteral" || e.right.text !== "1") return false;
  return REGION_PREDICATES.has(e.left.name) && e.left.args.length >= 2;
}

const FLIP = { ">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "<>": "<>" } as const;

/** `scisql_angSep(lon1, lat1, lon2, lat2) < radius` (or `<=`), from `DISTANCE(...) < r` or `r > DISTANCE(...)`. */
export interface DistanceWithin {
  readonly call: SqlFunctionCall;
  readonly radius: Expression;
  readonly op: "<" | "<=";
}

/** A DISTANCE cone (ADQL 2.1 §4.2.16) in either order of the comparison, or undefined. */
export function distanceWithin(e: Expression): DistanceWithin | undefined {
  if (e.kind !== "Comparison") return undefined;
  let call = e.left;
  let radius = e.right;
  let op: Comparison["op"] = e.op;
  if (e.right.kind === "SqlFunctionCall" && e.right.name === "scisql_angSep") {
    call = e.right;
    radius = e.left;
    op = FLIP[e.op];
  }
  if (call.kind !== "SqlFunctionCall" || call.name !== "scisql_angSep" || call.args.length !== 4) return undefined;
  return op === "<" || op === "<=" ? { call, radius, op } : undefined;
}
