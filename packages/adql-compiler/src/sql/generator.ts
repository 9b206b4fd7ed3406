/**
 * The base SQL generator: prints a rewritten AST as SQL. Dialects (sql/dialects/*.ts) subclass it
 * and override hooks only; their facts are the traits (sql/dialects/dialect.ts) it is built with.
 *
 * Safety rules, for every dialect:
 * - every identifier is quoted, with the dialect's escape for the quote character;
 * - every string literal is escaped (backslashes too where the dialect treats them as escapes);
 * - every compound operand is parenthesised, so no dialect's operator precedence matters;
 * - nothing ever writes `--`, `#`, `/*` or `;` outside a quoted string or identifier, so no input can
 *   add a comment or a second statement.
 */
import type {
  Aggregate, BinaryExpr, BuiltinFunctionName, CastType, Expression, FunctionCall, Join, NumberLiteral, OrderItem, Query,
  QueryBody, Select, SelectItem, TableReference,
} from "../ast/nodes.js";
import { isWideDecimal, numericClass } from "../analysis/numeric-class.js";
import { isIntegerType, typeOf } from "../analysis/types.js";
import { AdqlError } from "../errors.js";
import { constantValue, isSignedLiteral } from "../analysis/constants.js";
import type { DialectTraits } from "./dialects/dialect.js";

/** Expression kinds that never need parentheses as operands. */
const ATOMIC: ReadonlySet<Expression["kind"]> = new Set([
  "ColumnRef", "NumberLiteral", "StringLiteral", "NullLiteral", "FunctionCall", "UserFunctionCall", "SqlFunctionCall",
  "Aggregate", "Cast", "CaseExpr", "ScalarSubquery", "Exists",
]);

/** A number literal that a REAL cannot hold exactly (0.02; not 20 or 0.5): narrowed, it would compare as another value. */
function notFloat(e: Expression): boolean {
  if (e.kind !== "NumberLiteral" && !(e.kind === "UnaryExpr" && e.operand.kind === "NumberLiteral")) return false;
  const v = constantValue(e);
  return v !== undefined && Math.fround(v) !== v;
}

export abstract class SqlGenerator {
  /** Dialect name, for error messages. */
  abstract readonly name: string;

  /** The dialect's facts (sql/dialects/dialect.ts), which the hooks read instead of the dialect's name. */
  constructor(protected readonly traits: DialectTraits) {}

  /** SQL names for the numbers of a DALI value in the SELECT being written (see select()). */
  private daliNames: (alias: string, n: number) => string[] = (alias, n) => Array.from({ length: n }, (_, k) => `${alias}_${k + 1}`);

  abstract quoteIdentifier(name: string): string;
  abstract stringLiteral(value: string): string;

  /** The values of the placeholders written so far by the generate() call under way, when it collects them. */
  private parameters: number[] | undefined;

  /**
   * The SQL of a rewritten query. With `parameters` (an empty array), in a dialect with numberedParameters, numeric
   * literals in a DOUBLE context (see placeholder) are written as placeholders `$1`, `$2`... and their values pushed
   * onto `parameters` in that order: queries that differ only in those constants then have one SQL text, which the
   * database can keep prepared (cone searches at other centres).
   */
  generate(q: Query, parameters?: number[]): string {
    this.parameters = this.traits.numberedParameters ? parameters : undefined;
    try {
      return this.query(q);
    } finally {
      this.parameters = undefined;
    }
  }

  /**
   * A value that the database reads as a DOUBLE whatever its SQL type (an argument of a function declared DOUBLE, the
   * other side of a comparison with a DOUBLE column), as a placeholder when it is a signed numeric literal and generate()
   * collects parameters (binding it as a double changes nothing there); otherwise undefined.
   */
  protected placeholder(e: Expression): string | undefined {
    const parameters = this.parameters;
    if (parameters !== undefined && isSignedLiteral(e)) {
      const value = constantValue(e);
      if (value !== undefined && Number.isFinite(value)) {
        parameters.push(value);
        return `$${parameters.length}`;
      }
    }
    return undefined;
  }

