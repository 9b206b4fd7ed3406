/**
 * `tap-server load` on DuckDB (DuckDbBackend.load): what load.ts shares aside, how DuckDB stores the table. Apart from
 * duckdb.ts so that a server does not load it.
 */
import type { DuckDBValue } from "@duckdb/node-api";
import { duckStorageType, mainPositionColumn, regionColumnsOf, storageKeys, withRegionStorage } from "../catalog.js";
import type { Table } from "../compiler-extras.js";
import { createMetaTables, inputColumns, planPublication, reader, regionRow, writePublication, type MetaSpelling, type MetaSql } from "../load.js";
import type { TableLoad } from "./backend.js";
import { quoteDuck, type DuckDbBackend } from "./duckdb.js";

const SPELLING: MetaSpelling = { name: "VARCHAR", key: "VARCHAR", text: "VARCHAR", tableOptions: "", replaceInto: "INSERT OR REPLACE INTO" };

function duckSql(duck: DuckDbBackend): MetaSql {
  return {
    spelling: SPELLING,
    async rows(sql, params) {
      const reader = await duck.withMain((main) => main.runAndReadAll(sql, params as DuckDBValue[] | undefined));
      return reader.getRowsJS() as unknown[][];
    },
  };
}

/**
 * Backend.load on DuckDB: the table is dropped, created and filled in one transaction, in order of its
 * declination column, then the database is checkpointed.
 */
export async function loadDuckDb(duck: DuckDbBackend, request: TableLoad): Promise<number> {
  const { schema, file } = request;
  const table = withRegionStorage(request.table, "duckdb");
  const name = `${quoteDuck(table.schemaName)}.${quoteDuck(table.name)}`;
  const dec = mainPositionColumn(table, "dec");
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
  // since a statement on the connection would end a pending streamed result. The appender's whole use is one use of
  // the backend's connection (withMain), so that close() waits for it and refuses the next slice's query, rather than
  // closing the connection under it ("Appender: Attempting to flush data to a closed connection"; faults.test).
  await duck.withMain(async (main) => {
    const appender = await main.createAppender(converted, "main", "temp");
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
  });
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
