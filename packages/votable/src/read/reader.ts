/**
 * The streaming VOTable reader. saxes does the XML; this file follows the VOTable structure (VOTable 1.4 §3) and
 * turns the selected TABLE's FIELDs into metadata and its DATA into rows.
 *
 * It is pull-driven: input is read only when the caller asks for rows and none are queued, so a slow consumer
 * holds back the input (a paused socket) and memory stays at about one input chunk of rows. Every buffer that
 * can grow with the input is bounded by a limit.
 */
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import { SaxesParser } from "saxes";
import type { SaxesTagPlain } from "saxes";
import type { Column } from "../column.js";
import { compileColumns } from "../column.js";
import type { Serialization } from "../encode/document.js";
import type { VOTableErrorCode } from "../errors.js";
import { VOTableError } from "../errors.js";
import type { Datatype, Field, Info, ResourceMeta, Row, TableMeta } from "../model.js";
import { DATATYPES } from "../model.js";
import { Base64Decoder, Base64Error } from "./base64.js";
import { BinaryDataError, BinaryRowDecoder } from "./binary.js";
import type { CellParser } from "./cells.js";
import { CellError, cellParser } from "./cells.js";

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

/** Largest piece of text handed to saxes at once: it bounds the work between two limit checks. */
const PIECE = 64 * 1024;

/** saxes' internal state number for "in character data", read from a parser that starts in that state. */
const S_TEXT = (new SaxesParser({ fragment: true }) as unknown as SaxesInternals).state;

/** The parts of saxes' state that the limits watch; saxes has no public API for them. */
interface SaxesInternals {
  state: number;
  text: string;
  name: string;
  entity: string;
  carriedFromPrevious: string | undefined;
}

/** What STREAM content may hold (RFC 2045 base64 and XML whitespace): nothing that XML would need to check. */
const BASE64_TEXT = /^[A-Za-z0-9+/=\t\n\r ]*$/;

function local(name: string): string {
  const i = name.indexOf(":");
  return i < 0 ? name : name.slice(i + 1);
}

interface Capture {
  kind: "td" | "description" | "info";
  text: string;
  depth: number;
  info?: ReadInfo;
  target?: { description?: string };
}

/** The parse engine behind a VOTableReader. */
class Engine {
  readonly limits: ReadLimits;
  readonly selector: number | string;
  readonly sax: SaxesParser<{ position: true; xmlns: false }>;
  private readonly internals: SaxesInternals;

  // Results.
  version: string | undefined;
  description: string | undefined;
  readonly fields: Field[] = [];
  readonly params: Param[] = [];
  table: TableMeta = {};
  resource: ResourceMeta = {};
  serialization: Serialization | undefined;
  readonly infos: ReadInfo[] = [];
  metaReady = false;
  done = false;
  error: VOTableError | undefined;
  rowCount = 0;
  readonly queue: Row[] = [];
  queueHead = 0;

  // Parse state.
  private readonly stack: string[] = [];
  private readonly resources: ResourceMeta[] = [];
  private tableCount = 0;
  private selected = false;
  private selectedSeen = false;
  private columns: Column[] | undefined;
  private parsers: CellParser[] | undefined;
  private currentField: Field | undefined;
  private capture: Capture | undefined;
  private cells: unknown[] | undefined;
  private cellIndex = 0;
  private inStream = false;
  private streamSelected = false;
  private base64: Base64Decoder | undefined;
  private rows: BinaryRowDecoder | undefined;
  private inStartTag = false;
  private sawRoot = false;
  private prologTail = "";
  bytes = 0;

  private readonly emit = (row: Row): void => {
    if (++this.rowCount > this.limits.maxRows) {
      this.fail("VOTABLE_LIMIT_ROWS", `more than ${this.limits.maxRows} rows`);
    }
    this.queue.push(row);
  };

