/**
 * gzip Content-Encoding (RFC 9110 §8.4.1) for the text results (VOTable, CSV, TSV) and the XML
 * documents, when the client asks for it (Accept-Encoding, RFC 9110 §12.5.3). FITS, PNG and Parquet
 * are binary or compressed already: gzip would cost CPU for little.
 *
 * Level 1: result streams are large and CPU-bound on one core; level 1 gets most of the size for
 * a fraction of the time of the default level 6. Streams are piped (backpressure holds: the
 * database is read no faster than the client takes the bytes), and each chunk the result writer
 * pushes is flushed at once (Z_SYNC_FLUSH): the writer already batches rows, and pushes early
 * when the database is slow, so the first bytes still leave early, and a trailing error INFO is
 * delivered whole when the writer ends its document.
 *
 * A body that ends under SMALL_BODY bytes is sent as it is, with its Content-Length: gzip would save a
 * few hundred bytes of a cone search's answer, and cost a zlib stream per response (10% of the server's
 * time at 8 connections, issue 15's profile). A streamed body's start is read to tell.
 */
import { Readable, pipeline } from "node:stream";
import { promisify } from "node:util";
import { constants, createGzip, gzip } from "node:zlib";
import type { Context, Next } from "koa";
import { FORMATS, mediaType } from "@qserv-tap/votable";
import { DEFAULT_HTTP } from "./config.js";

export const GZIP_LEVEL = 1;
/** Bodies shorter than this go uncompressed (see above). */
export const SMALL_BODY = 8192;
/**
 * How long a streamed body's start is waited for before it is compressed anyway, unless the service says
 * (`http.smallBodyWaitSeconds`): a cone search's answer ends within a few ms; a slow query's first bytes (the VOTable
 * header) leave after this at the latest.
 */
export const SMALL_BODY_WAIT_MS = DEFAULT_HTTP.smallBodyWaitSeconds * 1000;
const gzipAsync = promisify(gzip);

/**
 * The media types (without parameters) worth compressing: the result formats whose row in the votable package's
 * table says so, and the service's XML documents (VOSI, UWS, DataLink, the examples page).
 */
const COMPRESSIBLE = new Set([
  ...FORMATS.filter((f) => f.gzip).flatMap((f) => [mediaType(f.mime), ...f.mimeTypes]),
  "text/xml",
  "application/xml",
  "application/xhtml+xml",
]);

export function compressible(type: string): boolean {
  return COMPRESSIBLE.has(type.toLowerCase());
}

/** The Koa middleware: to be used outside the routes whose 200 responses it may compress. */
export function compression(waitMs = SMALL_BODY_WAIT_MS) {
  return async function compress(ctx: Context, next: Next): Promise<void> {
    await next();
    if (!compressible(ctx.response.type)) return;
    ctx.vary("Accept-Encoding");
    // Only whole representations: a 206 range is of the identity encoding (async results), a 304 has no body.
    if (ctx.status !== 200 || ctx.body == null || ctx.res.hasHeader("Content-Encoding")) return;
    if (ctx.acceptsEncodings("gzip", "identity") !== "gzip") return;
    let body: unknown = ctx.body;
    if (!(body instanceof Readable || typeof body === "string" || Buffer.isBuffer(body))) return;
    // Content-Length when set (a HEAD's, a stored result's), else the length of a string or buffer body.
    const length = ctx.response.length;
    if (length !== undefined && length < SMALL_BODY) return;
    if (body instanceof Readable && length === undefined && ctx.method !== "HEAD") {
      const start = await head(body, SMALL_BODY, waitMs);
      if (start.ended) {
        // Koa sends a Buffer with its Content-Length.
        ctx.body = start.bytes;
        return;
      }
      if (start.error !== undefined) body = failingAfter(start.bytes, start.error);
    }
    ctx.set("Content-Encoding", "gzip");
    // Accept-Ranges stays: a Range request gets a 206 of the identity encoding (not compressed, above).
    // RFC 9110 §8.8.3: another encoding is another representation, so another strong tag.
    const etag = String(ctx.response.get("ETag") ?? "");
    if (/^"[^"]*"$/.test(etag)) ctx.set("ETag", `${etag.slice(0, -1)}-gzip"`);
    if (ctx.method === "HEAD") {
      ctx.remove("Content-Length");
      return;
    }
    if (body instanceof Readable) {
      const gz = createGzip({ level: GZIP_LEVEL, flush: constants.Z_SYNC_FLUSH });
      // A result that fails after its 200 must still be a 200 cut short, as uncompressed (DALI 1.1 §5.4.1: CSV has
      // no error channel): zlib may not have produced its first bytes yet, so the headers are sent before the
      // failure tears the streams down.
      body.prependListener("error", () => {
        if (!ctx.res.headersSent && !ctx.res.destroyed) ctx.res.flushHeaders();
      });
      // pipeline: a client that leaves destroys gz (Koa does), and so the result stream and its query.
      pipeline(body, gz, () => {});
      ctx.body = gz;
      ctx.remove("Content-Length");
    } else {
      ctx.body = await gzipAsync(body as string | Buffer, { level: GZIP_LEVEL });
    }
  };
}

/**
 * The first `limit` bytes of a stream, or all of them when it ends before, or what came within `waitMs` (a slow
 * query's first bytes are not held back for long). Unless it ended, the stream is left paused with those bytes put
 * back, for the caller to pipe it on. A failure or a close before the end is reported rather than thrown, with the
 * bytes read until then.
 */
function head(body: Readable, limit: number, waitMs: number): Promise<{ bytes: Buffer; ended: boolean; error?: Error }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (ended: boolean, error?: Error) => {
      clearTimeout(timer);
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
      body.pause();
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      // At once, not after the promise resolves: a stream whose last chunk this was would emit its end first (on the
      // next tick, which runs before promise callbacks), and the bytes put back then would be lost.
      if (!ended && error === undefined && bytes.length > 0) body.unshift(bytes);
      resolve(error !== undefined ? { bytes, ended, error } : { bytes, ended });
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      size += b.length;
      if (size >= limit) done(false);
    };
    const onEnd = () => done(true);
    const onError = (e: Error) => done(false, e);
    const onClose = () => done(false, new Error("the result stream closed before its end"));
    const timer = setTimeout(() => done(false), waitMs);
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
    body.once("close", onClose);
    // A 'data' listener does not restart a stream that was paused explicitly (routes/sync.ts reads a result's start
    // the same way and leaves it paused): without this the start would wait the whole waitMs (25 ms more to the first
    // byte of every gzip download, measured).
    body.resume();
  });
}

/** A stream that failed while its start was being read: those bytes, then the failure. */
function failingAfter(bytes: Buffer, error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent && bytes.length > 0) {
        sent = true;
        this.push(bytes);
      } else this.destroy(error);
    },
  });
}
