/**
 * Pass: resolve every name (ADQL 2.1 §2.1.7 for case, §2.2 for scope).
 *
 * - Tables come from the schema, from CTEs, or from subqueries in FROM; TAP_UPLOAD tables are in the
 *   schema like any other (the service adds them).
 * - Each column reference gets a binding (its relation and column in SQL, and its type); unknown and
 *   ambiguous names are positioned errors with a "did you mean".
 * - USING and NATURAL join columns are one column for unqualified references (COALESCE for FULL).
 * - `*` and `t.*` are expanded, so that the result columns are known without the database.
 * - Every result column gets a unique name, written as an alias; ORDER BY ordinals and aliases become
 *   references to those names.
 * - User-defined functions become calls of the registry's exact name, with their declared type.
 *
 * Without a schema (`adql2qserv` without `--schema`), names are left as written and unchecked.
 */
import type {
  ColumnBinding, ColumnRef, CommonTableExpression, Expression, Identifier, Join, Node, OrderItem, Query, QueryBody,
  Select, SelectColumn, SelectItem, Span, TableReference, ValueType,
} from "../ast/nodes.js";
import { extend, firstSelect, mapChildren } from "../ast/transform.js";
import { AdqlError } from "../errors.js";
import { sameName, suggest } from "../analysis/names.js";
import type { SchemaLookup, SchemaTable } from "../analysis/schema.js";
import { queryColumnTypes, sameStorage, typeOf, UNKNOWN, withRegion, type RegionValueType } from "../analysis/types.js";
import { scisqlFunction } from "../builtins.js";
import { isRegionStorageColumn, REGION_XTYPES, regionStorageIn, regionXtype } from "../catalog/regions.js";
import { defaultFunctionRegistry, udfReturnType, type FunctionRegistry } from "../parser/functions.js";
import type { PassContext } from "./context.js";

interface RelationColumn {
  readonly name: string;
  readonly type: ValueType;
}

interface Relation {
  /** Names that qualify this relation's columns: [alias] or [schema, table]. */
  readonly qualifier: readonly string[];
  /** Whether the alias was written delimited (exact match) or the qualifier comes from a table. */
  readonly aliasDelimited: boolean | null;
  readonly sqlQualifier: string;
  readonly columns: readonly RelationColumn[];
  readonly table: SchemaTable | null;
}

/** A USING or NATURAL join column: one name for two columns. */
interface MergedColumn {
  readonly name: string;
  readonly left: ColumnBinding;
  readonly right: ColumnBinding;
  readonly type: "INNER" | "LEFT" | "RIGHT" | "FULL" | "CROSS";
}

interface Scope {
  readonly relations: Relation[];
  readonly merged: MergedColumn[];
  /** Columns hidden from unqualified lookup because a merged column stands for them. */
  readonly hidden: Set<string>;
  readonly parent: Scope | null;
  readonly ctes: ReadonlyMap<string, { name: string; columns: RelationColumn[] }>;
}

class Resolver {
  constructor(
    private readonly schema: SchemaLookup,
    private readonly functions: FunctionRegistry,
  ) {}

  query(q: Query, parent: Scope | null, ctesIn: ReadonlyMap<string, { name: string; columns: RelationColumn[] }>): Query {
    let ctes = ctesIn;
    const withOut: CommonTableExpression[] = [];
    for (const cte of q.with) {
      const resolved = this.query(cte.query, null, ctes);
      const columns = outputColumns(resolved);
      const next = new Map(ctes);
      next.set(cte.name.delimited ? cte.name.name : cte.name.name.toLowerCase(), { name: cte.name.name, columns });
      ctes = next;
      withOut.push({ ...cte, query: resolved });
    }
    const { body, scope } = this.body(q.body, parent, ctes);
    // The result columns' types are computed only for an ORDER BY that may name them.
    const outputs = q.orderBy.length === 0 ? [] : outputColumns(body);
    const orderBy = q.orderBy.map((o) => this.orderItem(o, outputs, scope));
    return { ...q, with: withOut, body, orderBy };
  }

