/**
 * The local registry: an ID resolves only to what the table holds (anything else is undefined, a 404), a malformed
 * ID is an ImageIdError (DALI UsageFault, 400), and a registered file that went away is an ImageServiceError.
 */
import { rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { FitsFile } from "@qserv-tap/fits";
import { writeTestImage } from "../test-support/images.js";
import { DuckDbBackend } from "../backends/duckdb.js";
import { LocalRegistry, nameUuid } from "./local-registry.js";
import { ImageIdError, ImageServiceError } from "./registry.js";
import { scratchDir } from "../test-support/scratch.js";

const UUID = "4b1e4a3c-5b2d-5f00-8a1b-0c2d3e4f5a6b";
const OTHER = "9f8e7d6c-5b4a-4392-8a1b-0c2d3e4f5a6b";

describe("LocalRegistry", () => {
  let dir: string;
  let db: DuckDbBackend;
  let registry: LocalRegistry;
  let path: string;

  before(async () => {
    dir = scratchDir("local-registry-");
    path = join(dir, "img.fits");
    await writeTestImage(path, { ra: 10, dec: 20, nx: 16, ny: 12 });
    db = await DuckDbBackend.open(":memory:");
    registry = await LocalRegistry.open(db, { authority: "qserv-tap.test" });
    await registry.add({ uuid: UUID, repo: "demo", datasetType: "deep_coadd", dataId: { band: "r", tract: 9, patch: 3 }, path, size: 1234, em: [552e-9, 691e-9], t: [60400, 60401] });
    await registry.add({ uuid: OTHER, repo: "demo", datasetType: "raw", dataId: { visit: 1 }, path: join(dir, "gone.fits"), size: 1 });
  });

  after(async () => {
    await registry.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const found: [string, string][] = [
    ["Rubin's ivo:// form (DMTN-302)", `ivo://qserv-tap.test/demo?repo=demo&id=${UUID}`],
    ["the older butler:// form", `butler://demo/${UUID}`],
    ["an upper-case UUID", `butler://demo/${UUID.toUpperCase()}`],
    ["another authority (the registry keys on repository and UUID)", `ivo://elsewhere.org/demo?repo=demo&id=${UUID}`],
    // SIA 2.0 §2.1.10: IVOIDs compare case-insensitively; every spelling that SIA's ID finds names this dataset.
    ["the canonical ID in upper case", `IVO://QSERV-TAP.TEST/DEMO?REPO=DEMO&ID=${UUID.toUpperCase()}`],
    ["the canonical ID in mixed case", `Ivo://Qserv-Tap.Test/Demo?Repo=Demo&Id=${UUID}`],
    // RFC 3986 §3.1: the scheme is case-insensitive; §3.2.2: so is the host, where butler:// puts the label.
    ["butler:// in upper case", `BUTLER://DEMO/${UUID.toUpperCase()}`],
  ];
  for (const [name, id] of found) {
    it(`resolves ${name} to the canonical ID`, async () => {
      const d = await registry.resolve(id);
      expect(d?.id).to.equal(`ivo://qserv-tap.test/demo?repo=demo&id=${UUID}`);
      expect([d?.datasetType, d?.dataId, d?.cutout, d?.size, d?.em, d?.t]).to.deep.equal(["deep_coadd", { band: "r", tract: 9, patch: 3 }, true, 1234, [552e-9, 691e-9], [60400, 60401]]);
    });
  }

  const unknown: [string, string][] = [
    ["an unknown UUID", "butler://demo/00000000-0000-4000-8000-000000000000"],
    ["a known UUID in another repository", `butler://other/${UUID}`],
    ["a known UUID under another repo parameter", `ivo://qserv-tap.test/demo?repo=dp1&id=${UUID}`],
  ];
  for (const [name, id] of unknown) {
    it(`answers undefined (404) for ${name}`, async () => {
      expect(await registry.resolve(id)).to.equal(undefined);
    });
  }

  const malformed: [string, string][] = [
    ["a path", "/etc/passwd"],
    ["a URL", "http://127.0.0.1/x.fits"],
    ["a traversal in the UUID", "butler://demo/../../etc/passwd"],
    ["a traversal in the repo", `ivo://qserv-tap.test/x?repo=..%2F..&id=${UUID}`],
    ["a UUID that is not one", "butler://demo/not-a-uuid"],
    ["SQL in the UUID", `butler://demo/${UUID}' OR '1'='1`],
    ["the empty string", ""],
    // Two repositories or two UUIDs, in whatever case, would name two datasets.
    ["repo twice", `ivo://qserv-tap.test/demo?repo=demo&REPO=other&id=${UUID}`],
    ["id twice", `ivo://qserv-tap.test/demo?repo=demo&id=${UUID}&ID=${OTHER}`],
    ["another scheme", `ivox://qserv-tap.test/demo?repo=demo&id=${UUID}`],
  ];
  for (const [name, id] of malformed) {
    it(`throws ImageIdError (400) for ${name}`, async () => {
      let error: unknown;
      await registry.resolve(id).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(ImageIdError);
    });
  }

  it("opens the recorded file, and only it", async () => {
    const d = await registry.resolve(`butler://demo/${UUID}`);
    const f = await FitsFile.open(await d!.open());
    expect(f.hdus.map((h) => h.header.string("EXTNAME") ?? "")).to.deep.equal(["", "IMAGE", "MASK", "VARIANCE"]);
    await f.close();
  });

  it("offers no cutouts of raw data, and a missing file is an ImageServiceError (503), not a path in a message", async () => {
    const d = await registry.resolve(`butler://demo/${OTHER}`);
    expect(d?.cutout).to.equal(false);
    let error: unknown;
    await d!.open().catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(ImageServiceError);
    expect((error as ImageServiceError).status).to.equal(503);
    expect((error as Error).message).to.not.contain(dir);
  });

  it("a file removed after registration is refused when opened", async () => {
    const p = join(dir, "later.fits");
    await writeTestImage(p, { ra: 1, dec: 2, nx: 4, ny: 4 });
    const uuid = nameUuid("later");
    await registry.add({ uuid, repo: "demo", datasetType: "visit_image", dataId: {}, path: p, size: 1 });
    const d = await registry.resolve(`butler://demo/${uuid}`);
    unlinkSync(p);
    let error: unknown;
    await d!.open().catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(ImageServiceError);
  });

  it("replaces an entry added again (same UUID), without duplicates", async () => {
    const n = (await registry.entries("demo")).length;
    await registry.add({ uuid: UUID, repo: "demo", datasetType: "deep_coadd", dataId: { band: "r", tract: 9, patch: 3 }, path, size: 1234, em: [552e-9, 691e-9], t: [60400, 60401] });
    expect((await registry.entries("demo")).length).to.equal(n);
    expect(await registry.uuidOfPath("demo", path)).to.equal(UUID);
    expect(await registry.uuidOfPath("other", path)).to.equal(undefined);
  });

  it("answers from memory once found, and sees an entry replaced by add()", async () => {
    const p2 = join(dir, "replaced.fits");
    await writeTestImage(p2, { ra: 3, dec: 4, nx: 4, ny: 4 });
    const uuid = nameUuid("replaced");
    await registry.add({ uuid, repo: "demo", datasetType: "visit_image", dataId: { visit: 1 }, path: p2, size: 10 });
    expect((await registry.resolve(`butler://demo/${uuid}`))?.dataId).to.deep.equal({ visit: 1 });
    await registry.add({ uuid, repo: "demo", datasetType: "visit_image", dataId: { visit: 2 }, path: p2, size: 10 });
    expect((await registry.resolve(`butler://demo/${uuid}`))?.dataId).to.deep.equal({ visit: 2 });
    const started = performance.now();
    for (let i = 0; i < 1000; i++) await registry.resolve(`butler://demo/${uuid}`);
    expect((performance.now() - started) / 1000, "ms per resolution").to.be.below(0.2);
  });

  it("finds a repository registered in upper case by its label in any case, and names it as registered", async () => {
    const uuid = nameUuid("upper-case repository");
    await registry.add({ uuid, repo: "DP1", datasetType: "visit_image", dataId: { visit: 7 }, path, size: 1 });
    // SIA 2.0 §2.1.10: IVOIDs compare case-insensitively; RFC 3986 §3.2.2: a host (butler://'s label) too.
    for (const id of [`ivo://qserv-tap.test/DP1?repo=DP1&id=${uuid}`, `ivo://qserv-tap.test/dp1?repo=dp1&id=${uuid}`, `butler://Dp1/${uuid}`]) {
      expect((await registry.resolve(id))?.id, id).to.equal(`ivo://qserv-tap.test/DP1?repo=DP1&id=${uuid}`);
    }
    expect(await registry.resolve(`butler://dp2/${uuid}`)).to.equal(undefined);
  });

  it("finds a label in any case through its query too, when the table is too large to hold in memory", async () => {
    const big = await DuckDbBackend.open(":memory:");
    const r = await LocalRegistry.open(big, { authority: "qserv-tap.test" });
    try {
      const uuid = nameUuid("in a large registry");
      await r.add({ uuid, repo: "DP1", datasetType: "visit_image", dataId: {}, path, size: 1 });
      // Over the 200,000 entries that the registry reads into memory whole.
      await big.run("INSERT INTO images.datasets (uuid, repo, dataset_type, data_id, path, size) SELECT uuid()::VARCHAR, 'bulk', 'raw', '{}', '/nowhere', 1 FROM range(200001)");
      expect((await r.resolve(`IVO://QSERV-TAP.TEST/DP1?REPO=dp1&ID=${uuid.toUpperCase()}`))?.id).to.equal(`ivo://qserv-tap.test/DP1?repo=DP1&id=${uuid}`);
      expect(await r.resolve(`butler://dp2/${uuid}`)).to.equal(undefined);
    } finally {
      await r.close();
      await big.close();
    }
  });

  it("derives name UUIDs in RFC 9562's version-5 shape, the same every time", () => {
    const cases: [string, string][] = [
      ["demo/deep_coadd/a", nameUuid("demo/deep_coadd/a")],
      ["demo/deep_coadd/b", nameUuid("demo/deep_coadd/b")],
    ];
    for (const [name, uuid] of cases) {
      expect(uuid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(nameUuid(name)).to.equal(uuid);
    }
    expect(cases[0]![1]).to.not.equal(cases[1]![1]);
  });

  it("keeps its own DuckDB file, shared by the services of one process and closed by the last", async () => {
    // Named as the default (images.duckdb): its catalog "images" holds the schema "images".
    const file = join(dir, "images.duckdb");
    const a = await LocalRegistry.openFile(file, { authority: "qserv-tap.test" });
    const b = await LocalRegistry.openFile(file, { authority: "qserv-tap.test" });
    await a.add({ uuid: UUID, repo: "demo", datasetType: "deep_coadd", dataId: {}, path, size: 1 });
    expect((await b.resolve(`butler://demo/${UUID}`))?.datasetType).to.equal("deep_coadd");
    await a.close();
    expect((await b.resolve(`butler://demo/${UUID}`))?.datasetType).to.equal("deep_coadd");
    await b.close();
    // Closed: another instance may open the file now.
    const c = await DuckDbBackend.open(file);
    expect((await c.rows("SELECT count(*) FROM images.images.datasets"))[0]!.map(Number)).to.deep.equal([1]);
    await c.close();
  });
});
