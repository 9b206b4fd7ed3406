import { expect } from "chai";
import { regionPixelBox, type PixelBoxResult } from "./box.js";
import { SkyError } from "./errors.js";
import { circle, polygon, rangeBox, type Region } from "./regions.js";
import { rotatedHeader, type Header } from "./test-support/headers.js";
import { runOracle, type OracleBox } from "./test-support/oracle.js";
import { angularSeparation, cross, lonLat, normalize, RAD_PER_DEG, unitVector, type Vec3 } from "./vector.js";
import { parseWcs, type Wcs } from "./wcs.js";

/**
 * Region → pixel box against astropy (issue 12): random points inside the region, mapped by astropy, fall inside
 * our box; our box exceeds the box of astropy's densely sampled boundary by at most one pixel per side.
 */

/** The reference pixel off the centre, so that no case is symmetric by accident. */
function header(proj: string, ra: number, dec: number, scale: number, rot: number, n1: number, n2: number, extra: Header = {}): Header {
  return rotatedHeader(proj, ra, dec, scale, rot, (n1 + 1) / 2 + 3.3, (n2 + 1) / 2 - 7.1, { WCSAXES: 2, ...extra });
}

const SIP: Header = { A_ORDER: 2, B_ORDER: 2, A_2_0: 3e-6, A_0_2: -2e-6, A_1_1: 1e-6, B_2_0: 1e-6, B_0_2: 2.5e-6, B_1_1: -2e-6 };

const IMAGES: { name: string; header: Header; n1: number; n2: number }[] = [
  { name: "TAN, rotated", header: header("TAN", 150.1, 2.2, 0.2 / 3600, 30, 2000, 1500), n1: 2000, n2: 1500 },
  { name: "TAN-SIP across RA 0", header: header("TAN-SIP", 0.01, -20, 0.2 / 3600, -10, 2048, 2048, SIP), n1: 2048, n2: 2048 },
  { name: "SIN across RA 0", header: header("SIN", 359.995, 30, 0.3 / 3600, 0, 1024, 1200), n1: 1024, n2: 1200 },
  { name: "ZEA holding the north pole", header: header("ZEA", 45, 89.95, 0.5 / 3600, 70, 2048, 2048), n1: 2048, n2: 2048 },
  { name: "STG holding the south pole", header: header("STG", 200, -89.93, 0.5 / 3600, -20, 1800, 2000), n1: 1800, n2: 2000 },
  { name: "ARC wide field (10°)", header: header("ARC", 80, 10, 0.01, 15, 1000, 800), n1: 1000, n2: 800 },
  { name: "TAN-SIP holding the north pole", header: header("TAN-SIP", 10, 89.98, 0.2 / 3600, 45, 2048, 2048, SIP), n1: 2048, n2: 2048 },
];

/** The point `dist` degrees from c towards position angle `pa` (degrees east of north). */
function offset(c: Vec3, pa: number, dist: number): [number, number] {
  const north = Math.abs(c.z) > 1 - 1e-12 ? { x: 1, y: 0, z: 0 } : normalize(cross(cross(c, { x: 0, y: 0, z: 1 }), c));
  const east = cross({ x: 0, y: 0, z: 1 }, c).x === 0 && Math.abs(c.z) > 1 - 1e-12 ? { x: 0, y: 1, z: 0 } : normalize(cross({ x: 0, y: 0, z: 1 }, c));
  const p = pa * RAD_PER_DEG;
  const d = dist * RAD_PER_DEG;
  const t = { x: Math.cos(p) * north.x + Math.sin(p) * east.x, y: Math.cos(p) * north.y + Math.sin(p) * east.y, z: Math.cos(p) * north.z + Math.sin(p) * east.z };
  return lonLat({ x: Math.cos(d) * c.x + Math.sin(d) * t.x, y: Math.cos(d) * c.y + Math.sin(d) * t.y, z: Math.cos(d) * c.z + Math.sin(d) * t.z });
}

