/**
 * The "cutout around this row" service (ours; the server README documents it): given a position and a radius, the
 * images whose footprint holds the position, each with a ready SODA cutout around it (`#cutout`, an access_url of
 * SODA sync with ID and CIRCLE) and the whole file (`#this`), as a DataLink {links} document whose ID column holds
 * each image's ID.
 *
 * Candidates come from the catalog's ivoa.ObsCore through the TAP service's own compiler and backend: a DISTANCE
 * cone on s_ra/s_dec, wide enough for any image whose centre is within its field of view (s_fov, a diameter, used
 * as a radius) plus the cutout radius. Each candidate's footprint is then checked exactly, through its WCS.
 */
import type { Catalog } from "../compiler-extras.js";
import { TapError } from "../errors.js";
import { cursorRows } from "../backends/backend.js";
import type { QueryRouter } from "../query-router.js";
import { covers } from "./bounds.js";
import { derivedOnce } from "./derived.js";
import { serviceUrls } from "./descriptors.js";
import type { LinkRow } from "./links.js";
import { linkAuth, type LinksContext } from "./resolve.js";

/** Candidate images read from ObsCore for one position. */
const MAX_CANDIDATES = 1000;

/** The catalog's ObsCore table as ADQL names it, or undefined. */
export const obsCoreTable = derivedOnce(findObsCoreTable);

function findObsCoreTable(catalog: Catalog): { schema: string; table: string } | undefined {
  for (const s of catalog.schemas) {
    if (s.name.toLowerCase() !== "ivoa") continue;
    const t = s.tables.find((x) => x.name.toLowerCase() === "obscore");
    const has = (c: string) => t?.columns.some((col) => col.name.toLowerCase() === c);
    if (t && has("obs_publisher_did") && has("s_ra") && has("s_dec") && has("s_fov")) return { schema: s.name, table: t.name };
  }
  return undefined;
}

const quote = (name: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

export interface AroundRequest {
  ra: number;
  dec: number;
  size: number;
  signal: AbortSignal;
}

export async function aroundLinks(catalog: Catalog, router: QueryRouter, req: AroundRequest, ctx: LinksContext): Promise<LinkRow[]> {
  const obscore = obsCoreTable(catalog);
  if (!obscore || !ctx.registry) return [];
  const { ra, dec, size } = req;
  // Numbers printed by String() are valid ADQL literals (finite, checked by the caller).
  const adql =
    `SELECT obs_publisher_did FROM ${quote(obscore.schema)}.${quote(obscore.table)} ` +
    `WHERE DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', ${String(ra)}, ${String(dec)})) < s_fov + ${String(size)}`;
  const routed = router.route(adql, MAX_CANDIDATES, []);
  const session = await routed.target.session();
  const ids: string[] = [];
  try {
    const cursor = await session.query(routed.compiled.sql, req.signal, routed.compiled.parameters);
    try {
      for await (const row of cursorRows(cursor)) {
        if (ids.length >= MAX_CANDIDATES) break;
        if (typeof row[0] === "string") ids.push(row[0]);
      }
    } finally {
      await cursor.close();
    }
  } catch (e) {
    if (e instanceof TapError) throw e;
    throw new TapError(503, `TransientFault: the image index could not be searched: ${(e as Error)?.message ?? String(e)}`);
  } finally {
    await session.release();
  }
  const urls = serviceUrls(ctx.base);
  const auth = linkAuth(ctx.auth);
  const rows: LinkRow[] = [];
  for (const id of [...new Set(ids)].sort()) {
    const dataset = await ctx.registry.resolve(id, ctx.caller).catch(() => undefined);
    if (!dataset) continue;
    const bounds = await ctx.bounds.get(dataset).catch(() => undefined);
    if (!bounds || !covers(bounds, ra, dec)) continue;
    if (dataset.cutout) {
      rows.push({
        id: dataset.id,
        accessUrl: urls.cutout(dataset.id, ra, dec, size),
        description: `Cutout of radius ${size}° around ${ra}, ${dec} (SODA sync, FITS)`,
        semantics: "#cutout",
        contentType: "application/fits",
        contentQualifier: "#image",
        localSemantics: "cutout-around",
        linkAuth: auth,
        linkAuthorized: true,
      });
    }
    rows.push({
      id: dataset.id,
      accessUrl: urls.file(dataset.id),
      description: `The whole file (${dataset.datasetType})`,
      semantics: "#this",
      contentType: "application/fits",
      ...((dataset.size ?? bounds.size) !== undefined ? { contentLength: dataset.size ?? bounds.size } : {}),
      contentQualifier: "#image",
      localSemantics: "file",
      linkAuth: auth,
      linkAuthorized: true,
    });
  }
  return rows;
}
