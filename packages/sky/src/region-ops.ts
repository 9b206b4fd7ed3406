/**
 * Region–region operations (ADQL 2.1 §4.2.17 INTERSECTS, §4.2.12 CONTAINS, §4.2.10 CENTROID; DALI §3.7–3.10 regions): exact
 * tests on the sphere, boundaries inclusive, by the boundary-piece method.
 *
 * Every region other than a point and the whole sky is described by its boundary: pieces, each the
 * intersection of the sphere with a plane n·x = d (a great circle when d = 0, a small circle otherwise)
 * restricted to an arc of parameter φ, oriented so that the region lies on the side n·x ≥ d (to the left
 * of the direction of travel seen from outside the sphere). Two pieces meet where the line common to their
 * planes meets the sphere (0, 1 or 2 points), if the point lies within both arcs.
 *
 * Tolerance: a point within EPS radians (about 2e-7 arcsec) of a region counts as in it, and two pieces that
 * pass within EPS of each other meet. Coordinates typed in decimal degrees make vertices that are equal
 * bit for bit but edge planes that pass them only within rounding (about 1e-16), so without a tolerance two
 * footprints touching at one shared vertex, or along a shared edge, would intersect or not by accident.
 * EPS is far above that rounding and far below any astrometric precision.
 */
import { cross, dot, lonLat, meanDirection, normalize, RAD_PER_DEG, tangentBasis, unitVector, type Vec3 } from "./vector.js";

/** Radians (vector units on the unit sphere): see the module comment. */
export const EPS = 1e-12;
/** Below this |n1 × n2|², two planes are taken as parallel: their common line is not well defined. */
const PARALLEL2 = 1e-24;
const TWO_PI = 2 * Math.PI;

/** An arc of a circle on the sphere; the region it bounds lies on the side n·x ≥ d. */
export interface Piece {
  readonly n: Vec3;
  readonly d: number;
  /** 1 − d, computed without cancellation (2 sin²(r/2)), which keeps small circles precise. */
  readonly h: number;
  /** The circle's radius in space, sin r. */
  readonly rho: number;
  /** The angular radius about n, radians. */
  readonly r: number;
  /** x(φ) = d n + ρ (cos φ u + sin φ w), w = n × u: φ increasing runs with the region on the left. */
  readonly u: Vec3;
  readonly w: Vec3;
  readonly phi0: number;
  /** Length of the arc in φ, radians; 2π for a whole circle. */
  readonly span: number;
  /** A cap holding the arc (about its middle point), as the cosine of a radius with a margin; −1 for none. */
  readonly mid: Vec3;
  readonly reach: number;
  readonly capCos: number;
  readonly capSin: number;
}

/** What the region operations need of a region. */
export interface Shape {
  readonly whole: boolean;
  readonly pieces: readonly Piece[];
  /** Boundary points not on any piece (the point of a point region). */
  readonly extraPoints: readonly Vec3[];
  /**
   * One point in each connected component of the complement, well away from the region (at least about
   * 1e-6 rad unless the region itself leaves only a narrower gap). Empty for the whole sky.
   */
  readonly outside: readonly Vec3[];
  /** Whether v is within EPS of the region. */
  near(v: Vec3): boolean;
}

const Z: Vec3 = { x: 0, y: 0, z: 1 };
const NEG_Z: Vec3 = { x: 0, y: 0, z: -1 };

function scale(v: Vec3, s: number): Vec3 {
  return { x: v.x * s, y: v.y * s, z: v.z * s };
}
function add(a: Vec3, b: Vec3): Vec3 {
  return { x: a.x + b.x, y: a.y + b.y, z: a.z + b.z };
}
function neg(v: Vec3): Vec3 {
  return { x: -v.x, y: -v.y, z: -v.z };
}
/** The angle between unit vectors, radians, accurate at every separation. */
function angle(a: Vec3, b: Vec3): number {
  const c = cross(a, b);
  return Math.atan2(Math.sqrt(dot(c, c)), dot(a, b));
}
/** φ reduced to [0, 2π). */
function reduce(phi: number): number {
  let a = phi % TWO_PI;
  if (a < 0) a += TWO_PI;
  return a >= TWO_PI ? 0 : a;
}

