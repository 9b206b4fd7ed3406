import type { Position, Span } from "./ast/nodes.js";

/**
 * Stable error codes. Tests and clients match on these, never on the English text.
 */
export type AdqlErrorCode =
  /** A character that cannot start any ADQL token, or an unterminated string or delimited identifier. */
  | "ADQL_LEXICAL_ERROR"
  /** The tokens do not form an ADQL query. */
  | "ADQL_SYNTAX_ERROR"
  /** A function called with the wrong number or form of arguments (a LIKE pattern, a CHAR length too). */
  | "ADQL_BAD_ARGUMENTS"
  /** A constant beyond the range of its type: an integer beyond BIGINT, a number beyond a double, a cast or an OFFSET (a TOP of any size is kept: it says "at most"). */
  | "ADQL_OUT_OF_RANGE"
  /** A value of the wrong kind for its place (a geometry in arithmetic, a predicate as a value...). */
  | "ADQL_TYPE_ERROR"
  /** A function name that the function registry does not know. */
  | "ADQL_UNKNOWN_FUNCTION"
  /** Nesting or size beyond what the compiler accepts. */
  | "ADQL_TOO_COMPLEX"
  /** A table that the catalog does not have, or that is ambiguous. */
  | "ADQL_UNKNOWN_TABLE"
  /** A column that no table in scope has. */
  | "ADQL_UNKNOWN_COLUMN"
  /** A column that several tables in scope have. */
  | "ADQL_AMBIGUOUS_COLUMN"
  /** A coordinate system other than ICRS (or the empty string). */
  | "ADQL_BAD_COORDSYS"
  /** A polygon that the target cannot evaluate (too many vertices, not convex...). */
  | "ADQL_BAD_POLYGON"
  /** A unit that IN_UNIT does not know, or cannot convert to. */
  | "ADQL_BAD_UNIT"
  /** An aggregate where none may be (WHERE, ON, GROUP BY, another aggregate), or a column of a grouped query that is neither grouped nor aggregated. */
  | "ADQL_BAD_GROUPING"
  /** Valid ADQL that the target database cannot run, with what to do instead. */
  | "ADQL_UNSUPPORTED";

/** Where a query is refused: the one error type that `parse` throws. */
export class AdqlError extends Error {
  override readonly name = "AdqlError";
  readonly code: AdqlErrorCode;
  readonly span: Span;
  readonly line: number;
  readonly column: number;
  /** A suggestion for the user, when there is one ("did you mean ..."). */
  readonly hint: string | undefined;
  /** The source line of the error with a caret under its column, when the source is known. */
  readonly excerpt: string | undefined;

  constructor(
    code: AdqlErrorCode,
    message: string,
    span: Span,
    options: { hint?: string; source?: string } = {},
  ) {
    super(message);
    this.code = code;
    this.span = span;
    this.line = span.start.line;
    this.column = span.start.column;
    this.hint = options.hint;
    this.excerpt = options.source === undefined ? undefined : excerpt(options.source, span.start);
  }

  /** One line, as the server puts it in an error VOTable: `line 3, column 7: message`. */
  toOneLine(): string {
    const hint = this.hint ? ` (${this.hint})` : "";
    return `line ${this.line}, column ${this.column}: ${this.message}${hint}`;
  }
}

/** `err` with the excerpt of `source` (the query it was raised on), if it has none yet. */
export function withSource(err: AdqlError, source: string): AdqlError {
  return err.excerpt === undefined ? new AdqlError(err.code, err.message, err.span, { source, ...(err.hint ? { hint: err.hint } : {}) }) : err;
}

/** The error formatted as the CLI prints it: `line:column: CODE message`, then the caret excerpt. */
export function formatError(err: AdqlError, source?: string): string {
  const hint = err.hint ? `\n  hint: ${err.hint}` : "";
  const ex = source !== undefined ? excerpt(source, err.span.start) : err.excerpt;
  return `${err.line}:${err.column}: ${err.code} ${err.message}${hint}${ex ? `\n${ex}` : ""}`;
}

/** The source line that holds `at`, and a caret under its column. Long lines are windowed. */
export function excerpt(source: string, at: Position): string {
  const lineStart = at.offset - (at.column - 1);
  let lineEnd = source.indexOf("\n", lineStart);
  if (lineEnd < 0) lineEnd = source.length;
  let text = source.slice(lineStart, lineEnd).replace(/\r$/, "");
  let caretAt = at.column - 1;
  const width = 100;
  if (text.length > width) {
    const from = Math.max(0, Math.min(caretAt - width / 2, text.length - width));
    text = (from > 0 ? "..." : "") + text.slice(from, from + width) + (from + width < text.length ? "..." : "");
    caretAt = caretAt - from + (from > 0 ? 3 : 0);
  }
  // Tabs keep their width in the caret line so that the caret stays under the character.
  const pad = text.slice(0, caretAt).replace(/[^\t]/g, " ");
  return `  ${text}\n  ${pad}^`;
}

/** The position of a 0-based offset, computed by scanning: used only on error paths. */
export function positionAt(source: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: end, line, column: end - lineStart + 1 };
}
