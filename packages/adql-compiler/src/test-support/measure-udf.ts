/**
 * How much the function-call forms of the scisql predicates cost against the inline SQL forms,
 * over 100,000 random positions: MariaDB stored functions vs plain expressions, and DuckDB JS
 * scalar functions vs plain expressions. Each query counts the rows that pass one predicate, so
 * the time is the predicate's (plus a scan that both forms share).
 *
 *     cd packages/adql-compiler && node --conditions=qserv-tap-source --import=tsx src/test-support/measure-udf.ts [runs]
 *
 * Prints the median of `runs` timed runs (default 3) after one untimed run; the MariaDB stored
 * polygon function is timed once, as it takes seconds. RAND with a constant seed is seeded once
 * per statement in MariaDB, so each column gets its own reproducible sequence.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { registerScisqlFunctions } from "../geometry/duckdb-functions.js";
import { inlineAngSepSql, inlinePtInCircleSql, inlinePtInCPolySql } from "../geometry/inline-sql.js";
import { installScisqlFunctions, mariaDbPolygonLiteral } from "../geometry/scisql-mariadb.js";
import { findMariaDb, startMariaDb } from "./mariadb.js";

const ROWS = 100_000;
const runs = Number(process.argv[2] ?? 3);
const polygon = [10, 10, 40, 10, 40, 40, 10, 40];

interface Case {
  readonly name: string;
  readonly where: string;
  readonly once?: boolean;
}

/** Pairs of (call form, inline form) over a table `pts(ra, decl)`. */
function cases(dialect: "mariadb" | "duckdb"): Case[] {
  const polyCall =
    dialect === "mariadb"
      ? `scisql_s2PtInCPoly(ra, decl, ${mariaDbPolygonLiteral(polygon)}) = 1`
      : `scisql_s2PtInCPoly(ra, decl, ${polygon.join(", ")}) = 1`;
  return [
    { name: "angSep < 5, function", where: "scisql_angSep(ra, decl, 10, 20) < 5" },
    { name: "angSep < 5, inline", where: `${inlineAngSepSql("ra", "decl", "10", "20")} < 5` },
    { name: "s2PtInCircle r=5, function", where: "scisql_s2PtInCircle(ra, decl, 10, 20, 5) = 1" },
    { name: "s2PtInCircle r=5, inline", where: `${inlinePtInCircleSql("ra", "decl", "10", "20", "5")} = 1` },
    { name: "s2PtInCircle r=60, function", where: "scisql_s2PtInCircle(ra, decl, 10, 20, 60) = 1" },
    { name: "s2PtInCircle r=60, inline", where: `${inlinePtInCircleSql("ra", "decl", "10", "20", "60")} = 1` },
    { name: "s2PtInBox, function", where: "scisql_s2PtInBox(ra, decl, 350, -10, 20, 30) = 1" },
    { name: "s2PtInCPoly 4 vertices, function", where: polyCall, once: dialect === "mariadb" },
    { name: "s2PtInCPoly 4 vertices, inline", where: `${inlinePtInCPolySql("ra", "decl", polygon)} = 1` },
    { name: "decl > -100 (the scan alone)", where: "decl > -100" },
  ];
}

async function time(count: () => Promise<number>, times: number): Promise<{ ms: number; rows: number }> {
  let rows = await count();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    rows = await count();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[samples.length >> 1]!, rows };
}

function report(engine: string, name: string, r: { ms: number; rows: number }): void {
  const perRow = ((r.ms * 1000) / ROWS).toFixed(2);
  console.log(`${engine.padEnd(8)} ${name.padEnd(34)} ${r.ms.toFixed(1).padStart(9)} ms  ${perRow.padStart(7)} µs/row  (${r.rows} rows pass)`);
}

async function measureMariaDb(): Promise<void> {
  if (!findMariaDb().ok) {
    console.log("mariadb  (not installed: skipped)");
    return;
  }
  const db = await startMariaDb();
  try {
    const conn = await db.connect();
    await conn.query("CREATE DATABASE m");
    await conn.query("USE m");
    await installScisqlFunctions(conn);
    await conn.query(
      `CREATE TABLE pts (id INT PRIMARY KEY, ra DOUBLE, decl DOUBLE) AS
       SELECT seq AS id, RAND(1) * 360 AS ra, DEGREES(ASIN(2 * RAND(2) - 1)) AS decl FROM seq_1_to_${ROWS}`,
    );
    for (const c of cases("mariadb")) {
      const count = async () => {
        const [rows] = await conn.query({ sql: `SELECT COUNT(*) FROM pts WHERE ${c.where}`, rowsAsArray: true });
        return Number((rows as unknown[][])[0]![0]);
      };
      report("mariadb", c.name, await time(count, c.once ? 1 : runs));
    }
    await conn.end();
  } finally {
    await db.stop();
  }
}

async function measureDuckDb(): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const conn = await instance.connect();
  await registerScisqlFunctions(conn);
  await conn.run("SELECT setseed(0.5)");
  await conn.run(
    `CREATE TABLE pts AS SELECT range AS id, random() * 360 AS ra, degrees(asin(2 * random() - 1)) AS decl FROM range(${ROWS})`,
  );
  for (const c of cases("duckdb")) {
    const count = async () => Number((await conn.runAndReadAll(`SELECT COUNT(*) FROM pts WHERE ${c.where}`)).getRows()[0]![0]);
    report("duckdb", c.name, await time(count, runs));
  }
  conn.closeSync();
  instance.closeSync();
}

console.log(`${ROWS} rows, median of ${runs} runs (DuckDB with 1 thread)`);
await measureMariaDb();
await measureDuckDb();
