/**
 * Errors that reach the client, and the one middleware that turns any error into the document TAP
 * prescribes: a VOTable with QUERY_STATUS=ERROR (DALI 1.1 §4.3, TAP 1.1 §5.3), with a 4xx status
 * for a bad request and 5xx when the service failed.
 */
import type { Context, Next } from "koa";
import { AdqlError } from "@qserv-tap/adql-compiler";
import { errorDocument } from "@qserv-tap/votable";
import type { ServiceLog } from "./logging.js";

export class TapError extends Error {
  override name = "TapError";
  constructor(
    readonly status: number,
    message: string,
    /** A stable code for tests and logs. */
    readonly code = "TAP_BAD_REQUEST",
    /** Seconds after which the client may try again (a Retry-After header, with 429 and 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export const VOTABLE_CONTENT_TYPE = "application/x-votable+xml";

export function errorStatusAndMessage(err: unknown): { status: number; message: string; log: boolean } {
  if (err instanceof AdqlError) return { status: 400, message: `ADQL error: ${err.toOneLine()}`, log: false };
  if (err instanceof TapError) return { status: err.status, message: err.message, log: err.status >= 500 };
  // A value that the format asked for cannot carry (BINARY's picked null value): the request's choice, not our failure.
  if ((err as { code?: unknown })?.code === "VOTABLE_UNREPRESENTABLE") {
    return { status: 400, message: `The result cannot be written in this format: ${(err as Error).message}`, log: false };
  }
  const e = err as { status?: number; expose?: boolean; message?: string };
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) {
    return { status: e.status, message: e.expose && e.message ? e.message : `HTTP ${e.status}`, log: false };
  }
  return { status: 500, message: `Internal error: ${e?.message ?? String(err)}`, log: true };
}

/** What an error document repeats of the request: its QUERY and RUNID (DALI 1.1 §4.3.6), when known. */
export interface ErrorEcho {
  query?: string;
  runId?: string;
}

export function sendError(ctx: Context, status: number, message: string, echo: ErrorEcho = {}): void {
  ctx.status = status;
  ctx.type = VOTABLE_CONTENT_TYPE;
  ctx.body = errorDocument(message, {
    ...(echo.query !== undefined ? { query: echo.query } : {}),
    ...(echo.runId !== undefined ? { infos: [{ name: "RUNID", value: echo.runId }] } : {}),
  });
}

export function errorMiddleware(log: ServiceLog) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        sendError(ctx, 404, `UsageFault: No such resource: ${ctx.path}`);
      } else if (ctx.status === 405 && (ctx.body === undefined || typeof ctx.body === "string")) {
        // DataLink 1.1 §3.4 and SIA 2.0 begin every error message with a fault label; for TAP it is harmless.
        sendError(ctx, 405, `UsageFault: Method ${ctx.method} is not allowed on ${ctx.path}`);
      }
    } catch (err) {
      const { status, message, log: shouldLog } = errorStatusAndMessage(err);
      // The path, not the URL: a query string may hold what the access log leaves out.
      if (shouldLog) log(`${ctx.method} ${ctx.path}: ${(err as Error)?.stack ?? String(err)}`, "error");
      if (err instanceof TapError && err.retryAfter !== undefined) ctx.set("Retry-After", String(err.retryAfter));
      if (err instanceof TapError && err.status === 401) ctx.set("WWW-Authenticate", 'Bearer realm="tap"');
      // A body that was refused unread (413) cannot be skipped on a kept-alive connection.
      if (status === 413 && !ctx.req.complete) ctx.set("Connection", "close");
      sendError(ctx, status, message, ctx.state as ErrorEcho);
    }
  };
}
