/**
 * The ADQL 2.1 abstract syntax tree: readonly discriminated unions, a source span on every node.
 *
 * Nodes are plain data (no classes, no parent pointers), so they serialise to JSON as they are and
 * passes can share unchanged subtrees. Names follow the ADQL 2.1 BNF where it has one.
 */
import type { BuiltinName } from "../builtins.js";

/** A 1-based position in the source text; `offset` is the 0-based UTF-16 index. */
export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** From the first character of a construct to just after its last character. */
export interface Span {
  readonly start: Position;
  readonly end: Position;
}

/**
 * A regular identifier (`delimited: false`) compares case-insensitively; a delimited one
 * (`"..."`, `delimited: true`) compares exactly (ADQL 2.1 §2.1.5–2.1.7). `name` is the text without
 * quotes and with `""` unescaped.
 */
export interface Identifier {
  readonly kind: "Identifier";
  readonly name: string;
  readonly delimited: boolean;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Queries

/** `[WITH ...] <query_set_expression> [ORDER BY ...] [OFFSET n]`: a `<select_expression>`. */
export interface Query {
  readonly kind: "Query";
  /** Common table expressions; only a top-level query may have them (ADQL 2.1 §4.5). */
  readonly with: readonly CommonTableExpression[];
  readonly body: QueryBody;
  readonly orderBy: readonly OrderItem[];
  /** `OFFSET n`, an unsigned integer literal, or null. */
  readonly offset: NumberLiteral | null;
  /**
   * SQL only, set by the top-to-limit pass: the row limit of the whole query (TOP and MAXREC
   * combined). The parser never sets it; ADQL has no LIMIT.
   */
  readonly limit?: number;
  readonly span: Span;
}

export interface CommonTableExpression {
  readonly kind: "CommonTableExpression";
  readonly name: Identifier;
  readonly query: Query;
  readonly span: Span;
}

/** An operand of a set operation: a plain SELECT, or a parenthesised `<select_expression>`. */
export type QueryBody = Select | SetOperation | Query;

export type SetOperator = "UNION" | "EXCEPT" | "INTERSECT";

export interface SetOperation {
  readonly kind: "SetOperation";
  readonly op: SetOperator;
  readonly all: boolean;
  readonly left: QueryBody;
  readonly right: QueryBody;
  readonly span: Span;
}

export interface Select {
  readonly kind: "Select";
  readonly quantifier: "ALL" | "DISTINCT" | null;
  /** `TOP n`, an unsigned integer literal, or null. */
  readonly top: NumberLiteral | null;
  readonly items: readonly SelectItem[];
  readonly from: readonly TableReference[];
  readonly where: Expression | null;
  readonly groupBy: readonly Expression[];
  readonly having: Expression | null;
  readonly span: Span;
}

export type SelectItem = SelectAll | SelectColumn;

/** `*`, or `qualifier.*` when `qualifier` is set. */
export interface SelectAll {
  readonly kind: "SelectAll";
  readonly qualifier: TableName | null;
  readonly span: Span;
}

export interface SelectColumn {
  readonly kind: "SelectColumn";
  readonly expr: Expression;
  readonly alias: Identifier | null;
  /**
   * SQL only: a column that the database must return but the user did not ask for (Qserv wants
   * ORDER BY expressions in the select list). It is not a result column.
   */
  readonly hidden?: boolean;
  /**
   * SQL only (Qserv): a result column that the server computes over each row (compile.ts QuerySplit),
   * not the database. Its expression refers to hidden items; the SQL leaves it out.
   */
  readonly residue?: boolean;
  readonly span: Span;
}

export interface OrderItem {
  readonly kind: "OrderItem";
  /** A column name, an alias, a 1-based ordinal (a NumberLiteral) or an expression. */
  readonly expr: Expression;
  readonly direction: "ASC" | "DESC" | null;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// FROM

export type TableReference = TableRef | DerivedTable | Join;

/** `[catalog.][schema.]table`: one to three parts. */
export interface TableName {
  readonly kind: "TableName";
  readonly parts: readonly Identifier[];
  readonly span: Span;
}

export interface TableRef {
  readonly kind: "TableRef";
  readonly name: TableName;
  readonly alias: Identifier | null;
  /** Set by name resolution: the table's name in the database (or a CTE's name). */
  readonly sqlName?: readonly string[];
  readonly span: Span;
}

/** `( <query> ) [AS] alias`: the alias is mandatory (ADQL 2.1 BNF `<table_reference>`). */
export interface DerivedTable {
  readonly kind: "DerivedTable";
  readonly query: Query;
  readonly alias: Identifier;
  readonly span: Span;
}

export type JoinType = "INNER" | "LEFT" | "RIGHT" | "FULL" | "CROSS";

export interface Join {
  readonly kind: "Join";
  readonly type: JoinType;
  /** Whether INNER / OUTER was written: kept so that the printer reproduces the query's form. */
  readonly explicitType: boolean;
  readonly natural: boolean;
  readonly left: TableReference;
  readonly right: TableReference;
  /** `ON <search_condition>`; null with USING, NATURAL and CROSS. */
  readonly on: Expression | null;
  /** `USING (a, b)`; empty otherwise. */
  readonly using: readonly Identifier[];
  /** The join was written in parentheses: `(a JOIN b ON ...)`. */
  readonly parenthesized: boolean;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expression =
  | ColumnRef
  | NumberLiteral
  | StringLiteral
  | NullLiteral
  | UnaryExpr
  | BinaryExpr
  | Comparison
  | Between
  | InPredicate
  | LikePredicate
  | NullPredicate
  | Exists
  | LogicalExpr
  | NotExpr
  | FunctionCall
  | UserFunctionCall
  | Aggregate
  | Cast
  | CaseExpr
  | ScalarSubquery
  | Point
  | Circle
  | Box
  | Polygon
  | Region
  | SqlFunctionCall
  | DaliArray;

/** `[[[catalog.]schema.]table.]column`: one to four parts. */
export interface ColumnRef {
  readonly kind: "ColumnRef";
  readonly parts: readonly Identifier[];
  /** Set by name resolution: what the name refers to, and its type. */
  readonly binding?: ColumnBinding;
  readonly span: Span;
}

/** A column that name resolution found: where it comes from and what it holds. */
export interface ColumnBinding {
  /** The relation's name in SQL: its alias, or the table's own name. */
  readonly relation: string;
  /** The column's name in SQL, in the database's spelling. */
  readonly column: string;
  readonly type: ValueType;
}

/**
 * The type of a value, in VOTable terms (VOTable 1.4 §2.1, DALI §3 xtypes), with the metadata that a
 * result FIELD carries. `datatype` is null when it cannot be known (no catalog).
 */
export interface ValueType {
  readonly datatype: VotableDatatype | null;
  readonly arraysize?: string;
  readonly xtype?: string;
  readonly unit?: string;
  readonly ucd?: string;
  readonly utype?: string;
  readonly description?: string;
  /**
   * The value that stands for NULL in this column's integers (VOTable 1.4 §4.3, `<VALUES null>`), as its table
   * declared it (an uploaded VOTable's FIELD): a column reference keeps it, so that a null element of an integer array
   * can be written back; a computed value has none.
   */
  readonly nullValue?: string;
}

export type VotableDatatype =
  | "boolean" | "bit" | "unsignedByte" | "short" | "int" | "long" | "char" | "unicodeChar"
  | "float" | "double" | "floatComplex" | "doubleComplex";

/**
 * A numeric literal, kept as written so that printing is exact. `integer`: `42`; `decimal`: `4.2`,
 * `4.`, `.2`; `real`: `4.2E-3`; `hex`: `0x2A` (ADQL 2.1 PR hexadecimal literals).
 */
export interface NumberLiteral {
  readonly kind: "NumberLiteral";
  readonly text: string;
  readonly form: "integer" | "decimal" | "real" | "hex";
  readonly span: Span;
}

export interface StringLiteral {
  readonly kind: "StringLiteral";
  /** The value, with `''` unescaped. */
  readonly value: string;
  readonly span: Span;
}

export interface NullLiteral {
  readonly kind: "NullLiteral";
  readonly span: Span;
}

export type UnaryOperator = "-" | "+" | "~";

export interface UnaryExpr {
  readonly kind: "UnaryExpr";
  readonly op: UnaryOperator;
  readonly operand: Expression;
  readonly span: Span;
}

/** Arithmetic, concatenation and the bitwise operators. */
export type BinaryOperator = "+" | "-" | "*" | "/" | "||" | "&" | "|" | "^";

export interface BinaryExpr {
  readonly kind: "BinaryExpr";
  readonly op: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
  readonly span: Span;
}

/** `!=` is normalised to `<>`. */
export type ComparisonOperator = "=" | "<>" | "<" | ">" | "<=" | ">=";

export interface Comparison {
  readonly kind: "Comparison";
  readonly op: ComparisonOperator;
  readonly left: Expression;
  readonly right: Expression;
  readonly span: Span;
}

export interface Between {
  readonly kind: "Between";
  readonly not: boolean;
  readonly expr: Expression;
  readonly low: Expression;
  readonly high: Expression;
  readonly span: Span;
}

export interface InPredicate {
  readonly kind: "InPredicate";
  readonly not: boolean;
  readonly expr: Expression;
  /** A list of values, or a subquery. */
  readonly values: readonly Expression[] | Query;
  readonly span: Span;
}

export interface LikePredicate {
  readonly kind: "LikePredicate";
  readonly not: boolean;
  /** ILIKE (ADQL 2.1 §4.4.4) when true. */
  readonly caseInsensitive: boolean;
  readonly expr: Expression;
  readonly pattern: Expression;
  readonly span: Span;
}

export interface NullPredicate {
  readonly kind: "NullPredicate";
  readonly not: boolean;
  readonly expr: Expression;
  readonly span: Span;
}

export interface Exists {
  readonly kind: "Exists";
  readonly query: Query;
  readonly span: Span;
}

export interface LogicalExpr {
  readonly kind: "LogicalExpr";
  readonly op: "AND" | "OR";
  readonly left: Expression;
  readonly right: Expression;
  readonly span: Span;
}

export interface NotExpr {
  readonly kind: "NotExpr";
  readonly operand: Expression;
  readonly span: Span;
}

/**
 * A call of a function that ADQL defines by name (math, trigonometry, LOWER/UPPER, COALESCE,
 * NULLIF, IN_UNIT, and the geometry functions other than the shape constructors). `name` is upper
 * case. Arity and argument forms are checked by the parser (see parser/functions.ts).
 */
export interface FunctionCall {
  readonly kind: "FunctionCall";
  readonly name: BuiltinFunctionName;
  readonly args: readonly Expression[];
  readonly span: Span;
}

/** ADQL's functions (math, trigonometry, strings, conditionals, units, geometry): the keys of builtins.ts. */
export type BuiltinFunctionName = BuiltinName;

/** A user-defined function (ADQL 2.1 §4.3); `name` as written. The registry decides known names. */
export interface UserFunctionCall {
  readonly kind: "UserFunctionCall";
  readonly name: Identifier;
  readonly args: readonly Expression[];
  readonly span: Span;
}

export type AggregateName = "AVG" | "MAX" | "MIN" | "SUM" | "COUNT";

export interface Aggregate {
  readonly kind: "Aggregate";
  readonly name: AggregateName;
  readonly quantifier: "ALL" | "DISTINCT" | null;
  /** null for `COUNT(*)`. */
  readonly arg: Expression | null;
  readonly span: Span;
}

export type CastTypeName =
  | "CHAR" | "VARCHAR" | "SMALLINT" | "INTEGER" | "BIGINT" | "REAL" | "DOUBLE PRECISION"
  | "TIMESTAMP" | "POINT" | "CIRCLE" | "POLYGON";

export interface CastType {
  readonly name: CastTypeName;
  /** `CHAR(n)` / `VARCHAR(n)`. */
  readonly length: number | null;
}

export interface Cast {
  readonly kind: "Cast";
  readonly expr: Expression;
  readonly target: CastType;
  readonly span: Span;
}

export interface WhenClause {
  readonly kind: "WhenClause";
  /** A search condition (searched CASE) or a value compared with the operand (simple CASE). */
  readonly when: Expression;
  readonly then: Expression;
  readonly span: Span;
}

export interface CaseExpr {
  readonly kind: "CaseExpr";
  /** The operand of a simple CASE; null for a searched CASE. */
  readonly operand: Expression | null;
  readonly whens: readonly WhenClause[];
  readonly else: Expression | null;
  readonly span: Span;
}

export interface ScalarSubquery {
  readonly kind: "ScalarSubquery";
  readonly query: Query;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Geometry constructors (ADQL 2.1 §4.2). The coordinate-system argument is deprecated and optional.

/** The deprecated coordinate-system argument: a string literal, NULL, or absent (null). */
export type CoordSys = StringLiteral | NullLiteral | null;

/** A centre or a vertex written as two numbers rather than as a POINT value. */
export interface Coordinates {
  readonly kind: "Coordinates";
  readonly x: Expression;
  readonly y: Expression;
  readonly span: Span;
}

/** A centre or a vertex: two numbers, or a point-valued expression (POINT, CENTROID, a column, a UDF). */
export type PointArgument = Coordinates | Expression;

export interface Point {
  readonly kind: "Point";
  readonly coordSys: CoordSys;
  readonly x: Expression;
  readonly y: Expression;
  readonly span: Span;
}

export interface Circle {
  readonly kind: "Circle";
  readonly coordSys: CoordSys;
  readonly center: PointArgument;
  readonly radius: Expression;
  readonly span: Span;
}

export interface Box {
  readonly kind: "Box";
  readonly coordSys: CoordSys;
  readonly center: PointArgument;
  readonly width: Expression;
  readonly height: Expression;
  readonly span: Span;
}

export interface Polygon {
  readonly kind: "Polygon";
  readonly coordSys: CoordSys;
  /** At least three, all Coordinates or all point-valued expressions. */
  readonly vertices: readonly PointArgument[];
  readonly span: Span;
}

export interface Region {
  readonly kind: "Region";
  readonly text: StringLiteral;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// SQL-only nodes: passes create them, the parser never does, and the ADQL printer writes them in a
// form that is readable but not meant to parse.

/** A call of a database function by its exact name (scisql_angSep, LN, CONCAT...), with its result type. */
export interface SqlFunctionCall {
  readonly kind: "SqlFunctionCall";
  readonly name: string;
  readonly args: readonly Expression[];
  readonly type: ValueType;
  readonly span: Span;
}

/**
 * A DALI array value (point, circle, polygon) that the database returns as separate numeric
 * columns, one per item, and the service assembles into one FIELD.
 */
export interface DaliArray {
  readonly kind: "DaliArray";
  readonly xtype: "point" | "circle" | "polygon";
  readonly items: readonly Expression[];
  readonly span: Span;
}

/** Every node kind, for exhaustive tables (`Record<NodeKind, ...>`). */
export type Node =
  | Query
  | CommonTableExpression
  | SetOperation
  | Select
  | SelectAll
  | SelectColumn
  | OrderItem
  | TableName
  | TableRef
  | DerivedTable
  | Join
  | Expression
  | Coordinates
  | WhenClause
  | Identifier;

export type NodeKind = Node["kind"];
