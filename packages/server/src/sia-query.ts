/**
 * SIA 2.0 §2.1 query parameters as one ADQL query on ivoa.ObsCore: the thin layer between /sia/query and the TAP
 * query path. Every parameter may be repeated: the values of one parameter are ORed, different parameters ANDed
 * (SIA 2.0 §2.1). Numeric parameters take a value or a DALI interval ("lo hi", open ends -Inf/+Inf, bounds
 * included; DALI 1.2 §3.3). A constraint on an unknown (NULL) column is not satisfied (SIA 2.0 §2.1), so open
 * intervals still ask for a value. Values are checked here, so that a bad one is refused with the parameter's name
 * before any ADQL is compiled; blank values (an empty form field) constrain nothing.
 */
import { circle, polygon, SkyError } from "@qserv-tap/sky";
import { TapError } from "./errors.js";
import { parseNumber, STOKES } from "./soda/params.js";

/** The query parameters of SIA 2.0 §2.1 that constrain rows, in the order their conditions are written. */
export const SIA_QUERY_PARAMS = [
  "POS",
  "BAND",
  "TIME",
  "POL",
  "FOV",
  "SPATRES",
  "EXPTIME",
  "TIMERES",
  "SPECRP",
  "ID",
  "COLLECTION",
  "FACILITY",
  "INSTRUMENT",
  "DPTYPE",
  "CALIB",
  "TARGET",
  "FORMAT",
] as const;
export type SiaQueryParam = (typeof SIA_QUERY_PARAMS)[number];

/** The ObsCore table SIA queries. */
export const OBSCORE_TABLE = "ivoa.ObsCore";

/** A value that SIA 2.0 refuses: the message names the parameter and the problem. */
export class SiaUsageError extends TapError {
  override name = "SiaUsageError";
  constructor(
    readonly param: SiaQueryParam,
    problem: string,
  ) {
    super(400, `${param}: ${problem}`, "SIA_BAD_PARAMETER");
  }
}

const shown = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

/** ADQL's form of a finite number: JavaScript's shortest round-trip form is an ADQL literal (1e-7, 1e+21, 0.5). */
function num(n: number): string {
  return String(n);
}

