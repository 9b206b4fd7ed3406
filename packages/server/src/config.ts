/**
 * Configuration: one JSON file (TAP_CONFIG, or ./tap-server.json if it exists) and environment
 * variables that override it, both checked against one declaration (CONFIG_SCHEMA, zod). Every
 * setting has a default, so no configuration at all serves the demo catalog from an embedded
 * DuckDB on http://127.0.0.1:8080/tap, with its files under defaultDataDir().
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, homedir, totalmem } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
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
  /** DuckDB's threads (DEFAULT_DUCKDB_THREADS when not configured). */
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
  /**
   * Seconds a result's start is read before it is streamed: a result that ends within it (a cone search's) is sent
   * whole, with its Content-Length and not gzipped when small; a slow query's first bytes wait this long at most.
   */
  smallBodyWaitSeconds: number;
  /**
   * Threads that encode TABLEDATA, CSV and TSV results (the votable package's TextEncodingPool), started with the
   * server. Text costs several times BINARY2 per row, and encoded in the event loop it holds up every other request
   * meanwhile. 0: the event loop encodes them. Default: defaultEncodingThreads.
   */
  encodingThreads: number;
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
  /** Where jobs are kept: this process's JSON files under `dir`, or a MariaDB database that replicas share. */
  jobStore: JobStoreConfig;
  /** This replica's name in logs and leases; empty: the host name and the process id. */
  replicaId: string;
  /** How long a replica's hold on a running job lasts unless renewed (every third of it); then another replica takes the job over. */
  leaseSeconds: number;
  /** The longest pause between two looks at a shared job store: WAIT, QUEUED jobs of other replicas, the sweeps. */
  pollSeconds: number;
  /** How often a job may run: a job whose replica died is run again while it has run fewer times, else ERROR. */
  maxRuns: number;
  /** Jobs running at once across all replicas of a shared job store (0: no limit beyond each replica's concurrency). */
  globalConcurrency: number;
}

/** The job store: `files`, or a MariaDB (`mysql://user:password@host:port/database`) created and migrated at start. */
export type JobStoreConfig = { kind: "files" } | { kind: "mysql"; host: string; port: number; user: string; password: string; database: string };

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

/**
 * Where async jobs' results and inline uploads are kept: "local", the directory under async.dir, or an S3-compatible
 * bucket that replicas share (results are then fetched by clients from the bucket, with presigned URLs).
 */
export interface ResultStoreConfig {
  /** "local" or "s3://bucket/prefix", as configured. */
  location: string;
  /** An S3-compatible server, addressed path-style; empty: AWS S3 itself. */
  s3Endpoint: string;
  /** Seconds a presigned result URL stays valid. */
  urlLifetimeSeconds: number;
  /** The bucket that location names (absent for "local"). */
  s3?: {
    bucket: string;
    /** "" or a key prefix ending in "/". */
    prefix: string;
    region: string;
    /** From AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN: never logged, never in a message. */
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  };
}

export const DEFAULT_RESULT_URL_LIFETIME = 900;

export interface Config {
  /** Where the default locations are: duckdb.path, async.dir, images.dir and images.registryPath. */
  dataDir: string;
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
  resultStore: ResultStoreConfig;
  auth: AuthConfig;
  quotas: Quotas;
  images: ImagesConfig;
  /** The level of the JSON log (pino's): fatal, error, warn, info (one line per request), debug, trace or silent. */
  logLevel: LogLevel;
}

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

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
  smallBodyWaitSeconds: 0.025,
  encodingThreads: defaultEncodingThreads(availableParallelism()),
};

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
  jobStore: { kind: "files" },
  replicaId: "",
  leaseSeconds: 30,
  pollSeconds: 1,
  maxRuns: 2,
  globalConcurrency: 0,
};

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const DEFAULT_UPLOAD_URLS: UploadUrlConfig = {
  enabled: true,
  allow: [],
  timeoutSeconds: 120,
  connectTimeoutSeconds: 10,
  maxRedirects: 5,
};

/**
 * Where every file the service writes goes unless a setting names another place: the XDG Base Directory
 * Specification's data directory, `$XDG_DATA_HOME/qserv-tap`, or `~/.local/share/qserv-tap` when
 * XDG_DATA_HOME is unset, empty or relative (the specification says to ignore a relative one). It depends on the
 * user, not on the working directory, so `tap-server load` from one directory and `npm start` from another open
 * the same database.
 */
export function defaultDataDir(env: Env = process.env, home = homedir()): string {
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, ".local", "share"), "qserv-tap");
}

// ---------------------------------------------------------------------------------------------------------------
// The declaration: every key of the JSON file, its type, and the environment variables that set it. The file is
// checked against it (unknown keys and bad values refused), the environment is parsed with the same leaf
// schemas, and the usage text and the README's table are checked against it (config.test.ts).