  constructor(options: ReadOptions) {
    this.limits = { ...DEFAULT_READ_LIMITS, ...(options.limits ?? {}) };
    this.selector = options.table ?? 0;
    this.sax = new SaxesParser({ position: true, xmlns: false });
    this.internals = this.sax as unknown as SaxesInternals;
    const sax = this.sax;
    sax.on("error", (err) => {
      // saxes prefixes its messages with "line:column: "; ours carry the position separately.
      this.fail("VOTABLE_XML_MALFORMED", `malformed XML: ${err.message.replace(/^\d+:\d+: /, "")}`);
    });
    sax.on("doctype", () => this.fail("VOTABLE_DOCTYPE_FORBIDDEN", "DOCTYPE declarations are not accepted"));
    sax.on("xmldecl", (decl) => {
      if (decl.encoding !== undefined && !/^(utf-?8|us-ascii|ascii)$/i.test(decl.encoding)) {
        this.fail("VOTABLE_UNSUPPORTED_ENCODING", `encoding "${decl.encoding}" is not supported (only UTF-8)`);
      }
    });
    sax.on("opentagstart", () => {
      this.inStartTag = true;
    });
    sax.on("attribute", (a) => {
      if (a.value.length > this.limits.maxAttributeLength) {
        this.fail("VOTABLE_LIMIT_ATTRIBUTE", `attribute ${a.name} is longer than ${this.limits.maxAttributeLength}`);
      }
    });
    sax.on("opentag", (tag) => {
      this.inStartTag = false;
      this.openTag(tag);
    });
    sax.on("closetag", (tag) => this.closeTag(tag));
    sax.on("text", (t) => this.text(t));
    sax.on("cdata", (t) => this.text(t));
    sax.on("end", () => this.end());
  }

  fail(code: VOTableErrorCode, message: string, extra: { field?: string; row?: number } = {}): never {
    throw new VOTableError(code, message, { ...this.position(), ...extra });
  }

  /**
   * saxes' position, corrected for STREAM text that bypassed it: saxes was only given its newlines, so its line
   * is right and its column short by what followed the last newline.
   */
  position(): { line: number; column: number } {
    const { line, column } = this.sax;
    return { line, column: column + (line === this.skippedLine ? this.skippedColumns : 0) };
  }

  /**
   * Feeds decoded text to saxes in bounded pieces, checking the limits on saxes' buffers after each. Inside a
   * STREAM the base64 text goes straight to the decoder instead: saxes would look at every character (it is most
   * of the cost of reading BINARY2), and text made only of base64 and blanks has nothing for an XML parser to
   * check. saxes still gets the newlines, to keep its line numbers.
   */
  write(text: string): void {
    let i = 0;
    const n = text.length;
    const x = this.internals;
    while (i < n) {
      if (this.inStream && x.state === S_TEXT && x.text.length === 0 && x.carriedFromPrevious === undefined) {
        const lt = text.indexOf("<", i);
        const end = lt < 0 ? n : lt;
        if (end > i) {
          const segment = text.slice(i, end);
          // Another table's STREAM is not decoded, so check here what the decoder would have checked.
          if (this.streamSelected || BASE64_TEXT.test(segment)) {
            try {
              this.streamText(segment);
            } catch (err) {
              throw this.relocate(err, segment);
            }
            this.skipPosition(segment);
            i = end;
            continue;
          }
        }
      }
      let end = Math.min(n, i + PIECE);
      // Stop right after a STREAM start tag, so that its content takes the path above from its first character.
      const st = text.indexOf("STREAM", i);
      if (st >= 0 && st < end) {
        const gt = text.indexOf(">", st);
        if (gt >= 0 && gt < end) end = gt + 1;
      }
      const piece = i === 0 && end === n ? text : text.slice(i, end);
      if (!this.sawRoot) this.checkProlog(piece);
      this.sax.write(piece);
      this.afterWrite();
      i = end;
    }
  }

