import { expect } from "chai";
import { FIELDS as BENCH_FIELDS, makeBatch, makeRow } from "../bench/rows.js";
import type { ColumnBatch, RowOrBatch } from "./batch.js";
import { batchRow, headOfBatch, isColumnBatch } from "./batch.js";
import type { Field, Row } from "./model.js";
import { readVOTable } from "./read/reader.js";
import type { OutputFormat, WriteOptions } from "./stream.js";
import { streamToBuffer, writeTable } from "./stream.js";

const ALL_FORMATS: OutputFormat[] = ["tabledata", "binary", "binary2", "csv", "tsv", "parquet"];
const VOTABLE_FORMATS: OutputFormat[] = ["tabledata", "binary", "binary2"];

async function write(fields: readonly Field[], items: RowOrBatch[], format: OutputFormat, extra: Partial<WriteOptions> = {}): Promise<Buffer> {
  return streamToBuffer(writeTable(fields, items, { format, query: "SELECT 1", requestTime: new Date(0), ...extra }));
}

/** Every numeric type as the typed array of its own kind, each with a null and its extremes. */
const TYPED: { field: Field; values: ArrayLike<unknown>; cells: unknown[] }[] = [
  { field: { name: "l", datatype: "long" }, values: BigInt64Array.of(0n, -(2n ** 63n), 2n ** 63n - 1n, -1n, 1234567890123n), cells: [null, -(2n ** 63n), 2n ** 63n - 1n, -1n, 1234567890123n] },
  { field: { name: "i", datatype: "int" }, values: Int32Array.of(0, -(2 ** 31), 2 ** 31 - 1, -1, 7), cells: [null, -(2 ** 31), 2 ** 31 - 1, -1, 7] },
  { field: { name: "s", datatype: "short" }, values: Int16Array.of(0, -32768, 32767, -1, 7), cells: [null, -32768, 32767, -1, 7] },
  { field: { name: "b", datatype: "unsignedByte" }, values: Uint8Array.of(0, 0, 255, 1, 7), cells: [null, 0, 255, 1, 7] },
  { field: { name: "f", datatype: "float" }, values: Float32Array.of(0, -0, Infinity, NaN, 1.5e-45), cells: [null, -0, Infinity, NaN, Math.fround(1.5e-45)] },
  { field: { name: "f64", datatype: "float" }, values: Float64Array.of(0, 0.1, -1e39, NaN, 3.4e38), cells: [null, 0.1, -1e39, NaN, 3.4e38] },
  { field: { name: "d", datatype: "double" }, values: Float64Array.of(0, -0, Number.MAX_VALUE, NaN, 5e-324), cells: [null, -0, Number.MAX_VALUE, NaN, 5e-324] },
  { field: { name: "d32", datatype: "double" }, values: Float32Array.of(0, 0.1, -3, NaN, 1e-40), cells: [null, Math.fround(0.1), -3, NaN, Math.fround(1e-40)] },
];
const NULLS = Uint8Array.of(1, 0, 0, 0, 0);