/** A piece on the circle of angular radius rDeg about the unit vector n. */
export function makePiece(n: Vec3, rDeg: number, u: Vec3, w: Vec3, phi0: number, span: number): Piece {
  const great = rDeg === 90;
  const r = great ? Math.PI / 2 : rDeg * RAD_PER_DEG;
  const sh = Math.sin(r / 2);
  const d = great ? 0 : Math.cos(r);
  const h = great ? 1 : 2 * sh * sh;
  const rho = great ? 1 : Math.sin(r);
  // Along a circle of radius ρ in space, the point δ of parameter away from the middle is 2 asin(ρ sin(δ/2))
  // from it; the margin (1e-9 rad) keeps the cap well clear of EPS.
  const reach = span >= TWO_PI ? Math.PI : Math.min(Math.PI, 2 * Math.asin(Math.min(1, rho * Math.sin(span / 4))) + 1e-9);
  const mid = pointOn(n, d, rho, u, w, phi0 + span / 2);
  // One object literal, so that every piece has the same hidden class (the pair loops are hot).
  return { n, d, h, rho, r, u, w, phi0, span, mid, reach, capCos: Math.cos(reach), capSin: Math.sin(reach) };
}

function pointOn(n: Vec3, d: number, rho: number, u: Vec3, w: Vec3, phi: number): Vec3 {
  const c = Math.cos(phi) * rho;
  const s = Math.sin(phi) * rho;
  return normalize({
    x: d * n.x + c * u.x + s * w.x,
    y: d * n.y + c * u.y + s * w.y,
    z: d * n.z + c * u.z + s * w.z,
  });
}

/**
 * Whether the caps of two pieces are apart, so that the pieces cannot meet: the angle between the middles
 * exceeds the sum of the reaches (compared through cosines: cos(a + b) = cos a cos b − sin a sin b).
 */
function capsApart(p: Piece, q: Piece): boolean {
  // If the reaches add up to π or more, nothing is apart (and the cosine no longer orders the angles).
  if (p.reach + q.reach >= Math.PI) return false;
  return dot(p.mid, q.mid) < p.capCos * q.capCos - p.capSin * q.capSin;
}

export function pieceAt(p: Piece, phi: number): Vec3 {
  return pointOn(p.n, p.d, p.rho, p.u, p.w, phi);
}

/** The parameter of x (a point on or near the piece's circle) measured from the piece's start, in [0, 2π). */
function offsetOf(p: Piece, x: Vec3): number {
  return reduce(Math.atan2(dot(x, p.w), dot(x, p.u)) - p.phi0);
}

/** Whether a point of the piece's circle lies within its arc, allowing EPS at either end. */
function inArc(p: Piece, x: Vec3): boolean {
  if (p.span >= TWO_PI) return true;
  const tol = p.rho > 0 ? EPS / p.rho : TWO_PI;
  const t = offsetOf(p, x);
  return t <= p.span + tol || t >= TWO_PI - tol;
}

/** Whether x is within EPS of the piece's circle. */
function onCircle(p: Piece, x: Vec3): boolean {
  return Math.abs(angle(x, p.n) - p.r) <= EPS;
}

function startOf(p: Piece): Vec3 {
  return pieceAt(p, p.phi0);
}
function endOf(p: Piece): Vec3 {
  return pieceAt(p, p.phi0 + p.span);
}

/**
 * The points where two pieces meet (within EPS). For pieces on one circle (coincident planes), the ends of
 * each that lie on the other; for whole coincident circles, one of their points.
 */
