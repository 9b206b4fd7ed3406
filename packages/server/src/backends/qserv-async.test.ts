/**
 * Async jobs on the Qserv backend, against the Qserv async-protocol TEST DOUBLE
 * (test-support/qserv-protocol-double.ts: SUBMIT, processlist/queries status, qserv_result,
 * qserv_result_delete and CANCEL, run for real on a private MariaDB). Checks the statements
 * the backend sends, that ABORT and EXECUTIONDURATION cancel the query and stop the MariaDB
 * statement, that a job running when the service stops is re-attached by its Qserv id, and that
 * the chunks Qserv reports done (processlist CHUNKS, CHUNKS_COMP) reach the job document's
 * jobInfo (UWS 1.1 §2.2.2.2), with WAIT (§2.2.1.2) answering each change.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findMariaDb, startMariaDb, type MariaDbServer } from "../../../adql-compiler/src/test-support/mariadb.js";
import { hasTool, needTool, startService, validateXml, type Running } from "../test-support/service.js";
import { QservProtocolDouble } from "../test-support/qserv-protocol-double.js";
import { createJob, tag, waitFor } from "../test-support/uws.js";
import { TapError } from "../errors.js";
import { QservBackend, type SqlChannel } from "./qserv.js";
import { until } from "../../../votable/src/test-support/until.js";

const FELIS = `---
name: lab
"@id": "#lab"
tables:
- name: stars
  "@id": "#stars"
  primaryKey: "#stars.id"
  columns:
  - { name: id, "@id": "#stars.id", datatype: long }
  - { name: ra, "@id": "#stars.ra", datatype: double, ivoa:unit: deg }
  - { name: dec, "@id": "#stars.dec", datatype: double, ivoa:unit: deg }
  - { name: mag, "@id": "#stars.mag", datatype: float }
`;
/** The jobInfo progress of a job document: [chunksCompleted, chunksTotal]. */
const progressOf = (xml: string): number[] | undefined => {
  const m = /<progress xmlns="urn:x-qserv-tap:uws-jobinfo:1" chunksCompleted="(\d+)" chunksTotal="(\d+)"\/>/.exec(xml);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
};
const warningsOf = (xml: string): string[] => [...xml.matchAll(/<warning xmlns="urn:x-qserv-tap:uws-jobinfo:1">([^<]*)<\/warning>/g)].map((m) => m[1]!);
const SLOW = "SELECT COUNT(*) AS n FROM lab.stars AS a JOIN lab.stars AS b ON a.mag < b.mag";


