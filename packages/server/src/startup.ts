/**
 * The start-up of the process's services from the configuration: openService opens the backend, the catalog (Felis
 * files, the demo, and schemas stored by the loader), TAP_SCHEMA, the probed ADQL features, the examples, the job
 * managers of TAP and SODA and the app; launchService keeps answering 503 while the database cannot be reached, and
 * tries again. (What the routes of an open service share is service.ts's ServiceDeps.)
 */
import type { Backend } from "./backends/backend.js";
import { isConfigurationError, isDatabaseUnavailable } from "./backends/database-errors.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { TextEncodingPool, errorDocument } from "@qserv-tap/votable";
import { VOTABLE_CONTENT_TYPE } from "./errors.js";
import { availabilityXml, publicCause, XML_CONTENT_TYPE } from "./routes/vosi.js";
import { answerProbe, isHealthProbe } from "./routes/health.js";
import { DuckDbBackend } from "./backends/duckdb.js";
import { duckResources, openBackend } from "./backends/open.js";
import { combineCatalogs, writeTapSchema } from "./catalog.js";
import { loadFelis, type Catalog } from "./compiler-extras.js";
import type { Config } from "./config.js";
import { DEMO_SCHEMA_PATH, ensureDemo } from "./demo.js";
import { DEMO_EXAMPLES, OBSTAP_EXAMPLES, TAP_SCHEMA_EXAMPLES } from "./examples.js";
import { probeFeatures, unavailableFunctions, type FeatureReport } from "./features.js";
import type { ServiceDeps } from "./service.js";
import { createApp } from "./app.js";
import type Koa from "koa";
import { join } from "node:path";
import { QueryRouter } from "./query-router.js";
import { tapExecutor } from "./uws/executor.js";
import { SODA_MULTI_VALUED, SODA_RESTARTED_MESSAGE, sodaExecutor } from "./soda/executor.js";
import { openerFor } from "./soda/sync.js";
import { JsonFileJobStore } from "./uws/job-store.js";
import { JobManager } from "./uws/manager.js";
import type { JobStore } from "./uws/store.js";
import { openResultStore } from "./uws/result-store-s3.js";
import { openLocalImageService } from "./images/demo-images.js";
import { OBSCORE_SCHEMA_PATH } from "./images/obscore.js";
import { ButlerRegistry } from "./images/butler-registry.js";
import type { ImageRegistry } from "./images/registry.js";
import type { Logger } from "./logging.js";
import { Metrics } from "./metrics.js";
import type { ServiceLog } from "./logging.js";

export { openBackend };

export interface Service {
  deps: ServiceDeps;
  features: FeatureReport;
  app: Koa;
  jobs: JobManager;
  /** SODA's async jobs (/soda/async), kept apart from TAP's under async.dir/soda. */
  sodaJobs: JobManager;
  close(): Promise<void>;
}

/** Felis documents that `tap-server load` stored in the backend. */
async function storedSchemas(backend: Backend): Promise<string[]> {
  return (await backend.storedFelis?.()) ?? [];
}

export async function openService(config: Config, options: { log?: ServiceLog; logger?: Logger; backend?: Backend } = {}): Promise<Service> {
  const backend = options.backend ?? (await openBackend(config));
  const opened: { tapSchemaStore?: DuckDbBackend; jobs?: JobManager; sodaJobs?: JobManager; images?: ImageRegistry } = {};
  try {
    return await openOn(backend, config, options.log ?? ((m: string) => console.error(m)), opened, options.logger);
  } catch (e) {
    // A database that went away half-way: what was opened is closed, so that a retry starts afresh.
    await opened.jobs?.close().catch(() => {});
    await opened.sodaJobs?.close().catch(() => {});
    await opened.images?.close().catch(() => {});
    if (opened.tapSchemaStore && opened.tapSchemaStore !== backend) await opened.tapSchemaStore.close().catch(() => {});
    if (!options.backend) await backend.close().catch(() => {});
    throw e;
  }
}

