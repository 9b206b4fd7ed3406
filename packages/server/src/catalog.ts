/**
 * The service's catalog: the tables it publishes (Felis schemas from the configuration, the demo
 * schema, and schemas the loader stored in the database), plus TAP_SCHEMA, which lives in a
 * DuckDB database for every backend: the DuckDB backend's own, or an in-memory one.
 */
import {
  REGION_STORAGE,
  lookupTable,
  isRegionStorageColumn,
  regionStorageColumns,
  regionStorageValues,
  regionXtype,
  type RegionStorageColumn,
  type RegionStorageValues,
  type RegionXtype,
  type SchemaTable,
} from "@qserv-tap/adql-compiler";
import { mergeCatalogs, tapSchemaRows, withTapSchema, type Catalog, type Column, type Table } from "./compiler-extras.js";
import { duckType, quoteDuck, type DuckDbBackend } from "./backends/duckdb.js";

export const TAP_SCHEMA = "TAP_SCHEMA";

/**
 * A table's main position column on one axis, as every part of the service finds it (the loaders order and index by
 * it, DataLink cuts around it): Felis's qserv:ra_column or qserv:dec_column, else the one column whose UCD has the
 * words pos.eq.ra (or pos.eq.dec) and meta.main. Several such columns name none: which one is meant is not known.
 */
export function mainPositionColumn(table: Table, axis: "ra" | "dec"): string | undefined {
  const named = axis === "ra" ? table.qserv?.raColumn : table.qserv?.decColumn;
  if (named !== undefined && named !== null) return named;
  const found = table.columns.filter((c) => {
    const words = c.ucd?.toLowerCase().split(";") ?? [];
    return words.includes(`pos.eq.${axis}`) && words.includes("meta.main");
  });
  return found.length === 1 ? found[0]!.name : undefined;
}

export function combineCatalogs(catalogs: Catalog[]): Catalog {
  return withTapSchema(catalogs.length === 0 ? mergeCatalogs() : mergeCatalogs(...catalogs));
}

/** The published tables as the compiler's lookup, optionally without TAP_SCHEMA. */
export function lookupOf(catalog: Catalog, which: "all" | "data" | "tap_schema"): SchemaTable[] {
  const out: SchemaTable[] = [];
  for (const s of catalog.schemas) {
    const isTap = s.name === TAP_SCHEMA;
    if ((which === "data" && isTap) || (which === "tap_schema" && !isTap)) continue;
    for (const t of s.tables) out.push(schemaTableOf(t));
  }
  return out;
}

/** A catalog table as the compiler's name resolution sees it (Qserv's partitioning, match tables included). */
export function schemaTableOf(t: Table): SchemaTable {
  return lookupTable(t);
}

function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "1" : "0";
  return `'${String(v).replaceAll("'", "''")}'`;
}

