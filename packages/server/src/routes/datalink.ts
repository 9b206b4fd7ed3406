/**
 * DataLink 1.1: /datalink/links ({links}, §3: GET or POST, ID repeated, RESPONSEFORMAT), /datalink/around (ours: the
 * images around a position, README "DataLink"), and the optional VOSI resources (§2.3): /datalink/capabilities and
 * /datalink/availability. Parameter names are case-insensitive (DALI 1.1 §4.1). Per-ID failures are error rows of
 * a normal response (§3.2.4); failures of the whole request are DALI error documents whose message starts with the
 * fault names of §3.5.
 */
import Router from "@koa/router";
import type { Context } from "koa";
import { BoundsCache } from "../datalink/bounds.js";
import { aroundLinks } from "../datalink/around.js";
import { AROUND_DEFAULT_SIZE, AROUND_MAX_SIZE, serviceUrls } from "../datalink/descriptors.js";
import { DATALINK_CONTENT_TYPE, DATALINK_STANDARD_ID, linksDocument } from "../datalink/links.js";
import { linksFor, type LinksContext } from "../datalink/resolve.js";
import { TapError } from "../errors.js";
import { callerOf } from "../images/caller.js";
import { paramLimits, readParams, single, type RequestParams } from "../params.js";
import type { ServiceDeps } from "../service.js";
import { QueryRouter } from "../query-router.js";
import { escapeText, XML_DECL, XSI } from "../xml.js";
import { availabilityXml, XML_CONTENT_TYPE } from "./vosi.js";


/**
 * DataLink 1.1 §3.1.2: no RESPONSEFORMAT, `votable` and `application/x-votable+xml` (MIME parameters stripped) give
 * the standard output; the response type is then DataLink's (§3.4), or the one asked for (DALI rules).
 */
export function linksResponseType(format: string | undefined): string {
  if (format === undefined || format.trim() === "") return DATALINK_CONTENT_TYPE;
  const [type = "", ...params] = format.split(";").map((p) => p.trim());
  const t = type.toLowerCase();
  const serialization = params.map((p) => p.split("=").map((x) => x.trim().toLowerCase())).find(([k]) => k === "serialization")?.[1];
  if (serialization !== undefined && serialization !== "tabledata") {
    throw new TapError(400, `UsageFault: RESPONSEFORMAT ${format}: links are written in TABLEDATA only`);
  }
  if (t === "votable") return "application/x-votable+xml";
  if (t === "application/x-votable+xml" || t === "text/xml") return format.trim();
  throw new TapError(400, `UsageFault: RESPONSEFORMAT ${format} is not supported: use votable or application/x-votable+xml`);
}

/** DataLink 1.1 §3.5: every error message starts with a fault name. */
function faultOf(e: unknown): unknown {
  if (!(e instanceof TapError) || /^[A-Za-z]+Fault\b/.test(e.message)) return e;
  const fault = e.status === 404 ? "NotFoundFault" : e.status < 500 ? "UsageFault" : e.status === 503 ? "TransientFault" : "FatalFault";
  return new TapError(e.status, `${fault}: ${e.message}`, e.code, e.retryAfter);
}

function number(params: RequestParams, name: string, min: number, max: number, inclusiveMin = true): number | undefined {
  const text = single(params, name);
  if (text === undefined || text.trim() === "") return undefined;
  const x = Number(text.trim());
  if (!Number.isFinite(x) || x > max || x < min || (!inclusiveMin && x === min)) {
    throw new TapError(400, `UsageFault: ${name}=${text.length > 40 ? `${text.slice(0, 40)}…` : text} is not a number in ${inclusiveMin ? "[" : "("}${min}, ${max}]`);
  }
  return x;
}

