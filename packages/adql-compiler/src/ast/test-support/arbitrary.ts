/**
 * fast-check generators of random ADQL syntax trees in "parser-normal form": trees that `parse` itself
 * could return, so that `parse(printAdql(t))` must give `t` back (spans aside).
 *
 * What parser-normal form means here (see parser/parser.ts, parser/build.ts, parser/functions.ts):
 * - values and conditions never stand in each other's place; geometries never in arithmetic, LIKE or
 *   a function that wants a number; each builtin gets the argument forms of its signature;
 * - geometry constructors: the coordinate system is a string or NULL; without one, the first argument
 *   must not be a string or NULL either (it would be read as the coordinate system); a centre is two
 *   coordinates or a point-valued expression; a POLYGON's vertices are all coordinate pairs or all
 *   points, and six or more points of an even count include a POINT or CENTROID (otherwise they read
 *   as coordinate pairs);
 * - set operations are folded as the parser folds them: INTERSECT tighter than UNION and EXCEPT, all
 *   left-associative, anything else parenthesised (a nested Query node);
 * - joins are left-deep; the right side of a join is a table, a derived table or a parenthesised join;
 *   LEFT/RIGHT/FULL/CROSS are explicit, NATURAL and CROSS joins have no ON or USING, and every other
 *   join has one;
 * - WITH only at the top; an IN subquery and a scalar subquery start with SELECT (the parser reads
 *   `((SELECT ...) UNION ...)` there as a parenthesised value, not as a query);
 * - a regular identifier is never a reserved word; a NumberLiteral's text matches its form.
 *
 * Spans are dummies: the round-trip property compares trees without them. Depth and list lengths are
 * bounded so that a tree prints to a few hundred characters on average.
 */
import fc from "fast-check";
import type {
  Aggregate, AggregateName, BinaryOperator, Box, BuiltinFunctionName, CaseExpr, Cast, CastTypeName, Circle,
  ColumnRef, CommonTableExpression, ComparisonOperator, Coordinates, CoordSys, DerivedTable, Expression, FunctionCall,
  Identifier, Join, JoinType, NullLiteral, NumberLiteral, OrderItem, Point, PointArgument, Polygon, Query, QueryBody,
  Select, SelectItem, SetOperator, Span, StringLiteral, TableName, TableRef, TableReference, UnaryOperator,
  UserFunctionCall, WhenClause,
} from "../nodes.js";
import { BUILTIN_NAMES, BUILTINS, type ArgumentForm, type BuiltinDefinition } from "../../builtins.js";
import { isReservedWord } from "../../lexer/tokens.js";
import { SCISQL_FUNCTIONS, type UdfDefinition } from "../../parser/functions.js";

export interface AstArbitraryOptions {
  /** Nesting of expressions below a clause (0: leaves only). Default 3. */
  readonly exprDepth?: number;
  /** Nesting of queries (subqueries, derived tables, CTEs, parenthesised set operands). Default 2. */
  readonly queryDepth?: number;
  /** The user-defined functions that calls may use; the test must parse with the same ones. Default: scisql. */
  readonly functions?: readonly UdfDefinition[];
}

/** A dummy span: the property strips spans before comparing. */
export const DUMMY_SPAN: Span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };

type Arb<T> = fc.Arbitrary<T>;
const span = DUMMY_SPAN;

// ---------------------------------------------------------------------------------------------
// Lexical pieces

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";
const HEX_DIGITS = "0123456789abcdefABCDEF";

const chars = (set: string): Arb<string> => fc.constantFrom(...set);
const digits = (min: number, max: number): Arb<string> => fc.string({ unit: chars(DIGITS), minLength: min, maxLength: max });

/**
 * Words that are reserved in ADQL 2.1 (grammar keywords, function names, SQL-92 words): as names,
 * they must be delimited. The property test checks that each of them really is reserved.
 */
export const RESERVED_SAMPLES: readonly string[] = [
  "SELECT", "from", "Where", "ORDER", "group", "TOP", "OFFSET", "ILIKE", "POINT", "circle", "REGION", "COUNT",
  "distance", "CONTAINS", "DOUBLE", "PRECISION", "CHAR", "VARCHAR", "BIGINT", "VALUE", "USER", "SIZE", "DATE",
  "FIRST", "TABLE", "NULL", "true", "IN_UNIT", "LOG10", "SUM", "natural", "USING", "Join", "END",
];

