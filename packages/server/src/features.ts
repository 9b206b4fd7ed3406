/**
 * Which optional ADQL features the configured backend really supports: each feature has a probe
 * query, which is compiled for the backend's dialect and run against a one-row temporary table
 * (TAP_UPLOAD.probe). Only the features whose probe compiles and runs are declared in the
 * capabilities. On a backend without temporary tables (Qserv), a feature is declared when its
 * probe compiles for the dialect, since the compiler refuses what Qserv cannot run.
 */
import { AdqlError, compile, OPTIONAL_FUNCTIONS, parseUdfForm, REGION_FUNCTIONS, SCISQL_FUNCTIONS, type OptionalFunctionName, type SchemaTable } from "@qserv-tap/adql-compiler";
import type { Backend } from "./backends/backend.js";
import { isDatabaseUnavailable } from "./backends/database-errors.js";

/**
 * The languageFeatures types. TAPRegExt 1.0 spells its own keys (udf, adqlgeo) with
 * "TAPRegExt", and every tool in use matches those byte for byte, so the ADQL 2.1 keys that
 * such tools know keep that spelling too.
 *
 * COALESCE is the exception. ADQL 2.1 §4.8 prints its key as
 * `ivo://ivoa.net/std/tapregext#features-adql-conditional`. By IVOA Identifiers 2.0, the
 * registry part of an IVOID is compared case-insensitively, so that is the same key as the
 * "TAPRegExt" spelling. We use the spec's spelling because taplint 3.4.7 (Debian 12) treats
 * any type that starts with "ivo://ivoa.net/std/TAPRegExt" and is missing from its pre-REC
 * list as an error (CAP-KEYX), and its list has no "conditional". With this spelling it reports
 * a custom feature type instead (a warning, W-CAP-CULF). Later STILTS versions compare IVOIDs as
 * Identifiers 2.0 says and know the key under either spelling. A client that compares type
 * strings exactly, with the "TAPRegExt" spelling, will not find it.
 */
export const FEATURE_TYPES = {
  geo: "ivo://ivoa.net/std/TAPRegExt#features-adqlgeo",
  udf: "ivo://ivoa.net/std/TAPRegExt#features-udf",
  string: "ivo://ivoa.net/std/TAPRegExt#features-adql-string",
  commonTable: "ivo://ivoa.net/std/TAPRegExt#features-adql-common-table",
  sets: "ivo://ivoa.net/std/TAPRegExt#features-adql-sets",
  type: "ivo://ivoa.net/std/TAPRegExt#features-adql-type",
  conditional: "ivo://ivoa.net/std/tapregext#features-adql-conditional",
  unit: "ivo://ivoa.net/std/TAPRegExt#features-adql-unit",
  offset: "ivo://ivoa.net/std/TAPRegExt#features-adql-offset",
} as const;

export interface Feature {
  type: string;
  form: string;
  description?: string;
  /** A query that uses the feature, on table T with columns ra, dec (deg), s (text), n (number). */
  probe: string;
}

const T = "TAP_UPLOAD.probe";
const P = "POINT('ICRS', ra, dec)";

/**
 * What the capabilities say of each of ADQL's optional functions (the compiler's builtins.ts gives which they are and
 * their feature types): the probe, and a description where the service has limits. Keyed by the functions' names, so a
 * function added to that table fails to compile here until it has a probe.
 */
const FUNCTION_FEATURES: { readonly [F in OptionalFunctionName]: Omit<Feature, "type" | "form"> } = {
  LOWER: { probe: `SELECT LOWER(s) AS l FROM ${T}` },
  UPPER: { probe: `SELECT UPPER(s) AS u FROM ${T}` },
  COALESCE: { probe: `SELECT COALESCE(s, 'x') AS c FROM ${T}` },
  IN_UNIT: { probe: `SELECT IN_UNIT(ra, 'arcsec') AS r FROM ${T}` },
  AREA: {
    description: "In square degrees, of a constant shape, a CIRCLE or a region-valued column; AREA of a POLYGON or BOX built from columns is refused.",
    probe: `SELECT AREA(CIRCLE('ICRS', ra, dec, 1)) AS a FROM ${T}`,
  },
  CENTROID: {
    description: "Of a constant shape, a CIRCLE, a BOX or a region-valued column; CENTROID of a POLYGON built from columns is refused.",
    probe: `SELECT CENTROID(CIRCLE('ICRS', ra, dec, 1)) AS c FROM ${T}`,
  },
  CONTAINS: { probe: `SELECT n FROM ${T} WHERE 1 = CONTAINS(${P}, CIRCLE('ICRS', 10, 10, 1))` },
  INTERSECTS: {
    description:
      "Of any two regions: shapes and region-valued columns such as ivoa.ObsCore.s_region (exact, on the sphere); a BOX whose centre or size is not a constant is refused, and on Qserv one argument must be a POINT.",
    probe: `SELECT n FROM ${T} WHERE 1 = INTERSECTS(${P}, CIRCLE('ICRS', 10, 10, 1))`,
  },
  COORD1: { probe: `SELECT COORD1(${P}) AS c FROM ${T}` },
  COORD2: { probe: `SELECT COORD2(${P}) AS c FROM ${T}` },
  COORDSYS: { probe: `SELECT COORDSYS(${P}) AS c FROM ${T}` },
  DISTANCE: { probe: `SELECT DISTANCE(${P}, POINT('ICRS', 10, 10)) AS d FROM ${T}` },
};

