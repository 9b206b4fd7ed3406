/**
 * /images/files/{id}: an image's whole file (DataLink `#this`), streamed from the registry's byte source in bounded
 * chunks that wait for the client (backpressure), with Content-Length, an ETag and byte ranges (RFC 9110 §14):
 *
 * - one range (`bytes=0-99`, `bytes=100-`, `bytes=-100`) → 206 with Content-Range;
 * - a syntactically valid range set that no byte of the file satisfies → 416 with `Content-Range: bytes *\/size`;
 * - several ranges → 200 with the whole file (§14.2 lets a server ignore Range; no multipart/byteranges);
 * - a malformed Range, another unit, or an If-Range that does not match → ignored: 200 with the whole file;
 * - HEAD → the headers of the whole file (§14.2: range handling is defined for GET only).
 *
 * The ID is only ever given to the registry, which knows IDs and not paths: anything it does not know is a 404,
 * anything that is not an image ID a 400, so no request can name a file of its own.
 */
import Router from "@koa/router";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { Context } from "koa";
import type { ByteSource } from "@qserv-tap/fits";
import { ImageIdError, ImageServiceError } from "../images/registry.js";
import type { ServiceDeps } from "../service.js";
import { callerOf } from "../images/caller.js";

/** Bytes read from the source per chunk: what one response holds at most besides the socket's buffers. */
export const CHUNK_BYTES = 256 * 1024;

export type RangeRequest =
  | { kind: "whole" }
  | { kind: "range"; start: number; end: number }
  | { kind: "unsatisfiable" };

const DIGITS = /^\d{1,16}$/;

/**
 * RFC 9110 §14.1.2 and §14.2 for a file of `size` bytes: what to send for the Range header `header`. Only the
 * `bytes` unit; a set that does not parse is ignored, as §14.2 says of an invalid ranges-specifier.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: "whole" };
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return { kind: "whole" };
  const specs = m[1]!.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (specs.length === 0 || specs.length > 100) return { kind: "whole" };
  const satisfiable: { start: number; end: number }[] = [];
  for (const spec of specs) {
    const dash = spec.indexOf("-");
    if (dash < 0) return { kind: "whole" };
    const a = spec.slice(0, dash).trim();
    const b = spec.slice(dash + 1).trim();
    if (a === "") {
      // suffix-range: the last N bytes; N = 0 satisfies nothing (§14.1.3).
      if (!DIGITS.test(b)) return { kind: "whole" };
      const n = Number(b);
      if (n > 0 && size > 0) satisfiable.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    if (!DIGITS.test(a) || (b !== "" && !DIGITS.test(b))) return { kind: "whole" };
    const first = Number(a);
    const last = b === "" ? Infinity : Number(b);
    // §14.1.2: a last-pos below the first-pos makes the range-spec invalid, and the set with it.
    if (last < first) return { kind: "whole" };
    if (first < size) satisfiable.push({ start: first, end: Math.min(last, size - 1) });
  }
  if (satisfiable.length === 0) return { kind: "unsatisfiable" };
  if (specs.length > 1) return { kind: "whole" };
  return { kind: "range", ...satisfiable[0]! };
}

/** The bytes [start, end] of the source, read in chunks as the consumer asks; the source is closed at the end. */
export function byteStream(source: ByteSource, start: number, end: number, chunk = CHUNK_BYTES): Readable {
  let offset = start;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await source.close().catch(() => {});
  };
  return new Readable({
    highWaterMark: chunk,
    read() {
      if (offset > end) {
        void close().then(() => this.push(null));
        return;
      }
      const n = Math.min(chunk, end - offset + 1);
      const at = offset;
      offset += n;
      source.read(at, n).then(
        (bytes) => this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
        (e: unknown) => this.destroy(e instanceof Error ? e : new Error(String(e))),
      );
    },
    destroy(err, cb) {
      void close().then(() => cb(err));
    },
  });
}

function plain(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  ctx.type = "text/plain; charset=utf-8";
  ctx.body = `${message}\n`;
}

