/**
 * Threads that encode column batches as text (TABLEDATA, CSV, TSV) for the streams in the calling thread. Text costs
 * three to five times what BINARY2 costs per row, nearly all of it in writing numbers as decimal digits (docs/
 * performance.md), so a service that writes text in its event loop serves everything else more slowly meanwhile, and
 * a download on two cores uses one. A stream sends its batches here and pushes the bytes that come back in order.
 *
 * A batch's columns are copied to the thread (typed arrays cut to the batch's rows and transferred) and its bytes are
 * transferred back. Batches too small to gain from the round trip, and any that cannot be copied, are left to the
 * caller to encode in its own thread.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { BatchColumn, BatchRangeEncoder, ColumnBatch } from "../batch.js";
import { checkBatch } from "../batch.js";
import type { Column } from "../column.js";
import type { VOTableErrorCode } from "../errors.js";
import { VOTableError } from "../errors.js";
import type { Field } from "../model.js";

export type TextFormat = "tabledata" | "csv" | "tsv";

/** What the threads' encoders have in common (TableDataEncoder, DelimitedEncoder). */
export interface RowTextEncoder {
  batchRange(batch: ColumnBatch): BatchRangeEncoder;
}

/** The messages to a thread. */
export type PoolRequest =
  | { op: "open"; table: number; fields: readonly Field[]; format: TextFormat }
  | { op: "close"; table: number }
  | { op: "encode"; job: number; table: number; batch: ColumnBatch };

/** A thread's answer to "encode": the bytes of `rows` rows and, if a row could not be encoded, the error of the next. */
export interface PoolAnswer {
  job: number;
  rows: number;
  bytes: Uint8Array;
  error?: { code?: VOTableErrorCode; message: string; field?: string };
}

/** What a thread says once its module has loaded. */
export interface PoolReady {
  ready: true;
}

/** An encoded batch: the bytes of its first `rows` rows, and the error of the row after them if that one failed. */
export interface EncodedBatch {
  bytes: Buffer;
  rows: number;
  error?: Error;
}

export interface TextEncodingPoolOptions {
  /** Threads (default: the machine's available parallelism, at most 4). */
  threads?: number;
  /** Batches of fewer rows are left to the caller's thread, where they cost less than a round trip (default 256). */
  minRows?: number;
}

interface Job {
  resolve: (b: EncodedBatch) => void;
  reject: (err: Error) => void;
}

/** One thread, its jobs waiting for an answer, and the tables whose fields it has. */
interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
  tables: Set<number>;
  /** Settles when the thread has loaded its encoders, or has stopped before. */
  ready: Promise<void>;
}

const FROM_SOURCE = import.meta.url.endsWith(".ts");
const YOUNG_GENERATION_MB = 2;
const WORKER_URL = new URL(FROM_SOURCE ? "./pool-worker.ts" : "./pool-worker.js", import.meta.url);

/** tsx's ESM API (its "tsx/esm/api" export for import), from the tsx that this package resolves. */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("tsx/package.json");
  const exports = (require(manifest) as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(join(dirname(manifest), exports["./esm/api"]!.import.default)).href;
}

/**
 * Run from the TypeScript sources (tests, `--conditions=qserv-tap-source`), a thread needs the loader that the process has: tsx
 * registers its hooks in the main thread only, so the thread registers them itself before it loads the worker.
 */
