/**
 * The stream layer: wraps the pure row encoders in a Node Readable that pulls rows only when its consumer wants
 * bytes. Rows are encoded into a batch; a batch of about `chunkSize` bytes is pushed; when push() says the
 * consumer's buffer is full the pump stops, and `_read()` restarts it. So at most about one chunk of rows is held
 * (or one column batch of the source, when it gives batches), whatever the number of rows, and a consumer that goes
 * away (destroy) stops the row source.
 */
import { Readable } from "node:stream";
import type { BatchRangeEncoder, ColumnBatch, RowOrBatch } from "./batch.js";
import { batchRow, isColumnBatch } from "./batch.js";
import type { Column } from "./column.js";
import { compileColumns } from "./column.js";
import { BinaryEncoder } from "./encode/binary.js";
import { DelimitedEncoder } from "./encode/csv.js";
import type { DocumentOptions, Serialization, Trailer } from "./encode/document.js";
import { documentHead, documentTail } from "./encode/document.js";
import { checkMetaResources } from "./encode/meta.js";
import { ByteSink } from "./encode/sink.js";
import { TableDataEncoder } from "./encode/tabledata.js";
import { VOTableError } from "./errors.js";
import type { OutputFormat } from "./formats.js";
import { findFormat } from "./formats.js";
import { ParquetStream, type ParquetWriteOptions } from "./parquet.js";
import type { EncodedBatch, PoolTable, TextEncodingPool } from "./encode/pool.js";
import type { Field, Row } from "./model.js";

export type { OutputFormat } from "./formats.js";
export { contentType, parseResponseFormat } from "./formats.js";

/**
 * Rows may come from an async iterable (an async generator, a database cursor), a plain iterable, or a Readable in
 * object mode. Each item is a row or a ColumnBatch of rows (batch.ts); the two may be mixed.
 */
export type RowSource = AsyncIterable<RowOrBatch> | Iterable<RowOrBatch> | Readable;

export interface WriteOptions extends DocumentOptions, ParquetWriteOptions {
  format: OutputFormat;
  /**
   * Called once, after the last row and before the document is closed; what it returns is written after the TABLE.
   * This is where a TAP service reports an overflow it only discovered at the end: `end: () => ({ status: "OVERFLOW" })`.
   * A generator used as the row source may instead `return` the Trailer when it is done; if both say something,
   * `end()` wins for the status and the INFOs of both are written. Ignored for CSV and TSV, which cannot express it
   * (DALI 1.2 §5.4.1).
   */
  end?: () => Trailer | undefined | void | Promise<Trailer | undefined | void>;
  /**
   * Called when the row source throws or a value cannot be encoded. For VOTable formats the rows written so far are
   * kept and the document ends with a trailing QUERY_STATUS=ERROR INFO (DALI 1.2 §5.4.2) whose content is what this
   * returns (by default the error's message); the stream then ends normally, as the HTTP status is long gone.
   * CSV and TSV have no way to say this, so their stream is destroyed with the error.
   */
  onError?: (err: unknown) => string | undefined | void;
  /** Bytes per pushed chunk (default 64 KiB). */
  chunkSize?: number;
  /** CSV and TSV: write the header line with the field names (default true). */
  header?: boolean;
  /** Aborting destroys the stream, which stops the row source. */
  signal?: AbortSignal;
  /**
   * TABLEDATA, CSV and TSV: column batches are encoded in these threads (encode/pool.ts) and their bytes pushed in
   * order, the same bytes as without them, each batch's as one chunk (not cut at chunkSize). Rows given one by one,
   * small batches and the other formats are encoded here as before.
   */
  pool?: TextEncodingPool;
}

export function isTrailer(x: unknown): x is Trailer {
  return typeof x === "object" && x !== null && ("status" in x || "infos" in x || "message" in x);
}

/** How long encoded rows may wait for a slow source before they are pushed anyway. */
const FLUSH_MS = 50;

type Pull = () => IteratorResult<RowOrBatch> | Promise<IteratorResult<RowOrBatch>>;

export interface Source {
  pull: Pull;
  /** Releases the source early (consumer gone, or error). */
  close(): void;
}

const DONE: IteratorResult<RowOrBatch> = { done: true, value: undefined };

function isReadable(x: unknown): x is Readable {
  return x instanceof Readable;
}

