/** Stable codes of the errors that the geometry helpers throw. */
export type GeometryErrorCode =
  /** scisql_s2PtInCPoly called with an odd number of coordinates, or fewer than 3 or more than 20 vertices. */
  | "SCISQL_CPOLY_ARITY"
  /** scisql's binary polygon asked for a vertex count outside 3..20 or a vertex that is not a position. */
  | "SCISQL_BINARY_POLYGON"
  /** An ADQL BOX that has no coordinate-range equivalent (non-finite value, |lat| > 90, negative size). */
  | "BOX_INVALID";

export class GeometryError extends Error {
  override readonly name = "GeometryError";
  readonly code: GeometryErrorCode;

  constructor(code: GeometryErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
