/**
 * Unit conversion for IN_UNIT (ADQL 2.1 §4.9.1), on VOUnit strings (IVOA VOUnits 1.0): a unit is a
 * product of factors joined by `.` or `/`, each a known symbol with an optional SI prefix and
 * integer power (`km/s`, `mas.yr-1`, `m**2`). Conversion needs equal dimensions; the factor is exact
 * arithmetic on the table below.
 */

/** Base dimensions: angle, length, time, mass, spectral flux density. */
type Dims = readonly [number, number, number, number, number];

interface UnitDef { readonly factor: number; readonly dims: Dims; readonly prefixes: boolean }

const ANGLE: Dims = [1, 0, 0, 0, 0];
const LENGTH: Dims = [0, 1, 0, 0, 0];
const TIME: Dims = [0, 0, 1, 0, 0];
const MASS: Dims = [0, 0, 0, 1, 0];
const FLUX: Dims = [0, 0, 0, 0, 1];
const NONE: Dims = [0, 0, 0, 0, 0];

const UNITS: Readonly<Record<string, UnitDef>> = {
  deg: { factor: 1, dims: ANGLE, prefixes: false },
  rad: { factor: 180 / Math.PI, dims: ANGLE, prefixes: true },
  arcmin: { factor: 1 / 60, dims: ANGLE, prefixes: false },
  arcsec: { factor: 1 / 3600, dims: ANGLE, prefixes: true },
  mas: { factor: 1 / 3.6e6, dims: ANGLE, prefixes: false },
  m: { factor: 1, dims: LENGTH, prefixes: true },
  Angstrom: { factor: 1e-10, dims: LENGTH, prefixes: false },
  AU: { factor: 1.495978707e11, dims: LENGTH, prefixes: false },
  au: { factor: 1.495978707e11, dims: LENGTH, prefixes: false },
  pc: { factor: 3.085677581491367e16, dims: LENGTH, prefixes: true },
  lyr: { factor: 9.4607304725808e15, dims: LENGTH, prefixes: false },
  solRad: { factor: 6.957e8, dims: LENGTH, prefixes: false },
  s: { factor: 1, dims: TIME, prefixes: true },
  min: { factor: 60, dims: TIME, prefixes: false },
  h: { factor: 3600, dims: TIME, prefixes: false },
  d: { factor: 86400, dims: TIME, prefixes: false },
  yr: { factor: 31557600, dims: TIME, prefixes: true },
  a: { factor: 31557600, dims: TIME, prefixes: true },
  g: { factor: 1e-3, dims: MASS, prefixes: true },
  solMass: { factor: 1.98841e30, dims: MASS, prefixes: false },
  Jy: { factor: 1, dims: FLUX, prefixes: true },
  "": { factor: 1, dims: NONE, prefixes: false },
};

const PREFIXES: Readonly<Record<string, number>> = {
  Y: 1e24, Z: 1e21, E: 1e18, P: 1e15, T: 1e12, G: 1e9, M: 1e6, k: 1e3, h: 1e2, da: 1e1,
  d: 1e-1, c: 1e-2, m: 1e-3, u: 1e-6, n: 1e-9, p: 1e-12, f: 1e-15, a: 1e-18, z: 1e-21, y: 1e-24,
};

interface Parsed { readonly factor: number; readonly dims: Dims }

function symbol(s: string): Parsed | undefined {
  const direct = UNITS[s];
  if (direct) return direct;
  for (const [p, f] of Object.entries(PREFIXES)) {
    if (s.startsWith(p) && s.length > p.length) {
      const base = UNITS[s.slice(p.length)];
      if (base?.prefixes) return { factor: f * base.factor, dims: base.dims };
    }
  }
  return undefined;
}

/** A VOUnit string as a scale factor and dimensions, or undefined if it is not one we know. */
export function parseUnit(unit: string): Parsed | undefined {
  const text = unit.trim();
  if (text === "") return undefined;
  let factor = 1;
  const dims = [0, 0, 0, 0, 0];
  // Split into factors, keeping the operator before each: "km/s" → ["km", "/s"].
  const pieces = text.match(/[./]?[^./]+/g);
  if (!pieces || pieces.join("") !== text) return undefined;
  for (const piece of pieces) {
    const divide = piece.startsWith("/");
    const body = piece.replace(/^[./]/, "");
    const m = /^([A-Za-z]+)(?:\*\*)?([+-]?\d+)?$/.exec(body) ?? /^([A-Za-z]+)\*\*\(([+-]?\d+)\)$/.exec(body);
    if (!m) return undefined;
    const sym = symbol(m[1]!);
    if (!sym) return undefined;
    const power = (m[2] ? Number(m[2]) : 1) * (divide ? -1 : 1);
    factor *= sym.factor ** power;
    for (let i = 0; i < 5; i++) dims[i]! += sym.dims[i]! * power;
  }
  return { factor, dims: dims as unknown as Dims };
}

export type Conversion = { ok: true; factor: number } | { ok: false; reason: string };

/** The factor that converts a value in `from` to `to`. */
export function conversionFactor(from: string, to: string): Conversion {
  const f = parseUnit(from);
  if (!f) return { ok: false, reason: `the unit '${from}' of the value is not one that IN_UNIT knows` };
  const t = parseUnit(to);
  if (!t) return { ok: false, reason: `'${to}' is not a unit that IN_UNIT knows` };
  if (!f.dims.every((d, i) => d === t.dims[i])) return { ok: false, reason: `'${from}' cannot be converted to '${to}'` };
  return { ok: true, factor: f.factor / t.factor };
}
