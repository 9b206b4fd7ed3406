/**
 * Pass (the qserv dialect's, sql/dialects/qserv.ts): what Qserv's parser and analyser cannot take
 * (qserv/README §c). Where Qserv can run an equivalent form, the query is rewritten to it; where it
 * cannot, a positioned error names the construct and says what to do instead.
 *
 * Rewrites: unary minus on an expression → `0 - x`; unary plus dropped; `~x` → `-1 - x` (`~5` → `-6`); PI() → its
 * value (Qserv refuses calls without arguments); SELECT ALL and aggregate ALL dropped (they are the
 * default); ORDER BY expressions and GROUP BY / ORDER BY columns missing from the select list become
 * hidden, aliased select items.
 *
 * Region columns (catalog/regions.ts): Qserv has scisql, whose only region test is a point in a polygon,
 * so a point in a polygon column is `scisql_s2PtInCPoly(lon, lat, c_scisql)` (geometry-to-scisql, as
 * Rubin's TAP service writes it); every other use that needs one of the REGION_FUNCTIONS (a region
 * within or intersecting a region, a point in a circle or point column, AREA or CENTROID of a column, a
 * point column's coordinates) is refused here, at the ADQL construct that needs it.
 */
import type {
  Expression, FunctionCall, Identifier, Join, Node, OrderItem, Query, Select, SelectColumn, SelectItem, Span, TableReference,
} from "../ast/nodes.js";
import { forEachNodeButNames, transform } from "../ast/transform.js";
import { typeOf } from "../analysis/types.js";
import { AdqlError } from "../errors.js";
import { REGION_FUNCTIONS } from "../catalog/regions.js";
import { residueSupport } from "../residue/evaluate.js";
import { lacksFunction, unavailableIn } from "./check-limits.js";
import type { DialectPassContext } from "./context.js";

function refuse(what: string, span: Span, instead: string): AdqlError {
  return new AdqlError("ADQL_UNSUPPORTED", `not supported on Qserv: ${what}; ${instead}`, span);
}

const ONLY_POINT_IN_POLYGON = "scisql tests only a point in a polygon: CONTAINS(POINT(ra, dec), s_region) = 1";

/** What each region function stands for in ADQL, and why Qserv cannot run it. */
const REGION_REFUSALS: Readonly<Record<string, readonly [what: string, why: string]>> = {
  [REGION_FUNCTIONS.intersects]: ["INTERSECTS of two regions", `Qserv has no region–region function (${ONLY_POINT_IN_POLYGON})`],
  [REGION_FUNCTIONS.within]: ["CONTAINS of a region in a region", `Qserv has no region–region function (${ONLY_POINT_IN_POLYGON})`],
  [REGION_FUNCTIONS.containsPoint]: ["a point in a region column that is not a polygon", `Qserv has no function for it (${ONLY_POINT_IN_POLYGON})`],
  [REGION_FUNCTIONS.area]: ["AREA of a region column", `Qserv has no function that reads a stored region (${ONLY_POINT_IN_POLYGON})`],
  [REGION_FUNCTIONS.centroidRa]: ["CENTROID or the coordinates of a region column", `Qserv has no function that reads a stored region (${ONLY_POINT_IN_POLYGON})`],
  [REGION_FUNCTIONS.centroidDec]: ["CENTROID or the coordinates of a region column", `Qserv has no function that reads a stored region (${ONLY_POINT_IN_POLYGON})`],
};

function refuseRegionFunction(name: string, span: Span): void {
  const refusal = REGION_REFUSALS[name];
  if (refusal) throw refuse(refusal[0], span, refusal[1]);
}

function checkName(name: string, span: Span): void {
  if (name.startsWith("_")) throw refuse(`the name ${name}, which starts with an underscore`, span, "Qserv refuses such identifiers even when quoted");
  if (name.includes("`")) throw refuse(`the name ${name}, which contains a backtick`, span, "Qserv cannot quote it");
}

