import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { CatalogError } from "./errors.js";
import { loadFelis } from "./felis.js";
import { createCatalog, getTable, toInput, type Catalog } from "./model.js";
import { catalogFromTapSchema, tapSchemaRows, withTapSchema, type LooseTapSchemaRows } from "./tap-schema.js";
import { dp02Catalog, dp1Catalog } from "../test-support/lsst-schemas.js";

const EXAMPLE = fileURLToPath(new URL("../../schemas/example.yaml", import.meta.url));

/** What survives TAP_SCHEMA: no nullability, primary keys, MySQL types or partitioning. */
function tapVisible(catalog: Catalog): Catalog {
  return createCatalog(
    catalog.schemas.map(toInput).map((s) => ({
      ...s,
      tables: s.tables.map((t) => ({
        ...t,
        primaryKey: [],
        qserv: null,
        columns: t.columns.map((c) => ({ ...c, nullable: true, sqlType: null })),
      })),
    })),
  );
}

describe("tapSchemaRows (TAP 1.1 §4)", () => {
  const rows = tapSchemaRows(loadFelis(EXAMPLE));

  it("lists the schemas, TAP_SCHEMA included (TAP 1.1 §4.1)", () => {
    expect(rows.schemas).to.deep.equal([
      { schema_name: "demo", utype: null, description: "A demo sky catalog of objects and their detections.", schema_index: 1 },
      {
        schema_name: "TAP_SCHEMA",
        utype: null,
        description: "Metadata of the tables that this service publishes (IVOA TAP 1.1 section 4)",
        schema_index: 100000,
      },
    ]);
  });

  it("lists tables qualified by schema (TAP 1.1 §4.2)", () => {
    expect(rows.tables.map((t) => [t.schema_name, t.table_name, t.table_type, t.table_index])).to.deep.equal([
      ["demo", "demo.Object", "table", 1],
      ["demo", "demo.Detection", "table", 2],
      ["TAP_SCHEMA", "TAP_SCHEMA.schemas", "table", 100000],
      ["TAP_SCHEMA", "TAP_SCHEMA.tables", "table", 100001],
      ["TAP_SCHEMA", "TAP_SCHEMA.columns", "table", 100002],
      ["TAP_SCHEMA", "TAP_SCHEMA.keys", "table", 100003],
      ["TAP_SCHEMA", "TAP_SCHEMA.key_columns", "table", 100004],
    ]);
  });

  it('gives a varchar(32) column datatype char, arraysize 32*, "size" 32 (TAP 1.1 §4.3)', () => {
    expect(rows.columns.find((c) => c.table_name === "demo.Object" && c.column_name === "name")).to.deep.equal({
      table_name: "demo.Object",
      column_name: "name",
      datatype: "char",
      arraysize: "32*",
      xtype: null,
      size: 32,
      description: "Catalog designation, when the object has one.",
      utype: null,
      unit: null,
      ucd: "meta.id",
      indexed: 1,
      principal: 1,
      std: 0,
      column_index: 4,
    });
  });

  const sizes: Array<[string, string, string | null, number | null]> = [
    ["scalar numeric: arraysize and size null", "ra", null, null],
    ["variable length without bound: size null", "first_seen", "*", null],
  ];
  for (const [name, column, arraysize, size] of sizes) {
    it(`${name} (TAP 1.1 §4.3)`, () => {
      const row = rows.columns.find((c) => c.table_name === "demo.Object" && c.column_name === column)!;
      expect([row.arraysize, row.size]).to.deep.equal([arraysize, size]);
    });
  }

  it('describes TAP_SCHEMA itself with every column of TAP 1.1 §4.1–4.4, "size" quoted', () => {
    const columnsOf = (t: string) => rows.columns.filter((c) => c.table_name === `TAP_SCHEMA.${t}`).map((c) => c.column_name);
    expect(columnsOf("schemas")).to.deep.equal(["schema_name", "utype", "description", "schema_index"]);
    expect(columnsOf("tables")).to.deep.equal(["schema_name", "table_name", "table_type", "utype", "description", "table_index"]);
    expect(columnsOf("columns")).to.deep.equal([
      "table_name", "column_name", "datatype", "arraysize", "xtype", '"size"', "description", "utype", "unit", "ucd",
      "indexed", "principal", "std", "column_index",
    ]);
    expect(columnsOf("keys")).to.deep.equal(["key_id", "from_table", "target_table", "description", "utype"]);
    expect(columnsOf("key_columns")).to.deep.equal(["key_id", "from_column", "target_column"]);
  });

  it("has the foreign keys of the catalog and the five of TAP 1.1 §4.5", () => {
    expect(rows.keys.map((k) => [k.key_id, k.from_table, k.target_table])).to.deep.equal([
      ["fk_Detection_Object", "demo.Detection", "demo.Object"],
      ["TAP_SCHEMA.tables.schema_name", "TAP_SCHEMA.tables", "TAP_SCHEMA.schemas"],
      ["TAP_SCHEMA.columns.table_name", "TAP_SCHEMA.columns", "TAP_SCHEMA.tables"],
      ["TAP_SCHEMA.keys.from_table", "TAP_SCHEMA.keys", "TAP_SCHEMA.tables"],
      ["TAP_SCHEMA.keys.target_table", "TAP_SCHEMA.keys", "TAP_SCHEMA.tables"],
      ["TAP_SCHEMA.key_columns.key_id", "TAP_SCHEMA.key_columns", "TAP_SCHEMA.keys"],
    ]);
    expect(rows.key_columns[0]).to.deep.equal({ key_id: "fk_Detection_Object", from_column: "objectId", target_column: "objectId" });
  });

  it("satisfies its own foreign keys (TAP 1.1 §4.5)", () => {
    for (const r of [loadFelis(EXAMPLE), dp1Catalog()].map(tapSchemaRows)) {
      const schemas = new Set(r.schemas.map((s) => s.schema_name));
      const tables = new Set(r.tables.map((t) => t.table_name));
      const keys = new Set(r.keys.map((k) => k.key_id));
      const columns = new Set(r.columns.map((c) => `${c.table_name} ${c.column_name}`));
      expect(r.tables.every((t) => schemas.has(t.schema_name))).to.equal(true);
      expect(r.columns.every((c) => tables.has(c.table_name))).to.equal(true);
      expect(r.keys.every((k) => tables.has(k.from_table) && tables.has(k.target_table))).to.equal(true);
      expect(r.key_columns.every((k) => keys.has(k.key_id))).to.equal(true);
      for (const k of r.key_columns) {
        const key = r.keys.find((x) => x.key_id === k.key_id)!;
        expect(columns.has(`${key.from_table} ${k.from_column}`) && columns.has(`${key.target_table} ${k.target_column}`)).to.equal(true);
      }
      expect(tables.size).to.equal(r.tables.length);
      expect(columns.size).to.equal(r.columns.length);
    }
  });

  it("quotes table and column names that ADQL must delimit (TAP 1.1 §4.2, §4.3)", () => {
    const r = tapSchemaRows(
      createCatalog([{ name: "my schema", tables: [{ name: "select", columns: [{ name: "size", datatype: "int" }, { name: "_x", datatype: "int" }] }] }]),
    );
    expect(r.tables[0]).to.include({ schema_name: '"my schema"', table_name: '"my schema"."select"' });
    expect(r.columns.slice(0, 2).map((c) => c.column_name)).to.deep.equal(['"size"', '"_x"']);
  });
});

