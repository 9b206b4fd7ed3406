/**
 * /sync (TAP 1.1 §2.2, DALI 1.1 §2.2): GET or POST, parameters case-insensitive, the result
 * streamed from the database cursor through the VOTable writer to the socket.
 */
import Router from "@koa/router";
import type { Context } from "koa";
import { writeTable, contentType, type Field, type OutputFormat } from "@qserv-tap/votable";
import type { RowCursor, Session } from "../backends/backend.js";
import { TapError, sendError, errorStatusAndMessage } from "../errors.js";
import { readParams, single } from "../params.js";
import { fieldOf, rowMapper } from "../results.js";
import { QueryCompiler, type ServiceDeps } from "../service.js";
import { loadUploads, parseUploadParam } from "../uploads.js";

/** RESPONSEFORMAT values (lower case, parameters without spaces) and the writer format. */
const FORMATS: Record<string, OutputFormat> = {
  votable: "binary2",
  "votable/b2": "binary2",
  "votable/binary2": "binary2",
  "votable/td": "tabledata",
  "votable/tabledata": "tabledata",
  "votable/b": "binary",
  "votable/binary": "binary",
  "application/x-votable+xml": "binary2",
  "application/x-votable+xml;serialization=binary2": "binary2",
  "application/x-votable+xml;serialization=tabledata": "tabledata",
  "application/x-votable+xml;serialization=binary": "binary",
  "text/xml": "tabledata",
  "application/xml": "tabledata",
  csv: "csv",
  "text/csv": "csv",
  "text/csv;header=present": "csv",
  tsv: "tsv",
  "text/tab-separated-values": "tsv",
};

export const LANGS = ["ADQL", "ADQL-2.0", "ADQL-2.1"];

export function outputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value.trim() === "") return "binary2";
  const key = value.toLowerCase().replace(/\s+/g, "").replace(/"/g, "");
  const f = FORMATS[key];
  if (!f) {
    throw new TapError(
      400,
      `Unsupported RESPONSEFORMAT ${value}: use votable (BINARY2), votable/td, votable/b, votable/b2, csv, tsv or their MIME types`,
      "TAP_BAD_FORMAT",
    );
  }
  return f;
}

function parseMaxrec(value: string | undefined, defaultMaxrec: number, hardMaxrec: number): number {
  if (value === undefined || value.trim() === "") return defaultMaxrec;
  if (!/^\s*\d+\s*$/.test(value)) throw new TapError(400, `MAXREC must be a non-negative integer, not "${value}"`);
  return Math.min(Number(value), hardMaxrec);
}

/** Reads the first row before answering, so that a query that fails at once gets a real error status. */
async function peek(cursor: RowCursor): Promise<{ rows: AsyncIterator<unknown[]>; first: IteratorResult<unknown[]> }> {
  const rows = cursor[Symbol.asyncIterator]();
  const first = await rows.next();
  return { rows, first };
}

