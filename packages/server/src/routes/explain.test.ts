/**
 * /tap/explain (outside the TAP standard): /sync's parameters in, JSON out, nothing run. Over HTTP on the demo
 * service (DuckDB); the Qserv pruning decision at unit level, with the qserv dialect on Qserv's case01 catalog.
 */
import { expect } from "chai";
import { compile } from "@qserv-tap/adql-compiler";
import { case01Schema } from "../../../adql-compiler/src/sql/test-support/case01.js";
import { demoService, sync } from "../test-support/service.js";
import { explanation, type ExplainError, type Explanation } from "./explain.js";

const CONE = "SELECT star_id, ra, dec, g_mag FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 180, 30, 2))";
const BOX = "SELECT star_id FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), BOX('ICRS', 180, 30, 2, 2))";

async function explain(base: string, params: Record<string, string>, method: "GET" | "POST" = "POST") {
  const body = new URLSearchParams(params);
  const res =
    method === "GET"
      ? await fetch(`${base}/explain?${body}`)
      : await fetch(`${base}/explain`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  return { status: res.status, type: res.headers.get("content-type") ?? "", json: (await res.json()) as unknown };
}

/** The message of a /sync error document (DALI 1.1 §4.3: the QUERY_STATUS INFO's content). */
function syncMessage(text: string): string {
  const m = /<INFO name="QUERY_STATUS" value="ERROR">([^<]*)<\/INFO>/.exec(text);
  const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
  return unescape(m?.[1] ?? "");
}

describe("server /explain", function () {
  let url: string;
  before(async function () {
    this.timeout(60_000);
    url = (await demoService()).url;
  });

  const answers: [string, Record<string, string>, "GET" | "POST", (e: Explanation) => void][] = [
    [
      "a cone on the demo: DuckDB SQL, no Qserv decision, no split, no warning, the FIELDs",
      { LANG: "ADQL", QUERY: CONE },
      "POST",
      (e) => {
        expect(e.backend).to.equal("duckdb");
        expect(e.dialect).to.equal("duckdb");
        expect(e.sql).to.match(/FROM/i);
        expect(e.qserv).to.equal(null);
        expect(e.split).to.equal(null);
        expect(e.warnings).to.deep.equal([]);
        expect(e.columns!.map((c) => c.datatype)).to.deep.equal(["long", "double", "double", "float"]);
        expect(e.columns!.map((c) => c.name)).to.deep.equal(["star_id", "ra", "dec", "g_mag"]);
        expect(e.columns![1]!.unit).to.equal("deg");
      },
    ],
    ["the same by GET", { LANG: "ADQL", QUERY: CONE }, "GET", (e) => expect(e.columns!.map((c) => c.name)).to.deep.equal(["star_id", "ra", "dec", "g_mag"])],
    [
      "a BOX: the compiler's warning",
      { LANG: "ADQL", QUERY: BOX },
      "POST",
      (e) => {
        expect(e.warnings).to.have.length(1);
        expect(e.warnings[0]).to.match(/^BOX is read as ranges of coordinates/);
      },
    ],
    [
      "MAXREC: the limit in force and the row beyond it (TAP 1.1 §2.7.4)",
      { LANG: "ADQL", QUERY: "SELECT star_id FROM demo.stars", MAXREC: "5" },
      "POST",
      (e) => {
        expect(e.maxrec).to.equal(5);
        expect(e.overflowAfter).to.equal(5);
        expect(e.sql).to.match(/LIMIT 6\b/);
      },
    ],
    [
      "parameter names are case-insensitive (DALI 1.1 §4.1)",
      { lAnG: "adql-2.1", qUeRy: "SELECT TOP 2 star_id FROM demo.stars", mAxReC: "7" },
      "GET",
      (e) => {
        expect(e.maxrec).to.equal(7);
        expect(e.columns!.map((c) => c.name)).to.deep.equal(["star_id"]);
      },
    ],
  ];
  for (const [name, params, method, check] of answers) {
    it(`explains ${name}`, async () => {
      const r = await explain(url, params, method);
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      expect(r.type).to.match(/^application\/json/);
      check(r.json as Explanation);
    });
  }

  const refusals: [string, Record<string, string>, number, (e: ExplainError["error"]) => void][] = [
    ["an ADQL error, with its position", { LANG: "ADQL", QUERY: "SELECT star_id\nFROM demo.stars WHERE" }, 400, (e) => expect([e.line, e.column]).to.deep.equal([2, 22])],
    ["an unknown table", { LANG: "ADQL", QUERY: "SELECT x FROM demo.nothing" }, 400, (e) => expect(e.code).to.equal("ADQL_UNKNOWN_TABLE")],
    ["no LANG", { QUERY: "SELECT 1 FROM demo.stars" }, 400, (e) => expect(e.line).to.equal(undefined)],
    ["a bad MAXREC", { LANG: "ADQL", QUERY: "SELECT star_id FROM demo.stars", MAXREC: "-1" }, 400, () => {}],
  ];
  for (const [name, params, status, check] of refusals) {
    it(`refuses ${name} with /sync's status and message, as JSON`, async () => {
      const r = await explain(url, params);
      const s = await sync(url, params);
      expect(r.status).to.equal(status);
      expect(s.status).to.equal(status);
      expect(r.type).to.match(/^application\/json/);
      const e = (r.json as ExplainError).error;
      expect(e.message).to.equal(syncMessage(s.text));
      check(e);
    });
  }

  it("takes UPLOAD (TAP 1.1 §3.5): the table's FIELDs, no row loaded; an upload /sync refuses is refused alike", async () => {
    const form = new FormData();
    form.set("LANG", "ADQL");
    form.set("QUERY", "SELECT s.star_id, t.mag FROM demo.stars AS s JOIN TAP_UPLOAD.t AS t ON s.star_id = t.id");
    form.set("UPLOAD", "t,param:t");
    const votable = `<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE><FIELD name="id" datatype="long"/><FIELD name="mag" datatype="double" unit="mag"/><DATA><TABLEDATA><TR><TD>1</TD><TD>20.5</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`;
    form.set("t", new Blob([votable], { type: "application/x-votable+xml" }), "t.xml");
    const res = await fetch(`${url}/explain`, { method: "POST", body: form });
    const body = (await res.json()) as Explanation;
    expect(res.status, JSON.stringify(body)).to.equal(200);
    expect(body.sql).to.contain("tap_upload_t");
    expect(body.columns!.map((c) => [c.name, c.datatype, c.unit])).to.deep.equal([["star_id", "long", undefined], ["mag", "double", "mag"]]);
    const params = { LANG: "ADQL", QUERY: "SELECT * FROM TAP_UPLOAD.t", UPLOAD: "t,http://127.0.0.1:1/t.xml" };
    const r = await explain(url, params);
    const s = await sync(url, params);
    expect(r.status).to.equal(s.status).and.to.equal(400);
    expect((r.json as ExplainError).error.message).to.equal(syncMessage(s.text));
  });

  it("is not reached by other methods", async () => {
    const res = await fetch(`${url}/explain`, { method: "DELETE" });
    expect(res.status).to.equal(405);
  });
});

describe("explanation() on the qserv dialect (Qserv's case01 catalog)", () => {
  const qserv = { kind: "qserv", dialect: "qserv" } as const;
  const cases: [string, string, (e: Explanation) => void][] = [
    [
      "a cone on the director table: a scisql restrictor, no warning",
      "SELECT objectId FROM case01.Object WHERE CONTAINS(POINT('ICRS', ra_PS, decl_PS), CIRCLE('ICRS', 1, 3, 0.2)) = 1",
      (e) => {
        expect(e.qserv).to.deep.equal({ restrictor: "scisql", predicate: "scisql_s2PtInCircle" });
        expect(e.warnings).to.deep.equal([]);
      },
    ],
    [
      "two cones on the director table: an areaspec (qserv/README §a.3)",
      "SELECT objectId FROM case01.Object WHERE CONTAINS(POINT('ICRS', ra_PS, decl_PS), CIRCLE('ICRS', 1, 3, 0.2)) = 1" +
        " AND CONTAINS(POINT('ICRS', ra_PS, decl_PS), CIRCLE('ICRS', 1.1, 3, 0.2)) = 1",
      (e) => {
        expect(e.qserv).to.deep.equal({ restrictor: "areaspec", predicate: "qserv_areaspec_circle" });
        expect(e.sql).to.match(/qserv_areaspec_circle/);
      },
    ],
    [
      "no spatial constraint: no restrictor, why, and the warning that Qserv reads the whole table",
      "SELECT objectId FROM case01.Object WHERE objectId = 3",
      (e) => {
        expect(e.qserv).to.deep.equal({ restrictor: "none", reason: "no constant spatial constraint on partitioning columns in the top-level AND" });
        expect(e.warnings.some((w) => /Qserv cannot limit this query to some chunks/.test(w))).to.equal(true);
      },
    ],
    [
      "a table that is not partitioned: no restrictor and no warning",
      "SELECT filterId FROM case01.Filter",
      (e) => {
        expect(e.qserv).to.deep.equal({ restrictor: "none", reason: "no partitioned table in FROM" });
        expect(e.warnings).to.deep.equal([]);
        expect(e.split).to.equal(null);
      },
    ],
    [
      "OFFSET and a select-list CASE: the split (the server skips 5 rows and computes the CASE over a hidden column)",
      "SELECT filterId, CASE WHEN filterId > 2 THEN 'red' ELSE 'blue' END AS side FROM case01.Filter ORDER BY filterId OFFSET 5",
      (e) => {
        expect(e.sql).to.not.match(/OFFSET|CASE/);
        expect(e.sql).to.match(/LIMIT 106$/);
        expect(e.split).to.deep.equal({
          offset: 5,
          residues: [{ name: "side", expression: "CASE WHEN \"residue_in1\" > 2 THEN 'red' ELSE 'blue' END", inputs: { residue_in1: 1 } }],
        });
        expect(e.overflowAfter).to.equal(100);
      },
    ],
  ];
  for (const [name, adql, check] of cases) {
    it(name, () => {
      const compiled = compile(adql, { catalog: case01Schema(), dialect: "qserv", maxrec: 100 });
      const e = explanation({ compiled, target: qserv }, 100);
      expect(e.sql).to.equal(compiled.sql);
      // JSON as the route sends it.
      expect(JSON.parse(JSON.stringify(e))).to.deep.equal(e);
      check(e);
    });
  }

  it("gives no Qserv decision on another dialect", () => {
    const compiled = compile("SELECT objectId FROM case01.Object", { catalog: case01Schema(), dialect: "mysql" });
    expect(explanation({ compiled, target: { kind: "mariadb", dialect: "mysql" } }, 10).qserv).to.equal(null);
  });
});
