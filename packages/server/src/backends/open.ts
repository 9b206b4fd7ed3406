/** Opening the configured backend: for the service (startup.ts) and for `tap-server load` (load.ts). */
import type { Config } from "../config.js";
import type { Backend } from "./backend.js";
import { DuckDbBackend, type DuckDbResources } from "./duckdb.js";

/** DuckDB's resource settings from the configuration (the path aside). */
export function duckResources(config: Config): DuckDbResources {
  const { memoryLimit, threads, tempDirectory, maxTempDirectorySize } = config.duckdb;
  return { memoryLimit, threads, tempDirectory, maxTempDirectorySize };
}

export async function openBackend(config: Config): Promise<Backend> {
  switch (config.backend) {
    case "duckdb":
      return DuckDbBackend.open(config.duckdb.path, duckResources(config));
    case "mariadb": {
      // mysql2 is loaded only when it is used.
      const { MariaDbBackend } = await import("./mariadb.js");
      return MariaDbBackend.open(config.mariadb);
    }
    case "qserv": {
      const { QservBackend } = await import("./qserv.js");
      return QservBackend.open(config.qserv);
    }
  }
}
