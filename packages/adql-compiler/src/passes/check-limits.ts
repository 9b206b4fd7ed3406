/**
 * Pass: constants and calls that the backends would refuse only once the query runs, or run with
 * another meaning, refused here with their position, so that the client gets an error document
 * (a 400) before the first byte of a result:
 * - exact integer literals beyond BIGINT (DuckDB makes them HUGEINT, MariaDB DECIMAL, and neither
 *   fits the `long` that ADQL gives them), and numbers that overflow a double (MariaDB refuses `1e400`);
 * - OFFSET beyond BIGINT (DuckDB's OFFSET is a BIGINT; MariaDB's parser refuses more than 2^64 - 1).
 *   A TOP of any size is kept: it says "at most", and top-to-limit clamps it;
 * - CAST of a constant to SMALLINT, INTEGER, BIGINT or REAL beyond the target's range (DuckDB fails,
 *   MariaDB casts to a wider type and the value does not fit the result column), and of a string
 *   constant that is not a number (DuckDB fails, MariaDB reads it as 0); a constant cast to TIMESTAMP
 *   that is not a string of DALI's form naming a real day (DuckDB fails, MariaDB makes it NULL);
 * - a constant LIKE pattern that ends in the escape character, a lone backslash (DuckDB fails,
 *   MariaDB matches a backslash; see SqlGenerator.like for why the backslash escapes);
 * - functions that the service's database lacks (`PassContext.unavailableFunctions`), and those that the
 *   target dialect lacks by the dialects column of builtins.ts (a scisql function on DuckDB, say), which
 *   the database would refuse as unknown only once the query runs.
 */
import type { Cast, Expression, Identifier, Node, NumberLiteral, Query, Span } from "../ast/nodes.js";
import { forEachNodeButNames } from "../ast/transform.js";
import { serverFunctions } from "../residue/evaluate.js";
import { AdqlError } from "../errors.js";
import { constantValue } from "../analysis/constants.js";
import { BUILTINS, builtinsMissingOn, scisqlFunction, type BuiltinDefinition } from "../builtins.js";
import { defaultFunctionRegistry } from "../parser/functions.js";
import type { DialectName } from "../sql/dialects/index.js";
import type { DialectPassContext, PassContext } from "./context.js";

const BIGINT_MAX = 9223372036854775807n;
/** The largest finite REAL (IEEE 754 single precision). */
const REAL_MAX = 3.4028234663852886e38;

/** The inclusive range of each exact cast target. */
const INTEGER_RANGE: Readonly<Record<string, readonly [bigint, bigint]>> = {
  SMALLINT: [-32768n, 32767n],
  INTEGER: [-2147483648n, 2147483647n],
  BIGINT: [-BIGINT_MAX - 1n, BIGINT_MAX],
};

/** A literal's text, shortened for a message. */
function shown(text: string): string {
  return text.length > 40 ? `${text.slice(0, 12)}...${text.slice(-12)} (${text.length} characters)` : text;
}

function outOfRange(message: string, node: { span: Query["span"] }): AdqlError {
  return new AdqlError("ADQL_OUT_OF_RANGE", message, node.span);
}

/** The exact value of an integer literal (decimal or hexadecimal), read only when it may be large. */
function exactInteger(n: NumberLiteral): bigint | undefined {
  if (n.form === "integer") return n.text.length < 19 ? undefined : BigInt(n.text);
  if (n.form === "hex") return n.text.length < 18 ? undefined : BigInt(n.text);
  return undefined;
}

function offset(n: NumberLiteral): void {
  const v = exactInteger(n);
  if (v !== undefined && v > BIGINT_MAX) {
    throw outOfRange(`OFFSET ${shown(n.text)} is more rows than there can be: at most ${BIGINT_MAX}`, n);
  }
}

/** `-9223372036854775808`: the one literal beyond BIGINT_MAX that is a BIGINT, once negated. */
function isBigintMinimum(e: Expression): boolean {
  return e.kind === "UnaryExpr" && e.op === "-" && e.operand.kind === "NumberLiteral" &&
    e.operand.form === "integer" && exactInteger(e.operand) === BIGINT_MAX + 1n;
}

function literal(n: NumberLiteral): void {
  const v = exactInteger(n);
  if (v !== undefined) {
    if (v > BIGINT_MAX) {
      throw outOfRange(
        `the integer ${shown(n.text)} is beyond the range of BIGINT (at most ${BIGINT_MAX}); write it with a decimal exponent (e.g. 1e19) for a double`,
        n,
      );
    }
    return;
  }
  if ((n.form === "real" || n.form === "decimal") && !Number.isFinite(Number(n.text))) {
    throw outOfRange(`the number ${shown(n.text)} is beyond the range of DOUBLE PRECISION (at most about 1.8e308)`, n);
  }
}

/** The constant that `e` is, as SQL would read it: an exact integer, a double, or a string; else undefined. */
function constantOf(e: Expression): bigint | number | string | undefined {
  if (e.kind === "StringLiteral") return e.value;
  const negative = e.kind === "UnaryExpr" && e.op === "-";
  const lit = e.kind === "NumberLiteral" ? e : negative && e.operand.kind === "NumberLiteral" ? e.operand : undefined;
  if (lit && (lit.form === "integer" || lit.form === "hex")) {
    const v = BigInt(lit.text);
    return negative ? -v : v;
  }
  return constantValue(e);
}

