/**
 * ADQL 2.1 tokens (ADQL 2.1 §2.1) and the lexer.
 *
 * Keywords are not lexer patterns. The lexer matches one regular-identifier pattern and `tokenize`
 * then looks the upper-cased image up in a keyword table and retypes the token. With some 250
 * reserved words (every SQL-92 and ADQL reserved word must be refused as a bare identifier), this is
 * much cheaper than 250 case-insensitive patterns with `longer_alt`, and it is exactly the ADQL rule:
 * a word is a keyword whatever its case (§2.1.2).
 *
 * Order of `lexerTokens`: skipped tokens first (they are the most frequent), then literals whose
 * patterns overlap (hexadecimal before real before decimal before integer, because the Chevrotain
 * lexer takes the first pattern that matches, not the longest), then identifiers, then two-character
 * operators before their one-character prefixes (`<>` `<=` before `<`, `||` before `|`).
 */
import { createToken, EOF, Lexer, type IToken, type TokenType } from "../parser/chevrotain.js";
import { AdqlError } from "../errors.js";
import type { Span } from "../ast/nodes.js";
import { BUILTIN_NAMES } from "../builtins.js";

// ---- skipped
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
/** `--` to the end of the line (§2.1.10); it may stand wherever whitespace may. */
export const Comment = createToken({ name: "Comment", pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });

// ---- literals
export const NumberLiteral = createToken({ name: "NumberLiteral", pattern: Lexer.NA, label: "number" });
export const HexLiteral = createToken({
  name: "HexLiteral",
  pattern: /0[xX][0-9a-fA-F]+/,
  categories: [NumberLiteral],
  label: "hexadecimal number",
});
export const RealLiteral = createToken({
  name: "RealLiteral",
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+/,
  categories: [NumberLiteral],
  label: "number",
  start_chars_hint: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "."],
});
export const DecimalLiteral = createToken({
  name: "DecimalLiteral",
  pattern: /\d+\.\d*|\.\d+/,
  categories: [NumberLiteral],
  label: "number",
  start_chars_hint: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "."],
});
export const IntegerLiteral = createToken({
  name: "IntegerLiteral",
  pattern: /\d+/,
  categories: [NumberLiteral],
  label: "unsigned integer",
});
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /'(?:[^']|'')*'/,
  line_breaks: true,
  label: "string literal",
  start_chars_hint: ["'"],
});

// ---- identifiers
export const Identifier = createToken({ name: "Identifier", pattern: /[a-zA-Z][a-zA-Z0-9_]*/, label: "identifier" });
export const DelimitedIdentifier = createToken({
  name: "DelimitedIdentifier",
  pattern: /"(?:[^"]|"")+"/,
  line_breaks: true,
  label: "delimited identifier",
  start_chars_hint: ['"'],
});

// ---- operators and punctuation
export const ArithmeticOperator = createToken({ name: "ArithmeticOperator", pattern: Lexer.NA, label: "operator" });
export const ComparisonOperator = createToken({ name: "ComparisonOperator", pattern: Lexer.NA, label: "comparison operator" });
export const NotEquals = createToken({ name: "NotEquals", pattern: /<>|!=/, categories: [ComparisonOperator], label: "'<>'" });
export const LessEquals = createToken({ name: "LessEquals", pattern: /<=/, categories: [ComparisonOperator], label: "'<='" });
export const GreaterEquals = createToken({ name: "GreaterEquals", pattern: />=/, categories: [ComparisonOperator], label: "'>='" });
export const Equals = createToken({ name: "Equals", pattern: /=/, categories: [ComparisonOperator], label: "'='" });
export const Less = createToken({ name: "Less", pattern: /</, categories: [ComparisonOperator], label: "'<'" });
export const Greater = createToken({ name: "Greater", pattern: />/, categories: [ComparisonOperator], label: "'>'" });
export const Concat = createToken({ name: "Concat", pattern: /\|\|/, categories: [ArithmeticOperator], label: "'||'" });
export const BitOr = createToken({ name: "BitOr", pattern: /\|/, categories: [ArithmeticOperator], label: "'|'" });
export const BitAnd = createToken({ name: "BitAnd", pattern: /&/, categories: [ArithmeticOperator], label: "'&'" });
export const BitXor = createToken({ name: "BitXor", pattern: /\^/, categories: [ArithmeticOperator], label: "'^'" });
export const Tilde = createToken({ name: "Tilde", pattern: /~/, label: "'~'" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [ArithmeticOperator], label: "'+'" });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [ArithmeticOperator], label: "'-'" });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [ArithmeticOperator], label: "'*'" });
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: [ArithmeticOperator], label: "'/'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Period = createToken({ name: "Period", pattern: /\./, label: "'.'" });

