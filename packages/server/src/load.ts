/**
 * tap-server load --schema FELIS.yaml --table SCHEMA.TABLE FILE: loads a CSV (header line, empty
 * field = NULL) or Parquet file into a table that the Felis schema defines, on the configured
 * DuckDB or MariaDB backend. DuckDB reads the file in both cases.
 *
 * This file holds what every backend's load shares: the command line, the checks made before a database is
 * touched, the reading of the file, the region columns' storage values and the published Felis documents. Each
 * backend loads its own tables (Backend.load: backends/duckdb-load.ts, backends/mariadb-load.ts); Qserv refuses.
 *
 * A load is all or nothing. The input file is checked before the database is touched. On DuckDB
 * the table is dropped, created and filled in one transaction. On MariaDB, whose DDL is not
 * transactional, the rows go into a staging table that one `RENAME TABLE a TO old, staging TO a`
 * swaps in; the original is kept until the published metadata is committed (and put back if that
 * fails), and a failure drops the staging table. Loads on one MariaDB server take turns (GET_LOCK).
 *
 * What is published: each loaded table's definition, from the Felis file it was loaded with, is
 * kept in tap_server_felis_tables; the Felis document of its schema in tap_server_felis (which the
 * server reads at start, backends' storedFelis) is rebuilt at each load from exactly the loaded
 * tables of that schema. A foreign key, or a Qserv child's link to its director, is published
 * only while the table it points to is loaded too (with the referenced columns).
 *
 * For spatial queries: on DuckDB the rows are inserted in order of the declination column, so that
 * the min/max of each row group (DuckDB's zonemaps) skip the groups outside a dec band, and a
 * primary key gets a unique index. On MariaDB the table gets its primary key, an index on the
 * declination column and on the Felis-indexed columns, and the scisql-compatible stored functions
 * are installed in the connection's database.
 *
 * A region column (catalog.ts, regionColumnsOf: a region xtype, or ObsCore's s_region) takes DALI,
 * a DALI shape or STC-S, and holds the DALI value; the storage columns beside it (withRegionStorage:
 * dec range and bounding cap, and scisql's binary polygon on MariaDB) are computed here, listed in
 * the published Felis document (for the compiler) and left out of TAP_SCHEMA. A value that is not a
 * region fails the load with the file, row, column and problem.
 */
import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Config } from "./config.js";
import { duckType, quoteDuck } from "./backends/duckdb.js";
import { openBackend } from "./backends/open.js";
import { isRegionStorageColumn } from "@qserv-tap/adql-compiler";
import { regionCell, regionColumnsOf, storageValues, type RegionColumn, type StorageBackend } from "./catalog.js";
import { felisSchemaHead, felisTable, loadFelis, type Catalog, type FelisObject, type Schema, type Table } from "./compiler-extras.js";

class UsageError extends Error {
  readonly usage = true;
}

export interface LoadOptions {
  schema: string;
  table: string;
  file: string;
}

export function parseLoadArgs(args: string[]): LoadOptions {
  let schema: string | undefined;
  let table: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--schema") schema = args[++i];
    else if (a === "--table") table = args[++i];
    else if (a.startsWith("--")) throw new UsageError(`load: unknown option ${a}`);
    else files.push(a);
  }
  if (!schema || !table || files.length !== 1) {
    throw new UsageError("usage: tap-server load --schema FELIS.yaml --table SCHEMA.TABLE FILE.csv|FILE.parquet");
  }
  return { schema, table, file: files[0]! };
}

function findTable(catalog: Catalog, qualified: string): { schema: Schema; table: Table } {
  const dot = qualified.indexOf(".");
  const [s, t] = dot < 0 ? [undefined, qualified] : [qualified.slice(0, dot), qualified.slice(dot + 1)];
  for (const schema of catalog.schemas) {
    if (s !== undefined && schema.name !== s) continue;
    const table = schema.tables.find((x) => x.name === t);
    if (table) return { schema, table };
  }
  throw new UsageError(`load: the Felis schema has no table ${qualified}`);
}