/** Refusals: one walk over the tree, before any rewrite. */
function refuseUnsupported(query: Query, unavailable: ReadonlySet<string> | undefined, ctx: DialectPassContext): void {
  if (query.with.length > 0) throw refuse("WITH", query.with[0]!.span, "write the common table expression into the query, or run it on another backend");
  // OFFSET stays on the outer query: compile() moves it to the server (QuerySplit.offset); inner queries are refused below.
  forEachNodeButNames(query, (n: Node) => {
    switch (n.kind) {
      case "SetOperation": throw refuse(`${n.op}`, n.span, "run the queries separately");
      case "DerivedTable": case "ScalarSubquery": case "Exists":
        throw refuse("subqueries", n.span, "run the inner query first, or join the tables");
      case "InPredicate":
        if (!Array.isArray(n.values)) throw refuse("IN with a subquery", n.span, "join the tables, or list the values");
        return true;
      case "Join":
        if (n.type === "LEFT" || n.type === "RIGHT" || n.type === "FULL") throw refuse(`${n.type} OUTER JOIN`, n.span, "use an inner join");
        if (n.using.length > 1) throw refuse("USING with more than one column", n.span, "use ON with AND");
        return true;
      case "BinaryExpr":
        if (n.op === "&" || n.op === "|" || n.op === "^") {
          for (const side of [n.left, n.right]) {
            if (side.kind !== "ColumnRef" && bitInteger(side) === undefined) {
              throw refuse(`the bit operation ${n.op} on an expression`, side.span, "Qserv takes only a column or an integer on each side of & | ^ (its bit-expression adapter); compute the inner part on the client side");
            }
          }
        }
        return true;
      case "CaseExpr": throw refuse("CASE", n.span, "compute the cases on the client side");
      case "Cast": throw refuse("CAST", n.span, "drop the CAST; values keep their column's type");
      case "Aggregate":
        if (n.quantifier === "DISTINCT") throw refuse(`${n.name}(DISTINCT ...)`, n.span, `use SELECT DISTINCT and count the rows`);
        if (n.arg !== null && n.arg.kind !== "ColumnRef") throw refuse(`${n.name} of an expression`, n.arg.span, "Qserv aggregates plain columns only");
        return true;
      case "FunctionCall":
        if (n.name === "RAND") throw refuse("RAND", n.span, "there is no random function on Qserv");
        // Left by check-limits for a split that did not happen.
        if (unavailable?.has(n.name.toLowerCase())) throw lacksFunction(n.name, n.span, ctx);
        return true;
      case "SqlFunctionCall":
        refuseRegionFunction(n.name, n.span);
        return true;
      case "Select":
        if (n.having) {
          forEachNodeButNames(n.having, (h) => {
            if (h.kind === "LogicalExpr") throw refuse(`HAVING with ${h.op}`, h.span, "use one condition in HAVING");
            return h.kind !== "ScalarSubquery";
          });
        }
        {
          // Qserv's grammar (MySqlParser.g4 selectElements) takes a bare * only as the first item; t.* anywhere.
          const star = n.items.findIndex((i) => i.kind === "SelectAll" && i.qualifier === null);
          if (star > 0) throw refuse("* after other select items", n.items[star]!.span, "put * first, or name the columns");
        }
        for (const t of n.from) {
          forEachNodeButNames(t, (r) => {
            if (r.kind === "TableRef") {
              const parts = r.sqlName ?? r.name.parts.map((x) => x.name);
              // MySqlParser.g4 tableName is a fullId: database.table at most.
              if (parts.length > 2) throw refuse(`the table name ${parts.join(".")}, of ${parts.length} parts`, r.span, "Qserv names a table by database.table at most");
              for (const p of parts) checkName(p, r.span);
              if (r.alias) checkName(r.alias.name, r.alias.span);
            }
            return true;
          });
        }
        return true;
      case "ColumnRef":
        if (n.binding) {
          if (n.binding.relation) checkName(n.binding.relation, n.span);
          checkName(n.binding.column, n.span);
        } else {
          for (const p of n.parts) checkName(p.name, p.span);
        }
        return true;
      case "SelectColumn":
        if (n.alias) checkName(n.alias.name, n.alias.span);
        return !n.residue; // computed by the server: nothing in it goes to Qserv

      default:
        return true;
    }
  });
}

/**
 * An integer literal, signed, or `~` of one (folded by rewriteExpressions): what may stand on a side of
 * a bit operator on Qserv.
 */
function bitInteger(e: Expression): bigint | undefined {
  if (e.kind === "NumberLiteral") return e.form === "integer" || e.form === "hex" ? BigInt(e.text) : undefined;
  if (e.kind !== "UnaryExpr") return undefined;
  const v = bitInteger(e.operand);
  if (v === undefined) return undefined;
  return e.op === "-" ? -v : e.op === "~" ? -v - 1n : v;
}