export function meetPoints(p: Piece, q: Piece): Vec3[] {
  if (capsApart(p, q)) return [];
  const m = cross(p.n, q.n);
  const mm = dot(m, m);
  const out: Vec3[] = [];
  if (mm < PARALLEL2) {
    const same = dot(p.n, q.n) > 0 ? Math.abs(p.r - q.r) <= EPS : Math.abs(p.r - (Math.PI - q.r)) <= EPS;
    if (!same) return out;
    if (p.span >= TWO_PI && q.span >= TWO_PI) return [startOf(p)];
    for (const x of [startOf(p), endOf(p)]) if (inArc(q, x)) out.push(x);
    for (const x of [startOf(q), endOf(q)]) if (inArc(p, x)) out.push(x);
    return out;
  }
  // The line x0 + t m common to both planes. With k = n1·n2 and hγ = 1 − k = |n1 − n2|²/2, the terms below
  // are written with h = 1 − d so that two small circles close together keep their precision.
  const dn = { x: p.n.x - q.n.x, y: p.n.y - q.n.y, z: p.n.z - q.n.z };
  const hg = dot(dn, dn) / 2;
  const kdd = p.h + q.h - hg - p.h * q.h; // n1·n2 − d1 d2
  const a = (q.h - p.h + hg - q.h * hg) / mm; // (d1 − d2 k) / |m|²
  const b = (p.h - q.h + hg - p.h * hg) / mm; // (d2 − d1 k) / |m|²
  const x0 = add(scale(p.n, a), scale(q.n, b));
  const disc = p.rho * p.rho * q.rho * q.rho - kdd * kdd;
  const candidates: Vec3[] = [];
  if (disc > 0) {
    const t = Math.sqrt(disc) / mm;
    candidates.push(normalize(add(x0, scale(m, t))), normalize(add(x0, scale(m, -t))));
  } else {
    // Tangent circles, or circles that miss: the point of the line nearest the sphere, if it is on both.
    const len2 = dot(x0, x0);
    if (len2 === 0) return out;
    const x = normalize(x0);
    if (onCircle(p, x) && onCircle(q, x)) candidates.push(x);
  }
  for (const x of candidates) if (inArc(p, x) && inArc(q, x)) out.push(x);
  return out;
}

/** ADQL INTERSECTS: whether the regions share a point (within EPS). */
export function shapesIntersect(a: Shape, b: Shape): boolean {
  // Regions are never empty, so the whole sky meets everything.
  if (a.whole || b.whole) return true;
  // A ∩ B ≠ ∅ (and neither is the whole sky) implies that A ∩ B has a boundary point, which lies on ∂A ∩ B or
  // on ∂B ∩ A. If ∂A and ∂B do not meet, each piece of ∂A is wholly inside or wholly outside B (a piece is
  // connected and can only leave B through ∂B), so its start decides; likewise for ∂B. Hence the three tests
  // below are complete.
  for (const x of boundaryPoints(a)) if (b.near(x)) return true;
  for (const x of boundaryPoints(b)) if (a.near(x)) return true;
  for (const p of a.pieces) for (const q of b.pieces) if (meetPoints(p, q).length > 0) return true;
  return false;
}

function boundaryPoints(s: Shape): Vec3[] {
  return [...s.extraPoints, ...s.pieces.map(startOf)];
}

/** ADQL CONTAINS(A, B): whether every point of A is in B (within EPS). */
export function shapeWithin(a: Shape, b: Shape): boolean {
  if (b.whole) return true;
  if (a.whole) return false;
  // A ⊆ B iff (1) ∂A ⊆ B and (2) no component of B's complement lies inside A. If (1) holds and some x ∈ A is
  // not in B, x is interior to A; the component C of the complement of B holding x is connected and misses
  // ∂A, so it lies wholly inside A, and so does the test point of C: (2) fails. Conversely A ⊆ B makes both
  // hold. (1) is tested piece by piece: each piece of ∂A is cut where it meets ∂B (crossings, and the ends
  // of pieces of ∂B that lie on it); between two cuts it cannot cross ∂B, so it lies wholly in B or wholly
  // out of it, and its midpoint decides.
  for (const x of a.extraPoints) if (!b.near(x)) return false;
  for (const p of a.pieces) {
    const cuts = [0, p.span];
    for (const q of b.pieces) {
      if (capsApart(p, q)) continue;
      for (const x of meetPoints(p, q)) cuts.push(clampOffset(p, x));
      for (const x of [startOf(q), endOf(q)]) if (onCircle(p, x) && inArc(p, x)) cuts.push(clampOffset(p, x));
    }
    for (const x of b.extraPoints) if (onCircle(p, x) && inArc(p, x)) cuts.push(clampOffset(p, x));
    cuts.sort((s, t) => s - t);
    for (let i = 0; i < cuts.length; i++) {
      if (!b.near(pieceAt(p, p.phi0 + cuts[i]!))) return false;
      if (i + 1 < cuts.length && cuts[i + 1]! > cuts[i]!) {
        if (!b.near(pieceAt(p, p.phi0 + (cuts[i]! + cuts[i + 1]!) / 2))) return false;
      }
    }
  }
  for (const x of b.outside) if (a.near(x)) return false;
  return true;
}

