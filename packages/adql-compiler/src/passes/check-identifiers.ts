/**
 * Pass: names that no backend can take. A delimited identifier may hold any character in ADQL
 * (ADQL 2.1 §2.1.4), but MariaDB and MySQL refuse U+0000 in identifiers, and a NUL in the statement
 * text is where C code stops reading: refused here, with its position, on every dialect. (NUL in a
 * string literal is fine: the generators escape it.)
 */
import type { Node, Query } from "../ast/nodes.js";
import { forEachNode } from "../ast/transform.js";
import { AdqlError } from "../errors.js";
import type { PassContext } from "./context.js";

export function checkIdentifiers(query: Query, _ctx: PassContext): Query {
  forEachNode(query, (n: Node) => {
    if (n.kind === "Identifier" && n.name.includes("\0")) {
      throw new AdqlError("ADQL_UNSUPPORTED", "not supported: a name that contains the NUL character (U+0000)", n.span);
    }
  });
  return query;
}
