/**
 * /tap/explain: what the service would do with a query, without running it. Outside the TAP standard (no IVOA
 * document defines it; the capabilities do not declare it). It takes /sync's QUERY, LANG, MAXREC (and its other
 * parameters, checked the same way) and answers JSON: the SQL for the configured backend, whether Qserv can limit
 * the query to some chunks, the split between Qserv and the server (the OFFSET
 * and the select-list expressions that the server computes over Qserv's rows), the compiler's warnings and the
 * result columns as VOTable FIELDs. An astronomer can so learn before submitting that a query would read the whole
 * of a Qserv catalog.
 */
import Router from "@koa/router";
import type { Context } from "koa";
import { AdqlError, printAdql, type CompileResult, type QservPruning, type QuerySplit } from "@qserv-tap/adql-compiler";
import type { Field } from "@qserv-tap/votable";
import type { Backend, Session } from "../backends/backend.js";
import { TapError, errorStatusAndMessage } from "../errors.js";
import { paramLimits, readParams, type RequestParams } from "../params.js";
import { parseTapRequest } from "../query.js";
import { fieldOf } from "../results.js";
import { loadUploads } from "../uploads.js";
import type { ServiceDeps } from "../service.js";
import { QueryRouter, type Routed } from "../query-router.js";

export interface Explanation {
  /** The backend that would run the query: the data backend, or the TAP_SCHEMA store. */
  backend: Backend["kind"];
  dialect: Backend["dialect"];
  /** The MAXREC in force (the default when none was given, capped by the hard limit). */
  maxrec: number;
  sql: string;
  /** The values of the SQL's placeholders $1, $2... (bound as doubles), or null when it has none. */
  parameters: readonly number[] | null;
  /** The row count beyond which the result would overflow MAXREC (the SQL fetches one row more); null: never. */
  overflowAfter: number | null;
  /**
   * On the qserv dialect, whether Qserv can prune chunks: with a scisql restrictor or an areaspec (and its
   * function), or none and why. Null on other backends, which have no chunks.
   */
  qserv: QservPruning | null;
  /**
   * On the qserv dialect, what the server computes over the rows of `sql` (compile.ts QuerySplit): the rows it
   * skips (ADQL's OFFSET; `sql` then has LIMIT offset+n), and the result columns it computes. Null: Qserv runs it all.
   */
  split: ExplainedSplit | null;
  warnings: readonly string[];
  /** The result's FIELDs; null when they are known only to the database (SELECT * without a catalog). */
  columns: Field[] | null;
}

export interface ExplainedSplit {
  /** Rows of Qserv's result that the server skips; null: none. */
  offset: number | null;
  residues: {
    /** The result column. */
    name: string;
    /** Its expression in ADQL, over the hidden columns of `sql` that it names. */
    expression: string;
    /** Those hidden columns and their 0-based positions in the SQL row. */
    inputs: Readonly<Record<string, number>>;
  }[];
}

/** A compile result's split, for JSON. */
export function explainedSplit(split: QuerySplit | undefined): ExplainedSplit | null {
  if (!split) return null;
  return {
    offset: split.offset ?? null,
    residues: split.residues.map((r) => ({ name: r.name, expression: printAdql(r.expr), inputs: r.inputs })),
  };
}

export interface ExplainError {
  error: {
    /** The message of /sync's error document, word for word. */
    message: string;
    code: string;
    /** Where in QUERY an ADQL error is (1-based), as in the message. */
    line?: number;
    column?: number;
  };
}

/** What a compiled query would do; `maxrec` is the request's, as parsed for /sync. */
export function explanation(routed: Pick<Routed, "compiled"> & { target: Pick<Backend, "kind" | "dialect"> }, maxrec: number): Explanation {
  const c: CompileResult = routed.compiled;
  return {
    backend: routed.target.kind,
    dialect: routed.target.dialect,
    maxrec,
    sql: c.sql,
    parameters: c.parameters ?? null,
    overflowAfter: c.overflowAfter ?? null,
    // Present only for a dialect with chunk pruning (compile.ts).
    qserv: c.qserv ?? null,
    split: explainedSplit(c.split),
    warnings: c.warnings,
    columns: c.columns ? c.columns.map(fieldOf) : null,
  };
}

/** An error as JSON, with /sync's status and message (and an ADQL error's position). */
export function explainError(e: unknown): { status: number; body: ExplainError } {
  const { status, message } = errorStatusAndMessage(e);
  const code = e instanceof AdqlError || e instanceof TapError ? e.code : status >= 500 ? "TAP_INTERNAL" : "TAP_BAD_REQUEST";
  const position = e instanceof AdqlError ? { line: e.line, column: e.column } : {};
  return { status, body: { error: { message, code, ...position } } };
}

/**
 * The session that explain hands to loadUploads: it takes an uploaded table's FIELDs and reads none of its rows.
 * The SQL then names the table as `tap_upload_<name>`; a query that runs names a temporary table of its session.
 */
const EXPLAIN_SESSION: Session = {
  createUploadTable: async (table) => [`tap_upload_${table.name.toLowerCase()}`],
  query: () => Promise.reject(new Error("explain runs no query")),
  release: async () => {},
};

export function explainRouter(deps: ServiceDeps): Router {
  const router = new Router();
  const queries = new QueryRouter(deps);
  const { limits } = deps.config;
  const handler = async (ctx: Context) => {
    let params: RequestParams | undefined;
    try {
      params = await readParams(ctx, paramLimits(limits));
      const req = parseTapRequest(params, limits);
      // An upload is read as /sync reads it (the same checks of the reference, the URL, the VOTable's FIELDs),
      // but no row is loaded: its columns are what the compiler needs.
      const abort = new AbortController();
      const onClose = () => abort.abort(new Error("client disconnected"));
      ctx.res.once("close", onClose);
      let uploads;
      try {
        uploads = await loadUploads(
          req.uploads,
          EXPLAIN_SESSION,
          { files: params.files, limits, config: deps.config, log: deps.log, uploadsSupported: deps.backend.uploads, backendName: deps.backend.kind },
          abort.signal,
        );
      } finally {
        ctx.res.off("close", onClose);
      }
      ctx.status = 200;
      ctx.body = explanation(queries.route(req.query, req.maxrec, uploads), req.maxrec);
    } catch (e) {
      const { status, body } = explainError(e);
      if (status >= 500) deps.log?.(`${ctx.method} ${ctx.path}: ${(e as Error)?.stack ?? String(e)}`);
      // A body that was refused unread (413) cannot be skipped on a kept-alive connection.
      if (status === 413 && !ctx.req.complete) ctx.set("Connection", "close");
      ctx.status = status;
      ctx.body = body;
    } finally {
      await params?.dispose();
    }
  };
  router.get("/explain", handler);
  router.post("/explain", handler);
  return router;
}
