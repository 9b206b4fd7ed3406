/**
 * Every failure this package reports is a VOTableError with a stable `code`, so that callers (the TAP server
 * turning an upload error into a 400, a test) can branch on the code and never on the English message.
 */
export type VOTableErrorCode =
  // Caller mistakes when writing.
  | "VOTABLE_INVALID_FIELD"
  | "VOTABLE_INVALID_VALUE"
  /** A valid value that the chosen serialization cannot write (in BINARY, one equal to the null value it picked). */
  | "VOTABLE_UNREPRESENTABLE"
  | "VOTABLE_INVALID_OPTION"
  // A thread of a TextEncodingPool stopped before it answered.
  | "VOTABLE_ENCODING_THREAD"
  // Input problems when reading.
  | "VOTABLE_XML_MALFORMED"
  | "VOTABLE_DOCTYPE_FORBIDDEN"
  | "VOTABLE_UNSUPPORTED_ENCODING"
  | "VOTABLE_NOT_VOTABLE"
  | "VOTABLE_NO_TABLE"
  | "VOTABLE_BAD_FIELD"
  | "VOTABLE_BAD_VALUE"
  | "VOTABLE_BAD_ROW"
  | "VOTABLE_BAD_BASE64"
  | "VOTABLE_BINARY_TRUNCATED"
  | "VOTABLE_UNSUPPORTED"
  | "VOTABLE_LIMIT_BYTES"
  | "VOTABLE_LIMIT_ROWS"
  | "VOTABLE_LIMIT_FIELDS"
  | "VOTABLE_LIMIT_INFOS"
  | "VOTABLE_LIMIT_DEPTH"
  | "VOTABLE_LIMIT_ATTRIBUTE"
  | "VOTABLE_LIMIT_TEXT"
  | "VOTABLE_LIMIT_ARRAY"
  | "VOTABLE_INPUT";

export interface VOTableErrorDetails {
  /** 1-based line in the input document, when the error comes from reading one. */
  line?: number;
  /** 1-based column (in UTF-16 code units) of the last character read. */
  column?: number;
  /** Name of the field concerned, if any. */
  field?: string;
  /** 0-based index of the data row concerned, if any. */
  row?: number;
  cause?: unknown;
}

export class VOTableError extends Error {
  override readonly name = "VOTableError";
  readonly code: VOTableErrorCode;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly field: string | undefined;
  readonly row: number | undefined;

  constructor(code: VOTableErrorCode, message: string, details: VOTableErrorDetails = {}) {
    // The position goes into the message too: most callers only log or display `message`.
    const where = details.line !== undefined ? ` (line ${details.line}, column ${details.column ?? 0})` : "";
    super(message + where, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.code = code;
    this.line = details.line;
    this.column = details.column;
    this.field = details.field;
    this.row = details.row;
  }
}

export function isVOTableError(err: unknown): err is VOTableError {
  return err instanceof VOTableError;
}
