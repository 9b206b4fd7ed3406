/**
 * Prints an AST as canonical ADQL: upper-case keywords, one line, single spaces, and only the
 * parentheses that precedence needs. For any tree that `parse` returns, `parse(printAdql(t))` equals
 * `t` apart from spans (the round-trip property that the tests check).
 */
import type {
  BinaryOperator, CoordSys, Expression, Identifier, Join, Node, PointArgument, Query, QueryBody,
  SelectItem, TableName, TableReference,
} from "./nodes.js";

/** Binding strength of each expression form; the operand of a form binds at least as tightly. */
const enum Level {
  Or = 1,
  And = 2,
  Not = 3,
  Predicate = 4,
  /** Binary operators are 5 (`||`) to 10 (`*`, `/`): BINARY_LEVEL. */
  Unary = 11,
  Primary = 12,
}

const BINARY_LEVEL: Readonly<Record<BinaryOperator, number>> = {
  "||": 5, "|": 6, "^": 7, "&": 8, "+": 9, "-": 9, "*": 10, "/": 10,
};

function level(e: Expression): number {
  switch (e.kind) {
    case "LogicalExpr": return e.op === "OR" ? Level.Or : Level.And;
    case "NotExpr": return Level.Not;
    case "Comparison": case "Between": case "InPredicate": case "LikePredicate": case "NullPredicate":
      return Level.Predicate;
    case "BinaryExpr": return BINARY_LEVEL[e.op];
    case "UnaryExpr": return Level.Unary;
    default: return Level.Primary;
  }
}

export function printAdql(node: Node): string {
  switch (node.kind) {
    case "Query": return query(node);
    case "SetOperation": case "Select": return body(node, false);
    case "CommonTableExpression": return `${ident(node.name)} AS (${query(node.query)})`;
    case "SelectAll": case "SelectColumn": return selectItem(node);
    case "OrderItem": return node.direction ? `${expr(node.expr)} ${node.direction}` : expr(node.expr);
    case "TableName": return tableName(node);
    case "TableRef": case "DerivedTable": case "Join": return tableRef(node);
    case "Coordinates": return `${expr(node.x)}, ${expr(node.y)}`;
    case "WhenClause": return `WHEN ${expr(node.when)} THEN ${expr(node.then)}`;
    case "Identifier": return ident(node);
    default: return expr(node);
  }
}

export function ident(id: Identifier): string {
  return id.delimited ? `"${id.name.replace(/"/g, '""')}"` : id.name;
}

export function stringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function tableName(t: TableName): string {
  return t.parts.map(ident).join(".");
}

function query(q: Query): string {
  let s = "";
  if (q.with.length > 0) s += `WITH ${q.with.map((c) => printAdql(c)).join(", ")} `;
  s += body(q.body, false);
  if (q.orderBy.length > 0) s += ` ORDER BY ${q.orderBy.map((o) => printAdql(o)).join(", ")}`;
  if (q.offset) s += ` OFFSET ${q.offset.text}`;
  return s;
}

/** A set-operation operand: a parenthesised query is a Query node; a bare one is printed as is. */
function body(b: QueryBody, rightOperandOf: false | "INTERSECT" | "UNION/EXCEPT"): string {
  switch (b.kind) {
    case "Query":
      return `(${query(b)})`;
    case "Select": {
      let s = "SELECT ";
      if (b.quantifier) s += `${b.quantifier} `;
      if (b.top) s += `TOP ${b.top.text} `;
      s += b.items.map(selectItem).join(", ");
      s += ` FROM ${b.from.map(tableRef).join(", ")}`;
      if (b.where) s += ` WHERE ${expr(b.where)}`;
      if (b.groupBy.length > 0) s += ` GROUP BY ${b.groupBy.map((e) => expr(e)).join(", ")}`;
      if (b.having) s += ` HAVING ${expr(b.having)}`;
      return s;
    }
    case "SetOperation": {
      const intersect = b.op === "INTERSECT";
      // INTERSECT binds tighter than UNION and EXCEPT, and all three are left-associative.
      const needsParens = rightOperandOf === "INTERSECT" || (rightOperandOf === "UNION/EXCEPT" && !intersect);
      const leftText = b.left.kind === "SetOperation" && intersect && b.left.op !== "INTERSECT"
        ? `(${body(b.left, false)})`
        : body(b.left, false);
      const s = `${leftText} ${b.op}${b.all ? " ALL" : ""} ${body(b.right, intersect ? "INTERSECT" : "UNION/EXCEPT")}`;
      return needsParens ? `(${s})` : s;
    }
  }
}

function selectItem(item: SelectItem): string {
  if (item.kind === "SelectAll") return item.qualifier ? `${tableName(item.qualifier)}.*` : "*";
  return item.alias ? `${expr(item.expr)} AS ${ident(item.alias)}` : expr(item.expr);
}

function tableRef(t: TableReference): string {
  switch (t.kind) {
    case "TableRef":
      return t.alias ? `${tableName(t.name)} AS ${ident(t.alias)}` : tableName(t.name);
    case "DerivedTable":
      return `(${query(t.query)}) AS ${ident(t.alias)}`;
    case "Join": {
      const s = join(t);
      return t.parenthesized ? `(${s})` : s;
    }
  }
}

