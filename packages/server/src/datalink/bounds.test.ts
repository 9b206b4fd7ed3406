/**
 * Image bounds for SODA 1.0 §4.3's VALUES, from a file's own header: checked against astropy.wcs on Rubin's real DP2
 * coadd (the lsst.images layout: GZIP_2 tiles, an INDEX HDU, PV1_3/PV1_4 beside LONPOLE) and on a rotated test image.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FileSource } from "@qserv-tap/fits";
import { angularSeparation, unitVector } from "@qserv-tap/sky";
import { writeTestImage } from "../test-support/images.js";
import { BoundsCache, covers, readBounds } from "./bounds.js";
import type { ImageDataset } from "../images/registry.js";

const RUBIN = fileURLToPath(new URL("../../../../../shared/rubin/images/deep_coadd_5428_76_g.fits", import.meta.url));

const dataset = (path: string, id = path): ImageDataset => ({ id, datasetType: "deep_coadd", dataId: {}, cutout: true, open: async () => new FileSource(path) });

/** astropy.wcs's sky positions (origin 1) of pixels of the IMAGE HDU. */
function astropy(path: string, pixels: [number, number][]): [number, number][] {
  const script = `
import json, sys, warnings
warnings.simplefilter("ignore")
from astropy.io import fits
from astropy.wcs import WCS
with fits.open(sys.argv[1]) as h:
    hdu = next(x for x in h if x.name == "IMAGE")
    print(json.dumps(WCS(hdu.header).all_pix2world(json.loads(sys.argv[2]), 1).tolist()))
`;
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, path, JSON.stringify(pixels)], { encoding: "utf8" })) as [number, number][];
}

function check(b: Awaited<ReturnType<typeof readBounds>>, path: string): void {
  const { naxis1: n1, naxis2: n2 } = b;
  const corners: [number, number][] = [
    [0.5, 0.5],
    [n1 + 0.5, 0.5],
    [n1 + 0.5, n2 + 0.5],
    [0.5, n2 + 0.5],
  ];
  const [centre, ...sky] = astropy(path, [[(n1 + 1) / 2, (n2 + 1) / 2], ...corners]);
  expect(b.circle[0]).to.be.closeTo(centre![0], 1e-8);
  expect(b.circle[1]).to.be.closeTo(centre![1], 1e-8);
  const c = unitVector(b.circle[0], b.circle[1]);
  // The circle holds every corner, and is no bigger than the farthest one needs.
  const far = Math.max(...sky.map(([lon, lat]) => angularSeparation(c, unitVector(lon, lat))));
  expect(b.circle[2]).to.be.within(far, far + 1e-7);
  // The polygon's vertices include the corners (no SIP here: exactly the corners).
  expect(b.polygon).to.have.length(8);
  for (const [lon, lat] of sky) {
    const found = [0, 2, 4, 6].some((i) => angularSeparation(unitVector(b.polygon[i]!, b.polygon[i + 1]!), unitVector(lon, lat)) < 1e-7);
    expect(found, `corner ${lon} ${lat}`).to.equal(true);
  }
}

describe("image bounds (SODA 1.0 §4.3 VALUES, from the header)", function () {
  this.timeout(60_000);

  it("Rubin's DP2 coadd (lsst.images layout, GZIP_2, PV1_3/PV1_4): the centre and corners of astropy.wcs", async function () {
    const b = await readBounds(dataset(RUBIN));
    expect([b.naxis1, b.naxis2]).to.deep.equal([64, 64]);
    check(b, RUBIN);
    expect(covers(b, 0.25708, -3.03694)).to.equal(true); // the upstream cutout oracle's centre (../shared/rubin/images)
    expect(covers(b, 0.26, -3.03694)).to.equal(false);
  });

  it("a rotated GZIP_2 test image across RA 0", async function () {
    const dir = mkdtempSync(join(tmpdir(), "bounds-"));
    try {
      const path = join(dir, "rotated.fits");
      await writeTestImage(path, { ra: 359.999, dec: -30, nx: 90, ny: 60, rotation: 37, layout: "gzip2" });
      check(await readBounds(dataset(path)), path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the cache reads a header once per ID, shares a read in flight, and forgets a failure", async function () {
    let opens = 0;
    const d: ImageDataset = { ...dataset(RUBIN, "a"), open: async () => (opens++, new FileSource(RUBIN)) };
    const cache = new BoundsCache(2);
    const [x, y] = await Promise.all([cache.get(d), cache.get(d)]);
    expect(x).to.equal(y);
    await cache.get(d);
    expect(opens).to.equal(1);
    const missing: ImageDataset = { ...dataset("/nonexistent.fits", "b") };
    let failures = 0;
    for (let i = 0; i < 2; i++) await cache.get(missing).catch(() => failures++);
    expect(failures).to.equal(2);
    // At most 2 entries: a and the others come and go, the oldest first.
    await cache.get({ ...d, id: "c" });
    await cache.get({ ...d, id: "e" });
    await cache.get(d);
    expect(opens).to.equal(4);
  });
});
