import { SkyError } from "./errors.js";
import { checkPolygon, edgePlanes, insideEdgePlanes, type EdgePlanes } from "./polygon.js";
import {
  angularSeparation,
  cross,

  dot,
  lonLat,
  normalize,
  RAD_PER_DEG,
  reduceAngle,
  slerp,
  unitVector,
  type Vec3,
} from "./vector.js";

/** A spherical cap: every point within `radius` degrees of `center`. */
export interface Cap {
  readonly center: Vec3;
  readonly radius: number;
}

/**
 * A piece of a region's edge, parametrised by t in [0, 1]. Region → pixel box refines crossings and extremes
 * along these, so they are exposed rather than only their samples.
 */
export interface BoundaryCurve {
  readonly lengthDeg: number;
  /** Whether at(0) and at(1) are the same point inside a smooth curve (a circle), not a corner. */
  readonly closed?: boolean;
  at(t: number): Vec3;
}

export interface Region {
  readonly kind: "circle" | "polygon" | "range";
  /** Whether (lon, lat) in degrees lies inside or on the edge. */
  contains(lon: number, lat: number): boolean;
  containsVector(v: Vec3): boolean;
  /** Area in steradians. */
  area(): number;
  boundingCap(): Cap;
  /** The edge as consecutive pieces; empty for a region without edge (the whole sky). */
  boundaryCurves(): readonly BoundaryCurve[];
  /** Samples along the edge as [lon, lat], at most maxStepDeg apart, each piece from its start to its end. */
  boundary(maxStepDeg: number): [number, number][];
}

/** Whole-sky caps and ranges get this radius. */
const WHOLE_SKY = 180;
/** Added to computed cap radii so that rounding never leaves a boundary point just outside. */
const CAP_MARGIN_DEG = 1e-9;

function checkPosition(lon: number, lat: number, what: string): void {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lat < -90 || lat > 90) {
    throw new SkyError("BAD_COORDINATE", `${what} (${lon}, ${lat}) is not a position on the sphere`);
  }
}

function sampleCurves(curves: readonly BoundaryCurve[], maxStepDeg: number): [number, number][] {
  if (!(maxStepDeg > 0)) throw new RangeError(`maxStepDeg must be positive, got ${maxStepDeg}`);
  const out: [number, number][] = [];
  for (const c of curves) {
    const n = Math.max(1, Math.ceil(c.lengthDeg / maxStepDeg));
    for (let i = 0; i <= n; i++) out.push(lonLat(c.at(i / n)));
  }
  return out;
}

/** A tangent basis (u, w) at the unit vector c: any axis not parallel to c will do. */
function tangentBasis(c: Vec3): [Vec3, Vec3] {
  const axis = Math.abs(c.x) < 0.9 ? { x: 1, y: 0, z: 0 } : { x: 0, y: 1, z: 0 };
  const u = normalize(cross(axis, c));
  return [u, cross(c, u)];
}

class CircleRegion implements Region {
  readonly kind = "circle";
  private readonly c: Vec3;
  /** Squared chord of the radius: comparing chords keeps precision for tiny radii, where cosines do not. */
  private readonly chord2: number;

  constructor(
    readonly lon: number,
    readonly lat: number,
    readonly radius: number,
  ) {
    this.c = unitVector(lon, lat);
    const s = Math.sin(radius * RAD_PER_DEG * 0.5);
    this.chord2 = 4 * s * s;
  }

  contains(lon: number, lat: number): boolean {
    return this.containsVector(unitVector(lon, lat));
  }

  containsVector(v: Vec3): boolean {
    const dx = v.x - this.c.x;
    const dy = v.y - this.c.y;
    const dz = v.z - this.c.z;
    return this.radius >= 180 || dx * dx + dy * dy + dz * dz <= this.chord2 * (1 + 1e-15);
  }

  area(): number {
    return Math.PI * this.chord2;
  }

  boundingCap(): Cap {
    return { center: this.c, radius: Math.min(WHOLE_SKY, this.radius + CAP_MARGIN_DEG) };
  }

  boundaryCurves(): readonly BoundaryCurve[] {
    if (this.radius >= 180) return [];
    const [u, w] = tangentBasis(this.c);
    const r = this.radius * RAD_PER_DEG;
    const cr = Math.cos(r);
    const sr = Math.sin(r);
    const c = this.c;
    return [
      {
        lengthDeg: 360 * sr,
        closed: true,
        at(t: number): Vec3 {
          const a = 2 * Math.PI * t;
          const ca = Math.cos(a) * sr;
          const sa = Math.sin(a) * sr;
          return { x: cr * c.x + ca * u.x + sa * w.x, y: cr * c.y + ca * u.y + sa * w.y, z: cr * c.z + ca * u.z + sa * w.z };
        },
      },
    ];
  }

