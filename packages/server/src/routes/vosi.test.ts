import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { demoService, get, hasTool, needTool, sync, validateXml } from "../test-support/service.js";
import { FEATURE_TYPES } from "../features.js";

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
    expect(r.text).to.contain('<default unit="row">100000</default>');
    expect(r.text).to.contain("ivo://ivoa.net/std/TAPRegExt#upload-inline");
  });

  it("runs every declared feature's form in a real query", async () => {
    const { service } = await demoService();
    expect(service.features.supported.length).to.be.greaterThan(20);
    // The probes ran at start-up on the backend; each declared form is in the capabilities and nothing refused is.
    const caps = (await get(`${url}/capabilities`)).text;
    for (const f of service.features.supported) expect(caps).to.contain(`<form>${f.form.replaceAll(">", "&gt;")}</form>`);
    for (const { feature } of service.features.refused) expect(caps).not.to.contain(`<form>${feature.form.replaceAll(">", "&gt;")}</form>`);
  });

  it("checks the database for availability", async () => {
    const r = await get(`${url}/availability`);
    expect(r.text).to.contain("<vosi:available>true</vosi:available>");
  });

  it("serves /tables with detail=min and max, and /tables/{name}", async () => {
    const max = await get(`${url}/tables`);
    expect(max.text).to.contain("<name>demo.stars</name>").and.to.contain("<name>ra</name>").and.to.contain("<unit>deg</unit>");
    expect(max.text).to.contain("<name>&quot;size&quot;</name>");
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

  it("serves only documents that validate against the IVOA schemas", async function () {
    needTool(this, hasTool("xmllint"), "xmllint");
    const dir = mkdtempSync(join(tmpdir(), "tap-xsd-"));
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
  });
});