export function openSource(rows: RowSource): Source {
  if (isReadable(rows)) return readableSource(rows);
  if (rows !== null && typeof rows === "object" && Symbol.asyncIterator in rows) {
    const it = (rows as AsyncIterable<RowOrBatch>)[Symbol.asyncIterator]();
    return {
      pull: () => it.next(),
      close: () => void it.return?.()?.catch?.(() => undefined),
    };
  }
  if (rows !== null && typeof rows === "object" && Symbol.iterator in rows) {
    const it = (rows as Iterable<RowOrBatch>)[Symbol.iterator]();
    return { pull: () => it.next(), close: () => void it.return?.() };
  }
  throw new VOTableError("VOTABLE_INVALID_OPTION", "rows must be an iterable, an async iterable or a Readable");
}

/** A source of rows only: the rows of its batches are taken out one by one (for the writers that take rows). */
export function rowsOf(source: Source): Source {
  let batch: ColumnBatch | undefined;
  let next = 0;
  const take = (r: IteratorResult<RowOrBatch>): IteratorResult<RowOrBatch> | Promise<IteratorResult<RowOrBatch>> => {
    if (r.done || !isColumnBatch(r.value)) return r;
    batch = r.value;
    next = 0;
    return pull();
  };
  const pull: Pull = () => {
    if (batch !== undefined) {
      if (next < batch.rowCount) return { done: false, value: batchRow(batch, next++) };
      batch = undefined;
    }
    const p = source.pull();
    return p instanceof Promise ? p.then(take) : take(p);
  };
  return { pull, close: () => source.close() };
}

/**
 * Reads an object-mode Readable with read(), without an async iterator: rows already buffered by the source cost
 * no promise each.
 */
function readableSource(src: Readable): Source {
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const onEnd = (): void => {
    ended = true;
    wake?.();
  };
  const onError = (err: unknown): void => {
    failure = err;
    wake?.();
  };
  const onClose = (): void => {
    if (!ended && failure === undefined) failure = new VOTableError("VOTABLE_INPUT", "row source closed before its end");
    wake?.();
  };
  src.on("end", onEnd);
  src.on("error", onError);
  src.on("close", onClose);
  src.on("readable", () => wake?.());
  const pull: Pull = () => {
    if (failure !== undefined) return Promise.reject(failure);
    const v: unknown = src.read();
    if (v !== null) return { done: false, value: v as RowOrBatch };
    if (ended || src.readableEnded) return DONE;
    return new Promise<void>((resolve) => {
      wake = () => {
        wake = undefined;
        resolve();
      };
    }).then(pull);
  };
  return {
    pull,
    close: () => {
      if (!src.destroyed) src.destroy();
    },
  };
}

/** Encodes rows into the next chunk to push: UTF-8 bytes for the text formats, base64 of the bytes for the binary ones. */
interface Batcher {
  /** Adds a row; throws (leaving the batch as before the row) if it cannot be encoded. */
  add(row: Row): void;
  /**
   * Prepares a column batch: the function adds its rows from i on, up to the one that fills a chunk (size() reaches
   * chunkSize) or to the batch's end, and returns the index after the last (see BatchRangeEncoder).
   */
  rows(batch: ColumnBatch): (i: number) => number;
  /** Bytes of output waiting. */
  size(): number;
  /** Takes what can be pushed now (`final`: everything). */
  take(final: boolean): Buffer | undefined;
}

interface RowEncoder {
  encodeRowTo(row: Row, sink: ByteSink): void;
  batchRange(batch: ColumnBatch): BatchRangeEncoder;
}

/**
 * A batch's first capacity: it grows (doubling) to a chunk's size when the rows need it. A cone's whole document is a
 * few KB, and a sink of chunkSize + 4 KB from the start was 68 KB zeroed per response.
 */
const FIRST_CAPACITY = 8 * 1024;

function byteBatcher(encoder: RowEncoder, chunkSize: number): Batcher {
  const sink = new ByteSink(Math.min(FIRST_CAPACITY, chunkSize + 4096));
  return {
    add(row) {
      encoder.encodeRowTo(row, sink);
    },
    rows(batch) {
      const encode = encoder.batchRange(batch);
      return (i) => encode(i, sink, chunkSize);
    },
    size: () => sink.len,
    take() {
      if (sink.len === 0) return undefined;
      const out = sink.take(); // a copy: the consumer keeps the chunk while the sink is reused
      return Buffer.from(out.buffer, out.byteOffset, out.length);
    },
  };
}

