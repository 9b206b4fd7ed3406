/**
 * tap-server load --schema FELIS.yaml --table SCHEMA.TABLE FILE: loads a CSV (header line, empty
 * field = NULL) or Parquet file into a table that the Felis schema defines, on the configured
 * DuckDB or MariaDB backend. DuckDB reads the file in both cases.
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
import type { DuckDBValue } from "@duckdb/node-api";
import type { Config } from "./config.js";
import { DuckDbBackend, duckType, quoteDuck } from "./backends/duckdb.js";
import { isRegionStorageColumn } from "@qserv-tap/adql-compiler";
import { duckStorageType, regionCell, regionColumnsOf, storageKeys, storageValues, withRegionStorage, type RegionColumn, type StorageBackend } from "./catalog.js";
import { felisSchemaHead, felisTable, loadFelis, installScisqlFunctions, type Catalog, type FelisObject, type Schema, type Table } from "./compiler-extras.js";

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

/** The declination column: Qserv's dec_column, else the column whose UCD is pos.eq.dec;meta.main. */
export function decColumnOf(table: Table): string | undefined {
  return (
    table.qserv?.decColumn ??
    table.columns.find((c) => {
      const words = c.ucd?.toLowerCase().split(";") ?? [];
      return words.includes("pos.eq.dec") && words.includes("meta.main");
    })?.name
  );
}

/** The columns a file gives: the table's own, not the storage columns the loader computes. */
function inputColumns(table: Table): Table["columns"] {
  return table.columns.filter((c) => !isRegionStorageColumn(table.columns, c.name));
}

/**
 * The file's columns, cast to the table's DuckDB types (so both backends see the same conversion errors); a
 * region column as text, converted row by row afterwards (regionRows).
 */
