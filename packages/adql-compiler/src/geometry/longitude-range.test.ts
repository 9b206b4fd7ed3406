/**
 * The longitude ranges that bound-right-ascension writes beside a cone must hold every point that scisql's predicates
 * accept (the reference in scisql.ts): a table of exact cases. Seeded random cones, checked by sampling at their
 * longitude extremes, are in longitude-range.property.test.ts.
 */
import { expect } from "chai";
import { DEG_PER_RAD, RAD_PER_DEG } from "@qserv-tap/sky";
import { coneLongitudes } from "./longitude-range.js";

/** asin(sin r / cos δ) in degrees: the half-width of a cone of radius r centred at latitude δ. */
const halfWidth = (r: number, lat: number): number => Math.asin(Math.sin(r * RAD_PER_DEG) / Math.cos(lat * RAD_PER_DEG)) * DEG_PER_RAD;

describe("longitude ranges of cones (for bound-right-ascension)", () => {
  const cases: [string, () => unknown, { min: number; max: number } | undefined][] = [
    ["on the equator: centre ± radius", () => coneLongitudes(10, 0, 1), { min: 9, max: 11 }],
    ["at latitude 60: about twice the radius", () => coneLongitudes(10, 60, 1), { min: 10 - halfWidth(1, 60), max: 10 + halfWidth(1, 60) }],
    ["south of the equator as north of it", () => coneLongitudes(10, -60, 1), { min: 10 - halfWidth(1, 60), max: 10 + halfWidth(1, 60) }],
    ["the centre as given, not reduced to [0, 360) (the pass does that)", () => coneLongitudes(-10, 0, 2), { min: -12, max: -8 }],
    ["a radius of 0: the centre", () => coneLongitudes(10, 20, 0), { min: 10, max: 10 }],
    ["within 10° of the north pole: no range (the half-width's rounding grows without bound)", () => coneLongitudes(0, 79.5, 1), undefined],
    ["within 10° of the south pole: no range", () => coneLongitudes(0, -75, 5.5), undefined],
    ["a half-width over 60°: no range", () => coneLongitudes(0, 0, 61), undefined],
    ["a radius over 180°: scisql gives NULL, no range", () => coneLongitudes(0, 0, 181), undefined],
    ["a negative radius: NULL, no range", () => coneLongitudes(0, 0, -1), undefined],
    ["a centre at latitude 91: NULL, no range", () => coneLongitudes(0, 91, 1), undefined],
    ["a non-finite centre: no range", () => coneLongitudes(Number.NaN, 0, 1), undefined],
    ["a centre 2,000 turns away still gets one", () => coneLongitudes(360 * 2000 + 10, 0, 1), { min: 720009, max: 720011 }],
    ["a centre beyond 1e6°: no range (reducing it by whole turns would round)", () => coneLongitudes(1e7, 0, 1), undefined],
  ];
  for (const [what, got, expected] of cases) {
    it(what, () => {
      expect(got()).to.deep.equal(expected);
    });
  }
});
