/**
 * The catalog model as the resolver's SchemaLookup, converted once per catalog (catalog/lookup.ts
 * does the conversion; this adds the cache that compile() wants for a catalog reused per request).
 */
import type { Catalog } from "../catalog/model.js";
import { lookupTable } from "../catalog/lookup.js";
import type { SchemaLookup } from "./schema.js";

const cache = new WeakMap<Catalog, SchemaLookup>();

export function schemaLookup(catalog: Catalog | SchemaLookup): SchemaLookup {
  // The option comes from JavaScript too: a wrong shape is named here, not met as a TypeError deep in a pass.
  const given = catalog as Partial<Catalog & SchemaLookup> | null;
  if (typeof given !== "object" || given === null || (!Array.isArray(given.tables) && !Array.isArray(given.schemas))) {
    throw new TypeError("the compile option catalog must be a Catalog (loadFelis: { schemas }) or a SchemaLookup ({ tables })");
  }
  if ("tables" in catalog) return catalog;
  let lookup = cache.get(catalog);
  if (!lookup) {
    lookup = { tables: catalog.schemas.flatMap((s) => s.tables.map(lookupTable)) };
    cache.set(catalog, lookup);
  }
  return lookup;
}