// ---- keywords: retyped from Identifier by `tokenize`, never matched by the lexer itself

/** Any reserved word that the grammar does not use: it can never be a bare identifier. */
export const ReservedWord = createToken({ name: "ReservedWord", pattern: Lexer.NA, label: "reserved word" });
/** Functions that ADQL names (math, trigonometry, strings, units, geometry other than constructors). */
export const BuiltinFunction = createToken({ name: "BuiltinFunction", pattern: Lexer.NA, label: "function name" });
/** AVG, MAX, MIN, SUM, COUNT. */
export const AggregateFunction = createToken({ name: "AggregateFunction", pattern: Lexer.NA, label: "aggregate function" });
/** POINT, CIRCLE, BOX, POLYGON, REGION. */
export const GeometryConstructor = createToken({ name: "GeometryConstructor", pattern: Lexer.NA, label: "geometry function" });
/** A CAST target type name of one word. */
export const TypeName = createToken({ name: "TypeName", pattern: Lexer.NA, label: "type name" });

function keyword(word: string, categories: TokenType[] = []): TokenType {
  return createToken({ name: word, pattern: Lexer.NA, categories, label: word });
}

export const Select = keyword("SELECT");
export const Distinct = keyword("DISTINCT");
export const All = keyword("ALL");
export const Top = keyword("TOP");
export const As = keyword("AS");
export const From = keyword("FROM");
export const Where = keyword("WHERE");
export const Group = keyword("GROUP");
export const By = keyword("BY");
export const Having = keyword("HAVING");
export const Order = keyword("ORDER");
export const Asc = keyword("ASC");
export const Desc = keyword("DESC");
export const Offset = keyword("OFFSET");
export const Union = keyword("UNION");
export const Except = keyword("EXCEPT");
export const Intersect = keyword("INTERSECT");
export const With = keyword("WITH");
export const Join = keyword("JOIN");
export const Inner = keyword("INNER");
export const Left = keyword("LEFT");
export const Right = keyword("RIGHT");
export const Full = keyword("FULL");
export const Outer = keyword("OUTER");
export const Natural = keyword("NATURAL");
export const Cross = keyword("CROSS");
export const On = keyword("ON");
export const Using = keyword("USING");
export const And = keyword("AND");
export const Or = keyword("OR");
export const Not = keyword("NOT");
export const Between = keyword("BETWEEN");
export const In = keyword("IN");
export const Like = keyword("LIKE");
export const ILike = keyword("ILIKE");
export const Is = keyword("IS");
export const Null = keyword("NULL");
export const Exists = keyword("EXISTS");
export const Case = keyword("CASE");
export const When = keyword("WHEN");
export const Then = keyword("THEN");
export const Else = keyword("ELSE");
export const End = keyword("END");
export const Cast = keyword("CAST");
export const Double = keyword("DOUBLE");
export const Precision = keyword("PRECISION");

/** ADQL's functions: the names in builtins.ts. */
const BUILTIN_FUNCTIONS = BUILTIN_NAMES;
const AGGREGATES = ["AVG", "MAX", "MIN", "SUM", "COUNT"];
const GEOMETRY_CONSTRUCTORS = ["POINT", "CIRCLE", "BOX", "POLYGON", "REGION"];
/** One-word CAST targets (ADQL 2.1 §4.7); POINT, CIRCLE and POLYGON are also constructors. */
const TYPE_NAMES = ["CHAR", "VARCHAR", "SMALLINT", "INTEGER", "BIGINT", "REAL", "TIMESTAMP"];

