/**
 * SODA's error documents. SODA 1.0 §5.2: "Error documents should be text using the text/plain content-type and the
 * text must begin with one of the following strings": Error, AuthenticationError, AuthorizationError,
 * ServiceUnavailable, UsageError, MultiValuedParamNotSupported; DALI 1.1 §4.2 allows a plain-text error document and
 * lets the HTTP status say whether the client (4xx) or the service (5xx) is at fault. Rubin's SODA service answers
 * text/plain too. So every error under /soda is text/plain, never TAP's VOTable error document.
 */
import type { Context, Next } from "koa";
import { errorStatusAndMessage, TapError } from "../errors.js";
import { ImageIdError, ImageServiceError } from "../images/registry.js";
import { PHASE_CONFLICT } from "../uws/phases.js";
import type { ServiceLog } from "../logging.js";

export type SodaLabel = "Error" | "AuthenticationError" | "AuthorizationError" | "ServiceUnavailable" | "UsageError" | "MultiValuedParamNotSupported";

/** An error with SODA's label; the message names the parameter at fault. */
export class SodaError extends TapError {
  constructor(
    status: number,
    readonly label: SodaLabel,
    message: string,
    code = "SODA_USAGE",
  ) {
    super(status, message, code);
  }
}

export const usage = (message: string, code = "SODA_USAGE") => new SodaError(400, "UsageError", message, code);

/** A message that starts with one of SODA 1.0 §5.2's labels. */
export const SODA_LABELLED = /^(Error|AuthenticationError|AuthorizationError|ServiceUnavailable|UsageError|MultiValuedParamNotSupported):/;

export const TEXT_PLAIN = "text/plain; charset=utf-8";

/**
 * The label SODA 1.0 §5.2 gives a status, for errors that did not choose one. A UWS request that the job's phase
 * forbids is a 403 (UWS 1.1 §2.2) but no matter of rights: "UsageError, permanent error (retry pointless)".
 */
export function labelOf(status: number, code?: string): SodaLabel {
  if (status === 401) return "AuthenticationError";
  if (status === 403 && code === PHASE_CONFLICT) return "UsageError";
  if (status === 403) return "AuthorizationError";
  if (status === 503 || status === 429) return "ServiceUnavailable";
  if (status >= 400 && status < 500) return "UsageError";
  return "Error";
}

/** Any error as SODA's status and one-line document `Label: message`. */
export function sodaStatusAndText(err: unknown): { status: number; text: string; log: boolean } {
  if (err instanceof SodaError) return { status: err.status, text: `${err.label}: ${err.message}`, log: err.status >= 500 };
  if (err instanceof ImageIdError) return { status: 400, text: `UsageError: ID: ${err.message}`, log: false };
  if (err instanceof ImageServiceError) return { status: err.status, text: `${labelOf(err.status)}: ${err.message}`, log: false };
  const { status, message, log } = errorStatusAndMessage(err);
  // A message that already carries its label (an async job's stored error) keeps it.
  if (SODA_LABELLED.test(message)) {
    return { status, text: message, log };
  }
  return { status, text: `${labelOf(status, err instanceof TapError ? err.code : undefined)}: ${message}`, log };
}

/**
 * Sends SODA's error document. The body is a Buffer, not a string: the app's error middleware (errors.ts) would
 * replace a 405 with a string body by TAP's VOTable.
 */
export function sendSodaError(ctx: Context, status: number, text: string): void {
  ctx.status = status;
  ctx.type = TEXT_PLAIN;
  ctx.body = Buffer.from(`${text}\n`, "utf8");
}

/** Turns whatever the SODA routes throw into SODA's text/plain error document. */
export function sodaErrors(log: ServiceLog) {
  return async function handleSodaErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      const { status, text, log: shouldLog } = sodaStatusAndText(err);
      if (shouldLog) log(`${ctx.method} ${ctx.path}: ${(err as Error)?.stack ?? String(err)}`, "error");
      if (ctx.headerSent) {
        // The FITS stream had started: the only way left to tell the client is to cut the response short.
        ctx.res.destroy();
        return;
      }
      if (err instanceof TapError && err.retryAfter !== undefined) ctx.set("Retry-After", String(err.retryAfter));
      if (status === 401) ctx.set("WWW-Authenticate", 'Bearer realm="soda"');
      if (status === 413 && !ctx.req.complete) ctx.set("Connection", "close");
      ctx.remove("Content-Length");
      ctx.remove("Content-Disposition");
      sendSodaError(ctx, status, text);
    }
  };
}
