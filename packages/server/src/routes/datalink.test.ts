/**
 * /datalink/links (DataLink 1.1 §3), /datalink/around, /datalink/capabilities and /datalink/availability, against
 * a service with a registry of small test images. Oracles: STILTS datalinklint on the served documents, the
 * VOTable and VOSI schemas (../shared/ivoa/validate-xml), and the shape of Rubin's datalinker responses.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readVOTable } from "@qserv-tap/votable";
import { startFixture, SPECS, type Fixture } from "../datalink/test-support/fixture.js";
import { ImageServiceError } from "../images/registry.js";
import { demoService, hasTool, validateXml } from "../test-support/service.js";

const run = promisify(execFile);
const UNKNOWN = "ivo://qserv-tap.test/test?repo=test&id=00000000-0000-4000-8000-000000000000";

interface Links {
  status: number;
  type: string;
  text: string;
  rows: Record<string, unknown>[];
}

async function links(url: string, init?: RequestInit): Promise<Links> {
  const res = await fetch(url, init);
  const text = await res.text();
  let rows: Record<string, unknown>[] = [];
  if (res.status === 200) {
    const reader = await readVOTable(text);
    const names = reader.fields.map((f) => f.name);
    rows = (await reader.toArray()).map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
  }
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, rows };
}

/** STILTS datalinklint on a served URL: its totals line, and the error lines. */
async function datalinklint(url: string): Promise<{ errors: number; warnings: number; report: string }> {
  const { stdout } = await run("stilts", ["datalinklint", `votable=${url}`], { maxBuffer: 16 * 1024 * 1024 });
  const m = /Totals: Errors: (\d+); Warnings: (\d+)/.exec(stdout);
  if (!m) throw new Error(`no totals in datalinklint's report:\n${stdout}`);
  return { errors: Number(m[1]), warnings: Number(m[2]), report: stdout.split("\n").filter((l) => /^[EW]-/.test(l)).join("\n") };
}

