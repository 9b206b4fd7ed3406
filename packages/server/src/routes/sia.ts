/**
 * SIA 2.0 beside TAP, at the root of the service: /sia/query (GET and POST, DALI-sync; SIA 2.0 §2.1), and the VOSI
 * resources SIA 2.0 §2.2 and §2.3 require, /sia/availability and /sia/capabilities (siblings of the query resource,
 * as §2 asks). A thin layer: the parameters become one ADQL query on ivoa.ObsCore (sia-query.ts), which the TAP sync
 * path compiles, admits, runs and streams (answerSync), so the response is TAP's ObsCore VOTable with its DataLink
 * service descriptors, and SIA's own descriptor of the query service (RESOURCE name="this"). Without ivoa.ObsCore (no
 * local image registry, nothing loaded) there is nothing to query: /sia/query answers 404 and the capabilities do not
 * list it.
 *
 * Errors are DALI's VOTable error documents (the error middleware), their message starting with SIA 2.0 §3.2's
 * fault label: UsageFault for a bad request, TransientFault when the service is busy or slow, FatalFault when it
 * failed, DefaultFault otherwise.
 */
import Router from "@koa/router";
import type { Context, Next } from "koa";
import type { MetaResource, ParamMeta } from "@qserv-tap/votable";
import type { Admission } from "../admission.js";
import { errorStatusAndMessage, TapError } from "../errors.js";
import { noteQuery } from "../logging.js";
import { paramLimits, paramsOf, readParams } from "../params.js";
import { parseTapRequest } from "../query.js";
import type { ServiceDeps } from "../service.js";
import { QueryRouter } from "../query-router.js";
import { siaAdql } from "../sia-query.js";
import { escapeText, XML_DECL, XSI } from "../xml.js";
import { answerSync, syncAdmission } from "./sync.js";
import { availabilityDocument, availabilityXml, servesObsCore, XML_CONTENT_TYPE } from "./vosi.js";

export const SIA_QUERY_ID = "ivo://ivoa.net/std/SIA#query-2.0";

/** The DALI parameters that /sia/query hands to the TAP path as they are (single-valued, DALI 1.2 §4.2). */
const PASSED_ON = ["RESPONSEFORMAT", "MAXREC", "RUNID"] as const;

/** The VOSI capabilities of the SIA service (SIA 2.0 §2.3's minimal document); the query only when it can run. */
export function siaCapabilities(base: string, query: boolean): string {
  const cap = (id: string, path: string, version: string, role = "", use = "full", extra = "") =>
    `  <capability standardID="${id}">\n    <interface xsi:type="vs:ParamHTTP"${role} version="${version}">\n      <accessURL use="${use}">${escapeText(base + path)}</accessURL>\n${extra}    </interface>\n  </capability>\n`;
  return (
    XML_DECL +
    `<vosi:capabilities xmlns:vosi="http://www.ivoa.net/xml/VOSICapabilities/v1.0" xmlns:xsi="${XSI}" xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1">\n` +
    cap("ivo://ivoa.net/std/VOSI#capabilities", "/capabilities", "1.0") +
    cap("ivo://ivoa.net/std/VOSI#availability", "/availability", "1.0") +
    (query
      ? cap(
          SIA_QUERY_ID,
          "/query",
          "2.0",
          ' role="std"',
          "base",
          `      <queryType>GET</queryType>\n      <queryType>POST</queryType>\n      <resultType>application/x-votable+xml</resultType>\n`,
        )
      : "") +
    `</vosi:capabilities>\n`
  );
}

/**
 * SIA 2.0 §3.1.2's service descriptor of the query resource itself (RESOURCE name="this"), with its standard input
 * parameters, in every VOTable response. Intervals and CALIB are arrays ("*"), as values may be repeated; an empty
 * scalar would not be read by pyvo 1.2.
 */
