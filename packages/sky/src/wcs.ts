/**
 * FITS World Coordinate Systems: the linear part of WCS paper I (Greisen & Calabretta 2002, A&A 395, 1061),
 * the zenithal projections of paper II (Calabretta & Greisen 2002, A&A 395, 1077, §5.1) and the SIP
 * distortion convention (Shupe et al. 2005). Section numbers below refer to those papers.
 */
import { WcsError } from "./errors.js";
import { cross, DEG_PER_RAD, dot, RAD_PER_DEG, reduceAngle, unitVector } from "./vector.js";

export type HeaderValue = string | number | boolean;
/** Card values by keyword (upper case), as a Map or a plain object; strings without their quotes. */
export type HeaderValues = ReadonlyMap<string, HeaderValue> | Readonly<Record<string, HeaderValue | undefined>>;

export type Projection = "TAN" | "SIN" | "ZEA" | "ARC" | "STG";
export type AxisKind = "celestial" | "spectral" | "time" | "linear";

export interface WcsAxis {
  readonly ctype: string;
  readonly cunit: string;
  readonly crpix: number;
  readonly crval: number;
  readonly kind: AxisKind;
}

export interface CelestialInfo {
  /** 0-based indices of the longitude and latitude axes. */
  readonly lonAxis: number;
  readonly latAxis: number;
  readonly projection: Projection;
  /** RADESYS, defaulted as paper I §3.1 says: ICRS without EQUINOX, FK4 before 1984, FK5 after. */
  readonly radesys: string;
  readonly equinox: number | undefined;
  readonly sip: boolean;
  readonly lonpole: number;
  /** SIN's slant parameters ξ (PV2_1) and η (PV2_2), when either is not zero. */
  readonly slant?: { readonly xi: number; readonly eta: number };
}

export interface Wcs {
  readonly alt: string;
  readonly naxis: number;
  readonly axes: readonly WcsAxis[];
  readonly celestial: CelestialInfo | null;
  /** 1-based pixel (x, y) on the celestial axes (other pixel axes at their CRPIX) to [lon, lat] in degrees. */
  pixelToSky(x: number, y: number): [number, number] | null;
  /** [lon, lat] in degrees to the 1-based pixel (x, y), or null where the projection does not reach. */
  skyToPixel(lon: number, lat: number): [number, number] | null;
  pixelToWorld(pixel: readonly number[]): number[] | null;
  worldToPixel(world: readonly number[]): number[] | null;
  /** Degrees per pixel at (x, y): the square root of the area that one pixel covers. */
  pixelScale(x: number, y: number): number;
}

const PROJECTIONS: ReadonlySet<string> = new Set(["TAN", "SIN", "ZEA", "ARC", "STG"]);
/** Spectral types of paper III (Greisen et al. 2006, Table 1), linear only. */
const SPECTRAL = new Set(["FREQ", "ENER", "WAVN", "VRAD", "WAVE", "VOPT", "ZOPT", "AWAV", "VELO", "BETA"]);
/** Time axis types of paper VII (Rots et al. 2015, Table 2 and §4.2). */
const TIME = new Set([
  "TIME", "TAI", "TT", "TDT", "ET", "IAT", "UT1", "UTC", "GMT", "GPS", "TCG", "TCB", "TDB", "LOCAL",
  "JD", "MJD", "BEPOCH", "JEPOCH",
]);
/** Distortion conventions that we refuse: the paper IV draft keywords and SIP-like lookup tables. */
const DISTORTION_KEYWORDS = /^(CPDIS|CQDIS|DP|DQ|CPERR|CQERR)\d/;

/** Newton iteration for the SIP inverse stops when a step is below this many pixels. */
const SIP_TOLERANCE = 1e-12;
const SIP_MAX_ITERATIONS = 100;

interface Sip {
  readonly a: Poly;
  readonly b: Poly;
  readonly ap: Poly | null;
  readonly bp: Poly | null;
}

/** A polynomial in (u, v) as terms c·u^p·v^q. */
type Poly = readonly (readonly [number, number, number])[];

function evalPoly(poly: Poly, u: number, v: number): number {
  let s = 0;
  for (const [p, q, c] of poly) s += c * u ** p * v ** q;
  return s;
}