/** (Re)creates the TAP_SCHEMA tables in a DuckDB database from the catalog (its published columns). */
export async function writeTapSchema(duck: DuckDbBackend, catalog: Catalog): Promise<void> {
  // The storage columns beside region columns are the loaders' business, not published.
  const rows = tapSchemaRows(publishedCatalog(catalog)) as unknown as Record<string, Record<string, unknown>[]>;
  const tap = catalog.schemas.find((s) => s.name === TAP_SCHEMA);
  if (!tap) throw new Error("the catalog has no TAP_SCHEMA");
  await duck.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuck(TAP_SCHEMA)}`);
  for (const t of tap.tables) {
    const q = `${quoteDuck(TAP_SCHEMA)}.${quoteDuck(t.name)}`;
    await duck.run(`DROP TABLE IF EXISTS ${q}`);
    await duck.run(`CREATE TABLE ${q} (${t.columns.map((c) => `${quoteDuck(c.name)} ${duckType(c)}`).join(", ")})`);
    const data = rows[t.name] ?? [];
    for (let i = 0; i < data.length; i += 500) {
      const values = data
        .slice(i, i + 500)
        .map((r) => `(${t.columns.map((c) => sqlLiteral(r[c.name])).join(", ")})`)
        .join(",\n");
      await duck.run(`INSERT INTO ${q} VALUES ${values}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Region columns and their storage columns (adql-compiler's catalog/regions.ts)

/**
 * A region-valued column of a table (an xtype point/circle/polygon/range/shape, or ObsCore's s_region)
 * and the names of the storage columns written beside it.
 */
export interface RegionColumn {
  readonly name: string;
  readonly xtype: RegionXtype;
  readonly storage: Readonly<Record<RegionStorageColumn, string>>;
}

export type StorageBackend = "duckdb" | "mariadb";

export function regionColumnsOf(t: Pick<Table, "columns">): RegionColumn[] {
  const out: RegionColumn[] = [];
  for (const c of t.columns) {
    if (isRegionStorageColumn(t.columns, c.name)) continue;
    const xtype = regionXtype(c);
    if (xtype !== null) out.push({ name: c.name, xtype, storage: regionStorageColumns(c.name) });
  }
  return out;
}

/** The storage columns of a backend, in the order the loaders write them (scisql's on MariaDB only). */
export function storageKeys(backend: StorageBackend): RegionStorageColumn[] {
  return (Object.keys(REGION_STORAGE) as RegionStorageColumn[]).filter((k) => backend === "mariadb" || k !== "scisql");
}

const STORAGE_DESCRIPTION: Record<RegionStorageColumn, string> = {
  decMin: "smallest declination",
  decMax: "largest declination",
  capRa: "RA of the centre of a cap that holds it",
  capDec: "Dec of the centre of a cap that holds it",
  capRadius: "radius of a cap that holds it",
  scisql: "scisql's binary polygon (scisql_s2CPolyToBin), NULL for other shapes",
};

/**
 * The table with the storage columns of its region columns listed after its own (those it lists already
 * stay). The catalog that the compiler reads lists them, so that it prunes with them (regionStorageIn);
 * what the service publishes leaves them out (publishedColumns).
 */
export function withRegionStorage(t: Table, backend: StorageBackend): Table {
  const have = new Set(t.columns.map((c) => c.name));
  const added: Column[] = [];
  for (const r of regionColumnsOf(t)) {
    for (const k of storageKeys(backend)) {
      const name = r.storage[k];
      if (have.has(name)) continue;
      const binary = k === "scisql";
      added.push({
        name,
        datatype: binary ? "unsignedByte" : "double",
        arraysize: binary ? "*" : null,
        xtype: null,
        unit: binary ? null : "deg",
        ucd: null,
        utype: null,
        description: `Storage beside ${r.name} (not published): its ${STORAGE_DESCRIPTION[k]}`,
        principal: false,
        indexed: k === "decMin",
        std: false,
        nullable: true,
        columnIndex: null,
        sqlType: binary ? "BLOB" : "DOUBLE",
      });
    }
  }
  // A text column marked as a region without a DALI xtype (Rubin's s_region, adql:REGION) is loaded as DALI
  // shapes, so it says so: its xtype becomes "shape".
  const columns = t.columns.map((c) => (regionXtype(c) === "shape" && c.xtype?.toLowerCase() !== "shape" ? { ...c, xtype: "shape" } : c));
  const relabelled = columns.some((c, i) => c !== t.columns[i]);
  return added.length === 0 && !relabelled ? t : { ...t, columns: [...columns, ...added] };
}

/** The columns the service publishes (TAP_SCHEMA, VOSI tables): a table's own, not its storage columns. */
export function publishedColumns(t: Pick<Table, "columns">): Table["columns"] {
  return t.columns.some((c) => isRegionStorageColumn(t.columns, c.name)) ? t.columns.filter((c) => !isRegionStorageColumn(t.columns, c.name)) : t.columns;
}

/** The catalog as published: every table with publishedColumns only. */
export function publishedCatalog(catalog: Catalog): Catalog {
  return {
    ...catalog,
    schemas: catalog.schemas.map((s) => ({
      ...s,
      tables: s.tables.map((t) => {
        const columns = publishedColumns(t);
        return columns === t.columns ? t : { ...t, columns };
      }),
    })),
  };
}

/** The SQL type that holds a column in DuckDB: a region column holds its DALI value as text, whatever its VOTable type. */
export function duckStorageType(c: Column): string {
  return regionXtype(c) !== null ? "VARCHAR" : duckType(c);
}

/**
 * The DALI value and storage values of one region cell, from its text (DALI, a labelled DALI shape, or STC-S,
 * as Rubin's ObsCore keeps it; a Parquet list of numbers is read as its DALI numbers). NULL or empty text
 * gives null (every storage column NULL). Throws an Error naming the column and the problem.
 */
export function regionCell(column: RegionColumn, raw: unknown): RegionStorageValues | null {
  if (raw === null || raw === undefined) return null;
  let text = Array.isArray(raw) ? raw.map(String).join(" ") : String(raw);
  // DuckDB's text of a list ("[10.0, 20.0, ...]"), when a Parquet file holds the DALI numbers as a list.
  const list = /^\s*\[(.*)\]\s*$/s.exec(text);
  if (list) text = list[1]!.replaceAll(",", " ");
  if (text.trim() === "") return null;
  // Numbers alone in a shape column (ObsCore's s_region given as a DALI polygon, or a list): a polygon.
  if (column.xtype === "shape" && /^\s*[-+.\d]/.test(text)) text = `polygon ${text}`;
  try {
    return regionStorageValues(column.xtype, text);
  } catch (e) {
    throw new Error(`column ${column.name} (${column.xtype}): ${(e as Error).message}`, { cause: e });
  }
}

/** The storage columns' values of a cell, in the order of storageKeys(backend). */
export function storageValues(v: RegionStorageValues | null, backend: StorageBackend): (number | Buffer | null)[] {
  return storageKeys(backend).map((k) => (v === null ? null : k === "scisql" ? v.scisql : v[k]));
}
