/**
 * Pass: TOP n becomes LIMIT n on the query it belongs to (written after that query's ORDER BY), and
 * the outermost query's TOP is combined with the service's MAXREC (TAP 1.1 §2.7.4, DALI §2.3.3
 * overflow). When MAXREC can cut the result, the limit is MAXREC + 1, so that the service knows it
 * overflowed when it reads that extra row; when TOP already keeps the result within MAXREC, the limit
 * is TOP and there is no overflow to detect. The TOP of a bare set-operation operand stays on its
 * SELECT (the generator writes that operand in parentheses with its LIMIT).
 */
import type { Node, Query } from "../ast/nodes.js";
import { extend, mapChildren, transform } from "../ast/transform.js";
import type { PassContext } from "./context.js";

/** A query whose body is a SELECT with TOP: the TOP as the query's limit. */
function liftTop(q: Query): Query {
  const body = q.body;
  if (body.kind !== "Select" || !body.top) return q;
  // Beyond 2^53 a TOP is no limit in practice, and a larger number would print with an exponent.
  const top = Number(body.top.form === "hex" ? BigInt(body.top.text) : body.top.text);
  return extend(q, { body: { ...body, top: null }, limit: Math.min(top, Number.MAX_SAFE_INTEGER) });
}

export function topToLimit(query: Query, ctx: PassContext): Query {
  // Subqueries, derived tables, CTEs and parenthesised set operands first.
  const inner = mapChildren(query, (child: Node) => transform(child, (n) => (n.kind === "Query" ? liftTop(n) : undefined)));
  const lifted = liftTop(inner);
  if (ctx.maxrec === undefined) return lifted;
  const top = lifted.limit;
  const limit = top !== undefined && top <= ctx.maxrec ? top : ctx.maxrec + 1;
  return extend(lifted, { limit });
}

/** The MAXREC beyond which a compiled query overflows, or undefined if it cannot. */
export function overflowAfter(query: Query, maxrec: number | undefined): number | undefined {
  return maxrec !== undefined && query.limit === maxrec + 1 ? maxrec : undefined;
}
