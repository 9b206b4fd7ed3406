import { GeometryError } from "./errors.js";
import { reduceAngle } from "@qserv-tap/sky";

/** A box of coordinate ranges in degrees, in scisql_s2PtInBox's argument order. */
export interface LonLatBox {
  readonly lonMin: number;
  readonly latMin: number;
  readonly lonMax: number;
  readonly latMax: number;
}

/**
 * ADQL BOX(centerLon, centerLat, width, height) as a box of coordinate ranges, the way pgsphere
 * (an sbox from two corners) and scisql_s2PtInBox read a box: corners at centre ± half the width
 * in longitude and ± half the height in latitude.
 *
 * This is not ADQL's BOX. ADQL 2.1 §4.2.9 draws the sides as great circles through the ends of
 * a cross whose arms are the width and height measured on the sky, so away from the equator the
 * two differ: at latitude 60° a "10° wide" coordinate box is only about 5° of arc wide, and the
 * great-circle sides bulge. That is why LSST's TAP service refuses BOX (qserv/README §e); a
 * compiler that accepts it must say it uses this reading.
 *
 * The result:
 * - longitudes are reduced to [0, 360); lonMin > lonMax means the box crosses RA 0/360
 *   (scisql wraps it, qserv/README §b). A width of 360 or more gives 0..360, every longitude;
 * - latitudes are clamped to [-90, 90], because scisql returns NULL outside. A box that reaches
 *   a pole still covers only its longitude range near that pole; it is not widened to a cap.
 *
 * @throws GeometryError BOX_INVALID for a non-finite argument, |centerLat| > 90 or a negative size.
 */
export function adqlBoxToLonLatBox(centerLon: number, centerLat: number, width: number, height: number): LonLatBox {
  if (![centerLon, centerLat, width, height].every(Number.isFinite)) {
    throw new GeometryError("BOX_INVALID", "BOX arguments must be finite numbers");
  }
  if (centerLat < -90 || centerLat > 90) {
    throw new GeometryError("BOX_INVALID", `BOX centre latitude ${centerLat} is outside [-90, 90]`);
  }
  if (width < 0 || height < 0) {
    throw new GeometryError("BOX_INVALID", `BOX width and height must not be negative (got ${width}, ${height})`);
  }
  const latMin = Math.max(-90, centerLat - height / 2);
  const latMax = Math.min(90, centerLat + height / 2);
  if (width >= 360) return { lonMin: 0, latMin, lonMax: 360, latMax };
  return {
    lonMin: reduceAngle(centerLon - width / 2),
    latMin,
    lonMax: reduceAngle(centerLon + width / 2),
    latMax,
  };
}
