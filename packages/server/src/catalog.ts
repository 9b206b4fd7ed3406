/**
 * The service's catalog: the tables it publishes (Felis schemas from the configuration, the demo
 * schema, and schemas the loader stored in the database), plus TAP_SCHEMA, which lives in a
 * DuckDB database for every backend: the DuckDB backend's own, or an in-memory one.
 */
import type { SchemaLookup, SchemaTable } from "@qserv-tap/adql-compiler";
import { mergeCatalogs, tapSchemaRows, withTapSchema, type Catalog, type Table } from "./compiler-extras.js";
import { duckType, quoteDuck, type DuckDbBackend } from "./backends/duckdb.js";

export const TAP_SCHEMA = "TAP_SCHEMA";

export function combineCatalogs(catalogs: Catalog[]): Catalog {
  return withTapSchema(catalogs.length === 0 ? mergeCatalogs() : mergeCatalogs(...catalogs));
}

/** The published tables as the compiler's lookup, optionally without TAP_SCHEMA. */
export function lookupOf(catalog: Catalog, which: "all" | "data" | "tap_schema"): SchemaTable[] {
  const out: SchemaTable[] = [];
  for (const s of catalog.schemas) {
    const isTap = s.name === TAP_SCHEMA;
    if ((which === "data" && isTap) || (which === "tap_schema" && !isTap)) continue;
    for (const t of s.tables) out.push(schemaTableOf(t));
  }
  return out;
}

export function schemaTableOf(t: Table): SchemaTable {
  const q = t.qserv;
  const base: SchemaTable = {
    schema: t.schemaName,
    name: t.name,
    columns: t.columns.map((c) => {
      const col: { -readonly [K in keyof SchemaTable["columns"][number]]: SchemaTable["columns"][number][K] } = {
        name: c.name,
        datatype: c.datatype,
      };
      if (c.arraysize !== null) col.arraysize = c.arraysize;
      if (c.xtype !== null) col.xtype = c.xtype;
      if (c.unit !== null) col.unit = c.unit;
      if (c.ucd !== null) col.ucd = c.ucd;
      if (c.utype !== null) col.utype = c.utype;
      if (c.description !== null) col.description = c.description;
      return col;
    }),
  };
  if (q === null) return base;
  if (q.role === "director") {
    return { ...base, qserv: { director: true, ra: q.raColumn, dec: q.decColumn, ...(q.overlap !== null ? { overlap: q.overlap } : {}) } };
  }
  return {
    ...base,
    qserv: { director: false, ...(q.raColumn !== null ? { ra: q.raColumn } : {}), ...(q.decColumn !== null ? { dec: q.decColumn } : {}) },
  };
}

export function lookup(tables: SchemaTable[]): SchemaLookup {
  return { tables };
}

function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "1" : "0";
  return `'${String(v).replaceAll("'", "''")}'`;
}

/** (Re)creates the TAP_SCHEMA tables in a DuckDB database from the catalog. */
export async function writeTapSchema(duck: DuckDbBackend, catalog: Catalog): Promise<void> {
  const rows = tapSchemaRows(catalog) as unknown as Record<string, Record<string, unknown>[]>;
  const tap = catalog.schemas.find((s) => s.name === TAP_SCHEMA);
  if (!tap) throw new Error("the catalog has no TAP_SCHEMA");
  await duck.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuck(TAP_SCHEMA)}`);
  for (const t of tap.tables) {
    const q = `${quoteDuck(TAP_SCHEMA)}.${quoteDuck(t.name)}`;
    await duck.run(`DROP TABLE IF EXISTS ${q}`);
    await duck.run(`CREATE TABLE ${q} (${t.columns.map((c) => `${quoteDuck(c.name)} ${duckType(c)}`).join(", ")})`);
    const data = rows[t.name] ?? [];
    for (let i = 0; i < data.length; i += 500) {
      const values = data
        .slice(i, i + 500)
        .map((r) => `(${t.columns.map((c) => sqlLiteral(r[c.name])).join(", ")})`)
        .join(",\n");
      await duck.run(`INSERT INTO ${q} VALUES ${values}`);
    }
  }
}