function join(j: Join): string {
  let kw: string;
  if (j.type === "CROSS") kw = "CROSS JOIN";
  else if (j.type === "INNER") kw = j.explicitType ? "INNER JOIN" : "JOIN";
  else kw = `${j.type} OUTER JOIN`;
  if (j.natural) kw = `NATURAL ${kw}`;
  // A join on the right of a join must be parenthesised, or it would re-associate to the left.
  const right = j.right.kind === "Join" && !j.right.parenthesized ? `(${join(j.right)})` : tableRef(j.right);
  let s = `${tableRef(j.left)} ${kw} ${right}`;
  if (j.on) s += ` ON ${expr(j.on)}`;
  if (j.using.length > 0) s += ` USING (${j.using.map(ident).join(", ")})`;
  return s;
}

/** `e`, in parentheses if it binds less tightly than `min`. */
function operand(e: Expression, min: number): string {
  const s = expr(e);
  return level(e) < min ? `(${s})` : s;
}

function coordSys(cs: CoordSys): string {
  if (cs === null) return "";
  return cs.kind === "NullLiteral" ? "NULL, " : `${stringLiteral(cs.value)}, `;
}

function pointArgument(p: PointArgument): string {
  return p.kind === "Coordinates" ? `${expr(p.x)}, ${expr(p.y)}` : expr(p);
}

export function expr(e: Expression): string {
  switch (e.kind) {
    case "ColumnRef": return e.parts.map(ident).join(".");
    case "NumberLiteral": return e.text;
    case "StringLiteral": return stringLiteral(e.value);
    case "NullLiteral": return "NULL";
    case "UnaryExpr":
      // `-(-x)` rather than `--x`, which would start a comment.
      return e.operand.kind === "UnaryExpr" ? `${e.op}(${expr(e.operand)})` : `${e.op}${operand(e.operand, Level.Unary)}`;
    case "BinaryExpr": {
      const l = BINARY_LEVEL[e.op];
      return `${operand(e.left, l)} ${e.op} ${operand(e.right, l + 1)}`;
    }
    case "Comparison":
      return `${operand(e.left, Level.Predicate + 1)} ${e.op} ${operand(e.right, Level.Predicate + 1)}`;
    case "Between":
      return `${operand(e.expr, Level.Predicate + 1)} ${e.not ? "NOT " : ""}BETWEEN ${operand(e.low, Level.Predicate + 1)} AND ${operand(e.high, Level.Predicate + 1)}`;
    case "InPredicate": {
      const list = Array.isArray(e.values) ? (e.values as readonly Expression[]).map((v) => expr(v)).join(", ") : query(e.values as Query);
      return `${operand(e.expr, Level.Predicate + 1)} ${e.not ? "NOT " : ""}IN (${list})`;
    }
    case "LikePredicate":
      return `${operand(e.expr, Level.Predicate + 1)} ${e.not ? "NOT " : ""}${e.caseInsensitive ? "ILIKE" : "LIKE"} ${operand(e.pattern, Level.Predicate + 1)}`;
    case "NullPredicate":
      return `${operand(e.expr, Level.Predicate + 1)} IS ${e.not ? "NOT " : ""}NULL`;
    case "Exists":
      return `EXISTS (${query(e.query)})`;
    case "LogicalExpr": {
      const l = e.op === "OR" ? Level.Or : Level.And;
      return `${operand(e.left, l)} ${e.op} ${operand(e.right, l + 1)}`;
    }
    case "NotExpr":
      return `NOT ${operand(e.operand, Level.Not)}`;
    case "FunctionCall":
      return `${e.name}(${e.args.map((a) => expr(a)).join(", ")})`;
    case "UserFunctionCall":
      return `${e.name.name}(${e.args.map((a) => expr(a)).join(", ")})`;
    case "Aggregate":
      return `${e.name}(${e.arg === null ? "*" : `${e.quantifier ? `${e.quantifier} ` : ""}${expr(e.arg)}`})`;
    case "Cast": {
      const t = e.target.length === null ? e.target.name : `${e.target.name}(${e.target.length})`;
      return `CAST(${expr(e.expr)} AS ${t})`;
    }
    case "CaseExpr": {
      let s = "CASE";
      if (e.operand) s += ` ${expr(e.operand)}`;
      for (const w of e.whens) s += ` WHEN ${expr(w.when)} THEN ${expr(w.then)}`;
      if (e.else) s += ` ELSE ${expr(e.else)}`;
      return `${s} END`;
    }
    case "ScalarSubquery":
      return `(${query(e.query)})`;
    case "Point":
      return `POINT(${coordSys(e.coordSys)}${expr(e.x)}, ${expr(e.y)})`;
    case "Circle":
      return `CIRCLE(${coordSys(e.coordSys)}${pointArgument(e.center)}, ${expr(e.radius)})`;
    case "Box":
      return `BOX(${coordSys(e.coordSys)}${pointArgument(e.center)}, ${expr(e.width)}, ${expr(e.height)})`;
    case "Polygon":
      return `POLYGON(${coordSys(e.coordSys)}${e.vertices.map(pointArgument).join(", ")})`;
    case "Region":
      return `REGION(${stringLiteral(e.text.value)})`;
    case "SqlFunctionCall":
      return `${e.name}(${e.args.map((a) => expr(a)).join(", ")})`;
    case "DaliArray":
      return `${e.xtype.toUpperCase()}[${e.items.map((a) => expr(a)).join(", ")}]`;
  }
}
