export * from "./vector.js";
export {
  checkPolygon,
  edgePlanes,
  insideEdgePlanes,
  SCISQL_MAX_VERTS,
  DEGENERATE_EDGE_NORM2,
  DEGENERATE_ORIENTATION2,
  type EdgePlanes,
  type EdgePlanesResult,
  type PolygonCheck,
  type PolygonProblem,
  withoutClosingVertex,
} from "./polygon.js";
export { parseWcs, type Wcs, type WcsAxis, type CelestialInfo, type HeaderValue, type HeaderValues, type Projection, type AxisKind } from "./wcs.js";
export { SkyError, WcsError, type SkyErrorCode, type WcsErrorCode } from "./errors.js";
export {
  circle,
  point,
  polygon,
  rangeBox,
  MAX_POLYGON_VERTICES,
  regionParams,
  type RegionParams,
  type Region,
  type Cap,
  type BoundaryCurve,
} from "./regions.js";
export { parseRegion, formatRegion, type RegionXtypeName } from "./region-text.js";
export { EPS as REGION_TOLERANCE_RAD } from "./region-ops.js";
export { regionPixelBox, type PixelBoxResult } from "./box.js";
export { footprint, type Footprint, type FootprintOptions } from "./footprint.js";
