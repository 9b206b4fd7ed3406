import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { demoService, get, hasTool, needTool, sync, validateXml } from "../test-support/service.js";
import { FORMATS, declaredOutputFormats, mediaType } from "@qserv-tap/votable";
import { FEATURE_TYPES } from "../features.js";
import { availabilityXml } from "./vosi.js";
import type { MariaDbServer } from "../../../adql-compiler/src/test-support/mariadb.js";
import { privateMariaDb, startService, type Running } from "../test-support/service.js";
import { until } from "../../../votable/src/test-support/until.js";

describe("server VOSI, tables and examples", function () {
  let url: string;
  before(async function () {
    this.timeout(60_000);
    url = (await demoService()).url;
  });

  it("declares capabilities with TAPRegExt: probed features, formats, limits, accessURLs", async () => {
    const r = await get(`${url}/capabilities`);
    expect(r.status).to.equal(200);
    expect(r.type).to.match(/^text\/xml/);
    expect(r.text).to.contain(`<accessURL use="base">${url}</accessURL>`);
    expect(r.text).to.contain(`${url}/tables</accessURL>`);
    for (const form of ["CONTAINS", "POINT", "CIRCLE", "POLYGON", "BOX", "DISTANCE", "WITH", "UNION", "OFFSET", "COALESCE", "IN_UNIT"]) {
      expect(r.text).to.contain(`<form>${form}</form>`);
    }
    expect(r.text).to.contain(FEATURE_TYPES.geo);
    expect(r.text).to.contain("<alias>votable/td</alias>");
    // TAPRegExt 1.0 §2.4: the outputFormats of the votable package's table, as the RESPONSEFORMAT check reads it.
    expect(declaredFormats(r.text)).to.deep.equal(declaredOutputFormats().map((f) => ({ ivoId: f.ivoId, mime: f.mime, aliases: [...f.aliases] })));
    expect(r.text).to.contain('<default unit="row">100000</default>');
    expect(r.text).to.contain("ivo://ivoa.net/std/TAPRegExt#upload-inline");
  });

  /**
   * A query for each form the capabilities may declare (TAPRegExt 1.0 §2.3), written here rather
   * than taken from the start-up probes, so that a declaration the service cannot honour fails.
   */
  const S = "demo.stars";
  const P = "POINT('ICRS', ra, dec)";
  const USES: Record<string, string> = {
    POINT: `SELECT TOP 1 ${P} AS p FROM ${S}`,
    CIRCLE: `SELECT TOP 1 CIRCLE('ICRS', ra, dec, 1) AS c FROM ${S}`,
    BOX: `SELECT COUNT(*) AS n FROM ${S} WHERE 1 = CONTAINS(${P}, BOX('ICRS', 10, 10, 2, 2))`,
    POLYGON: `SELECT COUNT(*) AS n FROM ${S} WHERE 1 = CONTAINS(${P}, POLYGON('ICRS', 9, 9, 11, 9, 11, 11, 9, 11))`,
    CONTAINS: `SELECT COUNT(*) AS n FROM ${S} WHERE 1 = CONTAINS(${P}, CIRCLE('ICRS', 180, 30, 2))`,
    INTERSECTS: `SELECT COUNT(*) AS n FROM ${S} WHERE 1 = INTERSECTS(CIRCLE('ICRS', 180, 30, 2), ${P})`,
    DISTANCE: `SELECT TOP 1 DISTANCE(${P}, POINT('ICRS', 10, 10)) AS d FROM ${S}`,
    COORD1: `SELECT TOP 1 COORD1(${P}) AS c FROM ${S}`,
    COORD2: `SELECT TOP 1 COORD2(${P}) AS c FROM ${S}`,
    COORDSYS: `SELECT TOP 1 COORDSYS(${P}) AS c FROM ${S}`,
    CENTROID: `SELECT TOP 1 CENTROID(BOX('ICRS', ra, dec, 1, 1)) AS c FROM ${S}`,
    AREA: `SELECT TOP 1 AREA(CIRCLE('ICRS', ra, dec, 1)) AS a FROM ${S}`,
    REGION: `SELECT COUNT(*) AS n FROM ${S} WHERE 1 = CONTAINS(${P}, REGION('CIRCLE ICRS 10 10 1'))`,
    LOWER: `SELECT TOP 1 LOWER(designation) AS l FROM ${S} WHERE designation IS NOT NULL`,
    UPPER: `SELECT TOP 1 UPPER(designation) AS u FROM ${S} WHERE designation IS NOT NULL`,
    ILIKE: `SELECT COUNT(*) AS n FROM ${S} WHERE designation ILIKE 'j%'`,
    WITH: `WITH w AS (SELECT star_id FROM ${S} WHERE g_mag < 12) SELECT COUNT(*) AS n FROM w`,
    UNION: `SELECT TOP 1 star_id FROM ${S} UNION SELECT TOP 1 star_id FROM ${S}`,
    EXCEPT: `SELECT star_id FROM ${S} WHERE star_id < 10 EXCEPT SELECT star_id FROM ${S} WHERE star_id < 5`,
    INTERSECT: `SELECT star_id FROM ${S} WHERE star_id < 10 INTERSECT SELECT star_id FROM ${S} WHERE star_id > 5`,
    CAST: `SELECT TOP 1 CAST(g_mag AS INTEGER) AS i FROM ${S} WHERE g_mag IS NOT NULL`,
    COALESCE: `SELECT TOP 1 COALESCE(g_mag, -1) AS m FROM ${S}`,
    IN_UNIT: `SELECT TOP 1 IN_UNIT(ra, 'arcsec') AS r FROM ${S}`,
    OFFSET: `SELECT star_id FROM ${S} ORDER BY star_id OFFSET 99990`,
  };

  it("runs every feature the capabilities declare in a real query, and declares what is refused as such", async () => {
    const caps = (await get(`${url}/capabilities`)).text;
    const declared = [...caps.matchAll(/<languageFeatures type="([^"]+)">([\s\S]*?)<\/languageFeatures>/g)].flatMap(([, type, body]) =>
      [...body!.matchAll(/<feature><form>([^<]+)<\/form>(?:<description>([^<]*)<\/description>)?<\/feature>/g)].map(([, form, description]) => ({
        type: type!,
        form: form!.replaceAll("&gt;", ">"),
        description,
      })),
    );
    expect(declared.length).to.be.greaterThan(20);
    for (const f of declared) {
      let query = USES[f.form];
      if (f.type.endsWith("#features-udf")) {
        // "scisql_s2PtInCircle(ra DOUBLE, dec DOUBLE, raCen DOUBLE, ...) -> INTEGER": a star's
        // position, then constants that make a valid circle, box or polygon.
        const m = /^(\w+)\(([^)]*)\)/.exec(f.form);
        expect(m, f.form).to.not.equal(null);
        const position = ["ra", "dec", 10, 10, 20, 10, 20, 20];
        // "..." (a polygon's vertices): three vertices.
        const args = m![2]!.includes("...") ? position : m![2]!.split(",").map((_, i) => position[i] ?? 10);
        query = `SELECT TOP 1 ${m![1]}(${args.join(", ")}) AS u FROM ${S}`;
      }
      expect(query, `no query in this test for the declared form ${f.form}`).to.be.a("string");
      const r = await sync(url, { LANG: "ADQL", QUERY: query!, RESPONSEFORMAT: "csv" });
      expect(r.status, `${f.form}: ${r.text}`).to.equal(200);
      expect(r.text.trim().split(/\r?\n/).length, `${f.form}: ${r.text}`).to.be.at.least(2);
    }
    // The forms that work only in part say so; the part that does not work is refused with that reason.
    const partial: [string, RegExp, string, RegExp][] = [
      ["INTERSECTS", /BOX whose centre or size is not a constant is refused/, `SELECT COUNT(*) AS n FROM ${S} WHERE 1 = INTERSECTS(CIRCLE('ICRS', 10, 10, 1), BOX('ICRS', ra, dec, 1, 1))`, /a BOX whose centre or size is not a constant/],
      ["AREA", /POLYGON or BOX built from columns is refused/, `SELECT TOP 1 AREA(POLYGON('ICRS', ra, dec, 3, 4, 5, 6)) AS a FROM ${S}`, /AREA of a POLYGON whose parameters are not constants/],
      ["CENTROID", /POLYGON built from columns is refused/, `SELECT TOP 1 CENTROID(POLYGON('ICRS', ra, dec, 11, 9, 11, 11)) AS c FROM ${S}`, /CENTROID of POLYGON/],
    ];
    for (const [form, description, query, refusal] of partial) {
      expect(declared.find((f) => f.form === form)?.description, form).to.match(description);
      const r = await sync(url, { LANG: "ADQL", QUERY: query });
      expect(r.status, form).to.equal(400);
      expect(r.text, form).to.match(refusal);
    }
  });

  it("checks the database for availability", async () => {
    const r = await get(`${url}/availability`);
    expect(r.text).to.contain("<vosi:available>true</vosi:available>");
  });

  it("serves /tables with detail=min and max, and /tables/{name}", async () => {
    const max = await get(`${url}/tables`);
    expect(max.text).to.contain("<name>demo.stars</name>").and.to.contain("<name>ra</name>").and.to.contain("<unit>deg</unit>");
    // Character data: quotes need no escaping (XML 1.0 §2.4).
    expect(max.text).to.contain('<name>"size"</name>');
    expect(max.text).to.contain("<targetTable>demo.stars</targetTable>");
    const min = await get(`${url}/tables?detail=min`);
    expect(min.text).to.contain("<name>demo.stars</name>").and.not.to.contain("<column");
    const one = await get(`${url}/tables/demo.stars`);
    expect(one.status).to.equal(200);
    expect(one.text).to.contain("<vosi:table").and.to.contain("<name>g_mag</name>").and.to.contain("<flag>primary</flag>");
    expect((await get(`${url}/tables/demo.nothing`)).status).to.equal(404);
  });

  it("serves examples that run", async () => {
    const r = await get(`${url}/examples`);
    const queries = [...r.text.matchAll(/<pre property="query">([^<]*)<\/pre>/g)].map((m) =>
      m[1]!.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&amp;", "&"),
    );
    expect(queries.length).to.be.greaterThan(4);
    for (const q of queries) {
      const res = await sync(url, { LANG: "ADQL", QUERY: q, RESPONSEFORMAT: "csv" });
      expect(res.status, `${q}\n${res.text}`).to.equal(200);
      expect(res.text.split("\n").length, q).to.be.greaterThan(2);
    }
  });

  /**
   * TAPRegExt 1.0 §2.4: the service "has to accept" each declared mime, and an alias is a value of RESPONSEFORMAT that
   * gives that format; the other way, what RESPONSEFORMAT accepts (TAP 1.1 §2.7.1, DALI 1.2 §4.3.3) is declared: each
   * short name as an alias, each media type as the type of a declared mime. The values tried beyond the table are
   * the short forms and media types of DALI 1.2 §4.3.3 and names other services accept.
   */
  it("declares exactly the output formats that RESPONSEFORMAT accepts, in a capabilities document valid against TAPRegExt", async function () {
    needTool(this, hasTool("xmllint"), "xmllint");
    const caps = (await get(`${url}/capabilities`)).text;
    const dir = mkdtempSync(join(tmpdir(), "tap-caps-"));
    try {
      writeFileSync(join(dir, "capabilities.xml"), caps);
      const v = validateXml([join(dir, "capabilities.xml")]);
      expect(v.ok, v.output).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const declared = declaredFormats(caps);
    const SERIALIZATION: Record<string, string> = {
      "ivo://ivoa.net/std/TAPRegExt#output-votable-binary2": "<BINARY2>",
      "ivo://ivoa.net/std/TAPRegExt#output-votable-td": "<TABLEDATA>",
      "ivo://ivoa.net/std/TAPRegExt#output-votable-binary": "<BINARY>",
    };
    const q = "SELECT TOP 2 star_id FROM demo.stars ORDER BY star_id";
    for (const d of declared) {
      for (const value of [d.mime, ...d.aliases]) {
        const r = await sync(url, { LANG: "ADQL", QUERY: q, RESPONSEFORMAT: value });
        expect(r.status, `${value}: ${r.text.slice(0, 200)}`).to.equal(200);
        // A short name is answered with the declared type; a media type with itself (DALI 1.2 §4.3.3).
        expect(mediaType(r.type), value).to.equal(mediaType(d.mime));
        if (d.ivoId !== undefined) expect(r.text, value).to.contain(SERIALIZATION[d.ivoId]);
      }
    }
    const aliases = new Set(declared.flatMap((d) => d.aliases));
    const types = new Set(declared.map((d) => mediaType(d.mime)));
    const tried = [
      ...FORMATS.flatMap((f) => [...f.aliases, ...f.mimeTypes, f.mime]),
      ...["votable", "csv", "tsv", "fits", "parquet", "text", "html", "json", "ascii", "xml", "vot", "binary", "binary2", "tabledata", "votable/fits", "hdf5"],
      ...["application/x-votable+xml", "application/votable+xml", "text/xml", "application/xml", "text/csv", "text/tab-separated-values"],
      ...["application/fits", "application/vnd.apache.parquet", "application/x-parquet", "text/plain", "text/html", "application/json"],
      ...["application/x-votable+xml;serialization=TABLEDATA", "application/votable+xml;serialization=BINARY", "text/xml;serialization=BINARY2"],
    ];
    const accepted: string[] = [];
    for (const value of new Set(tried)) {
      const r = await sync(url, { LANG: "ADQL", QUERY: q, RESPONSEFORMAT: value });
      expect(r.status, value).to.be.oneOf([200, 400]);
      if (r.status === 200) accepted.push(value);
    }
    for (const value of accepted) {
      if (value.includes("/") && !aliases.has(value)) expect([...types], `${value} is accepted, so declared`).to.include(mediaType(value));
      else expect([...aliases], `${value} is accepted, so declared`).to.include(value);
    }
    expect(accepted.length).to.be.greaterThan(declared.length);
  });

  it("writes text that XML 1.0 forbids or that is markup as valid XML (the votable package's escapers)", function () {
    needTool(this, hasTool("xmllint"), "xmllint");
    const note = 'db says <error> & "quotes" \u0000\u0001\u001f \uD800 \uFFFE \r\n 😀';
    const dir = mkdtempSync(join(tmpdir(), "tap-esc-"));
    try {
      writeFileSync(join(dir, "availability.xml"), availabilityXml(false, note));
      const v = validateXml([join(dir, "availability.xml")]);
      expect(v.ok, v.output).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves only documents that validate against the IVOA schemas", async function () {
    needTool(this, hasTool("xmllint"), "xmllint");
    const dir = mkdtempSync(join(tmpdir(), "tap-xsd-"));
    try {
      await validateServed(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  async function validateServed(dir: string): Promise<void> {
    const docs: [string, string][] = [
      ["capabilities", "/capabilities"],
      ["availability", "/availability"],
      ["tables", "/tables"],
      ["tables-min", "/tables?detail=min"],
      ["table", "/tables/demo.stars"],
      ["table-tap", "/tables/TAP_SCHEMA.columns"],
    ];
    const files: string[] = [];
    for (const [name, path] of docs) {
      const f = join(dir, `${name}.xml`);
      writeFileSync(f, (await get(url + path)).text);
      files.push(f);
    }
    const results: [string, Record<string, string>][] = [
      ["result-b2", { QUERY: "SELECT TOP 50 * FROM demo.stars" }],
      ["result-td", { QUERY: "SELECT TOP 50 *, POINT('ICRS', ra, dec) AS p FROM demo.stars", RESPONSEFORMAT: "votable/td" }],
      ["result-b", { QUERY: "SELECT TOP 50 * FROM demo.stars", RESPONSEFORMAT: "votable/b" }],
      ["overflow", { QUERY: "SELECT * FROM demo.detections", MAXREC: "3" }],
      ["tap-schema", { QUERY: "SELECT * FROM TAP_SCHEMA.columns", RESPONSEFORMAT: "votable/td" }],
      ["error-adql", { QUERY: "SELECT FROM" }],
      ["error-lang", { LANG: "PQL", QUERY: "SELECT 1" }],
    ];
    for (const [name, params] of results) {
      const f = join(dir, `${name}.xml`);
      writeFileSync(f, (await sync(url, { LANG: "ADQL", ...params })).body);
      files.push(f);
    }
    const v = validateXml(files);
    expect(v.ok, v.output).to.equal(true);
    const examples = join(dir, "examples.xhtml");
    writeFileSync(examples, (await get(`${url}/examples`)).text);
    const wellFormed = spawnSync("xmllint", ["--noout", "--nonet", examples], { encoding: "utf8" });
    expect(wellFormed.status, wellFormed.stderr).to.equal(0);
    console.log(`      xsd: ${files.length} server documents validated, examples well-formed`);
  }
});

/** The outputFormat elements of a capabilities document. */
function declaredFormats(caps: string): { ivoId: string | undefined; mime: string; aliases: string[] }[] {
  return [...caps.matchAll(/<outputFormat(?: ivo-id="([^"]*)")?>\s*<mime>([^<]*)<\/mime>((?:\s*<alias>[^<]*<\/alias>)*)\s*<\/outputFormat>/g)].map((m) => ({
    ivoId: m[1],
    mime: m[2]!.replace(/&amp;/g, "&"),
    aliases: [...m[3]!.matchAll(/<alias>([^<]*)<\/alias>/g)].map((a) => a[1]!),
  }));
}

describe("server VOSI availability follows the database (VOSI 1.1 §3.2), on a private MariaDB", function () {
  this.timeout(60_000);
  let db: MariaDbServer | undefined;
  let svc: Running | undefined;

  before(async function () {
    const mine = await privateMariaDb(this);
    db = mine.db;
    svc = await startService({ backend: "mariadb", demo: false, mariadb: mine.mariadb });
  });

  after(async () => {
    try {
      if (db) process.kill(db.pid, "SIGCONT");
    } catch {
      // already gone: the test stops it
    }
    await svc?.close();
    await db?.stop();
  });

  const availability = async () => {
    const text = (await get(`${svc!.url}/availability`)).text;
    return { available: /<vosi:available>(\w+)<\/vosi:available>/.exec(text)?.[1], note: /<vosi:note>([^<]*)<\/vosi:note>/.exec(text)?.[1] };
  };

  it("is true while the database answers, false with the reason while it hangs or is gone", async () => {
    expect(await availability()).to.deep.equal({ available: "true", note: `The MariaDB at 127.0.0.1:${db!.port}/tap answers queries.` });
    // A database that hangs (stopped with SIGSTOP): the answer comes after the timeout, not never.
    process.kill(db!.pid, "SIGSTOP");
    // The signal is delivered asynchronously: wait until the kernel reports the process stopped ("T").
    const state = () => /\) (\w)/.exec(readFileSync(`/proc/${db!.pid}/stat`, "utf8"))?.[1];
    await until("the kernel reports mariadbd stopped", () => state() === "T");
    expect(state()).to.equal("T");
    const t = Date.now();
    expect(await availability()).to.deep.equal({ available: "false", note: "The database does not answer: no answer within 5 s" });
    expect(Date.now() - t).to.be.within(4_500, 8_000);
    process.kill(db!.pid, "SIGCONT");
    expect((await availability()).available).to.equal("true");
    await db!.stop();
    const gone = await availability();
    expect(gone.available).to.equal("false");
    expect(gone.note).to.match(/^The database does not answer: /);
  });
});
