/**
 * What a database's errors mean to the service: the database cannot be reached or went away (opening the service waits
 * that out, a query answers 503), or the operator's configuration is wrong (no retry mends it). MariaDB's and Qserv's
 * errors come through mysql2, but these read only their codes, so that start-up can tell them apart without loading
 * mysql2, which the default (DuckDB) service never uses.
 */

/** The client's errors (Node's, mysql2's) and the server's errnos that mean the database is not there, or went away. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
  "ER_NORMAL_SHUTDOWN",
  "ER_SHUTDOWN_COMPLETE",
]);

/** Whether an error says that the database cannot be reached or went away (as opposed to refusing the query, or us). */
export function isUnreachable(e: unknown): boolean {
  const err = e as { code?: unknown; fatal?: unknown; message?: unknown };
  if (typeof err?.code === "string" && UNREACHABLE_CODES.has(err.code)) return true;
  // mysql2 marks errors after which the connection is unusable; "closed state": a command on a connection that died idle.
  return err?.fatal === true || /closed state|Connection lost|Pool is closed/.test(String(err?.message ?? ""));
}

/**
 * The database is not there (cannot be reached, or gave no connection in time): what opening the
 * service waits out, as against an answer about a query or a feature.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  return isUnreachable(e) || (e as { code?: unknown })?.code === "TAP_DATABASE_UNAVAILABLE";
}

/** Errors that no retry mends: the operator's configuration (user, password, database) is wrong. */
const CONFIGURATION_CODES = new Set(["ER_ACCESS_DENIED_ERROR", "ER_BAD_DB_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_NOT_SUPPORTED_AUTH_MODE", "ER_HOST_NOT_PRIVILEGED"]);

export function isConfigurationError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && CONFIGURATION_CODES.has(code);
}
