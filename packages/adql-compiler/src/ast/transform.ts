/**
 * Generic traversal of the immutable AST. `mapChildren` rebuilds a node only when a child changed,
 * so a pass that changes nothing returns the very same tree (cheap to test, cheap to run).
 */
import type { Node, NodeKind, Query, QueryBody, Select } from "./nodes.js";

/** A node of kind K. */
type NodeOf<K extends NodeKind> = Extract<Node, { kind: K }>;

/** The fields of a node of kind K that hold child nodes (a node, an array of nodes, or null). */
export type ChildKey<K extends NodeKind> = {
  [P in keyof NodeOf<K>]-?: NonNullable<NodeOf<K>[P]> extends Node | readonly Node[] ? P : never;
}[keyof NodeOf<K>];

/**
 * The fields of each kind that hold child nodes, in the order walks visit them. The type makes the
 * table exhaustive both ways: every kind is here, and each lists exactly its node-holding fields, so
 * a new kind or a new child field fails to compile until it is added.
 */
const CHILD_FIELDS: { readonly [K in NodeKind]: { readonly [P in ChildKey<K>]: true } } = {
  Query: { with: true, body: true, orderBy: true, offset: true },
  CommonTableExpression: { name: true, query: true },
  SetOperation: { left: true, right: true },
  Select: { top: true, items: true, from: true, where: true, groupBy: true, having: true },
  SelectAll: { qualifier: true },
  SelectColumn: { expr: true, alias: true },
  OrderItem: { expr: true },
  TableName: { parts: true },
  TableRef: { name: true, alias: true },
  DerivedTable: { query: true, alias: true },
  Join: { left: true, right: true, on: true, using: true },
  Identifier: {},
  Coordinates: { x: true, y: true },
  WhenClause: { when: true, then: true },
  ColumnRef: { parts: true },
  NumberLiteral: {},
  StringLiteral: {},
  NullLiteral: {},
  UnaryExpr: { operand: true },
  BinaryExpr: { left: true, right: true },
  Comparison: { left: true, right: true },
  Between: { expr: true, low: true, high: true },
  InPredicate: { expr: true, values: true },
  LikePredicate: { expr: true, pattern: true },
  NullPredicate: { expr: true },
  Exists: { query: true },
  LogicalExpr: { left: true, right: true },
  NotExpr: { operand: true },
  FunctionCall: { args: true },
  UserFunctionCall: { name: true, args: true },
  Aggregate: { arg: true },
  Cast: { expr: true },
  CaseExpr: { operand: true, whens: true, else: true },
  ScalarSubquery: { query: true },
  Point: { coordSys: true, x: true, y: true },
  Circle: { coordSys: true, center: true, radius: true },
  Box: { coordSys: true, center: true, width: true, height: true },
  Polygon: { coordSys: true, vertices: true },
  Region: { text: true },
  SqlFunctionCall: { args: true },
  DaliArray: { items: true },
};

const CHILDREN = Object.fromEntries(
  Object.entries(CHILD_FIELDS).map(([kind, fields]) => [kind, Object.keys(fields)]),
) as unknown as Readonly<Record<NodeKind, readonly string[]>>;

/** Every node kind (from the exhaustive table above), for readers that check a document's kinds. */
export const NODE_KINDS: readonly NodeKind[] = Object.keys(CHILD_FIELDS) as NodeKind[];

/** Fields that hold only names (Identifier, TableName): `transform` never visits them. */
const NAME_FIELDS: { readonly [K in NodeKind]?: readonly ChildKey<K>[] } = {
  CommonTableExpression: ["name"], SelectAll: ["qualifier"], SelectColumn: ["alias"], TableName: ["parts"],
  TableRef: ["name", "alias"], DerivedTable: ["alias"], Join: ["using"], ColumnRef: ["parts"], UserFunctionCall: ["name"],
};

/**
 * CHILDREN without the name fields: what `transform` walks. Names are the most numerous nodes (every
 * column reference holds one or more), and a walk that enters them only to return them costs a call each.
 */
const VALUE_CHILDREN = Object.fromEntries(
  NODE_KINDS.map((kind) => [kind, CHILDREN[kind].filter((k) => !(NAME_FIELDS[kind] as readonly string[] | undefined)?.includes(k))]),
) as unknown as Readonly<Record<NodeKind, readonly string[]>>;

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind !== undefined;
}

/** Calls `fn` on each child node of one node (array elements in order). */
type EachChild = (node: Node, fn: (child: Node) => void) => void;
/** A node with `fn` applied to each child node; the same object if no child changed. */
type MapChildren = (node: Node, fn: (child: Node) => Node) => Node;

/*
 * The walks below run about ten times per compile over every node, so each kind gets its own child
 * functions, generated once from the tables above: a generated function reads its kind's fields by
 * name, which V8 compiles to a property load for that kind's few shapes, where one shared loop over
 * the field names does a keyed load on every node shape (about a third more time per walk). The
 * generated code does what the loop did: arrays element by element, fields that hold no node skipped,
 * and a changed node copied once (`{ ...node }`, then the changed fields set, which keeps the key order).
 */

/** A JavaScript expression that is true when `v` (a variable name) holds a node, as `isNode`. */
const IS_NODE = (v: string): string => `(typeof ${v} === "object" && ${v} !== null && ${v}.kind !== undefined)`;

function eachChildFunction(keys: readonly string[]): EachChild {
  if (keys.length === 0) return () => {};
  const body = keys.map((key) =>
    `v = n[${JSON.stringify(key)}];\n` +
    `if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) { const e = v[i]; if (${IS_NODE("e")}) fn(e); } }\n` +
    `else if (${IS_NODE("v")}) fn(v);`);
  // Generated from the node-kind tables, never from input.
  return new Function("n", "fn", `let v;\n${body.join("\n")}`) as EachChild;
}

