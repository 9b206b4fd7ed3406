/**
 * AST ⇄ JSON. Nodes are plain data, so serialising is JSON.stringify; reading back checks that
 * every object is a node of a known kind with a span, and that each field that holds children
 * (transform.ts CHILDREN) holds a node, an array of nodes, or null, so that a hand-edited or foreign
 * document fails here and not deep inside a pass. The walkers rely on that last check: they take any
 * object in a child field for a node.
 */
import type { Node, NodeKind, Span } from "./nodes.js";
import { CHILD_SHAPES, NODE_KINDS, type ChildShape } from "./transform.js";

const KINDS: ReadonlySet<NodeKind> = new Set(NODE_KINDS);

export function astToJson(node: Node, space?: number): string {
  return JSON.stringify(node, null, space);
}

export function astFromJson<N extends Node = Node>(json: string): N {
  const value: unknown = JSON.parse(json);
  // The root is a node: null, a number or an array would be returned as one, and fail later far from here.
  if (typeof value !== "object" || value === null || Array.isArray(value) || !("kind" in value)) {
    throw new Error(`$: not an AST node (an object with a kind), but ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`);
  }
  check(value, "$");
  return value as N;
}

function isSpan(s: unknown): s is Span {
  const p = (x: unknown): boolean =>
    typeof x === "object" && x !== null &&
    ["offset", "line", "column"].every((k) => typeof (x as Record<string, unknown>)[k] === "number");
  return typeof s === "object" && s !== null && p((s as Span).start) && p((s as Span).end);
}

function check(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => check(v, `${path}[${i}]`));
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const obj = value as Record<string, unknown>;
  if ("kind" in obj) {
    if (typeof obj.kind !== "string" || !KINDS.has(obj.kind as NodeKind)) throw new Error(`${path}: unknown node kind ${String(obj.kind)}`);
    if (!isSpan(obj.span)) throw new Error(`${path}: ${obj.kind} has no valid span`);
    for (const [key, shape] of Object.entries(CHILD_SHAPES[obj.kind as NodeKind])) checkChildField(obj[key], shape, `${path}.${key}`, obj.kind);
  }
  for (const [k, v] of Object.entries(obj)) if (k !== "span") check(v, `${path}.${k}`);
}

function isNodeObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v;
}

/** A child field: absent, null, a node, or an array of nodes, as its shape says (transform.ts CHILD_FIELDS). */
function checkChildField(value: unknown, shape: ChildShape, path: string, kind: string): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value) && shape !== "one") {
    const i = value.findIndex((v) => !isNodeObject(v));
    if (i >= 0) throw new Error(`${path}[${i}]: ${kind} holds ${describe(value[i])} where a node belongs`);
  } else if (!isNodeObject(value) || shape === "many") {
    throw new Error(`${path}: ${kind} holds ${describe(value)} where ${shape === "many" ? "an array of nodes" : "a node"} belongs`);
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (isNodeObject(v)) return `a node (${String((v as { kind: unknown }).kind)})`;
  return typeof v === "object" ? "an object without a kind" : `a ${typeof v}`;
}

/** A copy without spans: for comparing trees by structure alone. */
export function stripSpans<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === "span" ? undefined : v))) as T;
}