/** How a value is read from an environment variable, and what an error says is expected. */
type Kind = "int" | "number" | "bool" | "string" | "path" | "list" | "paths" | "mysql-url";

export interface SettingMeta {
  /** Environment variables that set this key (TAP_DB_* set the key under both mariadb and qserv). */
  env?: string[];
  kind: Kind;
  /** What an error says the value must be. */
  expected: string;
  /** A setting of earlier versions, read only to stop the start with a message. */
  retired?: boolean;
}

const SETTINGS = z.registry<SettingMeta>();

function leaf<T extends z.ZodType>(schema: T, kind: Kind, expected: string, env?: string | string[]) {
  const meta: SettingMeta = { kind, expected, ...(env ? { env: typeof env === "string" ? [env] : env } : {}) };
  const optional = schema.optional();
  SETTINGS.add(optional, meta);
  return optional;
}
const int = (min: number, env?: string | string[], max?: number) =>
  leaf(
    max === undefined ? z.number().int().min(min).max(Number.MAX_SAFE_INTEGER) : z.number().int().min(min).max(max),
    "int",
    max !== undefined ? `an integer from ${min} to ${max}` : min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : `an integer of at least ${min}`,
    env,
  );
/**
 * The longest time that Node's setTimeout waits (2^31 - 1 ms): beyond it Node fires at once, which turned a long
 * TAP_SHUTDOWN_GRACE into none and a long TAP_SYNC_TIMEOUT into every query cut (the operator probe).
 */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Seconds, up to MAX_TIMER_SECONDS: more than 0 (min 0, exclusive), at least 1, or at least 0. */
const seconds = (min: "positive" | 0 | 1, env?: string | string[]) =>
  leaf(
    (min === "positive" ? z.number().positive() : z.number().min(min)).max(MAX_TIMER_SECONDS),
    "number",
    `${min === "positive" ? "a positive number of seconds" : min === 0 ? "a non-negative number of seconds" : "a number of seconds of at least 1"} up to ${MAX_TIMER_SECONDS} (24.8 days)`,
    env,
  );
const bool = (env?: string) => leaf(z.boolean(), "bool", "true or false", env);
const str = (env?: string | string[], expected = "a string") => leaf(z.string(), "string", expected, env);
const path = (env?: string) => leaf(z.string(), "path", "a path", env);
const list = (env?: string, expected = "a list of strings") => leaf(z.array(z.string()), "list", expected, env);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, env?: string) =>
  leaf(z.enum(values), "string", `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`, env);
function retire<T extends z.ZodType>(schema: T): T {
  SETTINGS.add(schema, { ...SETTINGS.get(schema)!, retired: true });
  return schema;
}
const SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;
const size = (env: string) => leaf(z.string().regex(SIZE), "string", "a size such as 512MiB or 2GiB", env);

function pool(name: "mariadb" | "qserv") {
  const env = name === "mariadb" ? "TAP_MARIADB_URL" : "TAP_QSERV_URL";
  return z
    .strictObject({
      host: str(),
      port: int(0, undefined, 65535),
      user: str(),
      password: str(),
      database: str(),
      connectionLimit: int(1),
      connectTimeoutSeconds: seconds("positive", "TAP_DB_CONNECT_TIMEOUT"),
      acquireTimeoutSeconds: seconds("positive", "TAP_DB_ACQUIRE_TIMEOUT"),
      queueLimit: int(0, "TAP_DB_QUEUE_LIMIT"),
    })
    .optional()
    .register(SETTINGS, { kind: "mysql-url", expected: "a URL like mysql://user:password@host:3306/database", env: [env] });
}

