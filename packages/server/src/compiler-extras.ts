/**
 * What the server takes from @qserv-tap/adql-compiler beyond compile(): the catalog (Felis loader,
 * TAP_SCHEMA rows) and the scisql functions for DuckDB and MariaDB, gathered in one place.
 */
export {
  loadFelis, felisTable, felisSchemaHead, mergeCatalogs, withTapSchema, tapSchemaRows, installScisqlFunctions,
  type Catalog, type FelisObject, type Schema, type Table, type Column,
} from "@qserv-tap/adql-compiler";
export { registerScisqlFunctions } from "@qserv-tap/adql-compiler/duckdb";

