/**
 * `tap-server load` on MariaDB (MariaDbBackend.load): what load.ts shares aside, how MariaDB stores the table. Apart
 * from mariadb.ts so that a server does not load it.
 */
import { mainPositionColumn, regionColumnsOf, storageKeys, withRegionStorage } from "../catalog.js";
import { installScisqlFunctions, type Table } from "../compiler-extras.js";
import { createMetaTables, inputColumns, planPublication, reader, regionRow, writePublication, type MetaSpelling, type MetaSql } from "../load.js";
import type { TableLoad } from "./backend.js";
import { DuckDbBackend } from "./duckdb.js";
import { InsertBatches, q, quoteMy, type MariaDbBackend } from "./mariadb.js";

/** MariaDB column types from the Felis column (its mysql type when it gives one). */
function mariaColumn(c: Table["columns"][number], quoteMy: (s: string) => string, region: boolean): string {
  // A region column holds its DALI text, which need not fit the VARCHAR(n) of an STC-S column.
  const type = region
    ? /TEXT/i.test(c.sqlType ?? "") ? c.sqlType! : "TEXT"
    : c.sqlType ?? (c.xtype === "timestamp" ? "DATETIME(6)" : c.datatype === "char" ? "TEXT" : c.datatype.toUpperCase());
  return `${quoteMy(c.name)} ${type}${c.nullable ? " NULL" : " NOT NULL"}`;
}

const SPELLING: MetaSpelling = {
  name: "VARCHAR(64)",
  key: "VARCHAR(255)",
  text: "LONGTEXT",
  tableOptions: " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
  replaceInto: "REPLACE INTO",
};

/**
 * Backend.load on MariaDB, whose DDL is not transactional: the rows go into a staging table that one RENAME TABLE
 * swaps in, the original kept until the published metadata is committed. Loads on one server take turns (GET_LOCK).
 */
export async function loadMariaDb(backend: MariaDbBackend, request: TableLoad): Promise<number> {
  const { schema, file } = request;
  const table = withRegionStorage(request.table, "mariadb");
  const duck = await DuckDbBackend.open(":memory:");
  const pool = backend.pool.promise();
  const mySql = (conn: Pick<typeof pool, "query">): MetaSql => ({
    spelling: SPELLING,
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
    const dec = mainPositionColumn(table, "dec");
    // With the right ascension second, MariaDB tests a cone's RA range (bound-right-ascension) and the inline predicate
    // on the index entries of the declination band (index condition pushdown), and reads only the rows that pass:
    // mariadbd's CPU per random 1° cone on 100,000 stars 2.9-3.2 ms with (dec) alone, 0.7 ms with (dec, ra) (docs/performance.md).
    const ra = dec && mainPositionColumn(table, "ra");
    if (dec) cols.push(`INDEX ${quoteMy(`idx_${table.name}_${dec}`)} (${[dec, ...(ra ? [ra] : [])].map(quoteMy).join(", ")})`);
    for (const c of table.columns) {
      if (c.indexed && !table.primaryKey.includes(c.name) && c.name !== dec && !/TEXT|BLOB/i.test(c.sqlType ?? "")) {
        cols.push(`INDEX ${quoteMy(`idx_${table.name}_${c.name}`)} (${quoteMy(c.name)})`);
      }
    }
    // utf8mb4 whatever the database's default (often latin1), binary collation as for uploads:
    // ADQL's = and ORDER BY are case- and accent-sensitive.
    await q(backend.pool, `CREATE TABLE ${staging} (${cols.join(", ")}) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    stagingExists = true;
    const inputs = inputColumns(table).map((c) => c.name);
    const at = regions.map((r) => ({ ...r, at: inputs.indexOf(r.name) }));
    const targets = [...inputs, ...regions.flatMap((r) => storageKeys("mariadb").map((k) => r.storage[k]))];
    const tuple = `(${targets.map(() => "?").join(", ")})`;
    const into = `${staging} (${targets.map(quoteMy).join(", ")})`;
    const batches = new InsertBatches((rows) =>
      q(backend.pool, `INSERT INTO ${into} VALUES ${rows.map(() => tuple).join(", ")}`, rows.flat()).then(() => undefined),
    );
    let count = 0;
    // The file is read through the DuckDB backend's own connection, to its end within withMain: a close() waits for it.
    await duck.withMain(async (main) => {
      const result = await main.stream(reader(file, table));
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
    });
    await batches.flush();
    // The optimizer's statistics of the staging table are those of the empty table that it was until InnoDB's background
    // recount, some seconds after the rows: until then MariaDB planned cones without the position index, at 3-4 times
    // the CPU per cone (cone.bench.ts: the first 8 s after a load, p99 180-260 ms against 20). Counted now, they are
    // right from the first query, and RENAME TABLE keeps them.
    await q(backend.pool, `ANALYZE TABLE ${staging}`);
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
  }
}
