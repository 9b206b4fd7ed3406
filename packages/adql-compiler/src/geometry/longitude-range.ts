/**
 * The longitudes that a point inside a cone can have: the range that the bound-right-ascension pass turns into a
 * condition on the RA column, so that the cone's predicate (scisql_s2PtInCircle, or scisql_angSep(...) < r) is tested
 * only on the rows of a small box rather than on the whole declination band around the sky.
 *
 * A cone of radius r about a centre at latitude δ reaches longitudes within w = asin(sin r / cos δ) of its centre
 * when it does not contain a pole (|δ| + r < 90). As for the latitudes (latitude-range.ts), the caller widens the
 * range for the rounding with which the predicates decide. Near the half-width's pole, w grows without bound as a
 * cone touches the pole, and so does its sensitivity to that rounding (dw/dr = cos r / (cos δ cos w)): no range is
 * given where the cone comes within 10° of a pole or w exceeds 60°, which keeps dw/dr under 12 (an error of 1e-12° in
 * the predicate moves the true edge by at most 1.2e-11°, far inside the pass's margin of 5e-9°).
 */
import { DEG_PER_RAD, RAD_PER_DEG } from "@qserv-tap/sky";

/** A closed range of longitudes in degrees, centre ± half-width, not reduced to [0, 360). */
export interface LongitudeRange {
  readonly min: number;
  readonly max: number;
}

/** The furthest a cone may come to a pole and still get a range, in degrees. */
const POLE_DISTANCE = 10;

/**
 * Centres beyond this many degrees get no range: the pass reduces a centre by whole turns, which at 1e6° costs at most
 * 1.2e-10° of rounding (an ulp), and the predicates lose as much in their difference of longitudes.
 */
const MAX_CENTER_LON = 1e6;

/** sin 60°: the largest half-width given a range. */
const MAX_SIN_HALF_WIDTH = Math.sqrt(3) / 2;

/**
 * The longitudes of the points within `radius` of (centerLon, centerLat), for both cone forms: scisql_s2PtInCircle
 * and scisql_angSep(lon, lat, centerLon, centerLat) < radius. Undefined where scisql answers NULL for the arguments,
 * or where the cone is near a pole or wide (see above).
 */
export function coneLongitudes(centerLon: number, centerLat: number, radius: number): LongitudeRange | undefined {
  if (!(Math.abs(centerLon) <= MAX_CENTER_LON) || !(centerLat >= -90 && centerLat <= 90) || !(radius >= 0 && radius <= 180)) return undefined;
  if (Math.abs(centerLat) + radius > 90 - POLE_DISTANCE) return undefined;
  const s = Math.sin(radius * RAD_PER_DEG) / Math.cos(centerLat * RAD_PER_DEG);
  if (!(s <= MAX_SIN_HALF_WIDTH)) return undefined;
  const w = Math.asin(s) * DEG_PER_RAD;
  return { min: centerLon - w, max: centerLon + w };
}
