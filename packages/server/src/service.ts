/**
 * What the routes of one service share (ServiceDeps): the configuration, the backend, the TAP_SCHEMA store, the
 * catalog, the logs and metrics. startup.ts makes them from the configuration; query-router.ts sends each query to
 * the backend or the TAP_SCHEMA store.
 */
import type { Backend } from "./backends/backend.js";
import type { DuckDbBackend } from "./backends/duckdb.js";
import type { Catalog } from "./compiler-extras.js";
import type { Config } from "./config.js";
import type { Logger } from "./logging.js";
import type { Metrics } from "./metrics.js";
import type { TextEncodingPool } from "@qserv-tap/votable";
import type { ImageRegistry } from "./images/registry.js";
import type { ServiceLog } from "./logging.js";

export interface ServiceDeps {
  config: Config;
  backend: Backend;
  /** The DuckDB database that holds TAP_SCHEMA: the backend itself when it is DuckDB. */
  tapSchemaStore: DuckDbBackend;
  catalog: Catalog;
  log?: ServiceLog;
  /** The JSON logger of the access log (logging.ts); absent: one made from config.logLevel, writing to stderr. */
  logger?: Logger;
  /** Examples served at /examples: [id, title, description, ADQL]. */
  examples?: readonly Example[];
  /**
   * Functions that the backend lacks (features.ts unavailableFunctions, from the probes that also
   * decide the capabilities): the compiler refuses calls of them before the query runs.
   */
  unavailableFunctions?: readonly string[];
  /** The image registry behind SODA, DataLink and /images/files; absent when images.registry is none. */
  images?: ImageRegistry;
  /** /metrics: what the query path reports (uploads, time to the first rows); absent: createApp makes its own. */
  metrics?: Metrics;
  /** Threads that encode text results (config http.encodingThreads); absent: the event loop encodes them. */
  encoders?: TextEncodingPool;
}

export interface Example {
  id: string;
  title: string;
  description: string;
  query: string;
}
