/**
 * Cutouts: a section of one image HDU as a new FITS file whose WCS maps every pixel to the same sky position as
 * in the source. The primary header's cards that still apply come along; the image's own cards follow the cut.
 */
import { FitsError } from "./errors.js";
import type { Card, Header } from "./header.js";
import { type ImageSection, type Section, bytesPerPixel, imageInfo, isImage, readSection, readSectionBytes, type ReadOptions } from "./image.js";
import type { FitsFile, Hdu } from "./layout.js";
import { type HduData, type HduToWrite, arrayData, emptyPrimary, imageHeader, isStructural } from "./write.js";

/**
 * Primary keywords that describe the source file's byte layout (Rubin's lsst.images container: FMTVER, DATAMODL
 * and the addresses of its INDEX and JSON HDUs), which a cutout file does not have.
 */
const CONTAINER_KEYWORDS = new Set(["FMTVER", "DATAMODL", "INDXADDR", "INDXSIZE", "JSONADDR", "JSONSIZE"]);

/** The first HDU that holds an image (a tile-compressed one counts as the image it holds). */
export function firstImage(file: FitsFile): Hdu {
  const h = file.hdus.find(isImage);
  if (!h) throw new FitsError("FITS_NOT_AN_IMAGE", "the file has no image HDU");
  return h;
}

/**
 * Clips a 1-based inclusive box to the image; undefined when they do not overlap. Axes the box does not mention are
 * taken whole.
 */
export function clipSection(axes: readonly number[], box: Section): Section | undefined {
  const out: Section = [];
  for (const [k, n] of axes.entries()) {
    const [a, b] = box[k] ?? [1, n];
    const lo = Math.max(1, Math.ceil(a));
    const hi = Math.min(n, Math.floor(b));
    if (lo > hi) return undefined;
    out.push([lo, hi]);
  }
  return out;
}

/**
 * The image's cards for the cut: not the structural ones (those of a compressed table included), with CRPIXn of the
 * primary and every alternate WCS shifted by the section's origin, and IRAF's LTV1/LTV2 likewise (physical =
 * logical − LTV), so that a pixel keeps its sky position and its parent pixel coordinates.
 */
export function cutCards(header: Header, section: Section): Card[] {
  const cards = header.cards.filter((c) => !isStructural(c.keyword)).map((c) => ({ ...c }));
  const shift = section.map(([a]) => a - 1);
  const letters = new Set<string>();
  for (const c of header.cards) {
    const m = /^(?:CTYPE|CRPIX|CRVAL|CD|PC|CDELT)\d(?:_\d)?([A-Z]?)$/.exec(c.keyword);
    if (m) letters.add(m[1]!);
  }
  const set = (keyword: string, value: number, comment: string) => {
    const existing = cards.find((c) => c.keyword === keyword);
    if (existing) {
      existing.value = value;
      existing.real = true;
    } else cards.push({ keyword, value, comment, real: true });
  };
  for (const a of letters) {
    for (const [k, s] of shift.entries()) {
      if (s === 0 && !header.has(`CRPIX${k + 1}${a}`)) continue;
      set(`CRPIX${k + 1}${a}`, (header.number(`CRPIX${k + 1}${a}`) ?? 0) - s, "pixel coordinate of the reference point");
    }
  }
  for (const k of [0, 1]) {
    if (k < shift.length) set(`LTV${k + 1}`, (header.number(`LTV${k + 1}`) ?? 0) - shift[k]!, "offset of this cutout in the source image");
  }
  return cards;
}

export interface Cutout {
  /** The HDUs of the output file. */
  hdus: HduToWrite[];
  section: ImageSection;
}

/** Cuts `section` (already within the image) from an image HDU. */
export async function cutout(file: FitsFile, which: number | string, section: Section, options: ReadOptions = {}): Promise<Cutout> {
  const hdu = file.hdu(which);
  const info = imageInfo(hdu);
  const s = await readSection(file, hdu.index, section, options);
  const cards = cutCards(hdu.header, s.section);
  if (hdu.index === 0) {
    return { hdus: [{ header: imageHeader(info.bitpix, s.shape, { primary: true, cards }), data: arrayData(s.data) }], section: s };
  }
  const primaryCards = file.hdus[0]!.header.cards.filter((c) => !CONTAINER_KEYWORDS.has(c.keyword));
  return {
    hdus: [emptyPrimary(primaryCards), { header: imageHeader(info.bitpix, s.shape, { cards }), data: arrayData(s.data) }],
    section: s,
  };
}

/**
 * A section's data as a stream of bands along its last axis, each read (and, for tiles, decompressed) when it is
 * needed: memory stays at a few bands (of about `bandBytes`) however large the section. Bands follow the tile rows of
 * a tile-compressed image, so that no tile is decompressed twice in one pass.
 */
export function sectionData(file: FitsFile, which: number | string, section: Section, bandBytes = 1024 * 1024, options: ReadOptions = {}): HduData {
  const hdu = file.hdu(which);
  const info = imageInfo(hdu);
  const last = section.length - 1;
  const [a, b] = section[last]!;
  let sliceBytes = bytesPerPixel(info.bitpix);
  for (let k = 0; k < last; k++) sliceBytes *= section[k]![1] - section[k]![0] + 1;
  const tile = info.tiled?.tile[last] ?? 1;
  const perBand = Math.max(tile, Math.floor(bandBytes / sliceBytes / tile) * tile);
  return new SectionData(file, hdu.index, section, tile, perBand, sliceBytes * (b - a + 1), options);
}

/** sectionData's HduData: a class, not a generator made per call (eslint.config.js). */
class SectionData implements HduData {
  constructor(
    private readonly file: FitsFile,
    private readonly index: number,
    private readonly section: Section,
    /** The tiles' extent along the last axis (1 for an image that is not tiled). */
    private readonly tile: number,
    private readonly perBand: number,
    readonly bytes: number,
    private readonly options: ReadOptions,
  ) {}

  async *chunks(): AsyncGenerator<Uint8Array> {
    const { section, tile, perBand } = this;
    const last = section.length - 1;
    const [a, b] = section[last]!;
    // Bands start on tile boundaries: the first ends where its tile row ends.
    for (let lo = a; lo <= b; ) {
      const hi = Math.min(b, Math.floor((lo - 1) / tile) * tile + perBand);
      const band = section.map((r, k) => (k === last ? ([lo, hi] as [number, number]) : r));
      yield await readSectionBytes(this.file, this.index, band, this.options);
      lo = hi + 1;
    }
  }
}

/**
 * As cutout(), with the data streamed in bands (sectionData) instead of held: for whole images. Several HDUs (an
 * image with its mask and variance planes) can be cut with the same box into one file, after an empty primary HDU.
 */
export function cutoutStream(file: FitsFile, which: number | string | readonly (number | string)[], section: Section, bandBytes?: number): HduToWrite[] {
  const list = Array.isArray(which) ? which : [which as number | string];
  const cut = (w: number | string, primary: boolean): HduToWrite => {
    const hdu = file.hdu(w);
    const info = imageInfo(hdu);
    const shape = section.map(([a, b]) => b - a + 1);
    const cards = cutCards(hdu.header, section);
    return { header: imageHeader(info.bitpix, shape, { primary, cards }), data: sectionData(file, hdu.index, section, bandBytes) };
  };
  if (list.length === 1 && file.hdu(list[0]!).index === 0) return [cut(list[0]!, true)];
  const primaryCards = file.hdus[0]!.header.cards.filter((c) => !CONTAINER_KEYWORDS.has(c.keyword));
  return [emptyPrimary(primaryCards), ...list.map((w) => cut(w, false))];
}
