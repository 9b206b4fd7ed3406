import type { Query, Span } from "./ast/nodes.js";
import { AdqlError, positionAt, withSource } from "./errors.js";
import { tokenize } from "./lexer/tokens.js";
import { defaultFunctionRegistry, type FunctionRegistry } from "./parser/functions.js";
import { AdqlParser } from "./parser/parser.js";
import { deeperThan } from "./ast/transform.js";

/**
 * The deepest AST that parse returns. Chains of operators parse iteratively, but a chain of n terms
 * is a tree n levels deep, and the printers, the passes and JSON.stringify recurse per level; 1000
 * keeps all of them far from Node's stack limit. (IN lists and select lists are flat: no limit.)
 */
export const MAX_AST_DEPTH = 1000;

export interface ParseOptions {
  /** The user-defined functions the query may call; by default, the scisql functions that Qserv offers. */
  functions?: FunctionRegistry;
}

/**
 * One parser for the process: Chevrotain's self-analysis is the expensive part of construction, and
 * a parser instance is reusable once its input is reset (Chevrotain's performance guidance).
 */
let parser: AdqlParser | undefined;

/** The shared parser instance, built on first use. */
export function parserInstance(): AdqlParser {
  parser ??= new AdqlParser();
  return parser;
}

/**
 * Parses one ADQL 2.1 query. Throws AdqlError, and nothing else, for any input that is not one.
 */
export function parse(adql: string, options: ParseOptions = {}): Query {
  if (typeof adql !== "string") throw new TypeError("parse: the query must be a string");
  const p = parserInstance();
  try {
    const tokens = tokenize(adql);
    p.registry = options.functions ?? defaultFunctionRegistry;
    p.input = tokens;
    const query = p.statement();
    const err = p.errors[0];
    if (err !== undefined) {
      const tok = err.token;
      const span: Span = Number.isFinite(tok.startOffset)
        ? {
            start: { offset: tok.startOffset, line: tok.startLine ?? 1, column: tok.startColumn ?? 1 },
            end: { offset: (tok.endOffset ?? tok.startOffset) + 1, line: tok.endLine ?? 1, column: (tok.endColumn ?? 0) + 1 },
          }
        : endSpan(adql);
      throw new AdqlError("ADQL_SYNTAX_ERROR", tokens.length === 0 ? "empty query: expected SELECT" : err.message, span, { source: adql });
    }
    // A tree cannot be deeper than it has tokens, so short queries skip the walk.
    if (tokens.length > MAX_AST_DEPTH && deeperThan(query, MAX_AST_DEPTH)) {
      throw new AdqlError(
        "ADQL_TOO_COMPLEX",
        `the query nests more than ${MAX_AST_DEPTH} levels deep (a chain of that many operators, joins or set operations); use IN lists, or split the query`,
        query.span,
        { source: adql },
      );
    }
    return query;
  } catch (e) {
    if (e instanceof AdqlError) {
      throw withSource(e, adql);
    }
    if (e instanceof RangeError) {
      // A stack overflow: nesting is bounded in the lexer, so this is a last resort, not a code path.
      throw new AdqlError("ADQL_TOO_COMPLEX", "the query is nested too deeply to parse", endSpan(adql), { source: adql });
    }
    throw e;
  } finally {
    p.input = [];
  }
}

/** A zero-width span at the end of the source: where an unexpected end of input is reported. */
function endSpan(source: string): Span {
  // Report at the last non-blank character's end, so the caret points at something visible.
  const trimmed = source.replace(/\s+$/, "");
  const at = positionAt(source, trimmed.length);
  return { start: at, end: at };
}
