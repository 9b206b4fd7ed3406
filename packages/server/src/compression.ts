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
import { DEFAULT_WAIT_MS, failingAfter, readStart } from "./stream-start.js";

export const GZIP_LEVEL = 1;
/** Bodies shorter than this go uncompressed (see above). */
export const SMALL_BODY = 8192;
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

/**
 * The Koa middleware, used outside the routes whose 200 responses it may compress. `waitMs`: how long a streamed
 * body's start is read before it is compressed anyway (`http.smallBodyWaitSeconds`): a cone search's answer ends
 * within a few ms; a slow query's first bytes (the VOTable header) leave after this at the latest.
 */
export function compression(waitMs = DEFAULT_WAIT_MS) {
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
      const start = await readStart(body, SMALL_BODY, waitMs);
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
