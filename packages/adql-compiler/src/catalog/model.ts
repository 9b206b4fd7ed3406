/**
 * The schema catalog: what a TAP service publishes about its tables (TAP 1.1 §4, TAP_SCHEMA),
 * plus what the compiler needs to know about Qserv partitioning. Plain, deeply frozen data;
 * build it with createCatalog (or loadFelis, catalogFromTapSchema), which checks every
 * reference. Names are stored as the database has them, without ADQL quotes.
 */
import type { VotableDatatype } from "../ast/nodes.js";
import { CatalogError } from "./errors.js";

export type { VotableDatatype };

export interface Catalog {
  readonly schemas: readonly Schema[];
}

export interface Schema {
  readonly name: string;
  readonly description: string | null;
  readonly utype: string | null;
  readonly schemaIndex: number | null;
  readonly tables: readonly Table[];
}

export interface Table {
  readonly schemaName: string;
  readonly name: string;
  readonly tableType: "table" | "view";
  readonly description: string | null;
  readonly utype: string | null;
  readonly tableIndex: number | null;
  readonly columns: readonly Column[];
  /** Column names, in key order; empty when unknown (TAP_SCHEMA does not carry primary keys). */
  readonly primaryKey: readonly string[];
  readonly foreignKeys: readonly ForeignKey[];
  readonly qserv: QservPartitioning | null;
}

export interface Column {
  readonly name: string;
  /** VOTable 1.4 §2.1 primitive type, as in TAP_SCHEMA.columns.datatype. */
  readonly datatype: VotableDatatype;
  /** VOTable arraysize syntax ("*", "16*", "3", "2x3*"), or null for a scalar. */
  readonly arraysize: string | null;
  /** DALI xtype ("timestamp", "point", ...) or another extended type. */
  readonly xtype: string | null;
  readonly unit: string | null;
  readonly ucd: string | null;
  readonly utype: string | null;
  readonly description: string | null;
  readonly principal: boolean;
  readonly indexed: boolean;
  readonly std: boolean;
  /** Whether the column may hold NULL. TAP_SCHEMA does not say, so a catalog read from it has true. */
  readonly nullable: boolean;
  readonly columnIndex: number | null;
  /** The column's type in MariaDB/MySQL when the source says (Felis), for loaders that create tables. */
  readonly sqlType: string | null;
}

export interface ForeignKey {
  /** TAP_SCHEMA.keys.key_id: unique in the catalog. */
  readonly keyId: string;
  readonly fromColumns: readonly string[];
  readonly targetSchema: string;
  readonly targetTable: string;
  readonly targetColumns: readonly string[];
  readonly description: string | null;
  readonly utype: string | null;
}

/**
 * How Qserv partitions a table (qserv/README §c): a director table is partitioned on its own
 * RA/Dec columns; a child (dependent) table lives in its director's chunks and may carry RA/Dec
 * columns of its own that Qserv also partitions on.
 */
export type QservPartitioning =
  | {
      readonly role: "director";
      readonly raColumn: string;
      readonly decColumn: string;
      /** The director key (objectId), which the director index maps to chunks. */
      readonly keyColumn: string | null;
      /** The partition overlap in degrees: the largest distance of a near-neighbour join. */
      readonly overlap: number | null;
    }
  | {
      readonly role: "child";
      readonly directorSchema: string;
      readonly directorTable: string;
      readonly raColumn: string | null;
      readonly decColumn: string | null;
      /** The column that holds the director's key. */
      readonly keyColumn: string | null;
    }
  | {
      /**
       * A match table (Qserv's `director_table`/`director_key` and `director_table2`/`director_key2`
       * in its ingest configuration; case03's RefDeepSrcMatch): rows that pair a row of one director
       * with a row of another, stored in the chunks of both, so that the three may be joined on
       * the directors' keys.
       */
      readonly role: "match";
      readonly directors: readonly [MatchSide, MatchSide];
      /** No position and no single key of its own (kept so that code reading any role's columns finds null). */
      readonly raColumn: null;
      readonly decColumn: null;
      readonly keyColumn: null;
      /** Qserv's `flag` column, which tells where a match row's copies live. */
      readonly flagColumn: string | null;
    };

/** One director of a match table, and the match table's column that holds that director's key. */
export interface MatchSide {
  readonly directorSchema: string;
  readonly directorTable: string;
  readonly keyColumn: string;
}

export interface SchemaInput {
  readonly name: string;
  readonly description?: string | null;
  readonly utype?: string | null;
  readonly schemaIndex?: number | null;
  readonly tables: readonly TableInput[];
}

