/** The two forms of the walkers (transform.ts childWalkers), and what the tests compare them by. */
import type { Node } from "../nodes.js";
import { CHILDREN, childWalkers, VALUE_CHILDREN } from "../transform.js";

export const written = { all: childWalkers(CHILDREN, true), values: childWalkers(VALUE_CHILDREN, true) };
export const generic = { all: childWalkers(CHILDREN, false), values: childWalkers(VALUE_CHILDREN, false) };

type Walkers = ReturnType<typeof childWalkers>;

export function visitOrder(root: Node, w: Walkers): Node[] {
  const out: Node[] = [];
  const walk = (n: Node): void => {
    out.push(n);
    w.each.get(n.kind)!(n, walk);
  };
  walk(root);
  return out;
}

/** Every number replaced by a new node (bottom-up, as transform does), with `w`'s map functions. */
export function renumber(root: Node, w: Walkers): Node {
  const walk = (n: Node): Node => {
    const rebuilt = w.map.get(n.kind)!(n, walk);
    return rebuilt.kind === "NumberLiteral" ? { ...rebuilt, text: `${rebuilt.text}0` } : rebuilt;
  };
  return walk(root);
}