  /** Resolves a set operation or a select; returns the scope of its (first) SELECT, for ORDER BY. */
  private body(b: QueryBody, parent: Scope | null, ctes: Scope["ctes"]): { body: QueryBody; scope: Scope | null } {
    switch (b.kind) {
      case "Select": return this.select(b, parent, ctes);
      case "Query": return { body: this.query(b, parent, ctes), scope: null };
      case "SetOperation": {
        const left = this.body(b.left, parent, ctes).body;
        const right = this.body(b.right, parent, ctes).body;
        const l = outputColumns(left);
        const r = outputColumns(right);
        if (l.length !== r.length) {
          throw new AdqlError("ADQL_SYNTAX_ERROR", `the operands of ${b.op} have ${l.length} and ${r.length} columns; they must have as many`, b.span);
        }
        return { body: { ...b, left, right }, scope: null };
      }
    }
  }

  private select(s: Select, parent: Scope | null, ctes: Scope["ctes"]): { body: Select; scope: Scope } {
    const scope: Scope = { relations: [], merged: [], hidden: new Set(), parent, ctes };
    const used = new Set<string>();
    const from = s.from.map((t) => this.tableReference(t, scope, used));
    const items: SelectItem[] = [];
    for (const item of s.items) {
      if (item.kind === "SelectAll") items.push(...this.expandStar(item, scope));
      else items.push({ ...item, expr: this.expr(item.expr, scope) });
    }
    const named = nameColumns(items);
    const aliasScope = s.groupBy.length > 0 || s.having ? aliasesOf(named) : undefined;
    const where = s.where && this.expr(s.where, scope);
    const groupBy = s.groupBy.map((g) => this.expr(g, scope, aliasScope));
    const having = s.having && this.expr(s.having, scope, aliasScope);
    return { body: { ...s, from, items: named, where, groupBy, having }, scope };
  }

  private tableReference(t: TableReference, scope: Scope, used: Set<string>): TableReference {
    switch (t.kind) {
      case "TableRef": return this.tableRef(t, scope, used);
      case "DerivedTable": {
        const query = this.query(t.query, null, scope.ctes);
        const qualifier = uniqueQualifier(t.alias.name, used);
        scope.relations.push({
          qualifier: [t.alias.name], aliasDelimited: t.alias.delimited, sqlQualifier: qualifier,
          columns: outputColumns(query), table: null,
        });
        return { ...t, query, alias: qualifier === t.alias.name ? t.alias : { ...t.alias, name: qualifier, delimited: true } };
      }
      case "Join": return this.join(t, scope, used);
    }
  }

  private tableRef(t: Extract<TableReference, { kind: "TableRef" }>, scope: Scope, used: Set<string>): TableReference {
    const parts = t.name.parts;
    const last = parts[parts.length - 1]!;
    // A one-part name may be a common table expression (ADQL 2.1 §4.5).
    if (parts.length === 1) {
      const cte = scope.ctes.get(last.delimited ? last.name : last.name.toLowerCase());
      if (cte) {
        const written = t.alias ?? last;
        const qualifier = uniqueQualifier(written.name, used);
        scope.relations.push({
          qualifier: [written.name], aliasDelimited: written.delimited, sqlQualifier: qualifier, columns: cte.columns, table: null,
        });
        return extend(t, { sqlName: [cte.name], alias: qualifier === cte.name && !t.alias ? null : aliasIdentifier(qualifier, t.span) });
      }
    }
    const table = this.findTable(parts, t.name.span);
    const sqlName = table.sqlName ?? (table.schema === null ? [table.name] : [table.schema, table.name]);
    const written = t.alias?.name ?? table.name;
    const qualifier = uniqueQualifier(written, used);
    scope.relations.push({
      qualifier: t.alias ? [t.alias.name] : table.schema === null ? [table.name] : [table.schema, table.name],
      aliasDelimited: t.alias ? t.alias.delimited : null,
      sqlQualifier: qualifier,
      columns: tableColumns(table),
      table,
    });
    // An alias in SQL whenever the SQL qualifier is not the table's own last name part.
    const needsAlias = t.alias !== null || qualifier !== sqlName[sqlName.length - 1];
    return extend(t, { sqlName, alias: needsAlias ? aliasIdentifier(qualifier, t.alias?.span ?? t.span) : null });
  }

