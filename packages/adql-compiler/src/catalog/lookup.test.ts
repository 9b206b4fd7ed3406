import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { needsQuoting, quoteIdentifier, splitQualifiedName, type Identifier } from "./identifiers.js";
import { editDistance, findColumns, findSchemas, findTables, schemaLookupFromFelis, suggestNames } from "./lookup.js";
import { createCatalog, getTable } from "./model.js";

const EXAMPLE = fileURLToPath(new URL("../../schemas/example.yaml", import.meta.url));
const regular = (name: string): Identifier => ({ name, delimited: false });
const delimited = (name: string): Identifier => ({ name, delimited: true });

// Two schemas that share a table name, and a table with columns that differ only in case.
const catalog = createCatalog([
  {
    name: "dr1",
    tables: [
      { name: "Object", columns: [{ name: "ra", datatype: "double" }, { name: "Alpha", datatype: "double" }, { name: "alpha", datatype: "int" }] },
      { name: "Source", columns: [{ name: "ra", datatype: "double" }] },
    ],
  },
  { name: "DR2", tables: [{ name: "object", columns: [{ name: "ra", datatype: "double" }] }] },
]);
const dr1Object = getTable(catalog, "dr1", "Object")!;

describe("ADQL name lookup (ADQL 2.1 §2.1.7: regular identifiers ignore case, delimited match exactly)", () => {
  const tables: Array<[string, Identifier, Identifier | undefined, string[]]> = [
    ["regular, exact case", regular("Source"), undefined, ["dr1.Source"]],
    ["regular, other case", regular("SOURCE"), undefined, ["dr1.Source"]],
    ["regular name in two schemas is ambiguous", regular("object"), undefined, ["dr1.Object", "DR2.object"]],
    ["schema-qualified", regular("OBJECT"), regular("dr2"), ["DR2.object"]],
    ["delimited, exact case", delimited("Object"), undefined, ["dr1.Object"]],
    ["delimited, wrong case", delimited("OBJECT"), undefined, []],
    ["delimited schema, wrong case", regular("object"), delimited("dr2"), []],
    ["unknown", regular("Sources"), undefined, []],
  ];
  for (const [name, table, schema, expected] of tables) {
    it(`findTables, ${name}: ${schema ? `${show(schema)}.` : ""}${show(table)} → [${expected.join(", ")}]`, () => {
      expect(findTables(catalog, table, schema).map((t) => `${t.schemaName}.${t.name}`)).to.deep.equal(expected);
    });
  }

  const columns: Array<[string, Identifier, string[]]> = [
    ["regular", regular("RA"), ["ra"]],
    ["regular alpha matches Alpha and alpha: ambiguous (ADQL 2.1 §2.1.7 alpha == Alpha == ALPHA)", regular("ALPHA"), ["Alpha", "alpha"]],
    ['delimited "Alpha" matches only Alpha', delimited("Alpha"), ["Alpha"]],
    ['delimited "ALPHA" matches neither', delimited("ALPHA"), []],
  ];
  for (const [name, id, expected] of columns) {
    it(`findColumns, ${name}: ${show(id)} → [${expected.join(", ")}]`, () => {
      expect(findColumns(dr1Object, id).map((c) => c.name)).to.deep.equal(expected);
    });
  }

  it("findSchemas follows the same rules", () => {
    expect(findSchemas(catalog, regular("dr2")).map((s) => s.name)).to.deep.equal(["DR2"]);
    expect(findSchemas(catalog, delimited("dr2"))).to.deep.equal([]);
  });
});

describe("suggestNames: did you mean", () => {
  const names = ["objectId", "coord_ra", "coord_dec", "g_psfFlux", "r_psfFlux", "detect_isPrimary"];
  const cases: Array<[string, string, string[]]> = [
    ["one letter wrong", "coord_rb", ["coord_ra"]],
    ["transposed letters", "ojbectId", ["objectId"]],
    ["other case (a delimited name in the wrong case)", "OBJECTID", ["objectId"]],
    ["closest first", "g_psfflx", ["g_psfFlux", "r_psfFlux"]],
    ["nothing close", "magnitude", []],
    ["short names allow one edit", "ra", []],
  ];
  for (const [name, input, expected] of cases) {
    it(`${name}: ${input} → [${expected.join(", ")}]`, () => {
      expect(suggestNames(input, names)).to.deep.equal(expected);
    });
  }

  const distances: Array<[string, string, number]> = [
    ["kitten", "sitting", 3],
    ["abcd", "abdc", 1],
    ["", "abc", 3],
    ["same", "same", 0],
  ];
  for (const [a, b, d] of distances) {
    it(`editDistance(${a || '""'}, ${b}) = ${d}`, () => expect(editDistance(a, b)).to.equal(d));
  }
});

describe("identifier quoting (ADQL 2.1 §2.1.5–2.1.6)", () => {
  const cases: Array<[string, boolean, string]> = [
    ["coord_ra", false, "coord_ra"],
    ["Object", false, "Object"],
    ["size", true, '"size"'],
    ["DISTANCE", true, '"DISTANCE"'],
    ["_chunkId", true, '"_chunkId"'],
    ["2mass_id", true, '"2mass_id"'],
    ['say "hi"', true, '"say ""hi"""'],
  ];
  for (const [name, needs, quoted] of cases) {
    it(`${name} → ${quoted}`, () => {
      expect(needsQuoting(name)).to.equal(needs);
      expect(quoteIdentifier(name)).to.equal(quoted);
    });
  }

  const splits: Array<[string, Identifier[] | undefined]> = [
    ["dp1.Object", [regular("dp1"), regular("Object")]],
    ['TAP_SCHEMA."size"', [regular("TAP_SCHEMA"), delimited("size")]],
    ['"a.b"."c""d"', [delimited("a.b"), delimited('c"d')]],
    ['"unterminated', undefined],
    ["a..b", undefined],
  ];
  for (const [text, expected] of splits) {
    it(`splitQualifiedName(${text})`, () => expect(splitQualifiedName(text)).to.deep.equal(expected));
  }
});

describe("schemaLookupFromFelis: Felis files as the compiler's SchemaLookup (analysis/schema.ts)", () => {
  it("gives tables with their columns' VOTable types and Qserv partitioning", () => {
    const lookup = schemaLookupFromFelis([EXAMPLE]);
    expect(lookup.tables.map((t) => [t.schema, t.name, t.columns.length, t.qserv])).to.deep.equal([
      ["demo", "Object", 9, { director: true, ra: "ra", dec: "dec", overlap: 0.01667, key: "objectId" }],
      ["demo", "Detection", 8, { director: false, ra: "ra", dec: "dec", key: "objectId", directorTable: { schema: "demo", name: "Object" } }],
    ]);
    expect(lookup.tables[0]!.columns[8]).to.deep.equal({
      name: "first_seen",
      datatype: "char",
      arraysize: "*",
      xtype: "timestamp",
      ucd: "time.epoch;obs",
      description: "Time (TAI) of the first detection.",
    });
  });
});

function show(id: Identifier): string {
  return id.delimited ? `"${id.name}"` : id.name;
}