  /**
   * The operands of a comparison of `column` with `others`: the others as DOUBLE constants when `column` is a DOUBLE
   * column, and numbers as DOUBLE when it is a REAL one in a database that would narrow them (traits.floatNarrowing).
   */
  private comparedWith(column: Expression, others: readonly Expression[]): string[] {
    // typeOf only where it decides something: this runs for every comparison of every compile.
    const datatype = this.parameters !== undefined || this.traits.floatNarrowing ? typeOf(column).datatype : null;
    const double = this.parameters !== undefined && column.kind === "ColumnRef" && datatype === "double";
    const widen = this.traits.floatNarrowing && datatype === "float";
    return others.map((o) => (double ? this.placeholder(o) : undefined) ?? (widen && notFloat(o) ? `CAST(${this.operand(o)} AS DOUBLE)` : this.operand(o)));
  }

  // ---- queries

  protected query(q: Query): string {
    let s = "";
    if (q.with.length > 0) {
      s += `WITH ${q.with.map((c) => `${this.quoteIdentifier(c.name.name)} AS (${this.query(c.query)})`).join(", ")} `;
    }
    s += this.body(q.body, false);
    if (q.orderBy.length > 0) {
      s += ` ORDER BY ${q.orderBy.map((o) => this.orderItem(o)).join(", ")}`;
    }
    s += this.limitClause(q.limit, q.offset);
    return s;
  }

  /** One ORDER BY item. MySQL, MariaDB and Qserv sort NULL before every value (first in ASC, last in DESC). */
  protected orderItem(o: OrderItem): string {
    return `${this.expr(o.expr)}${o.direction ? ` ${o.direction}` : ""}`;
  }

  protected limitClause(limit: number | undefined, offset: NumberLiteral | null): string {
    let s = "";
    if (limit !== undefined) s += ` LIMIT ${limit}`;
    if (offset) s += ` OFFSET ${offset.text}`;
    return s;
  }

  protected body(b: QueryBody, operand: boolean): string {
    switch (b.kind) {
      case "Query": return `(${this.query(b)})`;
      case "SetOperation": {
        // A chain of operators of one precedence (UNION and EXCEPT, or INTERSECT) is left-associative in
        // SQL as in ADQL, so its left operands are written without parentheses: MariaDB counts each pair
        // as a level of nesting and refuses more than 63 (a 300-way UNION failed). Any other nested set
        // operation is parenthesised, so that no engine's precedence of INTERSECT matters.
        const chained = b.left.kind === "SetOperation" && (b.left.op === "INTERSECT") === (b.op === "INTERSECT");
        const s = `${this.body(b.left, !chained)} ${b.op}${b.all ? " ALL" : ""} ${this.body(b.right, true)}`;
        return operand ? `(${s})` : s;
      }
      case "Select": {
        const s = this.select(b);
        // A set operand with its own LIMIT must be parenthesised to keep it.
        return operand && b.top ? `(${s})` : s;
      }
    }
  }

  protected select(s: Select): string {
    let out = "SELECT ";
    if (s.quantifier) out += `${s.quantifier} `;
    out += s.items.some((i) => i.kind === "SelectColumn" && i.expr.kind === "DaliArray") ? this.daliItems(s) : this.plainItems(s);
    out += ` FROM ${s.from.map((t) => this.tableReference(t)).join(", ")}`;
    if (s.where) out += ` WHERE ${this.condition(s.where)}`;
    if (s.groupBy.length > 0) out += ` GROUP BY ${s.groupBy.map((g) => this.expr(g)).join(", ")}`;
    if (s.having) out += ` HAVING ${this.condition(s.having)}`;
    // As top-to-limit does for the TOP it lifts: beyond 2^53 a TOP is no limit in practice.
    if (s.top) out += ` LIMIT ${Math.min(Number(s.top.text), Number.MAX_SAFE_INTEGER)}`;
    return out;
  }

  /** A select list without DALI values: nothing to name (a subquery's SELECT installs its own namer). */
  private plainItems(s: Select): string {
    let out = "";
    for (const i of s.items) {
      if (i.kind === "SelectColumn" && i.residue) continue;
      out += out === "" ? this.selectItem(i) : `, ${this.selectItem(i)}`;
    }
    return out;
  }

