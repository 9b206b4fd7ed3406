/**
 * Pass (Qserv only): spatial constraints in the forms that let Qserv prune chunks (qserv/README §a).
 *
 * Qserv derives an area restrictor from exactly one top-level conjunct `scisql_s2PtIn*(ra, dec,
 * constants...) = 1` on a partitioned table's partitioning columns, or from a leading
 * `qserv_areaspec_*(constants...)`. This pass:
 * - turns a cone written with DISTANCE (`scisql_angSep(ra, dec, c1, c2) < r`, either way round) on
 *   partitioning columns into `scisql_s2PtInCircle(ra, dec, c1, c2, r) = 1`;
 * - turns a circle whose centre is another director's position (`CONTAINS(POINT(a..), CIRCLE(b.., r))`)
 *   into the admissible near-neighbour predicate `scisql_angSep(a.ra, a.dec, b.ra, b.dec) <= r`;
 * - when several constraints could prune and only one partitioned table is in FROM, writes the first
 *   as a leading `qserv_areaspec_*` (Qserv then adds the exact scisql filter for that table itself), so
 *   that Qserv still prunes.
 * `qservPruning` reports which form a compiled query has, for the golden tests and for operators.
 *
 * DISTANCE(...) < r becomes an inclusive cone: the two differ only for rows exactly r away.
 */
import type { Comparison, Expression, Query, Select, SqlFunctionCall, TableReference } from "../ast/nodes.js";
import type { SchemaLookup, SchemaTable } from "../analysis/schema.js";
import { AdqlError } from "../errors.js";
import { constantValue } from "./constants.js";
import type { PassContext } from "./context.js";

interface Partitioned {
  readonly qualifier: string;
  readonly table: SchemaTable & { qserv: NonNullable<SchemaTable["qserv"]> };
}

function partitionedTables(select: Select, schema: SchemaLookup | undefined): Partitioned[] {
  const out: Partitioned[] = [];
  const visit = (t: TableReference): void => {
    if (t.kind === "Join") {
      visit(t.left);
      visit(t.right);
    } else if (t.kind === "TableRef" && t.sqlName && schema) {
      const sqlName = t.sqlName;
      const table = schema.tables.find((s) => {
        const n = s.sqlName ?? (s.schema === null ? [s.name] : [s.schema, s.name]);
        return n.length === sqlName.length && n.every((p, i) => p === sqlName[i]);
      });
      if (table?.qserv && table.qserv.ra && table.qserv.dec) {
        out.push({ qualifier: t.alias?.name ?? sqlName[sqlName.length - 1]!, table: table as Partitioned["table"] });
      }
    }
  };
  select.from.forEach(visit);
  return out;
}

