/**
 * SODA 1.0 §3 parameters, checked into a typed request: ID, the spatial filters POS (CIRCLE, RANGE, POLYGON), CIRCLE
 * and POLYGON (DALI xtypes circle and polygon), BAND and TIME (DALI intervals, open ends as -Inf/+Inf), POL (Stokes
 * states, several values one filter), and Rubin's CUTOUTDETAIL and RESPONSEFORMAT. Names are case-insensitive (DALI
 * §3.1: the caller upper-cases them). A sync request is one file (SODA §3.1: a service may take one value of each
 * filter only, and says so with MultiValuedParamNotSupported); an async job cuts every combination (SODA §6).
 */
import { circle, polygon, rangeBox, SkyError, type Region } from "@qserv-tap/sky";
import { SodaError, usage } from "./errors.js";

export type SpatialName = "POS" | "CIRCLE" | "POLYGON";

export interface SpatialFilter {
  /** The parameter as the client named it. */
  param: SpatialName;
  shape: "CIRCLE" | "RANGE" | "POLYGON";
  /** The value as sent (for the result's description). */
  text: string;
  region: Region;
}

export interface IntervalFilter {
  param: "BAND" | "TIME";
  lo: number;
  hi: number;
  text: string;
}

export type CutoutDetail = "Image" | "MaskedImage";
export type ResponseKind = "fits" | "png";

export interface SodaRequest {
  ids: string[];
  spatial: SpatialFilter[];
  bands: IntervalFilter[];
  times: IntervalFilter[];
  /** POL's states (all values together are one filter, SODA 1.0 §3.3.6); empty: no POL. */
  pol: string[];
  detail: CutoutDetail;
  format: ResponseKind;
  /** The media type of the response (DALI 1.1 §3.3.3: the one asked for, when asked by media type). */
  contentType: string;
}

/** ObsCore 1.1 §4.20's polarization states, which POL takes. */
export const STOKES = ["I", "Q", "U", "V", "RR", "LL", "RL", "LR", "XX", "YY", "XY", "YX", "POLI", "POLA"] as const;

/** Bounds an async job's work: the product of its multi-valued filters. */
export const MAX_ASYNC_CUTOUTS = 256;

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A number in VOTable's TABLEDATA form (DALI 1.1 §3.1), with +Inf, -Inf and NaN; undefined when the token is not
 * one. Overflowing exponents (1e999) become ±Infinity, which the filters then refuse with their reason.
 */
export function parseNumber(token: string): number | undefined {
  if (NUMBER.test(token)) return Number(token);
  if (/^\+?inf(?:inity)?$/i.test(token)) return Infinity;
  if (/^-inf(?:inity)?$/i.test(token)) return -Infinity;
  if (/^[+-]?nan$/i.test(token)) return NaN;
  return undefined;
}

const shown = (s: string) => (s.length > 80 ? `${s.slice(0, 80)}…` : s);

function numbers(param: string, text: string): number[] {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== "");
  return tokens.map((t) => {
    const n = parseNumber(t);
    if (n === undefined) throw usage(`${param}: "${shown(t)}" is not a number`, "SODA_BAD_NUMBER");
    return n;
  });
}

function skyRegion<T>(param: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof SkyError) throw usage(`${param}: ${e.message}`, `SODA_${e.code}`);
    throw e;
  }
}

function circleOf(param: string, values: number[]): Region {
  if (values.length !== 3) throw usage(`${param}: a circle is 3 numbers (longitude latitude radius, in degrees), not ${values.length}`, "SODA_BAD_SHAPE");
  const [lon, lat, r] = values as [number, number, number];
  return skyRegion(param, () => circle(lon, lat, r));
}

function polygonOf(param: string, values: number[]): Region {
  if (values.length % 2 !== 0) {
    throw usage(`${param}: a polygon is longitude latitude pairs, so an even count of numbers, not ${values.length}`, "SODA_BAD_SHAPE");
  }
  const vertices: [number, number][] = [];
  for (let i = 0; i < values.length; i += 2) vertices.push([values[i]!, values[i + 1]!]);
  return skyRegion(param, () => polygon(vertices));
}

