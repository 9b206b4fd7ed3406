/**
 * TAP_UPLOAD over HTTP (TAP 1.1 §2.7.6, DALI 1.1 §4.3.5): UPLOAD=name,param:part with the VOTable
 * in a multipart part, and UPLOAD=name,http://... behind the guard of url-fetch.ts, on the demo
 * catalog (DuckDB), with small upload limits so that each limit can be reached. The URL uploads
 * come from servers on 127.0.0.1, a loopback address that only an allowlisted URL prefix may
 * reach. The parts are spooled to $TMPDIR while the request is read; every case also checks that
 * nothing is left there.
 */
import { expect } from "chai";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readVOTable } from "@qserv-tap/votable";
import type { MariaDbServer } from "../../adql-compiler/src/test-support/mariadb.js";
import { privateMariaDb, startService, syncWithUpload, type Running } from "./test-support/service.js";
import { until } from "../../votable/src/test-support/until.js";

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

/** A VOTable of one DALI timestamp column (DALI 1.1 §3.3.3), a row per value. */
function timestamps(values: readonly string[]): string {
  return votable([]).replace(
    '<FIELD name="id" datatype="long"/><DATA><TABLEDATA></TABLEDATA>',
    '<FIELD name="t" datatype="char" arraysize="*" xtype="timestamp"/><DATA><TABLEDATA>' + values.map((v) => `<TR><TD>${v}</TD></TR>`).join("") + "</TABLEDATA>",
  );
}

/**
 * A VOTable of the given FIELDs and DATA (a TABLEDATA or a BINARY2 element), for the complex columns:
 * VOTable 1.4 §6 makes a complex value two numbers, real then imaginary, in TABLEDATA and in BINARY2.
 */
function table(fields: string, data: string): string {
  return `<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>${fields}<DATA>${data}</DATA></TABLE></RESOURCE></VOTABLE>`;
}

/** A BINARY2 STREAM (VOTable 1.4 §5.4) of rows given in hex: each row its null flags, then its cells, big-endian. */
function binary2(...rows: string[]): string {
  return `<BINARY2><STREAM encoding="base64">${Buffer.from(rows.join(""), "hex").toString("base64")}</STREAM></BINARY2>`;
}

/** 1 + 2i and 3 - 4i as floatComplex, then as doubleComplex (IEEE 754, big-endian). */
const C32 = ["3f800000" + "40000000", "40400000" + "c0800000"] as const;
const C64 = ["3ff0000000000000" + "4000000000000000", "4008000000000000" + "c010000000000000"] as const;

/**
 * What a complex column gets, whatever the serialization and the response format: ADQL has no
 * complex type, so the upload is refused before any query runs, with a 400 and the error document
 * of TAP 1.1 §3.3 (DALI 1.1 §5.2), never a 200 that fails as its rows are written.
 */
const complexRefused = (column: string) =>
  new RegExp(`<INFO name="QUERY_STATUS" value="ERROR">UPLOAD mine, ${column}: complex values are not supported in uploads`);

const BROKEN = '<?xml version="1.0"?>\n<VOTABLE version="1.4">\n<RESOURCE><TABLE><FIELD name="id" datatype="long"/>\n<DATA><TABLEDATA><TR><TD>1</TD></TR>\n</TABLE>';

interface Case {
  name: string;
  /** Form fields (besides LANG and RESPONSEFORMAT=csv). */
  fields: Record<string, string>;
  /** Multipart parts, by part name. */
  parts?: Record<string, string>;
  status: number;
  /** The CSV lines, or a pattern the error document matches, or the one answer to every refused or failed URL upload. */
  expect: string[] | RegExp | typeof URL_FAILED;
  /** What the service logs (the reason a URL upload was refused or failed). */
  log?: RegExp;
}

const JOIN = "SELECT s.star_id FROM TAP_UPLOAD.mine AS u JOIN demo.stars AS s ON s.star_id = u.id ORDER BY s.star_id";

