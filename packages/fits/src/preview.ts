/**
 * PNG previews: 8-bit greyscale, scaled with astropy.visualization's ZScaleInterval (IRAF's zscale: a line fitted
 * to sorted samples with iterative k-sigma rejection; defaults nsamples 1000, contrast 0.25, max_reject 0.5,
 * min_npixels 5, krej 2.5, max_iterations 5) and its AsinhStretch (a = 0.1), the first FITS row at the bottom.
 * The PNG (ISO/IEC 15948) is written here: IHDR, one zlib IDAT of unfiltered rows, IEND, each with its CRC-32.
 */
import { deflateSync } from "node:zlib";
import { FitsError } from "./errors.js";
import type { PhysicalArray } from "./image.js";

export interface ZScaleOptions {
  nsamples?: number;
  contrast?: number;
  maxReject?: number;
  minPixels?: number;
  krej?: number;
  maxIterations?: number;
}

/** Least squares line through (i, y[i]) for the i where `good[i]`: [slope, intercept]. */
function fitLine(y: Float64Array, good: Uint8Array): [number, number] {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < y.length; i++) {
    if (!good[i]) continue;
    n++;
    sx += i;
    sy += y[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < y.length; i++) {
    if (!good[i]) continue;
    sxx += (i - mx) * (i - mx);
    sxy += (i - mx) * (y[i]! - my);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return [slope, my - slope * mx];
}

/** zscale limits [vmin, vmax] of the finite values, as astropy.visualization.ZScaleInterval computes them. */
export function zscale(values: ArrayLike<number>, options: ZScaleOptions = {}): [number, number] {
  const nsamples = options.nsamples ?? 1000;
  const contrast = options.contrast ?? 0.25;
  const maxReject = options.maxReject ?? 0.5;
  const minPixels = options.minPixels ?? 5;
  const krej = options.krej ?? 2.5;
  const maxIterations = options.maxIterations ?? 5;
  let finite = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite++;
  if (finite === 0) return [0, 1];
  // Every stride-th finite value, at most nsamples of them.
  const stride = Math.trunc(Math.max(1, finite / nsamples));
  const picked: number[] = [];
  for (let i = 0, k = 0; i < values.length && picked.length < nsamples; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (k % stride === 0) picked.push(v);
    k++;
  }
  const samples = Float64Array.from(picked).sort();
  const npix = samples.length;
  let vmin = samples[0]!;
  let vmax = samples[npix - 1]!;
  const minpix = Math.max(minPixels, Math.trunc(npix * maxReject));
  const ngrow = Math.max(1, Math.trunc(npix * 0.01));
  let bad = new Uint8Array(npix);
  let ngood = npix;
  let lastNgood = npix + 1;
  let fit: [number, number] | undefined;
  const good = new Uint8Array(npix);
  for (let it = 0; it < maxIterations; it++) {
    if (ngood >= lastNgood || ngood < minpix) break;
    for (let i = 0; i < npix; i++) good[i] = bad[i] ? 0 : 1;
    fit = fitLine(samples, good);
    const flat = new Float64Array(npix);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < npix; i++) {
      flat[i] = samples[i]! - (fit[0] * i + fit[1]);
      if (good[i]) {
        sum += flat[i]!;
        n++;
      }
    }
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < npix; i++) if (good[i]) ss += (flat[i]! - mean) ** 2;
    const threshold = krej * Math.sqrt(ss / n);
    for (let i = 0; i < npix; i++) if (flat[i]! < -threshold || flat[i]! > threshold) bad[i] = 1;
    // Grow the rejected pixels by ngrow, as numpy.convolve(mode="same") with a box of ngrow ones does.
    const grown = new Uint8Array(npix);
    const lo = Math.trunc((ngrow - 1) / 2) - ngrow + 1;
    const hi = Math.trunc((ngrow - 1) / 2);
    for (let i = 0; i < npix; i++) {
      if (!bad[i]) continue;
      for (let j = i - hi; j <= i - lo; j++) if (j >= 0 && j < npix) grown[j] = 1;
    }
    bad = grown;
    lastNgood = ngood;
    ngood = npix - bad.reduce((a, b) => a + b, 0);
  }
  if (fit && ngood >= minpix) {
    let slope = fit[0];
    if (contrast > 0) slope /= contrast;
    const center = Math.trunc((npix - 1) / 2);
    const median = npix % 2 ? samples[(npix - 1) / 2]! : (samples[npix / 2 - 1]! + samples[npix / 2]!) / 2;
    vmin = Math.max(vmin, median - (center - 1) * slope);
    vmax = Math.min(vmax, median + (npix - center) * slope);
  }
  return [vmin, vmax];
}

/** AsinhStretch of values already normalized to [0, 1]. */
export function asinhStretch(x: number, a = 0.1): number {
  return Math.asinh(x / a) / Math.asinh(1 / a);
}

/**
 * 8-bit grey levels of a width × height image (first row at the bottom, as FITS has it) → PNG rows top first.
 * NaN is black; infinities clip to black and white, as in astropy.
 */
export function greyLevels(values: PhysicalArray, width: number, height: number, limits?: [number, number]): Uint8Array {
  if (values.length !== width * height) throw new FitsError("FITS_INVALID_VALUE", `a ${width}×${height} preview needs ${width * height} values, not ${values.length}`);
  const numbers = values instanceof BigInt64Array || values instanceof BigUint64Array ? Float64Array.from(values, Number) : (values as ArrayLike<number>);
  const [vmin, vmax] = limits ?? zscale(numbers);
  const span = vmax - vmin;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = y * width;
    const dst = (height - 1 - y) * width;
    for (let x = 0; x < width; x++) {
      const v = numbers[src + x]!;
      if (Number.isNaN(v)) continue;
      let t = span > 0 ? (v - vmin) / span : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      out[dst + x] = Math.floor(asinhStretch(t) * 255 + 0.5);
    }
  }
  return out;
}

let crcTable: Uint32Array | undefined;

export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A greyscale 8-bit PNG of `grey` (rows top first). */
export function encodePng(grey: Uint8Array, width: number, height: number): Buffer {
  if (width < 1 || height < 1 || grey.length !== width * height) throw new FitsError("FITS_INVALID_VALUE", `no ${width}×${height} PNG from ${grey.length} bytes`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale; compression, filter and interlace methods 0
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(grey.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))]);
}

/** A PNG preview of a 2-D image's physical values. */
export function previewPng(values: PhysicalArray, width: number, height: number): Buffer {
  return encodePng(greyLevels(values, width, height), width, height);
}
