/**
 * Pass: what ADQL's grammar lets through but its meaning refuses, told with the position in the query rather than
 * left to the database (DuckDB refuses each of these with a message about the SQL that we wrote; MariaDB and Qserv run
 * most of them and answer something else: a string compared as the number 0, one arbitrary row per group):
 * - operand types (ADQL 2.1 §2.2.x's grammar of numeric, string and boolean value expressions, §2.3 and §4.4's
 *   functions, §4.7.1's casts): arithmetic and the math functions take numbers, the bitwise operators integers, LIKE
 *   and LOWER/UPPER character strings, SUM and AVG numbers; a comparison, BETWEEN, IN, CASE's results and COALESCE's
 *   arguments are values of one kind; a timestamp compares with a timestamp, or with a string in DALI's form;
 * - aggregates and grouping (ADQL 2.1 §2.2 follows SQL-92 §7.9-§7.11 here): no aggregate in WHERE, ON or GROUP BY,
 *   nor inside another; in a grouped query, each column outside an aggregate is one of the groups'; ORDER BY of a
 *   SELECT DISTINCT sorts by selected values;
 * - subqueries as values give one column; a sort key is not a constant; a WITH clause names each query once.
 * Only what is known is judged: an operand whose type is unknown (no catalog, a UDF, NULL) passes.
 */
import type { Aggregate, ColumnRef, Expression, Node, PointArgument, Query, QueryBody, Select, TableReference, ValueType } from "../ast/nodes.js";
import { BUILTINS, type BuiltinName } from "../builtins.js";
import { printAdql } from "../ast/print.js";
import { forEachNodeButNames } from "../ast/transform.js";
import { isIntegerType, queryColumnTypes, typeOf } from "../analysis/types.js";
import { constantValue } from "../analysis/constants.js";
import { AdqlError } from "../errors.js";
import { daliTimestampProblem } from "./check-limits.js";
import type { PassContext } from "./context.js";

/** The kinds of value that the rules below tell apart; "other" (geometries, arrays, complex) is left to other passes. */
type ValueClass = "unknown" | "number" | "boolean" | "string" | "timestamp" | "other";

function classOf(t: ValueType): ValueClass {
  const d = t.datatype;
  if (d === null) return "unknown";
  if (t.xtype === "timestamp") return "timestamp";
  if (t.xtype !== undefined) return "other";
  if (d === "char" || d === "unicodeChar") return "string";
  const scalar = t.arraysize === undefined || t.arraysize === "1";
  if (!scalar) return "other";
  if (d === "boolean") return "boolean";
  return isIntegerType(t) || d === "float" || d === "double" ? "number" : "other";
}

const ARTICLE: Readonly<Record<ValueClass, string>> = {
  unknown: "a value", number: "a number", boolean: "a boolean", string: "a character string", timestamp: "a timestamp", other: "a value",
};

/** `e` as the message names it: its text when short, with what kind of value it is. */
function described(e: Expression, c: ValueClass): string {
  const text = printAdql(e);
  return `${text.length <= 40 ? text : `${text.slice(0, 37)}...`} is ${ARTICLE[c]}`;
}

function typeError(message: string, e: Node): AdqlError {
  return new AdqlError("ADQL_TYPE_ERROR", message, e.span);
}

/** Whether two classes may be compared (=, <, BETWEEN, IN) or be the results of one CASE. */
function comparable(a: ValueClass, b: ValueClass): boolean {
  if (a === "unknown" || b === "unknown" || a === "other" || b === "other" || a === b) return true;
  // Booleans compare with 0 and 1 on every engine; a timestamp with a string (checked as DALI's form where it is a literal).
  const pair = (x: ValueClass, y: ValueClass): boolean => (a === x && b === y) || (a === y && b === x);
  return pair("boolean", "number") || pair("timestamp", "string");
}