/** The configuration file, and through SettingMeta.env, the environment. */
export const CONFIG_SCHEMA = z.strictObject({
  dataDir: path("TAP_DATA_DIR"),
  host: str("HOST"),
  port: int(0, "PORT", 65535),
  baseUrl: str("TAP_BASE_URL", "a URL"),
  backend: oneOf(["duckdb", "mariadb", "qserv"], "TAP_BACKEND"),
  schemas: leaf(z.array(z.string()), "paths", "a list of paths", "TAP_SCHEMAS"),
  demo: bool("TAP_DEMO"),
  logLevel: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"], "TAP_LOG_LEVEL"),
  duckdb: z
    .strictObject({
      path: path("TAP_DUCKDB_PATH"),
      memoryLimit: size("TAP_DUCKDB_MEMORY_LIMIT"),
      threads: int(1, "TAP_DUCKDB_THREADS"),
      tempDirectory: path("TAP_DUCKDB_TEMP_DIR"),
      maxTempDirectorySize: size("TAP_DUCKDB_MAX_TEMP_SIZE"),
    })
    .optional(),
  http: z
    .strictObject({
      headersTimeoutSeconds: seconds(1, "TAP_HTTP_HEADERS_TIMEOUT"),
      requestTimeoutSeconds: seconds(1, "TAP_HTTP_REQUEST_TIMEOUT"),
      keepAliveTimeoutSeconds: seconds(1, "TAP_HTTP_KEEPALIVE_TIMEOUT"),
      maxConnections: int(1, "TAP_HTTP_MAX_CONNECTIONS"),
      shutdownGraceSeconds: seconds(0, "TAP_SHUTDOWN_GRACE"),
      smallBodyWaitSeconds: seconds(0, "TAP_HTTP_SMALL_BODY_WAIT"),
      encodingThreads: int(0, "TAP_ENCODING_THREADS", 64),
    })
    .optional(),
  mariadb: pool("mariadb"),
  qserv: pool("qserv"),
  limits: z
    .strictObject({
      defaultMaxrec: int(0, "TAP_DEFAULT_MAXREC"),
      hardMaxrec: int(0, "TAP_HARD_MAXREC"),
      syncTimeoutSeconds: int(1, "TAP_SYNC_TIMEOUT", MAX_TIMER_SECONDS),
      uploadMaxBytes: int(0, "TAP_UPLOAD_MAX_BYTES"),
      uploadMaxRows: int(0, "TAP_UPLOAD_MAX_ROWS"),
      uploadMaxTables: int(0, "TAP_UPLOAD_MAX_TABLES"),
      requestMaxBytes: int(1, "TAP_REQUEST_MAX_BYTES"),
      paramsMaxBytes: int(1, "TAP_PARAMS_MAX_BYTES"),
      maxParams: int(1, "TAP_MAX_PARAMS"),
      syncConcurrency: int(1, "TAP_SYNC_CONCURRENCY"),
      syncPerClient: int(1, "TAP_SYNC_PER_CLIENT"),
      syncQueueSeconds: int(0, "TAP_SYNC_QUEUE_SECONDS"),
    })
    .optional(),
  uploadUrls: z
    .strictObject({
      enabled: bool("TAP_UPLOAD_URLS"),
      allow: list("TAP_UPLOAD_URL_ALLOW", "a list of URL prefixes"),
      timeoutSeconds: seconds("positive", "TAP_UPLOAD_URL_TIMEOUT"),
      connectTimeoutSeconds: seconds("positive", "TAP_UPLOAD_URL_CONNECT_TIMEOUT"),
      maxRedirects: int(0),
    })
    .optional(),
  /** Read only to refuse it: see uploadUrlsFrom. */
  uploadUrlHosts: retire(list("TAP_UPLOAD_URL_HOSTS")),
  async: z
    .strictObject({
      dir: path("TAP_ASYNC_DIR"),
      concurrency: int(0, "TAP_ASYNC_CONCURRENCY"),
      defaultExecutionSeconds: int(0, "TAP_ASYNC_EXECUTION_DURATION"),
      maxExecutionSeconds: int(0, "TAP_ASYNC_MAX_EXECUTION_DURATION"),
      defaultDestructionSeconds: int(0, "TAP_ASYNC_DESTRUCTION"),
      maxDestructionSeconds: int(0),
      maxWaitSeconds: int(0),
      ownerHeader: str("TAP_ASYNC_OWNER_HEADER"),
      jobStore: str("TAP_JOB_STORE", "files or a URL like mysql://user:password@host:3306/database"),
      replicaId: str("TAP_REPLICA_ID"),
      leaseSeconds: seconds("positive", "TAP_JOB_LEASE"),
      pollSeconds: seconds("positive", "TAP_JOB_POLL"),
      maxRuns: int(1, "TAP_JOB_MAX_RUNS"),
      globalConcurrency: int(0, "TAP_ASYNC_GLOBAL_CONCURRENCY"),
    })
    .optional(),
  resultStore: z
    .strictObject({
      location: str("TAP_RESULT_STORE", "local or a URL like s3://bucket/prefix"),
      s3Endpoint: str("TAP_S3_ENDPOINT", "an http(s) URL"),
      urlLifetimeSeconds: int(1, "TAP_RESULT_URL_LIFETIME", 604_800),
    })
    .optional(),
  auth: z
    .strictObject({
      mode: oneOf(["none", "token", "trusted-header"], "TAP_AUTH"),
      tokenFile: path("TAP_AUTH_TOKEN_FILE"),
      header: str("TAP_AUTH_HEADER"),
      trustedProxies: list("TAP_TRUSTED_PROXIES", "a list of addresses or CIDR blocks"),
      allowAnonymous: bool("TAP_AUTH_ANONYMOUS"),
    })
    .optional(),
  quotas: z
    .strictObject({
      jobsPerClient: int(1, "TAP_QUOTA_JOBS"),
      jobsTotal: int(1, "TAP_QUOTA_JOBS_TOTAL"),
      storedBytesPerClient: int(1, "TAP_QUOTA_BYTES"),
      storedBytesTotal: int(1, "TAP_QUOTA_BYTES_TOTAL"),
      parameterBytesPerJob: int(1, "TAP_QUOTA_JOB_PARAMETER_BYTES"),
      parameterBytesTotal: int(1, "TAP_QUOTA_PARAMETER_BYTES_TOTAL"),
    })
    .optional(),
  images: z
    .strictObject({
      registry: oneOf(["local", "butler", "none"], "TAP_IMAGES_REGISTRY"),
      baseUrl: str("TAP_IMAGES_BASE_URL", "a URL"),
      dir: path("TAP_IMAGES_DIR"),
      registryPath: path("TAP_IMAGES_REGISTRY_PATH"),
      demo: bool("TAP_IMAGES_DEMO"),
      authority: str(),
      repo: str(),
      butlerUrl: str("TAP_BUTLER_URL", "a URL"),
      butlerRepos: list("TAP_BUTLER_REPOS"),
      maxCutoutPixels: int(1, "TAP_IMAGES_MAX_CUTOUT_PIXELS"),
    })
    .optional(),
});

