/**
 * TAP_UPLOAD (TAP 1.1 §2.7.6, DALI 1.1 §4.3.5): UPLOAD=name,param:part takes a VOTable from a
 * multipart part; UPLOAD=name,http(s)://... fetches one, behind url-fetch.ts's guard. Each
 * table is read as a stream by the VOTable reader within the configured limits and loaded into a
 * temporary table of the request's database session; timestamps are checked on the way
 * (DALI 1.1 §3.3.3) and handed to the backends in one spelling. A table with a complex-valued
 * column is refused from its FIELDs, before a row is read (complexColumns).
 */
import type { SchemaTable } from "@qserv-tap/adql-compiler";
import { readVOTable, type Field } from "@qserv-tap/votable";
import type { Session } from "./backends/backend.js";
import type { Config, Limits, UploadUrlConfig } from "./config.js";
import { TapError } from "./errors.js";
import type { UploadPart } from "./params.js";
import { DALI_TIMESTAMP_FORM, formatTimestamp, parseDaliTimestamp, TimestampError } from "./timestamp.js";
import { guardedFetch, parseUrlPrefix, redactUrl, UrlFetchError, type Fetched } from "./url-fetch.js";
import type { ServiceLog } from "./logging.js";

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
  /** URL uploads' settings, and the service's own addresses (which no upload URL may reach). */
  config: Pick<Config, "uploadUrls" | "baseUrl" | "host" | "port">;
  /** Where the reason a URL upload was refused or failed goes (the client gets one message for all). */
  log?: (ServiceLog) | undefined;
  uploadsSupported: boolean;
  backendName: string;
  /** Told of each table: loaded (with its rows) or refused (/metrics). */
  observe?: ((ok: boolean, rows?: number) => void) | undefined;
}

/**
 * What the client is told of a URL upload that was refused or failed, whatever the reason (an
 * address that is not allowed, a closed port, a name that does not resolve, a 404, the time
 * limit): told apart, they would make the service a scanner of the networks it can reach.
 */
function urlUploadFailure(name: string, c: UploadUrlConfig): TapError {
  return new TapError(
    400,
    `UPLOAD ${name}: the URL could not be fetched, or is not allowed. This service fetches http and https URLs of ` +
      `public hosts that answer 200 within ${c.timeoutSeconds} s, following at most ${c.maxRedirects} redirects. Check that ` +
      `the URL can be fetched from outside your network, or send the table in the request (UPLOAD=${name},param:part)`,
    "TAP_UPLOAD_URL_FAILED",
  );
}

/** A URL upload's failure: logged with its reason (never the URL's user, password or query), answered with the one message. */
function urlError(name: string, url: URL, e: unknown, ctx: UploadContext): unknown {
  if (!(e instanceof UrlFetchError)) return e;
  ctx.log?.(`UPLOAD ${name} from ${redactUrl(url)} refused or failed: ${e.message}`);
  return urlUploadFailure(name, ctx.config.uploadUrls);
}

/**
 * The answer to a URL upload, its body a stream. A declared Content-Length over the upload limit
 * is refused before reading; otherwise the VOTable reader's byte limit stops it (see uploadError).
 */
async function fetchUpload(ref: UploadRef, ctx: UploadContext, signal: AbortSignal): Promise<{ url: URL; fetched: Fetched }> {
  let url: URL;
  try {
    url = new URL(ref.uri);
  } catch {
    throw new TapError(400, `UPLOAD location "${ref.uri}" is neither param:name nor an http(s) URL`, "TAP_BAD_UPLOAD");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TapError(400, `UPLOAD location "${ref.uri}": only param: and http(s) URLs are supported`, "TAP_BAD_UPLOAD");
  }
  const c = ctx.config.uploadUrls;
  if (!c.enabled) {
    throw new TapError(
      400,
      `UPLOAD from a URL is disabled on this service: send the VOTable in the request as UPLOAD=${ref.name},param:part with a multipart part`,
      "TAP_UPLOAD_URL_REFUSED",
    );
  }
  let fetched: Fetched;
  try {
    fetched = await guardedFetch(url, {
      allow: c.allow.map(parseUrlPrefix),
      service: ctx.config,
      timeoutMs: c.timeoutSeconds * 1000,
      connectTimeoutMs: c.connectTimeoutSeconds * 1000,
      maxRedirects: c.maxRedirects,
      signal,
    });
  } catch (e) {
    throw urlError(ref.name, url, e, ctx);
  }
  if (fetched.contentLength !== undefined && fetched.contentLength > ctx.limits.uploadMaxBytes) {
    fetched.close();
    throw new TapError(413, `UPLOAD ${ref.name} is larger than the limit of ${ctx.limits.uploadMaxBytes} bytes`, "TAP_UPLOAD_TOO_LARGE");
  }
  return { url, fetched };
}