function rangeOf(param: string, values: number[]): Region {
  if (values.length !== 4) throw usage(`${param}: a RANGE is 4 numbers (longitude1 longitude2 latitude1 latitude2), not ${values.length}`, "SODA_BAD_SHAPE");
  if (values.some(Number.isNaN)) throw usage(`${param}: NaN is not a bound; an open end is -Inf or +Inf (SODA 1.0 §3.3.1)`, "SODA_BAD_NUMBER");
  const [lon1, lon2, lat1, lat2] = values as [number, number, number, number];
  // An open longitude interval is every longitude (DALI's open interval, on a circle).
  if (lon1 === -Infinity || lon2 === Infinity) return skyRegion(param, () => rangeBox(0, 360, lat1, lat2));
  return skyRegion(param, () => rangeBox(lon1, lon2, lat1, lat2));
}

export function parseSpatial(param: SpatialName, text: string): SpatialFilter {
  if (param === "CIRCLE") return { param, shape: "CIRCLE", text, region: circleOf(param, numbers(param, text)) };
  if (param === "POLYGON") return { param, shape: "POLYGON", text, region: polygonOf(param, numbers(param, text)) };
  const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text);
  const keyword = m?.[1]?.toUpperCase();
  const rest = m?.[2] ?? "";
  switch (keyword) {
    case "CIRCLE":
      return { param, shape: "CIRCLE", text, region: circleOf("POS", numbers("POS", rest)) };
    case "RANGE":
      return { param, shape: "RANGE", text, region: rangeOf("POS", numbers("POS", rest)) };
    case "POLYGON":
      return { param, shape: "POLYGON", text, region: polygonOf("POS", numbers("POS", rest)) };
    default:
      throw usage(`POS: "${shown(text)}" does not start with a shape: CIRCLE, RANGE or POLYGON (SODA 1.0 §3.3.1)`, "SODA_BAD_SHAPE");
  }
}

export function parseInterval(param: "BAND" | "TIME", text: string): IntervalFilter {
  const values = numbers(param, text);
  const unit = param === "BAND" ? "wavelengths in metres" : "MJD";
  if (values.length !== 2) throw usage(`${param}: an interval is 2 numbers (${unit}), not ${values.length}`, "SODA_BAD_INTERVAL");
  const [lo, hi] = values as [number, number];
  if (Number.isNaN(lo) || Number.isNaN(hi)) {
    throw usage(`${param}: NaN is not a bound; an open end is -Inf or +Inf (SODA 1.0 §3.3.5, §3.3.6; DALI interval)`, "SODA_BAD_INTERVAL");
  }
  if (lo > hi) throw usage(`${param}: the interval ${lo} ${hi} is empty: its lower bound is above its upper bound`, "SODA_BAD_INTERVAL");
  if (lo === Infinity || hi === -Infinity) throw usage(`${param}: the interval ${lo} ${hi} holds no value`, "SODA_BAD_INTERVAL");
  return { param, lo, hi, text };
}

/** One value of a single-valued parameter (repeating the same value is harmless). */
function single(values: ReadonlyMap<string, readonly string[]>, name: string): string | undefined {
  const list = values.get(name);
  if (!list || list.length === 0) return undefined;
  if (list.some((v) => v !== list[0])) {
    throw new SodaError(400, "MultiValuedParamNotSupported", `${name} takes one value; it was given ${list.length}`, "SODA_MULTI_VALUED");
  }
  return list[0];
}