export function capabilitiesXml(base: string): string {
  const cap = (id: string, url: string) =>
    `  <capability standardID="${id}">\n    <interface xsi:type="vs:ParamHTTP" role="std">\n      <accessURL use="full">${escapeText(url)}</accessURL>\n    </interface>\n  </capability>\n`;
  return (
    XML_DECL +
    `<vosi:capabilities xmlns:vosi="http://www.ivoa.net/xml/VOSICapabilities/v1.0" xmlns:xsi="${XSI}" xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1">\n` +
    // DataLink 1.1 §2.2's declaration.
    `  <capability standardID="${DATALINK_STANDARD_ID}">\n` +
    `    <interface xsi:type="vs:ParamHTTP" role="std">\n` +
    `      <accessURL use="base">${escapeText(serviceUrls(base).links)}</accessURL>\n` +
    `      <queryType>GET</queryType>\n      <queryType>POST</queryType>\n` +
    `      <resultType>${DATALINK_CONTENT_TYPE}</resultType>\n` +
    `      <param std="true" use="required">\n        <name>ID</name>\n        <description>publisher dataset identifier</description>\n` +
    `        <ucd>meta.id;meta.main</ucd>\n        <dataType>string</dataType>\n      </param>\n` +
    `      <param std="true" use="optional">\n        <name>RESPONSEFORMAT</name>\n` +
    `        <description>Return the links in this tabular format (defaults to VOTable).</description>\n      </param>\n` +
    `    </interface>\n  </capability>\n` +
    cap("ivo://ivoa.net/std/VOSI#capabilities", `${base}/datalink/capabilities`) +
    cap("ivo://ivoa.net/std/VOSI#availability", `${base}/datalink/availability`) +
    `</vosi:capabilities>\n`
  );
}

export function datalinkRouter(deps: ServiceDeps): Router {
  const router = new Router();
  const bounds = new BoundsCache();
  const queries = new QueryRouter(deps);
  const log = deps.log ?? (() => {});
  const base = () => deps.config.images.baseUrl;
  // Read at request time: the registry may be attached after the routes are built.
  const context = (ctx: Context): LinksContext => ({ base: base(), registry: deps.images, caller: callerOf(ctx), bounds, auth: deps.config.auth, log });

  const withParams = (f: (ctx: Context, params: RequestParams) => Promise<void>) => async (ctx: Context) => {
    try {
      // A client sends every ID of a result in one request (pyvo's iter_datalinks does): the number of parameters is
      // bounded by their total size here, and IDs beyond MAX_IDS are answered with an OVERFLOW (§3.1.1).
      const params = await readParams(ctx, { ...paramLimits(deps.config.limits), maxParams: Math.max(deps.config.limits.maxParams, 100_000) });
      try {
        await f(ctx, params);
      } finally {
        await params.dispose();
      }
    } catch (e) {
      throw faultOf(e);
    }
  };

  const links = withParams(async (ctx, params) => {
    const type = linksResponseType(single(params, "RESPONSEFORMAT"));
    // An empty ID names nothing; as a row it would break the ID column's NOT NULL (§3.2, table 1).
    const ids = (params.values.get("ID") ?? []).filter((id) => id.trim() !== "");
    const result = await linksFor(ids, context(ctx));
    ctx.status = 200;
    ctx.set("Content-Type", type);
    ctx.body = linksDocument(result.rows, result.descriptors, { overflow: result.overflow });
  });

  const around = withParams(async (ctx, params) => {
    const type = linksResponseType(single(params, "RESPONSEFORMAT"));
    const ra = number(params, "RA", -360, 360);
    const dec = number(params, "DEC", -90, 90);
    const size = number(params, "SIZE", 0, AROUND_MAX_SIZE, false) ?? AROUND_DEFAULT_SIZE;
    if ((ra === undefined) !== (dec === undefined)) throw new TapError(400, `UsageFault: RA and DEC must be given together: ${ra === undefined ? "RA" : "DEC"} is missing`);
    let rows: Awaited<ReturnType<typeof aroundLinks>> = [];
    if (ra !== undefined && dec !== undefined) {
      const abort = new AbortController();
      const onClose = () => abort.abort(new Error("client disconnected"));
      ctx.res.once("close", onClose);
      try {
        const lon = ra >= 0 && ra < 360 ? ra : ((ra % 360) + 360) % 360;
        rows = await aroundLinks(deps.catalog, queries, { ra: lon, dec, size, signal: abort.signal }, context(ctx));
      } finally {
        ctx.res.off("close", onClose);
      }
    }
    ctx.status = 200;
    ctx.set("Content-Type", type);
    ctx.body = linksDocument(rows, []);
  });

  router.get("/datalink/links", links);
  router.post("/datalink/links", links);
  router.get("/datalink/around", around);
  router.post("/datalink/around", around);
  router.get("/datalink/capabilities", (ctx) => {
    ctx.type = XML_CONTENT_TYPE;
    ctx.body = capabilitiesXml(base());
  });
  router.get("/datalink/availability", (ctx) => {
    ctx.type = XML_CONTENT_TYPE;
    // The service answers either way; without a registry it knows no ID.
    const kind = deps.images?.kind;
    ctx.body = availabilityXml(true, kind ? `DataLink serves the ${kind} image registry` : "No image registry is configured: every ID is unknown");
  });
  return router;
}
