/**
 * SIA 2.0 over HTTP on the demo service: /sia/query (GET and POST, DALI-sync) answers the rows of ivoa.ObsCore that
 * the equivalent TAP query answers, for each parameter, repeats and combinations (SIA 2.0 §2.1); MAXREC and overflow
 * as TAP's sync path (DALI 1.2 §4.4.1, §5.4.1); the ObsCore VOTable with the DataLink service descriptors; errors as
 * DALI VOTable error documents whose message starts with SIA 2.0 §3.2's fault label; /sia/capabilities (valid against
 * the VOSI and VODataService schemas, with ivo://ivoa.net/std/SIA#query-2.0) and /sia/availability (SIA 2.0 §2.2,
 * §2.3); a service without ivoa.ObsCore, which says so; and Rubin's ObsCore table loaded into MariaDB (`tap-server
 * load`, s_region as STC-S), where POS finds footprints at RA 0, at the poles and tiny ones, and POL (Rubin's table
 * has no pol_states) matches nothing.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFelis } from "../compiler-extras.js";
import { configFrom } from "../config.js";
import { loadCommand } from "../load.js";
import { demoService, get, privateMariaDb, startService, sync, validateXml, type Running } from "../test-support/service.js";
import type { MariaDbServer } from "../../../adql-compiler/src/test-support/mariadb.js";
import { SIA_QUERY_ID } from "./sia.js";

type Params = [string, string][];

/** RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks): a header and rows. */
function csv(text: string): { header: string[]; rows: string[][] } {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      field = "";
      record = [];
    } else field += c;
  }
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return { header: records[0] ?? [], rows: records.slice(1) };
}

/** The root of the service (where /sia hangs): the TAP base URL without its /tap. */
const rootOf = (tapUrl: string) => tapUrl.replace(/\/tap$/, "");

async function sia(running: Running, params: Params, method: "GET" | "POST" = "GET") {
  const body = new URLSearchParams(params);
  const url = `${rootOf(running.url)}/sia/query`;
  const res =
    method === "GET" ? await fetch(`${url}?${body}`) : await fetch(url, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: buf, text: buf.toString("utf8") };
}

/** The obs_publisher_did of the rows of an SIA query. */
async function siaIds(running: Running, params: Params, method: "GET" | "POST" = "GET"): Promise<string[]> {
  const r = await sia(running, [...params, ["RESPONSEFORMAT", "csv"]], method);
  expect(r.status, r.text).to.equal(200);
  const { header, rows } = csv(r.text);
  const i = header.indexOf("obs_publisher_did");
  expect(i, header.join(",")).to.be.at.least(0);
  return rows.map((row) => row[i]!).sort();
}

async function tapIds(running: Running, where: string): Promise<string[]> {
  const r = await sync(running.url, { LANG: "ADQL", QUERY: `SELECT obs_publisher_did FROM ivoa.ObsCore${where ? ` WHERE ${where}` : ""}`, RESPONSEFORMAT: "csv" });
  expect(r.status, r.text).to.equal(200);
  return csv(r.text)
    .rows.map((row) => row[0]!)
    .sort();
}

