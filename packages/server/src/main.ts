#!/usr/bin/env node
/**
 * tap-server: `serve` (what npm start runs) and `load` (a CSV or Parquet file into a table that a
 * Felis schema defines). Exit status: 0 ok, 2 usage or configuration error, 1 other failures.
 */
import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";
import { CONFIG_FILE_ENV, ConfigError, defaultDataDir, ENV_VARS, loadConfig } from "./config.js";
import { DatabaseConfigurationError, launchService, startingHandler, whereIs, type Service } from "./startup.js";
import { sampleCutoutUrl } from "./images/demo-images.js";
import { LocalRegistry } from "./images/local-registry.js";
import { createLogger } from "./logging.js";

/** Breaks a comma-separated list into lines of at most `width` characters, after commas. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join("\n");
}

// The variables are those that config.ts declares, so that the list cannot fall behind.
const USAGE = `usage:
  tap-server serve
  tap-server load --schema FELIS.yaml --table SCHEMA.TABLE FILE.csv|FILE.parquet
  tap-server images ingest DIR    (every *.fits, *.fits.fz under DIR into the local image registry and ivoa.ObsCore)

Configuration: TAP_CONFIG (a JSON file, default ./tap-server.json if present), and environment
variables (see README.md):
${wrap(ENV_VARS.filter((v) => v !== CONFIG_FILE_ENV).join(", "), 100)}.
Files go under TAP_DATA_DIR (default ${defaultDataDir()}) unless a setting names another place.

A database that cannot be reached at start does not stop it: requests get a 503 until it answers.
Exit status: 2 for a configuration error (also a user, password or database that the database
refuses), 1 for other failures; on SIGTERM, 0 after running responses finish.`;

/**
 * `serve`: the service on node:http with timeouts against slow and idle clients, started even
 * when its database cannot be reached (requests get a 503 until it answers), and stopped on
 * SIGTERM or SIGINT gracefully: no new requests, those running get shutdownGraceSeconds to
 * finish, then the async jobs are persisted and the databases closed; exit 0.
 */
