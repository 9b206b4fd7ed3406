/**
 * The DuckDB cursor's batches (typed arrays of the chunk's vectors, nulls from the validity mask, timestamps as
 * milliseconds) against the values that @duckdb/node-api's getRowsJS gives for the same query.
 */
import { expect } from "chai";
import { batchRow, type ColumnBatch } from "@qserv-tap/votable";
import { DuckDbBackend, varcharCopies } from "./duckdb.js";

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

  const batchesOf = async (sql: string): Promise<ColumnBatch[]> => {
    const session = await backend.session();
    const batches: ColumnBatch[] = [];
    try {
      const cursor = await session.query(sql);
      for await (const batch of cursor) batches.push(batch);
    } finally {
      await session.release();
    }
    return batches;
  };

  it("give the values of getRowsJS for every column type, over several chunks, nulls included", async () => {
    const sql = `SELECT ${COLUMNS.map(([, e], k) => `${e} AS c${k}`).join(", ")} FROM range(5000) AS t(i) ORDER BY i`;
    const expected = await backend.rows(sql);
    const batches = await batchesOf(sql);
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

  // Strings longer than 12 bytes are behind a pointer each; the cursor copies a run of them whose bytes lie end to end
  // in one native call. Runs broken by nulls, by inline strings and by the chunk's end; non-ASCII (2-, 3- and 4-byte
  // UTF-8, a surrogate pair) inside a run; the 12/13-byte edge; strings in a table's storage and sorted.
  const STRINGS: [what: string, sql: string][] = [
    ["computed, with nulls and inline strings", "CASE WHEN i % 17 = 0 THEN NULL WHEN i % 5 = 0 THEN 'short ' || (i % 10) ELSE 'a long designation J' || lpad(i::VARCHAR, 8, '0') END"],
    ["non-ASCII inside runs", "CASE WHEN i % 3 = 0 THEN 'télescope n° ' || i || ' 🔭' WHEN i % 3 = 1 THEN 'telescope number ' || i ELSE '望遠鏡 ' || i || ' Ångström' END"],
    ["12 and 13 bytes", "CASE WHEN i % 2 = 0 THEN lpad(i::VARCHAR, 12, 'x') ELSE lpad(i::VARCHAR, 13, 'y') END"],
  ];

  it("long strings: the values of getRowsJS, with one native copy per run of adjacent strings rather than one per string", async () => {
    await backend.run(`CREATE OR REPLACE TABLE strings AS SELECT i, ${STRINGS.map(([, e], k) => `${e} AS s${k}`).join(", ")} FROM range(5000) AS t(i)`);
    for (const sql of [
      `SELECT ${STRINGS.map(([, e], k) => `${e} AS s${k}`).join(", ")} FROM range(5000) AS t(i) ORDER BY i`,
      "SELECT * EXCLUDE (i) FROM strings",
      "SELECT * EXCLUDE (i) FROM strings ORDER BY s1 DESC",
    ]) {
      const expected = await backend.rows(sql);
      const before = varcharCopies();
      const batches = await batchesOf(sql);
      const calls = varcharCopies() - before;
      const got = batches.flatMap((b) => Array.from({ length: b.rowCount }, (_, i) => batchRow(b, i)));
      expect(got, sql).to.deep.equal(expected);
      // At least one copy per column and batch; where DuckDB lays the strings end to end (nulls and inline strings
      // between them take no bytes), a few more, not one per long string (30 against 11,264 when written).
      const long = expected.flat().filter((v) => typeof v === "string" && Buffer.byteLength(v) > 12).length;
      expect(long, sql).to.be.above(8000);
      expect(calls, sql).to.be.at.least(STRINGS.length * batches.length).and.below(long / 20);
    }
  });
});