function base64Batcher(encoder: BinaryEncoder, chunkSize: number): Batcher {
  // 3 bytes of input make 4 base64 characters, so a batch of chunkSize characters is about 3/4 chunkSize bytes.
  const sink = new ByteSink(Math.min(FIRST_CAPACITY, chunkSize + 4096));
  return {
    add(row) {
      encoder.encodeRowTo(row, sink);
    },
    rows(batch) {
      const encode = encoder.batchRange(batch);
      // The fewest bytes whose base64 is chunkSize characters or more (size() below).
      const limit = Math.floor((3 * chunkSize - 3) / 4) + 1;
      return (i) => encode(i, sink, limit);
    },
    size: () => Math.ceil((sink.len * 4) / 3),
    take(final) {
      // Only whole groups of 3 bytes, so that no '=' padding appears in mid-stream (RFC 2045 §6.8).
      const n = final ? sink.len : sink.len - (sink.len % 3);
      if (n === 0) return undefined;
      const b64 = Buffer.from(sink.buf.buffer, sink.buf.byteOffset, n).toString("base64");
      sink.buf.copyWithin(0, n, sink.len);
      sink.len -= n;
      // Written into its buffer with the newline after it, rather than concatenated as strings first.
      const out = Buffer.allocUnsafe(b64.length + 1);
      out.write(b64, 0, "latin1");
      out[b64.length] = 0x0a;
      return out;
    },
  };
}

/**
 * A part of the output in its place: bytes from a thread (or from this one, queued behind them), then possibly the
 * error that ends the rows at `row`.
 */
interface Slot {
  settled: boolean;
  bytes: Buffer | undefined;
  error: unknown;
  /** The index of the failing row, when there is an error. */
  row: number;
}

export class TableStream extends Readable {
  /** Rows written so far (with a pool: sent to its threads; set back to the failing row's index if one fails). */
  rowCount = 0;
  /** The error that ended the rows early, if any. */
  failure: unknown = undefined;

  private readonly source: Source;
  private readonly batch: Batcher;
  private readonly serialization: Serialization | undefined;
  private readonly options: WriteOptions;
  private readonly chunkSize: number;
  private head: string | undefined;
  private pumping = false;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  /** The pool's handle on this table, when batches are encoded in threads. */
  private readonly table: PoolTable | undefined;
  /** Output not yet pushed because output before it is still being encoded in a thread, in order. */
  private readonly pending: Slot[] = [];
  /** A push of pending output was refused: the pump stops at the end of the item it is on. */
  private backedUp = false;
  /** The document's end has been pushed (or the stream destroyed). */
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(columns: readonly Column[], rows: RowSource, options: WriteOptions) {
    const chunkSize = options.chunkSize ?? 64 * 1024;
    super({ highWaterMark: chunkSize, signal: options.signal });
    this.options = options;
    this.chunkSize = chunkSize;
    const described = findFormat(options.format);
    this.serialization = described?.serialization;
    if (described?.writer === "delimited") {
      const enc = new DelimitedEncoder(columns, options.format as "csv" | "tsv");
      this.batch = byteBatcher(enc, chunkSize);
      this.table = options.pool?.openTable(columns, enc.format);
      if (options.header !== false) this.head = enc.header();
    } else if (this.serialization === "TABLEDATA") {
      this.batch = byteBatcher(new TableDataEncoder(columns), chunkSize);
      this.table = options.pool?.openTable(columns, "tabledata");
    } else if (this.serialization === "BINARY" || this.serialization === "BINARY2") {
      this.batch = base64Batcher(new BinaryEncoder(columns, { nullFlags: this.serialization === "BINARY2" }), chunkSize);
    } else {
      throw new VOTableError("VOTABLE_INVALID_OPTION", `unknown format "${String(options.format)}"`);
    }
    if (this.serialization) {
      this.head = documentHead(columns, this.serialization, options);
      if (options.metaResources !== undefined && options.metaResources.length > 0) {
        const ids = new Set<string>();
        for (const c of columns) if (c.field.ID !== undefined) ids.add(c.field.ID);
        const r = options.resource;
        if (r?.ID !== undefined) ids.add(r.ID);
        if (options.table?.ID !== undefined) ids.add(options.table.ID);
        for (const info of options.infos ?? []) if (info.ID !== undefined) ids.add(info.ID);
        checkMetaResources(options.metaResources, ids);
      }
    }
    this.source = openSource(rows);
  }

