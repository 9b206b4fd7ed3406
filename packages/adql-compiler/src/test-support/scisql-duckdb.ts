/**
 * An in-memory DuckDB with scisql's functions registered (geometry/duckdb-functions.ts), opened before a suite's tests
 * and closed after them: call inside a `describe`.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { registerScisqlFunctions } from "../geometry/duckdb-functions.js";

export interface ScisqlDuckDb {
  /** The open connection (from the `before` hook on). */
  readonly conn: () => DuckDBConnection;
  /** The rows of a query, as @duckdb/node-api's getRows gives them. */
  readonly run: (sql: string) => Promise<unknown[][]>;
}

/** Opens the database in a `before` hook, then runs `setup` on it (tables a suite needs). */
export function scisqlDuckDb(setup?: (conn: DuckDBConnection) => Promise<void>): ScisqlDuckDb {
  let instance: DuckDBInstance | undefined;
  let conn: DuckDBConnection | undefined;
  before(async function () {
    this.timeout(20_000);
    instance = await DuckDBInstance.create(":memory:");
    conn = await instance.connect();
    await registerScisqlFunctions(conn);
    await setup?.(conn);
  });
  after(() => {
    conn?.closeSync();
    instance?.closeSync();
  });
  return { conn: () => conn!, run: async (sql) => (await conn!.runAndReadAll(sql)).getRows() as unknown[][] };
}