/** A URL upload that is refused or fails gets this answer, whatever the reason: the service is no port scanner. */
const URL_FAILED = Symbol("the one message for a refused or failed URL upload");
const URL_FAILED_MESSAGE =
  "UPLOAD mine: the URL could not be fetched, or is not allowed. This service fetches http and https URLs of public hosts " +
  "that answer 200 within 2 s, following at most 5 redirects. Check that the URL can be fetched from outside your network, " +
  "or send the table in the request (UPLOAD=mine,param:part)";

/**
 * In a field, FILES stands for the allowlisted prefix of the file server (http://127.0.0.1:port/votables),
 * FILESROOT for that server's root (outside the prefix), OTHER for a second file server that is not
 * allowlisted, CLOSED for an allowlisted port where nothing listens, SILENT for an allowlisted
 * server that accepts connections and never answers, and SELF for the service's own URL.
 */
const CASES: Case[] = [
  { name: "a param: upload joined with a catalog table", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: votable([10, 3]) }, status: 200, expect: ["star_id", "3", "10"] },
  {
    name: "two param: uploads in one UPLOAD value, joined with each other",
    fields: { UPLOAD: "a,param:p1;b,param:p2", QUERY: "SELECT a.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON a.id = b.id ORDER BY a.id" },
    parts: { p1: votable([1, 2, 3]), p2: votable([2, 3, 4]) },
    status: 200,
    expect: ["id", "2", "3"],
  },
  { name: "an http: upload under an allowlisted prefix", fields: { UPLOAD: "mine,FILES/ok.xml", QUERY: JOIN }, status: 200, expect: ["star_id", "5", "7"] },
  { name: "an http: upload redirected within the allowlisted prefix", fields: { UPLOAD: "mine,FILES/redirect-ok", QUERY: JOIN }, status: 200, expect: ["star_id", "5", "7"] },
  { name: "an http: upload larger than the limit, with no Content-Length", fields: { UPLOAD: "mine,FILES/big-chunked.xml", QUERY: JOIN }, status: 413, expect: /UPLOAD mine is larger than the limit of 100000 bytes/ },
  { name: "an http: upload whose Content-Length is over the limit", fields: { UPLOAD: "mine,FILES/big.xml", QUERY: JOIN }, status: 413, expect: /UPLOAD mine is larger than the limit of 100000 bytes/ },
  { name: "an http: upload that is not found", fields: { UPLOAD: "mine,FILES/missing.xml", QUERY: JOIN }, status: 400, expect: URL_FAILED, log: /from http:\/\/127\.0\.0\.1:\d+\/votables\/missing\.xml refused or failed: HTTP 404$/ },
  { name: "an http: upload from a loopback port that is not allowlisted", fields: { UPLOAD: "mine,OTHER/votables/ok.xml", QUERY: JOIN }, status: 400, expect: URL_FAILED, log: /refused or failed: 127\.0\.0\.1 is loopback \(127\.0\.0\.0\/8\), and no allowlist entry covers the URL$/ },
  { name: "an http: upload from the allowlisted host and port, outside the prefix's path", fields: { UPLOAD: "mine,FILESROOT/private/ok.xml", QUERY: JOIN }, status: 400, expect: URL_FAILED, log: /127\.0\.0\.1 is loopback .* no allowlist entry covers the URL$/ },
  { name: "an http: upload redirected to a loopback name that is not allowlisted", fields: { UPLOAD: "mine,FILES/redirect-localhost", QUERY: JOIN }, status: 400, expect: URL_FAILED, log: /localhost has the address .*, which is loopback .*\(at http:\/\/localhost:\d+\/votables\/ok\.xml, after a redirect\)$/ },
  { name: "an http: upload redirected to a cloud metadata address", fields: { UPLOAD: "mine,FILES/redirect-metadata", QUERY: JOIN }, status: 400, expect: URL_FAILED, log: /169\.254\.169\.254 is a cloud metadata service/ },
  { name: "an http: upload redirected more than 5 times", fields: { UPLOAD: "mine,FILES/redirect-loop", QUERY: JOIN }, status: 400, expect: URL_FAILED, log: /more than 5 redirects/ },
  { name: "an http: upload from an allowlisted port where nothing listens", fields: { UPLOAD: "mine,CLOSED/t.xml", QUERY: JOIN }, status: 400, expect: URL_FAILED, log: /refused or failed: ECONNREFUSED/ },
  { name: "an http: upload from a server that never answers (the time limit)", fields: { UPLOAD: "mine,SILENT/t.xml", QUERY: JOIN }, status: 400, expect: URL_FAILED, log: /refused or failed: no complete answer within 2000 ms$/ },
  {
    name: "an http: upload from the service itself",
    fields: { UPLOAD: "mine,SELF/sync?LANG=ADQL&QUERY=SELECT%20TOP%201%20star_id%20AS%20id%20FROM%20demo.stars", QUERY: JOIN },
    status: 400,
    expect: URL_FAILED,
    log: /refused or failed: it is the service's own URL \(http:\/\/127\.0\.0\.1:\d+\)$/,
  },
  {
    name: "an http: upload with a user, password and query, which the log leaves out",
    fields: { UPLOAD: "mine,http://alice:s3cret@127.0.0.1:OTHERPORT/votables/ok.xml?token=abc", QUERY: JOIN },
    status: 400,
    expect: URL_FAILED,
    log: /^UPLOAD mine from http:\/\/127\.0\.0\.1:\d+\/votables\/ok\.xml\?… refused or failed: 127\.0\.0\.1 is loopback/,
  },
  { name: "an ftp: upload", fields: { UPLOAD: "mine,ftp://127.0.0.1/t.xml", QUERY: JOIN }, status: 400, expect: /only param: and http\(s\) URLs are supported/ },
  { name: "a param: reference to a part the request lacks", fields: { UPLOAD: "mine,param:nothere", QUERY: JOIN }, parts: { t1: votable([1]) }, status: 400, expect: /no multipart part named nothere/ },
  { name: "a malformed VOTable, with the line of the problem", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: BROKEN }, status: 400, expect: /UPLOAD mine: .*line 5/ },
  { name: "a part larger than the limit", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: votableOfSize(MAX_BYTES + 10_000) }, status: 413, expect: /Upload t1 is larger than the limit of 100000 bytes/ },
  { name: "a part just under the limit", fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT COUNT(*) AS n FROM TAP_UPLOAD.mine" }, parts: { t1: votableOfSize(MAX_BYTES - 2_000, 5) }, status: 200, expect: ["n", "5"] },
  { name: "a table with more rows than the limit", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: votable([1, 2, 3, 4, 5, 6]) }, status: 413, expect: /UPLOAD mine has more than 5 rows, the limit of this service/ },
  { name: "more parts than the table limit", fields: { UPLOAD: "mine,param:t1", QUERY: JOIN }, parts: { t1: votable([1]), t2: votable([1]), t3: votable([1]) }, status: 413, expect: /More than 2 uploaded files/ },
  {
    name: "DALI timestamps: a date, a fraction and a Z (DALI 1.1 §3.3.3)",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT t FROM TAP_UPLOAD.mine ORDER BY t" },
    parts: { t1: timestamps(["2020-02-29", "2021-01-01T12:00:00.123Z", "1999-12-31T23:59:59"]) },
    status: 200,
    expect: ["t", "1999-12-31T23:59:59", "2020-02-29T00:00:00", "2021-01-01T12:00:00.123"],
  },
  {
    name: "a timestamp that Date.parse would read as a year",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT t FROM TAP_UPLOAD.mine" },
    parts: { t1: timestamps(["2020-01-01", "42"]) },
    status: 400,
    expect: /UPLOAD mine, row 2, column t: "42" is not a DALI timestamp \(YYYY-MM-DD\['T'hh:mm:ss\[\.SSS\]\['Z'\]\], DALI 1\.1 §3\.3\.3\): it does not have the form/,
  },
  {
    name: "a timestamp of a day that does not exist",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT t FROM TAP_UPLOAD.mine" },
    parts: { t1: timestamps(["2020-02-30"]) },
    status: 400,
    expect: /UPLOAD mine, row 1, column t: "2020-02-30" is not a DALI timestamp .*: February 2020 has 29 days/,
  },
  {
    name: "a timestamp at 24:00",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT t FROM TAP_UPLOAD.mine" },
    parts: { t1: timestamps(["2020-01-01", "2020-01-01T00:00:00", "2020-01-01T24:00:00"]) },
    status: 400,
    expect: /UPLOAD mine, row 3, column t: .*the hour must be 00 to 23, not 24/,
  },
  {
    name: "a floatComplex column in TABLEDATA (VOTable 1.4 §5.1: two numbers), answered in CSV",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT * FROM TAP_UPLOAD.mine" },
    parts: { t1: table('<FIELD name="cx" datatype="floatComplex"/>', "<TABLEDATA><TR><TD>1 2</TD></TR></TABLEDATA>") },
    status: 400,
    expect: complexRefused(String.raw`column cx \(floatComplex\)`),
  },
  {
    name: "a doubleComplex column in TABLEDATA, answered in votable/td",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT * FROM TAP_UPLOAD.mine", RESPONSEFORMAT: "votable/td" },
    parts: { t1: table('<FIELD name="cx" datatype="doubleComplex"/>', "<TABLEDATA><TR><TD>1 2</TD></TR><TR><TD/></TR></TABLEDATA>") },
    status: 400,
    expect: complexRefused(String.raw`column cx \(doubleComplex\)`),
  },
  {
    name: "a floatComplex array in TABLEDATA (VOTable 1.4 §2.2: arraysize 2 is four numbers), answered in Parquet",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT * FROM TAP_UPLOAD.mine", RESPONSEFORMAT: "parquet" },
    parts: { t1: table('<FIELD name="cx" datatype="floatComplex" arraysize="2"/>', "<TABLEDATA><TR><TD>1 2 3 4</TD></TR></TABLEDATA>") },
    status: 400,
    expect: complexRefused(String.raw`column cx \(floatComplex, arraysize="2"\)`),
  },
  {
    name: "a doubleComplex variable-length array in TABLEDATA, beside a column the query uses",
    fields: { UPLOAD: "mine,param:t1", QUERY: JOIN },
    parts: {
      t1: table('<FIELD name="id" datatype="long"/><FIELD name="cx" datatype="doubleComplex" arraysize="*"/>', "<TABLEDATA><TR><TD>3</TD><TD>1 2 3 -4</TD></TR></TABLEDATA>"),
    },
    status: 400,
    expect: complexRefused(String.raw`column cx \(doubleComplex, arraysize="\*"\)`),
  },
  {
    name: "a floatComplex column in BINARY2 (VOTable 1.4 §5.4), as astropy writes it",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT * FROM TAP_UPLOAD.mine" },
    parts: { t1: table('<FIELD name="cx" datatype="floatComplex"/>', binary2("00" + C32[0], "80" + "7fc000007fc00000")) },
    status: 400,
    expect: complexRefused(String.raw`column cx \(floatComplex\)`),
  },
  {
    name: "a doubleComplex column in BINARY2",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT * FROM TAP_UPLOAD.mine", RESPONSEFORMAT: "votable/b2" },
    parts: { t1: table('<FIELD name="cx" datatype="doubleComplex"/>', binary2("00" + C64[0])) },
    status: 400,
    expect: complexRefused(String.raw`column cx \(doubleComplex\)`),
  },
  {
    name: "complex arrays in BINARY2, fixed and variable, each named",
    fields: { UPLOAD: "mine,param:t1", QUERY: "SELECT id FROM TAP_UPLOAD.mine" },
    parts: {
      t1: table(
        '<FIELD name="id" datatype="int"/><FIELD name="fa" datatype="floatComplex" arraysize="2"/><FIELD name="dv" datatype="doubleComplex" arraysize="*"/>',
        binary2("00" + "00000001" + C32[0] + C32[1] + "00000002" + C64[0] + C64[1]),
      ),
    },
    status: 400,
    expect: complexRefused(String.raw`columns fa \(floatComplex, arraysize="2"\), dv \(doubleComplex, arraysize="\*"\)`),
  },
  { name: "an upload table name that is not an ADQL name", fields: { UPLOAD: "1x,param:t1", QUERY: JOIN }, parts: { t1: votable([1]) }, status: 400, expect: /not a valid ADQL table name/ },
];

