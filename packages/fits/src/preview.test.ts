/**
 * PNG previews against astropy.visualization: our zscale limits equal ZScaleInterval's, and the 8-bit levels of
 * our PNG (decoded by python's zlib, with its CRCs checked) equal astropy's AsinhStretch of the same interval.
 */
import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { physical, readSection } from "./image.js";
import { FitsFile } from "./layout.js";
import { crc32, previewPng, zscale } from "./preview.js";
import { FileSource } from "./source.js";
import { RUBIN_FILE, astropy, requireTools, tempDir } from "./test-support/tools.js";

describe("PNG previews against astropy.visualization", function () {
  this.timeout(60000);
  const dir = tempDir("fits-preview-");
  after(() => dir.remove());

  it("computes CRC-32 as PNG defines it", () => {
    expect(crc32(Buffer.from("IEND"))).to.equal(0xae426082);
    expect(crc32(Buffer.from("123456789"))).to.equal(0xcbf43926);
  });

  it("zscale and asinh as astropy's, on generated images and on the Rubin coadd", async () => {
    requireTools("astropy");
    const images: [string, string, number][] = [
      ["smooth float32 with stars and NaN", join(dir.path, "a.fits"), 1],
      ["int16", join(dir.path, "b.fits"), 1],
      ["large float64 (sampled with a stride)", join(dir.path, "c.fits"), 1],
      ["Rubin coadd IMAGE", RUBIN_FILE, 1],
      ["Rubin coadd VARIANCE (negative and infinite values)", RUBIN_FILE, 3],
    ];
    astropy("write_many", [
      { path: images[0]![1], images: [{ shape: [90, 70], dtype: "float32", stars: 12, nans: [[5, 5]] }] },
      { path: images[1]![1], images: [{ shape: [40, 60], dtype: "int16", kind: "int", range: [-100, 300] }] },
      { path: images[2]![1], images: [{ shape: [150, 201], dtype: "float64", stars: 30 }] },
    ]);
    const jobs = [];
    const ours: [number, number][] = [];
    for (const [name, path, hdu] of images) {
      const f = await FitsFile.open(new FileSource(path));
      const s = await readSection(f, hdu, []);
      await f.close();
      const values = physical(s) as Float32Array;
      const png = join(dir.path, `${jobs.length}.png`);
      writeFileSync(png, previewPng(values, s.shape[0]!, s.shape[1]!));
      ours.push(zscale(values));
      jobs.push({ name, path, hdu, png, shape: s.shape });
    }
    const theirs = astropy<{ limits: [number, number]; size: number[]; differ: number; max_diff: number }[]>("previews", jobs);
    for (const [i, j] of jobs.entries()) {
      const t = theirs[i]!;
      expect(t.size, j.name).to.deep.equal([j.shape[0], j.shape[1], 8, 0]);
      // numpy sorts and takes the median in the image's own type (float32 here); we work in double.
      const scale = Math.abs(t.limits[1] - t.limits[0]);
      expect(Math.abs(ours[i]![0] - t.limits[0]), `${j.name}: vmin`).to.be.at.most(1e-5 * scale);
      expect(Math.abs(ours[i]![1] - t.limits[1]), `${j.name}: vmax`).to.be.at.most(1e-5 * scale);
      expect(t.max_diff, `${j.name}: grey levels`).to.be.at.most(1);
    }
    const differ = theirs.reduce((a, t) => a + t.differ, 0);
    const pixels = jobs.reduce((a, j) => a + j.shape[0]! * j.shape[1]!, 0);
    console.log(`      previews: ${jobs.length} images, ${pixels - differ} of ${pixels} grey levels equal to astropy's, the rest within 1`);
    expect(differ).to.be.at.most(pixels / 1000);
  });
});
