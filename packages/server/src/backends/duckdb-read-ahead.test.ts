/**
 * The DuckDB cursor asks for the next chunk while its consumer encodes the current one. A consumer that stops early
 * must find the connection quiet once close() resolves, whoever calls it first: the iterator's own finally (a `break`)
 * and the query's cleanup both do, and a connection closed while a statement still runs on it deadlocks DuckDB.
 */
import { expect } from "chai";
import { DuckDbBackend } from "./duckdb.js";

const QUERY = "SELECT i, i * 2 AS j FROM range(300000) AS t(i)";

describe("server DuckDB: the chunk read ahead", function () {
  let backend: DuckDbBackend;
  before(async () => {
    backend = await DuckDbBackend.open(":memory:");
  });
  after(async () => {
    await backend.close();
  });

  it("gives every row once, in order, over many chunks", async () => {
    const session = await backend.session();
    try {
      let next = 0n;
      let ordered = true;
      for await (const batch of await session.query(QUERY)) {
        const column = batch.columns[0]!.values as BigInt64Array;
        for (let r = 0; r < batch.rowCount; r++) ordered &&= column[r] === next++;
      }
      expect(ordered).to.equal(true);
      expect(next).to.equal(300000n);
    } finally {
      await session.release();
    }
  });

  const STOPS: readonly (readonly [what: string, stop: (cursor: AsyncIterable<unknown> & { close(): Promise<void> }) => Promise<void>])[] = [
    ["a break, then close()", async (cursor) => {
      for await (const batch of cursor) {
        void batch;
        break;
      }
      await cursor.close();
    }],
    ["close() while the iterator waits at its first batch, then a break", async (cursor) => {
      const iterator = cursor[Symbol.asyncIterator]();
      await iterator.next();
      await Promise.all([cursor.close(), iterator.return?.()]);
    }],
    ["two close() calls at once", async (cursor) => {
      const iterator = cursor[Symbol.asyncIterator]();
      await iterator.next();
      const [a, b] = [cursor.close(), cursor.close()];
      expect(a, "both wait for the one stop").to.equal(b);
      await Promise.all([a, b, iterator.return?.()]);
    }],
  ];
  for (const [what, stop] of STOPS) {
    it(`stops a stream left early (${what}); the next session's query runs whole`, async () => {
      for (let i = 0; i < 5; i++) {
        const session = await backend.session();
        await stop(await session.query(QUERY));
        await session.release();
      }
      const session = await backend.session();
      try {
        let rows = 0;
        for await (const batch of await session.query(QUERY)) rows += batch.rowCount;
        expect(rows).to.equal(300000);
      } finally {
        await session.release();
      }
    });
  }
});