function startWorker(): Worker {
  // What a thread allocates lives for one batch: a small young generation is enough, and V8's default (a share of the
  // machine's memory) let each thread's RSS grow by tens of MB over a long download (the package README, "Text in threads").
  const opts = { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { ...opts, execArgv: threadExecArgv(process.execArgv) });
  const boot = `import(${JSON.stringify(tsxApi())}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { eval: true, ...opts });
}

/**
 * The process's options for a thread that runs a file, without --input-type: a thread inherits them, and Node refuses
 * that one there ("--input-type can only be used with string input"), so a pool could not start in a script run as
 * `node --input-type=module -e ...`.
 */
export function threadExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const option = argv[i]!;
    if (option === "--input-type") i++; // its value is the next argument
    else if (!option.startsWith("--input-type=")) out.push(option);
  }
  return out;
}

export class TextEncodingPool {
  readonly threads: number;
  readonly minRows: number;
  /** Batches that the threads have encoded (for metrics and tests). */
  batches = 0;
  private readonly live: (Thread | undefined)[];
  private nextJob = 1;
  private nextTable = 1;
  private closed = false;

  constructor(options: TextEncodingPoolOptions = {}) {
    const threads = options.threads ?? Math.min(4, availableParallelism());
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 64) {
      throw new VOTableError("VOTABLE_INVALID_OPTION", `threads must be an integer from 1 to 64, not ${String(threads)}`);
    }
    const minRows = options.minRows ?? 256;
    if (!Number.isSafeInteger(minRows) || minRows < 1) {
      throw new VOTableError("VOTABLE_INVALID_OPTION", `minRows must be a positive integer, not ${String(minRows)}`);
    }
    this.threads = threads;
    this.minRows = minRows;
    this.live = new Array<Thread | undefined>(threads).fill(undefined);
  }

  /** Starts every thread now rather than at its first batch; rejects if one cannot start. */
  async start(): Promise<void> {
    await Promise.all(this.live.map((t, i) => (t ?? this.spawn(i)).ready));
  }

  /** Batches that a stream should keep in flight: enough that no thread waits between two. */
  get inFlight(): number {
    return 2 * this.threads;
  }

  /** A table whose batches the threads will encode: its fields go to a thread once, before its first batch there. */
  openTable(columns: readonly Column[], format: TextFormat): PoolTable {
    return new PoolTable(this, this.nextTable++, columns.map((c) => c.field), format);
  }

  /** Stops the threads; batches not yet answered fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.live.map((t) => t?.worker.terminate()));
  }

  /** @internal The thread with the fewest jobs, started if it has not been (or has stopped). */
  encode(table: PoolTable, batch: ColumnBatch): Promise<EncodedBatch> | undefined {
    if (this.closed || batch.rowCount < this.minRows) return undefined;
    let sent: ColumnBatch;
    const transfer: ArrayBuffer[] = [];
    try {
      checkBatch(batch, table.fields.length);
      sent = { rowCount: batch.rowCount, columns: batch.columns.map((c) => exactColumn(c, batch.rowCount, transfer)) };
    } catch {
      return undefined; // the caller's encoder reports what is wrong with it, as it would without threads
    }
    const t = this.pick();
    const job = this.nextJob++;
    try {
      if (!t.tables.has(table.id)) {
        t.worker.postMessage({ op: "open", table: table.id, fields: table.fields, format: table.format } satisfies PoolRequest);
        t.tables.add(table.id);
      }
      t.worker.postMessage({ op: "encode", job, table: table.id, batch: sent } satisfies PoolRequest, transfer);
    } catch {
      // A value that structured cloning refuses (a function, a symbol; every CellValue is cloned as it is): the
      // caller's thread encodes the batch, and reports the value as it would without threads.
      return undefined;
    }
    if (t.jobs.size === 0) t.worker.ref();
    return new Promise<EncodedBatch>((resolve, reject) => t.jobs.set(job, { resolve, reject }));
  }

  /** @internal */
  closeTable(table: PoolTable): void {
    for (const t of this.live) {
      if (t?.tables.delete(table.id) === true) t.worker.postMessage({ op: "close", table: table.id } satisfies PoolRequest);
    }
  }

  /** Batches sent and not yet answered. */
  get queued(): number {
    let n = 0;
    for (const t of this.live) n += t?.jobs.size ?? 0;
    return n;
  }

  /** Tables whose fields some thread holds: each stream's until it ends. */
  get tables(): number {
    const ids = new Set<number>();
    for (const t of this.live) for (const id of t?.tables ?? []) ids.add(id);
    return ids.size;
  }

  /** @internal For tests: the threads that have started. */
  workers(): Worker[] {
    return this.live.flatMap((t) => (t === undefined ? [] : [t.worker]));
  }

  private pick(): Thread {
    let best: Thread | undefined;
    let free = -1;
    for (let i = 0; i < this.live.length; i++) {
      const t = this.live[i];
      if (t === undefined) {
        if (free < 0) free = i;
      } else if (best === undefined || t.jobs.size < best.jobs.size) best = t;
    }
    // A thread not yet started is started when every started one has work.
    if (free >= 0 && (best === undefined || best.jobs.size > 0)) return this.spawn(free);
    return best!;
  }

  private spawn(slot: number): Thread {
    const worker = startWorker();
    worker.unref(); // an idle thread keeps no process alive; one with jobs is ref'd until they are answered
    let loaded!: () => void;
    let failed!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });
    ready.catch(() => undefined); // reported to whoever awaits start(); a thread started by a batch fails the batch
    const t: Thread = { worker, jobs: new Map(), tables: new Set(), ready };
    this.live[slot] = t;
    worker.on("message", (a: PoolAnswer | PoolReady) => {
      if ("ready" in a) return loaded();
      const job = t.jobs.get(a.job);
      if (job === undefined) return;
      t.jobs.delete(a.job);
      if (t.jobs.size === 0) worker.unref();
      this.batches++;
      const bytes = Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
      const error = a.error === undefined ? undefined : a.error.code !== undefined ? new VOTableError(a.error.code, a.error.message, a.error.field !== undefined ? { field: a.error.field } : {}) : new Error(a.error.message);
      job.resolve({ bytes, rows: a.rows, ...(error !== undefined ? { error } : {}) });
    });
    const stopped = (why: string): void => {
      if (this.live[slot] === t) this.live[slot] = undefined;
      const err = new VOTableError("VOTABLE_ENCODING_THREAD", why);
      failed(err);
      for (const job of t.jobs.values()) job.reject(err);
      t.jobs.clear();
    };
    worker.on("error", (err) => stopped(`the encoding thread failed: ${err.message}`));
    worker.on("exit", (code) => stopped(this.closed ? "the encoding threads were closed" : `the encoding thread stopped (exit code ${code})`));
    return t;
  }
}

/** A stream's table in a pool. */
export class PoolTable {
  constructor(
    private readonly pool: TextEncodingPool,
    readonly id: number,
    readonly fields: readonly Field[],
    readonly format: TextFormat,
  ) {}

  /** The batch's bytes from a thread, or undefined when the caller should encode it itself. */
  encode(batch: ColumnBatch): Promise<EncodedBatch> | undefined {
    return this.pool.encode(this, batch);
  }

  /** Batches to keep in flight. */
  get inFlight(): number {
    return this.pool.inFlight;
  }

  close(): void {
    this.pool.closeTable(this);
  }
}

/**
 * The column as it is sent: exactly its rows, so that a view of a larger buffer (a database's vector, a batch cut at
 * MAXREC) does not copy the whole buffer; typed arrays are copied here and their copies transferred.
 */
function exactColumn(c: BatchColumn, n: number, transfer: ArrayBuffer[]): BatchColumn {
  const values = exact(c.values, n, transfer);
  const nulls = c.nulls === undefined ? undefined : (exact(c.nulls, n, transfer) as Uint8Array);
  return { values, ...(nulls !== undefined ? { nulls } : {}), ...(c.timestamps === true ? { timestamps: true } : {}) };
}

function exact(v: ArrayLike<unknown>, n: number, transfer: ArrayBuffer[]): ArrayLike<unknown> {
  if (ArrayBuffer.isView(v)) {
    // A new array of the same kind, never Buffer's slice(), which shares the memory that would then be transferred.
    const view = v as unknown as Uint8Array;
    const Kind = (Buffer.isBuffer(v) ? Uint8Array : view.constructor) as Uint8ArrayConstructor;
    const copy = new Kind(n);
    copy.set(view.subarray(0, n));
    transfer.push(copy.buffer);
    return copy as ArrayLike<unknown>;
  }
  return Array.isArray(v) ? (v.length > n ? v.slice(0, n) : v) : Array.prototype.slice.call(v, 0, n);
}
