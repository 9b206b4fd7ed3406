/**
 * The streaming VOTable reader's facade: input chunks in, the selected table's metadata and rows out. Three files,
 * one idea each: saxes-feed.ts does the XML (saxes, fed in bounded pieces; the only file that touches saxes' private
 * fields), elements.ts follows the VOTable structure (VOTable 1.4 §3) and turns the selected TABLE's FIELDs into
 * metadata and its DATA into rows, and this file decodes the input and hands the rows out.
 *
 * It is pull-driven: input is read only when the caller asks for rows and none are queued, so a slow consumer
 * holds back the input (a paused socket) and memory stays at about one input chunk of rows. Every buffer that
 * can grow with the input is bounded by a limit.
 */
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import type { Serialization } from "../encode/document.js";
import { VOTableError } from "../errors.js";
import type { Field, Info, ResourceMeta, Row, TableMeta } from "../model.js";
import { VOTableElements } from "./elements.js";
import { PIECE, XmlFeed } from "./saxes-feed.js";

export interface ReadLimits {
  /** Total input bytes. */
  maxBytes: number;
  /** Rows of the selected table. */
  maxRows: number;
  /** FIELDs of the selected table (and, separately, its PARAMs). */
  maxFields: number;
  /** INFO elements in the whole document. */
  maxInfos: number;
  /** Element nesting depth. */
  maxDepth: number;
  /** Length of one attribute value (and of an element or attribute name), in characters. */
  maxAttributeLength: number;
  /** Length of one text node (a TD, a DESCRIPTION, an INFO, a comment), in characters. */
  maxTextLength: number;
  /** Elements in one variable-length array cell of BINARY or BINARY2 (a TD is bounded by maxTextLength). */
  maxArrayLength: number;
}

export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxBytes: 1024 * 1024 * 1024,
  maxRows: 100_000_000,
  maxFields: 10_000,
  maxInfos: 10_000,
  maxDepth: 64,
  maxAttributeLength: 1024 * 1024,
  maxTextLength: 16 * 1024 * 1024,
  maxArrayLength: 16 * 1024 * 1024,
});

export interface ReadOptions {
  /** Which TABLE to read: its position among all TABLEs in document order (default 0), or its name or ID. */
  table?: number | string;
  limits?: Partial<ReadLimits>;
}

/** An INFO as read, with the name of the element that contains it (VOTABLE, RESOURCE, TABLE, DATA...). */
export interface ReadInfo extends Info {
  parent: string;
}

/** A PARAM of the selected table: a field with a constant value (VOTable 1.4 §4). */
export interface Param extends Field {
  value: string;
}

export type ReadInput = Readable | Uint8Array | string | AsyncIterable<Uint8Array | string>;

/**
 * Input chunks as an async iterator of Buffers or strings, split so that no piece is larger than PIECE: one step
 * of the reader handles one piece, so the rows queued at once stay few whatever the size of the input's chunks.
 */
async function* chunks(input: ReadInput): AsyncGenerator<Uint8Array | string> {
  if (typeof input === "string" || input instanceof Uint8Array) {
    yield* split(input);
    return;
  }
  if (input === null || typeof input !== "object" || !(Symbol.asyncIterator in input)) {
    throw new VOTableError("VOTABLE_INPUT", "input must be a Readable, a Buffer, a string or an async iterable");
  }
  for await (const chunk of input as AsyncIterable<unknown>) {
    if (typeof chunk === "string" || chunk instanceof Uint8Array) yield* split(chunk);
    else throw new VOTableError("VOTABLE_INPUT", "input chunks must be Buffers or strings");
  }
}

function* split(chunk: Uint8Array | string): Generator<Uint8Array | string> {
  if (chunk.length <= PIECE) {
    yield chunk;
    return;
  }
  for (let i = 0; i < chunk.length; i += PIECE) {
    yield typeof chunk === "string" ? chunk.slice(i, i + PIECE) : chunk.subarray(i, i + PIECE);
  }
}

/**
 * A VOTable being read: the selected table's metadata, available at once, and its rows, read on demand. INFOs
 * after the rows (such as a trailing QUERY_STATUS=OVERFLOW) are in `infos` once the rows have been read to the end.
 */
export class VOTableReader implements AsyncIterable<Row> {
  private readonly engine: VOTableElements;
  private readonly feed: XmlFeed;
  private bytes = 0;
  private error: VOTableError | undefined;
  private readonly input: AsyncGenerator<Uint8Array | string>;
  private readonly source: ReadInput;
  private readonly decoder = new StringDecoder("utf8");
  private started = false;
  private first = true;
  private closed = false;

  /** @internal use readVOTable() */
  constructor(source: ReadInput, options: ReadOptions) {
    const limits = { ...DEFAULT_READ_LIMITS, ...(options.limits ?? {}) };
    this.feed = new XmlFeed(limits);
    const feed = this.feed;
    this.engine = new VOTableElements(limits, options.table ?? 0, () => feed.position());
    feed.listen(this.engine);
    this.source = source;
    this.input = chunks(source);
  }