  private findTable(parts: readonly Identifier[], span: Span): SchemaTable {
    const name = parts[parts.length - 1]!;
    const schemaPart = parts.length >= 2 ? parts[parts.length - 2]! : null;
    const matches = this.schema.tables.filter((t) =>
      sameName(name, t.name) && (schemaPart === null || (t.schema !== null && sameName(schemaPart, t.schema))));
    if (matches.length === 1 && parts.length <= 2) return matches[0]!;
    const written = parts.map((p) => p.name).join(".");
    if (matches.length > 1) {
      const options = matches.map((t) => (t.schema ? `${t.schema}.${t.name}` : t.name)).join(", ");
      throw new AdqlError("ADQL_UNKNOWN_TABLE", `table ${written} is ambiguous: qualify it with its schema (${options})`, span);
    }
    const known = this.schema.tables.map((t) => (t.schema ? `${t.schema}.${t.name}` : t.name));
    const hint = suggest(written, known) ?? suggest(name.name, this.schema.tables.map((t) => t.name));
    throw new AdqlError("ADQL_UNKNOWN_TABLE", `unknown table ${written}`, span, hint ? { hint } : {});
  }

  private join(j: Join, scope: Scope, used: Set<string>): Join {
    const firstLeft = scope.relations.length;
    const left = this.tableReference(j.left, scope, used);
    const firstRight = scope.relations.length;
    const right = this.tableReference(j.right, scope, used);
    const leftRels = scope.relations.slice(firstLeft, firstRight);
    const rightRels = scope.relations.slice(firstRight);
    let names: Identifier[] = [...j.using];
    if (j.natural) {
      const rightNames = rightRels.flatMap((r) => r.columns.map((c) => c.name.toLowerCase()));
      names = leftRels.flatMap((r) => r.columns)
        .filter((c) => rightNames.includes(c.name.toLowerCase()))
        .map((c) => ({ kind: "Identifier", name: c.name, delimited: false, span: j.span }) as Identifier);
    }
    for (const id of names) {
      const l = findIn(leftRels, id, scope);
      const r = findIn(rightRels, id, scope);
      if (!l || !r) {
        throw new AdqlError("ADQL_UNKNOWN_COLUMN", `join column ${id.name} is not in ${!l ? "the left" : "the right"} table`, id.span);
      }
      scope.merged.push({ name: l.column, left: l, right: r, type: j.type });
      scope.hidden.add(`${l.relation}\u0000${l.column}`);
      scope.hidden.add(`${r.relation}\u0000${r.column}`);
    }
    const on = j.on && this.expr(j.on, scope);
    return { ...j, left, right, on };
  }

  private expandStar(item: Extract<SelectItem, { kind: "SelectAll" }>, scope: Scope): SelectColumn[] {
    let relations = scope.relations;
    if (item.qualifier) {
      const q = item.qualifier.parts;
      relations = scope.relations.filter((r) => qualifies(r, q));
      if (relations.length === 0) {
        throw new AdqlError("ADQL_UNKNOWN_TABLE", `no table ${q.map((p) => p.name).join(".")} in FROM`, item.qualifier.span);
      }
    }
    const out: SelectColumn[] = [];
    for (const rel of relations) {
      for (const col of rel.columns) {
        if (rel.table && isRegionStorageColumn(rel.table.columns, col.name)) continue;
        const key = `${rel.sqlQualifier}\u0000${col.name}`;
        let expr: Expression = columnRef(rel, col, item.span);
        if (!item.qualifier && scope.hidden.has(key)) {
          const m = scope.merged.find((mc) => mc.left.relation === rel.sqlQualifier && mc.left.column === col.name);
          if (!m) continue; // the right side of a merged column: it appears once, on the left
          expr = mergedExpression(m, item.span);
        }
        out.push({ kind: "SelectColumn", expr, alias: null, span: item.span });
      }
    }
    return out;
  }