function conjuncts(e: Expression | null): Expression[] {
  if (!e) return [];
  if (e.kind === "LogicalExpr" && e.op === "AND") return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

function andAll(list: Expression[]): Expression | null {
  if (list.length === 0) return null;
  return list.reduce((l, r) => ({ kind: "LogicalExpr", op: "AND", left: l, right: r, span: { start: l.span.start, end: r.span.end } }));
}

/** The partitioned table whose partitioning columns `x` and `y` are, if they are. */
function positionOf(x: Expression, y: Expression, tables: Partitioned[]): Partitioned | undefined {
  if (x.kind !== "ColumnRef" || y.kind !== "ColumnRef" || !x.binding || !y.binding) return undefined;
  return tables.find((t) =>
    t.qualifier === x.binding!.relation && t.qualifier === y.binding!.relation &&
    t.table.qserv.ra === x.binding!.column && t.table.qserv.dec === y.binding!.column);
}

const isConstant = (e: Expression): boolean => constantValue(e) !== undefined;

/** `scisql_s2PtIn*(ra, dec, constants) = 1` on partitioning columns: what Qserv prunes on. */
function isRestrictor(e: Expression, tables: Partitioned[]): e is Comparison & { left: SqlFunctionCall } {
  if (e.kind !== "Comparison" || e.op !== "=" || e.left.kind !== "SqlFunctionCall") return false;
  if (e.right.kind !== "NumberLiteral" || e.right.text !== "1") return false;
  const f = e.left;
  if (!/^scisql_s2PtIn(Circle|Box|CPoly)$/.test(f.name)) return false;
  const [x, y, ...rest] = f.args;
  return positionOf(x!, y!, tables) !== undefined && rest.length > 0 && rest.every(isConstant);
}

function one(span: Comparison["span"]): Expression {
  return { kind: "NumberLiteral", text: "1", form: "integer", span };
}

/** DISTANCE cones and near-neighbour circles, rewritten conjunct by conjunct. */
function rewriteConjunct(e: Expression, tables: Partitioned[]): Expression {
  if (e.kind !== "Comparison") return e;
  // angSep(...) < r, or r > angSep(...)
  let call: Expression = e.left;
  let bound: Expression = e.right;
  let op = e.op;
  if (e.right.kind === "SqlFunctionCall" && e.right.name === "scisql_angSep") {
    call = e.right;
    bound = e.left;
    op = ({ ">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "<>": "<>" } as const)[e.op];
  }
  if (call.kind === "SqlFunctionCall" && call.name === "scisql_angSep" && (op === "<" || op === "<=") && isConstant(bound)) {
    const [a, b, c, d] = call.args as [Expression, Expression, Expression, Expression];
    if (positionOf(a, b, tables) && isConstant(c) && isConstant(d)) {
      return { kind: "Comparison", op: "=", left: { ...call, name: "scisql_s2PtInCircle", args: [a, b, c, d, bound], type: { datatype: "int" } }, right: one(e.span), span: e.span };
    }
    if (positionOf(c, d, tables) && isConstant(a) && isConstant(b)) {
      return { kind: "Comparison", op: "=", left: { ...call, name: "scisql_s2PtInCircle", args: [c, d, a, b, bound], type: { datatype: "int" } }, right: one(e.span), span: e.span };
    }
  }
  // s2PtInCircle(a.ra, a.dec, b.ra, b.dec, r) = 1 between two partitioned tables: Qserv's admissible form is angSep.
  if (e.op === "=" && e.left.kind === "SqlFunctionCall" && e.left.name === "scisql_s2PtInCircle" && e.right.kind === "NumberLiteral" && e.right.text === "1") {
    const [a, b, c, d, r] = e.left.args as [Expression, Expression, Expression, Expression, Expression];
    const left = positionOf(a, b, tables);
    const right = positionOf(c, d, tables);
    if (left && right && left !== right) {
      const radius = constantValue(r);
      const overlap = Math.min(left.table.qserv.overlap ?? Infinity, right.table.qserv.overlap ?? Infinity);
      if (radius === undefined) {
        throw new AdqlError("ADQL_UNSUPPORTED", "not supported on Qserv: a near-neighbour join with a radius that is not a constant; give the radius as a number", r.span);
      }
      if (radius > overlap) {
        throw new AdqlError("ADQL_UNSUPPORTED", `not supported on Qserv: a near-neighbour join radius of ${radius} deg, larger than the partition overlap (${overlap} deg); use a radius of at most ${overlap}`, r.span);
      }
      return { kind: "Comparison", op: "<=", left: { ...e.left, name: "scisql_angSep", args: [a, b, c, d], type: { datatype: "double", unit: "deg" } }, right: r, span: e.span };
    }
  }
  return e;
}

const AREASPEC: Readonly<Record<string, string>> = {
  scisql_s2PtInCircle: "qserv_areaspec_circle",
  scisql_s2PtInBox: "qserv_areaspec_box",
  scisql_s2PtInCPoly: "qserv_areaspec_poly",
};

export function qservSpatial(query: Query, ctx: PassContext): Query {
  if (ctx.dialect !== "qserv" || query.body.kind !== "Select" || !query.body.where) return query;
  const select = query.body;
  const tables = partitionedTables(select, ctx.schema);
  if (tables.length === 0) return query;
  let parts = conjuncts(select.where).map((c) => rewriteConjunct(c, tables));
  const restrictors = parts.filter((c) => isRestrictor(c, tables));
  if (restrictors.length >= 2 && tables.length === 1) {
    const first = restrictors[0]!;
    const f = first.left;
    const areaspec: SqlFunctionCall = { kind: "SqlFunctionCall", name: AREASPEC[f.name]!, args: f.args.slice(2), type: { datatype: "int" }, span: f.span };
    parts = [areaspec, ...parts.filter((c) => c !== first)];
  }
  return { ...query, body: { ...select, where: andAll(parts) } };
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
