/**
 * The DuckDB cursor's batches (typed arrays of the chunk's vectors, nulls from the validity mask, timestamps as
 * milliseconds) against the values that @duckdb/node-api's getRowsJS gives for the same query.
 */
import { expect } from "chai";
import { batchRow, type ColumnBatch } from "@qserv-tap/votable";
import { DuckDbBackend } from "./duckdb.js";

/** Each column type with nulls scattered over several chunks (2048 rows each) and across 64-row validity words. */
const COLUMNS: [type: string, sql: string][] = [
  ["DOUBLE", "CASE WHEN i % 7 = 3 THEN NULL ELSE i / 3.0 - 700 END::DOUBLE"],
  ["REAL", "CASE WHEN i % 65 = 0 THEN NULL ELSE i * 0.1 END::REAL"],
  ["INTEGER", "CASE WHEN i % 64 = 63 THEN NULL ELSE i * 800003 - 2000000000 END::INTEGER"],
  ["SMALLINT", "CASE WHEN i % 5 = 0 THEN NULL ELSE i % 30000 - 15000 END::SMALLINT"],
  ["TINYINT", "(i % 200 - 100)::TINYINT"],
  ["UTINYINT", "(i % 256)::UTINYINT"],
  ["USMALLINT", "(i % 65536)::USMALLINT"],
  ["BIGINT", "CASE WHEN i % 11 = 0 THEN NULL ELSE i * 1000000007 * 1000 - 9000000000000000000 END::BIGINT"],
  ["BOOLEAN", "CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END"],
  ["TIMESTAMP", "CASE WHEN i % 13 = 0 THEN NULL ELSE TIMESTAMP '1969-12-31 23:59:59.999' + to_microseconds(i * 123456789 - 300000000000) END"],
  ["VARCHAR", "CASE WHEN i % 17 = 0 THEN NULL ELSE 'row ' || i END"],
  ["DECIMAL", "(i / 7)::DECIMAL(12, 3)"],
  ["DOUBLE[]", "CASE WHEN i % 19 = 0 THEN NULL ELSE [i, i + 0.5] END"],
  // Beyond 2^53 µs from 1970 in one chunk only: that chunk's column takes the general conversion.
  ["TIMESTAMP", "CASE WHEN i = 4500 THEN TIMESTAMP '1500-01-01 00:00:00.000001' ELSE TIMESTAMP '2000-01-01' + to_microseconds(i) END"],
];

describe("server DuckDB cursor batches", function () {
  let backend: DuckDbBackend;
  before(async () => {
    backend = await DuckDbBackend.open(":memory:");
  });
  after(async () => {
    await backend.close();
  });

  it("give the values of getRowsJS for every column type, over several chunks, nulls included", async () => {
    const sql = `SELECT ${COLUMNS.map(([, e], k) => `${e} AS c${k}`).join(", ")} FROM range(5000) AS t(i) ORDER BY i`;
    const expected = await backend.rows(sql);
    const session = await backend.session();
    const batches: ColumnBatch[] = [];
    try {
      const cursor = await session.query(sql);
      for await (const batch of cursor) batches.push(batch);
    } finally {
      await session.release();
    }
    expect(batches.length).to.be.greaterThan(1);
    const got = batches.flatMap((b) => Array.from({ length: b.rowCount }, (_, i) => batchRow(b, i)));
    expect(got.length).to.equal(expected.length);
    const boolean = COLUMNS.findIndex(([t]) => t === "BOOLEAN");
    for (let i = 0; i < got.length; i++) {
      // BOOLEAN comes as the vector's bytes, 0 or 1, which the writers take as false and true.
      const row = got[i]!.map((v, c) => (c === boolean && v !== null ? v === 1 : v));
      expect(row, `row ${i}`).to.deep.equal(expected[i]);
    }
    // The numbers are the vectors' typed arrays, not a value per cell.
    const kinds = batches[0]!.columns.map((c) => c.values.constructor.name);
    expect(kinds.slice(0, 10)).to.deep.equal([
      "Float64Array",
      "Float32Array",
      "Int32Array",
      "Int16Array",
      "Int8Array",
      "Uint8Array",
      "Uint16Array",
      "BigInt64Array",
      "Uint8Array",
      "Float64Array",
    ]);
    expect(batches[0]!.columns[9]!.timestamps).to.equal(true);
  });
});
