/**
 * Incremental base64 (RFC 2045 §6.8) for STREAM content: text arrives in arbitrary pieces and may hold
 * whitespace, and nothing else. Node's decoder is fast but lenient (it skips what it does not know and accepts
 * the URL-safe alphabet), so every piece is checked: a corrupt stream must be refused, not decoded into shifted
 * garbage. The check is cheap in the common case: decoding N groups of 4 characters must give exactly 3N bytes
 * (less the padding), and any skipped character makes it fewer.
 */
export class Base64Error extends Error {}

const VALID = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[\t\n\r ]+/g;
const NOT_NEWLINE_SPACE = /[\t\r ]/;

/** What one piece of text decodes to: the base64 to decode now and the byte count it must give. */
export interface Base64Piece {
  readonly body: string;
  readonly bytes: number;
}

export class Base64Decoder {
  private carry = "";
  private padded = false;

  /**
   * Splits off the whole 4-character groups of `carry + text`, checks their alphabet cheaply, and returns them
   * with the exact number of bytes they decode to (for `check`). Returns undefined when there is nothing yet.
   */
  push(text: string): Base64Piece | undefined {
    let s = this.carry + text;
    this.carry = "";
    // Usually the only whitespace is line ends: count them instead of building a copy without them.
    if (NOT_NEWLINE_SPACE.test(s)) s = s.replace(WHITESPACE, "");
    let newlines = 0;
    for (let k = s.indexOf("\n"); k >= 0; k = s.indexOf("\n", k + 1)) newlines++;
    const chars = s.length - newlines;
    if (chars === 0) return undefined;
    if (this.padded) throw new Base64Error("base64 data continues after its '=' padding");
    // Keep the last incomplete group (skipping newlines backwards) for the next piece.
    let keep = chars % 4;
    let cut = s.length;
    while (keep > 0) {
      cut--;
      if (s.charCodeAt(cut) !== 0x0a) keep--;
    }
    if (cut < s.length) {
      this.carry = s.slice(cut).replace(WHITESPACE, "");
      s = s.slice(0, cut);
    }
    const groups = (chars - this.carry.length) / 4;
    if (groups === 0) return undefined;
    // Padding: up to two '=' at the end, maybe with line ends between them.
    let pad = 0;
    for (let k = s.length - 1; k >= 0 && pad < 2; k--) {
      const c = s.charCodeAt(k);
      if (c === 0x3d /* = */) pad++;
      else if (c !== 0x0a) break;
    }
    if (pad > 0) this.padded = true;
    return { body: s, bytes: groups * 3 - pad };
  }

  /** The end of the STREAM: what is left must be a valid (possibly unpadded) final group. */
  end(): Base64Piece | undefined {
    const s = this.carry;
    this.carry = "";
    if (s.length === 0) return undefined;
    if (s.length === 1) throw new Base64Error("base64 data ends in the middle of a byte");
    check(s);
    return { body: s, bytes: Math.floor((s.length * 3) / 4) };
  }
}

/**
 * After decoding a piece: if it gave fewer bytes than its groups must, or used the URL-safe alphabet, find and
 * report the offending character.
 */
export function verifyDecoded(piece: Base64Piece, written: number): void {
  if (written !== piece.bytes || piece.body.indexOf("-") >= 0 || piece.body.indexOf("_") >= 0) {
    check(piece.body.replace(WHITESPACE, ""));
    throw new Base64Error("base64 padding in the wrong place");
  }
}

function check(s: string): void {
  if (!VALID.test(s)) throw new Base64Error(`invalid base64 character ${describeInvalid(s)}`);
}

function describeInvalid(s: string): string {
  const m = /[^A-Za-z0-9+/=]|=(?=[^=])/.exec(s);
  if (!m) return "";
  const c = m[0].charCodeAt(0);
  return c >= 0x21 && c < 0x7f ? `'${m[0]}'` : `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
}
