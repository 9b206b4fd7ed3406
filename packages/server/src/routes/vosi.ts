/**
 * VOSI 1.1 availability and capabilities (with TAPRegExt 1.0 for the TAP capability).
 */
import Router from "@koa/router";
import { declaredOutputFormats } from "@qserv-tap/votable";
import type { Feature } from "../features.js";
import type { ServiceDeps } from "../service.js";
import { LANGS } from "../query.js";
import { cachedDocument, sendCached, startTime } from "../caching.js";
import { el, escapeAttr, escapeText, XML_DECL, XSI } from "../xml.js";

export const XML_CONTENT_TYPE = "text/xml; charset=utf-8";

/**
 * TAPRegExt's dataModel for ObsCore 1.1 (ObsCore 1.1 §5), declared only when ivoa.ObsCore is served: the identifier
 * "must only be used … if the ivoa.ObsCore table is available".
 */
function obsCoreDataModel(deps: ServiceDeps): string {
  return servesObsCore(deps) ? `    <dataModel ivo-id="ivo://ivoa.net/std/ObsCore#core-1.1">ObsCore-1.1</dataModel>\n` : "";
}

/** Whether the catalog has ivoa.ObsCore (which TAPRegExt's dataModel and SIA 2.0's query need). */
export function servesObsCore(deps: ServiceDeps): boolean {
  return deps.catalog.schemas.some((s) => s.name.toLowerCase() === "ivoa" && s.tables.some((t) => t.name.toLowerCase() === "obscore"));
}

export function capabilitiesDocument(deps: ServiceDeps, features: readonly Feature[], asyncJobs = true): string {
  const base = deps.config.baseUrl;
  const { limits } = deps.config;
  const a = deps.config.async;
  const byType = new Map<string, Feature[]>();
  for (const f of features) {
    const list = byType.get(f.type) ?? [];
    list.push(f);
    byType.set(f.type, list);
  }
  const featureXml = [...byType]
    .map(
      ([type, list]) =>
        `      <languageFeatures type="${escapeAttr(type)}">\n${list
          .map((f) => `        <feature><form>${escapeText(f.form)}</form>${el("description", f.description)}</feature>\n`)
          .join("")}      </languageFeatures>\n`,
    )
    .join("");
  const uploads = deps.backend.uploads
    ? `    <uploadMethod ivo-id="ivo://ivoa.net/std/TAPRegExt#upload-inline"/>\n` +
      (deps.config.uploadUrls.enabled
        ? `    <uploadMethod ivo-id="ivo://ivoa.net/std/TAPRegExt#upload-http"/>\n    <uploadMethod ivo-id="ivo://ivoa.net/std/TAPRegExt#upload-https"/>\n`
        : "")
    : "";
  // The default is the hard limit (an upload has no other): said anyway, as pyvo 1.2's printing of uploadLimit fails without one.
  const uploadLimit = deps.backend.uploads
    ? `    <uploadLimit>\n      <default unit="byte">${limits.uploadMaxBytes}</default>\n      <hard unit="byte">${limits.uploadMaxBytes}</hard>\n    </uploadLimit>\n`
    : "";
  const vosi = (id: string, path: string, version = "1.0", use = "full") =>
    `  <capability standardID="${id}">\n    <interface xsi:type="vs:ParamHTTP" role="std" version="${version}">\n      <accessURL use="${use}">${escapeText(base + path)}</accessURL>\n    </interface>\n  </capability>\n`;
  return (
    XML_DECL +
    `<vosi:capabilities xmlns:vosi="http://www.ivoa.net/xml/VOSICapabilities/v1.0" xmlns:xsi="${XSI}"` +
    ` xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" xmlns:tr="http://www.ivoa.net/xml/TAPRegExt/v1.0">\n` +
    `  <capability standardID="ivo://ivoa.net/std/TAP" xsi:type="tr:TableAccess">\n` +
    `    <interface xsi:type="vs:ParamHTTP" role="std" version="1.1">\n      <accessURL use="base">${escapeText(base)}</accessURL>\n    </interface>\n` +
    obsCoreDataModel(deps) +
    `    <language>\n      <name>ADQL</name>\n` +
    `      <version ivo-id="ivo://ivoa.net/std/ADQL#v2.0">2.0</version>\n` +
    `      <version ivo-id="ivo://ivoa.net/std/ADQL#v2.1">2.1</version>\n` +
    `      <description>ADQL 2.1 (and 2.0), compiled for ${escapeText(deps.backend.kind)}; LANG may be ${escapeText(LANGS.join(", "))}</description>\n` +
    featureXml +
    `    </language>\n` +
    // TAPRegExt 1.0 §2.4: exactly what the RESPONSEFORMAT check accepts, from the votable package's table of formats.
    declaredOutputFormats()
      .map(
        (f) =>
          `    <outputFormat${f.ivoId ? ` ivo-id="${f.ivoId}"` : ""}>\n      <mime>${escapeText(f.mime)}</mime>\n` +
          f.aliases.map((a) => `      <alias>${escapeText(a)}</alias>\n`).join("") +
          `    </outputFormat>\n`,
      )
      .join("") +
    uploads +
    // TAPRegExt 1.0 has one executionDuration and no forMode: it describes the UWS job parameter
    // EXECUTIONDURATION of async jobs (sync queries are cut at limits.syncTimeoutSeconds).
    (asyncJobs
      ? `    <retentionPeriod>\n      <default>${a.defaultDestructionSeconds}</default>\n      <hard>${a.maxDestructionSeconds}</hard>\n    </retentionPeriod>\n` +
        `    <executionDuration>\n      <default>${a.defaultExecutionSeconds}</default>\n      <hard>${a.maxExecutionSeconds}</hard>\n    </executionDuration>\n`
      : `    <executionDuration>\n      <default>${limits.syncTimeoutSeconds}</default>\n      <hard>${limits.syncTimeoutSeconds}</hard>\n    </executionDuration>\n`) +
    `    <outputLimit>\n      <default unit="row">${limits.defaultMaxrec}</default>\n      <hard unit="row">${limits.hardMaxrec}</hard>\n    </outputLimit>\n` +
    uploadLimit +
    `  </capability>\n` +
    vosi("ivo://ivoa.net/std/VOSI#capabilities", "/capabilities") +
    vosi("ivo://ivoa.net/std/VOSI#availability", "/availability") +
    vosi("ivo://ivoa.net/std/VOSI#tables-1.1", "/tables", "1.1", "base") +
    (deps.examples && deps.examples.length > 0 ? vosi("ivo://ivoa.net/std/DALI#examples", "/examples") : "") +
    `</vosi:capabilities>\n`
  );
}

