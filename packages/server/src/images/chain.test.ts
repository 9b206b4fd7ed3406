/**
 * The astronomer's chain end to end, with clients that no one here wrote: pyvo finds a star by TAP and the ObsCore
 * images that cover it, follows each image's DataLink to its #cutout service descriptor (DataLink 1.1 §4), cuts a
 * circle around the star with SODA (SODA 1.0 §3.3), and photutils' centroid_2dg with astropy.wcs puts the star back on
 * the sky within 0.05″ of its catalog position. Then every served file passes fitsverify with no error or warning.
 */
import { expect } from "chai";
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDbBackend } from "../backends/duckdb.js";
import { demoService, hasPython, hasTool, needTool, type Running } from "../test-support/service.js";
import { chooseDemoCentres, demoImageSpecs, demoUuid, type DemoImageSpec } from "./demo-images.js";
import { imageId } from "./registry.js";

const SCRIPT = fileURLToPath(new URL("../test-support/pyvo_images.py", import.meta.url));
/** The vocabulary that pyvo's bysemantics() would download (tests may read ../shared; the product does not). */
const VOCABULARY = fileURLToPath(new URL("../../../../../shared/ivoa/vocabularies/datalink-core.desise", import.meta.url));
const MAX_OFFSET_ARCSEC = 0.05;

/** The kinds of image that the chain must work on, each picked from the demo set by what it is. */
const CASES: { name: string; pick: (s: DemoImageSpec) => boolean }[] = [
  { name: "coadd (lsst.images, GZIP_2)", pick: (s) => s.datasetType === "deep_coadd" && s.layout === "lsst.images" && s.centre.dec > -60 && s.centre.dec < 60 },
  { name: "visit image (TAN-SIP, rotated)", pick: (s) => s.datasetType === "visit_image" && s.sip && Math.abs(s.rotation) > 1 && Math.abs(s.centre.dec) < 60 },
  { name: "across RA 0", pick: (s) => s.nx * s.scale > 2 * 3600 * Math.min(s.centre.ra, 360 - s.centre.ra) * Math.cos((s.centre.dec * Math.PI) / 180) && Math.abs(s.centre.dec) < 60 },
  { name: "north pole", pick: (s) => s.centre.dec > 80 },
  { name: "south pole (afw layout)", pick: (s) => s.centre.dec < -80 && s.layout === "afw" },
];

function seededCache(): string {
  const cache = mkdtempSync(join(tmpdir(), "pyvo-cache-"));
  mkdirSync(join(cache, "astropy"));
  const seed = spawnSync(
    "/usr/bin/python3",
    ["-c", `from astropy.utils.data import import_file_to_cache as i; i("http://www.ivoa.net/rdf/datalink/core", ${JSON.stringify(VOCABULARY)})`],
    { env: { ...process.env, XDG_CACHE_HOME: cache }, encoding: "utf8" },
  );
  if (seed.status !== 0) throw new Error(`seeding astropy's cache failed: ${seed.stderr}`);
  return cache;
}

