/**
 * TAP_UPLOAD (TAP 1.1 §2.7.6, DALI 1.1 §4.3.5): UPLOAD=name,param:part takes a VOTable from a
 * multipart part; UPLOAD=name,http(s)://... fetches one, but only from allowlisted hosts. Each
 * table is read as a stream by the VOTable reader within the configured limits and loaded into a
 * temporary table of the request's database session.
 */
import type { SchemaTable } from "@qserv-tap/adql-compiler";
import { readVOTable, type Field } from "@qserv-tap/votable";
import type { Session } from "./backends/backend.js";
import type { Limits } from "./config.js";
import { TapError } from "./errors.js";
import type { UploadPart } from "./params.js";

export interface UploadRef {
  name: string;
  uri: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Parses the UPLOAD values: each "name,uri", several separated by ";". */
export function parseUploadParam(values: readonly string[]): UploadRef[] {
  const out: UploadRef[] = [];
  for (const value of values) {
    for (const item of value.split(";")) {
      if (item.trim() === "") continue;
      const comma = item.indexOf(",");
      if (comma < 0) throw new TapError(400, `UPLOAD must be "name,uri", not "${item}"`, "TAP_BAD_UPLOAD");
      const name = item.slice(0, comma).trim();
      const uri = item.slice(comma + 1).trim();
      if (!NAME.test(name)) throw new TapError(400, `UPLOAD table name "${name}" is not a valid ADQL table name`, "TAP_BAD_UPLOAD");
      if (out.some((u) => u.name.toLowerCase() === name.toLowerCase())) {
        throw new TapError(400, `UPLOAD table name ${name} is used twice`, "TAP_BAD_UPLOAD");
      }
      out.push({ name, uri });
    }
  }
  return out;
}

export interface UploadContext {
  files: Map<string, UploadPart>;
  limits: Limits;
  allowedHosts: readonly string[];
  uploadsSupported: boolean;
  backendName: string;
}

/**
 * The body of an allowlisted URL, as a stream. A declared Content-Length over the upload limit is
 * refused before reading; otherwise the VOTable reader's byte limit stops it (see uploadError).
 */
async function fetchUpload(uri: string, ctx: UploadContext, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TapError(400, `UPLOAD location "${uri}" is neither param:name nor an http(s) URL`, "TAP_BAD_UPLOAD");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TapError(400, `UPLOAD location "${uri}": only param: and http(s) URLs are supported`, "TAP_BAD_UPLOAD");
  }
  if (!ctx.allowedHosts.map((h) => h.toLowerCase()).includes(url.hostname.toLowerCase())) {
    throw new TapError(
      400,
      ctx.allowedHosts.length === 0
        ? `UPLOAD from a URL is disabled on this service: send the VOTable in the request as UPLOAD=name,param:part with a multipart part`
        : `UPLOAD from ${url.hostname} is not allowed: this service fetches uploads only from ${ctx.allowedHosts.join(", ")}`,
      "TAP_UPLOAD_URL_REFUSED",
    );
  }
  const res = await fetch(url, { signal, redirect: "error" }).catch((e: Error) => {
    throw new TapError(400, `UPLOAD ${uri}: ${e.message}`, "TAP_BAD_UPLOAD");
  });
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new TapError(400, `UPLOAD ${uri}: HTTP ${res.status}`, "TAP_BAD_UPLOAD");
  }
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > ctx.limits.uploadMaxBytes) {
    await res.body.cancel();
    throw new TapError(413, `UPLOAD ${uri} is larger than the limit of ${ctx.limits.uploadMaxBytes} bytes`, "TAP_UPLOAD_TOO_LARGE");
  }
  return res.body as AsyncIterable<Uint8Array>;
}

/**
 * The error to report for a failed upload read: ours as it is; the reader's size limits as 413,
 * like the byte limit; anything else the reader says as a bad upload (with its line and column).
 */
