/**
 * SODA {sync} (SODA 1.0 §2.1, §5): one ID, at most one value of each filter, one file in the response. A cutout with
 * no pixels is 204 No Content with no body (§5.1); errors are SODA's text/plain documents (§5.2, errors.ts).
 */
import type { Context } from "koa";
import type { ServiceDeps } from "../service.js";
import { callerOf } from "../images/caller.js";
import type { Caller, ImageDataset, ImageRegistry } from "../images/registry.js";
import { paramLimits, readParams } from "../params.js";
import { SodaError } from "./errors.js";
import { parseSodaRequest } from "./params.js";
import { ImageOpener, planCutout } from "./plan.js";
import { fitsCutout, fitsStream, previewCutout } from "./cutout.js";

const openers = new WeakMap<ServiceDeps, ImageOpener>();

/** One opener (layout cache, parsed WCS) per service, shared by sync requests and async jobs. */
export function openerFor(deps: ServiceDeps): ImageOpener {
  let o = openers.get(deps);
  if (!o) {
    o = new ImageOpener();
    openers.set(deps, o);
  }
  return o;
}


const shownId = (id: string) => (id.length > 120 ? `${id.slice(0, 120)}…` : id);

/** How long a resolved dataset is reused: a few cutouts of one image in a row skip the registry's lookup. */
export const DATASET_TTL_MS = 5000;
const DATASET_CACHE_SIZE = 1024;

/**
 * Datasets resolved recently, by caller token and ID (a token's answer is never another caller's). The registries
 * cache their own answers, but as new objects each time: this cache hands back the same object, which is what lets
 * the opener's pool (plan.ts SourcePool) share one open file between cutouts. The Butler registry renews its
 * pre-signed URLs itself when a dataset is opened.
 */
const resolved = new WeakMap<ServiceDeps, Map<string, { at: number; dataset: ImageDataset; registry: ImageRegistry }>>();

async function lookUp(deps: ServiceDeps, id: string, caller: Caller): Promise<ImageDataset | undefined> {
  const registry = deps.images;
  if (!registry) return undefined;
  let cache = resolved.get(deps);
  if (!cache) {
    cache = new Map();
    resolved.set(deps, cache);
  }
  const key = `${caller.token ?? ""}\u0000${id}`;
  const now = Date.now();
  const hit = cache.get(key);
  // A registry replaced meanwhile (tests do) answers afresh.
  if (hit && now - hit.at < DATASET_TTL_MS && hit.registry === registry) return hit.dataset;
  const dataset = await registry.resolve(id, caller);
  cache.delete(key);
  if (dataset) {
    cache.set(key, { at: now, dataset, registry });
    while (cache.size > DATASET_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  return dataset;
}

/** The dataset of an ID: 404 when the registry does not know it, 400 when it offers no cutouts. */
export async function resolveDataset(deps: ServiceDeps, id: string, caller: Caller): Promise<ImageDataset> {
  const dataset = await lookUp(deps, id.trim(), caller);
  if (!dataset) throw new SodaError(404, "UsageError", `ID: no dataset with ID '${shownId(id)}'`, "SODA_NOT_FOUND");
  if (!dataset.cutout) {
    throw new SodaError(400, "UsageError", `ID: dataset '${shownId(id)}' (${dataset.datasetType}) offers no cutouts; its whole file is served as it is`, "SODA_NO_CUTOUT");
  }
  return dataset;
}

export async function syncCutout(ctx: Context, deps: ServiceDeps): Promise<void> {
  const params = await readParams(ctx, paramLimits(deps.config.limits));
  await params.dispose();
  const req = parseSodaRequest(params.values, "sync");
  const dataset = await resolveDataset(deps, req.ids[0]!, callerOf(ctx));
  const img = await openerFor(deps).open(dataset);
  let handedOver = false;
  try {
    const plan = planCutout(
      img,
      dataset,
      {
        ...(req.spatial[0] ? { spatial: req.spatial[0] } : {}),
        ...(req.bands[0] ? { band: req.bands[0] } : {}),
        ...(req.times[0] ? { time: req.times[0] } : {}),
        pol: req.pol,
      },
      deps.config.images.maxCutoutPixels,
    );
    if (!plan.overlap) {
      // SODA 1.0 §5.1: "the service must respond with HTTP status code 204 (No Content) and no response body".
      ctx.status = 204;
      return;
    }
    if (req.format === "png") {
      const png = await previewCutout(img, plan.section);
      ctx.status = 200;
      ctx.type = req.contentType;
      ctx.body = png;
      return;
    }
    const cut = await fitsCutout(img, plan.section, req.detail, req.spatial[0]?.region);
    ctx.status = 200;
    ctx.type = req.contentType;
    ctx.length = cut.length;
    const stream = fitsStream(cut, () => img.file.close());
    handedOver = true;
    // A read that fails once the response has started can only cut the response short (its length then tells).
    stream.once("error", (e: Error) => {
      deps.log?.(`GET ${ctx.url}: the cutout stream failed: ${e.message}`);
      ctx.res.destroy();
    });
    ctx.res.once("close", () => stream.destroy());
    ctx.body = stream;
  } finally {
    if (!handedOver) await img.file.close().catch(() => {});
  }
}
