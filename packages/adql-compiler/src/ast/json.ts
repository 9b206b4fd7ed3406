/**
 * AST ⇄ JSON. Nodes are plain data, so serialising is JSON.stringify; reading back checks that
 * every object is a node of a known kind with a span, so that a hand-edited or foreign document
 * fails here and not deep inside a pass.
 */
import type { Node, NodeKind, Span } from "./nodes.js";
import { NODE_KINDS } from "./transform.js";

const KINDS: ReadonlySet<NodeKind> = new Set(NODE_KINDS);

export function astToJson(node: Node, space?: number): string {
  return JSON.stringify(node, null, space);
}

export function astFromJson<N extends Node = Node>(json: string): N {
  const value: unknown = JSON.parse(json);
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
  }
  for (const [k, v] of Object.entries(obj)) if (k !== "span") check(v, `${path}.${k}`);
}

/** A copy without spans: for comparing trees by structure alone. */
export function stripSpans<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === "span" ? undefined : v))) as T;
}