  private orderItem(o: OrderItem, outputs: RelationColumn[], scope: Scope | null): OrderItem {
    const byResult = orderByResultColumn(o, outputs);
    if (byResult) return byResult;
    const e = o.expr;
    if (!scope && e.kind === "ColumnRef" && e.parts.length === 1) {
      const id = e.parts[0]!;
      const hits = outputs.filter((c) => sameName(id, c.name)).length;
      if (hits > 1) throw new AdqlError("ADQL_AMBIGUOUS_COLUMN", `ORDER BY ${id.name} matches ${hits} result columns`, e.span);
    }
    if (!scope) {
      throw new AdqlError("ADQL_UNKNOWN_COLUMN", "ORDER BY of a set operation must name a result column or its position", e.span);
    }
    return { ...o, expr: this.expr(e, scope) };
  }

  /** Resolves names inside an expression; `aliases` are result columns that GROUP BY and HAVING may name. */
  expr(e: Expression, scope: Scope, aliases?: RelationColumn[]): Expression {
    switch (e.kind) {
      case "ColumnRef": return this.columnRef(e, scope, aliases);
      case "ScalarSubquery": return { ...e, query: this.query(e.query, scope, scope.ctes) };
      case "Exists": return { ...e, query: this.query(e.query, scope, scope.ctes) };
      case "InPredicate": {
        const expr = this.expr(e.expr, scope, aliases);
        const values = Array.isArray(e.values)
          ? (e.values as readonly Expression[]).map((v) => this.expr(v, scope, aliases))
          : this.query(e.values as Query, scope, scope.ctes);
        return { ...e, expr, values };
      }
      case "UserFunctionCall": {
        const def = this.functions.lookup(e.name.name);
        const args = e.args.map((a) => this.expr(a, scope, aliases));
        return { kind: "SqlFunctionCall", name: def?.name ?? e.name.name, args, type: udfType(def?.name ?? e.name.name, udfReturnType(def ?? { name: "", minArgs: 0, maxArgs: 0 })), span: e.span };
      }
      default:
        return mapChildren(e, (child) => this.child(child, scope, aliases));
    }
  }

  /** Children of an expression: expressions, and the Coordinates and WHEN clauses that hold expressions. */
  private child(n: Node, scope: Scope, aliases?: RelationColumn[]): Node {
    const kind = n.kind; // read once: a megamorphic lookup each time, and this runs for every node
    if (kind === "Coordinates" || kind === "WhenClause") return mapChildren(n, (c) => this.child(c, scope, aliases));
    return NON_EXPRESSION.has(kind) ? n : this.expr(n as Expression, scope, aliases);
  }

  private columnRef(ref: ColumnRef, scope: Scope, aliases?: RelationColumn[]): Expression {
    const parts = ref.parts;
    const name = parts[parts.length - 1]!;
    const qualifier = parts.slice(0, -1);
    for (let s: Scope | null = scope; s; s = s.parent) {
      if (qualifier.length === 0) {
        const merged = s.merged.length === 0 ? s.merged : s.merged.filter((m) => sameName(name, m.name));
        const direct: ColumnBinding[] = [];
        for (const rel of s.relations) {
          for (const col of columnsNamed(rel.columns, name)) {
            if (s.hidden.size === 0 || !s.hidden.has(`${rel.sqlQualifier}\u0000${col.name}`)) {
              direct.push({ relation: rel.sqlQualifier, column: col.name, type: col.type });
            }
          }
        }
        const total = merged.length + direct.length;
        if (total > 1) {
          const where = [...merged.map((m) => m.name), ...direct.map((d) => `${d.relation}.${d.column}`)].join(", ");
          throw new AdqlError("ADQL_AMBIGUOUS_COLUMN", `column ${name.name} is ambiguous (${where}): qualify it with its table`, ref.span);
        }
        if (merged.length === 1) return mergedExpression(merged[0]!, ref.span);
        if (direct.length === 1) return bound(ref, direct[0]!);
      } else {
        const rels = s.relations.filter((r) => qualifies(r, qualifier));
        if (rels.length > 1) {
          throw new AdqlError("ADQL_AMBIGUOUS_COLUMN", `${qualifier.map((p) => p.name).join(".")} names several tables in FROM: use aliases`, ref.span);
        }
        const rel = rels[0];
        if (rel) {
          const cols = columnsNamed(rel.columns, name);
          if (cols.length === 1) return bound(ref, { relation: rel.sqlQualifier, column: cols[0]!.name, type: cols[0]!.type });
          const hint = suggest(name.name, rel.columns.map((c) => c.name));
          throw new AdqlError("ADQL_UNKNOWN_COLUMN", `table ${qualifier.map((p) => p.name).join(".")} has no column ${name.name}`, name.span, hint ? { hint } : {});
        }
      }
    }
    if (qualifier.length === 0 && aliases) {
      const hits = aliases.filter((c) => sameName(name, c.name));
      if (hits.length === 1) return outputRef(hits[0]!, ref.span);
    }
    if (qualifier.length > 0) {
      const q = qualifier.map((p) => p.name).join(".");
      throw new AdqlError("ADQL_UNKNOWN_TABLE", `no table ${q} in FROM for column ${parts.map((p) => p.name).join(".")}`, qualifier[0]!.span);
    }
    const candidates: string[] = [];
    for (let s: Scope | null = scope; s; s = s.parent) for (const r of s.relations) for (const c of r.columns) candidates.push(c.name);
    const hint = suggest(name.name, candidates);
    throw new AdqlError("ADQL_UNKNOWN_COLUMN", `unknown column ${name.name}`, ref.span, hint ? { hint } : {});
  }
}

