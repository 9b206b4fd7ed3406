/**
 * What ADQL says about each function's arguments, and the registry of user-defined functions.
 *
 * The grammar parses every call as `name ( arguments )`; this table then checks the arity and the
 * form of the arguments that the BNF fixes (ADQL 2.1 §2.3, §4.2, §4.4–4.9). One table keeps the
 * grammar small and the error messages specific ("ROUND takes 1 or 2 arguments").
 */
import type { BuiltinFunctionName } from "../ast/nodes.js";

/**
 * - `value`: any value expression that is not a geometry (a number, a string, a column...);
 * - `geometry`: a `<geometry_value_expression>`: a geometry constructor, CENTROID, a column, a UDF...;
 * - `coord`: a `<coord_value>`: POINT, CENTROID, a column or a UDF;
 * - `signedInteger`: `[+|-] <unsigned_decimal>`;
 * - `unsignedInteger`: `<unsigned_decimal>`;
 * - `string`: a `<character_string_literal>`.
 */
export type ArgumentForm = "value" | "geometry" | "coord" | "signedInteger" | "unsignedInteger" | "string";

/** One accepted signature: its argument forms, the last one repeated when `variadic`. */
export interface Signature {
  readonly args: readonly ArgumentForm[];
  readonly variadic?: boolean;
}

const unary: Signature[] = [{ args: ["value"] }];
const binary: Signature[] = [{ args: ["value", "value"] }];

export const BUILTIN_SIGNATURES: Readonly<Record<BuiltinFunctionName, readonly Signature[]>> = {
  ABS: unary, CEILING: unary, DEGREES: unary, EXP: unary, FLOOR: unary, LOG: unary, LOG10: unary,
  RADIANS: unary, SQRT: unary, ACOS: unary, ASIN: unary, ATAN: unary, COS: unary, COT: unary, SIN: unary,
  TAN: unary, LOWER: unary, UPPER: unary,
  MOD: binary, POWER: binary, ATAN2: binary, NULLIF: binary,
  PI: [{ args: [] }],
  RAND: [{ args: [] }, { args: ["unsignedInteger"] }],
  ROUND: [{ args: ["value"] }, { args: ["value", "signedInteger"] }],
  TRUNCATE: [{ args: ["value"] }, { args: ["value", "signedInteger"] }],
  COALESCE: [{ args: ["value"], variadic: true }],
  IN_UNIT: [{ args: ["value", "string"] }],
  AREA: [{ args: ["geometry"] }],
  CENTROID: [{ args: ["geometry"] }],
  COORDSYS: [{ args: ["geometry"] }],
  CONTAINS: [{ args: ["geometry", "geometry"] }],
  INTERSECTS: [{ args: ["geometry", "geometry"] }],
  COORD1: [{ args: ["coord"] }],
  COORD2: [{ args: ["coord"] }],
  DISTANCE: [{ args: ["coord", "coord"] }, { args: ["value", "value", "value", "value"] }],
};

/** Human-readable arity of a builtin, for error messages. */
export function describeArity(name: BuiltinFunctionName): string {
  const sigs = BUILTIN_SIGNATURES[name];
  if (sigs.some((s) => s.variadic)) return `at least ${sigs[0]!.args.length} argument${sigs[0]!.args.length === 1 ? "" : "s"}`;
  const counts = [...new Set(sigs.map((s) => s.args.length))];
  const words = counts.map(String);
  const last = words.pop()!;
  const n = words.length ? `${words.join(", ")} or ${last}` : last;
  return `${n} argument${last === "1" && !words.length ? "" : "s"}`;
}

// ---------------------------------------------------------------------------------------------
// User-defined functions (ADQL 2.1 §4.3)

/** A user-defined function that a service offers. `form` is the TAPRegExt signature, when known. */
export interface UdfDefinition {
  readonly name: string;
  readonly minArgs: number;
  /** `Infinity` for a variadic function. */
  readonly maxArgs: number;
  readonly form?: string;
  readonly description?: string;
}

/** Decides which user-defined function names a query may call. Names compare case-insensitively. */
export class FunctionRegistry {
  private readonly byName = new Map<string, UdfDefinition>();

