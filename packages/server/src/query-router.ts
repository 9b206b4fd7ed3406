/**
 * Where a query runs, and its compiled SQL for that database: TAP_SCHEMA queries go to the TAP_SCHEMA store when it
 * is not the backend itself, the others to the backend. The compiled queries are kept for the next identical ones.
 */
import { AdqlError, compile, type CompileResult, type SchemaTable } from "@qserv-tap/adql-compiler";
import type { Backend } from "./backends/backend.js";
import { lookupOf } from "./catalog.js";
import type { ServiceDeps } from "./service.js";

export interface Routed {
  compiled: CompileResult;
  target: Backend;
}

/** Compiled queries kept (a few hundred KB at most, with the next bound). */
const COMPILE_CACHE_SIZE = 256;
/** Queries remembered as compiled once (QueryRouter.seen): a second sight within this many keeps the query. */
const SEEN_SIZE = 4 * COMPILE_CACHE_SIZE;
/** Longer queries (an IN list of thousands of values) are compiled each time rather than kept. */
const MAX_CACHED_ADQL = 4096;

export class QueryRouter {
  private readonly data: SchemaTable[];
  private readonly tap: SchemaTable[];
  private readonly all: SchemaTable[];
  /**
   * The last queries compiled without uploads and asked for more than once (`seen`), by MAXREC and ADQL, least
   * recently used first: a client that repeats a query (a portal's fixed cone, a page refreshed) skips the parse and
   * the passes, which cost about as much as the database's work for a cone (issue 15's profile). The catalog, the
   * dialect and the functions refused are the instance's for its life, so they need not be in the key. Errors are
   * not kept.
   */
  private readonly cache = new Map<string, Routed>();
  /**
   * The keys of queries compiled once and not kept, oldest first: a query is kept when it comes a second time. A
   * compiled query holds its syntax tree (about 19 KB for a cone), and one kept on its first sight that never comes
   * again (cones at random centres) would outlive the young generation and die in the old one: 19 KB of promoted
   * garbage per request, and major collections. A key costs its ADQL's length.
   */
  private readonly seen = new Set<string>();
  constructor(private readonly deps: ServiceDeps) {
    this.data = lookupOf(deps.catalog, "data");
    this.tap = lookupOf(deps.catalog, "tap_schema");
    this.all = lookupOf(deps.catalog, "all");
  }

  /**
   * The query compiled for the database that holds its tables, and that database. Throws the AdqlError of a bad query.
   *
   * A query seen for the first time is compiled with placeholders for its DOUBLE constants where the dialect takes
   * them (DuckDB: compile's `parameters` option), so that a cone at another centre reuses the statement that the
   * connection keeps for the same SQL text, rather than preparing its own (1.5-1.6 ms of CPU for a cone rather than
   * 1.7-1.9). A query that comes again is kept compiled with its constants written in: DuckDB runs a kept statement
   * faster with constants than with bound values, which it binds again at each run (0.95-1.1 ms; bench/README.md).
   */
  route(adql: string, maxrec: number, uploads: readonly SchemaTable[]): Routed {
    if (uploads.length > 0 || adql.length > MAX_CACHED_ADQL) return this.routeNow(adql, maxrec, uploads, true);
    const key = `${maxrec}\n${adql}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    if (!this.seen.delete(key)) {
      this.seen.add(key);
      if (this.seen.size > SEEN_SIZE) this.seen.delete(this.seen.keys().next().value!);
      return this.routeNow(adql, maxrec, uploads, true);
    }
    const routed = this.routeNow(adql, maxrec, uploads, false);
    this.cache.set(key, routed);
    if (this.cache.size > COMPILE_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return routed;
  }

  private routeNow(adql: string, maxrec: number, uploads: readonly SchemaTable[], parameters: boolean): Routed {
    const { backend, tapSchemaStore } = this.deps;
    // What the capabilities leave out is refused on every route, TAP_SCHEMA's store included.
    const unavailable = this.deps.unavailableFunctions;
    const options = { maxrec, parameters, ...(unavailable !== undefined && unavailable.length > 0 ? { unavailableFunctions: unavailable } : {}) };
    if ((backend as unknown) === tapSchemaStore) {
      return { compiled: compile(adql, { catalog: { tables: [...this.all, ...uploads] }, dialect: backend.dialect, ...options }), target: backend };
    }
    const toData = (): Routed => ({
      compiled: compile(adql, { catalog: { tables: [...this.data, ...uploads] }, dialect: backend.dialect, ...options }),
      target: backend,
    });
    const toTapSchema = (): Routed => ({ compiled: compile(adql, { catalog: { tables: this.tap }, dialect: "duckdb", ...options }), target: tapSchemaStore });
    // TAP_SCHEMA lives in its own store here. Try the likely target first, so that a data query is
    // compiled once; the other is tried only when the first does not know a table.
    const mentionsTapSchema = /tap_schema/i.test(adql);
    const first = uploads.length > 0 || !mentionsTapSchema ? toData : toTapSchema;
    const second = first === toData ? (uploads.length === 0 ? toTapSchema : undefined) : toData;
    let firstError: unknown;
    try {
      return first();
    } catch (e) {
      // From data, only an unknown table can mean TAP_SCHEMA; a TAP_SCHEMA attempt may fail for any reason.
      if (!(e instanceof AdqlError) || !second || (first === toData && e.code !== "ADQL_UNKNOWN_TABLE")) throw e;
      firstError = e;
    }
    let secondError: unknown;
    try {
      return second();
    } catch (e) {
      if (!(e instanceof AdqlError)) throw e;
      secondError = e;
    }
    // Both failed: the data error speaks about the query, unless the TAP_SCHEMA one is not about tables.
    const dataError = (first === toData ? firstError : secondError) as AdqlError;
    const tapError = (first === toData ? secondError : firstError) as AdqlError;
    if (dataError.code === "ADQL_UNKNOWN_TABLE" && mentionsTapSchema) {
      throw new AdqlError(
        dataError.code,
        `${dataError.message}; on the ${backend.kind} backend, TAP_SCHEMA tables can be queried only on their own, not with data tables`,
        dataError.span,
      );
    }
    if (tapError.code !== "ADQL_UNKNOWN_TABLE") throw tapError;
    throw dataError;
  }
}