/** Tokens that POINT, CIRCLE and POLYGON become: constructors that also name CAST targets. */
const GEOMETRY_TYPE_TOKENS = new Map<string, TokenType>(
  ["POINT", "CIRCLE", "POLYGON"].map((w) => [w, keyword(w, [GeometryConstructor, TypeName])]),
);

/** SQL-92 reserved words as ADQL 2.1 §2.1.2 lists them. */
const SQL_RESERVED = `ABSOLUTE ACTION ADD ALL ALLOCATE ALTER AND ANY ARE AS ASC ASSERTION AT AUTHORIZATION AVG
BEGIN BETWEEN BIT BIT_LENGTH BOTH BY CASCADE CASCADED CASE CAST CATALOG CHAR CHARACTER CHAR_LENGTH
CHARACTER_LENGTH CHECK CLOSE COALESCE COLLATE COLLATION COLUMN COMMIT CONNECT CONNECTION CONSTRAINT
CONSTRAINTS CONTINUE CONVERT CORRESPONDING COUNT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME
CURRENT_TIMESTAMP CURRENT_USER CURSOR DATE DAY DEALLOCATE DECIMAL DECLARE DEFAULT DEFERRABLE DEFERRED
DELETE DESC DESCRIBE DESCRIPTOR DIAGNOSTICS DISCONNECT DISTINCT DOMAIN DOUBLE DROP ELSE END ESCAPE
EXCEPT EXCEPTION EXEC EXECUTE EXISTS EXTERNAL EXTRACT FALSE FETCH FIRST FLOAT FOR FOREIGN FOUND FROM
FULL GET GLOBAL GO GOTO GRANT GROUP HAVING HOUR IDENTITY IMMEDIATE IN INDICATOR INITIALLY INNER INPUT
INSENSITIVE INSERT INT INTEGER INTERSECT INTERVAL INTO IS ISOLATION JOIN KEY LANGUAGE LAST LEADING
LEFT LEVEL LIKE LOCAL LOWER MATCH MAX MIN MINUTE MODULE MONTH NAMES NATIONAL NATURAL NCHAR NEXT NO NOT
NULL NULLIF NUMERIC OCTET_LENGTH OF ON ONLY OPEN OPTION OR ORDER OUTER OUTPUT OVERLAPS PAD PARTIAL
POSITION PRECISION PREPARE PRESERVE PRIMARY PRIOR PRIVILEGES PROCEDURE PUBLIC READ REAL REFERENCES
RELATIVE RESTRICT REVOKE RIGHT ROLLBACK ROWS SCHEMA SCROLL SECOND SECTION SELECT SESSION SESSION_USER
SET SIZE SMALLINT SOME SPACE SQL SQLCODE SQLERROR SQLSTATE SUBSTRING SUM SYSTEM_USER TABLE TEMPORARY
THEN TIME TIMESTAMP TIMEZONE_HOUR TIMEZONE_MINUTE TO TRAILING TRANSACTION TRANSLATE TRANSLATION TRIM
TRUE UNION UNIQUE UNKNOWN UPDATE UPPER USAGE USER USING VALUE VALUES VARCHAR VARYING VIEW WHEN WHENEVER
WHERE WITH WORK WRITE YEAR ZONE`.split(/\s+/);

/** ADQL 2.1 §2.1.4 reserved words, plus the ADQL 2.1 keywords that the grammar needs (ILIKE, OFFSET, TOP...). */
const ADQL_RESERVED = [
  ...BUILTIN_FUNCTIONS, ...GEOMETRY_CONSTRUCTORS, "BIGINT", "ILIKE", "OFFSET", "TOP",
];

/** Upper-case word → keyword token type. */
const KEYWORDS = new Map<string, TokenType>();
{
  const grammarKeywords = [
    Select, Distinct, All, Top, As, From, Where, Group, By, Having, Order, Asc, Desc, Offset, Union, Except,
    Intersect, With, Join, Inner, Left, Right, Full, Outer, Natural, Cross, On, Using, And, Or, Not, Between,
    In, Like, ILike, Is, Null, Exists, Case, When, Then, Else, End, Cast, Double, Precision,
  ];
  for (const w of [...SQL_RESERVED, ...ADQL_RESERVED]) KEYWORDS.set(w, ReservedWord);
  for (const w of BUILTIN_FUNCTIONS) KEYWORDS.set(w, BuiltinFunction);
  for (const w of AGGREGATES) KEYWORDS.set(w, AggregateFunction);
  for (const w of GEOMETRY_CONSTRUCTORS) KEYWORDS.set(w, GEOMETRY_TYPE_TOKENS.get(w) ?? keyword(w, [GeometryConstructor]));
  for (const w of TYPE_NAMES) KEYWORDS.set(w, keyword(w, [TypeName]));
  for (const t of grammarKeywords) KEYWORDS.set(t.name, t);
}

