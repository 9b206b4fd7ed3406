/**
 * One TAP query, from request parameters to a stream of the result document: what /sync sends to
 * the socket and what an async job writes to the results store. Parameters are checked here
 * (TAP 1.1 §2.3: for async jobs, only when the job runs), the ADQL is compiled, uploads are
 * loaded into the session, and the rows go through the VOTable writer with the MAXREC overflow
 * rule. Long queries on a backend with its own asynchronous protocol (Qserv) do not hold a
 * database session while they run.
 */
import {
  DEFAULT_FORMAT,
  FORMATS,
  formatDescription,
  headOfBatch,
  resolveResponseFormat,
  writeTable,
  type ColumnBatch,
  type Field,
  type Info,
  type MetaResource,
  type OutputFormat,
  type ResponseFormat,
} from "@qserv-tap/votable";
import type { Readable } from "node:stream";
import type { AsyncRunOptions, Backend, RowCursor, Session } from "./backends/backend.js";
import { TapError, errorStatusAndMessage } from "./errors.js";
import { single, type RequestParams, type UploadPart } from "./params.js";
import { resultDescriptors } from "./datalink/tap.js";
import { batchMapper, dropRows, fieldOf, residueAppender } from "./results.js";
import type { Limits } from "./config.js";
import type { ServiceDeps } from "./service.js";
import type { QueryRouter, Routed } from "./query-router.js";
import { loadUploads, parseUploadParam, type UploadRef } from "./uploads.js";
import type { ServiceLog } from "./logging.js";

export const LANGS = ["ADQL", "ADQL-2.0", "ADQL-2.1"];

/**
 * The format and Content-Type of a RESPONSEFORMAT value, from the votable package's table of formats (the one the
 * capabilities declare). No value: BINARY2 VOTable.
 */
export function responseFormat(value: string | undefined): ResponseFormat {
  if (value === undefined || value.trim() === "") return { format: DEFAULT_FORMAT.format, contentType: DEFAULT_FORMAT.contentType };
  const f = resolveResponseFormat(value);
  if (!f) {
    const names = FORMATS.map((d) => d.aliases[0] ?? d.mime).join(", ");
    throw new TapError(400, `Unsupported RESPONSEFORMAT ${value}: use ${names} or their MIME types`, "TAP_BAD_FORMAT");
  }
  return f;
}

function parseMaxrec(value: string | undefined, defaultMaxrec: number, hardMaxrec: number): number {
  if (value === undefined || value.trim() === "") return defaultMaxrec;
  if (!/^\s*\d+\s*$/.test(value)) throw new TapError(400, `MAXREC must be a non-negative integer, not "${value}"`);
  return Math.min(Number(value), hardMaxrec);
}

/** The checked TAP parameters of one query. */
export interface TapRequest {
  query: string;
  format: OutputFormat;
  /** The Content-Type of the result: the MIME type asked for, if one was (DALI 1.2 §4.3.3). */
  contentType: string;
  maxrec: number;
  runId?: string;
  uploads: UploadRef[];
}

/** Checks REQUEST, LANG, QUERY, RESPONSEFORMAT (or FORMAT), MAXREC, RUNID and UPLOAD. */
export function parseTapRequest(params: RequestParams, limits: Limits): TapRequest {
  const request = single(params, "REQUEST");
  if (request !== undefined && request.toLowerCase() !== "doquery") {
    throw new TapError(400, `REQUEST=${request} is not supported: the only value is doQuery`);
  }
  const lang = single(params, "LANG");
  if (lang === undefined) throw new TapError(400, "The LANG parameter is missing: use LANG=ADQL");
  if (!LANGS.some((l) => l.toUpperCase() === lang.toUpperCase())) {
    throw new TapError(400, `LANG=${lang} is not supported: use ${LANGS.join(", ")}`, "TAP_BAD_LANG");
  }
  const query = single(params, "QUERY");
  if (query === undefined || query.trim() === "") throw new TapError(400, "The QUERY parameter is missing");
  const { format, contentType } = responseFormat(single(params, "RESPONSEFORMAT") ?? single(params, "FORMAT"));
  const maxrec = parseMaxrec(single(params, "MAXREC"), limits.defaultMaxrec, limits.hardMaxrec);
  const runId = single(params, "RUNID");
  if (runId !== undefined && runId.length > 64) {
    throw new TapError(400, `RUNID is ${runId.length} characters long; DALI allows at most 64`, "TAP_BAD_RUNID");
  }
  const uploads = parseUploadParam(params.values.get("UPLOAD") ?? []);
  return { query, format, contentType, maxrec, ...(runId !== undefined ? { runId } : {}), uploads };
}

/** Reads the first batch of rows before answering, so that a query that fails at once gets a real error status. */
async function peek(cursor: RowCursor): Promise<{ batches: AsyncIterator<ColumnBatch>; first: IteratorResult<ColumnBatch> }> {
  const batches = cursor[Symbol.asyncIterator]();
  const first = await batches.next();
  return { batches, first };
}

