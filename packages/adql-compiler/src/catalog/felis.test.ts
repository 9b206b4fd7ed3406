import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { CatalogError } from "./errors.js";
import { loadFelis } from "./felis.js";
import { getTable, type Catalog, type Column } from "./model.js";
// Real LSST schemas from lsst/sdm_schemas, in the shared reference material (shared/README.md), each read once per
// process (tap-schema.test.ts reads them too).
import { dp02Catalog, DP02_PATH, dp1Catalog } from "../test-support/lsst-schemas.js";

const EXAMPLE = fileURLToPath(new URL("../../schemas/example.yaml", import.meta.url));

function column(catalog: Catalog, schema: string, table: string, name: string): Column {
  const c = getTable(catalog, schema, table)?.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${schema}.${table}.${name}`);
  return c;
}

describe("loadFelis on the real LSST schemas (shared/felis)", function () {
  this.timeout(10_000);
  let dp02: Catalog;
  let dp1: Catalog;
  before(() => {
    dp02 = dp02Catalog();
    dp1 = dp1Catalog();
  });

  const counts: Array<[string, () => Catalog, string, number, number]> = [
    ["dp02_dc2.yaml", () => dp02, "dp02_dc2_catalogs", 12, 1534],
    ["dp1.yaml", () => dp1, "dp1", 12, 1838],
  ];
  for (const [file, catalog, schema, tables, columns] of counts) {
    it(`${file}: schema ${schema} with ${tables} tables and ${columns} columns`, () => {
      const c = catalog();
      expect(c.schemas.map((s) => s.name)).to.deep.equal([schema]);
      expect(c.schemas[0]!.tables).to.have.length(tables);
      expect(c.schemas[0]!.tables.reduce((n, t) => n + t.columns.length, 0)).to.equal(columns);
    });
  }

  // Expected values follow Felis's mapping (felis docs datatypes.rst; datamodel.py arraysize defaults).
  const properties: Array<[string, () => Catalog, string, string, string, Partial<Column>]> = [
    ["double with fits:tunit and UCD", () => dp02, "dp02_dc2_catalogs", "Object", "coord_ra", {
      datatype: "double", arraysize: null, unit: "deg", ucd: "pos.eq.ra;meta.main", nullable: true, sqlType: "DOUBLE",
    }],
    ["primary key column: indexed and NOT NULL", () => dp02, "dp02_dc2_catalogs", "Object", "objectId", {
      datatype: "long", indexed: true, nullable: false, ucd: "meta.id;src;meta.main",
    }],
    ["char(1) with an explicit votable:arraysize \"*\"", () => dp02, "dp02_dc2_catalogs", "Object", "refBand", {
      datatype: "char", arraysize: "*", sqlType: "CHAR(1)",
    }],
    ["timestamp: char, arraysize *, xtype timestamp, DATETIME(precision)", () => dp02, "dp02_dc2_catalogs", "Visit", "expMidpt", {
      datatype: "char", arraysize: "*", xtype: "timestamp", sqlType: "DATETIME(6)", principal: false, columnIndex: 6,
    }],
    ["string(512): char, arraysize 512*", () => dp02, "dp02_dc2_catalogs", "CoaddPatches", "s_region", {
      datatype: "char", arraysize: "512*", sqlType: "VARCHAR(512)",
    }],
    ["text with votable:xtype clob", () => dp02, "dp02_dc2_catalogs", "ObsCore", "access_url", {
      datatype: "char", arraysize: "*", xtype: "clob", sqlType: "LONGTEXT",
    }],
    ["ObsCore column with tap:std, utype and explicit nullable", () => dp02, "dp02_dc2_catalogs", "ObsCore", "dataproduct_subtype", {
      std: true, principal: true, utype: "ObsDataset.dataProductSubtype", nullable: true, columnIndex: 20, arraysize: "64*",
    }],
    ["ivoa:unit, no @id", () => dp1, "dp1", "Object", "z_ra", { datatype: "double", unit: "deg", ucd: "pos.eq.ra" }],
    ["char(9) with votable:arraysize '9'", () => dp1, "dp1", "Source", "physical_filter", { datatype: "char", arraysize: "9" }],
    ["column alone in an index is indexed", () => dp1, "dp1", "CcdVisit", "visitId", { indexed: true, nullable: false }],
    ["second column of a composite key is not indexed", () => dp1, "dp1", "CcdVisit", "detector", { indexed: false, nullable: false }],
    ["timestamp with explicit votable:xtype", () => dp1, "dp1", "Visit", "obsStart", { datatype: "char", arraysize: "*", xtype: "timestamp" }],
  ];
  for (const [name, catalog, schema, table, col, expected] of properties) {
    it(`${name}: ${table}.${col}`, () => {
      const c = column(catalog(), schema, table, col);
      for (const [k, v] of Object.entries(expected)) expect(c[k as keyof Column], k).to.deep.equal(v);
    });
  }

  it("reads composite primary keys and foreign keys (dp1 CcdVisit, dp02 Source)", () => {
    expect(getTable(dp1, "dp1", "CcdVisit")!.primaryKey).to.deep.equal(["visitId", "detector"]);
    expect(getTable(dp02, "dp02_dc2_catalogs", "Source")!.foreignKeys).to.deep.equal([
      {
        keyId: "CcdV_Src",
        fromColumns: ["ccdVisitId"],
        targetSchema: "dp02_dc2_catalogs",
        targetTable: "CcdVisit",
        targetColumns: ["ccdVisitId"],
        description: "Link CCD-level images to associated Sources",
        utype: null,
      },
    ]);
  });

  it("marks directors by option, as Felis has no field for it (Object on coord_ra/coord_dec, Source a child)", () => {
    const c = loadFelis(DP02_PATH, {
      qserv: {
        Object: { director: true, raColumn: "coord_ra", decColumn: "coord_dec" },
        "dp02_dc2_catalogs.ForcedSource": { directorTable: "Object" },
      },
    });
    expect(getTable(c, "dp02_dc2_catalogs", "Object")!.qserv).to.deep.equal({
      role: "director", raColumn: "coord_ra", decColumn: "coord_dec", keyColumn: "objectId", overlap: null,
    });
    // The director key of the child comes from its foreign key Obj_FS to Object.objectId.
    expect(getTable(c, "dp02_dc2_catalogs", "ForcedSource")!.qserv).to.deep.equal({
      role: "child", directorSchema: "dp02_dc2_catalogs", directorTable: "Object", raColumn: null, decColumn: null, keyColumn: "objectId",
    });
  });
});

describe("loadFelis on schemas/example.yaml", () => {
  const example = loadFelis(EXAMPLE);

  it("has one schema with Object (director) and Detection (child)", () => {
    expect(example.schemas.map((s) => [s.name, s.schemaIndex, s.tables.map((t) => t.name)])).to.deep.equal([
      ["demo", 1, ["Object", "Detection"]],
    ]);
    expect(getTable(example, "demo", "Object")!.qserv).to.deep.equal({
      role: "director", raColumn: "ra", decColumn: "dec", keyColumn: "objectId", overlap: 0.01667,
    });
    expect(getTable(example, "demo", "Detection")!.qserv).to.deep.equal({
      role: "child", directorSchema: "demo", directorTable: "Object", raColumn: "ra", decColumn: "dec", keyColumn: "objectId",
    });
  });

  const columns: Array<[string, string, Partial<Column>]> = [
    ["Object", "g_mag", { datatype: "float", nullable: true, unit: "mag", principal: true }],
    ["Object", "flags", { datatype: "int", nullable: false }],
    ["Object", "is_variable", { datatype: "boolean", sqlType: "BOOLEAN" }],
    ["Object", "first_seen", { datatype: "char", arraysize: "*", xtype: "timestamp", sqlType: "DATETIME(3)" }],
    ["Object", "name", { datatype: "char", arraysize: "32*", indexed: true, sqlType: "VARCHAR(32)" }],
    ["Detection", "band", { datatype: "char", arraysize: null, sqlType: "CHAR(1)" }],
    ["Detection", "objectId", { indexed: true, nullable: false }],
  ];
  for (const [table, name, expected] of columns) {
    it(`${table}.${name}`, () => {
      const c = column(example, "demo", table, name);
      for (const [k, v] of Object.entries(expected)) expect(c[k as keyof Column], k).to.deep.equal(v);
    });
  }

  it("is frozen", () => {
    const t = getTable(example, "demo", "Object")!;
    expect(Object.isFrozen(t)).to.equal(true);
    expect(Object.isFrozen(t.columns)).to.equal(true);
    expect(Object.isFrozen(t.columns[0])).to.equal(true);
  });
});

describe("loadFelis refuses what Felis refuses", () => {
  const table = (columns: string, extra = "") =>
    `name: s\ntables:\n- name: T\n  "@id": "#T"\n${extra}  columns:\n${columns}`;
  const col = (name: string, datatype = "double", extra = "") =>
    `  - name: ${name}\n    "@id": "#T.${name}"\n    datatype: ${datatype}\n${extra}`;
  const cases: Array<[string, string, string, RegExp]> = [
    ["not YAML", "name: [unclosed\n", "FELIS_INVALID", /Felis YAML/],
    ["a column without datatype", table(`  - name: a\n`), "FELIS_INVALID", /tables\[0\]\(T\)\.columns\[0\]\(a\): missing "datatype"/],
    ["an unknown Felis datatype", table(col("a", "decimal")), "FELIS_INVALID", /unknown Felis datatype "decimal"/],
    ["a bad votable:datatype", table(col("a", "byte", "    votable:datatype: int8\n")), "FELIS_INVALID", /not a VOTable datatype/],
    ["a primary key that is not a column", table(col("a"), '  primaryKey: "#T.b"\n'), "FELIS_INVALID", /#T.b is not a column of T/],
    ["two columns with one name", table(col("a") + `  - name: a\n    "@id": "#T.a2"\n    datatype: int\n`), "CATALOG_DUPLICATE_NAME", /duplicate column/],
    ["two objects with one @id", table(col("a") + `  - name: b\n    "@id": "#T.a"\n    datatype: int\n`), "FELIS_INVALID", /duplicate @id #T.a/],
    ["qserv keys without director", table(col("a"), "  qserv:ra_column: a\n"), "FELIS_INVALID", /need qserv:director/],
    ["a director without its Dec column", table(col("a"), "  qserv:director: true\n  qserv:ra_column: a\n"), "CATALOG_INVALID", /RA and Dec/],
    ["a director on a missing column", table(col("a"), "  qserv:director: true\n  qserv:ra_column: a\n  qserv:dec_column: d\n"), "CATALOG_UNKNOWN_REFERENCE", /no column d/],
  ];
  for (const [name, yaml, code, message] of cases) {
    it(`${name} → ${code}`, () => {
      expect(() => loadFelis(yaml))
        .to.throw(CatalogError)
        .that.satisfies((e: CatalogError) => e.code === code && message.test(e.message));
    });
  }

  it("refuses Qserv options for a table that does not exist (a typo would go unnoticed)", () => {
    expect(() => loadFelis(EXAMPLE, { qserv: { Objet: { director: true, raColumn: "ra", decColumn: "dec" } } }))
      .to.throw(CatalogError)
      .with.property("code", "CATALOG_UNKNOWN_REFERENCE");
  });

  it("reads a path when the argument has no newline, YAML text when it has one", () => {
    expect(() => loadFelis("/nonexistent/schema.yaml")).to.throw(/ENOENT/);
    expect(loadFelis("name: s\ntables: []\n").schemas[0]!.name).to.equal("s");
  });
});
