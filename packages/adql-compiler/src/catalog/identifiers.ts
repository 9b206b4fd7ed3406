/**
 * ADQL identifiers (ADQL 2.1 §2.1.5–2.1.7): a regular identifier is a letter followed by letters,
 * digits and underscores, matched without regard to case; a delimited identifier ("...") is
 * matched exactly and is needed for any other name, and for reserved words.
 */
import { isReservedWord } from "../lexer/tokens.js";

/** A name as a query wrote it: `delimited` when it was in double quotes (then `name` is unquoted). */
export interface Identifier {
  readonly name: string;
  readonly delimited: boolean;
}

const REGULAR = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Whether a query names `actual` when it writes `id`. */
export function identifierMatches(id: Identifier, actual: string): boolean {
  return id.delimited ? id.name === actual : id.name.toLowerCase() === actual.toLowerCase();
}

/** Whether a name must be written delimited in ADQL: not a regular identifier, or a reserved word. */
export function needsQuoting(name: string): boolean {
  return !REGULAR.test(name) || isReservedWord(name);
}

/** A name as ADQL must write it, in double quotes (doubled inside) when it needs them. */
export function quoteIdentifier(name: string): string {
  return needsQuoting(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/**
 * Splits a dotted name such as `schema.table` or `"my schema"."t.1"` into its unquoted parts.
 * Returns undefined when the text is not a sequence of identifiers separated by dots.
 */
export function splitQualifiedName(text: string): Identifier[] | undefined {
  const parts: Identifier[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let name = "";
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return undefined;
        name += text.slice(i, q);
        if (text[q + 1] === '"') {
          name += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      parts.push({ name, delimited: true });
    } else {
      const m = /^[^."]+/.exec(text.slice(i));
      if (!m) return undefined;
      parts.push({ name: m[0], delimited: false });
      i += m[0].length;
    }
    if (i === text.length) return parts;
    if (text[i] !== ".") return undefined;
    i++;
  }
}