export function siaSelfDescriptor(queryUrl: string): MetaResource {
  const char = (name: string, extra: Partial<ParamMeta> = {}): ParamMeta => ({ name, datatype: "char", arraysize: "*", value: "", ...extra });
  const interval = (name: string, unit?: string): ParamMeta => ({ name, datatype: "double", arraysize: "*", xtype: "interval", value: "", ...(unit ? { unit } : {}) });
  return {
    name: "this",
    utype: "adhoc:service",
    description: "This SIA 2.0 query service and its parameters (SIA 2.0 §2.1)",
    params: [char("standardID", { value: SIA_QUERY_ID }), char("accessURL", { value: queryUrl, ucd: "meta.ref.url" })],
    groups: [
      {
        name: "inputParams",
        params: [
          char("POS", { xtype: "circle" }),
          char("POS", { xtype: "range" }),
          char("POS", { xtype: "polygon" }),
          interval("BAND", "m"),
          interval("TIME", "d"),
          char("POL"),
          interval("FOV", "deg"),
          interval("SPATRES", "arcsec"),
          interval("EXPTIME", "s"),
          char("ID"),
          char("COLLECTION"),
          char("FACILITY"),
          char("INSTRUMENT"),
          char("DPTYPE"),
          { name: "CALIB", datatype: "int", arraysize: "*", value: "" },
          char("TARGET"),
          interval("TIMERES", "s"),
          interval("SPECRP"),
          char("FORMAT"),
          { name: "MAXREC", datatype: "int", arraysize: "*", value: "" },
        ],
      },
    ],
  };
}

/** SIA 2.0 §3.2: every error message starts with a fault label. */
export function siaFault(err: unknown): TapError {
  const { status, message } = errorStatusAndMessage(err);
  const label =
    status >= 400 && status < 500 && status !== 429
      ? "UsageFault"
      : status === 429 || status === 503
        ? "TransientFault"
        : err instanceof TapError
          ? "FatalFault"
          : "DefaultFault";
  return new TapError(status, `${label}: ${message}`, err instanceof TapError ? err.code : "SIA_FAULT", err instanceof TapError ? err.retryAfter : undefined);
}

export function siaRouter(deps: ServiceDeps, admission: Admission = syncAdmission(deps.config.limits)): Router {
  const router = new Router({ prefix: "/sia" });
  const base = `${deps.config.images.baseUrl}/sia`;
  const served = servesObsCore(deps);
  // A parameter on a column that this ObsCore table lacks matches no row (sia-query.ts).
  const obscore = deps.catalog.schemas.find((s) => s.name.toLowerCase() === "ivoa")?.tables.find((t) => t.name.toLowerCase() === "obscore");
  const columns = new Set(obscore?.columns.map((c) => c.name.toLowerCase()) ?? []);
  const queries = new QueryRouter(deps);
  const { limits } = deps.config;
  // DALI 1.2 §5.4.3: the standardID INFO names the standard, without the capability's fragment.
  const annotations = { infos: [{ name: "standardID", value: "ivo://ivoa.net/std/SIA" }], metaResources: [siaSelfDescriptor(`${base}/query`)] };

  router.use(async (_ctx: Context, next: Next) => {
    try {
      await next();
    } catch (e) {
      throw siaFault(e);
    }
  });

  const query = async (ctx: Context) => {
    if (!served) {
      throw new TapError(404, "this service has no ivoa.ObsCore table, so SIA 2.0 has nothing to search (no local image registry, and no ObsCore table loaded)", "SIA_NO_OBSCORE");
    }
    const requestTime = new Date();
    const params = await readParams(ctx, paramLimits(limits));
    try {
      const adql = siaAdql(params.values, columns);
      noteQuery(ctx, { adql });
      const tap = new Map<string, string[]>([
        ["LANG", ["ADQL"]],
        ["QUERY", [adql]],
      ]);
      for (const name of PASSED_ON) {
        const values = params.values.get(name);
        if (values) tap.set(name, values);
      }
      const req = parseTapRequest(paramsOf(tap), limits);
      await answerSync(ctx, deps, queries, admission, req, { files: new Map(), requestTime, annotations });
    } finally {
      await params.dispose();
    }
  };
  router.get("/query", query);
  router.post("/query", query);

  const capabilities = siaCapabilities(base, served);
  router.get("/capabilities", (ctx) => {
    ctx.type = XML_CONTENT_TYPE;
    ctx.body = capabilities;
  });
  router.get("/availability", async (ctx) => {
    ctx.type = XML_CONTENT_TYPE;
    ctx.body = served ? await availabilityDocument(deps) : availabilityXml(false, "This service has no ivoa.ObsCore table: SIA 2.0 queries are not served.");
  });
  return router;
}