function str(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function numbers(param: SiaQueryParam, text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .map((t) => {
      const n = parseNumber(t);
      if (n === undefined) throw new SiaUsageError(param, `${shown(t)} is not a number`);
      return n;
    });
}

interface Interval {
  lo: number;
  hi: number;
}

const UNITS: Partial<Record<SiaQueryParam, string>> = {
  BAND: "wavelength in metres",
  TIME: "MJD",
  FOV: "degrees",
  SPATRES: "arcseconds",
  EXPTIME: "seconds",
  TIMERES: "seconds",
  SPECRP: "resolving power",
};

/** A value or a DALI interval (SIA 2.0 §2.1: "a single floating point value or a range of values"). */
function interval(param: SiaQueryParam, text: string): Interval {
  const values = numbers(param, text);
  if (values.length > 2) {
    throw new SiaUsageError(param, `${shown(text.trim())} is ${values.length} numbers; give a value or an interval "lo hi" (${UNITS[param]}), open ends -Inf and +Inf`);
  }
  if (values.some(Number.isNaN)) throw new SiaUsageError(param, `NaN is not a bound; an open end is -Inf or +Inf (SIA 2.0 §2.1)`);
  const [lo, hi] = values.length === 1 ? [values[0]!, values[0]!] : (values as [number, number]);
  if (values.length === 1 && !Number.isFinite(lo)) throw new SiaUsageError(param, `a single value must be finite, not ${text.trim()}`);
  if (lo > hi) throw new SiaUsageError(param, `the interval ${text.trim()} is empty: its lower bound is above its upper bound`);
  if (lo === Infinity || hi === -Infinity) throw new SiaUsageError(param, `the interval ${text.trim()} holds no value`);
  return { lo, hi };
}

/** The column's value lies in the interval (FOV, SPATRES, EXPTIME, TIMERES, SPECRP). */
function within(column: string, { lo, hi }: Interval): string {
  if (lo === hi) return `${column} = ${num(lo)}`;
  const parts: string[] = [];
  if (lo !== -Infinity) parts.push(`${column} >= ${num(lo)}`);
  if (hi !== Infinity) parts.push(`${column} <= ${num(hi)}`);
  return parts.length === 0 ? `${column} IS NOT NULL` : parts.join(" AND ");
}

/** [min, max] of the columns overlaps the interval, bounds included (BAND, TIME). */
function overlaps(min: string, max: string, { lo, hi }: Interval): string {
  return `${hi === Infinity ? `${min} IS NOT NULL` : `${min} <= ${num(hi)}`} AND ${lo === -Infinity ? `${max} IS NOT NULL` : `${max} >= ${num(lo)}`}`;
}

function checkLon(lon: number, what: string): void {
  if (!(lon >= 0 && lon <= 360)) throw new SiaUsageError("POS", `${what} ${lon} is not in [0, 360] degrees (SIA 2.0 §2.1.1)`);
}

function checkLat(lat: number, what: string): void {
  if (!(lat >= -90 && lat <= 90)) throw new SiaUsageError("POS", `${what} ${lat} is not in [-90, 90] degrees (SIA 2.0 §2.1.1)`);
}

/** sky refuses what no backend can intersect (a non-convex polygon, a radius over 180°), with its reason. */
function checkedBySky(build: () => unknown): void {
  try {
    build();
  } catch (e) {
    if (e instanceof SkyError) throw new SiaUsageError("POS", e.message);
    throw e;
  }
}

/**
 * RANGE lon1 lon2 lat1 lat2 (DALI 1.2 §3.3.8) as the ADQL BOX whose coordinate ranges (the compiler's reading of
 * BOX, adqlBoxToLonLatBox) are the range's: lon1 > lon2 crosses RA 0 (DALI: "359 1" is 2° wide), an open or 360°
 * longitude interval is every longitude, an open latitude end is the pole.
 */
function rangeBox(values: number[]): string {
  if (values.length !== 4) throw new SiaUsageError("POS", `RANGE takes 4 numbers (longitude1 longitude2 latitude1 latitude2), not ${values.length}`);
  if (values.some(Number.isNaN)) throw new SiaUsageError("POS", "NaN is not a RANGE bound; an open end is -Inf or +Inf");
  let [lon1, lon2, lat1, lat2] = values as [number, number, number, number];
  if (lon1 === Infinity || lon2 === -Infinity || lat1 === Infinity || lat2 === -Infinity) {
    throw new SiaUsageError("POS", `RANGE ${values.join(" ")}: +Inf can only be an upper bound and -Inf a lower one`);
  }
  if (lon1 === -Infinity) lon1 = 0;
  if (lon2 === Infinity) lon2 = 360;
  if (lat1 === -Infinity) lat1 = -90;
  if (lat2 === Infinity) lat2 = 90;
  checkLon(lon1, "RANGE longitude1");
  checkLon(lon2, "RANGE longitude2");
  checkLat(lat1, "RANGE latitude1");
  checkLat(lat2, "RANGE latitude2");
  if (lat1 > lat2) throw new SiaUsageError("POS", `RANGE latitude1 ${lat1} is above latitude2 ${lat2}`);
  const width = lon1 <= lon2 ? lon2 - lon1 : lon2 + 360 - lon1;
  let centre = lon1 + width / 2;
  if (centre >= 360) centre -= 360;
  return `BOX('ICRS', ${num(centre)}, ${num((lat1 + lat2) / 2)}, ${num(width)}, ${num(lat2 - lat1)})`;
}

/** POS (SIA 2.0 §2.1.1): the shape intersects s_region. */
function pos(text: string): string {
  const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text);
  const shape = m?.[1]!.toUpperCase();
  const values = m?.[2] !== undefined && m[2].trim() !== "" ? numbers("POS", m[2]) : [];
  let adql: string;
  switch (shape) {
    case "CIRCLE": {
      if (values.length !== 3) throw new SiaUsageError("POS", `CIRCLE takes 3 numbers (longitude latitude radius, degrees), not ${values.length}`);
      const [lon, lat, r] = values as [number, number, number];
      checkLon(lon, "CIRCLE longitude");
      checkLat(lat, "CIRCLE latitude");
      checkedBySky(() => circle(lon, lat, r));
      adql = `CIRCLE('ICRS', ${num(lon)}, ${num(lat)}, ${num(r)})`;
      break;
    }
    case "RANGE":
      adql = rangeBox(values);
      break;
    case "POLYGON": {
      if (values.length < 6 || values.length % 2 !== 0) {
        throw new SiaUsageError("POS", `POLYGON takes 3 or more longitude latitude pairs, so an even count of 6 or more numbers, not ${values.length}`);
      }
      const vertices: [number, number][] = [];
      for (let i = 0; i < values.length; i += 2) {
        checkLon(values[i]!, `POLYGON vertex ${i / 2 + 1} longitude`);
        checkLat(values[i + 1]!, `POLYGON vertex ${i / 2 + 1} latitude`);
        vertices.push([values[i]!, values[i + 1]!]);
      }
      checkedBySky(() => polygon(vertices));
      adql = `POLYGON('ICRS', ${values.map(num).join(", ")})`;
      break;
    }
    default:
      throw new SiaUsageError("POS", `${shown(text.trim())} does not start with a shape: CIRCLE, RANGE or POLYGON (SIA 2.0 §2.1.1)`);
  }
  return `INTERSECTS(${adql}, s_region) = 1`;
}

