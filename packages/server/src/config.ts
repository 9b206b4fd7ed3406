/**
 * Configuration: one JSON file (TAP_CONFIG, or ./tap-server.json if it exists) and environment
 * variables that override it. Every setting has a default, so no configuration at all serves the
 * demo catalog from an embedded DuckDB on http://127.0.0.1:8080/tap.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { parseUrlPrefix } from "./url-fetch.js";

export type BackendKind = "duckdb" | "mariadb" | "qserv";

export interface MySqlConnectionConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The default database of the connection (scisql functions are installed there for MariaDB). */
  database: string;
  /** Connections in the pool. */
  connectionLimit: number;
  /** Seconds to open a connection (mysql2's connectTimeout). */
  connectTimeoutSeconds?: number;
  /** Seconds a query waits for a pooled connection before it is answered 503. */
  acquireTimeoutSeconds?: number;
  /** Queries that may wait for a pooled connection at once; more are answered 503 at once. */
  queueLimit?: number;
}

/** The embedded DuckDB's resources (DuckDB's own defaults are 80% of RAM and 90% of free disk). */
export interface DuckDbConfig {
  /** The database file, or ":memory:". */
  path: string;
  /** DuckDB's memory_limit, a size such as "2GiB" (its buffer manager, shared by all queries). */
  memoryLimit: string;
  /** DuckDB's threads. */
  threads: number;
  /** Where DuckDB spills; empty: next to the file (DuckDB's own `<file>.tmp`), or a private directory under $TMPDIR. */
  tempDirectory: string;
  /** DuckDB's max_temp_directory_size: the disk a query may spill to, a size such as "4GiB". */
  maxTempDirectorySize: string;
}

/** The HTTP server's protection against slow or idle clients, and how it stops. */
export interface HttpConfig {
  /** Seconds to receive a request's headers (Node's headersTimeout): a slowloris client is cut off. */
  headersTimeoutSeconds: number;
  /** Seconds to receive a whole request, uploads included (Node's requestTimeout). */
  requestTimeoutSeconds: number;
  /** Seconds an idle keep-alive connection is kept. */
  keepAliveTimeoutSeconds: number;
  /** Open connections; more are closed at once. */
  maxConnections: number;
  /** On SIGTERM: seconds that running sync responses get to finish before they are cut. */
  shutdownGraceSeconds: number;
}

export interface Limits {
  /** MAXREC when the request gives none. */
  defaultMaxrec: number;
  /** The largest MAXREC a request may ask for. */
  hardMaxrec: number;
  /** Seconds a sync query may run. */
  syncTimeoutSeconds: number;
  /** Largest upload, in bytes (one table), and largest row count. */
  uploadMaxBytes: number;
  uploadMaxRows: number;
  /** Tables in one request. */
  uploadMaxTables: number;
  /** The whole body of one request, uploads included (413 above it). */
  requestMaxBytes: number;
  /** All parameter values of one request together, not counting uploaded parts (413 above it). */
  paramsMaxBytes: number;
  /** Parameters (form fields and query-string pairs) in one request (413 above it). */
  maxParams: number;
  /** Sync queries running at once, in total and per client; a request over the first waits, over the second gets a 429. */
  syncConcurrency: number;
  syncPerClient: number;
  /** How long a sync request waits for a free slot before a 503 with Retry-After. */
  syncQueueSeconds: number;
}

/** How requests are authenticated, and so who owns async jobs. */
export type AuthMode = "none" | "token" | "trusted-header";

export interface AuthConfig {
  /**
   * none: every client is anonymous. token: `Authorization: Bearer` tokens from tokenFile.
   * trusted-header: the user named by `header`, believed only from trustedProxies.
   */
  mode: AuthMode;
  /** A JSON file {"tokens": {"<token>": "<user>"}} (token mode). */
  tokenFile: string;
  /** The header that the proxy sets (trusted-header mode). */
  header: string;
  /** Addresses or CIDR blocks of the proxies that may set it (and X-Forwarded-For). */
  trustedProxies: string[];
  /** Whether requests without credentials are served, as an anonymous client (token and trusted-header modes). */
  allowAnonymous: boolean;
}

