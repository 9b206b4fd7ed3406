/**
 * The catalog model as the resolver's SchemaLookup, converted once per catalog (catalog/lookup.ts
 * does the conversion; this adds the cache that compile() wants for a catalog reused per request).
 */
import type { Catalog, Table } from "../catalog/model.js";
import { lookupTable } from "../catalog/lookup.js";
import type { SchemaLookup, SchemaTable } from "./schema.js";

const cache = new WeakMap<Catalog, SchemaLookup>();

/**
 * lookupTable, plus the director key that the qserv-spatial pass needs to accept a director's self-join
 * on its key (catalog/lookup.ts does not carry it yet).
 */
function withDirectorKey(t: Table): SchemaTable {
  const base: SchemaTable = lookupTable(t);
  const key = t.qserv?.keyColumn ?? null;
  return base.qserv && key !== null ? { ...base, qserv: { ...base.qserv, key } } : base;
}

export function schemaLookup(catalog: Catalog | SchemaLookup): SchemaLookup {
  if ("tables" in catalog) return catalog;
  let lookup = cache.get(catalog);
  if (!lookup) {
    lookup = { tables: catalog.schemas.flatMap((s) => s.tables.map(withDirectorKey)) };
    cache.set(catalog, lookup);
  }
  return lookup;
}
