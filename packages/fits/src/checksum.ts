/**
 * The FITS checksum convention (FITS 4.0 §4.4.2.7 and Appendix J): DATASUM is the 32-bit ones' complement sum of
 * the data as big-endian words; CHECKSUM is 16 characters chosen so that the whole HDU then sums to −0.
 */

/** An incremental ones' complement sum of big-endian 32-bit words, for data that arrives in pieces. */
export class OnesSum {
  private hi = 0;
  private lo = 0;
  private pending: number[] = [];

  add(bytes: Uint8Array): this {
    let i = 0;
    const n = bytes.length;
    // A word split between two pieces.
    while (this.pending.length > 0 && this.pending.length < 4 && i < n) this.pending.push(bytes[i++]!);
    if (this.pending.length === 4) {
      const [a, b, c, d] = this.pending as [number, number, number, number];
      this.hi += (a << 8) | b;
      this.lo += (c << 8) | d;
      this.pending = [];
    }
    let hi = this.hi;
    let lo = this.lo;
    const end = i + Math.floor((n - i) / 4) * 4;
    for (; i < end; i += 4) {
      hi += (bytes[i]! << 8) | bytes[i + 1]!;
      lo += (bytes[i + 2]! << 8) | bytes[i + 3]!;
      // Doubles hold the sums exactly for 2^37 words; fold long before that.
      if (hi > 2 ** 50) [hi, lo] = fold(hi, lo);
    }
    this.hi = hi;
    this.lo = lo;
    for (; i < n; i++) this.pending.push(bytes[i]!);
    return this;
  }

  /** The sum so far, as an unsigned 32-bit number (a trailing partial word counts as zero-padded). */
  value(): number {
    let hi = this.hi;
    let lo = this.lo;
    if (this.pending.length) {
      const p = [...this.pending, 0, 0, 0].slice(0, 4) as [number, number, number, number];
      hi += (p[0] << 8) | p[1];
      lo += (p[2] << 8) | p[3];
    }
    [hi, lo] = fold(hi, lo);
    return (hi * 65536 + lo) >>> 0;
  }
}

function fold(hi: number, lo: number): [number, number] {
  // End-around carry: the carry out of each half goes into the other.
  while (hi > 0xffff || lo > 0xffff) {
    const hc = Math.floor(hi / 65536);
    const lc = Math.floor(lo / 65536);
    hi = (hi % 65536) + lc;
    lo = (lo % 65536) + hc;
  }
  return [hi, lo];
}

/** Ones' complement addition of two 32-bit sums. */
export function addSums(a: number, b: number): number {
  let s = a + b;
  if (s > 0xffffffff) s = (s % 0x100000000) + 1;
  return s >>> 0;
}

const EXCLUDED = new Set([0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60]);

/**
 * The 16-character ASCII encoding of a 32-bit value (Appendix J): each byte is spread over four characters from
 * '0' up, punctuation avoided by moving units between pairs, the bytes interleaved, and the result rotated right
 * by one character.
 */
export function encodeChecksum(value: number): string {
  const asc = new Array<number>(16);
  for (let i = 0; i < 4; i++) {
    const byte = (value >>> (24 - 8 * i)) & 0xff;
    const q = Math.floor(byte / 4) + 0x30;
    const ch = [q + (byte % 4), q, q, q];
    for (let again = true; again; ) {
      again = false;
      for (let j = 0; j < 4; j += 2) {
        while (EXCLUDED.has(ch[j]!) || EXCLUDED.has(ch[j + 1]!)) {
          ch[j]!++;
          ch[j + 1]!--;
          again = true;
        }
      }
    }
    for (let j = 0; j < 4; j++) asc[4 * j + i] = ch[j]!;
  }
  let out = "";
  for (let i = 0; i < 16; i++) out += String.fromCharCode(asc[(i + 15) % 16]!);
  return out;
}
