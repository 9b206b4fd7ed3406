/**
 * tap-server load --schema FELIS.yaml --table SCHEMA.TABLE FILE: loads a CSV (header line, empty
 * field = NULL) or Parquet file into a table that the Felis schema defines, on the configured
 * DuckDB or MariaDB backend. DuckDB reads the file in both cases. The Felis document is stored in
 * the database (table tap_server_felis), so the table appears in TAP_SCHEMA and /tables at the
 * next start. On MariaDB it also installs the scisql-compatible functions and indexes the
 * position columns.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Config } from "./config.js";
import { DuckDbBackend, quoteDuck } from "./backends/duckdb.js";
import { loadFelis, installScisqlFunctions, type Table } from "./compiler-extras.js";
import { createTableSql } from "./demo.js";

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

function findTable(yaml: string, qualified: string): Table {
  const catalog = loadFelis(yaml);
  const dot = qualified.indexOf(".");
  const [s, t] = dot < 0 ? [undefined, qualified] : [qualified.slice(0, dot), qualified.slice(dot + 1)];
  for (const schema of catalog.schemas) {
    if (s !== undefined && schema.name !== s) continue;
    const table = schema.tables.find((x) => x.name === t);
    if (table) return table;
  }
  throw new UsageError(`load: the Felis schema has no table ${qualified}`);
}

function reader(file: string, table: Table): string {
  const path = `'${resolve(file).replaceAll("'", "''")}'`;
  const cols = table.columns.map((c) => quoteDuck(c.name)).join(", ");
  if (/\.parquet$/i.test(file)) return `SELECT ${cols} FROM read_parquet(${path})`;
  return `SELECT ${cols} FROM read_csv(${path}, header = true, nullstr = '', auto_detect = true)`;
}

export async function loadCommand(args: string[], config: Config): Promise<void> {
  const opts = parseLoadArgs(args);
  const yaml = readFileSync(opts.schema, "utf8");
  const table = findTable(yaml, opts.table);
  const n =
    config.backend === "duckdb"
      ? await loadDuckDb(config, table, yaml, opts.file)
      : config.backend === "mariadb"
        ? await loadMariaDb(config, table, yaml, opts.file)
        : (() => {
            throw new UsageError("load: Qserv tables are loaded with Qserv's own ingest tools, not with tap-server");
          })();
  console.log(`loaded ${n} rows into ${table.schemaName}.${table.name} (${config.backend})`);
}

async function loadDuckDb(config: Config, table: Table, yaml: string, file: string): Promise<number> {
  const duck = await DuckDbBackend.open(config.duckdb.path);
  try {
    const name = `${quoteDuck(table.schemaName)}.${quoteDuck(table.name)}`;
    await duck.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuck(table.schemaName)}`);
    await duck.run(`DROP TABLE IF EXISTS ${name}`);
    await duck.run(createTableSql(table, name));
    await duck.run(`INSERT INTO ${name} ${reader(file, table)}`);
    await storeFelisDuck(duck, table.schemaName, yaml);
    const rows = await duck.rows(`SELECT count(*) FROM ${name}`);
    await duck.run("CHECKPOINT");
    return Number(rows[0]?.[0]);
  } finally {
    await duck.close();
  }
}

async function storeFelisDuck(duck: DuckDbBackend, schema: string, yaml: string): Promise<void> {
  await duck.run("CREATE TABLE IF NOT EXISTS tap_server_felis (name VARCHAR PRIMARY KEY, yaml VARCHAR)");
  await duck.run(`DELETE FROM tap_server_felis WHERE name = '${schema.replaceAll("'", "''")}'`);
  await duck.run(`INSERT INTO tap_server_felis VALUES ('${schema.replaceAll("'", "''")}', '${yaml.replaceAll("'", "''")}')`);
}

/** MariaDB column types from the Felis column (its mysql type when it gives one). */
function mariaColumn(c: Table["columns"][number]): string {
  const type = c.sqlType ?? (c.xtype === "timestamp" ? "DATETIME(6)" : c.datatype === "char" ? "TEXT" : c.datatype.toUpperCase());
  return `\`${c.name.replaceAll("`", "``")}\` ${type}${c.nullable ? " NULL" : " NOT NULL"}`;
}

async function loadMariaDb(config: Config, table: Table, yaml: string, file: string): Promise<number> {
  const { MariaDbBackend, q, quoteMy } = await import("./backends/mariadb.js");
  const backend = await MariaDbBackend.open(config.mariadb);
  const duck = await DuckDbBackend.open(":memory:");
  try {
    const name = `${quoteMy(table.schemaName)}.${quoteMy(table.name)}`;
    await q(backend.pool, `CREATE DATABASE IF NOT EXISTS ${quoteMy(table.schemaName)}`);
    await q(backend.pool, `DROP TABLE IF EXISTS ${name}`);
    const cols = table.columns.map(mariaColumn);
    if (table.primaryKey.length > 0) cols.push(`PRIMARY KEY (${table.primaryKey.map(quoteMy).join(", ")})`);
    const decColumn =
      table.qserv?.decColumn ??
      table.columns.find((c) => c.ucd?.split(";").includes("pos.eq.dec") && c.ucd.includes("meta.main"))?.name;
    if (decColumn) cols.push(`INDEX ${quoteMy(`idx_${table.name}_${decColumn}`)} (${quoteMy(decColumn)})`);
    for (const c of table.columns) {
      if (c.indexed && !table.primaryKey.includes(c.name) && c.name !== decColumn && !/TEXT|BLOB/i.test(c.sqlType ?? "")) {
        cols.push(`INDEX ${quoteMy(`idx_${table.name}_${c.name}`)} (${quoteMy(c.name)})`);
      }
    }
    await q(backend.pool, `CREATE TABLE ${name} (${cols.join(", ")})`);
    const result = await duck.main.stream(reader(file, table));
    const tuple = `(${table.columns.map(() => "?").join(", ")})`;
    let count = 0;
    for await (const rows of result.yieldRowsJs()) {
      const values = (rows as unknown[][]).map((r) =>
        r.map((v) => (v instanceof Date ? v.toISOString().replace("T", " ").replace("Z", "") : typeof v === "bigint" ? v.toString() : v)),
      );
      for (let i = 0; i < values.length; i += 1000) {
        const batch = values.slice(i, i + 1000);
        await q(backend.pool, `INSERT INTO ${name} VALUES ${batch.map(() => tuple).join(", ")}`, batch.flat());
      }
      count += values.length;
    }
    await q(backend.pool, "CREATE TABLE IF NOT EXISTS tap_server_felis (name VARCHAR(255) PRIMARY KEY, yaml LONGTEXT)");
    await q(backend.pool, "REPLACE INTO tap_server_felis VALUES (?, ?)", [table.schemaName, yaml]);
    const conn = backend.pool.promise();
    await installScisqlFunctions({ query: (sql: string) => conn.query(sql) });
    return count;
  } finally {
    await duck.close();
    await backend.close();
  }
}