function reader(file: string, table: Table): string {
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
function regionRow(
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
  const n =
    config.backend === "duckdb"
      ? await loadDuckDb(config, schema, withRegionStorage(table, "duckdb"), opts.file)
      : config.backend === "mariadb"
        ? await loadMariaDb(config, schema, withRegionStorage(table, "mariadb"), opts.file)
        : (() => {
            throw new UsageError("load: Qserv tables are loaded with Qserv's own ingest tools, not with tap-server");
          })();
  console.log(`loaded ${n} rows into ${table.schemaName}.${table.name} (${config.backend})`);
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

/** What the metadata code needs from a database: rows as arrays, statements with `?` parameters. */
interface Sql {
  readonly kind: "duckdb" | "mariadb";
  rows(sql: string, params?: unknown[]): Promise<unknown[][]>;
}

async function createMetaTables(db: Sql): Promise<void> {
  const my = db.kind === "mariadb";
  const [name, text, tail] = my ? ["VARCHAR(64)", "LONGTEXT", " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"] : ["VARCHAR", "VARCHAR", ""];
  await db.rows(`CREATE TABLE IF NOT EXISTS tap_server_felis (name ${my ? "VARCHAR(255)" : name} PRIMARY KEY, yaml ${text})${tail}`);
  await db.rows(
    `CREATE TABLE IF NOT EXISTS tap_server_felis_tables (schema_name ${name}, table_name ${name}, felis ${text}, ` +
      `PRIMARY KEY (schema_name, table_name))${tail}`,
  );
}

interface Publication {
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
async function planPublication(db: Sql, schema: Schema, table: Table): Promise<Publication> {
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

async function writePublication(db: Sql, p: Publication): Promise<void> {
  const replace = db.kind === "mariadb" ? "REPLACE INTO" : "INSERT OR REPLACE INTO";
  for (const [name, t] of p.rows) {
    await db.rows(`${replace} tap_server_felis_tables VALUES (?, ?, ?)`, [p.schema, name, asciiJson(t)]);
  }
  await db.rows(`${replace} tap_server_felis VALUES (?, ?)`, [p.schema, p.document]);
}

// ---------------------------------------------------------------------------------------------
// DuckDB

function duckSql(duck: DuckDbBackend): Sql {
  return {
    kind: "duckdb",
    async rows(sql, params) {
      const reader = await duck.main.runAndReadAll(sql, params as DuckDBValue[] | undefined);
      return reader.getRowsJS() as unknown[][];
    },
  };
}

async function loadDuckDb(config: Config, schema: Schema, table: Table, file: string): Promise<number> {
  const duck = await DuckDbBackend.open(config.duckdb.path);
  try {
    const name = `${quoteDuck(table.schemaName)}.${quoteDuck(table.name)}`;
    const dec = decColumnOf(table);
    let count: number;
    if (regionColumnsOf(table).length > 0) await convertRegions(duck, table, file);
    await duck.run("BEGIN TRANSACTION");
    try {
      await duck.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuck(table.schemaName)}`);
      const db = duckSql(duck);
      await createMetaTables(db);
      await writePublication(db, await planPublication(db, schema, table));
      await duck.run(`DROP TABLE IF EXISTS ${name}`);
      // The primary key becomes a unique index after the insert, which is faster than checking
      // the constraint row by row; its columns are NOT NULL as a PRIMARY KEY would make them.
      const cols = table.columns.map(
        (c) => `${quoteDuck(c.name)} ${duckStorageType(c)}${c.nullable && !table.primaryKey.includes(c.name) ? "" : " NOT NULL"}`,
      );
      await duck.run(`CREATE TABLE ${name} (${cols.join(", ")})`);
      if (regionColumnsOf(table).length === 0) {
        await duck.run(`INSERT INTO ${name} ${reader(file, table)}${dec ? ` ORDER BY ${quoteDuck(dec)} NULLS LAST` : ""}`);
      } else await insertWithRegions(duck, table, name, dec);
      if (table.primaryKey.length > 0) {
        const index = quoteDuck(`idx_${table.name}_primary_key`);
        await duck.run(`CREATE UNIQUE INDEX ${index} ON ${name} (${table.primaryKey.map(quoteDuck).join(", ")})`);
      }
      count = Number((await duck.rows(`SELECT count(*) FROM ${name}`))[0]?.[0]);
      await duck.run("COMMIT");
    } catch (e) {
      // A failed COMMIT (a duplicate key) has already ended the transaction.
      await duck.run("ROLLBACK").catch(() => undefined);
      throw e;
    }
    await duck.run("CHECKPOINT");
    return count;
  } finally {
    await duck.close();
  }
}

/**
 * A table that has region columns is filled in two steps. Before the transaction (so that a bad value fails before
 * the database is touched), convertRegions reads the file into a temporary table (in file order: tap_row + 1 is
 * the row's number) and converts the region cells in JavaScript into a second one keyed by tap_row. In the
 * transaction, insertWithRegions fills the table from the join of the two, in order of the declination column or
 * else of the first region's smallest declination (so that DuckDB's zonemaps prune dec bands on it too).
 */
const [INPUT, CONVERTED] = ["tap_load_input", "tap_load_regions"];

async function convertRegions(duck: DuckDbBackend, table: Table, file: string): Promise<void> {
  const [input, converted] = [INPUT, CONVERTED];
  const regions = regionColumnsOf(table);
  const keys = storageKeys("duckdb");
  // The row numbers as a column, from 0: rowids in file order, which start far from 0 inside a transaction.
  await duck.run(`CREATE OR REPLACE TEMP TABLE tap_load_file AS ${reader(file, table)}`);
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${input} AS SELECT rowid - (SELECT min(rowid) FROM tap_load_file) AS tap_row, * FROM tap_load_file`);
  await duck.run("DROP TABLE tap_load_file");
  const storageCols = regions.flatMap((r) => keys.map((k) => r.storage[k]));
  await duck.run(
    `CREATE OR REPLACE TEMP TABLE ${converted} (tap_row BIGINT, ${[
      ...regions.map((r) => `${quoteDuck(r.name)} VARCHAR`),
      ...storageCols.map((c) => `${quoteDuck(c)} DOUBLE`),
    ].join(", ")})`,
  );
  const at = regions.map((r, i) => ({ ...r, at: i }));
  const rows = Number((await duck.rows(`SELECT count(*) FROM ${input}`))[0]?.[0]);
  // An appender: 10 times quicker than INSERTs with parameters. The rows are read in slices, each whole,
  // since a statement on the connection would end a pending streamed result.
  const appender = await duck.main.createAppender(converted, "main", "temp");
  try {
    const slice = 5000;
    for (let first = 0; first < rows; first += slice) {
      const got = await duck.rows(
        `SELECT tap_row, ${regions.map((r) => quoteDuck(r.name)).join(", ")} FROM ${input} WHERE tap_row >= ${first} AND tap_row < ${first + slice} ORDER BY tap_row`,
      );
      for (const row of got) {
        const n = Number(row[0]);
        const values = row.slice(1);
        const storage = regionRow(file, n + 1, at, values, "duckdb");
        appender.appendBigInt(BigInt(n));
        for (const v of values) {
          if (v === null) appender.appendNull();
          else appender.appendVarchar(String(v));
        }
        for (const v of storage) {
          if (v === null) appender.appendNull();
          else appender.appendDouble(v as number);
        }
        appender.endRow();
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

async function insertWithRegions(duck: DuckDbBackend, table: Table, name: string, dec: string | undefined): Promise<void> {
  const [input, converted] = [INPUT, CONVERTED];
  const regions = regionColumnsOf(table);
  const storageCols = regions.flatMap((r) => storageKeys("duckdb").map((k) => r.storage[k]));
  const regionNames = new Set(regions.map((r) => r.name));
  const targets = [...inputColumns(table).map((c) => c.name), ...storageCols];
  const sources = [
    ...inputColumns(table).map((c) => `${regionNames.has(c.name) ? "g" : "i"}.${quoteDuck(c.name)}`),
    ...storageCols.map((c) => `g.${quoteDuck(c)}`),
  ];
  const order = dec ? `i.${quoteDuck(dec)}` : `g.${quoteDuck(regions[0]!.storage.decMin)}`;
  await duck.run(
    `INSERT INTO ${name} (${targets.map(quoteDuck).join(", ")}) SELECT ${sources.join(", ")} FROM ${input} AS i JOIN ${converted} AS g ON g.tap_row = i.tap_row ORDER BY ${order} NULLS LAST`,
  );
  await duck.run(`DROP TABLE ${input}`);
  await duck.run(`DROP TABLE ${converted}`);
}

// ---------------------------------------------------------------------------------------------
// MariaDB

/** MariaDB column types from the Felis column (its mysql type when it gives one). */
function mariaColumn(c: Table["columns"][number], quoteMy: (s: string) => string, region: boolean): string {
  // A region column holds its DALI text, which need not fit the VARCHAR(n) of an STC-S column.
  const type = region
    ? /TEXT/i.test(c.sqlType ?? "") ? c.sqlType! : "TEXT"
    : c.sqlType ?? (c.xtype === "timestamp" ? "DATETIME(6)" : c.datatype === "char" ? "TEXT" : c.datatype.toUpperCase());
  return `${quoteMy(c.name)} ${type}${c.nullable ? " NULL" : " NOT NULL"}`;
}

async function loadMariaDb(config: Config, schema: Schema, table: Table, file: string): Promise<number> {
  const { InsertBatches, MariaDbBackend, q, quoteMy } = await import("./backends/mariadb.js");
  const backend = await MariaDbBackend.open(config.mariadb);
  const duck = await DuckDbBackend.open(":memory:");
  const pool = backend.pool.promise();
  const mySql = (conn: Pick<typeof pool, "query">): Sql => ({
    kind: "mariadb",
    async rows(sql, params) {
      const [rows] = await conn.query({ sql, rowsAsArray: true }, params ?? []);
      return Array.isArray(rows) ? (rows as unknown[][]) : [];
    },
  });
  const db = quoteMy(table.schemaName);
  const name = `${db}.${quoteMy(table.name)}`;
  const stagingName = `tap_load_${process.pid}_${Date.now().toString(36)}`;
  const staging = `${db}.${quoteMy(stagingName)}`;
  const old = `${db}.${quoteMy(`${stagingName}_old`)}`;
  let stagingExists = false;
  // One load at a time per MariaDB server: two loads of one schema would otherwise read and write
  // its published document at once (and deadlock on an empty schema's gap locks). The lock lives
  // as long as this connection, which a crashed loader takes with it.
  let lockConn: Awaited<ReturnType<typeof pool.getConnection>> | undefined;
  try {
    lockConn = await pool.getConnection();
    const [got] = await lockConn.query({ sql: "SELECT GET_LOCK('tap_server_load', 600)", rowsAsArray: true });
    if (Number((got as unknown[][])[0]?.[0]) !== 1) throw new Error("another tap-server load has held the load lock for 10 minutes; try again later");
    await q(backend.pool, `CREATE DATABASE IF NOT EXISTS ${db}`);
    await createMetaTables(mySql(pool));
    // Fails here, before the data is touched, if the tables would not make a valid catalog.
    // Made once: loads take turns (the lock above), so what it read stays true until it is written.
    const publication = await planPublication(mySql(pool), schema, table);

    const regions = regionColumnsOf(table);
    const regionNames = new Set(regions.map((r) => r.name));
    const cols = table.columns.map((c) => mariaColumn(c, quoteMy, regionNames.has(c.name)));
    if (table.primaryKey.length > 0) cols.push(`PRIMARY KEY (${table.primaryKey.map(quoteMy).join(", ")})`);
    const dec = decColumnOf(table);
    if (dec) cols.push(`INDEX ${quoteMy(`idx_${table.name}_${dec}`)} (${quoteMy(dec)})`);
    for (const c of table.columns) {
      if (c.indexed && !table.primaryKey.includes(c.name) && c.name !== dec && !/TEXT|BLOB/i.test(c.sqlType ?? "")) {
        cols.push(`INDEX ${quoteMy(`idx_${table.name}_${c.name}`)} (${quoteMy(c.name)})`);
      }
    }
    // utf8mb4 whatever the database's default (often latin1), binary collation as for uploads:
    // ADQL's = and ORDER BY are case- and accent-sensitive.
    await q(backend.pool, `CREATE TABLE ${staging} (${cols.join(", ")}) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    stagingExists = true;
    const result = await duck.main.stream(reader(file, table));
    const inputs = inputColumns(table).map((c) => c.name);
    const at = regions.map((r) => ({ ...r, at: inputs.indexOf(r.name) }));
    const targets = [...inputs, ...regions.flatMap((r) => storageKeys("mariadb").map((k) => r.storage[k]))];
    const tuple = `(${targets.map(() => "?").join(", ")})`;
    const into = `${staging} (${targets.map(quoteMy).join(", ")})`;
    const batches = new InsertBatches((rows) =>
      q(backend.pool, `INSERT INTO ${into} VALUES ${rows.map(() => tuple).join(", ")}`, rows.flat()).then(() => undefined),
    );
    let count = 0;
    for await (const rows of result.yieldRowsJs()) {
      // MariaDB has no NaN or infinities (mysql2 would send the bare word NaN): they become NULL.
      const values = (rows as unknown[][]).map((r) =>
        r.map((v) =>
          v instanceof Date
            ? v.toISOString().replace("T", " ").replace("Z", "")
            : typeof v === "bigint"
              ? v.toString()
              : typeof v === "number" && !Number.isFinite(v)
                ? null
                : v,
        ),
      );
      for (const row of values) {
        count++;
        if (regions.length === 0) await batches.add(row);
        else {
          const storage = regionRow(file, count, at, row, "mariadb");
          await batches.add([...row, ...storage]);
        }
      }
    }
    await batches.flush();
    await installScisqlFunctions({ query: (sql: string) => pool.query(sql) });

    const exists = await q(backend.pool, "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [
      table.schemaName,
      table.name,
    ]);
    const replacing = (exists as unknown[]).length > 0;
    // The old table is kept until the publication is committed, and put back if it is not.
    if (replacing) await q(backend.pool, `RENAME TABLE ${name} TO ${old}, ${staging} TO ${name}`);
    else await q(backend.pool, `RENAME TABLE ${staging} TO ${name}`);
    stagingExists = false;
    const conn = await pool.getConnection();
    try {
      await conn.beginTransaction();
      await writePublication(mySql(conn), publication);
      await conn.commit();
    } catch (e) {
      await conn.rollback().catch(() => undefined);
      if (replacing) await q(backend.pool, `RENAME TABLE ${name} TO ${staging}, ${old} TO ${name}`).catch(() => undefined);
      else await q(backend.pool, `RENAME TABLE ${name} TO ${staging}`).catch(() => undefined);
      stagingExists = true;
      throw e;
    } finally {
      conn.release();
    }
    if (replacing) await q(backend.pool, `DROP TABLE ${old}`);
    return count;
  } catch (e) {
    if (stagingExists) await q(backend.pool, `DROP TABLE IF EXISTS ${staging}`).catch(() => undefined);
    throw e;
  } finally {
    if (lockConn) {
      await lockConn.query("SELECT RELEASE_LOCK('tap_server_load')").catch(() => undefined);
      lockConn.release();
    }
    await duck.close();
    await backend.close();
  }
}
