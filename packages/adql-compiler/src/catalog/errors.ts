/** Stable codes of the errors that building or loading a catalog throws. */
export type CatalogErrorCode =
  /** The Felis file is not YAML, or not the shape of a Felis schema. */
  | "FELIS_INVALID"
  /** TAP_SCHEMA rows that are missing a required value or contradict each other. */
  | "TAP_SCHEMA_INVALID"
  /** Two schemas, tables, columns or keys with the same name where names must be unique. */
  | "CATALOG_DUPLICATE_NAME"
  /** A key, index or partitioning option that names a table or column that does not exist. */
  | "CATALOG_UNKNOWN_REFERENCE"
  /** A value outside what the model allows (a datatype VOTable does not have, a director without RA/Dec...). */
  | "CATALOG_INVALID";

export class CatalogError extends Error {
  override readonly name = "CatalogError";
  readonly code: CatalogErrorCode;

  constructor(code: CatalogErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