/**
 * KEYWORDS.get(word.toUpperCase()) for an identifier's image ([a-zA-Z][a-zA-Z0-9_]*), without making the
 * upper-case string: most words of a query are keywords or names, and that string per word was a fifth
 * of the lexer's time. The words are found by a hash of their upper-case letters, then compared.
 */
function keywordOf(word: string): TokenType | undefined {
  const bucket = KEYWORDS_BY_HASH.get(upperHash(word));
  if (bucket === undefined) return undefined;
  for (const [upper, type] of bucket) if (sameUpper(word, upper)) return type;
  return undefined;
}

/** A hash of an ASCII word as upper case (`& 0xdf` upper-cases an ASCII letter; digits and _ hash alike both ways). */
function upperHash(word: string): number {
  let h = word.length;
  for (let i = 0; i < word.length; i++) h = (Math.imul(h, 31) + (word.charCodeAt(i) & 0xdf)) | 0;
  return h;
}

/** Whether the ASCII `word` is `upper` in upper case. */
function sameUpper(word: string, upper: string): boolean {
  if (word.length !== upper.length) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if ((c >= 97 && c <= 122 ? c - 32 : c) !== upper.charCodeAt(i)) return false;
  }
  return true;
}

const KEYWORDS_BY_HASH = new Map<number, [string, TokenType][]>();
for (const [upper, type] of KEYWORDS) {
  const h = upperHash(upper);
  const bucket = KEYWORDS_BY_HASH.get(h);
  if (bucket) bucket.push([upper, type]);
  else KEYWORDS_BY_HASH.set(h, [[upper, type]]);
}

/** Whether `word` is reserved in ADQL 2.1, whatever its case: it must be delimited to be a name. */
export function isReservedWord(word: string): boolean {
  return KEYWORDS.has(word.toUpperCase());
}

/** Every token type the lexer can produce (order documented at the top of this file). */
export const lexerTokens: TokenType[] = [
  WhiteSpace, Comment,
  HexLiteral, RealLiteral, DecimalLiteral, IntegerLiteral, StringLiteral,
  Identifier, DelimitedIdentifier,
  NotEquals, LessEquals, GreaterEquals, Equals, Less, Greater,
  Concat, BitOr, BitAnd, BitXor, Tilde, Plus, Minus, Star, Slash,
  LParen, RParen, Comma, Period,
];

/** The parser's vocabulary: lexer tokens, categories and the retyped keywords. */
export const vocabulary: TokenType[] = [
  ...new Set([
    ...lexerTokens,
    NumberLiteral, ArithmeticOperator, ComparisonOperator,
    ReservedWord, BuiltinFunction, AggregateFunction, GeometryConstructor, TypeName,
    ...KEYWORDS.values(),
  ]),
];

const lexer = new Lexer(lexerTokens, { positionTracking: "full", ensureOptimizations: true });

/** Parentheses nest this deep at most; deeper input is refused before the recursive-descent parser sees it. */
export const MAX_NESTING = 100;

/**
 * Tokenises `source`, retypes keywords, and refuses what no parser rule should have to: characters
 * that start no token, unterminated quotes and runaway nesting. As in SQL, a number may touch the
 * word after it: `2desc` is `2 DESC` and `SELECT 89x` is `89 AS x`.
 */
export function tokenize(source: string): IToken[] {
  const tokens = scanCommon(source) ?? lexed(source);
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const type = tok.tokenType;
    if (type === Identifier) {
      const kw = keywordOf(tok.image);
      if (kw !== undefined) {
        tok.tokenType = kw;
        tok.tokenTypeIdx = kw.tokenTypeIdx!;
      }
    } else if (type === LParen) {
      if (++depth > MAX_NESTING) {
        throw new AdqlError("ADQL_TOO_COMPLEX", `parentheses nested deeper than ${MAX_NESTING} levels`, tokenSpan(tok), { source });
      }
    } else if (type === RParen) {
      depth--;
    }
  }
  return tokens;
}

