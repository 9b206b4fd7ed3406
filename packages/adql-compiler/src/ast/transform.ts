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

/** How a child field holds its nodes: one node (or null), an array of nodes, or either (IN's values: a subquery or a list). */
export type ChildShape = "one" | "many" | "either";

/** The shape of a child field's type (tuples, so that a union is not taken apart). */
type ShapeOf<F> = [NonNullable<F>] extends [readonly unknown[]] ? "many" : [NonNullable<F>] extends [Node] ? "one" : "either";

/**
 * The fields of each kind that hold child nodes, in the order walks visit them, with their shape. The
 * type makes the table exhaustive both ways and keeps each shape true: every kind is here, each lists
 * exactly its node-holding fields, and a field's shape is its type's, so a new kind, a new child field
 * or a field that becomes a list fails to compile until the table follows.
 */
const CHILD_FIELDS: { readonly [K in NodeKind]: { readonly [P in ChildKey<K>]: ShapeOf<NodeOf<K>[P]> } } = {
  Query: { with: "many", body: "one", orderBy: "many", offset: "one" },
  CommonTableExpression: { name: "one", query: "one" },
  SetOperation: { left: "one", right: "one" },
  Select: { top: "one", items: "many", from: "many", where: "one", groupBy: "many", having: "one" },
  SelectAll: { qualifier: "one" },
  SelectColumn: { expr: "one", alias: "one" },
  OrderItem: { expr: "one" },
  TableName: { parts: "many" },
  TableRef: { name: "one", alias: "one" },
  DerivedTable: { query: "one", alias: "one" },
  Join: { left: "one", right: "one", on: "one", using: "many" },
  Identifier: {},
  Coordinates: { x: "one", y: "one" },
  WhenClause: { when: "one", then: "one" },
  ColumnRef: { parts: "many" },
  NumberLiteral: {},
  StringLiteral: {},
  NullLiteral: {},
  UnaryExpr: { operand: "one" },
  BinaryExpr: { left: "one", right: "one" },
  Comparison: { left: "one", right: "one" },
  Between: { expr: "one", low: "one", high: "one" },
  InPredicate: { expr: "one", values: "either" },
  LikePredicate: { expr: "one", pattern: "one" },
  NullPredicate: { expr: "one" },
  Exists: { query: "one" },
  LogicalExpr: { left: "one", right: "one" },
  NotExpr: { operand: "one" },
  FunctionCall: { args: "many" },
  UserFunctionCall: { name: "one", args: "many" },
  Aggregate: { arg: "one" },
  Cast: { expr: "one" },
  CaseExpr: { operand: "one", whens: "many", else: "one" },
  ScalarSubquery: { query: "one" },
  Point: { coordSys: "one", x: "one", y: "one" },
  Circle: { coordSys: "one", center: "one", radius: "one" },
  Box: { coordSys: "one", center: "one", width: "one", height: "one" },
  Polygon: { coordSys: "one", vertices: "many" },
  Region: { text: "one" },
  SqlFunctionCall: { args: "many" },
  DaliArray: { items: "many" },
};

/** Each kind's child fields with their shapes (CHILD_FIELDS), for readers that check a document's fields. */
export const CHILD_SHAPES = CHILD_FIELDS as Readonly<Record<NodeKind, Readonly<Record<string, ChildShape>>>>;

/** The child fields of each kind, in walk order (CHILD_FIELDS' keys), typed by kind. */
export type ChildKeys = { readonly [K in NodeKind]: readonly ChildKey<K>[] };

export const CHILDREN = Object.fromEntries(
  Object.entries(CHILD_FIELDS).map(([kind, fields]) => [kind, Object.keys(fields)]),
) as unknown as ChildKeys;

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
export const VALUE_CHILDREN = Object.fromEntries(
  NODE_KINDS.map((kind) => [kind, (CHILDREN[kind] as readonly string[]).filter((k) => !(NAME_FIELDS[kind] as readonly string[] | undefined)?.includes(k))]),
) as unknown as ChildKeys;

/**
 * Whether a value read from a child field is a node rather than null or absent: in a tree typed as
 * Node, or read by astFromJson (which refuses anything else there), every object in a child field is a
 * node. (Also reading its kind made no measurable difference to a compile: 24 alternating rounds, the
 * medians within 0.5%.)
 */
function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null;
}

/** Calls `f` on each direct child of `n` (a node of the kind that the function was made for). */
type EachChild = (n: Node, f: (child: Node) => void) => void;
/** `n` with `f` applied to each direct child; `n` itself if no child changed. */
type MapChildren = (n: Node, f: (child: Node) => Node) => Node;

/** `value` with `f` applied to each node in it; the same array if none changed (copied from the first that does). */
function mapArray(value: readonly unknown[], f: (child: Node) => Node): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    const m = isNode(v) ? f(v) : v;
    if (out === undefined && m !== v) out = value.slice(0, i);
    if (out !== undefined) out.push(m);
  }
  return out ?? value;
}

/** The generic forms of EachChild and MapChildren: one loop over a kind's child keys. */
function genericEachChild(keys: readonly string[]): EachChild {
  return (n, f) => {
    for (let k = 0; k < keys.length; k++) {
      const value = (n as unknown as Record<string, unknown>)[keys[k]!];
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (isNode(value[i])) f(value[i] as Node);
      } else if (isNode(value)) f(value);
    }
  };
}