  /** A base64 error inside a bypassed segment: point at the first character that is not base64. */
  private relocate(err: unknown, segment: string): unknown {
    if (!(err instanceof VOTableError) || err.code !== "VOTABLE_BAD_BASE64") return err;
    const bad = /[^A-Za-z0-9+/=\t\n\r ]/.exec(segment);
    if (bad === null) return err;
    const before = segment.slice(0, bad.index);
    const nl = before.lastIndexOf("\n");
    let { line, column } = this.position();
    for (let k = before.indexOf("\n"); k >= 0; k = before.indexOf("\n", k + 1)) line++;
    column = nl < 0 ? column + before.length + 1 : before.length - nl;
    const message = err.message.replace(/ \(line \d+, column \d+\)$/, "");
    return new VOTableError(err.code, message, { line, column, cause: err });
  }

  private skippedLine = -1;
  private skippedColumns = 0;

  private skipPosition(segment: string): void {
    let newlines = 0;
    let last = -1;
    for (let k = segment.indexOf("\n"); k >= 0; k = segment.indexOf("\n", k + 1)) {
      newlines++;
      last = k;
    }
    if (newlines > 0) {
      this.sax.write("\n".repeat(newlines));
      this.afterWrite();
      this.skippedLine = this.sax.line;
      this.skippedColumns = segment.length - last - 1;
    } else if (this.skippedLine === this.sax.line) this.skippedColumns += segment.length;
    else {
      this.skippedLine = this.sax.line;
      this.skippedColumns = segment.length;
    }
  }

  close(): void {
    this.sax.close();
  }

  /**
   * saxes keeps a text node whole until the next tag: a STREAM's base64 would be held entirely. So STREAM text is
   * taken out of saxes' buffer after every piece; and every other buffer is held to its limit.
   */
  private afterWrite(): void {
    const x = this.internals;
    if (this.inStream && x.state === S_TEXT && x.text.length > 0) {
      const t = x.text;
      x.text = "";
      this.streamText(t);
    }
    const limits = this.limits;
    if (x.name.length > limits.maxAttributeLength) {
      this.fail("VOTABLE_LIMIT_ATTRIBUTE", `a name is longer than ${limits.maxAttributeLength}`);
    }
    if (this.inStartTag) {
      if (x.text.length > limits.maxAttributeLength) {
        this.fail("VOTABLE_LIMIT_ATTRIBUTE", `an attribute value is longer than ${limits.maxAttributeLength}`);
      }
    } else if (x.text.length > limits.maxTextLength) {
      this.fail("VOTABLE_LIMIT_TEXT", `a text node is longer than ${limits.maxTextLength}`);
    }
    if (x.entity.length > 256) this.fail("VOTABLE_XML_MALFORMED", "malformed XML: runaway entity reference");
  }

  /** A DOCTYPE is refused as soon as it starts, before saxes buffers its internal subset (no billion laughs). */
  private checkProlog(piece: string): void {
    const tail = this.prologTail;
    const window = tail + piece;
    const at = window.indexOf("<!DOCTYPE");
    if (at >= 0) {
      let { line, column } = this.position();
      if (at >= tail.length) {
        const lines = piece.slice(0, at - tail.length).split("\n");
        line += lines.length - 1;
        column = (lines.length > 1 ? 0 : column) + lines[lines.length - 1]!.length + 1;
      }
      throw new VOTableError("VOTABLE_DOCTYPE_FORBIDDEN", "DOCTYPE declarations are not accepted", { line, column });
    }
    this.prologTail = window.slice(-8);
  }

