/**
 * The ADQL 2.1 grammar (ADQL 2.1 Appendix A, with §4's optional features), as one Chevrotain parser
 * whose embedded actions build the AST directly (see the package README for why not a CST visitor).
 *
 * Structure:
 * - queries: `selectExpression` → set operations (INTERSECT binds tighter than UNION and EXCEPT,
 *   ADQL 2.1 §4.6.6) → `selectQuery`;
 * - FROM: a table primary followed by any number of joins, left-associative;
 * - expressions: OR → AND → NOT → predicate → one flat operator chain → unary → primary. The binary
 *   operators of the chain (`||`, `|`, `^`, `&`, `+ -`, `* /`) are folded by precedence climbing in
 *   `foldOperators`, which costs one rule call per operand instead of one per precedence level.
 *
 * The grammar accepts values and conditions in one expression language; build.ts then refuses a
 * condition where the BNF wants a value and the reverse, with the offending node's span.
 */
import { EmbeddedActionsParser, EOF, tokenMatcher, type IOrAlt, type IParserErrorMessageProvider, type IToken, type TokenType } from "./chevrotain.js";
import type {
  AggregateName, BinaryOperator, BuiltinFunctionName, CastType, CastTypeName, CommonTableExpression,
  ComparisonOperator, Expression, Identifier, StringLiteral, Join, JoinType, NumberLiteral, OrderItem, Query, QueryBody,
  Select, SelectItem, SetOperator, Span, TableName, TableReference, WhenClause,
} from "../ast/nodes.js";
import { AdqlError } from "../errors.js";
import * as T from "../lexer/tokens.js";
import { builtinCall, condition, geometryConstructor, scalar, userCall, value } from "./build.js";
import { defaultFunctionRegistry, type FunctionRegistry } from "./functions.js";
import { FirstTokenLookahead } from "./lookahead.js";

/** Tokens of lookahead that the grammar needs at most (to tell a function call from a column, and the like). */
const MAX_LOOKAHEAD = 3;

/** Binding strength of the binary operators of one value expression; higher binds tighter. */
const PRECEDENCE: Readonly<Record<BinaryOperator, number>> = {
  "||": 1, "|": 2, "^": 3, "&": 4, "+": 5, "-": 5, "*": 6, "/": 6,
};

const COMPARISON: ReadonlyMap<TokenType, ComparisonOperator> = new Map([
  [T.Equals, "="], [T.NotEquals, "<>"], [T.Less, "<"], [T.Greater, ">"], [T.LessEquals, "<="], [T.GreaterEquals, ">="],
]);

/**
 * The tokens that may extend a bare operand (a name or a number) within a value expression: a part of
 * a column name, a function call's parenthesis (`primary`, `columnRef`), a binary operator
 * (`valueExpression`). Any other token ends the value expression there.
 */
const VALUE_GOES_ON: ReadonlySet<TokenType> = new Set([
  T.Period, T.LParen, T.Concat, T.BitOr, T.BitAnd, T.BitXor, T.Plus, T.Minus, T.Star, T.Slash,
]);

/** ...and within a search condition: also a predicate's operator (`predicate`), AND (`booleanTerm`) and OR (`searchCondition`). */
const CONDITION_GOES_ON: ReadonlySet<TokenType> = new Set([
  ...VALUE_GOES_ON,
  T.Equals, T.NotEquals, T.Less, T.Greater, T.LessEquals, T.GreaterEquals, T.Not, T.Between, T.In, T.Like, T.ILike, T.Is, T.And, T.Or,
]);

/** The tokens of a name (`name`). */
const NAME_TOKENS: ReadonlySet<TokenType> = new Set([T.Identifier, T.DelimitedIdentifier]);

/** The number tokens (NumberLiteral's kinds), and the unary operators that `unary` reads before an operand. */
const NUMBER_TOKENS: ReadonlySet<TokenType> = new Set([T.IntegerLiteral, T.DecimalLiteral, T.RealLiteral, T.HexLiteral]);
const SIGN: ReadonlyMap<TokenType, "-" | "+" | "~"> = new Map([[T.Minus, "-"], [T.Plus, "+"], [T.Tilde, "~"]]);

/** The tokens that make a bare operand by themselves (a string, unless another follows it: see stringLiteral). */
const BARE_OPERAND: ReadonlySet<TokenType> = new Set([...NAME_TOKENS, ...NUMBER_TOKENS, T.StringLiteral]);

function startOf(tok: IToken): Span["start"] {
  return { offset: tok.startOffset, line: tok.startLine ?? 1, column: tok.startColumn ?? 1 };
}

function endOf(tok: IToken): Span["end"] {
  return { offset: (tok.endOffset ?? tok.startOffset) + 1, line: tok.endLine ?? 1, column: (tok.endColumn ?? 0) + 1 };
}

function identifier(tok: IToken): Identifier {
  const delimited = tok.tokenType === T.DelimitedIdentifier;
  const name = delimited ? tok.image.slice(1, -1).replace(/""/g, '"') : tok.image;
  return { kind: "Identifier", name, delimited, span: T.tokenSpan(tok) };
}

function numberLiteral(tok: IToken): NumberLiteral {
  const t = tok.tokenType;
  const form = t === T.IntegerLiteral ? "integer" : t === T.DecimalLiteral ? "decimal" : t === T.RealLiteral ? "real" : "hex";
  return { kind: "NumberLiteral", text: tok.image, form, span: T.tokenSpan(tok) };
}

/** A string token's value: without its quotes, and '' read as '. */
function unquote(tok: IToken): string {
  return tok.image.slice(1, -1).replace(/''/g, "'");
}

/** The literal of one string token, or of several that continue one another (stringLiteral). */
function stringValue(parts: readonly IToken[]): StringLiteral {
  return {
    kind: "StringLiteral",
    value: parts.length === 1 ? unquote(parts[0]!) : parts.map(unquote).join(""),
    span: { start: startOf(parts[0]!), end: endOf(parts[parts.length - 1]!) },
  };
}

const NO_GROUPS: ReadonlyMap<IToken, TokenType> = new Map();

export class AdqlParser extends EmbeddedActionsParser {
  /** The UDFs that the query being parsed may call. Set by `parse` before each run. */
  registry: FunctionRegistry = defaultFunctionRegistry;