export interface TableInput {
  readonly name: string;
  readonly tableType?: "table" | "view";
  readonly description?: string | null;
  readonly utype?: string | null;
  readonly tableIndex?: number | null;
  readonly columns: readonly ColumnInput[];
  readonly primaryKey?: readonly string[];
  readonly foreignKeys?: readonly ForeignKeyInput[];
  readonly qserv?: QservInput | null;
}

export interface ColumnInput {
  readonly name: string;
  readonly datatype: VotableDatatype;
  readonly arraysize?: string | null;
  readonly xtype?: string | null;
  readonly unit?: string | null;
  readonly ucd?: string | null;
  readonly utype?: string | null;
  readonly description?: string | null;
  readonly principal?: boolean;
  readonly indexed?: boolean;
  readonly std?: boolean;
  /** Defaults to true, except for primary-key columns. */
  readonly nullable?: boolean;
  readonly columnIndex?: number | null;
  readonly sqlType?: string | null;
}

export interface ForeignKeyInput {
  readonly keyId: string;
  readonly fromColumns: readonly string[];
  /** Defaults to the schema of the table that holds the key. */
  readonly targetSchema?: string;
  readonly targetTable: string;
  readonly targetColumns: readonly string[];
  readonly description?: string | null;
  readonly utype?: string | null;
}

/**
 * Qserv partitioning as written in a Felis extension or an option: `director: true` with RA/Dec
 * columns for a director, or `directorTable` ("Object" in the same schema, or "schema.Object")
 * for a child. Key columns default to the director's single-column primary key and to the
 * child's single-column foreign key to it.
 */
export interface QservInput {
  readonly director?: boolean;
  readonly directorTable?: string;
  /** With directorTable: a match table between that director and this second one (keys required). */
  readonly directorTable2?: string;
  readonly keyColumn2?: string;
  readonly flagColumn?: string;
  readonly raColumn?: string;
  readonly decColumn?: string;
  readonly keyColumn?: string;
  readonly overlap?: number;
}

export const VOTABLE_DATATYPES: readonly VotableDatatype[] = [
  "boolean",
  "bit",
  "unsignedByte",
  "short",
  "int",
  "long",
  "char",
  "unicodeChar",
  "float",
  "double",
  "floatComplex",
  "doubleComplex",
];

/**
 * Builds a catalog and checks it: unique names (schemas; tables in a schema; columns in a table;
 * key ids in the catalog), and that every primary key, foreign key and partitioning option
 * names columns and tables that exist.
 *
 * @throws CatalogError CATALOG_DUPLICATE_NAME, CATALOG_UNKNOWN_REFERENCE or CATALOG_INVALID.
 */
export function createCatalog(schemas: readonly SchemaInput[]): Catalog {
  // Partitioning refers to other tables, so it is resolved once every table exists.
  const qservInputs = new Map<Table, QservInput>();
  const built: Schema[] = schemas.map((s) => ({
    name: s.name,
    description: s.description ?? null,
    utype: s.utype ?? null,
    schemaIndex: s.schemaIndex ?? null,
    tables: s.tables.map((t) => {
      const table = buildTable(s.name, t);
      if (t.qserv) qservInputs.set(table, t.qserv);
      return table;
    }),
  }));
  assertUnique(built.map((s) => s.name), "schema");
  const keyIds: string[] = [];
  for (const schema of built) {
    assertUnique(schema.tables.map((t) => t.name), `table in schema ${schema.name}`);
    for (const table of schema.tables) {
      assertUnique(table.columns.map((c) => c.name), `column in table ${schema.name}.${table.name}`);
      for (const name of table.primaryKey) columnOf(table, name, "primary key");
      for (const fk of table.foreignKeys) {
        keyIds.push(fk.keyId);
        checkForeignKey(built, table, fk);
      }
    }
  }
  assertUnique(keyIds, "foreign key id");
  const catalog: Catalog = {
    schemas: built.map((s) => ({
      ...s,
      tables: s.tables.map((t) => {
        const q = qservInputs.get(t);
        return q ? { ...t, qserv: resolveQserv(built, qservInputs, t, q) } : t;
      }),
    })),
  };
  return deepFreeze(catalog);
}

/**
 * A catalog of the schemas of several catalogs, checked again as a whole. TAP_SCHEMA.keys.key_id
 * is one name space for a whole service, while a Felis constraint name is unique only in its
 * schema: a key id that two of the schemas use is qualified with each one's schema name
 * ("dp1.fk_Source_Visit"). Ids that only one schema uses keep their name.
 */