  private daliItems(s: Select): string {
    // A DALI value takes one SQL column per number, named alias_1, alias_2...: made unique against
    // every other name of the select list (Qserv refuses duplicate names, qserv/README §c).
    const taken = new Set(s.items.flatMap((i) => (i.kind === "SelectColumn" && i.alias ? [i.alias.name.toLowerCase()] : [])));
    const outer = this.daliNames;
    this.daliNames = (alias, n) => Array.from({ length: n }, (_, k) => {
      let name = `${alias}_${k + 1}`;
      while (taken.has(name.toLowerCase())) name += "_";
      taken.add(name.toLowerCase());
      return name;
    });
    // Subqueries in the select list write their own SELECT: each item gets this SELECT's namer back.
    const items = s.items.filter((i) => !(i.kind === "SelectColumn" && i.residue)).map((i) => {
      const namer = this.daliNames;
      const text = this.selectItem(i);
      this.daliNames = namer;
      return text;
    });
    this.daliNames = outer;
    return items.join(", ");
  }

  protected selectItem(item: SelectItem): string {
    if (item.kind === "SelectAll") {
      return item.qualifier ? `${item.qualifier.parts.map((p) => this.quoteIdentifier(p.name)).join(".")}.*` : "*";
    }
    const alias = item.alias?.name;
    const expr = item.expr;
    if (expr.kind === "DaliArray") {
      // One SQL column per number; the service assembles them into the DALI value.
      const names = this.daliNames(alias ?? expr.xtype, expr.items.length);
      return expr.items.map((e, i) => `${this.expr(e)} AS ${this.quoteIdentifier(names[i]!)}`).join(", ");
    }
    return alias === undefined ? this.expr(item.expr) : `${this.expr(item.expr)} AS ${this.quoteIdentifier(alias)}`;
  }

  protected tableReference(t: TableReference): string {
    switch (t.kind) {
      case "TableRef": {
        const name = (t.sqlName ?? t.name.parts.map((p) => p.name)).map((p) => this.quoteIdentifier(p)).join(".");
        return t.alias ? `${name} AS ${this.quoteIdentifier(t.alias.name)}` : name;
      }
      case "DerivedTable":
        return `(${this.query(t.query)}) AS ${this.quoteIdentifier(t.alias.name)}`;
      case "Join": {
        const s = this.join(t);
        return t.parenthesized || t.right.kind === "Join" ? `(${s})` : s;
      }
    }
  }

  protected join(j: Join): string {
    const type = j.type === "CROSS" ? "CROSS JOIN" : j.type === "INNER" ? "JOIN" : `${j.type} OUTER JOIN`;
    let s = `${this.tableReference(j.left)} ${j.natural ? "NATURAL " : ""}${type} ${this.tableReference(j.right)}`;
    if (j.on) s += ` ON ${this.condition(j.on)}`;
    if (j.using.length > 0) s += ` USING (${j.using.map((u) => this.quoteIdentifier(u.name)).join(", ")})`;
    return s;
  }

  // ---- expressions

  /** A condition at the top of WHERE, HAVING or ON. */
  protected condition(e: Expression): string {
    return this.expr(e);
  }

  protected operand(e: Expression): string {
    const s = this.expr(e);
    return ATOMIC.has(e.kind) ? s : `(${s})`;
  }