/** What one client (a user, or an anonymous client address) and everyone together may keep. */
export interface Quotas {
  jobsPerClient: number;
  jobsTotal: number;
  /** Results and inline uploads of the client's jobs, in bytes. */
  storedBytesPerClient: number;
  storedBytesTotal: number;
  /** A job's parameters (which accumulate over POSTs to a PENDING job), and all jobs' together: they are held in memory. */
  parameterBytesPerJob: number;
  parameterBytesTotal: number;
}

/** Async (UWS) jobs. */
export interface AsyncConfig {
  /** Where jobs (`jobs/`) and their results (`results/`) are kept. */
  dir: string;
  /** Jobs that run at once; others wait in QUEUED. */
  concurrency: number;
  /** EXECUTIONDURATION of a new job, and the most a client may ask for (seconds). */
  defaultExecutionSeconds: number;
  maxExecutionSeconds: number;
  /** How long after creation a job is destroyed by default, and at most (seconds). */
  defaultDestructionSeconds: number;
  maxDestructionSeconds: number;
  /** The longest a WAIT request blocks (seconds). */
  maxWaitSeconds: number;
  /**
   * A request header that carries the authenticated user, set by a trusted proxy in front of the
   * service; empty: every client is anonymous (and fair-queued by address).
   */
  ownerHeader: string;
}

/** UPLOAD=name,http(s)://... (DALI 1.1 §4.3.5), fetched behind url-fetch.ts's guard. */
export interface UploadUrlConfig {
  /** false: only inline uploads (param:), and the capabilities declare no upload-http(s). */
  enabled: boolean;
  /**
   * URL prefixes (scheme, host, port and path: http://10.1.2.3:9000/votables/) that may be fetched
   * although their address is refused (loopback, private, link-local...). Public hosts need none.
   */
  allow: string[];
  /** The longest a fetch may take, from the name lookup to the last byte; and its connection. */
  timeoutSeconds: number;
  connectTimeoutSeconds: number;
  /** Redirects followed, each target checked as the first URL. */
  maxRedirects: number;
}

export interface Config {
  host: string;
  port: number;
  /** The service's public URL, ending in /tap: what capabilities and links say. */
  baseUrl: string;
  backend: BackendKind;
  duckdb: DuckDbConfig;
  http: HttpConfig;
  mariadb: MySqlConnectionConfig;
  qserv: MySqlConnectionConfig;
  /** Felis YAML files describing the tables of the backend. */
  schemas: string[];
  /** Serve (and on DuckDB, generate) the demo catalog. Defaults to true on DuckDB when no schema is given. */
  demo: boolean;
  limits: Limits;
  uploadUrls: UploadUrlConfig;
  async: AsyncConfig;
  auth: AuthConfig;
  quotas: Quotas;
  images: ImagesConfig;
}

/**
 * The image service (SODA, DataLink, /images/files): where an image ID is resolved. "local": a registry table in
 * the embedded DuckDB, filled by the demo generator and `tap-server images ingest DIR`; "butler": Rubin's Butler
 * server; "none": no image service (the routes answer 404 for every ID).
 */
export interface ImagesConfig {
  registry: "local" | "butler" | "none";
  /** The public URL that /soda, /datalink and /images hang from: the TAP base URL without its /tap. */
  baseUrl: string;
  /** Where the local registry keeps generated demo images. */
  dir: string;
  /** The DuckDB file of the local registry when the TAP backend is not DuckDB. */
  registryPath: string;
  /** Generate the demo images (on the local registry); defaults to the demo catalog's setting. */
  demo: boolean;
  /** IDs of local images are `ivo://{authority}/{repo}?repo={repo}&id={uuid}`, in the shape of Rubin's (DMTN-302). */
  authority: string;
  repo: string;
  /** The Butler server's URL (…/api/butler is appended) and the repository labels it serves. */
  butlerUrl: string;
  butlerRepos: string[];
  /** Pixels in one cutout (all planes of a MaskedImage counted once); more is a 400 (sync) or an error (async). */
  maxCutoutPixels: number;
}

export const DEFAULT_IMAGES: Omit<ImagesConfig, "baseUrl" | "dir" | "registryPath" | "demo"> = {
  registry: "local",
  authority: "qserv-tap.local",
  repo: "demo",
  butlerUrl: "",
  butlerRepos: [],
  maxCutoutPixels: 64 * 1024 * 1024,
};

