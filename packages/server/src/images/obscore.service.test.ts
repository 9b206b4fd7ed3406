/**
 * ivoa.ObsCore and the local registry in the running demo service: queryable through TAP (ObsCore 1.1 §4), with
 * ObsCore's metadata in TAP_SCHEMA, declared as the ObsCore 1.1 data model in TAPRegExt (ObsCore 1.1 §5) so that
 * STILTS taplint's OBS stage runs and reports no error; the registry table itself is not published.
 */
import { execFile } from "node:child_process";
import { expect } from "chai";
import { demoService, get, sync, type Running } from "../test-support/service.js";

function csv(text: string): string[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(","));
}

describe("ivoa.ObsCore in the demo service", function () {
  this.timeout(180_000);
  let running: Running;
  const q = async (query: string) => {
    const r = await sync(running.url, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "csv" });
    expect(r.status, r.text).to.equal(200);
    return csv(r.text);
  };

  before(async () => {
    running = await demoService();
  });

  it("has one row per registered demo image, with distinct IDs", async () => {
    const [[n, ids]] = (await q("SELECT COUNT(*), COUNT(DISTINCT obs_publisher_did) FROM ivoa.ObsCore")) as [[string, string]];
    expect(Number(n)).to.equal(24);
    expect(Number(ids)).to.equal(24);
  });

  it("finds the images that hold a chosen star by a cone on s_ra/s_dec (the pyvo chain's first step)", async () => {
    const [[id, ra, dec]] = (await q("SELECT TOP 1 obs_publisher_did, s_ra, s_dec FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.deep_coadd' AND ABS(s_dec) < 80 ORDER BY obs_id")) as [
      [string, string, string],
    ];
    const found = await q(
      `SELECT obs_publisher_did, lsst_band FROM ivoa.ObsCore WHERE 1 = CONTAINS(POINT('ICRS', s_ra, s_dec), CIRCLE('ICRS', ${ra}, ${dec}, 0.001)) ORDER BY lsst_band`,
    );
    expect(found.map((r) => r[0])).to.include(id);
    // Coadds in g and r of the same star, and the visits of its cell when it has some.
    expect(new Set(found.map((r) => r[1]))).to.deep.equal(new Set(["g", "r"]));
    // The registry resolves the row's ID to a dataset whose ranges are the row's.
    const d = await running.service.deps.images!.resolve(id, {});
    const [[emMin, tMin]] = (await q(`SELECT em_min, t_min FROM ivoa.ObsCore WHERE obs_publisher_did = '${id}'`)) as [[string, string]];
    expect([d!.em?.[0], d!.t?.[0]]).to.deep.equal([Number(emMin), Number(tMin)]);
  });

  const metadata: [string, string, string, string][] = [
    // ObsCore 1.1 Appendix C (utypes with their obscore: prefix), and Rubin's columns.
    ["access_estsize", "kbyte", "phys.size;meta.file", "obscore:Access.size"],
    ["pol_states", "", "meta.code;phys.polarization", "obscore:Char.PolarizationAxis.stateList"],
    ["s_region", "", "pos.outline;obs.field", "obscore:Char.SpatialAxis.Coverage.Support.Area"],
    ["t_min", "d", "time.start;obs.exposure", "obscore:Char.TimeAxis.Coverage.Bounds.Limits.StartTime"],
    ["lsst_visit", "", "meta.id;obs", ""],
  ];
  for (const [column, unit, ucd, utype] of metadata) {
    it(`describes ${column} in TAP_SCHEMA.columns (unit, UCD, utype)`, async () => {
      const rows = await q(`SELECT unit, ucd, utype FROM TAP_SCHEMA.columns WHERE table_name = 'ivoa.ObsCore' AND column_name = '${column}'`);
      expect(rows).to.deep.equal([[unit, ucd, utype]]);
    });
  }

  it("describes s_region as a DALI shape (char, arraysize *, xtype shape; DALI 1.2) and publishes none of its storage columns", async () => {
    expect(await q("SELECT datatype, arraysize, xtype FROM TAP_SCHEMA.columns WHERE table_name = 'ivoa.ObsCore' AND column_name = 's_region'")).to.deep.equal([
      ["char", "*", "shape"],
    ]);
    expect(await q("SELECT column_name FROM TAP_SCHEMA.columns WHERE table_name = 'ivoa.ObsCore' AND column_name LIKE 's_region_%'")).to.deep.equal([]);
    const vosi = await get(`${running.url}/tables/ivoa.ObsCore`);
    expect(vosi.text).to.include("<name>s_region</name>");
    expect(vosi.text).to.not.include("s_region_");
    const star = await sync(running.url, { LANG: "ADQL", QUERY: "SELECT TOP 1 * FROM ivoa.ObsCore", RESPONSEFORMAT: "csv" });
    const header = star.text.split(/\r?\n/)[0]!.split(",");
    expect(header).to.include("s_region");
    expect(header.filter((h) => h.startsWith("s_region_"))).to.deep.equal([]);
    // In a VOTable, s_region is the stored DALI shape with its xtype.
    const vot = await sync(running.url, { LANG: "ADQL", QUERY: "SELECT TOP 1 s_region FROM ivoa.ObsCore", RESPONSEFORMAT: "votable/td" });
    expect(vot.text).to.match(/<FIELD [^>]*name="s_region"[^>]*>/);
    const field = /<FIELD [^>]*name="s_region"[^>]*>/.exec(vot.text)![0];
    expect(field).to.include('datatype="char"').and.include('xtype="shape"');
    expect(vot.text).to.match(/<TD>polygon( -?[\d.]+){8,}<\/TD>/);
  });

  it("does not publish the registry table (TAP_SCHEMA has no images schema, ADQL cannot name it)", async () => {
    expect(await q("SELECT table_name FROM TAP_SCHEMA.tables WHERE schema_name = 'images'")).to.deep.equal([]);
    const r = await sync(running.url, { LANG: "ADQL", QUERY: "SELECT path FROM images.datasets", RESPONSEFORMAT: "csv" });
    expect(r.status).to.equal(400);
  });

  it("declares the ObsCore 1.1 data model in its TAPRegExt capabilities (ObsCore 1.1 §5), once", async () => {
    const r = await get(`${running.url}/capabilities`);
    const models = r.text.match(/<dataModel [^>]*>[^<]*<\/dataModel>/g);
    expect(models).to.deep.equal([`<dataModel ivo-id="ivo://ivoa.net/std/ObsCore#core-1.1">ObsCore-1.1</dataModel>`]);
  });

  it("passes STILTS taplint's OBS stage (and CAP, TME) with 0 errors", async () => {
    // Not spawnSync: the service answering taplint runs in this process.
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile("stilts", ["taplint", `tapurl=${running.url}`, "stages=CAP TME OBS", "report=EWS", "maxrepeat=3"], { timeout: 150_000 }, (error, stdout, stderr) =>
        error && !stdout ? reject(new Error(`stilts: ${error.message}\n${stderr}`)) : resolve({ stdout, stderr }),
      );
    });
    const m = /Totals: Errors: (\d+); Warnings: (\d+)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).to.not.equal(null);
    expect(Number(m![1]), r.stdout).to.equal(0);
    const obs = r.stdout.slice(r.stdout.indexOf("Section OBS"));
    expect(obs, obs).to.not.match(/^[EW]-OBS/m);
    console.log(`      taplint CAP TME OBS: ${m![1]} errors, ${m![2]} warnings (none in OBS)`);
    for (const line of obs.split("\n").filter((l) => /^S-OBS-/.test(l)).slice(0, 12)) console.log(`      ${line}`);
  });
});
