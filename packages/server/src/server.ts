/**
 * Opening a service from its configuration: the backend, the catalog (Felis files, the demo, and
 * schemas stored by the loader), TAP_SCHEMA, the probed ADQL features, the examples.
 */
import type { Backend } from "./backends/backend.js";
import { DuckDbBackend } from "./backends/duckdb.js";
import { combineCatalogs, writeTapSchema } from "./catalog.js";
import { loadFelis, type Catalog } from "./compiler-extras.js";
import type { Config } from "./config.js";
import { DEMO_SCHEMA_PATH, ensureDemo } from "./demo.js";
import { DEMO_EXAMPLES, TAP_SCHEMA_EXAMPLES } from "./examples.js";
import { probeFeatures, unavailableFunctions, type FeatureReport } from "./features.js";
import type { ServiceDeps } from "./service.js";
import { createApp } from "./app.js";
import type Koa from "koa";
import { join } from "node:path";
import { QueryCompiler } from "./service.js";
import { tapExecutor } from "./uws/executor.js";
import { JsonFileJobStore } from "./uws/job-store.js";
import { JobManager } from "./uws/manager.js";
import { LocalDirResultStore } from "./uws/result-store.js";

export interface Service {
  deps: ServiceDeps;
  features: FeatureReport;
  app: Koa;
  jobs: JobManager;
  close(): Promise<void>;
}

export async function openBackend(config: Config): Promise<Backend> {
  switch (config.backend) {
    case "duckdb":
      return DuckDbBackend.open(config.duckdb.path);
    case "mariadb": {
      const { MariaDbBackend } = await import("./backends/mariadb.js");
      return MariaDbBackend.open(config.mariadb);
    }
    case "qserv": {
      const { QservBackend } = await import("./backends/qserv.js");
      return QservBackend.open(config.qserv);
    }
  }
}

/** Felis documents that `tap-server load` stored in the backend. */
async function storedSchemas(backend: Backend): Promise<string[]> {
  const b = backend as Backend & { storedFelis?: () => Promise<string[]> };
  return b.storedFelis ? b.storedFelis() : [];
}

export async function openService(config: Config, options: { log?: (m: string) => void; backend?: Backend } = {}): Promise<Service> {
  const log = options.log ?? ((m: string) => console.error(m));
  const backend = options.backend ?? (await openBackend(config));
  const catalogs: Catalog[] = [];
  const demo = config.demo && backend instanceof DuckDbBackend;
  if (demo) catalogs.push(loadFelis(DEMO_SCHEMA_PATH));
  for (const path of config.schemas) catalogs.push(loadFelis(path));
  const names = () => new Set(catalogs.flatMap((c) => c.schemas.map((s) => s.name)));
  for (const text of await storedSchemas(backend)) {
    const stored = loadFelis(text);
    // A schema named in the configuration wins over the copy the loader stored.
    if (!stored.schemas.some((s) => names().has(s.name))) catalogs.push(stored);
  }
  const catalog = combineCatalogs(catalogs);
  if (demo && (await ensureDemo(backend, catalog))) log("generated the demo catalog");
  const tapSchemaStore = backend instanceof DuckDbBackend ? backend : await DuckDbBackend.open(":memory:");
  await writeTapSchema(tapSchemaStore, catalog);
  const deps: ServiceDeps = {
    config,
    backend,
    tapSchemaStore,
    catalog,
    log,
    examples: [...(demo ? DEMO_EXAMPLES : []), ...TAP_SCHEMA_EXAMPLES],
  };
  const features = await probeFeatures(backend);
  deps.unavailableFunctions = unavailableFunctions(features);
  const results = new LocalDirResultStore(join(config.async.dir, "results"));
  const jobs = new JobManager({
    config: config.async,
    store: new JsonFileJobStore(join(config.async.dir, "jobs"), log),
    results,
    executor: tapExecutor(deps, new QueryCompiler(deps), results),
    canResume: (backend as Backend).asyncQueries !== undefined,
    quotas: config.quotas,
    log,
  });
  const recovered = await jobs.start();
  if (recovered.resumed + recovered.failed + recovered.destroyed + recovered.requeued > 0) {
    log(
      `async jobs after restart: ${recovered.resumed} resumed, ${recovered.failed} failed (were executing), ` +
        `${recovered.requeued} queued again, ${recovered.destroyed} destroyed`,
    );
  }
  const app = createApp(deps, features.supported, { manager: jobs, results });
  return {
    deps,
    features,
    app,
    jobs,
    async close() {
      await jobs.close();
      await backend.close();
      if ((tapSchemaStore as Backend) !== backend) await tapSchemaStore.close();
    },
  };
}
