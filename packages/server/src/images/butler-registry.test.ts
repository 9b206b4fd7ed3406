/**
 * The Butler image registry against the Butler server test double (test-support/butler-double.ts, which records
 * the daf_butler facts it follows): Rubin's two ID forms (DMTN-302 `ivo://…?repo=R&id=UUID`, the older
 * `butler://R/UUID`), the get_file route and its errors mapped to DALI statuses (DALI 1.1 §5.2: 404 for an unknown
 * ID, 400 UsageFault for a malformed one, 401/403 passed through, 503 ServiceUnavailable when the Butler cannot
 * answer), the caller's bearer token forwarded and caching never shared across tokens, pre-signed URLs resolved
 * again before and after they expire without mixing two versions of a file, and Rubin's real DP2 coadd read through
 * HTTP Range (RFC 9110 §14) equal to the local file, bytes and pixels.
 */
import { expect } from "chai";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSource, FitsError, FitsFile, readSection, type ByteSource } from "@qserv-tap/fits";
import { ButlerServerDouble, type ButlerDoubleOptions, type DoubleDataset } from "../test-support/butler-double.js";
import { writeTestImage } from "../test-support/images.js";
import { ButlerRegistry, presignedExpiry, type ButlerRegistryOptions } from "./butler-registry.js";
import { ImageIdError, ImageServiceError, type ImageDataset } from "./registry.js";

const RUBIN_FILE = new URL("../../../../../shared/rubin/images/deep_coadd_5428_76_g.fits", import.meta.url).pathname;
const AUTHORITY = "test.lsst.cloud";
const COADD = "019ebd79-2ccb-7caf-bace-45028e943146";
const CALEXP = "ac691f52-c1a0-4199-b049-182cf403dc37";
const RAW = "c6956c99-88d9-4678-a3df-36dd913dd4bc";
const GONE = "5e3c1d1a-0000-4000-8000-000000000001";
const GATED = "5e3c1d1a-0000-4000-8000-000000000002";
const UNKNOWN = "00000000-1111-4222-8333-444444444444";
const START = Date.UTC(2026, 11, 5, 12, 0, 0);

/** A GetFileResponseModel for CALEXP with these file records. */
function fileInfo(files: { component?: string }[]): string {
  return JSON.stringify({
    dataset_ref: { id: CALEXP, datasetType: { name: "calexp", storageClass: "ExposureF", dimensions: [] }, dataId: { dataId: {}, records: null }, run: "r" },
    artifact: {
      datastore_type: "file",
      file_info: files.map((f) => ({
        url: "https://s3.example/b/k.fits",
        datastoreRecords: { formatter: "f", path: "k.fits", storage_class: "ExposureF", component: f.component ?? null, checksum: null, file_size: 10 },
        auth: "none",
      })),
    },
  });
}

