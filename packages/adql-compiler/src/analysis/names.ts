/** ADQL name comparison (ADQL 2.1 §2.1.7): regular identifiers ignore case, delimited ones do not. */
import type { Identifier } from "../ast/nodes.js";

export function sameName(id: Pick<Identifier, "name" | "delimited">, name: string): boolean {
  return id.delimited ? id.name === name : id.name.toLowerCase() === name.toLowerCase();
}