/** The configuration file as the schema lets it be: every key optional. */
export type ConfigFile = z.infer<typeof CONFIG_SCHEMA>;

/** One declared setting: its key in the file (dotted), and how the environment sets it. */
export interface Setting extends SettingMeta {
  key: string;
  schema: z.ZodType;
}

function settingsOf(schema: z.ZodType, prefix: string, out: Setting[]): Setting[] {
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  const meta = SETTINGS.get(schema);
  if (meta && prefix) out.push({ key: prefix, schema, ...meta });
  if (inner instanceof z.ZodObject) {
    for (const [k, s] of Object.entries(inner.shape as Record<string, z.ZodType>)) settingsOf(s, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

/** Every key of the file and object that the schema declares, in declaration order (objects before their keys). */
export const SETTINGS_LIST: readonly Setting[] = settingsOf(CONFIG_SCHEMA, "", []);
/** Keys of the file that hold objects (duckdb, limits...). */
export const SECTIONS: readonly string[] = Object.keys(CONFIG_SCHEMA.shape).filter((k) => {
  const s = CONFIG_SCHEMA.shape[k as keyof typeof CONFIG_SCHEMA.shape] as z.ZodType;
  return s instanceof z.ZodOptional && s.unwrap() instanceof z.ZodObject;
});

/** TAP_CONFIG is read before the file it names, so it has no key. */
export const CONFIG_FILE_ENV = "TAP_CONFIG";

/** Every environment variable that sets something, in declaration order (the retired ones are not listed). */
export const ENV_VARS: readonly string[] = [
  CONFIG_FILE_ENV,
  ...new Set(SETTINGS_LIST.filter((s) => !s.retired).flatMap((s) => s.env ?? [])),
];

// ---------------------------------------------------------------------------------------------------------------
// Reading the file and the environment against the declaration.

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function settingAt(path: readonly PropertyKey[]): Setting | undefined {
  const key = path.filter((k) => typeof k === "string").join(".");
  return SETTINGS_LIST.find((s) => s.key === key);
}

/** The Levenshtein distance, to suggest the key that an unknown one misspells. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = up;
    }
  }
  return d[b.length]!;
}

function unknownKey(parent: string, key: string): string {
  let object: z.ZodType = CONFIG_SCHEMA;
  for (const k of parent ? parent.split(".") : []) {
    const o = object instanceof z.ZodOptional ? (object.unwrap() as z.ZodType) : object;
    object = (o as z.ZodObject).shape[k] as z.ZodType;
  }
  const inner = object instanceof z.ZodOptional ? (object.unwrap() as z.ZodType) : object;
  const siblings = Object.keys((inner as z.ZodObject).shape).filter((k) => !SETTINGS_LIST.find((s) => s.key === (parent ? `${parent}.${k}` : k))?.retired);
  const near = siblings
    .map((k) => [k, distance(key, k)] as const)
    .filter(([k, n]) => n <= Math.max(1, Math.floor(k.length / 3)))
    .sort((x, y) => x[1] - y[1])[0];
  const full = parent ? `${parent}.${key}` : key;
  return near
    ? `${full} is not a setting (did you mean ${parent ? `${parent}.` : ""}${near[0]}?)`
    : `${full} is not a setting; ${parent ? `${parent} has` : "the settings are"} ${siblings.join(", ")}`;
}

/** One line per problem of the file: the key, the value and what is expected. */
function fileErrors(file: unknown, error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const key = issue.path.map((k, i) => (typeof k === "number" ? `[${k}]` : `${i > 0 ? "." : ""}${String(k)}`)).join("");
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) lines.push(unknownKey(key, k));
      continue;
    }
    const setting = settingAt(issue.path);
    const value = at(file, issue.path);
    const expected = setting
      ? setting.kind === "list" || setting.kind === "paths"
        ? Array.isArray(at(file, issue.path.filter((k) => typeof k === "string")))
          ? "a string"
          : setting.expected
        : setting.expected
      : SECTIONS.includes(key)
        ? "an object"
        : key === ""
          ? "a JSON object"
          : issue.message;
    lines.push(`${key || "the configuration"} must be ${expected}, not ${shown(key, value)}`);
  }
  return lines;
}

