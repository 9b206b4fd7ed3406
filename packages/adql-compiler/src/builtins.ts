/**
 * The one table of functions that the compiler knows by name: ADQL's own (ADQL 2.1 §2.3, §4.2,
 * §4.4–4.9) and the scisql functions that Qserv offers as user-defined functions (§4.3). Adding a
 * function is one row here: the lexer makes its name a function token (lexer/tokens.ts), the parser
 * checks its arguments (parser/build.ts through parser/functions.ts), typeOf types its calls
 * (analysis/types.ts), the residue evaluator knows whether the server can compute it, and the default
 * function registry offers the scisql rows. Only a function whose SQL differs from its ADQL needs code
 * elsewhere (a dialect's generator, a pass, or the evaluator's arithmetic).
 *
 * Aggregates (AVG, COUNT...) and the geometry constructors (POINT, CIRCLE...) are not here: they are
 * grammar (their own rules and node kinds), not calls.
 */
import type { ValueType } from "./ast/nodes.js";
import type { DialectName } from "./sql/dialects/index.js";

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

/**
 * How a call's type follows from its arguments' (analysis/types.ts gives each rule its meaning; a
 * result that does not depend on the arguments is a ValueType instead):
 * - `keepFirst`: the first argument's storage type and unit (ABS);
 * - `rounded`: long for an integer argument, else double, with its unit;
 * - `arithmetic`: as the two arguments' sum, without a unit (MOD);
 * - `firstKnown`: the first argument whose type is known, with its metadata (NULLIF, whose value is its first argument's);
 * - `common`: the type of all the arguments' values together (analysis/types.ts commonType; COALESCE);
 * - `inUnit`: double, in the unit that the second argument, a string literal, names;
 * - `text`: a variable-length string, unicodeChar where the first argument is (LOWER, UPPER), else char.
 */
export type ResultRule = "keepFirst" | "rounded" | "arithmetic" | "firstKnown" | "common" | "inUnit" | "text";

/** One of ADQL's functions. */
export interface BuiltinDefinition {
  readonly signatures: readonly Signature[];
  readonly result: ValueType | ResultRule;
  /**
   * The dialects that have it (after the passes' rewrites: the geometry functions become scisql or SQL): "every" for
   * ADQL's own functions, which every dialect's generator must print, so that a new dialect has them without a change here.
   */
  readonly dialects: Availability;
  /** The server computes it over a Qserv result (residue/evaluate.ts), in an outer select list. */
  readonly server: boolean;
  /**
   * What its `value` arguments must be (passes/check-expressions.ts): numbers (the math functions, §2.3), character
   * strings (LOWER, UPPER, §4.4), or values of one kind, one of which is the result (COALESCE, NULLIF, §4.8).
   */
  readonly operands: Operands;
  /**
   * The TAPRegExt languageFeatures type that declares it, for the functions that ADQL 2.1 makes optional (§4.2-§4.9 each
   * name one: features-adqlgeo, -adql-string, -adql-conditional, -adql-unit); a service declares it in its capabilities
   * (the server's features.ts probes each). Absent for the mandatory math and trigonometric functions (§2.3) and for
   * NULLIF, which ADQL 2.1 only reserves.
   */
  readonly feature?: OptionalFeature;
}

/** The languageFeatures types of ADQL 2.1's optional functions (the server's FEATURE_TYPES has their IVOIDs). */
export type OptionalFeature = "geo" | "string" | "conditional" | "unit";

export type Operands = "number" | "string" | "alike";

/** Where a function is: in every dialect, or in the dialects listed. */
export type Availability = "every" | readonly DialectName[];

/** Whether a function of that availability is in `dialect`. */
export function availableOn(availability: Availability, dialect: string): boolean {
  return availability === "every" || (availability as readonly string[]).includes(dialect);
}

const unary: Signature[] = [{ args: ["value"] }];
const binary: Signature[] = [{ args: ["value", "value"] }];

const DOUBLE: ValueType = { datatype: "double" };
const RADIANS: ValueType = { datatype: "double", unit: "rad" };
const STRING: ValueType = { datatype: "char", arraysize: "*" };
const INT: ValueType = { datatype: "int" };

function fn(signatures: readonly Signature[], result: ValueType | ResultRule, server: boolean, operands: Operands = "number"): BuiltinDefinition {
  return { signatures, result, dialects: "every", server, operands };
}

