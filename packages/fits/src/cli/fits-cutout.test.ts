/**
 * fits-cutout, and Rubin's real lsst.images file (../shared/rubin/images/README.md): every image HDU that we
 * decompress equals cfitsio's funpack; the README's upstream cutout oracle (lsst/dax_images_cutout
 * tests/test_imageCutoutsBackendV2.py) matches pixel for pixel; the cut equals imcopy's; its WCS (primary and the
 * LINEAR 'A' WCS of parent pixels) maps each pixel where the source's did, by astropy.wcs; fitsverify passes it.
 * Then the exit statuses, as a table.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readSection } from "../image.js";
import { FitsFile } from "../layout.js";
import { FileSource } from "../source.js";
import { firstDifference } from "../test-support/compare.js";
import { rangeServer } from "../test-support/http.js";
import { RUBIN_FILE, astropy, fitsverify, requireTools, run, tempDir } from "../test-support/tools.js";
import { main } from "./fits-cutout.js";

const here = dirname(fileURLToPath(import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("Rubin's lsst.images file", function () {
  this.timeout(60000);
  const dir = tempDir("fits-rubin-");
  after(() => dir.remove());

  it("decompresses every image HDU (GZIP_2, the 4-D PSF included) to funpack's pixels", async () => {
    requireTools("funpack");
    const unpacked = join(dir.path, "funpacked.fits");
    run("funpack", ["-O", unpacked, RUBIN_FILE]);
    const ours = await FitsFile.open(new FileSource(RUBIN_FILE));
    const theirs = await FitsFile.open(new FileSource(unpacked));
    let agree = 0;
    const images = [1, 2, 3, 4, 5, 6, 10, 11];
    for (const i of images) {
      const a = await readSection(ours, i, []);
      const b = await readSection(theirs, i, []);
      expect(firstDifference(a.data, b.data), `HDU ${i}`).to.equal(-1);
      agree++;
    }
    await ours.close();
    await theirs.close();
    console.log(`      funpack agreement on the Rubin file: ${agree} of ${images.length} image HDUs`);
  });

  it("cuts the README's oracle box with --pixels: the upstream pixels, imcopy's pixels, the same sky, fitsverify-clean", async () => {
    requireTools("astropy", "imcopy", "fitsverify");
    const out = join(dir.path, "cut.fits");
    // README: IMAGE[17:45, 20:49] in numpy's 0-based [y, x] is FITS [21:49,18:45].
    const r = await cli(RUBIN_FILE, "--hdu", "IMAGE", "--pixels", "[21:49,18:45]", "-o", out);
    expect(r, r.err).to.include({ code: 0 });
    expect(r.out).to.contain("29×28 pixels");
    const a = astropy<{ primary: { max_diff: number }; A: { max_diff: number; cutout: number[][] }; shape: number[]; pixels: number[] }>("wcs_compare", {
      source: RUBIN_FILE,
      source_hdu: 1,
      cutout: out,
      cutout_hdu: 1,
      offset: [20, 17],
      alternates: ["A"],
      pixels: [[14, 15], [1, 1], [27, 28]],
    });
    expect(a.shape).to.deep.equal([28, 29]);
    expect(a.pixels).to.deep.equal([2.788926362991333, 7.183607578277588, -11.042882919311523]);
    expect(a.primary.max_diff).to.be.below(1e-10);
    expect(a.A.max_diff).to.equal(0);
    // The 'A' WCS gives parent pixel coordinates: the cutout's first pixel is parent (128 + 20, 0 + 17).
    expect(a.A.cutout[0]).to.deep.equal([148, 17]);
    const ref = join(dir.path, "imcopy.fits");
    run("imcopy", [`${RUBIN_FILE}[1][21:49,18:45]`, ref]);
    const f = await FitsFile.open(new FileSource(out));
    const g = await FitsFile.open(new FileSource(ref));
    expect(firstDifference((await readSection(f, 1, [])).data, (await readSection(g, 0, [])).data)).to.equal(-1);
    expect(f.hdus[0]!.header.has("INDXADDR")).to.equal(false);
    expect(f.hdus[1]!.header.number("LTV1")).to.equal(-20);
    expect(f.hdus[1]!.header.number("LTV2")).to.equal(-17);
    await f.close();
    await g.close();
    const v = fitsverify(out);
    expect({ errors: v.errors, warnings: v.warnings }, v.output).to.deep.equal({ errors: 0, warnings: 0 });
  });

  // The README's upstream oracle: a 3″ circle at (0.25708, −3.03694) is the box [21:49,18:45]; the other shapes
  // are drawn around the same place.
  const regions: [string, string[], string][] = [
    ["the README's circle", ["--circle", "0.25708", "-3.03694", String(3 / 3600)], "[21:49,18:45]"],
    ["a polygon (the circle's bounding square, either winding)", ["--polygon", "0.2562467", "-3.0377733", "0.2579133", "-3.0377733", "0.2579133", "-3.0361067", "0.2562467", "-3.0361067"], ""],
    ["the same polygon wound the other way", ["--polygon", "0.2562467", "-3.0361067", "0.2579133", "-3.0361067", "0.2579133", "-3.0377733", "0.2562467", "-3.0377733"], ""],
    ["a range", ["--range", "0.2562467", "0.2579133", "-3.0377733", "-3.0361067"], ""],
  ];
  for (const [name, argv, want] of regions) {
    it(`cuts ${name}${want ? ` to ${want}` : ""}`, async () => {
      const r = await cli(RUBIN_FILE, ...argv, "-o", join(dir.path, "region.fits"));
      expect(r.code, r.err).to.equal(0);
      const box = /HDU 1 (\[[^\]]+\])/.exec(r.out)![1]!;
      if (want) expect(box).to.equal(want);
      // The square and the range are the circle's bounding box on the sky, on a grid nearly aligned with RA and
      // Dec: their pixel boxes are the circle's, give or take a pixel per side.
      const [x1, x2, y1, y2] = box.slice(1, -1).split(/[:,]/).map(Number) as [number, number, number, number];
      for (const [got, ref] of [[x1, 21], [x2, 49], [y1, 18], [y2, 45]] as const) expect(Math.abs(got - ref), box).to.be.at.most(1);
    });
  }

  it("exits 3 for a region away from the image, and 2 for a region that is not one or an image without a WCS", async () => {
    expect((await cli(RUBIN_FILE, "--circle", "120", "40", "0.1", "-o", join(dir.path, "r.fits"))).code).to.equal(3);
    const bad = await cli(RUBIN_FILE, "--circle", "0.25", "-3", "-1", "-o", join(dir.path, "r.fits"));
    expect(bad.code).to.equal(2);
    expect(bad.err).to.match(/bad region: BAD_RADIUS/);
    const noWcs = await cli(RUBIN_FILE, "--hdu", "PSF", "--circle", "0.25", "-3", "0.01", "-o", join(dir.path, "r.fits"));
    expect(noWcs.code, noWcs.err).to.equal(2);
    expect(noWcs.err).to.match(/WCS/);
  });

  it("lists the HDUs with --info", async () => {
    const r = await cli("--info", RUBIN_FILE);
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^1 +IMAGE +image +64×64 +-32 +GZIP_2 \(tiles 32×32, lossless\)$/m);
    expect(r.out).to.match(/^6 +PSF +image +21×21×2×2 +-64 /m);
    expect(r.out).to.match(/layout from the INDEX HDU/);
  });

  const notFits = join(dir.path, "not.fits");
  before(() => writeFileSync(notFits, "hello\n".repeat(1000)));
  const exits: [string, string[], number, RegExp][] = [
    ["no arguments", [], 2, /no FILE given/],
    ["two regions", [RUBIN_FILE, "--pixels", "[1:2,1:2]", "--circle", "1", "2", "3", "-o", "x.fits"], 2, /one region only/],
    ["a malformed box", [RUBIN_FILE, "--pixels", "[1:2;1:2]", "-o", "x.fits"], 2, /is not a range/],
    ["a backwards box", [RUBIN_FILE, "--pixels", "[5:2,1:2]", "-o", "x.fits"], 2, /runs backwards/],
    ["a polygon of 2 vertices", [RUBIN_FILE, "--polygon", "1", "2", "3", "4", "-o", "x.fits"], 2, /at least 3 vertices/],
    ["no output", [RUBIN_FILE, "--pixels", "[1:2,1:2]"], 2, /no output file/],
    ["a box outside the image", [RUBIN_FILE, "--pixels", "[100:200,1:10]", "-o", join(dir.path, "x.fits")], 3, /does not overlap HDU 1/],
    ["a missing file", [join(dir.path, "missing.fits"), "--pixels", "[1:2,1:2]", "-o", join(dir.path, "x.fits")], 2, /FITS_SOURCE: cannot open .*ENOENT/],
    ["a file that is not FITS", [notFits, "--info"], 2, /FITS_BAD_HEADER: HDU 0/],
    ["a table HDU", [RUBIN_FILE, "--hdu", "7", "--pixels", "[1:2,1:2]", "-o", join(dir.path, "x.fits")], 2, /FITS_NOT_AN_IMAGE: HDU 7/],
    ["an HDU that does not exist", [RUBIN_FILE, "--hdu", "NOPE", "--pixels", "[1:2,1:2]", "-o", join(dir.path, "x.fits")], 2, /FITS_NO_SUCH_HDU/],
  ];
  for (const [name, argv, code, message] of exits) {
    it(`exits ${code} for ${name}`, async () => {
      const r = await cli(...argv);
      expect(r.code, r.err).to.equal(code);
      expect(r.err).to.match(message);
    });
  }

  it("reads a URL with Range requests", async () => {
    const server = await rangeServer(readFileSync(RUBIN_FILE));
    try {
      const out = join(dir.path, "url.fits");
      const r = await cli(server.url, "--circle", "0.25708", "-3.03694", String(3 / 3600), "-o", out);
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.contain("[21:49,18:45]");
      const local = await cli(RUBIN_FILE, "--pixels", "[21:49,18:45]", "-o", join(dir.path, "local.fits"));
      expect(local.code).to.equal(0);
      expect(readFileSync(out).equals(readFileSync(join(dir.path, "local.fits")))).to.equal(true);
      expect(server.ranges.every((x) => /^bytes=\d+-\d+$/.test(x))).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it("runs as a command, with its exit status", () => {
    const r = spawnSync(process.execPath, ["--conditions=qserv-tap-source", "--import=tsx", join(here, "fits-cutout.ts"), RUBIN_FILE, "--pixels", "[100:200,1:10]", "-o", join(dir.path, "y.fits")], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).to.equal(3);
  });
});
