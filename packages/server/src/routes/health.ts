/**
 * Health endpoints for orchestrators (Kubernetes probes, load balancers), beside VOSI availability
 * (which is for VO clients and speaks XML): /healthz says the process is alive and answers requests,
 * /readyz says the database answers a trivial query within READY_TIMEOUT_MS. Both are text/plain.
 * The launcher (startup.ts) answers them too before the service is open and while it stops, so
 * that a probe tells "alive but not ready" from "dead".
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import Router from "@koa/router";
import type { ServiceDeps } from "../service.js";
import { ping, publicCause } from "./vosi.js";

/** Shorter than a probe's usual timeout (Kubernetes: 1 s by default, often raised to a few). */
export const READY_TIMEOUT_MS = 2000;

const TEXT = "text/plain; charset=utf-8";

/** Undefined when the database answers within timeoutMs, else why not (for anyone to read: no paths). */
export async function notReadyBecause(deps: ServiceDeps, timeoutMs = READY_TIMEOUT_MS): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([ping(deps), timeout]);
    return undefined;
  } catch (e) {
    return `the database does not answer: ${publicCause(e)}`;
  } finally {
    clearTimeout(timer);
  }
}

export function healthRouter(deps: ServiceDeps, timeoutMs = READY_TIMEOUT_MS): Router {
  const router = new Router();
  router.get("/healthz", (ctx) => {
    ctx.set("Cache-Control", "no-store");
    ctx.type = TEXT;
    ctx.body = "ok\n";
  });
  router.get("/readyz", async (ctx) => {
    const why = await notReadyBecause(deps, timeoutMs);
    ctx.set("Cache-Control", "no-store");
    ctx.type = TEXT;
    ctx.status = why === undefined ? 200 : 503;
    ctx.body = why === undefined ? "ready\n" : `not ready: ${why}\n`;
  });
  return router;
}

/** Whether a request is a health probe (GET or HEAD of /healthz or /readyz, at the root). */
export function isHealthProbe(req: IncomingMessage): boolean {
  const path = (req.url ?? "/").split("?")[0]!;
  return (path === "/healthz" || path === "/readyz") && (req.method === "GET" || req.method === "HEAD");
}

/**
 * A probe answered by the launcher while no service is open (notReady says why): alive, not ready.
 * Call only for isHealthProbe(req).
 */
export function answerProbe(req: IncomingMessage, res: ServerResponse, notReady: string): void {
  const live = (req.url ?? "/").split("?")[0] === "/healthz";
  const body = live ? "ok\n" : `not ready: ${notReady}\n`;
  res.writeHead(live ? 200 : 503, { "Content-Type": TEXT, "Cache-Control": "no-store", "Content-Length": Buffer.byteLength(body) });
  res.end(req.method === "HEAD" ? undefined : body);
}
