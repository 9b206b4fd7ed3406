import { expect } from "chai";
import { CatalogError, type CatalogErrorCode } from "./errors.js";
import { createCatalog, getTable, mergeCatalogs, toInput, type SchemaInput, type TableInput } from "./model.js";

const obj: TableInput = {
  name: "Object",
  primaryKey: ["id"],
  columns: [
    { name: "id", datatype: "long" },
    { name: "ra", datatype: "double" },
    { name: "dec", datatype: "double" },
  ],
  qserv: { director: true, raColumn: "ra", decColumn: "dec" },
};
const src = (extra: Partial<TableInput> = {}): TableInput => ({
  name: "Source",
  columns: [
    { name: "id", datatype: "long" },
    { name: "objectId", datatype: "long" },
  ],
  foreignKeys: [{ keyId: "src_obj", fromColumns: ["objectId"], targetTable: "Object", targetColumns: ["id"] }],
  qserv: { directorTable: "Object" },
  ...extra,
});
const schema = (...tables: TableInput[]): SchemaInput[] => [{ name: "s", tables }];

describe("createCatalog: Qserv match tables (Qserv's director_table2; case03's RefDeepSrcMatch)", () => {
  const ref: TableInput = { ...obj, name: "Ref", qserv: { director: true, raColumn: "ra", decColumn: "dec" } };
  const match = (q: TableInput["qserv"]): TableInput => ({
    name: "Match",
    columns: [{ name: "objectId", datatype: "long" }, { name: "refId", datatype: "long" }, { name: "flags", datatype: "int" }],
    qserv: q ?? null,
  });
  it("resolves both directors and their key columns, and survives toInput", () => {
    const c = createCatalog(schema(obj, ref, match({ directorTable: "Object", keyColumn: "objectId", directorTable2: "s.Ref", keyColumn2: "refId", flagColumn: "flags" })));
    const q = getTable(c, "s", "Match")!.qserv;
    expect(q).to.deep.equal({
      role: "match",
      directors: [
        { directorSchema: "s", directorTable: "Object", keyColumn: "objectId" },
        { directorSchema: "s", directorTable: "Ref", keyColumn: "refId" },
      ],
      flagColumn: "flags", raColumn: null, decColumn: null, keyColumn: null,
    });
    expect(getTable(createCatalog(c.schemas.map(toInput)), "s", "Match")!.qserv).to.deep.equal(q);
  });
  const bad: Array<[string, TableInput["qserv"], CatalogErrorCode]> = [
    ["without the second key column", { directorTable: "Object", keyColumn: "objectId", directorTable2: "Ref" }, "CATALOG_INVALID"],
    ["with a position of its own", { directorTable: "Object", keyColumn: "objectId", directorTable2: "Ref", keyColumn2: "refId", raColumn: "refId", decColumn: "refId" }, "CATALOG_INVALID"],
    ["with a key column that does not exist", { directorTable: "Object", keyColumn: "objectId", directorTable2: "Ref", keyColumn2: "nope" }, "CATALOG_UNKNOWN_REFERENCE"],
    ["with a second table that is not a director", { directorTable: "Object", keyColumn: "objectId", directorTable2: "Match", keyColumn2: "refId" }, "CATALOG_UNKNOWN_REFERENCE"],
  ];
  for (const [name, q, code] of bad) {
    it(`refuses a match table ${name}`, () => {
      try {
        createCatalog(schema(obj, ref, match(q)));
        expect.fail("no error");
      } catch (e) {
        expect(e).to.be.instanceOf(CatalogError);
        expect((e as CatalogError).code).to.equal(code);
      }
    });
  }
});