function integerLiteral(v: bigint, span: Span): Expression {
  const n: Expression = { kind: "NumberLiteral", text: (v < 0n ? -v : v).toString(), form: "integer", span };
  return v < 0n ? { kind: "UnaryExpr", op: "-", operand: n, span } : n;
}

function isLiteral(e: Expression): boolean {
  return e.kind === "NumberLiteral";
}

/** The rewrites of single nodes (unary operators, PI(), ALL), or undefined to keep the node. */
function rewriteNode(n: Node): Node | undefined {
  switch (n.kind) {
    case "UnaryExpr":
      if (n.op === "+") return n.operand;
      if (n.op === "-" && !isLiteral(n.operand)) {
        return { kind: "BinaryExpr", op: "-", left: { kind: "NumberLiteral", text: "0", form: "integer", span: n.span }, right: n.operand, span: n.span };
      }
      if (n.op === "~") {
        // ~x is -1 - x in two's complement, which ADQL's (signed) integers are: arithmetic that Qserv
        // passes, where x ^ -1 would be unsigned on MySQL. Of a literal, the value itself.
        const folded = bitInteger(n);
        if (folded !== undefined) return integerLiteral(folded, n.span);
        return { kind: "BinaryExpr", op: "-", left: integerLiteral(-1n, n.span), right: n.operand, span: n.span };
      }
      return undefined;
    case "FunctionCall":
      return n.name === "PI" ? { kind: "NumberLiteral", text: String(Math.PI), form: "decimal", span: n.span } : undefined;
    case "Aggregate":
      return n.quantifier === "ALL" ? { ...n, quantifier: null } : undefined;
    case "Select":
      return n.quantifier === "ALL" ? { ...n, quantifier: null } : undefined;
    default:
      return undefined;
  }
}

function sameColumn(a: Expression, b: Expression): boolean {
  return a.kind === "ColumnRef" && b.kind === "ColumnRef" && a.binding !== undefined && b.binding !== undefined &&
    a.binding.relation === b.binding.relation && a.binding.column === b.binding.column;
}

function aliasRef(item: SelectColumn, span: Span): Expression {
  const name = item.alias!.name;
  const parts: Identifier[] = [{ kind: "Identifier", name, delimited: true, span }];
  return { kind: "ColumnRef", parts, binding: { relation: "", column: name, type: typeOf(item.expr) }, span };
}

