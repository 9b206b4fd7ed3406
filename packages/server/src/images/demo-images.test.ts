/**
 * The demo images, checked by tools no one here wrote: fitsverify (0 errors, 0 warnings on every file), astropy
 * (reads every plane with checksums, its astropy.wcs puts every drawn star within 0.01 px of where our WCS drew it,
 * SIP included, and its fileinfo() gives the offsets that our INDEX HDU lists), photutils (the centre star's
 * centroid is at its catalog position), and our own reader (it finds the layout by the INDEX). The whole demo set is generated once here from the demo catalog; determinism is checked on
 * a few small images written twice.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { FileSource, FitsFile, readSection } from "@qserv-tap/fits";
import { fitsverify, requireTools } from "../../../fits/src/test-support/tools.js";
import { DuckDbBackend } from "../backends/duckdb.js";
import { loadFelis } from "../compiler-extras.js";
import { DEMO_SCHEMA_PATH, ensureDemo } from "../demo.js";
import {
  DETECTION_MJD,
  coaddSpec,
  ensureDemoImages,
  renderImage,
  specRadius,
  starsAround,
  visitSpec,
  writeImage,
  writeVisitSeries,
  type CatalogStar,
  type DemoImageSpec,
  type RenderedImage,
} from "./demo-images.js";
import { ensureObsCoreTable, OBSCORE_TABLE } from "./ingest.js";
import { LocalRegistry } from "./local-registry.js";

const PYTHON = "/usr/bin/python3";

/** One python process for every file: offsets, INDEX, WCS of drawn stars, sky extent, poles. */
const ORACLE = String.raw`
import sys, json, warnings
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from astropy.coordinates import SkyCoord
import astropy.units as u
from photutils.centroids import centroid_com
out = []
for item in json.load(sys.stdin):
    r = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fits.open(item["path"], checksum=True) as h:
            r["names"] = [x.name for x in h]
            r["fileinfo"] = [[h.fileinfo(i)["hdrLoc"], h.fileinfo(i)["datLoc"], h.fileinfo(i)["datSpan"]] for i in range(len(h))]
            if "INDEX" in h:
                r["index"] = [[str(x["EXTNAME"]).strip(), str(x["XTENSION"]).strip(), bool(x["ZIMAGE"]), int(x["HDRADDR"]), int(x["DATADDR"]), int(x["DATSIZE"])] for x in h["INDEX"].data]
            r["compressed"] = [type(x).__name__ == "CompImageHDU" for x in h]
            img = h["IMAGE"]
            data = img.data
            r["shape"] = list(data.shape)
            r["planes"] = [list(h[n].data.shape) for n in ("MASK", "VARIANCE")]
            w = WCS(img.header)
            stars = item["stars"]
            if stars:
                px = w.all_world2pix(np.array([[s["ra"], s["dec"]] for s in stars]), 1, tolerance=1e-11, maxiter=200)
                r["pixels"] = px.tolist()
            ny, nx = data.shape
            yy, xx = np.mgrid[1:ny + 1:4, 1:nx + 1:4]
            ra, dec = w.all_pix2world(xx.ravel(), yy.ravel(), 1)
            r["ra"] = [float(ra.min()), float(ra.max())]
            r["dec"] = [float(dec.min()), float(dec.max())]
            r["poles"] = []
            for pole in (90.0, -90.0):
                try:
                    p = w.all_world2pix(np.array([[0.0, pole]]), 1, tolerance=1e-11, maxiter=200)[0]
                    r["poles"].append(p.tolist() if np.all(np.isfinite(p)) else None)
                except Exception:
                    r["poles"].append(None)  # the far hemisphere: no pixel
            r["detected"] = int(((h["MASK"].data & 32) != 0).sum())
            # The centre star measured by photutils (centroid_com over the background-subtracted box: centroid_2dg needs
            # scipy, which this machine lacks), then mapped by astropy.wcs.
            c = item["centre"]
            cx, cy = w.all_world2pix(np.array([[c["ra"], c["dec"]]]), 1, tolerance=1e-11, maxiter=200)[0]
            half = int(np.ceil(5 * item["sigma"]))
            x0, y0 = int(round(cx)) - 1 - half, int(round(cy)) - 1 - half
            box = data[y0:y0 + 2 * half + 1, x0:x0 + 2 * half + 1].astype(float)
            edge = np.concatenate([box[0], box[-1], box[:, 0], box[:, -1]])
            gx, gy = centroid_com(box - np.median(edge))
            ra_c, dec_c = w.all_pix2world([[gx + x0 + 1, gy + y0 + 1]], 1)[0]
            sep = SkyCoord(ra_c * u.deg, dec_c * u.deg).separation(SkyCoord(c["ra"] * u.deg, c["dec"] * u.deg))
            r["centroidArcsec"] = float(sep.arcsec)
    r["warnings"] = [str(c.message) for c in caught if "checksum" in str(c.message).lower()]
    out.append(r)
print(json.dumps(out))
`;