const DEFAULT_MYSQL: MySqlConnectionConfig = {
  host: "127.0.0.1",
  port: 3306,
  user: "root",
  password: "",
  database: "tap",
  connectionLimit: 8,
  connectTimeoutSeconds: 10,
  acquireTimeoutSeconds: 10,
  queueLimit: 64,
};

/**
 * 2 GiB, or a quarter of the RAM when that is less: DuckDB's sorts, aggregates and joins spill to
 * disk beyond it, so the limit sets their speed, not what they can do, and the rest of the
 * machine keeps what a query must not take (Node's heap, the page cache, a colocated database).
 */
export function defaultDuckDbMemory(totalBytes = totalmem()): string {
  return `${Math.floor(Math.min(2 * 1024 ** 3, totalBytes / 4) / 1024 ** 2)}MiB`;
}

export const DEFAULT_HTTP: HttpConfig = {
  headersTimeoutSeconds: 20,
  requestTimeoutSeconds: 300,
  keepAliveTimeoutSeconds: 5,
  maxConnections: 1024,
  // Kubernetes kills a pod 30 s after SIGTERM by default: leave time to persist the jobs.
  shutdownGraceSeconds: 25,
};

const SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

export const DEFAULT_LIMITS: Limits = {
  defaultMaxrec: 100_000,
  hardMaxrec: 10_000_000,
  syncTimeoutSeconds: 600,
  uploadMaxBytes: 64 * 1024 * 1024,
  uploadMaxRows: 1_000_000,
  uploadMaxTables: 8,
  requestMaxBytes: 256 * 1024 * 1024,
  paramsMaxBytes: 1024 * 1024,
  maxParams: 100,
  syncConcurrency: 8,
  syncPerClient: 4,
  syncQueueSeconds: 10,
};

export const DEFAULT_AUTH: AuthConfig = {
  mode: "none",
  tokenFile: "",
  header: "X-Auth-Request-User",
  trustedProxies: [],
  allowAnonymous: true,
};

export const DEFAULT_QUOTAS: Quotas = {
  jobsPerClient: 100,
  jobsTotal: 10_000,
  storedBytesPerClient: 10 * 1024 ** 3,
  storedBytesTotal: 100 * 1024 ** 3,
  parameterBytesPerJob: 1024 * 1024,
  parameterBytesTotal: 512 * 1024 * 1024,
};

