/**
 * The image service configured for a Butler server (images.registry = butler), end to end over HTTP, against the
 * Butler server TEST DOUBLE (test-support/butler-double.ts: recorded responses in the shape of daf_butler's models and
 * a pre-signed, Range-capable store on 127.0.0.1), serving Rubin's real DP2 coadd. Each route answers with the
 * caller's own bearer token passed to the Butler.
 */
import { expect } from "chai";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FitsFile, MemorySource, imageInfo } from "@qserv-tap/fits";
import { until } from "../../../votable/src/test-support/until.js";
import { ButlerServerDouble } from "../test-support/butler-double.js";
import { startService, type Running } from "../test-support/service.js";

const RUBIN = fileURLToPath(new URL("../../../../../shared/rubin/images/deep_coadd_5428_76_g.fits", import.meta.url));
const COADD = "019ebd79-2ccb-7caf-bace-45028e943146";
const UNKNOWN = "019ebd79-0000-7000-8000-000000000000";
const TOKEN = "gt-butler-service-test-token-0123456789";
/** The upstream oracle (../shared/rubin/images/README.md): a 3″ circle gives 29 × 28 pixels. */
const ORACLE_CIRCLE = `0.25708 -3.03694 ${3 / 3600}`;

describe("image service on a Butler server (test double)", function () {
  this.timeout(60_000);
  let dir: string;
  let butler: ButlerServerDouble;
  let running: Running;
  let base: string;
  const auth = { Authorization: `Bearer ${TOKEN}` };

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "butler-service-"));
    const file = join(dir, "deep_coadd.fits");
    copyFileSync(RUBIN, file);
    butler = await ButlerServerDouble.start({ tokens: { [TOKEN]: { user: "someone" } } });
    butler.add({ repo: "dp2", uuid: COADD, datasetType: "deep_coadd", storageClass: "CellCoadd", dataId: { band: "g", tract: 5428, patch: 76 }, file });
    running = await startService({ demo: false, images: { registry: "butler", butlerUrl: butler.url, butlerRepos: ["dp2"] } });
    base = running.service.deps.config.images.baseUrl;
  });

  after(async function () {
    await running?.close();
    await butler?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: { what: string; path: string; token: boolean; status: number; check?: (r: Response, body: Uint8Array) => Promise<void> | void }[] = [
    {
      what: "SODA sync cutout in Rubin's ivo:// form: the upstream oracle's 29 × 28 box",
      path: `/soda/sync?ID=${encodeURIComponent(`ivo://org.rubinobs/usdac-dr2?repo=dp2&id=${COADD}`)}&CIRCLE=${encodeURIComponent(ORACLE_CIRCLE)}`,
      token: true,
      status: 200,
      check: async (_r, body) => {
        const f = await FitsFile.open(new MemorySource(body));
        const img = f.hdus.find((h) => h.header.string("EXTNAME") === "IMAGE") ?? f.hdus[1]!;
        expect(imageInfo(img).axes).to.deep.equal([29, 28]);
      },
    },
    {
      what: "SODA sync cutout in the older butler:// form",
      path: `/soda/sync?ID=${encodeURIComponent(`butler://dp2/${COADD}`)}&CIRCLE=${encodeURIComponent(ORACLE_CIRCLE)}`,
      token: true,
      status: 200,
    },
    { what: "no token: the Butler refuses, and so do we", path: `/soda/sync?ID=${encodeURIComponent(`butler://dp2/${COADD}`)}&CIRCLE=${encodeURIComponent(ORACLE_CIRCLE)}`, token: false, status: 401 },
    { what: "unknown UUID: 404 (DatasetNotFoundError)", path: `/soda/sync?ID=${encodeURIComponent(`butler://dp2/${UNKNOWN}`)}&CIRCLE=${encodeURIComponent(ORACLE_CIRCLE)}`, token: true, status: 404 },
    { what: "unknown repository: 404", path: `/soda/sync?ID=${encodeURIComponent(`butler://dp9/${COADD}`)}&CIRCLE=${encodeURIComponent(ORACLE_CIRCLE)}`, token: true, status: 404 },
    {
      what: "the whole file through HTTP Range on the pre-signed URL",
      path: `/images/files/${encodeURIComponent(`butler://dp2/${COADD}`)}`,
      token: true,
      status: 200,
      check: (r, body) => {
        expect(body.length).to.equal(164_160);
        expect(r.headers.get("content-type")).to.match(/application\/fits/);
      },
    },
    {
      what: "DataLink {links}: #this, #cutout and #preview for the dataset",
      path: `/datalink/links?ID=${encodeURIComponent(`butler://dp2/${COADD}`)}`,
      token: true,
      status: 200,
      check: (_r, body) => {
        const text = new TextDecoder().decode(body);
        for (const s of ["#this", "#cutout", "#preview"]) expect(text).to.include(`<TD>${s}</TD>`);
        expect(text).to.not.include("NotFoundFault");
      },
    },
  ];

  for (const c of cases) {
    it(c.what, async function () {
      const r = await fetch(`${base}${c.path}`, { headers: c.token ? auth : {} });
      const body = new Uint8Array(await r.arrayBuffer());
      expect(r.status, new TextDecoder().decode(body.slice(0, 300))).to.equal(c.status);
      await c.check?.(r, body);
    });
  }

  it("runs a SODA async job with its creator's token (held in memory, not in the job store)", async function () {
    const body = new URLSearchParams({ ID: `butler://dp2/${COADD}`, CIRCLE: ORACLE_CIRCLE, PHASE: "RUN" });
    const created = await fetch(`${base}/soda/async`, { method: "POST", body, headers: auth, redirect: "manual" });
    expect(created.status).to.equal(303);
    const job = created.headers.get("location")!;
    let phase = "";
    await until("the job ends", async () => {
      phase = await (await fetch(`${job}/phase`, { headers: auth })).text();
      return ["COMPLETED", "ERROR", "ABORTED"].includes(phase.trim());
    }, 30_000);
    expect(phase.trim()).to.equal("COMPLETED");
    const result = await fetch(`${job}/results/cutout-1`, { headers: auth });
    expect(result.status).to.equal(200);
    const f = await FitsFile.open(new MemorySource(new Uint8Array(await result.arrayBuffer())));
    expect(imageInfo(f.hdus.find((h) => h.header.string("EXTNAME") === "IMAGE")!).axes).to.deep.equal([29, 28]);
    const stored = readdirSync(join(running.service.deps.config.async.dir, "soda", "jobs")).map((n) => readFileSync(join(running.service.deps.config.async.dir, "soda", "jobs", n), "utf8"));
    expect(stored.join("\n")).to.not.include(TOKEN);
  });

  it("passed the caller's token to the Butler server on every get_file", function () {
    const seen = butler.getFileRequests.map((r) => r.headers.authorization ?? "");
    expect(seen.length).to.be.greaterThan(0);
    expect(seen.filter((a) => a !== `Bearer ${TOKEN}` && a !== "")).to.deep.equal([]);
  });
});
