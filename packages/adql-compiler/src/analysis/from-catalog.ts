/**
 * The catalog model (catalog/model.ts) as the resolver's SchemaLookup: the same tables, with the
 * Qserv partitioning that the spatial pass needs.
 */
import type { ValueType } from "../ast/nodes.js";
import type { Catalog, Column, Table } from "../catalog/model.js";
import type { SchemaColumn, SchemaLookup, SchemaTable } from "./schema.js";

const cache = new WeakMap<Catalog, SchemaLookup>();

function column(c: Column): SchemaColumn {
  const out: { -readonly [K in keyof ValueType]: ValueType[K] } & { name: string } = { name: c.name, datatype: c.datatype };
  if (c.arraysize !== null) out.arraysize = c.arraysize;
  if (c.xtype !== null) out.xtype = c.xtype;
  if (c.unit !== null) out.unit = c.unit;
  if (c.ucd !== null) out.ucd = c.ucd;
  if (c.utype !== null) out.utype = c.utype;
  if (c.description !== null) out.description = c.description;
  return out;
}

function table(t: Table): SchemaTable {
  const q = t.qserv;
  const base = { schema: t.schemaName, name: t.name, columns: t.columns.map(column) };
  if (q === null) return base;
  if (q.role === "director") {
    return {
      ...base,
      qserv: {
        director: true, ra: q.raColumn, dec: q.decColumn,
        ...(q.overlap !== null ? { overlap: q.overlap } : {}),
        ...(q.keyColumn !== null ? { key: q.keyColumn } : {}),
      },
    };
  }
  return {
    ...base,
    qserv: {
      director: false,
      ...(q.raColumn !== null ? { ra: q.raColumn } : {}),
      ...(q.decColumn !== null ? { dec: q.decColumn } : {}),
      ...(q.keyColumn !== null ? { key: q.keyColumn } : {}),
    },
  };
}

export function schemaLookup(catalog: Catalog | SchemaLookup): SchemaLookup {
  if ("tables" in catalog) return catalog;
  let lookup = cache.get(catalog);
  if (!lookup) {
    lookup = { tables: catalog.schemas.flatMap((s) => s.tables.map(table)) };
    cache.set(catalog, lookup);
  }
  return lookup;
}