/** ∂/∂u and ∂/∂v of a polynomial. */
function gradPoly(poly: Poly, u: number, v: number): [number, number] {
  let du = 0;
  let dv = 0;
  for (const [p, q, c] of poly) {
    if (p > 0) du += c * p * u ** (p - 1) * v ** q;
    if (q > 0) dv += c * q * u ** p * v ** (q - 1);
  }
  return [du, dv];
}

class Header {
  private readonly values: Map<string, HeaderValue>;

  constructor(h: HeaderValues) {
    this.values = new Map();
    const entries = h instanceof Map ? h.entries() : Object.entries(h as Record<string, HeaderValue | undefined>);
    for (const [k, v] of entries) if (v !== undefined) this.values.set(k.toUpperCase(), v);
  }

  keys(): IterableIterator<string> {
    return this.values.keys();
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  num(key: string): number | undefined {
    const v = this.values.get(key);
    if (v === undefined) return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v.trim().replace(/[dD]/, "E")) : NaN;
    if (!Number.isFinite(n)) throw new WcsError("BAD_KEYWORD", `${key} = ${JSON.stringify(v)} is not a finite number`, key);
    return n;
  }

  str(key: string): string | undefined {
    const v = this.values.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw new WcsError("BAD_KEYWORD", `${key} = ${JSON.stringify(v)} is not a string`, key);
    return v.trimEnd();
  }
}

interface ParsedCtype {
  readonly type: string;
  readonly algorithm: string;
  readonly sip: boolean;
}

/** Paper I §2.1.1: four characters of type, hyphens, and a three-letter algorithm code in characters 6-8. */
function parseCtype(ctype: string): ParsedCtype {
  const m = /^([^-]{1,4})-*-([A-Z0-9]{3})(-SIP)?$/.exec(ctype);
  if (m && ctype.length >= 8 && ctype[4] === "-") return { type: m[1]!, algorithm: m[2]!, sip: m[3] !== undefined };
  return { type: ctype, algorithm: "", sip: false };
}

function celestialRole(type: string): { role: "lon" | "lat"; pair: string } | null {
  if (type === "RA") return { role: "lon", pair: "EQ" };
  if (type === "DEC") return { role: "lat", pair: "EQ" };
  if (/^[A-Z]LON$/.test(type)) return { role: "lon", pair: type[0]! };
  if (/^[A-Z]LAT$/.test(type)) return { role: "lat", pair: type[0]! };
  if (/^[A-Z]{2}LN$/.test(type)) return { role: "lon", pair: type.slice(0, 2) };
  if (/^[A-Z]{2}LT$/.test(type)) return { role: "lat", pair: type.slice(0, 2) };
  return null;
}

/**
 * Parses the WCS with alternate letter `alt` (" " or "" for the primary) from a header. Throws a WcsError for
 * anything it does not implement exactly.
 */