/**
 * The error to report for a failed upload read: ours as it is; a URL's failure as urlError says;
 * the reader's size limits as 413, like the byte limit; anything else the reader says as a bad
 * upload (with its line and column).
 */
function uploadError(name: string, e: unknown, prefix: string, ctx: UploadContext, url: URL | undefined): TapError {
  const { limits } = ctx;
  const cause = (e as { cause?: unknown }).cause;
  if (e instanceof TapError) return e;
  if (cause instanceof TapError) return cause;
  if (url && (e instanceof UrlFetchError || cause instanceof UrlFetchError)) {
    const failure = urlError(name, url, e instanceof UrlFetchError ? e : cause, ctx);
    if (failure instanceof TapError) return failure;
  }
  const code = (e as { code?: unknown }).code;
  if (code === "VOTABLE_LIMIT_ROWS") {
    return new TapError(413, `UPLOAD ${name} has more than ${limits.uploadMaxRows} rows, the limit of this service`, "TAP_UPLOAD_TOO_LARGE");
  }
  if (code === "VOTABLE_LIMIT_BYTES") {
    return new TapError(413, `UPLOAD ${name} is larger than the limit of ${limits.uploadMaxBytes} bytes`, "TAP_UPLOAD_TOO_LARGE");
  }
  return new TapError(400, `UPLOAD ${name}: ${prefix}${(e as Error).message}`, "TAP_BAD_UPLOAD");
}

/**
 * The row with its timestamp columns checked and spelled one way (timestamp.ts), for every
 * backend; a value that is not a DALI timestamp is the client's error, named by row and column.
 */
function daliTimestamps(row: readonly unknown[], columns: readonly number[], table: string, rowNumber: number, names: readonly string[]): unknown[] {
  const out = [...row];
  for (const i of columns) {
    const v = out[i];
    if (v === null || v === undefined || v instanceof Date) continue;
    const text = String(v);
    if (text.trim() === "") {
      out[i] = null;
      continue;
    }
    try {
      out[i] = formatTimestamp(parseDaliTimestamp(text));
    } catch (e) {
      if (!(e instanceof TimestampError)) throw e;
      const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
      throw new TapError(
        400,
        `UPLOAD ${table}, row ${rowNumber}, column ${names[i]}: ${JSON.stringify(shown)} is not a DALI timestamp ` +
          `(${DALI_TIMESTAMP_FORM}, DALI 1.1 §3.3.3): ${e.message}`,
        "TAP_BAD_UPLOAD",
      );
    }
  }
  return out;
}

/** An upload's rows as they are read, and how many have been. */
interface UploadRead {
  reader: AsyncIterable<unknown>;
  /** The fields with xtype timestamp, whose DALI text becomes instants. */
  timestamps: readonly number[];
  name: string;
  names: readonly string[];
  ctx: UploadContext;
  url: URL | undefined;
  loaded: number;
}