describe("async jobs on Qserv (against the Qserv async-protocol test double over MariaDB)", function () {
  this.timeout(60_000);
  let db: MariaDbServer | undefined;
  let double: QservProtocolDouble;
  let running: Running | undefined;
  let dir: string;
  let felis: string;
  const cfg = () => ({ host: "127.0.0.1", port: db!.port, user: "root", password: "", database: "lab", connectionLimit: 4 });
  const start = async () => {
    const backend = await QservBackend.open(cfg(), { channel: () => double, firstPollMs: 5, maxPollMs: 50 });
    return startService({ backend: "qserv", qserv: cfg(), schemas: [felis], async: { dir } }, { backend });
  };

  before(async function () {
    needTool(this, findMariaDb().ok, "MariaDB (mariadbd, mariadb-install-db)");
    db = await startMariaDb();
    const c = await db.connect();
    await c.query("CREATE DATABASE lab");
    await c.query("CREATE TABLE lab.stars (id BIGINT PRIMARY KEY, ra DOUBLE NOT NULL, `dec` DOUBLE NOT NULL, mag FLOAT)");
    await c.query("INSERT INTO lab.stars SELECT seq, MOD(seq * 137.508, 360), -89 + MOD(seq * 7.3, 178), 15 + MOD(seq, 70) / 10 FROM lab.seq_1_to_30000");
    await c.end();
    dir = mkdtempSync(join(tmpdir(), "tap-qserv-async-"));
    felis = join(dir, "lab.yaml");
    writeFileSync(felis, FELIS);
    double = new QservProtocolDouble(cfg());
    await double.init();
    running = await start();
  });
  after(async () => {
    await running?.close();
    await double?.close();
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs a job as SUBMIT, status polls, SELECT * FROM qserv_result(id), then deletes the result", async () => {
    const from = double.received.length;
    const job = await createJob(running!.url, { LANG: "ADQL", QUERY: "SELECT TOP 3 id, mag FROM lab.stars WHERE id < 4", RESPONSEFORMAT: "csv", PHASE: "RUN" });
    const xml = await waitFor(job, ["COMPLETED", "ERROR"]);
    expect(tag(xml, "phase"), xml).to.equal("COMPLETED");
    const csv = (await (await fetch(`${job}/results/result`)).text()).trim().split(/\r?\n/);
    expect(csv[0]).to.equal("id,mag");
    expect(csv.slice(1).map((l) => l.split(",")[0]).sort()).to.deep.equal(["1", "2", "3"]);
    const sent = double.received.slice(from);
    expect(sent[0]).to.match(/^SUBMIT SELECT /);
    const id = [...double.queries.values()].pop()!.id;
    expect(sent).to.include(`SELECT * FROM information_schema.processlist WHERE id=${id}`);
    expect(sent).to.include(`SELECT * FROM information_schema.queries WHERE id=${id}`);
    expect(sent).to.include(`SELECT * FROM qserv_result(${id})`);
    expect(sent[sent.length - 1]).to.equal(`CALL qserv_result_delete(${id})`);
    expect(sent.filter((s) => /^CANCEL/.test(s))).to.deep.equal([]);
  });

  it("ABORT sends CANCEL <id>, and the statement on the database stops", async () => {
    const job = await createJob(running!.url, { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" });
    await waitFor(job, ["EXECUTING"]);
    await until("the query runs on MariaDB", async () => (await double.runningOnMariaDb()) === 1);
    const id = [...double.queries.values()].pop()!.id;
    await fetch(`${job}/phase`, { method: "POST", body: new URLSearchParams({ PHASE: "ABORT" }) });
    expect(tag(await (await fetch(job)).text(), "phase")).to.equal("ABORTED");
    await until("CANCEL is sent", () => double.received.includes(`CANCEL ${id}`));
    await until("the statement stops on MariaDB", async () => (await double.runningOnMariaDb()) === 0);
    expect(double.queries.get(id)!.status).to.equal("ABORTED");
  });

  it("EXECUTIONDURATION cancels the Qserv query; the job's ERROR names the limit", async () => {
    const job = await createJob(running!.url, { LANG: "ADQL", QUERY: SLOW, EXECUTIONDURATION: "1", PHASE: "RUN" });
    const xml = await waitFor(job, ["ERROR", "COMPLETED"]);
    expect(tag(xml, "phase")).to.equal("ERROR");
    expect(tag(xml, "message")).to.match(/execution duration limit \(EXECUTIONDURATION\) of 1 s/);
    const id = [...double.queries.values()].pop()!.id;
    await until("CANCEL is sent", () => double.received.includes(`CANCEL ${id}`));
    await until("the statement stops on MariaDB", async () => (await double.runningOnMariaDb()) === 0);
  });

  it("reports a query that fails on Qserv (FAILED in information_schema.queries) with Qserv's message", async () => {
    // The result table of the next query already exists, so the double's CREATE TABLE fails,
    // as a query failing on the workers would.
    const c = await db!.connect();
    await c.query(`CREATE TABLE qservResult.result_${double.nextId()} (x INT)`);
    await c.end();
    const job = await createJob(running!.url, { LANG: "ADQL", QUERY: "SELECT TOP 1 id FROM lab.stars", PHASE: "RUN" });
    const xml = await waitFor(job, ["ERROR", "COMPLETED"]);
    expect(tag(xml, "phase")).to.equal("ERROR");
    expect(tag(xml, "message")).to.match(/Qserv query \d+ ended FAILED: .*already exists/);
  });

  it("re-attaches a job by its Qserv id after the service restarts, without submitting it again", async () => {
    // The query stays EXECUTING at the double until the test completes its chunk, after the restart.
    double.manualChunks = true;
    const from = double.received.length;
    try {
      const job = await createJob(running!.url, { LANG: "ADQL", QUERY: "SELECT TOP 2 id FROM lab.stars WHERE id < 3", RESPONSEFORMAT: "csv", PHASE: "RUN" });
      const jobId = job.split("/").pop()!;
      const record = join(dir, "jobs", `${jobId}.json`);
      await until("the job record keeps the Qserv id", () => existsSync(record) && /"backendRef"/.test(readFileSync(record, "utf8")));
      const qid = (JSON.parse(readFileSync(record, "utf8")) as { backendRef: string }).backendRef;
      await running!.close();
      running = undefined;
      expect(double.queries.get(Number(qid))!.status, "the service's shutdown leaves the Qserv query running").to.equal("EXECUTING");
      running = await start();
      double.completeChunks(Number(qid));
      const xml = await waitFor(job.replace(/^http:\/\/[^/]+/, running.url.replace(/\/tap$/, "")), ["COMPLETED", "ERROR"]);
      expect(tag(xml, "phase"), xml).to.equal("COMPLETED");
      const url = `${running.url}/async/${jobId}/results/result`;
      expect((await (await fetch(url)).text()).trim().split(/\r?\n/)).to.deep.equal(["id", "1", "2"]);
      expect(double.received.slice(from).filter((s) => s.startsWith("SUBMIT"))).to.have.length(1);
      expect(double.received).not.to.include(`CANCEL ${qid}`);
    } finally {
      double.manualChunks = false;
    }
  });

  it("publishes the chunks done in jobInfo as the double completes them; WAIT returns on each change; the documents validate", async function () {
    double.chunks = 4;
    double.manualChunks = true;
    const docs: string[] = [];
    try {
      const before = double.nextId();
      const job = await createJob(running!.url, { LANG: "ADQL", QUERY: "SELECT TOP 5 id FROM lab.stars WHERE id < 10", RESPONSEFORMAT: "csv", PHASE: "RUN" });
      const jobId = job.split("/").pop()!;
      await until("the query is submitted to Qserv", () => double.queries.has(before));
      let xml = "";
      await until("jobInfo reports 0 of 4 chunks", async () => progressOf((xml = await (await fetch(job)).text()))?.join("/") === "0/4").catch((e: unknown) => {
        throw new Error(`${(e as Error).message}; the job: ${xml}; the double's query: ${JSON.stringify(double.queries.get(before))}`);
      });
      expect(tag(xml, "phase")).to.equal("EXECUTING");
      expect(warningsOf(xml), "no warning about this query").to.deep.equal([]);
      docs.push(xml);
      for (const n of [1, 2, 3]) {
        const waited = fetch(`${job}?WAIT=50&PHASE=EXECUTING`).then((r) => r.text());
        await until("the WAIT request blocks", () => running!.service.jobs.waiting(jobId) === 1);
        const t0 = Date.now();
        double.completeChunks(before);
        xml = await waited;
        expect(Date.now() - t0, "WAIT answered the change, not its time limit").to.be.below(25_000);
        expect(progressOf(xml), xml).to.deep.equal([n, 4]);
        expect(tag(xml, "phase")).to.equal("EXECUTING");
        docs.push(xml);
      }
      double.completeChunks(before);
      xml = await waitFor(job, ["COMPLETED", "ERROR"]);
      expect(tag(xml, "phase"), xml).to.equal("COMPLETED");
      expect(progressOf(xml)).to.deep.equal([4, 4]);
      docs.push(xml);
      needTool(this, hasTool("xmllint"), "xmllint");
      const files = docs.map((d, i) => {
        const f = join(dir, `progress-${i}.xml`);
        writeFileSync(f, d);
        return f;
      });
      const r = validateXml(files);
      expect(r.ok, r.output).to.equal(true);
    } finally {
      double.chunks = 1;
      double.manualChunks = false;
    }
  });

  it("polls again, instead of failing the job, when every connection is busy for a while", async () => {
    let refused = 0;
    const busyChannel = (): SqlChannel => ({
      rows: (sql) => {
        // The first status polls find the pool taken, as acquire() reports it.
        if (sql.includes("information_schema.processlist") && refused < 3) {
          refused++;
          return Promise.reject(new TapError(503, "No connection to the database came free", "TAP_DATABASE_BUSY", 5));
        }
        return double.rows(sql);
      },
      stream: (sql, signal) => double.stream(sql, signal),
    });
    const backend = await QservBackend.open(cfg(), { channel: busyChannel, firstPollMs: 5, maxPollMs: 50 });
    const jobs = mkdtempSync(join(tmpdir(), "tap-qserv-busy-"));
    const other = await startService({ backend: "qserv", qserv: cfg(), schemas: [felis], async: { dir: jobs } }, { backend });
    try {
      const job = await createJob(other.url, { LANG: "ADQL", QUERY: "SELECT TOP 2 id FROM lab.stars WHERE id < 3", RESPONSEFORMAT: "csv", PHASE: "RUN" });
      const xml = await waitFor(job, ["COMPLETED", "ERROR"]);
      expect(tag(xml, "phase"), xml).to.equal("COMPLETED");
      expect(refused).to.equal(3);
    } finally {
      await other.close();
      rmSync(jobs, { recursive: true, force: true });
    }
  });
});