describe("DataLink 1.1 {links} and the around service", function () {
  this.timeout(120_000);
  let f: Fixture;
  let linksUrl: string;
  const q = (...ids: string[]) => `${linksUrl}?${ids.map((id) => `ID=${encodeURIComponent(id)}`).join("&")}`;

  before(async function () {
    f = await startFixture({ demo: false });
    linksUrl = `${f.base}/datalink/links`;
  });
  after(async () => {
    await f?.close();
  });

  it("one ID: #this (the file, its size), #cutout (service_def) and #preview, with DataLink's MIME type (§3.2, §3.4)", async function () {
    const { id } = f.images.coadd;
    const r = await links(q(id));
    expect(r.status).to.equal(200);
    expect(r.type).to.equal("application/x-votable+xml;content=datalink");
    expect(r.rows.map((x) => x.semantics)).to.deep.equal(["#this", "#cutout", "#preview"]);
    expect(r.rows.every((x) => x.ID === id)).to.equal(true);
    const [self, cutout, preview] = r.rows as Record<string, string | bigint>[];
    expect(self!.access_url).to.equal(`${f.base}/images/files/${encodeURIComponent(id)}`);
    expect(self!.content_type).to.equal("application/fits");
    const file = await fetch(self!.access_url as string);
    expect(file.status).to.equal(200);
    expect(BigInt((await file.arrayBuffer()).byteLength)).to.equal(self!.content_length);
    expect(cutout!.service_def).to.equal("cutout");
    expect(cutout!.access_url).to.equal(null);
    expect(preview!.access_url).to.equal(`${f.base}/soda/sync?ID=${encodeURIComponent(id)}&RESPONSEFORMAT=image/png`);
    expect(preview!.content_type).to.equal("image/png");
    // The links lead somewhere: the SODA service draws the preview.
    const png = await fetch(preview!.access_url as string);
    expect(png.status).to.equal(200);
    expect(png.headers.get("content-type")).to.equal("image/png");
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).to.equal("PNG");
    expect(r.text).to.contain('<INFO name="standardID" value="ivo://ivoa.net/std/DataLink#links-1.1"/>\n<TABLE>');
  });

  it("the SODA descriptor: ID fixed, CIRCLE/POLYGON with the image's bounds, BAND and TIME from its ranges, CUTOUTDETAIL options (SODA 1.0 §4.3)", async function () {
    const { id } = f.images.coadd;
    const { text } = await links(q(id));
    const descriptor = /<RESOURCE type="meta" name="cutout" ID="cutout" utype="adhoc:service">[^]*?<\/RESOURCE>/.exec(text)?.[0] ?? "";
    expect(descriptor).to.contain('<PARAM name="standardID" datatype="char" arraysize="*" value="ivo://ivoa.net/std/SODA#sync-1.0"/>');
    expect(descriptor).to.contain(`<PARAM name="accessURL" datatype="char" arraysize="*" ucd="meta.ref.url" value="${f.base}/soda/sync"/>`);
    expect(descriptor).to.contain(`name="ID" datatype="char" arraysize="*" ucd="meta.ref.url;meta.curation" value="${id.replace(/&/g, "&amp;")}"`);
    // 200 × 150 pixels of 0.2″ centred on (10, −5): a covering circle of half the diagonal, 25″.
    const circle = /name="CIRCLE"[^]*?<MAX value="([^"]+)"/.exec(descriptor)![1]!.split(" ").map(Number);
    expect(circle[0]).to.be.closeTo(10, 1e-8);
    expect(circle[1]).to.be.closeTo(-5, 1e-8);
    expect(circle[2]).to.be.within(25 / 3600, 25 / 3600 + 1e-7);
    const polygon = /name="POLYGON"[^]*?<MAX value="([^"]+)"/.exec(descriptor)![1]!.split(" ").map(Number);
    expect(polygon).to.have.length(8);
    const half = (100 * 0.2) / 3600 / Math.cos((5 * Math.PI) / 180);
    expect(Math.max(...polygon.filter((_, i) => i % 2 === 0))).to.be.closeTo(10 + half, 1e-6);
    expect(descriptor).to.match(/name="BAND"[^]*?<MIN value="5.4e-7"\/>\n<MAX value="6.9e-7"\/>/);
    expect(descriptor).to.match(/name="TIME"[^]*?<MIN value="60000.25"\/>\n<MAX value="60000.250347222\d*"\/>/);
    expect(descriptor).to.match(/name="CUTOUTDETAIL"[^]*?<OPTION value="Image"\/>\n<OPTION value="MaskedImage"\/>/);
    expect(descriptor).not.to.contain('name="POL"');
  });

  it("several IDs: rows for each in order, consecutive; an unknown ID is a NotFoundFault row, a malformed one a UsageFault row (§3.2.4)", async function () {
    const ids = [f.images.rotated.id, UNKNOWN, f.images.raw.id, "../../etc/passwd", f.images.coadd.id];
    const r = await links(q(...ids));
    expect(r.status).to.equal(200);
    expect(r.rows.map((x) => [ids.indexOf(x.ID as string), x.semantics])).to.deep.equal([
      [0, "#this"],
      [0, "#cutout"],
      [0, "#preview"],
      [1, "#this"],
      [2, "#this"], // raw data: the file only, as datalinker does
      [3, "#this"],
      [4, "#this"],
      [4, "#cutout"],
      [4, "#preview"],
    ]);
    expect(r.rows[3]!.error_message).to.equal(`NotFoundFault: Unknown dataset ID '${UNKNOWN}'`);
    expect(r.rows[3]!.access_url).to.equal(null);
    expect(r.rows[5]!.error_message).to.match(/^UsageFault: Unable to extract valid dataset ID from '\.\.\/\.\.\/etc\/passwd'/);
    // One descriptor per image, each taking ID from the row that names it, each with its own bounds.
    expect(r.rows[1]!.service_def).to.equal("cutout-1");
    expect(r.rows[7]!.service_def).to.equal("cutout-2");
    expect(r.text.match(/<PARAM name="ID" [^>]*ref="ID" value="">/g)).to.have.length(2);
    expect(r.text).to.match(/ID="cutout-2"[^]*?name="CIRCLE"[^]*?<MAX value="10 -5 /);
  });

  it("no ID: an empty table (§3.1.1); GET and POST, parameter names in any case", async function () {
    const empty = await links(linksUrl);
    expect(empty.status).to.equal(200);
    expect(empty.rows).to.deep.equal([]);
    const { id } = f.images.coadd;
    const post = await links(linksUrl, { method: "POST", body: new URLSearchParams([["iD", id]]) });
    const get = await links(`${linksUrl}?id=${encodeURIComponent(id)}`);
    expect(post.rows).to.deep.equal(get.rows);
    expect(post.rows).to.have.length(3);
    // An empty ID names no dataset: it is no ID, not a row whose ID (a non-null column, §3.2 table 1) is empty.
    expect((await links(`${linksUrl}?ID=`)).rows).to.deep.equal([]);
    expect((await links(`${linksUrl}?ID=%20&ID=${encodeURIComponent(id)}`)).rows).to.deep.equal(get.rows);
  });

  it("a method that {links} does not take: 405, its message starting with a DataLink fault label (§3.4)", async function () {
    const res = await fetch(linksUrl, { method: "PUT", body: "ID=x" });
    expect(res.status).to.equal(405);
    expect(await res.text()).to.match(/<INFO name="QUERY_STATUS" value="ERROR">UsageFault: Method PUT is not allowed on \/datalink\/links</);
  });

  it("RESPONSEFORMAT: votable and application/x-votable+xml give the standard output (§3.1.2); others a UsageFault", async function () {
    const { id } = f.images.coadd;
    const cases: [string, number, string][] = [
      ["votable", 200, "application/x-votable+xml"],
      ["application/x-votable+xml", 200, "application/x-votable+xml"],
      ["application/x-votable+xml;content=datalink", 200, "application/x-votable+xml;content=datalink"],
      ["application/x-votable+xml;serialization=TABLEDATA", 200, "application/x-votable+xml;serialization=TABLEDATA"],
      ["application/x-votable+xml;serialization=BINARY2", 400, ""],
      ["text/csv", 400, ""],
    ];
    for (const [format, status, type] of cases) {
      const r = await links(`${q(id)}&RESPONSEFORMAT=${encodeURIComponent(format)}`);
      expect(r.status, format).to.equal(status);
      if (status === 200) expect(r.type, format).to.equal(type);
      else expect(r.text, format).to.match(/<INFO name="QUERY_STATUS" value="ERROR">UsageFault: RESPONSEFORMAT/);
    }
  });

  it("hostile IDs are error rows, never a file read or a fetch: the server stays up", async function () {
    const hostile = [
      "/etc/passwd",
      "file:///etc/passwd",
      "http://127.0.0.1:1/x",
      "butler://test/../../etc/passwd",
      "ivo://qserv-tap.test/test?repo=../..&id=00000000-0000-4000-8000-000000000000",
      "ivo://qserv-tap.test/test?repo=test&id=%2e%2e%2f",
      "x".repeat(100_000),
      "\u0000\u0001<>&\"'",
      "",
    ];
    const r = await links(linksUrl, { method: "POST", body: new URLSearchParams(hostile.map((h): [string, string] => ["ID", h])) });
    expect(r.status).to.equal(200);
    // the empty ID is no ID (see "no ID" above): a row each for the others
    expect(r.rows).to.have.length(hostile.length - 1);
    for (const row of r.rows) expect(row.error_message).to.match(/^(UsageFault|NotFoundFault): /);
    expect(r.rows.find((x) => (x.ID as string).startsWith("xxx"))!.error_message).to.have.length.below(400);
    expect((await links(q(f.images.coadd.id))).rows).to.have.length(3);
  });

  it("more IDs than the service takes (500): the first 500, and QUERY_STATUS OVERFLOW (§3.1.1, DALI); not a 413 for many parameters", async function () {
    const ids = Array.from({ length: 2000 }, (_, i) => `bad-${i}`);
    const r = await links(linksUrl, { method: "POST", body: new URLSearchParams(ids.map((id): [string, string] => ["ID", id])) });
    expect(r.status).to.equal(200);
    expect(r.rows).to.have.length(500);
    expect(r.rows[499]!.ID).to.equal("bad-499");
    expect(r.text).to.contain('<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
  });

  it("a registry that cannot answer: a TransientFault row for that ID (503), the other IDs as usual; one that wants credentials: 401", async function () {
    const inner = f.registry;
    f.running.service.deps.images = {
      kind: "butler",
      resolve: async (id) => {
        if (id === UNKNOWN) throw new ImageServiceError("the Butler server at http://butler.example did not answer");
        return inner.resolve(id);
      },
      close: async () => {},
    };
    try {
      const r = await links(q(UNKNOWN, f.images.coadd.id));
      expect(r.rows.map((x) => x.semantics)).to.deep.equal(["#this", "#this", "#cutout", "#preview"]);
      expect(r.rows[0]!.error_message).to.equal("TransientFault: the Butler server at http://butler.example did not answer");
      // A Butler that wants credentials: the whole request is a 401 that says how to authenticate.
      f.running.service.deps.images = { kind: "butler", resolve: async () => Promise.reject(new ImageServiceError("the Butler server wants a token", 401)), close: async () => {} };
      const res = await fetch(q(f.images.coadd.id));
      expect(res.status).to.equal(401);
      expect(res.headers.get("www-authenticate")).to.match(/^Bearer/);
      expect(await res.text()).to.contain('<INFO name="QUERY_STATUS" value="ERROR">UsageFault: the Butler server wants a token</INFO>');
    } finally {
      f.running.service.deps.images = inner;
    }
  });

  it("STILTS datalinklint: 0 errors on the documents served for one ID, several IDs, an unknown ID and no ID", async function () {
    if (!hasTool("stilts")) throw new Error("stilts is required");
    const cases: [string, string][] = [
      ["one ID", q(f.images.coadd.id)],
      ["several IDs", q(f.images.coadd.id, f.images.rotated.id, f.images.pole.id, f.images.raw.id, UNKNOWN, "blah-blah")],
      ["an unknown ID", q(UNKNOWN)],
      ["no ID", linksUrl],
    ];
    const totals: string[] = [];
    for (const [what, url] of cases) {
      const lint = await datalinklint(url);
      expect(lint.errors, `${what}:\n${lint.report}`).to.equal(0);
      totals.push(`${what}: ${lint.errors} errors, ${lint.warnings} warnings${lint.report ? ` (${lint.report.replace(/\n/g, "; ")})` : ""}`);
    }
    console.log(`      datalinklint: ${totals.join("; ")}`);
  });

  it("the documents validate against the VOTable 1.4 schema, the capabilities and availability against VOSI's", async function () {
    const dir = mkdtempSync(join(tmpdir(), "datalink-xsd-"));
    try {
      const docs: [string, string][] = [
        ["one", q(f.images.coadd.id)],
        ["several", q(f.images.coadd.id, f.images.rotated.id, UNKNOWN, "blah")],
        ["none", linksUrl],
        ["around", `${f.base}/datalink/around?RA=10&DEC=-5&SIZE=0.001`],
        ["capabilities", `${f.base}/datalink/capabilities`],
        ["availability", `${f.base}/datalink/availability`],
      ];
      const files: string[] = [];
      for (const [name, url] of docs) {
        const res = await fetch(url);
        expect(res.status, name).to.equal(200);
        const file = join(dir, `${name}.xml`);
        writeFileSync(file, await res.text());
        files.push(file);
      }
      const { ok, output } = validateXml(files);
      expect(ok, output).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("capabilities declare the {links} endpoint as DataLink 1.1 §2.2 shows", async function () {
    const text = await (await fetch(`${f.base}/datalink/capabilities`)).text();
    expect(text).to.contain('<capability standardID="ivo://ivoa.net/std/DataLink#links-1.1">');
    expect(text).to.contain(`<accessURL use="base">${f.base}/datalink/links</accessURL>`);
  });

  describe("around: the images that hold a position, with a cutout around it", function () {
    it("a position in one image: its #cutout (SODA sync with ID and CIRCLE) and #this; the size defaults to 0.005°", async function () {
      const r = await links(`${f.base}/datalink/around?RA=10.001&DEC=-5.001`);
      expect(r.status).to.equal(200);
      const { id } = f.images.coadd;
      expect(r.rows.map((x) => [x.ID, x.semantics])).to.deep.equal([
        [id, "#cutout"],
        [id, "#this"],
      ]);
      expect(r.rows[0]!.access_url).to.equal(`${f.base}/soda/sync?ID=${encodeURIComponent(id)}&CIRCLE=10.001%20-5.001%200.005`);
    });

    it("across RA 0 (RA given as negative or beyond 360) and at the pole, the footprint is checked through the WCS", async function () {
      for (const ra of ["359.995", "-0.005"]) {
        const r = await links(`${f.base}/datalink/around?RA=${ra}&DEC=2&SIZE=0.001`);
        expect(r.rows.map((x) => x.ID), ra).to.deep.equal([f.images.rotated.id, f.images.rotated.id]);
      }
      const pole = await links(`${f.base}/datalink/around?RA=225&DEC=89.9995`);
      expect(pole.rows.map((x) => x.ID)).to.deep.equal([f.images.pole.id, f.images.pole.id]);
      // Inside the rotated image's covering circle but outside its footprint: a corner of the bounding box.
      const s = SPECS.rotated;
      const off = (Math.hypot(s.nx, s.ny) / 2) * (0.2 / 3600) * 0.98;
      const outside = await links(`${f.base}/datalink/around?RA=${s.ra + off * Math.SQRT1_2}&DEC=${s.dec + off * Math.SQRT1_2}`);
      expect(outside.rows).to.deep.equal([]);
    });

    it("a position in no image, or none given: an empty table", async function () {
      expect((await links(`${f.base}/datalink/around?RA=200&DEC=10`)).rows).to.deep.equal([]);
      expect((await links(`${f.base}/datalink/around`)).rows).to.deep.equal([]);
    });

    it("RA without DEC, or DEC without RA: a UsageFault saying that they go together and which is missing", async function () {
      const cases: [string, string][] = [
        ["RA=37.55", "UsageFault: RA and DEC must be given together: DEC is missing"],
        ["DEC=-38.9", "UsageFault: RA and DEC must be given together: RA is missing"],
        ["RA=37.55&SIZE=0.01", "UsageFault: RA and DEC must be given together: DEC is missing"],
      ];
      for (const [p, message] of cases) {
        const r = await links(`${f.base}/datalink/around?${p}`);
        expect(r.status, p).to.equal(400);
        expect(r.text, p).to.contain(`<INFO name="QUERY_STATUS" value="ERROR">${message}</INFO>`);
      }
    });

    it("bad positions and sizes are UsageFaults (400), named", async function () {
      const bad = ["RA=10", "RA=abc&DEC=1", "RA=NaN&DEC=1", "RA=10&DEC=91", "RA=1e400&DEC=1", "RA=10&DEC=-5&SIZE=0", "RA=10&DEC=-5&SIZE=2", "RA=1&RA=2&DEC=1"];
      for (const p of bad) {
        const r = await links(`${f.base}/datalink/around?${p}`);
        expect(r.status, p).to.equal(400);
        expect(r.text, p).to.match(/<INFO name="QUERY_STATUS" value="ERROR">UsageFault: /);
      }
    });
  });
});

describe("an ID that SIA finds resolves in DataLink and SODA in any case (SIA 2.0 §2.1.10: IVOIDs compare case-insensitively)", function () {
  this.timeout(240_000);
  let base: string;

  before(async function () {
    // The demo images in the local registry, with the ivoa.ObsCore that SIA queries.
    base = (await demoService()).service.deps.config.images.baseUrl;
  });

  it("gives the same links and the same cutout for the ID as SIA and ObsCore give it, and for other spellings of it", async function () {
    // SIA's answer is a VOTable, read as links() reads DataLink's.
    const sia = (params: Record<string, string>) => links(`${base}/sia/query?${new URLSearchParams(params)}`);
    const found = await sia({ DPTYPE: "image", MAXREC: "20" });
    expect(found.status, found.text).to.equal(200);
    const record = found.rows.find((r) => !String(r.dataproduct_subtype).endsWith("raw"));
    expect(record, "an image with cutouts").to.not.equal(undefined);
    const id = String(record!.obs_publisher_did);
    expect(id).to.match(/^ivo:\/\/[a-z0-9.-]+\/[a-z0-9]+\?repo=[a-z0-9]+&id=[0-9a-f-]{36}$/);
    const [authority, repo, uuid] = /^ivo:\/\/([^/]+)\/([^?]+)\?repo=[^&]+&id=(.+)$/.exec(id)!.slice(1) as [string, string, string];
    const circle = `${record!.s_ra} ${record!.s_dec} 0.002`;
    const linksOf = async (x: string) => {
      const r = await links(`${base}/datalink/links?ID=${encodeURIComponent(x)}`);
      expect(r.status, r.text).to.equal(200);
      return r;
    };
    const cutoutOf = async (x: string) => {
      const res = await fetch(`${base}/soda/sync?${new URLSearchParams({ ID: x, CIRCLE: circle })}`);
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status, `${x}: ${body.toString("utf8", 0, 300)}`).to.equal(200);
      return body;
    };
    const expected = await linksOf(id);
    expect(expected.rows.map((r) => r.semantics)).to.deep.equal(["#this", "#cutout", "#preview"]);
    const cutout = await cutoutOf(id);
    const spellings = [
      id.toUpperCase(),
      `IVO://${authority.toUpperCase()}/${repo}?repo=${repo}&id=${uuid.toUpperCase()}`,
      `ivo://${authority}/${repo.toUpperCase()}?REPO=${repo.toUpperCase()}&ID=${uuid}`,
      `Ivo://${authority}/${repo}?Repo=${repo[0]!.toUpperCase()}${repo.slice(1)}&Id=${uuid}`,
    ];
    for (const spelling of spellings) {
      // SIA's own answer: the same record (SIA 2.0 §2.1.10).
      expect((await sia({ ID: spelling })).rows.map((r) => r.obs_publisher_did), spelling).to.deep.equal([id]);
      // DataLink 1.1 §3.2.1: the ID column holds the input identifier; every other value is the canonical ID's.
      const got = await linksOf(spelling);
      expect(got.rows.map((r) => r.ID), spelling).to.deep.equal(expected.rows.map(() => spelling));
      const without = (rows: Record<string, unknown>[]) => rows.map(({ ID: _id, ...rest }) => rest);
      expect(without(got.rows), spelling).to.deep.equal(without(expected.rows));
      expect((await cutoutOf(spelling)).equals(cutout), `${spelling}: the same cutout`).to.equal(true);
    }
  });
});