/** A point's offset along the piece, folded into [0, span] (points just before the start count as 0). */
function clampOffset(p: Piece, x: Vec3): number {
  const t = offsetOf(p, x);
  if (p.span >= TWO_PI) return t;
  return t > p.span ? (t > (p.span + TWO_PI) / 2 ? 0 : p.span) : t;
}

/**
 * ∫ x dA over a convex polygon (vertices in order, clockwise seen from outside or not). By Stokes it is
 * ½ Σ θᵢ nᵢ over the edges (lengths θᵢ, unit normals nᵢ towards the inside). For a small polygon those terms
 * are about its size and their sum about its area, and the rounding of the unit vectors off the sphere
 * (1e-16, radial) would turn the result by about 1e-16 / size. So the sum is taken in a frame (u, w, m) at the
 * vertices' mean direction m, with each vertex as m + dᵢ, where dᵢ has its tangential part (ξ, η) from the
 * vertex and its radial part −(1 − cos) computed from ξ and η, which no rounding of the vector disturbs:
 * θᵢ nᵢ = fᵢ aᵢ × aᵢ₊₁ with fᵢ = θᵢ / sin θᵢ, aᵢ × aᵢ₊₁ = m × (dᵢ₊₁ − dᵢ) + dᵢ × dᵢ₊₁ (m × m = 0), and
 * the m × dᵢ terms cancel round the closed polygon except for their (fᵢ − 1) parts. The result is then
 * accurate to about 1e-16 rad at every size.
 */
export function polygonMoment(verts: readonly Vec3[], clockwise: boolean): Vec3 {
  const n = verts.length;
  const m = meanDirection(verts);
  const [u, w] = tangentBasis(m);
  const local = verts.map((v): Vec3 => {
    const xi = dot(v, u);
    const eta = dot(v, w);
    const c = dot(v, m);
    const t2 = xi * xi + eta * eta;
    return { x: xi, y: eta, z: c > 0.5 ? -t2 / (1 + Math.sqrt(Math.max(0, 1 - t2))) : c - 1 };
  });
  let sx = 0;
  let sy = 0;
  let sz = 0;
  for (let i = 0; i < n; i++) {
    const da = local[i]!;
    const db = local[(i + 1) % n]!;
    const c = cross(da, db);
    // m × (db − da) in the local frame, where m is the third axis.
    const e = { x: -(db.y - da.y), y: db.x - da.x, z: 0 };
    const th = angle(verts[i]!, verts[(i + 1) % n]!);
    const f1 = th < 1e-3 ? (th * th) / 6 + (7 * th ** 4) / 360 : th / Math.sin(th) - 1;
    // The plain m × (dᵢ₊₁ − dᵢ) terms sum to exactly 0 and are left out: their rounding would be the noise.
    sx += c.x + f1 * (e.x + c.x);
    sy += c.y + f1 * (e.y + c.y);
    sz += c.z + f1 * (e.z + c.z);
  }
  const k = clockwise ? -0.5 : 0.5;
  return {
    x: k * (sx * u.x + sy * w.x + sz * m.x),
    y: k * (sx * u.y + sy * w.y + sz * m.y),
    z: k * (sx * u.z + sy * w.z + sz * m.z),
  };
}

/**
 * ∫ x dA over a range with area, in closed form (dA = cos φ dφ dλ), written with sums of sines and cosines
 * turned into products so that small ranges keep their precision.
 */
export function rangeMoment(l0Deg: number, wDeg: number, lat1Deg: number, lat2Deg: number): Vec3 {
  const f1 = lat1Deg * RAD_PER_DEG;
  const f2 = lat2Deg * RAD_PER_DEG;
  // ∫ cos² φ dφ = (Δφ + cos(φ₁ + φ₂) sin Δφ) / 2;  ∫ sin φ cos φ dφ = sin Δφ sin(φ₁ + φ₂) / 2.
  const cc = (f2 - f1 + Math.cos(f1 + f2) * Math.sin(f2 - f1)) / 2;
  const sc = (Math.sin(f2 - f1) * Math.sin(f1 + f2)) / 2;
  const z = sc * wDeg * RAD_PER_DEG;
  if (wDeg >= 360) return { x: 0, y: 0, z };
  // ∫ cos λ dλ = 2 cos(mid) sin(w/2), ∫ sin λ dλ = 2 sin(mid) sin(w/2).
  const mid = (l0Deg + wDeg / 2) * RAD_PER_DEG;
  const s = 2 * Math.sin((wDeg / 2) * RAD_PER_DEG);
  return { x: cc * s * Math.cos(mid), y: cc * s * Math.sin(mid), z };
}

