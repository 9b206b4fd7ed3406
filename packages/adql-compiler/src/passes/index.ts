/**
 * The compiler's passes, in the order they run. Each is a pure function (query, context) → query;
 * the dialect-specific ones return their input unchanged for other dialects.
 */
import { boundDeclination } from "./bound-declination.js";
import { checkIdentifiers } from "./check-identifiers.js";
import { checkLimits } from "./check-limits.js";
import { checkCoordinateSystems, geometryToScisql } from "./geometry-to-scisql.js";
import { inUnit } from "./in-unit.js";
import { qservRestrictions } from "./qserv-restrictions.js";
import { qservSpatial } from "./qserv-spatial.js";
import { resolveNames } from "./resolve-names.js";
import { topToLimit } from "./top-to-limit.js";
import type { Pass } from "./context.js";

export const PASSES: readonly (readonly [name: string, pass: Pass])[] = [
  ["check-identifiers", checkIdentifiers],
  ["check-limits", checkLimits],
  ["resolve-names", resolveNames],
  ["check-coordinate-systems", checkCoordinateSystems],
  ["geometry-to-scisql", geometryToScisql],
  ["in-unit", inUnit],
  ["qserv-restrictions", qservRestrictions],
  ["qserv-spatial", qservSpatial],
  ["bound-declination", boundDeclination],
  ["top-to-limit", topToLimit],
];

export type { Pass, PassContext, Dialect } from "./context.js";
