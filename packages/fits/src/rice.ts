/**
 * Rice decoding as the tiled image convention defines RICE_1 (FITS 4.0 §10.4.1; Pence, Seaman & White 2009):
 * the first pixel raw, then blocks of BLOCKSIZE differences, each block led by a code that says how many low bits
 * follow each unary-coded high part, with two special codes: all differences zero, and differences stored raw.
 * Differences are zig-zag mapped (0, -1, 1, -2, … → 0, 1, 2, 3, …) and wrap at the pixel width.
 */
import { FitsError } from "./errors.js";

const PARAMS = {
  1: { fsbits: 3, fsmax: 6, bbits: 8 },
  2: { fsbits: 4, fsmax: 14, bbits: 16 },
  4: { fsbits: 5, fsmax: 25, bbits: 32 },
} as const;

/**
 * Decodes `count` pixels of `bytepix` bytes each (1, 2 or 4) into `out` (which must hold `count` values, and is
 * written as signed integers of that width). Throws FITS_BAD_TILE when the stream ends early.
 */
export function riceDecode(
  input: Uint8Array,
  count: number,
  bytepix: 1 | 2 | 4,
  blocksize: number,
  out: Int8Array | Int16Array | Int32Array,
  tile: number,
): void {
  const p = PARAMS[bytepix];
  if (!p) throw new FitsError("FITS_UNSUPPORTED", `RICE_1 with BYTEPIX = ${bytepix}`, { tile });
  const { fsbits, fsmax, bbits } = p;
  const n = input.length;
  if (n < bytepix) throw new FitsError("FITS_BAD_TILE", "RICE_1 stream shorter than its first pixel", { tile });
  let lastpix = 0;
  for (let k = 0; k < bytepix; k++) lastpix = (lastpix << 8) | input[k]!;
  let pos = bytepix;
  // A bit buffer of up to 32 bits, in the high bits of `buf` (as an unsigned 32-bit number kept in a double for
  // simplicity at refill), with `nbits` valid bits.
  let buf = 0;
  let nbits = 0;
  const mask = bytepix === 4 ? -1 : (1 << bbits) - 1;
  const signShift = 32 - bbits;
  const truncated = () => new FitsError("FITS_BAD_TILE", `RICE_1 stream ends after ${n} bytes, before pixel ${count}`, { tile });

  // Reads `k` (≤ 24) bits.
  const take = (k: number): number => {
    while (nbits < k) {
      if (pos >= n) throw truncated();
      buf = ((buf << 8) | input[pos++]!) >>> 0;
      nbits += 8;
    }
    nbits -= k;
    return (buf >>> nbits) & ((1 << k) - 1);
  };

  let i = 0;
  while (i < count) {
    const fs = take(fsbits) - 1;
    const end = Math.min(i + blocksize, count);
    if (fs < 0) {
      // Low entropy: every difference in the block is zero.
      const v = (lastpix << signShift) >> signShift;
      for (; i < end; i++) out[i] = v;
    } else if (fs === fsmax) {
      // High entropy: differences stored raw in bbits bits.
      for (; i < end; i++) {
        let diff: number;
        if (bbits === 32) diff = ((take(16) << 16) | take(16)) >>> 0;
        else diff = take(bbits);
        const d = diff & 1 ? ~(diff >>> 1) : diff >>> 1;
        lastpix = (lastpix + d) & mask;
        out[i] = (lastpix << signShift) >> signShift;
      }
    } else {
      for (; i < end; i++) {
        // Unary part: count zero bits before the next one bit.
        let nzero = 0;
        for (;;) {
          if (nbits === 0) {
            if (pos >= n) throw truncated();
            buf = input[pos++]!;
            nbits = 8;
          }
          const window = buf & ((1 << nbits) - 1);
          if (window === 0) {
            nzero += nbits;
            nbits = 0;
            continue;
          }
          // The leading zeros within the valid bits.
          const lz = Math.clz32(window) - (32 - nbits);
          nzero += lz;
          nbits -= lz + 1;
          break;
        }
        const diff = fs === 0 ? nzero : ((nzero << fs) | take(fs)) >>> 0;
        const d = diff & 1 ? ~(diff >>> 1) : diff >>> 1;
        lastpix = (lastpix + d) & mask;
        out[i] = (lastpix << signShift) >> signShift;
      }
    }
  }
}