async function serve(): Promise<void> {
  const config = loadConfig();
  // The service's own messages (start, database state, recovered jobs, shutdown) are JSON lines of the same
  // log as the requests', so that one collector reads both; the access log shares the logger.
  const logger = createLogger(config.logLevel, undefined, config.async.replicaId);
  // Failures are warn or error, so that TAP_LOG_LEVEL=warn still shows a database outage (the operator probe).
  const log = (m: string, level: "info" | "warn" | "error" = "info") => logger[level](m);
  const { http } = config;
  // The port opens before the service is launched, so that /healthz answers while the database opens and a first start
  // makes the demo (seconds, in which a liveness probe found the port closed: the operator probe); the rest is a 503.
  let handler: RequestListener = startingHandler;
  const server = createServer(
    {
      headersTimeout: http.headersTimeoutSeconds * 1000,
      requestTimeout: http.requestTimeoutSeconds * 1000,
      keepAliveTimeout: http.keepAliveTimeoutSeconds * 1000,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.min(1000, http.headersTimeoutSeconds * 500),
    },
    (req, res) => handler(req, res),
  );
  server.maxConnections = http.maxConnections;
  server.listen(config.port, config.host);
  try {
    await once(server, "listening");
  } catch (e) {
    // A port in use, a host that does not resolve: the operator's to mend, said in one line (exit 2).
    throw Object.assign(new Error(`cannot listen on ${config.host}:${config.port}: ${(e as Error).message}`), { usage: true });
  }
  // A signal while the service starts: nothing runs yet that a grace would let finish (a demo cut short is made again
  // at the next start, demo.ts), so the process ends at once, with a line, rather than by Node's default (143, silent).
  let stop = (signal: string): void => {
    log(`${signal}: stopping while starting`);
    process.exit(0);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  // A closed terminal or a supervisor's hang-up: the same stop as SIGTERM, not Node's immediate exit (129, no line).
  process.on("SIGHUP", () => stop("SIGHUP"));
  const launched = await launchService(config, { log, logger });
  handler = launched.handler;
  let stopping = false;
  stop = (signal: string) => {
    if (stopping) {
      // A second signal: no more grace.
      server.closeAllConnections();
      return;
    }
    stopping = true;
    log(`${signal}: stopping`);
    launched.stopAccepting();
    server.close();
    server.closeIdleConnections();
    const running = launched.inFlight();
    if (running > 0) log(`${signal}: waiting up to ${http.shutdownGraceSeconds} s for ${running} running request(s)`);
    let grace: NodeJS.Timeout | undefined;
    const cut = new Promise<void>((resolve) => {
      grace = setTimeout(() => {
        const left = launched.inFlight();
        if (left > 0) log(`${signal}: cutting ${left} request(s) still running after ${http.shutdownGraceSeconds} s`);
        resolve();
      }, http.shutdownGraceSeconds * 1000);
    });
    void Promise.race([launched.drained(), cut])
      .then(async () => {
        clearTimeout(grace);
        // Cutting a response closes its socket, which aborts its query (and kills it on MariaDB).
        server.closeAllConnections();
        await launched.close();
      })
      .then(
        () => process.exit(0),
        (e: unknown) => {
          log(`tap-server: while stopping: ${(e as Error)?.stack ?? String(e)}`, "error");
          process.exit(1);
        },
      );
  };
  const url = config.baseUrl;
  const backendName = (s: Service) => (s.deps.backend as { location?: string }).location ?? s.deps.backend.description;
  const announce = (service: Service) => {
    const refused = service.features.refused.map((r) => r.feature.form);
    if (refused.length > 0) console.log(`ADQL features not available on this backend: ${refused.join(", ")}`);
    const missing = service.features.missingFunctions.map((m) => m.name);
    if (missing.length > 0) console.log(`region functions missing from the database (queries that need them are refused; install regions-mariadb.sql): ${missing.join(", ")}`);
  };
  const open = launched.current();
  console.log(`TAP service (${open ? backendName(open) : whereIs(config)}) at ${url}`);
  if (open) announce(open);
  else void launched.ready.then(announce);
  const sample =
    config.demo && config.backend === "duckdb"
      ? "SELECT TOP 5 star_id, ra, dec, g_mag FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 180, 30, 1))"
      : "SELECT TOP 10 table_name, description FROM TAP_SCHEMA.tables";
  console.log(`Try:\n  curl -s '${url}/sync' --data-urlencode LANG=ADQL --data-urlencode RESPONSEFORMAT=csv \\\n    --data-urlencode "QUERY=${sample}"`);
  const images = open?.deps.images;
  if (images instanceof LocalRegistry) {
    const cutout = await sampleCutoutUrl(images, config.images.baseUrl).catch(() => undefined);
    if (cutout) console.log(`  curl -s -o cutout.fits '${cutout}'`);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "serve":
      case undefined:
        // serve takes no arguments: configuration is the environment and the file (`--port 9999` was ignored).
        if (rest.length > 0) throw Object.assign(new Error(`serve takes no arguments, not ${rest.join(" ")}: set PORT, HOST and the TAP_* variables, or TAP_CONFIG (tap-server help)`), { usage: true });
        await serve();
        return -1;
      case "images": {
        const { imagesCommand } = await import("./images/ingest.js");
        return await imagesCommand(rest, loadConfig());
      }
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
      // A configuration error may list several problems, one a line.
      for (const line of (e as Error).message.split("\n")) console.error(`tap-server: ${line}`);
      return 2;
    }
    if (e instanceof DatabaseConfigurationError || isSetupError(e)) {
      console.error(`tap-server: ${(e as Error).message}`);
      return 2;
    }
    console.error(`tap-server: ${(e as Error)?.stack ?? String(e)}`);
    return 1;
  }
}

/**
 * A failure at start that the operator mends, said in one line without a stack: a file or directory that a setting
 * names and that cannot be read or made (TAP_SCHEMAS, TAP_DATA_DIR: ENOENT, EACCES, EEXIST, ENOTDIR, EROFS), or a
 * schema that is not Felis.
 */
function isSetupError(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  if (err?.name === "CatalogError") return true;
  return typeof err?.code === "string" && typeof err.syscall === "string" && typeof err.path === "string" && /^(ENOENT|EACCES|EPERM|EEXIST|ENOTDIR|EISDIR|EROFS)$/.test(err.code);
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
