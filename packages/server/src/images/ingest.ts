/**
 * `tap-server images ingest DIR`: registers every FITS file under DIR in the local image registry and gives it an
 * ObsCore row (ivoa.ObsCore, on the DuckDB backend), from its headers alone (obscore.ts). The demo generator goes
 * through ingestFile too, so that demo rows and ingested rows are made by the same code.
 *
 * A file without a usable celestial WCS is refused with its name and the reason, and the others go on. Ingesting a
 * file again replaces its rows (same UUID, found by its path): nothing is duplicated.
 */
import { randomUUID } from "node:crypto";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { DuckDBValue } from "@duckdb/node-api";
import { FileSource, FitsError, FitsFile, firstImage, type Hdu } from "@qserv-tap/fits";
import { DuckDbBackend, quoteDuck } from "../backends/duckdb.js";
import { duckStorageType, regionCell, regionColumnsOf, storageKeys, storageValues } from "../catalog.js";
import { loadFelis, type Table } from "../compiler-extras.js";
import type { Config } from "../config.js";
import { createTableSql } from "../demo.js";
import { LocalRegistry } from "./local-registry.js";
import { containerMetadata } from "./lsst-images.js";
import { OBSCORE_SCHEMA_PATH, ObsCoreError, dataIdFromHeaders, obsCoreRow, type ObsCoreRow } from "./obscore.js";

export const OBSCORE_TABLE = `ivoa.${quoteDuck("ObsCore")}`;

/** The ivoa.ObsCore table of demo/obscore.yaml. */
export function obsCoreTable(): Table {
  const t = loadFelis(OBSCORE_SCHEMA_PATH).schemas[0]?.tables.find((x) => x.name === "ObsCore");
  if (!t) throw new Error(`${OBSCORE_SCHEMA_PATH} has no ObsCore table`);
  return t;
}

/**
 * Creates ivoa.ObsCore in the DuckDB unless it is there (call before the database is locked down). A table made
 * before s_region was a region column (STC-S text, no storage columns) gets the storage columns, and each row's
 * s_region its DALI form, here.
 */
export async function ensureObsCoreTable(db: DuckDbBackend): Promise<void> {
  const exists = await db.rows("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ivoa' AND table_name = 'ObsCore'");
  if (Number(exists[0]?.[0]) === 0) {
    await db.run("CREATE SCHEMA IF NOT EXISTS ivoa");
    await db.run(createTableSql(obsCoreTable(), OBSCORE_TABLE));
    return;
  }
  await addRegionStorage(db);
}

/** Adds the columns ivoa.ObsCore lacks (the storage columns), and fills them (and the DALI s_region) for the rows without. */
async function addRegionStorage(db: DuckDbBackend): Promise<void> {
  const table = obsCoreTable();
  const have = new Set(
    (await db.rows("SELECT column_name FROM information_schema.columns WHERE table_schema = 'ivoa' AND table_name = 'ObsCore'")).map((r) => String(r[0])),
  );
  const regions = regionColumnsOf(table);
  await db.run("BEGIN TRANSACTION");
  try {
    for (const c of table.columns) {
      if (!have.has(c.name)) await db.run(`ALTER TABLE ${OBSCORE_TABLE} ADD COLUMN ${quoteDuck(c.name)} ${duckStorageType(c)}`);
    }
    for (const r of regions) {
      const q = quoteDuck(r.name);
      const rows = await db.rows(`SELECT obs_publisher_did, ${q} FROM ${OBSCORE_TABLE} WHERE ${q} IS NOT NULL AND ${quoteDuck(r.storage.decMin)} IS NULL`);
      for (const [id, text] of rows) {
        const v = regionCell(r, text)!;
        const sets = [q, ...storageKeys("duckdb").map((k) => quoteDuck(r.storage[k]))].map((c) => `${c} = ?`).join(", ");
        await db.run(`UPDATE ${OBSCORE_TABLE} SET ${sets} WHERE obs_publisher_did = ?`, [v.value, ...storageValues(v, "duckdb"), String(id)] as DuckDBValue[]);
      }
    }
    await db.run("COMMIT");
  } catch (e) {
    await db.run("ROLLBACK").catch(() => {});
    throw e;
  }
}

/**
 * Replaces the row with this obs_publisher_did (ObsCore 1.1 §4.5: it names one dataset). s_region is stored as
 * its DALI value with the storage columns beside it (adql-compiler's catalog/regions.ts).
 */
