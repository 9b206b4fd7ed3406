/**
 * @qserv-tap/adql-compiler: the public API. Nothing else is exported.
 */
export { parse, type ParseOptions } from "./parse.js";
export { AdqlError, formatError, type AdqlErrorCode } from "./errors.js";
export { FunctionRegistry, defaultFunctionRegistry, parseUdfForm, SCISQL_FUNCTIONS, type UdfDefinition } from "./parser/functions.js";
export { isReservedWord } from "./lexer/tokens.js";
export { OPTIONAL_FUNCTIONS, type OptionalFeature, type OptionalFunctionName } from "./builtins.js";
export type * from "./ast/nodes.js";
export { printAdql } from "./ast/print.js";
export { astToJson, astFromJson, stripSpans } from "./ast/json.js";
export { compile, rewrite, generatorFor, type CompileOptions, type CompileResult, type ResultColumn, type QuerySplit, type Residue } from "./compile.js";
export { evaluateResidue, residueSupport, type ResidueValue } from "./residue/evaluate.js";
export type { SchemaLookup, SchemaTable, SchemaColumn, QservPartitioning } from "./analysis/schema.js";
export { typeOf } from "./analysis/types.js";
export { PASSES, passesFor, type Dialect, type Pass, type PassContext, type DialectPass, type DialectPassContext } from "./passes/index.js";
export { DIALECTS, DIALECT_NAMES, type DialectName } from "./sql/dialects/index.js";
export type { DialectDefinition, DialectTraits } from "./sql/dialects/dialect.js";
export type { QservPruning } from "./passes/qserv-spatial.js";
export {
  loadFelis, felisTable, felisSchemaHead, catalogFromTapSchema, tapSchemaRows, withTapSchema, createCatalog, mergeCatalogs, getSchema, getTable,
  schemaLookupFromFelis, CatalogError, TAP_SCHEMA_NAME,
  type Catalog, type Schema, type Table, type Column, type ForeignKey, type QservPartitioning as CatalogQservPartitioning,
  type SchemaInput, type TableInput, type ColumnInput, type ForeignKeyInput, type QservInput, type LoadFelisOptions, type FelisObject,
  type TapSchemaRows, type CatalogErrorCode,
  REGION_XTYPES, REGION_STORAGE, REGION_FUNCTIONS, regionStorageColumns, regionXtype, regionStorageIn, isRegionStorageColumn, type RegionStoragePresence, type RegionXtype, type RegionStorageColumn,
} from "./catalog/index.js";
export { schemaLookup } from "./analysis/from-catalog.js";
export { lookupTable } from "./catalog/lookup.js";
export {
  scisqlAngSep, scisqlS2PtInCircle, scisqlS2PtInBox, scisqlS2PtInCPoly, prepareS2PtInCPoly, adqlBoxToLonLatBox, checkPolygon,
  installScisqlFunctions, scisqlMariaDbScript, GeometryError, SCISQL_MAX_VERTS,
  type ScisqlPredicateResult, type LonLatBox, type PolygonCheck, type SqlQueryable,
  regionsMariaDbScript, REGION_MARIADB_FUNCTIONS, scisqlPolygonBinary, regionStorageValues, RegionValueError, type RegionStorageValues,
} from "./geometry/index.js";
