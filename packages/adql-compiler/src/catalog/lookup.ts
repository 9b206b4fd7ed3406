/**
 * Finding schemas, tables and columns by the names a query writes (ADQL 2.1 §2.1.7: regular
 * identifiers without regard to case, delimited ones exactly), and "did you mean" suggestions.
 *
 * The finders return every match, so that the caller can tell "unknown" (none) from
 * "ambiguous" (several: a table name in two schemas, or columns "a" and "A" found by a regular
 * identifier) and report each with its own error.
 */
import type { ValueType } from "../ast/nodes.js";
import { loadFelis, type LoadFelisOptions } from "./felis.js";
import { editDistance } from "../analysis/names.js";
import { identifierMatches, type Identifier } from "./identifiers.js";
import { mergeCatalogs, type Catalog, type Column, type Schema, type Table } from "./model.js";

const tablesByName = new WeakMap<Catalog, Map<string, Table[]>>();
const columnsByName = new WeakMap<Table, Map<string, Column[]>>();

/** Schemas that `id` names. */
export function findSchemas(catalog: Catalog, id: Identifier): Schema[] {
  return catalog.schemas.filter((s) => identifierMatches(id, s.name));
}

/** Tables that `table` (qualified by `schema`, if the query wrote one) names, in every schema. */
export function findTables(catalog: Catalog, table: Identifier, schema?: Identifier): Table[] {
  let index = tablesByName.get(catalog);
  if (!index) {
    index = groupByLowerCase(catalog.schemas.flatMap((s) => s.tables));
    tablesByName.set(catalog, index);
  }
  return (index.get(table.name.toLowerCase()) ?? []).filter(
    (t) => identifierMatches(table, t.name) && (!schema || identifierMatches(schema, t.schemaName)),
  );
}

/** Columns of `table` that `id` names. */
export function findColumns(table: Table, id: Identifier): Column[] {
  let index = columnsByName.get(table);
  if (!index) {
    index = groupByLowerCase(table.columns);
    columnsByName.set(table, index);
  }
  return (index.get(id.name.toLowerCase()) ?? []).filter((c) => identifierMatches(id, c.name));
}

function groupByLowerCase<T extends { readonly name: string }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const key = item.name.toLowerCase();
    const list = map.get(key);
    if (list) list.push(item);
    else map.set(key, [item]);
  }
  return map;
}

/**
 * Up to `limit` candidates close to `input`, closest first: same letters in another case
 * (a delimited identifier in the wrong case), then by edit distance with transpositions,
 * allowing about one edit in three characters.
 */
export function suggestNames(input: string, candidates: Iterable<string>, limit = 3): string[] {
  const needle = input.toLowerCase();
  const maxDistance = Math.max(1, Math.floor(needle.length / 3));
  const scored: Array<{ name: string; d: number }> = [];
  const seen = new Set<string>();
  for (const name of candidates) {
    if (seen.has(name) || name === input) continue;
    seen.add(name);
    const d = editDistance(needle, name.toLowerCase(), maxDistance);
    if (d <= maxDistance) scored.push({ name, d });
  }
  scored.sort((a, b) => a.d - b.d || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, limit).map((s) => s.name);
}


/** A column as name resolution sees it: analysis/schema.ts SchemaColumn, written out here. */
export interface LookupColumn extends ValueType {
  readonly name: string;
}

/** A table as name resolution sees it: analysis/schema.ts SchemaTable, written out here. */
export interface LookupTable {
  readonly schema: string | null;
  readonly name: string;
  readonly columns: readonly LookupColumn[];
  readonly qserv?: {
    readonly director: boolean;
    readonly ra?: string;
    readonly dec?: string;
    readonly overlap?: number;
    readonly key?: string;
    readonly directorTable?: LookupTableName;
    readonly match?: readonly [{ readonly director: LookupTableName; readonly column: string }, { readonly director: LookupTableName; readonly column: string }];
  };
}

export interface LookupTableName {
  readonly schema: string | null;
  readonly name: string;
}

/**
 * Felis files (or YAML texts) as one SchemaLookup (analysis/schema.ts), for the CLI's --schema.
 * The shape is written out rather than imported so that the catalog does not depend on the
 * analysis layer; analysis/from-catalog.ts caches this conversion for compile().
 */
export function schemaLookupFromFelis(
  files: readonly string[],
  options?: LoadFelisOptions,
): { readonly tables: readonly LookupTable[] } {
  const catalog = mergeCatalogs(...files.map((f) => loadFelis(f, options)));
  return { tables: catalog.schemas.flatMap((s) => s.tables.map(lookupTable)) };
}

/** One catalog table as name resolution sees it (the SchemaTable shape of analysis/schema.ts). */
export function lookupTable(t: Table): LookupTable {
  const q = t.qserv;
  if (q?.role === "match") {
    const side = (m: (typeof q.directors)[number]) => ({ director: { schema: m.directorSchema, name: m.directorTable }, column: m.keyColumn });
    return {
      schema: t.schemaName,
      name: t.name,
      columns: t.columns.map(lookupColumn),
      qserv: { director: false, match: [side(q.directors[0]), side(q.directors[1])] },
    };
  }
  return {
    schema: t.schemaName,
    name: t.name,
    columns: t.columns.map(lookupColumn),
    ...(q
      ? {
          qserv: {
            director: q.role === "director",
            ...(q.raColumn !== null ? { ra: q.raColumn } : {}),
            ...(q.decColumn !== null ? { dec: q.decColumn } : {}),
            ...(q.role === "director" && q.overlap !== null ? { overlap: q.overlap } : {}),
            ...(q.keyColumn !== null ? { key: q.keyColumn } : {}),
            ...(q.role === "child" ? { directorTable: { schema: q.directorSchema, name: q.directorTable } } : {}),
          },
        }
      : {}),
  };
}

function lookupColumn(c: Column): LookupColumn {
  const optional: Record<string, string> = {};
  for (const key of ["arraysize", "xtype", "unit", "ucd", "utype", "description"] as const) {
    const v = c[key];
    if (v !== null) optional[key] = v;
  }
  return { name: c.name, datatype: c.datatype, ...optional };
}

export { editDistance };