export async function upsertObsCore(db: DuckDbBackend, row: ObsCoreRow): Promise<void> {
  const names: string[] = Object.keys(row);
  const values = names.map((n) => row[n as keyof ObsCoreRow]) as DuckDBValue[];
  for (const r of regionColumnsOf(obsCoreTable())) {
    const at = names.indexOf(r.name);
    const v = regionCell(r, values[at]);
    if (at >= 0 && v) values[at] = v.value;
    names.push(...storageKeys("duckdb").map((k) => r.storage[k]));
    values.push(...(storageValues(v, "duckdb") as DuckDBValue[]));
  }
  await db.run("BEGIN TRANSACTION");
  try {
    await db.run(`DELETE FROM ${OBSCORE_TABLE} WHERE obs_publisher_did = ?`, [row.obs_publisher_did]);
    await db.run(`INSERT INTO ${OBSCORE_TABLE} (${names.map(quoteDuck).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`, values);
    await db.run("COMMIT");
  } catch (e) {
    await db.run("ROLLBACK").catch(() => {});
    throw e;
  }
}

/** Where a client downloads the whole file (the service's /images/files route). */
export function accessUrl(imagesBaseUrl: string, id: string): string {
  return `${imagesBaseUrl}/images/files/${encodeURIComponent(id)}`;
}

/**
 * Points every ObsCore row's access_url at this base URL (the service may have moved since the rows were written:
 * another port or host). Only rows of this registry's datasets are touched.
 */
export async function refreshAccessUrls(db: DuckDbBackend, imagesBaseUrl: string): Promise<number> {
  const rows = await db.rows(`SELECT obs_publisher_did, access_url FROM ${OBSCORE_TABLE}`);
  let changed = 0;
  for (const [id, url] of rows) {
    const want = accessUrl(imagesBaseUrl, String(id));
    if (url === want) continue;
    await db.run(`UPDATE ${OBSCORE_TABLE} SET access_url = ? WHERE obs_publisher_did = ?`, [want, String(id)]);
    changed++;
  }
  return changed;
}

export interface IngestContext {
  registry: LocalRegistry;
  /** The DuckDB holding ivoa.ObsCore; absent when the TAP backend is not DuckDB (registry rows only). */
  obscore?: DuckDbBackend | undefined;
  repo: string;
  imagesBaseUrl: string;
  collection: string;
}

export interface IngestOptions {
  /** The UUID to use for a file not registered yet (the demo's are derived from their data IDs). */
  uuid?: string;
  datasetType?: string;
  dataId?: Readonly<Record<string, string | number>>;
}

/** The HDU that holds the image: IMAGE when there is one (Rubin's files), else the first image. */
function imageHdu(file: FitsFile): Hdu {
  return file.hduNamed("IMAGE") ?? firstImage(file);
}

/** Registers one file and writes its ObsCore row; throws an ObsCoreError or a FitsError when it cannot be used. */
export async function ingestFile(path: string, ctx: IngestContext, options: IngestOptions = {}): Promise<{ id: string; row: ObsCoreRow }> {
  const absolute = resolve(path);
  const { size } = await stat(absolute);
  const file = await FitsFile.open(new FileSource(absolute));
  let row: ObsCoreRow;
  let id: string;
  let dataId: Record<string, string | number>;
  let datasetType: string;
  try {
    const image = imageHdu(file);
    const primary = file.hdus[0]!.header;
    const container = await containerMetadata(file);
    dataId = dataIdFromHeaders({ primary, image, container, ...(options.dataId ? { dataId: options.dataId } : {}) });
    const fromHeader = primary.string("LSST BUTLER DATASETTYPE") ?? image.header.string("LSST BUTLER DATASETTYPE");
    datasetType = options.datasetType ?? fromHeader?.trim() ?? container?.model ?? "image";
    const uuid = (await ctx.registry.uuidOfPath(ctx.repo, absolute)) ?? options.uuid ?? randomUUID();
    id = ctx.registry.idOf(ctx.repo, uuid);
    row = obsCoreRow({ primary, image, id, datasetType, dataId, container, accessUrl: accessUrl(ctx.imagesBaseUrl, id), size, collection: ctx.collection });
    await ctx.registry.add({
      uuid,
      repo: ctx.repo,
      datasetType,
      dataId,
      path: absolute,
      size,
      em: row.em_min !== null && row.em_max !== null ? [row.em_min, row.em_max] : undefined,
      t: row.t_min !== null && row.t_max !== null ? [row.t_min, row.t_max] : undefined,
      polStates: row.pol_states ?? undefined,
    });
  } finally {
    await file.close();
  }
  if (ctx.obscore) await upsertObsCore(ctx.obscore, row);
  return { id, row };
}