/** ∫ x ds along the pieces: the centre of mass of a region without area (an arc). */
export function lineMoment(pieces: readonly Piece[]): Vec3 {
  let sx = 0;
  let sy = 0;
  let sz = 0;
  for (const p of pieces) {
    const f0 = p.phi0;
    const f1 = p.phi0 + p.span;
    const su = Math.sin(f1) - Math.sin(f0);
    const cw = Math.cos(f0) - Math.cos(f1);
    const a = p.rho * p.d * p.span;
    const b = p.rho * p.rho;
    sx += a * p.n.x + b * (su * p.u.x + cw * p.w.x);
    sy += a * p.n.y + b * (su * p.u.y + cw * p.w.y);
    sz += a * p.n.z + b * (su * p.u.z + cw * p.w.z);
  }
  return { x: sx, y: sy, z: sz };
}

/**
 * The smallest and largest latitude (degrees) reached by the pieces: their extremes in z within the arcs,
 * and their ends when `ends` (a caller that knows the vertices' latitudes exactly passes false).
 */
export function piecesLatRange(pieces: readonly Piece[], ends: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const see = (x: Vec3): void => {
    const lat = lonLat(x)[1];
    if (lat < lo) lo = lat;
    if (lat > hi) hi = lat;
  };
  for (const p of pieces) {
    if (ends) {
      see(startOf(p));
      see(endOf(p));
    }
    // z(φ) = d n_z + ρ (cos φ u_z + sin φ w_z) is largest at φ = atan2(w_z, u_z) and smallest opposite.
    if (p.u.z === 0 && p.w.z === 0) continue;
    const top = Math.atan2(p.w.z, p.u.z);
    for (const phi of [top, top + Math.PI]) {
      const t = reduce(phi - p.phi0);
      if (t <= p.span) see(pieceAt(p, p.phi0 + t));
    }
  }
  return [lo, hi];
}

// ---- shapes of the region kinds ----

export const WHOLE_SHAPE: Shape = { whole: true, pieces: [], extraPoints: [], outside: [], near: () => true };

export function pointShape(p: Vec3): Shape {
  return { whole: false, pieces: [], extraPoints: [p], outside: [neg(p)], near: (v) => angle(v, p) <= EPS };
}

/** A cap of rDeg (0 < rDeg < 180) about c. */
export function capShape(c: Vec3, rDeg: number): Shape {
  const [u, w] = tangentBasis(c);
  const piece = makePiece(c, rDeg, u, w, 0, TWO_PI);
  const limit = piece.r + EPS;
  return { whole: false, pieces: [piece], extraPoints: [], outside: [neg(c)], near: (v) => angle(v, c) <= limit };
}

/** A convex polygon: vertices in order and whether they run clockwise seen from outside the sphere. */
export function polygonShape(verts: readonly Vec3[], clockwise: boolean): Shape {
  const n = verts.length;
  const pieces: Piece[] = [];
  const normals: Vec3[] = [];
  let sx = 0;
  let sy = 0;
  let sz = 0;
  for (let i = 0; i < n; i++) {
    const a = clockwise ? verts[(i + 1) % n]! : verts[i]!;
    const b = clockwise ? verts[i]! : verts[(i + 1) % n]!;
    // (b + a) × (b − a) = 2 a × b, with less rounding for close vertices (scisql's edge normal).
    const e = doubledEdge(a, b);
    const nrm = normalize(e);
    normals.push(nrm);
    pieces.push(makePiece(nrm, 90, a, cross(nrm, a), 0, angle(a, b)));
    sx += verts[i]!.x;
    sy += verts[i]!.y;
    sz += verts[i]!.z;
  }
  // The polygon is convex and smaller than a hemisphere, so its vertex mean is inside and the mean's
  // antipode is outside every edge plane, as far from the polygon as the polygon is small.
  const inside = normalize({ x: sx, y: sy, z: sz });
  return {
    whole: false,
    pieces,
    extraPoints: [],
    outside: [neg(inside)],
    near: (v) => normals.every((nr) => dot(nr, v) >= -EPS),
  };
}