describe("createCatalog", () => {
  it("fills defaults: nullable except primary-key columns, flags false, nulls", () => {
    const c = createCatalog(schema(obj));
    expect(getTable(c, "s", "Object")!.columns[0]).to.deep.equal({
      name: "id", datatype: "long", arraysize: null, xtype: null, unit: null, ucd: null, utype: null, description: null,
      principal: false, indexed: false, std: false, nullable: false, columnIndex: null, sqlType: null,
    });
    expect(getTable(c, "s", "Object")!.columns[1]!.nullable).to.equal(true);
  });

  it("resolves a child's director key from its foreign key (qserv/README §c: director index)", () => {
    const c = createCatalog(schema(obj, src()));
    expect(getTable(c, "s", "Object")!.qserv).to.deep.equal({ role: "director", raColumn: "ra", decColumn: "dec", keyColumn: "id", overlap: null });
    expect(getTable(c, "s", "Source")!.qserv).to.deep.equal({
      role: "child", directorSchema: "s", directorTable: "Object", raColumn: null, decColumn: null, keyColumn: "objectId",
    });
  });

  const invalid: Array<[string, SchemaInput[], CatalogErrorCode]> = [
    ["two schemas with one name", [...schema(obj), ...schema()], "CATALOG_DUPLICATE_NAME"],
    ["two tables with one name", schema(obj, { ...obj, qserv: null }), "CATALOG_DUPLICATE_NAME"],
    ["a primary key on a missing column", schema({ ...obj, primaryKey: ["nope"] }), "CATALOG_UNKNOWN_REFERENCE"],
    ["a foreign key to a missing table", schema(obj, src({ foreignKeys: [{ keyId: "k", fromColumns: ["objectId"], targetTable: "Obj", targetColumns: ["id"] }] })), "CATALOG_UNKNOWN_REFERENCE"],
    ["a foreign key to a missing column", schema(obj, src({ foreignKeys: [{ keyId: "k", fromColumns: ["objectId"], targetTable: "Object", targetColumns: ["x"] }] })), "CATALOG_UNKNOWN_REFERENCE"],
    ["a foreign key with unequal column lists", schema(obj, src({ foreignKeys: [{ keyId: "k", fromColumns: ["objectId", "id"], targetTable: "Object", targetColumns: ["id"] }] })), "CATALOG_INVALID"],
    ["two foreign keys with one id", schema({ ...obj, foreignKeys: [{ keyId: "src_obj", fromColumns: ["id"], targetTable: "Object", targetColumns: ["id"] }] }, src()), "CATALOG_DUPLICATE_NAME"],
    ["a child of a table that is not a director", schema({ ...obj, qserv: null }, src()), "CATALOG_UNKNOWN_REFERENCE"],
    ["a table that is both director and child", schema(obj, src({ qserv: { director: true, directorTable: "Object", raColumn: "id", decColumn: "id" } })), "CATALOG_INVALID"],
    ["a datatype VOTable does not have", schema({ name: "T", columns: [{ name: "a", datatype: "varchar" as "char" }] }), "CATALOG_INVALID"],
  ];
  for (const [name, input, code] of invalid) {
    it(`refuses ${name} with ${code}`, () => {
      expect(() => createCatalog(input)).to.throw(CatalogError).with.property("code", code);
    });
  }

  it("mergeCatalogs checks the union again", () => {
    const a = createCatalog(schema(obj));
    expect(mergeCatalogs(a, createCatalog([{ name: "t", tables: [] }])).schemas.map((s) => s.name)).to.deep.equal(["s", "t"]);
    expect(() => mergeCatalogs(a, a)).to.throw(CatalogError).with.property("code", "CATALOG_DUPLICATE_NAME");
  });

  it("mergeCatalogs qualifies a key id that two schemas use with their schema names, and only such ids", () => {
    const one = createCatalog([{ name: "dp1", tables: [obj, src()] }]);
    const two = createCatalog([{ name: "dp2", tables: [obj, src({ foreignKeys: [{ keyId: "src_obj", fromColumns: ["objectId"], targetTable: "Object", targetColumns: ["id"] }] })] }]);
    const other = createCatalog([{ name: "dp3", tables: [obj, src({ foreignKeys: [{ keyId: "own_key", fromColumns: ["objectId"], targetTable: "Object", targetColumns: ["id"] }] })] }]);
    const merged = mergeCatalogs(one, two, other);
    expect(["dp1", "dp2", "dp3"].map((s) => getTable(merged, s, "Source")!.foreignKeys[0]!.keyId)).to.deep.equal(["dp1.src_obj", "dp2.src_obj", "own_key"]);
    // Alone, a schema keeps its ids as Felis names them.
    expect(getTable(mergeCatalogs(one), "dp1", "Source")!.foreignKeys[0]!.keyId).to.equal("src_obj");
  });
});