/**
 * For each '(' of `tokens`, the type of the token after its matching ')' (EOF at the end, or for a '(' never closed):
 * what the parser's lookahead asks of a group, found here for all groups in one pass.
 */
export function groupEnds(tokens: readonly IToken[]): Map<IToken, TokenType> {
  const ends = new Map<IToken, TokenType>();
  const open: IToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i]!.tokenType;
    if (type === LParen) open.push(tokens[i]!);
    else if (type === RParen && open.length > 0) ends.set(open.pop()!, tokens[i + 1]?.tokenType ?? EOF);
  }
  for (const unclosed of open) ends.set(unclosed, EOF);
  return ends;
}

/** The tokens of the Chevrotain lexer, or its first error as an AdqlError. */
function lexed(source: string): IToken[] {
  const result = lexer.tokenize(source);
  if (result.errors.length > 0) {
    const e = result.errors[0]!;
    const ch = source[e.offset] ?? "";
    const what =
      ch === "'" ? "unterminated string literal" :
      ch === '"' ? (source[e.offset + 1] === '"' && source[e.offset + 2] !== '"' ? "empty delimited identifier: a name needs at least one character between the quotes" : "unterminated delimited identifier") :
      ch === "_" ? "unexpected character '_': an identifier must start with a letter (ADQL 2.1 §2.1.5); quote it as \"_...\"" :
      `unexpected character ${describeChar(ch)}`;
    const start = { offset: e.offset, line: e.line ?? 1, column: e.column ?? 1 };
    throw new AdqlError("ADQL_LEXICAL_ERROR", what, { start, end: { ...start, offset: start.offset + 1, column: start.column + 1 } }, { source });
  }
  return result.tokens;
}

/*
 * The lexer's tokens for the text that most queries are made of, read by hand: the Chevrotain lexer
 * runs a regular expression per token and per run of blanks, about a tenth of a compile; this loop
 * takes a fifth of that. It reads ASCII blanks, `--` comments, identifiers, unsigned integers and
 * decimals, strings on one line and the operators, and makes the tokens exactly as the lexer does
 * (the same types, images, offsets, lines and columns: positionTracking "full"). At anything else
 * (a delimited identifier, a number with an exponent or in hexadecimal, a string across lines, a
 * character outside ASCII, any character the lexer refuses) it gives up, and the lexer reads the
 * whole query: so the lexer alone decides every error. lexer/scan.property.test.ts compares the two.
 */

/**
 * A token as Chevrotain's lexer makes it with positionTracking "full" (createFullToken), on one line:
 * the same fields in the same order. A class, not an object literal: a literal with these keys in this
 * order shares its hidden class with Chevrotain's own tokens, and Chevrotain's EOF token holds NaN
 * offsets, which turn every offset, line and column field of that class into a boxed double. Each
 * token then allocated six heap numbers, and each span built from it six more (some 30% of a parse's
 * allocation); the class's fields stay small integers.
 */