/** A server on 127.0.0.1, on a free port. */
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string; port: number }> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}`, port };
}

describe("server TAP_UPLOAD (param: and http: uploads, spooled to disk)", function () {
  let svc: Running;
  let files: Server;
  let filesUrl: string;
  let other: Server;
  let otherUrl: string;
  let otherPort: number;
  let closedUrl: string;
  let silent: Server;
  let silentUrl: string;
  /** The connections the silent server has accepted, and a promise of each one's end. */
  const silentSockets: Promise<unknown>[] = [];
  let spool: string;
  let savedTmp: string | undefined;
  const logs: string[] = [];

  before(async function () {
    this.timeout(60_000);
    savedTmp = process.env.TMPDIR;
    spool = mkdtempSync(join(tmpdir(), "tap-spool-test-"));
    process.env.TMPDIR = spool;
    let filesPort = 0;
    const redirect = (res: ServerResponse, location: string) => {
      res.statusCode = 302;
      res.setHeader("location", location);
      res.end();
    };
    ({ server: files, url: filesUrl, port: filesPort } = await listen((req, res) => {
      if (req.url === "/votables/ok.xml" || req.url === "/private/ok.xml") {
        res.setHeader("content-type", "application/x-votable+xml");
        res.end(votable([7, 5]));
      } else if (req.url === "/votables/big.xml") {
        res.setHeader("content-length", String(MAX_BYTES * 2));
        res.end(votableOfSize(MAX_BYTES * 2).slice(0, MAX_BYTES * 2));
      } else if (req.url === "/votables/big-chunked.xml") {
        // Written in pieces with no Content-Length: only counting the bytes finds the size.
        const body = votableOfSize(MAX_BYTES * 3);
        for (let i = 0; i < body.length; i += 16_384) res.write(body.slice(i, i + 16_384));
        res.end();
      } else if (req.url === "/votables/redirect-ok") {
        redirect(res, "/votables/ok.xml");
      } else if (req.url === "/votables/redirect-localhost") {
        // localhost is this server too, but no allowlist entry names it.
        redirect(res, `http://localhost:${filesPort}/votables/ok.xml`);
      } else if (req.url === "/votables/redirect-metadata") {
        redirect(res, "http://169.254.169.254/latest/meta-data/");
      } else if (req.url === "/votables/redirect-loop") {
        redirect(res, "/votables/redirect-loop");
      } else {
        res.statusCode = 404;
        res.end("not found");
      }
    }));
    ({ server: other, url: otherUrl, port: otherPort } = await listen((_req, res) => {
      res.setHeader("content-type", "application/x-votable+xml");
      res.end(votable([7, 5]));
    }));
    const closed = await listen(() => {});
    closedUrl = closed.url;
    await new Promise((r) => closed.server.close(r));
    ({ server: silent, url: silentUrl } = await listen(() => {}));
    silent.on("connection", (socket: Socket) => silentSockets.push(once(socket, "close")));
    svc = await startService({
      demo: true,
      limits: { uploadMaxBytes: MAX_BYTES, uploadMaxRows: 5, uploadMaxTables: 2 },
      // Short enough for the test of the time limit, long enough for the other URL uploads on a busy machine.
      uploadUrls: { allow: [`${filesUrl}/votables/`, `${closedUrl}/`, `${silentUrl}/`], timeoutSeconds: 2 },
    });
    svc.service.deps.log = (m) => logs.push(m);
  });

  after(async () => {
    await svc?.close();
    files?.close();
    other?.close();
    silent?.closeAllConnections();
    silent?.close();
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(spool, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const form = new FormData();
      form.set("LANG", "ADQL");
      form.set("RESPONSEFORMAT", "csv");
      const place = (v: string) =>
        v
          .replace("FILESROOT", filesUrl)
          .replace("FILES", `${filesUrl}/votables`)
          .replace("OTHERPORT", String(otherPort))
          .replace("OTHER", otherUrl)
          .replace("CLOSED", closedUrl)
          .replace("SILENT", silentUrl)
          .replace("SELF", svc.url);
      logs.length = 0;
      const silentBefore = silentSockets.length;
      for (const [k, v] of Object.entries(c.fields)) form.set(k, place(v));
      for (const [k, v] of Object.entries(c.parts ?? {})) form.set(k, new Blob([v], { type: "application/x-votable+xml" }), `${k}.xml`);
      const res = await fetch(`${svc.url}/sync`, { method: "POST", body: form });
      const text = await res.text();
      expect(res.status, text).to.equal(c.status);
      if (Array.isArray(c.expect)) {
        expect(text.trim().split(/\r?\n/)).to.deep.equal(c.expect);
      } else {
        expect(res.headers.get("content-type")).to.match(/^application\/x-votable\+xml/);
        expect(text).to.match(/<INFO name="QUERY_STATUS" value="ERROR">/);
        if (c.expect === URL_FAILED) {
          expect(/<INFO name="QUERY_STATUS" value="ERROR">([^<]*)<\/INFO>/.exec(text)?.[1]).to.equal(URL_FAILED_MESSAGE);
        } else {
          expect(text).to.match(c.expect);
        }
      }
      if (c.log) {
        expect(logs.filter((l) => l.startsWith("UPLOAD ")), logs.join("\n")).to.have.length(1);
        expect(logs.find((l) => l.startsWith("UPLOAD ")), logs.join("\n")).to.match(c.log);
        for (const l of logs) expect(l).to.not.match(/s3cret|alice|token/);
      }
      // A connection the time limit gave up on is closed, not left open.
      await Promise.all(silentSockets.slice(silentBefore));
      // The spooled parts are gone once the response is (the removal runs as the response closes).
      const spooled = () => readdirSync(spool).filter((f) => f.startsWith("tap-upload-"));
      await until("the spooled parts are removed", () => spooled().length === 0);
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

/** The rows of a VOTable reader, typed arrays as plain arrays. */
async function rowsOf(reader: Awaited<ReturnType<typeof readVOTable>>): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const r of reader) rows.push([...r].map((v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>) : v)));
  return rows;
}

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
    it(`on ${backend}, DALI timestamps are read strictly (DALI 1.1 §3.3.3), to the microsecond`, async function () {
      const s = services.find((x) => x.name === backend);
      if (!s) this.skip();
      const upload = async (values: string[]) => {
        const form = new FormData();
        form.set("LANG", "ADQL");
        form.set("RESPONSEFORMAT", "csv");
        form.set("UPLOAD", "ts,param:p");
        form.set("QUERY", "SELECT t FROM TAP_UPLOAD.ts ORDER BY t");
        form.set("p", new Blob([timestamps(values)]), "p.xml");
        const res = await fetch(`${s!.svc.url}/sync`, { method: "POST", body: form });
        return { status: res.status, text: await res.text() };
      };
      const ok = await upload(["2024-02-29T23:59:59.999999Z", "0001-01-01", "9999-12-31T00:00:00.5"]);
      expect(ok.status, ok.text).to.equal(200);
      // DuckDB stores microseconds, but its rows reach JavaScript as a Date, to the millisecond.
      const last = backend === "mariadb" ? "2024-02-29T23:59:59.999999" : "2024-02-29T23:59:59.999";
      expect(ok.text.trim().split(/\r?\n/)).to.deep.equal(["t", "0001-01-01T00:00:00", last, backend === "mariadb" ? "9999-12-31T00:00:00.500000" : "9999-12-31T00:00:00.500"]);
      const bad = await upload(["2024-01-01", "2023-02-29T00:00:00"]);
      expect(bad.status, bad.text).to.equal(400);
      expect(bad.text).to.match(/UPLOAD ts, row 2, column t: "2023-02-29T00:00:00" is not a DALI timestamp .*: February 2023 has 28 days/);
    });

    it(`on ${backend}, a complex column is refused before any row is stored`, async function () {
      const s = services.find((x) => x.name === backend);
      if (!s) this.skip();
      const fields = '<FIELD name="id" datatype="int"/><FIELD name="z" datatype="doubleComplex" arraysize="2"/>';
      const res = await syncWithUpload(s!.svc.url, "cx", "votable/td", "SELECT * FROM TAP_UPLOAD.cx", table(fields, binary2("00" + "00000001" + C64[0] + C64[1])));
      const text = res.body.toString();
      expect(res.status, text).to.equal(400);
      expect(/<INFO name="QUERY_STATUS" value="ERROR">([^<]*)<\/INFO>/.exec(text)?.[1]).to.equal(
        'UPLOAD cx, column z (doubleComplex, arraysize="2"): complex values are not supported in uploads, as ADQL has no ' +
          "complex type; upload the real and imaginary parts as two float or double columns",
      );
    });

    // A null element of an integer array is its FIELD's declared null value (VOTable 1.4 §4.3): the result's FIELD
    // keeps that declaration, so the element can be written back (it ended every text and BINARY2 result before).
    for (const format of ["votable/td", "votable/b2", "csv"]) {
      it(`on ${backend}, an integer array with a null element, declared by VALUES null, in ${format}`, async function () {
        const s = services.find((x) => x.name === backend);
        if (!s) this.skip();
        const doc = table('<FIELD name="id" datatype="int"/><FIELD name="lv" datatype="long" arraysize="*"><VALUES null="-1"/></FIELD>',
          "<TABLEDATA><TR><TD>1</TD><TD>1 -1 2</TD></TR><TR><TD>2</TD><TD>3</TD></TR></TABLEDATA>");
        const { status, body } = await syncWithUpload(s!.svc.url, "t", format, "SELECT id, lv FROM TAP_UPLOAD.t ORDER BY id", doc);
        expect(status, body.toString()).to.equal(200);
        if (format === "csv") {
          expect(body.toString()).to.equal("id,lv\r\n1,1 -1 2\r\n2,3\r\n");
          return;
        }
        expect(body.toString()).to.match(/<FIELD name="lv" datatype="long" arraysize="\*">\s*<VALUES null="-1"\/>/);
        const reader = await readVOTable(body);
        expect(await rowsOf(reader)).to.deep.equal([[1, [1n, null, 2n]], [2, [3n]]]);
        expect(reader.infos.filter((i) => i.name === "QUERY_STATUS").map((i) => i.value)).to.deep.equal(["OK"]);
      });
    }

    it(`on ${backend}, a single bit (astropy's bool) comes back as boolean, every value kept (astropy 5.2 misreads bits in BINARY2)`, async function () {
      const s = services.find((x) => x.name === backend);
      if (!s) this.skip();
      const doc = votable([]).replace('<FIELD name="id" datatype="long"/><DATA><TABLEDATA>',
        '<FIELD name="id" datatype="long"/><FIELD name="flag" datatype="bit"/><FIELD name="bits" datatype="bit" arraysize="3"/><DATA><TABLEDATA>' +
        "<TR><TD>1</TD><TD>1</TD><TD>101</TD></TR><TR><TD>2</TD><TD>0</TD><TD>011</TD></TR><TR><TD>3</TD><TD>1</TD><TD>000</TD></TR>");
      const { status, body } = await syncWithUpload(s!.svc.url, "t", "votable/b2", "SELECT id, flag FROM TAP_UPLOAD.t ORDER BY id", doc);
      expect(status, body.toString()).to.equal(200);
      const reader = await readVOTable(body);
      expect(reader.fields.map((f) => [f.name, f.datatype])).to.deep.equal([["id", "long"], ["flag", "boolean"]]);
      expect(await rowsOf(reader)).to.deep.equal([[1n, true], [2n, false], [3n, true]]);
    });

    for (const format of ["votable/td", "votable/b2"]) {
      it(`on ${backend}, in ${format}`, async function () {
        const s = services.find((x) => x.name === backend);
        if (!s) this.skip();
        const { status, body } = await syncWithUpload(s!.svc.url, "t", format, "SELECT * FROM TAP_UPLOAD.t ORDER BY i", EVERY_TYPE);
        expect(status, body.toString()).to.equal(200);
        const reader = await readVOTable(body);
        const names = reader.fields.map((f) => f.name);
        expect(reader.fields.map((f) => [f.name, f.datatype, f.arraysize ?? "", f.xtype ?? ""])).to.deep.equal([
          ["b", "boolean", "", ""], ["u", "unsignedByte", "", ""], ["s", "short", "", ""], ["i", "int", "", ""],
          ["l", "long", "", ""], ["f", "float", "", ""], ["d", "double", "", ""], ["c", "char", "*", ""],
          ["uc", "unicodeChar", "*", ""], ["t", "char", "*", "timestamp"], ["p", "double", "2", "point"],
          ["ci", "double", "3", "circle"], ["po", "double", "*", "polygon"], ["ia", "int", "*", ""],
        ]);
        const rows = await rowsOf(reader);
        // ORDER BY i: MariaDB sorts NULLs first, DuckDB last.
        const [nulls, values] = rows.length === 2 && rows[0]![3] === null ? [rows[0]!, rows[1]!] : [rows[1]!, rows[0]!];
        for (const [name, want] of EVERY_TYPE_ROW) expect(values[names.indexOf(name)], name).to.deep.equal(want);
        expect(values[names.indexOf("t")]).to.match(/^2025-03-04T05:06:07\.50*$/);
        for (const [i, name] of names.entries()) expect(nulls[i], name).to.deep.equal(name === "d" ? s!.nan : null);
      });
    }
  }
});

