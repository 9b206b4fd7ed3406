/**
 * Async jobs with their results and inline uploads in an S3 bucket (issue 18): s3rver in a child process behind a
 * recording proxy (to see what reaches the bucket), the demo service in this process with TAP_RESULT_STORE=s3://…,
 * token authentication. The result URL answers 303 See Other (UWS 1.1 §2.2.3.2 leaves the result's representation to
 * the service; DALI 1.1 §5.3 allows the redirect) to a presigned URL on the bucket's origin; the client's bearer token
 * never reaches the bucket; destroying a job deletes its objects; pyvo's run_async works; a bucket that is down puts
 * the job in ERROR with a message that says so.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { until } from "../../../votable/src/test-support/until.js";
import { configFrom } from "../config.js";
import { openService, type Service } from "../startup.js";
import { testImagesDirs } from "../test-support/child-server.js";
import { TestRegistry } from "../test-support/images.js";
import { recordingProxy, S3RVER_CREDENTIALS, startS3, type TestS3 } from "../test-support/s3.js";
import { tag } from "../test-support/uws.js";
import { S3ResultStore } from "../uws/result-store-s3.js";

const TOKEN = "s3-test-token-of-alice-0123456789";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const OTHER = "s3-test-token-of-bob-9876543210";

describe("async results in an S3 bucket (issue 18)", function () {
  this.timeout(120_000);
  let s3: TestS3;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let dir: string;
  let server: Server;
  let service: Service;
  let base: string;
  /** What the service wrote, read straight from the bucket. */
  let bucket: S3ResultStore;

  before(async () => {
    s3 = await startS3("tap-results");
    proxy = await recordingProxy(s3.endpoint);
    dir = mkdtempSync(join(tmpdir(), "tap-async-s3-"));
    const tokenFile = join(dir, "tokens.json");
    writeFileSync(tokenFile, JSON.stringify({ tokens: { [TOKEN]: "alice", [OTHER]: "bob" } }));
    server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const config = configFrom(
      {
        duckdb: { path: ":memory:" },
        demo: true,
        port,
        logLevel: "silent",
        async: { dir: join(dir, "async") },
        images: { ...testImagesDirs(), registry: "none" },
        auth: { mode: "token", tokenFile, allowAnonymous: false },
      },
      { TAP_RESULT_STORE: "s3://tap-results/it", TAP_S3_ENDPOINT: proxy.endpoint, TAP_RESULT_URL_LIFETIME: "300", AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "a-secret-of-the-service" },
    );
    service = await openService(config, { log: () => {} });
    server.on("request", service.app.callback());
    base = config.baseUrl;
    bucket = new S3ResultStore({ bucket: "tap-results", prefix: "it/tap/", endpoint: s3.endpoint, region: "us-east-1", ...S3RVER_CREDENTIALS, urlLifetimeSeconds: 60 });
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await service?.close();
    await proxy?.close();
    await s3?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function submit(body: URLSearchParams | FormData): Promise<string> {
    const res = await fetch(`${base}/async`, { method: "POST", body, headers: AUTH, redirect: "manual" });
    expect(res.status, await res.clone().text()).to.equal(303);
    return res.headers.get("location")!;
  }
  async function finalPhase(job: string): Promise<string> {
    let xml = await (await fetch(job, { headers: AUTH })).text();
    while (["PENDING", "QUEUED", "EXECUTING"].includes(tag(xml, "phase")!)) {
      xml = await (await fetch(`${job}?WAIT=5&PHASE=${tag(xml, "phase")}`, { headers: AUTH })).text();
    }
    return xml;
  }
  const query = (q: string, format = "votable") => new URLSearchParams({ LANG: "ADQL", QUERY: q, RESPONSEFORMAT: format, PHASE: "RUN" });

  it("the result URL answers 303 to a presigned URL of the bucket; following it gives the VOTable; the bearer token stays behind", async () => {
    const job = await submit(query("SELECT TOP 3 star_id FROM demo.stars ORDER BY star_id"));
    const id = job.split("/").pop()!;
    expect(tag(await finalPhase(job), "phase")).to.equal("COMPLETED");
    // The object is in the bucket, under the configured prefix.
    expect(await bucket.jobIds()).to.include(id);
    expect(await bucket.size(id, "result")).to.be.greaterThan(100);

    const res = await fetch(`${job}/results/result`, { headers: AUTH, redirect: "manual" });
    expect(res.status).to.equal(303);
    expect(res.headers.get("cache-control")).to.equal("no-store");
    const location = new URL(res.headers.get("location")!);
    expect(location.origin).to.equal(proxy.endpoint);
    expect(location.origin).not.to.equal(new URL(base).origin);
    expect(location.pathname).to.equal(`/tap-results/it/tap/${id}/result`);
    expect(location.searchParams.get("X-Amz-Expires")).to.equal("300");
    expect(location.searchParams.get("response-content-type")).to.match(/^application\/x-votable\+xml/);
    expect(location.toString()).not.to.include(TOKEN);
    expect(location.toString()).not.to.include("a-secret-of-the-service");

    // A client that follows the redirect with its token: the fetch standard drops Authorization across origins.
    const before = proxy.requests.length;
    const followed = await fetch(`${job}/results/result`, { headers: AUTH });
    expect(followed.status).to.equal(200);
    expect(followed.redirected).to.equal(true);
    expect(new URL(followed.url).origin + new URL(followed.url).pathname).to.equal(location.origin + location.pathname);
    expect(followed.headers.get("content-type")).to.match(/^application\/x-votable\+xml/);
    const votable = await followed.text();
    expect(votable).to.contain("<VOTABLE").and.to.contain('name="star_id"');
    const gets = proxy.requests.slice(before).filter((r) => r.method === "GET" && r.url.includes("X-Amz-Signature="));
    expect(gets).to.have.length(1);
    expect(gets[0]!.headers.authorization).to.equal(undefined);
    expect(JSON.stringify(gets[0]!.headers)).not.to.include(TOKEN);
  });

  it("no signed URL without the owner's credentials: 401 without a token, 404 with another user's", async () => {
    const job = await submit(query("SELECT TOP 1 star_id FROM demo.stars"));
    await finalPhase(job);
    const anonymous = await fetch(`${job}/results/result`, { redirect: "manual" });
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get("location")).to.equal(null);
    const other = await fetch(`${job}/results/result`, { headers: { Authorization: `Bearer ${OTHER}` }, redirect: "manual" });
    expect(other.status).to.equal(404);
    expect(other.headers.get("location")).to.equal(null);
  });

  it("an inline upload goes to the bucket, the job reads it from there, and destroying the job deletes every object", async () => {
    const vot =
      '<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>' +
      '<FIELD name="id" datatype="long"/><DATA><TABLEDATA><TR><TD>3</TD></TR><TR><TD>10</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>';
    const form = new FormData();
    for (const [k, v] of query("SELECT s.star_id FROM TAP_UPLOAD.mine AS u JOIN demo.stars AS s ON s.star_id = u.id ORDER BY s.star_id", "csv")) form.set(k, v);
    form.set("UPLOAD", "mine,param:t1");
    form.set("t1", new Blob([vot], { type: "application/x-votable+xml" }), "t1.xml");
    const job = await submit(form);
    const id = job.split("/").pop()!;
    expect(tag(await finalPhase(job), "phase")).to.equal("COMPLETED");
    expect(await bucket.size(id, "upload.t1")).to.equal(Buffer.byteLength(vot));
    expect(await (await fetch(`${job}/parameters/t1`, { headers: AUTH })).text()).to.equal(vot);
    expect((await (await fetch(`${job}/results/result`, { headers: AUTH })).text()).trim().split(/\r?\n/)).to.deep.equal(["star_id", "3", "10"]);

    const del = await fetch(job, { method: "POST", body: new URLSearchParams({ ACTION: "DELETE" }), headers: AUTH, redirect: "manual" });
    expect(del.status).to.equal(303);
    expect(await bucket.size(id, "result")).to.equal(undefined);
    expect(await bucket.size(id, "upload.t1")).to.equal(undefined);
    expect(await bucket.jobIds()).not.to.include(id);
    // s3rver's own directory: no file of the job is left.
    expect(s3.files().filter((f) => f.path.includes(id))).to.deep.equal([]);
  });

  it("SODA async cutouts go to the same bucket, under its own prefix (<prefix>/soda/), and are served the same way", async () => {
    const images = new TestRegistry();
    const dataset = await images.add(dir, { ra: 10, dec: -5, nx: 300, ny: 200, mjd: 60000, exptime: 30, em: [4e-7, 5.5e-7] });
    service.deps.images = images;
    const root = base.replace(/\/tap$/, "");
    const created = await fetch(`${root}/soda/async`, { method: "POST", body: new URLSearchParams([["ID", dataset.id], ["CIRCLE", "10 -5 0.001"], ["PHASE", "RUN"]]), headers: AUTH, redirect: "manual" });
    expect(created.status, await created.clone().text()).to.equal(303);
    const job = created.headers.get("location")!;
    const id = job.split("/").pop()!;
    expect(tag(await finalPhase(job), "phase")).to.equal("COMPLETED");
    const soda = new S3ResultStore({ bucket: "tap-results", prefix: "it/soda/", endpoint: s3.endpoint, region: "us-east-1", ...S3RVER_CREDENTIALS, urlLifetimeSeconds: 60 });
    expect(await soda.jobIds()).to.include(id);
    expect(await bucket.jobIds()).not.to.include(id);
    const res = await fetch(`${job}/results/cutout-1`, { headers: AUTH, redirect: "manual" });
    expect(res.status).to.equal(303);
    expect(new URL(res.headers.get("location")!).pathname).to.equal(`/tap-results/it/soda/${id}/cutout-1`);
    const fits = Buffer.from(await (await fetch(`${job}/results/cutout-1`, { headers: AUTH })).arrayBuffer());
    expect(fits.subarray(0, 30).toString()).to.match(/^SIMPLE {2}= {20}T/);
    expect(fits.length % 2880).to.equal(0);
    await fetch(job, { method: "POST", body: new URLSearchParams({ ACTION: "DELETE" }), headers: AUTH, redirect: "manual" });
    expect(await soda.jobIds()).not.to.include(id);
  });

  it("pyvo's run_async, with a session that carries the bearer token, reads the result through the redirect", async () => {
    const script = [
      "import sys, requests, pyvo",
      "s = requests.Session()",
      "s.headers['Authorization'] = 'Bearer ' + sys.argv[2]",
      "svc = pyvo.dal.TAPService(sys.argv[1], session=s)",
      "r = svc.run_async('SELECT TOP 5 star_id FROM demo.stars ORDER BY star_id')",
      "print(len(r), list(r.to_table()['star_id']))",
    ].join("\n");
    const before = proxy.requests.length;
    // Not spawnSync: the service runs in this process.
    const r = await promisify(execFile)("/usr/bin/python3", ["-c", script, base, TOKEN], { encoding: "utf8", timeout: 100_000 });
    expect(r.stdout.trim()).to.match(/^5 \[/);
    const gets = proxy.requests.slice(before).filter((x) => x.method === "GET" && x.url.includes("X-Amz-Signature="));
    expect(gets.length).to.be.at.least(1);
    for (const g of gets) expect(g.headers.authorization, "requests drops Authorization on a redirect to another port").to.equal(undefined);
  });

  it("a bucket that is down: the job ends in ERROR with a message naming the result store, without hanging", async () => {
    await proxy.close();
    const t0 = Date.now();
    const job = await submit(query("SELECT TOP 3 star_id FROM demo.stars ORDER BY star_id"));
    const xml = await finalPhase(job);
    expect(tag(xml, "phase")).to.equal("ERROR");
    const error = await (await fetch(`${job}/error`, { headers: AUTH })).text();
    expect(error).to.match(/result store s3:\/\/tap-results\/it\/tap\/: .*cannot reach http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED/);
    expect(error).not.to.include("a-secret-of-the-service");
    expect(Date.now() - t0).to.be.below(20_000);
    await until("nothing of the job in the bucket", async () => !(await bucket.jobIds()).includes(job.split("/").pop()!));
  });
});
