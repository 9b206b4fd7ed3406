/**
 * The compiler's warnings in an async job's document, on the demo DuckDB: `uws:jobInfo` (UWS 1.1
 * §2.2.2.2: "any extra information within the job description") holds one `<warning>` per
 * CompileResult warning, in this service's own namespace, which the UWS schema validates laxly
 * (routes/documents.xsd.test.ts validates them).
 * The Qserv progress in jobInfo is tested against the protocol double in backends/qserv-async.test.ts.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startService, type Running } from "../test-support/service.js";
import { createJob, idsVOTable, post, tag, uploadForm, waitFor } from "../test-support/uws.js";
import { JOB_INFO_NS, jobInfoXml, type Job } from "./job.js";

const warningsOf = (xml: string): string[] =>
  [...xml.matchAll(new RegExp(`<warning xmlns="${JOB_INFO_NS}">([^<]*)</warning>`, "g"))].map((m) => m[1]!);

const BOX = "SELECT star_id FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), BOX('ICRS', 180, 30, 2, 2))";

describe("uws:jobInfo: the compiler's warnings in the job document (demo DuckDB)", function () {
  this.timeout(30_000);
  let running: Running;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tap-jobinfo-"));
    running = await startService({ demo: true, async: { dir: join(dir, "jobs") } });
  });
  after(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: { name: string; query: string; warnings: RegExp[] }[] = [
    { name: "a BOX query: BOX read as coordinate ranges", query: BOX, warnings: [/^BOX is read as ranges of coordinates/] },
    { name: "a query the compiler has nothing to say about: no jobInfo", query: "SELECT TOP 2 star_id FROM demo.stars", warnings: [] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const job = await createJob(running.url, { LANG: "ADQL", QUERY: c.query, RESPONSEFORMAT: "csv", PHASE: "RUN" });
      const xml = await waitFor(job, ["COMPLETED", "ERROR"]);
      expect(tag(xml, "phase"), xml).to.equal("COMPLETED");
      const warnings = warningsOf(xml);
      expect(warnings).to.have.length(c.warnings.length);
      c.warnings.forEach((w, i) => expect(warnings[i]).to.match(w));
      if (c.warnings.length === 0) expect(xml).not.to.contain("jobInfo");
      // No progress outside Qserv: DuckDB does not report any.
      expect(xml).not.to.contain("<progress");
    });
  }

  it("a job with an inline upload (compiled only once the upload is loaded) has the warnings too", async () => {
    const form = uploadForm(
      idsVOTable([3]),
      "SELECT s.star_id FROM TAP_UPLOAD.mine AS u JOIN demo.stars AS s ON s.star_id = u.id WHERE 1 = CONTAINS(POINT('ICRS', s.ra, s.dec), BOX('ICRS', 180, 0, 360, 180))",
      { PHASE: "RUN" },
    );
    const res = await post(`${running.url}/async`, form);
    expect(res.status).to.equal(303);
    const xml = await waitFor(res.headers.get("location")!, ["COMPLETED", "ERROR"]);
    expect(tag(xml, "phase"), xml).to.equal("COMPLETED");
    expect(warningsOf(xml).join("\n")).to.match(/^BOX is read as ranges of coordinates/);
  });

  it("escapes warning text, and renders progress and warnings in one jobInfo", () => {
    const job = { progress: { chunksCompleted: 2, chunksTotal: 7 }, warnings: ["a < b & c"] } as unknown as Job;
    expect(jobInfoXml(job)).to.equal(
      `  <uws:jobInfo>\n` +
        `    <progress xmlns="${JOB_INFO_NS}" chunksCompleted="2" chunksTotal="7"/>\n` +
        `    <warning xmlns="${JOB_INFO_NS}">a &lt; b &amp; c</warning>\n` +
        `  </uws:jobInfo>\n`,
    );
    expect(jobInfoXml({} as Job)).to.equal("");
  });
});
