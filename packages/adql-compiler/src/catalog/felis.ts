/**
 * Loading a catalog from Felis YAML, the format that LSST's schemas (lsst/sdm_schemas) and their
 * TAP_SCHEMA are written in.
 *
 * Felis datatype → VOTable datatype, arraysize and MySQL type. The VOTable and MySQL columns are
 * Felis's own table (felis docs/user-guide/datatypes.rst, "Data Type Mappings"); the arraysize
 * defaults are Felis's rule (felis datamodel.py, Column.check_votable_arraysize): only when the
 * file gives no `votable:arraysize`, and never "1" (VOTable 1.4 deprecates arraysize="1").
 *
 *   Felis      VOTable       arraysize (length N)       MySQL
 *   boolean    boolean       -                          BOOLEAN
 *   byte       unsignedByte  -                          TINYINT
 *   short      short         -                          SMALLINT
 *   int        int           -                          INTEGER
 *   long       long          -                          BIGINT
 *   float      float         -                          FLOAT
 *   double     double        -                          DOUBLE
 *   char       char          N if N > 1                 CHAR(N)
 *   string     char          N* if N > 1                VARCHAR(N)
 *   unicode    unicodeChar   N* if N > 1                NVARCHAR(N)
 *   text       char          * (if no length)           LONGTEXT
 *   binary     unsignedByte  N* if N > 1                LONGBLOB
 *   timestamp  char          *                          DATETIME, DATETIME(precision)
 *
 * `votable:datatype` overrides the VOTable type (Felis recommends `short` for a signed `byte`),
 * `votable:xtype` the xtype and `mysql:datatype` the MySQL type. One addition of ours: a Felis
 * timestamp without `votable:xtype` gets xtype "timestamp", because DALI 1.1 §3.3.3 says a
 * timestamp in a VOTable carries it (Felis leaves it empty unless the file says so).
 *
 * Also read: `ivoa:unit` or `fits:tunit`, `ivoa:ucd`, `votable:utype`, `description`,
 * `tap:principal`, `tap:std`, `tap:column_index`, `tap:table_index`, `tap:schema_index`,
 * `nullable` (default true, but false for primary-key columns), `primaryKey`, `indexes` (a
 * column is indexed if it is the primary key or alone in an index, as Felis fills
 * TAP_SCHEMA.columns.indexed) and `constraints` of `@type: ForeignKey` (the key id is the
 * constraint's name). Objects without `@id` get Felis's generated ids, `#Table` and
 * `#Table.column`.
 *
 * Qserv partitioning has no Felis field, so we read these keys on a table (and LoadFelisOptions
 * can set or override them per table):
 *
 *   qserv:director: true          this table is a Qserv director table
 *   qserv:ra_column: coord_ra     its partitioning longitude column (a child's, if it has one)
 *   qserv:dec_column: coord_dec   its partitioning latitude column
 *   qserv:director_key: objectId  the director key column (default: the single-column primary
 *                                 key; for a child, its single-column foreign key to the director)
 *   qserv:overlap: 0.01667        the partition overlap in degrees (directors)
 *   qserv:director_table: Object  this table is a child of that director ("schema.Object" for
 *                                 one in another schema)
 *   qserv:director_table2: Source a match table (with qserv:director_table): its rows pair rows
 *                                 of the two directors (Qserv's ingest keys director_table2)
 *   qserv:director_key2: srcId    the match table's column for the second director's key
 *                                 (qserv:director_key is the first's; both are required)
 *   qserv:flag_column: flags      the match table's flag column (Qserv's `flag`)
 */
import { readFileSync } from "node:fs";
import { CORE_SCHEMA, loadAll, YAMLException } from "js-yaml";
import { CatalogError } from "./errors.js";
import {
  createCatalog,
  VOTABLE_DATATYPES,
  type Catalog,
  type ColumnInput,
  type ForeignKeyInput,
  type QservInput,
  type Schema,
  type SchemaInput,
  type Table,
  type TableInput,
  type VotableDatatype,
} from "./model.js";

export interface LoadFelisOptions {
  /**
   * Qserv partitioning by table name ("Object", or "schema.Object" when several schemas share a
   * table name). An entry replaces the table's qserv:* keys; naming a table that does not exist
   * is an error, so that a typo is not silently ignored.
   */
  readonly qserv?: Readonly<Record<string, QservInput>>;
}