/** `def` as an optional feature of ADQL (BuiltinDefinition.feature), its type kept for OptionalFunctionName. */
function optional<F extends OptionalFeature>(feature: F, def: BuiltinDefinition): BuiltinDefinition & { readonly feature: F } {
  return { ...def, feature };
}

/** ADQL's functions, by upper-case name. The keys are the type BuiltinFunctionName (ast/nodes.ts). */
export const BUILTINS = {
  // math (ADQL 2.1 §2.3)
  ABS: fn(unary, "keepFirst", true),
  CEILING: fn(unary, "rounded", true),
  DEGREES: fn(unary, { datatype: "double", unit: "deg" }, true),
  EXP: fn(unary, DOUBLE, true),
  FLOOR: fn(unary, "rounded", true),
  LOG: fn(unary, DOUBLE, true),
  LOG10: fn(unary, DOUBLE, true),
  MOD: fn(binary, "arithmetic", true),
  PI: fn([{ args: [] }], DOUBLE, false),
  POWER: fn(binary, DOUBLE, true),
  RADIANS: fn(unary, RADIANS, true),
  RAND: fn([{ args: [] }, { args: ["unsignedInteger"] }], DOUBLE, false),
  ROUND: fn([{ args: ["value"] }, { args: ["value", "signedInteger"] }], "rounded", true),
  SQRT: fn(unary, DOUBLE, true),
  TRUNCATE: fn([{ args: ["value"] }, { args: ["value", "signedInteger"] }], "rounded", true),
  // trigonometry (§2.3)
  ACOS: fn(unary, RADIANS, true),
  ASIN: fn(unary, RADIANS, true),
  ATAN: fn(unary, RADIANS, true),
  ATAN2: fn(binary, RADIANS, true),
  COS: fn(unary, DOUBLE, true),
  COT: fn(unary, DOUBLE, true),
  SIN: fn(unary, DOUBLE, true),
  TAN: fn(unary, DOUBLE, true),
  // strings (§4.4), conditionals (§4.8), units (§4.9)
  LOWER: optional("string", fn(unary, "text", true, "string")),
  UPPER: optional("string", fn(unary, "text", true, "string")),
  COALESCE: optional("conditional", fn([{ args: ["value"], variadic: true }], "common", true, "alike")),
  NULLIF: fn(binary, "firstKnown", true, "alike"),
  IN_UNIT: optional("unit", fn([{ args: ["value", "string"] }], "inUnit", false)),
  // geometry (§4.2) other than the constructors
  AREA: optional("geo", fn([{ args: ["geometry"] }], { datatype: "double", unit: "deg**2", ucd: "phys.angArea" }, false)),
  CENTROID: optional("geo", fn([{ args: ["geometry"] }], { datatype: "double", arraysize: "2", xtype: "point", unit: "deg" }, false)),
  CONTAINS: optional("geo", fn([{ args: ["geometry", "geometry"] }], INT, false)),
  INTERSECTS: optional("geo", fn([{ args: ["geometry", "geometry"] }], INT, false)),
  COORD1: optional("geo", fn([{ args: ["coord"] }], { datatype: "double", unit: "deg", ucd: "pos.eq.ra" }, false)),
  COORD2: optional("geo", fn([{ args: ["coord"] }], { datatype: "double", unit: "deg", ucd: "pos.eq.dec" }, false)),
  COORDSYS: optional("geo", fn([{ args: ["geometry"] }], STRING, false)),
  DISTANCE: optional("geo", fn(
    [{ args: ["coord", "coord"] }, { args: ["value", "value", "value", "value"] }],
    { datatype: "double", unit: "deg", ucd: "pos.angDistance" },
    false,
  )),
} as const satisfies Record<string, BuiltinDefinition>;

/** The name of one of ADQL's functions, upper case. */
export type BuiltinName = keyof typeof BUILTINS;

/** The name of one of ADQL's optional functions (those with a `feature`). */
export type OptionalFunctionName = { [K in BuiltinName]: (typeof BUILTINS)[K] extends { readonly feature: OptionalFeature } ? K : never }[BuiltinName];

export const BUILTIN_NAMES = Object.keys(BUILTINS) as readonly BuiltinName[];

/** ADQL's optional functions with their languageFeatures types, in the table's order: what a service's capabilities may declare. */
export const OPTIONAL_FUNCTIONS: readonly { readonly name: OptionalFunctionName; readonly feature: OptionalFeature }[] = BUILTIN_NAMES.flatMap((name) => {
  const feature = (BUILTINS[name] as BuiltinDefinition).feature;
  return feature === undefined ? [] : [{ name: name as OptionalFunctionName, feature }];
});

