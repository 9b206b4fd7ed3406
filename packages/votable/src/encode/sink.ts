import { escapeText } from "../xml.js";

const utf8 = new TextEncoder();

/**
 * A growable byte buffer with big-endian writers (VOTable 1.4 §5.3: "Most Significant Byte first"). Encoders append
 * rows to it; the stream layer takes the bytes out in chunks. DataView accessors are used because V8 inlines them.
 */
export class ByteSink {
  buf: Uint8Array;
  view: DataView;
  len = 0;

  constructor(capacity = 64 * 1024) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  reserve(n: number): void {
    if (this.len + n > this.buf.length) this.grow(this.len + n);
  }

  private grow(min: number): void {
    let cap = this.buf.length * 2;
    while (cap < min) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.len++] = v;
  }

  i16(v: number): void {
    this.reserve(2);
    this.view.setInt16(this.len, v);
    this.len += 2;
  }

  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.len, v);
    this.len += 4;
  }

  i64(v: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.len, v);
    this.len += 8;
  }

  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.len, v);
    this.len += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.len, v);
    this.len += 8;
  }

  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }

  /**
   * Appends `s` as UTF-8, at most `max` bytes, never splitting a character (VOTable 1.4 §2.1 truncation);
   * returns the byte count. Lone surrogates become U+FFFD, as in any UTF-8 encoder.
   */
  utf8(s: string, max = Infinity): number {
    const n = s.length;
    const room = Math.min(max, n * 3);
    this.reserve(room);
    const buf = this.buf;
    const start = this.len;
    const end = start + room;
    let pos = start;
    let i = 0;
    // ASCII fast path: most strings here are short and ASCII, where TextEncoder's call overhead dominates.
    for (; i < n && pos < end; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos++] = c;
    }
    if (i < n && pos < end) {
      // encodeInto stops before a character that does not fit.
      pos += utf8.encodeInto(i === 0 ? s : s.substring(i), buf.subarray(pos, end)).written;
    }
    this.len = pos;
    return pos - start;
  }

  /** Appends a string known to be ASCII (markup, numbers). */
  ascii(s: string): void {
    const n = s.length;
    this.reserve(n);
    const buf = this.buf;
    let pos = this.len;
    for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
    this.len = pos;
  }

  // TABLEDATA's markup as byte stores: ascii() of these constants cost about 10 ns each, twice an integer cell's
  // digits (a one-int row and its markup, in process: 51 ns with ascii, 16 with the stores).

  /** Appends `<TR>`. */
  trOpen(): void {
    this.store4(0x3c, 0x54, 0x52, 0x3e);
  }

  /** Appends `</TR>` and a newline. */
  trClose(): void {
    this.store5(0x3c, 0x2f, 0x54, 0x52, 0x3e);
    this.u8(0x0a);
  }

  /** Appends `<TD>`. */
  tdOpen(): void {
    this.store4(0x3c, 0x54, 0x44, 0x3e);
  }

  /** Appends `</TD>`. */
  tdClose(): void {
    this.store5(0x3c, 0x2f, 0x54, 0x44, 0x3e);
  }

  /** Appends `<TD/>`, a null cell. */
  tdEmpty(): void {
    this.store5(0x3c, 0x54, 0x44, 0x2f, 0x3e);
  }

  /** Appends `<TD>` + s + `</TD>` for an ASCII s that needs no escaping (numbers), without a string. */
  tdAscii(s: string): void {
    this.tdOpen();
    this.ascii(s);
    this.tdClose();
  }

  private store4(b0: number, b1: number, b2: number, b3: number): void {
    this.reserve(4);
    const buf = this.buf;
    const pos = this.len;
    buf[pos] = b0;
    buf[pos + 1] = b1;
    buf[pos + 2] = b2;
    buf[pos + 3] = b3;
    this.len = pos + 4;
  }

  private store5(b0: number, b1: number, b2: number, b3: number, b4: number): void {
    this.reserve(5);
    const buf = this.buf;
    const pos = this.len;
    buf[pos] = b0;
    buf[pos + 1] = b1;
    buf[pos + 2] = b2;
    buf[pos + 3] = b3;
    buf[pos + 4] = b4;
    this.len = pos + 5;
  }

  /**
   * Appends `s` as XML character data in UTF-8: & < > and CR escaped, characters XML 1.0 forbids replaced (see
   * xml.ts). ASCII is handled byte by byte; the first other character sends the rest through escapeText.
   */
  xmlText(s: string): void {
    const n = s.length;
    this.reserve(n);
    let buf = this.buf;
    let pos = this.len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x7f) {
        if (c === 0x26 || c === 0x3c || c === 0x3e) {
          this.len = pos;
          this.ascii(c === 0x26 ? "&amp;" : c === 0x3c ? "&lt;" : "&gt;");
          this.reserve(n - i);
          buf = this.buf;
          pos = this.len;
        } else buf[pos++] = c;
      } else if (c === 0x0a || c === 0x09) buf[pos++] = c;
      else {
        this.len = pos;
        this.utf8(escapeText(s.substring(i)));
        return;
      }
    }
    this.len = pos;
  }

  /** Removes and returns (a copy of) the first `n` bytes. */
  take(n = this.len): Uint8Array {
    // Buffer.from copies into uninitialised memory; slice() zero-fills a new ArrayBuffer first, several times slower.
    const out = Buffer.from(this.buf.subarray(0, n));
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    return out;
  }

  /** A view of the bytes so far, valid until the next write. */
  view0(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
