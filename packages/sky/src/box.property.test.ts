import { expect } from "chai";
import fc from "fast-check";
import { regionPixelBox } from "./box.js";
import { circle, polygon, rangeBox, type Region } from "./regions.js";
import { cross, lonLat, normalize, RAD_PER_DEG, unitVector, type Vec3 } from "./vector.js";
import { parseWcs, type Wcs } from "./wcs.js";

/**
 * The box against our own mapping, on many generated images and regions (RA 0 and the poles included): every
 * point inside the region that skyToPixel puts in the image is in the box (so "no overlap" is never said of a
 * region that reaches into the image). The astropy checks (box.test.ts) cover fewer cases against an independent
 * mapping; these cover the sampling on many more.
 */
const image = fc.record({
  proj: fc.constantFrom("TAN", "SIN", "ZEA", "ARC", "STG", "TAN-SIP"),
  ra: fc.oneof(fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min: -0.2, max: 0.2, noNaN: true })),
  dec: fc.oneof(fc.double({ min: -89, max: 89, noNaN: true }), fc.double({ min: 89.8, max: 90, noNaN: true }), fc.double({ min: -90, max: -89.8, noNaN: true })),
  scaleArcsec: fc.double({ min: 0.1, max: 2, noNaN: true }),
  rot: fc.double({ min: -180, max: 180, noNaN: true }),
  n1: fc.integer({ min: 1, max: 3000 }),
  n2: fc.integer({ min: 1, max: 3000 }),
});

const shape = fc.record({
  kind: fc.constantFrom("circle", "polygon", "range"),
  // Where the shape sits relative to the image centre, in units of the image's half-diagonal.
  pa: fc.double({ min: 0, max: 360, noNaN: true }),
  dist: fc.double({ min: 0, max: 2, noNaN: true }),
  size: fc.double({ min: 0.001, max: 1.5, noNaN: true }),
});

function makeWcs(i: { proj: string; ra: number; dec: number; scaleArcsec: number; rot: number; n1: number; n2: number }): Wcs {
  const s = i.scaleArcsec / 3600;
  const r = i.rot * RAD_PER_DEG;
  const sip = i.proj.endsWith("SIP") ? { A_ORDER: 2, B_ORDER: 2, A_2_0: 2e-7, B_0_2: -3e-7, A_1_1: 1e-7 } : {};
  return parseWcs({
    CTYPE1: `RA---${i.proj}`,
    CTYPE2: `DEC--${i.proj}`,
    CRPIX1: (i.n1 + 1) / 2,
    CRPIX2: (i.n2 + 1) / 2,
    CRVAL1: ((i.ra % 360) + 360) % 360,
    CRVAL2: i.dec,
    CD1_1: -s * Math.cos(r),
    CD1_2: s * Math.sin(r),
    CD2_1: s * Math.sin(r),
    CD2_2: s * Math.cos(r),
    ...sip,
  });
}

function offset(c: Vec3, pa: number, dist: number): [number, number] {
  const pole = { x: 0, y: 0, z: 1 };
  const east = Math.hypot(c.x, c.y) < 1e-9 ? { x: 0, y: 1, z: 0 } : normalize(cross(pole, c));
  const north = cross(c, east);
  const p = pa * RAD_PER_DEG;
  const d = dist * RAD_PER_DEG;
  const t = { x: Math.cos(p) * north.x + Math.sin(p) * east.x, y: Math.cos(p) * north.y + Math.sin(p) * east.y, z: Math.cos(p) * north.z + Math.sin(p) * east.z };
  return lonLat({ x: Math.cos(d) * c.x + Math.sin(d) * t.x, y: Math.cos(d) * c.y + Math.sin(d) * t.y, z: Math.cos(d) * c.z + Math.sin(d) * t.z });
}

function makeRegion(c: Vec3, half: number, s: { kind: string; pa: number; dist: number; size: number }): Region {
  const [lon, lat] = offset(c, s.pa, s.dist * half);
  const size = s.size * half;
  const centre = unitVector(lon, lat);
  if (s.kind === "circle") return circle(lon, lat, size);
  if (s.kind === "polygon") return polygon([0, 100, 200, 290].map((pa, k) => offset(centre, pa + s.pa, size * (0.6 + 0.1 * k))));
  const dlon = Math.abs(lat) > 89.999 ? 360 : Math.min(360, size / Math.cos(lat * RAD_PER_DEG));
  return rangeBox(lon - dlon / 2, lon + dlon / 2, Math.max(-90, lat - size / 2), Math.min(90, lat + size / 2));
}

describe("region → pixel box on generated images and regions", function () {
  this.timeout(120000);
  it("holds every point of the region that maps into the image, and reports no overlap only when none does", () => {
    let boxes = 0;
    let misses = 0;
    let points = 0;
    fc.assert(
      fc.property(image, shape, fc.integer({ min: 1, max: 2 ** 31 - 1 }), (img, sh, seed) => {
        const wcs = makeWcs(img);
        const centre = wcs.pixelToSky((img.n1 + 1) / 2, (img.n2 + 1) / 2)!;
        const c = unitVector(centre[0], centre[1]);
        const half = (Math.hypot(img.n1, img.n2) / 2) * (img.scaleArcsec / 3600);
        let region: Region;
        try {
          region = makeRegion(c, half, sh);
        } catch {
          return; // a polygon too small to be anything but degenerate
        }
        const box = regionPixelBox(region, wcs, img.n1, img.n2);
        if (box.overlap) boxes++;
        else misses++;
        // Points of the region: uniform in its bounding cap, kept when inside.
        const cap = region.boundingCap();
        const axis = Math.abs(cap.center.x) < 0.9 ? { x: 1, y: 0, z: 0 } : { x: 0, y: 1, z: 0 };
        const u = normalize(cross(axis, cap.center));
        const w = cross(cap.center, u);
        const cosR = Math.cos(Math.min(180, cap.radius) * RAD_PER_DEG);
        let state = seed;
        const random = () => ((state = (Math.imul(state, 48271) % 2147483647) >>> 0) / 2147483647);
        for (let k = 0; k < 400; k++) {
          const z = 1 - random() * (1 - cosR);
          const a = random() * 2 * Math.PI;
          const sz = Math.sqrt(Math.max(0, 1 - z * z));
          const v = {
            x: z * cap.center.x + sz * (Math.cos(a) * u.x + Math.sin(a) * w.x),
            y: z * cap.center.y + sz * (Math.cos(a) * u.y + Math.sin(a) * w.y),
            z: z * cap.center.z + sz * (Math.cos(a) * u.z + Math.sin(a) * w.z),
          };
          if (!region.containsVector(v)) continue;
          const [lon, lat] = lonLat(v);
          const p = wcs.skyToPixel(lon, lat);
          if (!p || p[0] < 0.5 || p[0] > img.n1 + 0.5 || p[1] < 0.5 || p[1] > img.n2 + 0.5) continue;
          points++;
          expect(box.overlap, `a point of the region at pixel (${p}) but no overlap`).to.equal(true);
          if (!box.overlap) return;
          expect(p[0] >= box.x1 - 0.5 && p[0] <= box.x2 + 0.5 && p[1] >= box.y1 - 0.5 && p[1] <= box.y2 + 0.5, `pixel (${p}) outside ${JSON.stringify(box)}`).to.equal(true);
        }
      }),
      { numRuns: 300, seed: 20261205 },
    );
    console.log(`      generated: ${boxes} boxes, ${misses} without overlap, ${points} inside points checked`);
  });
});