describe("catalog → TAP_SCHEMA rows → catalog", function () {
  this.timeout(10_000);
  const sources: Array<[string, () => Catalog]> = [
    ["schemas/example.yaml", () => loadFelis(EXAMPLE)],
    ["shared/felis/dp02_dc2.yaml", dp02Catalog],
    ["shared/felis/dp1.yaml", dp1Catalog],
  ];
  for (const [name, load] of sources) {
    it(`${name}: keeps everything TAP_SCHEMA carries, and rows → catalog → rows is the identity`, () => {
      const catalog = load();
      const rows = tapSchemaRows(catalog);
      const back = catalogFromTapSchema(rows);
      expect(back).to.deep.equal(tapVisible(withTapSchema(catalog)));
      expect(tapSchemaRows(back)).to.deep.equal(rows);
    });
  }

  it("gets the Qserv partitioning back from options (with the director key: TAP_SCHEMA has no primary keys)", () => {
    const back = catalogFromTapSchema(tapSchemaRows(loadFelis(EXAMPLE)), {
      qserv: {
        Object: { director: true, raColumn: "ra", decColumn: "dec", keyColumn: "objectId" },
        "demo.Detection": { directorTable: "Object" },
      },
    });
    expect(getTable(back, "demo", "Detection")!.qserv).to.deep.include({ role: "child", directorTable: "Object", keyColumn: "objectId" });
  });
});

