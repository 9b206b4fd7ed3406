/**
 * How an async TAP job runs: its stored parameters are checked as a sync request's would be
 * (TAP 1.1 §2.3: only now, when the job runs), the query runs through the same code as /sync
 * (query.ts; on Qserv through Qserv's own async protocol), and the result document, in the
 * job's RESPONSEFORMAT, is written to the results store. The compiler's warnings and the
 * database's progress (Qserv's chunks) go to the job's jobInfo as they become known.
 */
import { pipeline } from "node:stream/promises";
import { paramsOf } from "../params.js";
import { parseTapRequest, startQuery } from "../query.js";
import type { ServiceDeps } from "../service.js";
import type { QueryRouter } from "../query-router.js";
import type { Executor } from "./manager.js";
import { inlineName } from "./parameters.js";
import type { ResultStore } from "./result-store.js";

export function tapExecutor(deps: ServiceDeps, router: QueryRouter, results: ResultStore): Executor {
  const log = deps.log ?? (() => {});
  return async ({ job, signal, resume, setBackendRef, setProgress, setWarnings, checkLease }) => {
    const params = paramsOf(new Map());
    for (const p of job.parameters) {
      const list = params.values.get(p.name);
      if (list) list.push(p.value);
      else params.values.set(p.name, [p.value]);
    }
    const req = parseTapRequest(params, deps.config.limits);
    for (const part of job.inlineParts) {
      const name = inlineName(part);
      params.files.set(part, { size: (await results.size(job.id, name)) ?? 0, open: () => results.read(job.id, name) });
    }
    // Compiled here when there are no uploads, so that the warnings are in the job document while
    // the query runs (on Qserv, startQuery returns only once Qserv has finished).
    const routed = req.uploads.length === 0 ? router.route(req.query, req.maxrec, []) : undefined;
    if (routed) await setWarnings(routed.compiled.warnings);
    const started = await startQuery(deps, router, req, {
      files: params.files,
      signal,
      log,
      ...(routed ? { routed } : {}),
      asyncProtocol: { ...(resume !== undefined ? { resume } : {}), onSubmitted: setBackendRef, onProgress: setProgress },
    });
    // Warnings are worth a log line, not the result.
    if (!routed) await setWarnings(started.warnings).catch((e: unknown) => log(`job ${job.id}: ${(e as Error).message}`));
    const sink = await results.create(job.id, "result");
    try {
      await pipeline(started.stream, sink.stream);
      const failure = started.failure();
      if (failure !== undefined) throw signal.aborted ? signal.reason : failure;
      // A run that lost its job (another replica took it over while this one stalled) must not replace that run's result.
      await checkLease();
      const size = await sink.commit();
      const overflow = started.overflowed();
      return {
        results: [
          {
            id: "result",
            mimeType: started.contentType,
            size,
            location: results.locationOf(job.id, "result"),
            ...(overflow ? { overflow } : {}),
          },
        ],
      };
    } catch (e) {
      await sink.discard();
      await started.cleanup().catch(() => {});
      throw signal.aborted ? signal.reason : e;
    }
  };
}
