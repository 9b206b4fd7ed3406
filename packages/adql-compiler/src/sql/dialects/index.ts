/**
 * The dialects: one line each. A dialect is one file in this folder that exports its
 * DialectDefinition (traits, added passes, generator); its line here makes it a `Dialect` name for
 * compile(), the CLI and the server, and the type checker checks that the key is the definition's name.
 */
import type { DialectDefinition } from "./dialect.js";
import { duckdb } from "./duckdb.js";
import { mysql } from "./mysql.js";
import { qserv } from "./qserv.js";

const REGISTRY = {
  qserv,
  mysql,
  duckdb,
};

/** The name of a dialect: a key of the registry. */
export type DialectName = keyof typeof REGISTRY;

export const DIALECTS: { readonly [N in DialectName]: DialectDefinition<N> } = REGISTRY;

/** The dialect names in the registry's order. */
export const DIALECT_NAMES = Object.keys(DIALECTS) as readonly DialectName[];

/** "qserv, mysql or duckdb": for messages that list the choices. */
export function dialectChoices(): string {
  return `${DIALECT_NAMES.slice(0, -1).join(", ")} or ${DIALECT_NAMES[DIALECT_NAMES.length - 1]}`;
}

export function isDialectName(name: unknown): name is DialectName {
  return typeof name === "string" && Object.hasOwn(DIALECTS, name);
}

/** The definition of a dialect; a TypeError for a name that is none (a caller outside TypeScript). */
export function dialectOf(name: DialectName): DialectDefinition<DialectName> {
  if (!isDialectName(name)) throw new TypeError(`unknown dialect ${String(name)}: use ${dialectChoices()}`);
  return DIALECTS[name];
}
