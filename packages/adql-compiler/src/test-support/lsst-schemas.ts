/**
 * The real LSST schemas of the shared reference material (shared/felis, from lsst/sdm_schemas), each read once per
 * test process: their YAML takes a fifth to a quarter of a second each to read, and felis.test.ts and
 * tap-schema.test.ts both use them. The catalogs are frozen (model.ts), so the files can share them.
 */
import { fileURLToPath } from "node:url";
import { loadFelis } from "../catalog/felis.js";
import type { Catalog } from "../catalog/model.js";

export const DP02_PATH = fileURLToPath(new URL("../../../../../shared/felis/dp02_dc2.yaml", import.meta.url));
const DP1_PATH = fileURLToPath(new URL("../../../../../shared/felis/dp1.yaml", import.meta.url));

let dp02: Catalog | undefined;
let dp1: Catalog | undefined;

/** shared/felis/dp02_dc2.yaml read by loadFelis without options. */
export const dp02Catalog = (): Catalog => (dp02 ??= loadFelis(DP02_PATH));
/** shared/felis/dp1.yaml read by loadFelis without options. */
export const dp1Catalog = (): Catalog => (dp1 ??= loadFelis(DP1_PATH));
