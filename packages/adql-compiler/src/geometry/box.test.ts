import { expect } from "chai";
import { adqlBoxToLonLatBox, type LonLatBox } from "./box.js";
import { GeometryError } from "./errors.js";
import { scisqlS2PtInBox } from "./scisql.js";

describe("adqlBoxToLonLatBox: ADQL BOX as scisql/pgsphere coordinate ranges", () => {
  const cases: Array<[string, [number, number, number, number], LonLatBox]> = [
    ["ADQL 2.1 §4.2.9 example BOX(25.4, -20.0, 10.0, 10.0)", [25.4, -20, 10, 10], { lonMin: 20.4, latMin: -25, lonMax: 30.4, latMax: -15 }],
    ["centred on RA 0 wraps", [0, 0, 10, 4], { lonMin: 355, latMin: -2, lonMax: 5, latMax: 2 }],
    ["centred on RA 358 wraps", [358, 0, 10, 2], { lonMin: 353, latMin: -1, lonMax: 3, latMax: 1 }],
    ["east edge exactly at 360 becomes 0", [355, 0, 10, 2], { lonMin: 350, latMin: -1, lonMax: 0, latMax: 1 }],
    ["negative centre RA is reduced", [-10, 0, 10, 2], { lonMin: 345, latMin: -1, lonMax: 355, latMax: 1 }],
    ["centre RA over 360 is reduced", [370, 0, 10, 2], { lonMin: 5, latMin: -1, lonMax: 15, latMax: 1 }],
    ["width 360 spans every longitude", [123, 0, 360, 2], { lonMin: 0, latMin: -1, lonMax: 360, latMax: 1 }],
    ["width over 360 spans every longitude", [123, 0, 400, 2], { lonMin: 0, latMin: -1, lonMax: 360, latMax: 1 }],
    ["north edge clamped at the pole", [0, 88, 10, 10], { lonMin: 355, latMin: 83, lonMax: 5, latMax: 90 }],
    ["south edge clamped at the pole", [180, -89, 20, 4], { lonMin: 170, latMin: -90, lonMax: 190, latMax: -87 }],
    ["zero size is a point", [10, 20, 0, 0], { lonMin: 10, latMin: 20, lonMax: 10, latMax: 20 }],
  ];
  for (const [name, args, expected] of cases) {
    it(`${name}: BOX(${args.join(", ")})`, () => {
      const got = adqlBoxToLonLatBox(...args);
      for (const k of ["lonMin", "latMin", "lonMax", "latMax"] as const) {
        expect(got[k], k).to.be.closeTo(expected[k], 1e-12);
      }
    });
  }

  const membership: Array<[string, [number, number], [number, number, number, number], 0 | 1]> = [
    ["a point west of RA 0 is in a box centred on RA 0", [359, 1], [0, 0, 10, 4], 1],
    ["a point east of RA 0 is in a box centred on RA 0", [4.9, -1.9], [0, 0, 10, 4], 1],
    ["the far side of the sky is not", [180, 0], [0, 0, 10, 4], 0],
    ["the boundary is inclusive", [5, 2], [0, 0, 10, 4], 1],
    // The coordinate-range reading differs from ADQL's great-circle box at high latitude.
    ["at dec 60 a 10° wide box reaches RA ± 5", [4.9, 60], [0, 60, 10, 2], 1],
  ];
  for (const [name, [lon, lat], box, expected] of membership) {
    it(`${name}: s2PtInBox(${lon}, ${lat}, BOX(${box.join(", ")})) = ${expected}`, () => {
      const b = adqlBoxToLonLatBox(...box);
      expect(scisqlS2PtInBox(lon, lat, b.lonMin, b.latMin, b.lonMax, b.latMax)).to.equal(expected);
    });
  }

  const invalid: Array<[string, [number, number, number, number]]> = [
    ["negative width", [0, 0, -1, 1]],
    ["negative height", [0, 0, 1, -1]],
    ["centre latitude 95", [0, 95, 1, 1]],
    ["NaN", [Number.NaN, 0, 1, 1]],
    ["infinite width", [0, 0, Number.POSITIVE_INFINITY, 1]],
  ];
  for (const [name, args] of invalid) {
    it(`refuses ${name} with BOX_INVALID`, () => {
      expect(() => adqlBoxToLonLatBox(...args))
        .to.throw(GeometryError)
        .with.property("code", "BOX_INVALID");
    });
  }
});
