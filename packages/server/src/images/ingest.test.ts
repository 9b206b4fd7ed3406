/**
 * `tap-server images ingest DIR`: one registry row and one ObsCore row per usable FITS file, from its headers
 * (ObsCore 1.1 §4), refusals named one per line, symbolic links out of DIR not followed, and idempotence.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { arrayData, imageHeader, writeFitsFile } from "@qserv-tap/fits";
import { RUBIN_FILE } from "../../../fits/src/test-support/tools.js";
import { writeTestImage } from "../test-support/images.js";
import { DuckDbBackend } from "../backends/duckdb.js";
import { configFrom, type Config } from "../config.js";
import { parseRegion } from "@qserv-tap/sky";
import { ensureObsCoreTable, fitsFilesUnder, imagesCommand, OBSCORE_TABLE, obsCoreTable } from "./ingest.js";

describe("tap-server images ingest DIR", () => {
  let dir: string;
  let input: string;
  let config: Config;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "images-ingest-"));
    input = join(dir, "in");
    mkdirSync(join(input, "a"), { recursive: true });
    mkdirSync(join(input, "b"));
    // A visit-like afw file across RA 0, and a GZIP_2 one under a .fits.fz name.
    await writeTestImage(join(input, "a", "visit.fits"), { ra: 359.9995, dec: -5, nx: 40, ny: 30, mjd: 60500.25, exptime: 30 });
    await writeTestImage(join(input, "b", "coadd.fits.fz"), { ra: 120, dec: 45, nx: 20, ny: 24, layout: "gzip2", rotation: 30 });
    // An image without a WCS, a file that is not FITS, and what is not a FITS name.
    await writeFitsFile(join(input, "nowcs.fits"), [{ header: imageHeader(-32, [4, 4], { primary: true }), data: arrayData(new Float32Array(16)) }]);
    writeFileSync(join(input, "junk.fits"), "this is not a FITS file\n");
    writeFileSync(join(input, "readme.txt"), "x");
    // Links: out of DIR (not followed), a loop back to DIR (not walked).
    await writeTestImage(join(dir, "elsewhere.fits"), { ra: 1, dec: 1, nx: 4, ny: 4 });
    symlinkSync(join(dir, "elsewhere.fits"), join(input, "outside.fits"));
    symlinkSync(input, join(input, "loop"));
    config = configFrom({
      duckdb: { path: join(dir, "tap.duckdb") },
      images: { dir: join(dir, "images"), registryPath: join(dir, "images.duckdb") },
      async: { dir: join(dir, "async") },
    });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finds *.fits and *.fits.fz under DIR, without following links out of it or into loops", async () => {
    const files = (await fitsFilesUnder(input)).map((p) => p.slice(input.length + 1));
    expect(files).to.deep.equal(["a/visit.fits", "b/coadd.fits.fz", "junk.fits", "nowcs.fits"]);
  });

  async function run(): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await imagesCommand(["ingest", input], config, (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  }

  async function tables(): Promise<{ obscore: Record<string, unknown>[]; registry: unknown[][] }> {
    const db = await DuckDbBackend.open(config.duckdb.path);
    try {
      const reader = await db.withMain((main) => main.runAndReadAll(`SELECT * FROM ${OBSCORE_TABLE} ORDER BY s_ra`));
      return { obscore: reader.getRowObjectsJS() as Record<string, unknown>[], registry: await db.rows("SELECT uuid, path, dataset_type FROM images.datasets ORDER BY path") };
    } finally {
      await db.close();
    }
  }

  it("ingests the usable files, refuses the others by name with one line each, and exits 1", async () => {
    const r = await run();
    expect(r.code).to.equal(1);
    expect(r.out).to.deep.equal(["2 ingested, 2 refused, into the registry and ivoa.ObsCore"]);
    expect(r.err).to.have.length(2);
    expect(r.err[0]).to.match(/^tap-server: refused .*\/junk\.fits: /);
    expect(r.err[1]).to.match(/^tap-server: refused .*\/nowcs\.fits: no usable WCS/);
  });

  it("writes rows whose columns are the headers' values (ObsCore 1.1 §4.10, §4.14, §4.15, §4.21)", async () => {
    const { obscore, registry } = await tables();
    expect(obscore).to.have.length(2);
    expect(registry).to.have.length(2);
    const [coadd, visit] = obscore as Record<string, number | string | null>[];
    const pick = (row: Record<string, unknown>, ...k: string[]) => k.map((x) => (typeof row[x] === "bigint" ? Number(row[x]) : row[x]));
    expect(pick(visit!, "s_xel1", "s_xel2", "t_min", "t_exptime", "dataproduct_type", "access_format", "calib_level")).to.deep.equal([
      40, 30, 60500.25, 30, "image", "application/fits", 2,
    ]);
    expect(visit!.t_max as number).to.be.closeTo(60500.25 + 30 / 86400, 1e-9);
    // CRPIX is the middle of the image, so the centre is CRVAL.
    expect(visit!.s_ra as number).to.be.closeTo(359.9995, 1e-9);
    expect(visit!.s_dec as number).to.be.closeTo(-5, 1e-9);
    expect(pick(coadd!, "s_xel1", "s_xel2", "t_min", "em_min", "pol_states")).to.deep.equal([20, 24, null, null, null]);
    expect(coadd!.s_ra as number).to.be.closeTo(120, 1e-9);
    // Across RA 0 the polygon has vertices on both sides.
    const ras = String(visit!.s_region).replace(/^polygon /, "").split(" ").filter((_, i) => i % 2 === 0).map(Number);
    expect(Math.min(...ras)).to.be.below(1);
    expect(Math.max(...ras)).to.be.above(359);
    expect(String(visit!.access_url)).to.equal(`${config.images.baseUrl}/images/files/${encodeURIComponent(String(visit!.obs_publisher_did))}`);
    expect(String(visit!.obs_publisher_did)).to.match(/^ivo:\/\/qserv-tap\.local\/demo\?repo=demo&id=[0-9a-f-]{36}$/);
    expect(Number(visit!.access_estsize)).to.be.above(0);
  });

  it("is idempotent: a second run changes nothing and duplicates nothing", async () => {
    const before = await tables();
    const r = await run();
    expect(r.out).to.deep.equal(["2 ingested, 2 refused, into the registry and ivoa.ObsCore"]);
    const after = await tables();
    expect(after.registry).to.deep.equal(before.registry);
    expect(after.obscore.map((o) => o.obs_publisher_did)).to.deep.equal(before.obscore.map((o) => o.obs_publisher_did));
  });

  const usage: [string, string[], RegExp][] = [
    ["no directory", ["ingest"], /usage: tap-server images ingest DIR/],
    ["an unknown subcommand", ["remove", "x"], /usage: tap-server images ingest DIR/],
    ["a directory that is not one", ["ingest", "/nonexistent/dir"], /is not a directory/],
  ];
  for (const [name, args, message] of usage) {
    it(`is a usage error (exit 2 in main) for ${name}`, async () => {
      let error: unknown;
      await imagesCommand(args, config, () => {}, () => {}).catch((e: unknown) => (error = e));
      expect((error as { usage?: boolean }).usage).to.equal(true);
      expect((error as Error).message).to.match(message);
    });
  }
});

describe("ivoa.ObsCore's s_region storage (adql-compiler catalog/regions.ts)", () => {
  it("ingest writes s_region as a DALI shape with its storage columns beside it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "images-ingest-region-"));
    try {
      mkdirSync(join(dir, "in"));
      await writeTestImage(join(dir, "in", "visit.fits"), { ra: 359.9995, dec: -5, nx: 40, ny: 30 });
      const config = configFrom({ duckdb: { path: join(dir, "tap.duckdb") }, async: { dir: join(dir, "async") }, images: { dir: join(dir, "images") } });
      expect(await imagesCommand(["ingest", join(dir, "in")], config, () => {}, () => {})).to.equal(0);
      const db = await DuckDbBackend.open(config.duckdb.path);
      const [row] = await db.rows(`SELECT s_region, s_region_dec_min, s_region_dec_max, s_region_cap_radius FROM ${OBSCORE_TABLE}`);
      await db.close();
      const region = parseRegion("shape", String(row![0]));
      expect(String(row![0])).to.match(/^polygon /);
      expect(row!.slice(1, 3)).to.deep.equal(region.decRange());
      expect(Number(row![3])).to.be.above(0).and.below(0.01);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a table made before s_region had storage columns (STC-S, none beside it) gets them, and DALI values, at the next open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "images-obscore-upgrade-"));
    try {
      const path = join(dir, "tap.duckdb");
      const stcs = "POLYGON ICRS 10 20 11 20 11 21 10 21";
      const old = await DuckDbBackend.open(path);
      const columns = obsCoreTable().columns.filter((c) => !c.name.startsWith("s_region_"));
      await old.run("CREATE SCHEMA ivoa");
      await old.run(`CREATE TABLE ${OBSCORE_TABLE} (${columns.map((c) => `"${c.name}" ${c.datatype === "char" ? "VARCHAR" : c.datatype === "double" ? "DOUBLE" : "BIGINT"}`).join(", ")})`);
      await old.run(`INSERT INTO ${OBSCORE_TABLE} (obs_publisher_did, obs_id, s_region) VALUES ('ivo://x/1', '1', '${stcs}'), ('ivo://x/2', '2', NULL)`);
      await ensureObsCoreTable(old);
      const rows = await old.rows(`SELECT obs_id, s_region, s_region_dec_min, s_region_dec_max FROM ${OBSCORE_TABLE} ORDER BY obs_id`);
      await old.close();
      const [lo, hi] = parseRegion("polygon", stcs).decRange();
      expect(rows).to.deep.equal([
        ["1", "polygon 10 20 11 20 11 21 10 21", lo, hi],
        ["2", null, null, null],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("tap-server images ingest of Rubin's own file", () => {
  it("takes the DP2 deep_coadd in the lsst.images layout (PC + CDELT, PV1_3/PV1_4 beside LONPOLE/LATPOLE)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "images-ingest-rubin-"));
    try {
      mkdirSync(join(dir, "in"));
      copyFileSync(RUBIN_FILE, join(dir, "in", "deep_coadd_5428_76_g.fits"));
      const config = configFrom({ duckdb: { path: join(dir, "tap.duckdb") }, async: { dir: join(dir, "async") } });
      const out: string[] = [];
      expect(await imagesCommand(["ingest", join(dir, "in")], config, (l) => out.push(l), () => {})).to.equal(0);
      expect(out).to.deep.equal(["1 ingested, 0 refused, into the registry and ivoa.ObsCore"]);
      const db = await DuckDbBackend.open(config.duckdb.path);
      const [row] = (await db.withMain((main) => main.runAndReadAll(`SELECT s_xel1, s_xel2, s_ra, s_dec, s_fov, o_ucd FROM ${OBSCORE_TABLE}`))).getRowsJS() as unknown[][];
      // What the file keeps only in its JSON tree (band, patch, the tract's frame, provenance: README.md there).
      const columns = ["lsst_band", "lsst_tract", "lsst_patch", "lsst_filter", "instrument_name", "dataproduct_subtype", "calib_level", "obs_id", "em_min", "em_max", "t_min", "t_max"];
      const [tree] = (await db.withMain((main) => main.runAndReadAll(`SELECT ${columns.join(", ")} FROM ${OBSCORE_TABLE}`))).getRowsJS() as unknown[][];
      await db.close();
      expect(Object.fromEntries(columns.map((c, i) => [c, typeof tree![i] === "bigint" ? Number(tree![i]) : tree![i]]))).to.deep.equal({
        lsst_band: "g",
        lsst_tract: 5428,
        lsst_patch: 76,
        lsst_filter: "g_6",
        instrument_name: "LSSTCam",
        dataproduct_subtype: "lsst.cell_coadd",
        calib_level: 3,
        obs_id: "5428_76_g",
        em_min: 402e-9,
        em_max: 552e-9,
        // its one input's night, day_obs 20250703 (MJD 60859), from 12:00 UTC to 12:00 UTC the next day
        t_min: 60859.5,
        t_max: 60860.5,
      });
      expect(row!.slice(0, 2).map(Number)).to.deep.equal([64, 64]);
      // The upstream cutout oracle's centre (RA 0.25708°, Dec −3.03694°, ../shared/rubin/images/README.md) is 2″ from
      // the image's centre; the image is 64 pixels of about 0.21″.
      expect(Math.hypot((Number(row![2]) - 0.25708) * Math.cos((3.037 * Math.PI) / 180), Number(row![3]) + 3.03694) * 3600).to.be.below(5);
      expect(Number(row![4]) * 3600).to.be.within(18, 21);
      expect(row![5]).to.equal("phot.flux.density");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
