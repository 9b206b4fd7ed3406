/**
 * TAP_UPLOAD over HTTP (TAP 1.1 §2.7.6, DALI 1.1 §4.3.5): UPLOAD=name,param:part with the VOTable
 * in a multipart part, and UPLOAD=name,http://... from an allowlisted host, on the demo catalog
 * (DuckDB), with small upload limits so that each limit can be reached. The parts are spooled to
 * $TMPDIR while the request is read; every case also checks that nothing is left there.
 */
import { expect } from "chai";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readVOTable } from "@qserv-tap/votable";
import type { MariaDbServer } from "../../adql-compiler/src/test-support/mariadb.js";
import { privateMariaDb, startService, type Running } from "./test-support/service.js";

const MAX_BYTES = 100_000;

function votable(ids: readonly number[], extraField = ""): string {
  return (
    '<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>' +
    `<FIELD name="id" datatype="long"/>${extraField}<DATA><TABLEDATA>` +
    ids.map((i) => `<TR><TD>${i}</TD></TR>`).join("") +
    "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"
  );
}

/** A VOTable of about `bytes` bytes: `rows` rows, padded with spaces. */
function votableOfSize(bytes: number, rows = 1): string {
  const row = "<TR><TD>1</TD></TR>";
  return votable([]).replace("</TABLEDATA>", row.repeat(rows) + " ".repeat(bytes) + "</TABLEDATA>");
}

const BROKEN = '<?xml version="1.0"?>\n<VOTABLE version="1.4">\n<RESOURCE><TABLE><FIELD name="id" datatype="long"/>\n<DATA><TABLEDATA><TR><TD>1</TD></TR>\n</TABLE>';

interface Case {
  name: string;
  /** Form fields (besides LANG and RESPONSEFORMAT=csv). */
  fields: Record<string, string>;
  /** Multipart parts, by part name. */
  parts?: Record<string, string>;
  status: number;
  /** The CSV lines, or a pattern the error document matches. */
  expect: string[] | RegExp;
}

const JOIN = "SELECT s.star_id FROM TAP_UPLOAD.mine AS u JOIN demo.stars AS s ON s.star_id = u.id ORDER BY s.star_id";

/** "FILES" in a field stands for the base URL of the test's file server. */
const CASES: Case[] = [
  { name: "a param: upload joined with a catalog table", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: votable([10, 3]) }, status: 200, expect: ["star_id", "3", "10"] },
  {
    name: "two param: uploads in one UPLOAD value, joined with each other",
    fields: { UPLOAD: "a,param:p1;b,param:p2", QUERY: "SELECT a.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON a.id = b.id ORDER BY a.id" },
    parts: { p1: votable([1, 2, 3]), p2: votable([2, 3, 4]) },
    status: 200,
    expect: ["id", "2", "3"],
  },
  { name: "an http: upload from an allowlisted host", fields: { UPLOAD: "mine,FILES/ok.xml", QUERY: JOIN }, status: 200, expect: ["star_id", "5", "7"] },
  { name: "an http: upload larger than the limit, with no Content-Length", fields: { UPLOAD: "mine,FILES/big-chunked.xml", QUERY: JOIN }, status: 413, expect: /larger than the limit of 100000 bytes/ },
  { name: "an http: upload whose Content-Length is over the limit", fields: { UPLOAD: "mine,FILES/big.xml", QUERY: JOIN }, status: 413, expect: /larger than the limit of 100000 bytes/ },
  { name: "an http: upload that is not found", fields: { UPLOAD: "mine,FILES/missing.xml", QUERY: JOIN }, status: 400, expect: /HTTP 404/ },
  { name: "a param: reference to a part the request lacks", fields: { UPLOAD: "mine,param:nothere", QUERY: JOIN }, parts: { t1: votable([1]) }, status: 400, expect: /no multipart part named nothere/ },
  { name: "a malformed VOTable, with the line of the problem", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: BROKEN }, status: 400, expect: /UPLOAD mine: .*line 5/ },
  { name: "a part larger than the limit", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: votableOfSize(MAX_BYTES + 10_000) }, status: 413, expect: /Upload t1 is larger than the limit of 100000 bytes/ },
  { name: "a part just under the limit", fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT COUNT(*) AS n FROM TAP_UPLOAD.mine" }, parts: { t1: votableOfSize(MAX_BYTES - 2_000, 5) }, status: 200, expect: ["n", "5"] },
  { name: "a table with more rows than the limit", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: votable([1, 2, 3, 4, 5, 6]) }, status: 413, expect: /UPLOAD mine has more than 5 rows, the limit of this service/ },
  { name: "more parts than the table limit", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: votable([1]), t2: votable([1]), t3: votable([1]) }, status: 413, expect: /More than 2 uploaded files/ },
  { name: "an upload table name that is not an ADQL name", fields: { UPLOAD: "1x,param:t1", QUERY: JOIN }, parts: { t1: votable([1]) }, status: 400, expect: /not a valid ADQL table name/ },
];