/** ORDER BY and GROUP BY name only select-list columns; anything else becomes a hidden item. */
function selectListOrdering(query: Query): Query {
  if (query.body.kind !== "Select") return query;
  const select: Select = query.body;
  if (query.orderBy.length === 0 && select.groupBy.length === 0) return query;
  const items: SelectItem[] = [...select.items];
  const used = new Set(items.flatMap((i) => (i.kind === "SelectColumn" && i.alias ? [i.alias.name.toLowerCase()] : [])));
  const hiddenFor = (expr: Expression, span: Span, role: string): Expression => {
    if (expr.kind === "ColumnRef" && expr.binding?.relation === "") return expr;
    const existing = items.find((i): i is SelectColumn => i.kind === "SelectColumn" && (sameColumn(i.expr, expr)));
    if (existing) return aliasRef(existing, span);
    if (select.quantifier === "DISTINCT") {
      throw refuse(`${role} on a column that SELECT DISTINCT does not return`, span, `add it to the select list`);
    }
    let name = `${role.replace(/ /g, "").toLowerCase()}${items.length + 1}`;
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${role.replace(/ /g, "").toLowerCase()}${items.length + 1}_${i}`;
    used.add(name.toLowerCase());
    const hidden: SelectColumn = {
      kind: "SelectColumn", expr, alias: { kind: "Identifier", name, delimited: true, span }, hidden: true, span,
    };
    items.push(hidden);
    return aliasRef(hidden, span);
  };
  const orderBy: OrderItem[] = query.orderBy.map((o) => ({ ...o, expr: hiddenFor(o.expr, o.span, "ORDER BY") }));
  // GROUP BY keeps its columns; those missing from the select list are added to it, hidden.
  if (select.quantifier !== "DISTINCT") {
    for (const g of select.groupBy) {
      if (g.kind === "ColumnRef" && !items.some((i) => i.kind === "SelectColumn" && sameColumn(i.expr, g))) hiddenFor(g, g.span, "GROUP BY");
    }
  }
  if (items.length === select.items.length && orderBy.every((o, i) => o.expr === query.orderBy[i]!.expr)) return query;
  return { ...query, body: { ...select, items }, orderBy };
}

/** Joins in which every condition may move to a later ON: inner or cross, without USING or NATURAL. */
function movableConditions(t: TableReference): boolean {
  if (t.kind !== "Join") return true;
  return (t.type === "INNER" || t.type === "CROSS") && !t.natural && t.using.length === 0 && movableConditions(t.left) && movableConditions(t.right);
}

function conjunctsOf(e: Expression): Expression[] {
  return e.kind === "LogicalExpr" && e.op === "AND" ? [...conjunctsOf(e.left), ...conjunctsOf(e.right)] : [e];
}

/**
 * Qserv's ON takes one predicate (its InnerJoin adapter takes a PredicateExpression, not AND, OR or
 * NOT): of an inner join's ON, the first such conjunct stays and the others go to WHERE, which for an
 * inner join is the same rows.
 */
function singlePredicateOn(t: Join, moved: Expression[]): Expression | null {
  if (!t.on || t.type !== "INNER" || t.natural) return t.on;
  const parts = conjunctsOf(t.on);
  const keep = parts.find((c) => c.kind !== "LogicalExpr" && c.kind !== "NotExpr") ?? null;
  if (parts.length === 1 && keep) return t.on;
  moved.push(...parts.filter((c) => c !== keep));
  return keep;
}

/** `left` joined to the tables of `right` one after the other, each keeping its own ON. */
function attach(left: TableReference, right: TableReference, span: Span): Join {
  if (right.kind !== "Join") {
    return { kind: "Join", type: "CROSS", explicitType: false, natural: false, left, right, on: null, using: [], parenthesized: false, span };
  }
  return { ...right, left: attach(left, right.left, span), parenthesized: false };
}

/**
 * Qserv's parser refuses a parenthesised join (UNHANDLED TableSourceNested, TableSourcesItem): its
 * FROM is a list of `table (JOIN table ...)*`. Parentheses on the left of a join, or around a FROM
 * item, change nothing (joins associate to the left, and the comma binds less than JOIN), so they are
 * dropped. A join on the right, `a JOIN (b JOIN c ON p) ON q`, is the same rows as
 * `a CROSS JOIN b JOIN c ON p ... WHERE q` when every join in it is inner without USING or NATURAL
 * (inner-join conditions may be applied in any order; q goes to WHERE because Qserv's ON takes a single
 * predicate); otherwise it is refused. `moved` collects the conditions for WHERE.
 */
function flattenJoins(t: TableReference, moved: Expression[]): TableReference {
  if (t.kind !== "Join") return t;
  const left = flattenJoins(t.left, moved);
  const right = flattenJoins(t.right, moved);
  if (right.kind !== "Join") {
    const on = singlePredicateOn(t, moved);
    return left === t.left && right === t.right && on === t.on && !t.parenthesized ? t : { ...t, left, right, on, type: t.on && !on ? "CROSS" : t.type, parenthesized: false };
  }
  if (!movableConditions(t)) {
    throw refuse("a parenthesised join on the right of a join with USING, NATURAL or OUTER", right.span, "write the joins one after the other (a JOIN b ON ... JOIN c ON ...), which Qserv's parser takes");
  }
  if (t.on) moved.push(...conjunctsOf(t.on));
  return attach(left, right, t.span);
}

/** A SELECT with its FROM flattened (flattenJoins), or undefined when it needs no change. */
function flattenFrom(n: Select): Select | undefined {
  const moved: Expression[] = [];
  const from = n.from.map((t) => flattenJoins(t, moved));
  if (from.every((f, i) => f === n.from[i])) return undefined;
  const where = [...(n.where ? [n.where] : []), ...moved].reduce<Expression | null>(
    (acc, c) => (acc ? { kind: "LogicalExpr", op: "AND", left: acc, right: c, span: c.span } : c), null);
  return { ...n, from, where };
}

/**
 * rewriteNode and flattenFrom in one bottom-up walk: a SELECT's FROM is flattened after its own
 * rewrite and its children's, as two walks one after the other would do it.
 */
function rewriteExpressions(query: Query): Query {
  return transform(query, (n) => {
    const isSelect = n.kind === "Select"; // read before the call: each read of kind is a megamorphic lookup
    const rewritten = rewriteNode(n);
    if (!isSelect) return rewritten;
    return flattenFrom((rewritten ?? n) as Select) ?? rewritten;
  });
}

/** Whether Qserv cannot compute it: CASE, CAST, or a function that the service's database lacks. */
function needsServer(e: Expression, unavailable: ReadonlySet<string> | undefined): boolean {
  let found = false;
  forEachNodeButNames(e, (n) => {
    if (isServerOnly(n, unavailable)) found = true;
    return !found;
  });
  return found;
}

function isServerOnly(n: Node, unavailable: ReadonlySet<string> | undefined): boolean {
  const kind = n.kind; // read once (a megamorphic lookup each time)
  return kind === "CaseExpr" || kind === "Cast" || (kind === "FunctionCall" && unavailable?.has((n as FunctionCall).name.toLowerCase()) === true);
}

/**
 * Select-list items that Qserv cannot compute (CASE, CAST, a function the database lacks) but that depend only on the columns of each
 * row become residues (SelectColumn.residue): the server computes them (residue/evaluate.ts), and the
 * columns they read are returned as hidden items, to which their column references now point. Where the
 * value is not a function of one row (GROUP BY, aggregates, DISTINCT, HAVING, SELECT *), where ORDER BY
 * sorts by it, or where the server cannot compute a part of it, the item is left as it is, for
 * refuseUnsupported's refusal.
 */
function splitResidues(query: Query, unavailable: ReadonlySet<string> | undefined): Query {
  if (query.body.kind !== "Select") return query;
  const select: Select = query.body;
  if (select.groupBy.length > 0 || select.having || select.quantifier === "DISTINCT") return query;
  if (select.items.some((i) => i.kind === "SelectAll")) return query;
  // One walk for both: an aggregate anywhere in the list leaves it alone; nothing that needs the server, nothing to split.
  let aggregate = false;
  let server = false;
  for (const i of select.items) {
    forEachNodeButNames(i, (n) => {
      if (n.kind === "Aggregate") aggregate = true;
      else if (isServerOnly(n, unavailable)) server = true;
      return !aggregate;
    });
    if (aggregate) return query;
  }
  if (!server) return query;
  const ordered = new Set(query.orderBy.flatMap((o) => (o.expr.kind === "ColumnRef" && o.expr.binding?.relation === "" ? [o.expr.binding.column.toLowerCase()] : [])));
  const isResidue = (i: SelectItem): i is SelectColumn =>
    i.kind === "SelectColumn" && !i.hidden && i.alias !== null && needsServer(i.expr, unavailable) && residueSupport(i.expr) === undefined &&
    !ordered.has(i.alias.name.toLowerCase()) && i.expr.kind !== "DaliArray";
  if (!select.items.some(isResidue)) return query;
  const items: SelectItem[] = [];
  const inputs: SelectColumn[] = [];
  const used = new Set(select.items.flatMap((i) => (i.kind === "SelectColumn" && i.alias ? [i.alias.name.toLowerCase()] : [])));
  const inputFor = (c: Expression): Expression => {
    let hidden = inputs.find((h) => sameColumn(h.expr, c));
    if (!hidden) {
      let name = `residue_in${inputs.length + 1}`;
      while (used.has(name.toLowerCase())) name += "_";
      used.add(name.toLowerCase());
      hidden = { kind: "SelectColumn", expr: c, alias: { kind: "Identifier", name, delimited: true, span: c.span }, hidden: true, span: c.span };
      inputs.push(hidden);
    }
    return aliasRef(hidden, c.span);
  };
  for (const item of select.items) {
    if (!isResidue(item)) {
      items.push(item);
      continue;
    }
    const expr = transform(item.expr, (n) => (n.kind === "ColumnRef" && n.binding?.relation !== "" ? inputFor(n) : undefined)) as Expression;
    items.push({ ...item, expr, residue: true });
  }
  if (!items.some((i) => i.kind === "SelectColumn" && !i.residue) && inputs.length === 0) return query; // no column for Qserv to return
  return { ...query, body: { ...select, items: [...items, ...inputs] } };
}

export function qservRestrictions(query: Query, ctx: DialectPassContext): Query {
  const unavailable = unavailableIn(ctx);
  query = splitResidues(query, unavailable);
  refuseUnsupported(query, unavailable, ctx);
  return selectListOrdering(rewriteExpressions(query));
}
