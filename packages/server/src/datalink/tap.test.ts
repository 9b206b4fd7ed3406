/**
 * Service descriptors in TAP results (DataLink 1.1 §4, SODA 1.0 §4.2): which results carry them, the FIELD IDs
 * they reference, schema validity in every VOTable serialization, results without them unchanged byte for byte,
 * and pyvo 1.2.1 following them (iter_datalinks, bysemantics, the around service).
 */
import { expect } from "chai";
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { sync, validateXml } from "../test-support/service.js";
import { startFixture, type Fixture } from "./test-support/fixture.js";

const run = promisify(execFile);
const VOCABULARY = fileURLToPath(new URL("../../../../../shared/ivoa/vocabularies/datalink-core.desise", import.meta.url));
const PYVO_SCRIPT = fileURLToPath(new URL("./test-support/pyvo_datalink.py", import.meta.url));

const query = (tap: string, adql: string, format = "votable/td") => sync(tap, { LANG: "ADQL", QUERY: adql, RESPONSEFORMAT: format });
/** REQUEST_TIME differs between two runs of a query; nothing else may. */
const timeless = (text: string) => text.replace(/<INFO name="REQUEST_TIME" value="[^"]*"/, '<INFO name="REQUEST_TIME" value=""');
const metaResources = (text: string) => text.match(/<RESOURCE type="meta"[^>]*>[^]*?\n<\/RESOURCE>/g) ?? [];