export function syncRouter(deps: ServiceDeps): Router {
  const router = new Router();
  const compiler = new QueryCompiler(deps);
  const { limits } = deps.config;
  const log = deps.log ?? (() => {});

  const handler = async (ctx: Context) => {
    const requestTime = new Date();
    const params = await readParams(ctx, {
      maxFormBytes: 16 * 1024 * 1024,
      maxFileBytes: limits.uploadMaxBytes,
      maxFiles: limits.uploadMaxTables,
    });
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
    (ctx.state as { query?: string }).query = query;
    const format = outputFormat(single(params, "RESPONSEFORMAT") ?? single(params, "FORMAT"));
    const maxrec = parseMaxrec(single(params, "MAXREC"), limits.defaultMaxrec, limits.hardMaxrec);
    const runId = single(params, "RUNID");
    const uploadRefs = parseUploadParam(params.values.get("UPLOAD") ?? []);

    const abort = new AbortController();
    const timeout = setTimeout(
      () => abort.abort(new TapError(503, `Query exceeded the synchronous time limit of ${limits.syncTimeoutSeconds} s`)),
      limits.syncTimeoutSeconds * 1000,
    );
    const onClose = () => abort.abort(new Error("client disconnected"));
    ctx.res.once("close", onClose);
    let session: Session | undefined;
    let cursor: RowCursor | undefined;
    const cleanup = async () => {
      clearTimeout(timeout);
      ctx.res.off("close", onClose);
      try {
        await cursor?.close();
      } finally {
        await session?.release();
      }
    };
    try {
      // Compile first without uploads when there are none, so that ADQL errors cost no database session.
      let routed = uploadRefs.length === 0 ? compiler.compile(query, maxrec, []) : undefined;
      session = await (routed?.target ?? deps.backend).session();
      if (!routed) {
        const uploads = await loadUploads(
          uploadRefs,
          session,
          {
            files: params.files,
            limits,
            allowedHosts: deps.config.uploadUrlHosts,
            uploadsSupported: deps.backend.uploads,
            backendName: deps.backend.kind,
          },
          abort.signal,
        );
        routed = compiler.compile(query, maxrec, uploads);
      }
      const { compiled } = routed;
      if (!compiled.columns) throw new TapError(500, "The result columns of this query are unknown", "TAP_INTERNAL");
      const columns = compiled.columns;
      cursor = await session.query(compiled.sql, abort.signal).catch((e: unknown) => {
        throw abort.signal.aborted && abort.signal.reason instanceof TapError ? abort.signal.reason : dbError(e);
      });
      const { rows, first } = await peek(cursor).catch((e: unknown) => {
        throw abort.signal.aborted && abort.signal.reason instanceof TapError ? abort.signal.reason : dbError(e);
      });
      const limit = compiled.overflowAfter;
      let overflow = false;
      const map = rowMapper(columns);
      const source = (async function* () {
        let n = 0;
        let next = first;
        try {
          while (!next.done) {
            if (limit !== undefined && n >= limit) {
              overflow = true;
              break;
            }
            yield map(next.value);
            n++;
            next = await rows.next();
          }
        } catch (e) {
          if (abort.signal.aborted && abort.signal.reason instanceof TapError) throw abort.signal.reason;
          throw e;
        } finally {
          await cleanup();
        }
      })();
      const fields = columns.map(fieldOf).map((f) => (format === "binary" || format === "binary2" ? boundlessChar(f) : f));
      const stream = writeTable(fields, source, {
        format,
        query,
        requestTime,
        ...(runId !== undefined ? { infos: [{ name: "RUNID", value: runId }] } : {}),
        end: () => (overflow ? { status: "OVERFLOW" } : undefined),
        onError: (e) => {
          log(`error while streaming ${ctx.url}: ${(e as Error)?.message ?? String(e)}`);
          return errorStatusAndMessage(e).message;
        },
      });
      stream.on("close", () => void cleanup().catch(() => {}));
      ctx.status = 200;
      ctx.set("Content-Type", contentType(format));
      ctx.body = stream;
    } catch (e) {
      await cleanup().catch(() => {});
      throw e;
    }
  };
  router.get("/sync", handler);
  router.post("/sync", handler);
  return router;
}

/**
 * astropy 5.2 reads a bounded variable-length string ("24*") in BINARY and BINARY2 as if it were
 * fixed-length (24 bytes), and so misreads every following cell; "*" it reads correctly. The bound
 * is advisory (VOTable 1.4 §2.2), so binary serializations declare strings as "*".
 */
function boundlessChar(f: Field): Field {
  if ((f.datatype === "char" || f.datatype === "unicodeChar") && f.arraysize !== undefined && /^\d+\*$/.test(f.arraysize)) {
    return { ...f, arraysize: "*" };
  }
  return f;
}

function dbError(e: unknown): unknown {
  if (e instanceof TapError) return e;
  const message = (e as Error)?.message ?? String(e);
  return new TapError(500, `The database could not run the query: ${message}`, "TAP_DATABASE_ERROR");
}

export function sendTapError(ctx: Context, err: unknown): void {
  const { status, message } = errorStatusAndMessage(err);
  sendError(ctx, status, message);
}