export const DEFAULT_ASYNC: Omit<AsyncConfig, "dir"> = {
  concurrency: 2,
  defaultExecutionSeconds: 4 * 3600,
  maxExecutionSeconds: 24 * 3600,
  defaultDestructionSeconds: 7 * 86400,
  maxDestructionSeconds: 30 * 86400,
  maxWaitSeconds: 60,
  ownerHeader: "",
};

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, not "${value}"`);
  return n;
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

export const DEFAULT_UPLOAD_URLS: UploadUrlConfig = {
  enabled: true,
  allow: [],
  timeoutSeconds: 120,
  connectTimeoutSeconds: 10,
  maxRedirects: 5,
};

function uploadUrlsFrom(file: Record<string, unknown>, env: Env): UploadUrlConfig {
  // The host allowlist that preceded the guard let any port and path of a host be fetched: an
  // entry is not turned into prefixes silently, the operator chooses them.
  const old = list(env.TAP_UPLOAD_URL_HOSTS) ?? (file.uploadUrlHosts as string[] | undefined) ?? [];
  if (old.length > 0) {
    throw new ConfigError(
      "uploadUrlHosts (TAP_UPLOAD_URL_HOSTS) is no longer read: URL uploads are on by default for public hosts, and an address " +
        "that is refused (loopback, private, link-local) is allowed by URL prefix in uploadUrls.allow (TAP_UPLOAD_URL_ALLOW), " +
        `e.g. http://${old[0]}:8000/votables/; remove uploadUrlHosts`,
    );
  }
  const c: UploadUrlConfig = { ...DEFAULT_UPLOAD_URLS, ...((file.uploadUrls as Partial<UploadUrlConfig> | undefined) ?? {}) };
  const switched = env.TAP_UPLOAD_URLS;
  if (switched !== undefined && switched !== "") {
    if (!["1", "true", "0", "false"].includes(switched)) throw new ConfigError(`TAP_UPLOAD_URLS must be true or false, not "${switched}"`);
    c.enabled = switched === "1" || switched === "true";
  }
  if (typeof c.enabled !== "boolean") throw new ConfigError(`uploadUrls.enabled must be true or false, not ${JSON.stringify(c.enabled)}`);
  c.allow = list(env.TAP_UPLOAD_URL_ALLOW) ?? c.allow;
  if (!Array.isArray(c.allow)) throw new ConfigError("uploadUrls.allow must be a list of URL prefixes");
  for (const p of c.allow) {
    try {
      parseUrlPrefix(String(p));
    } catch (e) {
      throw new ConfigError(`uploadUrls.allow (TAP_UPLOAD_URL_ALLOW): ${(e as Error).message}`);
    }
  }
  const seconds = (value: string | undefined, name: string): number | undefined => {
    if (value === undefined || value === "") return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number of seconds, not "${value}"`);
    return n;
  };
  c.timeoutSeconds = seconds(env.TAP_UPLOAD_URL_TIMEOUT, "TAP_UPLOAD_URL_TIMEOUT") ?? c.timeoutSeconds;
  c.connectTimeoutSeconds = seconds(env.TAP_UPLOAD_URL_CONNECT_TIMEOUT, "TAP_UPLOAD_URL_CONNECT_TIMEOUT") ?? c.connectTimeoutSeconds;
  for (const k of ["timeoutSeconds", "connectTimeoutSeconds"] as const) {
    if (typeof c[k] !== "number" || !Number.isFinite(c[k]) || c[k] <= 0) {
      throw new ConfigError(`uploadUrls.${k} must be a positive number of seconds, not ${JSON.stringify(c[k])}`);
    }
  }
  if (!Number.isSafeInteger(c.maxRedirects) || c.maxRedirects < 0) {
    throw new ConfigError(`uploadUrls.maxRedirects must be a non-negative integer, not ${JSON.stringify(c.maxRedirects)}`);
  }
  return c;
}

/** mysql://user:password@host:port/database */
function mysqlUrl(value: string | undefined, base: MySqlConnectionConfig, name: string): MySqlConnectionConfig {
  if (value === undefined || value === "") return base;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL like mysql://user:password@host:3306/database`);
  }
  return {
    ...base,
    host: u.hostname || base.host,
    port: u.port ? Number(u.port) : base.port,
    user: u.username ? decodeURIComponent(u.username) : base.user,
    password: u.password ? decodeURIComponent(u.password) : base.password,
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : base.database,
  };
}

