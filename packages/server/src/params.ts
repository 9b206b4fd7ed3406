/**
 * DALI request parameters: from the query string (GET), an urlencoded form or a multipart form
 * (POST). Names are case-insensitive (DALI 1.1 §3), values are not. Multipart file parts are kept
 * (up to the upload limit) for UPLOAD=name,param:part.
 */
import type { Context } from "koa";
import busboy from "busboy";
import { TapError } from "./errors.js";

export interface RequestParams {
  /** Values by upper-cased name, in order of appearance. */
  values: Map<string, string[]>;
  /** Multipart file parts by field name (as sent: param: references are case-sensitive). */
  files: Map<string, Buffer>;
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
  const files = new Map<string, Buffer>();
  for (const [k, v] of new URLSearchParams(ctx.querystring)) add(values, k, v);
  if (ctx.method !== "POST") return { values, files };
  const type = (ctx.get("content-type") || "").toLowerCase();
  if (type.startsWith("multipart/form-data")) {
    await readMultipart(ctx, values, files, limits);
  } else if (type.startsWith("application/x-www-form-urlencoded") || type === "") {
    const body = await readBody(ctx, limits.maxFormBytes);
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) add(values, k, v);
  } else {
    throw new TapError(400, `Unsupported request Content-Type ${type}: use application/x-www-form-urlencoded or multipart/form-data`);
  }
  return { values, files };
}

function readMultipart(ctx: Context, values: Map<string, string[]>, files: Map<string, Buffer>, limits: ParamLimits): Promise<void> {
  return new Promise((resolve, reject) => {
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
    let failed: Error | undefined;
    const fail = (e: Error) => {
      if (!failed) failed = e;
    };
    bb.on("field", (name, value, info) => {
      if (info.valueTruncated) fail(new TapError(413, `Form field ${name} is longer than ${limits.maxFormBytes} bytes`, "TAP_TOO_LARGE"));
      add(values, name, value);
    });
    bb.on("file", (name, stream) => {
      const parts: Buffer[] = [];
      stream.on("data", (d: Buffer) => parts.push(d));
      stream.on("limit", () =>
        fail(new TapError(413, `Upload ${name} is larger than the limit of ${limits.maxFileBytes} bytes`, "TAP_UPLOAD_TOO_LARGE")),
      );
      stream.on("close", () => files.set(name, Buffer.concat(parts)));
    });
    bb.on("filesLimit", () => fail(new TapError(413, `More than ${limits.maxFiles} uploaded files`, "TAP_TOO_LARGE")));
    bb.on("error", (e: Error) => reject(new TapError(400, `Bad multipart request: ${e.message}`)));
    bb.on("close", () => (failed ? reject(failed) : resolve()));
    ctx.req.pipe(bb);
  });
}