export interface StartedQuery {
  /** The result document. */
  stream: Readable;
  contentType: string;
  /** The error that cut the result short after it had begun, if any (set once the stream has ended). */
  failure(): unknown;
  /** Whether MAXREC cut the result (known once the stream has ended). */
  overflowed(): boolean;
  /** Stops the query and releases the session. Idempotent. */
  cleanup(): Promise<void>;
  /** The SQL that the database runs (for the access log). */
  sql: string;
  /** The values of the SQL's placeholders ($1, $2...), if it has any. */
  parameters: readonly number[] | undefined;
  /** Rows written so far (all of them once the stream has ended). */
  rows(): number;
  /** The compiler's warnings about the query (CompileResult.warnings), for an async job's jobInfo. */
  warnings: readonly string[];
}

export interface StartOptions {
  /** Multipart parts for UPLOAD=name,param:part. */
  files: Map<string, UploadPart>;
  /** Aborting stops the database query; a TapError reason is what the client is told. */
  signal: AbortSignal;
  requestTime?: Date;
  log?: ServiceLog;
  /**
   * Run on the backend's own asynchronous protocol when it has one (Qserv's SUBMIT): the query
   * then holds no connection while it runs, and can be re-attached after a restart.
   */
  asyncProtocol?: Omit<AsyncRunOptions, "signal">;
  /** The query already compiled (without uploads) by the caller, which need not be compiled again. */
  routed?: Routed;
  /**
   * A service's own additions to a VOTable (or VOParquet) result: INFOs of the results RESOURCE and meta RESOURCEs
   * after the DataLink descriptors (SIA 2.0 §3.1.2's self-description, DALI 1.2 §5.4.3's standardID).
   */
  annotations?: { infos?: readonly Info[]; metaResources?: readonly MetaResource[] };
}

/**
 * Compiles and starts the query; resolves when the first row (or the end) has been read, so
 * that errors before any output are thrown here.
 */
export async function startQuery(deps: ServiceDeps, router: QueryRouter, req: TapRequest, options: StartOptions): Promise<StartedQuery> {
  const { signal } = options;
  const { limits } = deps.config;
  const log = options.log ?? (() => {});
  let session: Session | undefined;
  let cursor: RowCursor | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      try {
        await cursor?.close();
      } finally {
        await session?.release();
      }
    })());
  /** What the client is told of an error from the database that ran the query. */
  const reason = (e: unknown, target: Backend) => (signal.aborted && signal.reason instanceof TapError ? signal.reason : dbError(e, target));
  try {
    // Compile first without uploads when there are none, so that ADQL errors cost no database session.
    let routed = options.routed ?? (req.uploads.length === 0 ? router.route(req.query, req.maxrec, []) : undefined);
    const protocol = routed?.target.asyncQueries;
    let sentAt = 0;
    if (routed && protocol && options.asyncProtocol) {
      if (!routed.compiled.columns) throw new TapError(500, "The result columns of this query are unknown", "TAP_INTERNAL");
      const target = routed.target;
      sentAt = performance.now();
      cursor = await protocol.run(routed.compiled.sql, { ...options.asyncProtocol, signal }).catch((e: unknown) => {
        throw reason(e, target);
      });
    } else {
      session = await (routed?.target ?? deps.backend).session();
      if (!routed) {
        const uploads = await loadUploads(
          req.uploads,
          session,
          {
            files: options.files,
            limits,
            config: deps.config,
            log: deps.log,
            uploadsSupported: deps.backend.uploads,
            backendName: deps.backend.kind,
            observe: (ok, rows) => deps.metrics?.upload(ok, rows),
          },
          signal,
        );
        routed = router.route(req.query, req.maxrec, uploads);
      }
      if (!routed.compiled.columns) throw new TapError(500, "The result columns of this query are unknown", "TAP_INTERNAL");
      const target = routed.target;
      sentAt = performance.now();
      cursor = await session.query(routed.compiled.sql, signal, routed.compiled.parameters).catch((e: unknown) => {
        throw reason(e, target);
      });
    }
    const { compiled, target } = routed;
    const columns = compiled.columns!;
    const { batches, first } = await peek(cursor).catch((e: unknown) => {
      throw reason(e, target);
    });
    deps.metrics?.firstRows(target.kind, (performance.now() - sentAt) / 1000);
    const split = compiled.split;
    // A split Qserv query (compile.ts QuerySplit): its OFFSET rows are skipped here, before MAXREC counts
    // rows, and its residues are computed over the rows that remain.
    const residues = split ? residueAppender(split) : undefined;
    const mapped = batchMapper(columns);
    const read: ResultRead = {
      batches,
      first,
      limit: compiled.overflowAfter,
      toSkip: split?.offset ?? 0,
      map: residues ? (b: ColumnBatch): ColumnBatch => mapped(residues(b)) : mapped,
      signal,
      cleanup,
      overflow: false,
      written: 0,
    };
    let failure: unknown;
    const source = resultBatches(read);
    const format = req.format;
    const fields = formatDescription(format).boundedStrings ? columns.map(fieldOf) : columns.map((c) => boundlessChar(fieldOf(c)));
    // DataLink 1.1 §4 service descriptors, where there is a VOTable (VOParquet's too); a result without any is written as before.
    const described = formatDescription(format).statusInResult ? resultDescriptors(deps, compiled, fields) : undefined;
    // The compiler's warnings join the service's annotations: INFOs beside QUERY_STATUS (DALI 1.1 §5.4.3).
    const annotations = formatDescription(format).statusInResult
      ? { ...options.annotations, infos: [...warningInfos(compiled.warnings), ...(options.annotations?.infos ?? [])] }
      : undefined;
    const metaResources = [...(described?.metaResources ?? []), ...(annotations?.metaResources ?? [])];
    const infos = [...(req.runId !== undefined ? [{ name: "RUNID", value: req.runId }] : []), ...(annotations?.infos ?? [])];
    const stream = writeTable(described?.fields ?? fields, source, {
      format,
      ...(metaResources.length > 0 ? { metaResources } : {}),
      query: req.query,
      requestTime: options.requestTime ?? new Date(),
      ...(infos.length > 0 ? { infos } : {}),
      ...(deps.encoders ? { pool: deps.encoders } : {}),
      end: () => (read.overflow ? { status: "OVERFLOW" } : undefined),
      onError: (e) => {
        failure = e;
        log(`error while writing the result of ${JSON.stringify(req.query.slice(0, 200))}: ${(e as Error)?.message ?? String(e)}`, "error");
        return errorStatusAndMessage(e).message;
      },
    });
    stream.on("close", () => void cleanup().catch(() => {}));
    return { stream, contentType: req.contentType, failure: () => failure, overflowed: () => read.overflow, cleanup, sql: compiled.sql, parameters: compiled.parameters, rows: () => read.written, warnings: compiled.warnings };
  } catch (e) {
    await cleanup().catch(() => {});
    throw e;
  }
}

