import { SkyError } from "./errors.js";
import { checkPolygon, edgePlanes, insideEdgePlanes, withoutClosingVertex, type EdgePlanes } from "./polygon.js";
import {
  capShape,
  EPS,
  lineMoment,
  piecesLatRange,
  pointShape,
  polygonShape,
  rangeShape,
  shapesIntersect,
  shapeWithin,
  polygonMoment,
  rangeMoment,
  WHOLE_SHAPE,
  type Shape,
} from "./region-ops.js";
import {
  angularSeparation,
  cross,
  DEG_PER_RAD,
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
  readonly kind: "point" | "circle" | "polygon" | "range";
  /** A polygon's vertices [lon, lat] in degrees, in the order given (for scisql's polygon form); polygons only. */
  readonly vertices?: readonly (readonly [number, number])[];
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
  /**
   * Whether the two regions share a point (ADQL 2.1 §4.2.17 INTERSECTS): exact, edges included, so regions
   * touching at one vertex or along an edge intersect. Points within about 1e-12 rad of each other count as
   * one (region-ops.ts, EPS). Throws TypeError for an object that this package did not make.
   */
  intersects(other: Region): boolean;
  /** Whether every point of this region is in `other` (ADQL 2.1 §4.2.12 CONTAINS(this, other)), same tolerance. */
  within(other: Region): boolean;
  /**
   * [lon, lat] in degrees of the direction of the region's centre of mass (the normalised integral of the
   * position vector over the surface; over the edge for a range without area; ADQL 2.1 §4.2.10). A point's
   * is itself, a circle's its centre. [NaN, NaN] when the integral vanishes (the whole sky as a range, a
   * band of every longitude symmetric about the equator).
   */
  centroid(): [lon: number, lat: number];
  /**
   * [min, max] latitude in degrees of the region's points, exact: a polygon edge may reach past its vertices.
   * Not widened by the tolerance of intersects/within (pruning on it should allow 1e-9°, as boundingCap does).
   */
  decRange(): [min: number, max: number];
}

/**
 * What every region class shares: the region operations work on a Shape (region-ops.ts), built once per
 * region.
 */
/**
 * Keys of the internal methods, by Symbol.for so that regions made by two copies of this package (its sources
 * and its build, in a test that mixes them) still work with each other.
 */
const SHAPE: unique symbol = Symbol.for("@qserv-tap/sky:region-shape");
const PARAMS: unique symbol = Symbol.for("@qserv-tap/sky:region-params");

abstract class RegionBase {
  private cachedShape: Shape | undefined;

  /** @internal */
  shape(): Shape {
    return (this.cachedShape ??= this.makeShape());
  }

  [SHAPE](): Shape {
    return this.shape();
  }

  abstract [PARAMS](): RegionParams;

  protected abstract makeShape(): Shape;
  abstract boundingCap(): Cap;

  intersects(other: Region): boolean {
    const o = shapeOf(other);
    // The bounding caps carry a margin far larger than EPS, so caps apart by more than their radii settle it.
    const a = this.boundingCap();
    const b = other.boundingCap();
    if (angularSeparation(a.center, b.center) > a.radius + b.radius) return false;
    return shapesIntersect(this.shape(), o);
  }

  within(other: Region): boolean {
    return shapeWithin(this.shape(), shapeOf(other));
  }
}

function shapeOf(r: Region): Shape {
  const f = (r as unknown as Partial<Record<typeof SHAPE, () => Shape>>)[SHAPE];
  if (typeof f === "function") return f.call(r);
  throw new TypeError("not a region made by @qserv-tap/sky (use point, circle, polygon, rangeBox or parseRegion)");
}

