/**
 * TAP_UPLOAD over HTTP (TAP 1.1 §4.5, DALI 1.1 §4.3.5): UPLOAD=name,param:part with the VOTable
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
import { startService, type Running } from "./test-support/service.js";

const MAX_BYTES = 100_000;

function votable(ids: readonly number[], extraField = ""): string {
  return (
    '<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>' +
    `<FIELD name="id" datatype="long"/>${extraField}<DATA><TABLEDATA>` +
    ids.map((i) => `<TR><TD>${i}</TD></TR>`).join("") +
    "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"
  );
}

/** A VOTable of about `bytes` bytes (rows padded with spaces). */
function votableOfSize(bytes: number): string {
  const row = `<TR><TD>1</TD></TR>${" ".repeat(80)}`;
  return votable([]).replace("</TABLEDATA>", row.repeat(Math.ceil(bytes / row.length)) + "</TABLEDATA>");
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
  { name: "a part just under the limit", fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT COUNT(*) AS n FROM TAP_UPLOAD.mine" }, parts: { t1: votableOfSize(MAX_BYTES - 2_000) }, status: 200, expect: ["n", String(Math.ceil((MAX_BYTES - 2_000) / 99))] },
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
    svc = await startService({ demo: true, uploadUrlHosts: ["127.0.0.1"], limits: { uploadMaxBytes: MAX_BYTES, uploadMaxTables: 2 } });
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