/**
 * One ping at a time per service: against a database that hangs, a ping that timed out is still
 * waiting, and new ones would take (or queue for) the pool's connections that queries need.
 */
const pings = new WeakMap<ServiceDeps, Promise<void>>();

export function ping(deps: ServiceDeps): Promise<void> {
  let p = pings.get(deps);
  if (!p) {
    p = (async () => {
      await deps.backend.ping();
      if ((deps.tapSchemaStore as unknown) !== deps.backend) await deps.tapSchemaStore.ping();
    })().finally(() => pings.delete(deps));
    pings.set(deps, p);
  }
  return p;
}

/** How long /availability waits for the database: a database that hangs is not available. */
export const AVAILABILITY_TIMEOUT_MS = 5000;

export async function availabilityDocument(deps: ServiceDeps, timeoutMs = AVAILABILITY_TIMEOUT_MS): Promise<string> {
  let available = true;
  let note = `The ${deps.backend.description} answers queries.`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([ping(deps), timeout]);
  } catch (e) {
    available = false;
    note = `The database does not answer: ${publicCause(e)}`;
  } finally {
    clearTimeout(timer);
  }
  return availabilityXml(available, note);
}

/**
 * A database error as a note anyone may read: file paths (a DuckDB file, a socket) are the
 * operator's to know, not the client's.
 */
export function publicCause(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split("\n")[0]!.replace(/(?:\/[^\s/"'`]+){2,}\/?/g, "(a path)");
}

/** The VOSI 1.1 availability document. */
export function availabilityXml(available: boolean, note: string): string {
  return (
    XML_DECL +
    `<vosi:availability xmlns:vosi="http://www.ivoa.net/xml/VOSIAvailability/v1.0">\n` +
    `  <vosi:available>${available}</vosi:available>\n  <vosi:note>${escapeText(note)}</vosi:note>\n</vosi:availability>\n`
  );
}

export function vosiRouter(deps: ServiceDeps, features: readonly Feature[], asyncJobs = true): Router {
  const router = new Router();
  const capabilities = cachedDocument(capabilitiesDocument(deps, features, asyncJobs));
  const started = startTime();
  router.get("/capabilities", (ctx) => sendCached(ctx, capabilities, started, XML_CONTENT_TYPE));
  router.get("/availability", async (ctx) => {
    ctx.type = XML_CONTENT_TYPE;
    ctx.body = await availabilityDocument(deps);
  });
  return router;
}
