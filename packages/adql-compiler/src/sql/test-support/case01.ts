/**
 * Qserv's integration-test dataset case01 (shared/qserv/datasets/case01: Object, Source, Filter,
 * SimRefObject, RefSrcMatch as gzipped mysqldump TSV with MySQL schemas; director Object partitioned
 * on ra_PS/decl_PS with overlap 0.01667°, Source its child on raObject/declObject): its tables as the
 * compiler's SchemaLookup, read from the .schema files, and loaded into MariaDB with LOAD DATA.
 */
import { createReadStream, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import type { SchemaColumn, SchemaLookup, SchemaTable } from "../../analysis/schema.js";
import type { VotableDatatype } from "../../ast/nodes.js";
import type { Engine } from "./engines.js";

/** The dataset, from the repository root's sibling `shared/` (tests may read it; shared/README.md). */
export const CASE01_DIR = fileURLToPath(new URL("../../../../../../shared/qserv/datasets/case01/", import.meta.url));

export const CASE01_TABLES = ["Object", "Source", "Filter", "SimRefObject", "RefSrcMatch"] as const;

/** The database (and ADQL schema) the tables are loaded into. */
export const CASE01_DB = "case01";

function votable(mysqlType: string): Pick<SchemaColumn, "datatype" | "arraysize" | "xtype"> {
  const t = mysqlType.toLowerCase();
  if (t.startsWith("bigint")) return { datatype: "long" };
  if (t.startsWith("int") || t.startsWith("mediumint")) return { datatype: "int" };
  if (t.startsWith("smallint") || t.startsWith("tinyint")) return { datatype: "short" };
  if (t.startsWith("double")) return { datatype: "double" };
  if (t.startsWith("float")) return { datatype: "float" };
  if (t.startsWith("char") || t.startsWith("varchar") || t.startsWith("text")) return { datatype: "char", arraysize: "*" };
  if (t.startsWith("datetime") || t.startsWith("timestamp")) return { datatype: "char", arraysize: "*", xtype: "timestamp" };
  return { datatype: "unsignedByte" as VotableDatatype, arraysize: "*" };
}

/** Position columns in degrees, so that IN_UNIT can convert them. */
const DEGREES = new Set(["ra_PS", "decl_PS", "ra_SG", "decl_SG", "ra", "decl", "raObject", "declObject", "refRa", "refDec", "angSep"]);

function readTable(name: string): SchemaTable {
  const ddl = readFileSync(`${CASE01_DIR}schema/${name}.schema`, "utf8");
  const columns: SchemaColumn[] = [];
  for (const m of ddl.matchAll(/^\s+`([^`]+)` ([a-z]+(?:\(\d+\))?)/gm)) {
    columns.push({ name: m[1]!, ...votable(m[2]!), ...(DEGREES.has(m[1]!) ? { unit: "deg" } : {}) });
  }
  // qserv/datasets/case01/partition/*.json: Object is the director, Source its child.
  const qserv = name === "Object"
    ? { director: true, ra: "ra_PS", dec: "decl_PS", overlap: 0.01667 }
    : name === "Source" ? { director: false, ra: "raObject", dec: "declObject" } : undefined;
  return { schema: CASE01_DB, name, columns, ...(qserv ? { qserv } : {}) };
}

let schema: SchemaLookup | undefined;

export function case01Schema(): SchemaLookup {
  schema ??= { tables: CASE01_TABLES.map(readTable) };
  return schema;
}

const loaded = new WeakSet<object>();

/** Creates database case01 with the dataset's own DDL and loads the TSV files (once per engine). */
export async function loadCase01(engine: Engine): Promise<void> {
  if (loaded.has(engine.loadDataLocal!)) return;
  await engine.exec(`CREATE DATABASE IF NOT EXISTS \`${CASE01_DB}\` CHARACTER SET latin1`);
  for (const t of CASE01_TABLES) {
    const ddl = readFileSync(`${CASE01_DIR}schema/${t}.schema`, "utf8").replace(/^CREATE TABLE `/, `CREATE TABLE \`${CASE01_DB}\`.\``);
    await engine.exec(ddl);
    await engine.loadDataLocal!(`LOAD DATA LOCAL INFILE '${t}.tsv' INTO TABLE \`${CASE01_DB}\`.\`${t}\``, () =>
      createReadStream(`${CASE01_DIR}${t}.tsv.gz`).pipe(createGunzip()));
  }
  loaded.add(engine.loadDataLocal!);
}