function errorMessage(text: string): string {
  const m = /<INFO name="QUERY_STATUS" value="ERROR">([\s\S]*?)<\/INFO>/.exec(text);
  expect(m, text).to.not.equal(null);
  return m![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
}

describe("SIA 2.0 /sia (routes/sia)", function () {
  this.timeout(120_000);
  let running: Running;
  /** A coadd row and its values, read through TAP. */
  let row: Record<string, string>;

  before(async () => {
    running = await demoService();
    const r = await sync(running.url, {
      LANG: "ADQL",
      QUERY: "SELECT TOP 1 obs_publisher_did, s_ra, s_dec, t_min, t_max, em_min, em_max FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.deep_coadd' AND ABS(s_dec) < 60 AND s_ra BETWEEN 10 AND 350 ORDER BY obs_publisher_did",
      RESPONSEFORMAT: "csv",
    });
    const { header, rows } = csv(r.text);
    row = Object.fromEntries(header.map((h, i) => [h, rows[0]![i]!]));
  });

  // [name, SIA parameters, the equivalent ADQL condition]: the same rows (SIA 2.0 §2.1's mapping to ObsCore).
  const equivalent: [string, () => Params, () => string][] = [
    ["no constraint: every row", () => [], () => ""],
    ["CALIB", () => [["CALIB", "3"]], () => "calib_level = 3"],
    ["CALIB repeated: OR", () => [["CALIB", "2"], ["CALIB", "3"]], () => "calib_level IN (2, 3)"],
    ["lower-case names (DALI 1.2 §4.1)", () => [["calib", "2"], ["Dptype", "image"]], () => "calib_level = 2 AND dataproduct_type = 'image'"],
    ["DPTYPE and CALIB: AND", () => [["DPTYPE", "image"], ["CALIB", "2"]], () => "dataproduct_type = 'image' AND calib_level = 2"],
    ["BAND scalar in the r band", () => [["BAND", "6e-7"]], () => "em_min <= 6e-7 AND em_max >= 6e-7"],
    ["BAND interval", () => [["BAND", "4e-7 4.5e-7"]], () => "em_min <= 4.5e-7 AND em_max >= 4e-7"],
    ["BAND open end", () => [["BAND", "-Inf 4.1e-7"]], () => "em_min <= 4.1e-7"],
    ["BAND touching a bound (bounds included)", () => [["BAND", "6.91e-7 7e-7"]], () => "em_max >= 6.91e-7 AND em_min <= 7e-7"],
    ["TIME: an instant in one visit", () => [["TIME", "60412.2001"]], () => "t_min <= 60412.2001 AND t_max >= 60412.2001"],
    ["TIME open end", () => [["TIME", "60807 +Inf"]], () => "t_max >= 60807"],
    ["FOV either small or large", () => [["FOV", "-Inf 0.0314"], ["FOV", "1 +Inf"]], () => "s_fov <= 0.0314 OR s_fov >= 1"],
    ["SPATRES", () => [["SPATRES", "0.85 +Inf"]], () => "s_resolution >= 0.85"],
    ["EXPTIME", () => [["EXPTIME", "0 60"]], () => "t_exptime BETWEEN 0 AND 60"],
    ["SPECRP", () => [["SPECRP", "4 5"]], () => "em_res_power BETWEEN 4 AND 5"],
    ["TIMERES: unknown everywhere, so nothing (SIA 2.0 §2.1: a NULL fails)", () => [["TIMERES", "-Inf +Inf"]], () => "t_resolution IS NOT NULL"],
    ["POL: unknown everywhere", () => [["POL", "I"]], () => "pol_states LIKE '%/I/%'"],
    ["ID, in another case (IVOIDs compare case-insensitively)", () => [["ID", row.obs_publisher_did!.toUpperCase()]], () => `obs_publisher_did = '${row.obs_publisher_did}'`],
    ["ID repeated", () => [["ID", row.obs_publisher_did!], ["ID", "ivo://nowhere/none"]], () => `obs_publisher_did = '${row.obs_publisher_did}'`],
    ["COLLECTION", () => [["COLLECTION", "LSST.demo"]], () => "obs_collection = 'LSST.demo'"],
    ["COLLECTION is case-sensitive", () => [["COLLECTION", "lsst.demo"]], () => "obs_collection = 'lsst.demo'"],
    ["FACILITY", () => [["FACILITY", "Rubin:Simonyi (demo)"]], () => "facility_name = 'Rubin:Simonyi (demo)'"],
    ["INSTRUMENT", () => [["INSTRUMENT", "LSSTCam (demo)"]], () => "instrument_name = 'LSSTCam (demo)'"],
    ["TARGET", () => [["TARGET", "nothing"]], () => "target_name = 'nothing'"],
    ["FORMAT is access_format", () => [["FORMAT", "application/fits"]], () => "access_format = 'application/fits'"],
    ["an unknown parameter is ignored", () => [["CALIB", "3"], ["NOSUCH", "x"]], () => "calib_level = 3"],
    // POS (SIA 2.0 §2.1.1): INTERSECTS of the shape with s_region.
    ["POS CIRCLE around a coadd", () => [["POS", `CIRCLE ${row.s_ra} ${row.s_dec} 0.01`]], () => `INTERSECTS(CIRCLE('ICRS', ${row.s_ra}, ${row.s_dec}, 0.01), s_region) = 1`],
    [
      "POS RANGE across RA 0 finds the images at RA 359.997",
      () => [["POS", "RANGE 359.9 0.1 -16 -15"]],
      () => "s_dec BETWEEN -16 AND -15 AND (s_ra >= 359.9 OR s_ra <= 0.1)",
    ],
    ["POS RANGE around the north pole", () => [["POS", "RANGE 0 360 89.5 +Inf"]], () => "s_dec > 85"],
    ["POS RANGE around the south pole", () => [["POS", "RANGE -Inf +Inf -Inf -89.5"]], () => "s_dec < -85"],
    ["POS RANGE the whole sky (lower-case name)", () => [["pos", "RANGE -Inf +Inf -Inf +Inf"]], () => "s_region IS NOT NULL"],
    [
      "POS POLYGON, repeated with a CIRCLE",
      () => [
        ["POS", `POLYGON ${+row.s_ra! - 0.01} ${+row.s_dec! - 0.01} ${+row.s_ra! + 0.01} ${+row.s_dec! - 0.01} ${row.s_ra} ${+row.s_dec! + 0.01}`],
        ["POS", "CIRCLE 268.5 -43.37 0.1"],
      ],
      () => `(s_ra = ${row.s_ra} AND s_dec = ${row.s_dec}) OR DISTANCE(POINT('ICRS', s_ra, s_dec), POINT('ICRS', 268.5, -43.37)) < 0.2`,
    ],
  ];
  for (const [name, params, where] of equivalent) {
    it(`${name}: the rows of the equivalent TAP query`, async () => {
      const expected = await tapIds(running, where());
      expect(await siaIds(running, params())).to.deep.equal(expected);
    });
  }

  it("answers POST as GET", async () => {
    const params: Params = [["CALIB", "2"], ["BAND", "6e-7"]];
    const ids = await siaIds(running, params, "GET");
    expect(ids.length).to.be.greaterThan(0);
    expect(await siaIds(running, params, "POST")).to.deep.equal(ids);
  });

  it("answers the ObsCore VOTable (BINARY2 by default) with the DataLink service descriptors", async () => {
    const r = await sia(running, [["ID", row.obs_publisher_did!]]);
    expect(r.status).to.equal(200);
    expect(r.type).to.equal("application/x-votable+xml;serialization=BINARY2");
    expect(r.text).to.contain('<INFO name="QUERY_STATUS" value="OK"/>');
    expect(r.text).to.match(/<FIELD name="obs_publisher_did"[^>]* ID="[^"]+"/);
    for (const name of ["dataproduct_type", "calib_level", "s_region", "t_min", "em_max", "access_url", "access_format"]) expect(r.text).to.contain(`<FIELD name="${name}"`);
    expect(r.text).to.match(/<RESOURCE type="meta" name="links" utype="adhoc:service">/);
    expect(r.text).to.contain("ivo://ivoa.net/std/DataLink#links-1.1");
    // SIA 2.0 §3.1.2: the query service describes itself; DALI 1.2 §5.4.3: the standardID INFO.
    expect(r.text).to.contain('<INFO name="standardID" value="ivo://ivoa.net/std/SIA"/>');
    const self = /<RESOURCE type="meta" name="this" utype="adhoc:service">[\s\S]*?<\/RESOURCE>/.exec(r.text)?.[0] ?? "";
    expect(self).to.contain(`value="${SIA_QUERY_ID}"`);
    expect(self).to.contain(`value="${rootOf(running.url)}/sia/query"`);
    for (const name of ["POS", "BAND", "TIME", "POL", "FOV", "SPATRES", "EXPTIME", "ID", "COLLECTION", "FACILITY", "INSTRUMENT", "DPTYPE", "CALIB", "TARGET", "TIMERES", "SPECRP", "FORMAT", "MAXREC"]) {
      expect(self).to.contain(`<PARAM name="${name}"`);
    }
  });

  it("writes VOTables valid against the VOTable 1.4 schema (a result, MAXREC=0, an error)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sia-votable-"));
    try {
      const files: string[] = [];
      const docs: [string, Params][] = [
        ["result", [["CALIB", "3"], ["RESPONSEFORMAT", "votable/td"]]],
        ["metadata", [["MAXREC", "0"]]],
        ["error", [["BAND", "red"]]],
      ];
      for (const [name, params] of docs) {
        const f = join(dir, `${name}.xml`);
        writeFileSync(f, (await sia(running, params)).body);
        files.push(f);
      }
      const v = validateXml(files);
      expect(v.ok, v.output).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("adds nothing of its own to CSV", async () => {
    const r = await sia(running, [["CALIB", "3"], ["RESPONSEFORMAT", "csv"]]);
    expect(r.text).to.not.contain("standardID");
  });

  const formats: [string, RegExp][] = [
    ["votable/td", /^application\/x-votable\+xml;serialization=TABLEDATA/],
    ["application/x-votable+xml", /^application\/x-votable\+xml/],
    ["csv", /^text\/csv/],
    ["tsv", /^text\/tab-separated-values/],
    ["parquet", /^application\/vnd\.apache\.parquet/],
  ];
  for (const [format, type] of formats) {
    it(`answers RESPONSEFORMAT=${format} as TAP does (DALI 1.2 §4.2.3)`, async () => {
      const r = await sia(running, [["CALIB", "3"], ["RESPONSEFORMAT", format]]);
      expect(r.status, r.text).to.equal(200);
      expect(r.type).to.match(type);
    });
  }

  it("cuts at MAXREC with an OVERFLOW status, and MAXREC=0 gives the metadata only (SIA 2.0 §2.1.19)", async () => {
    const td = (n: string) => sia(running, [["MAXREC", n], ["RESPONSEFORMAT", "votable/td"]]);
    const two = await td("2");
    expect(two.status).to.equal(200);
    expect(two.text.match(/<TR>/g)).to.have.length(2);
    expect(two.text).to.contain('<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
    const none = await td("0");
    expect(none.status).to.equal(200);
    expect(none.text).to.not.contain("<TR>");
    expect(none.text).to.contain('<FIELD name="obs_publisher_did"');
    expect(none.text).to.contain('<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
    const all = await td("1000");
    expect(all.text).to.not.contain("OVERFLOW");
  });

  // DALI 1.2 §4.5 and SIA 2.0 §3.2: a VOTable error document, 400 for the client's mistake, "UsageFault: " first.
  const refused: [string, Params, RegExp][] = [
    ["a POS that is no shape", [["POS", "BOX 1 2 3 4"]], /^UsageFault: POS: "BOX 1 2 3 4" does not start with a shape/],
    ["a CIRCLE off the sky", [["POS", "CIRCLE 12 95 1"]], /^UsageFault: POS: CIRCLE latitude 95 is not in \[-90, 90\]/],
    ["a BAND that is not a number", [["BAND", "red"]], /^UsageFault: BAND: "red" is not a number$/],
    ["an empty TIME interval", [["TIME", "2 1"]], /^UsageFault: TIME: the interval 2 1 is empty/],
    ["an ISO TIME (SIA 2.0 takes MJD)", [["TIME", "2024-01-01"]], /^UsageFault: TIME: "2024-01-01" is not a number$/],
    ["an unknown POL state", [["POL", "W"]], /^UsageFault: POL: "W" is not a polarization state/],
    ["a CALIB that is no integer", [["CALIB", "two"]], /^UsageFault: CALIB: "two" is not an integer/],
    ["a bad MAXREC", [["MAXREC", "-1"]], /^UsageFault: MAXREC must be a non-negative integer/],
    ["an unknown RESPONSEFORMAT", [["RESPONSEFORMAT", "pdf"]], /^UsageFault: Unsupported RESPONSEFORMAT pdf/],
    ["two RESPONSEFORMATs (single-valued, DALI 1.2 §4.1)", [["RESPONSEFORMAT", "csv"], ["RESPONSEFORMAT", "tsv"]], /^UsageFault: Parameter RESPONSEFORMAT was given more than once/],
  ];
  for (const [name, params, message] of refused) {
    it(`refuses ${name}: 400 with a VOTable error naming the parameter`, async () => {
      for (const method of ["GET", "POST"] as const) {
        const r = await sia(running, params, method);
        expect(r.status, r.text).to.equal(400);
        expect(r.type).to.match(/^application\/x-votable\+xml/);
        expect(errorMessage(r.text)).to.match(message);
      }
    });
  }

  it("answers /sia/availability (VOSI 1.1) from the database", async () => {
    const r = await get(`${rootOf(running.url)}/sia/availability`);
    expect(r.status).to.equal(200);
    expect(r.text).to.contain("<vosi:available>true</vosi:available>");
  });

  it("declares /sia/query as ivo://ivoa.net/std/SIA#query-2.0 in /sia/capabilities, valid against the XSDs (SIA 2.0 §2.3)", async () => {
    const r = await get(`${rootOf(running.url)}/sia/capabilities`);
    expect(r.status).to.equal(200);
    expect(r.type).to.match(/^text\/xml/);
    const root = rootOf(running.url);
    expect(r.text).to.contain(`<capability standardID="${SIA_QUERY_ID}">`);
    expect(r.text).to.contain(`<accessURL use="base">${root}/sia/query</accessURL>`);
    expect(r.text).to.contain(`<accessURL use="full">${root}/sia/capabilities</accessURL>`);
    expect(r.text).to.contain(`<accessURL use="full">${root}/sia/availability</accessURL>`);
    const dir = mkdtempSync(join(tmpdir(), "sia-caps-"));
    try {
      const f = join(dir, "capabilities.xml");
      writeFileSync(f, r.text);
      const v = validateXml([f]);
      expect(v.ok, v.output).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("without ivoa.ObsCore (images.registry none)", () => {
    let bare: Running;
    before(async () => {
      bare = await startService({ demo: true, images: { registry: "none" } });
    });
    after(async () => {
      await bare?.close();
    });

    it("answers /sia/query with 404 and says why", async () => {
      const r = await sia(bare, [["CALIB", "3"]]);
      expect(r.status).to.equal(404);
      expect(errorMessage(r.text)).to.match(/^UsageFault: this service has no ivoa.ObsCore table/);
    });

    it("lists no SIA query in /sia/capabilities (still valid), and /sia/availability says it is not available", async () => {
      const caps = await get(`${rootOf(bare.url)}/sia/capabilities`);
      expect(caps.status).to.equal(200);
      expect(caps.text).to.not.contain(SIA_QUERY_ID);
      const dir = mkdtempSync(join(tmpdir(), "sia-caps-"));
      try {
        const f = join(dir, "capabilities.xml");
        writeFileSync(f, caps.text);
        const v = validateXml([f]);
        expect(v.ok, v.output).to.equal(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const av = await get(`${rootOf(bare.url)}/sia/availability`);
      expect(av.text).to.contain("<vosi:available>false</vosi:available>");
      expect(av.text).to.contain("no ivoa.ObsCore table");
    });
  });
});

/** Rubin's ObsCore (Felis), whose s_region is STC-S and which has no pol_states column. */
const RUBIN_OBSCORE = "/work/shared/felis/ivoa_obscore.yaml";

describe("SIA 2.0 on MariaDB, over Rubin's ObsCore loaded with tap-server load", function () {
  this.timeout(180_000);
  let db: MariaDbServer | undefined;
  let running: Running | undefined;
  let dir = "";

  // Footprints (convex, either winding) across RA 0, around the north pole, tiny, a triangle, and in the south.
  const FOOTPRINTS: Record<string, number[]> = {
    ra0: [359.5, -1, 0.5, -1, 0.5, 1, 359.5, 1],
    npole: [0, 88, 90, 88, 180, 88, 270, 88],
    tiny: [149.999, 2.499, 150.001, 2.499, 150.001, 2.501, 149.999, 2.501],
    tri: [10, 10, 20, 10, 15, 20],
    south: [200, -55, 200, -60, 210, -60, 210, -55],
  };
  const BANDS: Record<string, [number, number]> = { ra0: [4e-7, 5.5e-7], npole: [5.5e-7, 7e-7], tiny: [4e-7, 5.5e-7], tri: [7e-7, 8e-7], south: [5.5e-7, 7e-7] };

  before(async function () {
    const columns = loadFelis(RUBIN_OBSCORE).schemas[0]!.tables.find((t) => t.name === "ObsCore")!.columns.map((c) => c.name);
    const rows = [...Object.keys(FOOTPRINTS), "none"].map((id, i) => {
      const r: Record<string, string | number> = {
        dataproduct_type: "image",
        calib_level: id === "tri" ? 3 : 2,
        obs_id: id,
        obs_collection: "test",
        obs_publisher_did: `ivo://test/sia?${id}`,
        access_format: "application/fits",
        s_ra: 1,
        s_dec: 1,
        t_min: 60000 + i,
        t_max: 60000.5 + i,
      };
      if (FOOTPRINTS[id]) r.s_region = `POLYGON ICRS ${FOOTPRINTS[id].join(" ")}`;
      if (BANDS[id]) [r.em_min, r.em_max] = BANDS[id];
      return columns.map((c) => (r[c] === undefined ? "" : `"${String(r[c])}"`)).join(",");
    });
    dir = mkdtempSync(join(tmpdir(), "sia-mariadb-"));
    writeFileSync(join(dir, "obscore.csv"), [columns.join(","), ...rows].join("\n") + "\n");
    let mariadb: Record<string, unknown>;
    ({ db, mariadb } = await privateMariaDb(this));
    const settings = { backend: "mariadb", mariadb, demo: false, images: { registry: "none" } };
    const log = console.log;
    console.log = () => {};
    try {
      await loadCommand(["--schema", RUBIN_OBSCORE, "--table", "ivoa.ObsCore", join(dir, "obscore.csv")], configFrom(settings));
    } finally {
      console.log = log;
    }
    running = await startService(settings);
  });
  after(async () => {
    await running?.close();
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // [name, SIA parameters, the footprints found (worked out by hand), the equivalent ADQL condition].
  const cases: [string, Params, string[], string][] = [
    ["CIRCLE across RA 0", [["POS", "CIRCLE 1 0 0.6"]], ["ra0"], "INTERSECTS(CIRCLE('ICRS', 1, 0, 0.6), s_region) = 1"],
    ["CIRCLE just short of it", [["POS", "CIRCLE 1 0 0.4"]], [], "INTERSECTS(CIRCLE('ICRS', 1, 0, 0.4), s_region) = 1"],
    ["RANGE across RA 0", [["POS", "RANGE 359.9 0.1 -0.1 0.1"]], ["ra0"], "INTERSECTS(BOX('ICRS', 0, 0, 0.2, 0.2), s_region) = 1"],
    ["RANGE around the north pole", [["POS", "RANGE 0 360 89.5 +Inf"]], ["npole"], "INTERSECTS(BOX('ICRS', 180, 89.75, 360, 0.5), s_region) = 1"],
    ["RANGE in the south", [["POS", "RANGE 205 206 -Inf -57"]], ["south"], "INTERSECTS(BOX('ICRS', 205.5, -73.5, 1, 33), s_region) = 1"],
    ["POLYGON inside the triangle", [["POS", "POLYGON 14 11 16 11 15 13"]], ["tri"], "INTERSECTS(POLYGON('ICRS', 14, 11, 16, 11, 15, 13), s_region) = 1"],
    ["CIRCLE larger than a hemisphere", [["POS", "CIRCLE 0 0 179"]], ["npole", "ra0", "south", "tiny", "tri"], "INTERSECTS(CIRCLE('ICRS', 0, 0, 179), s_region) = 1"],
    [
      "two POS (OR)",
      [["POS", "CIRCLE 150.002 2.5 0.0015"], ["POS", "RANGE 0 360 89.5 90"]],
      ["npole", "tiny"],
      "INTERSECTS(CIRCLE('ICRS', 150.002, 2.5, 0.0015), s_region) = 1 OR INTERSECTS(BOX('ICRS', 180, 89.75, 360, 0.5), s_region) = 1",
    ],
    ["POS and BAND (AND)", [["POS", "CIRCLE 0 0 179"], ["BAND", "6e-7"]], ["npole", "south"], "INTERSECTS(CIRCLE('ICRS', 0, 0, 179), s_region) = 1 AND em_min <= 6e-7 AND em_max >= 6e-7"],
    ["TIME and CALIB", [["TIME", "60003.2 +Inf"], ["CALIB", "2"]], ["none", "south"], "t_max >= 60003.2 AND calib_level = 2"],
    ["POL: Rubin's table has no pol_states, so nothing", [["POL", "I"]], [], "1 = 0"],
    ["ID", [["ID", "IVO://TEST/SIA?tiny"]], ["tiny"], "obs_publisher_did = 'ivo://test/sia?tiny'"],
  ];
  for (const [name, params, ids, where] of cases) {
    it(`${name}: the footprints expected, as TAP finds them`, async () => {
      const expected = ids.map((id) => `ivo://test/sia?${id}`).sort();
      expect(await siaIds(running!, params)).to.deep.equal(expected);
      expect(await tapIds(running!, where)).to.deep.equal(expected);
    });
  }

  it("declares the query in /sia/capabilities (ivoa.ObsCore is loaded), and answers with its own descriptor but no DataLink's (no image service)", async () => {
    expect((await get(`${rootOf(running!.url)}/sia/capabilities`)).text).to.contain(SIA_QUERY_ID);
    const r = await sia(running!, [["ID", "ivo://test/sia?tri"], ["RESPONSEFORMAT", "votable/td"]]);
    expect(r.status).to.equal(200);
    expect(r.text.match(/<TR>/g)).to.have.length(1);
    expect(r.text).to.not.contain("DataLink#links");
    expect(r.text).to.contain('<RESOURCE type="meta" name="this" utype="adhoc:service">');
  });
});
