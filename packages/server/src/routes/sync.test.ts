import { expect } from "chai";
import { FORMATS, readVOTable } from "@qserv-tap/votable";
import { demoService, sync } from "../test-support/service.js";
import { createJob, waitFor } from "../test-support/uws.js";

const CONE = "SELECT star_id, ra, dec, g_mag FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 180, 30, 2))";

async function rows(body: Buffer) {
  const reader = await readVOTable(body);
  const out: unknown[][] = [];
  for await (const r of reader) out.push([...r]);
  return { fields: reader.fields, rows: out, infos: reader.infos };
}

describe("server /sync", function () {
  let url: string;
  before(async function () {
    this.timeout(60_000);
    url = (await demoService()).url;
  });

  it("answers GET and POST with the same rows, BINARY2 by default", async () => {
    const a = await sync(url, { LANG: "ADQL", QUERY: CONE }, "GET");
    const b = await sync(url, { lang: "ADQL", query: CONE }, "POST");
    expect(a.status).to.equal(200);
    expect(a.type).to.equal("application/x-votable+xml;serialization=BINARY2");
    const ra = await rows(a.body);
    const rb = await rows(b.body);
    expect(ra.rows.length).to.be.greaterThan(10);
    expect(rb.rows).to.deep.equal(ra.rows);
    expect(ra.fields.map((f) => f.name)).to.deep.equal(["star_id", "ra", "dec", "g_mag"]);
    expect(ra.fields[1]!.unit).to.equal("deg");
  });

  it("accepts mixed-case parameter names, REQUEST=doQuery and every LANG", async () => {
    for (const lang of ["ADQL", "ADQL-2.0", "ADQL-2.1", "adql"]) {
      const r = await sync(url, { LaNg: lang, qUeRy: "SELECT TOP 1 star_id FROM demo.stars", REQUEST: "doQuery" });
      expect(r.status, lang).to.equal(200);
    }
  });

  it("writes every format, by short name and by MIME type", async () => {
    const cases: [string, string, RegExp][] = [
      ["votable", "application/x-votable+xml;serialization=BINARY2", /<BINARY2>/],
      ["votable/td", "application/x-votable+xml;serialization=TABLEDATA", /<TABLEDATA>/],
      ["votable/b", "application/x-votable+xml;serialization=BINARY", /<BINARY>/],
      ["votable/b2", "application/x-votable+xml;serialization=BINARY2", /<BINARY2>/],
      ["application/x-votable+xml;serialization=TABLEDATA", "application/x-votable+xml;serialization=TABLEDATA", /<TABLEDATA>/],
      ["csv", "text/csv;charset=utf-8;header=present", /^star_id,ra\r?\n/],
      ["text/csv", "text/csv;charset=utf-8;header=present", /^star_id,ra\r?\n/],
      ["tsv", "text/tab-separated-values;charset=utf-8", /^star_id\tra\r?\n/],
    ];
    for (const [format, type, body] of cases) {
      const r = await sync(url, { LANG: "ADQL", QUERY: "SELECT TOP 3 star_id, ra FROM demo.stars ORDER BY star_id", RESPONSEFORMAT: format });
      expect(r.status, format).to.equal(200);
      expect(r.type, format).to.equal(type);
      expect(r.text, format).to.match(body);
    }
    const legacy = await sync(url, { LANG: "ADQL", QUERY: "SELECT TOP 3 star_id FROM demo.stars", FORMAT: "csv" });
    expect(legacy.type).to.equal("text/csv;charset=utf-8;header=present");
  });

  it("serves every format of the votable package's table, by each alias and MIME type it lists (DALI 1.2 §4.3.3)", async () => {
    const q = "SELECT TOP 3 star_id, ra FROM demo.stars ORDER BY star_id";
    for (const f of FORMATS) {
      for (const value of [...f.aliases, ...f.mimeTypes, f.mime]) {
        const r = await sync(url, { LANG: "ADQL", QUERY: q, RESPONSEFORMAT: value });
        expect(r.status, value).to.equal(200);
        // A short form gets the format's type; a MIME type is answered with that type (DALI 1.2 §4.3.3).
        if (f.aliases.includes(value)) expect(r.type, value).to.equal(f.contentType);
        else expect(r.type.split(";")[0], value).to.equal(value.split(";")[0]);
        if (f.serialization) expect((await rows(r.body)).rows.length, value).to.equal(3);
      }
    }
  });

  it("accepts application/votable+xml, the VOTable 1.4 and DALI MIME type, and answers with it", async () => {
    for (const [value, type, tag] of [
      ["application/votable+xml", "application/votable+xml;serialization=BINARY2", "<BINARY2>"],
      ["application/votable+xml;serialization=TABLEDATA", "application/votable+xml;serialization=TABLEDATA", "<TABLEDATA>"],
    ] as const) {
      const r = await sync(url, { LANG: "ADQL", QUERY: "SELECT TOP 3 star_id, ra FROM demo.stars ORDER BY star_id", RESPONSEFORMAT: value });
      expect(r.status, value).to.equal(200);
      expect(r.type, value).to.equal(type);
      expect(r.text, value).to.contain(tag);
      expect((await rows(r.body)).rows.length).to.equal(3);
    }
  });

  it("reports MAXREC overflow with a trailing QUERY_STATUS=OVERFLOW", async () => {
    const r = await sync(url, { LANG: "ADQL", QUERY: "SELECT star_id FROM demo.stars", MAXREC: "7", RESPONSEFORMAT: "votable/td" });
    const t = await rows(r.body);
    expect(t.rows).to.have.length(7);
    expect(r.text).to.match(/<\/TABLE>\s*<INFO name="QUERY_STATUS" value="OVERFLOW"/);
    const exact = await sync(url, { LANG: "ADQL", QUERY: "SELECT TOP 7 star_id FROM demo.stars", MAXREC: "7" });
    expect(exact.text).not.to.contain("OVERFLOW");
  });

  it("keeps NULLs, booleans, timestamps and DALI points", async () => {
    const r = await sync(url, {
      LANG: "ADQL",
      QUERY: "SELECT TOP 200 star_id, g_mag, designation, is_variable, first_seen, POINT('ICRS', ra, dec) AS pos FROM demo.stars ORDER BY star_id",
    });
    const t = await rows(r.body);
    expect(t.fields.find((f) => f.name === "pos")).to.include({ datatype: "double", arraysize: "2", xtype: "point" });
    expect(t.fields.find((f) => f.name === "first_seen")).to.include({ xtype: "timestamp" });
    expect(t.rows.some((row) => row[1] === null)).to.equal(true);
    expect(t.rows.some((row) => row[2] === null)).to.equal(true);
    expect(typeof t.rows[0]![3]).to.equal("boolean");
    expect(String(t.rows[0]![4])).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(Array.from(t.rows[0]![5] as number[])).to.have.length(2);
  });

  it("answers TAP_SCHEMA queries", async () => {
    const r = await sync(url, { LANG: "ADQL", QUERY: "SELECT table_name FROM TAP_SCHEMA.tables ORDER BY table_name", RESPONSEFORMAT: "csv" });
    expect(r.text).to.contain("demo.stars").and.to.contain("TAP_SCHEMA.columns");
    const k = await sync(url, {
      LANG: "ADQL",
      QUERY: "SELECT k.from_table, c.from_column FROM TAP_SCHEMA.keys AS k JOIN TAP_SCHEMA.key_columns AS c ON k.key_id = c.key_id WHERE k.target_table = 'demo.stars'",
      RESPONSEFORMAT: "csv",
    });
    expect(k.text).to.contain("demo.detections,star_id");
  });

  describe("errors", () => {
    const cases: [string, Record<string, string>, number, RegExp][] = [
      // DALI 1.1 §5.2: the error document; TAP 1.1 §3.3 (ADQL errors name where they are).
      ["an ADQL syntax error, with line and column", { LANG: "ADQL", QUERY: "SELECT star_id\nFROM demo.stars WHERE" }, 400, /^ADQL error: line 2, column 22: expected one of .* but found the end of the query$/],
      ["an unknown table, with line and column", { LANG: "ADQL", QUERY: "SELECT *\n  FROM demo.nothing" }, 400, /^ADQL error: line 2, column 8: unknown table demo\.nothing/],
      ["an unknown column, with line and column", { LANG: "ADQL", QUERY: "SELECT nope FROM demo.stars" }, 400, /^ADQL error: line 1, column 8: unknown column nope/],
      ["an unknown ADQL version", { LANG: "ADQL-3.0", QUERY: "SELECT 1 FROM demo.stars" }, 400, /^LANG=ADQL-3.0 is not supported: use ADQL, ADQL-2.0, ADQL-2.1$/],
      ["a MAXREC that is not a number", { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars", MAXREC: "ten" }, 400, /^MAXREC must be a non-negative integer, not "ten"$/],
      ["a RUNID longer than DALI's 64 characters", { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars", RUNID: "r".repeat(65) }, 400, /^RUNID is 65 characters long; DALI allows at most 64$/],
      ["a missing LANG", { QUERY: "SELECT 1 FROM demo.stars" }, 400, /LANG/],
      ["an unknown LANG", { LANG: "SQL", QUERY: "SELECT 1 FROM demo.stars" }, 400, /LANG=SQL/],
      ["a missing QUERY", { LANG: "ADQL" }, 400, /QUERY/],
      ["a bad MAXREC", { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars", MAXREC: "-1" }, 400, /MAXREC/],
      ["an unknown format", { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars", RESPONSEFORMAT: "fits" }, 400, /RESPONSEFORMAT/],
      ["another REQUEST", { REQUEST: "getCapabilities", LANG: "ADQL", QUERY: "SELECT 1" }, 400, /REQUEST/],
      ["a constant that cannot be cast, refused by the compiler", { LANG: "ADQL", QUERY: "SELECT TOP 1 CAST(1e30 AS INTEGER) AS x FROM demo.stars" }, 400, /^ADQL error: line 1, column 19: CAST o/],
      ["a computed value the database cannot cast", { LANG: "ADQL", QUERY: "SELECT TOP 1 CAST(ra * 1e30 AS INTEGER) AS x FROM demo.stars WHERE ra > 1" }, 400, /^The query failed on its values: Conversion Error: /],
      ["an upload from an address not allowed (loopback)", { LANG: "ADQL", QUERY: "SELECT * FROM TAP_UPLOAD.t", UPLOAD: "t,http://127.0.0.1:9/t.xml" }, 400, /^UPLOAD t: the URL could not be fetched, or is not allowed\./],
    ];
    for (const [what, params, status, message] of cases) {
      it(`answers ${what} with a VOTable error document and ${status}`, async () => {
        const r = await sync(url, params);
        expect(r.status).to.equal(status);
        expect(r.type).to.match(/^application\/x-votable\+xml/);
        const info = /<INFO name="QUERY_STATUS" value="ERROR">([^<]*)<\/INFO>/.exec(r.text);
        expect(info, r.text).to.not.equal(null);
        expect(info![1]).to.match(message);
      });
    }

    it("ends a result whose query fails after its first rows with the error, not as a shorter complete result (TAP 1.1 §4.9)", async () => {
      // The demo's stars are stored in declination order (demo.ts): DuckDB meets the bad value only once it has streamed
      // the 93,000 stars south of +60°.
      const query = "SELECT star_id, CAST(CASE WHEN dec > 60 THEN 'x' ELSE '1' END AS INTEGER) AS n FROM demo.stars";
      const r = await sync(url, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "votable/td" });
      expect(r.status).to.equal(200);
      const tail = r.text.slice(-600);
      expect(tail, tail).to.match(/<\/TABLE>\s*<INFO name="QUERY_STATUS" value="ERROR">[^<]*Conversion Error: Could not convert string 'x' to INT32/);
    });

    it("ends a BINARY result at a value equal to the null value BINARY picked, saying why, not as a NULL (VOTable 1.4 §5.5)", async () => {
      // An int column (the CAST: -2147483648 alone is a BIGINT literal, and makes the CASE a long).
      const query = "SELECT TOP 2 star_id, CASE WHEN star_id = (SELECT MIN(star_id) FROM demo.stars) THEN 1 ELSE CAST(-2147483648 AS INTEGER) END AS i FROM demo.stars ORDER BY star_id";
      const r = await sync(url, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "votable/b" });
      expect(r.status).to.equal(200);
      const tail = r.text.slice(-700);
      expect(tail, tail).to.match(
        /<\/TABLE>\s*<INFO name="QUERY_STATUS" value="ERROR">The result cannot be written in this format: row 1: field "i" \(int\): -2147483648 is the null value that BINARY declares/,
      );
    });

    it("repeats QUERY and RUNID in the error document (DALI 1.1 §4.3.6)", async () => {
      const r = await sync(url, { LANG: "ADQL", QUERY: "SELECT nope FROM demo.stars", RUNID: "xmatch-42" });
      expect(r.status).to.equal(400);
      expect(r.text).to.contain('<INFO name="QUERY" value="SELECT nope FROM demo.stars"/>');
      expect(r.text).to.contain('<INFO name="RUNID" value="xmatch-42"/>');
    });

    it("refuses a parameter given twice with different values, and accepts the same value twice", async () => {
      const twice = await fetch(`${url}/sync?LANG=ADQL&QUERY=SELECT%201%20AS%20a&query=SELECT%202%20AS%20a`);
      expect(twice.status).to.equal(400);
      expect(await twice.text()).to.contain("Parameter QUERY was given more than once with different values");
      const same = await fetch(`${url}/sync?LANG=ADQL&lang=ADQL&QUERY=SELECT%20TOP%201%20star_id%20FROM%20demo.stars&RESPONSEFORMAT=csv`);
      expect(same.status).to.equal(200);
    });

    it("answers MAXREC=0 with the fields, no rows and an OVERFLOW (TAP 1.1 §2.7.4)", async () => {
      const r = await sync(url, { LANG: "ADQL", QUERY: "SELECT TOP 3 star_id FROM demo.stars", MAXREC: "0", RESPONSEFORMAT: "votable/td" });
      expect(r.status).to.equal(200);
      const doc = await rows(r.body);
      expect(doc.fields.map((f) => f.name)).to.deep.equal(["star_id"]);
      expect(doc.rows).to.deep.equal([]);
      expect(r.text).to.match(/<\/TABLE>\s*<INFO name="QUERY_STATUS" value="OVERFLOW"\/>/);
    });

    it("passes the compiler's warnings on as WARNING INFOs beside QUERY_STATUS, sync and async (DALI 1.1 §5.4.3)", async () => {
      const box = "SELECT star_id FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), BOX('ICRS', 180, 30, 2, 2))";
      const cases: [string, string, RegExp | null][] = [
        ["BOX read as coordinate ranges", box, /^BOX is read as ranges of coordinates/],
        ["no warning", "SELECT TOP 1 star_id FROM demo.stars", null],
      ];
      for (const [name, query, warning] of cases) {
        const r = await sync(url, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "votable/td" });
        expect(r.status, name).to.equal(200);
        const warnings = (await rows(r.body)).infos.filter((i) => i.name === "WARNING").map((i) => i.value);
        if (warning) expect(warnings, name).to.have.length(1).and.satisfy((w: string[]) => warning.test(w[0]!));
        else expect(warnings, name).to.deep.equal([]);
      }
      // An async job's result is written by the same path (TAP 1.1 §2.2.2 results/result).
      const job = await createJob(url, { LANG: "ADQL", QUERY: box, RESPONSEFORMAT: "votable/td", PHASE: "RUN" });
      await waitFor(job, ["COMPLETED", "ERROR"]);
      const result = Buffer.from(await (await fetch(`${job}/results/result`)).arrayBuffer());
      expect((await rows(result)).infos.filter((i) => i.name === "WARNING").map((i) => i.value)).to.have.length(1);
      // Nothing is added to a format without INFOs.
      const csv = await sync(url, { LANG: "ADQL", QUERY: box, RESPONSEFORMAT: "csv" });
      expect(csv.text).to.not.contain("BOX is read");
    });

    it("answers 404 with an error document for an unknown endpoint", async () => {
      const res = await fetch(`${url}/nothing`);
      expect(res.status).to.equal(404);
      expect(await res.text()).to.contain('value="ERROR"');
    });
  });
});