/** The rows of an upload for its table, DALI timestamps read (module-level, not a generator made per call: eslint.config.js). */
async function* uploadRows(read: UploadRead): AsyncGenerator<readonly unknown[]> {
  const { timestamps, name, names } = read;
  let n = 0;
  try {
    for await (const row of read.reader) {
      n++;
      read.loaded = n;
      yield timestamps.length === 0 ? (row as readonly unknown[]) : daliTimestamps(row as readonly unknown[], timestamps, name, n, names);
    }
  } catch (e) {
    throw uploadError(name, e, "", read.ctx, read.url);
  }
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

/**
 * The refusal of an upload with complex-valued columns, or undefined when it has none. ADQL 2.1 has
 * no complex type, and neither have DuckDB, MariaDB nor VOParquet: stored, such a column became text
 * that the result writers could not turn back into complex values, so a query failed after its 200
 * (or with a 500 in Parquet). TAP 1.1 §2.7.6 asks that uploads round-trip every valid VOTable; this
 * is the exception, refused before any row is read or any query runs, with what to upload instead.
 */
function complexColumns(name: string, fields: readonly Field[], names: readonly string[]): TapError | undefined {
  const complex = fields.flatMap((f, i) =>
    f.datatype === "floatComplex" || f.datatype === "doubleComplex"
      ? [`${names[i]} (${f.datatype}${f.arraysize !== undefined ? `, arraysize="${f.arraysize}"` : ""})`]
      : [],
  );
  if (complex.length === 0) return undefined;
  return new TapError(
    400,
    `UPLOAD ${name}, column${complex.length > 1 ? "s" : ""} ${complex.join(", ")}: complex values are not supported in uploads, ` +
      "as ADQL has no complex type; upload the real and imaginary parts as two float or double columns",
    "TAP_BAD_UPLOAD",
  );
}

/**
 * The datatype that an uploaded column has in queries and results. A single bit (VOTable 1.4 §2.1) is a boolean in all
 * but its binary encoding, and that encoding is what astropy 5.2 misreads: its BINARY and BINARY2 reader tests bit
 * 0x08 of the byte, not the high bit 0x80 that VOTable 1.4 §5.1 packs first, and it writes a bool column as bit, so a
 * pyvo upload of an astropy Table's bool column came back all False in the default format. Such a column is returned
 * as boolean (stored as one already); bit arrays stay bits. Like complex values (complexColumns), a stated exception
 * to TAP 1.1 §2.7.6's round trip, of the datatype only: every value comes back.
 */
function uploadedDatatype(f: Field): Field["datatype"] {
  return f.datatype === "bit" && (f.arraysize === undefined || f.arraysize === "1") ? "boolean" : f.datatype;
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
    try {
      tables.push(await loadUpload(ref, session, ctx, signal));
    } catch (e) {
      ctx.observe?.(false);
      throw e;
    }
  }
  return tables;
}

async function loadUpload(ref: UploadRef, session: Session, ctx: UploadContext, signal: AbortSignal): Promise<SchemaTable> {
  let data: AsyncIterable<Uint8Array>;
  let url: URL | undefined;
  let fetched: Fetched | undefined;
  if (ref.uri.startsWith("param:")) {
    const part = ref.uri.slice("param:".length);
    const file = ctx.files.get(part);
    if (!file) throw new TapError(400, `UPLOAD ${ref.name}: the request has no multipart part named ${part}`, "TAP_BAD_UPLOAD");
    data = file.open();
  } else {
    ({ url, fetched } = await fetchUpload(ref, ctx, signal));
    data = fetched.body;
  }
  let reader;
  try {
    reader = await readVOTable(data, {
      limits: { maxBytes: ctx.limits.uploadMaxBytes, maxRows: ctx.limits.uploadMaxRows, maxFields: 1000 },
    });
  } catch (e) {
    fetched?.close();
    throw uploadError(ref.name, e, "not a readable VOTable: ", ctx, url);
  }
  const fields = reader.fields;
  if (fields.length === 0) {
    await reader.close();
    fetched?.close();
    throw new TapError(400, `UPLOAD ${ref.name}: the VOTable has no FIELD`, "TAP_BAD_UPLOAD");
  }
  const names = columnNames(fields);
  const refused = complexColumns(ref.name, fields, names);
  if (refused) {
    await reader.close();
    fetched?.close();
    throw refused;
  }
  const timestamps = fields.flatMap((f, i) => (f.xtype === "timestamp" ? [i] : []));
  const read: UploadRead = { reader, timestamps, name: ref.name, names, ctx, url, loaded: 0 };
  const rows = uploadRows(read);
  let sqlName: string[];
  try {
    sqlName = await session.createUploadTable({ name: ref.name, fields, rows }, names);
  } finally {
    // Releases the input (the spooled part's file, the URL's connection) if the load stopped early.
    await reader.close();
    fetched?.close();
  }
  const table: SchemaTable = {
    schema: "TAP_UPLOAD",
    name: ref.name,
    sqlName,
    columns: fields.map((f, i) => {
      const c: { -readonly [K in keyof SchemaTable["columns"][number]]: SchemaTable["columns"][number][K] } = {
        name: names[i]!,
        datatype: uploadedDatatype(f),
      };
      if (f.arraysize !== undefined) c.arraysize = f.arraysize;
      if (f.xtype !== undefined) c.xtype = f.xtype;
      if (f.unit !== undefined) c.unit = f.unit;
      if (f.ucd !== undefined) c.ucd = f.ucd;
      if (f.utype !== undefined) c.utype = f.utype;
      if (f.description !== undefined) c.description = f.description;
      // Kept, so that the FIELD of a selected integer array can write its null elements back (VOTable 1.4 §4.3).
      if (f.nullValue !== undefined && f.nullValue !== null) c.nullValue = String(f.nullValue);
      return c;
    }),
  };
  ctx.observe?.(true, read.loaded);
  return table;
}
