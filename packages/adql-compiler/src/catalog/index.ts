/** The schema catalog: model, Felis loader, TAP_SCHEMA rows, ADQL name lookup. */
export { CatalogError, type CatalogErrorCode } from "./errors.js";
export {
  createCatalog,
  mergeCatalogs,
  getSchema,
  getTable,
  toInput,
  VOTABLE_DATATYPES,
  type Catalog,
  type Schema,
  type Table,
  type Column,
  type ForeignKey,
  type QservPartitioning,
  type SchemaInput,
  type TableInput,
  type ColumnInput,
  type ForeignKeyInput,
  type QservInput,
  type VotableDatatype,
} from "./model.js";
export { felisSchemaHead, felisTable, loadFelis, type FelisObject, type LoadFelisOptions } from "./felis.js";
export {
  tapSchemaRows,
  catalogFromTapSchema,
  withTapSchema,
  TAP_SCHEMA_NAME,
  TAP_SCHEMA_INPUT,
  type TapSchemaRows,
  type SchemasRow,
  type TablesRow,
  type ColumnsRow,
  type KeysRow,
  type KeyColumnsRow,
  type LooseRow,
  type LooseTapSchemaRows,
  type CatalogFromTapSchemaOptions,
} from "./tap-schema.js";
export { identifierMatches, needsQuoting, quoteIdentifier, splitQualifiedName, type Identifier } from "./identifiers.js";
export {
  findSchemas,
  findTables,
  findColumns,
  suggestNames,
  editDistance,
  schemaLookupFromFelis,
  type LookupTable,
  type LookupColumn,
} from "./lookup.js";
export {
  REGION_XTYPES,
  REGION_STORAGE,
  REGION_FUNCTIONS,
  regionStorageColumns,
  regionXtype,
  regionStorageIn,
  isRegionStorageColumn,
  type RegionStoragePresence,
  type RegionXtype,
  type RegionStorageColumn,
  type RegionColumnFacts,
} from "./regions.js";
