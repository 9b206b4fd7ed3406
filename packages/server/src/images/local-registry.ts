/**
 * The local image registry: a table `images.datasets` in an embedded DuckDB (the TAP backend's own when that is
 * DuckDB, else a file of its own), not published in TAP_SCHEMA. The demo generator and `tap-server images ingest`
 * fill it; resolve() answers from it alone, so an image ID can only ever name a file that was registered, never a
 * path or a URL taken from a request.
 */
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import type { DuckDBValue } from "@duckdb/node-api";
import { FileSource } from "@qserv-tap/fits";
import { ConnectionQueries, DuckDbBackend, quoteDuck } from "../backends/duckdb.js";
import { imageId, ImageServiceError, parseImageId, type Caller, type ImageDataset, type ImageRegistry } from "./registry.js";

/** What the registry records of one dataset. */
export interface RegistryEntry {
  uuid: string;
  repo: string;
  datasetType: string;
  dataId: Readonly<Record<string, string | number>>;
  /** The file's absolute path. */
  path: string;
  /** Bytes. */
  size: number;
  /** Metres; MJD. */
  em?: readonly [number, number] | undefined;
  t?: readonly [number, number] | undefined;
  polStates?: string | undefined;
}

const CREATE = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  uuid VARCHAR PRIMARY KEY,
  repo VARCHAR NOT NULL,
  dataset_type VARCHAR NOT NULL,
  data_id VARCHAR NOT NULL,
  path VARCHAR NOT NULL,
  size BIGINT NOT NULL,
  em_min DOUBLE,
  em_max DOUBLE,
  t_min DOUBLE,
  t_max DOUBLE,
  pol_states VARCHAR,
  added TIMESTAMP NOT NULL DEFAULT current_timestamp
)`;

const sharedFiles = new Map<string, { db: Promise<DuckDbBackend>; users: number }>();

const COLUMNS = "uuid, repo, dataset_type, data_id, path, size, em_min, em_max, t_min, t_max, pol_states";

/**
 * A UUID derived from a name, in the shape of RFC 9562's version 5 (SHA-1 of the name, version and variant bits
 * set), so that the demo images get the same IDs on every machine.
 */
export function nameUuid(name: string): string {
  const h = createHash("sha1").update(`qserv-tap images\u0000${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function pair(a: unknown, b: unknown): readonly [number, number] | undefined {
  return typeof a === "number" && typeof b === "number" ? [a, b] : undefined;
}

/** Entries kept in memory: a cutout's resolution then costs no query (the table changes only through add()). */
const CACHE_ENTRIES = 10_000;
/**
 * A registry of at most this many entries is read into memory whole on its first lookup (about 0.5 KB each): then
 * no resolution queries DuckDB, whose lookup costs 1.5-2.3 ms of CPU, unknown IDs included.
 */
const WHOLE_ENTRIES = 200_000;

export class LocalRegistry implements ImageRegistry {
  readonly kind = "local" as const;
  /**
   * Found entries by repo and UUID. DuckDB lets one process hold the database, so the table changes only through
   * this object's add(), which updates the cache; unknown IDs are not kept (a client could make them up by the
   * million).
   */
  private readonly cache = new Map<string, RegistryEntry>();
  /** Whether the cache holds the whole table (then an ID not in it is unknown); undefined: not yet tried. */
  private whole: Promise<boolean> | undefined;

  private constructor(
    private readonly db: DuckDbBackend,
    /** The registry's own connection; its lookups are counted, so that close() ends them first (duckdb.ts ConnectionQueries). */
    private readonly conn: ConnectionQueries,
    readonly authority: string,
    /** Called by close(): releases the registry's own database file, when the backend is not DuckDB. */
    private readonly release: (() => Promise<void>) | undefined,
    /** images.datasets, qualified by its database. */
    private readonly table: string,
  ) {}

  /** Opens the registry in `db`, creating its table if needed (call before the database is locked down). */
  static async open(db: DuckDbBackend, options: { authority: string; release?: () => Promise<void> }): Promise<LocalRegistry> {
    // Qualified by the database's own name: a registry file named images.duckdb is a catalog "images" too, and
    // DuckDB calls a bare images.datasets ambiguous there.
    const name = String((await db.rows("SELECT current_database()"))[0]?.[0]);
    const schema = `${quoteDuck(name)}.images`;
    await db.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    const table = `${schema}.datasets`;
    await db.run(CREATE(table));
    const conn = await db.connect();
    return new LocalRegistry(db, new ConnectionQueries(conn, "the image registry"), options.authority, options.release, table);
  }

  /**
   * The registry in a DuckDB file of its own (when the TAP backend is not DuckDB). DuckDB lets one instance at a
   * time hold a file, so services of one process share it, and the last to close closes it.
   */
  static async openFile(path: string, options: { authority: string }): Promise<LocalRegistry> {
    let s = sharedFiles.get(path);
    if (!s) {
      const opening = DuckDbBackend.open(path);
      s = { db: opening, users: 0 };
      sharedFiles.set(path, s);
      opening.catch(() => sharedFiles.delete(path));
    }
    const entry = s;
    const db = await entry.db;
    entry.users++;
    const release = async () => {
      if (--entry.users > 0) return;
      sharedFiles.delete(path);
      await db.close();
    };
    try {
      return await LocalRegistry.open(db, { authority: options.authority, release });
    } catch (e) {
      await release();
      throw e;
    }
  }

  idOf(repo: string, uuid: string): string {
    return imageId(this.authority, repo, uuid);
  }

  /** Adds or replaces the entry with this UUID; returns its ID. */
  async add(e: RegistryEntry): Promise<string> {
    const values: DuckDBValue[] = [
      e.uuid,
      e.repo,
      e.datasetType,
      JSON.stringify(e.dataId),
      e.path,
      e.size,
      e.em?.[0] ?? null,
      e.em?.[1] ?? null,
      e.t?.[0] ?? null,
      e.t?.[1] ?? null,
      e.polStates ?? null,
    ];
    await this.db.run(`INSERT OR REPLACE INTO ${this.table} (${COLUMNS}) VALUES (${values.map(() => "?").join(", ")})`, values);
    // Adding happens while setting up (the demo, ingest), not while serving: forgetting everything is cheap then.
    this.cache.clear();
    this.whole = undefined;
    return this.idOf(e.repo, e.uuid);
  }

  /** The UUID already registered for this file in this repository, if any (ingest is idempotent by path). */
  async uuidOfPath(repo: string, path: string): Promise<string | undefined> {
    const row = (await this.rows(`SELECT uuid FROM ${this.table} WHERE repo = ? AND path = ? ORDER BY uuid LIMIT 1`, [repo, path]))[0];
    return row ? String(row[0]) : undefined;
  }

  async entries(repo?: string): Promise<RegistryEntry[]> {
    const rows =
      repo === undefined
        ? await this.rows(`SELECT ${COLUMNS} FROM ${this.table} ORDER BY path`)
        : await this.rows(`SELECT ${COLUMNS} FROM ${this.table} WHERE repo = ? ORDER BY path`, [repo]);
    return rows.map(toEntry);
  }

  async resolve(id: string, _caller?: Caller): Promise<ImageDataset | undefined> {
    // Both lower case (parseImageId): a label is found whatever its case, in the ID or in the table.
    const { repo, uuid } = parseImageId(id);
    const key = keyOf(repo, uuid);
    this.whole ??= this.readWhole();
    const whole = await this.whole;
    let e = this.cache.get(key);
    if (!e && whole) return undefined;
    if (!e) {
      let rows: unknown[][];
      try {
        // UUIDs are written lower-case (randomUUID, nameUuid), so the primary key's index still serves.
        rows = await this.rows(`SELECT ${COLUMNS} FROM ${this.table} WHERE uuid = ? AND lower(repo) = ?`, [uuid, repo]);
      } catch (err) {
        throw new ImageServiceError(`the image registry cannot be read: ${(err as Error).message.split("\n")[0]}`);
      }
      if (rows.length === 0) return undefined;
      e = toEntry(rows[0]!);
      if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, e);
    }
    return this.dataset(e);
  }

  /** A query's rows, on the registry's own connection (counted: close() ends it first). */
  private async rows(sql: string, values?: DuckDBValue[]): Promise<unknown[][]> {
    return (await this.conn.run((c) => c.runAndReadAll(sql, values))).getRowsJS() as unknown[][];
  }

  /** Reads the whole table into the cache when it is small enough; says whether it did. */
  private async readWhole(): Promise<boolean> {
    try {
      const n = Number((await this.rows(`SELECT count(*) FROM ${this.table}`))[0]?.[0] ?? Infinity);
      if (!(n <= WHOLE_ENTRIES)) return false;
      const rows = await this.rows(`SELECT ${COLUMNS} FROM ${this.table}`);
      this.cache.clear();
      for (const row of rows) {
        const e = toEntry(row);
        this.cache.set(keyOf(e.repo, e.uuid), e);
      }
      return true;
    } catch {
      // Left to the per-ID lookup, which reports the registry's failure.
      return false;
    }
  }

  private dataset(e: RegistryEntry): ImageDataset {
    return {
      id: this.idOf(e.repo, e.uuid),
      datasetType: e.datasetType,
      dataId: e.dataId,
      cutout: e.datasetType !== "raw",
      size: e.size,
      ...(e.em ? { em: e.em } : {}),
      ...(e.t ? { t: e.t } : {}),
      ...(e.polStates ? { polStates: e.polStates } : {}),
      open: async () => {
        // The path comes from the table alone; a file removed or replaced by a directory since is the service's
        // fault, not the caller's.
        const s = await stat(e.path).catch(() => undefined);
        if (!s?.isFile()) throw new ImageServiceError(`the file of dataset ${e.uuid} is missing`);
        return new FileSource(e.path);
      },
    };
  }

  async close(): Promise<void> {
    await this.conn.close();
    await this.release?.();
  }
}

/** The cache's key: repository labels and UUIDs compare case-insensitively (registry.ts ParsedImageId). */
function keyOf(repo: string, uuid: string): string {
  return `${repo.toLowerCase()}/${uuid.toLowerCase()}`;
}

function toEntry(row: unknown[]): RegistryEntry {
  const [uuid, repo, datasetType, dataId, path, size, emMin, emMax, tMin, tMax, pol] = row;
  let parsed: Record<string, string | number> = {};
  try {
    parsed = JSON.parse(String(dataId)) as Record<string, string | number>;
  } catch {
    // A damaged data ID leaves the dataset usable (its file is still named by its row).
  }
  return {
    uuid: String(uuid),
    repo: String(repo),
    datasetType: String(datasetType),
    dataId: parsed,
    path: String(path),
    size: Number(size),
    em: pair(emMin, emMax),
    t: pair(tMin, tMax),
    polStates: typeof pol === "string" ? pol : undefined,
  };
}