async function openOn(
  backend: Backend,
  config: Config,
  log: ServiceLog,
  opened: { tapSchemaStore?: DuckDbBackend; jobs?: JobManager; sodaJobs?: JobManager; images?: ImageRegistry },
  logger?: Logger,
): Promise<Service> {
  const catalogs: Catalog[] = [];
  const demo = config.demo && backend instanceof DuckDbBackend;
  if (demo) catalogs.push(loadFelis(DEMO_SCHEMA_PATH));
  for (const path of config.schemas) catalogs.push(loadFelis(path));
  // ivoa.ObsCore lives beside the local image registry, in the same DuckDB (ObsCore 1.1 §4).
  const localImages = config.images.registry === "local";
  if (localImages && backend instanceof DuckDbBackend) catalogs.push(loadFelis(OBSCORE_SCHEMA_PATH));
  const names = () => new Set(catalogs.flatMap((c) => c.schemas.map((s) => s.name)));
  for (const text of await storedSchemas(backend)) {
    const stored = loadFelis(text);
    // A schema named in the configuration wins over the copy the loader stored.
    if (!stored.schemas.some((s) => names().has(s.name))) catalogs.push(stored);
  }
  const catalog = combineCatalogs(catalogs);
  if (demo && (await ensureDemo(backend, catalog))) log("generated the demo catalog");
  const images: ImageRegistry | undefined = localImages
    ? await openLocalImageService(backend, config, { demoCatalog: demo, log })
    : config.images.registry === "butler"
      ? ButlerRegistry.fromConfig(config.images, log)
      : undefined;
  if (images) opened.images = images;
  const tapSchemaStore = backend instanceof DuckDbBackend ? backend : await DuckDbBackend.open(":memory:", duckResources(config));
  if (tapSchemaStore !== backend) opened.tapSchemaStore = tapSchemaStore;
  await writeTapSchema(tapSchemaStore, catalog);
  // Set-up is done: from here on the DuckDB that serves queries reads and writes no file.
  await tapSchemaStore.lockDown();
  const deps: ServiceDeps = {
    config,
    backend,
    tapSchemaStore,
    catalog,
    log,
    ...(logger ? { logger } : {}),
    metrics: new Metrics(),
    // The ObsTAP examples are about the demo images, which the demo catalog with the local registry draws.
    examples: [...(demo ? DEMO_EXAMPLES : []), ...(demo && localImages && config.images.demo ? OBSTAP_EXAMPLES : []), ...TAP_SCHEMA_EXAMPLES],
    ...(images ? { images } : {}),
    ...(config.http.encodingThreads > 0 ? { encoders: new TextEncodingPool({ threads: config.http.encodingThreads }) } : {}),
  };
  const features = await probeFeatures(backend);
  deps.unavailableFunctions = unavailableFunctions(features);
  const results = openResultStore(config, "tap", log);
  const jobs = new JobManager({
    config: config.async,
    store: await jobStoreOf(config, "tap", join(config.async.dir, "jobs"), log),
    results,
    executor: tapExecutor(deps, new QueryRouter(deps), results),
    canResume: backend.asyncQueries !== undefined,
    quotas: config.quotas,
    log,
  });
  opened.jobs = jobs;
  const recovered = await jobs.start();
  if (recovered.resumed + recovered.failed + recovered.destroyed + recovered.requeued > 0) {
    log(
      `async jobs after restart: ${recovered.resumed} resumed, ${recovered.failed} failed (were executing), ` +
        `${recovered.requeued} queued again, ${recovered.destroyed} destroyed`,
    );
  }
  const sodaResults = openResultStore(config, "soda", log);
  const sodaJobs = new JobManager({
    config: config.async,
    store: await jobStoreOf(config, "soda", join(config.async.dir, "soda", "jobs"), log),
    results: sodaResults,
    executor: sodaExecutor(deps, openerFor(deps), sodaResults),
    canResume: false,
    quotas: config.quotas,
    multiValued: SODA_MULTI_VALUED,
    restartedMessage: SODA_RESTARTED_MESSAGE,
    log,
  });
  opened.sodaJobs = sodaJobs;
  const sodaRecovered = await sodaJobs.start();
  if (sodaRecovered.failed + sodaRecovered.destroyed + sodaRecovered.requeued > 0) {
    log(`SODA jobs after restart: ${sodaRecovered.failed} failed (were executing), ${sodaRecovered.requeued} queued again, ${sodaRecovered.destroyed} destroyed`);
  }
  const app = createApp(deps, features.supported, { manager: jobs, results }, { manager: sodaJobs, results: sodaResults });
  return {
    deps,
    features,
    app,
    jobs,
    sodaJobs,
    async close() {
      await jobs.close();
      await sodaJobs.close();
      await images?.close();
      await deps.encoders?.close();
      await backend.close();
      if (tapSchemaStore !== backend) await tapSchemaStore.close();
    },
  };
}