describe("images end to end: TAP → DataLink → SODA with pyvo, astropy and photutils", function () {
  this.timeout(240_000);
  let running: Running;
  let specs: DemoImageSpec[];
  let base: string;

  before(async function () {
    running = await demoService();
    const backend = running.service.deps.backend;
    if (!(backend instanceof DuckDbBackend)) throw new Error("the demo service runs on DuckDB");
    specs = demoImageSpecs(await chooseDemoCentres(backend));
    base = running.service.deps.config.images.baseUrl;
  });

  const idOf = (s: DemoImageSpec) => {
    const { authority, repo } = running.service.deps.config.images;
    return imageId(authority, repo, demoUuid(repo, s));
  };

  it("puts each chosen star within 0.05″ of its catalog position, on every kind of image", async function () {
    needTool(this, hasPython(["pyvo", "astropy", "photutils"]), "python3-pyvo, python3-astropy, python3-photutils");
    const cases = CASES.map((c) => {
      const spec = specs.find(c.pick);
      if (!spec) throw new Error(`the demo set has no image for the case ${c.name}`);
      // Twelve pixels around the star at least: the pole images have coarse pixels.
      return { case: c.name, star_id: spec.centre.id, image: idOf(spec), radius_arcsec: Math.max(6, 12 * spec.scale), scale: spec.scale };
    });
    const cache = seededCache();
    try {
      // Not spawnSync: the service answers pyvo from this process's event loop.
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile("/usr/bin/python3", [SCRIPT, running.url, JSON.stringify(cases)], { env: { ...process.env, XDG_CACHE_HOME: cache }, timeout: 200_000 }, (e, stdout, stderr) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? null) : 0, stdout, stderr }),
        );
      });
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout) as Record<string, { error?: string; images: Record<string, { offset_arcsec: number }> }>;
      for (const c of cases) {
        const got = out[c.case]!;
        expect(got.error, `${c.case}: ${got.error}`).to.equal(undefined);
        const measured = got.images[c.image];
        expect(measured, `${c.case}: no cutout measured`).to.not.equal(undefined);
        console.log(`      ${c.case} (${c.scale}″/px): centroid ${(measured!.offset_arcsec * 1000).toFixed(3)} mas from the catalog position`);
        expect(measured!.offset_arcsec, c.case).to.be.below(MAX_OFFSET_ARCSEC);
      }
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("cuts every demo image exactly as astropy's Cutout2D does on the same box, keeps each pixel's sky position, and passes fitsverify", async function () {
    needTool(this, hasPython(["astropy"]) && hasTool("fitsverify"), "python3-astropy, fitsverify");
    const dir = mkdtempSync(join(tmpdir(), "cutout2d-"));
    try {
      const pairs: [string, string, string][] = [];
      for (const [i, s] of specs.entries()) {
        const id = encodeURIComponent(idOf(s));
        // A circle of 20 pixels about a point off the centre star, so that the box is not symmetric about CRPIX.
        const circle = `${s.centre.ra} ${s.centre.dec + (7 * s.scale) / 3600} ${(20 * s.scale) / 3600}`;
        const whole = await fetch(`${base}/images/files/${id}`);
        const cut = await fetch(`${base}/soda/sync?ID=${id}&CIRCLE=${encodeURIComponent(circle)}&CUTOUTDETAIL=MaskedImage`);
        expect([whole.status, cut.status], s.file).to.deep.equal([200, 200]);
        pairs.push([join(dir, `${i}.fits`), join(dir, `${i}-cut.fits`), s.file]);
        writeFileSync(pairs[i]![0], new Uint8Array(await whole.arrayBuffer()));
        writeFileSync(pairs[i]![1], new Uint8Array(await cut.arrayBuffer()));
      }
      const script = `
import sys, json, numpy as np
from astropy.io import fits
from astropy.nddata import Cutout2D
from astropy.wcs import WCS
out = []
for whole, cut, name in json.loads(sys.argv[1]):
    src, ours = fits.open(whole), fits.open(cut)
    r = {"name": name, "planes": {}}
    for plane in ("IMAGE", "MASK", "VARIANCE"):
        got = ours[plane]
        ny, nx = got.data.shape
        x0, y0 = -int(got.header["LTV1"]), -int(got.header["LTV2"])
        c = Cutout2D(src[plane].data, ((2 * x0 + nx - 1) / 2, (2 * y0 + ny - 1) / 2), (ny, nx), mode="strict")
        # MASK: the OUTSIDE_STENCIL plane is ours to add; the others must be the source's bits.
        mine = got.data
        if plane == "MASK":
            bit = [got.header["MSKM" + k[4:]] for k in got.header if k.startswith("MSKN") and got.header[k] == "OUTSIDE_STENCIL"]
            mine = mine & ~np.int32(bit[0]) if bit else mine
        r["planes"][plane] = bool(np.array_equal(c.data, mine, equal_nan=True))
    w1, w2 = WCS(src["IMAGE"].header), WCS(ours["IMAGE"].header)
    ys, xs = np.mgrid[0:ny, 0:nx]
    a = w1.all_pix2world(xs + x0, ys + y0, 0)
    b = w2.all_pix2world(xs, ys, 0)
    r["sky"] = float(max(np.max(np.abs(a[0] - b[0])), np.max(np.abs(a[1] - b[1]))))
    out.append(r)
print(json.dumps(out))
`;
      const answer = await new Promise<string>((resolve, reject) =>
        execFile("/usr/bin/python3", ["-c", script, JSON.stringify(pairs)], { maxBuffer: 1 << 24 }, (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout))),
      );
      const results = JSON.parse(answer) as { name: string; planes: Record<string, boolean>; sky: number }[];
      const agree = results.filter((r) => Object.values(r.planes).every(Boolean) && r.sky < 1e-9);
      console.log(`      Cutout2D: ${agree.length} of ${results.length} MaskedImage cutouts equal in IMAGE, MASK and VARIANCE, sky within 1e-9°`);
      expect(results.filter((r) => !agree.includes(r))).to.deep.equal([]);
      const verify = spawnSync("fitsverify", ["-q", ...pairs.map((p) => p[1])], { encoding: "utf8" });
      const bad = verify.stdout.split("\n").filter((l) => l.trim() !== "" && !/^verification OK: /.test(l));
      console.log(`      fitsverify: ${pairs.length - bad.length} of ${pairs.length} MaskedImage cutouts with 0 errors and 0 warnings`);
      expect(bad, verify.stdout).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves every demo file whole, and fitsverify reports 0 errors and 0 warnings on each", async function () {
    needTool(this, hasTool("fitsverify"), "fitsverify");
    const dir = mkdtempSync(join(tmpdir(), "served-"));
    try {
      const files: string[] = [];
      for (const [i, s] of specs.entries()) {
        const res = await fetch(`${base}/images/files/${encodeURIComponent(idOf(s))}`);
        expect(res.status, s.file).to.equal(200);
        const bytes = new Uint8Array(await res.arrayBuffer());
        expect(Number(res.headers.get("content-length")), s.file).to.equal(bytes.length);
        const path = join(dir, `${i}.fits`);
        writeFileSync(path, bytes);
        files.push(path);
      }
      const r = spawnSync("fitsverify", ["-q", ...files], { encoding: "utf8" });
      const lines = r.stdout.split("\n").filter((l) => l.trim() !== "");
      // -q prints one line a file: "verification OK: F" when it has no error and no warning.
      const bad = lines.filter((l) => !/^verification OK: /.test(l));
      console.log(`      fitsverify: ${lines.length - bad.length} of ${files.length} served files with 0 errors and 0 warnings`);
      expect(bad, r.stdout).to.deep.equal([]);
      expect(lines.length).to.equal(files.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