/** Every optional feature, with its probe: the grammar's (geometry constructors, ILIKE, WITH, sets, CAST, OFFSET), the functions', the UDFs'. */
export const FEATURES: readonly Feature[] = [
  { type: FEATURE_TYPES.geo, form: "POINT", probe: `SELECT ${P} AS p FROM ${T}` },
  { type: FEATURE_TYPES.geo, form: "CIRCLE", probe: `SELECT CIRCLE('ICRS', ra, dec, 1) AS c FROM ${T}` },
  { type: FEATURE_TYPES.geo, form: "BOX", probe: `SELECT n FROM ${T} WHERE 1 = CONTAINS(${P}, BOX('ICRS', 10, 10, 2, 2))` },
  {
    type: FEATURE_TYPES.geo,
    form: "POLYGON",
    probe: `SELECT n FROM ${T} WHERE 1 = CONTAINS(${P}, POLYGON('ICRS', 9, 9, 11, 9, 11, 11, 9, 11))`,
  },
  { type: FEATURE_TYPES.geo, form: "REGION", probe: `SELECT n FROM ${T} WHERE 1 = CONTAINS(${P}, REGION('CIRCLE ICRS 10 10 1'))` },
  ...OPTIONAL_FUNCTIONS.map(({ name, feature }): Feature => ({ type: FEATURE_TYPES[feature], form: name, ...FUNCTION_FEATURES[name] })),
  { type: FEATURE_TYPES.string, form: "ILIKE", probe: `SELECT n FROM ${T} WHERE s ILIKE 'PRO%'` },
  { type: FEATURE_TYPES.commonTable, form: "WITH", probe: `WITH w AS (SELECT n FROM ${T}) SELECT n FROM w` },
  { type: FEATURE_TYPES.sets, form: "UNION", probe: `SELECT n FROM ${T} UNION SELECT n FROM ${T}` },
  { type: FEATURE_TYPES.sets, form: "EXCEPT", probe: `SELECT n FROM ${T} EXCEPT SELECT n FROM ${T}` },
  { type: FEATURE_TYPES.sets, form: "INTERSECT", probe: `SELECT n FROM ${T} INTERSECT SELECT n FROM ${T}` },
  { type: FEATURE_TYPES.type, form: "CAST", probe: `SELECT CAST(n AS INTEGER) AS i FROM ${T}` },
  { type: FEATURE_TYPES.offset, form: "OFFSET", probe: `SELECT n FROM ${T} ORDER BY n OFFSET 0` },
  ...SCISQL_FUNCTIONS.map((f) => ({
    type: FEATURE_TYPES.udf,
    form: f.form ?? `${f.name}(...)`,
    ...(f.description ? { description: f.description } : {}),
    probe: `SELECT ${f.name}(${Array.from({ length: f.minArgs }, (_, i) => (i % 2 === 0 ? "ra" : "dec")).join(", ")}) AS u FROM ${T}`,
  })),
];

const PROBE_TABLE: SchemaTable = {
  schema: "TAP_UPLOAD",
  name: "probe",
  columns: [
    { name: "ra", datatype: "double", unit: "deg" },
    { name: "dec", datatype: "double", unit: "deg" },
    { name: "s", datatype: "char", arraysize: "*" },
    { name: "n", datatype: "double" },
    // A region-valued column (a DALI circle as text), for the probes of the region functions.
    { name: "reg", datatype: "char", arraysize: "*", xtype: "circle" },
  ],
};

/**
 * The functions that region-valued columns and shape-to-shape predicates compile to (the compiler's REGION_FUNCTIONS:
 * defined in process on DuckDB, by regions-mariadb.sql on MariaDB), each with a query that needs it. They are no
 * features of their own: one that the database lacks (a MariaDB set up by hand with scisql-mariadb.sql only) goes to
 * unavailableFunctions, and the compiler refuses the queries that need it, with their position, rather than the
 * database failing them with a 500.
 */