function calib(text: string): string {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new SiaUsageError("CALIB", `${shown(t)} is not an integer (a calibration level, 0 to 4)`);
  return `calib_level = ${Number(t)}`;
}

function pol(text: string): string {
  const t = text.trim();
  if (!(STOKES as readonly string[]).includes(t)) {
    throw new SiaUsageError("POL", `${shown(t)} is not a polarization state of ObsCore 1.1 §4.20 (${STOKES.join(", ")}; case-sensitive)`);
  }
  // ObsCore 1.1 §4.20: pol_states lists the states between slashes, "/I/Q/U/".
  return `pol_states LIKE ${str(`%/${t}/%`)}`;
}

const EQUALITY: Partial<Record<SiaQueryParam, string>> = {
  COLLECTION: "obs_collection",
  FACILITY: "facility_name",
  INSTRUMENT: "instrument_name",
  DPTYPE: "dataproduct_type",
  TARGET: "target_name",
  FORMAT: "access_format",
};

/** The condition one value of a parameter puts on a row. */
function condition(param: SiaQueryParam, value: string): string {
  switch (param) {
    case "POS":
      return pos(value);
    case "BAND":
      return overlaps("em_min", "em_max", interval(param, value));
    case "TIME":
      return overlaps("t_min", "t_max", interval(param, value));
    case "FOV":
      return within("s_fov", interval(param, value));
    case "SPATRES":
      return within("s_resolution", interval(param, value));
    case "EXPTIME":
      return within("t_exptime", interval(param, value));
    case "TIMERES":
      return within("t_resolution", interval(param, value));
    case "SPECRP":
      return within("em_res_power", interval(param, value));
    case "POL":
      return pol(value);
    case "CALIB":
      return calib(value);
    case "ID":
      // SIA 2.0 §2.1.10: publisher DIDs are IVOIDs, which compare case-insensitively.
      return `LOWER(obs_publisher_did) = LOWER(${str(value)})`;
    default:
      // SIA 2.0 §2.1: text values are case-sensitive and match exactly.
      return `${EQUALITY[param]!} = ${str(value)}`;
  }
}

/** The ObsCore columns each parameter's condition reads. */
export const SIA_COLUMNS: Readonly<Record<SiaQueryParam, readonly string[]>> = {
  POS: ["s_region"],
  BAND: ["em_min", "em_max"],
  TIME: ["t_min", "t_max"],
  POL: ["pol_states"],
  FOV: ["s_fov"],
  SPATRES: ["s_resolution"],
  EXPTIME: ["t_exptime"],
  TIMERES: ["t_resolution"],
  SPECRP: ["em_res_power"],
  ID: ["obs_publisher_did"],
  COLLECTION: ["obs_collection"],
  FACILITY: ["facility_name"],
  INSTRUMENT: ["instrument_name"],
  DPTYPE: ["dataproduct_type"],
  CALIB: ["calib_level"],
  TARGET: ["target_name"],
  FORMAT: ["access_format"],
};

/**
 * The WHERE conditions of the request, one per constrained parameter (ORs of its values). `columns` (lower case), when
 * given, are the columns the ObsCore table has: a parameter on a column it lacks (Rubin's ObsCore has no pol_states)
 * is one whose value is unknown for every row, which SIA 2.0 §2.1 says no row satisfies.
 */
export function siaConditions(values: ReadonlyMap<string, readonly string[]>, columns?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const param of SIA_QUERY_PARAMS) {
    const given = [...new Set((values.get(param) ?? []).filter((v) => v.trim() !== ""))];
    if (given.length === 0) continue;
    // Checked even when unanswerable: a bad value is refused whatever the table.
    const each = given.map((v) => condition(param, v));
    if (columns && !SIA_COLUMNS[param].every((c) => columns.has(c))) out.push("1 = 0");
    else out.push(each.length === 1 ? each[0]! : `(${each.map((c) => `(${c})`).join(" OR ")})`);
  }
  return out;
}

/**
 * The ADQL query of an SIA 2.0 request: every ObsCore column of the rows that meet the constraints. `values` are by
 * upper-cased parameter name (params.ts); parameters that are not SIA's query parameters are not looked at; `columns` as
 * for siaConditions.
 * @throws SiaUsageError naming the parameter whose value is refused
 */
export function siaAdql(values: ReadonlyMap<string, readonly string[]>, columns?: ReadonlySet<string>): string {
  const conditions = siaConditions(values, columns);
  return `SELECT * FROM ${OBSCORE_TABLE}${conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : ""}`;
}
