/**
 * The batches of an object-mode row stream (what the MariaDB and Qserv cursors read mysql2's rows with):
 * what has been read is gathered without a promise per row, nothing more than a batch is taken ahead of the
 * consumer, and errors are kept for the consumer whenever they happen.
 */
import { expect } from "chai";
import { Readable } from "node:stream";
import { batchRow, type ColumnBatch } from "@qserv-tap/votable";
import { batchOfRows, cursorRows, streamBatches, type CellKind } from "./backend.js";
import { cellKindOf } from "./mariadb.js";

const rowsOf = (batches: ColumnBatch[]) => batches.flatMap((b) => Array.from({ length: b.rowCount }, (_, i) => batchRow(b, i)));

async function collect(it: AsyncIterable<ColumnBatch>): Promise<ColumnBatch[]> {
  const out: ColumnBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe("server row streams as batches (backend.ts)", function () {
  it("batchOfRows turns rows into columns", function () {
    const b = batchOfRows([
      [1, "a", null],
      [2, "b", 3.5],
    ]);
    expect(b.rowCount).to.equal(2);
    expect(b.columns.map((c) => Array.from(c.values))).to.deep.equal([
      [1, 2],
      ["a", "b"],
      [null, 3.5],
    ]);
  });

  // A column's kind says what to try: numbers go into a typed array with a null mask (what the VOTable writers encode
  // without a per-cell buffer), and a column with a cell that does not fit stays as it came. Every case reads back the
  // same cells (batchRow) as the rows held.
  const kindCases: [name: string, kind: CellKind, cells: unknown[], typed: string | undefined][] = [
    ["doubles with a null", "float64", [1.5, null, -0, Number.NaN, 1e308], "Float64Array"],
    ["a double column with a string cell", "float64", [1.5, "2.5"], undefined],
    ["ints with a null", "int32", [1, null, -2147483648, 2147483647], "Int32Array"],
    ["an int column with a value out of range", "int32", [1, 2147483648], undefined],
    ["an int column with a fraction", "int32", [1, 2.5], undefined],
    ["bigints as numbers and digit strings (mysql2's supportBigNumbers)", "int64", [1, null, "9223372036854775807", "-9223372036854775808"], "BigInt64Array"],
    ["a bigint beyond 64 bits", "int64", ["9223372036854775808"], undefined],
    ["a bigint column with a decimal string", "int64", ["1.5"], undefined],
    ["anything", "any", [1, "a", null], undefined],
  ];
  for (const [name, kind, cells, typed] of kindCases) {
    it(`batchOfRows with kinds: ${name} → ${typed ?? "as it came"}`, function () {
      const b = batchOfRows(
        cells.map((v) => [v]),
        [kind],
      );
      const col = b.columns[0]!;
      expect(ArrayBuffer.isView(col.values) ? col.values.constructor.name : undefined).to.equal(typed);
      const back = Array.from({ length: b.rowCount }, (_, i) => batchRow(b, i)[0]);
      const expected = cells.map((v) => (typed === "BigInt64Array" && v !== null ? BigInt(v as number | string) : v));
      expect(back).to.deep.equal(expected);
    });
  }

  // MySQL client/server protocol §14.7.1 (Protocol::ColumnType) and the UNSIGNED column flag (32).
  const typeCases: [name: string, field: { columnType: number; flags: number }, kind: CellKind][] = [
    ["FLOAT", { columnType: 4, flags: 0 }, "float64"],
    ["DOUBLE", { columnType: 5, flags: 0 }, "float64"],
    ["TINYINT UNSIGNED", { columnType: 1, flags: 32 }, "int32"],
    ["SMALLINT", { columnType: 2, flags: 0 }, "int32"],
    ["MEDIUMINT", { columnType: 9, flags: 0 }, "int32"],
    ["INT", { columnType: 3, flags: 0 }, "int32"],
    ["INT UNSIGNED", { columnType: 3, flags: 32 }, "any"],
    ["BIGINT", { columnType: 8, flags: 0 }, "int64"],
    ["BIGINT UNSIGNED", { columnType: 8, flags: 32 }, "any"],
    ["DECIMAL", { columnType: 246, flags: 0 }, "any"],
    ["VARCHAR", { columnType: 253, flags: 0 }, "any"],
  ];
  for (const [name, field, kind] of typeCases) {
    it(`a MariaDB ${name} column is gathered as ${kind}`, function () {
      expect(cellKindOf(field)).to.equal(kind);
    });
  }

  const cases: [name: string, rows: number, max: number, highWaterMark: number][] = [
    ["no rows", 0, 10, 16],
    ["fewer rows than a batch", 7, 10, 16],
    ["many batches, the stream's buffer larger than a batch", 2500, 100, 1000],
    ["many batches, batches larger than the stream's buffer", 2500, 1000, 16],
  ];
  for (const [name, n, max, highWaterMark] of cases) {
    it(`gives every row once, in order, in batches of at most ${max}: ${name}`, async function () {
      const rows = Array.from({ length: n }, (_, i) => [i, `r${i}`]);
      const stream = Readable.from(rows, { objectMode: true, highWaterMark });
      const batches = await collect(streamBatches(stream, max));
      expect(batches.every((b) => b.rowCount > 0 && b.rowCount <= max)).to.equal(true);
      expect(rowsOf(batches)).to.deep.equal(rows);
    });
  }

  it("reads no further ahead than the stream's own buffer while the consumer waits (backpressure)", async function () {
    let produced = 0;
    const stream = new Readable({
      objectMode: true,
      highWaterMark: 50,
      read() {
        if (produced >= 10_000) this.push(null);
        else this.push([produced++]);
      },
    });
    const it = streamBatches(stream, 100)[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).to.equal(false);
    await new Promise((resolve) => setImmediate(resolve));
    // The batch taken, plus what the stream buffers (its highWaterMark) and one push.
    expect(produced).to.be.at.most(100 + 50 + 1);
    await it.return?.();
    stream.destroy();
  });

  it("keeps an error that happens before the first batch is asked for, and throws it then", async function () {
    const stream = new Readable({ objectMode: true, read() {} });
    const batches = streamBatches(stream);
    stream.destroy(new Error("the connection was lost"));
    await new Promise((resolve) => setImmediate(resolve));
    let failure: unknown;
    await collect(batches).catch((e: unknown) => (failure = e));
    expect((failure as Error)?.message).to.equal("the connection was lost");
  });

  it("throws an error that ends the rows midway, after rows that came before it, in order", async function () {
    let i = 0;
    const stream = new Readable({
      objectMode: true,
      read() {
        if (i < 30) this.push([i++]);
        else this.destroy(new Error("killed"));
      },
    });
    const seen: unknown[][] = [];
    let failure: unknown;
    try {
      for await (const row of cursorRows(streamBatches(stream, 8))) seen.push(row);
    } catch (e) {
      failure = e;
    }
    expect((failure as Error)?.message).to.equal("killed");
    // Rows still in the stream's buffer when it was destroyed are dropped, as its own async iterator drops them:
    // the result ends with the error either way.
    expect(seen.length).to.be.within(1, 30);
    expect(seen).to.deep.equal(Array.from({ length: seen.length }, (_, k) => [k]));
  });

  it("ends when the stream is destroyed without an error", async function () {
    const stream = new Readable({ objectMode: true, read() {} });
    stream.push([1]);
    const batches = streamBatches(stream);
    const it = batches[Symbol.asyncIterator]();
    expect((await it.next()).value.rowCount).to.equal(1);
    setImmediate(() => stream.destroy());
    expect((await it.next()).done).to.equal(true);
  });
});