const NON_EXPRESSION = new Set(["Identifier", "Coordinates", "WhenClause", "Query", "TableName"]);

function aliasIdentifier(name: string, span: Span): Identifier {
  return { kind: "Identifier", name, delimited: true, span };
}

function uniqueQualifier(name: string, used: Set<string>): string {
  let q = name;
  for (let i = 2; used.has(q.toLowerCase()); i++) q = `${name}_${i}`;
  used.add(q.toLowerCase());
  return q;
}

function qualifies(rel: Relation, qualifier: readonly Identifier[]): boolean {
  if (rel.aliasDelimited !== null) return qualifier.length === 1 && sameName(qualifier[0]!, rel.qualifier[0]!) && (!rel.aliasDelimited || qualifier[0]!.delimited || qualifier[0]!.name === rel.qualifier[0]);
  // [schema.]table, matched from the right; a catalog part, if any, is not checked.
  const q = qualifier.slice(-rel.qualifier.length);
  const names = rel.qualifier.slice(-q.length);
  return q.length >= 1 && q.every((id, i) => sameName(id, names[i]!));
}

function findIn(rels: Relation[], id: Identifier, scope: Scope): ColumnBinding | undefined {
  for (const rel of rels) {
    const col = rel.columns.find((c) => sameName(id, c.name) && !scope.hidden.has(`${rel.sqlQualifier}\u0000${c.name}`));
    if (col) return { relation: rel.sqlQualifier, column: col.name, type: col.type };
  }
  return undefined;
}

function columnRef(rel: Relation, col: RelationColumn, span: Span): ColumnRef {
  return {
    kind: "ColumnRef",
    parts: [aliasIdentifier(rel.sqlQualifier, span), aliasIdentifier(col.name, span)],
    binding: { relation: rel.sqlQualifier, column: col.name, type: col.type },
    span,
  };
}

/**
 * `ref` with its binding, written out rather than extend()ed: every ColumnRef that this pass makes then has
 * one shape (kind, parts, binding, span), and a compile binds every column reference.
 */
function bound(ref: ColumnRef, binding: ColumnBinding): ColumnRef {
  return { kind: "ColumnRef", parts: ref.parts, binding, span: ref.span };
}

function bindingRef(b: ColumnBinding, span: Span): ColumnRef {
  return { kind: "ColumnRef", parts: [aliasIdentifier(b.relation, span), aliasIdentifier(b.column, span)], binding: b, span };
}

/** A USING/NATURAL column: the side that always has a value, or COALESCE of both for FULL joins. */
function mergedExpression(m: MergedColumn, span: Span): Expression {
  if (m.type === "RIGHT") return bindingRef(m.right, span);
  if (m.type !== "FULL") return bindingRef(m.left, span);
  return { kind: "SqlFunctionCall", name: "COALESCE", args: [bindingRef(m.left, span), bindingRef(m.right, span)], type: m.left.type, span };
}