/** Names that are close to keywords or lexically awkward, but still regular identifiers. */
const TRICKY_NAMES = [
  "a", "t", "ra", "dec", "x", "e", "E", "e1", "E5", "x0", "x1F", "obs_id", "Mag_g_2", "selected", "fromage",
  "pointx", "inner1", "ab__c", "Top10", "offsets", "nulls", "withx", "asc1", "count_", "Z",
];

const regularName: Arb<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...TRICKY_NAMES), weight: 3 },
  {
    arbitrary: fc.tuple(chars(LETTERS), fc.string({ unit: chars(`${LETTERS}${DIGITS}_`), maxLength: 7 })).map(([a, b]) => a + b),
    weight: 2,
  },
).filter((n) => !isReservedWord(n));

/** Characters for quoted texts: quotes of both kinds, blanks, line breaks, NUL, non-ASCII, `--`. */
const QUOTED_UNITS = [
  "a", "b", "Z", "0", "_", " ", "'", '"', "''", '""', "-", "--", "(", ")", ",", ";", ".", "*", "\\", "\n", "\r\n",
  "\r", "\t", "\u0000", "\u0007", "é", "ß", "Ω", "中", "😀", "\u2028", "\u00a0", "\ufeff", "e\u0301",
];
const quotedText = (minLength: number): Arb<string> =>
  fc.oneof(
    { arbitrary: fc.string({ unit: fc.constantFrom(...QUOTED_UNITS), minLength, maxLength: 8 }), weight: 3 },
    { arbitrary: fc.string({ unit: "grapheme", minLength, maxLength: 6 }), weight: 1 },
  );

export const regularIdentifier: Arb<Identifier> = regularName.map((name) => ({ kind: "Identifier", name, delimited: false, span }));

export const delimitedIdentifier: Arb<Identifier> = fc.oneof(
  fc.constantFrom(...RESERVED_SAMPLES),
  regularName,
  fc.constantFrom('"', '""', 'say "hi"', "a b", "a.b", "*", " ", "-- x", "'", "日本語", "😀", "line\nbreak", "nul\u0000"),
  quotedText(1),
).map((name) => ({ kind: "Identifier", name, delimited: true, span }));

export const identifier: Arb<Identifier> = fc.oneof(
  { arbitrary: regularIdentifier, weight: 5 },
  { arbitrary: delimitedIdentifier, weight: 1 },
);

export const stringLiteral: Arb<StringLiteral> = fc.oneof(
  { arbitrary: quotedText(0), weight: 4 },
  { arbitrary: fc.constantFrom("", "'", "''", "it's", "ICRS", "GALACTIC", "Position ICRS 1 2", "%a_b%", "a\nb", "-- c"), weight: 2 },
).map((value) => ({ kind: "StringLiteral", value, span }));

const nullLiteral: Arb<NullLiteral> = fc.constant({ kind: "NullLiteral", span });

const integerText = digits(1, 6);
const decimalText = fc.oneof(
  fc.tuple(digits(1, 4), digits(0, 4)).map(([i, f]) => `${i}.${f}`),
  digits(1, 4).map((f) => `.${f}`),
);
const realText = fc
  .tuple(
    fc.oneof(digits(1, 4), digits(1, 3).map((i) => `${i}.`), fc.tuple(digits(1, 3), digits(1, 3)).map(([i, f]) => `${i}.${f}`), digits(1, 3).map((f) => `.${f}`)),
    fc.constantFrom("e", "E"),
    fc.constantFrom("", "+", "-"),
    digits(1, 3),
  )
  .map((p) => p.join(""));
const hexText = fc
  .tuple(fc.constantFrom("0x", "0X"), fc.string({ unit: chars(HEX_DIGITS), minLength: 1, maxLength: 8 }))
  .map(([p, h]) => p + h);

const numberOf = (form: NumberLiteral["form"], text: Arb<string>): Arb<NumberLiteral> =>
  text.map((t) => ({ kind: "NumberLiteral", text: t, form, span }));

export const unsignedInteger: Arb<NumberLiteral> = numberOf("integer", integerText);
export const numberLiteral: Arb<NumberLiteral> = fc.oneof(
  { arbitrary: unsignedInteger, weight: 3 },
  { arbitrary: numberOf("decimal", decimalText), weight: 2 },
  { arbitrary: numberOf("real", realText), weight: 1 },
  { arbitrary: numberOf("hex", hexText), weight: 1 },
);