/** How a select item, a HAVING or an ORDER BY may use columns: the GROUP BY terms of a grouped query. */
interface Grouping {
  /** The qualifiers of this SELECT's own relations: a column of another (an outer query's) is a constant here. */
  readonly relations: ReadonlySet<string>;
  /** GROUP BY terms that are columns: `relation\0column`, and select-list aliases by name. */
  readonly columns: ReadonlySet<string>;
  /** GROUP BY terms that are expressions, by their ADQL text without spans. */
  readonly expressions: ReadonlySet<string>;
  /** What makes the query grouped, for the message: its GROUP BY, HAVING, or an aggregate (printed only for an error). */
  readonly because: "GROUP BY" | "HAVING" | Aggregate;
}

/** Where an expression stands, for the rules about aggregates. */
type Clause = "select" | "where" | "on" | "groupBy" | "having" | "orderBy";

interface Place {
  readonly clause: Clause;
  /** The qualifiers of the SELECT that this expression belongs to (for an aggregate of an outer query's columns). */
  readonly level: ReadonlySet<string> | null;
  /** The aggregate that this expression is inside, if any. */
  readonly aggregate: Aggregate | null;
  readonly grouping: Grouping | null;
}

function columnKey(ref: ColumnRef): string | undefined {
  return ref.binding ? `${ref.binding.relation}\u0000${ref.binding.column.toLowerCase()}` : undefined;
}

/** Where an aggregate may not be, and why. */
const NO_AGGREGATE: Partial<Record<Clause, string>> = {
  where: "in WHERE: an aggregate is computed over the groups, after WHERE has chosen the rows; use HAVING",
  on: "in ON: an aggregate is computed over the groups, after the join; use HAVING",
  groupBy: "in GROUP BY: groups cannot be made by an aggregate of themselves",
};

class Checker {
  /** The first aggregate met in the select list or HAVING of the SELECT being checked (not of its subqueries). */
  private firstAggregate: Aggregate | null = null;

  query(q: Query): void {
    const seen = new Set<string>();
    for (const cte of q.with) {
      const name = cte.name.delimited ? cte.name.name : cte.name.name.toLowerCase();
      if (seen.has(name)) throw new AdqlError("ADQL_UNKNOWN_TABLE", `the WITH clause names ${cte.name.name} twice`, cte.name.span);
      seen.add(name);
      this.query(cte.query);
    }
    const grouping = this.body(q.body);
    const select = q.body.kind === "Select" ? q.body : null;
    for (const o of q.orderBy) {
      this.sortKey(o.expr, select);
      this.expr(o.expr, { clause: "orderBy", level: grouping?.relations ?? null, aggregate: null, grouping });
    }
  }

  /** Checks a query body; the grouping of its SELECT, for the query's ORDER BY. */
  private body(b: QueryBody): Grouping | null {
    switch (b.kind) {
      case "Select": return this.select(b);
      case "Query": this.query(b); return null;
      case "SetOperation": this.body(b.left); this.body(b.right); return null;
    }
  }

  private select(s: Select): Grouping | null {
    const level = relationsOf(s.from);
    for (const t of s.from) this.tableReference(t, level);
    if (s.where) this.expr(s.where, { clause: "where", level, aggregate: null, grouping: null });
    for (const g of s.groupBy) this.expr(g, { clause: "groupBy", level, aggregate: null, grouping: null });
    let grouping = s.groupBy.length > 0 ? groupingOf(s, level, "GROUP BY") : s.having ? groupingOf(s, level, "HAVING") : null;
    const outer = this.firstAggregate;
    this.firstAggregate = null;
    for (const item of s.items) if (item.kind === "SelectColumn") this.expr(item.expr, { clause: "select", level, aggregate: null, grouping });
    if (s.having) this.expr(s.having, { clause: "having", level, aggregate: null, grouping });
    const aggregate = this.firstAggregate;
    this.firstAggregate = outer;
    // An aggregate without GROUP BY makes one group of all rows: the select list is checked again for columns, now
    // that this is known (a second walk only for such queries, rather than a search for aggregates in every query).
    if (grouping === null && aggregate !== null) {
      grouping = groupingOf(s, level, aggregate);
      for (const item of s.items) if (item.kind === "SelectColumn") this.grouped(item.expr, grouping);
    }
    return grouping;
  }