/** A reference to a result column by its name: ORDER BY, GROUP BY and HAVING may use them. */
function outputRef(col: RelationColumn, span: Span): ColumnRef {
  return { kind: "ColumnRef", parts: [aliasIdentifier(col.name, span)], binding: { relation: "", column: col.name, type: col.type }, span };
}

/**
 * A catalog table's columns as a query sees them: a region column (catalog/regions.ts) carries its xtype
 * and which storage columns the table lists; the storage columns themselves are left out of SELECT *
 * (expandStar), though a query may still name them.
 */
function tableColumns(table: SchemaTable): readonly RelationColumn[] {
  let columns = tableColumnsCache.get(table);
  if (!columns) {
    columns = tableColumnsOf(table);
    tableColumnsCache.set(table, columns);
  }
  return columns;
}

/** A schema outlives the queries that use it (compile's catalog is converted once): its columns are read once. */
const tableColumnsCache = new WeakMap<SchemaTable, readonly RelationColumn[]>();

function tableColumnsOf(table: SchemaTable): RelationColumn[] {
  const names = table.columns.map((c) => c.name);
  return table.columns.map((c) => {
    // Regions are stored as text; a numeric array with a region xtype (a VOTable upload) is an array.
    const xtype = c.datatype === "char" || c.datatype === "unicodeChar" ? regionXtype(c) : null;
    if (xtype === null) return { name: c.name, type: columnType(c) };
    const storage = regionStorageIn(names, c.name);
    const declared = (REGION_XTYPES as readonly string[]).includes(c.xtype?.toLowerCase() ?? "");
    const type: RegionValueType = { ...columnType(c), region: { xtype, ...storage, dali: declared || storage.bounds } };
    return { name: c.name, type };
  });
}

/**
 * The columns that `id` names (ADQL 2.1 §2.1.7: a regular identifier in any case, a delimited one
 * exactly), in their order, through an index by lower-case name built once per column list: a
 * catalog table's list is cached (tableColumns), so a wide table is not scanned for each reference.
 */
function columnsNamed(columns: readonly RelationColumn[], id: Identifier): readonly RelationColumn[] {
  let index = columnIndexes.get(columns);
  if (!index) {
    index = new Map();
    for (const c of columns) {
      const key = c.name.toLowerCase();
      const list = index.get(key);
      if (list) list.push(c);
      else index.set(key, [c]);
    }
    columnIndexes.set(columns, index);
  }
  const found = index.get(id.name.toLowerCase());
  if (!found) return NONE;
  return id.delimited ? found.filter((c) => c.name === id.name) : found;
}

const columnIndexes = new WeakMap<readonly RelationColumn[], Map<string, RelationColumn[]>>();
const NONE: readonly RelationColumn[] = [];

function columnType(c: ValueType): ValueType {
  const out: { -readonly [K in keyof ValueType]: ValueType[K] } = { datatype: c.datatype };
  for (const k of ["arraysize", "xtype", "unit", "ucd", "utype", "description", "nullValue"] as const) if (c[k] !== undefined) out[k] = c[k];
  return out;
}

/** A UDF's type: a scisql function's from builtins.ts (with its unit and UCD), else the ADQL type of its form. */
function udfType(name: string, adqlType: string | undefined): ValueType {
  const scisql = scisqlFunction(name);
  if (scisql) return scisql.type;
  switch (adqlType) {
    case "SMALLINT": return { datatype: "short" };
    case "INTEGER": return { datatype: "int" };
    case "BIGINT": return { datatype: "long" };
    case "REAL": return { datatype: "float" };
    case "DOUBLE": case "DOUBLE PRECISION": return { datatype: "double" };
    case "VARCHAR": case "CHAR": return { datatype: "char", arraysize: "*" };
    case "TIMESTAMP": return { datatype: "char", arraysize: "*", xtype: "timestamp" };
    default: return UNKNOWN;
  }
}

