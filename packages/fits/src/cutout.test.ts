/**
 * Cutout files: streamed in bands (for whole images) they are byte for byte the files cut in one piece, for plain
 * and tile-compressed sources, whatever the band size.
 */
import { expect } from "chai";
import { join } from "node:path";
import { cutout, cutoutStream } from "./cutout.js";
import type { Section } from "./image.js";
import { FitsFile } from "./layout.js";
import { FileSource, HttpSource } from "./source.js";
import { rangeServer } from "./test-support/http.js";
import { readFileSync } from "node:fs";
import { RUBIN_FILE, tempDir } from "./test-support/tools.js";
import { type HduToWrite, arrayData, fitsByteLength, fitsChunks, gzip2Image, imageHeader, writeFitsFile } from "./write.js";

async function bytes(hdus: HduToWrite[]): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of fitsChunks(hdus)) out.push(c);
  return Buffer.concat(out);
}

describe("streamed cutouts", function () {
  this.timeout(30000);
  const dir = tempDir("fits-cutout-");
  const plain = join(dir.path, "plain.fits");
  before(async () => {
    const data = new Float32Array(50 * 37 * 3).map((_, i) => Math.sin(i) * 100);
    await writeFitsFile(plain, [
      { header: imageHeader(-32, [50, 37, 3], { primary: true, cards: [{ keyword: "CRPIX1", value: 10, real: true }, { keyword: "CTYPE1", value: "RA---TAN" }] }), data: arrayData(data) },
      gzip2Image(data, -32, [50, 37, 3], { extname: "SQUARE", tile: [16, 16, 1] }),
    ]);
  });
  after(() => dir.remove());

  it("cuts the same file over HTTP Range as from the local file, in a few requests", async () => {
    const server = await rangeServer(readFileSync(RUBIN_FILE));
    const local = await FitsFile.open(new FileSource(RUBIN_FILE));
    try {
      const remote = await FitsFile.open(new HttpSource(server.url));
      const layoutRequests = server.ranges.length;
      const section: Section = [[21, 49], [18, 45]];
      const a = await bytes((await cutout(remote, "IMAGE", section, { gap: 256 * 1024 })).hdus);
      const b = await bytes((await cutout(local, "IMAGE", section)).hdus);
      expect(a.equals(b)).to.equal(true);
      // The section touches 4 tiles: one request for their table rows, one for their bytes in the heap.
      expect(server.ranges.length - layoutRequests).to.equal(2);
    } finally {
      await local.close();
      await server.close();
    }
  });

  it("cuts an image with its mask and variance into one file", async () => {
    const f = await FitsFile.open(new FileSource(RUBIN_FILE));
    try {
      const hdus = cutoutStream(f, ["IMAGE", "MASK", "VARIANCE"], [[21, 49], [18, 45]]);
      const path = join(dir.path, "masked.fits");
      await writeFitsFile(path, hdus);
      const g = await FitsFile.open(new FileSource(path));
      expect(g.hdus.map((h) => h.header.string("EXTNAME") ?? "")).to.deep.equal(["", "IMAGE", "MASK", "VARIANCE"]);
      expect(g.hdus.slice(1).map((h) => [h.header.number("BITPIX"), h.header.number("NAXIS1"), h.header.number("NAXIS2")])).to.deep.equal([
        [-32, 29, 28],
        [32, 29, 28],
        [-32, 29, 28],
      ]);
      await g.close();
    } finally {
      await f.close();
    }
  });

  const cases: [string, string, number | string, Section, number][] = [
    ["a plain cube, bands of one plane", plain, 0, [[3, 40], [2, 37], [1, 3]], 1],
    ["a plain cube, whole, bands of 1 kB", plain, 0, [[1, 50], [1, 37], [1, 3]], 1024],
    ["square tiles, a 2-D section of a cube", plain, "SQUARE", [[5, 49], [3, 35], [2, 2]], 1],
    ["Rubin's IMAGE (32×32 GZIP_2 tiles), bands of 1 kB", RUBIN_FILE, "IMAGE", [[21, 49], [18, 45]], 1024],
    ["Rubin's PSF (4-D)", RUBIN_FILE, "PSF", [[1, 21], [1, 21], [1, 2], [1, 2]], 100],
  ];
  for (const [name, path, hdu, section, band] of cases) {
    it(name, async () => {
      const f = await FitsFile.open(new FileSource(path));
      try {
        const whole = await bytes((await cutout(f, hdu, section)).hdus);
        const hdus = cutoutStream(f, hdu, section, band);
        const streamed = await bytes(hdus);
        expect(streamed.equals(whole)).to.equal(true);
        expect(fitsByteLength(hdus)).to.equal(streamed.length);
      } finally {
        await f.close();
      }
    });
  }
});
