/** Bad input to a region constructor; `code` is stable, `message` names the value. */
export class SkyError extends Error {
  constructor(
    readonly code: SkyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SkyError";
  }
}

export type SkyErrorCode =
  | "BAD_COORDINATE"
  | "BAD_RADIUS"
  | "BAD_RANGE"
  | "POLYGON_VERTEX_COUNT"
  | "POLYGON_BAD_COORDINATE"
  | "POLYGON_DEGENERATE"
  | "POLYGON_NOT_CONVEX"
  | "BAD_IMAGE_SIZE"
  /** A region value (DALI or STC-S text) that does not parse or is not a region; the message gives the character position. */
  | "BAD_REGION";

/**
 * A header whose WCS this package does not implement, or that is malformed. `keyword` names the card at fault
 * (with its alternate letter), when there is one.
 */
export class WcsError extends Error {
  constructor(
    readonly code: WcsErrorCode,
    message: string,
    readonly keyword?: string,
  ) {
    super(message);
    this.name = "WcsError";
  }
}

export type WcsErrorCode =
  /** No keyword of the requested alternate WCS, or no celestial axes where they are needed. */
  | "WCS_NOT_FOUND"
  | "NO_CELESTIAL_AXES"
  /** A card whose value has the wrong type or is out of range. */
  | "BAD_KEYWORD"
  /** A projection, algorithm, distortion or convention that this package refuses rather than approximates. */
  | "UNSUPPORTED"
  | "SINGULAR_MATRIX"
  /** A pixel that the projection cannot map (beyond the horizon of SIN, say). */
  | "OUTSIDE_PROJECTION";