export const REGION_PROBES: readonly { functions: readonly string[]; probe: string }[] = [
  { functions: [REGION_FUNCTIONS.containsPoint], probe: `SELECT n FROM ${T} WHERE 1 = CONTAINS(${P}, reg)` },
  { functions: [REGION_FUNCTIONS.intersects], probe: `SELECT n FROM ${T} WHERE 1 = INTERSECTS(reg, CIRCLE('ICRS', 10, 10, 1))` },
  { functions: [REGION_FUNCTIONS.within], probe: `SELECT n FROM ${T} WHERE 1 = CONTAINS(reg, CIRCLE('ICRS', 10, 10, 5))` },
  { functions: [REGION_FUNCTIONS.area], probe: `SELECT AREA(reg) AS a FROM ${T}` },
  { functions: [REGION_FUNCTIONS.centroidRa, REGION_FUNCTIONS.centroidDec], probe: `SELECT CENTROID(reg) AS c FROM ${T}` },
];

export interface FeatureReport {
  supported: Feature[];
  /**
   * Why each unsupported feature is not declared; `byCompiler` when the compiler refused the probe
   * (it then refuses the feature in every query, with its own message), not the database.
   */
  refused: { feature: Feature; reason: string; byCompiler: boolean }[];
  /** The REGION_PROBES' functions whose probe the database failed, with why. */
  missingFunctions: { name: string; reason: string }[];
}

/** Feature forms that are not the name of a function. */
const NOT_FUNCTIONS: ReadonlySet<string> = new Set(["ILIKE"]);

/**
 * The functions whose probe the database failed: left out of the capabilities, and so refused by
 * the compiler (CompileOptions.unavailableFunctions) with their position, before the query runs.
 */
export function unavailableFunctions(report: FeatureReport): string[] {
  const functionTypes: ReadonlySet<string> = new Set([FEATURE_TYPES.geo, FEATURE_TYPES.string, FEATURE_TYPES.conditional, FEATURE_TYPES.unit]);
  const features = report.refused.flatMap(({ feature, byCompiler }) => {
    if (byCompiler) return [];
    if (feature.type === FEATURE_TYPES.udf) return [parseUdfForm(feature.form).name];
    return functionTypes.has(feature.type) && !NOT_FUNCTIONS.has(feature.form) ? [feature.form] : [];
  });
  return [...features, ...report.missingFunctions.map((m) => m.name)];
}

/** Probes every feature on the backend. */
export async function probeFeatures(backend: Backend, features: readonly Feature[] = FEATURES): Promise<FeatureReport> {
  const report: FeatureReport = { supported: [], refused: [], missingFunctions: [] };
  if (!backend.uploads) {
    for (const feature of features) {
      try {
        compile(feature.probe, { catalog: { tables: [PROBE_TABLE] }, dialect: backend.dialect });
        report.supported.push(feature);
      } catch (e) {
        report.refused.push({ feature, reason: (e as Error).message, byCompiler: e instanceof AdqlError });
      }
    }
    return report;
  }
  const session = await backend.session();
  try {
    const sqlName = await session.createUploadTable(
      {
        name: "probe",
        fields: [
          { name: "ra", datatype: "double" },
          { name: "dec", datatype: "double" },
          { name: "s", datatype: "char", arraysize: "*" },
          { name: "n", datatype: "double" },
          { name: "reg", datatype: "char", arraysize: "*", xtype: "circle" },
        ],
        rows: probeRows(),
      },
      ["ra", "dec", "s", "n", "reg"],
    );
    const table = { ...PROBE_TABLE, sqlName };
    const run = async (probe: string): Promise<void> => {
      const { sql } = compile(probe, { catalog: { tables: [table] }, dialect: backend.dialect });
      const cursor = await session.query(sql);
      try {
        for await (const row of cursor) void row;
      } finally {
        await cursor.close();
      }
    };
    for (const feature of features) {
      try {
        await run(feature.probe);
        report.supported.push(feature);
      } catch (e) {
        // A database that went away says nothing about the feature: the probing fails as a whole.
        if (isDatabaseUnavailable(e)) throw e;
        report.refused.push({ feature, reason: (e as Error).message, byCompiler: e instanceof AdqlError });
      }
    }
    for (const { functions, probe } of REGION_PROBES) {
      try {
        await run(probe);
      } catch (e) {
        if (isDatabaseUnavailable(e)) throw e;
        // The compiler's refusal (a dialect without region columns) is its own, in every query: nothing is missing.
        if (e instanceof AdqlError) continue;
        for (const name of functions) report.missingFunctions.push({ name, reason: (e as Error).message });
      }
    }
  } finally {
    await session.release();
  }
  return report;
}

/** The probe table's one row (module-level, as generators are: eslint.config.js). */
async function* probeRows(): AsyncGenerator<readonly unknown[]> {
  yield [10.2, 10.1, "probe", 1.5, "10.2 10.1 1"];
}