/** A 503 error document with Retry-After, for a request that no open service answers (and Connection: close when stopping). */
function refuse(res: ServerResponse, message: string, retryAfter: number, close = false): void {
  res.writeHead(503, { "Content-Type": VOTABLE_CONTENT_TYPE, "Retry-After": String(retryAfter), ...(close ? { Connection: "close" } : {}) });
  res.end(errorDocument(message));
}

/**
 * Requests before launchService has returned (serve opens its port first, main.ts): probes say alive and not ready,
 * the rest is a 503 that says the service is starting.
 */
export function startingHandler(req: IncomingMessage, res: ServerResponse): void {
  if (isHealthProbe(req)) return answerProbe(req, res, "the service is starting");
  refuse(res, "The service is starting: try again in a moment", 5);
}

/**
 * The job store of one service (tap, soda): its JSON files under async.dir, or its rows in the shared MariaDB (its module,
 * and mysql2 with it, loaded only then).
 */
async function jobStoreOf(config: Config, service: string, dir: string, log: ServiceLog): Promise<JobStore | JsonFileJobStore> {
  const s = config.async.jobStore;
  if (s.kind === "files") return new JsonFileJobStore(dir, log);
  const { describeLocation, MySqlJobStore } = await import("./uws/store-mysql.js");
  if (service === "tap") log(`async jobs in ${describeLocation(s)} (replica ${config.async.replicaId || "<host>-<pid>"})`);
  return new MySqlJobStore(s, service, { log });
}

/** The database refuses the configured user or database: no retry mends that (exit 2). */
export class DatabaseConfigurationError extends Error {
  override name = "DatabaseConfigurationError";
}

/** Where the configured database is, for the operator's messages (no password). */
export function whereIs(config: Config): string {
  if (config.backend === "duckdb") return `the DuckDB file ${config.duckdb.path}`;
  const c = config[config.backend];
  return `the ${config.backend === "qserv" ? "Qserv czar" : "MariaDB"} at ${c.host}:${c.port}/${c.database} (user ${c.user})`;
}

/** What a client may read about the configured database: no user, no file path. */
function publicName(config: Config): string {
  if (config.backend === "duckdb") return "embedded DuckDB";
  const c = config[config.backend];
  return `${config.backend === "qserv" ? "Qserv" : "MariaDB"} at ${c.host}:${c.port}${config.backend === "qserv" ? "" : `/${c.database}`}`;
}

export interface Launched {
  /** The request handler for node:http: the service once open, a 503 before, and while stopping. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** The service, once open. */
  current(): Service | undefined;
  /** Resolves when the service is open (at once, or when the database comes back). */
  ready: Promise<Service>;
  /** Requests that arrive from now on get a 503 (the server is stopping); those running go on. */
  stopAccepting(): void;
  /** Requests whose response has not ended. */
  inFlight(): number;
  /** Resolves when no request is in flight. */
  drained(): Promise<void>;
  /** Stops opening, and closes the service (async jobs persisted, databases closed). */
  close(): Promise<void>;
}

export interface LaunchOptions {
  log?: ServiceLog;
  /** The JSON logger that the access log writes to (default: one made from config.logLevel). */
  logger?: Logger;
  /** Waits between attempts to open the database: the first, doubling up to the last (ms). */
  retryMs?: { first: number; max: number };
}

