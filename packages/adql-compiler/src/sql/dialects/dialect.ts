/**
 * What a dialect is: one object (its file in this folder, its line in ./index.ts) that holds every
 * fact the compiler needs about one target database. Shared passes and the shared generator read
 * these traits, never the dialect's name, so a new dialect states each fact instead of inheriting
 * another dialect's by default.
 */
import type { DialectPass } from "../../passes/context.js";
import type { SqlGenerator } from "../generator.js";

/** Facts about a database, one meaning each. */
export interface DialectTraits {
  /** The database as refusals name it ("not supported on Qserv: ..."). */
  readonly databaseName: string;
  /**
   * Names are limited to the Basic Multilingual Plane: MariaDB and MySQL refuse a character beyond
   * U+FFFF in an identifier ("Invalid utf8mb4 character string"). check-identifiers refuses them.
   */
  readonly bmpNamesOnly: boolean;
  /**
   * The server finishes the query: it applies ADQL's OFFSET and computes the functions of the outer
   * select list that the database lacks (compile's QuerySplit). check-limits leaves those functions
   * to the dialect's passes instead of refusing them.
   */
  readonly serverResidues: boolean;
  /** Tables are partitioned into chunks, and compile says whether a query can prune them (CompileResult.qserv). */
  readonly chunkPruning: boolean;
  /** A BOX may have a centre or a size computed per row (else only constants, which the geometry pass checks). */
  readonly computedBoxes: boolean;
  /**
   * How CONTAINS(point, polygon region column) is written: with scisql_s2PtInCPoly on the column's
   * binary storage column (c_scisql) always ("assumed": the catalog's tables have it), where the table
   * lists it ("where-stored"), or never ("none": the region function on the column's text).
   */
  readonly binaryPolygonColumns: "assumed" | "where-stored" | "none";
  /** A text region column without a DALI xtype ("shape", as Rubin's s_region in STC-S) holds polygons. */
  readonly shapeColumnsArePolygons: boolean;
  /** `a || b` concatenates (else it is OR, and concatenation is CONCAT(a, b)). */
  readonly concatOperator: boolean;
  /** The operator of integer division, for ADQL's 7/2 = 3 (docs/adr/0002-integer-division.md). */
  readonly integerDivision: string;
  /**
   * The bit operators give unsigned 64-bit results (MySQL's), which the generator turns back into
   * ADQL's signed ones with CAST(... AS SIGNED).
   */
  readonly signedBitwiseCast: boolean;
  /**
   * ROUND and TRUNCATE of a value whose numeric class is unknown take CAST(x AS DOUBLE), so that the
   * database rounds it as a double, as DuckDB does (Qserv's parser has no CAST). (The generator's
   * `fullSql` flag before; it never controlled more than this.)
   */
  readonly castBeforeRounding: boolean;
  /**
   * A quotient of exact numbers (`1.0 / 3`, `flags / 3.0`) and AVG of integers are a DECIMAL of a few more digits
   * (MariaDB's div_precision_increment, 4: 0.3333), where ADQL's FIELD says double (docs/adr/0002): the generator
   * makes the dividend and AVG's argument doubles (`* 1e0`, which Qserv's parser reads, where it has no CAST; Qserv takes
   * only a column in AVG, whose czar averages it: QservGenerator.aggregate).
   */
  readonly decimalQuotients: boolean;
  /**
   * A number compared with a REAL (float) column is first turned into a REAL (DuckDB casts a constant to the column's
   * type), so that `mag_err < 0.02` excluded the values stored as float(0.02) = 0.0199999996 and `mag_err = 0.014`
   * matched 0.0139999995: the generator writes such numbers as DOUBLE, and the column is compared by its value, as
   * SQL-92 §8.2 and MariaDB compare. Arithmetic on REALs is DOUBLE too, as the FIELD says.
   */
  readonly floatNarrowing: boolean;
  /** scisql_angSep, s2PtInCircle and s2PtInCPoly may become inline SQL expressions (not where the real scisql runs). */
  readonly inlineScisql: boolean;
  /**
   * The database takes numbered placeholders (`$1`, `$2`...) bound to doubles: compile's `parameters` option writes
   * numeric constants in DOUBLE contexts as placeholders (SqlGenerator.generate).
   */
  readonly numberedParameters: boolean;
}

/** One dialect: its name, traits, the passes it adds to the common list, and its generator. */
export interface DialectDefinition<Name extends string = string> {
  readonly name: Name;
  readonly traits: DialectTraits;
  /**
   * The passes this dialect adds, in order. They run after the common passes that read ADQL's
   * geometry and units and before top-to-limit (passes/index.ts shows the slot).
   */
  readonly passes: readonly (readonly [name: string, pass: DialectPass])[];
  /** A new generator; compile keeps one per dialect. */
  readonly generator: () => SqlGenerator;
}