function genericMapChildren(keys: readonly string[]): MapChildren {
  return (n, f) => {
    const fields = n as unknown as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const value = fields[key];
      const next = Array.isArray(value) ? mapArray(value, f) : isNode(value) ? f(value) : value;
      if (next !== value) {
        copy ??= { ...fields };
        copy[key] = next;
      }
    }
    return (copy ?? n) as unknown as Node;
  };
}

/*
 * The same two functions written out for each kind, from its keys, as source text. Every pass walks
 * the whole tree at least once, some ten walks per compile; a loop over keys reads `node[key]` from
 * nodes of some forty shapes at one site, which V8 then looks up generically, where a function per
 * kind reads `n.left` from one shape. Measured on the ten queries of bench/queries.ts (after the
 * passes, 20 nodes each): 1.05-1.15 µs per walk with the loop, 0.49-0.56 µs written out (0.73 µs with
 * one closure per kind over its keys: closures of one function share its feedback). The keys come
 * from CHILD_FIELDS and are checked to be plain names before they go into the text. Where the
 * runtime refuses code from strings (node --disallow-code-generation-from-strings), the generic
 * forms serve instead.
 */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const IS_NODE_TEXT = (v: string): string => `(typeof ${v} === "object" && ${v} !== null)`; // isNode, written out

function writtenEachChild(kind: string, keys: readonly string[]): EachChild {
  const body = keys
    .map((key) => `v = n.${key};\n` +
      `if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) { const c = v[i]; if ${IS_NODE_TEXT("c")} f(c); } }\n` +
      `else if ${IS_NODE_TEXT("v")} f(v);`)
    .join("\n");
  return new Function(`return function eachChildOf${kind}(n, f) {\nlet v;\n${body}\n};`)() as EachChild;
}

function writtenMapChildren(kind: string, keys: readonly string[]): MapChildren {
  const body = keys
    .map((key) => `v = n.${key};\n` +
      `m = Array.isArray(v) ? mapArray(v, f) : ${IS_NODE_TEXT("v")} ? f(v) : v;\n` +
      `if (m !== v) { if (copy === undefined) copy = { ...n }; copy.${key} = m; }`)
    .join("\n");
  return new Function("mapArray", `return function mapChildrenOf${kind}(n, f) {\nlet v, m, copy;\n${body}\nreturn copy === undefined ? n : copy;\n};`)(mapArray) as MapChildren;
}

/** Whether this runtime makes functions from source text (see above). */
function codeFromStrings(): boolean {
  try {
    return (new Function("return 1") as () => number)() === 1;
  } catch {
    return false;
  }
}

/** Per kind, the EachChild and MapChildren of `children`'s keys: written out, or generic when `written` is false. */
export function childWalkers(
  children: Readonly<Record<NodeKind, readonly string[]>>,
  written: boolean = codeFromStrings(),
): { readonly each: ReadonlyMap<NodeKind, EachChild>; readonly map: ReadonlyMap<NodeKind, MapChildren> } {
  const each = new Map<NodeKind, EachChild>();
  const map = new Map<NodeKind, MapChildren>();
  for (const kind of NODE_KINDS) {
    const keys = children[kind];
    if (written && FIELD_NAME.test(kind) && keys.every((k) => FIELD_NAME.test(k))) {
      each.set(kind, writtenEachChild(kind, keys));
      map.set(kind, writtenMapChildren(kind, keys));
    } else {
      each.set(kind, genericEachChild(keys));
      map.set(kind, genericMapChildren(keys));
    }
  }
  return { each, map };
}

/** Walkers over every child, and over the value children (VALUE_CHILDREN). Maps: a Map's get by kind is faster than an object's. */
const ALL = childWalkers(CHILDREN);
const VALUES = childWalkers(VALUE_CHILDREN);

/** `node` with `fn` applied to each direct child; the same object if no child changed. */
export function mapChildren<N extends Node>(node: N, fn: (child: Node) => Node): N {
  return ALL.map.get(node.kind)!(node, fn) as N;
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
  const map = VALUES.map;
  // `kind` read once: nodes come in some forty shapes, so each read of it is a megamorphic lookup.
  const walk = (n: Node): Node => {
    const kind = n.kind;
    if (kind === "Identifier" || kind === "TableName") return n;
    if (enter !== undefined && !enter(n)) return n;
    const rebuilt = map.get(kind)!(n, walk);
    return visit(rebuilt) ?? rebuilt;
  };
  return walk(node) as N;
}

/** Calls `fn` on every node, parents before children. */
export function forEachNode(node: Node, fn: (node: Node) => boolean | void): void {
  visitEach(node, fn, ALL.each);
}

/**
 * `forEachNode` without the names (Identifier, TableName) inside the nodes that hold them, as
 * `transform` walks: for the checks that read names through their holders (a ColumnRef's parts, a
 * TableRef's name), which is all but check-identifiers.
 */
export function forEachNodeButNames(node: Node, fn: (node: Node) => boolean | void): void {
  visitEach(node, fn, VALUES.each);
}

function visitEach(node: Node, fn: (node: Node) => boolean | void, each: ReadonlyMap<NodeKind, EachChild>): void {
  const walk = (n: Node): void => {
    if (fn(n) === false) return;
    each.get(n.kind)!(n, walk);
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