  boundary(maxStepDeg: number): [number, number][] {
    return sampleCurves(this.boundaryCurves(), maxStepDeg);
  }
}

class PolygonRegion implements Region {
  readonly kind = "polygon";
  private readonly verts: Vec3[];

  constructor(
    readonly vertices: readonly (readonly [number, number])[],
    private readonly planes: EdgePlanes,
  ) {
    this.verts = vertices.map(([lon, lat]) => unitVector(lon, lat));
  }

  contains(lon: number, lat: number): boolean {
    return insideEdgePlanes(this.planes, unitVector(lon, lat));
  }

  containsVector(v: Vec3): boolean {
    return insideEdgePlanes(this.planes, v);
  }

  /** Sum of the fan triangles' spherical excesses (the polygon is convex): tan(E/2) = |a·(b×c)| / (1 + a·b + b·c + c·a). */
  area(): number {
    const v = this.verts;
    const a = v[0]!;
    let total = 0;
    for (let i = 1; i + 1 < v.length; i++) {
      const b = v[i]!;
      const c = v[i + 1]!;
      total += 2 * Math.atan2(Math.abs(dot(a, cross(b, c))), 1 + dot(a, b) + dot(b, c) + dot(c, a));
    }
    return total;
  }

  /**
   * Centred on the vertices' mean direction. The distance from a point along a great-circle arc shorter than
   * 180° is largest at one of its ends, so the farthest vertex bounds the edges too.
   */
  boundingCap(): Cap {
    let sx = 0;
    let sy = 0;
    let sz = 0;
    for (const v of this.verts) {
      sx += v.x;
      sy += v.y;
      sz += v.z;
    }
    const center = normalize({ x: sx, y: sy, z: sz });
    let radius = 0;
    for (const v of this.verts) radius = Math.max(radius, angularSeparation(center, v));
    return { center, radius: Math.min(WHOLE_SKY, radius + CAP_MARGIN_DEG) };
  }

  boundaryCurves(): readonly BoundaryCurve[] {
    const v = this.verts;
    return v.map((a, i) => {
      const b = v[(i + 1) % v.length]!;
      return { lengthDeg: angularSeparation(a, b), at: (t: number) => slerp(a, b, t) };
    });
  }

  boundary(maxStepDeg: number): [number, number][] {
    return sampleCurves(this.boundaryCurves(), maxStepDeg);
  }
}

class RangeRegion implements Region {
  readonly kind = "range";
  /** Longitude interval as start and width, width 360 for every longitude. */
  readonly lonStart: number;
  readonly lonWidth: number;

  constructor(
    lon1: number,
    lon2: number,
    readonly lat1: number,
    readonly lat2: number,
  ) {
    if (lon1 === -Infinity || lon2 === Infinity || lon2 - lon1 >= 360) {
      this.lonStart = 0;
      this.lonWidth = 360;
    } else {
      this.lonStart = reduceAngle(lon1);
      this.lonWidth = reduceAngle(lon2 - lon1);
    }
  }

  private get fullLon(): boolean {
    return this.lonWidth >= 360;
  }

  contains(lon: number, lat: number): boolean {
    if (!(lat >= this.lat1 && lat <= this.lat2)) return false;
    // At a pole every longitude is the same point.
    if (this.fullLon || lat === 90 || lat === -90) return true;
    return reduceAngle(lon - this.lonStart) <= this.lonWidth;
  }

  containsVector(v: Vec3): boolean {
    const [lon, lat] = lonLat(v);
    if (v.x === 0 && v.y === 0) return this.contains(0, v.z > 0 ? 90 : -90);
    return this.contains(lon, lat);
  }

  area(): number {
    return this.lonWidth * RAD_PER_DEG * (Math.sin(this.lat2 * RAD_PER_DEG) - Math.sin(this.lat1 * RAD_PER_DEG));
  }

  /**
   * The smallest of: a cap about either pole, and a cap about the box's middle whose radius reaches the
   * farthest corner (along a parallel the distance from the middle meridian grows with the longitude difference
   * up to 180°, and along a meridian it is largest at an end, so a corner is always farthest).
   */
  boundingCap(): Cap {
    const caps: Cap[] = [
      { center: { x: 0, y: 0, z: 1 }, radius: 90 - this.lat1 },
      { center: { x: 0, y: 0, z: -1 }, radius: 90 + this.lat2 },
    ];
    if (!this.fullLon) {
      const center = unitVector(this.lonStart + this.lonWidth / 2, (this.lat1 + this.lat2) / 2);
      let radius = 0;
      for (const lon of [this.lonStart, this.lonStart + this.lonWidth]) {
        for (const lat of [this.lat1, this.lat2]) radius = Math.max(radius, angularSeparation(center, unitVector(lon, lat)));
      }
      caps.push({ center, radius });
    }
    let best = caps[0]!;
    for (const c of caps) if (c.radius < best.radius) best = c;
    return { center: best.center, radius: Math.min(WHOLE_SKY, best.radius + CAP_MARGIN_DEG) };
  }

