/**
 * Pass: names that a backend cannot take. A delimited identifier may hold any character in ADQL
 * (ADQL 2.1 §2.1.6), but:
 * - MariaDB and MySQL refuse U+0000 in identifiers, and a NUL in the statement text is where C code
 *   stops reading: refused on every dialect;
 * - MariaDB and MySQL (and so Qserv) take only characters of the Basic Multilingual Plane in names
 *   ("Invalid utf8mb4 character string" otherwise): refused on those dialects, where DuckDB takes them.
 * Each refusal has the name's position. (NUL and any character are fine in string literals: the
 * generators escape them.)
 */
import type { Node, Query } from "../ast/nodes.js";
import { forEachNode } from "../ast/transform.js";
import { AdqlError } from "../errors.js";
import type { DialectPassContext } from "./context.js";

/**
 * Whether `name` holds a character beyond U+FFFF: a high surrogate followed by a low one (a lone
 * surrogate is not such a character, as /[\u{10000}-\u{10FFFF}]/u reads it). A loop over the code
 * units: names are short, and nearly all are ASCII, where a regular expression costs several times more.
 */
function beyondBmp(name: string): boolean {
  for (let i = 0; i < name.length - 1; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = name.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) return true;
    }
  }
  return false;
}

export function checkIdentifiers(query: Query, ctx: DialectPassContext): Query {
  const traits = ctx.traits;
  const bmpOnly = traits.bmpNamesOnly;
  forEachNode(query, (n: Node) => {
    if (n.kind !== "Identifier") return;
    if (n.name.includes("\0")) {
      throw new AdqlError("ADQL_UNSUPPORTED", "not supported: a name that contains the NUL character (U+0000)", n.span);
    }
    if (bmpOnly && beyondBmp(n.name)) {
      throw new AdqlError(
        "ADQL_UNSUPPORTED",
        `not supported on ${traits.databaseName}: a name with a character beyond U+FFFF (${n.name}); names there are limited to the Basic Multilingual Plane`,
        n.span,
      );
    }
  });
  return query;
}
