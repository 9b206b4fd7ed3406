/**
 * compile(): ADQL in, SQL for one dialect out, with the result columns' metadata.
 */
import type { Expression, Query, ValueType } from "./ast/nodes.js";
import { queryColumnTypes, typeOf } from "./analysis/types.js";
import { extend, firstSelect, forEachNodeButNames } from "./ast/transform.js";
import type { SchemaLookup } from "./analysis/schema.js";
import { schemaLookup } from "./analysis/from-catalog.js";
import type { Catalog } from "./catalog/model.js";
import { AdqlError, withSource } from "./errors.js";
import { parse } from "./parse.js";
import { defaultFunctionRegistry, type FunctionRegistry } from "./parser/functions.js";
import { passesFor, withTraits, type Dialect, type DialectPassContext, type PassContext } from "./passes/index.js";
import { qservPruning, type QservPruning } from "./passes/qserv-spatial.js";
import { overflowAfter } from "./passes/top-to-limit.js";
import type { SqlGenerator } from "./sql/generator.js";
import { dialectOf } from "./sql/dialects/index.js";

export interface CompileOptions {
  /** The tables the query may use. Without it, names are not checked and `columns` may be null. */
  catalog?: Catalog | SchemaLookup;
  dialect?: Dialect;
  /** The service's MAXREC: the SQL gets LIMIT MAXREC+1 where the result could exceed it. */
  maxrec?: number;
  /** User-defined functions; by default Qserv's scisql functions. */
  functions?: FunctionRegistry;
  /**
   * Functions that the database lacks although ADQL or `functions` has them (names compare
   * case-insensitively): a call is refused with ADQL_UNSUPPORTED and its position. A service fills it
   * from what its capabilities leave out.
   */
  unavailableFunctions?: Iterable<string>;
  /**
   * Numeric constants where the database reads a DOUBLE anyway (compared with a DOUBLE column, arguments of scisql's
   * functions) may be written as placeholders `$1`, `$2`... with their values in CompileResult.parameters, in a dialect
   * that takes them (traits.numberedParameters: duckdb): cone searches at any centre then share one SQL text, which the
   * database prepares once. Off by default: the SQL is then self-contained.
   */
  parameters?: boolean;
  /** Called with the query after each pass (for `adql2qserv --explain`). */
  onPass?: (name: string, query: Query, sql: () => string) => void;
}

/** A result column: its FIELD metadata and where its value is in each SQL row. */
export interface ResultColumn extends ValueType {
  readonly name: string;
  /** 0-based positions in the SQL row: one, or several for a DALI array (point, circle, polygon). */
  readonly sqlColumns: readonly number[];
}

/**
 * A Qserv query split between Qserv and the server: Qserv runs `sql`, and the server skips `offset`
 * rows of its result (the SQL's LIMIT is widened by it) and computes each residue over every row that
 * remains, as the mysql dialect has MariaDB compute it (residue/evaluate.ts evaluateResidue).
 */
export interface QuerySplit {
  /** ADQL's OFFSET: rows to skip at the start of the SQL result. The SQL has no OFFSET, and LIMIT offset+n. */
  readonly offset?: number;
  readonly residues: readonly Residue[];
}

/** A result column computed by the server. */
export interface Residue {
  /** Its result column's name. */
  readonly name: string;
  /** The position its value takes after the SQL row's columns (its ResultColumn's sqlColumns[0]). */
  readonly sqlColumn: number;
  /** The expression; its column references name hidden SQL columns, by `binding.column`. */
  readonly expr: Expression;
  /** The SQL row position of each hidden column that `expr` reads. */
  readonly inputs: Readonly<Record<string, number>>;
}

