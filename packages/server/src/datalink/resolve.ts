/**
 * From the IDs of a {links} request to rows and descriptors (DataLink 1.1 §3): for each image, `#this` (the file),
 * `#cutout` (a row whose service_def names a SODA descriptor with the image's bounds in VALUES, SODA 1.0 §4.3) and
 * `#preview` (a PNG); an ID that is not an image ID gets a UsageFault row, an unknown one a NotFoundFault row
 * (§3.2.4), as Rubin's datalinker does. Rows of one ID are consecutive and in the order of the IDs (§3.2).
 */
import type { MetaResource } from "@qserv-tap/votable";
import type { AuthConfig } from "../config.js";
import { TapError } from "../errors.js";
import { ImageIdError, ImageServiceError, type Caller, type ImageDataset, type ImageRegistry } from "../images/registry.js";
import type { BoundsCache, ImageBounds } from "./bounds.js";
import { serviceUrls, sodaDescriptor } from "./descriptors.js";
import type { LinkRow } from "./links.js";
import type { ServiceLog } from "../logging.js";

/** Services may bound the IDs of one request, and then say OVERFLOW (DataLink 1.1 §3.1.1). */
export const MAX_IDS = 500;
/** Registry look-ups and header reads in flight for one request. */
const CONCURRENCY = 8;

export interface LinksContext {
  base: string;
  registry: ImageRegistry | undefined;
  caller: Caller;
  bounds: BoundsCache;
  auth: AuthConfig;
  log: ServiceLog;
}

/** DataLink 1.1 §3.2.11, from how the service authenticates. */
export function linkAuth(auth: AuthConfig): "false" | "optional" | "true" {
  if (auth.mode === "none") return "false";
  return auth.allowAnonymous ? "optional" : "true";
}

const shown = (id: string) => (id.length > 200 ? `${id.slice(0, 200)}…` : id);

type Outcome = { id: string; dataset: ImageDataset; bounds: ImageBounds | undefined; size: number | undefined } | { id: string; error: string };

/** The file's size for content_length (§3.2.8), when the registry does not say it: null when it cannot be read. */
async function sizeOf(dataset: ImageDataset): Promise<number | undefined> {
  const source = await dataset.open();
  try {
    return (await source.stat()).size;
  } finally {
    await source.close().catch(() => {});
  }
}

async function resolveOne(id: string, ctx: LinksContext): Promise<Outcome> {
  if (!ctx.registry) return { id, error: `NotFoundFault: Unknown dataset ID '${shown(id)}': this service has no image registry` };
  let dataset: ImageDataset | undefined;
  try {
    dataset = await ctx.registry.resolve(id, ctx.caller);
  } catch (e) {
    if (e instanceof ImageIdError) return { id, error: `UsageFault: ${e.message}` };
    // The caller must authenticate first: the whole request is a 401 (with WWW-Authenticate), not one row.
    if (e instanceof ImageServiceError && e.status === 401) throw new TapError(401, `UsageFault: ${e.message}`, "TAP_UNAUTHORIZED");
    if (e instanceof ImageServiceError) return { id, error: `${e.status === 503 ? "TransientFault" : "FatalFault"}: ${e.message}` };
    ctx.log(`datalink: resolving ${shown(id)}: ${(e as Error)?.stack ?? String(e)}`, "error");
    return { id, error: `DefaultFault: the dataset could not be looked up` };
  }
  if (!dataset) return { id, error: `NotFoundFault: Unknown dataset ID '${shown(id)}'` };
  let bounds: ImageBounds | undefined;
  if (dataset.cutout) {
    // Bounds are advice to clients (SODA 1.0 §4.3): a header we cannot map leaves them out, not the links.
    bounds = await ctx.bounds.get(dataset).catch((e: unknown) => {
      ctx.log(`datalink: no bounds for ${shown(dataset!.id)}: ${(e as Error)?.message ?? String(e)}`, "warn");
      return undefined;
    });
  }
  const size = dataset.size ?? bounds?.size ?? (await sizeOf(dataset).catch(() => undefined));
  return { id, dataset, bounds, size };
}

/** Runs `f` over `items` with at most `n` in flight, results in the order of `items`. */
async function mapLimited<T, R>(items: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

export interface Links {
  rows: LinkRow[];
  descriptors: MetaResource[];
  overflow: boolean;
}

export async function linksFor(ids0: readonly string[], ctx: LinksContext): Promise<Links> {
  const overflow = ids0.length > MAX_IDS;
  const ids = overflow ? ids0.slice(0, MAX_IDS) : ids0;
  const outcomes = await mapLimited(ids, CONCURRENCY, (id) => resolveOne(id, ctx));
  const urls = serviceUrls(ctx.base);
  const auth = linkAuth(ctx.auth);
  // One ID: the descriptor carries it as a fixed value (SODA 1.0 appendix A). Several: one descriptor per image,
  // each with its own bounds, taking ID from the row that names it (as datalinker does for several IDs).
  const several = ids.length > 1;
  const descriptorOf = new Map<string, string>();
  const descriptors: MetaResource[] = [];
  const rows: LinkRow[] = [];
  for (const o of outcomes) {
    if ("error" in o) {
      rows.push({ id: o.id, errorMessage: o.error, semantics: "#this" });
      continue;
    }
    const { id, dataset, bounds, size } = o;
    rows.push({
      id,
      accessUrl: urls.file(dataset.id),
      description: `The whole file (${dataset.datasetType})`,
      semantics: "#this",
      contentType: "application/fits",
      ...(size !== undefined ? { contentLength: size } : {}),
      contentQualifier: "#image",
      localSemantics: "file",
      linkAuth: auth,
      linkAuthorized: true,
    });
    if (!dataset.cutout) continue;
    let ref = descriptorOf.get(dataset.id);
    if (ref === undefined) {
      ref = several ? `cutout-${descriptors.length + 1}` : "cutout";
      descriptorOf.set(dataset.id, ref);
      descriptors.push(sodaDescriptor(ctx.base, { ID: ref, id: several ? { ref: "ID" } : { value: id }, ...(bounds ? { bounds } : {}), dataset }));
    }
    rows.push(
      {
        id,
        serviceDef: ref,
        description: "Cutout service (SODA sync): the part of the image that a region covers, as FITS",
        semantics: "#cutout",
        contentType: "application/fits",
        contentQualifier: "#image",
        localSemantics: "cutout",
        linkAuth: auth,
        linkAuthorized: true,
      },
      {
        id,
        accessUrl: urls.preview(dataset.id),
        description: "A preview of the image (PNG)",
        semantics: "#preview",
        contentType: "image/png",
        localSemantics: "preview",
        linkAuth: auth,
        linkAuthorized: true,
      },
    );
  }
  return { rows, descriptors, overflow };
}
