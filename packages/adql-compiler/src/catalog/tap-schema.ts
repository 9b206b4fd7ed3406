/**
 * The catalog as TAP_SCHEMA rows (TAP 1.1 §4), and back, so that the server can serve
 * TAP_SCHEMA from a catalog, or build a catalog from an existing TAP_SCHEMA database.
 *
 * TAP_SCHEMA describes itself (TAP 1.1 §4: "the TAP_SCHEMA may be queried"), so tapSchemaRows
 * adds the TAP_SCHEMA schema, its five tables and the five foreign keys of TAP 1.1 §4.5 unless
 * the catalog has a TAP_SCHEMA already.
 *
 * What TAP_SCHEMA does not carry is lost on the way through it: nullability (read back as
 * nullable), primary keys, MySQL types and Qserv partitioning (give that again as options).
 */
import { CatalogError } from "./errors.js";
import { quoteIdentifier, splitQualifiedName } from "./identifiers.js";
import {
  createCatalog,
  getSchema,
  toInput,
  VOTABLE_DATATYPES,
  type Catalog,
  type ColumnInput,
  type QservInput,
  type SchemaInput,
  type TableInput,
  type VotableDatatype,
} from "./model.js";

export interface TapSchemaRows {
  readonly schemas: readonly SchemasRow[];
  readonly tables: readonly TablesRow[];
  readonly columns: readonly ColumnsRow[];
  readonly keys: readonly KeysRow[];
  readonly key_columns: readonly KeyColumnsRow[];
}

/** TAP 1.1 §4.1 */
export interface SchemasRow {
  readonly schema_name: string;
  readonly utype: string | null;
  readonly description: string | null;
  readonly schema_index: number | null;
}

/** TAP 1.1 §4.2 */
export interface TablesRow {
  readonly schema_name: string;
  readonly table_name: string;
  readonly table_type: "table" | "view";
  readonly utype: string | null;
  readonly description: string | null;
  readonly table_index: number | null;
}

/** TAP 1.1 §4.3; "size" is the TAP 1.0 column that must be queried as "size". */
export interface ColumnsRow {
  readonly table_name: string;
  readonly column_name: string;
  readonly datatype: string;
  readonly arraysize: string | null;
  readonly xtype: string | null;
  readonly size: number | null;
  readonly description: string | null;
  readonly utype: string | null;
  readonly unit: string | null;
  readonly ucd: string | null;
  readonly indexed: 0 | 1;
  readonly principal: 0 | 1;
  readonly std: 0 | 1;
  readonly column_index: number | null;
}

/** TAP 1.1 §4.4 */
export interface KeysRow {
  readonly key_id: string;
  readonly from_table: string;
  readonly target_table: string;
  readonly description: string | null;
  readonly utype: string | null;
}

/** TAP 1.1 §4.4 */
export interface KeyColumnsRow {
  readonly key_id: string;
  readonly from_column: string;
  readonly target_column: string;
}

export const TAP_SCHEMA_NAME = "TAP_SCHEMA";

const S = { datatype: "char", arraysize: "*", principal: true, std: true } as const;
const I = { datatype: "int", principal: true, std: true } as const;
const str = (name: string, description: string, nullable = true): ColumnInput => ({ ...S, name, description, nullable });
const int = (name: string, description: string, nullable = true): ColumnInput => ({ ...I, name, description, nullable });

