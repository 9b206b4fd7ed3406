/**
 * The MariaDB job store on a private MariaDB (issue 18): the database created and migrated once, claims that only
 * one of several stores wins, writes refused without the lease, expired leases taken over (run again, then ERROR),
 * the job list's filters, and stopped replicas forgotten.
 */
import { expect } from "chai";
import type { RowDataPacket } from "mysql2/promise";
import { until } from "../../../votable/src/test-support/until.js";
import { controlledMariaDb, type ControlledMariaDb } from "../test-support/child-server.js";
import { isoNow, type Job } from "./job.js";
import { MIGRATIONS, MySqlJobStore } from "./store-mysql.js";

const LEASE = { owner: "r1", ms: 60_000, globalLimit: 0 };

function job(id: string, over: Partial<Job> = {}): Job {
  const now = Date.now();
  return {
    v: 1,
    id,
    owner: null,
    queueKey: "addr:192.0.2.1",
    phase: "QUEUED",
    creationTime: isoNow(now),
    executionDuration: 60,
    destruction: isoNow(now + 3600_000),
    parameters: [{ name: "QUERY", value: "SELECT 1" }],
    inlineParts: [],
    results: [],
    ...over,
  };
}

describe("MariaDB job store (leases, claims, migrations)", function () {
  this.timeout(120_000);
  let db: ControlledMariaDb;
  const location = () => ({ host: "127.0.0.1", port: db.port, user: "root", password: "", database: "jobs_unit" });
  const stores: MySqlJobStore[] = [];
  const open = async (service = "tap") => {
    const s = new MySqlJobStore(location(), service, { connectionLimit: 4 });
    await s.open();
    stores.push(s);
    return s;
  };

  before(async () => {
    db = await controlledMariaDb();
    await db.start();
  });
  after(async () => {
    for (const s of stores) await s.close();
    await db?.stop();
  });

  it("creates its database and applies each migration once", async () => {
    const [a, b] = await Promise.all([open(), open("soda")]);
    void a;
    void b;
    const conn = await db.connect();
    try {
      const [rows] = await conn.query<RowDataPacket[]>("SELECT version FROM jobs_unit.job_schema ORDER BY version");
      expect(rows.map((r) => Number(r.version))).to.deep.equal(MIGRATIONS.map((_, i) => i + 1));
    } finally {
      await conn.end();
    }
  });

  it("of ten stores claiming one QUEUED job at once, exactly one wins", async () => {
    const claimers = await Promise.all(Array.from({ length: 10 }, () => open()));
    await claimers[0]!.insert(job("race1"));
    const results = await Promise.all(claimers.map((s, i) => s.claim("race1", { ...LEASE, owner: `r${i}` }, { startTime: isoNow() })));
    expect(results.filter((r) => typeof r === "object")).to.have.length(1);
    expect(results.filter((r) => r === "lost")).to.have.length(9);
    expect((await claimers[0]!.get("race1"))!.phase).to.equal("EXECUTING");
  });

  it("refuses the writes of a run that does not hold the lease, and accepts its holder's", async () => {
    const s = await open();
    await s.insert(job("lease1"));
    const lease = await s.claim("lease1", LEASE, {});
    expect(lease).to.be.an("object");
    const token = (lease as { token: string }).token;
    const cases: [string, string, boolean][] = [
      ["another token", "0".repeat(24), false],
      ["the holder", token, true],
    ];
    for (const [name, t, ok] of cases) {
      expect(await s.update("lease1", { warnings: [name] }, { lease: t }), name).to.equal(ok);
      expect(await s.renew("lease1", t, 1000), name).to.equal(ok);
    }
    expect(await s.update("lease1", { phase: "COMPLETED", results: [] }, { phases: ["EXECUTING"], lease: token })).to.equal(true);
    // The lease went with EXECUTING: the same holder can no longer write or renew.
    expect(await s.renew("lease1", token, 1000)).to.equal(false);
    expect(await s.update("lease1", { phase: "ERROR" }, { phases: ["EXECUTING"], lease: token })).to.equal(false);
  });

  it("takes over an expired lease: QUEUED again while runs < maxRuns, then ERROR with the message", async () => {
    const s = await open();
    await s.insert(job("expire1"));
    const first = await s.claim("expire1", { ...LEASE, ms: 1 }, {});
    expect(first).to.be.an("object");
    // The lease expires by the database's clock, 1 ms after the claim: a fast machine can sweep within that ms, so the
    // test waits for the expiry (the sweep itself is what is tested).
    let t1: Awaited<ReturnType<MySqlJobStore["takeOver"]>> = { requeued: [], failed: [] };
    await until("the first lease expired and was taken over", async () => (t1 = await s.takeOver(2, "restarted", Date.now())).requeued.length > 0);
    expect(t1.requeued).to.include("expire1");
    expect((await s.get("expire1"))!.phase).to.equal("QUEUED");
    // The first run's writes are refused from now on.
    expect(await s.update("expire1", { phase: "COMPLETED" }, { lease: (first as { token: string }).token })).to.equal(false);
    const second = await s.claim("expire1", { ...LEASE, ms: 1 }, {});
    expect((second as { run: number }).run).to.equal(2);
    let t2: Awaited<ReturnType<MySqlJobStore["takeOver"]>> = { requeued: [], failed: [] };
    await until("the second lease expired and was taken over", async () => (t2 = await s.takeOver(2, "the service restarted during execution", Date.now())).failed.length > 0);
    expect(t2.failed).to.include("expire1");
    const j = (await s.get("expire1"))!;
    expect(j.phase).to.equal("ERROR");
    expect(j.error).to.deep.equal({ type: "transient", message: "the service restarted during execution" });
  });

  it("holds the global limit across stores", async () => {
    const [a, b] = await Promise.all([open("glob"), open("glob")]);
    await a.insert(job("g1"));
    await a.insert(job("g2"));
    const limit = { ...LEASE, globalLimit: 1 };
    const [r1, r2] = await Promise.all([a.claim("g1", limit, {}), b.claim("g2", limit, {})]);
    expect([r1, r2].filter((r) => typeof r === "object")).to.have.length(1);
    expect([r1, r2].filter((r) => r === "full")).to.have.length(1);
  });

  it("lists a client's jobs by PHASE, AFTER and LAST, most recent first, and no one else's", async () => {
    const s = await open("list");
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    const mk = (id: string, i: number, phase: Job["phase"], queueKey = "addr:192.0.2.9") =>
      s.insert(job(id, { phase, queueKey, creationTime: isoNow(t0 + i * 1000) }));
    await mk("l1", 1, "COMPLETED");
    await mk("l2", 2, "PENDING");
    await mk("l3", 3, "COMPLETED");
    await mk("l4", 4, "ARCHIVED");
    await mk("other", 5, "COMPLETED", "addr:192.0.2.10");
    const me = { owner: null, queueKey: "addr:192.0.2.9" };
    const cases: [string, object, string[]][] = [
      ["all but ARCHIVED", {}, ["l3", "l2", "l1"]],
      ["PHASE=COMPLETED", { phases: ["COMPLETED"] }, ["l3", "l1"]],
      ["PHASE=ARCHIVED", { phases: ["ARCHIVED"] }, ["l4"]],
      ["AFTER the first", { after: t0 + 1000 }, ["l3", "l2"]],
      ["LAST=1", { last: 1 }, ["l3"]],
    ];
    for (const [name, filter, ids] of cases) expect((await s.list({ ...me, ...filter })).map((j) => j.id), name).to.deep.equal(ids);
  });

  it("forgets the replicas unseen for longer than asked (their rows of job_replicas), at most every tenth of that time", async () => {
    const s = await open();
    const other = await open("soda");
    for (const r of ["gone-1", "gone-2", "alive-1"]) await s.heartbeat(r);
    const conn = await db.connect();
    try {
      // Seen 200 s ago, by the database's clock.
      await conn.query("UPDATE jobs_unit.job_replicas SET seen_ms = seen_ms - 200000 WHERE replica LIKE 'gone-%'");
      const cases: [string, string, boolean][] = [
        ["gone-1", "unseen for 200 s", false],
        ["alive-1", "just seen", true],
      ];
      for (const [r, name, alive] of cases) expect(await s.replicaAlive(r, 100_000), name).to.equal(alive);
      expect((await s.forgetReplicas(100_000)).sort()).to.deep.equal(["gone-1", "gone-2"]);
      // What replicaAlive says is unchanged: no row is "not alive" too.
      for (const [r, name, alive] of cases) expect(await s.replicaAlive(r, 100_000), name).to.equal(alive);
      await conn.query("UPDATE jobs_unit.job_replicas SET seen_ms = seen_ms - 200000 WHERE replica = 'alive-1'");
      // Asked again within a tenth of the time: this store does not look yet; another store does.
      expect(await s.forgetReplicas(100_000)).to.deep.equal([]);
      expect(await other.forgetReplicas(100_000)).to.deep.equal(["alive-1"]);
      // A replica seen again is noted again.
      await s.heartbeat("gone-1");
      expect(await s.replicaAlive("gone-1", 100_000)).to.equal(true);
      const [rows] = await conn.query<RowDataPacket[]>("SELECT replica FROM jobs_unit.job_replicas ORDER BY replica");
      expect(rows.map((r) => r.replica as string)).to.deep.equal(["gone-1"]);
    } finally {
      await conn.end();
    }
  });

  it("keeps every field of a job as it was given", async () => {
    const s = await open();
    const full = job("full1", {
      phase: "COMPLETED",
      runId: "r-1",
      owner: "alice",
      queueKey: "user:alice",
      startTime: isoNow(Date.now() - 5000),
      endTime: isoNow(),
      inlineParts: ["t1"],
      inlineBytes: 10,
      results: [{ id: "result", mimeType: "text/csv", size: 12, location: "file:///x", overflow: true }],
      error: { type: "fatal", message: "é\u0000x" },
      progress: { chunksCompleted: 3, chunksTotal: 8 },
      warnings: ["w1"],
      backendRef: "q-1",
    });
    await s.insert(full);
    expect(await s.get("full1")).to.deep.equal(full);
  });
});