  constructor(definitions: Iterable<UdfDefinition> = []) {
    for (const d of definitions) this.byName.set(d.name.toLowerCase(), d);
  }

  /** A registry from TAPRegExt forms such as `ivo_healpix_index(hpxOrder INTEGER, long REAL, lat REAL) -> BIGINT`. */
  static fromForms(forms: Iterable<string>): FunctionRegistry {
    return new FunctionRegistry([...forms].map(parseUdfForm));
  }

  lookup(name: string): UdfDefinition | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Names, for "did you mean" suggestions and for TAPRegExt. */
  definitions(): UdfDefinition[] {
    return [...this.byName.values()];
  }

  with(definitions: Iterable<UdfDefinition>): FunctionRegistry {
    return new FunctionRegistry([...this.byName.values(), ...definitions]);
  }
}

/** Parses a TAPRegExt UDF `form` (ADQL 2.1 §4.3.2): `name(arg TYPE, ...) -> TYPE`. */
export function parseUdfForm(form: string): UdfDefinition {
  const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*\(([^)]*)\)/.exec(form);
  if (!m) throw new Error(`not a UDF signature: ${form}`);
  const args = m[2]!.trim() === "" ? 0 : m[2]!.split(",").length;
  return { name: m[1]!, minArgs: args, maxArgs: args, form: form.trim() };
}