/**
 * Opens the service, and keeps serving when the database cannot be reached at start: requests
 * get a 503 with Retry-After and /availability says why, while the opening is tried again with a
 * backoff, until it succeeds. A database that refuses the configured user or database, and any
 * error that is not the database's absence, is thrown (the service does not start).
 */
export async function launchService(config: Config, options: LaunchOptions = {}): Promise<Launched> {
  const log = options.log ?? ((m: string) => console.error(m));
  const retry = options.retryMs ?? { first: 1000, max: 30_000 };
  let service: Service | undefined;
  let stopping = false;
  let closed = false;
  let cause = "";
  let nextAttempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let onDrained: (() => void)[] = [];
  let serviceHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let resolveReady!: (s: Service) => void;
  const ready = new Promise<Service>((r) => (resolveReady = r));

  const attempt = async (): Promise<"open" | "retry"> => {
    try {
      service = await openService(config, { log, ...(options.logger ? { logger: options.logger } : {}) });
    } catch (e) {
      if (config.backend !== "duckdb" && isConfigurationError(e)) {
        throw new DatabaseConfigurationError(`cannot open ${whereIs(config)}: ${(e as Error).message}`);
      }
      if (config.backend === "duckdb" || !isDatabaseUnavailable(e)) throw e;
      cause = publicCause(e);
      return "retry";
    }
    serviceHandler = service.app.callback();
    // The encoding threads start now rather than under the first large text result; without them, the event loop encodes.
    const encoders = service.deps.encoders;
    encoders?.start().catch((e: unknown) => {
      log(`the encoding threads did not start (${(e as Error)?.message ?? String(e)}): text results are encoded in the event loop`, "warn");
      void encoders.close();
    });
    resolveReady(service);
    return "open";
  };

  const schedule = (delay: number) => {
    nextAttempt = Date.now() + delay;
    timer = setTimeout(() => {
      void attempt().then(
        (r) => {
          if (closed) return;
          if (r === "open") log(`${whereIs(config)} answers: the service is open`);
          else schedule(Math.min(delay * 2, retry.max));
        },
        (e: unknown) => {
          // Now reachable but refusing (a changed password): say so, and keep trying.
          log(`cannot open ${whereIs(config)}: ${(e as Error)?.message ?? String(e)}`, "warn");
          cause = publicCause(e);
          if (!closed) schedule(retry.max);
        },
      );
    }, delay);
  };

  if ((await attempt()) === "retry") {
    log(`cannot reach ${whereIs(config)} (${cause}): serving 503 until it answers, trying again with a backoff`, "warn");
    schedule(retry.first);
  }

  const retryAfter = () => Math.max(1, Math.ceil((nextAttempt - Date.now()) / 1000));
  const unavailable = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (!stopping && /\/availability\/?$/.test(path) && req.method === "GET") {
      res.writeHead(200, { "Content-Type": XML_CONTENT_TYPE });
      res.end(
        availabilityXml(false, `The service is starting: the ${publicName(config)} cannot be reached (${cause}); it is tried again in ${retryAfter()} s.`),
      );
      return;
    }
    if (stopping) refuse(res, "The service is stopping: try again in a moment", 5, true);
    else refuse(res, `The service is not available: the ${publicName(config)} cannot be reached (${cause})`, retryAfter());
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      if (inFlight === 0) {
        const waiting = onDrained;
        onDrained = [];
        for (const f of waiting) f();
      }
    });
    if (stopping) res.shouldKeepAlive = false;
    if ((stopping || !serviceHandler) && isHealthProbe(req)) {
      answerProbe(req, res, stopping ? "the service is stopping" : `the ${publicName(config)} cannot be reached (${cause})`);
    } else if (stopping || !serviceHandler) unavailable(req, res);
    else serviceHandler(req, res);
  };

  return {
    handler,
    current: () => service,
    ready,
    stopAccepting() {
      stopping = true;
      // Blocked WAITs answer now, with the job as it is, rather than holding the shutdown to its end.
      service?.jobs.endWaits();
      service?.sodaJobs.endWaits();
    },
    inFlight: () => inFlight,
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => onDrained.push(r))),
    async close() {
      closed = true;
      clearTimeout(timer);
      await service?.close();
    },
  };
}