export function parseWcs(header: HeaderValues, alt = " "): Wcs {
  const a = alt.trim().toUpperCase();
  if (a !== "" && !/^[A-Z]$/.test(a)) throw new WcsError("BAD_KEYWORD", `alternate WCS letter ${JSON.stringify(alt)} is not A-Z`);
  const h = new Header(header);
  const k = (base: string) => base + a;

  // Paper I §2.2: WCSAXES, else the larger of NAXIS and the highest axis number in a WCS keyword.
  let naxis = h.num(k("WCSAXES"));
  let seen = false;
  const axisKey = new RegExp(`^(?:CTYPE|CRPIX|CRVAL|CDELT|CUNIT)(\\d+)${a}$|^(?:PC|CD)(\\d+)_(\\d+)${a}$`);
  let highest = 0;
  for (const key of h.keys()) {
    const m = axisKey.exec(key);
    if (!m) continue;
    seen = true;
    highest = Math.max(highest, Number(m[1] ?? 0), Number(m[2] ?? 0), Number(m[3] ?? 0));
  }
  if (a !== "" && !seen && naxis === undefined) {
    throw new WcsError("WCS_NOT_FOUND", `the header has no keywords of alternate WCS ${a}`);
  }
  if (a === "" && !seen && naxis === undefined) {
    throw new WcsError("WCS_NOT_FOUND", "the header has no WCS keywords (CTYPEi, CRPIXi, CRVALi, CDELTi, PCi_j, CDi_j)");
  }
  if (naxis === undefined) naxis = Math.max(h.num("NAXIS") ?? 0, highest);
  if (!Number.isInteger(naxis) || naxis < 1 || naxis > 9) {
    throw new WcsError("BAD_KEYWORD", `the WCS has ${naxis} axes; 1 to 9 are allowed`, k("WCSAXES"));
  }

  for (const key of h.keys()) {
    if (DISTORTION_KEYWORDS.test(key)) {
      throw new WcsError("UNSUPPORTED", `${key}: lookup-table and polynomial distortions (paper IV draft) are not supported`, key);
    }
    if (new RegExp(`^CROTA\\d+${a}$`).test(key)) {
      throw new WcsError("UNSUPPORTED", `${key}: the deprecated CROTAi rotation is not supported; use PCi_j or CDi_j`, key);
    }
  }

  const ctypes: string[] = [];
  const axes: WcsAxis[] = [];
  const crpix: number[] = [];
  const crval: number[] = [];
  const cdelt: number[] = [];
  let lonAxis = -1;
  let latAxis = -1;
  let lonPair = "";
  let latPair = "";
  let projection: Projection | null = null;
  let sipAxes = 0;
  for (let i = 1; i <= naxis; i++) {
    const ctype = h.str(k(`CTYPE${i}`)) ?? "";
    const parsed = parseCtype(ctype);
    const role = celestialRole(parsed.type);
    let kind: AxisKind;
    if (role) {
      kind = "celestial";
      if (parsed.algorithm === "TPV") {
        throw new WcsError("UNSUPPORTED", `${k(`CTYPE${i}`)} = '${ctype}': the TPV distortion is not supported`, k(`CTYPE${i}`));
      }
      if (!PROJECTIONS.has(parsed.algorithm)) {
        throw new WcsError(
          "UNSUPPORTED",
          `${k(`CTYPE${i}`)} = '${ctype}': projection ${parsed.algorithm || "(none)"} is not supported (TAN, SIN, ZEA, ARC and STG are)`,
          k(`CTYPE${i}`),
        );
      }
      if (projection !== null && projection !== parsed.algorithm) {
        throw new WcsError("BAD_KEYWORD", `${k(`CTYPE${i}`)} = '${ctype}': the celestial axes use different projections`, k(`CTYPE${i}`));
      }
      projection = parsed.algorithm as Projection;
      if (parsed.sip) sipAxes++;
      if (role.role === "lon") {
        if (lonAxis >= 0) throw new WcsError("BAD_KEYWORD", `${k(`CTYPE${i}`)}: a second longitude axis`, k(`CTYPE${i}`));
        lonAxis = i - 1;
        lonPair = role.pair;
      } else {
        if (latAxis >= 0) throw new WcsError("BAD_KEYWORD", `${k(`CTYPE${i}`)}: a second latitude axis`, k(`CTYPE${i}`));
        latAxis = i - 1;
        latPair = role.pair;
      }
      const cunit = h.str(k(`CUNIT${i}`))?.trim() ?? "";
      if (cunit !== "" && cunit.toLowerCase() !== "deg") {
        throw new WcsError("UNSUPPORTED", `${k(`CUNIT${i}`)} = '${cunit}': celestial axes must be in degrees`, k(`CUNIT${i}`));
      }
    } else {
      if (parsed.sip) throw new WcsError("BAD_KEYWORD", `${k(`CTYPE${i}`)} = '${ctype}': SIP on a non-celestial axis`, k(`CTYPE${i}`));
      if (parsed.algorithm !== "") {
        throw new WcsError(
          "UNSUPPORTED",
          `${k(`CTYPE${i}`)} = '${ctype}': the non-linear algorithm ${parsed.algorithm} is not supported`,
          k(`CTYPE${i}`),
        );
      }
      kind = SPECTRAL.has(parsed.type) ? "spectral" : TIME.has(parsed.type) ? "time" : "linear";
    }
    ctypes.push(ctype);
    crpix.push(h.num(k(`CRPIX${i}`)) ?? 0);
    crval.push(h.num(k(`CRVAL${i}`)) ?? 0);
    cdelt.push(h.num(k(`CDELT${i}`)) ?? 1);
    axes.push({ ctype, cunit: h.str(k(`CUNIT${i}`))?.trim() ?? "", crpix: crpix[i - 1]!, crval: crval[i - 1]!, kind });
  }
  if ((lonAxis >= 0) !== (latAxis >= 0) || lonPair !== latPair) {
    throw new WcsError("BAD_KEYWORD", `the celestial axes do not form a pair (${ctypes.join(", ")})`, k("CTYPE1"));
  }
  const hasCelestial = lonAxis >= 0;
  if (sipAxes !== 0 && sipAxes !== 2) throw new WcsError("BAD_KEYWORD", "only one celestial CTYPE has the -SIP suffix", k("CTYPE1"));
  // Paper II §2.5 and Table 13: on the longitude axis PVi_1 and PVi_2 are the native coordinates of the
  // reference point (φ0, θ0), and PVi_3 and PVi_4 are LONPOLE and LATPOLE by other names (Rubin's headers carry
  // both spellings). On the latitude axis they are the projection's own parameters, which none of ours takes
  // (SIN's slant ξ, η included).
  const slant = { xi: 0, eta: 0 };
  let pvLonpole: number | undefined;
  let pvLonpoleKey = "";
  if (hasCelestial) {
    for (const key of h.keys()) {
      const m = new RegExp(`^PV(\\d+)_(\\d+)${a}$`).exec(key);
      if (!m) continue;
      const axis = Number(m[1]) - 1;
      const index = Number(m[2]);
      const value = h.num(key)!;
      if (axis === lonAxis) {
        if (index === 3) {
          pvLonpole = value;
          pvLonpoleKey = key;
          continue;
        }
        // LATPOLE does not matter to a zenithal projection (see below).
        if (index === 4) continue;
        if ((index === 0 && value === 0) || (index === 1 && value === 0) || (index === 2 && value === 90)) continue;
        throw new WcsError("UNSUPPORTED", `${key} = ${value}: a reference point other than the native pole is not supported`, key);
      }
      if (axis === latAxis) {
        // SIN's slant (paper II §5.1.5): ξ = PV2_1, η = PV2_2.
        if (projection === "SIN" && (index === 1 || index === 2)) {
          if (index === 1) slant.xi = value;
          else slant.eta = value;
          continue;
        }
        if (value !== 0) throw new WcsError("UNSUPPORTED", `${key} = ${value}: ${projection} takes no projection parameters here`, key);
      }
    }
  }

  // Paper I §2.1.2: PCi_j (default identity) scaled by CDELTi, or CDi_j (default 0); PC wins when both are
  // present, as in wcslib.
  const hasPc = [...h.keys()].some((key) => new RegExp(`^PC\\d+_\\d+${a}$`).test(key));
  const hasCd = [...h.keys()].some((key) => new RegExp(`^CD\\d+_\\d+${a}$`).test(key));
  const m: number[][] = [];
  for (let i = 1; i <= naxis; i++) {
    const row: number[] = [];
    for (let j = 1; j <= naxis; j++) {
      if (!hasPc && hasCd) row.push(h.num(k(`CD${i}_${j}`)) ?? 0);
      else row.push((h.num(k(`PC${i}_${j}`)) ?? (i === j ? 1 : 0)) * cdelt[i - 1]!);
    }
    m.push(row);
  }
  const inv = invert(m);
  if (!inv) throw new WcsError("SINGULAR_MATRIX", `the ${hasCd && !hasPc ? "CDi_j" : "PCi_j × CDELTi"} matrix is singular`);

  let sip: Sip | null = null;
  const sipKeys = [...h.keys()].filter((key) => /^(A|B|AP|BP)_(ORDER|\d+_\d+)$/.test(key));
  if (sipAxes === 2) {
    if (naxis < 2) throw new WcsError("BAD_KEYWORD", "SIP needs two pixel axes");
    sip = readSip(h);
  } else if (hasCelestial && sipKeys.length > 0) {
    throw new WcsError(
      "UNSUPPORTED",
      `${sipKeys[0]}: SIP coefficients without the -SIP suffix on CTYPE; astropy would apply them and wcslib would not`,
      sipKeys[0],
    );
  }

  let celestial: CelestialInfo | null = null;
  let rot: Rotation | null = null;
  if (hasCelestial) {
    const alpha0 = crval[lonAxis]!;
    const delta0 = crval[latAxis]!;
    if (delta0 < -90 || delta0 > 90) {
      throw new WcsError("BAD_KEYWORD", `${k(`CRVAL${latAxis + 1}`)} = ${delta0} is not a latitude`, k(`CRVAL${latAxis + 1}`));
    }
    // Paper II §2.4: for zenithal projections (θ0 = 90°) the reference point is the native pole, so the
    // celestial coordinates of the native pole are CRVAL; LONPOLE defaults to 0 when δ0 ≥ θ0, else 180; LATPOLE
    // does not matter.
    const lonpoleCard = h.num(k("LONPOLE"));
    if (lonpoleCard !== undefined && pvLonpole !== undefined && lonpoleCard !== pvLonpole) {
      throw new WcsError("BAD_KEYWORD", `${k("LONPOLE")} = ${lonpoleCard} and ${pvLonpoleKey} = ${pvLonpole} disagree`, pvLonpoleKey);
    }
    const lonpole = lonpoleCard ?? pvLonpole ?? (delta0 >= 90 ? 0 : 180);
    const equinox = h.num(k("EQUINOX")) ?? h.num("EPOCH");
    const radesys =
      h.str(k("RADESYS"))?.trim() ||
      (lonPair === "EQ" ? (equinox === undefined ? "ICRS" : equinox < 1984 ? "FK4" : "FK5") : "");
    celestial = {
      lonAxis,
      latAxis,
      projection: projection!,
      radesys,
      equinox,
      sip: sip !== null,
      lonpole,
      ...(slant.xi !== 0 || slant.eta !== 0 ? { slant } : {}),
    };
    rot = new Rotation(alpha0, delta0, lonpole);
  }
  return new LinearWcs(a === "" ? " " : a, naxis, axes, crpix, crval, m, inv, sip, celestial, rot);
}

