/**
 * Multi-row INSERTs for MariaDB loads and uploads: a statement is sent before it would pass its
 * byte bound (a packet must hold it) or its row bound, and never empty.
 */
import { expect } from "chai";
import { InsertBatches } from "./mariadb.js";

/** [case, rows, maxBytes, maxRows, the row counts of the statements sent]. */
const CASES: [string, unknown[][], number, number, number[]][] = [
  ["no rows: nothing sent", [], 1000, 10, []],
  ["small rows: by the row bound", Array.from({ length: 25 }, (_, i) => [i, "x"]), 1_000_000, 10, [10, 10, 5]],
  // Each row: 4 + (2 * 100 + 4) = 208 bytes, so 4 fit in 1000.
  ["text rows: by the byte bound", Array.from({ length: 10 }, () => ["y".repeat(100)]), 1000, 1000, [4, 4, 2]],
  ["one row larger than the bound: alone", [["a"], ["z".repeat(5000)], ["b"]], 1000, 1000, [1, 1, 1]],
  ["multi-byte text counts in bytes", Array.from({ length: 4 }, () => ["é".repeat(100)]), 1000, 1000, [2, 2]],
  ["NULLs and numbers", Array.from({ length: 6 }, () => [null, 1.5, 12345678901234567890n]), 100, 1000, [2, 2, 2]],
];

describe("server MariaDB insert batches", () => {
  for (const [name, rows, maxBytes, maxRows, sent] of CASES) {
    it(name, async () => {
      const statements: unknown[][][] = [];
      const batches = new InsertBatches(async (r) => void statements.push(r), maxBytes, maxRows);
      for (const row of rows) await batches.add(row);
      await batches.flush();
      expect(statements.map((s) => s.length)).to.deep.equal(sent);
      expect(statements.flat()).to.deep.equal(rows);
    });
  }
});