  private openTag(tag: SaxesTagPlain): void {
    const name = local(tag.name);
    const attrs = tag.attributes;
    const parent = this.stack[this.stack.length - 1];
    this.stack.push(name);
    if (this.stack.length > this.limits.maxDepth) {
      this.fail("VOTABLE_LIMIT_DEPTH", `elements nested deeper than ${this.limits.maxDepth}`);
    }
    if (this.capture?.kind === "description") return; // anyTEXT: markup inside a DESCRIPTION is just text
    if (this.capture !== undefined) {
      this.fail("VOTABLE_BAD_VALUE", `unexpected element ${name} inside ${this.capture.kind.toUpperCase()}`);
    }
    if (this.stack.length === 1) {
      this.sawRoot = true;
      if (name !== "VOTABLE") this.fail("VOTABLE_NOT_VOTABLE", `the root element is ${name}, not VOTABLE`);
      this.version = attrs.version;
      return;
    }
    switch (name) {
      case "RESOURCE":
        this.resources.push(pick(attrs, ["name", "ID", "utype", "type"]) as ResourceMeta);
        return;
      case "TABLE": {
        const index = this.tableCount++;
        const s = this.selector;
        if (!this.selectedSeen && (typeof s === "number" ? s === index : s === attrs.name || s === attrs.ID)) {
          this.selected = true;
          this.selectedSeen = true;
          this.table = pick(attrs, ["name", "ID", "ucd", "utype"]) as TableMeta;
          if (attrs.nrows !== undefined && /^\d+$/.test(attrs.nrows)) this.table.nrows = Number(attrs.nrows);
          this.resource = { ...(this.resources[this.resources.length - 1] ?? {}) };
        }
        return;
      }
      case "FIELD":
      case "PARAM":
        if (this.selected && parent === "TABLE") this.openField(name, attrs);
        else if (this.selected && name === "PARAM" && parent === "GROUP") this.openField(name, attrs);
        return;
      case "VALUES":
        if (this.currentField && (parent === "FIELD" || parent === "PARAM") && attrs.null !== undefined) {
          this.currentField.nullValue = attrs.null;
        }
        return;
      case "DESCRIPTION": {
        const target = this.descriptionTarget(parent);
        if (target) this.capture = { kind: "description", text: "", depth: this.stack.length, target };
        return;
      }
      case "INFO":
        if (this.infos.length >= this.limits.maxInfos) {
          this.fail("VOTABLE_LIMIT_INFOS", `more than ${this.limits.maxInfos} INFO elements`);
        }
        this.capture = {
          kind: "info",
          text: "",
          depth: this.stack.length,
          info: { ...(pick(attrs, ["ID", "ucd", "utype", "unit", "xtype"]) as Partial<Info>), name: attrs.name ?? "", value: attrs.value ?? "", parent: parent ?? "" },
        };
        return;
      case "DATA":
        if (this.selected) this.startData();
        return;
      case "TABLEDATA":
        if (this.selected && parent === "DATA") this.serialization = "TABLEDATA";
        return;
      case "BINARY":
      case "BINARY2":
        if (this.selected && parent === "DATA") this.serialization = name;
        return;
      case "FITS":
        if (this.selected && parent === "DATA") this.fail("VOTABLE_UNSUPPORTED", "FITS serialization is not supported");
        return;
      case "STREAM":
        if (parent === "BINARY" || parent === "BINARY2") this.openStream(attrs, parent);
        return;
      case "TR":
        if (this.selected && this.serialization === "TABLEDATA" && parent === "TABLEDATA") {
          this.cells = new Array<unknown>(this.columns!.length);
          this.cellIndex = 0;
        }
        return;
      case "TD":
        if (this.cells !== undefined && parent === "TR") {
          if (this.cellIndex >= this.cells.length) {
            this.fail("VOTABLE_BAD_ROW", `row ${this.rowCount} has more than ${this.cells.length} TD elements`, { row: this.rowCount });
          }
          this.capture = { kind: "td", text: "", depth: this.stack.length };
        }
        return;
    }
  }