  expr(e: Expression): string {
    switch (e.kind) {
      case "ColumnRef": {
        const b = e.binding;
        if (!b) return e.parts.map((p) => this.quoteIdentifier(p.name)).join(".");
        return b.relation === "" ? this.quoteIdentifier(b.column) : `${this.quoteIdentifier(b.relation)}.${this.quoteIdentifier(b.column)}`;
      }
      case "NumberLiteral": return this.number(e);
      case "StringLiteral": return this.stringLiteral(e.value);
      case "NullLiteral": return "NULL";
      case "UnaryExpr": return this.unary(e.op, e.operand);
      case "BinaryExpr": return this.binary(e);
      case "Comparison": {
        if (e.left.kind === "ColumnRef") return `${this.operand(e.left)} ${e.op} ${this.comparedWith(e.left, [e.right])[0]}`;
        return `${this.comparedWith(e.right, [e.left])[0]} ${e.op} ${this.operand(e.right)}`;
      }
      case "Between": {
        const [low, high] = this.comparedWith(e.expr, [e.low, e.high]);
        return `${this.operand(e.expr)} ${e.not ? "NOT " : ""}BETWEEN ${low} AND ${high}`;
      }
      case "InPredicate": {
        const values = Array.isArray(e.values)
          ? this.comparedWith(e.expr, e.values as readonly Expression[]).join(", ")
          : this.inSubquery(e.values as Query);
        return `${this.operand(e.expr)} ${e.not ? "NOT " : ""}IN (${values})`;
      }
      case "LikePredicate": return this.like(e.expr, e.pattern, e.not, e.caseInsensitive);
      case "NullPredicate": return `${this.operand(e.expr)} IS ${e.not ? "NOT " : ""}NULL`;
      case "Exists": return `EXISTS (${this.query(e.query)})`;
      case "LogicalExpr": return this.logical(e.op, e.left, e.right);
      case "NotExpr": return `NOT ${this.operand(e.operand)}`;
      case "FunctionCall": return this.functionCall(e);
      case "UserFunctionCall": return `${e.name.name}(${e.args.map((a) => this.expr(a)).join(", ")})`;
      case "SqlFunctionCall": return this.sqlFunction(e.name, e.args);
      case "Aggregate": return this.aggregate(e);
      case "Cast":
        if (e.target.name === "POINT" || e.target.name === "CIRCLE" || e.target.name === "POLYGON") {
          throw new AdqlError("ADQL_UNSUPPORTED", `not supported: CAST to ${e.target.name}; geometries may be selected, or used in CONTAINS, INTERSECTS and DISTANCE`, e.span);
        }
        return this.cast(e.expr, e.target);
      case "CaseExpr": {
        let s = "CASE";
        if (e.operand) s += ` ${this.expr(e.operand)}`;
        for (const w of e.whens) s += ` WHEN ${this.expr(w.when)} THEN ${this.expr(w.then)}`;
        if (e.else) s += ` ELSE ${this.expr(e.else)}`;
        return `${s} END`;
      }
      case "ScalarSubquery": return `(${this.query(e.query)})`;
      case "Point": case "Circle": case "Box": case "Polygon": case "Region": case "DaliArray":
        // The geometry pass removes these; reaching here is a compiler bug, not a user error.
        throw new Error(`${this.name}: no SQL for a ${e.kind} node here`);
    }
  }

  /** The query of `x IN (query)`. */
  protected inSubquery(q: Query): string {
    return this.query(q);
  }

  protected logical(op: "AND" | "OR", left: Expression, right: Expression): string {
    const side = (e: Expression): string => (e.kind === "LogicalExpr" && e.op === op ? this.expr(e) : this.operand(e));
    return `${side(left)} ${op} ${side(right)}`;
  }

  protected unary(op: "-" | "+" | "~", operand: Expression): string {
    return `${op}${this.operand(operand)}`;
  }

  protected binary(e: BinaryExpr): string {
    const l = this.operand(e.left);
    const r = this.operand(e.right);
    switch (e.op) {
      case "||": return this.traits.concatOperator ? `${l} || ${r}` : `CONCAT(${this.concatArguments(e).join(", ")})`;
      case "/":
        if (isIntegerType(typeOf(e.left)) && isIntegerType(typeOf(e.right))) return `${l} ${this.traits.integerDivision} ${r}`;
        return this.traits.decimalQuotients && numericClass(e.left) !== "double" && numericClass(e.right) !== "double"
          ? `${l} * 1e0 / ${this.divisor(e.right)}`
          : `${l} / ${this.divisor(e.right)}`;
      default: return `${l} ${e.op} ${r}`;
    }
  }

  /**
   * ADQL 2.1 (§2.2.3, §4.4.4) gives LIKE no escape character and no ESCAPE clause. PostgreSQL, where
   * most ADQL services run, and MySQL (so Qserv, which cannot write ESCAPE) read a backslash in the
   * pattern as an escape: `'a\_b'` matches only "a_b". Every dialect here does the same; DuckDB, which
   * has no default escape, is told so.
   */
  /** The operands of a chain of `||`, for one CONCAT call. */
  private concatArguments(e: Expression): string[] {
    return e.kind === "BinaryExpr" && e.op === "||" ? [...this.concatArguments(e.left), ...this.concatArguments(e.right)] : [this.expr(e)];
  }

  protected like(expr: Expression, pattern: Expression, not: boolean, caseInsensitive: boolean): string {
    return `${this.operand(expr)} ${not ? "NOT " : ""}${caseInsensitive ? "ILIKE" : "LIKE"} ${this.operand(pattern)}`;
  }

