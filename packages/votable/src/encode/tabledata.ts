/**
 * TABLEDATA rows (VOTable 1.4 §5.1): one `<TR>` per row, one `<TD>` per field, an empty `<TD/>` for a null.
 * A pure encoder: a row in, a string out; the stream layer batches the strings.
 */
import type { Column } from "../column.js";
import { compileColumns } from "../column.js";
import { VOTableError } from "../errors.js";
import type { Field, Row } from "../model.js";
import { escapeText } from "../xml.js";
import { textFormatter } from "./text.js";

type TdWriter = (v: unknown) => string;

export class TableDataEncoder {
  readonly columns: readonly Column[];
  private readonly cells: TdWriter[];

  constructor(fields: readonly Field[] | readonly Column[]) {
    this.columns = isColumns(fields) ? fields : compileColumns(fields);
    this.cells = this.columns.map((col) => {
      const text = textFormatter(col, { booleans: "TF" });
      // Only strings can hold markup or forbidden characters; numbers are written as they are.
      if (col.strings) {
        return (v) => {
          const s = text(v);
          return s === null || s === "" ? "<TD/>" : "<TD>" + escapeText(s) + "</TD>";
        };
      }
      return (v) => {
        const s = text(v);
        return s === null || s === "" ? "<TD/>" : "<TD>" + s + "</TD>";
      };
    });
  }

  encodeRow(row: Row): string {
    const cells = this.cells;
    if (row.length !== cells.length) return badRowLength(this.columns, row);
    let out = "<TR>";
    for (let i = 0; i < cells.length; i++) out += cells[i]!(row[i]);
    return out + "</TR>\n";
  }
}

export function badRowLength(columns: readonly Column[], row: Row): never {
  const msg = Array.isArray(row)
    ? `a row has ${row.length} cells for ${columns.length} fields`
    : "a row must be an array of cells";
  throw new VOTableError("VOTABLE_INVALID_VALUE", msg);
}

export function isColumns(x: readonly Field[] | readonly Column[]): x is readonly Column[] {
  const first = x[0] as Partial<Column> | undefined;
  return first !== undefined && first.shape !== undefined && first.field !== undefined;
}