export interface CompileResult {
  readonly sql: string;
  /** Null when the result columns cannot be known without the database (`SELECT *` without a catalog). */
  readonly columns: readonly ResultColumn[] | null;
  /** The row count beyond which the result overflowed MAXREC: the SQL fetches one row more. */
  readonly overflowAfter: number | undefined;
  readonly warnings: readonly string[];
  /** For a dialect with chunkPruning (qserv): whether Qserv can prune chunks, and with what. */
  readonly qserv?: QservPruning;
  /** The rewritten AST. */
  readonly ast: Query;
  /** For a dialect with serverResidues (qserv): what the server computes over the rows of `sql`, if anything (see QuerySplit). */
  readonly split?: QuerySplit;
  /** With the `parameters` option: the values of `sql`'s placeholders $1, $2..., to bind as DOUBLE; absent when it has none. */
  readonly parameters?: readonly number[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const generatorCache = new Map<Dialect, SqlGenerator>();

/** The dialect's generator, one per process (a TypeError for an unknown dialect). */
export function generatorFor(dialect: Dialect): SqlGenerator {
  let g = generatorCache.get(dialect);
  if (!g) {
    g = dialectOf(dialect).generator();
    generatorCache.set(dialect, g);
  }
  return g;
}

/** Runs the passes over a parsed query. */
export function rewrite(query: Query, context: PassContext, onPass?: CompileOptions["onPass"]): Query {
  const ctx = withTraits(context);
  const passes = passesFor(ctx.dialect);
  let q = query;
  for (let i = 0; i < passes.length; i++) {
    const [name, pass] = passes[i]!;
    q = pass(q, ctx);
    if (onPass) {
      const snapshot = q;
      onPass(name, q, () => {
        try {
          return generatorFor(ctx.dialect).generate(snapshot);
        } catch (e) {
          return `(not yet SQL: ${(e as Error).message})`;
        }
      });
    }
  }
  return q;
}

export function compile(adql: string, options: CompileOptions = {}): CompileResult {
  try {
    return compileQuery(adql, options);
  } catch (e) {
    // The passes and generators know a span, not the query: the excerpt with its caret is added here, as parse does.
    throw e instanceof AdqlError ? withSource(e, adql) : e;
  }
}

function compileQuery(adql: string, options: CompileOptions): CompileResult {
  // MAXREC goes into the SQL as a number: from JavaScript, anything else (a string, NaN, -5) would be written as it is.
  const maxrec: unknown = options.maxrec;
  if (maxrec !== undefined && !(Number.isSafeInteger(maxrec) && (maxrec as number) >= 0)) {
    throw new TypeError(`the compile option maxrec must be a non-negative safe integer, not ${typeof maxrec === "string" ? JSON.stringify(maxrec) : String(maxrec)}`);
  }
  const dialect = options.dialect ?? "qserv";
  const traits = dialectOf(dialect).traits;
  const functions = options.functions ?? defaultFunctionRegistry;
  const schema = options.catalog ? schemaLookup(options.catalog) : undefined;
  // Absent options are undefined keys rather than spreads of `{}`: V8 builds an object from spreads that add keys
  // on a slow path, about 1 µs each (ast/transform.ts extend), and a compile is some 50 µs.
  const ctx: DialectPassContext = {
    dialect,
    traits,
    functions,
    schema,
    maxrec: options.maxrec,
    unavailableFunctions: options.unavailableFunctions !== undefined ? lowerCaseSet(options.unavailableFunctions) : undefined,
  };
  const parsed = parse(adql, { functions });
  const rewritten = rewrite(parsed, ctx, options.onPass);
  const columns = resultColumns(rewritten);
  const { ast, split } = traits.serverResidues ? splitFor(rewritten, columns) : { ast: rewritten, split: undefined };
  const parameters: number[] | undefined = options.parameters ? [] : undefined;
  const sql = generatorFor(dialect).generate(ast, parameters);
  const qserv = traits.chunkPruning ? qservPruning(ast, schema) : undefined;
  const result: Mutable<CompileResult> = {
    sql,
    columns,
    // Counted after the OFFSET: the server skips those rows before it counts.
    overflowAfter: overflowAfter(rewritten, options.maxrec),
    warnings: warningsFor(adql, parsed, qserv),
    ast,
  };
  // Keys added one by one, not spread (see ctx above); absent rather than undefined, as callers compare results whole.
  if (qserv) result.qserv = qserv;
  if (split) result.split = split;
  if (parameters !== undefined && parameters.length > 0) result.parameters = parameters;
  return result;
}

/**
 * The server's part of a Qserv query: the OFFSET, taken off the SQL (whose LIMIT grows by it), and the
 * residues that the qserv-restrictions pass marked.
 */
function splitFor(q: Query, columns: readonly ResultColumn[] | null): { ast: Query; split: QuerySplit | undefined } {
  const offset = q.offset ? Number(q.offset.form === "hex" ? BigInt(q.offset.text) : q.offset.text) : 0;
  const items = firstSelect(q).items;
  const positions = new Map<string, number>();
  let position = 0;
  for (const item of items) {
    if (item.kind !== "SelectColumn" || item.residue) continue;
    if (item.alias) positions.set(item.alias.name, position);
    position += item.expr.kind === "DaliArray" ? item.expr.items.length : 1;
  }
  const residues: Residue[] = [];
  for (const item of items) {
    if (item.kind !== "SelectColumn" || !item.residue) continue;
    const name = item.alias!.name;
    const inputs: Record<string, number> = {};
    forEachNodeButNames(item.expr, (n) => {
      if (n.kind === "ColumnRef" && n.binding && positions.has(n.binding.column)) inputs[n.binding.column] = positions.get(n.binding.column)!;
      return true;
    });
    const column = columns?.find((c) => c.name === name);
    residues.push({ name, sqlColumn: column?.sqlColumns[0] ?? position + residues.length, expr: item.expr, inputs });
  }
  if (offset === 0 && residues.length === 0 && !q.offset) return { ast: q, split: undefined };
  const ast: Query = { ...q, offset: null, ...(q.limit !== undefined ? { limit: Math.min(q.limit + offset, Number.MAX_SAFE_INTEGER) } : {}) };
  return { ast, split: { ...(q.offset ? { offset } : {}), residues } };
}

function lowerCaseSet(names: Iterable<string>): ReadonlySet<string> {
  const out = new Set<string>();
  for (const n of names) out.add(n.toLowerCase());
  return out;
}

const BOX_WORD = /box/i;

/** What the user should know about how the query was read or will run; for the service to pass on. */
function warningsFor(adql: string, parsed: Query, qserv: QservPruning | undefined): string[] {
  const out: string[] = [];
  let box = false;
  // A Box node comes only from the word BOX (parser/build.ts): without it in the text, no walk.
  if (BOX_WORD.test(adql)) {
    forEachNodeButNames(parsed, (n) => {
      if (n.kind === "Box") box = true;
      return !box; // found: no need to look further
    });
  }
  if (box) {
    out.push("BOX is read as ranges of coordinates (centre ± half the width and height, as scisql and pgsphere do), not with the great-circle sides of ADQL 2.1 §4.2.9");
  }
  if (qserv?.restrictor === "none" && qserv.reason !== "no partitioned table in FROM") {
    out.push(`Qserv cannot limit this query to some chunks (${qserv.reason}): it will read the whole table; a constant CONTAINS(POINT, CIRCLE/BOX/POLYGON) = 1 or DISTANCE(...) < r on the table's position columns would prune`);
  }
  return out;
}

function resultColumns(q: Query): ResultColumn[] | null {
  const items = firstSelect(q).items;
  if (items.some((i) => i.kind === "SelectAll")) return null;
  const out: ResultColumn[] = [];
  let position = 0;
  // The server's columns (residues) come after the SQL row's: the SQL does not return them.
  let computed = 0;
  for (const item of items) if (item.kind === "SelectColumn" && !item.residue) computed += item.expr.kind === "DaliArray" ? item.expr.items.length : 1;
  // A set operation's columns have the type of every operand's values together (queryColumnTypes), not its first's.
  const types = q.body.kind === "Select" ? undefined : queryColumnTypes(q);
  for (const item of items) {
    if (item.kind !== "SelectColumn") continue;
    if (item.residue) {
      out.push(extend(types?.[out.length] ?? typeOf(item.expr), { name: item.alias?.name ?? `col${out.length + 1}`, sqlColumns: [computed++] }));
      continue;
    }
    const width = item.expr.kind === "DaliArray" ? item.expr.items.length : 1;
    const sqlColumns: number[] = [];
    for (let i = 0; i < width; i++) sqlColumns.push(position + i);
    position += width;
    if (item.hidden) continue;
    out.push(extend(types?.[out.length] ?? typeOf(item.expr), { name: item.alias?.name ?? `col${out.length + 1}`, sqlColumns }));
  }
  return out;
}
