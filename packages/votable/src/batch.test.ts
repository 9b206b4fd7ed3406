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
      // and fractions of a millisecond (DuckDB's microseconds), which a Date truncates toward zero
      const ms = [0, 1700000000123, -1, -62135596800000, 253402300799999, -62135596800001, 1e15, 951782400000, 0.5, -0.5, -1.25, 1700000000123.75];
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

  // Each case: fields, rows, and how each field's cells go into a batch: "array" (the values, nulls as null) or a
  // typed array constructor (nulls as 0 under a mask). Every case is written in every format from its rows, and
  // from batches cut in several ways, with the default chunk and with small ones (VOTable 1.4 §5.3, §5.4: the
  // BINARY/BINARY2 STREAM breaks its base64 lines at the chunks, so those must end at the same rows too).
  type Rep = "array" | Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor | Int16ArrayConstructor | Uint8ArrayConstructor | BigInt64ArrayConstructor;
  const bigint = (n: number): bigint => BigInt(n) * 1234567891011n - 5n;
  const unicode = ["", "é", "日本語", "a😀b", "x".repeat(70), "naïve " + "y".repeat(60), "\u0000nul", "😀".repeat(3)];
  const CASES: { name: string; fields: Field[]; reps: Rep[]; rows: Row[]; formats?: OutputFormat[] }[] = [
    {
      name: "nulls in every scalar type, typed arrays",
      fields: [
        { name: "l", datatype: "long" },
        { name: "i", datatype: "int" },
        { name: "s", datatype: "short" },
        { name: "u", datatype: "unsignedByte" },
        { name: "f", datatype: "float" },
        { name: "d", datatype: "double" },
        { name: "b", datatype: "boolean" },
      ],
      reps: [BigInt64Array, Int32Array, Int16Array, Uint8Array, Float32Array, Float64Array, Uint8Array],
      rows: Array.from({ length: 300 }, (_, i) => [
        i % 3 === 0 ? null : bigint(i),
        i % 4 === 1 ? null : i * 7919 - 1000000,
        i % 5 === 2 ? null : (i * 31) % 32768,
        i % 6 === 3 ? null : i % 256,
        i % 7 === 4 ? null : Math.fround(i / 7),
        i % 8 === 5 ? null : i === 9 ? NaN : i / 3,
        i % 9 === 6 ? null : i % 2 === 0,
      ]),
    },
    {
      name: "nulls in every scalar type, arrays of values (declared nullValue for the integers)",
      formats: ["tabledata", "binary", "binary2", "csv", "tsv"], // VOParquet has no complex type
      fields: [
        { name: "l", datatype: "long", nullValue: -1 },
        { name: "i", datatype: "int", nullValue: -99 },
        { name: "s", datatype: "short" },
        { name: "u", datatype: "unsignedByte", nullValue: 7 },
        { name: "f", datatype: "float" },
        { name: "d", datatype: "double", nullValue: -999 },
        { name: "b", datatype: "boolean" },
        { name: "c", datatype: "char", arraysize: "*" },
        { name: "uc", datatype: "unicodeChar", arraysize: "*" },
        { name: "fc", datatype: "floatComplex" },
      ],
      reps: ["array", "array", "array", "array", "array", "array", "array", "array", "array", "array"],
      rows: Array.from({ length: 100 }, (_, i) =>
        i % 4 === 0
          ? [null, null, null, null, null, null, null, null, null, null]
          : [bigint(i), i, -i, i % 200, i / 9, i * 1e300, i % 3 === 0, unicode[i % unicode.length]!, unicode[(i + 3) % unicode.length]!, [i, -i]],
      ),
    },
    {
      name: "strings: empty, unicode, cut to their storage, fixed width, arrays of strings",
      fields: [
        { name: "v", datatype: "char", arraysize: "*" },
        { name: "cut", datatype: "char", arraysize: "5*" },
        { name: "fixed", datatype: "char", arraysize: "6" },
        { name: "u", datatype: "unicodeChar", arraysize: "4*" },
        { name: "many", datatype: "char", arraysize: "3x*" },
        { name: "one", datatype: "char" },
      ],
      reps: ["array", "array", "array", "array", "array", "array"],
      rows: Array.from({ length: 200 }, (_, i) => {
        const s = unicode[i % unicode.length]!;
        return i % 11 === 10
          ? [null, null, null, null, null, null]
          : [s, s, s, s, i % 2 === 0 ? [s, "ab"] : [], s.slice(0, 1)];
      }),
    },
    {
      name: "ASCII strings with a non-ASCII one late in a chunk (laid out again)",
      fields: [
        { name: "a", datatype: "char", arraysize: "*" },
        { name: "d", datatype: "double" },
        { name: "b", datatype: "char", arraysize: "8*" },
      ],
      reps: ["array", Float64Array, "array"],
      rows: Array.from({ length: 500 }, (_, i) => [i === 377 ? "Ångström" : `row ${i}`, i / 10, i % 50 === 49 ? "ünïcödé!" : `r${i}`]),
    },
    {
      name: "arrays: fixed and variable, numeric and bit, with null cells",
      fields: [
        { name: "v", datatype: "double", arraysize: "*" },
        { name: "f3", datatype: "float", arraysize: "3" },
        { name: "i2", datatype: "int", arraysize: "2x*" },
        { name: "bits", datatype: "bit", arraysize: "*" },
        { name: "b5", datatype: "bit", arraysize: "5" },
        { name: "l", datatype: "long", arraysize: "2" },
      ],
      reps: ["array", "array", "array", "array", "array", "array"],
      rows: Array.from({ length: 120 }, (_, i) =>
        i % 13 === 12
          ? [null, null, null, null, null, null]
          : [
              Float64Array.from({ length: i % 5 }, (_, k) => k * i),
              [i, -i, i / 3],
              Array.from({ length: 2 * (i % 3) }, (_, k) => k - i),
              Array.from({ length: i % 10 }, (_, k) => (k + i) % 3 === 0),
              [true, false, i % 2 === 0, true, false],
              [bigint(i), -bigint(i)],
            ],
      ),
    },
    {
      name: "timestamps as milliseconds beside Dates' years outside 1-9999 and in a fixed-width field",
      fields: [
        { name: "t", datatype: "char", arraysize: "*", xtype: "timestamp" },
        { name: "t10", datatype: "char", arraysize: "10*", xtype: "timestamp" },
      ],
      reps: [Float64Array, Float64Array],
      rows: [0, 1700000000123, null, -62135596800001, 253402300800000, 951782400000, -1, 86399999].map((t) => [t === null ? null : new Date(t), t === null ? null : new Date(t)]),
    },
    {
      name: "numbers in another type's typed array (checked cell by cell)",
      fields: [
        { name: "s", datatype: "short" },
        { name: "d", datatype: "double" },
        { name: "l", datatype: "long" },
        { name: "f", datatype: "float" },
      ],
      reps: [Int32Array, Int32Array, Float64Array, Int16Array],
      rows: Array.from({ length: 50 }, (_, i) => [i % 7 === 0 ? null : i * 100, i - 25, i % 5 === 0 ? null : i * 1e6, i]),
    },
  ];

  function toBatch(c: (typeof CASES)[number], from: number, to: number): ColumnBatch {
    const rows = c.rows.slice(from, to);
    return {
      rowCount: rows.length,
      columns: c.fields.map((f, k) => {
        const rep = c.reps[k]!;
        const cells = rows.map((r) => r[k]);
        const nulls = Uint8Array.from(cells, (v) => (v === null ? 1 : 0));
        if (f.xtype === "timestamp") return { values: Float64Array.from(cells, (v) => (v === null ? 0 : (v as Date).getTime())), nulls, timestamps: true };
        if (rep === "array") return { values: cells };
        if (rep === BigInt64Array) return { values: BigInt64Array.from(cells, (v) => (v === null ? 0n : (v as bigint))), nulls };
        return { values: (rep as Float64ArrayConstructor).from(cells, (v) => (v === null ? 0 : typeof v === "boolean" ? Number(v) : (v as number))), nulls };
      }),
    };
  }

  for (const c of CASES) {
    for (const format of c.formats ?? ALL_FORMATS) {
      it(`${format}: ${c.name}: batches give the bytes of the rows, whatever the cuts and the chunk size`, async function () {
        const n = c.rows.length;
        const cuts = [[0, n], [0, 1, n], [0, 7, 8, Math.floor(n / 2), n - 1, n]].map((cut) => [...new Set(cut)].sort((x, y) => x - y));
        for (const chunkSize of [undefined, 64, 301]) {
          const extra = chunkSize === undefined ? {} : { chunkSize };
          const a = await write(c.fields, c.rows, format, extra);
          for (const cut of cuts) {
            const items: RowOrBatch[] = [];
            for (let k = 0; k + 1 < cut.length; k++) items.push(toBatch(c, cut[k]!, cut[k + 1]!));
            const b = await write(c.fields, items, format, extra);
            expect(b.equals(a), `chunkSize ${chunkSize}, cuts ${cut.join(",")}`).to.equal(true);
          }
        }
      });
    }
  }

  it("a long column that is a view into a larger buffer (DuckDB's vectors are)", async function () {
    const fields: Field[] = [{ name: "l", datatype: "long" }, { name: "s", datatype: "char", arraysize: "*" }];
    const values = Array.from({ length: 40 }, (_, i) => bigint(i));
    const view = new BigInt64Array(new ArrayBuffer(8 * 45), 24, 40);
    view.set(values);
    for (const format of VOTABLE_FORMATS) {
      const rows: Row[] = values.map((v, i) => [v, String(i)]);
      const a = await write(fields, rows, format);
      const b = await write(fields, [{ rowCount: 40, columns: [{ values: view }, { values: rows.map((r) => r[1]) }] }], format);
      expect(b.equals(a)).to.equal(true);
    }
  });

  for (const format of VOTABLE_FORMATS) {
    it(`${format}: of two fields that fail, the error is the first failing row's first failing field's, as for rows`, async function () {
      const fields: Field[] = [{ name: "s", datatype: "short" }, { name: "i", datatype: "int" }, { name: "c", datatype: "char", arraysize: "*" }];
      for (const [badShort, badInt] of [[5, 3], [3, 3], [3, 5]] as const) {
        const rows: Row[] = Array.from({ length: 8 }, (_, i) => [i === badShort ? 40000 : i, i === badInt ? "x" : i, `r${i}`]);
        const messages: string[] = [];
        const outs: Buffer[] = [];
        for (const items of [rows, [toBatch({ name: "", fields, reps: [Int32Array, "array", "array"], rows }, 0, 8)]] as RowOrBatch[][]) {
          outs.push(await write(fields, items, format, { onError: (e) => void messages.push(String((e as Error).message)) }));
        }
        expect(messages[1]).to.equal(messages[0]);
        expect(messages[0]).to.match(new RegExp(`^row ${Math.min(badShort, badInt)}: field "${badShort <= badInt ? "s" : "i"}"`));
        expect(outs[1]!.equals(outs[0]!)).to.equal(true);
      }
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
