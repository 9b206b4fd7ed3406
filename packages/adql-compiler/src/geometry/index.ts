/** scisql's spherical functions: the TypeScript reference and their SQL forms for MariaDB and DuckDB. */
export { GeometryError } from "./errors.js";
export {
  scisqlAngSep,
  scisqlS2PtInCircle,
  scisqlS2PtInBox,
  scisqlS2PtInCPoly,
  prepareS2PtInCPoly,
  type ScisqlPredicateResult,
} from "./scisql.js";
export { adqlBoxToLonLatBox, type LonLatBox } from "./box.js";
export { checkPolygon, SCISQL_MAX_VERTS, type PolygonCheck } from "@qserv-tap/sky";
export {
  installScisqlFunctions,
  scisqlMariaDbScript,
  REGION_MARIADB_FUNCTIONS,
  regionsMariaDbScript,
  type SqlQueryable,
} from "./scisql-mariadb.js";
export { scisqlPolygonBinary } from "./scisql-binary.js";
export { regionStorageValues, RegionValueError, type RegionStorageValues } from "./region-storage.js";