  get fields(): readonly Field[] {
    return this.engine.fields;
  }
  get params(): readonly Param[] {
    return this.engine.params;
  }
  get table(): TableMeta {
    return this.engine.table;
  }
  /** The innermost RESOURCE holding the table. */
  get resource(): ResourceMeta {
    return this.engine.resource;
  }
  /** The VOTABLE's DESCRIPTION. */
  get description(): string | undefined {
    return this.engine.description;
  }
  get version(): string | undefined {
    return this.engine.version;
  }
  /** TABLEDATA, BINARY or BINARY2; undefined for a table without DATA. */
  get serialization(): Serialization | undefined {
    return this.engine.serialization;
  }
  /** The INFO elements read so far, in document order. */
  get infos(): readonly ReadInfo[] {
    return this.engine.infos;
  }
  /** The value of the last INFO name="QUERY_STATUS" read so far (DALI 1.2 §5.4): final once the rows are read. */
  get queryStatus(): string | undefined {
    const infos = this.engine.infos;
    for (let i = infos.length - 1; i >= 0; i--) if (infos[i]!.name === "QUERY_STATUS") return infos[i]!.value;
    return undefined;
  }
  /** Rows read so far. */
  get rowCount(): number {
    return this.engine.rowCount;
  }

  /** Reads input until the metadata is known. */
  async open(): Promise<this> {
    while (!this.engine.metaReady) {
      if (!(await this.step())) break;
    }
    return this;
  }

  /** Processes one input chunk; false at the end of the document. */
  private async step(): Promise<boolean> {
    const e = this.engine;
    const feed = this.feed;
    if (this.error) throw this.error;
    if (e.done) return false;
    try {
      const next = await this.input.next();
      if (next.done) {
        const tail = this.decoder.end();
        if (tail) feed.write(tail);
        feed.close(); // saxes checks that the document is complete, then "end" marks it done
        await this.release();
        return false;
      }
      let chunk = next.value;
      let text: string;
      if (typeof chunk === "string") {
        this.bytes += Buffer.byteLength(chunk, "utf8");
        text = chunk;
        if (this.first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      } else {
        this.bytes += chunk.length;
        if (this.first) chunk = this.checkBom(chunk);
        text = this.decoder.write(chunk as Buffer);
      }
      this.first = false;
      if (this.bytes > e.limits.maxBytes) feed.fail("VOTABLE_LIMIT_BYTES", `the input is larger than ${e.limits.maxBytes} bytes`);
      feed.write(text);
      return true;
    } catch (err) {
      this.error =
        err instanceof VOTableError
          ? err
          : new VOTableError("VOTABLE_INPUT", `reading the input failed: ${err instanceof Error ? err.message : String(err)}`, {
              cause: err,
            });
      await this.release();
      throw this.error;
    }
  }

  private checkBom(chunk: Uint8Array): Uint8Array {
    if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) return chunk.subarray(3);
    if ((chunk[0] === 0xfe && chunk[1] === 0xff) || (chunk[0] === 0xff && chunk[1] === 0xfe)) {
      throw new VOTableError("VOTABLE_UNSUPPORTED_ENCODING", "UTF-16 input is not supported (only UTF-8)", { line: 1, column: 0 });
    }
    return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  }

  private async release(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.input.return(undefined);
    } catch {
      // the input's own error is not ours to report twice
    }
    const src = this.source as Partial<Readable>;
    if (typeof src.destroy === "function" && src.destroyed === false) src.destroy();
  }

  /** Stops reading and releases the input (destroying a Readable). */
  async close(): Promise<void> {
    this.engine.done = true;
    await this.release();
  }

  /** The rows, once. Breaking out of the loop closes the reader. */
  rows(): AsyncGenerator<Row, void, undefined> {
    if (this.started) throw new VOTableError("VOTABLE_INPUT", "the rows can only be iterated once");
    this.started = true;
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<Row, void, undefined> {
    const e = this.engine;
    try {
      for (;;) {
        const q = e.queue;
        while (e.queueHead < q.length) {
          const row = q[e.queueHead]!;
          q[e.queueHead++] = undefined as unknown as Row; // let the row go as soon as it is handed out
          yield row;
        }
        q.length = 0;
        e.queueHead = 0;
        if (this.closed || !(await this.step())) {
          if (e.queue.length === 0) return;
        }
      }
    } finally {
      await this.close();
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Row, void, undefined> {
    return this.rows();
  }

  /** All rows in memory: for small tables (the row limit still applies). */
  async toArray(): Promise<Row[]> {
    const out: Row[] = [];
    for await (const row of this.rows()) out.push(row);
    return out;
  }
}

/**
 * Opens a VOTable and reads up to the start of the selected table's data. The metadata is then available; the rows
 * come from iterating the result.
 */
export async function readVOTable(input: ReadInput, options: ReadOptions = {}): Promise<VOTableReader> {
  return new VOTableReader(input, options).open();
}
