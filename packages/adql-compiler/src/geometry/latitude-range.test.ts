/**
 * The latitude ranges that bound-declination writes as `dec BETWEEN lo AND hi` must hold every point
 * that scisql's predicates accept (the reference in scisql.ts): a table of exact cases. The seeded
 * random regions, checked by sampling, are in latitude-range.property.test.ts.
 */
import { expect } from "chai";
import { boxLatitudes, circleLatitudes, distanceLatitudes, polygonLatitudes } from "./latitude-range.js";
import { DEG_PER_RAD, RAD_PER_DEG } from "@qserv-tap/sky";

/**
 * The highest latitude of the square's top edge, the arc from (10, 20) to (20, 20), to 9 digits: the greatest of
 * 100,000 points sampled along it (sampleArc in latitude-range.property.test.ts), an oracle independent of the
 * closed form.
 */
const SQUARE_TOP = 20.070308979;

describe("latitude ranges of scisql's regions (for bound-declination)", () => {
  const bulge = Math.atan(Math.tan(60 * RAD_PER_DEG) / Math.cos(45 * RAD_PER_DEG)) * DEG_PER_RAD; // 67.79°
  const cases: [string, () => unknown, { min: number; max: number } | undefined][] = [
    ["a circle: centre ± radius", () => circleLatitudes(10, 20, 1), { min: 19, max: 21 }],
    ["a circle at the pole reaches past it (the caller clamps)", () => circleLatitudes(0, 89, 3), { min: 86, max: 92 }],
    ["a circle of radius over 180: scisql gives NULL, no range", () => circleLatitudes(0, 0, 181), undefined],
    ["a circle centred at latitude 91: NULL, no range", () => circleLatitudes(0, 91, 1), undefined],
    ["a DISTANCE cone: centre ± radius", () => distanceLatitudes(359.9, -10, 2), { min: -12, max: -8 }],
    ["a DISTANCE cone over 179°: asin is too coarse there, no range", () => distanceLatitudes(0, 89, 179.5), undefined],
    ["a box: its latitude bounds", () => boxLatitudes(350, -90, 10, -87), { min: -90, max: -87 }],
    ["an empty box (latMin > latMax): no range", () => boxLatitudes(0, 10, 10, 5), undefined],
    ["a box that scisql refuses (lonMax < lonMin < 0): no range", () => boxLatitudes(-5, 0, -10, 5), undefined],
    ["a square: its vertices' latitudes and its edges' bulges", () => round(polygonLatitudes([10, 10, 20, 10, 20, 20, 10, 20])), { min: 10, max: SQUARE_TOP }],
    ["a triangle whose top edge bulges above its vertices (0,60)-(90,60)", () => round(polygonLatitudes([0, 60, 90, 60, 45, 50])), round({ min: 50, max: bulge })],
    ["the same, clockwise", () => round(polygonLatitudes([45, 50, 90, 60, 0, 60])), round({ min: 50, max: bulge })],
    ["around the north pole: up to 90", () => polygonLatitudes([0, 85, 90, 85, 180, 85, 270, 85]), { min: 85, max: 90 }],
    ["around the south pole, clockwise: down to -90", () => polygonLatitudes([270, -86, 180, -86, 90, -86, 0, -86]), { min: -90, max: -86 }],
    ["a non-convex polygon: no range (scisql intersects half-spaces)", () => polygonLatitudes([0, 0, 10, 0, 10, 10, 5, 3, 0, 10]), undefined],
    ["a polygon with an edge of nearly 180°: no range", () => polygonLatitudes([0, 0, 179.99999, 0, 90, 89.99]), undefined],
  ];
  for (const [what, got, expected] of cases) {
    it(what, () => {
      expect(got()).to.deep.equal(expected);
    });
  }
});

function round(r: { min: number; max: number } | undefined): { min: number; max: number } | undefined {
  return r && { min: Number(r.min.toFixed(9)), max: Number(r.max.toFixed(9)) };
}