const NUMBER = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** An environment variable's text as a value of the setting's type; what cannot be converted is left as text, for the schema to refuse. */
function fromEnv(kind: Kind, text: string): unknown {
  switch (kind) {
    case "int":
    case "number":
      return NUMBER.test(text) ? Number(text) : text;
    case "bool":
      return text === "1" || text === "true" ? true : text === "0" || text === "false" ? false : text;
    case "list":
    case "paths":
      return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
    default:
      return text;
  }
}

function setAt(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split(".");
  let o = target;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]!] = value;
}

/** mysql://user:password@host:port/database, as the keys it sets. */
function mysqlUrl(value: string): Record<string, unknown> | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return undefined;
  }
  if (u.protocol !== "mysql:") return undefined;
  try {
    return {
      ...(u.hostname ? { host: u.hostname } : {}),
      ...(u.port ? { port: Number(u.port) } : {}),
      ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.pathname.length > 1 ? { database: decodeURIComponent(u.pathname.slice(1)) } : {}),
    };
  } catch {
    // A bad percent-encoding (%ZZ): not a URL we can read, said like any other.
    return undefined;
  }
}

/**
 * A value as a configuration message quotes it, without secrets: a password's (or token's, secret's) value is not
 * shown at all, and a URL's password is masked, as TAP_JOB_STORE's always was (the README: no password in any log).
 */
function shown(key: string, value: unknown): string {
  if (/password|secret|token/i.test(key.split(".").pop() ?? "") && value !== undefined) return "***";
  return typeof value === "string" ? JSON.stringify(maskUrlPassword(value)) : JSON.stringify(value);
}

function maskUrlPassword(text: string): string {
  return text.replace(/\/\/([^:@/\s]*):[^@/\s]*@/g, "//$1:***@");
}

/**
 * The file's values with the environment's over them, paths made absolute (the file's relative to fileDir, the
 * environment's to cwd; ":memory:" is kept for duckdb.path), or a ConfigError listing every problem, one a line.
 */
export function settingsFrom(file0: unknown, env: Env, cwd: string, fileDir: string): ConfigFile {
  const errors: string[] = [];
  // A database section may be its URL in the file too, as in its variable: {"mariadb": "mysql://user:password@host/db"}.
  const file = structuredClone(file0);
  for (const s of SETTINGS_LIST) {
    if (s.kind !== "mysql-url" || typeof file !== "object" || file === null) continue;
    const v = at(file, s.key.split("."));
    if (typeof v !== "string") continue;
    const keys = mysqlUrl(v);
    if (keys) setAt(file as Record<string, unknown>, s.key, keys);
  }
  const parsed = CONFIG_SCHEMA.safeParse(file);
  if (!parsed.success) errors.push(...fileErrors(file, parsed.error));
  const merged = (parsed.success ? structuredClone(parsed.data) : {}) as Record<string, unknown>;
  const absolute = (p: string, dir: string) => (p === ":memory:" ? p : resolve(dir, p));
  for (const s of SETTINGS_LIST) {
    if (s.kind !== "path" && s.kind !== "paths") continue;
    const v = at(merged, s.key.split("."));
    if (typeof v === "string") setAt(merged, s.key, v === "" ? undefined : absolute(v, fileDir));
    else if (Array.isArray(v)) setAt(merged, s.key, v.map((p: string) => absolute(p, fileDir)));
  }
  // The environment: URLs first, so that the variables of single keys (TAP_DB_*) are not undone by them.
  const ordered = [...SETTINGS_LIST.filter((s) => s.kind === "mysql-url"), ...SETTINGS_LIST.filter((s) => s.kind !== "mysql-url")];
  for (const s of ordered) {
    for (const name of s.env ?? []) {
      const text = env[name];
      if (text === undefined || text === "") continue;
      if (s.kind === "mysql-url") {
        const keys = mysqlUrl(text);
        if (!keys) errors.push(`${name} (${s.key}) must be ${s.expected}, not ${shown(s.key, text)}`);
        else for (const [k, v] of Object.entries(keys)) setAt(merged, `${s.key}.${k}`, v);
        continue;
      }
      const value = fromEnv(s.kind, text);
      const r = s.schema.safeParse(value);
      if (!r.success) {
        errors.push(`${name} (${s.key}) must be ${s.expected}, not ${shown(s.key, text)}`);
        continue;
      }
      setAt(
        merged,
        s.key,
        s.kind === "path" ? absolute(value as string, cwd) : s.kind === "paths" ? (value as string[]).map((p) => absolute(p, cwd)) : value,
      );
    }
  }
  if (errors.length > 0) throw new ConfigError(errors.join("\n"));
  return merged as ConfigFile;
}