const FELIS_TYPES: Readonly<Record<string, { votable: VotableDatatype; mysql: string }>> = {
  boolean: { votable: "boolean", mysql: "BOOLEAN" },
  byte: { votable: "unsignedByte", mysql: "TINYINT" },
  short: { votable: "short", mysql: "SMALLINT" },
  int: { votable: "int", mysql: "INTEGER" },
  long: { votable: "long", mysql: "BIGINT" },
  float: { votable: "float", mysql: "FLOAT" },
  double: { votable: "double", mysql: "DOUBLE" },
  char: { votable: "char", mysql: "CHAR" },
  string: { votable: "char", mysql: "VARCHAR" },
  unicode: { votable: "unicodeChar", mysql: "NVARCHAR" },
  text: { votable: "char", mysql: "LONGTEXT" },
  binary: { votable: "unsignedByte", mysql: "LONGBLOB" },
  timestamp: { votable: "char", mysql: "DATETIME" },
};

/**
 * A catalog from Felis YAML: the text itself if it contains a newline, else the path of a file.
 * A file may hold several YAML documents, one schema each.
 *
 * @throws CatalogError FELIS_INVALID for YAML or Felis errors (the message gives the place), or
 *   any error of createCatalog.
 */
export function loadFelis(yamlTextOrPath: string, options: LoadFelisOptions = {}): Catalog {
  const isText = yamlTextOrPath.includes("\n");
  const text = isText ? yamlTextOrPath : readFileSync(yamlTextOrPath, "utf8");
  const source = isText ? "Felis YAML" : yamlTextOrPath;
  const schemas: SchemaInput[] = [];
  for (const value of readYaml(text, source)) {
    if (value === null || value === undefined) continue;
    schemas.push(readSchema(value, new Where(source)));
  }
  if (schemas.length === 0) throw new CatalogError("FELIS_INVALID", `${source}: no schema`);
  return createCatalog(applyQservOptions(schemas, options.qserv ?? {}));
}

/**
 * The documents of a YAML file, read with YAML 1.2's core schema (as Felis's own reader does: a date stays a string).
 * A syntax error is reported with its line and column and the lines around it.
 */
function readYaml(text: string, source: string): unknown[] {
  try {
    return loadAll(text, undefined, { schema: CORE_SCHEMA });
  } catch (e) {
    if (e instanceof YAMLException) throw new CatalogError("FELIS_INVALID", `${source}: ${e.message}`);
    throw e;
  }
}

/** Where in the file a value is, for messages: `dp1.yaml: tables[3](Source).columns[7](ra)`. */
class Where {
  constructor(
    private readonly source: string,
    private readonly path = "",
  ) {}
  at(step: string): Where {
    const sep = this.path === "" || step.startsWith("[") || step.startsWith("(") ? "" : ".";
    return new Where(this.source, `${this.path}${sep}${step}`);
  }
  fail(message: string): never {
    throw new CatalogError("FELIS_INVALID", `${this.source}: ${this.path ? `${this.path}: ` : ""}${message}`);
  }
}

/** A Felis object (a table, a column, a constraint) as YAML or JSON would hold it. */
export type FelisObject = Record<string, unknown>;
type Obj = FelisObject;

function object(v: unknown, where: Where): Obj {
  if (v === null || typeof v !== "object" || Array.isArray(v)) where.fail("expected a mapping");
  return v as Obj;
}

function list(v: unknown, where: Where): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) where.fail("expected a list");
  return v;
}

function str(o: Obj, key: string, where: Where): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v.trim() === "" ? null : v.trim();
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return where.at(key).fail("expected a string");
}

function requiredStr(o: Obj, key: string, where: Where): string {
  return str(o, key, where) ?? where.fail(`missing "${key}"`);
}

function int(o: Obj, key: string, where: Where): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isInteger(v)) return where.at(key).fail("expected an integer");
  return v;
}

function flag(o: Obj, key: string, where: Where): boolean | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (v === true || v === 1) return true;
  if (v === false || v === 0) return false;
  return where.at(key).fail("expected 0, 1, true or false");
}

