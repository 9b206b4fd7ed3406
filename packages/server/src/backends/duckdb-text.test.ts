/**
 * Text from DuckDB keeps every character, a leading U+FEFF included (issue 11, finding 9).
 */
import { expect } from "chai";
import { DuckDbBackend } from "./duckdb.js";
import { cursorRows } from "./backend.js";

const VALUES: [string, string][] = [
  ["a leading U+FEFF", "\uFEFFabc"],
  ["U+FEFF alone", "\uFEFF"],
  ["two of them", "\uFEFF\uFEFFx"],
  ["one inside", "a\uFEFFb"],
  ["astral characters", "\u{1F52D} M31"],
];

describe("server DuckDB text", function () {
  for (const [name, value] of VALUES) {
    it(`keeps ${name}`, async () => {
      const backend = await DuckDbBackend.open(":memory:");
      try {
        const session = await backend.session();
        try {
          const literal = `'${value.replace(/'/g, "''")}'`;
          const cursor = await session.query(`SELECT ${literal} AS s`);
          const rows: unknown[][] = [];
          for await (const row of cursorRows(cursor)) rows.push(row);
          expect(rows).to.deep.equal([[value]]);
        } finally {
          await session.release();
        }
      } finally {
        await backend.close();
      }
    });
  }
});
