/**
 * The scisql-compatible stored functions for MariaDB/MySQL (sql/scisql-mariadb.sql) and what a
 * compiler needs to call them. See the header of that file for how they differ from scisql.
 */
import { readFileSync } from "node:fs";

/** The functions the script creates, with scisql's names. */
export const SCISQL_MARIADB_FUNCTIONS = [
  "scisql_angSep",
  "scisql_s2PtInCircle",
  "scisql_s2PtInBox",
  "scisql_s2PtInCPoly",
] as const;

/** The region functions that sql/regions-mariadb.sql creates (REGION_FUNCTIONS of catalog/regions.ts). */
export const REGION_MARIADB_FUNCTIONS = [
  "tap_region_contains_point",
  "tap_region_intersects",
  "tap_region_within",
  "tap_region_area",
  "tap_region_centroid_ra",
  "tap_region_centroid_dec",
] as const;

// Two levels up from both src/geometry and dist/geometry is the package root.
const SCRIPT_URL = new URL("../../sql/scisql-mariadb.sql", import.meta.url);
const REGIONS_SCRIPT_URL = new URL("../../sql/regions-mariadb.sql", import.meta.url);
let script: string | undefined;
let regionsScript: string | undefined;

/** The install script, as the mariadb command-line client takes it (with DELIMITER lines). */
export function scisqlMariaDbScript(): string {
  script ??= readFileSync(SCRIPT_URL, "utf8");
  return script;
}

/** The region functions' install script (sql/regions-mariadb.sql), as the mariadb client takes it. */
export function regionsMariaDbScript(): string {
  regionsScript ??= readFileSync(REGIONS_SCRIPT_URL, "utf8");
  return regionsScript;
}

/**
 * The script as separate statements, without DELIMITER lines and comment-only lines: DELIMITER
 * is a command of the mysql/mariadb client, which the server does not understand.
 */
export function splitSqlScript(text: string): string[] {
  const statements: string[] = [];
  let delimiter = ";";
  let buffer: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const directive = /^\s*DELIMITER\s+(\S+)\s*$/i.exec(line);
    if (directive) {
      delimiter = directive[1]!;
      continue;
    }
    if (buffer.length === 0 && /^\s*(--.*)?$/.test(line)) continue;
    buffer.push(line);
    const trimmed = line.trimEnd();
    if (trimmed.endsWith(delimiter)) {
      const statement = buffer.join("\n").trimEnd();
      statements.push(statement.slice(0, statement.length - delimiter.length).trim());
      buffer = [];
    }
  }
  const rest = buffer.join("\n").trim();
  if (rest) statements.push(rest);
  return statements;
}

/** The part of a mysql2 connection (promise API) that installing needs. */
export interface SqlQueryable {
  query(sql: string): Promise<unknown>;
}

/**
 * Creates (or re-creates) the functions in the connection's current database, one statement at
 * a time: scisql's and the region functions (so every MariaDB that gets one gets both). Stored functions belong to a database, and an unqualified call resolves in the
 * current one, so install them in the database that queries run in. Needs the CREATE ROUTINE
 * and ALTER ROUTINE privileges (and, with binary logging on, SUPER or
 * log_bin_trust_function_creators).
 */
export async function installScisqlFunctions(conn: SqlQueryable): Promise<void> {
  for (const statement of splitSqlScript(scisqlMariaDbScript())) await conn.query(statement);
  for (const statement of splitSqlScript(regionsMariaDbScript())) await conn.query(statement);
}

/**
 * The polygon argument of the MariaDB scisql_s2PtInCPoly for vertices known at compile time:
 * a string literal of the coordinates. JavaScript prints each double with the fewest digits
 * that read back to the same double, so MariaDB parses exactly the vertices given.
 */
export function mariaDbPolygonLiteral(coords: readonly number[]): string {
  return `'${coords.map((c) => String(c)).join(" ")}'`;
}

/**
 * The polygon argument for vertices given as SQL expressions. CONCAT makes the string NULL if
 * any vertex is NULL (which scisql answers with 0; CONCAT_WS would skip the NULL and shift the
 * coordinates), and CAST AS DOUBLE makes a FLOAT column print as the double scisql would use.
 */
export function mariaDbPolygonExpression(coordSql: readonly string[]): string {
  return `CONCAT(${coordSql.map((c) => `CAST((${c}) AS DOUBLE)`).join(", ' ', ")})`;
}