/** A started query's batches as its result reads them, and what the reading found (MAXREC's overflow, the rows written). */
interface ResultRead {
  batches: AsyncIterator<ColumnBatch>;
  first: IteratorResult<ColumnBatch>;
  /** MAXREC: rows beyond it are not written, and one there says that the result overflowed. */
  limit: number | undefined;
  /** Rows still to skip (a split Qserv query's OFFSET). */
  toSkip: number;
  map: (b: ColumnBatch) => ColumnBatch;
  signal: AbortSignal;
  cleanup: () => Promise<void>;
  overflow: boolean;
  written: number;
}

/**
 * The batches of a result, from its first, as the writer gets them: OFFSET rows skipped, converted, cut at MAXREC.
 * Module-level, not a generator made per call, whose closure V8 would keep until a full collection (eslint.config.js).
 */
async function* resultBatches(read: ResultRead): AsyncGenerator<ColumnBatch> {
  const { limit, signal } = read;
  let next = read.first;
  try {
    while (!next.done) {
      let batch = next.value;
      if (read.toSkip > 0 && batch.rowCount > 0) {
        const skipped = Math.min(read.toSkip, batch.rowCount);
        batch = dropRows(batch, skipped);
        read.toSkip -= skipped;
      }
      if (batch.rowCount > 0) {
        if (limit !== undefined && read.written >= limit) {
          read.overflow = true;
          break;
        }
        // Only the rows up to MAXREC are converted and written: a row beyond says that there were more.
        const keep = limit === undefined ? batch.rowCount : Math.min(batch.rowCount, limit - read.written);
        yield read.map(headOfBatch(batch, keep));
        read.written += keep;
        if (keep < batch.rowCount) {
          read.overflow = true;
          break;
        }
      }
      next = await read.batches.next();
    }
  } catch (e) {
    throw signal.aborted && signal.reason instanceof TapError ? signal.reason : e;
  } finally {
    await read.cleanup();
  }
}

/**
 * The compiler's warnings (how the query was read, whether Qserv can prune it) as result INFOs: DALI 1.1 §5.4.3
 * allows additional INFOs in the results RESOURCE, and names none for warnings, so they are name="WARNING".
 */
export function warningInfos(warnings: readonly string[]): Info[] {
  return warnings.map((w) => ({ name: "WARNING", value: w }));
}

/** A string FIELD without its bound, for a format whose readers misread one (FormatDescription.boundedStrings). */
function boundlessChar(f: Field): Field {
  if ((f.datatype === "char" || f.datatype === "unicodeChar") && f.arraysize !== undefined && /^\d+\*$/.test(f.arraysize)) {
    return { ...f, arraysize: "*" };
  }
  return f;
}

/** A database error as a DALI error: the client's (400) when the backend says the query's values caused it. */
export function dbError(e: unknown, backend: Pick<Backend, "isQueryValueError">): unknown {
  if (e instanceof TapError) return e;
  const message = (e as Error)?.message ?? String(e);
  if (backend.isQueryValueError(e)) {
    return new TapError(400, `The query failed on its values: ${message}`, "TAP_QUERY_VALUE_ERROR");
  }
  return new TapError(500, `The database could not run the query: ${message}`, "TAP_DATABASE_ERROR");
}