function doubledEdge(a: Vec3, b: Vec3): Vec3 {
  const s = add(b, a);
  const d = { x: b.x - a.x, y: b.y - a.y, z: b.z - a.z };
  return cross(s, d);
}

/**
 * A range: longitudes from l0 eastwards through width w (degrees, 0 ≤ w ≤ 360; 360 is every longitude),
 * latitudes lat1 ≤ lat2. The caller turns ranges that are a single point into point shapes.
 */
export function rangeShape(l0: number, w: number, lat1: number, lat2: number): Shape {
  const full = w >= 360;
  if (full && lat1 <= -90 && lat2 >= 90) return WHOLE_SHAPE;
  const pieces: Piece[] = [];
  const l1 = l0 + w;
  const wr = w * RAD_PER_DEG;
  const X: Vec3 = { x: 1, y: 0, z: 0 };
  const Y: Vec3 = { x: 0, y: 1, z: 0 };
  const NEG_Y: Vec3 = { x: 0, y: -1, z: 0 };
  const span = full ? TWO_PI : wr;
  // Lower parallel: the region is to its north (about +z), φ = longitude.
  if (lat1 > -90 && span > 0) pieces.push(makePiece(Z, 90 - lat1, X, Y, l0 * RAD_PER_DEG, span));
  // Upper parallel: the region is to its south (about −z); with w = −z × x = −y, φ = −longitude.
  if (lat2 < 90 && span > 0) pieces.push(makePiece(NEG_Z, 90 + lat2, X, NEG_Y, -l1 * RAD_PER_DEG, span));
  const east = meridianNormal(l1, -1);
  const west = meridianNormal(l0, 1);
  if (!full && lat2 > lat1) {
    // East meridian, region to the west, northwards: u on the equator, w = n × u = +z, φ = latitude.
    const ue = unitVector(l1, 0);
    pieces.push(makePiece(east, 90, ue, cross(east, ue), lat1 * RAD_PER_DEG, (lat2 - lat1) * RAD_PER_DEG));
    // West meridian, region to the east, southwards: w = n × u = −z, φ = −latitude.
    const uw = unitVector(l0, 0);
    pieces.push(makePiece(west, 90, uw, cross(west, uw), -lat2 * RAD_PER_DEG, (lat2 - lat1) * RAD_PER_DEG));
  }
  const latLo = lat1 * RAD_PER_DEG - EPS;
  const latHi = lat2 * RAD_PER_DEG + EPS;
  const mid = unitVector(l0 + w / 2, 0);
  const near = (v: Vec3): boolean => {
    const lat = Math.atan2(v.z, Math.hypot(v.x, v.y));
    if (lat < latLo || lat > latHi) return false;
    if (full) return true;
    // n·v is the sine of the distance from the meridian's plane. Within 180° of width the wedge is the
    // intersection of the two half-spaces (and of the hemisphere about its middle, which rules out the
    // opposite wedge when w is 0); wider, it is their union.
    const e = dot(east, v) >= -EPS;
    const wst = dot(west, v) >= -EPS;
    return w <= 180 ? e && wst && dot(mid, v) >= -EPS : e || wst;
  };
  const outside: Vec3[] = [];
  if (full) {
    if (lat2 < 90) outside.push(Z);
    if (lat1 > -90) outside.push(NEG_Z);
  } else {
    // The complement is connected: the deepest of the poles outside and the middle of the longitude gap.
    const gap = (360 - w) / 2;
    const cands: [number, Vec3][] = [[Math.min(gap, 90) * Math.cos(((lat1 + lat2) / 2) * RAD_PER_DEG), unitVector(l1 + gap, (lat1 + lat2) / 2)]];
    if (lat2 < 90) cands.push([90 - lat2, Z]);
    if (lat1 > -90) cands.push([90 + lat1, NEG_Z]);
    cands.sort((s, t) => t[0] - s[0]);
    outside.push(cands[0]![1]);
  }
  return { whole: false, pieces, extraPoints: [], outside, near };
}

/** The unit normal of the meridian plane at lon, pointing east (sign 1) or west (sign −1). */
function meridianNormal(lonDeg: number, sign: number): Vec3 {
  const l = lonDeg * RAD_PER_DEG;
  return { x: -sign * Math.sin(l), y: sign * Math.cos(l), z: 0 };
}