describe("server TAP_UPLOAD (param: and http: uploads, spooled to disk)", function () {
  let svc: Running;
  let files: Server;
  let filesUrl: string;
  let spool: string;
  let savedTmp: string | undefined;

  before(async function () {
    this.timeout(60_000);
    savedTmp = process.env.TMPDIR;
    spool = mkdtempSync(join(tmpdir(), "tap-spool-test-"));
    process.env.TMPDIR = spool;
    files = createServer((req, res) => {
      if (req.url === "/ok.xml") {
        res.setHeader("content-type", "application/x-votable+xml");
        res.end(votable([7, 5]));
      } else if (req.url === "/big.xml") {
        res.setHeader("content-length", String(MAX_BYTES * 2));
        res.end(votableOfSize(MAX_BYTES * 2).slice(0, MAX_BYTES * 2));
      } else if (req.url === "/big-chunked.xml") {
        // Written in pieces with no Content-Length: only counting the bytes finds the size.
        const body = votableOfSize(MAX_BYTES * 3);
        for (let i = 0; i < body.length; i += 16_384) res.write(body.slice(i, i + 16_384));
        res.end();
      } else {
        res.statusCode = 404;
        res.end("not found");
      }
    });
    files.listen(0, "127.0.0.1");
    await once(files, "listening");
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    svc = await startService({ demo: true, uploadUrlHosts: ["127.0.0.1"], limits: { uploadMaxBytes: MAX_BYTES, uploadMaxRows: 5, uploadMaxTables: 2 } });
  });

  after(async () => {
    await svc?.close();
    files?.close();
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(spool, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const form = new FormData();
      form.set("LANG", "ADQL");
      form.set("RESPONSEFORMAT", "csv");
      for (const [k, v] of Object.entries(c.fields)) form.set(k, v.replace("FILES", filesUrl));
      for (const [k, v] of Object.entries(c.parts ?? {})) form.set(k, new Blob([v], { type: "application/x-votable+xml" }), `${k}.xml`);
      const res = await fetch(`${svc.url}/sync`, { method: "POST", body: form });
      const text = await res.text();
      expect(res.status, text).to.equal(c.status);
      if (Array.isArray(c.expect)) {
        expect(text.trim().split(/\r?\n/)).to.deep.equal(c.expect);
      } else {
        expect(res.headers.get("content-type")).to.match(/^application\/x-votable\+xml/);
        expect(text).to.match(/<INFO name="QUERY_STATUS" value="ERROR">/);
        expect(text).to.match(c.expect);
      }
      // The spooled parts are gone once the response is (the removal runs as the response closes).
      const spooled = () => readdirSync(spool).filter((f) => f.startsWith("tap-upload-"));
      for (let i = 0; i < 50 && spooled().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(spooled()).to.deep.equal([]);
    });
  }
});

/**
 * TAP 1.1 §2.7.6: "clients must be able to upload and then query a valid table and round-trip all
 * values". One VOTable with a column of each datatype (and the DALI xtypes timestamp, point,
 * circle, polygon), a row of values and a row of NULLs, uploaded and selected back, in TABLEDATA
 * and BINARY2, on DuckDB and on MariaDB.
 */
const EVERY_TYPE = `<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>
<FIELD name="b" datatype="boolean"/><FIELD name="u" datatype="unsignedByte"/><FIELD name="s" datatype="short"/>
<FIELD name="i" datatype="int"/><FIELD name="l" datatype="long"/><FIELD name="f" datatype="float"/><FIELD name="d" datatype="double"/>
<FIELD name="c" datatype="char" arraysize="*"/><FIELD name="uc" datatype="unicodeChar" arraysize="*"/>
<FIELD name="t" datatype="char" arraysize="*" xtype="timestamp"/><FIELD name="p" datatype="double" arraysize="2" xtype="point" unit="deg"/>
<FIELD name="ci" datatype="double" arraysize="3" xtype="circle" unit="deg"/><FIELD name="po" datatype="double" arraysize="*" xtype="polygon" unit="deg"/>
<FIELD name="ia" datatype="int" arraysize="*"/>
<DATA><TABLEDATA>
<TR><TD>T</TD><TD>200</TD><TD>-3</TD><TD>2147483647</TD><TD>9007199254740993</TD><TD>1.5</TD><TD>0.1</TD><TD>a "b" &amp; c</TD><TD>ŝtar ✶</TD>
<TD>2025-03-04T05:06:07.5</TD><TD>10 20</TD><TD>10 20 0.5</TD><TD>1 1 2 1 2 2</TD><TD>1 2 3</TD></TR>
<TR><TD/><TD/><TD/><TD/><TD/><TD/><TD>NaN</TD><TD/><TD/><TD/><TD/><TD/><TD/><TD/></TR>
</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`;

/** Each column, but t (whose fraction of a second differs by backend), and its value in the row of values. */
const EVERY_TYPE_ROW: [string, unknown][] = [
  ["b", true],
  ["u", 200],
  ["s", -3],
  ["i", 2147483647],
  ["l", 9007199254740993n],
  ["f", 1.5],
  ["d", 0.1],
  ["c", 'a "b" & c'],
  ["uc", "ŝtar ✶"],
  ["p", [10, 20]],
  ["ci", [10, 20, 0.5]],
  ["po", [1, 1, 2, 1, 2, 2]],
  ["ia", [1, 2, 3]],
];

describe("server TAP_UPLOAD round trip of every datatype (TAP 1.1 §2.7.6)", function () {
  this.timeout(120_000);
  let db: MariaDbServer | undefined;
  const services: { name: string; svc: Running; nan: unknown }[] = [];
  let mariadbSettings: Awaited<ReturnType<typeof privateMariaDb>>["mariadb"] | undefined;

  before(async function () {
    services.push({ name: "duckdb", svc: await startService({ demo: true }), nan: NaN });
    const mine = await privateMariaDb(this);
    db = mine.db;
    const mariadb = mine.mariadb;
    mariadbSettings = mariadb;
    // MariaDB has no NaN: a NaN double is stored as NULL.
    services.push({ name: "mariadb", svc: await startService({ backend: "mariadb", demo: false, mariadb }), nan: null });
  });

  after(async () => {
    for (const s of services) await s.svc.close();
    await db?.stop();
  });

  it("on mariadb, an upload larger than max_allowed_packet goes in several statements", async function () {
    if (!db) this.skip();
    // 2 MiB packets (MariaDB's default is 16 MiB); the upload is 4 MB of text in 400 rows.
    const c = await db!.connect();
    await c.query("SET GLOBAL max_allowed_packet = 2097152");
    await c.end();
    const svc = await startService({ backend: "mariadb", demo: false, mariadb: mariadbSettings! });
    try {
      const text = "w".repeat(10_000);
      const vot = votable([]).replace('<FIELD name="id" datatype="long"/>', '<FIELD name="id" datatype="long"/><FIELD name="s" datatype="char" arraysize="*"/>')
        .replace("</TABLEDATA>", Array.from({ length: 400 }, (_, i) => `<TR><TD>${i}</TD><TD>${text}</TD></TR>`).join("") + "</TABLEDATA>");
      const form = new FormData();
      form.set("LANG", "ADQL");
      form.set("RESPONSEFORMAT", "csv");
      form.set("UPLOAD", "big,param:p");
      form.set("QUERY", "SELECT COUNT(*) AS n, MIN(s) AS lo, MAX(s) AS hi FROM TAP_UPLOAD.big");
      form.set("p", new Blob([vot]), "p.xml");
      const res = await fetch(`${svc.url}/sync`, { method: "POST", body: form });
      const body = await res.text();
      expect(res.status, body).to.equal(200);
      expect(body.trim().split(/\r?\n/)).to.deep.equal(["n,lo,hi", `400,${text},${text}`]);
    } finally {
      await svc.close();
    }
  });

  for (const backend of ["duckdb", "mariadb"]) {
    for (const format of ["votable/td", "votable/b2"]) {
      it(`on ${backend}, in ${format}`, async function () {
        const s = services.find((x) => x.name === backend);
        if (!s) this.skip();
        const form = new FormData();
        form.set("LANG", "ADQL");
        form.set("RESPONSEFORMAT", format);
        form.set("UPLOAD", "t,param:p");
        form.set("QUERY", "SELECT * FROM TAP_UPLOAD.t ORDER BY i");
        form.set("p", new Blob([EVERY_TYPE]), "p.xml");
        const res = await fetch(`${s!.svc.url}/sync`, { method: "POST", body: form });
        const body = Buffer.from(await res.arrayBuffer());
        expect(res.status, body.toString()).to.equal(200);
        const reader = await readVOTable(body);
        const names = reader.fields.map((f) => f.name);
        expect(reader.fields.map((f) => [f.name, f.datatype, f.arraysize ?? "", f.xtype ?? ""])).to.deep.equal([
          ["b", "boolean", "", ""], ["u", "unsignedByte", "", ""], ["s", "short", "", ""], ["i", "int", "", ""],
          ["l", "long", "", ""], ["f", "float", "", ""], ["d", "double", "", ""], ["c", "char", "*", ""],
          ["uc", "unicodeChar", "*", ""], ["t", "char", "*", "timestamp"], ["p", "double", "2", "point"],
          ["ci", "double", "3", "circle"], ["po", "double", "*", "polygon"], ["ia", "int", "*", ""],
        ]);
        const rows: unknown[][] = [];
        for await (const r of reader) rows.push([...r].map((v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>) : v)));
        // ORDER BY i: MariaDB sorts NULLs first, DuckDB last.
        const [nulls, values] = rows.length === 2 && rows[0]![3] === null ? [rows[0]!, rows[1]!] : [rows[1]!, rows[0]!];
        for (const [name, want] of EVERY_TYPE_ROW) expect(values[names.indexOf(name)], name).to.deep.equal(want);
        expect(values[names.indexOf("t")]).to.match(/^2025-03-04T05:06:07\.50*$/);
        for (const [i, name] of names.entries()) expect(nulls[i], name).to.deep.equal(name === "d" ? s!.nan : null);
      });
    }
  }
});
