/**
 * SODA 1.0 beside TAP, at the root of the service: /soda/sync (GET and POST), /soda/async (UWS 1.1, the same job
 * system as TAP's /async), and the VOSI resources SODA 1.0 §2.4 and §2.5 require, /soda/capabilities and
 * /soda/availability. Every error under /soda is SODA's text/plain document (soda/errors.ts).
 */
import Router from "@koa/router";
import type { Context } from "koa";
import type { ServiceDeps } from "../service.js";
import type { JobManager } from "../uws/manager.js";
import type { ResultStore } from "../uws/result-store.js";
import type { Job } from "../uws/job.js";
import { escapeText, XML_DECL, XSI } from "../xml.js";
import { asyncRouter } from "./async.js";
import { availabilityXml, XML_CONTENT_TYPE } from "./vosi.js";
import { labelOf, SODA_LABELLED, sendSodaError, sodaErrors, TEXT_PLAIN } from "../soda/errors.js";
import { callerOf } from "../images/caller.js";
import { syncCutout } from "../soda/sync.js";

export const SODA_SYNC_ID = "ivo://ivoa.net/std/SODA#sync-1.0";
export const SODA_ASYNC_ID = "ivo://ivoa.net/std/SODA#async-1.0";

/** The VOSI capabilities of the SODA service (SODA 1.0 §2.5's minimal document, no registry extension). */
export function sodaCapabilities(base: string, asyncJobs: boolean): string {
  const cap = (id: string, path: string, role = "") =>
    `  <capability standardID="${id}">\n    <interface xsi:type="vs:ParamHTTP"${role} version="1.0">\n      <accessURL use="full">${escapeText(base + path)}</accessURL>\n    </interface>\n  </capability>\n`;
  return (
    XML_DECL +
    `<vosi:capabilities xmlns:vosi="http://www.ivoa.net/xml/VOSICapabilities/v1.0" xmlns:xsi="${XSI}" xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1">\n` +
    cap("ivo://ivoa.net/std/VOSI#capabilities", "/capabilities") +
    cap("ivo://ivoa.net/std/VOSI#availability", "/availability") +
    cap(SODA_SYNC_ID, "/sync", ' role="std"') +
    (asyncJobs ? cap(SODA_ASYNC_ID, "/async", ' role="std"') : "") +
    `</vosi:capabilities>\n`
  );
}

export function sodaRouter(deps: ServiceDeps, jobs?: { manager: JobManager; results: ResultStore }): Router {
  const router = new Router();
  const log = deps.log ?? ((m: string) => console.error(m));
  const base = `${deps.config.images.baseUrl}/soda`;
  router.use(sodaErrors(log));

  router.get("/soda/sync", (ctx) => syncCutout(ctx, deps));
  router.post("/soda/sync", (ctx) => syncCutout(ctx, deps));

  const capabilities = sodaCapabilities(base, jobs !== undefined);
  router.get("/soda/capabilities", (ctx) => {
    ctx.type = XML_CONTENT_TYPE;
    ctx.body = capabilities;
  });
  router.get("/soda/availability", (ctx) => {
    ctx.type = XML_CONTENT_TYPE;
    ctx.body = deps.images
      ? availabilityXml(true, `Cutouts of the images of the ${deps.images.kind} image registry are served.`)
      : availabilityXml(false, "No image registry is configured (images.registry is none): every ID is unknown.");
  });

  if (jobs) {
    const uws = asyncRouter(deps, jobs.manager, jobs.results, {
      path: "/soda/async",
      baseUrl: `${base}/async`,
      // The Butler server is asked with the job creator's own token, as in sync: held in this replica's memory only
      // (the job store names the replica, never the token). A local registry needs none, so no replica holds one
      // for it, and any replica runs its jobs.
      credentialOf: (ctx: Context) => (deps.images?.kind === "butler" ? callerOf(ctx).token : undefined),
      // SODA 1.0 §5.2, §6: text/plain starting with SODA's error label (the job's message already has it).
      errorDocument: (ctx: Context, job: Job) => {
        ctx.type = TEXT_PLAIN;
        const message = job.error?.message ?? "";
        ctx.body = `${SODA_LABELLED.test(message) ? message : `Error: ${message}`}\n`;
      },
    });
    router.use(uws.routes(), uws.allowedMethods());
  }
  sodaRefusals(router);
  return router;
}

/**
 * The router's 405 (a method that a SODA resource does not take) and 501 as SODA's text/plain error document (SODA 1.0
 * §5.2), with koa-router's Allow header, and a 404 of a path under /soda that no route has. koa-router sets them with no
 * body, after every later router has run, and the app's error middleware would send TAP's VOTable for them: the router's
 * allowedMethods() fills the body itself.
 */
function sodaRefusals(router: Router): void {
  const allowedMethods = router.allowedMethods.bind(router);
  router.allowedMethods = (options) => {
    const refuse = allowedMethods(options);
    return async (ctx, next) => {
      await refuse(ctx, next);
      if (ctx.status === 404 && ctx.body == null && (ctx.path === "/soda" || ctx.path.startsWith("/soda/"))) {
        sendSodaError(ctx, 404, `UsageError: No such SODA resource: ${ctx.path}; the service's resources are listed at /soda/capabilities`);
        return;
      }
      if ((ctx.status !== 405 && ctx.status !== 501) || ctx.body != null) return;
      // Only on SODA's own resources: the other routers' paths keep their own documents.
      if (!router.match(ctx.path, ctx.method).path.some((layer) => layer.methods.length > 0)) return;
      const what = ctx.status === 405 ? "is not allowed on" : "is not implemented by";
      sendSodaError(ctx, ctx.status, `${labelOf(ctx.status)}: Method ${ctx.method} ${what} ${ctx.path}; allowed: ${ctx.response.get("Allow")}`);
    };
  };
}