/**
 * Reads the configuration. Relative paths in the file are relative to the file; relative paths
 * from the environment or defaults, to the working directory.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const explicit = env.TAP_CONFIG;
  const path = explicit ? resolve(cwd, explicit) : resolve(cwd, "tap-server.json");
  let file: Record<string, unknown> = {};
  let fileDir = cwd;
  if (existsSync(path)) {
    try {
      file = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`${path}: ${(e as Error).message}`);
    }
    fileDir = dirname(path);
  } else if (explicit) {
    throw new ConfigError(`TAP_CONFIG: no file ${path}`);
  }
  return configFrom(file, env, cwd, fileDir);
}

export function configFrom(file: Record<string, unknown>, env: Env = {}, cwd = process.cwd(), fileDir = cwd): Config {
  const f = file as Partial<Omit<Config, "limits" | "mariadb" | "qserv" | "duckdb" | "async">> & {
    async?: Partial<AsyncConfig>;
    limits?: Partial<Limits>;
    auth?: Partial<AuthConfig>;
    quotas?: Partial<Quotas>;
    mariadb?: Partial<MySqlConnectionConfig>;
    qserv?: Partial<MySqlConnectionConfig>;
    duckdb?: Partial<DuckDbConfig>;
    http?: Partial<HttpConfig>;
    images?: Partial<ImagesConfig>;
  };
  const host = env.HOST || f.host || "127.0.0.1";
  const port = int(env.PORT, "PORT") ?? f.port ?? 8080;
  const backend = (env.TAP_BACKEND || f.backend || "duckdb") as BackendKind;
  if (!["duckdb", "mariadb", "qserv"].includes(backend)) {
    throw new ConfigError(`backend must be duckdb, mariadb or qserv, not "${backend}"`);
  }
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const baseUrl = (env.TAP_BASE_URL || f.baseUrl || `http://${urlHost}:${port}/tap`).replace(/\/+$/, "");
  const fileSchemas = (f.schemas ?? []).map((p) => resolve(fileDir, p));
  const envSchemas = list(env.TAP_SCHEMAS)?.map((p) => resolve(cwd, p));
  const schemas = envSchemas ?? fileSchemas;
  const demoEnv = env.TAP_DEMO;
  const demo =
    demoEnv !== undefined && demoEnv !== ""
      ? demoEnv === "1" || demoEnv === "true"
      : (f.demo ?? (backend === "duckdb" && schemas.length === 0));
  const duckdbPath = env.TAP_DUCKDB_PATH
    ? env.TAP_DUCKDB_PATH === ":memory:"
      ? ":memory:"
      : resolve(cwd, env.TAP_DUCKDB_PATH)
    : f.duckdb?.path
      ? f.duckdb.path === ":memory:"
        ? ":memory:"
        : resolve(fileDir, f.duckdb.path)
      : resolve(cwd, "data/tap.duckdb");
  const limits: Limits = { ...DEFAULT_LIMITS, ...(f.limits ?? {}) };
  limits.defaultMaxrec = int(env.TAP_DEFAULT_MAXREC, "TAP_DEFAULT_MAXREC") ?? limits.defaultMaxrec;
  limits.hardMaxrec = int(env.TAP_HARD_MAXREC, "TAP_HARD_MAXREC") ?? limits.hardMaxrec;
  limits.syncTimeoutSeconds = int(env.TAP_SYNC_TIMEOUT, "TAP_SYNC_TIMEOUT") ?? limits.syncTimeoutSeconds;
  limits.uploadMaxBytes = int(env.TAP_UPLOAD_MAX_BYTES, "TAP_UPLOAD_MAX_BYTES") ?? limits.uploadMaxBytes;
  limits.uploadMaxRows = int(env.TAP_UPLOAD_MAX_ROWS, "TAP_UPLOAD_MAX_ROWS") ?? limits.uploadMaxRows;
  limits.uploadMaxTables = int(env.TAP_UPLOAD_MAX_TABLES, "TAP_UPLOAD_MAX_TABLES") ?? limits.uploadMaxTables;
  limits.requestMaxBytes = int(env.TAP_REQUEST_MAX_BYTES, "TAP_REQUEST_MAX_BYTES") ?? limits.requestMaxBytes;
  limits.paramsMaxBytes = int(env.TAP_PARAMS_MAX_BYTES, "TAP_PARAMS_MAX_BYTES") ?? limits.paramsMaxBytes;
  limits.maxParams = int(env.TAP_MAX_PARAMS, "TAP_MAX_PARAMS") ?? limits.maxParams;
  limits.syncConcurrency = int(env.TAP_SYNC_CONCURRENCY, "TAP_SYNC_CONCURRENCY") ?? limits.syncConcurrency;
  limits.syncPerClient = int(env.TAP_SYNC_PER_CLIENT, "TAP_SYNC_PER_CLIENT") ?? limits.syncPerClient;
  limits.syncQueueSeconds = int(env.TAP_SYNC_QUEUE_SECONDS, "TAP_SYNC_QUEUE_SECONDS") ?? limits.syncQueueSeconds;
  for (const k of ["requestMaxBytes", "paramsMaxBytes", "maxParams", "syncConcurrency", "syncPerClient"] as const) {
    if (!Number.isSafeInteger(limits[k]) || limits[k] < 1) throw new ConfigError(`limits.${k} must be a positive integer, not ${JSON.stringify(limits[k])}`);
  }
  if (limits.defaultMaxrec > limits.hardMaxrec) limits.defaultMaxrec = limits.hardMaxrec;
  const a = { ...DEFAULT_ASYNC, ...(f.async ?? {}) };
  const asyncConfig: AsyncConfig = {
    ...a,
    dir: env.TAP_ASYNC_DIR ? resolve(cwd, env.TAP_ASYNC_DIR) : f.async?.dir ? resolve(fileDir, f.async.dir) : resolve(cwd, "data/async"),
    concurrency: Math.max(1, int(env.TAP_ASYNC_CONCURRENCY, "TAP_ASYNC_CONCURRENCY") ?? a.concurrency),
    defaultExecutionSeconds: int(env.TAP_ASYNC_EXECUTION_DURATION, "TAP_ASYNC_EXECUTION_DURATION") ?? a.defaultExecutionSeconds,
    maxExecutionSeconds: int(env.TAP_ASYNC_MAX_EXECUTION_DURATION, "TAP_ASYNC_MAX_EXECUTION_DURATION") ?? a.maxExecutionSeconds,
    defaultDestructionSeconds: int(env.TAP_ASYNC_DESTRUCTION, "TAP_ASYNC_DESTRUCTION") ?? a.defaultDestructionSeconds,
    ownerHeader: env.TAP_ASYNC_OWNER_HEADER ?? a.ownerHeader,
  };
  if (asyncConfig.maxExecutionSeconds < 1) asyncConfig.maxExecutionSeconds = 1;
  if (asyncConfig.defaultExecutionSeconds < 1 || asyncConfig.defaultExecutionSeconds > asyncConfig.maxExecutionSeconds) {
    asyncConfig.defaultExecutionSeconds = asyncConfig.maxExecutionSeconds;
  }
  if (asyncConfig.defaultDestructionSeconds > asyncConfig.maxDestructionSeconds) {
    asyncConfig.maxDestructionSeconds = asyncConfig.defaultDestructionSeconds;
  }
  const auth = authFrom(f.auth, env, cwd, fileDir, host, asyncConfig.ownerHeader);
  const quotas: Quotas = { ...DEFAULT_QUOTAS, ...(f.quotas ?? {}) };
  quotas.jobsPerClient = int(env.TAP_QUOTA_JOBS, "TAP_QUOTA_JOBS") ?? quotas.jobsPerClient;
  quotas.jobsTotal = int(env.TAP_QUOTA_JOBS_TOTAL, "TAP_QUOTA_JOBS_TOTAL") ?? quotas.jobsTotal;
  quotas.storedBytesPerClient = int(env.TAP_QUOTA_BYTES, "TAP_QUOTA_BYTES") ?? quotas.storedBytesPerClient;
  quotas.storedBytesTotal = int(env.TAP_QUOTA_BYTES_TOTAL, "TAP_QUOTA_BYTES_TOTAL") ?? quotas.storedBytesTotal;
  quotas.parameterBytesPerJob = int(env.TAP_QUOTA_JOB_PARAMETER_BYTES, "TAP_QUOTA_JOB_PARAMETER_BYTES") ?? quotas.parameterBytesPerJob;
  quotas.parameterBytesTotal = int(env.TAP_QUOTA_PARAMETER_BYTES_TOTAL, "TAP_QUOTA_PARAMETER_BYTES_TOTAL") ?? quotas.parameterBytesTotal;
  for (const [k, v] of Object.entries(quotas)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`quotas.${k} must be a positive integer, not ${JSON.stringify(v)}`);
  }
  return {
    host,
    port,
    baseUrl,
    backend,
    duckdb: duckdbFrom(f.duckdb ?? {}, env, cwd, fileDir, duckdbPath),
    http: httpFrom(f.http ?? {}, env),
    mariadb: poolFrom(mysqlUrl(env.TAP_MARIADB_URL, { ...DEFAULT_MYSQL, ...(f.mariadb ?? {}) }, "TAP_MARIADB_URL"), env, "mariadb"),
    qserv: poolFrom(mysqlUrl(env.TAP_QSERV_URL, { ...DEFAULT_MYSQL, port: 4040, database: "", ...(f.qserv ?? {}) }, "TAP_QSERV_URL"), env, "qserv"),
    schemas,
    demo,
    limits,
    uploadUrls: uploadUrlsFrom(file, env),
    async: asyncConfig,
    auth,
    quotas,
    images: imagesFrom(f.images ?? {}, env, cwd, fileDir, baseUrl, demo),
  };
}

function imagesFrom(i: Partial<ImagesConfig>, env: Env, cwd: string, fileDir: string, tapBaseUrl: string, demo: boolean): ImagesConfig {
  const registry = (env.TAP_IMAGES_REGISTRY || i.registry || DEFAULT_IMAGES.registry) as ImagesConfig["registry"];
  if (!["local", "butler", "none"].includes(registry)) throw new ConfigError(`images.registry must be local, butler or none, not "${registry}"`);
  const butlerUrl = (env.TAP_BUTLER_URL || i.butlerUrl || "").replace(/\/+$/, "");
  const butlerRepos = list(env.TAP_BUTLER_REPOS) ?? i.butlerRepos ?? [];
  if (registry === "butler") {
    if (!/^https?:\/\/[^/]/.test(butlerUrl)) throw new ConfigError(`images.butlerUrl (TAP_BUTLER_URL) must be an http(s) URL when images.registry is butler, not "${butlerUrl}"`);
    if (butlerRepos.length === 0) throw new ConfigError("images.butlerRepos (TAP_BUTLER_REPOS) must name at least one repository when images.registry is butler");
  }
  const path = (envValue: string | undefined, fileValue: string | undefined, fallback: string) =>
    envValue ? resolve(cwd, envValue) : fileValue ? resolve(fileDir, fileValue) : resolve(cwd, fallback);
  const maxCutoutPixels = int(env.TAP_IMAGES_MAX_CUTOUT_PIXELS, "TAP_IMAGES_MAX_CUTOUT_PIXELS") ?? i.maxCutoutPixels ?? DEFAULT_IMAGES.maxCutoutPixels;
  if (!Number.isSafeInteger(maxCutoutPixels) || maxCutoutPixels < 1) {
    throw new ConfigError(`images.maxCutoutPixels must be a positive integer, not ${JSON.stringify(maxCutoutPixels)}`);
  }
  const demoEnv = env.TAP_IMAGES_DEMO;
  return {
    registry,
    baseUrl: (env.TAP_IMAGES_BASE_URL || i.baseUrl || tapBaseUrl.replace(/\/tap$/, "")).replace(/\/+$/, ""),
    dir: path(env.TAP_IMAGES_DIR, i.dir, "data/images"),
    registryPath: path(env.TAP_IMAGES_REGISTRY_PATH, i.registryPath, "data/images.duckdb"),
    demo: demoEnv !== undefined && demoEnv !== "" ? demoEnv === "1" || demoEnv === "true" : (i.demo ?? demo),
    authority: i.authority ?? DEFAULT_IMAGES.authority,
    repo: i.repo ?? DEFAULT_IMAGES.repo,
    butlerUrl,
    butlerRepos,
    maxCutoutPixels,
  };
}

function duckdbFrom(d: Partial<DuckDbConfig>, env: Env, cwd: string, fileDir: string, path: string): DuckDbConfig {
  const memoryLimit = env.TAP_DUCKDB_MEMORY_LIMIT || d.memoryLimit || defaultDuckDbMemory();
  const maxTempDirectorySize = env.TAP_DUCKDB_MAX_TEMP_SIZE || d.maxTempDirectorySize || "4GiB";
  for (const [name, v] of [["duckdb.memoryLimit", memoryLimit], ["duckdb.maxTempDirectorySize", maxTempDirectorySize]] as const) {
    if (!SIZE.test(v)) throw new ConfigError(`${name} must be a size such as 512MiB or 2GiB, not "${v}"`);
  }
  const threads = int(env.TAP_DUCKDB_THREADS, "TAP_DUCKDB_THREADS") ?? d.threads ?? availableParallelism();
  if (!Number.isSafeInteger(threads) || threads < 1) throw new ConfigError(`duckdb.threads must be a positive integer, not ${JSON.stringify(threads)}`);
  const tempDirectory = env.TAP_DUCKDB_TEMP_DIR ? resolve(cwd, env.TAP_DUCKDB_TEMP_DIR) : d.tempDirectory ? resolve(fileDir, d.tempDirectory) : "";
  return { path, memoryLimit, threads, tempDirectory, maxTempDirectorySize };
}

function httpFrom(h: Partial<HttpConfig>, env: Env): HttpConfig {
  const http: HttpConfig = { ...DEFAULT_HTTP, ...h };
  http.headersTimeoutSeconds = int(env.TAP_HTTP_HEADERS_TIMEOUT, "TAP_HTTP_HEADERS_TIMEOUT") ?? http.headersTimeoutSeconds;
  http.requestTimeoutSeconds = int(env.TAP_HTTP_REQUEST_TIMEOUT, "TAP_HTTP_REQUEST_TIMEOUT") ?? http.requestTimeoutSeconds;
  http.keepAliveTimeoutSeconds = int(env.TAP_HTTP_KEEPALIVE_TIMEOUT, "TAP_HTTP_KEEPALIVE_TIMEOUT") ?? http.keepAliveTimeoutSeconds;
  http.maxConnections = int(env.TAP_HTTP_MAX_CONNECTIONS, "TAP_HTTP_MAX_CONNECTIONS") ?? http.maxConnections;
  http.shutdownGraceSeconds = int(env.TAP_SHUTDOWN_GRACE, "TAP_SHUTDOWN_GRACE") ?? http.shutdownGraceSeconds;
  for (const [k, v] of Object.entries(http)) {
    if (typeof v !== "number" || !(v >= 0) || (k !== "shutdownGraceSeconds" && v < 1)) {
      throw new ConfigError(`http.${k} must be a positive number, not ${JSON.stringify(v)}`);
    }
  }
  // Node refuses a headersTimeout above requestTimeout.
  if (http.headersTimeoutSeconds > http.requestTimeoutSeconds) http.headersTimeoutSeconds = http.requestTimeoutSeconds;
  return http;
}

function poolFrom(c: MySqlConnectionConfig, env: Env, name: string): MySqlConnectionConfig {
  const out = { ...c };
  out.connectTimeoutSeconds = int(env.TAP_DB_CONNECT_TIMEOUT, "TAP_DB_CONNECT_TIMEOUT") ?? out.connectTimeoutSeconds;
  out.acquireTimeoutSeconds = int(env.TAP_DB_ACQUIRE_TIMEOUT, "TAP_DB_ACQUIRE_TIMEOUT") ?? out.acquireTimeoutSeconds;
  out.queueLimit = int(env.TAP_DB_QUEUE_LIMIT, "TAP_DB_QUEUE_LIMIT") ?? out.queueLimit;
  for (const k of ["connectionLimit", "connectTimeoutSeconds", "acquireTimeoutSeconds", "queueLimit"] as const) {
    const v = out[k];
    if (v !== undefined && (typeof v !== "number" || !(v >= 0) || (k !== "queueLimit" && v <= 0))) {
      throw new ConfigError(`${name}.${k} must be a positive number, not ${JSON.stringify(v)}`);
    }
  }
  return out;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);

function authFrom(
  f: Partial<AuthConfig> | undefined,
  env: Env,
  cwd: string,
  fileDir: string,
  host: string,
  ownerHeader: string,
): AuthConfig {
  const a: AuthConfig = { ...DEFAULT_AUTH, ...(f ?? {}) };
  // async.ownerHeader (TAP_ASYNC_OWNER_HEADER) was this setting before authentication had modes.
  if (ownerHeader && f?.mode === undefined && !env.TAP_AUTH) {
    a.mode = "trusted-header";
    a.header = ownerHeader;
  }
  a.mode = (env.TAP_AUTH || a.mode) as AuthMode;
  if (!["none", "token", "trusted-header"].includes(a.mode)) {
    throw new ConfigError(`auth.mode (TAP_AUTH) must be none, token or trusted-header, not "${a.mode}"`);
  }
  a.header = env.TAP_AUTH_HEADER || a.header;
  a.trustedProxies = list(env.TAP_TRUSTED_PROXIES) ?? a.trustedProxies;
  if (env.TAP_AUTH_ANONYMOUS) a.allowAnonymous = env.TAP_AUTH_ANONYMOUS === "1" || env.TAP_AUTH_ANONYMOUS === "true";
  a.tokenFile = env.TAP_AUTH_TOKEN_FILE ? resolve(cwd, env.TAP_AUTH_TOKEN_FILE) : a.tokenFile ? resolve(fileDir, a.tokenFile) : "";
  if (a.mode === "token" && !a.tokenFile) throw new ConfigError("auth.mode token needs auth.tokenFile (TAP_AUTH_TOKEN_FILE)");
  if (a.mode === "trusted-header") {
    if (!/^[A-Za-z0-9-]+$/.test(a.header)) throw new ConfigError(`auth.header must be a header name, not "${a.header}"`);
    if (a.trustedProxies.length === 0) {
      // Anyone who can reach the port could claim to be anyone: only a loopback listener may
      // take the proxy on the same host for granted.
      if (!LOOPBACK_HOSTS.has(host)) {
        throw new ConfigError(
          `auth.mode trusted-header on ${host} needs auth.trustedProxies (TAP_TRUSTED_PROXIES): the addresses of the proxies allowed to set ${a.header}`,
        );
      }
      a.trustedProxies = ["127.0.0.0/8", "::1/128"];
    }
  }
  return a;
}