  override _read(): void {
    this.backedUp = false;
    if (this.pumping || this.finished) return;
    this.pumping = true;
    this.pump().catch((err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))));
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.stopSource();
    this.pending.length = 0;
    this.release();
    cb(err);
  }

  /** No more rows are wanted: the source is released, once. */
  private stopSource(): void {
    if (this.finished) return;
    this.finished = true;
    this.source.close();
  }

  /** The end: the threads forget the table, and a pump waiting for them returns. */
  private release(): void {
    this.ended = true;
    this.table?.close();
    this.wake?.();
  }

  private async pump(): Promise<void> {
    if (this.head !== undefined) {
      const head = this.head;
      this.head = undefined;
      if (!this.push(head)) {
        this.pumping = false;
        return;
      }
    }
    const { source, batch, chunkSize } = this;
    for (;;) {
      if (this.destroyed) return;
      let full = false;
      let r: IteratorResult<RowOrBatch>;
      try {
        const p: IteratorResult<RowOrBatch> | Promise<IteratorResult<RowOrBatch>> = source.pull();
        if (p instanceof Promise) {
          // The source may block: a timer pushes what is waiting, so that slow queries still stream.
          if (this.timer === undefined && batch.size() > 0) this.armTimer();
          r = await p;
        } else r = p;
        // A batch's error from a thread may have ended the document while the source was awaited.
        if (this.destroyed || this.finished) return;
        if (r.done) {
          if (this.pending.length > 0 && !(await this.pendingAtMost(0))) return;
          await this.finish(r.value as unknown);
          return;
        }
        const item = r.value;
        const job = this.table !== undefined && isColumnBatch(item) ? this.table.encode(item) : undefined;
        if (job !== undefined) {
          // Rows waiting here go before the batch's; rows are counted as sent, and put right if one fails.
          if (batch.size() > 0) this.flush(true);
          this.enqueue(job, this.rowCount);
          this.rowCount += (item as ColumnBatch).rowCount;
          const most = this.table!.inFlight - 1;
          if (this.pending.length > most && !(await this.pendingAtMost(most))) return;
        } else if (isColumnBatch(item)) {
          // A chunk's rows at a time, so that the chunks end where they would if the same rows came one by one (the
          // same bytes: base64 breaks its lines at chunk ends), and an error names its row. A full consumer stops
          // the pump only at the end of the batch, which is already in memory.
          const add = batch.rows(item);
          const n = item.rowCount;
          for (let i = 0; i < n; ) {
            const next = add(i);
            this.rowCount += next - i;
            i = next;
            if (batch.size() >= chunkSize && !this.flush(false)) full = true;
          }
        } else {
          batch.add(item);
          this.rowCount++;
          if (batch.size() >= chunkSize && !this.flush(false)) full = true;
        }
      } catch (err) {
        if (this.destroyed) return;
        this.fail(err);
        return;
      }
      if (this.backedUp) {
        this.backedUp = false;
        full = true;
      }
      if (full) {
        this.pumping = false;
        return;
      }
    }
  }

  /** Rows waiting in the batch for more than FLUSH_MS go out even if the batch is not full. */
  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.finished && !this.destroyed && this.batch.size() > 0) this.flush(false);
    }, FLUSH_MS);
    this.timer.unref();
  }

  private flush(final: boolean): boolean {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const b = this.batch.take(final);
    if (b === undefined) return true;
    if (this.pending.length === 0) return this.push(b);
    this.pending.push({ settled: true, bytes: b, error: undefined, row: 0 });
    return true;
  }

  /** Queues a thread's answer in its place. */
  private enqueue(job: Promise<EncodedBatch>, firstRow: number): void {
    const slot: Slot = { settled: false, bytes: undefined, error: undefined, row: firstRow };
    this.pending.push(slot);
    job.then(
      (b) => {
        slot.bytes = b.bytes;
        if (b.error !== undefined) {
          slot.error = b.error;
          slot.row = firstRow + b.rows;
        }
      },
      (err: unknown) => {
        slot.error = err;
      },
    ).finally(() => {
      slot.settled = true;
      try {
        this.drain();
      } catch (err) {
        this.destroy(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Pushes the output that is ready, in order, up to the first still in a thread; an error there ends the rows. */
  private drain(): void {
    const pending = this.pending;
    while (pending.length > 0 && pending[0]!.settled && !this.ended) {
      const slot = pending.shift()!;
      if (slot.bytes !== undefined && slot.bytes.length > 0 && !this.push(slot.bytes)) this.backedUp = true;
      if (slot.error !== undefined) {
        pending.length = 0;
        this.rowCount = slot.row;
        this.failNow(slot.error);
      }
    }
    this.wake?.();
  }

  /**
   * Waits, woken by each answer that drain() pushes, until no more than `most` slots are pending; false if the stream
   * ended meanwhile.
   */
  private async pendingAtMost(most: number): Promise<boolean> {
    while (this.pending.length > most && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    return !this.ended;
  }

  /** `returned` is what the row source returned at its end: a generator may return the Trailer itself. */
  private async finish(returned: unknown): Promise<void> {
    this.finished = true;
    this.flush(true);
    if (this.serialization) {
      let trailer: Trailer = isTrailer(returned) ? returned : {};
      try {
        const fromEnd = await this.options.end?.();
        if (fromEnd) trailer = { ...trailer, ...fromEnd, infos: [...(trailer.infos ?? []), ...(fromEnd.infos ?? [])] };
      } catch (err) {
        trailer = { status: "ERROR", message: this.errorMessage(err) };
        this.failure = err;
      }
      if (this.destroyed) return;
      this.push(documentTail(this.serialization, trailer, this.options.metaResources));
    }
    this.push(null);
    this.release();
  }

  private errorMessage(err: unknown): string {
    return errorMessageOf(err, this.options.onError);
  }

  /** Ends the rows with an error, after the output still in threads, which comes before it. */
  private fail(err: unknown): void {
    if (this.pending.length === 0) return this.failNow(err);
    this.stopSource();
    this.pending.push({ settled: true, bytes: undefined, error: err, row: this.rowCount });
    this.drain();
  }

  private failNow(err0: unknown): void {
    const err =
      err0 instanceof VOTableError && err0.row === undefined
        ? new VOTableError(err0.code, `row ${this.rowCount}: ${err0.message}`, {
            field: err0.field,
            row: this.rowCount,
            cause: err0,
          })
        : err0;
    this.failure = err;
    this.stopSource();
    if (!this.serialization) {
      this.options.onError?.(err);
      this.destroy(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const message = this.errorMessage(err);
    this.flush(true);
    this.push(documentTail(this.serialization, { status: "ERROR", message }, this.options.metaResources));
    this.push(null);
    this.release();
  }
}

/**
 * Streams a table in one of the formats. Metadata problems throw here, synchronously; problems with rows are
 * reported as described for `onError`.
 */
export function writeTable(fields: readonly Field[], rows: RowSource, options: WriteOptions & { format: "parquet" }): ParquetStream;
export function writeTable(fields: readonly Field[], rows: RowSource, options: WriteOptions & { format: Exclude<OutputFormat, "parquet"> }): TableStream;
export function writeTable(fields: readonly Field[], rows: RowSource, options: WriteOptions): TableStream | ParquetStream;
export function writeTable(fields: readonly Field[], rows: RowSource, options: WriteOptions): TableStream | ParquetStream {
  const writer = options ? findFormat(options.format)?.writer : undefined;
  if (writer === "parquet") return new ParquetStream(fields, rows, options);
  if (writer === undefined) {
    throw new VOTableError("VOTABLE_INVALID_OPTION", `unknown format "${String(options?.format)}"`);
  }
  if (options.chunkSize !== undefined && !(Number.isSafeInteger(options.chunkSize) && options.chunkSize >= 64)) {
    throw new VOTableError("VOTABLE_INVALID_OPTION", "chunkSize must be an integer of at least 64");
  }
  return new TableStream(compileColumns(fields), rows, options);
}

/** Collects a whole stream: for small tables, tests, and error paths. */
export async function streamToBuffer(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(parts);
}

/** The message of the trailing ERROR INFO: what `onError` says (a throwing hook counts as silent), else the error's. */
export function errorMessageOf(err: unknown, onError: WriteOptions["onError"]): string {
  let msg: string | undefined | void;
  try {
    msg = onError?.(err);
  } catch {
    msg = undefined;
  }
  if (typeof msg === "string") return msg;
  return err instanceof Error ? err.message : String(err);
}