  /** For each '(' of the input, the type of the token after its group (lexer/tokens.ts groupEnds), made when the input is set. */
  private groupEnds: ReadonlyMap<IToken, TokenType> = new Map();

  override set input(tokens: IToken[]) {
    super.input = tokens;
    this.groupEnds = tokens.length === 0 ? NO_GROUPS : T.groupEnds(tokens);
  }

  override get input(): IToken[] {
    return super.input;
  }

  /** Whether bare operands skip the expression rules (bareOperand); false only to compare the two paths in tests. */
  bareOperands = true;

  /**
   * The alternatives of the hottest ORs, built on their first call and reused (Chevrotain's
   * performance guidance: an OR otherwise allocates its array and a closure per alternative on every
   * call). Only alternatives that capture no local variable of their rule may be cached.
   */
  private readonly alts: {
    name?: IOrAlt<IToken>[];
    sign?: IOrAlt<IToken>[];
    primary?: IOrAlt<Expression>[];
    selectItem?: IOrAlt<SelectItem>[];
    tablePrimary?: IOrAlt<TableReference>[];
  } = {};

  constructor() {
    super(T.vocabulary, {
      maxLookahead: MAX_LOOKAHEAD,
      recoveryEnabled: false,
      errorMessageProvider,
      lookaheadStrategy: new FirstTokenLookahead({ maxLookahead: MAX_LOOKAHEAD }),
    });
    this.performSelfAnalysis();
  }

  private spanFrom(first: IToken): Span {
    return { start: startOf(first), end: endOf(this.LA(0)) };
  }