/**
 * DALI 1.1 §4.3.5: a service that implements UPLOAD must support http(s) URLs. The capabilities
 * declare upload-http and upload-https (TAPRegExt §2.6) exactly when URL uploads are on: by
 * default, and not with uploadUrls.enabled false, when a URL upload gets its own message.
 */
describe("server TAP_UPLOAD methods in the capabilities", function () {
  this.timeout(60_000);
  const INLINE = "ivo://ivoa.net/std/TAPRegExt#upload-inline";
  const HTTP = "ivo://ivoa.net/std/TAPRegExt#upload-http";
  const HTTPS = "ivo://ivoa.net/std/TAPRegExt#upload-https";
  const cases: [string, Record<string, unknown>, string[], RegExp][] = [
    ["the default", {}, [INLINE, HTTP, HTTPS], /^UPLOAD t: the URL could not be fetched, or is not allowed\./],
    ["URL uploads off", { uploadUrls: { enabled: false } }, [INLINE], /^UPLOAD from a URL is disabled on this service: send the VOTable in the request as UPLOAD=t,param:part/],
  ];
  for (const [what, config, methods, refusal] of cases) {
    it(`with ${what}: ${methods.map((m) => m.split("#")[1]).join(", ")}`, async () => {
      const svc = await startService({ demo: false, ...config });
      try {
        const caps = await (await fetch(`${svc.url}/capabilities`)).text();
        expect([...caps.matchAll(/<uploadMethod ivo-id="([^"]+)"\/>/g)].map((m) => m[1])).to.deep.equal(methods);
        const body = new URLSearchParams({ LANG: "ADQL", QUERY: "SELECT * FROM TAP_UPLOAD.t", UPLOAD: "t,http://127.0.0.1:9/t.xml" });
        const res = await fetch(`${svc.url}/sync`, { method: "POST", body });
        const text = await res.text();
        expect(res.status, text).to.equal(400);
        expect(/<INFO name="QUERY_STATUS" value="ERROR">([^<]*)<\/INFO>/.exec(text)?.[1]).to.match(refusal);
      } finally {
        await svc.close();
      }
    });
  }
});
