/**
 * Incremental base64 (RFC 2045 §6.8) for STREAM content: text arrives in arbitrary pieces, may hold whitespace,
 * and must hold nothing else. Buffer.from(…, "base64") is fast but silently skips invalid characters, so the text
 * is checked first: a corrupt stream must be refused, not decoded into shifted garbage.
 */
export class Base64Error extends Error {}

const VALID = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[\t\n\r ]+/g;

export class Base64Decoder {
  private carry = "";
  private padded = false;

  /** Decodes as much of `text` as forms whole 4-character groups; returns undefined when there is nothing yet. */
  push(text: string): Buffer | undefined {
    let s = text.indexOf(" ") >= 0 || text.indexOf("\n") >= 0 || text.indexOf("\r") >= 0 || text.indexOf("\t") >= 0
      ? text.replace(WHITESPACE, "")
      : text;
    if (s.length === 0) return undefined;
    if (this.padded) throw new Base64Error("base64 data continues after its '=' padding");
    if (!VALID.test(s)) throw new Base64Error(`invalid base64 character ${describeInvalid(s)}`);
    if (s.charCodeAt(s.length - 1) === 0x3d /* = */) this.padded = true;
    if (this.carry.length > 0) {
      s = this.carry + s;
      this.carry = "";
    }
    if (this.padded) {
      if (s.length % 4 !== 0) throw new Base64Error("base64 padding in the wrong place");
      return Buffer.from(s, "base64");
    }
    const whole = s.length - (s.length % 4);
    this.carry = s.slice(whole);
    return whole === 0 ? undefined : Buffer.from(whole === s.length ? s : s.slice(0, whole), "base64");
  }

  /** The end of the STREAM: what is left must be a valid (possibly unpadded) final group. */
  end(): Buffer | undefined {
    const s = this.carry;
    this.carry = "";
    if (s.length === 0) return undefined;
    if (s.length === 1) throw new Base64Error("base64 data ends in the middle of a byte");
    return Buffer.from(s, "base64");
  }
}

function describeInvalid(s: string): string {
  const m = /[^A-Za-z0-9+/=]|=(?=[^=])/.exec(s);
  if (!m) return "";
  const c = m[0].charCodeAt(0);
  return c >= 0x21 && c < 0x7f ? `'${m[0]}'` : `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
}
