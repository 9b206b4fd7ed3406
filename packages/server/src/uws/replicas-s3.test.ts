/**
 * Two server processes sharing a MariaDB job store (test-support/replicas.ts) and one S3 bucket for results
 * (s3rver, test-support/s3.ts) (issue 18): jobs submitted alternately to both, each result read through either replica
 * (303 to the bucket, the same bytes), nothing on the replicas' disks; a replica killed with SIGKILL while it runs
 * jobs: the other runs them again and their results are in the bucket; deleting the jobs leaves no object.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { until } from "../../../votable/src/test-support/until.js";
import { finalJob, jobIdOf, replicaSet, smallJob, type ReplicaSet } from "../test-support/replicas.js";
import { S3RVER_CREDENTIALS, startS3, type TestS3 } from "../test-support/s3.js";
import { createJob, tag } from "../test-support/uws.js";
import { S3ResultStore } from "./result-store-s3.js";

/** Seconds of DuckDB's time: long enough to be running when the replica is killed, short enough to run again. */
const SLOW = "SELECT COUNT(*) AS n FROM demo.stars AS a JOIN demo.stars AS b ON a.g_mag < b.g_mag + a.ra - b.ra WHERE a.star_id <= 5000";

describe("replicas sharing a MariaDB job store and an S3 bucket (issue 18)", function () {
  this.timeout(600_000);
  let s3: TestS3;
  let set: ReplicaSet;
  let bucket: S3ResultStore;
  const url = (name: string) => set.replicas.get(name)!.url;

  before(async () => {
    s3 = await startS3("tap-results");
    bucket = new S3ResultStore({ bucket: "tap-results", prefix: "replicas/tap/", endpoint: s3.endpoint, region: "us-east-1", ...S3RVER_CREDENTIALS, urlLifetimeSeconds: 60 });
    set = await replicaSet({
      TAP_JOB_LEASE: "2",
      TAP_JOB_POLL: "0.2",
      TAP_ASYNC_CONCURRENCY: "2",
      TAP_RESULT_STORE: "s3://tap-results/replicas",
      TAP_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    });
    await set.start("A");
    await set.start("B");
  });
  after(async () => {
    await set?.close();
    await s3?.stop();
  });

  it("100 jobs submitted alternately to A and B (issue 18): each result read through either replica is the same object of the bucket", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(jobIdOf(await createJob(url(i % 2 ? "B" : "A"), smallJob(i))));
    for (const [i, id] of ids.entries()) expect(tag(await finalJob(url(i % 2 ? "A" : "B"), id, 120), "phase"), id).to.equal("COMPLETED");
    const runs = await set.sql("SELECT job_id, replica FROM {db}.job_runs WHERE job_id IN (?)", [ids]);
    expect(new Set(runs.map((r) => r.replica as string))).to.deep.equal(new Set(["A", "B"]));
    for (const id of ids) {
      const locations = await Promise.all(
        ["A", "B"].map(async (n) => {
          const res = await fetch(`${url(n)}/async/${id}/results/result`, { redirect: "manual" });
          expect(res.status).to.equal(303);
          const l = new URL(res.headers.get("location")!);
          return l.origin + l.pathname;
        }),
      );
      expect(locations[0]).to.equal(`${s3.endpoint}/tap-results/replicas/tap/${id}/result`);
      expect(locations[1]).to.equal(locations[0]);
      const [a, b] = await Promise.all(["A", "B"].map(async (n) => (await fetch(`${url(n)}/async/${id}/results/result`)).text()));
      expect(a, id).to.match(/^star_id\r\n/);
      expect(b).to.equal(a);
    }
    expect(await bucket.jobIds()).to.include.members(ids);
    // Nothing on the replicas' disks.
    const local = join(set.asyncDir, "results");
    expect(existsSync(local) ? readdirSync(local) : []).to.deep.equal([]);
    // Deleted through the replica that did not create it: no object stays.
    for (const [i, id] of ids.entries()) expect((await fetch(`${url(i % 2 ? "A" : "B")}/async/${id}`, { method: "DELETE", redirect: "manual" })).status).to.equal(303);
    const left = await bucket.jobIds();
    expect(left.filter((id) => ids.includes(id))).to.deep.equal([]);
  });

  it("SIGKILL of a replica running jobs: the other runs them again, their results are in the bucket, and deleting them leaves nothing", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(jobIdOf(await createJob(url("A"), i < 2 ? { LANG: "ADQL", QUERY: SLOW, RESPONSEFORMAT: "csv", PHASE: "RUN" } : smallJob(i))));
    await until("A runs a job", async () => (await set.sql("SELECT 1 FROM {db}.job_runs WHERE replica = 'A' AND ended_ms IS NULL AND job_id IN (?)", [ids])).length > 0);
    await set.replicas.get("A")!.stop("SIGKILL");
    set.replicas.delete("A");
    const finals = await Promise.all(ids.map((id) => finalJob(url("B"), id, 300))).catch(async (e: Error) => {
      const runs = await set.sql("SELECT job_id, replica, run, outcome, claimed_ms, ended_ms FROM {db}.job_runs WHERE job_id IN (?)", [ids]);
      throw new Error(`${e.message}\nruns: ${JSON.stringify(runs)}\nB: ${set.replicas.get("B")!.output().slice(-2000)}`);
    });
    for (const [i, x] of finals.entries()) expect(tag(x, "phase"), ids[i]).to.be.oneOf(["COMPLETED", "ERROR"]);
    for (const [i, id] of ids.entries()) {
      if (tag(finals[i]!, "phase") !== "COMPLETED") continue;
      expect(await bucket.size(id, "result"), id).to.be.greaterThan(0);
      const body = await (await fetch(`${url("B")}/async/${id}/results/result`)).text();
      expect(body).to.match(/^(n|star_id)\r\n\d+/);
    }
    const rerun = await set.sql("SELECT DISTINCT job_id FROM {db}.job_runs WHERE replica = 'B' AND run = 2 AND job_id IN (?)", [ids]);
    expect(rerun.length, "jobs run again by B").to.be.greaterThan(0);
    for (const id of ids) expect((await fetch(`${url("B")}/async/${id}`, { method: "DELETE", redirect: "manual" })).status).to.equal(303);
    expect((await bucket.jobIds()).filter((id) => ids.includes(id))).to.deep.equal([]);
  });
});
