/**
 * An encoding thread of a TextEncodingPool (pool.ts): it keeps one encoder per open table and answers each batch with
 * the batch's bytes, transferred, or with the bytes of the rows before the first that cannot be encoded and that
 * row's error. Messages are handled in the order they come, so a table's batches are answered in order.
 */
import { parentPort } from "node:worker_threads";
import type { ColumnBatch } from "../batch.js";
import { VOTableError } from "../errors.js";
import { DelimitedEncoder } from "./csv.js";
import type { PoolAnswer, PoolReady, PoolRequest, RowTextEncoder } from "./pool.js";
import { ByteSink } from "./sink.js";
import { TableDataEncoder } from "./tabledata.js";

const port = parentPort!;
const encoders = new Map<number, RowTextEncoder>();
// One sink for every batch: it grows to the largest batch's bytes, and each answer takes a copy of its part.
const sink = new ByteSink(256 * 1024);

port.on("message", (m: PoolRequest) => {
  switch (m.op) {
    case "open":
      encoders.set(m.table, m.format === "tabledata" ? new TableDataEncoder(m.fields) : new DelimitedEncoder(m.fields, m.format));
      return;
    case "close":
      encoders.delete(m.table);
      return;
    case "encode":
      port.postMessage(...answer(m.job, encoders.get(m.table), m.batch));
      return;
  }
});

port.postMessage({ ready: true } satisfies PoolReady);

function answer(job: number, encoder: RowTextEncoder | undefined, batch: ColumnBatch): [PoolAnswer, ArrayBuffer[]] {
  sink.len = 0;
  let rows = 0;
  let error: PoolAnswer["error"];
  try {
    if (encoder === undefined) throw new Error(`no table is open for job ${job}`);
    const encode = encoder.batchRange(batch);
    while (rows < batch.rowCount) rows = encode(rows, sink, Infinity);
  } catch (err) {
    error =
      err instanceof VOTableError
        ? { code: err.code, message: err.message, ...(err.field !== undefined ? { field: err.field } : {}) }
        : { message: err instanceof Error ? err.message : String(err) };
  }
  const bytes = sink.buf.slice(0, sink.len);
  return [{ job, rows, bytes, ...(error !== undefined ? { error } : {}) }, [bytes.buffer]];
}