function readSchema(value: unknown, where: Where): SchemaInput {
  const o = object(value, where);
  const name = requiredStr(o, "name", where);
  const tablesWhere = where.at("tables");
  const raw = list(o.tables, tablesWhere).map((t, i) => {
    const tw = tablesWhere.at(`[${i}]`);
    const to = object(t, tw);
    return { o: to, where: tw.at(`(${requiredStr(to, "name", tw)})`) };
  });
  // Ids are global to the schema: keys and indexes refer to columns by id.
  const columnsById = new Map<string, { table: string; column: string }>();
  for (const { o: t, where: tw } of raw) {
    const tableName = requiredStr(t, "name", tw);
    list(t.columns, tw.at("columns")).forEach((c, j) => {
      const cw = tw.at(`columns[${j}]`);
      const co = object(c, cw);
      const columnName = requiredStr(co, "name", cw);
      const id = str(co, "@id", cw) ?? `#${tableName}.${columnName}`;
      if (columnsById.has(id)) cw.fail(`duplicate @id ${id}`);
      columnsById.set(id, { table: tableName, column: columnName });
    });
  }
  return {
    name,
    description: str(o, "description", where),
    utype: str(o, "votable:utype", where),
    schemaIndex: int(o, "tap:schema_index", where),
    tables: raw.map(({ o: t, where: tw }) => readTable(t, tw, columnsById)),
  };
}

function readTable(t: Obj, where: Where, columnsById: Map<string, { table: string; column: string }>): TableInput {
  const name = requiredStr(t, "name", where);
  const ownColumn = (id: unknown, w: Where): string => {
    const ref = typeof id === "string" ? columnsById.get(id) : undefined;
    if (!ref || ref.table !== name) w.fail(`${String(id)} is not a column of ${name}`);
    return ref.column;
  };
  const pkRaw = t.primaryKey;
  const pkWhere = where.at("primaryKey");
  const primaryKey = (pkRaw === undefined || pkRaw === null ? [] : Array.isArray(pkRaw) ? pkRaw : [pkRaw]).map((id) =>
    ownColumn(id, pkWhere),
  );
  const singleIndexed = new Set<string>(primaryKey.length === 1 ? primaryKey : []);
  list(t.indexes, where.at("indexes")).forEach((ix, i) => {
    const iw = where.at(`indexes[${i}]`);
    const cols = list(object(ix, iw).columns, iw.at("columns"));
    if (cols.length === 1) singleIndexed.add(ownColumn(cols[0], iw.at("columns")));
  });
  const foreignKeys: ForeignKeyInput[] = [];
  list(t.constraints, where.at("constraints")).forEach((k, i) => {
    const kw = where.at(`constraints[${i}]`);
    const ko = object(k, kw);
    if (ko["@type"] !== "ForeignKey") return;
    const targets = list(ko.referencedColumns, kw.at("referencedColumns")).map((id) => {
      const ref = typeof id === "string" ? columnsById.get(id) : undefined;
      return ref ?? kw.at("referencedColumns").fail(`${String(id)} is not a column of this schema`);
    });
    const targetTable = targets[0]?.table ?? kw.fail("a foreign key needs referencedColumns");
    if (targets.some((r) => r.table !== targetTable)) kw.fail("referencedColumns must all be in one table");
    foreignKeys.push({
      keyId: requiredStr(ko, "name", kw),
      fromColumns: list(ko.columns, kw.at("columns")).map((id) => ownColumn(id, kw.at("columns"))),
      targetTable,
      targetColumns: targets.map((r) => r.column),
      description: str(ko, "description", kw),
      utype: str(ko, "votable:utype", kw),
    });
  });
  return {
    name,
    description: str(t, "description", where),
    utype: str(t, "votable:utype", where),
    tableIndex: int(t, "tap:table_index", where),
    columns: list(t.columns, where.at("columns")).map((c, j) => {
      const cw = where.at(`columns[${j}]`);
      const co = object(c, cw);
      const columnName = requiredStr(co, "name", cw);
      return readColumn(co, cw.at(`(${columnName})`), primaryKey.includes(columnName), singleIndexed.has(columnName));
    }),
    primaryKey,
    foreignKeys,
    qserv: readQserv(t, where),
  };
}