function detailOf(text: string | undefined): CutoutDetail {
  if (text === undefined || text.trim() === "") return "Image";
  switch (text.trim().toLowerCase()) {
    case "image":
      return "Image";
    case "maskedimage":
      return "MaskedImage";
    case "exposure":
      throw usage(`CUTOUTDETAIL=Exposure is not served here: use Image or MaskedImage`, "SODA_BAD_DETAIL");
    default:
      throw usage(`CUTOUTDETAIL: "${shown(text)}" is not Image or MaskedImage`, "SODA_BAD_DETAIL");
  }
}

function formatOf(text: string | undefined): { format: ResponseKind; contentType: string } {
  if (text === undefined || text.trim() === "") return { format: "fits", contentType: "application/fits" };
  const t = text.trim();
  const bare = t.split(";")[0]!.trim().toLowerCase();
  if (bare === "fits" || bare === "application/fits" || bare === "image/fits") {
    return { format: "fits", contentType: bare === "fits" ? "application/fits" : bare };
  }
  if (bare === "png" || bare === "image/png") return { format: "png", contentType: "image/png" };
  throw usage(`RESPONSEFORMAT: "${shown(t)}" is not served: use application/fits (the default) or image/png`, "SODA_BAD_FORMAT");
}

/**
 * The request, checked. `values` are by upper-cased name. In sync mode, ID must be given once and each filter at most
 * once, since the response is one file; in async mode every value counts and the job cuts each combination.
 */
export function parseSodaRequest(values: ReadonlyMap<string, readonly string[]>, mode: "sync" | "async"): SodaRequest {
  const ids = [...(values.get("ID") ?? [])];
  if (ids.length === 0 || ids.every((id) => id.trim() === "")) throw usage("ID is missing: give the dataset's ID (its obs_publisher_did)", "SODA_NO_ID");
  if (ids.some((id) => id.trim() === "")) throw usage("ID: an empty value is not a dataset ID", "SODA_NO_ID");
  const spatial: SpatialFilter[] = [];
  // In the order the request names them (an async job numbers its results so).
  for (const [name, list] of values) {
    if (name !== "POS" && name !== "CIRCLE" && name !== "POLYGON") continue;
    for (const v of list) spatial.push(parseSpatial(name, v));
  }
  const bands = (values.get("BAND") ?? []).map((v) => parseInterval("BAND", v));
  const times = (values.get("TIME") ?? []).map((v) => parseInterval("TIME", v));
  const pol: string[] = [];
  for (const v of values.get("POL") ?? []) {
    for (const s of v.trim().split(/\s+/).filter((x) => x !== "")) {
      const up = s.toUpperCase();
      if (!(STOKES as readonly string[]).includes(up)) throw usage(`POL: "${shown(s)}" is not a polarization state (${STOKES.join(", ")})`, "SODA_BAD_POL");
      if (!pol.includes(up)) pol.push(up);
    }
  }
  if (mode === "sync") {
    const multi = (what: string, n: number) => {
      if (n > 1) {
        throw new SodaError(
          400,
          "MultiValuedParamNotSupported",
          `${what} was given ${n} values; a sync request makes one file, so it takes one (an async job takes several)`,
          "SODA_MULTI_VALUED",
        );
      }
    };
    multi("ID", ids.length);
    multi(spatial.length > 1 && new Set(spatial.map((s) => s.param)).size > 1 ? "POS, CIRCLE and POLYGON together" : spatial[0]?.param ?? "POS", spatial.length);
    multi("BAND", bands.length);
    multi("TIME", times.length);
  } else {
    const n = ids.length * Math.max(1, spatial.length) * Math.max(1, bands.length) * Math.max(1, times.length);
    if (n > MAX_ASYNC_CUTOUTS) {
      throw usage(`The job asks for ${n} cutouts (ID × spatial × BAND × TIME); one job makes at most ${MAX_ASYNC_CUTOUTS}`, "SODA_TOO_MANY");
    }
  }
  return {
    ids,
    spatial,
    bands,
    times,
    pol,
    detail: detailOf(single(values, "CUTOUTDETAIL")),
    ...formatOf(single(values, "RESPONSEFORMAT")),
  };
}
