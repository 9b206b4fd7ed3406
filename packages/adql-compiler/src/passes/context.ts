import type { Query } from "../ast/nodes.js";
import type { SchemaLookup } from "../analysis/schema.js";
import type { FunctionRegistry } from "../parser/functions.js";
import type { DialectTraits } from "../sql/dialects/dialect.js";
import type { DialectName } from "../sql/dialects/index.js";

/** The SQL dialects that the compiler writes: the names in sql/dialects/index.ts. */
export type Dialect = DialectName;

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
  /** The dialect's traits; when absent, the registry's for `dialect` (sql/dialects/index.ts). */
  readonly traits?: DialectTraits;
}

export type Pass = (query: Query, ctx: PassContext) => Query;

/**
 * The context as a pass receives it: with its dialect's traits, which the shared passes read instead
 * of the dialect's name. compile, rewrite and the PASSES entries fill them in from the registry.
 */
export interface DialectPassContext extends PassContext {
  readonly traits: DialectTraits;
}

/** A pass as the pipeline and the dialects list it. */
export type DialectPass = (query: Query, ctx: DialectPassContext) => Query;
