import type { Query } from "../ast/nodes.js";
import type { SchemaLookup } from "../analysis/schema.js";
import type { FunctionRegistry } from "../parser/functions.js";

/** The SQL dialects that the compiler writes. */
export type Dialect = "qserv" | "mysql" | "duckdb";

/** What every pass may read. Passes never change it: each is a pure function of (query, context). */
export interface PassContext {
  readonly dialect: Dialect;
  /** The tables a query may use; without it, names are not checked. */
  readonly schema?: SchemaLookup;
  readonly functions?: FunctionRegistry;
  /**
   * Functions that the database lacks (names in lower case): user-defined ones, ADQL's own, or the
   * geometry constructors. Calls of them are refused.
   */
  readonly unavailableFunctions?: ReadonlySet<string>;
  /** The service's MAXREC for this request, if any. */
  readonly maxrec?: number;
}

export type Pass = (query: Query, ctx: PassContext) => Query;
