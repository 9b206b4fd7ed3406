export * from "./vector.js";
export { SkyError, WcsError, type SkyErrorCode, type WcsErrorCode } from "./errors.js";
export {
  circle,
  polygon,
  rangeBox,
  MAX_POLYGON_VERTICES,
  type Region,
  type Cap,
  type BoundaryCurve,
} from "./regions.js";