function readColumn(c: Obj, where: Where, inPrimaryKey: boolean, indexed: boolean): ColumnInput {
  const felisType = requiredStr(c, "datatype", where);
  const mapped = FELIS_TYPES[felisType] ?? where.at("datatype").fail(`unknown Felis datatype "${felisType}"`);
  const length = int(c, "length", where);
  const votableDatatype = str(c, "votable:datatype", where);
  if (votableDatatype !== null && !VOTABLE_DATATYPES.includes(votableDatatype as VotableDatatype)) {
    where.at("votable:datatype").fail(`"${votableDatatype}" is not a VOTable datatype`);
  }
  const precision = int(c, "precision", where);
  const lengthSuffix = length !== null && felisType !== "timestamp" && felisType !== "text" ? `(${length})` : "";
  const precisionSuffix = felisType === "timestamp" && precision !== null ? `(${precision})` : "";
  return {
    name: requiredStr(c, "name", where),
    datatype: (votableDatatype as VotableDatatype | null) ?? mapped.votable,
    arraysize: str(c, "votable:arraysize", where) ?? defaultArraysize(felisType, length),
    xtype: str(c, "votable:xtype", where) ?? (felisType === "timestamp" ? "timestamp" : null),
    unit: str(c, "ivoa:unit", where) ?? str(c, "fits:tunit", where),
    ucd: str(c, "ivoa:ucd", where),
    utype: str(c, "votable:utype", where),
    description: str(c, "description", where),
    principal: flag(c, "tap:principal", where) ?? false,
    std: flag(c, "tap:std", where) ?? false,
    indexed,
    nullable: flag(c, "nullable", where) ?? !inPrimaryKey,
    columnIndex: int(c, "tap:column_index", where),
    sqlType: str(c, "mysql:datatype", where) ?? `${mapped.mysql}${lengthSuffix}${precisionSuffix}`,
  };
}

/** Felis's default arraysize (datamodel.py check_votable_arraysize). */
function defaultArraysize(felisType: string, length: number | null): string | null {
  if (length !== null && length > 1) {
    if (felisType === "char") return String(length);
    if (felisType === "string" || felisType === "unicode" || felisType === "binary") return `${length}*`;
    return null;
  }
  return felisType === "timestamp" || felisType === "text" ? "*" : null;
}

function readQserv(t: Obj, where: Where): QservInput | null {
  const director = flag(t, "qserv:director", where);
  const directorTable = str(t, "qserv:director_table", where);
  const raColumn = str(t, "qserv:ra_column", where);
  const decColumn = str(t, "qserv:dec_column", where);
  const keyColumn = str(t, "qserv:director_key", where);
  const directorTable2 = str(t, "qserv:director_table2", where);
  const keyColumn2 = str(t, "qserv:director_key2", where);
  const flagColumn = str(t, "qserv:flag_column", where);
  const overlapRaw = t["qserv:overlap"];
  if (overlapRaw !== undefined && overlapRaw !== null && typeof overlapRaw !== "number") {
    where.at("qserv:overlap").fail("expected a number of degrees");
  }
  if (!director && directorTable === null) {
    if (raColumn !== null || decColumn !== null || keyColumn !== null || directorTable2 !== null || keyColumn2 !== null || flagColumn !== null ||
      (overlapRaw !== undefined && overlapRaw !== null)) {
      where.fail("qserv:* keys need qserv:director: true or qserv:director_table");
    }
    return null;
  }
  return {
    ...(director ? { director } : {}),
    ...(directorTable !== null ? { directorTable } : {}),
    ...(raColumn !== null ? { raColumn } : {}),
    ...(decColumn !== null ? { decColumn } : {}),
    ...(keyColumn !== null ? { keyColumn } : {}),
    ...(directorTable2 !== null ? { directorTable2 } : {}),
    ...(keyColumn2 !== null ? { keyColumn2 } : {}),
    ...(flagColumn !== null ? { flagColumn } : {}),
    ...(typeof overlapRaw === "number" ? { overlap: overlapRaw } : {}),
  };
}