  /** Lower parallel eastwards, east meridian northwards, upper parallel westwards, west meridian southwards. */
  boundaryCurves(): readonly BoundaryCurve[] {
    const { lonStart: l0, lonWidth: w, lat1, lat2 } = this;
    const curves: BoundaryCurve[] = [];
    const parallel = (lat: number, from: number, dir: number): BoundaryCurve => ({
      lengthDeg: w * Math.cos(lat * RAD_PER_DEG),
      at: (t: number) => unitVector(from + dir * t * w, lat),
    });
    const meridian = (lon: number, from: number, to: number): BoundaryCurve => ({
      lengthDeg: Math.abs(to - from),
      at: (t: number) => unitVector(lon, from + t * (to - from)),
    });
    if (lat1 > -90) curves.push(parallel(lat1, l0, 1));
    if (!this.fullLon && lat2 > lat1) curves.push(meridian(l0 + w, lat1, lat2));
    if (lat2 < 90) curves.push(parallel(lat2, l0 + w, -1));
    if (!this.fullLon && lat2 > lat1) curves.push(meridian(l0, lat2, lat1));
    return curves;
  }

  boundary(maxStepDeg: number): [number, number][] {
    return sampleCurves(this.boundaryCurves(), maxStepDeg);
  }
}

/** A circle (cone) of `radius` degrees, 0 < radius ≤ 180, about (lon, lat). */
export function circle(lon: number, lat: number, radius: number): Region {
  checkPosition(lon, lat, "the centre");
  if (!Number.isFinite(radius) || radius <= 0 || radius > 180) {
    throw new SkyError("BAD_RADIUS", `the radius ${radius} is not in (0, 180] degrees`);
  }
  return new CircleRegion(lon, lat, radius);
}

/** Default limit on polygon vertices: well above what any cutout needs, low enough to keep checks cheap. */
export const MAX_POLYGON_VERTICES = 1000;

/**
 * A convex spherical polygon with great-circle edges, vertices in either winding. Refused: fewer than 3 or
 * more than `maxVertices` vertices, degenerate, non-convex or self-intersecting polygons.
 */
export function polygon(
  vertices: readonly (readonly [number, number])[],
  maxVertices = MAX_POLYGON_VERTICES,
): Region {
  const flat: number[] = [];
  for (const v of vertices) flat.push(v[0], v[1]);
  const check = checkPolygon(flat, maxVertices);
  if (!check.ok) throw new SkyError(check.code, check.reason);
  const built = edgePlanes(flat);
  // checkPolygon has built the same planes already, so this cannot fail.
  if (!built.ok) throw new SkyError("POLYGON_DEGENERATE", "degenerate polygon");
  return new PolygonRegion(
    vertices.map(([lon, lat]) => [lon, lat] as const),
    built.planes,
  );
}

/**
 * SODA's RANGE (SODA 1.0 §3.3.1): longitudes lon1 to lon2 (through 0 when lon1 > lon2; every longitude when the
 * interval spans 360° or is open), latitudes lat1 to lat2, either of which may be ±90 (a polar cap) or
 * ±Infinity (open, as DALI intervals allow).
 */
export function rangeBox(lon1: number, lon2: number, lat1: number, lat2: number): Region {
  const la1 = lat1 === -Infinity ? -90 : lat1;
  const la2 = lat2 === Infinity ? 90 : lat2;
  for (const [v, name] of [
    [lon1, "longitude 1"],
    [lon2, "longitude 2"],
  ] as const) {
    if (Number.isNaN(v) || v === (name === "longitude 1" ? Infinity : -Infinity)) {
      throw new SkyError("BAD_RANGE", `${name} ${v} is not a longitude`);
    }
  }
  for (const [v, name] of [
    [la1, "latitude 1"],
    [la2, "latitude 2"],
  ] as const) {
    if (!Number.isFinite(v) || v < -90 || v > 90) throw new SkyError("BAD_RANGE", `${name} ${v} is not in [-90, 90]`);
  }
  if (la1 > la2) throw new SkyError("BAD_RANGE", `latitude 1 (${la1}) is greater than latitude 2 (${la2})`);
  return new RangeRegion(lon1, lon2, la1, la2);
}