  private openField(kind: "FIELD" | "PARAM", attrs: Record<string, string>): void {
    const datatype = attrs.datatype;
    if (datatype === undefined || !DATATYPES.includes(datatype as Datatype)) {
      this.fail("VOTABLE_BAD_FIELD", `${kind} ${attrs.name ?? ""} has an unknown datatype "${datatype ?? ""}"`);
    }
    const f: Field = {
      name: attrs.name ?? attrs.ID ?? `col${this.fields.length + 1}`,
      datatype: datatype as Datatype,
      ...(pick(attrs, ["arraysize", "ID", "ucd", "unit", "utype", "xtype", "ref", "precision"]) as Partial<Field>),
    };
    if (attrs.width !== undefined && /^\d+$/.test(attrs.width)) f.width = Number(attrs.width);
    if (kind === "FIELD") {
      if (this.fields.length >= this.limits.maxFields) {
        this.fail("VOTABLE_LIMIT_FIELDS", `more than ${this.limits.maxFields} FIELDs`);
      }
      this.fields.push(f);
    } else {
      if (this.params.length >= this.limits.maxFields) {
        this.fail("VOTABLE_LIMIT_FIELDS", `more than ${this.limits.maxFields} PARAMs`);
      }
      this.params.push({ ...f, value: attrs.value ?? "" });
    }
    this.currentField = f;
  }

  private descriptionTarget(parent: string | undefined): { description?: string } | undefined {
    if (parent === "VOTABLE" && this.stack.length === 2) return this as { description?: string };
    if (!this.selected) {
      if (parent === "RESOURCE") return this.resources[this.resources.length - 1];
      return undefined;
    }
    if (parent === "TABLE") return this.table;
    if (parent === "FIELD" || parent === "PARAM") return this.currentField;
    return undefined;
  }

  private startData(): void {
    if (this.fields.length === 0) this.fail("VOTABLE_BAD_FIELD", "the table has DATA but no FIELD");
    try {
      this.columns = compileColumns(this.fields, "VOTABLE_BAD_FIELD");
    } catch (err) {
      const e = err as VOTableError;
      this.fail("VOTABLE_BAD_FIELD", e.message, { field: e.field });
    }
    this.parsers = this.columns.map(cellParser);
    this.metaReady = true;
  }

  private openStream(attrs: Record<string, string>, parent: "BINARY" | "BINARY2"): void {
    this.inStream = true;
    this.streamSelected = this.selected;
    if (!this.selected) return;
    if (attrs.href !== undefined) {
      // Fetching remote data on behalf of the document's author would be a server-side request forgery hole.
      this.fail("VOTABLE_UNSUPPORTED", "STREAM with href (remote data) is not supported");
    }
    if (attrs.encoding !== "base64") {
      this.fail("VOTABLE_UNSUPPORTED", `STREAM encoding "${attrs.encoding ?? ""}" is not supported (only base64)`);
    }
    this.base64 = new Base64Decoder();
    this.rows = new BinaryRowDecoder(this.columns!, parent === "BINARY2", this.limits);
  }

  private streamText(t: string): void {
    if (!this.streamSelected) {
      // Another table's data: only its shape matters (it is checked by saxes), not its content.
      return;
    }
    try {
      const piece = this.base64!.push(t);
      if (piece !== undefined) this.rows!.pushBase64(piece, this.emit);
    } catch (err) {
      this.binaryError(err);
    }
  }

  private binaryError(err: unknown): never {
    if (err instanceof Base64Error) this.fail("VOTABLE_BAD_BASE64", `in STREAM: ${err.message}`);
    if (err instanceof BinaryDataError) this.fail(err.code, `row ${this.rowCount}: ${err.message}`, { row: this.rowCount });
    throw err;
  }

  private text(t: string): void {
    if (this.inStream) {
      this.streamText(t);
      return;
    }
    const c = this.capture;
    if (c === undefined) return;
    c.text += t;
    if (c.text.length > this.limits.maxTextLength) {
      this.fail("VOTABLE_LIMIT_TEXT", `a ${c.kind.toUpperCase()} is longer than ${this.limits.maxTextLength}`);
    }
  }