/** The TAP_SCHEMA schema as TAP 1.1 §4 defines it (string columns as char(*), integers as int). */
export const TAP_SCHEMA_INPUT: SchemaInput = {
  name: TAP_SCHEMA_NAME,
  description: "Metadata of the tables that this service publishes (IVOA TAP 1.1 section 4)",
  schemaIndex: 100000,
  tables: [
    {
      name: "schemas",
      description: "The schemas of this service",
      tableIndex: 100000,
      primaryKey: ["schema_name"],
      columns: [
        str("schema_name", "Schema name, as used in queries", false),
        str("utype", "Schema utype"),
        str("description", "Description of the schema"),
        int("schema_index", "Recommended order of schemas in listings (ascending)"),
      ],
    },
    {
      name: "tables",
      description: "The tables of this service",
      tableIndex: 100001,
      primaryKey: ["table_name"],
      columns: [
        str("schema_name", "Name of the schema of the table", false),
        str("table_name", "Table name, qualified as it should be used in queries", false),
        str("table_type", "table or view", false),
        str("utype", "Table utype"),
        str("description", "Description of the table"),
        int("table_index", "Recommended order of tables in listings (ascending)"),
      ],
      foreignKeys: [
        { keyId: "TAP_SCHEMA.tables.schema_name", fromColumns: ["schema_name"], targetTable: "schemas", targetColumns: ["schema_name"] },
      ],
    },
    {
      name: "columns",
      description: "The columns of the tables of this service",
      tableIndex: 100002,
      primaryKey: ["table_name", "column_name"],
      columns: [
        str("table_name", "Name of the table of the column, as in tables.table_name", false),
        str("column_name", "Column name, as used in queries", false),
        str("datatype", "VOTable datatype of the column", false),
        str("arraysize", "VOTable arraysize of the column"),
        str("xtype", "VOTable xtype (DALI) of the column"),
        int("size", 'Length of a fixed or bounded array (TAP 1.0, deprecated); write it "size" in queries'),
        str("description", "Description of the column"),
        str("utype", "Column utype"),
        str("unit", "Unit of the column (VOUnits)"),
        str("ucd", "UCD of the column"),
        int("indexed", "1 if the column is indexed, else 0", false),
        int("principal", "1 if the column is a principal one, else 0", false),
        int("std", "1 if the column is defined by a standard, else 0", false),
        int("column_index", "Recommended order of columns in listings (ascending)"),
      ],
      foreignKeys: [
        { keyId: "TAP_SCHEMA.columns.table_name", fromColumns: ["table_name"], targetTable: "tables", targetColumns: ["table_name"] },
      ],
    },
    {
      name: "keys",
      description: "Foreign keys between the tables of this service",
      tableIndex: 100003,
      primaryKey: ["key_id"],
      columns: [
        str("key_id", "Key identifier, unique in this service", false),
        str("from_table", "Table that holds the foreign key, as in tables.table_name", false),
        str("target_table", "Table that the key refers to, as in tables.table_name", false),
        str("description", "Description of the key"),
        str("utype", "Key utype"),
      ],
      foreignKeys: [
        { keyId: "TAP_SCHEMA.keys.from_table", fromColumns: ["from_table"], targetTable: "tables", targetColumns: ["table_name"] },
        { keyId: "TAP_SCHEMA.keys.target_table", fromColumns: ["target_table"], targetTable: "tables", targetColumns: ["table_name"] },
      ],
    },
    {
      name: "key_columns",
      description: "The columns of the foreign keys",
      tableIndex: 100004,
      columns: [
        str("key_id", "Key identifier, as in keys.key_id", false),
        str("from_column", "Column of the key in from_table", false),
        str("target_column", "Column in target_table that from_column refers to", false),
      ],
      foreignKeys: [
        { keyId: "TAP_SCHEMA.key_columns.key_id", fromColumns: ["key_id"], targetTable: "keys", targetColumns: ["key_id"] },
      ],
    },
  ],
};

/** The catalog with the TAP_SCHEMA schema added, unless it has a schema of that name already. */
export function withTapSchema(catalog: Catalog): Catalog {
  if (getSchema(catalog, TAP_SCHEMA_NAME)) return catalog;
  return createCatalog([...catalog.schemas.map(toInput), TAP_SCHEMA_INPUT]);
}

/**
 * TAP_SCHEMA rows for the catalog (plus TAP_SCHEMA itself). Table names are qualified with
 * their schema, and names that ADQL must delimit are in double quotes, as TAP 1.1 §4.2–4.3
 * require ("size" becomes `"size"`).
 */