/** The ADQL type name after `->` in a UDF form (ADQL 2.1 §4.3.2), upper case, or undefined. */
export function udfReturnType(def: UdfDefinition): string | undefined {
  const m = def.form ? /->\s*([A-Za-z][A-Za-z ]*?)\s*(?:\(|$)/.exec(def.form) : null;
  return m ? m[1]!.toUpperCase() : undefined;
}

/**
 * The scisql functions that Qserv offers (qserv/README §b), the UDFs that a query may call by default.
 * Their argument counts follow scisql's documentation (the XML in scisql's src/udfs/*.c); s2PtInCPoly
 * takes 3 to 20 vertices. Checked against scisql's whole list; left out on purpose: s2CPolyToBin,
 * s2CPolyHtmRanges and s2CircleHtmRanges (binary values and result sets, which ADQL has no type for),
 * median and percentile (aggregates that Qserv cannot split over chunks), and the administrative
 * getVersion, extractInt64 and raiseError. A backend that lacks one is told by the server's probes
 * (server features.ts), which then refuses it by name.
 */
export const SCISQL_FUNCTIONS: readonly UdfDefinition[] = [
  { name: "scisql_angSep", minArgs: 4, maxArgs: 4, form: "scisql_angSep(ra1 DOUBLE, dec1 DOUBLE, ra2 DOUBLE, dec2 DOUBLE) -> DOUBLE" },
  { name: "scisql_s2PtInCircle", minArgs: 5, maxArgs: 5, form: "scisql_s2PtInCircle(ra DOUBLE, dec DOUBLE, raCen DOUBLE, decCen DOUBLE, radius DOUBLE) -> INTEGER" },
  { name: "scisql_s2PtInBox", minArgs: 6, maxArgs: 6, form: "scisql_s2PtInBox(ra DOUBLE, dec DOUBLE, raMin DOUBLE, decMin DOUBLE, raMax DOUBLE, decMax DOUBLE) -> INTEGER" },
  { name: "scisql_s2PtInEllipse", minArgs: 7, maxArgs: 7, form: "scisql_s2PtInEllipse(ra DOUBLE, dec DOUBLE, raCen DOUBLE, decCen DOUBLE, semiMajorAxisAngle DOUBLE, semiMinorAxisAngle DOUBLE, positionAngle DOUBLE) -> INTEGER", description: "1 if (ra, dec) is in the ellipse; the axes are in arcsec, the position angle in degrees east of north" },
  { name: "scisql_s2PtInCPoly", minArgs: 8, maxArgs: 42, form: "scisql_s2PtInCPoly(ra DOUBLE, dec DOUBLE, ra1 DOUBLE, dec1 DOUBLE, ...) -> INTEGER" },
  { name: "scisql_fluxToAbMag", minArgs: 1, maxArgs: 1, form: "scisql_fluxToAbMag(flux DOUBLE) -> DOUBLE" },
  { name: "scisql_fluxToAbMagSigma", minArgs: 2, maxArgs: 2, form: "scisql_fluxToAbMagSigma(flux DOUBLE, fluxSigma DOUBLE) -> DOUBLE" },
  { name: "scisql_nanojanskyToAbMag", minArgs: 1, maxArgs: 1, form: "scisql_nanojanskyToAbMag(flux DOUBLE) -> DOUBLE" },
  { name: "scisql_nanojanskyToAbMagSigma", minArgs: 2, maxArgs: 2, form: "scisql_nanojanskyToAbMagSigma(flux DOUBLE, fluxSigma DOUBLE) -> DOUBLE" },
  { name: "scisql_abMagToNanojansky", minArgs: 1, maxArgs: 1, form: "scisql_abMagToNanojansky(mag DOUBLE) -> DOUBLE" },
  { name: "scisql_abMagToNanojanskySigma", minArgs: 2, maxArgs: 2, form: "scisql_abMagToNanojanskySigma(mag DOUBLE, magSigma DOUBLE) -> DOUBLE" },
  { name: "scisql_abMagToFlux", minArgs: 1, maxArgs: 1, form: "scisql_abMagToFlux(mag DOUBLE) -> DOUBLE" },
  { name: "scisql_abMagToFluxSigma", minArgs: 2, maxArgs: 2, form: "scisql_abMagToFluxSigma(mag DOUBLE, magSigma DOUBLE) -> DOUBLE" },
  { name: "scisql_dnToAbMag", minArgs: 2, maxArgs: 2, form: "scisql_dnToAbMag(dn DOUBLE, fluxMag0 DOUBLE) -> DOUBLE" },
  { name: "scisql_dnToAbMagSigma", minArgs: 4, maxArgs: 4, form: "scisql_dnToAbMagSigma(dn DOUBLE, dnSigma DOUBLE, fluxMag0 DOUBLE, fluxMag0Sigma DOUBLE) -> DOUBLE" },
  { name: "scisql_dnToFlux", minArgs: 2, maxArgs: 2, form: "scisql_dnToFlux(dn DOUBLE, fluxMag0 DOUBLE) -> DOUBLE" },
  { name: "scisql_dnToFluxSigma", minArgs: 4, maxArgs: 4, form: "scisql_dnToFluxSigma(dn DOUBLE, dnSigma DOUBLE, fluxMag0 DOUBLE, fluxMag0Sigma DOUBLE) -> DOUBLE" },
  { name: "scisql_fluxToDn", minArgs: 2, maxArgs: 2, form: "scisql_fluxToDn(flux DOUBLE, fluxMag0 DOUBLE) -> DOUBLE" },
  { name: "scisql_fluxToDnSigma", minArgs: 4, maxArgs: 4, form: "scisql_fluxToDnSigma(flux DOUBLE, fluxSigma DOUBLE, fluxMag0 DOUBLE, fluxMag0Sigma DOUBLE) -> DOUBLE" },
  { name: "scisql_abMagToDn", minArgs: 2, maxArgs: 2, form: "scisql_abMagToDn(mag DOUBLE, fluxMag0 DOUBLE) -> DOUBLE" },
  { name: "scisql_abMagToDnSigma", minArgs: 4, maxArgs: 4, form: "scisql_abMagToDnSigma(mag DOUBLE, magSigma DOUBLE, fluxMag0 DOUBLE, fluxMag0Sigma DOUBLE) -> DOUBLE" },
  { name: "scisql_s2HtmId", minArgs: 3, maxArgs: 3, form: "scisql_s2HtmId(ra DOUBLE, dec DOUBLE, level INTEGER) -> BIGINT" },
  { name: "scisql_s2HtmLevel", minArgs: 1, maxArgs: 1, form: "scisql_s2HtmLevel(htmId BIGINT) -> INTEGER" },
];

export const defaultFunctionRegistry = new FunctionRegistry(SCISQL_FUNCTIONS);