/** The direction of a moment vector, or [NaN, NaN] when it vanishes beside the size of the region. */
function directionOf(m: Vec3, size: number): [number, number] {
  const len = Math.sqrt(dot(m, m));
  if (!(len > 1e-9 * size) || len === 0) return [Number.NaN, Number.NaN];
  return lonLat(m);
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

class CircleRegion extends RegionBase implements Region {
  readonly kind = "circle";
  private readonly c: Vec3;
  /** Squared chord of the radius: comparing chords keeps precision for tiny radii, where cosines do not. */
  private readonly chord2: number;

  constructor(
    readonly lon: number,
    readonly lat: number,
    readonly radius: number,
  ) {
    super();
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

  [PARAMS](): RegionParams {
    return { kind: "circle", lon: this.lon, lat: this.lat, radius: this.radius };
  }

  protected makeShape(): Shape {
    if (this.radius >= 180) return WHOLE_SHAPE;
    if (this.radius === 0) return pointShape(this.c);
    return capShape(this.c, this.radius);
  }

  centroid(): [number, number] {
    return [reduceAngle(this.lon), this.lat];
  }

  decRange(): [number, number] {
    return [Math.max(-90, this.lat - this.radius), Math.min(90, this.lat + this.radius)];
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

class PolygonRegion extends RegionBase implements Region {
  readonly kind = "polygon";
  private readonly verts: Vec3[];

  constructor(
    readonly vertices: readonly (readonly [number, number])[],
    private readonly planes: EdgePlanes,
  ) {
    super();
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
   * Centred on the vertices' mean direction. Along a great-circle arc shorter than 180° whose ends are within
   * 90° of the centre, the distance from the centre is largest at an end, so then the farthest vertex bounds
   * the edges too. A long thin polygon can have a vertex farther than 90° from the mean; then an edge may
   * pass the point of its great circle farthest from the centre, which is added when it does.
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
    if (radius > 89) {
      const v = this.verts;
      for (let i = 0; i < v.length; i++) {
        const a = v[i]!;
        const b = v[(i + 1) % v.length]!;
        const n = normalize(cross(a, b));
        const k = dot(center, n);
        // The point of the great circle farthest from the centre: opposite the centre's projection on it.
        const far = normalize({ x: k * n.x - center.x, y: k * n.y - center.y, z: k * n.z - center.z });
        if (dot(cross(a, far), n) >= 0 && dot(cross(far, b), n) >= 0) radius = Math.max(radius, angularSeparation(center, far));
      }
    }
    return { center, radius: Math.min(WHOLE_SKY, radius + CAP_MARGIN_DEG) };
  }

  [PARAMS](): RegionParams {
    return { kind: "polygon", vertices: this.vertices };
  }

  protected makeShape(): Shape {
    return polygonShape(this.verts, this.planes.clockwise);
  }

  /** ½ Σ θᵢ nᵢ over the edges (lengths θᵢ, unit normals nᵢ towards the inside), normalised. */
  centroid(): [number, number] {
    return directionOf(polygonMoment(this.verts, this.planes.clockwise), this.area());
  }

  decRange(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const [, lat] of this.vertices) {
      lo = Math.min(lo, lat);
      hi = Math.max(hi, lat);
    }
    const [elo, ehi] = piecesLatRange(this.shape().pieces, false);
    lo = Math.min(lo, elo);
    hi = Math.max(hi, ehi);
    // A pole inside the polygon is its extreme, though no edge reaches it.
    if (insideEdgePlanes(this.planes, { x: 0, y: 0, z: 1 })) hi = 90;
    if (insideEdgePlanes(this.planes, { x: 0, y: 0, z: -1 })) lo = -90;
    return [lo, hi];
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

class RangeRegion extends RegionBase implements Region {
  readonly kind = "range";
  /** Longitude interval as start and width, width 360 for every longitude. */
  readonly lonStart: number;
  readonly lonWidth: number;

  constructor(
    /** The longitudes as given (for writing the range back). */
    readonly lon1: number,
    readonly lon2: number,
    readonly lat1: number,
    readonly lat2: number,
  ) {
    super();
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
    // Only up to 180° of width is a corner the farthest point from the middle; wider, a point on a side
    // meridian between the corners can be farther, and the polar caps bound the box.
    if (!this.fullLon && this.lonWidth <= 180) {
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

  [PARAMS](): RegionParams {
    const full = this.lonWidth >= 360;
    return { kind: "range", lon1: full ? 0 : this.lon1, lon2: full ? 360 : this.lon2, lat1: this.lat1, lat2: this.lat2 };
  }

  protected makeShape(): Shape {
    const { lonStart, lonWidth, lat1, lat2 } = this;
    if (lat1 === lat2 && (lonWidth === 0 || Math.abs(lat1) === 90)) return pointShape(unitVector(lonStart, lat1));
    return rangeShape(lonStart, lonWidth, lat1, lat2);
  }

  /**
   * Integrated over the surface (Stokes on the four sides: the parallels are small circles), or along the
   * edge for a range without area (a stretch of a meridian or of a parallel).
   */
  centroid(): [number, number] {
    const shape = this.shape();
    if (shape.pieces.length === 0) {
      return shape.whole ? [Number.NaN, Number.NaN] : [reduceAngle(this.lonStart), this.lat1];
    }
    const area = this.area();
    if (area > 0) return directionOf(rangeMoment(this.lonStart, this.lonWidth, this.lat1, this.lat2), area);
    return directionOf(lineMoment(shape.pieces), 1e-300);
  }

  decRange(): [number, number] {
    return [this.lat1, this.lat2];
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

/**
 * A single position. It contains only itself: positions within EPS (1e-12 rad, region-ops.ts) of it count
 * as the same, so that a point on another region's edge meets it.
 */
class PointRegion extends RegionBase implements Region {
  readonly kind = "point";
  private readonly p: Vec3;

  constructor(
    readonly lon: number,
    readonly lat: number,
  ) {
    super();
    this.p = unitVector(lon, lat);
  }

  contains(lon: number, lat: number): boolean {
    return this.containsVector(unitVector(lon, lat));
  }

  containsVector(v: Vec3): boolean {
    return angularSeparation(this.p, v) <= EPS * DEG_PER_RAD;
  }

  area(): number {
    return 0;
  }

  boundingCap(): Cap {
    return { center: this.p, radius: CAP_MARGIN_DEG };
  }

  /** One piece of length 0, so that code sampling an edge sees the point rather than an edgeless whole sky. */
  boundaryCurves(): readonly BoundaryCurve[] {
    const p = this.p;
    return [{ lengthDeg: 0, at: () => p }];
  }

  boundary(maxStepDeg: number): [number, number][] {
    return sampleCurves(this.boundaryCurves(), maxStepDeg);
  }

  [PARAMS](): RegionParams {
    return { kind: "point", lon: this.lon, lat: this.lat };
  }

  protected makeShape(): Shape {
    return pointShape(this.p);
  }

  centroid(): [number, number] {
    return [reduceAngle(this.lon), this.lat];
  }

  decRange(): [number, number] {
    return [this.lat, this.lat];
  }
}

/** A position (lon, lat) in degrees as a region (DALI §3.7 point). */
export function point(lon: number, lat: number): Region {
  checkPosition(lon, lat, "the point");
  return new PointRegion(lon, lat);
}

/**
 * A circle that may have radius 0 (DALI and ADQL allow it; `circle()` refuses it, as SODA's CIRCLE needs an
 * area). Not exported from the package: parseRegion uses it.
 */
export function circleAllowingZero(lon: number, lat: number, radius: number): Region {
  if (radius === 0) {
    checkPosition(lon, lat, "the centre");
    return new CircleRegion(lon, lat, 0);
  }
  return circle(lon, lat, radius);
}

/** The numbers that define a region, for writing it as text. */
export type RegionParams =
  | { readonly kind: "point"; readonly lon: number; readonly lat: number }
  | { readonly kind: "circle"; readonly lon: number; readonly lat: number; readonly radius: number }
  | { readonly kind: "polygon"; readonly vertices: readonly (readonly [number, number])[] }
  | { readonly kind: "range"; readonly lon1: number; readonly lon2: number; readonly lat1: number; readonly lat2: number };

/** The defining numbers of a region of this package (range longitudes as given, 0 360 for every longitude). */
export function regionParams(r: Region): RegionParams {
  const f = (r as unknown as Partial<Record<typeof PARAMS, () => RegionParams>>)[PARAMS];
  if (typeof f === "function") return f.call(r);
  throw new TypeError("not a region made by @qserv-tap/sky");
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
 * A convex spherical polygon with great-circle edges, vertices in either winding, a last vertex that repeats the first
 * dropped (withoutClosingVertex). Refused: fewer than 3 or
 * more than `maxVertices` vertices, degenerate, non-convex or self-intersecting polygons.
 */
export function polygon(
  vertices: readonly (readonly [number, number])[],
  maxVertices = MAX_POLYGON_VERTICES,
): Region {
  const given: number[] = [];
  for (const v of vertices) given.push(v[0], v[1]);
  const flat = withoutClosingVertex(given);
  const check = checkPolygon(flat, maxVertices);
  if (!check.ok) throw new SkyError(check.code, check.reason);
  const built = edgePlanes(flat);
  // checkPolygon has built the same planes already, so this cannot fail.
  if (!built.ok) throw new SkyError("POLYGON_DEGENERATE", "degenerate polygon");
  return new PolygonRegion(
    vertices.slice(0, flat.length / 2).map(([lon, lat]) => [lon, lat] as const),
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
