/** scisql's spherical functions: the TypeScript reference and their SQL forms for MariaDB and DuckDB. */
export { GeometryError, type GeometryErrorCode } from "./errors.js";
export {
  scisqlAngSep,
  scisqlS2PtInCircle,
  scisqlS2PtInBox,
  scisqlS2PtInCPoly,
  prepareS2PtInCPoly,
  CPOLY_ARITY_MESSAGE,
  type ScisqlPredicateResult,
} from "./scisql.js";
export { adqlBoxToLonLatBox, type LonLatBox } from "./box.js";
export { checkPolygon, SCISQL_MAX_VERTS, type PolygonCheck, type PolygonProblem, RAD_PER_DEG, DEG_PER_RAD } from "@qserv-tap/sky";
export { inlineAngSepSql, inlinePtInCircleSql, inlinePtInCPolySql, sqlDoubleLiteral } from "./inline-sql.js";
export {
  installScisqlFunctions,
  scisqlMariaDbScript,
  splitSqlScript,
  mariaDbPolygonLiteral,
  mariaDbPolygonExpression,
  SCISQL_MARIADB_FUNCTIONS,
  REGION_MARIADB_FUNCTIONS,
  regionsMariaDbScript,
  type SqlQueryable,
} from "./scisql-mariadb.js";
export { registerScisqlFunctions } from "./duckdb-functions.js";
export { registerRegionFunctions, regionFunctions, type RegionFunctions } from "./region-functions-duckdb.js";
export { scisqlPolygonBinary, readScisqlPolygonBinary, insideScisqlPolygon, type ScisqlBinaryPolygon } from "./scisql-binary.js";
export { regionStorageValues, RegionValueError, type RegionStorageValues } from "./region-storage.js";
