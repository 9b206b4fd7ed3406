#!/usr/bin/env node
/**
 * tap-server: `serve` (what npm start runs) and `load` (a CSV or Parquet file into a table that a
 * Felis schema defines). Exit status: 0 ok, 2 usage or configuration error, 1 other failures.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import { ConfigError, loadConfig } from "./config.js";
import { openService } from "./server.js";

const USAGE = `usage:
  tap-server serve
  tap-server load --schema FELIS.yaml --table SCHEMA.TABLE FILE.csv|FILE.parquet

Configuration: TAP_CONFIG (a JSON file, default ./tap-server.json if present), and environment
variables PORT, HOST, TAP_BASE_URL, TAP_BACKEND, TAP_DUCKDB_PATH, TAP_MARIADB_URL, TAP_QSERV_URL,
TAP_SCHEMAS, TAP_DEMO, TAP_DEFAULT_MAXREC, TAP_HARD_MAXREC, TAP_SYNC_TIMEOUT, TAP_UPLOAD_MAX_BYTES,
TAP_UPLOAD_MAX_ROWS, TAP_UPLOAD_MAX_TABLES, TAP_UPLOAD_URLS, TAP_UPLOAD_URL_ALLOW, TAP_UPLOAD_URL_TIMEOUT,
TAP_UPLOAD_URL_CONNECT_TIMEOUT, TAP_ASYNC_DIR, TAP_ASYNC_CONCURRENCY,
TAP_ASYNC_EXECUTION_DURATION, TAP_ASYNC_MAX_EXECUTION_DURATION, TAP_ASYNC_DESTRUCTION,
TAP_ASYNC_OWNER_HEADER (see README.md).`;

/** The database could not be reached at start-up: a message for the operator, not a stack trace. */
class DatabaseUnavailableError extends Error {}

function whereIs(config: ReturnType<typeof loadConfig>): string {
  if (config.backend === "duckdb") return `the DuckDB file ${config.duckdb.path}`;
  const c = config[config.backend];
  return `the ${config.backend === "qserv" ? "Qserv czar" : "MariaDB"} at ${c.host}:${c.port}/${c.database} (user ${c.user})`;
}

async function serve(): Promise<void> {
  const config = loadConfig();
  let service;
  try {
    service = await openService(config);
  } catch (e) {
    // A connection that fails (refused, unknown host, timeout, access denied, unknown database) is
    // the operator's to fix; anything else is ours and keeps its stack.
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ECONNRESET|ER_ACCESS_DENIED_ERROR|ER_BAD_DB_ERROR|ER_DBACCESS_DENIED_ERROR)$/.test(code)) {
      throw new DatabaseUnavailableError(`cannot open ${whereIs(config)}: ${(e as Error).message}`);
    }
    throw e;
  }
  const server = createServer(service.app.callback());
  server.listen(config.port, config.host);
  await once(server, "listening");
  const url = config.baseUrl;
  const refused = service.features.refused.map((r) => r.feature.form);
  console.log(`TAP service (${service.deps.backend.description}) at ${url}`);
  if (refused.length > 0) console.log(`ADQL features not available on this backend: ${refused.join(", ")}`);
  const sample =
    service.deps.config.demo && service.deps.backend.kind === "duckdb"
      ? "SELECT TOP 5 star_id, ra, dec, g_mag FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 180, 30, 1))"
      : "SELECT TOP 10 table_name, description FROM TAP_SCHEMA.tables";
  console.log(`Try:\n  curl -s '${url}/sync' --data-urlencode LANG=ADQL --data-urlencode RESPONSEFORMAT=csv \\\n    --data-urlencode "QUERY=${sample}"`);
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void service.close().finally(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "serve":
      case undefined:
        await serve();
        return -1;
      case "load": {
        const { loadCommand } = await import("./load.js");
        await loadCommand(rest, loadConfig());
        return 0;
      }
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return 0;
      default:
        console.error(`tap-server: unknown command ${command}\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError || (e as { usage?: boolean }).usage) {
      console.error(`tap-server: ${(e as Error).message}`);
      return 2;
    }
    if (e instanceof DatabaseUnavailableError) {
      console.error(`tap-server: ${e.message}`);
      return 1;
    }
    console.error(`tap-server: ${(e as Error)?.stack ?? String(e)}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
