/**
 * The documents that sync and async write, on the demo DuckDB, against the official XSDs (shared/ivoa/validate-xml,
 * xmllint, offline): the UWS 1.1 job in each phase that a client sees, its parameters and results, the job list,
 * uws:jobInfo with the compiler's warnings, and VOTable results and errors with WARNING INFOs. The behaviour of each
 * document is tested in routes/sync.test.ts, routes/async.test.ts and uws/jobinfo.test.ts, which run in
 * test:quick; this file is the one that needs the tool.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasTool, needTool, startService, sync, validateXml, type Running } from "../test-support/service.js";
import { createJob, idsVOTable, post, tag, uploadForm, waitFor } from "../test-support/uws.js";

const BOX = "SELECT star_id FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), BOX('ICRS', 180, 30, 2, 2))";

const text = async (url: string): Promise<string> => {
  const res = await fetch(url);
  expect(res.status, url).to.equal(200);
  return res.text();
};

/** Runs a job to its end and gives its URL, after checking the phase it ended in. */
async function finished(base: string, params: Record<string, string>, phase: "COMPLETED" | "ERROR"): Promise<string> {
  const job = await createJob(base, { ...params, PHASE: "RUN" });
  const xml = await waitFor(job, ["COMPLETED", "ERROR"]);
  expect(tag(xml, "phase"), xml).to.equal(phase);
  return job;
}

/** Each document a client reads, by the standard whose schema it must satisfy. */
const DOCUMENTS: { name: string; standard: string; fetch: (base: string) => Promise<string> }[] = [
  { name: "job, PENDING, with a RUNID", standard: "UWS 1.1 §2.2.1", fetch: async (base) => text(await createJob(base, { LANG: "ADQL", QUERY: "SELECT TOP 5 star_id FROM demo.stars", RUNID: "r-1" })) },
  { name: "job parameters", standard: "UWS 1.1 §2.2.1.1", fetch: async (base) => text(`${await createJob(base, { LANG: "ADQL", QUERY: "SELECT 1" })}/parameters`) },
  { name: "job results, none yet", standard: "UWS 1.1 §2.2.1.1", fetch: async (base) => text(`${await createJob(base, { LANG: "ADQL", QUERY: "SELECT 1" })}/results`) },
  { name: "job, COMPLETED", standard: "UWS 1.1 §2.2.1", fetch: async (base) => text(await finished(base, { LANG: "ADQL", QUERY: "SELECT TOP 2 star_id FROM demo.stars", RESPONSEFORMAT: "csv" }, "COMPLETED")) },
  { name: "job results, one", standard: "UWS 1.1 §2.2.1.1", fetch: async (base) => text(`${await finished(base, { LANG: "ADQL", QUERY: "SELECT TOP 2 star_id FROM demo.stars" }, "COMPLETED")}/results`) },
  { name: "job, ERROR, with errorSummary", standard: "UWS 1.1 §2.2.1", fetch: async (base) => text(await finished(base, { LANG: "ADQL", QUERY: "SELECT nothing FROM demo.stars" }, "ERROR")) },
  { name: "job error, a VOTable", standard: "TAP 1.1 §4.4, DALI 1.1 §5.2", fetch: async (base) => text(`${await finished(base, { LANG: "ADQL", QUERY: "SELECT nothing FROM demo.stars" }, "ERROR")}/error`) },
  { name: "job, ABORTED", standard: "UWS 1.1 §2.2.1", fetch: async (base) => {
    const job = await createJob(base, { LANG: "ADQL", QUERY: "SELECT 1" });
    expect((await post(`${job}/phase`, { PHASE: "ABORT" })).status).to.equal(303);
    return text(job);
  } },
  { name: "job, jobInfo with the compiler's warnings", standard: "UWS 1.1 §2.2.2.2", fetch: async (base) => {
    const xml = await text(await finished(base, { LANG: "ADQL", QUERY: BOX, RESPONSEFORMAT: "csv" }, "COMPLETED"));
    expect(xml).to.contain("<uws:jobInfo>");
    return xml;
  } },
  { name: "job with an inline upload, its parameter by reference", standard: "UWS 1.1 §2.2.1, TAP 1.1 §4.2", fetch: async (base) => {
    const res = await post(`${base}/async`, uploadForm(idsVOTable([3]), "SELECT s.star_id FROM TAP_UPLOAD.mine AS u JOIN demo.stars AS s ON s.star_id = u.id", { PHASE: "RUN" }));
    expect(res.status).to.equal(303);
    const xml = await waitFor(res.headers.get("location")!, ["COMPLETED", "ERROR"]);
    expect(xml).to.contain('byReference="true"');
    return xml;
  } },
  { name: "job list", standard: "UWS 1.1 §2.2.1", fetch: (base) => text(`${base}/async`) },
  { name: "job list, filtered by PHASE and LAST", standard: "UWS 1.1 §2.2.1", fetch: (base) => text(`${base}/async?PHASE=COMPLETED&LAST=2`) },
  { name: "sync VOTable with a WARNING INFO", standard: "DALI 1.1 §5.4.3, VOTable 1.4", fetch: async (base) => {
    const r = await sync(base, { LANG: "ADQL", QUERY: BOX, RESPONSEFORMAT: "votable/td" });
    expect(r.status).to.equal(200);
    expect(r.text).to.contain('name="WARNING"');
    return r.text;
  } },
  { name: "sync VOTable, MAXREC overflow", standard: "DALI 1.1 §5.4.3", fetch: async (base) => (await sync(base, { LANG: "ADQL", QUERY: "SELECT star_id FROM demo.stars", MAXREC: "3" })).text },
  { name: "sync error VOTable", standard: "DALI 1.1 §5.2", fetch: async (base) => (await sync(base, { LANG: "ADQL", QUERY: "SELECT FROM" })).text },
];

describe("sync and async documents against the official XSDs (xmllint)", function () {
  this.timeout(60_000);
  let running: Running;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tap-documents-"));
    running = await startService({ demo: true, async: { dir: join(dir, "jobs") } });
  });
  after(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every document validates", async function () {
    needTool(this, hasTool("xmllint"), "xmllint");
    const files: string[] = [];
    for (const [i, d] of DOCUMENTS.entries()) {
      const file = join(dir, `${i}-${d.name.replace(/\W+/g, "-")}.xml`);
      writeFileSync(file, await d.fetch(running.url));
      files.push(file);
    }
    const r = validateXml(files);
    expect(r.ok, r.output).to.equal(true);
    expect(r.output.match(/ validates$/gm), r.output).to.have.length(DOCUMENTS.length);
  });
});