  private readonly name = this.RULE("name", (): Identifier => {
    const tok = this.OR((this.alts.name ??= [
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.DelimitedIdentifier) },
    ]));
    return this.ACTION(() => identifier(tok));
  });

  // ---- queries ----------------------------------------------------------------------------

  readonly statement = this.RULE("statement", (): Query => {
    const first = this.LA(1);
    const ctes: CommonTableExpression[] = [];
    this.OPTION(() => {
      this.CONSUME(T.With);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => ctes.push(this.SUBRULE(this.commonTableExpression)) });
    });
    const query = this.SUBRULE(this.selectExpression);
    return this.ACTION(() => (ctes.length === 0 ? query : { ...query, with: ctes, span: this.spanFrom(first) }));
  });

  private readonly commonTableExpression = this.RULE("commonTableExpression", (): CommonTableExpression => {
    const first = this.LA(1);
    const name = this.SUBRULE(this.name);
    this.CONSUME(T.As);
    this.CONSUME(T.LParen);
    const query = this.SUBRULE(this.selectExpression);
    this.CONSUME(T.RParen);
    return this.ACTION(() => ({ kind: "CommonTableExpression", name, query, span: this.spanFrom(first) }));
  });

  /** `<select_expression>`: set operations, then ORDER BY and OFFSET for the whole. */
  private readonly selectExpression = this.RULE("selectExpression", (): Query => {
    const first = this.LA(1);
    const body = this.SUBRULE(this.setExpression);
    const orderBy: OrderItem[] = [];
    let offset: NumberLiteral | null = null;
    this.OPTION(() => {
      this.CONSUME(T.Order);
      this.CONSUME(T.By);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => orderBy.push(this.SUBRULE(this.orderItem)) });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Offset);
      const n = this.CONSUME(T.IntegerLiteral);
      offset = this.ACTION(() => numberLiteral(n));
    });
    return this.ACTION(() => ({ kind: "Query", with: [], body, orderBy, offset, span: this.spanFrom(first) }));
  });

  private readonly setExpression = this.RULE("setExpression", (): QueryBody => {
    let left = this.SUBRULE(this.setTerm);
    this.MANY(() => {
      const opTok = this.OR([{ ALT: () => this.CONSUME(T.Union) }, { ALT: () => this.CONSUME(T.Except) }]);
      let all = false;
      this.OPTION(() => {
        this.CONSUME(T.All);
        all = true;
      });
      const right = this.SUBRULE2(this.setTerm);
      left = this.ACTION(() => setOperation(opTok.tokenType === T.Union ? "UNION" : "EXCEPT", all, left, right));
    });
    return left;
  });

  private readonly setTerm = this.RULE("setTerm", (): QueryBody => {
    let left = this.SUBRULE(this.setPrimary);
    this.MANY(() => {
      this.CONSUME(T.Intersect);
      let all = false;
      this.OPTION(() => {
        this.CONSUME(T.All);
        all = true;
      });
      const right = this.SUBRULE2(this.setPrimary);
      left = this.ACTION(() => setOperation("INTERSECT", all, left, right));
    });
    return left;
  });

  private readonly setPrimary = this.RULE("setPrimary", (): QueryBody =>
    this.OR([
      { ALT: () => this.SUBRULE(this.selectQuery) },
      {
        ALT: () => {
          const first = this.CONSUME(T.LParen);
          const q = this.SUBRULE(this.selectExpression);
          this.CONSUME(T.RParen);
          // The parentheses belong to the operand: its span includes them.
          return this.ACTION(() => ({ ...q, span: this.spanFrom(first) }));
        },
      },
    ]),
  );

  private readonly selectQuery = this.RULE("selectQuery", (): Select => {
    const first = this.CONSUME(T.Select);
    let quantifier: Select["quantifier"] = null;
    let top: NumberLiteral | null = null;
    this.OPTION(() => {
      const q = this.OR([{ ALT: () => this.CONSUME(T.Distinct) }, { ALT: () => this.CONSUME(T.All) }]);
      quantifier = this.ACTION(() => (q.tokenType === T.Distinct ? "DISTINCT" : "ALL"));
    });
    this.OPTION2(() => {
      this.CONSUME(T.Top);
      const n = this.CONSUME(T.IntegerLiteral);
      top = this.ACTION(() => numberLiteral(n));
    });
    const items: SelectItem[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => items.push(this.SUBRULE(this.selectItem)) });
    this.CONSUME(T.From);
    const from: TableReference[] = [];
    this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: () => from.push(this.SUBRULE(this.tableReference)) });
    let where: Expression | null = null;
    let having: Expression | null = null;
    const groupBy: Expression[] = [];
    this.OPTION3(() => {
      this.CONSUME(T.Where);
      const c = this.SUBRULE(this.searchCondition);
      where = this.ACTION(() => condition(c, "in WHERE"));
    });
    this.OPTION4(() => {
      this.CONSUME(T.Group);
      this.CONSUME(T.By);
      this.AT_LEAST_ONE_SEP3({
        SEP: T.Comma,
        DEF: () => {
          const e = this.SUBRULE2(this.searchCondition);
          this.ACTION(() => groupBy.push(value(e, "in GROUP BY")));
        },
      });
    });
    this.OPTION5(() => {
      this.CONSUME(T.Having);
      const c = this.SUBRULE3(this.searchCondition);
      having = this.ACTION(() => condition(c, "in HAVING"));
    });
    return this.ACTION(() => ({ kind: "Select", quantifier, top, items, from, where, groupBy, having, span: this.spanFrom(first) }));
  });

  private readonly selectItem = this.RULE("selectItem", (): SelectItem =>
    this.OR((this.alts.selectItem ??= [
      {
        ALT: () => {
          const star = this.CONSUME(T.Star);
          return this.ACTION(() => ({ kind: "SelectAll", qualifier: null, span: T.tokenSpan(star) }));
        },
      },
      {
        // `a.b.*`: found by scanning, because the star comes after an unbounded dotted path.
        GATE: () => this.isQualifiedStar(),
        ALT: () => {
          const first = this.LA(1);
          const parts: Identifier[] = [this.SUBRULE(this.name)];
          this.CONSUME(T.Period);
          this.MANY({
            GATE: () => this.LA(1).tokenType !== T.Star,
            DEF: () => {
              parts.push(this.SUBRULE2(this.name));
              this.CONSUME2(T.Period);
            },
          });
          this.CONSUME2(T.Star);
          return this.ACTION(() => {
            const qualifier = tableName(parts, { start: parts[0]!.span.start, end: parts[parts.length - 1]!.span.end });
            return { kind: "SelectAll", qualifier, span: this.spanFrom(first) };
          });
        },
      },
      {
        ALT: () => {
          const e = this.SUBRULE(this.searchCondition);
          let alias: Identifier | null = null;
          this.OPTION(() => {
            this.OPTION2(() => this.CONSUME(T.As));
            alias = this.SUBRULE3(this.name);
          });
          return this.ACTION(() => ({
            kind: "SelectColumn",
            expr: value(e, "in the select list"),
            alias,
            span: { start: e.span.start, end: endOf(this.LA(0)) },
          }));
        },
      },
    ])),
  );

  private isQualifiedStar(): boolean {
    let i = 1;
    for (;;) {
      const t = this.LA(i).tokenType;
      if (t !== T.Identifier && t !== T.DelimitedIdentifier) return false;
      if (this.LA(i + 1).tokenType !== T.Period) return false;
      if (this.LA(i + 2).tokenType === T.Star) return true;
      i += 2;
    }
  }

  private readonly orderItem = this.RULE("orderItem", (): OrderItem => {
    const e = this.SUBRULE(this.searchCondition);
    let direction: OrderItem["direction"] = null;
    this.OPTION(() => {
      const d = this.OR([{ ALT: () => this.CONSUME(T.Asc) }, { ALT: () => this.CONSUME(T.Desc) }]);
      direction = this.ACTION(() => (d.tokenType === T.Asc ? "ASC" : "DESC"));
    });
    return this.ACTION(() => ({
      kind: "OrderItem",
      expr: value(e, "in ORDER BY"),
      direction,
      span: { start: e.span.start, end: endOf(this.LA(0)) },
    }));
  });

  // ---- FROM -------------------------------------------------------------------------------

  private readonly tableReference = this.RULE("tableReference", (): TableReference => {
    let left = this.SUBRULE(this.tablePrimary);
    this.MANY(() => {
      left = this.SUBRULE(this.joinTail, { ARGS: [left] });
    });
    return left;
  });

  private readonly joinTail = this.RULE("joinTail", (left: TableReference): Join => {
    let type: JoinType = "INNER";
    let explicitType = false;
    let natural = false;
    let on: Expression | null = null;
    const using: Identifier[] = [];
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Cross);
          this.CONSUME(T.Join);
          type = "CROSS";
          explicitType = true;
        },
      },
      {
        ALT: () => {
          this.OPTION(() => {
            this.CONSUME(T.Natural);
            natural = true;
          });
          this.OPTION2(() => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Inner) },
              {
                ALT: () => {
                  const t = this.OR3([
                    { ALT: () => this.CONSUME(T.Left) },
                    { ALT: () => this.CONSUME(T.Right) },
                    { ALT: () => this.CONSUME(T.Full) },
                  ]);
                  this.OPTION3(() => this.CONSUME(T.Outer));
                  type = this.ACTION(() => (t.tokenType === T.Left ? "LEFT" : t.tokenType === T.Right ? "RIGHT" : "FULL"));
                },
              },
            ]);
            explicitType = true;
          });
          this.CONSUME2(T.Join);
        },
      },
    ]);
    const right = this.SUBRULE(this.tablePrimary);
    const specTok = this.LA(1);
    this.OPTION4(() => {
      this.OR4([
        {
          ALT: () => {
            this.CONSUME(T.On);
            const c = this.SUBRULE(this.searchCondition);
            on = this.ACTION(() => condition(c, "in ON"));
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Using);
            this.CONSUME(T.LParen);
            this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => using.push(this.SUBRULE(this.name)) });
            this.CONSUME(T.RParen);
          },
        },
      ]);
    });
    return this.ACTION(() => {
      const hasSpec = on !== null || using.length > 0;
      if ((natural || type === "CROSS") && hasSpec) {
        throw new AdqlError("ADQL_SYNTAX_ERROR", `a ${natural ? "NATURAL" : "CROSS"} JOIN takes no ON or USING`, T.tokenSpan(specTok));
      }
      // The BNF brackets the join specification, as SQL-92 §7.5 does, whose syntax rules then require
      // it unless NATURAL: DuckDB and PostgreSQL refuse such a join, MariaDB runs it as a cross join.
      if (!natural && type !== "CROSS" && !hasSpec) {
        throw new AdqlError(
          "ADQL_SYNTAX_ERROR",
          `a JOIN needs ON <condition> or USING (<columns>), but found ${describeToken(specTok)}; write CROSS JOIN to pair every row with every row`,
          tokenSpanOrEnd(specTok, right.span),
        );
      }
      const j: Join = {
        kind: "Join", type, explicitType, natural, left, right, on, using, parenthesized: false,
        span: { start: left.span.start, end: endOf(this.LA(0)) },
      };
      return j;
    });
  });

  /**
   * At `(` where a value or a subquery may follow: a subquery if SELECT (or WITH) comes next, or if
   * it is a set operation whose first operand is itself parenthesised, `((SELECT ...) UNION ...)`:
   * then the group that starts at the second `(` is followed by a set operator, ORDER BY or OFFSET.
   */
  private subqueryAhead(): boolean {
    const second = this.LA(2);
    if (startsSubquery(second)) return true;
    if (second.tokenType !== T.LParen) return false;
    let j = 2;
    while (this.LA(j).tokenType === T.LParen) j++;
    if (!startsSubquery(this.LA(j))) return false;
    const after = this.tokenAfterGroup(2);
    return after === T.Union || after === T.Except || after === T.Intersect || after === T.Order || after === T.Offset;
  }

  /** `( WITH`: refused here with its own message, since no alternative's lookahead admits it. */
  private refuseNestedWith(): void {
    this.ACTION(() => {
      const second = this.LA(2);
      if (this.LA(1).tokenType === T.LParen && second.tokenType === T.With) {
        throw new AdqlError("ADQL_SYNTAX_ERROR", reservedWordMessage(second)!, T.tokenSpan(second));
      }
    });
  }

  private readonly tablePrimary = this.RULE("tablePrimary", (): TableReference => {
    this.refuseNestedWith();
    return this.OR((this.alts.tablePrimary ??= [
      {
        GATE: () => this.LA(1).tokenType === T.LParen && this.isDerivedTable(),
        ALT: () => {
          const first = this.CONSUME(T.LParen);
          const query = this.SUBRULE(this.selectExpression);
          this.CONSUME(T.RParen);
          this.OPTION(() => this.CONSUME(T.As));
          const next = this.LA(1);
          this.ACTION(() => {
            if (next.tokenType !== T.Identifier && next.tokenType !== T.DelimitedIdentifier) {
              throw new AdqlError(
                "ADQL_SYNTAX_ERROR",
                `a subquery in FROM needs a name, as in (SELECT ...) AS name, but found ${describeToken(next)}`,
                tokenSpanOrEnd(next, T.tokenSpan(this.LA(0))),
              );
            }
          });
          const alias = this.SUBRULE(this.name);
          return this.ACTION(() => ({ kind: "DerivedTable", query, alias, span: this.spanFrom(first) }));
        },
        IGNORE_AMBIGUITIES: true,
      },
      {
        ALT: () => {
          const first = this.CONSUME2(T.LParen);
          const inner = this.SUBRULE(this.tableReference);
          this.CONSUME2(T.RParen);
          return this.ACTION(() => {
            if (inner.kind !== "Join") {
              throw new AdqlError("ADQL_SYNTAX_ERROR", "only a join may be written in parentheses in FROM", inner.span);
            }
            return { ...inner, parenthesized: true, span: this.spanFrom(first) };
          });
        },
        IGNORE_AMBIGUITIES: true,
      },
      {
        ALT: () => {
          const first = this.LA(1);
          const parts: Identifier[] = [this.SUBRULE2(this.name)];
          this.MANY(() => {
            this.CONSUME(T.Period);
            parts.push(this.SUBRULE3(this.name));
          });
          const nameSpan = this.ACTION(() => this.spanFrom(first));
          let alias: Identifier | null = null;
          this.OPTION2(() => {
            this.OPTION3(() => this.CONSUME2(T.As));
            alias = this.SUBRULE4(this.name);
          });
          return this.ACTION(() => ({ kind: "TableRef", name: tableName(parts, nameSpan), alias, span: this.spanFrom(first) }));
        },
      },
    ]));
  });

  /**
   * After `(` in FROM: a subquery if SELECT follows, or if the matching `)` is followed by a name
   * (a derived table needs one; a parenthesised join cannot have one). Scanning is linear in the
   * parenthesised text, and nesting is bounded by the lexer.
   */
  private isDerivedTable(): boolean {
    const second = this.LA(2).tokenType;
    if (second === T.Select || second === T.With) return true;
    if (second !== T.LParen) return false;
    const after = this.tokenAfterGroup(1);
    return after === T.As || after === T.Identifier || after === T.DelimitedIdentifier;
  }

  /**
   * The type of the token after the parenthesised group that opens at LA(i), or EOF: from `groupEnds`, one pass over the
   * tokens when the input is set. The shortcut for calls asks at every call, so counting parentheses there would cost
   * nested calls the group's length once per level: a query of 99 nested calls around 100,000 arguments parsed in
   * 289-334 ms that way, against 155-161 ms before the shortcut.
   */
  private tokenAfterGroup(i: number): TokenType {
    return this.groupEnds.get(this.LA(i)) ?? EOF;
  }

  // ---- expressions ------------------------------------------------------------------------

  /**
   * A name (of up to four parts), a number, a string, a signed number or a function call that no following token extends (`goesOn`): the node that the
   * rules from here down to `primary` would build, without their calls (from `searchCondition`, seven rules, each a
   * try/catch and a lookahead in Chevrotain). Most operands are bare: the parse of bench/queries.ts took 14.8 µs with
   * names and numbers against 17.0 without; with strings ('ICRS'), signed numbers (southern declinations), qualified
   * names (`o.ra`) and calls too, 11.9 µs against 16.3 (medians of 24 alternating rounds, 03:38 UTC): 36 rule calls
   * per query instead of 57. Undefined otherwise, and during Chevrotain's recording
   * (ACTION does not run then), so that the grammar it analyses is the rules' own. conformance.test.ts
   * (the corpus) and fuzz.test.ts (every fourth mutant) compare the outcome with the rules alone.
   */
  private bareOperand(goesOn: ReadonlySet<TokenType>): Expression | undefined {
    return this.ACTION(() => {
      const tok = this.LA(1);
      const type = tok.tokenType;
      if (!this.bareOperands) return undefined;
      if (SIGN.has(type)) return this.signedNumber(tok, goesOn);
      const next = this.LA(2).tokenType;
      if (next === T.Period && NAME_TOKENS.has(type)) return this.qualifiedName(goesOn);
      if (next === T.LParen) return this.bareCall(tok, goesOn);
      if (!BARE_OPERAND.has(type) || goesOn.has(next)) return undefined;
      // A string followed by a string is one literal, or an error, as the rules decide (stringLiteral).
      if (type === T.StringLiteral && next === T.StringLiteral) return undefined;
      this.CONSUME(type);
      if (NAME_TOKENS.has(type)) {
        return { kind: "ColumnRef", parts: [identifier(tok)], span: { start: startOf(tok), end: endOf(tok) } };
      }
      return type === T.StringLiteral ? stringValue([tok]) : numberLiteral(tok);
    });
  }

  /**
   * A call (of a built-in, an aggregate, a geometry function or a user-defined function) that no following token
   * extends, which the token after its parentheses tells: the rule of its kind, without the seven above it.
   */
  private bareCall(tok: IToken, goesOn: ReadonlySet<TokenType>): Expression | undefined {
    const type = tok.tokenType;
    const kind = type === T.Identifier ? this.userFunctionCall
      : type === T.BuiltinFunction ? this.builtinFunctionCall
      : type === T.AggregateFunction ? this.aggregate
      : tokenMatcher(tok, T.GeometryConstructor) ? this.geometryFunctionCall
      : undefined;
    if (kind === undefined || goesOn.has(this.tokenAfterGroup(2))) return undefined;
    return this.SUBRULE(kind);
  }

  /**
   * A column's name in two to four parts (`o.ra`), as `columnRef` builds it, where no following token extends it:
   * undefined for anything else (a fifth part, a call, a part that is a keyword), which the rules then read.
   */
  private qualifiedName(goesOn: ReadonlySet<TokenType>): Expression | undefined {
    let last = 1; // LA(last) is the last part read
    while (this.LA(last + 1).tokenType === T.Period && last < 7) {
      if (!NAME_TOKENS.has(this.LA(last + 2).tokenType)) return undefined;
      last += 2;
    }
    if (goesOn.has(this.LA(last + 1).tokenType)) return undefined;
    const first = this.LA(1);
    const parts: Identifier[] = [];
    for (let i = 1; i <= last; i++) {
      const tok = this.LA(1);
      this.CONSUME(tok.tokenType);
      if (i % 2 === 1) parts.push(identifier(tok));
    }
    return { kind: "ColumnRef", parts, span: this.spanFrom(first) };
  }

  /**
   * A sign and a number that no following token extends, as `unary` builds it (a declination of -37.5, a cone's
   * centre in the southern sky, is the commonest): undefined for anything else.
   */
  private signedNumber(sign: IToken, goesOn: ReadonlySet<TokenType>): Expression | undefined {
    const tok = this.LA(2);
    if (!NUMBER_TOKENS.has(tok.tokenType) || goesOn.has(this.LA(3).tokenType)) return undefined;
    this.CONSUME(sign.tokenType);
    this.CONSUME2(tok.tokenType);
    const op = SIGN.get(sign.tokenType)!;
    const operand = numberLiteral(tok);
    return { kind: "UnaryExpr", op, operand: scalar(operand, `after unary '${op}'`), span: { start: startOf(sign), end: operand.span.end } };
  }

  /** `<search_condition>`, also used for values: build.ts tells the two apart. */
  readonly searchCondition = this.RULE("searchCondition", (): Expression => {
    const bare = this.bareOperand(CONDITION_GOES_ON);
    if (bare !== undefined) return bare;
    let left = this.SUBRULE(this.booleanTerm);
    this.MANY(() => {
      this.CONSUME(T.Or);
      const right = this.SUBRULE2(this.booleanTerm);
      left = this.ACTION(() => logical("OR", left, right));
    });
    return left;
  });

  private readonly booleanTerm = this.RULE("booleanTerm", (): Expression => {
    let left = this.SUBRULE(this.booleanFactor);
    this.MANY(() => {
      this.CONSUME(T.And);
      const right = this.SUBRULE2(this.booleanFactor);
      left = this.ACTION(() => logical("AND", left, right));
    });
    return left;
  });

  private readonly booleanFactor = this.RULE("booleanFactor", (): Expression => {
    const nots: IToken[] = [];
    this.MANY(() => nots.push(this.CONSUME(T.Not)));
    const operand = this.SUBRULE(this.predicate);
    return this.ACTION(() => {
      let e = operand;
      for (let i = nots.length - 1; i >= 0; i--) {
        e = { kind: "NotExpr", operand: condition(e, "after NOT"), span: { start: startOf(nots[i]!), end: e.span.end } };
      }
      return e;
    });
  });

  private readonly predicate = this.RULE("predicate", (): Expression => {
    const left = this.SUBRULE(this.valueExpression);
    let result = left;
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            const op = this.CONSUME(T.ComparisonOperator);
            const right = this.SUBRULE2(this.valueExpression);
            result = this.ACTION(() => ({
              kind: "Comparison",
              op: COMPARISON.get(op.tokenType)!,
              left: value(left, `on the left of ${op.image}`),
              right: value(right, `on the right of ${op.image}`),
              span: { start: left.span.start, end: right.span.end },
            }));
          },
        },
        {
          ALT: () => {
            let not = false;
            this.OPTION2(() => {
              this.CONSUME(T.Not);
              not = true;
            });
            result = this.OR2([
              { ALT: () => this.SUBRULE(this.betweenTail, { ARGS: [left, not] }) },
              { ALT: () => this.SUBRULE(this.inTail, { ARGS: [left, not] }) },
              { ALT: () => this.SUBRULE(this.likeTail, { ARGS: [left, not] }) },
            ]);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Is);
            let not = false;
            this.OPTION3(() => {
              this.CONSUME2(T.Not);
              not = true;
            });
            this.CONSUME(T.Null);
            result = this.ACTION(() => ({
              kind: "NullPredicate",
              not,
              expr: value(left, "before IS NULL"),
              span: { start: left.span.start, end: endOf(this.LA(0)) },
            }));
          },
        },
      ]);
    });
    return result;
  });

  private readonly betweenTail = this.RULE("betweenTail", (left: Expression, not: boolean): Expression => {
    this.CONSUME(T.Between);
    const low = this.SUBRULE(this.valueExpression);
    this.CONSUME(T.And);
    const high = this.SUBRULE2(this.valueExpression);
    return this.ACTION(() => ({
      kind: "Between",
      not,
      expr: value(left, "before BETWEEN"),
      low: value(low, "in BETWEEN"),
      high: value(high, "in BETWEEN"),
      span: { start: left.span.start, end: high.span.end },
    }));
  });

  private readonly inTail = this.RULE("inTail", (left: Expression, not: boolean): Expression => {
    this.CONSUME(T.In);
    this.refuseNestedWith();
    const values = this.OR([
      {
        GATE: () => this.subqueryAhead(),
        ALT: () => {
          this.CONSUME(T.LParen);
          const q = this.SUBRULE(this.selectExpression);
          this.CONSUME(T.RParen);
          return q;
        },
        IGNORE_AMBIGUITIES: true,
      },
      {
        ALT: () => {
          this.CONSUME2(T.LParen);
          const list: Expression[] = [];
          this.AT_LEAST_ONE_SEP({
            SEP: T.Comma,
            DEF: () => {
              const e = this.SUBRULE(this.valueExpression);
              this.ACTION(() => list.push(value(e, "in an IN list")));
            },
          });
          this.CONSUME2(T.RParen);
          return list;
        },
      },
    ]);
    return this.ACTION(() => ({
      kind: "InPredicate",
      not,
      expr: value(left, "before IN"),
      values,
      span: { start: left.span.start, end: endOf(this.LA(0)) },
    }));
  });

  private readonly likeTail = this.RULE("likeTail", (left: Expression, not: boolean): Expression => {
    const op = this.OR([{ ALT: () => this.CONSUME(T.Like) }, { ALT: () => this.CONSUME(T.ILike) }]);
    const pattern = this.SUBRULE(this.valueExpression);
    return this.ACTION(() => ({
      kind: "LikePredicate",
      not,
      caseInsensitive: op.tokenType === T.ILike,
      expr: scalar(left, `before ${op.image.toUpperCase()}`),
      pattern: scalar(pattern, `as a ${op.image.toUpperCase()} pattern`),
      span: { start: left.span.start, end: pattern.span.end },
    }));
  });

  /** A value expression: operands joined by binary operators, folded by precedence. */
  readonly valueExpression = this.RULE("valueExpression", (): Expression => {
    const bare = this.bareOperand(VALUE_GOES_ON);
    if (bare !== undefined) return bare;
    const operands: Expression[] = [this.SUBRULE(this.unary)];
    const ops: IToken[] = [];
    this.MANY(() => {
      ops.push(this.CONSUME(T.ArithmeticOperator));
      operands.push(this.SUBRULE2(this.unary));
    });
    return this.ACTION(() => (ops.length === 0 ? operands[0]! : foldOperators(operands, ops)));
  });

  private readonly unary = this.RULE("unary", (): Expression => {
    const signs: IToken[] = [];
    this.MANY(() => {
      signs.push(this.OR((this.alts.sign ??= [
        { ALT: () => this.CONSUME(T.Minus) },
        { ALT: () => this.CONSUME(T.Plus) },
        { ALT: () => this.CONSUME(T.Tilde) },
      ])));
    });
    const operand = this.SUBRULE(this.primary);
    return this.ACTION(() => {
      let e = operand;
      for (let i = signs.length - 1; i >= 0; i--) {
        const s = signs[i]!;
        const op = s.tokenType === T.Minus ? "-" : s.tokenType === T.Plus ? "+" : "~";
        e = { kind: "UnaryExpr", op, operand: scalar(e, `after unary '${op}'`), span: { start: startOf(s), end: e.span.end } };
      }
      return e;
    });
  });

  private readonly primary = this.RULE("primary", (): Expression => {
    this.refuseNestedWith();
    return this.OR((this.alts.primary ??= [
      {
        ALT: () => {
          const t = this.CONSUME(T.NumberLiteral);
          return this.ACTION(() => numberLiteral(t));
        },
      },
      { ALT: () => this.SUBRULE(this.stringLiteral) },
      {
        ALT: () => {
          const t = this.CONSUME(T.Null);
          return this.ACTION(() => ({ kind: "NullLiteral", span: T.tokenSpan(t) }));
        },
      },
      { ALT: () => this.SUBRULE(this.userFunctionCall) },
      { ALT: () => this.SUBRULE(this.columnRef) },
      { ALT: () => this.SUBRULE(this.builtinFunctionCall) },
      { ALT: () => this.SUBRULE(this.geometryFunctionCall) },
      { ALT: () => this.SUBRULE(this.aggregate) },
      { ALT: () => this.SUBRULE(this.cast) },
      { ALT: () => this.SUBRULE(this.caseExpression) },
      {
        ALT: () => {
          const first = this.CONSUME(T.Exists);
          this.CONSUME(T.LParen);
          const query = this.SUBRULE(this.selectExpression);
          this.CONSUME(T.RParen);
          return this.ACTION(() => ({ kind: "Exists", query, span: this.spanFrom(first) }));
        },
      },
      {
        GATE: () => this.subqueryAhead(),
        ALT: () => {
          const first = this.CONSUME2(T.LParen);
          const query = this.SUBRULE2(this.selectExpression);
          this.CONSUME2(T.RParen);
          return this.ACTION(() => ({ kind: "ScalarSubquery", query, span: this.spanFrom(first) }));
        },
        IGNORE_AMBIGUITIES: true,
      },
      {
        ALT: () => {
          this.CONSUME3(T.LParen);
          const e = this.SUBRULE(this.searchCondition);
          this.CONSUME3(T.RParen);
          // Parentheses are not kept in the AST: the printer puts back those that precedence needs.
          return e;
        },
      },
    ]));
  });

  /**
   * `'abc' <newline> 'def'` is one literal, 'abcdef': SQL-92 §5.3 lets a literal continue after a
   * separator that holds a newline (a comment counts, since it ends with one).
   */
  private readonly stringLiteral = this.RULE("stringLiteral", (): StringLiteral => {
    const parts: IToken[] = [this.CONSUME(T.StringLiteral)];
    this.MANY({
      GATE: () => this.continuesString(),
      DEF: () => parts.push(this.CONSUME2(T.StringLiteral)),
    });
    return this.ACTION(() => stringValue(parts));
  });

  private continuesString(): boolean {
    const next = this.LA(1);
    return next.tokenType === T.StringLiteral && (next.startLine ?? 0) > (this.LA(0).endLine ?? 0);
  }

  private readonly columnRef = this.RULE("columnRef", (): Expression => {
    const first = this.LA(1);
    const parts: Identifier[] = [this.SUBRULE(this.name)];
    this.MANY(() => {
      this.CONSUME(T.Period);
      parts.push(this.SUBRULE2(this.name));
    });
    return this.ACTION(() => {
      const span = this.spanFrom(first);
      if (parts.length > 4) {
        throw new AdqlError("ADQL_SYNTAX_ERROR", `a column reference has at most four parts (catalog.schema.table.column), not ${parts.length}`, span);
      }
      return { kind: "ColumnRef", parts, span };
    });
  });

  private readonly argumentList = this.RULE("argumentList", (): Expression[] => {
    const args: Expression[] = [];
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => args.push(this.SUBRULE(this.searchCondition)) });
    this.CONSUME(T.RParen);
    return args;
  });

  private readonly userFunctionCall = this.RULE("userFunctionCall", (): Expression => {
    const nameTok = this.CONSUME(T.Identifier);
    const args = this.SUBRULE(this.argumentList);
    return this.ACTION(() => userCall(identifier(nameTok), args, this.spanFrom(nameTok), this.registry));
  });

  private readonly builtinFunctionCall = this.RULE("builtinFunctionCall", (): Expression => {
    const nameTok = this.CONSUME(T.BuiltinFunction);
    const args = this.SUBRULE(this.argumentList);
    return this.ACTION(() => builtinCall(nameTok.image.toUpperCase() as BuiltinFunctionName, args, this.spanFrom(nameTok)));
  });

  private readonly geometryFunctionCall = this.RULE("geometryFunctionCall", (): Expression => {
    const nameTok = this.CONSUME(T.GeometryConstructor);
    const args = this.SUBRULE(this.argumentList);
    return this.ACTION(() => geometryConstructor(nameTok.image.toUpperCase(), args, this.spanFrom(nameTok)));
  });

  private readonly aggregate = this.RULE("aggregate", (): Expression => {
    const nameTok = this.CONSUME(T.AggregateFunction);
    this.CONSUME(T.LParen);
    let quantifier: "ALL" | "DISTINCT" | null = null;
    let arg: Expression | null = null;
    this.OR([
      { ALT: () => this.CONSUME(T.Star) },
      {
        ALT: () => {
          this.OPTION(() => {
            const q = this.OR2([{ ALT: () => this.CONSUME(T.Distinct) }, { ALT: () => this.CONSUME(T.All) }]);
            quantifier = this.ACTION(() => (q.tokenType === T.Distinct ? "DISTINCT" : "ALL"));
          });
          arg = this.SUBRULE(this.searchCondition);
        },
      },
    ]);
    this.CONSUME(T.RParen);
    return this.ACTION(() => {
      const name = nameTok.image.toUpperCase() as AggregateName;
      const span = this.spanFrom(nameTok);
      if (arg === null && name !== "COUNT") {
        throw new AdqlError("ADQL_BAD_ARGUMENTS", `${name}(*) is not allowed: only COUNT takes *`, span);
      }
      return { kind: "Aggregate", name, quantifier, arg: arg === null ? null : value(arg, `in ${name}`), span };
    });
  });

  private readonly cast = this.RULE("cast", (): Expression => {
    const first = this.CONSUME(T.Cast);
    this.CONSUME(T.LParen);
    const e = this.SUBRULE(this.searchCondition);
    this.CONSUME(T.As);
    const target = this.SUBRULE(this.castTarget);
    this.CONSUME(T.RParen);
    return this.ACTION(() => ({ kind: "Cast", expr: value(e, "in CAST"), target, span: this.spanFrom(first) }));
  });

  /** `<cast_target>` (ADQL 2.1 §4.7.1): CHAR/VARCHAR[(n)], SMALLINT, INTEGER, BIGINT, REAL, DOUBLE PRECISION, TIMESTAMP, POINT, CIRCLE, POLYGON. */
  private readonly castTarget = this.RULE("castTarget", (): CastType =>
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Double);
          this.CONSUME(T.Precision);
          return { name: "DOUBLE PRECISION" as const, length: null };
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.TypeName);
          let length: number | null = null;
          const name = this.ACTION(() => t.image.toUpperCase() as CastTypeName);
          this.OPTION({
            GATE: () => name === "CHAR" || name === "VARCHAR",
            DEF: () => {
              this.CONSUME(T.LParen);
              const n = this.CONSUME(T.IntegerLiteral);
              this.CONSUME(T.RParen);
              length = this.ACTION(() => {
                const v = Number(n.image);
                // SQL-92 §6.1: a <length> is greater than 0.
                if (v === 0) throw new AdqlError("ADQL_BAD_ARGUMENTS", `${name}(0) has no room for a character: the length must be at least 1`, T.tokenSpan(n));
                if (!Number.isSafeInteger(v) || v > 2147483647) {
                  throw new AdqlError("ADQL_BAD_ARGUMENTS", `a length of ${n.image.length > 20 ? `${n.image.slice(0, 20)}...` : n.image} is too large`, T.tokenSpan(n));
                }
                return v;
              });
            },
          });
          return { name, length };
        },
      },
    ]),
  );

  private readonly caseExpression = this.RULE("caseExpression", (): Expression => {
    const first = this.CONSUME(T.Case);
    let operand: Expression | null = null;
    this.OPTION(() => {
      const e = this.SUBRULE(this.valueExpression);
      operand = this.ACTION(() => value(e, "as the operand of CASE"));
    });
    const whens: WhenClause[] = [];
    this.AT_LEAST_ONE(() => {
      const w = this.CONSUME(T.When);
      const when = this.SUBRULE(this.searchCondition);
      this.CONSUME(T.Then);
      const then = this.SUBRULE2(this.searchCondition);
      this.ACTION(() => {
        whens.push({
          kind: "WhenClause",
          when: operand === null ? condition(when, "after WHEN") : value(when, "after WHEN"),
          then: value(then, "after THEN"),
          span: { start: startOf(w), end: then.span.end },
        });
      });
    });
    let elseExpr: Expression | null = null;
    this.OPTION2(() => {
      this.CONSUME(T.Else);
      const e = this.SUBRULE3(this.searchCondition);
      elseExpr = this.ACTION(() => value(e, "after ELSE"));
    });
    this.CONSUME(T.End);
    return this.ACTION(() => ({ kind: "CaseExpr", operand, whens, else: elseExpr, span: this.spanFrom(first) }));
  });
}

