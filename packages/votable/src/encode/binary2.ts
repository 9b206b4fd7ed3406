/**
 * BINARY2 (VOTable 1.4 §5.4): BINARY with a null flag per field at the start of each row. The encoding itself
 * lives in binary.ts, which both serializations share.
 */
import type { Column } from "../column.js";
import type { Field } from "../model.js";
import { BinaryEncoder } from "./binary.js";

export class Binary2Encoder extends BinaryEncoder {
  constructor(fields: readonly Field[] | readonly Column[]) {
    super(fields, { nullFlags: true });
  }
}