export function mergeCatalogs(...catalogs: readonly Catalog[]): Catalog {
  const schemas = catalogs.flatMap((c) => c.schemas);
  const owners = new Map<string, Set<string>>();
  for (const s of schemas) {
    for (const t of s.tables) {
      for (const fk of t.foreignKeys) {
        const set = owners.get(fk.keyId) ?? new Set<string>();
        set.add(s.name);
        owners.set(fk.keyId, set);
      }
    }
  }
  const shared = (keyId: string) => (owners.get(keyId)?.size ?? 0) > 1;
  return createCatalog(
    schemas.map((s) => {
      const input = toInput(s);
      return {
        ...input,
        tables: input.tables.map((t) => ({
          ...t,
          foreignKeys: (t.foreignKeys ?? []).map((fk) => (shared(fk.keyId) ? { ...fk, keyId: `${s.name}.${fk.keyId}` } : fk)),
        })),
      };
    }),
  );
}

/** The schema, or table in a schema, with exactly this name (no ADQL case folding). */
export function getSchema(catalog: Catalog, name: string): Schema | undefined {
  return catalog.schemas.find((s) => s.name === name);
}

export function getTable(catalog: Catalog, schemaName: string, tableName: string): Table | undefined {
  return getSchema(catalog, schemaName)?.tables.find((t) => t.name === tableName);
}

/** A schema of a catalog as input for createCatalog, to rebuild or extend it. */
export function toInput(schema: Schema): SchemaInput {
  return {
    ...schema,
    tables: schema.tables.map((t) => ({
      ...t,
      qserv: t.qserv ? qservToInput(t.qserv, t.schemaName) : null,
    })),
  };
}

function qservToInput(q: QservPartitioning, schemaName: string): QservInput {
  if (q.role === "match") {
    const name = (side: MatchSide) => (side.directorSchema === schemaName ? side.directorTable : `${side.directorSchema}.${side.directorTable}`);
    return {
      directorTable: name(q.directors[0]),
      keyColumn: q.directors[0].keyColumn,
      directorTable2: name(q.directors[1]),
      keyColumn2: q.directors[1].keyColumn,
      ...(q.flagColumn !== null ? { flagColumn: q.flagColumn } : {}),
    };
  }
  if (q.role === "director") {
    return {
      director: true,
      raColumn: q.raColumn,
      decColumn: q.decColumn,
      ...(q.keyColumn !== null ? { keyColumn: q.keyColumn } : {}),
      ...(q.overlap !== null ? { overlap: q.overlap } : {}),
    };
  }
  return {
    directorTable: q.directorSchema === schemaName ? q.directorTable : `${q.directorSchema}.${q.directorTable}`,
    ...(q.raColumn !== null ? { raColumn: q.raColumn } : {}),
    ...(q.decColumn !== null ? { decColumn: q.decColumn } : {}),
    ...(q.keyColumn !== null ? { keyColumn: q.keyColumn } : {}),
  };
}

function buildTable(schemaName: string, t: TableInput): Table {
  const primaryKey = [...(t.primaryKey ?? [])];
  return {
    schemaName,
    name: t.name,
    tableType: t.tableType ?? "table",
    description: t.description ?? null,
    utype: t.utype ?? null,
    tableIndex: t.tableIndex ?? null,
    columns: t.columns.map((c) => buildColumn(c, primaryKey.includes(c.name), `${schemaName}.${t.name}`)),
    primaryKey,
    foreignKeys: (t.foreignKeys ?? []).map((fk) => ({
      keyId: fk.keyId,
      fromColumns: [...fk.fromColumns],
      targetSchema: fk.targetSchema ?? schemaName,
      targetTable: fk.targetTable,
      targetColumns: [...fk.targetColumns],
      description: fk.description ?? null,
      utype: fk.utype ?? null,
    })),
    qserv: null,
  };
}

function buildColumn(c: ColumnInput, inPrimaryKey: boolean, tableName: string): Column {
  if (!VOTABLE_DATATYPES.includes(c.datatype)) {
    throw new CatalogError("CATALOG_INVALID", `column ${tableName}.${c.name}: "${c.datatype}" is not a VOTable datatype`);
  }
  return {
    name: c.name,
    datatype: c.datatype,
    arraysize: c.arraysize ?? null,
    xtype: c.xtype ?? null,
    unit: c.unit ?? null,
    ucd: c.ucd ?? null,
    utype: c.utype ?? null,
    description: c.description ?? null,
    principal: c.principal ?? false,
    indexed: c.indexed ?? false,
    std: c.std ?? false,
    nullable: c.nullable ?? !inPrimaryKey,
    columnIndex: c.columnIndex ?? null,
    sqlType: c.sqlType ?? null,
  };
}

function checkForeignKey(schemas: readonly Schema[], table: Table, fk: ForeignKey): void {
  const where = `foreign key ${fk.keyId} of ${table.schemaName}.${table.name}`;
  if (fk.fromColumns.length === 0 || fk.fromColumns.length !== fk.targetColumns.length) {
    throw new CatalogError("CATALOG_INVALID", `${where}: needs as many target columns as columns, and at least one`);
  }
  for (const name of fk.fromColumns) columnOf(table, name, where);
  const target = schemas.find((s) => s.name === fk.targetSchema)?.tables.find((t) => t.name === fk.targetTable);
  if (!target) {
    throw new CatalogError("CATALOG_UNKNOWN_REFERENCE", `${where}: no table ${fk.targetSchema}.${fk.targetTable}`);
  }
  for (const name of fk.targetColumns) columnOf(target, name, where);
}