function uploadError(name: string, e: unknown, prefix: string, limits: Limits): TapError {
  const cause = (e as { cause?: unknown }).cause;
  if (e instanceof TapError) return e;
  if (cause instanceof TapError) return cause;
  const code = (e as { code?: unknown }).code;
  if (code === "VOTABLE_LIMIT_ROWS") {
    return new TapError(413, `UPLOAD ${name} has more than ${limits.uploadMaxRows} rows, the limit of this service`, "TAP_UPLOAD_TOO_LARGE");
  }
  if (code === "VOTABLE_LIMIT_BYTES") {
    return new TapError(413, `UPLOAD ${name} is larger than the limit of ${limits.uploadMaxBytes} bytes`, "TAP_UPLOAD_TOO_LARGE");
  }
  return new TapError(400, `UPLOAD ${name}: ${prefix}${(e as Error).message}`, "TAP_BAD_UPLOAD");
}

/** Unique, non-empty column names for the uploaded fields, as the query refers to them. */
function columnNames(fields: readonly Field[]): string[] {
  const seen = new Set<string>();
  return fields.map((f, i) => {
    let name = (f.name ?? "").trim() || `col${i + 1}`;
    let n = name;
    for (let k = 2; seen.has(n.toLowerCase()); k++) n = `${name}_${k}`;
    name = n;
    seen.add(name.toLowerCase());
    return name;
  });
}

/** Loads the uploads into temporary tables of the session; returns them as catalog tables. */
export async function loadUploads(
  refs: readonly UploadRef[],
  session: Session,
  ctx: UploadContext,
  signal: AbortSignal,
): Promise<SchemaTable[]> {
  if (refs.length === 0) return [];
  if (!ctx.uploadsSupported) {
    throw new TapError(400, `Uploads are not available on this backend (${ctx.backendName})`, "TAP_UPLOAD_UNSUPPORTED");
  }
  if (refs.length > ctx.limits.uploadMaxTables) {
    throw new TapError(400, `At most ${ctx.limits.uploadMaxTables} tables may be uploaded`, "TAP_BAD_UPLOAD");
  }
  const tables: SchemaTable[] = [];
  for (const ref of refs) {
    let data: AsyncIterable<Uint8Array>;
    if (ref.uri.startsWith("param:")) {
      const part = ref.uri.slice("param:".length);
      const file = ctx.files.get(part);
      if (!file) throw new TapError(400, `UPLOAD ${ref.name}: the request has no multipart part named ${part}`, "TAP_BAD_UPLOAD");
      data = file.open();
    } else {
      data = await fetchUpload(ref.uri, ctx, signal);
    }
    let reader;
    try {
      reader = await readVOTable(data, {
        limits: { maxBytes: ctx.limits.uploadMaxBytes, maxRows: ctx.limits.uploadMaxRows, maxFields: 1000 },
      });
    } catch (e) {
      throw uploadError(ref.name, e, "not a readable VOTable: ", ctx.limits);
    }
    const fields = reader.fields;
    if (fields.length === 0) {
      await reader.close();
      throw new TapError(400, `UPLOAD ${ref.name}: the VOTable has no FIELD`, "TAP_BAD_UPLOAD");
    }
    const names = columnNames(fields);
    const rows = (async function* () {
      try {
        for await (const row of reader) yield row as readonly unknown[];
      } catch (e) {
        throw uploadError(ref.name, e, "", ctx.limits);
      }
    })();
    let sqlName: string[];
    try {
      sqlName = await session.createUploadTable({ name: ref.name, fields, rows }, names);
    } finally {
      // Releases the input (the spooled part's file, the URL's connection) if the load stopped early.
      await reader.close();
    }
    tables.push({
      schema: "TAP_UPLOAD",
      name: ref.name,
      sqlName,
      columns: fields.map((f, i) => {
        const c: { -readonly [K in keyof SchemaTable["columns"][number]]: SchemaTable["columns"][number][K] } = {
          name: names[i]!,
          datatype: f.datatype,
        };
        if (f.arraysize !== undefined) c.arraysize = f.arraysize;
        if (f.xtype !== undefined) c.xtype = f.xtype;
        if (f.unit !== undefined) c.unit = f.unit;
        if (f.ucd !== undefined) c.ucd = f.ucd;
        if (f.utype !== undefined) c.utype = f.utype;
        if (f.description !== undefined) c.description = f.description;
        return c;
      }),
    });
  }
  return tables;
}