async function must(p: Promise<ImageDataset | undefined>): Promise<ImageDataset> {
  const d = await p;
  if (!d) throw new Error("expected a dataset");
  return d;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("Butler image registry against the Butler server test double", function () {
  this.timeout(60000);
  let dir: string;
  let clock = START;
  const now = (): number => clock;
  const doubles: ButlerServerDouble[] = [];
  const sources: ByteSource[] = [];
  let open: ButlerServerDouble;
  let guarded: ButlerServerDouble;
  let rubin: string;
  let small: string;
  let other: string;
  let sameSize: string;

  const datasets = (): DoubleDataset[] => [
    {
      repo: "dp2",
      uuid: COADD,
      datasetType: "deep_coadd",
      storageClass: "CellCoadd",
      formatter: "lsst.images.formatters.GenericFormatter",
      dataId: { band: "g", skymap: "lsst_cells_v2", tract: 5428, patch: 76 },
      run: "LSSTCam/runs/DRP/DP2/v30_0_8/DM-55060/deep_coadd_rewrite/20260612T200929Z",
      file: rubin,
      path: "LSSTCam/runs/DRP/DP2/v30_0_8/DM-55060/deep_coadd_rewrite/20260612T200929Z/deep_coadd/5428/76/g/deep_coadd_5428_76_g_lsst_cells_v2.fits",
    },
    { repo: "dp1", uuid: CALEXP, datasetType: "calexp", dataId: { instrument: "LSSTCam", visit: 1234, detector: 42, band: "r" }, file: small },
    { repo: "dp1", uuid: RAW, datasetType: "raw", dataId: { instrument: "LSSTCam", exposure: 1234, detector: 42 }, file: small },
    { repo: "dp1", uuid: GONE, datasetType: "calexp", dataId: { visit: 1, detector: 1 }, file: small, noArtifact: true },
    { repo: "dp1", uuid: GATED, datasetType: "calexp", dataId: { visit: 2, detector: 1 }, file: small, auth: "gafaelfawr" },
  ];

  async function double(options: ButlerDoubleOptions = {}): Promise<ButlerServerDouble> {
    const d = await ButlerServerDouble.start({ now, ...options });
    for (const ds of datasets()) d.add({ ...ds });
    doubles.push(d);
    return d;
  }

  function registry(d: ButlerServerDouble, extra: Partial<ButlerRegistryOptions> = {}): ButlerRegistry {
    return new ButlerRegistry({ url: d.url, repos: ["dp1", "dp2"], authority: AUTHORITY, now, timeoutMs: 10_000, ...extra });
  }

  async function opened(d: ImageDataset): Promise<ByteSource> {
    const s = await d.open();
    sources.push(s);
    return s;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "butler-registry-"));
    rubin = join(dir, "deep_coadd_5428_76_g.fits");
    copyFileSync(RUBIN_FILE, rubin);
    small = join(dir, "small.fits");
    other = join(dir, "other.fits");
    sameSize = join(dir, "same-size.fits");
    await writeTestImage(small, { ra: 10, dec: -5, nx: 40, ny: 30 });
    await writeTestImage(other, { ra: 10, dec: -5, nx: 80, ny: 30, layout: "gzip2" });
    await writeTestImage(sameSize, { ra: 11, dec: -5, nx: 40, ny: 30 });
    open = await double();
    guarded = await double({ tokens: { "tok-alice": { user: "alice" }, "tok-bob": { user: "bob", repos: ["dp2"] } } });
  });

  beforeEach(() => {
    clock = START;
    for (const d of doubles) d.fault = undefined;
  });

  afterEach(async () => {
    for (const s of sources.splice(0)) await s.close();
  });

  after(async () => {
    for (const d of doubles) await d.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("IDs (DMTN-302; DALI 1.1 §5.2: 404 unknown, 400 UsageFault malformed)", () => {
    const found: [string, string, string, Record<string, string | number>, boolean][] = [
      ["ivo:// form", `ivo://${AUTHORITY}/dp2?repo=dp2&id=${COADD}`, "deep_coadd", { band: "g", skymap: "lsst_cells_v2", tract: 5428, patch: 76 }, true],
      ["butler:// form", `butler://dp2/${COADD}`, "deep_coadd", { band: "g", skymap: "lsst_cells_v2", tract: 5428, patch: 76 }, true],
      ["upper-case UUID", `butler://dp2/${COADD.toUpperCase()}`, "deep_coadd", { band: "g", skymap: "lsst_cells_v2", tract: 5428, patch: 76 }, true],
      ["another authority in an ivo:// ID", `ivo://elsewhere.org/x?repo=dp1&id=${CALEXP}`, "calexp", { instrument: "LSSTCam", visit: 1234, detector: 42, band: "r" }, true],
      ["raw: no cutout, as in datalinker", `butler://dp1/${RAW}`, "raw", { instrument: "LSSTCam", exposure: 1234, detector: 42 }, false],
      // SIA 2.0 §2.1.10: IVOIDs compare case-insensitively, so the canonical ID in any case is the same dataset.
      ["ivo:// form in upper case", `IVO://${AUTHORITY.toUpperCase()}/DP2?REPO=DP2&ID=${COADD.toUpperCase()}`, "deep_coadd", { band: "g", skymap: "lsst_cells_v2", tract: 5428, patch: 76 }, true],
      // RFC 3986 §3.1 and §3.2.2: butler://'s scheme and its host, the label, are case-insensitive.
      ["butler:// form in upper case", `BUTLER://DP1/${CALEXP}`, "calexp", { instrument: "LSSTCam", visit: 1234, detector: 42, band: "r" }, true],
    ];
    for (const [what, id, type, dataId, cutout] of found) {
      it(`resolves the ${what} to the canonical ID with type, data ID and size`, async () => {
        const d = await must(registry(open).resolve(id, {}));
        const uuid = id.match(/[0-9a-f-]{36}/i)![0].toLowerCase();
        const repo = id.toLowerCase().includes("dp2") ? "dp2" : "dp1";
        expect(d.id).to.equal(`ivo://${AUTHORITY}/${repo}?repo=${repo}&id=${uuid}`);
        expect(d.datasetType).to.equal(type);
        expect(d.dataId).to.deep.equal(dataId);
        expect(d.cutout).to.equal(cutout);
        expect(d.size).to.equal(readFileSync(type === "deep_coadd" ? rubin : small).length);
      });
    }

    const missing: [string, string, number][] = [
      ["a repository not served (as datalinker's unknown label)", `butler://dp9/${CALEXP}`, 0],
      ["an unknown UUID (DatasetNotFoundError)", `butler://dp1/${UNKNOWN}`, 1],
      ["a UUID of another repository", `butler://dp1/${COADD}`, 1],
      ["a dataset whose file is gone (artifact null)", `butler://dp1/${GONE}`, 1],
    ];
    for (const [what, id, asked] of missing) {
      it(`answers undefined (404) for ${what}`, async () => {
        const before = open.counts.getFile;
        expect(await registry(open).resolve(id, {})).to.equal(undefined);
        expect(open.counts.getFile - before).to.equal(asked);
      });
    }

    it("asks the Butler server with the label as configured, whatever its case in the ID", async () => {
      const upper = new ButlerRegistry({ url: open.url, repos: ["DP1"], authority: AUTHORITY, now, timeoutMs: 10_000 });
      const d = await upper.resolve(`ivo://${AUTHORITY}/dp1?repo=dp1&id=${CALEXP}`, {});
      // The double serves "dp1" only: asked as "DP1", it knows no such repository.
      expect(d).to.equal(undefined);
      expect(open.getFileRequests.at(-1)!.url).to.contain(`/repo/DP1/v1/get_file/${CALEXP}`);
      const lower = registry(open);
      expect((await must(lower.resolve(`ivo://${AUTHORITY}/DP1?repo=DP1&id=${CALEXP}`, {}))).id).to.equal(`ivo://${AUTHORITY}/dp1?repo=dp1&id=${CALEXP}`);
      expect(open.getFileRequests.at(-1)!.url).to.contain(`/repo/dp1/v1/get_file/${CALEXP}`);
    });

    it("refuses labels that differ only in case: no ID could tell them apart", () => {
      expect(() => new ButlerRegistry({ url: open.url, repos: ["dp1", "DP1"], authority: AUTHORITY })).to.throw("the Butler repository labels dp1 and DP1 differ only in case");
    });

    const malformed = [
      "blah-blah",
      "butler://dp1/not-a-uuid",
      `ivo://${AUTHORITY}/dp1?repo=dp1`,
      `https://evil.example/${CALEXP}`,
      `butler://dp1/${CALEXP}/../../etc/passwd`,
      // A label is never a path segment: parseImageId refuses "." and "..".
      `butler://../${CALEXP}`,
      `butler://./${CALEXP}`,
      `ivo://${AUTHORITY}/dp1?repo=dp1&id=${CALEXP}#frag`,
    ];
    for (const id of malformed) {
      it(`rejects ${JSON.stringify(id)} with an ImageIdError (UsageFault) and asks nothing`, async () => {
        const before = open.counts.getFile;
        const e = await rejection(registry(open).resolve(id, {}));
        expect(e).to.be.instanceOf(ImageIdError);
        expect(open.counts.getFile).to.equal(before);
      });
    }
  });

  describe("the caller's token and daf_butler's client headers", () => {
    it("forwards the caller's bearer token with a client request ID", async () => {
      const r = registry(guarded);
      await must(r.resolve(`butler://dp1/${CALEXP}`, { token: "tok-alice" }));
      const h = guarded.getFileRequests.at(-1)!.headers;
      expect(h.authorization).to.equal("Bearer tok-alice");
      expect(h["x-butler-client-request-id"]).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(h["user-agent"]).to.be.a("string");
      expect(guarded.getFileRequests.at(-1)!.url).to.equal(`/api/butler/repo/dp1/v1/get_file/${CALEXP}`);
    });

    it("sends no Authorization header when the caller has no token", async () => {
      await must(registry(open).resolve(`butler://dp1/${CALEXP}`, {}));
      expect(open.getFileRequests.at(-1)!.headers).not.to.have.property("authorization");
    });

    it("sends nothing but the URL to the store for auth \"none\" (pre-signed), the token for auth \"gafaelfawr\"", async () => {
      const r = registry(guarded);
      const plain = await opened(await must(r.resolve(`butler://dp1/${CALEXP}`, { token: "tok-alice" })));
      await plain.read(0, 80);
      expect(guarded.fileRequests.at(-1)!.headers).not.to.have.property("authorization");
      const gated = await opened(await must(r.resolve(`butler://dp1/${GATED}`, { token: "tok-alice" })));
      await gated.read(0, 80);
      expect(guarded.fileRequests.at(-1)!.headers.authorization).to.equal("Bearer tok-alice");
    });

    it("caches a resolution per token and ID, never across tokens", async () => {
      const r = registry(guarded);
      const id = `butler://dp2/${COADD}`;
      const before = guarded.counts.getFile;
      await must(r.resolve(id, { token: "tok-alice" }));
      await must(r.resolve(`ivo://${AUTHORITY}/dp2?repo=dp2&id=${COADD}`, { token: "tok-alice" }));
      expect(guarded.counts.getFile - before, "same token, same dataset").to.equal(1);
      await must(r.resolve(id, { token: "tok-bob" }));
      expect(guarded.counts.getFile - before, "another token").to.equal(2);
      expect(guarded.getFileRequests.at(-1)!.headers.authorization).to.equal("Bearer tok-bob");
      const e = await rejection(r.resolve(id, {}));
      expect(e).to.be.instanceOf(ImageServiceError);
      expect((e as ImageServiceError).status, "no token: not Alice's cached answer").to.equal(401);
      expect(guarded.counts.getFile - before).to.equal(3);
      clock += 31_000;
      await must(r.resolve(id, { token: "tok-alice" }));
      expect(guarded.counts.getFile - before, "after the cache time").to.equal(4);
    });
  });

  describe("Butler errors mapped to DALI statuses", () => {
    const cases: { what: string; on?: "guarded"; token?: string; fault?: ButlerServerDouble["fault"]; status: number | "undefined"; says?: RegExp; timeoutMs?: number }[] = [
      { what: "no token where one is needed (Gafaelfawr 401)", on: "guarded", status: 401, says: /HTTP 401/ },
      { what: "an invalid token (401)", on: "guarded", token: "tok-mallory", status: 401 },
      { what: "a user without access to the repository (403)", on: "guarded", token: "tok-bob", status: 403, says: /does not have permission to access Butler repository 'dp1'/ },
      { what: "500 Internal Server Error", fault: { status: 500, body: "Internal Server Error", contentType: "text/plain" }, status: 503, says: /HTTP 500/ },
      { what: "503 with Retry-After", fault: { status: 503, body: "", headers: { "Retry-After": "30" } }, status: 503, says: /HTTP 503/ },
      { what: "a body that is not JSON", fault: { status: 200, body: "<html>proxy login</html>", contentType: "text/html" }, status: 503, says: /unusable answer/ },
      { what: "JSON that is not a GetFileResponseModel", fault: { status: 200, body: '{"dataset_ref": {}}' }, status: 503, says: /unusable answer/ },
      {
        what: "a file URL that is not http(s)",
        fault: {
          status: 200,
          body: JSON.stringify({
            dataset_ref: { id: CALEXP, datasetType: { name: "calexp" }, dataId: { dataId: {} } },
            artifact: { datastore_type: "file", file_info: [{ url: "file:///etc/passwd", datastoreRecords: { file_size: 1 }, auth: "none" }] },
          }),
        },
        status: 503,
        says: /not http\(s\)/,
      },
      {
        what: "a disassembled composite (component files only)",
        fault: { status: 200, body: fileInfo([{ component: "image" }, { component: "mask" }]) },
        status: "undefined",
      },
      { what: "two files for one whole dataset", fault: { status: 200, body: fileInfo([{}, {}]) }, status: 503, says: /2 files/ },
      { what: "another ButlerUserError (422)", fault: { status: 422, body: '{"error_type": "missing_collection", "detail": "no such collection"}' }, status: 503, says: /missing_collection/ },
      { what: "a plain 404 (a wrong TAP_BUTLER_URL, not an unknown dataset)", fault: { status: 404, body: '{"detail": "Not Found"}' }, status: 503, says: /HTTP 404/ },
      { what: "DatasetNotFoundError sent as 404", fault: { status: 404, body: '{"error_type": "dataset_not_found", "detail": "gone"}' }, status: "undefined" },
      // A short timeout: the stalled server never answers, so the test waits for it whole.
      { what: "no answer within the timeout", fault: "stall", status: 503, says: /no answer within 50 ms/, timeoutMs: 50 },
    ];
    for (const c of cases) {
      it(`maps ${c.what} to ${c.status === "undefined" ? "undefined (404)" : c.status}`, async () => {
        const d = c.on === "guarded" ? guarded : open;
        d.fault = c.fault;
        const r = registry(d, c.timeoutMs ? { timeoutMs: c.timeoutMs } : {});
        const p = r.resolve(`butler://dp1/${CALEXP}`, c.token ? { token: c.token } : {});
        if (c.status === "undefined") {
          expect(await p).to.equal(undefined);
          return;
        }
        const e = await rejection(p);
        expect(e).to.be.instanceOf(ImageServiceError);
        expect((e as ImageServiceError).status).to.equal(c.status);
        expect(e.message).to.include(d.url);
        if (c.says) expect(e.message).to.match(c.says);
        expect(e.message).not.to.match(/tok-|Bearer|X-Amz-Signature/);
      });
    }

    it("maps a Butler server that is not there to 503 naming it", async () => {
      const gone = await ButlerServerDouble.start();
      const url = gone.url;
      await gone.close();
      const r = new ButlerRegistry({ url, repos: ["dp1"], authority: AUTHORITY, timeoutMs: 5000 });
      const e = await rejection(r.resolve(`butler://dp1/${CALEXP}`, { token: "tok-alice" }));
      expect(e).to.be.instanceOf(ImageServiceError);
      expect((e as ImageServiceError).status).to.equal(503);
      expect(e.message).to.include(url).and.not.to.include("tok-alice");
    });

    for (const token of ["tok alice", "tok-\u00e9", "tok-a\r\nX-Injected: 1"]) {
      it(`refuses a token that is not an RFC 6750 b64token (${JSON.stringify(token)}) with 401, asking nothing and quoting nothing`, async () => {
        const before = open.counts.getFile;
        const e = await rejection(registry(open).resolve(`butler://dp1/${CALEXP}`, { token }));
        expect((e as ImageServiceError).status).to.equal(401);
        expect(e.message).not.to.include(token.slice(0, 5));
        expect(open.counts.getFile).to.equal(before);
      });
    }

    it("does not remember a failure: the next request asks again", async () => {
      const r = registry(open);
      open.fault = { status: 500, body: "Internal Server Error" };
      await rejection(r.resolve(`butler://dp1/${CALEXP}`, {}));
      open.fault = undefined;
      expect((await must(r.resolve(`butler://dp1/${CALEXP}`, {}))).datasetType).to.equal("calexp");
    });
  });

  describe("pre-signed URLs: expiry and re-resolution", () => {
    const expiries: [string, string, number | undefined][] = [
      ["S3 SigV4", "https://s3.example/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261205T120000Z&X-Amz-Expires=3600&X-Amz-Signature=ab", Date.UTC(2026, 11, 5, 13)],
      ["S3 SigV4, lower-case names", "https://s3.example/b/k?x-amz-date=20261205T120000Z&x-amz-expires=60&x-amz-signature=ab", Date.UTC(2026, 11, 5, 12, 1)],
      ["GCS V4", "https://storage.googleapis.com/b/k?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date=20261205T120000Z&X-Goog-Expires=900&X-Goog-Signature=ab", Date.UTC(2026, 11, 5, 12, 15)],
      ["S3 V2 (Expires in epoch seconds)", "https://s3.example/b/k?AWSAccessKeyId=A&Expires=1796472000&Signature=ab", 1796472000 * 1000],
      ["no expiry in the URL", "https://store.example/b/k?sig=ab", undefined],
      ["a malformed X-Amz-Date", "https://s3.example/b/k?X-Amz-Date=yesterday&X-Amz-Expires=60", undefined],
      ["a negative X-Amz-Expires", "https://s3.example/b/k?X-Amz-Date=20261205T120000Z&X-Amz-Expires=-5", undefined],
      ["not a URL", "::", undefined],
    ];
    for (const [what, url, expected] of expiries) {
      it(`reads the expiry of ${what}`, () => {
        expect(presignedExpiry(url)).to.equal(expected);
      });
    }

    it("resolves again before a read when the URL is about to expire, and reads the same bytes", async () => {
      const r = registry(open);
      const before = { ...open.counts };
      const s = await opened(await must(r.resolve(`butler://dp1/${CALEXP}`, {})));
      const a = await s.read(2880, 2880);
      expect(open.counts.getFile - before.getFile).to.equal(1);
      clock += 3590_000; // 10 s left of the hour, less than refreshBeforeExpirySeconds (60)
      const b = await s.read(2880, 2880);
      expect(open.counts.getFile - before.getFile, "one new resolution").to.equal(2);
      expect(open.counts.expired - before.expired, "no read on the dying URL").to.equal(0);
      expect(Buffer.from(b).equals(Buffer.from(a))).to.equal(true);
    });

    it("resolves again once when the store refuses an expired URL (403 AccessDenied)", async () => {
      const r = new ButlerRegistry({ url: open.url, repos: ["dp1"], authority: AUTHORITY, now: () => START, refreshBeforeExpirySeconds: 0 });
      const before = { ...open.counts };
      const s = await opened(await must(r.resolve(`butler://dp1/${CALEXP}`, {})));
      const a = await s.read(0, 5000);
      clock += 3601_000; // the store's clock moves past the expiry; the registry's does not notice
      const b = await s.read(0, 5000);
      expect(open.counts.expired - before.expired, "the store refused once").to.equal(1);
      expect(open.counts.getFile - before.getFile, "and the ID was resolved again").to.equal(2);
      expect(Buffer.from(b).equals(Buffer.from(a))).to.equal(true);
      expect(readFileSync(small).subarray(0, 5000).equals(Buffer.from(b))).to.equal(true);
    });

    it("resolves again when the first read of a cached resolution finds its URL expired", async () => {
      const r = new ButlerRegistry({ url: open.url, repos: ["dp1"], authority: AUTHORITY, now: () => START, refreshBeforeExpirySeconds: 0 });
      const before = { ...open.counts };
      const d = await must(r.resolve(`butler://dp1/${CALEXP}`, {}));
      clock += 3601_000;
      const s = await opened(d);
      expect((await s.stat()).size).to.equal(readFileSync(small).length);
      expect(open.counts.expired - before.expired).to.equal(1);
      expect(open.counts.getFile - before.getFile).to.equal(2);
    });

    it("assumes the configured lifetime for a URL that does not say when it expires", async () => {
      const opaque = await double({ urlStyle: "opaque", urlLifetimeSeconds: 120 });
      const r = registry(opaque, { urlLifetimeSeconds: 120, refreshBeforeExpirySeconds: 30 });
      const s = await opened(await must(r.resolve(`butler://dp1/${CALEXP}`, {})));
      await s.read(0, 100);
      clock += 95_000;
      await s.read(100, 100);
      expect(opaque.counts.getFile).to.equal(2);
      expect(opaque.counts.expired).to.equal(0);
    });

    it("refreshes a URL shorter-lived than the margin at half its life, not at every read", async () => {
      const brief = await double({ urlLifetimeSeconds: 30 });
      const r = registry(brief);
      const s = await opened(await must(r.resolve(`butler://dp1/${CALEXP}`, {})));
      await s.read(0, 100);
      clock += 5_000;
      await s.read(100, 100);
      expect(brief.counts.getFile, "5 s into 30").to.equal(1);
      clock += 11_000;
      await s.read(200, 100);
      expect(brief.counts.getFile, "16 s into 30").to.equal(2);
      expect(brief.counts.expired).to.equal(0);
    });

    const changes: [string, () => string][] = [
      ["a different size", () => other],
      ["the same size but another ETag", () => sameSize],
    ];
    for (const [what, file] of changes) {
      it(`fails, never mixing bytes, when the file re-resolved after expiry has ${what}`, async () => {
        const d = await double();
        const r = registry(d);
        const s = await opened(await must(r.resolve(`butler://dp1/${CALEXP}`, {})));
        await s.read(0, 2880);
        d.replaceFile(CALEXP, file());
        clock += 3600_000;
        const e = await rejection(s.read(2880, 2880));
        expect(e).to.be.instanceOf(FitsError);
        expect((e as FitsError).code).to.equal("FITS_SOURCE");
        expect(e.message).to.match(/changed while being read/);
        expect(e.message).not.to.include("X-Amz");
      });
    }

    it("reads many ranges with one Butler round trip", async () => {
      const r = registry(open);
      const before = open.counts.getFile;
      const s = await opened(await must(r.resolve(`butler://dp2/${COADD}`, {})));
      for (let i = 0; i < 10; i++) await s.read(i * 2880, 2880);
      expect(open.counts.getFile - before).to.equal(1);
    });
  });

  describe("Rubin's DP2 deep_coadd read through the registry (RFC 9110 §14 Range)", () => {
    it("gives the local file's bytes for several ranges", async () => {
      const local = readFileSync(rubin);
      const s = await opened(await must(registry(open).resolve(`ivo://${AUTHORITY}/dp2?repo=dp2&id=${COADD}`, {})));
      expect((await s.stat()).size).to.equal(local.length);
      const ranges: [number, number][] = [
        [0, 2880],
        [1, 1],
        [2880 * 3, 1000],
        [12345, 6789],
        [129600, 28800],
        [local.length - 100, 100],
        [0, local.length],
      ];
      for (const [offset, length] of ranges) {
        const got = await s.read(offset, length);
        expect(Buffer.from(got).equals(local.subarray(offset, offset + length)), `bytes ${offset}+${length}`).to.equal(true);
      }
      const e = await rejection(s.read(local.length - 10, 20));
      expect((e as FitsError).code).to.equal("FITS_TRUNCATED");
    });

    it("gives, through FitsFile.open and readSection, the same pixels as the local copy", async () => {
      const remote = await FitsFile.open(await opened(await must(registry(open).resolve(`butler://dp2/${COADD}`, {}))));
      const local = await FitsFile.open(new FileSource(rubin));
      try {
        expect(remote.hdus.map((h) => [h.headerOffset, h.dataOffset, h.dataSize])).to.deep.equal(local.hdus.map((h) => [h.headerOffset, h.dataOffset, h.dataSize]));
        const boxes: [string, [number, number][]][] = [
          ["IMAGE", [[1, 64], [1, 64]]],
          ["IMAGE", [[21, 49], [18, 45]]],
          ["MASK", [[30, 40], [1, 64]]],
          ["VARIANCE", [[1, 1], [64, 64]]],
        ];
        for (const [hdu, box] of boxes) {
          const a = await readSection(remote, hdu, box);
          const b = await readSection(local, hdu, box);
          expect(a.shape).to.deep.equal(b.shape);
          expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)), `${hdu} ${JSON.stringify(box)}`).to.equal(true);
        }
        // The upstream cutout oracle's box (shared/rubin/images/README.md): IMAGE[17:45, 20:49] 0-based, numpy [y, x].
        const oracle = await readSection(remote, "IMAGE", [[21, 49], [18, 45]]);
        expect(oracle.data[14 * 29 + 15]).to.be.closeTo(2.788926362991333, 1e-6);
      } finally {
        await remote.close();
        await local.close();
      }
    });
  });

  describe("configuration", () => {
    it("builds from ImagesConfig (TAP_BUTLER_URL, TAP_BUTLER_REPOS, authority)", async () => {
      const r = ButlerRegistry.fromConfig({
        registry: "butler",
        baseUrl: "http://localhost",
        dir: dir,
        registryPath: join(dir, "x.duckdb"),
        demo: false,
        authority: AUTHORITY,
        repo: "dp1",
        butlerUrl: open.url,
        butlerRepos: ["dp2"],
        maxCutoutPixels: 1e6,
      });
      expect(r.kind).to.equal("butler");
      expect((await must(r.resolve(`butler://dp2/${COADD}`, {}))).id).to.equal(`ivo://${AUTHORITY}/dp2?repo=dp2&id=${COADD}`);
      expect(await r.resolve(`butler://dp1/${CALEXP}`, {})).to.equal(undefined);
      await r.close();
    });
  });
});
