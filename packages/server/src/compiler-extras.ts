/**
 * The parts of @qserv-tap/adql-compiler that the server needs but that its index does not export
 * yet: the catalog module (Felis loader, TAP_SCHEMA rows) and the scisql functions for DuckDB and
 * MariaDB. This thin wrapper is the only place that knows where they are: each function is taken
 * from the package's public API when it is there, otherwise from the module file next to the
 * package's entry point (dist/ when installed, src/ under tsx). When the index exports them,
 * this file shrinks to re-exports.
 */
import type { CompileOptions, SchemaLookup } from "@qserv-tap/adql-compiler";
import * as compiler from "@qserv-tap/adql-compiler";

/** The compiler's Catalog type (catalog/model.ts), as compile() accepts it. */
export type Catalog = Exclude<NonNullable<CompileOptions["catalog"]>, SchemaLookup>;
export type Schema = Catalog["schemas"][number];
export type Table = Schema["tables"][number];
export type Column = Table["columns"][number];

export interface TapSchemaRows {
  schemas: Record<string, unknown>[];
  tables: Record<string, unknown>[];
  columns: Record<string, unknown>[];
  keys: Record<string, unknown>[];
  key_columns: Record<string, unknown>[];
}

export interface QueryableConnection {
  query(sql: string): Promise<unknown>;
}

interface Extras {
  loadFelis(yamlTextOrPath: string, options?: object): Catalog;
  mergeCatalogs(...catalogs: Catalog[]): Catalog;
  withTapSchema(catalog: Catalog): Catalog;
  tapSchemaRows(catalog: Catalog): TapSchemaRows;
  registerScisqlFunctions(conn: unknown): Promise<void>;
  installScisqlFunctions(conn: QueryableConnection): Promise<void>;
}

const MODULES: Record<keyof Extras, string> = {
  loadFelis: "catalog/felis",
  mergeCatalogs: "catalog/model",
  withTapSchema: "catalog/tap-schema",
  tapSchemaRows: "catalog/tap-schema",
  registerScisqlFunctions: "geometry/duckdb-functions",
  installScisqlFunctions: "geometry/scisql-mariadb",
};

const loaded: Partial<Extras> = {};

async function resolveExtra<K extends keyof Extras>(name: K): Promise<Extras[K]> {
  const fromIndex = (compiler as unknown as Partial<Extras>)[name];
  if (typeof fromIndex === "function") return fromIndex as Extras[K];
  const entry = import.meta.resolve("@qserv-tap/adql-compiler");
  const ext = entry.endsWith(".ts") ? ".ts" : ".js";
  const url = new URL(`./${MODULES[name]}${ext}`, entry).href;
  const mod = (await import(url)) as Partial<Extras>;
  const fn = mod[name];
  if (typeof fn !== "function") throw new Error(`@qserv-tap/adql-compiler has no ${name}`);
  return fn as Extras[K];
}

/** Loads every extra once; call before the synchronous accessors below. */
export async function loadCompilerExtras(): Promise<void> {
  for (const name of Object.keys(MODULES) as (keyof Extras)[]) {
    if (!loaded[name]) (loaded as Record<string, unknown>)[name] = await resolveExtra(name);
  }
}

function get<K extends keyof Extras>(name: K): Extras[K] {
  const fn = loaded[name];
  if (!fn) throw new Error("loadCompilerExtras() has not been awaited");
  return fn;
}

export const loadFelis = (text: string): Catalog => get("loadFelis")(text);
export const mergeCatalogs = (...catalogs: Catalog[]): Catalog => get("mergeCatalogs")(...catalogs);
export const withTapSchema = (catalog: Catalog): Catalog => get("withTapSchema")(catalog);
export const tapSchemaRows = (catalog: Catalog): TapSchemaRows => get("tapSchemaRows")(catalog);
export const registerScisqlFunctions = (conn: unknown): Promise<void> => get("registerScisqlFunctions")(conn);
export const installScisqlFunctions = (conn: QueryableConnection): Promise<void> => get("installScisqlFunctions")(conn);