function uploadUrlsFrom(s: ConfigFile): UploadUrlConfig {
  // The host allowlist that preceded the guard let any port and path of a host be fetched: an
  // entry is not turned into prefixes silently, the operator chooses them.
  const old = s.uploadUrlHosts ?? [];
  if (old.length > 0) {
    throw new ConfigError(
      "uploadUrlHosts (TAP_UPLOAD_URL_HOSTS) is no longer read: URL uploads are on by default for public hosts, and an address " +
        "that is refused (loopback, private, link-local) is allowed by URL prefix in uploadUrls.allow (TAP_UPLOAD_URL_ALLOW), " +
        `e.g. http://${old[0]}:8000/votables/; remove uploadUrlHosts`,
    );
  }
  const c: UploadUrlConfig = { ...DEFAULT_UPLOAD_URLS, ...defined(s.uploadUrls) };
  for (const p of c.allow) {
    try {
      parseUrlPrefix(p);
    } catch (e) {
      throw new ConfigError(`uploadUrls.allow (TAP_UPLOAD_URL_ALLOW): ${(e as Error).message}`);
    }
  }
  return c;
}

/** The keys of an object whose value is not undefined: what a spread over defaults may override. */
function defined<T extends object>(o: T | undefined): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<{ [K in keyof T]: Exclude<T[K], undefined> }>;
}

/**
 * Reads the configuration. Relative paths in the file are relative to the file; relative paths
 * from the environment, to the working directory; the default places are under the data directory
 * (dataDir, TAP_DATA_DIR; default: defaultDataDir()), whatever the working directory.
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
      // V8's message quotes the text around the error, which may be a password: only where it is.
      const where = /position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec((e as Error).message);
      const at = where ? (where[2] ? ` at line ${where[2]}, column ${where[3]}` : ` at character ${where[1]}`) : "";
      throw new ConfigError(e instanceof SyntaxError ? `${path}: not valid JSON${at}` : `${path}: ${(e as Error).message}`);
    }
    fileDir = dirname(path);
  } else if (explicit) {
    throw new ConfigError(`TAP_CONFIG: no file ${path}`);
  }
  try {
    return configFrom(file, env, cwd, fileDir);
  } catch (e) {
    // Say which file a key is in (lines that name an environment variable are left as they are).
    if (e instanceof ConfigError && path && existsSync(path)) {
      const named = ENV_VARS.filter((v) => v !== CONFIG_FILE_ENV);
      throw new ConfigError(
        e.message
          .split("\n")
          .map((line) => (named.some((v) => line.startsWith(`${v} `)) ? line : `${path}: ${line}`))
          .join("\n"),
      );
    }
    throw e;
  }
}

export function configFrom(file: Record<string, unknown>, env: Env = {}, cwd = process.cwd(), fileDir = cwd): Config {
  const s = settingsFrom(file, env, cwd, fileDir);
  // XDG_DATA_HOME is the platform's, not a setting: the process's when the caller's environment does not say.
  const dataDir = s.dataDir ?? defaultDataDir({ XDG_DATA_HOME: env.XDG_DATA_HOME ?? process.env.XDG_DATA_HOME });
  const host = s.host || "127.0.0.1";
  const port = s.port ?? 8080;
  const backend: BackendKind = s.backend ?? "duckdb";
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const baseUrl = (s.baseUrl || `http://${urlHost}:${port}/tap`).replace(/\/+$/, "");
  if (s.baseUrl) checkBaseUrl(s.baseUrl);
  const schemas = s.schemas ?? [];
  const demo = s.demo ?? (backend === "duckdb" && schemas.length === 0);
  const limits: Limits = { ...DEFAULT_LIMITS, ...defined(s.limits) };
  if (limits.defaultMaxrec > limits.hardMaxrec) limits.defaultMaxrec = limits.hardMaxrec;
  const { jobStore, ...asyncSettings } = defined(s.async);
  const asyncConfig: AsyncConfig = { ...DEFAULT_ASYNC, ...asyncSettings, dir: s.async?.dir ?? join(dataDir, "async"), jobStore: jobStoreFrom(jobStore) };
  asyncConfig.concurrency = Math.max(1, asyncConfig.concurrency);
  if (asyncConfig.maxExecutionSeconds < 1) asyncConfig.maxExecutionSeconds = 1;
  if (asyncConfig.defaultExecutionSeconds < 1 || asyncConfig.defaultExecutionSeconds > asyncConfig.maxExecutionSeconds) {
    asyncConfig.defaultExecutionSeconds = asyncConfig.maxExecutionSeconds;
  }
  if (asyncConfig.defaultDestructionSeconds > asyncConfig.maxDestructionSeconds) {
    asyncConfig.maxDestructionSeconds = asyncConfig.defaultDestructionSeconds;
  }
  const auth = authFrom(s, host, asyncConfig.ownerHeader);
  const quotas: Quotas = { ...DEFAULT_QUOTAS, ...defined(s.quotas) };
  return {
    dataDir,
    host,
    port,
    baseUrl,
    backend,
    duckdb: duckdbFrom(s, dataDir),
    http: httpFrom(s),
    mariadb: { ...DEFAULT_MYSQL, ...defined(s.mariadb) },
    qserv: { ...DEFAULT_MYSQL, port: 4040, database: "", ...defined(s.qserv) },
    schemas,
    demo,
    limits,
    uploadUrls: uploadUrlsFrom(s),
    async: asyncConfig,
    resultStore: resultStoreFrom(s, env),
    auth,
    quotas,
    images: imagesFrom(s, dataDir, baseUrl, demo),
    logLevel: s.logLevel ?? "info",
  };
}

/**
 * TAP_BASE_URL: an http(s) URL without credentials, query or fragment. Anything was taken as it was (notaurl failed
 * later, with a stack, in the query page's router). Its path is free: behind a proxy under another path
 * (/archive/lsst-tap), TAP is there; the images' base is its parent only when it ends in /tap (TAP_IMAGES_BASE_URL).
 */