function regionsFor(w: Wcs, n1: number, n2: number): { name: string; region: Region }[] {
  const [clon, clat] = w.pixelToSky((n1 + 1) / 2, (n2 + 1) / 2)!;
  const c = unitVector(clon, clat);
  const corner = w.pixelToSky(1, 1)!;
  const rd = angularSeparation(c, unitVector(corner[0], corner[1]));
  const scale = w.pixelScale((n1 + 1) / 2, (n2 + 1) / 2);
  const poly = (pts: [number, number][]) => polygon(pts);
  const nearPole = Math.abs(clat) > 89;
  const out = [
    { name: "small circle inside", region: circle(clon, clat, rd * 0.3) },
    { name: "circle over a corner", region: circle(...offset(c, 225, rd * 0.9), rd * 0.4) },
    { name: "circle holding the image", region: circle(clon, clat, rd * 3) },
    { name: "circle of 0.3 pixel", region: circle(...offset(c, 10, rd * 0.5), 0.3 * scale) },
    { name: "circle far away", region: circle(...offset(c, 100, rd * 6), rd * 0.5) },
    // Its edge is a small circle inside the image, but the region is everything else: the whole image is in it.
    { name: "circle of all the sky but a hole in the image", region: circle(...lonLat({ x: -c.x, y: -c.y, z: -c.z }), 180 - rd * 0.3) },
    {
      name: "polygon over an edge",
      region: poly([offset(c, 0, rd * 0.3), offset(c, 80, rd * 1.5), offset(c, 160, rd * 0.5), offset(c, 280, rd * 0.4)]),
    },
    {
      name: "polygon wound the other way",
      region: poly([offset(c, 280, rd * 0.4), offset(c, 160, rd * 0.5), offset(c, 80, rd * 0.5), offset(c, 0, rd * 0.3)]),
    },
  ];
  if (nearPole) {
    const pole = clat > 0 ? 1 : -1;
    out.push({ name: "RANGE polar cap", region: pole > 0 ? rangeBox(0, 360, 89.99, 90) : rangeBox(0, 360, -90, -89.99) });
    out.push({ name: "RANGE wedge to the pole", region: pole > 0 ? rangeBox(350, 20, 89.97, 90) : rangeBox(100, 130, -90, -89.97) });
  } else {
    const dlon = rd / Math.cos(clat * RAD_PER_DEG);
    out.push({ name: "RANGE about the centre", region: rangeBox(clon - dlon * 0.4, clon + dlon * 0.2, clat - rd * 0.3, clat + rd * 0.5) });
    out.push({ name: "RANGE over an edge", region: rangeBox(clon + dlon * 0.3, clon + dlon * 2, clat - rd * 2, clat + rd * 0.1) });
  }
  return out;
}

/** A deterministic generator (mulberry32), so that the test is a fixed table of points. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform random points in the region, by rejection from its bounding cap. */
function insidePoints(region: Region, count: number, random: () => number): [number, number][] {
  const cap = region.boundingCap();
  const [u, w] = basis(cap.center);
  const cosR = Math.cos(Math.min(180, cap.radius) * RAD_PER_DEG);
  const out: [number, number][] = [];
  for (let tries = 0; out.length < count && tries < count * 200; tries++) {
    const z = 1 - random() * (1 - cosR);
    const a = random() * 2 * Math.PI;
    const s = Math.sqrt(1 - z * z);
    const c = cap.center;
    const v = {
      x: z * c.x + s * (Math.cos(a) * u.x + Math.sin(a) * w.x),
      y: z * c.y + s * (Math.cos(a) * u.y + Math.sin(a) * w.y),
      z: z * c.z + s * (Math.cos(a) * u.z + Math.sin(a) * w.z),
    };
    if (region.containsVector(v)) out.push(lonLat(v));
  }
  return out;
}

function basis(c: Vec3): [Vec3, Vec3] {
  const axis = Math.abs(c.x) < 0.9 ? { x: 1, y: 0, z: 0 } : { x: 0, y: 1, z: 0 };
  const u = normalize(cross(axis, c));
  return [u, cross(c, u)];
}