function resolveQserv(
  schemas: readonly Schema[],
  inputs: ReadonlyMap<Table, QservInput>,
  table: Table,
  q: QservInput,
): QservPartitioning {
  const where = `Qserv partitioning of ${table.schemaName}.${table.name}`;
  const optionalColumn = (name: string | undefined) => (name === undefined ? null : columnOf(table, name, where).name);
  if (q.director && q.directorTable !== undefined) {
    throw new CatalogError("CATALOG_INVALID", `${where}: a table is either a director or a child of one, not both`);
  }
  if (q.director) {
    if (q.raColumn === undefined || q.decColumn === undefined) {
      throw new CatalogError("CATALOG_INVALID", `${where}: a director table needs its RA and Dec columns`);
    }
    const pk = table.primaryKey.length === 1 ? table.primaryKey[0]! : null;
    return {
      role: "director",
      raColumn: columnOf(table, q.raColumn, where).name,
      decColumn: columnOf(table, q.decColumn, where).name,
      keyColumn: q.keyColumn !== undefined ? columnOf(table, q.keyColumn, where).name : pk,
      overlap: q.overlap ?? null,
    };
  }
  if (q.directorTable === undefined) {
    throw new CatalogError("CATALOG_INVALID", `${where}: say director: true, or name the director table`);
  }
  const directorNamed = (name: string) => {
    const dot = name.lastIndexOf(".");
    const directorSchema = dot < 0 ? table.schemaName : name.slice(0, dot);
    const directorName = name.slice(dot + 1);
    const director = schemas.find((s) => s.name === directorSchema)?.tables.find((t) => t.name === directorName);
    const directorQserv = director && inputs.get(director);
    if (!director || !directorQserv?.director) {
      throw new CatalogError("CATALOG_UNKNOWN_REFERENCE", `${where}: ${directorSchema}.${directorName} is not a director table`);
    }
    return { director, directorQserv, directorSchema, directorName };
  };
  if (q.directorTable2 !== undefined || q.keyColumn2 !== undefined || q.flagColumn !== undefined) {
    if (q.directorTable2 === undefined || q.keyColumn === undefined || q.keyColumn2 === undefined) {
      throw new CatalogError("CATALOG_INVALID", `${where}: a match table names two director tables and its key column for each (director_table, director_key, director_table2, director_key2)`);
    }
    if (q.raColumn !== undefined || q.decColumn !== undefined) {
      throw new CatalogError("CATALOG_INVALID", `${where}: a match table is partitioned by its directors, not by RA and Dec columns of its own`);
    }
    const d1 = directorNamed(q.directorTable);
    const d2 = directorNamed(q.directorTable2);
    return {
      role: "match",
      directors: [
        { directorSchema: d1.directorSchema, directorTable: d1.directorName, keyColumn: columnOf(table, q.keyColumn, where).name },
        { directorSchema: d2.directorSchema, directorTable: d2.directorName, keyColumn: columnOf(table, q.keyColumn2, where).name },
      ],
      flagColumn: optionalColumn(q.flagColumn),
      raColumn: null,
      decColumn: null,
      keyColumn: null,
    };
  }
  const { director, directorQserv, directorSchema, directorName } = directorNamed(q.directorTable);
  const directorKey =
    directorQserv.keyColumn ?? (director.primaryKey.length === 1 ? director.primaryKey[0] : undefined);
  const inferredKey = table.foreignKeys.find(
    (fk) =>
      fk.targetSchema === directorSchema &&
      fk.targetTable === directorName &&
      fk.fromColumns.length === 1 &&
      fk.targetColumns[0] === directorKey,
  )?.fromColumns[0];
  return {
    role: "child",
    directorSchema,
    directorTable: directorName,
    raColumn: optionalColumn(q.raColumn),
    decColumn: optionalColumn(q.decColumn),
    keyColumn: optionalColumn(q.keyColumn) ?? inferredKey ?? null,
  };
}

function columnOf(table: Table, name: string, where: string): Column {
  const column = table.columns.find((c) => c.name === name);
  if (!column) {
    throw new CatalogError("CATALOG_UNKNOWN_REFERENCE", `${where}: no column ${name} in ${table.schemaName}.${table.name}`);
  }
  return column;
}

function assertUnique(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new CatalogError("CATALOG_DUPLICATE_NAME", `duplicate ${what}: ${name}`);
    seen.add(name);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
