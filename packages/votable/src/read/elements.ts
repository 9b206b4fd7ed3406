/**
 * The VOTable element state machine (VOTable 1.4 §3): follows RESOURCEs and TABLEs to the selected one, turns its
 * FIELDs and PARAMs into metadata, gathers INFOs and DESCRIPTIONs, and turns its DATA (TABLEDATA cells, or a BINARY or
 * BINARY2 STREAM's base64) into rows, queued for the reader. It knows elements, not XML: saxes-feed.ts calls it.
 */
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
import type { Param, ReadInfo, ReadLimits } from "./reader.js";
import type { Position, Tag, XmlHandler } from "./saxes-feed.js";

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

/** The elements of one document, for one selected table. */
export class VOTableElements implements XmlHandler {
  readonly limits: ReadLimits;
  readonly selector: number | string;
  private readonly locate: () => Position;

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
  rowCount = 0;
  /** Rows read and not yet handed out, from queueHead on. */
  readonly queue: Row[] = [];
  queueHead = 0;

  // What the XML layer asks (XmlHandler).
  inStream = false;
  streamSelected = false;

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
  private base64: Base64Decoder | undefined;
  private rows: BinaryRowDecoder | undefined;

  private readonly emit = (row: Row): void => {
    if (++this.rowCount > this.limits.maxRows) {
      this.fail("VOTABLE_LIMIT_ROWS", `more than ${this.limits.maxRows} rows`);
    }
    this.queue.push(row);
  };

  /** `locate` gives the position in the document, for errors. */
  constructor(limits: ReadLimits, selector: number | string, locate: () => Position) {
    this.limits = limits;
    this.selector = selector;
    this.locate = locate;
  }

  fail(code: VOTableErrorCode, message: string, extra: { field?: string; row?: number } = {}): never {
    throw new VOTableError(code, message, { ...this.locate(), ...extra });
  }

  openTag(tag: Tag): void {
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

  streamText(t: string): void {
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

  text(t: string): void {
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

  closeTag(tag: Tag): void {
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

  end(): void {
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