/** The entity tag of one version of a file (RFC 9110 §8.8.3): strong, from the registry ID and the source's version. */
function etagOf(id: string, size: number, version: string): string {
  return `"${createHash("sha256").update(`${id}\u0000${size}\u0000${version}`).digest("base64url").slice(0, 32)}"`;
}

/** RFC 9110 §13.1.2 If-None-Match (weak comparison) and §13.1.5 If-Range (strong). */
function etagListMatches(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

export function filesRouter(deps: ServiceDeps): Router {
  const router = new Router();
  const log = deps.log ?? (() => {});

  const handler = async (ctx: Context) => {
    const id = (ctx.params as { id?: string }).id ?? "";
    const registry = deps.images;
    if (!registry) return plain(ctx, 404, "NotFoundFault: this service has no image registry");
    let dataset;
    try {
      dataset = await registry.resolve(id, callerOf(ctx));
    } catch (e) {
      if (e instanceof ImageIdError) return plain(ctx, 400, `UsageFault: ${e.message}`);
      if (e instanceof ImageServiceError) {
        if (e.status === 401) ctx.set("WWW-Authenticate", 'Bearer realm="tap"');
        return plain(ctx, e.status, `${e.status === 503 ? "TransientFault" : "FatalFault"}: ${e.message}`);
      }
      throw e;
    }
    if (!dataset) return plain(ctx, 404, `NotFoundFault: Unknown dataset ID '${id.length > 200 ? `${id.slice(0, 200)}…` : id}'`);
    let source: ByteSource | undefined;
    let stat: { size: number; version: string };
    try {
      source = await dataset.open();
      stat = await source.stat();
    } catch (e) {
      await source?.close().catch(() => {});
      if (e instanceof ImageServiceError) return plain(ctx, e.status, `${e.status === 503 ? "TransientFault" : "FatalFault"}: ${e.message}`);
      // The message may name a path or a signed URL: logged, not sent.
      log(`images/files: opening ${dataset.id}: ${(e as Error)?.message ?? String(e)}`, "error");
      return plain(ctx, 503, "TransientFault: the file of this dataset cannot be read now");
    }
    let handed = false;
    try {
      const { size, version } = stat;
      const etag = etagOf(dataset.id, size, version);
      ctx.set("ETag", etag);
      ctx.set("Accept-Ranges", "bytes");
      ctx.set("Content-Type", "application/fits");
      const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(dataset.id)?.[0];
      if (uuid) ctx.set("Content-Disposition", `inline; filename="${uuid}.fits"`);
      const inm = ctx.get("if-none-match");
      if (inm !== "" && etagListMatches(inm, etag)) {
        ctx.status = 304;
        return;
      }
      if (ctx.method === "HEAD") {
        ctx.status = 200;
        ctx.length = size;
        return;
      }
      const ifRange = ctx.get("if-range");
      const range = ifRange !== "" && ifRange.trim() !== etag ? ({ kind: "whole" } as const) : parseRange(ctx.get("range") || undefined, size);
      if (range.kind === "unsatisfiable") {
        ctx.set("Content-Range", `bytes */${size}`);
        plain(ctx, 416, `Range not satisfiable: the file has ${size} bytes`);
        return;
      }
      const [start, end] = range.kind === "range" ? [range.start, range.end] : [0, size - 1];
      ctx.status = range.kind === "range" ? 206 : 200;
      if (range.kind === "range") ctx.set("Content-Range", `bytes ${start}-${end}/${size}`);
      const body = byteStream(source, start, end);
      handed = true;
      body.on("error", (e) => log(`images/files: reading ${dataset.id}: ${e.message}`));
      ctx.body = body;
      // After the body: a stream body drops any Content-Length set before it.
      ctx.length = end - start + 1;
    } finally {
      if (!handed) await source.close().catch(() => {});
    }
  };
  // GET routes answer HEAD too (@koa/router).
  router.get("/images/files/:id", handler);
  return router;
}
