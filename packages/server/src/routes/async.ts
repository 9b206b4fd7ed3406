/**
 * /async (TAP 1.1 §2.2, DALI 1.1 §2.1, UWS 1.1 §2.2): the job list, the job, and its children
 * phase, executionduration, destruction, quote, error, parameters, results, owner and runId.
 * State changes answer 303 to the job (or, after a deletion, to the job list). The same routes serve SODA's
 * /soda/async (SODA 1.0 §2.2, DALI-async) with their own path, base URL, job manager and error document.
 */
import Router from "@koa/router";
import type { Context } from "koa";
import { errorDocument } from "@qserv-tap/votable";
import { TapError, VOTABLE_CONTENT_TYPE } from "../errors.js";
import { clientOf } from "../auth.js";
import { paramLimits, readParams, single, type RequestParams } from "../params.js";
import type { ServiceDeps } from "../service.js";
import { jobListXml, jobXml, parametersXml, resultsXml, standaloneXml, type Job, type JobParameter, type Urls } from "../uws/job.js";
import type { JobManager, Requester } from "../uws/manager.js";
import { blockingOf, checkParametersPost, inlineName, jobListFilterOf, phaseActionOf, queryParameters, runsOnCreation } from "../uws/parameters.js";
import type { ResultStore } from "../uws/result-store.js";
import { XML_CONTENT_TYPE } from "./vosi.js";

const TEXT = "text/plain; charset=utf-8";

/** What differs between the services that keep UWS jobs (TAP's /async, SODA's /soda/async). */
export interface AsyncRouterOptions {
  /** The job list's path on the router (default /async). */
  path?: string;
  /** The job list's public URL (default: the TAP base URL and /async). */
  baseUrl?: string;
  /** Sends the error document of a job in ERROR (default: TAP 1.1 §5.3's VOTable, with QUERY and RUNID). */
  errorDocument?: (ctx: Context, job: Job) => void;
  /** The credential that the job runs with (Execution.credential), from the request that creates or runs it. */
  credentialOf?: (ctx: Context) => string | undefined;
}

