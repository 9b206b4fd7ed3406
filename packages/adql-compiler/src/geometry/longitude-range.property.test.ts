/**
 * The longitude ranges that bound-right-ascension writes beside a cone must hold every point that scisql's predicates
 * accept (the reference in scisql.ts), for seeded random cones: points at and around each cone's longitude extremes
 * (where its edge is tangent to a meridian), and at RA ± 360, must, when accepted, lie in the range within 1e-9° (the
 * pass widens by at least 5e-9°). The table of exact cases is in longitude-range.test.ts.
 */
import { expect } from "chai";
import { DEG_PER_RAD, RAD_PER_DEG } from "@qserv-tap/sky";
import { seededRandom } from "../sql/test-support/random.js";
import { coneLongitudes } from "./longitude-range.js";
import { scisqlAngSep, scisqlS2PtInCircle } from "./scisql.js";

/** The pass's margin is at least 5e-9°; the ranges must be good to well within it. */
const SLACK = 1e-9;

/** `lon` moved by whole turns to within half a turn of `centre`, as the predicates see it. */
const near = (lon: number, centre: number): number => lon - Math.round((lon - centre) / 360) * 360;

describe("longitude ranges of cones (for bound-right-ascension): random cones", () => {
  it("random cones (CONTAINS and DISTANCE): every accepted point at the longitude extremes is in the range", () => {
    const rnd = seededRandom(20261206);
    let accepted = 0;
    let bounded = 0;
    for (let k = 0; k < 500; k++) {
      const lon = rnd() * 720 - 360;
      const lat = (rnd() * 2 - 1) * (k % 4 === 0 ? 80 : 60);
      const r = k % 2 === 0 ? rnd() * 40 : 10 ** (-6 + 6 * rnd());
      const range = coneLongitudes(lon, lat, r);
      if (range === undefined) continue;
      bounded++;
      // The tangent points: latitude asin(sin δ / cos r), longitude centre ± the half-width.
      const tangentLat = Math.asin(Math.sin(lat * RAD_PER_DEG) / Math.cos(r * RAD_PER_DEG)) * DEG_PER_RAD;
      for (let j = 0; j < 40; j++) {
        const side = j % 2 === 0 ? range.max : range.min;
        const plon = side + (rnd() - 0.5) * 1e-9 * 10 ** (j % 6) + (j % 5 === 0 ? 360 * (j % 3 - 1) : 0);
        const plat = Math.max(-90, Math.min(90, tangentLat + (rnd() - 0.5) * 1e-6 * 10 ** (j % 4)));
        const inCircle = scisqlS2PtInCircle(plon, plat, lon, lat, r) === 1;
        const sep = scisqlAngSep(plon, plat, lon, lat);
        if (!inCircle && !(sep !== null && sep <= r)) continue;
        accepted++;
        expect(near(plon, lon), `(${plon}, ${plat}) in the cone (${lon}, ${lat}, ${r})`).to.be.within(range.min - SLACK, range.max + SLACK);
      }
    }
    expect(bounded, "cones with a range").to.be.greaterThan(350);
    expect(accepted, "the probes found points inside").to.be.greaterThan(2_000);
  });
});