describe("service descriptors in TAP results", function () {
  this.timeout(180_000);
  let f: Fixture;
  let tap: string;

  before(async function () {
    f = await startFixture({ demo: true });
    tap = f.running.url;
  });
  after(async () => {
    await f?.close();
  });

  it("a result with ivoa.ObsCore.obs_publisher_did: the {links} and SODA descriptors, ID ref'd to that column's FIELD ID", async function () {
    const r = await query(tap, "SELECT obs_publisher_did, s_ra, s_dec FROM ivoa.ObsCore");
    expect(r.status).to.equal(200);
    expect(r.text).to.contain('<FIELD name="obs_publisher_did" ID="obs_publisher_did" datatype="char"');
    const [links, soda, ...rest] = metaResources(r.text);
    expect(rest).to.deep.equal([]);
    expect(links).to.contain('<PARAM name="standardID" datatype="char" arraysize="*" value="ivo://ivoa.net/std/DataLink#links-1.1"/>');
    expect(links).to.contain(`<PARAM name="accessURL" datatype="char" arraysize="*" ucd="meta.ref.url" value="${f.base}/datalink/links"/>`);
    expect(links).to.match(/<GROUP name="inputParams">\n<PARAM name="ID" datatype="char" arraysize="\*" ucd="meta.id;meta.main" ref="obs_publisher_did" value="">/);
    expect(soda).to.contain('value="ivo://ivoa.net/std/SODA#sync-1.0"');
    expect(soda).to.match(/<PARAM name="ID" [^>]*ref="obs_publisher_did" value="">/);
    // A generic descriptor (SODA 1.0 §4.2): no dataset's bounds.
    expect(soda).not.to.contain("<VALUES>\n<MAX");
  });

  it("the column's alias names the FIELD ID; a qualified or joined table is found through its alias", async function () {
    const r = await query(tap, "SELECT o.obs_publisher_did AS \"the did\", o.s_ra FROM ivoa.ObsCore AS o");
    expect(r.text).to.contain('<FIELD name="the did" ID="the_did"');
    expect(metaResources(r.text)[0]).to.contain('ref="the_did"');
  });

  const none: [string, string][] = [
    ["a constant named obs_publisher_did", "SELECT 'x' AS obs_publisher_did FROM ivoa.ObsCore"],
    ["an expression of it", "SELECT LOWER(obs_publisher_did) AS obs_publisher_did FROM ivoa.ObsCore"],
    ["a set operation", "SELECT obs_publisher_did FROM ivoa.ObsCore UNION SELECT obs_publisher_did FROM ivoa.ObsCore"],
    ["a subquery's column", "SELECT t.obs_publisher_did FROM (SELECT obs_publisher_did FROM ivoa.ObsCore) AS t"],
    ["ObsCore's own s_ra, s_dec", "SELECT s_ra, s_dec FROM ivoa.ObsCore"],
    ["ra without dec", "SELECT TOP 3 star_id, ra FROM demo.stars"],
    ["ra and dec of different rows of a self-join", "SELECT TOP 3 a.ra, b.dec FROM demo.stars AS a JOIN demo.stars AS b ON a.star_id = b.star_id + 1"],
  ];
  for (const [why, adql] of none) {
    it(`no descriptor for ${why}`, async function () {
      const r = await query(tap, adql);
      expect(r.status, r.text).to.equal(200);
      expect(metaResources(r.text)).to.deep.equal([]);
      expect(r.text).not.to.match(/<FIELD [^>]*ID=/);
    });
  }

  it("a result with a catalog's position columns (demo.stars' qserv:ra_column/dec_column): the around descriptor, RA and DEC ref'd", async function () {
    for (const adql of [
      "SELECT TOP 3 star_id, ra, dec FROM demo.stars",
      "SELECT TOP 3 s.dec AS d, s.ra AS r, d.band FROM demo.stars AS s JOIN demo.detections AS d ON d.star_id = s.star_id",
    ]) {
      const r = await query(tap, adql);
      const [around, ...rest] = metaResources(r.text);
      expect(rest, adql).to.deep.equal([]);
      expect(around, adql).to.contain('<RESOURCE type="meta" name="cutout-around" utype="adhoc:service">');
      expect(around).to.contain(`value="${f.base}/datalink/around"`);
      const ra = /<PARAM name="RA" [^>]*ref="([^"]+)"/.exec(around!)![1]!;
      const dec = /<PARAM name="DEC" [^>]*ref="([^"]+)"/.exec(around!)![1]!;
      expect(r.text).to.match(new RegExp(`<FIELD name="(ra|r)" ID="${ra}"`));
      expect(r.text).to.match(new RegExp(`<FIELD name="(dec|d)" ID="${dec}"`));
      expect(around).to.match(/<PARAM name="SIZE" datatype="double" unit="deg" ucd="phys.angSize" value="0.005">/);
    }
  });

  it("every VOTable serialization with descriptors validates against the VOTable 1.4 schema; CSV and TSV carry none", async function () {
    const dir = mkdtempSync(join(tmpdir(), "tap-descriptors-"));
    try {
      const files: string[] = [];
      for (const format of ["votable/td", "votable/b", "votable/b2"]) {
        for (const [i, adql] of ["SELECT obs_publisher_did, s_fov FROM ivoa.ObsCore", "SELECT TOP 5 ra, dec, star_id FROM demo.stars"].entries()) {
          const r = await query(tap, adql, format);
          expect(metaResources(r.text), `${format} ${adql}`).to.not.deep.equal([]);
          const file = join(dir, `${format.replace("/", "-")}-${i}.xml`);
          writeFileSync(file, r.body);
          files.push(file);
        }
      }
      const { ok, output } = validateXml(files);
      expect(ok, output).to.equal(true);
      for (const format of ["csv", "tsv"]) {
        const r = await query(tap, "SELECT obs_publisher_did FROM ivoa.ObsCore", format);
        expect(r.text).not.to.contain("RESOURCE");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("results without descriptors are byte for byte what they are with the image service off; with them, only FIELD IDs and the trailing RESOURCEs differ", async function () {
    const deps = f.running.service.deps;
    const images = deps.images;
    const cases: [string, string][] = [
      ["votable/td", "SELECT TOP 20 star_id, g_mag, designation FROM demo.stars ORDER BY star_id"],
      ["votable/b2", "SELECT TOP 20 star_id, g_mag FROM demo.stars ORDER BY star_id"],
      ["votable/b", "SELECT TOP 20 star_id, ra FROM demo.stars ORDER BY star_id"],
      ["csv", "SELECT TOP 20 star_id, ra, dec FROM demo.stars ORDER BY star_id"],
      ["votable/td", "SELECT TOP 20 star_id, ra, dec FROM demo.stars ORDER BY star_id"],
      ["votable/b2", "SELECT obs_publisher_did, s_ra FROM ivoa.ObsCore ORDER BY obs_publisher_did"],
    ];
    for (const [format, adql] of cases) {
      const on = await query(tap, adql, format);
      deps.images = undefined;
      let off;
      try {
        off = await query(tap, adql, format);
      } finally {
        deps.images = images;
      }
      expect(metaResources(off.text)).to.deep.equal([]);
      const stripped = timeless(on.text)
        .replace(/(<FIELD name="[^"]*") ID="[^"]*"/g, "$1")
        .replace(/<RESOURCE type="meta"[^]*<\/RESOURCE>\n(?=<\/VOTABLE>)/, "");
      expect(stripped, `${format} ${adql}`).to.equal(timeless(off.text));
      if (metaResources(on.text).length === 0) expect(timeless(on.text)).to.equal(timeless(off.text));
    }
  });

  it("pyvo 1.2.1: iter_datalinks() on an ObsCore result finds each image's #cutout descriptor, processed(circle=…) cuts, from the {links} descriptor and from the TAP result's own; the around descriptor gives a ready cutout", async function () {
    const cache = mkdtempSync(join(tmpdir(), "pyvo-cache-"));
    try {
      // ../shared/ivoa/vocabularies/README.md: seed astropy's cache so that bysemantics() works offline.
      mkdirSync(join(cache, "astropy"));
      const env = { ...process.env, XDG_CACHE_HOME: cache };
      execFileSync("/usr/bin/python3", ["-c", `from astropy.utils.data import import_file_to_cache as i; i("http://www.ivoa.net/rdf/datalink/core", ${JSON.stringify(VOCABULARY)})`], { env });
      const { stdout } = await run("/usr/bin/python3", [PYVO_SCRIPT, tap, String(f.star!.starId), f.star!.image.id], { env, maxBuffer: 16 * 1024 * 1024 });
      const out = JSON.parse(stdout) as {
        obscore: string | { links: { accessURL: string; inputs: Record<string, { ref: string }> }; soda: { accessURL: string }; rows: { did: string; ids: string[]; cutouts: number; this: string[]; previews: number; descriptor: { accessURL: string; standardID: string; inputs: string[] } | null; cut: number[] | null }[] };
        around: string | { params: Record<string, string>; cutouts: { ID: string; access_url: string }[]; this: string[] };
        tap_processed: string | number[];
      };
      if (typeof out.obscore === "string") throw new Error(out.obscore);
      if (typeof out.around === "string") throw new Error(out.around);
      if (typeof out.tap_processed === "string") throw new Error(out.tap_processed);
      // record.processed(circle=…) on the TAP result's own generic SODA descriptor.
      expect(out.tap_processed).to.have.length(2);
      for (const n of out.tap_processed) expect(n).to.be.within(30, 40);
      expect(out.obscore.links.accessURL).to.equal(`${f.base}/datalink/links`);
      expect(out.obscore.links.inputs.ID!.ref).to.equal("obs_publisher_did");
      expect(out.obscore.soda.accessURL).to.equal(`${f.base}/soda/sync`);
      const rows = out.obscore.rows;
      expect(rows).to.have.length(5);
      for (const row of rows) {
        expect(row.ids).to.deep.equal([row.did]);
        expect(row.this).to.deep.equal([`${f.base}/images/files/${encodeURIComponent(row.did)}`]);
        const raw = row.did === f.images.raw.id;
        expect(row.cutouts, row.did).to.equal(raw ? 0 : 1);
        // bysemantics("#preview") with its narrower terms, from the offline vocabulary.
        expect(row.previews, row.did).to.equal(raw ? 0 : 1);
        if (!raw) {
          expect(row.descriptor!.accessURL).to.equal(`${f.base}/soda/sync`);
          expect(row.descriptor!.standardID).to.equal("ivo://ivoa.net/std/SODA#sync-1.0");
          expect(row.descriptor!.inputs).to.include.members(["ID", "CIRCLE", "POLYGON", "POS", "BAND", "TIME", "CUTOUTDETAIL"]);
          // processed(circle=…) through the descriptor: a 0.001° circle of 0.2″ pixels is about 36 pixels across.
          expect(row.cut, row.did).to.have.length(2);
          for (const n of row.cut!) expect(n, row.did).to.be.within(30, 40);
        }
      }
      const star = f.star!;
      expect(Number(out.around.params.RA)).to.equal(star.ra);
      expect(Number(out.around.params.DEC)).to.equal(star.dec);
      expect(out.around.cutouts).to.deep.equal([
        { ID: star.image.id, access_url: `${f.base}/soda/sync?ID=${encodeURIComponent(star.image.id)}&CIRCLE=${encodeURIComponent(`${star.ra} ${star.dec} 0.001`)}` },
      ]);
      expect(out.around.this).to.deep.equal([`${f.base}/images/files/${encodeURIComponent(star.image.id)}`]);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
