/**
 * Conditional GET for the documents that change only when the service restarts (VOSI capabilities,
 * tables, DALI examples): a strong ETag (a hash of the body) and Last-Modified (the service's start),
 * and 304 Not Modified to If-None-Match / If-Modified-Since (RFC 9110 §13.1.2, §13.1.3, §13.2.2).
 */
import { createHash } from "node:crypto";
import type { Context } from "koa";

export interface CachedDocument {
  body: string;
  /** The strong entity tag, quoted (RFC 9110 §8.8.3). */
  etag: string;
}

export function cachedDocument(body: string): CachedDocument {
  return { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
}

/** Now, to the second: HTTP dates have no finer resolution (RFC 9110 §5.6.7), and If-Modified-Since is compared with it. */
export function startTime(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

/**
 * The opaque part of an entity tag, for the weak comparison that If-None-Match uses (RFC 9110 §8.8.3.2);
 * compression.ts gives a gzip-encoded body the tag `"x-gzip"`, the same document as `"x"`.
 */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, "").replace(/-gzip"$/, '"');
}

/** Whether If-None-Match (a list, or *) matches the tag. */
function noneMatch(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  const wanted = opaque(etag);
  return header.split(",").some((t) => opaque(t) === wanted);
}

/** Sends doc (GET, HEAD), or a 304 when the client's copy is current. */
export function sendCached(ctx: Context, doc: CachedDocument, lastModified: Date, type: string): void {
  ctx.set("ETag", doc.etag);
  ctx.set("Last-Modified", lastModified.toUTCString());
  // A cache keeps one copy per encoding: compression.ts compresses these documents on request.
  ctx.vary("Accept-Encoding");
  if (ctx.method === "GET" || ctx.method === "HEAD") {
    const inm = ctx.get("if-none-match");
    const ims = ctx.get("if-modified-since");
    // RFC 9110 §13.1.3: If-Modified-Since is ignored when If-None-Match is present, or is not a valid date.
    const current = inm !== "" ? noneMatch(inm, doc.etag) : ims !== "" && !Number.isNaN(Date.parse(ims)) && lastModified.getTime() <= Date.parse(ims);
    if (current) {
      ctx.status = 304;
      return;
    }
  }
  ctx.type = type;
  ctx.body = doc.body;
}