/** After `(`: SELECT starts a subquery; so does WITH, which is then refused with its own message. */
function startsSubquery(tok: IToken): boolean {
  return tok.tokenType === T.Select || tok.tokenType === T.With;
}

function setOperation(op: SetOperator, all: boolean, left: QueryBody, right: QueryBody): QueryBody {
  return { kind: "SetOperation", op, all, left, right, span: { start: left.span.start, end: right.span.end } };
}

function logical(op: "AND" | "OR", left: Expression, right: Expression): Expression {
  return {
    kind: "LogicalExpr",
    op,
    left: condition(left, `before ${op}`),
    right: condition(right, `after ${op}`),
    span: { start: left.span.start, end: right.span.end },
  };
}

function tableName(parts: Identifier[], span: Span): TableName {
  if (parts.length > 3) {
    throw new AdqlError("ADQL_SYNTAX_ERROR", `a table name has at most three parts (catalog.schema.table), not ${parts.length}`, span);
  }
  return { kind: "TableName", parts, span };
}

const BINARY_OP: ReadonlyMap<TokenType, BinaryOperator> = new Map([
  [T.Plus, "+"], [T.Minus, "-"], [T.Star, "*"], [T.Slash, "/"], [T.Concat, "||"], [T.BitOr, "|"], [T.BitAnd, "&"], [T.BitXor, "^"],
]);