function checkBaseUrl(value: string): void {
  if (!isPlainHttpUrl(value)) {
    throw new ConfigError(`baseUrl (TAP_BASE_URL) must be the public http(s) URL of the service's TAP (e.g. https://data.example.org/api/tap), without credentials, query or fragment, not ${shown("baseUrl", value)}`);
  }
}

/** An http(s) URL without credentials, query or fragment: what the service's own base URLs and endpoints must be. */
function isPlainHttpUrl(value: string): boolean {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return false;
  }
  return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password && !u.search && !u.hash;
}

/** TAP_JOB_STORE: `files`, or a MariaDB URL whose password no message repeats. */
function jobStoreFrom(value: string | undefined): JobStoreConfig {
  if (value === undefined || value === "" || value === "files") return { kind: "files" };
  const keys = mysqlUrl(value);
  if (!keys || !keys.host || !keys.user || !keys.database || !/^[A-Za-z0-9_$]{1,64}$/.test(keys.database as string)) {
    throw new ConfigError(
      `async.jobStore (TAP_JOB_STORE) must be files or a URL like mysql://user:password@host:3306/database (a database name of letters, digits and _), not ${shown("async.jobStore", value)}`,
    );
  }
  return { kind: "mysql", host: keys.host as string, port: (keys.port as number | undefined) ?? 3306, user: keys.user as string, password: (keys.password as string | undefined) ?? "", database: keys.database as string };
}

