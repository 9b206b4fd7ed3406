/**
 * Qserv: MySQL syntax as Qserv's parser accepts it (qserv/README §c), with the real scisql UDFs.
 * The qserv-restrictions pass has already refused or rewritten what Qserv cannot run; this module
 * only changes how the remaining constructs are written.
 */
import type { Expression } from "../../ast/nodes.js";
import { MySqlGenerator } from "./mysql.js";

export class QservGenerator extends MySqlGenerator {
  override readonly name = "qserv";
  /** Qserv's parser has no CAST, so bit operations keep MySQL's unsigned results. */
  protected override readonly signedBitwise = false;
  protected override readonly fullSql = false;
  protected override readonly inlineScisql = false;

  /** Backtick identifiers cannot contain a backtick in Qserv (`REVERSE_QUOTE_ID`); the pass refuses them. */
  override quoteIdentifier(name: string): string {
    if (name.includes("`")) throw new Error("qserv: an identifier with a backtick reached the generator");
    return `\`${name}\``;
  }

  /** Qserv has no COLLATE or BINARY: LIKE follows the column's collation there (usually ignoring case). */
  protected override like(expr: Expression, pattern: Expression, not: boolean, caseInsensitive: boolean): string {
    const n = not ? "NOT " : "";
    if (caseInsensitive) return `LOWER(${this.expr(expr)}) ${n}LIKE LOWER(${this.expr(pattern)})`;
    return `${this.operand(expr)} ${n}LIKE ${this.operand(pattern)}`;
  }

  /** The real scisql takes polygon vertices as separate arguments. */
  protected override sqlFunction(name: string, args: readonly Expression[]): string {
    return `${name}(${args.map((a) => this.expr(a)).join(", ")})`;
  }
}