  private closeTag(tag: SaxesTagPlain): void {
    const name = local(tag.name);
    const depth = this.stack.length;
    this.stack.pop();
    const c = this.capture;
    if (c !== undefined) {
      if (depth !== c.depth) return; // markup inside a DESCRIPTION
      this.capture = undefined;
      if (c.kind === "td") {
        const i = this.cellIndex++;
        try {
          this.cells![i] = this.parsers![i]!(c.text);
        } catch (err) {
          if (!(err instanceof CellError)) throw err;
          const col = this.columns![i]!;
          this.fail("VOTABLE_BAD_VALUE", `row ${this.rowCount}, field "${col.field.name}": ${err.message}`, {
            field: col.field.name,
            row: this.rowCount,
          });
        }
      } else if (c.kind === "description") {
        c.target!.description = c.text;
      } else {
        const info = c.info!;
        if (c.text !== "") info.content = c.text;
        this.infos.push(info);
      }
      return;
    }
    switch (name) {
      case "TR":
        if (this.cells !== undefined) {
          if (this.cellIndex !== this.cells.length) {
            this.fail("VOTABLE_BAD_ROW", `row ${this.rowCount} has ${this.cellIndex} TD elements for ${this.cells.length} fields`, {
              row: this.rowCount,
            });
          }
          const row = this.cells;
          this.cells = undefined;
          this.emit(row);
        }
        return;
      case "STREAM":
        if (this.inStream) {
          this.inStream = false;
          if (this.streamSelected) {
            this.streamSelected = false;
            try {
              const rest = this.base64!.end();
              if (rest !== undefined) this.rows!.pushBase64(rest, this.emit);
            } catch (err) {
              this.binaryError(err);
            }
            if (this.rows!.pending > 0) {
              this.fail("VOTABLE_BINARY_TRUNCATED", `the binary data ends inside row ${this.rowCount} (${this.rows!.pending} bytes left over)`, {
                row: this.rowCount,
              });
            }
          }
        }
        return;
      case "FIELD":
      case "PARAM":
        this.currentField = undefined;
        return;
      case "TABLE":
        if (this.selected) {
          this.selected = false;
          if (!this.metaReady) {
            // A TABLE without DATA: metadata only, and no rows.
            if (this.fields.length > 0) this.startData();
            else this.metaReady = true;
          }
        }
        return;
      case "RESOURCE":
        this.resources.pop();
        return;
    }
  }

  private end(): void {
    if (!this.selectedSeen) {
      const which = typeof this.selector === "number" ? `number ${this.selector}` : `"${this.selector}"`;
      this.fail("VOTABLE_NO_TABLE", `the document has no TABLE ${which} (${this.tableCount} found)`);
    }
    this.done = true;
  }
}

function pick(attrs: Record<string, string>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (attrs[k] !== undefined) out[k] = attrs[k];
  return out;
}

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
  private readonly engine: Engine;
  private readonly input: AsyncGenerator<Uint8Array | string>;
  private readonly source: ReadInput;
  private readonly decoder = new StringDecoder("utf8");
  private started = false;
  private first = true;
  private closed = false;

  /** @internal use readVOTable() */
  constructor(source: ReadInput, options: ReadOptions) {
    this.engine = new Engine(options);
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
    if (e.error) throw e.error;
    if (e.done) return false;
    try {
      const next = await this.input.next();
      if (next.done) {
        const tail = this.decoder.end();
        if (tail) e.write(tail);
        e.close(); // saxes checks that the document is complete, then "end" marks it done
        await this.release();
        return false;
      }
      let chunk = next.value;
      let text: string;
      if (typeof chunk === "string") {
        e.bytes += Buffer.byteLength(chunk, "utf8");
        text = chunk;
        if (this.first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      } else {
        e.bytes += chunk.length;
        if (this.first) chunk = this.checkBom(chunk);
        text = this.decoder.write(chunk as Buffer);
      }
      this.first = false;
      if (e.bytes > e.limits.maxBytes) e.fail("VOTABLE_LIMIT_BYTES", `the input is larger than ${e.limits.maxBytes} bytes`);
      e.write(text);
      return true;
    } catch (err) {
      e.error =
        err instanceof VOTableError
          ? err
          : new VOTableError("VOTABLE_INPUT", `reading the input failed: ${err instanceof Error ? err.message : String(err)}`, {
              cause: err,
            });
      await this.release();
      throw e.error;
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
