/**
 * The limits that keep one anonymous client from crashing, filling or stalling the service
 * (issue 11, findings 1, 2 and 4), over HTTP: request size and parameter counts (413, refused
 * before the body is read when its length is declared), job quotas (429), parts that no UPLOAD
 * names (not kept), and concurrent sync queries per client (429 with Retry-After).
 */
import { expect } from "chai";
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { startService, type Running } from "../test-support/service.js";

interface Reply {
  status: number;
  headers: IncomingMessage["headers"];
  text: string;
}

function send(
  url: string,
  o: { from?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? "POST", localAddress: o.from ?? "127.0.0.1", headers: o.headers ?? {} }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(parts).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(o.body);
  });
}

/** A POST whose body is cut short on purpose: the reply is read from the raw socket. */
function rawPost(url: string, headers: Record<string, string>, start: string): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    const parts: Buffer[] = [];
    socket.on("data", (d: Buffer) => parts.push(d));
    socket.on("error", reject);
    // The server closes the connection after its answer, since the body was not read.
    socket.on("close", () => {
      const text = Buffer.concat(parts).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n", 2);
      const lines = head.split("\r\n");
      const hdrs: IncomingMessage["headers"] = {};
      for (const l of lines.slice(1)) hdrs[l.slice(0, l.indexOf(":")).toLowerCase()] = l.slice(l.indexOf(":") + 1).trim();
      resolve({ status: Number(lines[0]!.split(" ")[1]), headers: hdrs, text: body });
    });
    const h = Object.entries({ Host: u.host, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    socket.write(`POST ${u.pathname} HTTP/1.1\r\n${h}\r\n${start}`);
  });
}

const form = (params: Record<string, string>) => ({
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(params).toString(),
});

describe("server request limits and quotas", function () {
  this.timeout(60_000);
  let svc: Running;
  before(async () => {
    svc = await startService({
      demo: true,
      // No image service: the limits here are TAP's, and registering the demo images took half of the start.
      images: { registry: "none" },
      limits: { maxParams: 20, paramsMaxBytes: 4096, requestMaxBytes: 64 * 1024, uploadMaxBytes: 32 * 1024, syncPerClient: 1 },
      quotas: { jobsPerClient: 2 },
    });
  });
  after(() => svc?.close());

  const REFUSED: [string, () => Promise<Reply>, number, RegExp][] = [
    [
      "a declared body over the request limit, before the body is sent",
      // The body never comes: the answer cannot have waited for it.
      () => rawPost(`${svc.url}/sync`, { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(10 ** 10) }, "LANG=ADQL"),
      413,
      /The request body is larger than 65536 bytes/,
    ],
    [
      "more parameters than allowed, in the query string",
      () => send(`${svc.url}/sync?${Array.from({ length: 21 }, (_, i) => `p${i}=1`).join("&")}`, { method: "GET" }),
      413,
      /more than 20 parameters/,
    ],
    [
      "parameters longer than allowed together, in a form",
      () => send(`${svc.url}/sync`, form({ LANG: "ADQL", QUERY: `SELECT 1 -- ${"x".repeat(5000)}` })),
      413,
      /parameters are longer than 4096 bytes together/,
    ],
    [
      "an async job with a field over the limit (the finding: ten 16 MiB fields per POST)",
      () => send(`${svc.url}/async`, form({ a: "x".repeat(3000), b: "x".repeat(3000) })),
      413,
      /parameters are longer than 4096 bytes together/,
    ],
  ];
  for (const [name, run, status, message] of REFUSED) {
    it(`refuses ${name} with ${status}`, async () => {
      const r = await run();
      expect(r.status).to.equal(status);
      expect(r.headers["content-type"]).to.match(/votable/);
      expect(r.text).to.include('<INFO name="QUERY_STATUS" value="ERROR">').and.match(message);
    });
  }

  it("refuses a client's jobs over its quota with 429, and takes another client's", async () => {
    const job = { LANG: "ADQL", QUERY: "SELECT TOP 1 * FROM TAP_SCHEMA.schemas" };
    const from = "127.0.0.7";
    for (let i = 0; i < 2; i++) expect((await send(`${svc.url}/async`, { from, ...form(job) })).status).to.equal(303);
    const over = await send(`${svc.url}/async`, { from, ...form(job) });
    expect(over.status).to.equal(429);
    expect(over.text).to.include("You have 2 jobs");
    expect((await send(`${svc.url}/async`, { from: "127.0.0.8", ...form(job) })).status).to.equal(303);
  });

  it("keeps only the multipart parts that UPLOAD names", async () => {
    const votable = `<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE><FIELD name="n" datatype="int"/><DATA><TABLEDATA><TR><TD>1</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`;
    const body = new FormData();
    body.set("LANG", "ADQL");
    body.set("QUERY", "SELECT n FROM TAP_UPLOAD.t");
    body.set("UPLOAD", "t,param:used");
    body.set("used", new Blob([votable]), "used.xml");
    for (const n of ["unused1", "unused2"]) body.set(n, new Blob(["x".repeat(20_000)]), `${n}.xml`);
    const res = await fetch(`${svc.url}/async`, { method: "POST", body, redirect: "manual", headers: { "x-forwarded-for": "1.2.3.4" } });
    expect(res.status).to.equal(303);
    const id = res.headers.get("location")!.split("/").pop()!;
    const stored = readdirSync(join(svc.service.deps.config.async.dir, "results", id));
    expect(stored).to.deep.equal(["upload.used"]);
    const params = await (await fetch(`${svc.url}/async/${id}/parameters`)).text();
    expect(params).to.include('id="used"').and.not.include("unused");
  });

  it("answers a client's second concurrent sync query with 429 and Retry-After, and serves other clients", async () => {
    // A large result, not read: its response stays open, and its slot taken, until it is closed.
    const query = new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: "votable/td", MAXREC: "100000", QUERY: "SELECT * FROM demo.stars" }).toString();
    let held: ClientRequest | undefined;
    const opened = new Promise<IncomingMessage>((resolve, reject) => {
      held = request(`${svc.url}/sync?${query}`, { localAddress: "127.0.0.9" }, resolve);
      held.on("error", () => {});
      held.end();
      held.once("error", reject);
    });
    const first = await opened;
    expect(first.statusCode).to.equal(200);
    first.pause();
    const small = `${svc.url}/sync?${new URLSearchParams({ LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars" })}`;
    const second = await send(small, { method: "GET", from: "127.0.0.9" });
    expect(second.status).to.equal(429);
    expect(second.headers["retry-after"]).to.equal("1");
    expect(second.text).to.include("synchronous queries running or waiting");
    expect((await send(small, { method: "GET", from: "127.0.0.10" })).status).to.equal(200);
    // Closing the first response frees its slot (the server learns it from the socket's close).
    held!.destroy();
    let status = 429;
    for (let attempt = 0; attempt < 200 && status === 429; attempt++) status = (await send(small, { method: "GET", from: "127.0.0.9" })).status;
    expect(status).to.equal(200);
  });
});
