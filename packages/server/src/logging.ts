/**
 * The access log: one JSON line (pino) per request, written when the response has been sent or
 * cut, so that it can say how many rows and bytes went out. Nothing of the request's headers is
 * logged but its X-Request-Id: a bearer token, a cookie or a password never reaches the log (and
 * pino's redaction removes them too should a later change log headers or a configuration).
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { hostname } from "node:os";
import type { Context, Next } from "koa";
import { pino } from "pino";
import type { Client } from "./auth.js";
import type { LogLevel } from "./config.js";

export type Logger = pino.Logger;

/**
 * How the service's own messages are logged (main.ts writes them to the logger): info unless a level is given, warn
 * for what an operator should see (a database that cannot be reached), error for a failure (a 500's stack).
 */
export type ServiceLog = (message: string, level?: "warn" | "error") => void;

/** What routes tell the access log of a TAP query (in ctx.state). */
export interface QueryNote {
  /** The ADQL as the client sent it. */
  adql?: string;
  /** The SQL that the database ran. */
  sql?: string;
  /** The values of its placeholders $1, $2... (CompileResult.parameters), if it has any. */
  parameters?: readonly number[];
  /** Rows written; read when the response is over. */
  rows?: () => number;
}

const REDACTED = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["proxy-authorization"]',
  "*.password",
  "*.token",
  "*.authorization",
  "*.cookie",
];

/** The replica's name in logs and leases when TAP_REPLICA_ID does not give one. */
export function defaultReplicaId(): string {
  return `${hostname()}-${process.pid}`;
}

/**
 * A logger writing to `destination` (default: stderr, beside the service's other messages). Every line names the
 * replica (`replica`: TAP_REPLICA_ID, else the host name and process id, as the job manager's leases do), so that the
 * merged logs of several replicas say which one wrote what.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream, replicaId = ""): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "qserv-tap", replica: replicaId || defaultReplicaId() },
    redact: { paths: REDACTED, censor: "[redacted]" },
  };
  return pino(options, destination ?? pino.destination({ dest: 2, sync: true }));
}

/** An incoming X-Request-Id that is kept: short, and of characters that cannot forge a log line or a header. */
const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

/** The route pattern that answered (@koa/router's), not the raw path: a metric label of bounded cardinality. */
export function endpointOf(ctx: Context): string {
  const matched = (ctx as unknown as { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === "string" ? matched : "unmatched";
}

/** Notes the ADQL, SQL and rows of a TAP query for the access log. */
export function noteQuery(ctx: Context, note: QueryNote): void {
  const state = ctx.state as { tapQuery?: QueryNote };
  state.tapQuery = { ...state.tapQuery, ...note };
}

/** One finished request, as the access log and the metrics see it. */
export interface RequestRecord {
  requestId: string;
  method: string;
  endpoint: string;
  path: string;
  /**
   * The response's status; 499 (nginx's "client closed request") when the client went away before any was sent, where
   * Koa would report its default of 404 for a request that was in fact being answered.
   */
  status: number;
  seconds: number;
  bytes: number;
  rows?: number;
  /** Whether the response was cut before its end (the client went away, or the stream failed). */
  aborted: boolean;
}

/** nginx's status for a request whose client closed the connection before an answer was sent (not an HTTP status). */
const CLIENT_CLOSED_REQUEST = 499;

/** The body bytes written to a response so far (accessLog). */
const BODY_BYTES = Symbol("body bytes");
type CountedResponse = ServerResponse & { [BODY_BYTES]: number };

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === "string") return Buffer.byteLength(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}

function countingWrite(this: CountedResponse, chunk: unknown, ...rest: unknown[]): boolean {
  this[BODY_BYTES] += byteLength(chunk, rest[0]);
  return ((Object.getPrototypeOf(this) as ServerResponse).write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
}

function countingEnd(this: CountedResponse, chunk?: unknown, ...rest: unknown[]): CountedResponse {
  if (typeof chunk !== "function") this[BODY_BYTES] += byteLength(chunk, rest[0]);
  return ((Object.getPrototypeOf(this) as ServerResponse).end as (...a: unknown[]) => CountedResponse).call(this, chunk, ...rest);
}

/**
 * The outermost middleware: sets the request id, counts the bytes written, and logs (and hands
 * to `observe`, the metrics) one record when the response is over.
 */
export function accessLog(logger: Logger, observe?: (r: RequestRecord) => void) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const start = process.hrtime.bigint();
    const requestId = requestIdOf(ctx.get("X-Request-Id") || undefined);
    ctx.state.requestId = requestId;
    ctx.set("X-Request-Id", requestId);
    const res = ctx.res as CountedResponse;
    res[BODY_BYTES] = 0;
    // The same two functions for every response, not closures made per request: a per-request closure stored as
    // res.end kept each request's objects (ctx, the query's) alive through the young generation's collections, and
    // 1.8 KB per request reached the old space (docs/performance.md, 2026-12-06), whose collections then stalled
    // everything in flight.
    res.write = countingWrite;
    res.end = countingEnd;
    let finished = false;
    // A streamed query result's response has a "close" listener per layer that must let go of something when
    // it ends (this log, the upload spool, the sync slot and its abort, gzip, Koa's pipeline, the stream's
    // end-of-stream watchers): about a dozen, each removed with the response. Node's default of 10 would
    // warn of a leak on every upload query.
    res.setMaxListeners(32);
    res.once("finish", () => (finished = true));
    res.once("close", () => {
      const note = (ctx.state as { tapQuery?: QueryNote }).tapQuery;
      const client = (ctx.state as { client?: Client }).client;
      const record: RequestRecord = {
        requestId,
        method: ctx.method,
        endpoint: endpointOf(ctx),
        path: ctx.path,
        status: finished || res.headersSent ? ctx.status : CLIENT_CLOSED_REQUEST,
        seconds: Number(process.hrtime.bigint() - start) / 1e9,
        bytes: res[BODY_BYTES],
        ...(note?.rows ? { rows: note.rows() } : {}),
        aborted: !finished,
      };
      try {
        observe?.(record);
      } catch {
        // Metrics must not cost a request its log line.
      }
      // The line is not built when the level drops it (TAP_LOG_LEVEL=warn): a cone search is small enough for that to count.
      if (!logger.isLevelEnabled("info")) return;
      logger.info(
        {
          requestId,
          user: client?.user ?? null,
          client: client?.address,
          method: record.method,
          endpoint: record.endpoint,
          path: record.path,
          ...(note?.adql !== undefined ? { adql: note.adql } : {}),
          ...(note?.sql !== undefined ? { sql: note.sql } : {}),
          ...(note?.parameters !== undefined ? { parameters: note.parameters } : {}),
          ...(record.rows !== undefined ? { rows: record.rows } : {}),
          bytes: record.bytes,
          status: record.status,
          ms: Math.round(record.seconds * 1e6) / 1e3,
          ...(record.aborted ? { aborted: true } : {}),
        },
        "request",
      );
    });
    await next();
  };
}
