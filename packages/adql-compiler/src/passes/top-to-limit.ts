/**
 * Pass: TOP n of the outermost SELECT and the service's MAXREC become one LIMIT (TAP 1.1 §2.7.4,
 * DALI §2.3.3 overflow). When MAXREC can cut the result, the limit is MAXREC + 1, so that the service
 * knows it overflowed when it reads that extra row; when TOP already keeps the result within MAXREC,
 * the limit is TOP and there is no overflow to detect. Inner TOPs (subqueries, set operands) stay on
 * their SELECT and are written as that SELECT's LIMIT.
 */
import type { Query } from "../ast/nodes.js";
import type { PassContext } from "./context.js";

export function topToLimit(query: Query, ctx: PassContext): Query {
  const body = query.body;
  const top = body.kind === "Select" && body.top ? Number(body.top.text) : undefined;
  let limit = top;
  if (ctx.maxrec !== undefined) {
    limit = top !== undefined && top <= ctx.maxrec ? top : ctx.maxrec + 1;
  }
  if (limit === undefined) return query;
  return { ...query, body: body.kind === "Select" ? { ...body, top: null } : body, limit };
}

/** The MAXREC beyond which a compiled query overflows, or undefined if it cannot. */
export function overflowAfter(query: Query, maxrec: number | undefined): number | undefined {
  return maxrec !== undefined && query.limit === maxrec + 1 ? maxrec : undefined;
}
