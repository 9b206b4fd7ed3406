/**
 * Two server processes sharing a MariaDB job store and one async directory (issue 18), with short leases (2 s) and
 * polls (0.2 s): 100 small jobs with one replica and then alternately with two, each result read from either; a WAIT on
 * one replica for a job that runs on the other; SIGKILL of a replica while it runs jobs (taken over and run again, none
 * lost, none run twice at once, nothing left behind); SIGSTOP past the lease (taken over, and the stalled replica
 * does not overwrite the job when it resumes); pyvo's run_async against a replica. Prints the figures the issue asks
 * for (takeover time, throughput).
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { until } from "../../../votable/src/test-support/until.js";
import { finalJob, jobIdOf, overlappingRuns, replicaSet, smallJob, type ReplicaSet } from "../test-support/replicas.js";
import { createJob, tag } from "../test-support/uws.js";
import { RESTARTED_MESSAGE } from "./manager.js";

const LEASE_S = 2;
const POLL_S = 0.2;
/** A query of a few seconds on the demo DuckDB (about 1.5 s on a busy 2-core machine). */
const SLOW = "SELECT COUNT(*) AS n FROM demo.stars AS a JOIN demo.stars AS b ON a.g_mag < b.g_mag + a.ra - b.ra WHERE a.star_id < 400";