/** Every *.fits and *.fits.fz file under `dir`, sorted; symbolic links are followed only to files inside `dir`. */
export async function fitsFilesUnder(dir: string): Promise<string[]> {
  const root = await realpath(dir);
  const out: string[] = [];
  const inside = (p: string) => {
    const r = relative(root, p);
    return r !== "" && !r.startsWith("..") && !isAbsolute(r);
  };
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.fits(\.fz)?$/i.test(e.name)) {
        if (e.isFile()) out.push(p);
        else if (e.isSymbolicLink()) {
          // A link is taken only when it ends at a regular file inside DIR; never a directory (no loops).
          const target = await realpath(p).catch(() => undefined);
          if (target && inside(target) && (await lstat(target)).isFile()) out.push(p);
        }
      }
    }
  };
  await walk(root);
  return out;
}

export interface IngestSummary {
  ingested: string[];
  refused: { path: string; reason: string }[];
}

/** Ingests every FITS file under `dir`; one line per refusal through `log`. */
export async function ingestDirectory(dir: string, ctx: IngestContext, log: (line: string) => void = () => {}): Promise<IngestSummary> {
  const summary: IngestSummary = { ingested: [], refused: [] };
  for (const path of await fitsFilesUnder(dir)) {
    try {
      await ingestFile(path, ctx);
      summary.ingested.push(path);
    } catch (e) {
      // A file that cannot be read (permissions, removed meanwhile) is refused like one without a WCS; a database
      // that fails stops the command.
      const fileError = e instanceof ObsCoreError || e instanceof FitsError || typeof (e as NodeJS.ErrnoException).code === "string";
      if (!fileError) throw e;
      const reason = (e as Error).message.split("\n")[0]!;
      summary.refused.push({ path, reason });
      log(`refused ${path}: ${reason}`);
    }
  }
  return summary;
}

class UsageError extends Error {
  readonly usage = true;
}

/** Opens the local registry (and ivoa.ObsCore on the DuckDB backend) as the service would. */
export async function openLocalImages(config: Config): Promise<{ ctx: IngestContext; close(): Promise<void> }> {
  const duck = config.backend === "duckdb";
  const db = await DuckDbBackend.open(duck ? config.duckdb.path : config.images.registryPath);
  try {
    const registry = await LocalRegistry.open(db, { authority: config.images.authority });
    if (duck) await ensureObsCoreTable(db);
    return {
      ctx: { registry, obscore: duck ? db : undefined, repo: config.images.repo, imagesBaseUrl: config.images.baseUrl, collection: `local.${config.images.repo}` },
      async close() {
        await registry.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}

/** `tap-server images ingest DIR`: 0 when every file was ingested, 1 when some were refused. */
export async function imagesCommand(
  args: string[],
  config: Config,
  out: (line: string) => void = (l) => console.log(l),
  err: (line: string) => void = (l) => console.error(l),
): Promise<number> {
  const [sub, dir, ...extra] = args;
  if (sub !== "ingest" || dir === undefined || extra.length > 0) throw new UsageError("usage: tap-server images ingest DIR");
  if (config.images.registry !== "local") throw new UsageError(`images ingest fills the local registry; images.registry is ${config.images.registry}`);
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) throw new UsageError(`images ingest: ${dir} is not a directory`);
  const opened = await openLocalImages(config);
  try {
    const summary = await ingestDirectory(dir, opened.ctx, (line) => err(`tap-server: ${line}`));
    const where = opened.ctx.obscore ? "the registry and ivoa.ObsCore" : `the registry ${config.images.registryPath} (ivoa.ObsCore needs the DuckDB backend)`;
    out(`${summary.ingested.length} ingested, ${summary.refused.length} refused, into ${where}`);
    return summary.refused.length > 0 ? 1 : 0;
  } finally {
    await opened.close();
  }
}
