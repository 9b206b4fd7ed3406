/**
 * The catalog that the compiler's golden and execution tests compile against: the package's example
 * Felis schema (schemas/example.yaml: demo.Object, a Qserv director on (ra, dec) with overlap
 * 0.01667°, and demo.Detection, its child), plus a second schema written here for what the example
 * does not have: a second director (for near-neighbour joins), unpartitioned tables (one of values
 * for the function tests), a table with hostile column names, and an upload table whose SQL name
 * differs from its ADQL name.
 */
import { fileURLToPath } from "node:url";
import { schemaLookup } from "../../analysis/from-catalog.js";
import type { SchemaLookup, SchemaTable } from "../../analysis/schema.js";
import { loadFelis } from "../../catalog/felis.js";
import { mergeCatalogs, type Catalog } from "../../catalog/model.js";

export const EXAMPLE_SCHEMA_PATH = fileURLToPath(new URL("../../../schemas/example.yaml", import.meta.url));

/** Columns whose names try every way out of a quoted identifier (and two that Qserv refuses). */
export const HOSTILE_NAMES = [
  'a"b', "c`d", "e'f", "g\\h", "--i", "#j", "/*k", "l*/", "m;n", "o p", "Select", "offset", "_q", "é€",
] as const;

const EXTRA_FELIS = `
name: ext
"@id": "#ext"
description: Tables for the compiler's tests.
tables:
- name: Reference
  "@id": "#Reference"
  description: A second director table, for near-neighbour joins.
  primaryKey: "#Reference.refId"
  qserv:director: true
  qserv:ra_column: ra
  qserv:dec_column: decl
  qserv:overlap: 0.01667
  columns:
  - { name: refId, "@id": "#Reference.refId", datatype: long }
  - { name: ra, "@id": "#Reference.ra", datatype: double, ivoa:unit: deg }
  - { name: decl, "@id": "#Reference.decl", datatype: double, ivoa:unit: deg }
  - { name: mag, "@id": "#Reference.mag", datatype: float, ivoa:unit: mag }
- name: Exposure
  "@id": "#Exposure"
  description: Not partitioned.
  columns:
  - { name: exposureId, "@id": "#Exposure.exposureId", datatype: long }
  - { name: band, "@id": "#Exposure.band", datatype: char, length: 1 }
  - { name: mjd, "@id": "#Exposure.mjd", datatype: double, ivoa:unit: d }
  - { name: exptime, "@id": "#Exposure.exptime", datatype: float, ivoa:unit: s }
  - { name: ra, "@id": "#Exposure.ra", datatype: double, ivoa:unit: deg }
  - { name: dec, "@id": "#Exposure.dec", datatype: double, ivoa:unit: deg }
- name: Vals
  "@id": "#Vals"
  description: Values for the function-mapping execution tests.
  columns:
  - { name: id, "@id": "#Vals.id", datatype: int }
  - { name: i, "@id": "#Vals.i", datatype: long }
  - { name: x, "@id": "#Vals.x", datatype: double }
  - { name: f, "@id": "#Vals.f", datatype: float }
  - { name: p, "@id": "#Vals.p", datatype: double }
  - { name: s, "@id": "#Vals.s", datatype: string, length: 32 }
  - { name: ang, "@id": "#Vals.ang", datatype: double, ivoa:unit: deg }
  - { name: t, "@id": "#Vals.t", datatype: double, ivoa:unit: d }
- name: Weird
  "@id": "#Weird"
  description: Column names that must be quoted.
  columns:
${HOSTILE_NAMES.map((n, i) => `  - { name: ${JSON.stringify(n)}, "@id": "#Weird.c${i}", datatype: int }`).join("\n")}
`;

let catalog: Catalog | undefined;

/** demo (the example schema) and ext. */
export function testCatalog(): Catalog {
  catalog ??= mergeCatalogs(loadFelis(EXAMPLE_SCHEMA_PATH), loadFelis(EXTRA_FELIS));
  return catalog;
}

/** An upload: TAP_UPLOAD.mine in ADQL, a temporary table in SQL. */
export const UPLOAD_TABLE: SchemaTable = {
  schema: "TAP_UPLOAD",
  name: "mine",
  sqlName: ["tap_tmp", "upload_1234"],
  columns: [
    { name: "id", datatype: "long" },
    { name: "ra", datatype: "double", unit: "deg" },
    { name: "dec", datatype: "double", unit: "deg" },
  ],
};

let lookup: SchemaLookup | undefined;

/** The test catalog with the upload table, as the compiler's SchemaLookup. */
export function testSchema(): SchemaLookup {
  lookup ??= { tables: [...schemaLookup(testCatalog()).tables, UPLOAD_TABLE] };
  return lookup;
}