export function asyncRouter(deps: ServiceDeps, manager: JobManager, results: ResultStore, options: AsyncRouterOptions = {}): Router {
  const router = new Router();
  const path = options.path ?? "/async";
  const base = options.baseUrl ?? `${deps.config.baseUrl}/async`;
  const urls: Urls = {
    job: (id) => `${base}/${id}`,
    result: (id, name) => `${base}/${id}/results/${name}`,
    parameter: (id, name) => `${base}/${id}/parameters/${encodeURIComponent(name)}`,
  };
  const limits = paramLimits(deps.config.limits);

  const requester = (ctx: Context): Requester => {
    const client = clientOf(ctx);
    return { owner: client.user, address: client.address };
  };
  const params = (ctx: Context) => readParams(ctx, limits);
  /** The job, if the requester may see it: another user's job is as missing as a job that never was. */
  const job = async (ctx: Context): Promise<Job> => {
    const id = String(ctx.params.id);
    const j = await manager.get(id);
    // A job ID is 40 hex digits: a longer one is cut in the message, not echoed whole.
    if (!j || !manager.visibleTo(j, requester(ctx))) throw new TapError(404, `No such job: ${id.length > 64 ? `${id.slice(0, 64)}…` : id}`, "UWS_NO_JOB");
    return j;
  };
  const seeOther = (ctx: Context, url: string) => {
    ctx.status = 303;
    ctx.set("Location", url);
    ctx.type = TEXT;
    ctx.body = `See ${url}\n`;
  };
  const text = (ctx: Context, value: string) => {
    ctx.type = TEXT;
    ctx.body = value;
  };
  const xml = (ctx: Context, value: string) => {
    ctx.type = XML_CONTENT_TYPE;
    ctx.body = value;
  };

  /** Request parameters as job parameters (names upper-cased), and the multipart parts. */
  const jobParameters = (p: RequestParams): JobParameter[] => {
    const out: JobParameter[] = [];
    for (const [name, values] of p.values) for (const value of values) out.push({ name, value });
    return out;
  };
  const phaseAction = async (ctx: Context, j: Job, value: string) => {
    if (phaseActionOf(value) === "RUN") await manager.run(j, options.credentialOf?.(ctx));
    else await manager.abort(j);
  };

  router.get(path, async (ctx) => {
    const jobs = await manager.list(requester(ctx), jobListFilterOf(queryParameters(ctx.querystring)));
    xml(ctx, jobListXml(jobs, urls));
  });

  router.post(path, async (ctx) => {
    const p = await params(ctx);
    const run = runsOnCreation(single(p, "PHASE"));
    const credential = options.credentialOf?.(ctx);
    const j = await manager.create(requester(ctx), jobParameters(p), p.files, { run, ...(credential !== undefined ? { credential } : {}) });
    seeOther(ctx, urls.job(j.id));
  });

  router.get(`${path}/:id`, async (ctx) => {
    let j = await job(ctx);
    const blocking = blockingOf(queryParameters(ctx.querystring));
    if (blocking) {
      const abort = new AbortController();
      const onClose = () => abort.abort();
      ctx.req.once("close", onClose);
      try {
        await manager.wait(j, blocking.seconds, blocking.phase, abort.signal);
      } finally {
        ctx.req.off("close", onClose);
      }
      const after = await manager.get(j.id);
      if (!after) throw new TapError(404, `Job ${j.id} was deleted`, "UWS_NO_JOB");
      j = after;
    }
    xml(ctx, jobXml(j, urls));
  });

  const remove = async (ctx: Context) => {
    const j = await job(ctx);
    await manager.destroy(j.id);
    seeOther(ctx, base);
  };
  router.delete(`${path}/:id`, remove);
  router.post(`${path}/:id`, async (ctx) => {
    const j = await job(ctx);
    const p = await params(ctx);
    const action = single(p, "ACTION");
    if (action !== undefined && action.toUpperCase() === "DELETE") return remove(ctx);
    // UWS 1.0 clients may post PHASE to the job itself; DALI forbids job parameters here.
    const phase = single(p, "PHASE");
    if (action === undefined && phase !== undefined) {
      await phaseAction(ctx, j, phase);
      return seeOther(ctx, urls.job(j.id));
    }
    throw new TapError(400, `POST to a job takes ACTION=DELETE; parameters go to ${urls.job(j.id)}/parameters`, "UWS_BAD_REQUEST");
  });

  router.get(`${path}/:id/phase`, async (ctx) => text(ctx, (await job(ctx)).phase));
  router.post(`${path}/:id/phase`, async (ctx) => {
    const j = await job(ctx);
    const phase = single(await params(ctx), "PHASE");
    if (phase === undefined) throw new TapError(400, "PHASE is missing: use PHASE=RUN or PHASE=ABORT", "UWS_BAD_PHASE");
    await phaseAction(ctx, j, phase);
    seeOther(ctx, urls.job(j.id));
  });

  router.get(`${path}/:id/executionduration`, async (ctx) => text(ctx, String((await job(ctx)).executionDuration)));
  router.post(`${path}/:id/executionduration`, async (ctx) => {
    const j = await job(ctx);
    const v = single(await params(ctx), "EXECUTIONDURATION");
    if (v === undefined) throw new TapError(400, "EXECUTIONDURATION is missing");
    await manager.setExecutionDuration(j, v);
    seeOther(ctx, urls.job(j.id));
  });

  router.get(`${path}/:id/destruction`, async (ctx) => text(ctx, (await job(ctx)).destruction));
  router.post(`${path}/:id/destruction`, async (ctx) => {
    const j = await job(ctx);
    const v = single(await params(ctx), "DESTRUCTION");
    if (v === undefined) throw new TapError(400, "DESTRUCTION is missing");
    await manager.setDestruction(j, v);
    seeOther(ctx, urls.job(j.id));
  });

  // This service gives no estimate: the quote is empty (UWS 1.1 §2.2.1).
  router.get(`${path}/:id/quote`, async (ctx) => text(ctx, (await job(ctx), "")));
  router.get(`${path}/:id/owner`, async (ctx) => text(ctx, (await job(ctx)).owner ?? ""));
  router.get(`${path}/:id/runId`, async (ctx) => text(ctx, (await job(ctx)).runId ?? ""));

  router.get(`${path}/:id/error`, async (ctx) => {
    const j = await job(ctx);
    if (j.phase !== "ERROR" || !j.error) throw new TapError(404, `Job ${j.id} has no error: it is ${j.phase}`, "UWS_NO_ERROR");
    // TAP 1.1 §5.3, DALI 1.1 §4.2: the error document of an async job is served with status 200.
    ctx.status = 200;
    if (options.errorDocument) return options.errorDocument(ctx, j);
    ctx.type = VOTABLE_CONTENT_TYPE;
    const query = j.parameters.find((p) => p.name === "QUERY")?.value;
    ctx.body = errorDocument(j.error.message, {
      ...(query !== undefined ? { query } : {}),
      ...(j.runId !== undefined ? { infos: [{ name: "RUNID", value: j.runId }] } : {}),
    });
  });

  router.get(`${path}/:id/parameters`, async (ctx) => xml(ctx, standaloneXml(parametersXml((await job(ctx)), urls, ""))));
  router.post(`${path}/:id/parameters`, async (ctx) => {
    const j = await job(ctx);
    const p = await params(ctx);
    checkParametersPost(p.values.keys(), urls.job(j.id));
    await manager.addParameters(j, jobParameters(p), p.files);
    seeOther(ctx, urls.job(j.id));
  });
  router.get(`${path}/:id/parameters/:name`, async (ctx) => {
    const j = await job(ctx);
    const name = String(ctx.params.name);
    if (!j.inlineParts.includes(name)) throw new TapError(404, `Job ${j.id} has no inline parameter ${name}`);
    ctx.type = "application/octet-stream";
    const size = await results.size(j.id, inlineName(name));
    if (size !== undefined) ctx.length = size;
    ctx.body = results.read(j.id, inlineName(name));
  });

  router.get(`${path}/:id/results`, async (ctx) => xml(ctx, standaloneXml(resultsXml((await job(ctx)), urls, ""))));
  const serveResult = async (ctx: Context) => {
    const j = await job(ctx);
    const r = j.results.find((x) => x.id === ctx.params.name);
    if (!r) {
      throw new TapError(404, `Job ${j.id} has no result ${String(ctx.params.name)}${j.phase === "COMPLETED" ? "" : `: it is ${j.phase}`}`, "UWS_NO_RESULT");
    }
    const size = await results.size(j.id, r.id);
    if (size === undefined) throw new TapError(404, `The result of job ${j.id} is no longer stored`, "UWS_NO_RESULT");
    if (results.signedUrl) {
      // The bucket serves it (ranges included), on another origin: clients drop their Authorization
      // on the way there (RFC 9110 §15.4, the fetch standard), and the URL carries only the
      // service's signature, for TAP_RESULT_URL_LIFETIME seconds.
      ctx.set("Cache-Control", "no-store");
      seeOther(ctx, await results.signedUrl(j.id, r.id, { contentType: r.mimeType }));
      return;
    }
    ctx.set("Accept-Ranges", "bytes");
    ctx.set("Content-Type", r.mimeType);
    ctx.set("Last-Modified", new Date(j.endTime ?? j.creationTime).toUTCString());
    const range = parseRange(ctx.get("range"), size);
    if (range === "unsatisfiable") {
      ctx.status = 416;
      ctx.set("Content-Range", `bytes */${size}`);
      ctx.body = "";
      return;
    }
    if (range) {
      ctx.status = 206;
      ctx.set("Content-Range", `bytes ${range.start}-${range.end}/${size}`);
    } else {
      ctx.status = 200;
    }
    const length = range ? range.end - range.start + 1 : size;
    // HEAD: koa sends no body, so open no file.
    ctx.body = ctx.method === "HEAD" ? "" : results.read(j.id, r.id, range ?? undefined);
    ctx.length = length;
  };
  router.get(`${path}/:id/results/:name`, serveResult);
  return router;
}

/** One `bytes=` range (RFC 9110 §14.1.2); several ranges, or a malformed header, are ignored (the whole body is sent). */
export function parseRange(header: string, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return undefined;
  }
  if (start >= size) return "unsatisfiable";
  return { start, end };
}