  /** Refuses the columns of `e` that are neither grouped nor inside an aggregate. */
  private grouped(e: Expression, g: Grouping): void {
    forEachNodeButNames(e, (n) => {
      const kind = n.kind;
      if (kind === "Aggregate" || kind === "Query" || isGroupTerm(n as Expression, g)) return false;
      if (kind === "ColumnRef") checkGrouped(n, g);
      return true;
    });
  }

  private tableReference(t: TableReference, level: ReadonlySet<string>): void {
    switch (t.kind) {
      case "TableRef": return;
      case "DerivedTable": return this.query(t.query);
      case "Join":
        this.tableReference(t.left, level);
        this.tableReference(t.right, level);
        if (t.on) this.expr(t.on, { clause: "on", level, aggregate: null, grouping: null });
    }
  }

  /** A sort key that is a constant sorts nothing: DuckDB refuses one, MariaDB ignores it. */
  private sortKey(e: Expression, select: Select | null): void {
    const constant = e.kind === "StringLiteral" || e.kind === "NullLiteral" || (e.kind !== "NumberLiteral" && constantValue(e) !== undefined) ||
      (e.kind === "NumberLiteral" && e.form !== "integer");
    if (constant) {
      throw typeError(`ORDER BY ${printAdql(e)}: a constant sorts nothing; give a column, an expression, or a column's position in the select list (1 to n)`, e);
    }
    if (select?.quantifier === "DISTINCT" && !sortsBySelected(e, select)) {
      throw new AdqlError("ADQL_BAD_GROUPING", `ORDER BY ${printAdql(e)} in a SELECT DISTINCT: sort by selected columns, as the duplicates are gone before the sort`, e.span);
    }
  }

