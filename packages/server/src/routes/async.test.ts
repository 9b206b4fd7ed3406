/**
 * /async over HTTP on the demo catalog: the UWS 1.1 job resource and its children (their documents are
 * validated against the UWS schema in routes/documents.xsd.test.ts), creation with and without PHASE=RUN, WAIT, the
 * job list filters, results with Content-Length and Range, MAXREC overflow, ERROR jobs, the
 * execution limit and ABORT stopping the DuckDB query, deletion, destruction, inline uploads.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDbBackend } from "../backends/duckdb.js";
import { startService, type Running } from "../test-support/service.js";
import { createJob, idsVOTable, post, tag, uploadForm, waitFor } from "../test-support/uws.js";
import { until } from "../../../votable/src/test-support/until.js";

const SLOW = "SELECT COUNT(*) AS n FROM demo.stars AS a JOIN demo.stars AS b ON a.g_mag < b.g_mag + a.ra - b.ra";

describe("server /async (UWS 1.1)", function () {
  this.timeout(30_000);
  let running: Running;
  let base: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tap-async-http-"));
    running = await startService(
      { demo: true, async: { dir, concurrency: 2, maxExecutionSeconds: 600, maxWaitSeconds: 5 }, limits: { hardMaxrec: 50 } },
    );
    base = running.url;
  });
  after(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a PENDING job (303), whose job document and children are readable", async () => {
    const job = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 5 star_id FROM demo.stars", RUNID: "r-1" });
    expect(job).to.match(new RegExp(`^${base}/async/[a-z0-9]+$`));
    const res = await fetch(job);
    expect(res.headers.get("content-type")).to.match(/^text\/xml/);
    const xml = await res.text();
    expect(xml).to.contain('version="1.1"');
    expect(tag(xml, "phase")).to.equal("PENDING");
    expect(tag(xml, "runId")).to.equal("r-1");
    expect(xml).to.contain('<uws:parameter id="query">SELECT TOP 5 star_id FROM demo.stars</uws:parameter>');
    const text = async (child: string) => {
      const r = await fetch(`${job}/${child}`);
      expect(r.status, child).to.equal(200);
      return r.text();
    };
    expect(await text("phase")).to.equal("PENDING");
    expect(await text("executionduration")).to.equal("600");
    expect(await text("destruction")).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await text("quote")).to.equal("");
    expect(await text("owner")).to.equal("");
    expect(await text("runId")).to.equal("r-1");
    expect(await text("parameters")).to.contain('<uws:parameter id="query">SELECT TOP 5 star_id FROM demo.stars</uws:parameter>');
    expect(await text("results")).to.match(/<uws:results[^>]*\/>|<uws:results[^>]*>\s*<\/uws:results>/);
    expect((await fetch(`${job}/error`)).status).to.equal(404);
    expect((await fetch(`${base}/async/nosuchjob`)).status).to.equal(404);
    const long = await fetch(`${base}/async/${"x".repeat(5000)}`);
    expect(long.status).to.equal(404);
    expect(await long.text()).to.contain(`No such job: ${"x".repeat(64)}…<`);
  });

  it("changes executionduration, destruction and parameters while PENDING (303 to the job), then runs", async () => {
    const job = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars" });
    let r = await post(`${job}/executionduration`, { EXECUTIONDURATION: "99999" });
    expect(r.status).to.equal(303);
    expect(r.headers.get("location")).to.equal(job);
    expect(await (await fetch(`${job}/executionduration`)).text()).to.equal("600");
    r = await post(`${job}/destruction`, { DESTRUCTION: "2030-01-02T03:04:05Z" });
    expect(r.status).to.equal(303);
    const d = await (await fetch(`${job}/destruction`)).text();
    expect(Date.parse(d)).to.be.at.most(Date.parse("2030-01-02T03:04:05Z"));
    r = await post(`${job}/parameters`, { QUERY: "SELECT TOP 2 star_id FROM demo.stars ORDER BY star_id", RESPONSEFORMAT: "csv", RUNID: "two" });
    expect(r.status).to.equal(303);
    const xml = await (await fetch(job)).text();
    expect(xml.match(/id="query"/g)).to.have.length(1);
    expect(tag(xml, "runId")).to.equal("two");
    r = await post(`${job}/phase`, { PHASE: "RUN" });
    expect(r.status).to.equal(303);
    const done = await waitFor(job, ["COMPLETED", "ERROR"]);
    expect(tag(done, "phase"), done).to.equal("COMPLETED");
    expect(await (await fetch(`${job}/results/result`)).text()).to.equal("star_id\r\n1\r\n2\r\n");
    // UWS 1.1 §2.2: a request illegal in the job's phase is a 403; a value that is not one, a 400.
    r = await post(`${job}/parameters`, { QUERY: "SELECT 1" });
    expect(r.status).to.equal(403);
    r = await post(`${job}/phase`, { PHASE: "SUSPEND" });
    expect(r.status).to.equal(400);
  });

  it("refuses a DESTRUCTION already past, when created, at /destruction and among the parameters, and keeps the job (UWS 1.1 §2.2.3.3: the 303 leads to the job)", async () => {
    const q = { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars" };
    const past = "2001-01-01T00:00:00Z";
    const created = await post(`${base}/async`, { ...q, DESTRUCTION: past, PHASE: "RUN" });
    expect(created.status, "created with it: no job").to.equal(400);
    expect(await created.text()).to.contain("DESTRUCTION 2001-01-01T00:00:00.000Z is not in the future");
    const job = await createJob(base, q);
    const before = await (await fetch(`${job}/destruction`)).text();
    for (const where of ["destruction", "parameters"]) {
      const r = await post(`${job}/${where}`, { DESTRUCTION: past });
      expect(r.status, where).to.equal(400);
      expect(await (await fetch(`${job}/destruction`)).text(), where).to.equal(before);
    }
    expect(tag(await (await fetch(job)).text(), "phase")).to.equal("PENDING");
  });

  it("destroys a job at a DESTRUCTION posted among its parameters, as at one posted to /destruction (UWS 1.1 §2.1.5, §2.1.11)", async () => {
    for (const where of ["destruction", "parameters"]) {
      const job = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars" });
      const soon = new Date(Date.now() + 300).toISOString();
      expect((await post(`${job}/${where}`, { DESTRUCTION: soon })).status, where).to.equal(303);
      await until(`the job is destroyed (${where})`, async () => (await fetch(job)).status === 404);
    }
  });

  it("answers 403 to what the job's phase forbids and 400 to bad values; DESTRUCTION is a DALI timestamp (UWS 1.1 §2.2, DALI 1.1 §3.3.3)", async () => {
    const q = { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars" };
    const pending = await createJob(base, q);
    const completed = await createJob(base, { ...q, PHASE: "RUN" });
    expect(tag(await waitFor(completed, ["COMPLETED", "ERROR"]), "phase")).to.equal("COMPLETED");
    const aborted = await createJob(base, q);
    expect((await post(`${aborted}/phase`, { PHASE: "ABORT" })).status).to.equal(303);
    // Within the 30 days a job may be kept, so that the service keeps the time asked for.
    const day = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
    const id = (job: string) => job.split("/").pop()!;
    const CASES: [string, string, string, Record<string, string>, number, string?][] = [
      // DALI 1.1 §3.3.3: YYYY-MM-DD['T'hh:mm:ss[.SSS]['Z']]: the date alone is its 00:00:00 UTC; a space or an offset is not one.
      ["a date alone", pending, "destruction", { DESTRUCTION: day }, 303],
      ["a date and time with a space", pending, "destruction", { DESTRUCTION: `${day} 00:00:00` }, 400, "the date and the time must be separated by T, not a space"],
      ["an offset", pending, "destruction", { DESTRUCTION: `${day}T00:00:00+01:00` }, 400, "the only time zone allowed is Z (UTC)"],
      ["a date alone, on a finished job (any phase may change it)", completed, "destruction", { DESTRUCTION: day }, 303],
      // UWS 1.1 §2.2.3.4: seconds, 0 for no limit; a negative number is not a duration.
      ["a negative EXECUTIONDURATION", pending, "executionduration", { EXECUTIONDURATION: "-5" }, 400, 'EXECUTIONDURATION must be 0 (no limit) or a positive integer number of seconds, not "-5"'],
      ["EXECUTIONDURATION=abc", pending, "executionduration", { EXECUTIONDURATION: "abc" }, 400, 'EXECUTIONDURATION must be an integer number of seconds, not "abc"'],
      ["EXECUTIONDURATION of a finished job", completed, "executionduration", { EXECUTIONDURATION: "60" }, 403, `The execution duration of job ${id(completed)} cannot change: it is COMPLETED`],
      // UWS 1.1 §2.2.3.5: PHASE=RUN starts a PENDING job; a finished one cannot run again.
      ["PHASE=RUN on a COMPLETED job", completed, "phase", { PHASE: "RUN" }, 403, `Job ${id(completed)} cannot be run: it is COMPLETED`],
      ["PHASE=RUN on an ABORTED job", aborted, "phase", { PHASE: "RUN" }, 403, `Job ${id(aborted)} cannot be run: it is ABORTED`],
      ["parameters of a finished job", completed, "parameters", { QUERY: "SELECT 1" }, 403, `The parameters of job ${id(completed)} cannot change: it is COMPLETED, not PENDING`],
      ["parameters of an ABORTED job", aborted, "parameters", { QUERY: "SELECT 1" }, 403, `The parameters of job ${id(aborted)} cannot change: it is ABORTED, not PENDING`],
      // UWS 1.1 §2.2.3.5: PHASE goes to /phase; posted as a parameter it is refused, not ignored.
      ["PHASE=RUN posted to /parameters", pending, "parameters", { QUERY: "SELECT 2", PHASE: "RUN" }, 400, `PHASE is not a job parameter: post PHASE=RUN or PHASE=ABORT to ${pending}/phase`],
    ];
    for (const [what, job, child, params, status, message] of CASES) {
      const r = await post(`${job}/${child}`, params);
      const body = await r.text();
      expect(r.status, `${what}: ${body}`).to.equal(status);
      if (message === undefined) continue;
      // DALI 1.1 §4.2's error document, whose message says what is wrong.
      expect(/<INFO name="QUERY_STATUS" value="ERROR">([^<]*)</.exec(body)?.[1], what).to.contain(message);
    }
    expect(await (await fetch(`${pending}/destruction`)).text()).to.equal(`${day}T00:00:00.000Z`);
    expect(await (await fetch(`${completed}/destruction`)).text()).to.equal(`${day}T00:00:00.000Z`);
    // The refused POST changed nothing: the job is PENDING with its first query.
    const xml = await (await fetch(pending)).text();
    expect([tag(xml, "phase"), /<uws:parameter id="query">([^<]*)</.exec(xml)?.[1]]).to.deep.equal(["PENDING", q.QUERY]);
    // The same readings when the job is created.
    let r = await post(`${base}/async`, { ...q, DESTRUCTION: day });
    expect(r.status).to.equal(303);
    expect(await (await fetch(`${r.headers.get("location")!}/destruction`)).text()).to.equal(`${day}T00:00:00.000Z`);
    r = await post(`${base}/async`, { ...q, EXECUTIONDURATION: "-5" });
    expect(r.status).to.equal(400);
    r = await post(`${base}/async`, { ...q, DESTRUCTION: `${day} 00:00:00` });
    expect(r.status).to.equal(400);
  });

  it("runs at once with PHASE=RUN; WAIT blocks until the phase changes", async () => {
    const t0 = Date.now();
    const job = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 3 star_id, ra FROM demo.stars ORDER BY star_id", PHASE: "RUN" });
    const xml = await waitFor(job, ["COMPLETED", "ERROR"]);
    expect(Date.now() - t0).to.be.below(4000);
    expect(tag(xml, "phase")).to.equal("COMPLETED");
    expect(xml).to.match(/<uws:result id="result" xlink:type="simple" xlink:href="[^"]+\/results\/result" size="\d+" mime-type="application\/x-votable\+xml;serialization=BINARY2"\/>/);
    // A final phase: WAIT returns at once; another PHASE too.
    let t = Date.now();
    await fetch(`${job}?WAIT=5`);
    // Well under the 5 s that a WAIT which did block would take.
    expect(Date.now() - t).to.be.below(2500);
    const pending = await createJob(base, { LANG: "ADQL", QUERY: "SELECT 1" });
    t = Date.now();
    await fetch(`${pending}?WAIT=5&PHASE=EXECUTING`);
    expect(Date.now() - t).to.be.below(2500);
    t = Date.now();
    await fetch(`${pending}?WAIT=1`);
    expect(Date.now() - t).to.be.within(900, 5000);
  });

  it("serves the result with Content-Length and byte ranges", async () => {
    const job = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 20 star_id FROM demo.stars ORDER BY star_id", RESPONSEFORMAT: "csv", PHASE: "RUN" });
    await waitFor(job, ["COMPLETED"]);
    // identity: fetch asks for gzip by default, and a compressed response has no Content-Length.
    const whole = await fetch(`${job}/results/result`, { headers: { "Accept-Encoding": "identity" } });
    const body = await whole.text();
    expect(whole.headers.get("content-length")).to.equal(String(Buffer.byteLength(body)));
    expect(whole.headers.get("accept-ranges")).to.equal("bytes");
    expect(whole.headers.get("content-type")).to.equal("text/csv;charset=utf-8;header=present");
    const part = await fetch(`${job}/results/result`, { headers: { Range: "bytes=9-14" } });
    expect(part.status).to.equal(206);
    expect(part.headers.get("content-range")).to.equal(`bytes 9-14/${body.length}`);
    expect(await part.text()).to.equal(body.slice(9, 15));
    const tail = await fetch(`${job}/results/result`, { headers: { Range: "bytes=-5" } });
    expect(await tail.text()).to.equal(body.slice(-5));
    const bad = await fetch(`${job}/results/result`, { headers: { Range: `bytes=${body.length}-` } });
    expect(bad.status).to.equal(416);
    expect((await fetch(`${job}/results/other`)).status).to.equal(404);
  });

  it("applies MAXREC, the hard limit and overflow as sync does", async () => {
    const job = await createJob(base, { LANG: "ADQL", QUERY: "SELECT star_id FROM demo.stars", MAXREC: "7", RESPONSEFORMAT: "votable/td", PHASE: "RUN" });
    await waitFor(job, ["COMPLETED"]);
    const text = await (await fetch(`${job}/results/result`)).text();
    expect(text.match(/<TR>/g)).to.have.length(7);
    expect(text).to.match(/<\/TABLE>\s*<INFO name="QUERY_STATUS" value="OVERFLOW"/);
    const hard = await createJob(base, { LANG: "ADQL", QUERY: "SELECT star_id FROM demo.stars", MAXREC: "100000", RESPONSEFORMAT: "csv", PHASE: "RUN" });
    await waitFor(hard, ["COMPLETED"]);
    expect((await (await fetch(`${hard}/results/result`)).text()).trim().split("\n")).to.have.length(51);
  });

  it("puts a job with a bad query in ERROR, with the message in errorSummary and /error as a VOTable", async () => {
    const job = await createJob(base, { LANG: "ADQL", QUERY: "SELECT nothing FROM demo.stars", PHASE: "RUN" });
    const xml = await waitFor(job, ["ERROR", "COMPLETED"]);
    expect(tag(xml, "phase")).to.equal("ERROR");
    expect(xml).to.match(/<uws:errorSummary type="fatal" hasDetail="true">\s*<uws:message>ADQL error: [^<]*nothing/);
    const err = await fetch(`${job}/error`);
    expect(err.status).to.equal(200);
    expect(err.headers.get("content-type")).to.match(/^application\/x-votable\+xml/);
    const doc = await err.text();
    expect(doc).to.match(/<INFO name="QUERY_STATUS" value="ERROR">ADQL error: [^<]*nothing/);
    // A missing parameter is reported when the job runs, not when it is created (TAP 1.1 §2.3).
    const noLang = await createJob(base, { QUERY: "SELECT 1 FROM demo.stars", PHASE: "RUN" });
    expect(await waitFor(noLang, ["ERROR"])).to.contain("The LANG parameter is missing");
  });

  it("stops the DuckDB query at EXECUTIONDURATION (ERROR naming the limit) and on ABORT", async () => {
    const backend = running.service.deps.backend as DuckDbBackend;
    const before = backend.activeSessions;
    const t0 = Date.now();
    const job = await createJob(base, { LANG: "ADQL", QUERY: SLOW, EXECUTIONDURATION: "1", PHASE: "RUN" });
    const xml = await waitFor(job, ["ERROR", "COMPLETED"]);
    expect(tag(xml, "phase")).to.equal("ERROR");
    expect(tag(xml, "message")).to.match(/execution duration limit \(EXECUTIONDURATION\) of 1 s/);
    expect(Date.now() - t0).to.be.below(4000);
    expect(backend.activeSessions).to.equal(before);

    const aborted = await createJob(base, { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" });
    await waitFor(aborted, ["EXECUTING"]);
    await until("the job's query holds a session", () => backend.activeSessions === before + 1);
    const r = await post(`${aborted}/phase`, { PHASE: "ABORT" });
    expect(r.status).to.equal(303);
    expect(tag(await (await fetch(aborted)).text(), "phase")).to.equal("ABORTED");
    await until("the session is released", () => backend.activeSessions === before);
    expect(backend.activeSessions, "the DuckDB query was interrupted and its session released").to.equal(before);
    expect(running.service.jobs.runningCount()).to.equal(0);
  });

  it("lists jobs with PHASE, AFTER and LAST filters", async () => {
    const mark = new Date().toISOString();
    // AFTER compares milliseconds: the jobs below must be created in a later one.
    await until("the clock has passed the mark", () => Date.now() > Date.parse(mark));
    const a = await createJob(base, { LANG: "ADQL", QUERY: "SELECT 1" });
    const b = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars", PHASE: "RUN" });
    await waitFor(b, ["COMPLETED"]);
    const ids = (xml: string) => [...xml.matchAll(/<uws:jobref id="([^"]+)"/g)].map((m) => m[1]);
    const id = (u: string) => u.split("/").pop();
    const list = await (await fetch(`${base}/async`)).text();
    expect(ids(list)).to.include.members([id(a), id(b)]);
    expect(ids(await (await fetch(`${base}/async?AFTER=${mark}`)).text())).to.deep.equal([id(b), id(a)]);
    expect(ids(await (await fetch(`${base}/async?AFTER=${mark}&PHASE=PENDING`)).text())).to.deep.equal([id(a)]);
    expect(ids(await (await fetch(`${base}/async?phase=COMPLETED&PHASE=PENDING&AFTER=${mark}`)).text())).to.deep.equal([id(b), id(a)]);
    expect(ids(await (await fetch(`${base}/async?LAST=1`)).text())).to.deep.equal([id(b)]);
    expect((await fetch(`${base}/async?LAST=0`)).status).to.equal(400);
  });

  it("deletes jobs with DELETE and ACTION=DELETE (303 to the job list), results included", async () => {
    const a = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars", PHASE: "RUN" });
    await waitFor(a, ["COMPLETED"]);
    const idA = a.split("/").pop()!;
    expect(existsSync(join(dir, "results", idA))).to.equal(true);
    let r = await fetch(a, { method: "DELETE", redirect: "manual" });
    expect(r.status).to.equal(303);
    expect(r.headers.get("location")).to.equal(`${base}/async`);
    expect((await fetch(a)).status).to.equal(404);
    expect(existsSync(join(dir, "results", idA))).to.equal(false);
    expect(existsSync(join(dir, "jobs", `${idA}.json`))).to.equal(false);
    const b = await createJob(base, { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" });
    await waitFor(b, ["EXECUTING"]);
    r = await post(b, { ACTION: "DELETE" });
    expect(r.status).to.equal(303);
    expect((await fetch(b)).status).to.equal(404);
  });

  it("destroys a job when its destruction time passes", async () => {
    const job = await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 1 star_id FROM demo.stars", PHASE: "RUN" });
    await waitFor(job, ["COMPLETED"]);
    await post(`${job}/destruction`, { DESTRUCTION: new Date(Date.now() + 300).toISOString() });
    const results = join(dir, "results", job.split("/").pop()!);
    await until("the job and its results are destroyed", async () => (await fetch(job)).status === 404 && !existsSync(results));
    expect((await fetch(job)).status).to.equal(404);
    expect(existsSync(results)).to.equal(false);
  });

  it("runs inline uploads (multipart) as async jobs", async () => {
    const vot = idsVOTable([3, 10]);
    const form = uploadForm(vot, "SELECT s.star_id FROM TAP_UPLOAD.mine AS u JOIN demo.stars AS s ON s.star_id = u.id ORDER BY s.star_id", { PHASE: "RUN" });
    const res = await post(`${base}/async`, form);
    expect(res.status).to.equal(303);
    const job = res.headers.get("location")!;
    const xml = await waitFor(job, ["COMPLETED", "ERROR"]);
    expect(tag(xml, "phase"), xml).to.equal("COMPLETED");
    expect(xml).to.contain(`<uws:parameter id="t1" byReference="true">${job}/parameters/t1</uws:parameter>`);
    expect(await (await fetch(`${job}/parameters/t1`)).text()).to.equal(vot);
    expect((await (await fetch(`${job}/results/result`)).text()).trim().split(/\r?\n/)).to.deep.equal(["star_id", "3", "10"]);
  });

  it("declares retention and execution limits in the capabilities", async () => {
    const caps = await (await fetch(`${base}/capabilities`)).text();
    expect(caps).to.match(/<retentionPeriod>\s*<default>604800<\/default>\s*<hard>2592000<\/hard>/);
    expect(caps).to.match(/<executionDuration>\s*<default>600<\/default>\s*<hard>600<\/hard>/);
    expect(caps).to.contain("upload-inline");
  });
});
