import { SkyError } from "./errors.js";
import type { Region } from "./regions.js";
import { angularSeparation, dot, lonLat, RAD_PER_DEG, unitVector, type Vec3 } from "./vector.js";
import type { Wcs } from "./wcs.js";

/** A pixel box, 1-based and inclusive as in FITS, or the distinct answer that the region misses the image. */
export type PixelBoxResult =
  | { readonly overlap: true; readonly x1: number; readonly x2: number; readonly y1: number; readonly y2: number }
  | { readonly overlap: false };

type Pt = readonly [number, number];

/** Bisection and golden-section steps: 2^-40 and 0.618^40 of a sample interval (at most a few hundred pixels). */
const BISECTIONS = 40;
const GOLDEN_STEPS = 40;
/** Samples of the region's edge per image size (the smaller side): no bulge of the edge fits between two. */
const SAMPLES_PER_IMAGE = 32;
const MIN_SAMPLES = 64;
const MAX_SAMPLES = 50000;
/** Rounding allowance in pixels before a coordinate is turned into a pixel index. */
const EPS = 1e-6;

class Bounds {
  xmin = Infinity;
  xmax = -Infinity;
  ymin = Infinity;
  ymax = -Infinity;

  add(p: Pt): void {
    if (p[0] < this.xmin) this.xmin = p[0];
    if (p[0] > this.xmax) this.xmax = p[0];
    if (p[1] < this.ymin) this.ymin = p[1];
    if (p[1] > this.ymax) this.ymax = p[1];
  }

  get empty(): boolean {
    return this.xmin > this.xmax;
  }
}

/**
 * Adds to `bounds` the points of a curve t ∈ [0, 1] → pixel where `f` gives a point (null elsewhere), from n + 1
 * samples, refined where the curve enters or leaves (bisection) and about the samples that are extreme in x
 * or y (golden-section search), so that the bounds do not depend on where the samples happen to fall.
 */
function scan(
  f: (t: number) => Pt | null,
  n: number,
  bounds: Bounds,
  refine: "none" | "open" | "closed",
): { allIn: boolean; maxStep: number } {
  const ts: number[] = [];
  const vs: (Pt | null)[] = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    ts.push(t);
    const v = f(t);
    vs.push(v);
    if (v) bounds.add(v);
  }
  let maxStep = 0;
  for (let i = 0; i < n; i++) {
    const a = vs[i]!;
    const b = vs[i + 1]!;
    if (a && b) maxStep = Math.max(maxStep, Math.hypot(b[0] - a[0], b[1] - a[1]));
    if ((a === null) === (b === null)) continue;
    // Keep the end that is in; move the other towards it.
    let tin = a ? ts[i]! : ts[i + 1]!;
    let tout = a ? ts[i + 1]! : ts[i]!;
    let pin = (a ?? b)!;
    for (let k = 0; k < BISECTIONS; k++) {
      const tm = (tin + tout) / 2;
      const pm = f(tm);
      if (pm) {
        tin = tm;
        pin = pm;
      } else {
        tout = tm;
      }
    }
    bounds.add(pin);
  }
  const result = { allIn: vs.every((v) => v !== null), maxStep };
  if (refine === "none") return result;
  for (const objective of [(p: Pt) => -p[0], (p: Pt) => p[0], (p: Pt) => -p[1], (p: Pt) => p[1]]) {
    // The best two samples, not only the best: two nearly equal bulges may swap places once refined.
    const order = vs
      .map((v, i) => [v ? objective(v) : -Infinity, i] as const)
      .filter(([o]) => o > -Infinity)
      .sort((p, q) => q[0] - p[0])
      .slice(0, 2);
    const value = (t: number) => {
      const p = f(t);
      if (!p) return -Infinity;
      bounds.add(p);
      return objective(p);
    };
    for (const [, best] of order) {
      // An extreme at an end of an open piece is a corner and exact already. The search only ever adds points
      // of the curve that are in the image, so a neighbour outside the image does no harm.
      if (best > 0 && best < n) {
        goldenMax(value, ts[best - 1]!, ts[best + 1]!);
      } else if (refine === "closed") {
        if (vs[n - 1]) goldenMax(value, ts[n - 1]!, 1);
        if (vs[1]) goldenMax(value, 0, ts[1]!);
      }
    }
  }
  return result;
}

/** Golden-section search for the maximum of a unimodal function on [lo, hi]; the function records its points. */
function goldenMax(value: (t: number) => number, lo: number, hi: number): void {
  const g = (Math.sqrt(5) - 1) / 2;
  let c = hi - g * (hi - lo);
  let d = lo + g * (hi - lo);
  let fc = value(c);
  let fd = value(d);
  for (let k = 0; k < GOLDEN_STEPS; k++) {
    if (fc >= fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - g * (hi - lo);
      fc = value(c);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + g * (hi - lo);
      fd = value(d);
    }
  }
}

function checkSize(naxis1: number, naxis2: number): void {
  for (const n of [naxis1, naxis2]) {
    if (!Number.isInteger(n) || n < 1) throw new SkyError("BAD_IMAGE_SIZE", `an image axis of ${n} pixels`);
  }
}

/**
 * The smallest pixel box that holds every pixel of a naxis1 × naxis2 image that the region touches (so every
 * pixel whose centre lies in the region), or { overlap: false }. Pixel coordinates are those of the WCS's pixel
 * axes 1 and 2.
 *
 * The part of the region in the image is bounded by pieces of the region's edge inside the image and pieces of
 * the image's edge inside the region. Both are sampled densely (the region's edge mapped to pixels, the image's
 * edge mapped to the sky), so a region across RA 0 or around a pole needs no special case: only the
 * containment tests and the projection see coordinates.
 */