describe("column batches (writers, VOTable 1.4 §5)", function () {
  it("tells a batch from a row", function () {
    expect(isColumnBatch({ rowCount: 0, columns: [] })).to.equal(true);
    expect(isColumnBatch([1, 2])).to.equal(false);
    expect(isColumnBatch(null)).to.equal(false);
  });

  it("batchRow and headOfBatch give the rows of a batch, nulls as null", function () {
    const b: ColumnBatch = { rowCount: 2, columns: [{ values: Float64Array.of(1, 2), nulls: Uint8Array.of(0, 1) }, { values: ["a", null] }] };
    expect(batchRow(b, 0)).to.deep.equal([1, "a"]);
    expect(batchRow(b, 1)).to.deep.equal([null, null]);
    expect(headOfBatch(b, 1).rowCount).to.equal(1);
    expect(headOfBatch(b, 5)).to.equal(b);
  });

  for (const format of ALL_FORMATS) {
    it(`${format}: batches give the bytes of the same rows given one by one (10 columns, typed arrays, nulls)`, async function () {
      const rows: Row[] = Array.from({ length: 3000 }, (_, i) => makeRow(i));
      const batched: RowOrBatch[] = [makeBatch(0, 1), makeBatch(1, 999), makeRow(1000), makeBatch(1001, 1999)];
      const a = await write(BENCH_FIELDS, rows, format);
      const b = await write(BENCH_FIELDS, batched, format);
      expect(b.equals(a)).to.equal(true);
    });

    it(`${format}: every numeric type as a typed array of its own kind, with a null mask`, async function () {
      const fields = TYPED.map((t) => t.field);
      const rows: Row[] = TYPED[0]!.cells.map((_, i) => TYPED.map((t) => t.cells[i]));
      const batch: ColumnBatch = { rowCount: 5, columns: TYPED.map((t) => ({ values: t.values, nulls: NULLS })) };
      const a = await write(fields, rows, format);
      const b = await write(fields, [batch], format);
      expect(b.equals(a)).to.equal(true);
    });
  }

  for (const format of ALL_FORMATS) {
    it(`${format}: timestamps as milliseconds give the bytes of the same Dates (DALI 1.2 §3.3), whatever the field's arraysize`, async function () {
      const ms = [0, 1700000000123, -1, -62135596800000, 253402300799999, -62135596800001, 1e15, 951782400000];
      const fields: Field[] = [
        { name: "t", datatype: "char", arraysize: "*", xtype: "timestamp" },
        { name: "t19", datatype: "char", arraysize: "19", xtype: "timestamp" },
        { name: "t30", datatype: "char", arraysize: "30*", xtype: "timestamp" },
      ];
      const nulls = Uint8Array.from(ms, (_, i) => (i === 2 ? 1 : 0));
      const rows: Row[] = ms.map((t, i) => fields.map(() => (i === 2 ? null : new Date(t))));
      const column = { values: Float64Array.from(ms), nulls, timestamps: true };
      const a = await write(fields, rows, format);
      const b = await write(fields, [{ rowCount: ms.length, columns: [column, column, column] }], format);
      expect(b.equals(a)).to.equal(true);
    });
  }

  it("only rowCount rows are written; the rest of the arrays is ignored", async function () {
    const fields: Field[] = [{ name: "x", datatype: "double" }];
    const a = await write(fields, [[1], [2]], "csv");
    const b = await write(fields, [{ rowCount: 2, columns: [{ values: Float64Array.of(1, 2, 3) }] }], "csv");
    expect(b.toString()).to.equal(a.toString());
  });

  for (const format of VOTABLE_FORMATS) {
    it(`${format}: a value that does not fit stops the result at its row, which the error names (DALI 1.1 §5.2 trailer)`, async function () {
      // An Int32Array for a short field is read cell by cell, with the range check of a row's cells.
      const fields: Field[] = [{ name: "s", datatype: "short" }];
      const batch: ColumnBatch = { rowCount: 4, columns: [{ values: Int32Array.of(1, 2, 40000, 4) }] };
      let failure: unknown;
      const out = await write(fields, [[0], batch], format, { onError: (e) => void (failure = e) });
      const reader = await readVOTable(out);
      expect(await reader.toArray()).to.deep.equal([[0], [1], [2]]);
      expect(String((failure as Error).message)).to.match(/^row 3: .*out of range/);
      expect(out.toString()).to.include('name="QUERY_STATUS" value="ERROR"');
    });
  }

  it("a batch with the wrong number of columns is refused", async function () {
    const fields: Field[] = [{ name: "x", datatype: "double" }];
    let failure: unknown;
    await write(fields, [{ rowCount: 1, columns: [{ values: [1] }, { values: [2] }] }], "binary2", { onError: (e) => void (failure = e) });
    expect(String((failure as Error).message)).to.match(/2 columns for 1 fields/);
  });
});