/** TAP_RESULT_STORE and its bucket's settings; the credentials are the standard AWS variables of the environment. */
function resultStoreFrom(s: ConfigFile, env: Env): ResultStoreConfig {
  const r = defined(s.resultStore);
  const location = r.location || "local";
  const endpoint = (r.s3Endpoint ?? "").replace(/\/+$/, "");
  if (endpoint !== "") {
    if (!isPlainHttpUrl(endpoint)) {
      throw new ConfigError(`resultStore.s3Endpoint (TAP_S3_ENDPOINT) must be an http(s) URL without credentials or query, not ${JSON.stringify(endpoint)}`);
    }
  }
  const common = { location, s3Endpoint: endpoint, urlLifetimeSeconds: r.urlLifetimeSeconds ?? DEFAULT_RESULT_URL_LIFETIME };
  if (location === "local") return common;
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/([A-Za-z0-9_.\-/]*))?$/.exec(location);
  if (!m || m[2]?.startsWith("/") || m[2]?.includes("//")) {
    throw new ConfigError(
      `resultStore.location (TAP_RESULT_STORE) must be local or s3://bucket/prefix (a bucket name of 3-63 lower-case letters, digits, dots and hyphens; a prefix of letters, digits and _ . - /), not ${JSON.stringify(location)}`,
    );
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? "";
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? "";
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError(`TAP_RESULT_STORE ${location} needs the bucket's credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  }
  const raw = m[2] ?? "";
  const prefix = raw === "" ? "" : raw.replace(/\/*$/, "/");
  return {
    ...common,
    s3: {
      bucket: m[1]!,
      prefix,
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
      credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) },
    },
  };
}

function imagesFrom(s: ConfigFile, dataDir: string, tapBaseUrl: string, demo: boolean): ImagesConfig {
  const i = defined(s.images);
  const registry = i.registry || DEFAULT_IMAGES.registry;
  const butlerUrl = (i.butlerUrl || "").replace(/\/+$/, "");
  const butlerRepos = i.butlerRepos ?? [];
  if (registry === "butler") {
    if (!/^https?:\/\/[^/]/.test(butlerUrl)) throw new ConfigError(`images.butlerUrl (TAP_BUTLER_URL) must be an http(s) URL when images.registry is butler, not "${butlerUrl}"`);
    if (butlerRepos.length === 0) throw new ConfigError("images.butlerRepos (TAP_BUTLER_REPOS) must name at least one repository when images.registry is butler");
  }
  return {
    registry,
    baseUrl: (i.baseUrl || tapBaseUrl.replace(/\/tap$/, "")).replace(/\/+$/, ""),
    dir: i.dir ?? join(dataDir, "images"),
    registryPath: i.registryPath ?? join(dataDir, "images.duckdb"),
    demo: i.demo ?? demo,
    authority: i.authority ?? DEFAULT_IMAGES.authority,
    repo: i.repo ?? DEFAULT_IMAGES.repo,
    butlerUrl,
    butlerRepos,
    maxCutoutPixels: i.maxCutoutPixels ?? DEFAULT_IMAGES.maxCutoutPixels,
  };
}

/**
 * DuckDB's threads when none are configured: one, not DuckDB's own default of one per core. A service runs many queries
 * at once, each on the thread that asks for it (libuv's), so it uses the cores without DuckDB's workers, and those
 * workers cost every query CPU: a cone search at varying centres took 1.7-1.9 ms of CPU with one thread and 2.2-2.7 ms
 * with two, at a fixed centre 0.95-1.1 against 1.35-1.46 ms (2 cores, bench/README.md, duckdb-session.bench.ts). What one thread gives up is the parallel scan of
 * one large query on an idle machine (a 10-million-row aggregate: 51 ms here with one thread, 57 ms with two while the
 * machine was busy); an operator who serves a few large scans rather than many searches sets TAP_DUCKDB_THREADS.
 */
export const DEFAULT_DUCKDB_THREADS = 1;

/**
 * The encoding threads when none are configured: one fewer than the cores, at most 4, and none on two cores or fewer.
 * On the 2-core machine of docs/performance.md, threads gave a 100,000-row TABLEDATA or CSV download no measurable
 * gain (two threads: 117-160 ms, the event loop: 134-164 ms, alternating runs) for 40-60% more CPU, and one thread was
 * slower (192-241 ms): the download's other work and its client had the cores already. Two threads encode at the
 * speed of one each when they have a core each, so with cores to spare the encoding of a large result is shared.
 */
export function defaultEncodingThreads(cores: number): number {
  return cores <= 2 ? 0 : Math.min(4, cores - 1);
}

function duckdbFrom(s: ConfigFile, dataDir: string): DuckDbConfig {
  const d = defined(s.duckdb);
  return {
    path: d.path ?? join(dataDir, "tap.duckdb"),
    memoryLimit: d.memoryLimit || defaultDuckDbMemory(),
    threads: d.threads ?? DEFAULT_DUCKDB_THREADS,
    tempDirectory: d.tempDirectory ?? "",
    maxTempDirectorySize: d.maxTempDirectorySize || "4GiB",
  };
}

function httpFrom(s: ConfigFile): HttpConfig {
  const http: HttpConfig = { ...DEFAULT_HTTP, ...defined(s.http) };
  // Node refuses a headersTimeout above requestTimeout.
  if (http.headersTimeoutSeconds > http.requestTimeoutSeconds) http.headersTimeoutSeconds = http.requestTimeoutSeconds;
  return http;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);

function authFrom(s: ConfigFile, host: string, ownerHeader: string): AuthConfig {
  const a: AuthConfig = { ...DEFAULT_AUTH, ...defined(s.auth) };
  // async.ownerHeader (TAP_ASYNC_OWNER_HEADER) was this setting before authentication had modes.
  if (ownerHeader && s.auth?.mode === undefined) {
    a.mode = "trusted-header";
    a.header = s.auth?.header || ownerHeader;
  }
  if (!a.header) a.header = DEFAULT_AUTH.header;
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