/** Folds `a op b op c ...` into a tree, left-associative within a level (operator-precedence parsing). */
function foldOperators(operands: Expression[], ops: IToken[]): Expression {
  const out: Expression[] = [];
  const pending: BinaryOperator[] = [];
  const reduce = (): void => {
    const op = pending.pop()!;
    const right = out.pop()!;
    const left = out.pop()!;
    const where = `as an operand of '${op}'`;
    out.push({ kind: "BinaryExpr", op, left: scalar(left, where), right: scalar(right, where), span: { start: left.span.start, end: right.span.end } });
  };
  out.push(operands[0]!);
  for (let i = 0; i < ops.length; i++) {
    const op = BINARY_OP.get(ops[i]!.tokenType)!;
    while (pending.length > 0 && PRECEDENCE[pending[pending.length - 1]!] >= PRECEDENCE[op]) reduce();
    pending.push(op);
    out.push(operands[i + 1]!);
  }
  while (pending.length > 0) reduce();
  return out[0]!;
}

function describeToken(tok: IToken): string {
  if (tok.tokenType === EOF) return "the end of the query";
  const t = tok.tokenType;
  if (t === T.Identifier) return `identifier ${tok.image}`;
  if (t === T.DelimitedIdentifier) return `identifier ${tok.image}`;
  if (t === T.StringLiteral) return `string ${tok.image.length > 30 ? tok.image.slice(0, 27) + "..." : tok.image}`;
  if (t === T.ReservedWord) return `reserved word ${tok.image.toUpperCase()}`;
  if (T.vocabulary.includes(t) && /^[A-Z_0-9]+$/.test(t.name) && t.name === tok.image.toUpperCase()) return tok.image.toUpperCase();
  return `'${tok.image}'`;
}