function readSip(h: Header): Sip {
  const poly = (name: string, required: boolean): Poly | null => {
    const order = h.num(`${name}_ORDER`);
    if (order === undefined) {
      if (required) throw new WcsError("BAD_KEYWORD", `${name}_ORDER is missing for the -SIP CTYPE`, `${name}_ORDER`);
      return null;
    }
    if (!Number.isInteger(order) || order < 0 || order > 9) {
      throw new WcsError("BAD_KEYWORD", `${name}_ORDER = ${order} is not an order from 0 to 9`, `${name}_ORDER`);
    }
    const terms: [number, number, number][] = [];
    for (let p = 0; p <= order; p++) {
      for (let q = 0; p + q <= order; q++) {
        const c = h.num(`${name}_${p}_${q}`);
        if (c !== undefined && c !== 0) terms.push([p, q, c]);
      }
    }
    return terms;
  };
  return { a: poly("A", true)!, b: poly("B", true)!, ap: poly("AP", false), bp: poly("BP", false) };
}

function invert(m: readonly (readonly number[])[]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  let scale = 0;
  for (const row of m) for (const v of row) scale = Math.max(scale, Math.abs(v));
  if (scale === 0) return null;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
    if (Math.abs(a[piv]![col]!) <= scale * 1e-14) return null;
    [a[col], a[piv]] = [a[piv]!, a[col]!];
    const pr = a[col]!;
    const pv = pr[col]!;
    for (let j = 0; j < 2 * n; j++) pr[j]! /= pv;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = a[r]!;
      const f = row[col]!;
      if (f === 0) continue;
      for (let j = 0; j < 2 * n; j++) row[j] = row[j]! - f * pr[j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

/**
 * The spherical rotation between native (φ, θ) and celestial (α, δ) (paper II eqs. 2 and 5), with latitudes
 * from atan2 so that they keep full precision at the poles.
 */
class Rotation {
  private readonly sinDp: number;
  private readonly cosDp: number;

  constructor(
    private readonly alphaP: number,
    deltaP: number,
    private readonly phiP: number,
  ) {
    this.sinDp = Math.sin(deltaP * RAD_PER_DEG);
    this.cosDp = Math.cos(deltaP * RAD_PER_DEG);
    // cos(90°) in doubles is 6e-17, not 0; at the poles make the rotation exact.
    if (deltaP === 90 || deltaP === -90) {
      this.sinDp = Math.sign(deltaP);
      this.cosDp = 0;
    }
  }

  toCelestial(phi: number, theta: number): [number, number] {
    const [a, b, z] = this.turn(phi - this.phiP, theta);
    return [reduceAngle(this.alphaP + Math.atan2(a, b) * DEG_PER_RAD), Math.atan2(z, Math.hypot(a, b)) * DEG_PER_RAD];
  }

  toNative(alpha: number, delta: number): [number, number] {
    const [a, b, z] = this.turn(alpha - this.alphaP, delta);
    return [this.phiP + Math.atan2(a, b) * DEG_PER_RAD, Math.atan2(z, Math.hypot(a, b)) * DEG_PER_RAD];
  }

  /** Both directions have the same form: (−cos θ sin Δ, sin θ cos δp − cos θ sin δp cos Δ, sin θ sin δp + cos θ cos δp cos Δ). */
  private turn(dLon: number, lat: number): [number, number, number] {
    const dl = dLon * RAD_PER_DEG;
    const t = lat * RAD_PER_DEG;
    const st = Math.sin(t);
    const ct = Math.cos(t);
    const cd = Math.cos(dl);
    return [-ct * Math.sin(dl), st * this.cosDp - ct * this.sinDp * cd, st * this.sinDp + ct * this.cosDp * cd];
  }
}

/**
 * Zenithal projections (paper II §5.1): native (φ, θ) to the projection plane (x, y) in degrees with
 * x = R sin φ, y = −R cos φ, and back. Returns null outside the projection's domain, as wcslib does.
 */
function project(proj: Projection, phi: number, theta: number): [number, number] | null {
  const t = theta * RAD_PER_DEG;
  let r: number;
  switch (proj) {
    case "TAN": {
      const s = Math.sin(t);
      if (s <= 0) return null;
      r = (Math.cos(t) / s) * DEG_PER_RAD;
      break;
    }
    case "SIN":
      if (theta < 0) return null;
      r = Math.cos(t) * DEG_PER_RAD;
      break;
    case "ZEA":
      r = 2 * Math.sin((Math.PI / 2 - t) / 2) * DEG_PER_RAD;
      break;
    case "ARC":
      r = 90 - theta;
      break;
    case "STG":
      if (theta <= -90) return null;
      r = 2 * Math.tan((Math.PI / 2 - t) / 2) * DEG_PER_RAD;
      break;
  }
  const p = phi * RAD_PER_DEG;
  return [r * Math.sin(p), -r * Math.cos(p)];
}

function deproject(proj: Projection, x: number, y: number): [number, number] | null {
  const r = Math.hypot(x, y);
  const phi = r === 0 ? 0 : Math.atan2(x, -y) * DEG_PER_RAD;
  const rr = r * RAD_PER_DEG;
  let theta: number;
  switch (proj) {
    case "TAN":
      theta = Math.atan2(1, rr) * DEG_PER_RAD;
      break;
    case "SIN": {
      if (rr > 1) return null;
      theta = Math.atan2(Math.sqrt((1 - rr) * (1 + rr)), rr) * DEG_PER_RAD;
      break;
    }
    case "ZEA": {
      const w = rr / 2;
      if (w > 1) return null;
      theta = 90 - 2 * Math.asin(w) * DEG_PER_RAD;
      break;
    }
    case "ARC":
      if (r > 180) return null;
      theta = 90 - r;
      break;
    case "STG":
      theta = 90 - 2 * Math.atan(rr / 2) * DEG_PER_RAD;
      break;
  }
  return [phi, theta];
}

/**
 * SIN with slant parameters (paper II §5.1.5): (x, y) = (cos θ sin φ, −cos θ cos φ) + (ξ, η)(1 − sin θ), a
 * projection along (ξ, η, 1) in the native frame (z towards the native pole) onto the plane tangent at the pole,
 * so the visible side is where sin θ + (ξ sin φ − η cos φ) cos θ ≥ 0.
 */
function projectSlantSin(p: { xi: number; eta: number }, phi: number, theta: number): [number, number] | null {
  const f = phi * RAD_PER_DEG;
  const t = theta * RAD_PER_DEG;
  const sf = Math.sin(f);
  const cf = Math.cos(f);
  const st = Math.sin(t);
  const ct = Math.cos(t);
  if (st + (p.xi * sf - p.eta * cf) * ct < 0) return null;
  // 1 − sin θ without cancellation near the pole.
  const oneMinus = (ct * ct) / (1 + st);
  return [(ct * sf + p.xi * oneMinus) * DEG_PER_RAD, -(ct * cf - p.eta * oneMinus) * DEG_PER_RAD];
}

/**
 * The inverse: sin θ is the root nearer the pole of a(sin θ)² + 2b sin θ + c = 0, and θ comes from atan2 of sin θ
 * and cos θ (the length of the plane offset once the slant is taken out), which keeps precision at the pole.
 */
function deprojectSlantSin(p: { xi: number; eta: number }, x: number, y: number): [number, number] | null {
  const X = x * RAD_PER_DEG;
  const Y = y * RAD_PER_DEG;
  const { xi, eta } = p;
  const a = xi * xi + eta * eta + 1;
  const b = xi * (X - xi) + eta * (Y - eta);
  const c = (X - xi) * (X - xi) + (Y - eta) * (Y - eta) - 1;
  const disc = b * b - a * c;
  if (disc < 0) return null;
  const s = (-b + Math.sqrt(disc)) / a;
  if (s > 1 + 1e-13 || s < -1 - 1e-13) return null;
  // 1 − s has an absolute error of a few ulps, which the slant scales by ξ or η: cos θ stays accurate.
  const oneMinus = 1 - s;
  const u = X - xi * oneMinus;
  const v = Y - eta * oneMinus;
  const ct = Math.hypot(u, v);
  const phi = ct === 0 ? 0 : Math.atan2(u, -v) * DEG_PER_RAD;
  const theta = Math.atan2(Math.min(1, s), ct) * DEG_PER_RAD;
  const back = projectSlantSin(p, phi, theta);
  return back ? [phi, theta] : null;
}

class LinearWcs implements Wcs {
  constructor(
    readonly alt: string,
    readonly naxis: number,
    readonly axes: readonly WcsAxis[],
    private readonly crpix: readonly number[],
    private readonly crval: readonly number[],
    private readonly m: readonly (readonly number[])[],
    private readonly inv: readonly (readonly number[])[],
    private readonly sip: Sip | null,
    readonly celestial: CelestialInfo | null,
    private readonly rot: Rotation | null,
  ) {}

  pixelToWorld(pixel: readonly number[]): number[] | null {
    const n = this.naxis;
    const d: number[] = [];
    for (let j = 0; j < n; j++) d.push((pixel[j] ?? this.crpix[j]!) - this.crpix[j]!);
    if (!d.every(Number.isFinite)) return null;
    if (this.sip) {
      // SIP (Shupe et al. 2005 eq. 1): the polynomials take and give offsets from CRPIX in pixels.
      const u = d[0]!;
      const v = d[1]!;
      d[0] = u + evalPoly(this.sip.a, u, v);
      d[1] = v + evalPoly(this.sip.b, u, v);
    }
    const x: number[] = [];
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = this.m[i]!;
      for (let j = 0; j < n; j++) s += row[j]! * d[j]!;
      x.push(s);
    }
    const world = x.map((xi, i) => this.crval[i]! + xi);
    const c = this.celestial;
    if (c) {
      const native = c.slant ? deprojectSlantSin(c.slant, x[c.lonAxis]!, x[c.latAxis]!) : deproject(c.projection, x[c.lonAxis]!, x[c.latAxis]!);
      if (!native) return null;
      const [lon, lat] = this.rot!.toCelestial(native[0], native[1]);
      world[c.lonAxis] = lon;
      world[c.latAxis] = lat;
    }
    return world;
  }

  worldToPixel(world: readonly number[]): number[] | null {
    const n = this.naxis;
    const x: number[] = [];
    for (let i = 0; i < n; i++) x.push((world[i] ?? this.crval[i]!) - this.crval[i]!);
    if (!x.every(Number.isFinite)) return null;
    const c = this.celestial;
    if (c) {
      const lon = world[c.lonAxis];
      const lat = world[c.latAxis];
      if (lon === undefined || lat === undefined || !Number.isFinite(lon) || !(lat >= -90 && lat <= 90)) return null;
      const [phi, theta] = this.rot!.toNative(lon, lat);
      const xy = c.slant ? projectSlantSin(c.slant, phi, theta) : project(c.projection, phi, theta);
      if (!xy) return null;
      x[c.lonAxis] = xy[0];
      x[c.latAxis] = xy[1];
    }
    const d: number[] = [];
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = this.inv[i]!;
      for (let j = 0; j < n; j++) s += row[j]! * x[j]!;
      d.push(s);
    }
    if (this.sip) {
      const uv = this.unSip(d[0]!, d[1]!);
      if (!uv) return null;
      d[0] = uv[0];
      d[1] = uv[1];
    }
    return d.map((di, j) => di + this.crpix[j]!);
  }

  /**
   * Solves u + A(u, v) = U, v + B(u, v) = V by Newton's method, from AP/BP's estimate when the header has them
   * (they are themselves only a fit, so they seed the iteration rather than end it).
   */
  private unSip(U: number, V: number): [number, number] | null {
    const sip = this.sip!;
    let u = U;
    let v = V;
    if (sip.ap && sip.bp) {
      u = U + evalPoly(sip.ap, U, V);
      v = V + evalPoly(sip.bp, U, V);
    }
    for (let it = 0; it < SIP_MAX_ITERATIONS; it++) {
      const fu = u + evalPoly(sip.a, u, v) - U;
      const fv = v + evalPoly(sip.b, u, v) - V;
      const [au, av] = gradPoly(sip.a, u, v);
      const [bu, bv] = gradPoly(sip.b, u, v);
      const j11 = 1 + au;
      const j12 = av;
      const j21 = bu;
      const j22 = 1 + bv;
      const det = j11 * j22 - j12 * j21;
      if (!Number.isFinite(det) || det === 0) return null;
      const du = (j22 * fu - j12 * fv) / det;
      const dv = (j11 * fv - j21 * fu) / det;
      u -= du;
      v -= dv;
      // Far outside the image the polynomial has no meaningful inverse; stop rather than wander.
      if (!(Math.abs(u) + Math.abs(v) < 1e9)) return null;
      if (Math.abs(du) + Math.abs(dv) <= SIP_TOLERANCE * (1 + Math.abs(u) + Math.abs(v))) return [u, v];
    }
    return null;
  }

  /** The celestial pair, which pixelToSky and skyToPixel expect on pixel axes 1 and 2 (in either order). */
  private sky(): CelestialInfo {
    const c = this.celestial;
    if (!c) throw new WcsError("NO_CELESTIAL_AXES", "the WCS has no celestial axes");
    if (c.lonAxis + c.latAxis !== 1) {
      throw new WcsError(
        "NO_CELESTIAL_AXES",
        `the celestial axes are axes ${c.lonAxis + 1} and ${c.latAxis + 1}, not 1 and 2; use pixelToWorld and worldToPixel`,
      );
    }
    return c;
  }

  private skyPixel(x: number, y: number): number[] {
    this.sky();
    const p = [...this.crpix];
    p[0] = x;
    p[1] = y;
    return p;
  }

  pixelToSky(x: number, y: number): [number, number] | null {
    const w = this.pixelToWorld(this.skyPixel(x, y));
    if (!w) return null;
    const c = this.celestial!;
    return [w[c.lonAxis]!, w[c.latAxis]!];
  }

  skyToPixel(lon: number, lat: number): [number, number] | null {
    const c = this.sky();
    const w = [...this.crval];
    w[c.lonAxis] = lon;
    w[c.latAxis] = lat;
    const p = this.worldToPixel(w);
    return p ? [p[0]!, p[1]!] : null;
  }

  pixelScale(x: number, y: number): number {
    const h = 0.5;
    const p0 = this.pixelToSky(x, y);
    const px = this.pixelToSky(x + h, y);
    const py = this.pixelToSky(x, y + h);
    if (!p0 || !px || !py) return NaN;
    const v0 = unitVector(p0[0], p0[1]);
    const vx = unitVector(px[0], px[1]);
    const vy = unitVector(py[0], py[1]);
    const a = { x: vx.x - v0.x, y: vx.y - v0.y, z: vx.z - v0.z };
    const b = { x: vy.x - v0.x, y: vy.y - v0.y, z: vy.z - v0.z };
    const c = cross(a, b);
    return (Math.sqrt(Math.sqrt(dot(c, c))) / h) * DEG_PER_RAD;
  }
}