describe("replicas sharing a MariaDB job store (issue 18)", function () {
  this.timeout(600_000);
  let set: ReplicaSet;
  const url = (name: string) => set.replicas.get(name)!.url;
  const runsOf = (id: string) => set.sql("SELECT * FROM {db}.job_runs WHERE job_id = ? ORDER BY run", [id]);

  before(async () => {
    set = await replicaSet({ TAP_JOB_LEASE: String(LEASE_S), TAP_JOB_POLL: String(POLL_S), TAP_ASYNC_CONCURRENCY: "3", TAP_QUOTA_JOBS: "10000" });
  });
  after(async () => {
    await set?.close();
  });

  /** CPU time (user + system, ms) that the replicas have used so far (/proc/<pid>/stat). */
  const cpuMs = (names: string[]) =>
    names.reduce((sum, n) => {
      const fields = readFileSync(`/proc/${set.replicas.get(n)!.proc.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return sum + ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    }, 0);

  /** 100 small jobs, submitted 10 at a time to the targets in turn, each waited for on the next target. */
  async function hundred(targets: string[]): Promise<{ ms: number; cpuPerJob: number; ids: string[] }> {
    const cpu0 = cpuMs(targets);
    const t0 = Date.now();
    const ids: string[] = new Array<string>(100);
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = next++; i < 100; i = next++) {
          ids[i] = jobIdOf(await createJob(url(targets[i % targets.length]!), smallJob(i)));
          expect(tag(await finalJob(url(targets[(i + 1) % targets.length]!), ids[i]!), "phase"), ids[i]).to.equal("COMPLETED");
        }
      }),
    );
    return { ms: Date.now() - t0, cpuPerJob: (cpuMs(targets) - cpu0) / 100, ids };
  }

  it("runs 100 small jobs with one replica, then 100 alternately on two; each result reads the same from either", async () => {
    await set.start("A");
    const one = await hundred(["A"]);
    await set.start("B");
    const two = await hundred(["A", "B"]);
    for (const id of two.ids) {
      const [a, b] = await Promise.all(["A", "B"].map(async (n) => (await fetch(`${url(n)}/async/${id}/results/result`)).text()));
      expect(a, id).to.match(/^star_id\r\n/);
      expect(b, id).to.equal(a);
    }
    const runs = await set.sql("SELECT job_id, replica, run, outcome, claimed_ms, valid_until_ms FROM {db}.job_runs WHERE job_id IN (?)", [two.ids]);
    expect(runs).to.have.length(100);
    expect(runs.every((r) => r.run === 1 && r.outcome === "COMPLETED")).to.equal(true);
    const byReplica = { A: runs.filter((r) => r.replica === "A").length, B: runs.filter((r) => r.replica === "B").length };
    expect(byReplica.A + byReplica.B).to.equal(100);
    expect(byReplica.B, "B ran some").to.be.greaterThan(0);
    console.log(
      `      100 small jobs, 10 at a time: one replica ${one.ms} ms (${(100_000 / one.ms).toFixed(1)} jobs/s, ${one.cpuPerJob.toFixed(1)} ms CPU per job), ` +
        `two replicas ${two.ms} ms (${(100_000 / two.ms).toFixed(1)} jobs/s, ${two.cpuPerJob.toFixed(1)} ms CPU per job); ran on A ${byReplica.A}, on B ${byReplica.B}`,
    );
    // The job list queries the store: a job created on A is listed on B.
    const listed = await (await fetch(`${url("B")}/async?LAST=300`)).text();
    for (const id of [...one.ids, ...two.ids]) expect(listed).to.contain(`id="${id}"`);
  });

  it("answers a WAIT on one replica within a poll interval of a change made on the other", async () => {
    let id: string | undefined;
    for (let attempt = 0; attempt < 5 && id === undefined; attempt++) {
      const candidate = jobIdOf(await createJob(url("B"), { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" }));
      await until("the job runs", async () => (await runsOf(candidate)).length > 0);
      if ((await runsOf(candidate))[0]!.replica === "B") id = candidate;
    }
    expect(id, "a job claimed by B").to.not.equal(undefined);
    const res = await fetch(`${url("A")}/async/${id}?WAIT=60&PHASE=EXECUTING`);
    const returned = Date.now();
    const xml = await res.text();
    expect(tag(xml, "phase")).to.equal("COMPLETED");
    const changed = Date.parse(tag(xml, "endTime")!);
    const lag = returned - changed;
    console.log(`      WAIT on A for a job on B returned ${lag} ms after the change (poll interval ${POLL_S * 1000} ms)`);
    // One poll interval, and the time of an HTTP answer on a busy machine.
    expect(lag).to.be.below(POLL_S * 1000 + 750);
    await fetch(`${url("A")}/async/${id}`, { method: "DELETE" });
  });

  it("SIGKILL of a replica running jobs: the other takes them over; every job COMPLETED or in the documented ERROR, none lost, none run twice at once, no object left", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(jobIdOf(await createJob(url("A"), i < 3 ? { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" } : smallJob(i))));
    const runningOnA = async () => (await set.sql("SELECT job_id FROM {db}.job_runs WHERE replica = 'A' AND ended_ms IS NULL AND job_id IN (?)", [ids])).map((r) => r.job_id as string);
    await until("A runs two jobs or more", async () => (await runningOnA()).length >= 2);
    const onA = await runningOnA();
    const killed = Date.now();
    await set.replicas.get("A")!.stop("SIGKILL");
    set.replicas.delete("A");
    // Taken over: no longer EXECUTING under A's lease (QUEUED again, or claimed by B).
    await until("A's jobs are taken over", async () => (await set.sql("SELECT 1 FROM {db}.jobs WHERE id IN (?) AND phase = 'EXECUTING' AND lease_owner = 'A'", [onA])).length === 0, 60_000);
    const takenOver = Date.now();
    await until("B runs them again", async () => (await set.sql("SELECT DISTINCT job_id FROM {db}.job_runs WHERE replica = 'B' AND job_id IN (?)", [onA])).length === onA.length, 120_000).catch(
      async (e: unknown) => {
        // Seen once in CI and not reproduced: what the store and B say of the jobs, to find why.
        const jobs = await set.sql("SELECT id, phase, runs, lease_owner, lease_expires, credential_holder FROM {db}.jobs WHERE id IN (?)", [ids]).catch((x: unknown) => String(x));
        const runs = await set.sql("SELECT job_id, replica, run, outcome, claimed_ms, ended_ms FROM {db}.job_runs WHERE job_id IN (?)", [ids]).catch((x: unknown) => String(x));
        const lines = set.replicas.get("B")!.output().split("\n").filter((l) => ids.some((id) => l.includes(id)));
        throw new Error(`${(e as Error).message}; A ran ${onA.join(", ")}; jobs ${JSON.stringify(jobs)}; runs ${JSON.stringify(runs)}; B said:\n${lines.slice(-60).join("\n")}`);
      },
    );
    const rerun = Date.now();
    const finals = await Promise.all(ids.map((id) => finalJob(url("B"), id, 300)));
    const phases = finals.map((x) => tag(x, "phase"));
    for (const [i, x] of finals.entries()) {
      if (phases[i] === "ERROR") expect(tag(x, "message")).to.equal(RESTARTED_MESSAGE);
      else expect(phases[i], ids[i]).to.equal("COMPLETED");
    }
    const runs = await set.sql("SELECT job_id, replica, run, outcome, claimed_ms, valid_until_ms FROM {db}.job_runs WHERE job_id IN (?)", [ids]);
    expect(overlappingRuns(runs as never), "jobs that ran twice at once").to.deep.equal([]);
    const reruns = onA.filter((id) => runs.some((r) => r.job_id === id && r.run === 2));
    expect(reruns).to.have.members(onA);
    const completed = phases.filter((p) => p === "COMPLETED").length;
    console.log(
      `      SIGKILL: ${ids.length} jobs, ${completed} COMPLETED, ${ids.length - completed} ERROR, ${reruns.length} run again by B, 0 run twice at once; ` +
        `takeover ${takenOver - killed} ms after the kill, run again ${rerun - killed} ms after (lease ${LEASE_S * 1000} ms, poll ${POLL_S * 1000} ms)`,
    );
    // Every job deleted: nothing of theirs stays in the shared directory (the killed run's partial file included).
    for (const id of ids) expect((await fetch(`${url("B")}/async/${id}`, { method: "DELETE", redirect: "manual" })).status).to.equal(303);
    const left = existsSync(join(set.asyncDir, "results")) ? readdirSync(join(set.asyncDir, "results")).filter((d) => ids.includes(d)) : [];
    expect(left).to.deep.equal([]);
    expect(await set.sql("SELECT id FROM {db}.jobs WHERE id IN (?)", [ids])).to.deep.equal([]);
  });

  it("SIGSTOP past the lease: the job is taken over, and the stalled replica, resumed, does not overwrite it", async () => {
    await set.start("A");
    let id: string | undefined;
    for (let attempt = 0; attempt < 5 && id === undefined; attempt++) {
      const candidate = jobIdOf(await createJob(url("A"), { LANG: "ADQL", QUERY: SLOW, PHASE: "RUN" }));
      await until("the job runs", async () => (await runsOf(candidate)).length > 0);
      if ((await runsOf(candidate))[0]!.replica === "A") id = candidate;
      else await finalJob(url("B"), candidate, 300);
    }
    expect(id, "a job claimed by A").to.not.equal(undefined);
    await set.pause("A");
    await until("B takes the job over", async () => (await runsOf(id!)).some((r) => r.replica === "B"), 60_000);
    const done = await finalJob(url("B"), id!, 300);
    expect(tag(done, "phase")).to.equal("COMPLETED");
    const before = await (await fetch(`${url("B")}/async/${id}`)).text();
    const resultBefore = await (await fetch(`${url("B")}/async/${id}/results/result`)).text();
    await set.resume("A");
    await until("A's run ends, lost", async () => (await runsOf(id!)).some((r) => r.replica === "A" && r.ended_ms !== null), 120_000);
    const runs = await runsOf(id!);
    expect(runs.map((r) => [r.run, r.replica, r.outcome])).to.deep.equal([
      [1, "A", "LOST"],
      [2, "B", "COMPLETED"],
    ]);
    expect(overlappingRuns(runs as never)).to.deep.equal([]);
    expect(await (await fetch(`${url("A")}/async/${id}`)).text()).to.equal(before.replaceAll(url("B"), url("A")));
    expect(await (await fetch(`${url("A")}/async/${id}/results/result`)).text()).to.equal(resultBefore);
  });

  it("pyvo's run_async against a replica", async () => {
    const script = [
      "import sys, pyvo",
      "svc = pyvo.dal.TAPService(sys.argv[1])",
      "r = svc.run_async(\"SELECT TOP 5 star_id FROM demo.stars ORDER BY star_id\")",
      "print(len(r), list(r.to_table()['star_id']))",
    ].join("\n");
    const r = spawnSync("/usr/bin/python3", ["-c", script, url("B")], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.match(/^5 \[/);
  });
});