export function tapSchemaRows(catalog: Catalog): TapSchemaRows {
  const full = withTapSchema(catalog);
  const tableName = (schema: string, table: string) => `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
  const schemas: SchemasRow[] = [];
  const tables: TablesRow[] = [];
  const columns: ColumnsRow[] = [];
  const keys: KeysRow[] = [];
  const keyColumns: KeyColumnsRow[] = [];
  for (const s of full.schemas) {
    schemas.push({ schema_name: quoteIdentifier(s.name), utype: s.utype, description: s.description, schema_index: s.schemaIndex });
    for (const t of s.tables) {
      const qualified = tableName(s.name, t.name);
      tables.push({
        schema_name: quoteIdentifier(s.name),
        table_name: qualified,
        table_type: t.tableType,
        utype: t.utype,
        description: t.description,
        table_index: t.tableIndex,
      });
      for (const c of t.columns) {
        columns.push({
          table_name: qualified,
          column_name: quoteIdentifier(c.name),
          datatype: c.datatype,
          arraysize: c.arraysize,
          xtype: c.xtype,
          size: sizeOf(c.arraysize),
          description: c.description,
          utype: c.utype,
          unit: c.unit,
          ucd: c.ucd,
          indexed: c.indexed ? 1 : 0,
          principal: c.principal ? 1 : 0,
          std: c.std ? 1 : 0,
          column_index: c.columnIndex,
        });
      }
      for (const fk of t.foreignKeys) {
        keys.push({
          key_id: fk.keyId,
          from_table: qualified,
          target_table: tableName(fk.targetSchema, fk.targetTable),
          description: fk.description,
          utype: fk.utype,
        });
        fk.fromColumns.forEach((from, i) =>
          keyColumns.push({ key_id: fk.keyId, from_column: quoteIdentifier(from), target_column: quoteIdentifier(fk.targetColumns[i]!) }),
        );
      }
    }
  }
  return { schemas, tables, columns, keys, key_columns: keyColumns };
}

/**
 * TAP 1.1 §4.3: "size" is the integer in arraysize, ignoring a trailing "*"; null for no
 * arraysize, a bare "*" or a multi-dimensional array.
 */
function sizeOf(arraysize: string | null): number | null {
  const m = arraysize === null ? null : /^(\d+)\*?$/.exec(arraysize);
  return m ? Number(m[1]) : null;
}

/**
 * A row as a database driver may return it (numbers as strings or bigints, flags as booleans),
 * or as tapSchemaRows gives it. Typed as `object` so that both plain records and the row
 * interfaces above are accepted.
 */
export type LooseRow = object;

export interface LooseTapSchemaRows {
  readonly schemas: readonly LooseRow[];
  readonly tables: readonly LooseRow[];
  readonly columns: readonly LooseRow[];
  readonly keys?: readonly LooseRow[];
  readonly key_columns?: readonly LooseRow[];
}

export interface CatalogFromTapSchemaOptions {
  /** Qserv partitioning by table ("Object" or "schema.Object"), which TAP_SCHEMA cannot say. */
  readonly qserv?: Readonly<Record<string, QservInput>>;
}

/**
 * A catalog from TAP_SCHEMA rows (TAP 1.1 §4), as tapSchemaRows writes them or as a database
 * returns them. Table names may be qualified with the schema or not, and quoted where needed.
 *
 * @throws CatalogError TAP_SCHEMA_INVALID for a missing value or a row that refers to a table or
 *   key that is not there, or any error of createCatalog.
 */
export function catalogFromTapSchema(rows: LooseTapSchemaRows, options: CatalogFromTapSchemaOptions = {}): Catalog {
  const schemaInputs = new Map<string, { input: Omit<SchemaInput, "tables">; tables: TableInput[] }>();
  for (const [i, r] of rows.schemas.entries()) {
    const name = unquote(text(r, "schema_name", `schemas[${i}]`));
    schemaInputs.set(name, {
      input: { name, utype: opt(r, "utype"), description: opt(r, "description"), schemaIndex: optInt(r, "schema_index", `schemas[${i}]`) },
      tables: [],
    });
  }
  interface Pending {
    schema: string;
    name: string;
    table: Omit<TableInput, "columns" | "foreignKeys">;
    columns: ColumnInput[];
    foreignKeys: Array<{ keyId: string; target: string; description: string | null; utype: string | null; from: string[]; to: string[] }>;
  }
  const byTableName = new Map<string, Pending>();
  const pending: Pending[] = [];
  for (const [i, r] of rows.tables.entries()) {
    const where = `tables[${i}]`;
    const schema = unquote(text(r, "schema_name", where));
    const tableName = text(r, "table_name", where);
    if (!schemaInputs.has(schema)) fail(`${where}: schema ${schema} is not in TAP_SCHEMA.schemas`);
    const type = text(r, "table_type", where);
    if (type !== "table" && type !== "view") fail(`${where}: table_type must be table or view, not ${type}`);
    const p: Pending = {
      schema,
      name: unqualify(tableName, schema, where),
      table: {
        name: unqualify(tableName, schema, where),
        tableType: type,
        utype: opt(r, "utype"),
        description: opt(r, "description"),
        tableIndex: optInt(r, "table_index", where),
      },
      columns: [],
      foreignKeys: [],
    };
    if (byTableName.has(tableName)) fail(`${where}: table_name ${tableName} appears twice`);
    byTableName.set(tableName, p);
    pending.push(p);
  }
  const tableOf = (name: string, where: string) => byTableName.get(name) ?? fail(`${where}: no table ${name} in TAP_SCHEMA.tables`);
  for (const [i, r] of rows.columns.entries()) {
    const where = `columns[${i}]`;
    const datatype = text(r, "datatype", where);
    if (!VOTABLE_DATATYPES.includes(datatype as VotableDatatype)) fail(`${where}: ${datatype} is not a VOTable datatype`);
    tableOf(text(r, "table_name", where), where).columns.push({
      name: unquote(text(r, "column_name", where)),
      datatype: datatype as VotableDatatype,
      arraysize: opt(r, "arraysize"),
      xtype: opt(r, "xtype"),
      unit: opt(r, "unit"),
      ucd: opt(r, "ucd"),
      utype: opt(r, "utype"),
      description: opt(r, "description"),
      indexed: bool(r, "indexed", where),
      principal: bool(r, "principal", where),
      std: bool(r, "std", where),
      columnIndex: optInt(r, "column_index", where),
    });
  }
  const keysById = new Map<string, Pending["foreignKeys"][number]>();
  for (const [i, r] of (rows.keys ?? []).entries()) {
    const where = `keys[${i}]`;
    const keyId = text(r, "key_id", where);
    const fk = { keyId, target: text(r, "target_table", where), description: opt(r, "description"), utype: opt(r, "utype"), from: [], to: [] };
    tableOf(fk.target, where);
    tableOf(text(r, "from_table", where), where).foreignKeys.push(fk);
    if (keysById.has(keyId)) fail(`${where}: key_id ${keyId} appears twice`);
    keysById.set(keyId, fk);
  }
  for (const [i, r] of (rows.key_columns ?? []).entries()) {
    const where = `key_columns[${i}]`;
    const keyId = text(r, "key_id", where);
    const fk = keysById.get(keyId) ?? fail(`${where}: no key ${keyId} in TAP_SCHEMA.keys`);
    fk.from.push(unquote(text(r, "from_column", where)));
    fk.to.push(unquote(text(r, "target_column", where)));
  }
  for (const p of pending) {
    schemaInputs.get(p.schema)!.tables.push({
      ...p.table,
      columns: p.columns,
      foreignKeys: p.foreignKeys.map((fk) => {
        const target = byTableName.get(fk.target)!;
        return {
          keyId: fk.keyId,
          fromColumns: fk.from,
          targetSchema: target.schema,
          targetTable: target.name,
          targetColumns: fk.to,
          description: fk.description,
          utype: fk.utype,
        };
      }),
    });
  }
  const qserv = options.qserv ?? {};
  const used = new Set<string>();
  const schemas = [...schemaInputs.values()].map(({ input, tables }) => ({
    ...input,
    tables: tables.map((t) => {
      const key = [`${input.name}.${t.name}`, t.name].find((k) => Object.hasOwn(qserv, k));
      if (key === undefined) return t;
      used.add(key);
      return { ...t, qserv: qserv[key]! };
    }),
  }));
  const unknown = Object.keys(qserv).filter((k) => !used.has(k));
  if (unknown.length > 0) {
    throw new CatalogError("CATALOG_UNKNOWN_REFERENCE", `Qserv options for tables that do not exist: ${unknown.join(", ")}`);
  }
  return createCatalog(schemas);
}

function fail(message: string): never {
  throw new CatalogError("TAP_SCHEMA_INVALID", message);
}

function field(r: LooseRow, key: string): unknown {
  return (r as Readonly<Record<string, unknown>>)[key];
}

function text(r: LooseRow, key: string, where: string): string {
  const v = field(r, key);
  if (v === null || v === undefined || v === "") fail(`${where}: ${key} is required`);
  return String(v);
}

function opt(r: LooseRow, key: string): string | null {
  const v = field(r, key);
  return v === null || v === undefined || v === "" ? null : String(v);
}

function optInt(r: LooseRow, key: string, where: string): number | null {
  const v = field(r, key);
  if (v === null || v === undefined || v === "") return null;
  const n = Number(v);
  if (!Number.isInteger(n)) fail(`${where}: ${key} must be an integer, not ${String(v)}`);
  return n;
}

function bool(r: LooseRow, key: string, where: string): boolean {
  const v = field(r, key);
  if (v === true || v === 1 || v === 1n || v === "1") return true;
  if (v === false || v === 0 || v === 0n || v === "0") return false;
  return fail(`${where}: ${key} must be 0 or 1, not ${String(v)}`);
}

function unquote(name: string): string {
  const parts = splitQualifiedName(name);
  return parts?.length === 1 ? parts[0]!.name : name;
}

/** The table part of a table_name that may be qualified by its schema (TAP 1.1 §4.2). */
function unqualify(tableName: string, schema: string, where: string): string {
  const parts = splitQualifiedName(tableName) ?? fail(`${where}: table_name ${tableName} is not a valid name`);
  const last = parts[parts.length - 1]!;
  if (parts.length === 1) return last.name;
  const qualifier = parts[parts.length - 2]!;
  if (qualifier.name !== schema && !(qualifier.delimited === false && qualifier.name.toLowerCase() === schema.toLowerCase())) {
    fail(`${where}: table_name ${tableName} is not in schema ${schema}`);
  }
  return last.name;
}