  /** Checks `e` and what it holds; returns the class of its value. */
  private expr(e: Expression, place: Place): ValueClass {
    const g = place.grouping;
    if (g !== null && place.aggregate === null && (place.clause === "select" || place.clause === "having" || place.clause === "orderBy") && isGroupTerm(e, g)) {
      this.expr(e, { ...place, grouping: null });
      return classOf(typeOf(e));
    }
    switch (e.kind) {
      case "ColumnRef":
        if (g !== null && place.aggregate === null) checkGrouped(e, g);
        return classOf(typeOf(e));
      case "NumberLiteral": return "number";
      case "StringLiteral": return "string";
      case "NullLiteral": return "unknown";
      case "UnaryExpr": {
        const c = this.expr(e.operand, place);
        if (e.op === "~") this.integer(e.operand, c, "~");
        else this.number(e.operand, c, `unary ${e.op}`);
        return "number";
      }
      case "BinaryExpr": {
        const l = this.expr(e.left, place);
        const r = this.expr(e.right, place);
        if (e.op === "||") return "string";
        if (e.op === "&" || e.op === "|" || e.op === "^") {
          this.integer(e.left, l, e.op);
          this.integer(e.right, r, e.op);
        } else {
          this.number(e.left, l, e.op);
          this.number(e.right, r, e.op);
        }
        return "number";
      }
      case "Comparison":
        this.compared(e.op, [e.left, e.right], place);
        return "boolean";
      case "Between":
        this.compared("BETWEEN", [e.expr, e.low, e.high], place);
        return "boolean";
      case "InPredicate": {
        if (Array.isArray(e.values)) {
          this.compared("IN", [e.expr, ...(e.values as readonly Expression[])], place);
        } else {
          const q = e.values as Query;
          this.query(q);
          const columns = queryColumnTypes(q);
          if (columns.length !== 1) throw typeError(`IN (SELECT ...) takes a subquery of one column, not ${columns.length}`, q);
          const c = this.expr(e.expr, place);
          const s = classOf(columns[0]!);
          if (!comparable(c, s)) throw typeError(`IN compares values of one kind: ${described(e.expr, c)}, the subquery's column is ${ARTICLE[s]}`, e.expr);
        }
        return "boolean";
      }
      case "LikePredicate": {
        const what = e.caseInsensitive ? "ILIKE" : "LIKE";
        for (const operand of [e.expr, e.pattern]) {
          const c = this.expr(operand, place);
          if (c !== "unknown" && c !== "string" && c !== "other") throw typeError(`${what} matches character strings: ${described(operand, c)}`, operand);
        }
        return "boolean";
      }
      case "NullPredicate":
        this.expr(e.expr, place);
        return "boolean";
      case "Exists":
        this.query(e.query);
        return "boolean";
      case "LogicalExpr":
        this.expr(e.left, place);
        this.expr(e.right, place);
        return "boolean";
      case "NotExpr":
        this.expr(e.operand, place);
        return "boolean";
      case "FunctionCall":
        return this.call(e.name, e.args, place, e);
      case "UserFunctionCall":
        for (const a of e.args) this.expr(a, place);
        return classOf(typeOf(e));
      case "SqlFunctionCall":
        for (const a of e.args) this.expr(a, place);
        return classOf(e.type);
      case "Aggregate":
        return this.aggregate(e, place);
      case "Cast": {
        const c = this.expr(e.expr, place);
        const to = classOf(typeOf(e));
        if ((c === "timestamp" && to === "number") || ((c === "number" || c === "boolean") && to === "timestamp")) {
          throw typeError(`CAST of ${ARTICLE[c]} to ${e.target.name} is not one of ADQL's casts (ADQL 2.1 §4.7.1)`, e);
        }
        return to;
      }
      case "CaseExpr": {
        if (e.operand) {
          const c = this.expr(e.operand, place);
          for (const w of e.whens) {
            const v = this.expr(w.when, place);
            if (!comparable(c, v)) throw typeError(`CASE compares its operand with each WHEN value: ${described(e.operand, c)}, ${described(w.when, v)}`, w.when);
          }
        } else {
          for (const w of e.whens) this.expr(w.when, place);
        }
        const results = [...e.whens.map((w) => w.then), ...(e.else ? [e.else] : [])];
        return this.alike(results, place, "the results of a CASE");
      }
      case "ScalarSubquery": {
        this.query(e.query);
        const columns = queryColumnTypes(e.query);
        if (columns.length !== 1) throw typeError(`a subquery as a value gives one column, not ${columns.length}`, e);
        return classOf(columns[0]!);
      }
      case "Point":
        this.coordinates([e.x, e.y], place, "POINT");
        return "other";
      case "Circle":
        this.geometryArgument(e.center, place, "CIRCLE");
        this.coordinates([e.radius], place, "CIRCLE");
        return "other";
      case "Box":
        this.geometryArgument(e.center, place, "BOX");
        this.coordinates([e.width, e.height], place, "BOX");
        return "other";
      case "Polygon":
        for (const v of e.vertices) this.geometryArgument(v, place, "POLYGON");
        return "other";
      case "Region":
        return "other";
      case "DaliArray":
        for (const i of e.items) this.expr(i, place);
        return "other";
    }
  }

  private geometryArgument(e: PointArgument, place: Place, fn: string): void {
    if (e.kind === "Coordinates") this.coordinates([e.x, e.y], place, fn);
    else this.expr(e, place);
  }

  private coordinates(values: readonly Expression[], place: Place, fn: string): void {
    for (const v of values) this.number(v, this.expr(v, place), fn);
  }

  private number(e: Expression, c: ValueClass, what: string): void {
    if (c === "string" && numericString(e)) return;
    if (c === "string" || c === "boolean" || c === "timestamp") throw typeError(`${what} takes numbers: ${described(e, c)}`, e);
  }

  private integer(e: Expression, c: ValueClass, what: string): void {
    this.number(e, c, what);
    const t = typeOf(e);
    if (c === "number" && !isIntegerType(t)) throw typeError(`${what} takes integers: ${printAdql(e)} is a ${t.datatype} number`, e);
  }