function mapChildrenFunction(keys: readonly string[]): MapChildren {
  if (keys.length === 0) return (n) => n;
  const lines: string[] = [];
  keys.forEach((key, i) => {
    lines.push(`const a${i} = n[${JSON.stringify(key)}];`);
    lines.push(`const b${i} = Array.isArray(a${i}) ? mapArray(a${i}, fn) : ${IS_NODE(`a${i}`)} ? fn(a${i}) : a${i};`);
  });
  lines.push(`if (${keys.map((_, i) => `a${i} === b${i}`).join(" && ")}) return n;`);
  lines.push("const copy = { ...n };");
  keys.forEach((key, i) => lines.push(`if (a${i} !== b${i}) copy[${JSON.stringify(key)}] = b${i};`));
  lines.push("return copy;");
  // Generated from the node-kind tables, never from input.
  const make = new Function("mapArray", `return function (n, fn) {\n${lines.join("\n")}\n};`) as (m: typeof mapArray) => MapChildren;
  return make(mapArray);
}

/** An array of children with `fn` applied to each node; copied only from the first element that changes. */
function mapArray(value: readonly unknown[], fn: (child: Node) => Node): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    const m = isNode(v) ? fn(v) : v;
    if (out === undefined && m !== v) out = value.slice(0, i);
    if (out !== undefined) out.push(m);
  }
  return out ?? value;
}

function perKind<F>(fields: Readonly<Record<NodeKind, readonly string[]>>, make: (keys: readonly string[]) => F): Readonly<Record<NodeKind, F>> {
  return Object.fromEntries(NODE_KINDS.map((kind) => [kind, make(fields[kind])])) as Record<NodeKind, F>;
}

const EACH_CHILD = perKind(CHILDREN, eachChildFunction);
const EACH_VALUE_CHILD = perKind(VALUE_CHILDREN, eachChildFunction);
const MAP_CHILDREN = perKind(CHILDREN, mapChildrenFunction);
const MAP_VALUE_CHILDREN = perKind(VALUE_CHILDREN, mapChildrenFunction);

/** `node` with `fn` applied to each direct child; the same object if no child changed. */
export function mapChildren<N extends Node>(node: N, fn: (child: Node) => Node): N {
  return MAP_CHILDREN[node.kind](node, fn) as N;
}

/**
 * Rewrites bottom-up: children first, then `visit` on the rebuilt node. `visit` returns a
 * replacement, or undefined to keep the node. `enter` may return false to leave a subtree alone.
 * Names (Identifier, TableName) are not visited: no rewrite changes a name in place, and they are
 * the most numerous nodes (a pass that renames rebuilds the node that holds the name).
 */
export function transform<N extends Node>(
  node: N,
  visit: (node: Node) => Node | undefined,
  enter?: (node: Node) => boolean,
): N {
  const walk = (n: Node): Node => {
    const kind = n.kind;
    if (kind === "Identifier" || kind === "TableName") return n;
    if (enter && !enter(n)) return n;
    const rebuilt = MAP_VALUE_CHILDREN[kind](n, walk);
    return visit(rebuilt) ?? rebuilt;
  };
  return walk(node) as N;
}

/** Calls `fn` on every node, parents before children. */
export function forEachNode(node: Node, fn: (node: Node) => boolean | void): void {
  visitEach(node, fn, EACH_CHILD);
}

/**
 * `forEachNode` without the names (Identifier, TableName) inside the nodes that hold them, as
 * `transform` walks: for the checks that read names through their holders (a ColumnRef's parts, a
 * TableRef's name), which is all but check-identifiers.
 */
export function forEachNodeButNames(node: Node, fn: (node: Node) => boolean | void): void {
  visitEach(node, fn, EACH_VALUE_CHILD);
}

function visitEach(node: Node, fn: (node: Node) => boolean | void, children: Readonly<Record<NodeKind, EachChild>>): void {
  const walk = (n: Node): void => {
    if (fn(n) === false) return;
    children[n.kind](n, walk);
  };
  walk(node);
}

/**
 * `{ ...base, ...added }`, for where `added` has keys that `base` lacks (a binding on a ColumnRef, a
 * limit on a Query). Node 20's V8 takes a slow path for an object spread followed by a key that the
 * spread object does not have: about 1 µs per object, against some 50 ns for Object.assign, which
 * gives the same object (the same keys in the same order). Spreads that only replace existing keys
 * are fast and stay spreads.
 */
export function extend<T extends object, U extends object>(base: T, added: U): Omit<T, keyof U> & U {
  return Object.assign({}, base, added);
}

/**
 * Whether the tree is deeper than `limit` levels, found without recursion. The printers and passes
 * recurse once per level, so parse refuses trees deeper than they can take.
 */
export function deeperThan(node: Node, limit: number): boolean {
  const stack: [Node, number][] = [[node, 1]];
  while (stack.length > 0) {
    const [n, depth] = stack.pop()!;
    if (depth > limit) return true;
    for (const key of CHILDREN[n.kind]) {
      const value = (n as unknown as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (const v of value) if (isNode(v)) stack.push([v, depth + 1]);
      } else if (isNode(value)) {
        stack.push([value, depth + 1]);
      }
    }
  }
  return false;
}

/** The SELECT that names and types a query's result columns: the first operand of any set operation. */
export function firstSelect(q: Query | QueryBody): Select {
  let body: QueryBody = q;
  while (body.kind !== "Select") body = body.kind === "Query" ? body.body : body.left;
  return body;
}