describe("region → pixel box against astropy", function () {
  this.timeout(120000);
  interface Case {
    name: string;
    region: Region;
    wcs: Wcs;
    n1: number;
    n2: number;
    box: PixelBoxResult;
    oracle: OracleBox;
  }
  const cases: Case[] = [];
  const random = rng(12);
  for (const img of IMAGES) {
    const wcs = parseWcs(img.header);
    const [clon, clat] = wcs.pixelToSky((img.n1 + 1) / 2, (img.n2 + 1) / 2)!;
    const centre = unitVector(clon, clat);
    const corner = wcs.pixelToSky(0.5, 0.5)!;
    // Points farther than this from the image cannot be in it; leaving them out keeps astropy's SIP inversion
    // away from places where it need not converge.
    const near = angularSeparation(centre, unitVector(corner[0], corner[1])) * 1.5;
    const scale = wcs.pixelScale((img.n1 + 1) / 2, (img.n2 + 1) / 2);
    const edges: [number, number][] = [];
    const step = 1;
    for (let x = 0.5; x <= img.n1 + 0.5; x += step) edges.push([x, 0.5], [x, img.n2 + 0.5]);
    for (let y = 0.5; y <= img.n2 + 0.5; y += step) edges.push([0.5, y], [img.n1 + 0.5, y]);
    for (const r of regionsFor(wcs, img.n1, img.n2)) {
      const isNear = ([lon, lat]: [number, number]) => angularSeparation(centre, unitVector(lon, lat)) <= near;
      const boundary = r.region.boundary(scale * 0.5).filter(isNear);
      cases.push({
        name: `${img.name}: ${r.name}`,
        region: r.region,
        wcs,
        n1: img.n1,
        n2: img.n2,
        box: regionPixelBox(r.region, wcs, img.n1, img.n2),
        oracle: { header: img.header, inside: insidePoints(r.region, 1000, random).filter(isNear), boundary, edges },
      });
    }
  }
  let results: ReturnType<typeof runOracle>["boxes"];
  const tally = { cases: 0, insidePoints: 0, insideAgree: 0, boxSides: 0, boxSidesAgree: 0, noOverlap: 0 };
  before(() => {
    results = runOracle([], cases.map((c) => c.oracle)).boxes;
  });
  after(() => {
    console.log(
      `      oracle boxes: ${tally.cases} cases (${tally.noOverlap} without overlap); random inside points in the image ` +
        `${tally.insideAgree}/${tally.insidePoints} inside our box; box sides within 1 pixel of astropy's ` +
        `${tally.boxSidesAgree}/${tally.boxSides}`,
    );
  });

  cases.forEach((c, i) => {
    it(c.name, () => {
      const o = results[i]!;
      tally.cases++;
      const inImage = (p: number[]) => p[0]! >= 0.5 && p[0]! <= c.n1 + 0.5 && p[1]! >= 0.5 && p[1]! <= c.n2 + 0.5;
      // astropy's box: its boundary samples in the image, and the image's edge where astropy puts it inside.
      let ex1 = Infinity;
      let ex2 = -Infinity;
      let ey1 = Infinity;
      let ey2 = -Infinity;
      const add = (p: number[]) => {
        ex1 = Math.min(ex1, p[0]!);
        ex2 = Math.max(ex2, p[0]!);
        ey1 = Math.min(ey1, p[1]!);
        ey2 = Math.max(ey2, p[1]!);
      };
      for (const p of o.boundary) if (p && inImage(p)) add(p);
      o.edges.forEach((s, k) => {
        if (s && c.region.contains(s[0]!, s[1]!)) add(c.oracle.edges[k]!);
      });
      const pix = (v: number, n: number) => Math.min(n, Math.max(1, Math.floor(v + 0.5)));
      const inside = o.inside.filter((p): p is number[] => p !== null && inImage(p));
      if (!c.box.overlap) {
        tally.noOverlap++;
        expect(inside, "random points inside the region that astropy puts in the image").to.have.length(0);
        expect(ex1, "astropy's boundary box").to.equal(Infinity);
        return;
      }
      const b = c.box;
      for (const p of inside) {
        tally.insidePoints++;
        const ok = p[0]! >= b.x1 - 0.5 && p[0]! <= b.x2 + 0.5 && p[1]! >= b.y1 - 0.5 && p[1]! <= b.y2 + 0.5;
        if (ok) tally.insideAgree++;
        expect(ok, `astropy puts a point of the region at (${p}), outside our box ${JSON.stringify(b)}`).to.equal(true);
      }
      expect(ex1, "astropy's boundary box is empty but ours is not").to.be.lessThan(Infinity);
      const expected = { x1: pix(ex1, c.n1), x2: pix(ex2, c.n1), y1: pix(ey1, c.n2), y2: pix(ey2, c.n2) };
      const sides = [b.x1 >= expected.x1 - 1, b.x2 <= expected.x2 + 1, b.y1 >= expected.y1 - 1, b.y2 <= expected.y2 + 1];
      for (const s of sides) {
        tally.boxSides++;
        if (s) tally.boxSidesAgree++;
      }
      expect(sides, `ours ${JSON.stringify(b)}, astropy's ${JSON.stringify(expected)}`).to.deep.equal([true, true, true, true]);
    });
  });

  it("refuses a bad image size", () => {
    const wcs = parseWcs(IMAGES[0]!.header);
    expect(() => regionPixelBox(circle(0, 0, 1), wcs, 0, 10)).to.throw(SkyError).with.property("code", "BAD_IMAGE_SIZE");
  });
});

