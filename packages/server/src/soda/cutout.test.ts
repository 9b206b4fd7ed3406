import { expect } from "chai";
import { Header } from "@qserv-tap/fits";
import { circle, parseWcs, polygon, rangeBox } from "@qserv-tap/sky";
import { applyStencil, stencilBit, stencilRow } from "./cutout.js";

describe("SODA cutouts: the OUTSIDE_STENCIL mask plane (as lsst/dax_images_cutout sets it)", () => {
  const cases: { name: string; cards: [string, string | number][]; bit: number | undefined; added?: [string, string | number][] }[] = [
    { name: "a mask that declares no planes gets MSKN0000, its highest bit", cards: [], bit: 30, added: [["MSKN0000", "OUTSIDE_STENCIL"], ["MSKM0000", 2 ** 30]] },
    {
      name: "lsst.images planes: the next index, the lowest free bit",
      cards: [["MSKN0000", "NO_DATA"], ["MSKM0000", 1], ["MSKN0001", "SAT"], ["MSKM0001", 2]],
      bit: 2,
      added: [["MSKN0002", "OUTSIDE_STENCIL"], ["MSKM0002", 4]],
    },
    { name: "lsst.images, already defined: its bit", cards: [["MSKN0000", "OUTSIDE_STENCIL"], ["MSKM0000", 8]], bit: 3 },
    { name: "afw planes (MP_name = bit): MP_OUTSIDE_STENCIL", cards: [["MP_BAD", 0], ["MP_SAT", 1], ["MP_EDGE", 4]], bit: 2, added: [["MP_OUTSIDE_STENCIL", 2]] },
    { name: "afw, already defined", cards: [["MP_BAD", 0], ["MP_OUTSIDE_STENCIL", 7]], bit: 7 },
    { name: "every bit of a 16-bit mask taken: none", cards: Array.from({ length: 15 }, (_, i) => [`MP_P${i}`, i] as [string, number]), bit: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const h = new Header(c.cards.map(([keyword, value]) => ({ keyword, value })));
      expect(stencilBit(h, c.cards.length === 15 ? 16 : 32)).to.equal(c.bit);
      for (const [k, v] of c.added ?? []) expect(h.get(k), k).to.equal(v);
    });
  }

  it("sets the bit on the pixels whose centres lie outside the region, in big-endian words of any width", () => {
    const wcs = parseWcs({ CTYPE1: "RA---TAN", CTYPE2: "DEC--TAN", CRPIX1: 5, CRPIX2: 5, CRVAL1: 10, CRVAL2: 0, CD1_1: -1 / 3600, CD2_2: 1 / 3600, NAXIS: 2, NAXIS1: 9, NAXIS2: 9 });
    // A circle of 2.5″ about pixel (5, 5): 21 pixel centres inside (|dx|² + |dy|² ≤ 6.25).
    const region = circle(10, 0, 2.5 / 3600);
    for (const [bitpix, bit] of [
      [16, 9],
      [32, 17],
      [8, 3],
    ] as const) {
      const size = bitpix / 8;
      const bytes = Buffer.alloc(81 * size);
      const outside = applyStencil(bytes, bitpix, [[1, 9], [1, 9]], wcs, region, bit);
      expect(outside).to.equal(81 - 21);
      const read = (i: number) => (size === 1 ? bytes.readUInt8(i) : size === 2 ? bytes.readUInt16BE(i * 2) : bytes.readUInt32BE(i * 4));
      expect(read(0)).to.equal(2 ** bit);
      expect(read(4 * 9 + 4)).to.equal(0);
    }
  });
});

describe("SODA cutouts: the stencil's rows equal a test of every pixel centre", () => {
  const wcs = parseWcs({ CTYPE1: "RA---TAN", CTYPE2: "DEC--TAN", CRPIX1: 100, CRPIX2: 100, CRVAL1: 10, CRVAL2: -5, CD1_1: -0.2 / 3600, CD1_2: 0.05 / 3600, CD2_1: 0.05 / 3600, CD2_2: 0.2 / 3600 });
  const regions = [
    ["a circle inside", circle(10, -5, 0.004)],
    ["a circle of 1.5 pixels", circle(10.0001, -5.0001, 0.3 / 3600)],
    ["a circle over the edge", circle(10.01, -5, 0.006)],
    ["a thin polygon", polygon([[9.995, -5.005], [9.99505, -5.005], [10.005, -4.995], [10.00495, -4.995]])],
    ["a RANGE box", rangeBox(9.996, 10.004, -5.003, -4.998)],
  ] as const;
  for (const [name, region] of regions) {
    it(name, () => {
      const row = new Uint8Array(200);
      // The pixels that disagree, checked at once: an expect per pixel (40,000) took most of the time.
      const wrong: string[] = [];
      for (let y = 1; y <= 200; y++) {
        stencilRow(y, 1, 200, wcs, region, row);
        for (let x = 1; x <= 200; x++) {
          const sky = wcs.pixelToSky(x, y)!;
          const want = region.contains(sky[0], sky[1]) ? 1 : 0;
          if (row[x - 1] !== want && wrong.length < 10) wrong.push(`(${x}, ${y}): ${row[x - 1]} instead of ${want}`);
        }
      }
      expect(wrong).to.deep.equal([]);
    });
  }
});