  /** Operands that are compared with one another: each comparable with the first known one. */
  private compared(op: string, operands: readonly Expression[], place: Place): void {
    const classes = operands.map((o) => this.expr(o, place));
    const first = classes.findIndex((c) => c !== "unknown" && c !== "other");
    if (first < 0) return;
    for (let i = 0; i < operands.length; i++) {
      if (!comparable(classes[first]!, classes[i]!) && !numberAndNumericString(operands[first]!, classes[first]!, operands[i]!, classes[i]!)) {
        const [a, b] = i > first ? [first, i] : [i, first];
        throw typeError(`${op} compares values of one kind: ${described(operands[a]!, classes[a]!)}, ${described(operands[b]!, classes[b]!)}`, operands[b]!);
      }
      // A string compared with a timestamp is read as one: a literal must be in DALI's form.
      const lit = classes[first] === "timestamp" ? operands[i]! : classes[i] === "timestamp" ? operands[first]! : undefined;
      if (lit?.kind === "StringLiteral") {
        const problem = daliTimestampProblem(lit.value);
        if (problem !== undefined) throw typeError(`'${lit.value}' compared with a timestamp: ${problem}`, lit);
      }
    }
  }

  /** Values of which one is the result (CASE's, COALESCE's, NULLIF's): of one kind; the class of the first known. */
  private alike(values: readonly Expression[], place: Place, what: string): ValueClass {
    const classes = values.map((v) => this.expr(v, place));
    const first = classes.findIndex((c) => c !== "unknown" && c !== "other");
    if (first < 0) return classes.includes("other") ? "other" : "unknown";
    for (let i = first + 1; i < values.length; i++) {
      if (!comparable(classes[first]!, classes[i]!)) {
        throw typeError(`${what} are values of one kind: ${described(values[first]!, classes[first]!)}, ${described(values[i]!, classes[i]!)}`, values[i]!);
      }
    }
    return classes[first]!;
  }

  private call(name: BuiltinName, args: readonly Expression[], place: Place, e: Expression): ValueClass {
    const operands = BUILTINS[name].operands;
    if (operands === "alike") {
      this.alike(args, place, `the arguments of ${name}`);
      return classOf(typeOf(e));
    }
    const signature = BUILTINS[name].signatures.find((s) => s.args.length === args.length || (s.variadic === true && args.length >= s.args.length));
    args.forEach((a, i) => {
      const c = this.expr(a, place);
      const form = signature?.args[Math.min(i, signature.args.length - 1)];
      if (form !== "value") return;
      if (operands === "string" && (c === "number" || c === "boolean" || c === "timestamp")) throw typeError(`${name} takes a character string: ${described(a, c)}`, a);
      if (operands === "number") this.number(a, c, name);
    });
    return classOf(typeOf(e));
  }

  private aggregate(e: Aggregate, place: Place): ValueClass {
    if (place.aggregate !== null) {
      throw new AdqlError("ADQL_BAD_GROUPING", `${printAdql(e)} inside ${printAdql(place.aggregate)}: an aggregate cannot take another's value; use a subquery`, e.span);
    }
    const refused = NO_AGGREGATE[place.clause];
    // An aggregate of an outer query's columns alone, in a subquery's WHERE, is the outer query's (SQL-92 §6.5).
    if (refused !== undefined && !ofOuterColumns(e.arg, place.level)) throw new AdqlError("ADQL_BAD_GROUPING", `${printAdql(e)} ${refused}`, e.span);
    if (place.clause === "select" || place.clause === "having") this.firstAggregate ??= e;
    if (e.arg === null) return "number";
    const c = this.expr(e.arg, { clause: place.clause, level: place.level, aggregate: e, grouping: null });
    // SUM of a boolean counts the true values on every engine; AVG of one DuckDB refuses.
    if (e.name === "AVG" || (e.name === "SUM" && c !== "boolean")) this.number(e.arg, c, e.name);
    return e.name === "COUNT" || e.name === "SUM" || e.name === "AVG" ? "number" : c;
  }
}

