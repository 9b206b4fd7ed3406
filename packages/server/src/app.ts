/**
 * createApp(deps): the Koa application, not listening. One error middleware; one router per
 * endpoint group, mounted under /tap.
 */
import Koa from "koa";
import Router from "@koa/router";
import { authMiddleware } from "./auth.js";
import { compression } from "./compression.js";
import { errorMiddleware } from "./errors.js";
import type { Feature } from "./features.js";
import { examplesRouter } from "./routes/examples.js";
import { explainRouter } from "./routes/explain.js";
import { healthRouter } from "./routes/health.js";
import { syncAdmission, syncRouter } from "./routes/sync.js";
import { accessLog, createLogger } from "./logging.js";
import { Metrics } from "./metrics.js";
import { tablesRouter } from "./routes/tables.js";
import { vosiRouter } from "./routes/vosi.js";
import type { ServiceDeps } from "./service.js";
import { asyncRouter } from "./routes/async.js";
import { uiRouter } from "./routes/ui.js";
import { sodaRouter } from "./routes/soda.js";
import { datalinkRouter } from "./routes/datalink.js";
import { filesRouter } from "./routes/files.js";
import { siaRouter } from "./routes/sia.js";
import type { JobManager } from "./uws/manager.js";
import type { ResultStore } from "./uws/result-store.js";

export function createApp(
  deps: ServiceDeps,
  features: readonly Feature[],
  jobs?: { manager: JobManager; results: ResultStore },
  sodaJobs?: { manager: JobManager; results: ResultStore },
): Koa {
  const app = new Koa();
  const log = deps.log ?? ((m: string) => console.error(m));
  app.silent = true;
  // Outermost: the access log sees the status that the error middleware sets, and the bytes of every response.
  const admission = syncAdmission(deps.config.limits);
  const metrics = deps.metrics ?? new Metrics();
  metrics.attach({
    jobs: { tap: jobs?.manager, soda: sodaJobs?.manager },
    syncQueue: () => admission.counts,
    connections: () => deps.backend.connectionCounts?.(),
    encoding: () => deps.encoders && { batches: deps.encoders.batches, queued: deps.encoders.queued },
  });
  app.use(accessLog(deps.logger ?? createLogger(deps.config.logLevel, undefined, deps.config.async.replicaId), (r) => metrics.observe(r)));
  app.use(async (ctx, next) => {
    ctx.set("Server", "qserv-tap/0.1.0");
    await next();
  });
  // Outside the error middleware: error documents are sent as they are (only 200s are compressed).
  app.use(compression(deps.config.http.smallBodyWaitSeconds * 1000));
  app.use(errorMiddleware(log));
  // Probes at the root, outside /tap: for orchestrators, not VO clients (VOSI availability is theirs),
  // and before authentication: a probe carries no credentials.
  const health = healthRouter(deps);
  app.use(health.routes());
  app.use(health.allowedMethods());
  // Like the probes, for a scraper without credentials; it says nothing of any user.
  const metricsRouter = metrics.router();
  app.use(metricsRouter.routes());
  app.use(metricsRouter.allowedMethods());
  app.use(authMiddleware(deps.config.auth));
  const tap = new Router({ prefix: "/tap" });
  tap.use(uiRouter(deps).routes());
  const routers = [syncRouter(deps, admission), vosiRouter(deps, features, jobs !== undefined), tablesRouter(deps), examplesRouter(deps), explainRouter(deps)];
  if (jobs) routers.unshift(asyncRouter(deps, jobs.manager, jobs.results));
  for (const r of routers) {
    tap.use(r.routes(), r.allowedMethods());
  }
  app.use(tap.routes());
  app.use(tap.allowedMethods());
  // The image service hangs from the root, beside /tap (its base URL is config.images.baseUrl).
  const soda = sodaRouter(deps, sodaJobs);
  app.use(soda.routes());
  app.use(soda.allowedMethods());
  // SIA 2.0 queries share the sync admission: each is one TAP query on ivoa.ObsCore.
  for (const r of [datalinkRouter(deps), filesRouter(deps), siaRouter(deps, admission)]) {
    app.use(r.routes());
    app.use(r.allowedMethods());
  }
  return app;
}
