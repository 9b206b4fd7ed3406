/**
 * The reader's XML layer: the one file that knows saxes. It hands decoded text to saxes in bounded pieces and watches
 * the buffers saxes keeps, so that no buffer grows past a limit, and it lets a STREAM's base64 bypass saxes.
 *
 * saxes has no public API for either: the buffers (`text`, `name`, `entity`), its state number and the chunk it
 * carries over are private fields, read and written here only. That is why saxes is pinned to SAXES_CHECKED: the test
 * beside this file checks, on the version installed, that these fields exist and behave as used here, and fails on
 * any other version until someone has checked it again.
 */
import { SaxesParser } from "saxes";
import type { SaxesTagPlain } from "saxes";
import type { VOTableErrorCode } from "../errors.js";
import { VOTableError } from "../errors.js";
import type { ReadLimits } from "./reader.js";

/** The saxes version whose private fields this file was checked against (see saxes-feed.test.ts). */
export const SAXES_CHECKED = "6.0.0";

/** Largest piece of text handed to saxes at once: it bounds the work between two limit checks. */
export const PIECE = 64 * 1024;

/** The parts of saxes' state that the limits watch and the STREAM bypass needs; saxes has no public API for them. */
export interface SaxesInternals {
  /** The state of saxes' state machine (a number private to saxes). */
  state: number;
  /** Text (character data, or an attribute value while in a start tag) buffered until the next markup. */
  text: string;
  /** An element or attribute name being read. */
  name: string;
  /** An entity or character reference being read. */
  entity: string;
  /** The end of the previous write() that saxes has not looked at yet (half a surrogate pair or a CR). */
  carriedFromPrevious: string | undefined;
}

/** The private fields of a saxes parser. */
export function internals(parser: SaxesParser): SaxesInternals {
  return parser as unknown as SaxesInternals;
}

/** saxes' state number for "in character data", read from a parser that starts in that state. */
export const S_TEXT = internals(new SaxesParser({ fragment: true })).state;

/** What STREAM content may hold (RFC 2045 base64 and XML whitespace): nothing that XML would need to check. */
const BASE64_TEXT = /^[A-Za-z0-9+/=\t\n\r ]*$/;

/** An element as the element handler sees it. */
export type Tag = Pick<SaxesTagPlain, "name" | "attributes">;

/** What the XML layer calls: the VOTable element state machine (elements.ts). */
export interface XmlHandler {
  /** Whether the text being read is a STREAM's content, which may bypass saxes. */
  readonly inStream: boolean;
  /** Whether that STREAM is decoded (the selected table's): otherwise its text is only checked to be base64. */
  readonly streamSelected: boolean;
  openTag(tag: Tag): void;
  closeTag(tag: Tag): void;
  /** Character data (and CDATA) outside a STREAM, or STREAM text that went through saxes. */
  text(t: string): void;
  /** STREAM text that bypassed saxes. */
  streamText(t: string): void;
  /** The document is complete (after close()). */
  end(): void;
}

export interface Position {
  line: number;
  column: number;
}

/** saxes, fed in bounded pieces, with the limits on its buffers and the STREAM bypass. */
export class XmlFeed {
  private readonly sax: SaxesParser<{ position: true; xmlns: false }>;
  private readonly x: SaxesInternals;
  private readonly limits: ReadLimits;
  private handler: XmlHandler | undefined;
  private inStartTag = false;
  private sawRoot = false;
  private prologTail = "";
  private skippedLine = -1;
  private skippedColumns = 0;

  constructor(limits: ReadLimits) {
    this.limits = limits;
    this.sax = new SaxesParser({ position: true, xmlns: false });
    this.x = internals(this.sax);
  }

  /** Connects the element handler: from now on saxes' events go to it. */
  listen(handler: XmlHandler): void {
    this.handler = handler;
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
      this.sawRoot = true;
      handler.openTag(tag);
    });
    sax.on("closetag", (tag) => handler.closeTag(tag));
    sax.on("text", (t) => handler.text(t));
    sax.on("cdata", (t) => handler.text(t));
    sax.on("end", () => handler.end());
  }

  fail(code: VOTableErrorCode, message: string): never {
    throw new VOTableError(code, message, this.position());
  }

  /**
   * saxes' position, corrected for STREAM text that bypassed it: saxes was only given its newlines, so its line
   * is right and its column short by what followed the last newline.
   */
  position(): Position {
    const { line, column } = this.sax;
    return { line, column: column + (line === this.skippedLine ? this.skippedColumns : 0) };
  }

  /**
   * Feeds decoded text to saxes in bounded pieces, checking the limits on saxes' buffers after each. Inside a
   * STREAM the base64 text goes straight to the handler instead: saxes would look at every character (it is most
   * of the cost of reading BINARY2), and text made only of base64 and blanks has nothing for an XML parser to
   * check. saxes still gets the newlines, to keep its line numbers.
   */
  write(text: string): void {
    let i = 0;
    const n = text.length;
    const x = this.x;
    const h = this.handler!;
    while (i < n) {
      if (h.inStream && x.state === S_TEXT && x.text.length === 0 && x.carriedFromPrevious === undefined) {
        const lt = text.indexOf("<", i);
        const end = lt < 0 ? n : lt;
        if (end > i) {
          const segment = text.slice(i, end);
          // Another table's STREAM is not decoded, so check here what the decoder would have checked.
          if (h.streamSelected || BASE64_TEXT.test(segment)) {
            try {
              h.streamText(segment);
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

  /** Ends the document: saxes checks that it is complete, then the handler's end() is called. */
  close(): void {
    this.sax.close();
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

  /**
   * saxes keeps a text node whole until the next tag: a STREAM's base64 would be held entirely. So STREAM text is
   * taken out of saxes' buffer after every piece; and every other buffer is held to its limit.
   */
  private afterWrite(): void {
    const x = this.x;
    if (this.handler!.inStream && x.state === S_TEXT && x.text.length > 0) {
      const t = x.text;
      x.text = "";
      this.handler!.streamText(t);
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
}
