/** The schema catalog: model, Felis loader, TAP_SCHEMA rows, ADQL name lookup. */
export { CatalogError, type CatalogErrorCode } from "./errors.js";
export {
  createCatalog,
  mergeCatalogs,
  getSchema,
  getTable,
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
} from "./model.js";
export { felisSchemaHead, felisTable, loadFelis, type FelisObject, type LoadFelisOptions } from "./felis.js";
export {
  tapSchemaRows,
  catalogFromTapSchema,
  withTapSchema,
  TAP_SCHEMA_NAME,
  type TapSchemaRows,
} from "./tap-schema.js";
export { schemaLookupFromFelis } from "./lookup.js";
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
} from "./regions.js";