const MISSING_BUILTINS = new Map<DialectName, ReadonlySet<string>>();

/**
 * ADQL's functions that `dialect` lacks by the dialects column, lower case (as PassContext's
 * unavailableFunctions): the compiler refuses their calls (passes/check-limits.ts), or on a dialect with
 * server residues leaves them in an outer select list to the server when it computes them (`server`).
 */
export function builtinsMissingOn(dialect: DialectName): ReadonlySet<string> {
  let missing = MISSING_BUILTINS.get(dialect);
  if (!missing) {
    missing = new Set(BUILTIN_NAMES.filter((n) => !availableOn(BUILTINS[n].dialects, dialect)).map((n) => n.toLowerCase()));
    MISSING_BUILTINS.set(dialect, missing);
  }
  return missing;
}

/** A scisql function: its TAPRegExt signature (`form`, which carries the argument types), arity and result. */
export interface ScisqlDefinition {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly form: string;
  /** The result's type, with the unit and UCD that follow from the function. */
  readonly type: ValueType;
  readonly dialects: readonly DialectName[];
  readonly description?: string;
}

/** scisql is a library of MariaDB/MySQL functions: Qserv's workers have it, and a MariaDB may (mysql). */
const SCISQL_DIALECTS: readonly DialectName[] = ["qserv", "mysql"];
/** The four that geometry/duckdb-functions.ts also defines on DuckDB. */
const SCISQL_AND_DUCKDB: readonly DialectName[] = [...SCISQL_DIALECTS, "duckdb"];

const PREDICATE: ValueType = { datatype: "int" };
const MAG: ValueType = { datatype: "double", unit: "mag" };

/**
 * The scisql functions that Qserv offers (qserv/README §b), the UDFs that a query may call by default.
 * Their argument counts follow scisql's documentation (the XML in scisql's src/udfs/*.c); s2PtInCPoly
 * takes 3 to 20 vertices. Checked against scisql's whole list; left out on purpose: s2CPolyToBin,
 * s2CPolyHtmRanges and s2CircleHtmRanges (binary values and result sets, which ADQL has no type for),
 * median and percentile (aggregates that Qserv cannot split over chunks), and the administrative
 * getVersion, extractInt64 and raiseError. A call of one that the target dialect lacks by `dialects` is
 * refused by the compiler (passes/check-limits.ts) unless the query's function registry defines that
 * name itself; one that a backend of the dialect lacks is told by the server's probes (server
 * features.ts), which then refuses it by name.
 */
