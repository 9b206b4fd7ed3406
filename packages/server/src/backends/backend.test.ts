/**
 * The batches of an object-mode row stream (what the MariaDB and Qserv cursors read mysql2's rows with):
 * what has been read is gathered without a promise per row, nothing more than a batch is taken ahead of the
 * consumer, and errors are kept for the consumer whenever they happen.
 */
import { expect } from "chai";
import { Readable } from "node:stream";
import { batchRow, type ColumnBatch } from "@qserv-tap/votable";
import { batchOfRows, cursorRows, streamBatches } from "./backend.js";

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
