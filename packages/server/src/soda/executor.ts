/**
 * How an async SODA job runs (SODA 1.0 §6, DALI-async): its parameters are checked now, as a sync request's are
 * (a malformed one puts the job in ERROR with SODA's text), then every combination ID × spatial × BAND × TIME (POL
 * being one filter) is cut, in that order, into results cutout-1, cutout-2, …. A combination that yields no pixels,
 * or names an unknown ID, still has its result: a text/plain document that starts with SODA's error label, as §6
 * asks.
 */
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import type { ServiceDeps } from "../service.js";
import type { Executor } from "../uws/manager.js";
import type { JobResult } from "../uws/job.js";
import type { ResultStore } from "../uws/result-store.js";
import type { ImageDataset } from "../images/registry.js";
import { TapError } from "../errors.js";
import { fitsChunks } from "@qserv-tap/fits";
import { SodaError, sodaStatusAndText } from "./errors.js";
import { parseSodaRequest, type IntervalFilter, type SodaRequest, type SpatialFilter } from "./params.js";
import { planCutout, type ImageOpener } from "./plan.js";
import { fitsCutout, previewCutout } from "./cutout.js";
import { resolveDataset } from "./sync.js";

/** The parameters a SODA job keeps as several values (SODA 1.0 §3.1: every filter may have several). */
export const SODA_MULTI_VALUED: ReadonlySet<string> = new Set(["ID", "POS", "CIRCLE", "POLYGON", "BAND", "TIME", "POL"]);

export const SODA_RESTARTED_MESSAGE = "Error: the service restarted while the job was cutting; please run the job again";

export interface Combination {
  id: string;
  spatial?: SpatialFilter;
  band?: IntervalFilter;
  time?: IntervalFilter;
}

/** Every combination, ID first, then spatial, BAND and TIME (the last varying fastest). */
export function combinations(req: SodaRequest): Combination[] {
  const out: Combination[] = [];
  const or = <T>(list: T[]): (T | undefined)[] => (list.length > 0 ? list : [undefined]);
  for (const id of req.ids) {
    for (const spatial of or(req.spatial)) {
      for (const band of or(req.bands)) {
        for (const time of or(req.times)) {
          out.push({ id, ...(spatial ? { spatial } : {}), ...(band ? { band } : {}), ...(time ? { time } : {}) });
        }
      }
    }
  }
  return out;
}

export function sodaExecutor(deps: ServiceDeps, opener: ImageOpener, results: ResultStore): Executor {
  return async ({ job, signal, credential, checkLease }) => {
    const values = new Map<string, string[]>();
    for (const p of job.parameters) {
      const list = values.get(p.name);
      if (list) list.push(p.value);
      else values.set(p.name, [p.value]);
    }
    let req: SodaRequest;
    try {
      req = parseSodaRequest(values, "async");
    } catch (e) {
      throw labelled(e);
    }
    const maxBytes = deps.config.quotas.storedBytesPerClient;
    const datasets = new Map<string, Promise<ImageDataset>>();
    const out: JobResult[] = [];
    let total = 0;
    for (const [i, c] of combinations(req).entries()) {
      signal.throwIfAborted();
      const name = `cutout-${i + 1}`;
      const note = async (text: string) => {
        await checkLease();
        await results.put(job.id, name, Buffer.from(`${text}\n`));
        out.push({ id: name, mimeType: "text/plain", size: Buffer.byteLength(text) + 1, location: results.locationOf(job.id, name) });
      };
      let dataset: ImageDataset;
      try {
        let d = datasets.get(c.id);
        if (!d) {
          // With the bearer token of the request that created or ran the job, when the registry needs one: a job whose
          // token is gone (its replica stopped) is put in ERROR before it runs (JobManager.credentialsGone).
          d = resolveDataset(deps, c.id, credential !== undefined ? { token: credential } : {});
          datasets.set(c.id, d);
        }
        dataset = await d;
      } catch (e) {
        const { status, text } = sodaStatusAndText(e);
        if (status >= 500) throw labelled(e);
        await note(text);
        continue;
      }
      const img = await opener.open(dataset);
      try {
        let plan;
        try {
          plan = planCutout(img, dataset, { ...c, pol: req.pol }, deps.config.images.maxCutoutPixels);
        } catch (e) {
          if (!(e instanceof SodaError) || e.status >= 500) throw labelled(e);
          await note(`${e.label}: ${e.message}`);
          continue;
        }
        if (!plan.overlap) {
          // SODA 1.0 §6: "the job results must contain a result entry that indicates this".
          await note(`UsageError: no pixels: ${plan.reason}`);
          continue;
        }
        if (req.format === "png") {
          const png = await previewCutout(img, plan.section);
          await checkLease();
          await results.put(job.id, name, png);
          total += png.length;
          out.push({ id: name, mimeType: "image/png", size: png.length, location: results.locationOf(job.id, name) });
          continue;
        }
        const cut = await fitsCutout(img, plan.section, req.detail, c.spatial?.region);
        total += cut.length;
        if (total > maxBytes) {
          throw new TapError(
            413,
            `Error: the job's cutouts would take more than ${maxBytes} bytes, the most this service keeps for one client; ask for fewer or smaller ones`,
            "SODA_TOO_LARGE",
          );
        }
        const sink = await results.create(job.id, name);
        try {
          await pipeline(Readable.from(fitsChunks(cut.hdus)), sink.stream, { signal });
          // As TAP's executor does: a run that lost its job (another replica took it over while this one stalled)
          // must not replace that run's cutouts. Every result is made visible on its own, so each is checked.
          await checkLease();
          const size = await sink.commit();
          out.push({ id: name, mimeType: req.contentType, size, location: results.locationOf(job.id, name) });
        } catch (e) {
          await sink.discard();
          throw signal.aborted ? signal.reason : e;
        }
      } finally {
        await img.file.close().catch(() => {});
      }
    }
    return { results: out };
  };
}

/** A job's error keeps SODA's label at the start of its message (DALI 1.1 §4.2: the error summary carries it). */
function labelled(e: unknown): unknown {
  if (e instanceof TapError && e.code === "UWS_ABORTED") return e;
  const { status, text } = sodaStatusAndText(e);
  return new TapError(status, text, e instanceof TapError ? e.code : "SODA_ERROR");
}
