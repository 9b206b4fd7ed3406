import { SkyError, WcsError } from "./errors.js";
import { cross, DEG_PER_RAD, dot, normalize, unitVector, type Vec3 } from "./vector.js";
import type { Wcs } from "./wcs.js";

export interface Footprint {
  /** [lon, lat] in degrees, not repeating the first vertex, wound as described at footprint(). */
  readonly vertices: readonly (readonly [number, number])[];
}

export interface FootprintOptions {
  /** How far, in pixels, the image's edge may stray from the polygon's great-circle edges. */
  readonly tolerancePixels?: number;
  /**
   * Only where the image's edge strays outside the polygon: a polygon that covers the image, for searches. A side
   * that bows inwards keeps its chord, which lies outside it, so the polygon stays convex where the other sides
   * bow outwards (SIP distortion does both: with vertices for both, the polygon is concave).
   */
  readonly covering?: boolean;
}

/** Halvings of an edge at most: 2^10 pieces per side, for the most curved edges. */
const MAX_DEPTH = 10;

/**
 * An image's outline on the sky as a polygon, for ObsCore's s_region: the outer edges of the edge pixels
 * (0.5 and naxis + 0.5), with the corners as vertices, and more vertices along a side wherever the side, mapped
 * to the sky, strays from a great circle by more than the tolerance (SIP, and all projections but TAN).
 *
 * The vertices run counter-clockwise in a plot of latitude against longitude with longitude increasing to the
 * right, as SODA 1.0 §3.3.1's POLYGON example does ((12,34) (14,34) (14,36) (12,36)); DALI (§3.10 of the
 * draft in ../shared) asks for "counter-clockwise when viewed from the origin toward the sky", which can be read
 * either way; we follow SODA's example.
 */
export function footprint(wcs: Wcs, naxis1: number, naxis2: number, options: FootprintOptions = {}): Footprint {
  for (const n of [naxis1, naxis2]) {
    if (!Number.isInteger(n) || n < 1) throw new SkyError("BAD_IMAGE_SIZE", `an image axis of ${n} pixels`);
  }
  const tol = options.tolerancePixels ?? 0.01;
  const sky = (x: number, y: number): Vec3 => {
    const s = wcs.pixelToSky(x, y);
    if (!s) {
      throw new WcsError("OUTSIDE_PROJECTION", `pixel (${x}, ${y}) of the image's edge is outside the projection's domain`);
    }
    return unitVector(s[0], s[1]);
  };
  const corners: [number, number][] = [
    [0.5, 0.5],
    [naxis1 + 0.5, 0.5],
    [naxis1 + 0.5, naxis2 + 0.5],
    [0.5, naxis2 + 0.5],
  ];
  // Which side of a side's great circle is inside: the image's centre's.
  const centre = options.covering ? sky((naxis1 + 1) / 2, (naxis2 + 1) / 2) : undefined;
  const out: Vec3[] = [];
  for (let i = 0; i < 4; i++) {
    const [ax, ay] = corners[i]!;
    const [bx, by] = corners[(i + 1) % 4]!;
    const a = sky(ax, ay);
    out.push(a);
    subdivide(ax, ay, a, bx, by, sky(bx, by), 0);
  }

  function subdivide(ax: number, ay: number, a: Vec3, bx: number, by: number, b: Vec3, depth: number): void {
    if (depth >= MAX_DEPTH) return;
    const n = normalize(cross(a, b));
    const inside = centre === undefined ? 0 : Math.sign(dot(centre, n));
    let worst = 0;
    for (const f of [0.25, 0.5, 0.75]) {
      const x = ax + f * (bx - ax);
      const y = ay + f * (by - ay);
      const d = dot(sky(x, y), n);
      if (d * inside > 0) continue; // inside the chord: covered
      const off = Math.abs(Math.asin(Math.max(-1, Math.min(1, d)))) * DEG_PER_RAD;
      worst = Math.max(worst, off / wcs.pixelScale(x, y));
    }
    if (!(worst > tol)) return;
    const mx = (ax + bx) / 2;
    const my = (ay + by) / 2;
    const m = sky(mx, my);
    subdivide(ax, ay, a, mx, my, m, depth + 1);
    out.push(m);
    subdivide(mx, my, m, bx, by, b, depth + 1);
  }

  // Orientation: the sum of the edges' cross products points out of the polygon's side of the sphere when it
  // runs counter-clockwise seen from outside the sphere, which is counter-clockwise with longitude to the right.
  let c = { x: 0, y: 0, z: 0 };
  let s = { x: 0, y: 0, z: 0 };
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    const w = out[(i + 1) % out.length]!;
    const k = cross(v, w);
    s = { x: s.x + k.x, y: s.y + k.y, z: s.z + k.z };
    c = { x: c.x + v.x, y: c.y + v.y, z: c.z + v.z };
  }
  if (dot(s, c) < 0) out.reverse();
  return {
    vertices: out.map((v) => {
      const lat = Math.atan2(v.z, Math.hypot(v.x, v.y)) * DEG_PER_RAD;
      let lon = Math.atan2(v.y, v.x) * DEG_PER_RAD;
      if (lon < 0) lon += 360;
      if (lon >= 360) lon -= 360;
      return [lon, lat] as const;
    }),
  };
}