export function regionPixelBox(region: Region, wcs: Wcs, naxis1: number, naxis2: number): PixelBoxResult {
  checkSize(naxis1, naxis2);
  const xlo = 0.5;
  const xhi = naxis1 + 0.5;
  const ylo = 0.5;
  const yhi = naxis2 + 0.5;
  const bounds = new Bounds();

  const scale = wcs.pixelScale((naxis1 + 1) / 2, (naxis2 + 1) / 2);
  const stepDeg = Number.isFinite(scale) && scale > 0 ? (scale * Math.max(1, Math.min(naxis1, naxis2))) / SAMPLES_PER_IMAGE : 0.01;
  // Points farther from the image's centre than its edge cannot be in it: a cheap test that keeps the
  // projection (and SIP's iterative inverse) away from distant parts of a large region.
  const reach = imageReach(wcs, naxis1, naxis2, scale);
  if (reach) {
    const cap = region.boundingCap();
    if (angularSeparation(cap.center, reach.center) > cap.radius + reach.radius) return { overlap: false };
  }
  const curves = region.boundaryCurves();
  // Whether the region's whole edge is inside the image, by more than the distance between samples.
  let edgeInside = curves.length > 0;
  let margin = Infinity;
  for (const curve of curves) {
    const n = Math.min(MAX_SAMPLES, Math.max(MIN_SAMPLES, Math.ceil(curve.lengthDeg / stepDeg)));
    const f = (t: number): Pt | null => {
      const v = curve.at(t);
      if (reach && dot(v, reach.center) < reach.cosRadius) return null;
      const [lon, lat] = lonLat(v);
      const p = wcs.skyToPixel(lon, lat);
      if (!p || !(p[0] >= xlo && p[0] <= xhi && p[1] >= ylo && p[1] <= yhi)) return null;
      margin = Math.min(margin, p[0] - xlo, xhi - p[0], p[1] - ylo, yhi - p[1]);
      return p;
    };
    const r = scan(f, n, bounds, curve.closed ? "closed" : "open");
    edgeInside &&= r.allIn && margin > r.maxStep;
  }
  // A region smaller than a hemisphere whose edge lies inside an image smaller than a hemisphere is inside the
  // image (the other side of its edge holds everything outside the image, more than a hemisphere), so the
  // image's edge cannot be in it: the common case of a cutout well inside an image skips the edge scan.
  const imageArea = (scale * RAD_PER_DEG) ** 2 * naxis1 * naxis2;
  if (edgeInside && region.area() < 2 * Math.PI && imageArea < 1.5 * Math.PI) return toBox(bounds, naxis1, naxis2);

  const edges: [Pt, Pt][] = [
    [[xlo, ylo], [xhi, ylo]],
    [[xhi, ylo], [xhi, yhi]],
    [[xhi, yhi], [xlo, yhi]],
    [[xlo, yhi], [xlo, ylo]],
  ];
  for (const [a, b] of edges) {
    const len = Math.abs(b[0] - a[0]) + Math.abs(b[1] - a[1]);
    const n = Math.min(4096, Math.max(MIN_SAMPLES, Math.ceil(len / 8)));
    const f = (t: number): Pt | null => {
      const p: Pt = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
      const s = wcs.pixelToSky(p[0], p[1]);
      return s && region.containsVector(unitVector(s[0], s[1])) ? p : null;
    };
    // Along a straight edge the extremes are its ends or where it crosses the region: no search needed.
    scan(f, n, bounds, "none");
  }

  return toBox(bounds, naxis1, naxis2);
}

/**
 * A cap about the image's centre that holds the whole image: its edge sampled densely, the farthest sample, plus a
 * margin of two pixels and 1%. Null when the image is too large (a hemisphere or more) or its edge leaves the
 * projection, and then nothing is filtered.
 */
function imageReach(
  wcs: Wcs,
  naxis1: number,
  naxis2: number,
  scale: number,
): { center: Vec3; radius: number; cosRadius: number } | null {
  if (!Number.isFinite(scale) || scale <= 0) return null;
  const c = wcs.pixelToSky((naxis1 + 1) / 2, (naxis2 + 1) / 2);
  if (!c) return null;
  const center = unitVector(c[0], c[1]);
  let radius = 0;
  const k = 64;
  for (let i = 0; i <= k; i++) {
    const x = 0.5 + (i / k) * naxis1;
    const y = 0.5 + (i / k) * naxis2;
    for (const [px, py] of [[x, 0.5], [x, naxis2 + 0.5], [0.5, y], [naxis1 + 0.5, y]] as const) {
      const s = wcs.pixelToSky(px, py);
      if (!s) return null;
      radius = Math.max(radius, angularSeparation(center, unitVector(s[0], s[1])));
    }
  }
  radius = radius * 1.01 + 2 * scale;
  if (radius >= 90) return null;
  return { center, radius, cosRadius: Math.cos(radius * RAD_PER_DEG) };
}

function toBox(bounds: Bounds, naxis1: number, naxis2: number): PixelBoxResult {
  if (bounds.empty) return { overlap: false };
  const index = (v: number, n: number) => Math.min(n, Math.max(1, Math.floor(v + 0.5)));
  const x1 = index(bounds.xmin - EPS, naxis1);
  const x2 = index(bounds.xmax + EPS, naxis1);
  const y1 = index(bounds.ymin - EPS, naxis2);
  const y2 = index(bounds.ymax + EPS, naxis2);
  return { overlap: true, x1, x2, y1, y2 };
}
