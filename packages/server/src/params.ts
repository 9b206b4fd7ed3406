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
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Context } from "koa";
import busboy from "busboy";
import type { Limits } from "./config.js";
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
  /** All parameter values (not the uploaded parts) together. */
  maxParamsBytes: number;
  /** Parameters, query string included. */
  maxParams: number;
  /** The request body, parts included. */
  maxRequestBytes: number;
  maxFileBytes: number;
  maxFiles: number;
}

/** The limits of the service's configuration, as readParams takes them. */
export function paramLimits(limits: Limits): ParamLimits {
  return {
    maxParamsBytes: limits.paramsMaxBytes,
    maxParams: limits.maxParams,
    maxRequestBytes: limits.requestMaxBytes,
    maxFileBytes: limits.uploadMaxBytes,
    maxFiles: limits.uploadMaxTables,
  };
}

const tooManyParams = (max: number) => new TapError(413, `The request has more than ${max} parameters`, "TAP_TOO_LARGE");
const paramsTooLarge = (max: number) => new TapError(413, `The request's parameters are longer than ${max} bytes together`, "TAP_TOO_LARGE");
const requestTooLarge = (max: number) => new TapError(413, `The request body is larger than ${max} bytes`, "TAP_TOO_LARGE");

/** Counts what add() keeps, against the limits. */
class Tally {
  params = 0;
  bytes = 0;
  constructor(private readonly limits: ParamLimits) {}
  count(name: string, value: string): void {
    if (++this.params > this.limits.maxParams) throw tooManyParams(this.limits.maxParams);
    this.bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (this.bytes > this.limits.maxParamsBytes) throw paramsTooLarge(this.limits.maxParamsBytes);
  }
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
  const tally = new Tally(limits);
  for (const [k, v] of new URLSearchParams(ctx.querystring)) {
    tally.count(k, v);
    add(values, k, v);
  }
  if (ctx.method !== "POST") return paramsOf(values);
  // Refused before a byte of the body is read, when the client says how long it is.
  const declared = Number(ctx.get("content-length") || NaN);
  if (declared > limits.maxRequestBytes) throw requestTooLarge(limits.maxRequestBytes);
  // A body in a content coding (gzip...) would be read as a form of garbage and refused for a missing LANG: it is a
  // 415 instead (RFC 9110 §8.4, §15.5.16), as is a body that is not a form.
  const coding = (ctx.get("content-encoding") || "").trim().toLowerCase();
  if (coding !== "" && coding !== "identity") {
    throw new TapError(415, `Unsupported request Content-Encoding ${coding}: send the body without a content coding`);
  }
  const type = (ctx.get("content-type") || "").toLowerCase();
  if (type.startsWith("multipart/form-data")) return readMultipart(ctx, values, limits, tally);
  if (type.startsWith("application/x-www-form-urlencoded") || type === "") {
    // Percent-encoding at most triples a value: a body over three times the limit cannot fit.
    const body = await readBody(ctx, Math.min(limits.maxRequestBytes, 3 * limits.maxParamsBytes + 3 * limits.maxParams));
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) {
      tally.count(k, v);
      add(values, k, v);
    }
    return paramsOf(values);
  }
  throw new TapError(415, `Unsupported request Content-Type ${type}: use application/x-www-form-urlencoded or multipart/form-data`);
}

async function readMultipart(ctx: Context, values: Map<string, string[]>, limits: ParamLimits, tally: Tally): Promise<RequestParams> {
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
          limits: {
            fileSize: limits.maxFileBytes,
            files: limits.maxFiles,
            fieldSize: limits.maxParamsBytes,
            fields: limits.maxParams,
            parts: limits.maxParams + limits.maxFiles,
            fieldNameSize: 256,
          },
        });
      } catch (e) {
        reject(new TapError(400, `Bad multipart request: ${(e as Error).message}`));
        return;
      }
      // The request is not read further once it is known to be refused: a client that sends
      // gigabytes of fields costs no more than the limits.
      const stop = (e: Error) => {
        fail(e);
        bb.destroy(failed);
      };
      bb.on("field", (name, value, info) => {
        if (failed) return;
        if (info.valueTruncated) return stop(paramsTooLarge(limits.maxParamsBytes));
        try {
          tally.count(name, value);
        } catch (e) {
          return stop(e as Error);
        }
        add(values, name, value);
      });
      bb.on("file", (name, stream) => {
        // After busboy's own 'limit' bookkeeping, which a destroy inside the event would break.
        stream.on("limit", () =>
          process.nextTick(() => stop(new TapError(413, `Upload ${name} is larger than the limit of ${limits.maxFileBytes} bytes`, "TAP_UPLOAD_TOO_LARGE"))),
        );
        // The part may fail (the client goes away) before the spool file is open and pipeline()
        // listens: its error then arrives through pipeline(), not as an uncaught exception.
        stream.on("error", () => {});
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
      bb.on("filesLimit", () => stop(new TapError(413, `More than ${limits.maxFiles} uploaded files`, "TAP_TOO_LARGE")));
      bb.on("fieldsLimit", () => stop(tooManyParams(limits.maxParams)));
      bb.on("partsLimit", () => stop(tooManyParams(limits.maxParams)));
      bb.on("error", (e: Error) => reject(failed ?? new TapError(400, `Bad multipart request: ${e.message}`)));
      bb.on("close", () => resolve());
      let received = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          received += chunk.length;
          if (received > limits.maxRequestBytes) {
            fail(requestTooLarge(limits.maxRequestBytes));
            return done(failed);
          }
          done(null, chunk);
        },
      });
      // pipeline, not pipe: a request that is aborted (or cut by the server's request timeout)
      // destroys busboy, whose error ends this promise, instead of leaving it waiting.
      pipeline(ctx.req, counter, bb).catch((e: Error) =>
        reject(failed ?? (e instanceof TapError ? e : new TapError(400, `The request was not read to its end: ${e.message}`))),
      );
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