/**
 * A string literal that reads as a number ('30', '1651589610221862935'): DuckDB and MariaDB both read it as that number
 * where a number is wanted, and identifiers quoted by scripts are common. Other strings ('a') are refused there.
 */
const NUMERIC_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function numericString(e: Expression): boolean {
  return e.kind === "StringLiteral" && NUMERIC_TEXT.test(e.value);
}

/** A number (or a boolean, which compares with 0 and 1) on one side, a numeric string literal on the other. */
function numberAndNumericString(a: Expression, ca: ValueClass, b: Expression, cb: ValueClass): boolean {
  const numeric = (c: ValueClass): boolean => c === "number" || c === "boolean";
  return (numeric(ca) && cb === "string" && numericString(b)) || (numeric(cb) && ca === "string" && numericString(a));
}

/**
 * Whether the ORDER BY key of a SELECT DISTINCT is known from the selected values (SQL-92 §7.10 with ADQL 2.1's
 * expressions as sort keys): a position, an alias, a selected expression, or an expression whose columns are all
 * selected (with the aggregates of a grouped query). Undecided, so accepted, where SELECT * was not expanded.
 */
function sortsBySelected(e: Expression, s: Select): boolean {
  if (e.kind === "NumberLiteral") return true;
  if (s.items.some((i) => i.kind === "SelectAll")) return true;
  const key = textOf(e);
  const selected = s.items.flatMap((i) => (i.kind === "SelectColumn" ? [i.expr] : []));
  if (selected.some((x) => textOf(x) === key)) return true;
  const selectedColumns = new Set(selected.flatMap((x) => (x.kind === "ColumnRef" && columnKey(x) !== undefined ? [columnKey(x)!] : [])));
  const grouped = s.groupBy.length > 0;
  let known = true;
  forEachNodeButNames(e, (n) => {
    if (!known) return false;
    const kind = n.kind;
    if (kind === "Query") return false;
    if (kind === "Aggregate") {
      known = grouped;
      return false;
    }
    if (kind === "ColumnRef") {
      const k = columnKey(n);
      known = n.binding === undefined || n.binding.relation === "" || (k !== undefined && selectedColumns.has(k));
    }
    return true;
  });
  return known;
}

/** Refuses a column of this SELECT's relations (an outer query's is a constant here) that is not a group term. */
function checkGrouped(e: ColumnRef, g: Grouping): void {
  if (e.binding === undefined || e.binding.relation === "" || !g.relations.has(e.binding.relation) || isGroupTerm(e, g)) return;
  throw new AdqlError(
    "ADQL_BAD_GROUPING",
    `${columnName(e)} is neither in GROUP BY nor inside an aggregate, in ${groupedBy(g)}: give it to GROUP BY, or to an aggregate such as MIN or MAX`,
    e.span,
  );
}

function groupedBy(g: Grouping): string {
  if (g.because === "GROUP BY") return "a query with GROUP BY";
  return `a query with ${g.because === "HAVING" ? "HAVING" : printAdql(g.because)}, which makes one group of all rows`;
}

/** A column as the message names it: as written, or by its name where name resolution wrote it (SELECT *). */
function columnName(e: ColumnRef): string {
  return e.binding && e.parts.every((p) => p.delimited) ? e.binding.column : printAdql(e);
}

/** Whether `arg` reads columns, and only of relations other than this SELECT's (an outer query's). */
function ofOuterColumns(arg: Expression | null, level: ReadonlySet<string> | null): boolean {
  if (arg === null || level === null) return false;
  let outer = 0;
  let own = 0;
  forEachNodeButNames(arg, (n) => {
    if (n.kind === "Query") return false;
    if (n.kind === "ColumnRef" && n.binding) {
      if (n.binding.relation !== "" && !level.has(n.binding.relation)) outer++;
      else own++;
    }
    return true;
  });
  return outer > 0 && own === 0;
}

