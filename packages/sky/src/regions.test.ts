import { expect } from "chai";
import { SkyError } from "./errors.js";
import { circle, polygon, rangeBox, type Region } from "./regions.js";
import { angularSeparation, unitVector } from "./vector.js";

const SQDEG = (Math.PI / 180) ** 2;

describe("sky regions", () => {
  const cases: { name: string; region: () => Region; inside: [number, number][]; outside: [number, number][]; area: number }[] = [
    {
      name: "circle",
      region: () => circle(10, 20, 1),
      inside: [[10, 20], [10, 20.999], [11.06, 20]],
      outside: [[10, 21.001], [190, -20], [11.07, 20]],
      area: 2 * Math.PI * (1 - Math.cos(Math.PI / 180)),
    },
    {
      name: "circle across RA 0",
      region: () => circle(359.9, 0, 0.5),
      inside: [[0.3, 0], [359.5, 0.1]],
      outside: [[0.5, 0], [359.3, 0]],
      area: 2 * Math.PI * (1 - Math.cos((0.5 * Math.PI) / 180)),
    },
    {
      name: "circle on the north pole",
      region: () => circle(0, 90, 2),
      inside: [[123, 88.01], [300, 90]],
      outside: [[123, 87.99]],
      area: 2 * Math.PI * (1 - Math.cos((2 * Math.PI) / 180)),
    },
    {
      name: "polygon counter-clockwise (SODA §3.3.1 example)",
      region: () => polygon([[12, 34], [14, 34], [14, 36], [12, 36]]),
      inside: [[13, 35], [12.001, 34.01]],
      outside: [[11.99, 35], [13, 36.1], [193, -35]],
      area: Number.NaN,
    },
    {
      name: "polygon clockwise, across RA 0",
      region: () => polygon([[-1, 1], [1, 1], [1, -1], [-1, -1]]),
      inside: [[0, 0], [359.5, 0.5], [0.9, -0.9]],
      outside: [[1.1, 0], [358.9, 0]],
      area: Number.NaN,
    },
    {
      name: "polygon around the south pole",
      region: () => polygon([[0, -80], [90, -80], [180, -80], [270, -80]]),
      inside: [[45, -89], [200, -90], [10, -81.5]],
      // Great-circle edges dip towards the pole between vertices: at lon 45 the edge is at -82.9.

      outside: [[45, -79], [45, -82.5], [0, 0]],
      area: Number.NaN,
    },
    {
      name: "RANGE (SODA §3.3.1)",
      region: () => rangeBox(12, 14, 34, 36),
      inside: [[12, 34], [14, 36], [13, 35]],
      outside: [[11.99, 35], [13, 36.01]],
      area: ((2 * Math.PI) / 180) * (Math.sin((36 * Math.PI) / 180) - Math.sin((34 * Math.PI) / 180)),
    },
    {
      name: "RANGE across RA 0 (lon1 > lon2)",
      region: () => rangeBox(350, 10, -2, 2),
      inside: [[355, 0], [5, 1], [0, -2]],
      outside: [[20, 0], [340, 0], [0, 3]],
      area: ((20 * Math.PI) / 180) * 2 * Math.sin((2 * Math.PI) / 180),
    },
    {
      name: "RANGE band round the equator (SODA example)",
      region: () => rangeBox(0, 360, -2, 2),
      inside: [[0, 0], [180, 1.9], [359.99, -2]],
      outside: [[0, 2.1]],
      area: 2 * Math.PI * 2 * Math.sin((2 * Math.PI) / 180),
    },
    {
      name: "RANGE polar cap with open bounds",
      region: () => rangeBox(-Infinity, Infinity, 89, Infinity),
      inside: [[0, 90], [77, 89.5]],
      outside: [[77, 88.9]],
      area: 2 * Math.PI * (1 - Math.sin((89 * Math.PI) / 180)),
    },
    {
      name: "RANGE wedge touching the north pole",
      region: () => rangeBox(10, 20, 80, 90),
      inside: [[15, 85], [200, 90]],
      outside: [[25, 85]],
      area: ((10 * Math.PI) / 180) * (1 - Math.sin((80 * Math.PI) / 180)),
    },
  ];

  for (const c of cases) {
    it(`${c.name}: containment, area, bounding cap, boundary`, () => {
      const r = c.region();
      for (const [lon, lat] of c.inside) expect(r.contains(lon, lat), `(${lon}, ${lat}) inside`).to.equal(true);
      for (const [lon, lat] of c.outside) expect(r.contains(lon, lat), `(${lon}, ${lat}) outside`).to.equal(false);
      if (!Number.isNaN(c.area)) expect(r.area()).to.be.closeTo(c.area, 1e-12);
      const cap = r.boundingCap();
      const samples = r.boundary(0.05);
      expect(samples.length).to.be.greaterThan(8);
      for (const [lon, lat] of [...samples, ...c.inside]) {
        expect(angularSeparation(cap.center, unitVector(lon, lat))).to.be.at.most(cap.radius);
      }
      // Boundary samples are on the edge: inside, with a point just outside nearby.
      for (const [lon, lat] of samples) expect(r.contains(lon, lat) || nearInside(r, lon, lat), `${lon} ${lat}`).to.equal(true);
    });
  }

  it("polygon areas: a 2°×2° square at the equator, either winding", () => {
    const sq = [[-1, -1], [1, -1], [1, 1], [-1, 1]] as [number, number][];
    // The exact spherical excess of this square (4 right-ish angles): compare with the RANGE of the same size
    // within the difference of great-circle and parallel edges (tiny at the equator).
    const a1 = polygon(sq).area();
    const a2 = polygon([...sq].reverse()).area();
    expect(a1).to.equal(a2);
    expect(a1 / SQDEG).to.be.closeTo(4, 1e-3);
  });

  const bad: { name: string; make: () => Region; code: string }[] = [
    { name: "latitude over 90", make: () => circle(0, 91, 1), code: "BAD_COORDINATE" },
    { name: "NaN centre", make: () => circle(Number.NaN, 0, 1), code: "BAD_COORDINATE" },
    { name: "zero radius", make: () => circle(0, 0, 0), code: "BAD_RADIUS" },
    { name: "radius over 180", make: () => circle(0, 0, 181), code: "BAD_RADIUS" },
    { name: "2 vertices", make: () => polygon([[0, 0], [1, 1]]), code: "POLYGON_VERTEX_COUNT" },
    { name: "too many vertices", make: () => polygon(Array.from({ length: 1001 }, (_, i) => [i * 0.3, 0] as [number, number])), code: "POLYGON_VERTEX_COUNT" },
    { name: "repeated vertex", make: () => polygon([[0, 0], [0, 0], [1, 1]]), code: "POLYGON_DEGENERATE" },
    { name: "collinear", make: () => polygon([[0, 0], [1, 0], [2, 0]]), code: "POLYGON_DEGENERATE" },
    { name: "bow tie", make: () => polygon([[0, 0], [1, 1], [1, 0], [0, 1]]), code: "POLYGON_NOT_CONVEX" },
    { name: "latitudes reversed", make: () => rangeBox(0, 1, 5, 4), code: "BAD_RANGE" },
    { name: "latitude out of range", make: () => rangeBox(0, 1, -91, 4), code: "BAD_RANGE" },
    { name: "NaN longitude", make: () => rangeBox(Number.NaN, 1, 0, 4), code: "BAD_RANGE" },
  ];
  for (const b of bad) {
    it(`refuses ${b.name} with ${b.code}`, () => {
      expect(b.make).to.throw(SkyError).with.property("code", b.code);
    });
  }
});

function nearInside(r: Region, lon: number, lat: number): boolean {
  const d = 1e-9;
  return [[d, 0], [-d, 0], [0, d], [0, -d], [d, d], [d, -d], [-d, d], [-d, -d]].some(([a, b]) => r.contains(lon + a!, Math.max(-90, Math.min(90, lat + b!))));
}