/** A token's span; for EOF, the end of the last construct, since EOF has no position of its own. */
function tokenSpanOrEnd(tok: IToken, before: Span): Span {
  return tok.tokenType === EOF ? { start: before.end, end: before.end } : T.tokenSpan(tok);
}

function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}

function firstTokens(paths: TokenType[][][]): string {
  const names = new Set<string>();
  for (const alt of paths) for (const path of alt) if (path[0]) names.add(label(path[0]));
  const list = [...names];
  if (list.length <= 1) return list[0] ?? "something else";
  if (list.length > 8) return `one of ${list.slice(0, 8).join(", ")}, ...`;
  return `one of ${list.join(", ")}`;
}

/** A reserved word where a name could stand: say so, and how to quote it (ADQL 2.1 §2.1.6). */
function reservedWordMessage(tok: IToken): string | undefined {
  if (tok.tokenType === T.With) {
    return "WITH may only start the whole query: a subquery cannot have common table expressions (ADQL 2.1 §4.5)";
  }
  if (tok.tokenType === EOF || !T.isReservedWord(tok.image) || !/^[A-Za-z]/.test(tok.image)) return undefined;
  return `unexpected reserved word ${tok.image.toUpperCase()}; write it as "${tok.image}" to use it as a name`;
}

const FUNCTION_NAME_TOKENS: ReadonlySet<TokenType> = new Set([T.BuiltinFunction, T.AggregateFunction, T.GeometryConstructor]);

const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual, previous }) => {
    if (expected === T.LParen && FUNCTION_NAME_TOKENS.has(previous.tokenType)) {
      const fn = previous.image;
      return `expected '(' after the function name ${fn.toUpperCase()}, but found ${describeToken(actual)}; ` +
        `to use ${fn} as a name, write it as "${fn}"`;
    }
    if (expected === T.Identifier || expected === T.DelimitedIdentifier || expected === T.Select) {
      const r = reservedWordMessage(actual);
      if (r) return r;
    }
    return `expected ${label(expected)} but found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describeToken(firstRedundant)} after the end of the query`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual }) =>
    reservedWordMessage(actual[0]!) ?? `expected ${firstTokens(expectedPathsPerAlt)} but found ${describeToken(actual[0]!)}`,
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) =>
    reservedWordMessage(actual[0]!) ?? `expected ${firstTokens([expectedIterationPaths])} but found ${describeToken(actual[0]!)}`,
};

export { describeToken };