/** The grouping of a grouped SELECT (by GROUP BY, HAVING or an aggregate of its own: `because`). */
function groupingOf(s: Select, relations: ReadonlySet<string>, because: Grouping["because"]): Grouping {
  const columns = new Set<string>();
  const expressions = new Set<string>();
  const visible = s.items.flatMap((i) => (i.kind === "SelectColumn" && !i.hidden ? [i] : []));
  for (const g of s.groupBy) {
    // A position in the select list, as every engine reads one (ADQL 2.1 defines positions for ORDER BY only).
    if (g.kind === "NumberLiteral" && g.form === "integer") {
      const item = visible[Number(g.text) - 1];
      if (item === undefined) throw new AdqlError("ADQL_UNKNOWN_COLUMN", `GROUP BY ${g.text}: the select list has ${visible.length} column${visible.length === 1 ? "" : "s"}`, g.span);
      const key = item.expr.kind === "ColumnRef" ? columnKey(item.expr) : undefined;
      if (key !== undefined) columns.add(key);
      else expressions.add(textOf(item.expr));
      continue;
    }
    if (g.kind === "ColumnRef" && g.binding) {
      if (g.binding.relation === "") columns.add(`\u0000${g.binding.column.toLowerCase()}`);
      else columns.add(columnKey(g)!);
    } else {
      expressions.add(textOf(g));
    }
  }
  // A select item named in GROUP BY by its alias is a group term.
  for (const item of s.items) {
    if (item.kind !== "SelectColumn" || !item.alias || !columns.has(`\u0000${item.alias.name.toLowerCase()}`)) continue;
    const key = item.expr.kind === "ColumnRef" ? columnKey(item.expr) : undefined;
    if (key !== undefined) columns.add(key);
    else expressions.add(textOf(item.expr));
  }
  return { relations, columns, expressions, because };
}

function isGroupTerm(e: Expression, g: Grouping): boolean {
  if (e.kind === "ColumnRef") {
    const key = columnKey(e);
    return key !== undefined && (g.columns.has(key) || e.binding!.relation === "");
  }
  return g.expressions.size > 0 && e.kind !== "NumberLiteral" && e.kind !== "StringLiteral" && g.expressions.has(textOf(e));
}

/** ADQL text of an expression with its columns as they were bound, for comparing GROUP BY terms with select items. */
function textOf(e: Expression): string {
  return JSON.stringify(e, (k, v: unknown) => {
    if (k === "span") return undefined;
    // A number by its value and kind (2. and 2.0 are one decimal; 10 and 10.0 are not the same type).
    if (typeof v === "object" && v !== null && (v as Node).kind === "NumberLiteral") {
      const n = v as Extract<Node, { kind: "NumberLiteral" }>;
      return `${n.form === "integer" || n.form === "hex" ? "integer" : "real"}\u0000${n.form === "hex" ? BigInt(n.text).toString() : Number(n.text)}`;
    }
    if (typeof v === "object" && v !== null && (v as Node).kind === "ColumnRef" && (v as ColumnRef).binding) {
      const b = (v as ColumnRef).binding!;
      return `${b.relation}\u0000${b.column.toLowerCase()}`;
    }
    return v;
  });
}

/** The SQL qualifiers of a FROM list's relations, as name resolution bound columns to them. */
function relationsOf(from: readonly TableReference[]): ReadonlySet<string> {
  const out = new Set<string>();
  const visit = (t: TableReference): void => {
    switch (t.kind) {
      case "TableRef": {
        const name = t.sqlName ?? t.name.parts.map((p) => p.name);
        out.add(t.alias?.name ?? name[name.length - 1]!);
        return;
      }
      case "DerivedTable": out.add(t.alias.name); return;
      case "Join": visit(t.left); visit(t.right);
    }
  };
  from.forEach(visit);
  return out;
}

export function checkExpressions(query: Query, _ctx: PassContext): Query {
  new Checker().query(query);
  return query;
}