export const SCISQL_FUNCTIONS: readonly ScisqlDefinition[] = [
  { name: "scisql_angSep", minArgs: 4, maxArgs: 4, form: "scisql_angSep(ra1 DOUBLE, dec1 DOUBLE, ra2 DOUBLE, dec2 DOUBLE) -> DOUBLE", type: { datatype: "double", unit: "deg", ucd: "pos.angDistance" }, dialects: SCISQL_AND_DUCKDB },
  { name: "scisql_s2PtInCircle", minArgs: 5, maxArgs: 5, form: "scisql_s2PtInCircle(ra DOUBLE, dec DOUBLE, raCen DOUBLE, decCen DOUBLE, radius DOUBLE) -> INTEGER", type: PREDICATE, dialects: SCISQL_AND_DUCKDB },
  { name: "scisql_s2PtInBox", minArgs: 6, maxArgs: 6, form: "scisql_s2PtInBox(ra DOUBLE, dec DOUBLE, raMin DOUBLE, decMin DOUBLE, raMax DOUBLE, decMax DOUBLE) -> INTEGER", type: PREDICATE, dialects: SCISQL_AND_DUCKDB },
  { name: "scisql_s2PtInEllipse", minArgs: 7, maxArgs: 7, form: "scisql_s2PtInEllipse(ra DOUBLE, dec DOUBLE, raCen DOUBLE, decCen DOUBLE, semiMajorAxisAngle DOUBLE, semiMinorAxisAngle DOUBLE, positionAngle DOUBLE) -> INTEGER", type: PREDICATE, dialects: SCISQL_DIALECTS, description: "1 if (ra, dec) is in the ellipse; the axes are in arcsec, the position angle in degrees east of north" },
  { name: "scisql_s2PtInCPoly", minArgs: 8, maxArgs: 42, form: "scisql_s2PtInCPoly(ra DOUBLE, dec DOUBLE, ra1 DOUBLE, dec1 DOUBLE, ...) -> INTEGER", type: PREDICATE, dialects: SCISQL_AND_DUCKDB },
  { name: "scisql_fluxToAbMag", minArgs: 1, maxArgs: 1, form: "scisql_fluxToAbMag(flux DOUBLE) -> DOUBLE", type: MAG, dialects: SCISQL_DIALECTS },
  { name: "scisql_fluxToAbMagSigma", minArgs: 2, maxArgs: 2, form: "scisql_fluxToAbMagSigma(flux DOUBLE, fluxSigma DOUBLE) -> DOUBLE", type: MAG, dialects: SCISQL_DIALECTS },
  { name: "scisql_nanojanskyToAbMag", minArgs: 1, maxArgs: 1, form: "scisql_nanojanskyToAbMag(flux DOUBLE) -> DOUBLE", type: MAG, dialects: SCISQL_DIALECTS },
  { name: "scisql_nanojanskyToAbMagSigma", minArgs: 2, maxArgs: 2, form: "scisql_nanojanskyToAbMagSigma(flux DOUBLE, fluxSigma DOUBLE) -> DOUBLE", type: MAG, dialects: SCISQL_DIALECTS },
  { name: "scisql_abMagToNanojansky", minArgs: 1, maxArgs: 1, form: "scisql_abMagToNanojansky(mag DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_abMagToNanojanskySigma", minArgs: 2, maxArgs: 2, form: "scisql_abMagToNanojanskySigma(mag DOUBLE, magSigma DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_abMagToFlux", minArgs: 1, maxArgs: 1, form: "scisql_abMagToFlux(mag DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_abMagToFluxSigma", minArgs: 2, maxArgs: 2, form: "scisql_abMagToFluxSigma(mag DOUBLE, magSigma DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_dnToAbMag", minArgs: 2, maxArgs: 2, form: "scisql_dnToAbMag(dn DOUBLE, fluxMag0 DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_dnToAbMagSigma", minArgs: 4, maxArgs: 4, form: "scisql_dnToAbMagSigma(dn DOUBLE, dnSigma DOUBLE, fluxMag0 DOUBLE, fluxMag0Sigma DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_dnToFlux", minArgs: 2, maxArgs: 2, form: "scisql_dnToFlux(dn DOUBLE, fluxMag0 DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_dnToFluxSigma", minArgs: 4, maxArgs: 4, form: "scisql_dnToFluxSigma(dn DOUBLE, dnSigma DOUBLE, fluxMag0 DOUBLE, fluxMag0Sigma DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_fluxToDn", minArgs: 2, maxArgs: 2, form: "scisql_fluxToDn(flux DOUBLE, fluxMag0 DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_fluxToDnSigma", minArgs: 4, maxArgs: 4, form: "scisql_fluxToDnSigma(flux DOUBLE, fluxSigma DOUBLE, fluxMag0 DOUBLE, fluxMag0Sigma DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_abMagToDn", minArgs: 2, maxArgs: 2, form: "scisql_abMagToDn(mag DOUBLE, fluxMag0 DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_abMagToDnSigma", minArgs: 4, maxArgs: 4, form: "scisql_abMagToDnSigma(mag DOUBLE, magSigma DOUBLE, fluxMag0 DOUBLE, fluxMag0Sigma DOUBLE) -> DOUBLE", type: DOUBLE, dialects: SCISQL_DIALECTS },
  { name: "scisql_s2HtmId", minArgs: 3, maxArgs: 3, form: "scisql_s2HtmId(ra DOUBLE, dec DOUBLE, level INTEGER) -> BIGINT", type: { datatype: "long" }, dialects: SCISQL_DIALECTS },
  { name: "scisql_s2HtmLevel", minArgs: 1, maxArgs: 1, form: "scisql_s2HtmLevel(htmId BIGINT) -> INTEGER", type: { datatype: "int" }, dialects: SCISQL_DIALECTS },
];

const SCISQL_BY_NAME = new Map(SCISQL_FUNCTIONS.map((d) => [d.name.toLowerCase(), d]));

/** The scisql function of that name (any case), if it is one. */
export function scisqlFunction(name: string): ScisqlDefinition | undefined {
  return SCISQL_BY_NAME.get(name.toLowerCase());
}
