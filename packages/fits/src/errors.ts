/**
 * Every failure this package reports is a FitsError with a stable `code`, so that callers (the image service
 * turning a bad file into a 4xx or 5xx, the CLI choosing its exit status, a test) branch on the code and never on
 * the English message. The message names the HDU and, where there is one, the card or the tile.
 */
export type FitsErrorCode =
  // The bytes end before the structure they announce.
  | "FITS_TRUNCATED"
  // A header is malformed: no END, a bad mandatory card, a value that cannot be parsed.
  | "FITS_BAD_HEADER"
  | "FITS_NO_END"
  | "FITS_BAD_CARD"
  // Numbers in a header that no sane file has (NAXIS > 999, sizes beyond 2^53, PCOUNT larger than the file).
  | "FITS_ABSURD_SIZE"
  // Tile compression: a descriptor outside the heap, a tile that does not decode to its size, a bomb.
  | "FITS_BAD_TILE"
  | "FITS_DECOMPRESSION_LIMIT"
  // Valid FITS that this package declines (PLIO_1, HCOMPRESS_1, random groups, ...).
  | "FITS_UNSUPPORTED"
  // The caller asked for something that is not there (an HDU, a section outside the image).
  | "FITS_NO_SUCH_HDU"
  | "FITS_NOT_AN_IMAGE"
  | "FITS_BAD_SECTION"
  // Writing: a value that a header cannot hold, data that does not match the header.
  | "FITS_INVALID_VALUE"
  // A byte source failed: an HTTP status, a server that ignores Range, a changed file.
  | "FITS_SOURCE";

export interface FitsErrorDetails {
  /** 0-based HDU index (0 is the primary HDU). */
  hdu?: number;
  /** The card concerned: its keyword. */
  card?: string;
  /** 1-based tile number (the row of the compressed table), for tile-compression errors. */
  tile?: number;
  /** Byte offset in the file, where it helps. */
  offset?: number;
}

export class FitsError extends Error {
  override readonly name = "FitsError";
  readonly code: FitsErrorCode;
  readonly details: FitsErrorDetails;

  constructor(code: FitsErrorCode, message: string, details: FitsErrorDetails = {}) {
    super(withPlace(message, details));
    this.code = code;
    this.details = details;
  }
}

function withPlace(message: string, d: FitsErrorDetails): string {
  const where: string[] = [];
  if (d.hdu !== undefined) where.push(`HDU ${d.hdu}`);
  if (d.card !== undefined) where.push(`card ${d.card}`);
  if (d.tile !== undefined) where.push(`tile ${d.tile}`);
  if (d.offset !== undefined) where.push(`byte ${d.offset}`);
  return where.length ? `${where.join(", ")}: ${message}` : message;
}

/** FITS logical records are 2880 bytes (FITS 4.0 §3.1). */
export const BLOCK = 2880;
export const CARD = 80;

export function padToBlock(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}