/** Result column names: the alias, else the column's name, else the function's; then made unique. */
function nameColumns(items: SelectItem[]): SelectItem[] {
  const used = new Set<string>();
  return items.map((item) => {
    if (item.kind !== "SelectColumn") return item;
    const base = item.alias?.name ?? defaultName(item.expr);
    let name = base;
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base}_${i}`;
    used.add(name.toLowerCase());
    if (item.alias && item.alias.name === name) return item;
    return { ...item, alias: { kind: "Identifier", name, delimited: true, span: item.alias?.span ?? item.span } };
  });
}

function defaultName(e: Expression): string {
  switch (e.kind) {
    case "ColumnRef": return e.binding?.column ?? e.parts[e.parts.length - 1]!.name;
    case "FunctionCall": case "Aggregate": return e.name.toLowerCase();
    // The only SQL call here is the COALESCE of a FULL JOIN's USING column: named after the column.
    case "SqlFunctionCall": return e.name === "COALESCE" && e.args[0] ? defaultName(e.args[0]) : e.name.toLowerCase();
    case "UserFunctionCall": return e.name.name.toLowerCase();
    case "Point": case "Circle": case "Box": case "Polygon": case "Region": return e.kind.toLowerCase();
    case "Cast": return defaultName(e.expr);
    default: return "expr";
  }
}

function aliasesOf(items: SelectItem[]): RelationColumn[] {
  return items.flatMap((i) => (i.kind === "SelectColumn" && i.alias ? [{ name: i.alias.name, type: withRegion(typeOf(i.expr), i.expr) }] : []));
}

/** The result columns of a resolved query: names from its first SELECT, types of all its operands' values (queryColumnTypes). */
export function outputColumns(q: Query | QueryBody): RelationColumn[] {
  const types = q.kind === "SetOperation" || (q.kind === "Query" && q.body.kind !== "Select") ? queryColumnTypes(q) : undefined;
  return firstSelect(q).items.filter((i) => i.kind === "SelectColumn" && !i.hidden).map((i, k) => {
    const c = i as SelectColumn;
    const own = typeOf(c.expr);
    const type = types === undefined || sameStorage(types[k]!, own) ? withRegion(own, c.expr) : types[k]!;
    return { name: c.alias?.name ?? defaultName(c.expr), type };
  });
}

/**
 * Names only, for a query compiled without a schema: output names are assigned, and ORDER BY items that name a result
 * column, by its position or its name, refer to it as with a schema (the qserv dialect otherwise read a position as a
 * constant to sort by, and a DISTINCT column as one missing from the select list). Nothing else is checked.
 */
function nameOnly(q: Query): Query {
  const body = (b: QueryBody): QueryBody => {
    switch (b.kind) {
      case "Select": return b.items.some((i) => i.kind === "SelectAll") ? b : { ...b, items: nameColumns([...b.items]) };
      case "Query": return nameOnly(b);
      case "SetOperation": return { ...b, left: body(b.left), right: body(b.right) };
    }
  };
  const named: Query = { ...q, body: body(q.body) };
  if (named.orderBy.length === 0 || firstSelect(named).items.some((i) => i.kind === "SelectAll")) return named;
  const outputs = outputColumns(named);
  return { ...named, orderBy: named.orderBy.map((o) => orderByResultColumn(o, outputs) ?? o) };
}

/**
 * An ORDER BY item that names a result column, by its position (one beyond the select list is an error) or by a name
 * that exactly one result column has, as a reference to that column; undefined for anything else.
 */
function orderByResultColumn(o: OrderItem, outputs: readonly RelationColumn[]): OrderItem | undefined {
  const e = o.expr;
  if (e.kind === "NumberLiteral" && e.form === "integer") {
    const n = Number(e.text);
    const col = outputs[n - 1];
    if (!col) throw new AdqlError("ADQL_UNKNOWN_COLUMN", `ORDER BY ${n}: the select list has ${outputs.length} column${outputs.length === 1 ? "" : "s"}`, e.span);
    return { ...o, expr: outputRef(col, e.span) };
  }
  if (e.kind === "ColumnRef" && e.parts.length === 1) {
    const hits = outputs.filter((c) => sameName(e.parts[0]!, c.name));
    if (hits.length === 1) return { ...o, expr: outputRef(hits[0]!, e.span) };
  }
  return undefined;
}

export function resolveNames(query: Query, ctx: PassContext): Query {
  const functions = ctx.functions ?? defaultFunctionRegistry;
  if (!ctx.schema) {
    return nameOnly(query);
  }
  return new Resolver(ctx.schema, functions).query(query, null, new Map());
}