interface OracleResult {
  names: string[];
  fileinfo: [number, number, number][];
  index?: [string, string, boolean, number, number, number][];
  compressed: boolean[];
  shape: [number, number];
  planes: [number, number][];
  pixels?: [number, number][];
  ra: [number, number];
  dec: [number, number];
  poles: [[number, number] | null, [number, number] | null];
  detected: number;
  centroidArcsec: number;
  warnings: string[];
}

function astropy(items: { path: string; stars: { ra: number; dec: number }[]; centre: { ra: number; dec: number }; sigma: number }[]): Promise<OracleResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-c", ORACLE], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as OracleResult[]) : reject(new Error(`astropy: ${err}`))));
    child.stdin.end(JSON.stringify(items));
  });
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("demo images", function () {
  this.timeout(120_000);
  let dir: string;
  let duck: DuckDbBackend;
  let registry: LocalRegistry;
  let specs: DemoImageSpec[];
  const drawn = new Map<string, RenderedImage["drawn"]>();
  let oracle: Map<string, OracleResult>;
  let generationMs = 0;

  before(async () => {
    requireTools("astropy", "fitsverify");
    dir = mkdtempSync(join(tmpdir(), "demo-images-"));
    duck = await DuckDbBackend.open(":memory:");
    await ensureDemo(duck, loadFelis(DEMO_SCHEMA_PATH));
    registry = await LocalRegistry.open(duck, { authority: "qserv-tap.test" });
    await ensureObsCoreTable(duck);
    const config = { images: { dir: join(dir, "set"), repo: "demo", baseUrl: "http://127.0.0.1:9", authority: "qserv-tap.test" } } as Parameters<typeof ensureDemoImages>[2];
    const r = await ensureDemoImages(registry, duck, config, { obscore: duck });
    generationMs = r.ms;
    specs = r.specs;
    // What each image drew, rendered again from the same stars (renderImage is pure).
    for (const s of specs) drawn.set(s.file, renderImage(s, await starsAround(duck, s.centre.ra, s.centre.dec, specRadius(s))).drawn);
    const results = await astropy(
      specs.map((s) => ({ path: join(dir, "set", s.file), stars: drawn.get(s.file)!, centre: { ra: s.centre.ra, dec: s.centre.dec }, sigma: s.psfSigma })),
    );
    oracle = new Map(specs.map((s, i) => [s.file, results[i]!]));
  });

  after(async () => {
    await registry?.close();
    await duck?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("are about two dozen, in a few seconds, each registered with its ObsCore row", async () => {
    console.log(`      generated ${specs.length} demo images in ${(generationMs / 1000).toFixed(1)} s`);
    expect(specs.length).to.be.within(20, 30);
    expect(generationMs).to.be.below(30_000);
    expect((await registry.entries("demo")).length).to.equal(specs.length);
    const n = await duck.rows(`SELECT count(*), count(DISTINCT obs_publisher_did) FROM ${OBSCORE_TABLE}`);
    expect(n[0]!.map(Number)).to.deep.equal([specs.length, specs.length]);
  });

  it("cover what the issue asks for: coadds in g and r, SIP visits at two epochs in r, both layouts", () => {
    const kinds = (f: (s: DemoImageSpec) => boolean) => specs.filter(f).length;
    expect(kinds((s) => s.datasetType === "deep_coadd" && s.band === "g" && !s.sip)).to.be.at.least(2);
    expect(kinds((s) => s.datasetType === "deep_coadd" && s.band === "r" && !s.sip)).to.be.at.least(2);
    expect(kinds((s) => s.datasetType === "visit_image" && s.sip && s.rotation !== 0 && s.band === "r")).to.be.at.least(4);
    expect(new Set(specs.filter((s) => s.datasetType === "visit_image").map((s) => Math.floor(s.mjd[0] / 100))).size).to.be.at.least(2);
    for (const s of specs) expect(s.mjd[0]).to.be.within(DETECTION_MJD[0], DETECTION_MJD[1]);
    expect(kinds((s) => s.layout === "afw" && s.nx >= 1000 && s.ny >= 1000)).to.be.at.least(1);
    expect(kinds((s) => s.layout === "lsst.images" && s.tile === "row")).to.be.at.least(1);
    expect(kinds((s) => s.layout === "lsst.images")).to.be.greaterThan(kinds((s) => s.layout === "afw"));
  });

  it("pass fitsverify with 0 errors and 0 warnings, every file", () => {
    for (const s of specs) {
      const r = fitsverify(join(dir, "set", s.file));
      expect({ errors: r.errors, warnings: r.warnings }, `${s.file}\n${r.output}`).to.deep.equal({ errors: 0, warnings: 0 });
    }
    console.log(`      fitsverify: ${specs.length} files, 0 errors, 0 warnings`);
  });

  it("are read by astropy (checksums verified), with IMAGE, MASK and VARIANCE of the spec's size", () => {
    for (const s of specs) {
      const o = oracle.get(s.file)!;
      expect(o.warnings, s.file).to.deep.equal([]);
      expect(o.shape, s.file).to.deep.equal([s.ny, s.nx]);
      expect(o.planes, s.file).to.deep.equal([
        [s.ny, s.nx],
        [s.ny, s.nx],
      ]);
      expect(o.names.slice(1, 4), s.file).to.deep.equal(["IMAGE", "MASK", "VARIANCE"]);
      expect(o.compressed.slice(1, 4), s.file).to.deep.equal(s.layout === "afw" ? [false, false, false] : [true, true, true]);
      expect(o.detected, `${s.file}: the centre star's pixels are DETECTED`).to.be.greaterThan(0);
    }
  });

  it("put every star where astropy.wcs maps its catalog position, to 0.01 px (SIP included)", () => {
    let stars = 0;
    let worst = 0;
    for (const s of specs) {
      const d = drawn.get(s.file)!;
      const px = oracle.get(s.file)!.pixels ?? [];
      expect(d.some((x) => x.id === s.centre.id), `${s.file} draws its centre star`).to.equal(true);
      d.forEach((star, i) => {
        const off = Math.hypot(px[i]![0] - star.x, px[i]![1] - star.y);
        worst = Math.max(worst, off);
        expect(off, `${s.file} star ${star.id}`).to.be.below(0.01);
        stars++;
      });
    }
    console.log(`      ${stars} drawn stars within ${worst.toExponential(1)} px of astropy.wcs`);
  });

  it("give photutils' centroid of the centre star, through astropy.wcs, within 0.05″ of its catalog position", () => {
    const worst = Math.max(...specs.map((s) => oracle.get(s.file)!.centroidArcsec));
    for (const s of specs) expect(oracle.get(s.file)!.centroidArcsec, s.file).to.be.below(0.05);
    console.log(`      centre stars: centroid within ${worst.toFixed(4)}″ of the catalog (worst of ${specs.length})`);
  });

  it("list in their INDEX HDU the offsets that astropy's fileinfo gives (lsst.images layout), and our reader uses it", async () => {
    for (const s of specs.filter((x) => x.layout === "lsst.images")) {
      const o = oracle.get(s.file)!;
      expect(o.names[o.names.length - 1]).to.equal("INDEX");
      const rows = o.index!;
      expect(rows.length, s.file).to.equal(o.fileinfo.length - 1);
      rows.forEach(([name, xtension, zimage, hdr, dat, size], i) => {
        expect([hdr, dat, size], `${s.file} HDU ${i}`).to.deep.equal(o.fileinfo[i]);
        expect(name).to.equal(i === 0 ? "" : o.names[i]);
        expect([xtension, zimage]).to.deep.equal(i === 0 ? ["IMAGE", false] : ["BINTABLE", true]);
      });
      const f = await FitsFile.open(new FileSource(join(dir, "set", s.file)));
      expect(f.via, s.file).to.equal("index");
      expect(f.hdus.map((h) => [h.headerOffset, h.dataOffset])).to.deep.equal(o.fileinfo.map(([h, d]) => [h, d]));
      await f.close();
    }
    for (const s of specs.filter((x) => x.layout === "afw")) expect(oracle.get(s.file)!.index, s.file).to.equal(undefined);
  });

  it("include images across RA 0 and holding each pole, as astropy.wcs sees them", () => {
    const ra0 = specs.filter((s) => Math.min(s.centre.ra, 360 - s.centre.ra) < 1 && Math.abs(s.centre.dec) < 60);
    expect(ra0.length).to.be.at.least(2);
    for (const s of ra0) {
      const o = oracle.get(s.file)!;
      // Pixels on both sides of RA 0: the smallest RA near 0, the largest near 360.
      expect(o.ra[0], s.file).to.be.below(0.05);
      expect(o.ra[1], s.file).to.be.above(359.95);
    }
    for (const [pole, k] of [
      [90, 0],
      [-90, 1],
    ] as const) {
      const at = specs.filter((s) => Math.sign(s.centre.dec) === Math.sign(pole) && 90 - Math.abs(s.centre.dec) < 2);
      expect(at.length, `images at ${pole}`).to.be.at.least(1);
      for (const s of at) {
        const p = oracle.get(s.file)!.poles[k];
        expect(p, s.file).to.not.equal(null);
        const [x, y] = p!;
        expect(x, s.file).to.be.within(1, s.nx);
        expect(y, s.file).to.be.within(1, s.ny);
      }
    }
  });

  it("read back through @qserv-tap/fits as rendered (a row of a GZIP_2 IMAGE plane, lossless)", async () => {
    const s = specs.find((x) => x.layout === "lsst.images" && x.tile === "row")!;
    const f = await FitsFile.open(new FileSource(join(dir, "set", s.file)));
    const sec = await readSection(f, "IMAGE", [
      [1, s.nx],
      [Math.floor(s.ny / 2), Math.floor(s.ny / 2)],
    ]);
    await f.close();
    const re = renderImage(s, await starsAround(duck, s.centre.ra, s.centre.dec, specRadius(s)));
    const row = (Math.floor(s.ny / 2) - 1) * s.nx;
    expect(Array.from(sec.data as Float32Array)).to.deep.equal(Array.from(re.image.subarray(row, row + s.nx)));
  });

  it("are deterministic: the same specs give the same bytes", async () => {
    const star: CatalogStar = { id: 7, ra: 359.99, dec: -12.5, g: 16.2, r: 15.7 };
    const small = [
      coaddSpec(star, "g", { nx: 64, ny: 48, tile: [16, 16] }),
      visitSpec(star, 60500.25, { nx: 60, ny: 70 }),
      coaddSpec(star, "r", { nx: 50, ny: 50, layout: "afw" }),
    ];
    const sums: string[][] = [[], []];
    for (const round of [0, 1]) {
      for (const s of small) {
        const path = join(dir, `${round}-${s.file}`);
        await writeImage(path, s, renderImage(s, [star]));
        sums[round]!.push(sha256(path));
      }
    }
    expect(sums[1]).to.deep.equal(sums[0]);
    expect(new Set(sums[0]).size).to.equal(small.length);
  });

  it("are registered again, not drawn again, on a later start", async () => {
    const config = { images: { dir: join(dir, "set"), repo: "demo", baseUrl: "http://127.0.0.1:10", authority: "qserv-tap.test" } } as Parameters<typeof ensureDemoImages>[2];
    const before = sha256(join(dir, "set", specs[0]!.file));
    const r = await ensureDemoImages(registry, duck, config, { obscore: duck });
    expect(r.generated).to.equal(false);
    expect(sha256(join(dir, "set", specs[0]!.file))).to.equal(before);
    // The rows follow the service to its new address.
    const urls = await duck.rows(`SELECT access_url FROM ${OBSCORE_TABLE}`);
    expect(urls.filter((u) => !String(u[0]).startsWith("http://127.0.0.1:10/images/files/ivo%3A%2F%2F"))).to.deep.equal([]);
    // A fresh registry (an in-memory database at the next start) gets the same IDs without drawing anything.
    const other = await DuckDbBackend.open(":memory:");
    await ensureDemo(other, loadFelis(DEMO_SCHEMA_PATH));
    const reg2 = await LocalRegistry.open(other, { authority: "qserv-tap.test" });
    try {
      const r2 = await ensureDemoImages(reg2, other, config);
      expect(r2.generated).to.equal(false);
      expect((await reg2.entries()).map((e) => e.uuid).sort()).to.deep.equal((await registry.entries()).map((e) => e.uuid).sort());
    } finally {
      await reg2.close();
      await other.close();
    }
  });
});

describe("writeVisitSeries (benchmarks' many epochs of one object)", () => {
  it("writes n distinct visit images of the star, quickly, each holding it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "visit-series-"));
    try {
      const star: CatalogStar = { id: 3, ra: 45, dec: -30, g: 16, r: 15.5 };
      const started = performance.now();
      const series = await writeVisitSeries(dir, star, 20, { nx: 100, ny: 100, layout: "afw" });
      const ms = performance.now() - started;
      console.log(`      20 visit images of 100×100 in ${ms.toFixed(0)} ms`);
      expect(new Set(series.map((s) => s.path)).size).to.equal(20);
      expect(new Set(series.map((s) => s.spec.dataId.visit)).size).to.equal(20);
      for (const { spec, path } of series) {
        expect(spec.mjd[0]).to.be.within(DETECTION_MJD[0], DETECTION_MJD[1]);
        const f = await FitsFile.open(new FileSource(path));
        const centre = await readSection(f, "IMAGE", [
          [50, 51],
          [50, 51],
        ]);
        await f.close();
        // The star is at the middle (CRPIX 50.5): its four central pixels are far above the noise.
        expect(Math.min(...Array.from(centre.data as Float32Array))).to.be.above(10 * spec.noise + spec.background);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