/** Half away from zero, as MariaDB and DuckDB round a number that is cast to an integer. */
function roundedToInteger(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v));
}

/**
 * DALI's timestamp (DALI 1.1 §3.3.3), the form ADQL 2.1 §4.7.1 requires of a string cast to TIMESTAMP;
 * a space for the T is accepted too, as SQL writes it and both engines read it.
 */
const DALI_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z?)?$/;

function daysIn(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * What is wrong with `text` as a timestamp: not DALI's form, or no such day or time of day; undefined when it is one.
 * `range` tells the second kind (a value out of range) from the first (not a timestamp at all).
 */
export function daliTimestampProblem(text: string): string | undefined {
  return timestampProblem(text)?.message;
}

function timestampProblem(text: string): { message: string; range: boolean } | undefined {
  const m = DALI_TIMESTAMP.exec(text);
  if (!m) return { message: "not a timestamp of DALI's form YYYY-MM-DD['T'hh:mm:ss[.SSS]['Z']] (ADQL 2.1 §4.7.1)", range: false };
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const noDay = month! < 1 || month! > 12 || day! < 1 || day! > daysIn(year!, month!);
  if (noDay || hour > 23 || minute > 59 || second > 59) return { message: `there is no such ${noDay ? "day" : "time of day"}`, range: true };
  return undefined;
}

/**
 * A constant cast to TIMESTAMP: a string in DALI's form naming a real day and time (MariaDB makes
 * anything else NULL, DuckDB fails), never a number (ADQL 2.1 §4.7.1).
 */
function timestamp(c: Cast): void {
  const e = c.expr;
  const number = e.kind === "NumberLiteral" || (e.kind === "UnaryExpr" && e.operand.kind === "NumberLiteral");
  if (number) {
    throw new AdqlError("ADQL_TYPE_ERROR", "CAST to TIMESTAMP takes a character string (ADQL 2.1 §4.7.1), not a number", e.span);
  }
  if (e.kind !== "StringLiteral") return;
  const problem = timestampProblem(e.value);
  if (problem === undefined) return;
  const what = `CAST of '${shown(e.value)}' to TIMESTAMP: ${problem.message}`;
  throw problem.range ? outOfRange(what, e) : new AdqlError("ADQL_TYPE_ERROR", what, e.span);
}

function cast(c: Cast): void {
  const target = c.target.name;
  if (target === "TIMESTAMP") return timestamp(c);
  const range = INTEGER_RANGE[target];
  if (range === undefined && target !== "REAL") return;
  const v = constantOf(c.expr);
  if (v === undefined) return;
  const what = typeof v === "string" ? `'${shown(v)}'` : shown(String(v));
  let n: bigint | number;
  if (typeof v === "string") {
    const text = v.trim();
    const syntax = range ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
    if (!syntax.test(text)) {
      throw new AdqlError("ADQL_TYPE_ERROR", `CAST of ${what} to ${target}: the string is not ${range ? "an integer" : "a number"}`, c.expr.span);
    }
    n = range ? BigInt(text) : Number(text);
  } else {
    n = v;
  }
  const bad = (): AdqlError => outOfRange(`CAST of ${what} to ${target}: the value is beyond the range of ${target}${range ? ` (${range[0]} to ${range[1]})` : ` (at most about 3.4e38)`}`, c.expr);
  if (range) {
    if (typeof n === "number") {
      if (!Number.isFinite(n)) throw bad();
      const r = roundedToInteger(n);
      // Compared as doubles: BIGINT's bounds are exact there, and nothing between them rounds outside.
      if (r < Number(range[0]) || r > Number(range[1]) || (target === "BIGINT" && r >= 2 ** 63)) throw bad();
    } else if (n < range[0] || n > range[1]) {
      throw bad();
    }
    return;
  }
  const d = Number(n);
  if (!Number.isFinite(d) || Math.abs(d) > REAL_MAX) throw bad();
}

function likePattern(pattern: Expression, caseInsensitive: boolean): void {
  if (pattern.kind !== "StringLiteral") return;
  const p = pattern.value;
  let run = 0;
  while (run < p.length && p.charCodeAt(p.length - 1 - run) === 92) run++;
  if (run % 2 === 1) {
    throw new AdqlError(
      "ADQL_BAD_ARGUMENTS",
      `the ${caseInsensitive ? "ILIKE" : "LIKE"} pattern ends in a lone backslash, which escapes the next character of a pattern and here has none; write \\\\ to match a backslash`,
      pattern.span,
    );
  }
}

const CONSTRUCTOR_NAMES: Partial<Record<Node["kind"], string>> = {
  Point: "POINT", Circle: "CIRCLE", Box: "BOX", Polygon: "POLYGON", Region: "REGION",
};

const withMissing = new WeakMap<ReadonlySet<string>, Map<DialectName, ReadonlySet<string>>>();

/**
 * The functions (lower case) whose calls are refused on ctx's dialect: the service's list
 * (unavailableFunctions) and the built-ins that the dialect lacks (builtins.ts); undefined for none.
 */
export function unavailableIn(ctx: PassContext): ReadonlySet<string> | undefined {
  const service = ctx.unavailableFunctions;
  const missing = builtinsMissingOn(ctx.dialect);
  if (missing.size === 0) return service !== undefined && service.size > 0 ? service : undefined;
  if (service === undefined || service.size === 0) return missing;
  let byDialect = withMissing.get(service);
  if (!byDialect) withMissing.set(service, (byDialect = new Map()));
  let both = byDialect.get(ctx.dialect);
  if (!both) byDialect.set(ctx.dialect, (both = new Set([...service, ...missing])));
  return both;
}

/** The dialects as a phrase: "the qserv and mysql dialects have it". */
function haveIt(dialects: readonly string[]): string {
  if (dialects.length === 0) return "no dialect has it";
  const names = dialects.length === 1 ? dialects[0]! : `${dialects.slice(0, -1).join(", ")} and ${dialects[dialects.length - 1]!}`;
  return `the ${names} dialect${dialects.length === 1 ? " has" : "s have"} it`;
}

/** The refusal of a function that the target dialect lacks by the dialects column of builtins.ts. */
function notInDialect(name: string, span: Span, ctx: DialectPassContext, dialects: readonly string[]): AdqlError {
  return new AdqlError("ADQL_UNSUPPORTED", `not supported on ${ctx.traits.databaseName} (the ${ctx.dialect} dialect): the function ${name}; ${haveIt(dialects)}`, span);
}

/**
 * The refusal of a function in unavailableIn(ctx): the service's database lacks it, or else the dialect
 * does (the service's list is the more specific).
 */
export function lacksFunction(name: string, span: Span, ctx: DialectPassContext): AdqlError {
  const lower = name.toLowerCase();
  if (ctx.unavailableFunctions?.has(lower) !== true && builtinsMissingOn(ctx.dialect).has(lower)) {
    const upper = name.toUpperCase();
    // Missing on this dialect, so listed by name: "every" never is.
    const dialects = (BUILTINS as Readonly<Record<string, BuiltinDefinition>>)[upper]?.dialects;
    return notInDialect(upper, span, ctx, dialects === undefined || dialects === "every" ? [] : dialects);
  }
  return new AdqlError("ADQL_UNSUPPORTED", `not supported by this service's database: the function ${name}; the service's capabilities list the functions it has`, span);
}

/**
 * A scisql function (builtins.ts SCISQL_FUNCTIONS) that the dialect lacks, unless the query's registry
 * defines the name itself (a service that installs its own function of that name says so there).
 */
function checkScisql(name: Identifier, ctx: DialectPassContext): void {
  const def = scisqlFunction(name.name);
  if (def === undefined || def.dialects.includes(ctx.dialect)) return;
  if ((ctx.functions ?? defaultFunctionRegistry).lookup(name.name) !== def) return;
  throw notInDialect(name.name, name.span, ctx, def.dialects);
}

export function checkLimits(query: Query, ctx: DialectPassContext): Query {
  const unavailable = unavailableIn(ctx);
  const lacks = (name: string, span: Query["span"]): void => {
    if (unavailable?.has(name.toLowerCase())) throw lacksFunction(name, span, ctx);
  };
  // On Qserv, a function of the outer select list that the server can compute is left for qserv-restrictions,
  // which splits it off (compile.ts QuerySplit) or refuses it with lacksFunction.
  const deferred = new Set<Node>();
  if (unavailable && ctx.traits.serverResidues && query.body.kind === "Select") {
    for (const item of query.body.items) {
      forEachNodeButNames(item, (n) => {
        if (n.kind === "FunctionCall" && serverFunctions.has(n.name)) deferred.add(n);
        return n.kind !== "ScalarSubquery";
      });
    }
  }
  // A SELECT comes before its TOP in the walk.
  let top: NumberLiteral | null = null;
  forEachNodeButNames(query, (n: Node) => {
    switch (n.kind) {
      case "Query":
        if (n.offset) offset(n.offset);
        break;
      case "Select":
        top = n.top;
        break;
      case "UnaryExpr":
        // Its literal alone is beyond BIGINT: nothing more to check below.
        if (isBigintMinimum(n)) return false;
        break;
      case "NumberLiteral":
        if (n !== top) literal(n);
        break;
      case "Cast":
        cast(n);
        break;
      case "LikePredicate":
        likePattern(n.pattern, n.caseInsensitive);
        break;
      case "UserFunctionCall":
        lacks(n.name.name, n.name.span);
        checkScisql(n.name, ctx);
        break;
      case "FunctionCall":
        if (!deferred.has(n)) lacks(n.name, n.span);
        break;
      default: {
        const constructor = unavailable && CONSTRUCTOR_NAMES[n.kind];
        if (constructor) lacks(constructor, n.span);
      }
    }
    return undefined;
  });
  return query;
}