describe("catalogFromTapSchema on rows as a database returns them", () => {
  const rows: LooseTapSchemaRows = {
    schemas: [{ schema_name: "ivoa", utype: null, description: "IVOA standard tables", schema_index: "2" }],
    tables: [
      { schema_name: "ivoa", table_name: "ObsCore", table_type: "view", utype: "ivo://ivoa.net/std/ObsCore#table-1.1", description: "", table_index: 7n },
    ],
    columns: [
      { table_name: "ObsCore", column_name: "s_ra", datatype: "double", arraysize: null, xtype: null, "size": null, unit: "deg", ucd: "pos.eq.ra", indexed: "1", principal: true, std: 1n, column_index: "3" },
      { table_name: "ObsCore", column_name: '"size"', datatype: "char", arraysize: "16*", "size": 16, indexed: 0, principal: 0, std: 0 },
    ],
  };

  it("accepts unqualified table names, numbers as strings or bigints, flags as booleans, and unquotes names", () => {
    const c = catalogFromTapSchema(rows);
    const t = getTable(c, "ivoa", "ObsCore")!;
    expect([t.tableType, t.tableIndex, t.description, t.utype]).to.deep.equal(["view", 7, null, "ivo://ivoa.net/std/ObsCore#table-1.1"]);
    expect(t.columns.map((x) => [x.name, x.indexed, x.principal, x.std, x.columnIndex, x.arraysize])).to.deep.equal([
      ["s_ra", true, true, true, 3, null],
      ["size", false, false, false, null, "16*"],
    ]);
    expect(c.schemas[0]!.schemaIndex).to.equal(2);
  });

  const broken: Array<[string, LooseTapSchemaRows, RegExp]> = [
    ["a column of a table not in TAP_SCHEMA.tables", { ...rows, columns: [{ ...rows.columns[0]!, table_name: "nope" }] }, /no table nope/],
    ["a table of a schema not in TAP_SCHEMA.schemas", { ...rows, tables: [{ ...rows.tables[0]!, schema_name: "x" }] }, /schema x/],
    ["table_type other than table or view", { ...rows, tables: [{ ...rows.tables[0]!, table_type: "matview" }] }, /table_type/],
    ["a flag that is not 0 or 1", { ...rows, columns: [{ ...rows.columns[0]!, indexed: 2 }] }, /indexed must be 0 or 1/],
    ["a datatype VOTable does not have", { ...rows, columns: [{ ...rows.columns[0]!, datatype: "varchar" }] }, /not a VOTable datatype/],
    ["key_columns of an unknown key", { ...rows, key_columns: [{ key_id: "k", from_column: "a", target_column: "b" }] }, /no key k/],
    ["a table qualified by another schema", { ...rows, tables: [{ ...rows.tables[0]!, table_name: "other.ObsCore" }] }, /not in schema ivoa/],
  ];
  for (const [name, input, message] of broken) {
    it(`refuses ${name} (TAP_SCHEMA_INVALID)`, () => {
      expect(() => catalogFromTapSchema(input))
        .to.throw(CatalogError)
        .that.satisfies((e: CatalogError) => e.code === "TAP_SCHEMA_INVALID" && message.test(e.message));
    });
  }
});
