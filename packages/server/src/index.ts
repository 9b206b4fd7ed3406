/** @qserv-tap/server: the public API, for embedding the service and for tests. */
export { createApp } from "./app.js";
export { loadConfig, configFrom, ConfigError, DEFAULT_LIMITS, type Config, type Limits, type BackendKind } from "./config.js";
export { openService, openBackend, type Service } from "./startup.js";
export type { Backend, Session, RowCursor, UploadTable } from "./backends/backend.js";
export type { ServiceDeps, Example } from "./service.js";
