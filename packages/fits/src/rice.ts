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
  // The bit buffer: the low `nbits` bits of `buf` are the next bits of the stream, most significant first. It is
  // refilled a byte at a time up to at most 31 bits, so that masks stay within 32-bit arithmetic.
  let buf = 0;
  let nbits = 0;
  const mask = bytepix === 4 ? -1 : (1 << bbits) - 1;
  const signShift = 32 - bbits;
  const fsmask = (1 << fsbits) - 1;
  const truncated = () => new FitsError("FITS_BAD_TILE", `RICE_1 stream ends after ${n} bytes, before pixel ${count}`, { tile });

  let i = 0;
  while (i < count) {
    while (nbits <= 23 && pos < n) {
      buf = (buf << 8) | input[pos++]!;
      nbits += 8;
    }
    if (nbits < fsbits) throw truncated();
    nbits -= fsbits;
    const fs = ((buf >>> nbits) & fsmask) - 1;
    const end = i + blocksize < count ? i + blocksize : count;
    if (fs < 0) {
      // Low entropy: every difference in the block is zero.
      const v = (lastpix << signShift) >> signShift;
      for (; i < end; i++) out[i] = v;
    } else if (fs === fsmax) {
      // High entropy: differences stored raw in bbits bits (read in two halves for 32).
      for (; i < end; i++) {
        let diff = 0;
        for (let half = bbits > 16 ? 2 : 1; half > 0; half--) {
          const k = bbits > 16 ? 16 : bbits;
          while (nbits <= 23 && pos < n) {
            buf = (buf << 8) | input[pos++]!;
            nbits += 8;
          }
          if (nbits < k) throw truncated();
          nbits -= k;
          diff = ((diff << k) | ((buf >>> nbits) & ((1 << k) - 1))) >>> 0;
        }
        const d = diff & 1 ? ~(diff >>> 1) : diff >>> 1;
        lastpix = (lastpix + d) & mask;
        out[i] = (lastpix << signShift) >> signShift;
      }
    } else {
      const lowmask = (1 << fs) - 1;
      for (; i < end; i++) {
        // Unary part: the zero bits before the next one bit.
        let nzero = 0;
        for (;;) {
          if (nbits <= 23) {
            while (nbits <= 23 && pos < n) {
              buf = (buf << 8) | input[pos++]!;
              nbits += 8;
            }
            if (nbits === 0) throw truncated();
          }
          const window = buf & ((1 << nbits) - 1);
          if (window !== 0) {
            const lz = Math.clz32(window) - (32 - nbits);
            nzero += lz;
            nbits -= lz + 1;
            break;
          }
          nzero += nbits;
          nbits = 0;
        }
        if (nbits < fs) {
          while (nbits <= 23 && pos < n) {
            buf = (buf << 8) | input[pos++]!;
            nbits += 8;
          }
          if (nbits < fs) throw truncated();
        }
        nbits -= fs;
        const diff = ((nzero << fs) | ((buf >>> nbits) & lowmask)) >>> 0;
        const d = diff & 1 ? ~(diff >>> 1) : diff >>> 1;
        lastpix = (lastpix + d) & mask;
        out[i] = (lastpix << signShift) >> signShift;
      }
    }
  }
}
