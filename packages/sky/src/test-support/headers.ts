/** Test headers: a celestial WCS with a rotated CD matrix, the shape most oracle cases need. */
import type { HeaderValue } from "../wcs.js";

export type Header = Record<string, HeaderValue>;

/** `proj` about (ra, dec), `scale` degrees per pixel, rotated by `rot` degrees, reference pixel (crpix1, crpix2). */
export function rotatedHeader(proj: string, ra: number, dec: number, scale: number, rot: number, crpix1: number, crpix2: number, extra: Header = {}): Header {
  const r = (rot * Math.PI) / 180;
  return {
    CTYPE1: `RA---${proj}`,
    CTYPE2: `DEC--${proj}`,
    CRPIX1: crpix1,
    CRPIX2: crpix2,
    CRVAL1: ra,
    CRVAL2: dec,
    CD1_1: -scale * Math.cos(r),
    CD1_2: scale * Math.sin(r),
    CD2_1: scale * Math.sin(r),
    CD2_2: scale * Math.cos(r),
    ...extra,
  };
}
