/**
 * /sync (TAP 1.1 §2.2, DALI 1.1 §2.2): GET or POST, parameters case-insensitive, the result
 * streamed from the database cursor through the VOTable writer to the socket (see query.ts).
 */
import Router from "@koa/router";
import type { Context } from "koa";
import { TapError, type ErrorEcho } from "../errors.js";
import { Admission, type Release } from "../admission.js";
import { clientOf } from "../auth.js";
import type { Limits } from "../config.js";
import { failingAfter, readStart } from "../stream-start.js";
import { noteQuery } from "../logging.js";
import { paramLimits, readParams, single, type UploadPart } from "../params.js";
import { parseTapRequest, startQuery, type StartOptions, type TapRequest } from "../query.js";
import type { ServiceDeps } from "../service.js";
import { QueryRouter } from "../query-router.js";


/** The sync endpoint's admission: given to syncRouter by the caller that also reports its queue (metrics.ts). */
export function syncAdmission(limits: Limits): Admission {
  return new Admission({ total: limits.syncConcurrency, perClient: limits.syncPerClient, queueMs: limits.syncQueueSeconds * 1000 });
}

export function syncRouter(deps: ServiceDeps, admission = syncAdmission(deps.config.limits)): Router {
  const router = new Router();
  const queries = new QueryRouter(deps);
  const { limits } = deps.config;

  const handler = async (ctx: Context) => {
    const requestTime = new Date();
    const params = await readParams(ctx, paramLimits(limits));
    try {
      const echo = ctx.state as ErrorEcho;
      const query = single(params, "QUERY");
      if (query !== undefined) echo.query = query;
      if (query !== undefined) noteQuery(ctx, { adql: query });
      const runId = single(params, "RUNID");
      // Repeated only when it is one (DALI 1.1 §4.3.6: at most 64 characters); parseTapRequest says why not.
      if (runId !== undefined && runId.length <= 64) echo.runId = runId;
      const req = parseTapRequest(params, limits);
      await answerSync(ctx, deps, queries, admission, req, { files: params.files, requestTime });
    } finally {
      // By now the uploads are tables of the query's database session.
      await params.dispose();
    }
  };
  router.get("/sync", handler);
  router.post("/sync", handler);
  return router;
}

/**
 * Runs a checked request on the sync path and sends its result: admission (a slot per query, shared with /sync),
 * the synchronous time limit, the stop when the client goes away, and the result streamed as it is read. /sync and
 * SIA's /sia/query (whose parameters become one ADQL query) both answer through it.
 */
export async function answerSync(
  ctx: Context,
  deps: ServiceDeps,
  queries: QueryRouter,
  admission: Admission,
  req: TapRequest,
  options: { files: Map<string, UploadPart>; requestTime: Date; annotations?: StartOptions["annotations"] },
): Promise<void> {
  const { limits } = deps.config;
  const log = deps.log ?? (() => {});
  const { requestTime } = options;
  // A query that cannot compile takes no slot: without uploads, its compilation needs nothing
  // from the database, so it is done before admission (and handed to startQuery).
  const routed = req.uploads.length === 0 ? queries.route(req.query, req.maxrec, []) : undefined;
  const abort = new AbortController();
  // A response closes when it has been sent too: only one that the client left before its end stops the query. An
  // abort at every close made an Error (its stack trace) and ran the signal's listeners for each cone (1.5% of the
  // JavaScript thread's samples under cone load).
  const onClose = () => {
    if (!ctx.res.writableFinished) abort.abort(new Error("client disconnected"));
  };
  ctx.res.once("close", onClose);
  let release: Release;
  try {
    release = await admission.acquire(clientOf(ctx).key, abort.signal);
  } catch (e) {
    ctx.res.off("close", onClose);
    throw e;
  }
  // The slot is held until the response has been sent, not just until it has begun.
  ctx.res.once("close", release);
  const timeout = setTimeout(
    () => abort.abort(new TapError(503, `Query exceeded the synchronous time limit of ${limits.syncTimeoutSeconds} s`)),
    limits.syncTimeoutSeconds * 1000,
  );
  const done = () => {
    clearTimeout(timeout);
    ctx.res.off("close", onClose);
    release();
  };
  try {
    const started = await startQuery(deps, queries, req, {
      files: options.files,
      signal: abort.signal,
      requestTime,
      log,
      ...(routed ? { routed } : {}),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    });
    noteQuery(ctx, { sql: started.sql, ...(started.parameters ? { parameters: started.parameters } : {}), rows: started.rows });
    const head = await readStart(started.stream, WHOLE_BODY_LIMIT, deps.config.http.smallBodyWaitSeconds * 1000);
    ctx.status = 200;
    ctx.set("Content-Type", started.contentType);
    if (head.ended || head.error !== undefined) {
      // The result stream is over: the slot is let go once the response has been sent.
      ctx.res.once("close", done);
      // Koa sends a Buffer with its Content-Length, in one write; a failure is still a 200 cut short, as streamed.
      ctx.body = head.error === undefined ? head.bytes : failingAfter(head.bytes, head.error);
    } else {
      started.stream.on("close", done);
      ctx.body = started.stream;
    }
  } catch (e) {
    done();
    throw e;
  }
}

/**
 * A result document that the writer finishes at once (a cone search's: the first rows are in hand, and the rest came
 * with them) is sent whole when under this many bytes: one buffer with its Content-Length, in one write, rather than
 * piped as chunks (a write each, with the chunked framing, and a stream pipeline per response).
 */
export const WHOLE_BODY_LIMIT = 64 * 1024;