/** `[+|-] <unsigned integer>`: the second argument of ROUND and TRUNCATE. */
const signedInteger: Arb<Expression> = fc.oneof(
  unsignedInteger,
  fc.tuple(fc.constantFrom<UnaryOperator>("-", "+"), unsignedInteger).map(([op, n]): Expression => ({ kind: "UnaryExpr", op, operand: n, span })),
);

/** `n` to `m` name parts, mostly one. */
const nameParts = (max: number): Arb<Identifier[]> =>
  fc.oneof(
    { arbitrary: fc.array(identifier, { minLength: 1, maxLength: 1 }), weight: 6 },
    { arbitrary: fc.array(identifier, { minLength: 2, maxLength: max }), weight: 2 },
    { arbitrary: fc.array(identifier, { minLength: max, maxLength: max }), weight: 1 },
  );
const tableName: Arb<TableName> = nameParts(3).map((parts) => ({ kind: "TableName", parts, span }));
const columnRef: Arb<ColumnRef> = nameParts(4).map((parts) => ({ kind: "ColumnRef", parts, span }));

const coordSys: Arb<CoordSys> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 3 },
  { arbitrary: stringLiteral, weight: 1 },
  { arbitrary: nullLiteral, weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// Builtin functions by argument form

/** The functions whose one signature is these argument forms (builtins.ts), in the table's order. */
function builtinsTaking(...args: ArgumentForm[]): readonly BuiltinFunctionName[] {
  return BUILTIN_NAMES.filter((n) => {
    const sigs = (BUILTINS[n] as BuiltinDefinition).signatures;
    return sigs.length === 1 && !sigs[0]!.variadic && sigs[0]!.args.join() === args.join();
  });
}
const VALUE_UNARY = builtinsTaking("value");
const VALUE_BINARY = builtinsTaking("value", "value");
const AGGREGATES: readonly AggregateName[] = ["AVG", "MAX", "MIN", "SUM", "COUNT"];
const SCALAR_CAST_TARGETS: readonly CastTypeName[] = ["SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION", "TIMESTAMP"];
const GEOMETRY_CAST_TARGETS: readonly CastTypeName[] = ["POINT", "CIRCLE", "POLYGON"];
const BINARY_OPERATORS: readonly BinaryOperator[] = ["+", "-", "*", "/", "||", "&", "|", "^"];
const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ["=", "<>", "<", ">", "<=", ">="];
const JOIN_TYPES: readonly JoinType[] = ["INNER", "LEFT", "RIGHT", "FULL", "CROSS"];

const call = (name: BuiltinFunctionName, args: Expression[]): FunctionCall => ({ kind: "FunctionCall", name, args, span });

/** A string or NULL first argument would be read as the coordinate system. */
function looksLikeCoordSys(e: Expression): boolean {
  return e.kind === "StringLiteral" || e.kind === "NullLiteral";
}

const ICRS: StringLiteral = { kind: "StringLiteral", value: "ICRS", span };

/** The coordinate system to print, forced when the first argument would otherwise be taken for one. */
function fixCoordSys(cs: CoordSys, first: PointArgument): CoordSys {
  const firstValue = first.kind === "Coordinates" ? first.x : first;
  return cs === null && looksLikeCoordSys(firstValue) ? ICRS : cs;
}

function isPointOrCentroid(e: PointArgument): boolean {
  return e.kind === "Point" || (e.kind === "FunctionCall" && e.name === "CENTROID");
}

/** Set operations folded as the parser folds them: INTERSECT first, then UNION/EXCEPT, left to right. */
export function foldSetOperations(first: QueryBody, rest: ReadonlyArray<readonly [SetOperator, boolean, QueryBody]>): QueryBody {
  const terms: QueryBody[] = [first];
  const ops: Array<readonly [SetOperator, boolean]> = [];
  for (const [op, all, operand] of rest) {
    if (op === "INTERSECT") {
      terms[terms.length - 1] = { kind: "SetOperation", op, all, left: terms[terms.length - 1]!, right: operand, span };
    } else {
      ops.push([op, all]);
      terms.push(operand);
    }
  }
  let body = terms[0]!;
  ops.forEach(([op, all], i) => {
    body = { kind: "SetOperation", op, all, left: body, right: terms[i + 1]!, span };
  });
  return body;
}

// ---------------------------------------------------------------------------------------------
// The recursive generators, memoised by (sort, depth, query depth)

export type Sort = "scalar" | "geometry" | "value" | "condition" | "coord";

class Generators {
  private readonly cache = new Map<string, Arb<unknown>>();

  constructor(
    private readonly exprDepth: number,
    /** The query depth of the top-level query. */
    private readonly queryDepth: number,
    private readonly udfs: readonly UdfDefinition[],
  ) {}

  private memo<T>(key: string, make: () => Arb<T>): Arb<T> {
    let a = this.cache.get(key) as Arb<T> | undefined;
    if (a === undefined) {
      a = make();
      this.cache.set(key, a);
    }
    return a;
  }

  /** Expressions nest less deeply in subqueries (3, 1, 0 by default), which keeps trees small. */
  private depthAt(qd: number): number {
    return Math.max(0, this.exprDepth - 2 * (this.queryDepth - qd));
  }

  expr(sort: Sort, d: number, qd: number): Arb<Expression> {
    return this.memo(`${sort}/${d}/${qd}`, () => {
      switch (sort) {
        case "scalar": return this.scalar(d, qd);
        case "geometry": return this.geometry(d, qd);
        case "value": return fc.oneof({ arbitrary: this.scalar(d, qd), weight: 5 }, { arbitrary: this.geometry(d, qd), weight: 1 });
        case "condition": return this.condition(d, qd);
        case "coord": return this.coord(d, qd);
      }
    });
  }

  // ---- values

  private scalarLeaf(): Arb<Expression> {
    return this.memo("scalarLeaf", () =>
      fc.oneof(
        { arbitrary: columnRef, weight: 6 },
        { arbitrary: numberLiteral, weight: 5 },
        { arbitrary: stringLiteral, weight: 2 },
        { arbitrary: nullLiteral, weight: 1 },
        { arbitrary: fc.constant(call("PI", [])), weight: 1 },
        { arbitrary: fc.option(unsignedInteger, { nil: null }).map((n) => call("RAND", n === null ? [] : [n])), weight: 1 },
        { arbitrary: fc.constant<Aggregate>({ kind: "Aggregate", name: "COUNT", quantifier: null, arg: null, span }), weight: 1 },
      ),
    );
  }

  private scalar(d: number, qd: number): Arb<Expression> {
    const leaf = this.scalarLeaf();
    if (d === 0) return leaf;
    const s = this.expr("scalar", d - 1, qd);
    const v = this.expr("value", d - 1, qd);
    const coord = this.expr("coord", d - 1, qd);
    const alternatives: Array<fc.WeightedArbitrary<Expression>> = [
      { arbitrary: leaf, weight: 24 },
      {
        arbitrary: fc.tuple(fc.constantFrom<UnaryOperator>("-", "+", "~"), s).map(([op, operand]) => ({ kind: "UnaryExpr", op, operand, span })),
        weight: 2,
      },
      {
        arbitrary: fc.tuple(fc.constantFrom(...BINARY_OPERATORS), s, s).map(([op, left, right]) => ({ kind: "BinaryExpr", op, left, right, span })),
        weight: 5,
      },
      { arbitrary: fc.tuple(fc.constantFrom(...VALUE_UNARY), s).map(([name, a]) => call(name, [a])), weight: 2 },
      { arbitrary: fc.tuple(fc.constantFrom(...VALUE_BINARY), s, s).map(([name, a, b]) => call(name, [a, b])), weight: 1 },
      {
        arbitrary: fc.tuple(fc.constantFrom<BuiltinFunctionName>("ROUND", "TRUNCATE"), s, fc.option(signedInteger, { nil: null }))
          .map(([name, a, n]) => call(name, n === null ? [a] : [a, n])),
        weight: 1,
      },
      { arbitrary: fc.array(s, { minLength: 1, maxLength: 3 }).map((args) => call("COALESCE", args)), weight: 1 },
      { arbitrary: fc.tuple(s, stringLiteral).map(([a, u]) => call("IN_UNIT", [a, u])), weight: 1 },
      { arbitrary: fc.tuple(fc.constantFrom<BuiltinFunctionName>("AREA", "COORDSYS"), v).map(([name, g]) => call(name, [g])), weight: 1 },
      { arbitrary: fc.tuple(fc.constantFrom<BuiltinFunctionName>("CONTAINS", "INTERSECTS"), v, v).map(([name, a, b]) => call(name, [a, b])), weight: 2 },
      { arbitrary: fc.tuple(fc.constantFrom<BuiltinFunctionName>("COORD1", "COORD2"), coord).map(([name, p]) => call(name, [p])), weight: 1 },
      {
        arbitrary: fc.oneof(
          fc.tuple(coord, coord).map(([a, b]) => call("DISTANCE", [a, b])),
          fc.tuple(s, s, s, s).map((args) => call("DISTANCE", args)),
        ),
        weight: 2,
      },
      {
        arbitrary: fc.oneof(
          { arbitrary: fc.tuple(fc.constantFrom(...AGGREGATES), fc.constantFrom<Aggregate["quantifier"]>(null, null, "ALL", "DISTINCT"), v)
            .map(([name, quantifier, arg]): Aggregate => ({ kind: "Aggregate", name, quantifier, arg, span })), weight: 3 },
          { arbitrary: fc.constant<Aggregate>({ kind: "Aggregate", name: "COUNT", quantifier: null, arg: null, span }), weight: 1 },
        ),
        weight: 2,
      },
      {
        arbitrary: fc.tuple(v, fc.oneof(
          fc.tuple(fc.constantFrom<CastTypeName>("CHAR", "VARCHAR"), fc.option(fc.integer({ min: 1, max: 4000 }), { nil: null })),
          fc.constantFrom(...SCALAR_CAST_TARGETS).map((n) => [n, null] as const),
        )).map(([e, [name, length]]): Cast => ({ kind: "Cast", expr: e, target: { name, length }, span })),
        weight: 2,
      },
      { arbitrary: this.caseExpr(d, qd), weight: 2 },
    ];
    const udf = this.udfCall(d, qd);
    if (udf !== null) alternatives.push({ arbitrary: udf, weight: 2 });
    // Subqueries make most of a tree's size: only near the top of an expression.
    if (qd > 0 && d >= 2) {
      alternatives.push({
        arbitrary: this.query(qd - 1, { top: false, leadingSelect: true }).map((query) => ({ kind: "ScalarSubquery", query, span })),
        weight: 1,
      });
    }
    return fc.oneof(...alternatives);
  }

  /** A call of a registered UDF (null when none can be called by a regular name). */
  private udfCall(d: number, qd: number): Arb<UserFunctionCall> | null {
    const v = this.expr("value", d - 1, qd);
    const leaf = this.expr("value", 0, qd);
    const defs = this.udfs.filter((u) => /^[A-Za-z][A-Za-z0-9_]*$/.test(u.name) && !isReservedWord(u.name));
    if (defs.length === 0) return null;
    return fc
      .tuple(fc.constantFrom(...defs), fc.constantFrom("as is", "lower", "upper"), fc.nat({ max: 2 }))
      .chain(([def, spelling, extra]) => {
        const name = spelling === "lower" ? def.name.toLowerCase() : spelling === "upper" ? def.name.toUpperCase() : def.name;
        const n = Math.min(def.maxArgs, def.minArgs + extra);
        // Long argument lists (scisql_s2PtInCPoly takes 8 or more) get leaves only.
        return fc.array(n > 4 ? leaf : v, { minLength: n, maxLength: n }).map((args): UserFunctionCall => ({
          kind: "UserFunctionCall",
          name: { kind: "Identifier", name, delimited: false, span },
          args,
          span,
        }));
      });
  }

  private caseExpr(d: number, qd: number): Arb<CaseExpr> {
    const v = this.expr("value", d - 1, qd);
    const c = this.expr("condition", d - 1, qd);
    const when = (w: Arb<Expression>): Arb<WhenClause> => fc.tuple(w, v).map(([when, then]) => ({ kind: "WhenClause", when, then, span }));
    const elseArb = fc.option(v, { nil: null });
    return fc.oneof(
      // searched: WHEN <condition>
      fc.tuple(fc.array(when(c), { minLength: 1, maxLength: 3 }), elseArb)
        .map(([whens, e]): CaseExpr => ({ kind: "CaseExpr", operand: null, whens, else: e, span })),
      // simple: CASE <value> WHEN <value>
      fc.tuple(v, fc.array(when(v), { minLength: 1, maxLength: 3 }), elseArb)
        .map(([operand, whens, e]): CaseExpr => ({ kind: "CaseExpr", operand, whens, else: e, span })),
    );
  }

  // ---- geometry

  private coordinates(d: number, qd: number): Arb<Coordinates> {
    const s = this.expr("scalar", Math.max(0, d - 1), qd);
    return fc.tuple(s, s).map(([x, y]) => ({ kind: "Coordinates", x, y, span }));
  }

  private centre(d: number, qd: number): Arb<PointArgument> {
    return fc.oneof(this.coordinates(d, qd), this.expr("coord", Math.max(0, d - 1), qd));
  }

  private point(d: number, qd: number): Arb<Point> {
    const s = this.expr("scalar", Math.max(0, d - 1), qd);
    return fc.tuple(coordSys, s, s).map(([cs, x, y]) => ({ kind: "Point", coordSys: cs, x, y, span }));
  }

  private geometry(d: number, qd: number): Arb<Expression> {
    const s = this.expr("scalar", Math.max(0, d - 1), qd);
    const circle: Arb<Circle> = fc.tuple(coordSys, this.centre(d, qd), s)
      .map(([cs, center, radius]) => ({ kind: "Circle", coordSys: fixCoordSys(cs, center), center, radius, span }));
    const box: Arb<Box> = fc.tuple(coordSys, this.centre(d, qd), s, s)
      .map(([cs, center, width, height]) => ({ kind: "Box", coordSys: fixCoordSys(cs, center), center, width, height, span }));
    const pointVertices: Arb<PointArgument[]> = fc
      .tuple(fc.array(this.expr("coord", Math.max(0, d - 1), qd), { minLength: 3, maxLength: 6 }), this.point(0, qd))
      .map(([vs, p]) => (vs.length >= 6 && vs.length % 2 === 0 && !vs.some(isPointOrCentroid) ? [p, ...vs.slice(1)] : vs));
    const polygon: Arb<Polygon> = fc
      .tuple(coordSys, fc.oneof(fc.array(this.coordinates(d, qd), { minLength: 3, maxLength: 4 }), pointVertices))
      .map(([cs, vertices]) => ({ kind: "Polygon", coordSys: fixCoordSys(cs, vertices[0]!), vertices, span }));
    const region = stringLiteral.map((text) => ({ kind: "Region" as const, text, span }));
    const alternatives: Array<fc.WeightedArbitrary<Expression>> = [
      { arbitrary: this.point(d, qd), weight: 3 },
      { arbitrary: circle, weight: 3 },
      { arbitrary: box, weight: 2 },
      { arbitrary: polygon, weight: 2 },
      { arbitrary: region, weight: 1 },
    ];
    if (d > 0) {
      const v = this.expr("value", d - 1, qd);
      alternatives.push(
        { arbitrary: v.map((g) => call("CENTROID", [g])), weight: 1 },
        {
          arbitrary: fc.tuple(v, fc.constantFrom(...GEOMETRY_CAST_TARGETS))
            .map(([e, name]): Cast => ({ kind: "Cast", expr: e, target: { name, length: null }, span })),
          weight: 1,
        },
      );
    }
    return fc.oneof(...alternatives);
  }

  /** `<coord_value>`: POINT, CENTROID, CAST(... AS POINT), a column or a UDF. */
  private coord(d: number, qd: number): Arb<Expression> {
    const alternatives: Array<fc.WeightedArbitrary<Expression>> = [
      { arbitrary: columnRef, weight: 3 },
      { arbitrary: this.point(d, qd), weight: 3 },
    ];
    if (d > 0) {
      const v = this.expr("value", d - 1, qd);
      alternatives.push(
        { arbitrary: v.map((g) => call("CENTROID", [g])), weight: 1 },
        { arbitrary: v.map((e): Cast => ({ kind: "Cast", expr: e, target: { name: "POINT", length: null }, span })), weight: 1 },
      );
      const udf = this.udfCall(d, qd);
      if (udf !== null) alternatives.push({ arbitrary: udf, weight: 1 });
    }
    return fc.oneof(...alternatives);
  }

  // ---- conditions

  private condition(d: number, qd: number): Arb<Expression> {
    const sub = Math.max(0, d - 1);
    const v = this.expr("value", sub, qd);
    const s = this.expr("scalar", sub, qd);
    const not = fc.boolean();
    const alternatives: Array<fc.WeightedArbitrary<Expression>> = [
      {
        arbitrary: fc.tuple(fc.constantFrom(...COMPARISON_OPERATORS), v, v).map(([op, left, right]) => ({ kind: "Comparison", op, left, right, span })),
        weight: 6,
      },
      { arbitrary: fc.tuple(not, v, v, v).map(([n, e, low, high]) => ({ kind: "Between", not: n, expr: e, low, high, span })), weight: 2 },
      {
        arbitrary: fc.tuple(not, v, fc.array(v, { minLength: 1, maxLength: 3 })).map(([n, e, values]) => ({ kind: "InPredicate", not: n, expr: e, values, span })),
        weight: 2,
      },
      {
        arbitrary: fc.tuple(not, fc.boolean(), s, s).map(([n, ci, e, pattern]) => ({ kind: "LikePredicate", not: n, caseInsensitive: ci, expr: e, pattern, span })),
        weight: 2,
      },
      { arbitrary: fc.tuple(not, v).map(([n, e]) => ({ kind: "NullPredicate", not: n, expr: e, span })), weight: 2 },
    ];
    if (d > 0) {
      const c = this.expr("condition", d - 1, qd);
      alternatives.push(
        { arbitrary: fc.tuple(fc.constantFrom<"AND" | "OR">("AND", "OR"), c, c).map(([op, left, right]) => ({ kind: "LogicalExpr", op, left, right, span })), weight: 5 },
        { arbitrary: c.map((operand) => ({ kind: "NotExpr", operand, span })), weight: 2 },
      );
    }
    if (qd > 0 && d >= 1) {
      alternatives.push(
        { arbitrary: this.query(qd - 1, { top: false, leadingSelect: false }).map((query) => ({ kind: "Exists", query, span })), weight: 1 },
        {
          arbitrary: fc.tuple(not, v, this.query(qd - 1, { top: false, leadingSelect: true }))
            .map(([n, e, query]) => ({ kind: "InPredicate", not: n, expr: e, values: query, span })),
          weight: 1,
        },
      );
    }
    return fc.oneof(...alternatives);
  }

  // ---- queries

  query(qd: number, opts: { top: boolean; leadingSelect: boolean }): Arb<Query> {
    return this.memo(`query/${qd}/${opts.top}/${opts.leadingSelect}`, () => {
      const d = this.depthAt(qd);
      const withArb: Arb<CommonTableExpression[]> = opts.top && qd > 0
        ? fc.oneof(
          { arbitrary: fc.constant<CommonTableExpression[]>([]), weight: 4 },
          {
            arbitrary: fc.array(
              fc.tuple(identifier, this.query(qd - 1, { top: false, leadingSelect: false }))
                .map(([name, query]): CommonTableExpression => ({ kind: "CommonTableExpression", name, query, span })),
              { minLength: 1, maxLength: 2 },
            ),
            weight: 1,
          },
        )
        : fc.constant<CommonTableExpression[]>([]);
      const order: Arb<OrderItem> = fc.tuple(this.expr("value", Math.min(d, 2), qd), fc.constantFrom<OrderItem["direction"]>(null, "ASC", "DESC"))
        .map(([e, direction]) => ({ kind: "OrderItem", expr: e, direction, span }));
      const operator = fc.constantFrom<SetOperator>("UNION", "EXCEPT", "INTERSECT");
      const primary = (mustSelect: boolean): Arb<QueryBody> =>
        mustSelect || qd === 0
          ? this.select(qd)
          : fc.oneof({ arbitrary: this.select(qd), weight: 4 }, { arbitrary: this.query(qd - 1, { top: false, leadingSelect: false }), weight: 1 });
      const body: Arb<QueryBody> = fc.oneof(
        { arbitrary: primary(opts.leadingSelect), weight: 3 },
        {
          arbitrary: fc.tuple(primary(opts.leadingSelect), fc.array(fc.tuple(operator, fc.boolean(), primary(false)), { minLength: 1, maxLength: 2 }))
            .map(([first, rest]) => foldSetOperations(first, rest)),
          weight: 1,
        },
      );
      const orderBy = fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: fc.array(order, { minLength: 1, maxLength: 2 }), weight: 1 });
      return fc.tuple(withArb, body, orderBy, fc.option(unsignedInteger, { nil: null, freq: 4 }))
        .map(([ctes, b, orderBy, offset]): Query => ({ kind: "Query", with: ctes, body: b, orderBy, offset, span }));
    });
  }

  private select(qd: number): Arb<Select> {
    return this.memo(`select/${qd}`, () => {
      const d = this.depthAt(qd);
      const item: Arb<SelectItem> = fc.oneof(
        { arbitrary: fc.tuple(this.expr("value", d, qd), fc.option(identifier, { nil: null })).map(([e, alias]): SelectItem => ({ kind: "SelectColumn", expr: e, alias, span })), weight: 8 },
        { arbitrary: fc.constant<SelectItem>({ kind: "SelectAll", qualifier: null, span }), weight: 1 },
        { arbitrary: tableName.map((qualifier): SelectItem => ({ kind: "SelectAll", qualifier, span })), weight: 1 },
      );
      const cond = fc.option(this.expr("condition", d, qd), { nil: null, freq: 2 });
      return fc
        .record({
          quantifier: fc.constantFrom<Select["quantifier"]>(null, null, null, "ALL", "DISTINCT"),
          top: fc.option(unsignedInteger, { nil: null, freq: 4 }),
          items: fc.oneof({ arbitrary: fc.array(item, { minLength: 1, maxLength: 1 }), weight: 2 }, { arbitrary: fc.array(item, { minLength: 2, maxLength: 3 }), weight: 1 }),
          from: fc.oneof({ arbitrary: fc.array(this.fromItem(qd, 2), { minLength: 1, maxLength: 1 }), weight: 3 }, { arbitrary: fc.array(this.fromItem(qd, 2), { minLength: 2, maxLength: 2 }), weight: 1 }),
          where: cond,
          groupBy: fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: fc.array(this.expr("value", Math.min(d, 1), qd), { minLength: 1, maxLength: 2 }), weight: 1 }),
          having: fc.option(this.expr("condition", Math.min(d, 2), qd), { nil: null, freq: 4 }),
        })
        .map((r): Select => ({ kind: "Select", ...r, span }));
    });
  }

  // ---- FROM

  private tableRef(): Arb<TableRef> {
    return fc.tuple(tableName, fc.option(identifier, { nil: null })).map(([name, alias]) => ({ kind: "TableRef", name, alias, span }));
  }

  /** A table primary: a table, a derived table, or (jd > 0) a parenthesised join. */
  private tablePrimary(qd: number, jd: number): Arb<TableReference> {
    return this.memo(`primary/${qd}/${jd}`, () => {
      const alternatives: Array<fc.WeightedArbitrary<TableReference>> = [{ arbitrary: this.tableRef(), weight: 8 }];
      if (qd > 0) {
        alternatives.push({
          arbitrary: fc.tuple(this.query(qd - 1, { top: false, leadingSelect: false }), identifier)
            .map(([query, alias]): DerivedTable => ({ kind: "DerivedTable", query, alias, span })),
          weight: 1,
        });
      }
      if (jd > 0) alternatives.push({ arbitrary: this.joinChain(qd, jd - 1).map((j) => ({ ...j, parenthesized: true })), weight: 1 });
      return fc.oneof(...alternatives);
    });
  }

  /** `primary JOIN primary [JOIN primary]`: left-deep, as the parser builds it. */
  private joinChain(qd: number, jd: number): Arb<Join> {
    return this.memo(`join/${qd}/${jd}`, () => {
      const spec = fc.oneof(
        { arbitrary: this.expr("condition", Math.min(this.depthAt(qd), 2), qd).map((on) => ({ on, using: [] as Identifier[] })), weight: 3 },
        { arbitrary: fc.array(identifier, { minLength: 1, maxLength: 2 }).map((using) => ({ on: null, using })), weight: 1 },
      );
      const tail = fc.tuple(fc.constantFrom(...JOIN_TYPES), fc.boolean(), fc.boolean(), spec, this.tablePrimary(qd, jd));
      return fc.tuple(this.tablePrimary(qd, jd), fc.array(tail, { minLength: 1, maxLength: 2 })).map(([first, tails]) => {
        let left: TableReference = first;
        for (const [type, explicit, natural, sp, right] of tails) {
          const isNatural = natural && type !== "CROSS";
          const noSpec = isNatural || type === "CROSS";
          left = {
            kind: "Join",
            type,
            explicitType: type === "INNER" ? explicit : true,
            natural: isNatural,
            left,
            right,
            on: noSpec ? null : sp.on,
            using: noSpec ? [] : sp.using,
            parenthesized: false,
            span,
          };
        }
        return left as Join;
      });
    });
  }

  private fromItem(qd: number, jd: number): Arb<TableReference> {
    return fc.oneof({ arbitrary: this.tablePrimary(qd, jd), weight: 3 }, { arbitrary: this.joinChain(qd, jd - 1), weight: 1 });
  }
}

/** Random queries in parser-normal form. */
export function queryArbitrary(options: AstArbitraryOptions = {}): Arb<Query> {
  const qd = options.queryDepth ?? 2;
  const g = new Generators(options.exprDepth ?? 3, qd, options.functions ?? SCISQL_FUNCTIONS);
  return g.query(qd, { top: true, leadingSelect: false });
}
