import { expect } from "chai";
import { WcsError } from "./errors.js";
import { footprint } from "./footprint.js";
import { polygon } from "./regions.js";
import { rotatedHeader, type Header } from "./test-support/headers.js";
import { runOracle, type OracleCase } from "./test-support/oracle.js";
import { cross, dot, unitVector } from "./vector.js";
import { parseWcs } from "./wcs.js";


function header(proj: string, ra: number, dec: number, scale: number, rot: number, extra: Header = {}): Header {
  return rotatedHeader(proj, ra, dec, scale, rot, 1000, 900, extra);
}

const N1 = 2000;
const N2 = 1800;
const SIP: Header = { A_ORDER: 2, B_ORDER: 2, A_2_0: 3e-6, A_0_2: -2e-6, B_1_1: 2e-6 };
/** convex: whether the outline is a convex spherical polygon (ZEA's straight pixel rows bow inwards on the sky). */
const IMAGES: { name: string; header: Header; vertices: "4" | "more"; convex: boolean }[] = [
  { name: "TAN", header: header("TAN", 150, 2, 0.2 / 3600, 20), vertices: "4", convex: true },
  { name: "TAN across RA 0", header: header("TAN", 0.02, -5, 0.2 / 3600, 0), vertices: "4", convex: true },
  { name: "TAN holding the north pole", header: header("TAN", 0, 89.99, 0.2 / 3600, 0), vertices: "4", convex: true },
  { name: "TAN-SIP", header: header("TAN-SIP", 10, -30, 0.2 / 3600, 10, SIP), vertices: "more", convex: false },
  { name: "ZEA wide field", header: header("ZEA", 200, 40, 0.01, 30), vertices: "more", convex: false },
  { name: "SIN holding the south pole", header: header("SIN", 100, -89.95, 0.3 / 3600, 0), vertices: "4", convex: true },
];

describe("footprints against astropy", function () {
  this.timeout(60000);
  const wcses = IMAGES.map((i) => parseWcs(i.header));
  const prints = wcses.map((w) => footprint(w, N1, N2));
  const pixels: number[][] = [];
  for (let x = 1; x <= N1; x += 111) for (let y = 1; y <= N2; y += 97) pixels.push([x, y]);
  const cases: OracleCase[] = IMAGES.map((img, i) => ({
    header: img.header,
    pixels: [...pixels, [0.5, 0.5], [N1 + 0.5, 0.5], [N1 + 0.5, N2 + 0.5], [0.5, N2 + 0.5]],
    worlds: prints[i]!.vertices.map(([a, b]) => [a, b]),
  }));
  let oracle: ReturnType<typeof runOracle>["astropy"];
  before(() => {
    oracle = runOracle(cases).astropy;
  });

  IMAGES.forEach((img, i) => {
    it(`${img.name}: vertices on the image's edge, corners as astropy puts them, winding, coverage`, () => {
      const f = prints[i]!;
      const o = oracle[i]!;
      if (img.vertices === "4") expect(f.vertices).to.have.length(4);
      else expect(f.vertices.length).to.be.greaterThan(4);
      // Every vertex is on the image's outer edge, by astropy's sky → pixel.
      for (const p of o.pixel) {
        const [x, y] = p!;
        const onEdge = [Math.abs(x! - 0.5), Math.abs(x! - N1 - 0.5), Math.abs(y! - 0.5), Math.abs(y! - N2 - 0.5)].some((d) => d < 1e-6);
        expect(onEdge, `vertex at pixel (${x}, ${y})`).to.equal(true);
      }
      // The four corners are vertices, where astropy puts them.
      const corners = o.world.slice(-4);
      for (const c of corners) {
        const hit = f.vertices.some(([a, b]) => Math.abs(((a - c![0]! + 540) % 360) - 180) * Math.cos((b * Math.PI) / 180) < 1e-10 && Math.abs(b - c![1]!) < 1e-10);
        expect(hit, `corner ${c}`).to.equal(true);
      }
      // Counter-clockwise with longitude to the right: the edges' cross products point out of the polygon's side.
      const v = f.vertices.map(([a, b]) => unitVector(a, b));
      let s = 0;
      const mid = unitVector(...(o.world[0] as [number, number]));
      for (let k = 0; k < v.length; k++) s += dot(cross(v[k]!, v[(k + 1) % v.length]!), mid);
      expect(s).to.be.greaterThan(0);
      if (img.convex) {
        const region = polygon(f.vertices.map(([a, b]) => [a, b] as [number, number]));
        for (const w of o.world.slice(0, -4)) {
          expect(region.contains(w![0]!, w![1]!), `(${w})`).to.equal(true);
        }
      }
    });
  });

  it("covering: convex where the sides bow both ways, and holding the whole edge (astropy's sky positions) to the tolerance", () => {
    const covering = IMAGES.filter((img) => !img.convex);
    const edge: number[][] = [];
    for (let t = 0; t <= 1; t += 1 / 64) {
      const x = 0.5 + t * N1;
      const y = 0.5 + t * N2;
      edge.push([x, 0.5], [x, N2 + 0.5], [0.5, y], [N1 + 0.5, y]);
    }
    const tol = 0.01;
    const outline = covering.map((img) => footprint(parseWcs(img.header), N1, N2, { tolerancePixels: tol, covering: true }));
    const sky = runOracle(covering.map((img) => ({ header: img.header, pixels: edge, worlds: [] }))).astropy;
    covering.forEach((img, i) => {
      const f = outline[i]!;
      // polygon() refuses a concave one; without covering these are concave (IMAGES' convex: false)
      expect(() => polygon(f.vertices.map(([a, b]) => [a, b] as [number, number])), img.name).to.not.throw();
      const v = f.vertices.map(([a, b]) => unitVector(a, b));
      const normals = v.map((a, k) => {
        const n = cross(a, v[(k + 1) % v.length]!);
        const len = Math.hypot(n.x, n.y, n.z);
        return { x: n.x / len, y: n.y / len, z: n.z / len };
      });
      const scale = parseWcs(img.header).pixelScale(N1 / 2, N2 / 2);
      let worst = 0;
      for (const w of sky[i]!.world) {
        const p = unitVector(w![0]!, w![1]!);
        const outside = Math.max(0, ...normals.map((n) => -dot(p, n)));
        worst = Math.max(worst, (Math.asin(outside) * 180) / Math.PI / scale);
      }
      expect(worst, `${img.name}: pixels outside`).to.be.below(tol * 1.5);
    });
  });

  it("refuses an image whose edge leaves the projection (SIN beyond the horizon)", () => {
    const w = parseWcs(header("SIN", 0, 0, 0.2, 0));
    expect(() => footprint(w, 2000, 2000)).to.throw(WcsError).with.property("code", "OUTSIDE_PROJECTION");
  });
});
