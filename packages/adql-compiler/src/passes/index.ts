/**
 * The compiler's passes, in the order they run. Each is a pure function (query, context) → query.
 * The common passes are listed here; each dialect adds its own (sql/dialects/, `passes`), which run
 * at the DIALECT_PASSES slot below. The common ones read the dialect's traits (ctx.traits), never
 * its name.
 */
import { checkIdentifiers } from "./check-identifiers.js";
import { checkExpressions } from "./check-expressions.js";
import { checkLimits } from "./check-limits.js";
import { checkCoordinateSystems, geometryToScisql } from "./geometry-to-scisql.js";
import { inUnit } from "./in-unit.js";
import { resolveNames } from "./resolve-names.js";
import { topToLimit } from "./top-to-limit.js";
import type { Dialect, DialectPass, DialectPassContext, Pass, PassContext } from "./context.js";
import { DIALECTS, DIALECT_NAMES, dialectOf } from "../sql/dialects/index.js";

export type NamedPass = readonly [name: string, pass: DialectPass];

/** Where a dialect's own passes go in the common list. */
const DIALECT_PASSES = "the dialect's passes";

const PIPELINE: readonly (NamedPass | typeof DIALECT_PASSES)[] = [
  ["check-identifiers", checkIdentifiers],
  ["check-limits", checkLimits],
  ["resolve-names", resolveNames],
  ["check-expressions", checkExpressions],
  ["check-coordinate-systems", checkCoordinateSystems],
  ["geometry-to-scisql", geometryToScisql],
  ["in-unit", inUnit],
  DIALECT_PASSES,
  ["top-to-limit", topToLimit],
];

function pipelineWith(own: readonly NamedPass[]): readonly NamedPass[] {
  return PIPELINE.flatMap((p) => (p === DIALECT_PASSES ? own : [p]));
}

const byDialect = new Map<Dialect, readonly NamedPass[]>(DIALECT_NAMES.map((d) => [d, pipelineWith(DIALECTS[d].passes)]));

/** The passes that compile runs for `dialect`, in order (a TypeError for an unknown dialect). */
export function passesFor(dialect: Dialect): readonly NamedPass[] {
  return byDialect.get(dialect) ?? pipelineWith(dialectOf(dialect).passes);
}

/** `ctx` with its dialect's traits (the registry's, unless it has its own). */
export function withTraits(ctx: PassContext): DialectPassContext {
  return ctx.traits ? (ctx as DialectPassContext) : { ...ctx, traits: dialectOf(ctx.dialect).traits };
}

/** Each dialect's passes, once each (two dialects may add the same), in the registry's order. */
function dialectSpecificPasses(): NamedPass[] {
  const out = new Map<string, DialectPass>();
  for (const d of DIALECT_NAMES) for (const [name, pass] of DIALECTS[d].passes) out.set(name, pass);
  return [...out].map(([name, pass]): NamedPass => [name, (q, ctx) => (passesFor(ctx.dialect).some(([, p]) => p === pass) ? pass(q, ctx) : q)]);
}

/**
 * Every pass, once, in order: the common ones and each dialect's, where a dialect's pass returns its
 * input unchanged for a dialect that does not add it. For tools and tests that run or look up passes
 * by name; compile runs passesFor(dialect).
 */
export const PASSES: readonly (readonly [name: string, pass: Pass])[] = pipelineWith(dialectSpecificPasses()).map(
  ([name, pass]) => [name, (q, ctx) => pass(q, withTraits(ctx))] as const,
);

export type { Pass, PassContext, DialectPass, DialectPassContext, Dialect } from "./context.js";