/** Fails, before any database is opened, unless the input is a readable file. */
function checkInput(file: string): void {
  try {
    if (!statSync(file).isFile()) throw new Error("not a file");
    accessSync(file, constants.R_OK);
  } catch (e) {
    throw new UsageError(`load: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** The columns a file gives: the table's own, not the storage columns the loader computes. */
export function inputColumns(table: Table): Table["columns"] {
  return table.columns.filter((c) => !isRegionStorageColumn(table.columns, c.name));
}

/**
 * The file's columns, cast to the table's DuckDB types (so both backends see the same conversion errors); a
 * region column as text, converted row by row afterwards (regionRows).
 */
export function reader(file: string, table: Table): string {
  const path = `'${resolve(file).replaceAll("'", "''")}'`;
  const regions = new Set(regionColumnsOf(table).map((r) => r.name));
  const cols = inputColumns(table)
    .map((c) => {
      const type = regions.has(c.name) ? "VARCHAR" : duckType(c);
      const q = quoteDuck(c.name);
      return type.endsWith("[]") ? q : `CAST(${q} AS ${type}) AS ${q}`;
    })
    .join(", ");
  if (/\.parquet$/i.test(file)) return `SELECT ${cols} FROM read_parquet(${path})`;
  return `SELECT ${cols} FROM read_csv(${path}, header = true, nullstr = '', auto_detect = true)`;
}

/** A region value that cannot be stored: the file, the row (1-based, header not counted), the column and the problem. */
export class RegionLoadError extends Error {
  override name = "RegionLoadError";
}

/**
 * The storage of the region cells of one row (`values` in the order of `columns`): each region cell is replaced
 * by its DALI value, and the storage values (storageKeys order, region column by region column) are returned.
 */
export function regionRow(
  file: string,
  row: number,
  regions: readonly (RegionColumn & { at: number })[],
  values: unknown[],
  backend: StorageBackend,
): unknown[] {
  const out: unknown[] = [];
  for (const r of regions) {
    let v;
    try {
      v = regionCell(r, values[r.at]);
    } catch (e) {
      throw new RegionLoadError(`load: ${file}, row ${row}: ${(e as Error).message}`, { cause: e });
    }
    values[r.at] = v === null ? null : v.value;
    out.push(...storageValues(v, backend));
  }
  return out;
}

export async function loadCommand(args: string[], config: Config): Promise<void> {
  const opts = parseLoadArgs(args);
  const { schema, table } = findTable(loadFelis(opts.schema), opts.table);
  checkInput(opts.file);
  const backend = await openBackend(config);
  try {
    if (!backend.load) throw new UsageError(`load: tables are not loaded into the ${backend.description} with tap-server`);
    const n = await backend.load({ schema, table, file: opts.file });
    console.log(`loaded ${n} rows into ${table.schemaName}.${table.name} (${backend.kind})`);
  } finally {
    await backend.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The published Felis documents

type Obj = FelisObject;

/** JSON (which is YAML) in ASCII, so that a latin1 column stores it unchanged. */
function asciiJson(v: unknown): string {
  return JSON.stringify(v, null, 1).replace(/[^\x20-\x7e\n]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * The Felis document of a schema with exactly these tables (by name). A foreign key whose target
 * columns are not among them is left out, and so are the Qserv keys of a child table whose
 * director (in the same schema) is not a director among them.
 */
export function publishedDocument(
  schema: Pick<Schema, "name" | "description" | "utype" | "schemaIndex">,
  tables: ReadonlyMap<string, Obj>,
): string {
  const ids = new Set([...tables.values()].flatMap((t) => (t.columns as Obj[]).map((c) => c["@id"] as string)));
  const out = [...tables.keys()].sort().map((name) => {
    const t: Obj = { ...tables.get(name)! };
    const keys = ((t.constraints as Obj[] | undefined) ?? []).filter((k) => (k.referencedColumns as string[]).every((r) => ids.has(r)));
    if (keys.length > 0) t.constraints = keys;
    else delete t.constraints;
    const director = t["qserv:director_table"];
    if (typeof director === "string" && !director.includes(".") && tables.get(director)?.["qserv:director"] !== true) {
      for (const k of Object.keys(t)) if (k.startsWith("qserv:")) delete t[k];
    }
    return t;
  });
  return asciiJson({ ...felisSchemaHead(schema), tables: out });
}

/** How a database spells what the metadata tables need. */
export interface MetaSpelling {
  /** The type of a schema or table name. */
  name: string;
  /** The type of tap_server_felis's key (a schema name). */
  key: string;
  /** The type of a Felis document. */
  text: string;
  /** What follows CREATE TABLE's column list. */
  tableOptions: string;
  /** The statement's start that inserts a row or replaces the one with its key. */
  replaceInto: string;
}

/** What the metadata code needs from a database: rows as arrays, statements with `?` parameters, its spelling. */
export interface MetaSql {
  readonly spelling: MetaSpelling;
  rows(sql: string, params?: unknown[]): Promise<unknown[][]>;
}

export async function createMetaTables(db: MetaSql): Promise<void> {
  const { name, key, text, tableOptions } = db.spelling;
  await db.rows(`CREATE TABLE IF NOT EXISTS tap_server_felis (name ${key} PRIMARY KEY, yaml ${text})${tableOptions}`);
  await db.rows(
    `CREATE TABLE IF NOT EXISTS tap_server_felis_tables (schema_name ${name}, table_name ${name}, felis ${text}, ` +
      `PRIMARY KEY (schema_name, table_name))${tableOptions}`,
  );
}

export interface Publication {
  schema: string;
  /** Rows of tap_server_felis_tables to write: table name → Felis table object. */
  rows: Map<string, Obj>;
  document: string;
}

/**
 * The loaded tables of the schema with this one (re)placed, and the document to publish. A schema
 * stored by an older loader (a whole Felis file in tap_server_felis, no rows in
 * tap_server_felis_tables) contributes the tables of its document that exist in the database.
 * Throws if the document does not make a valid catalog, before anything is written.
 */
export async function planPublication(db: MetaSql, schema: Schema, table: Table): Promise<Publication> {
  const loaded = new Map<string, Obj>();
  const rows = new Map<string, Obj>();
  for (const [name, felis] of await db.rows(
    `SELECT table_name, felis FROM tap_server_felis_tables WHERE schema_name = ?`,
    [schema.name],
  )) {
    loaded.set(String(name), JSON.parse(String(felis)) as Obj);
  }
  if (loaded.size === 0) {
    const legacy = await db.rows(`SELECT yaml FROM tap_server_felis WHERE name = ?`, [schema.name]);
    const old = legacy.length > 0 ? loadFelis(String(legacy[0]![0])).schemas.find((s) => s.name === schema.name) : undefined;
    for (const t of old?.tables ?? []) {
      if (t.name === table.name) continue;
      const exists = await db.rows("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [
        schema.name,
        t.name,
      ]);
      if (Number(exists[0]?.[0]) > 0) rows.set(t.name, felisTable(t));
    }
  }
  rows.set(table.name, felisTable(table));
  for (const [name, t] of rows) loaded.set(name, t);
  const document = publishedDocument(schema, loaded);
  loadFelis(document);
  return { schema: schema.name, rows, document };
}

export async function writePublication(db: MetaSql, p: Publication): Promise<void> {
  const replace = db.spelling.replaceInto;
  for (const [name, t] of p.rows) {
    await db.rows(`${replace} tap_server_felis_tables VALUES (?, ?, ?)`, [p.schema, name, asciiJson(t)]);
  }
  await db.rows(`${replace} tap_server_felis VALUES (?, ?)`, [p.schema, p.document]);
}