  /** Numbers: hexadecimal as decimal (no dialect reads 0x.. as a number), exponents without `+`. */
  protected number(n: NumberLiteral): string {
    switch (n.form) {
      case "hex": return BigInt(n.text).toString();
      case "real": return n.text.replace(/[eE]\+/, "e").replace(/^\./, "0.").replace(/\.([eE])/, ".0$1");
      case "decimal": {
        const text = n.text.replace(/^\./, "0.").replace(/\.$/, ".0");
        return isWideDecimal(n) ? `${text}e0` : text;
      }
      default: return n.text;
    }
  }

  protected functionCall(f: FunctionCall): string {
    if (f.name === "ROUND" || f.name === "TRUNCATE") {
      const digits = f.args[1] === undefined ? 0 : constantValue(f.args[1]);
      if (digits === undefined || !Number.isInteger(digits)) {
        throw new AdqlError("ADQL_BAD_ARGUMENTS", `${f.name}: the number of digits must be an integer`, f.args[1]!.span);
      }
      return f.name === "ROUND" ? this.round(f.args[0]!, digits) : this.truncate(f.args[0]!, digits);
    }
    const args = f.args.map((a) => this.expr(a));
    return this.builtin(f.name, args, f);
  }

  /**
   * ROUND(x, n). Exact values round half away from zero and doubles half to even on MariaDB, as on
   * PostgreSQL; dialects make sure that every backend does the same (see analysis/numeric-class.ts).
   */
  protected round(x: Expression, digits: number): string {
    return `ROUND(${this.expr(x)}, ${digits})`;
  }

  /** TRUNCATE(x, n): toward zero, to n decimal places (n < 0: to tens, hundreds...). */
  protected truncate(x: Expression, digits: number): string {
    return `TRUNCATE(${this.expr(x)}, ${digits})`;
  }

  /** ADQL functions with the same name and meaning in SQL; dialects override the rest. */
  protected builtin(name: BuiltinFunctionName, args: string[], f: FunctionCall): string {
    switch (name) {
      case "LOG": return `LN(${args[0]})`;
      case "PI": return "PI()";
      case "IN_UNIT":
      case "CONTAINS": case "INTERSECTS": case "DISTANCE": case "COORD1": case "COORD2": case "COORDSYS":
      case "AREA": case "CENTROID":
        throw new Error(`${this.name}: ${name} should have been rewritten by a pass`);
      default:
        void f;
        return `${name}(${args.join(", ")})`;
    }
  }

  /** The divisor of a non-integer `/` and of MOD, as an operand: a dialect whose database divides by zero into Infinity guards it. */
  protected divisor(e: Expression): string {
    return this.operand(e);
  }

  /** An aggregate; AVG of exact values as a double where the database would average them into a short DECIMAL. */
  protected aggregate(e: Aggregate): string {
    if (e.arg === null) return `${e.name}(*)`;
    const average = e.name === "AVG" && this.traits.decimalQuotients && numericClass(e.arg) !== "double";
    return `${e.name}(${e.quantifier === "DISTINCT" ? "DISTINCT " : ""}${average ? `${this.operand(e.arg)} * 1e0` : this.expr(e.arg)})`;
  }

  protected sqlFunction(name: string, args: readonly Expression[]): string {
    return `${name}(${args.map((a) => this.expr(a)).join(", ")})`;
  }

  protected cast(e: Expression, t: CastType): string {
    return `CAST(${this.castOperand(e, t)} AS ${this.castType(t, e)})`;
  }

  /**
   * The operand of a CAST. A timestamp cast to a string is first written as the results write timestamps, DALI 1.1
   * §3.3.3's YYYY-MM-DDThh:mm:ss[.SSS] (the form ADQL 2.1 §4.7.1 casts back to a TIMESTAMP), not the database's own
   * text with a space.
   */
  protected castOperand(e: Expression, t: CastType): string {
    const sql = this.expr(e);
    return (t.name === "CHAR" || t.name === "VARCHAR") && typeOf(e).xtype === "timestamp" ? this.timestampText(sql) : sql;
  }

  /** SQL for the DALI text of the timestamp `sql`, milliseconds only where they are not 0 (votable's formatTimestamp). */
  protected abstract timestampText(sql: string): string;

  protected castType(t: CastType, e: Expression): string {
    void e;
    switch (t.name) {
      case "CHAR": case "VARCHAR": return t.length === null ? t.name : `${t.name}(${t.length})`;
      default: return t.name;
    }
  }
}