function applyQservOptions(schemas: SchemaInput[], options: Readonly<Record<string, QservInput>>): SchemaInput[] {
  const used = new Set<string>();
  const result = schemas.map((s) => ({
    ...s,
    tables: s.tables.map((t) => {
      const key = [`${s.name}.${t.name}`, t.name].find((k) => Object.hasOwn(options, k));
      if (key === undefined) return t;
      used.add(key);
      return { ...t, qserv: options[key]! };
    }),
  }));
  const unknown = Object.keys(options).filter((k) => !used.has(k));
  if (unknown.length > 0) {
    throw new CatalogError("CATALOG_UNKNOWN_REFERENCE", `Qserv options for tables that do not exist: ${unknown.join(", ")}`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Writing Felis: what loadFelis reads back to the same tables (a loader that publishes tables
// from several files writes them into one document).

/** A Felis id that cannot collide: `#table.column`, with `%` and `.` escaped inside the names. */
function felisId(table: string, column?: string): string {
  const esc = (s: string) => s.replaceAll("%", "%25").replaceAll(".", "%2E");
  return column === undefined ? `#${esc(table)}` : `#${esc(table)}.${esc(column)}`;
}

/**
 * The Felis datatype written for each VOTable datatype: one whose defaults (arraysize, xtype) are
 * empty; votable:datatype says the real one. The inverse, for reading, is FELIS_TYPES above.
 */
const FELIS_TYPE: Readonly<Partial<Record<string, string>>> = {
  boolean: "boolean",
  unsignedByte: "byte",
  short: "short",
  int: "int",
  long: "long",
  float: "float",
  double: "double",
  char: "char",
  unicodeChar: "unicode",
};

function put(o: Obj, key: string, v: unknown): void {
  if (v !== null && v !== undefined) o[key] = v;
}

/**
 * A catalog table as a Felis table object that loadFelis reads back to the same Table: every
 * value that Felis would derive (VOTable type, arraysize, xtype, MySQL type, indexed, nullable)
 * is written out, and ids are `#table.column`, so that tables from different files can share a
 * document.
 */
export function felisTable(t: Table): Obj {
  const id = (c: string) => felisId(t.name, c);
  const o: Obj = { name: t.name, "@id": felisId(t.name) };
  put(o, "description", t.description);
  put(o, "votable:utype", t.utype);
  put(o, "tap:table_index", t.tableIndex);
  const q = t.qserv;
  if (q?.role === "director") {
    o["qserv:director"] = true;
    o["qserv:ra_column"] = q.raColumn;
    o["qserv:dec_column"] = q.decColumn;
    put(o, "qserv:director_key", q.keyColumn);
    put(o, "qserv:overlap", q.overlap);
  } else if (q?.role === "match") {
    const name = (side: (typeof q.directors)[number]) => (side.directorSchema === t.schemaName ? side.directorTable : `${side.directorSchema}.${side.directorTable}`);
    o["qserv:director_table"] = name(q.directors[0]);
    o["qserv:director_key"] = q.directors[0].keyColumn;
    o["qserv:director_table2"] = name(q.directors[1]);
    o["qserv:director_key2"] = q.directors[1].keyColumn;
    put(o, "qserv:flag_column", q.flagColumn);
  } else if (q?.role === "child") {
    o["qserv:director_table"] = q.directorSchema === t.schemaName ? q.directorTable : `${q.directorSchema}.${q.directorTable}`;
    put(o, "qserv:ra_column", q.raColumn);
    put(o, "qserv:dec_column", q.decColumn);
    put(o, "qserv:director_key", q.keyColumn);
  }
  o.columns = t.columns.map((c) => {
    const co: Obj = { name: c.name, "@id": id(c.name), datatype: FELIS_TYPE[c.datatype] ?? "double", "votable:datatype": c.datatype };
    put(co, "votable:arraysize", c.arraysize);
    put(co, "votable:xtype", c.xtype);
    put(co, "ivoa:unit", c.unit);
    put(co, "ivoa:ucd", c.ucd);
    put(co, "votable:utype", c.utype);
    put(co, "description", c.description);
    co["tap:principal"] = c.principal;
    co["tap:std"] = c.std;
    co.nullable = c.nullable;
    put(co, "tap:column_index", c.columnIndex);
    put(co, "mysql:datatype", c.sqlType);
    return co;
  });
  if (t.primaryKey.length > 0) o.primaryKey = t.primaryKey.map(id);
  const singleKey = t.primaryKey.length === 1 ? t.primaryKey[0] : undefined;
  const indexes = t.columns
    .filter((c) => c.indexed && c.name !== singleKey)
    .map((c) => ({ name: `${t.name}_${c.name}_idx`, columns: [id(c.name)] }));
  if (indexes.length > 0) o.indexes = indexes;
  // Felis keys point inside their schema.
  const keys = t.foreignKeys
    .filter((k) => k.targetSchema === t.schemaName)
    .map((k) => {
      const ko: Obj = {
        "@type": "ForeignKey",
        name: k.keyId,
        columns: k.fromColumns.map(id),
        referencedColumns: k.targetColumns.map((c) => felisId(k.targetTable, c)),
      };
      put(ko, "description", k.description);
      put(ko, "votable:utype", k.utype);
      return ko;
    });
  if (keys.length > 0) o.constraints = keys;
  return o;
}

/** The schema-level keys of a Felis document (its tables are the caller's). */
export function felisSchemaHead(s: Pick<Schema, "name" | "description" | "utype" | "schemaIndex">): Obj {
  const o: Obj = { name: s.name };
  put(o, "description", s.description);
  put(o, "votable:utype", s.utype);
  put(o, "tap:schema_index", s.schemaIndex);
  return o;
}
