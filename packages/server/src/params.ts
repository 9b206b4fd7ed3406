/**
 * DALI request parameters: from the query string (GET), an urlencoded form or a multipart form
 * (POST). Names are case-insensitive (DALI 1.1 §4.1), values are not. Multipart file parts, for
 * UPLOAD=name,param:part, are spooled to a temporary directory as they arrive, up to the upload
 * limit: the UPLOAD parameter that names a part may come after it, so a part cannot be parsed
 * while it arrives, and holding it in memory would cost up to the upload limit per request.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Context } from "koa";
import busboy from "busboy";
import { TapError } from "./errors.js";

/** An uploaded part's bytes, which may be read more than once. */
export interface UploadPart {
  readonly size: number;
  open(): Readable;
}

export interface RequestParams {
  /** Values by upper-cased name, in order of appearance. */
  values: Map<string, string[]>;
  /** Multipart file parts by field name (as sent: param: references are case-sensitive). */
  files: Map<string, UploadPart>;
  /** Removes the spooled parts; idempotent. It also runs when the response closes. */
  dispose(): Promise<void>;
}

/** Parameters with no spooled parts (a GET, a urlencoded POST, a stored job). */
export function paramsOf(values: Map<string, string[]>, files: Map<string, UploadPart> = new Map()): RequestParams {
  return { values, files, dispose: async () => {} };
}

export interface ParamLimits {
  maxFormBytes: number;
  maxFileBytes: number;
  maxFiles: number;
}

function add(values: Map<string, string[]>, name: string, value: string): void {
  const key = name.toUpperCase();
  const list = values.get(key);
  if (list) list.push(value);
  else values.set(key, [value]);
}

export function single(p: RequestParams, name: string): string | undefined {
  const list = p.values.get(name);
  if (!list || list.length === 0) return undefined;
  // Repeated identical values are harmless; different ones are ambiguous.
  if (list.some((v) => v !== list[0])) throw new TapError(400, `Parameter ${name} was given more than once with different values`);
  return list[0];
}

async function readBody(ctx: Context, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new TapError(413, `Request body larger than ${max} bytes`, "TAP_TOO_LARGE");
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

export async function readParams(ctx: Context, limits: ParamLimits): Promise<RequestParams> {
  const values = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(ctx.querystring)) add(values, k, v);
  if (ctx.method !== "POST") return paramsOf(values);
  const type = (ctx.get("content-type") || "").toLowerCase();
  if (type.startsWith("multipart/form-data")) return readMultipart(ctx, values, limits);
  if (type.startsWith("application/x-www-form-urlencoded") || type === "") {
    const body = await readBody(ctx, limits.maxFormBytes);
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) add(values, k, v);
    return paramsOf(values);
  }
  throw new TapError(400, `Unsupported request Content-Type ${type}: use application/x-www-form-urlencoded or multipart/form-data`);
}

async function readMultipart(ctx: Context, values: Map<string, string[]>, limits: ParamLimits): Promise<RequestParams> {
  const files = new Map<string, UploadPart>();
  let dir: Promise<string> | undefined;
  let disposed = false;
  let removal: Promise<void> | undefined;
  const dispose = () =>
    (removal ??= (async () => {
      disposed = true;
      const made = await dir?.catch(() => undefined);
      if (made) await rm(made, { recursive: true, force: true });
    })());
  // Registered before anything is spooled, so that a response that closes early (a client that
  // goes away, or one that has sent everything and closed) still takes the parts with it.
  ctx.res.once("close", () => void dispose().catch(() => {}));
  const spoolDir = () => {
    if (disposed) throw new TapError(400, "The request was closed while its uploads were read");
    return (dir ??= mkdtemp(join(tmpdir(), "tap-upload-")));
  };
  const params: RequestParams = { values, files, dispose };
  let failed: Error | undefined;
  const fail = (e: Error) => {
    if (!failed) failed = e;
  };
  const spooled: Promise<void>[] = [];
  let count = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({
          headers: ctx.req.headers,
          limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fieldSize: limits.maxFormBytes },
        });
      } catch (e) {
        reject(new TapError(400, `Bad multipart request: ${(e as Error).message}`));
        return;
      }
      bb.on("field", (name, value, info) => {
        if (info.valueTruncated) fail(new TapError(413, `Form field ${name} is longer than ${limits.maxFormBytes} bytes`, "TAP_TOO_LARGE"));
        add(values, name, value);
      });
      bb.on("file", (name, stream) => {
        stream.on("limit", () =>
          fail(new TapError(413, `Upload ${name} is larger than the limit of ${limits.maxFileBytes} bytes`, "TAP_UPLOAD_TOO_LARGE")),
        );
        // The file name is ours (a counter), never the client's.
        const index = ++count;
        spooled.push(
          (async () => {
            const path = join(await spoolDir(), `part-${index}`);
            const out = createWriteStream(path);
            await pipeline(stream, out);
            files.set(name, { size: out.bytesWritten, open: () => createReadStream(path) });
          })().catch((e: unknown) => {
            // The part could not be kept (a full disk, the request closed): stop reading the
            // request, since busboy would wait for the destroyed part stream for ever.
            fail(e instanceof TapError ? e : new TapError(500, `Could not keep upload ${name}: ${(e as Error).message}`, "TAP_INTERNAL"));
            bb.destroy(failed);
          }),
        );
      });
      bb.on("filesLimit", () => fail(new TapError(413, `More than ${limits.maxFiles} uploaded files`, "TAP_TOO_LARGE")));
      bb.on("error", (e: Error) => reject(failed ?? new TapError(400, `Bad multipart request: ${e.message}`)));
      bb.on("close", () => resolve());
      // pipeline, not pipe: a request that is aborted (or cut by the server's request timeout)
      // destroys busboy, whose error ends this promise, instead of leaving it waiting.
      pipeline(ctx.req, bb).catch((e: Error) => reject(failed ?? new TapError(400, `The request was not read to its end: ${e.message}`)));
    });
    await Promise.all(spooled);
    if (failed) throw failed;
    return params;
  } catch (e) {
    await Promise.allSettled(spooled);
    await dispose();
    throw e;
  }
}