class LineToken implements IToken {
  readonly image: string;
  readonly startOffset: number;
  readonly endOffset: number;
  readonly startLine: number;
  readonly endLine: number;
  readonly startColumn: number;
  readonly endColumn: number;
  tokenTypeIdx: number;
  tokenType: TokenType;
  constructor(source: string, start: number, end: number, line: number, column: number, type: TokenType) {
    this.image = source.substring(start, end);
    this.startOffset = start;
    this.endOffset = end - 1;
    this.startLine = line;
    this.endLine = line;
    this.startColumn = column;
    this.endColumn = column + (end - start) - 1;
    this.tokenTypeIdx = type.tokenTypeIdx!;
    this.tokenType = type;
  }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** The one-character tokens (after the two-character ones that start alike are ruled out). */
const SINGLE: ReadonlyMap<number, TokenType> = new Map(
  ([["=", Equals], ["<", Less], [">", Greater], ["|", BitOr], ["&", BitAnd], ["^", BitXor], ["~", Tilde], ["+", Plus], ["-", Minus],
    ["*", Star], ["/", Slash], ["(", LParen], [")", RParen], [",", Comma], [".", Period]] as const).map(([ch, t]) => [ch.charCodeAt(0), t]),
);

/** `source`'s tokens, as the lexer makes them, or undefined where this reader leaves the query to the lexer (see above). */
export function scanCommon(source: string): IToken[] | undefined {
  const tokens: IToken[] = [];
  const n = source.length;
  let i = 0;
  let line = 1;
  let column = 1;
  while (i < n) {
    const c = source.charCodeAt(i);
    const start = i;
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      // WhiteSpace (/\s+/, skipped): a run of these four only; a rarer blank after them makes the lexer read the query.
      let breaks = 0;
      let lastBreakEnd = -1;
      while (i < n) {
        const d = source.charCodeAt(i);
        if (d === 32 || d === 9) i++;
        else if (d === 10) {
          breaks++;
          lastBreakEnd = i++;
        } else if (d === 13) {
          // Chevrotain's line terminators: \n, \r\n, \r.
          if (source.charCodeAt(i + 1) === 10) i++;
          breaks++;
          lastBreakEnd = i++;
        } else break;
      }
      if (breaks > 0) {
        line += breaks;
        column = i - lastBreakEnd;
      } else column += i - start;
      continue;
    }
    const next = source.charCodeAt(i + 1);
    let type: TokenType;
    if (c === 45 && next === 45) {
      // Comment (/--[^\n\r]*/, skipped).
      i += 2;
      while (i < n && source.charCodeAt(i) !== 10 && source.charCodeAt(i) !== 13) i++;
      column += i - start;
      continue;
    } else if (isLetter(c)) {
      i++;
      for (let d = source.charCodeAt(i); isLetter(d) || isDigit(d) || d === 95; d = source.charCodeAt(i)) i++;
      type = Identifier;
    } else if (isDigit(c) || (c === 46 && isDigit(next))) {
      if (c === 48 && (next === 120 || next === 88)) return undefined; // 0x: maybe hexadecimal
      while (isDigit(source.charCodeAt(i))) i++;
      type = IntegerLiteral;
      if (source.charCodeAt(i) === 46) {
        i++;
        while (isDigit(source.charCodeAt(i))) i++;
        type = DecimalLiteral;
      }
      const e = source.charCodeAt(i);
      if (e === 101 || e === 69) return undefined; // maybe an exponent: RealLiteral
    } else if (c === 39) {
      // StringLiteral (/'(?:[^']|'')*'/): to the first quote that is not doubled, on one line.
      i++;
      for (;;) {
        if (i >= n) return undefined;
        const d = source.charCodeAt(i);
        if (d === 39) {
          if (source.charCodeAt(i + 1) !== 39) break;
          i += 2;
        } else if (d === 10 || d === 13) return undefined;
        else i++;
      }
      i++;
      type = StringLiteral;
    } else if (c === 60 && next === 62) {
      i += 2;
      type = NotEquals;
    } else if (c === 33) {
      if (next !== 61) return undefined;
      i += 2;
      type = NotEquals;
    } else if (c === 60 && next === 61) {
      i += 2;
      type = LessEquals;
    } else if (c === 62 && next === 61) {
      i += 2;
      type = GreaterEquals;
    } else if (c === 124 && next === 124) {
      i += 2;
      type = Concat;
    } else {
      const single = SINGLE.get(c);
      if (single === undefined) return undefined;
      i++;
      type = single;
    }
    tokens.push(new LineToken(source, start, i, line, column, type));
    column += i - start;
  }
  return tokens;
}

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return cp < 0x20 || cp === 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, "0")}` : `'${ch}'`;
}

/** The span of one token; `end` is just past its last character. */
export function tokenSpan(tok: IToken): Span {
  return {
    start: { offset: tok.startOffset, line: tok.startLine ?? 1, column: tok.startColumn ?? 1 },
    end: { offset: (tok.endOffset ?? tok.startOffset) + 1, line: tok.endLine ?? 1, column: (tok.endColumn ?? 0) + 1 },
  };
}
