/**
 * Two job managers in one process sharing a MariaDB job store (issue 18), with a stand-in executor: a job created on
 * one runs on either, is listed by both, is aborted from the other (its run stopped through the lease), and when its
 * replica stalls past the lease it is taken over: run again, or with TAP_JOB_MAX_RUNS=1 put in ERROR with the
 * documented message, the stalled run's writes refused.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ASYNC, type AsyncConfig } from "../config.js";
import { controlledMariaDb, type ControlledMariaDb } from "../test-support/child-server.js";
import { until } from "../../../votable/src/test-support/until.js";
import { JobManager, RESTARTED_MESSAGE, type Execution, type Executor } from "./manager.js";
import { LocalDirResultStore } from "./result-store.js";
import { MySqlJobStore } from "./store-mysql.js";
import type { JobStore } from "./store.js";

/** An executor whose runs end when told to, or when their signal fires. */
function controllable() {
  const started: Execution[] = [];
  const finish = new Map<string, () => void>();
  const executor: Executor = (run) => {
    started.push(run);
    return new Promise((resolve, reject) => {
      finish.set(run.job.id, () => resolve({ results: [] }));
      run.signal.addEventListener("abort", () => reject(run.signal.reason), { once: true });
    });
  };
  return { started, finish, executor };
}

/** The store, but its lease renewals hang from `stall()` on: a replica paused past its lease. */
function stallable(store: JobStore): { store: JobStore; stall(): void } {
  let stalled = false;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "renew") return (...args: Parameters<JobStore["renew"]>) => (stalled ? new Promise<boolean>(() => {}) : target.renew(...args));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: proxy, stall: () => (stalled = true) };
}

describe("job managers sharing a MariaDB job store", function () {
  this.timeout(120_000);
  let db: ControlledMariaDb;
  let dir: string;
  const managers: JobManager[] = [];
  let database = 0;

  before(async () => {
    db = await controlledMariaDb();
    await db.start();
  });
  after(async () => {
    await db?.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tap-shared-jobs-"));
    database++;
  });
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function manager(name: string, executor: Executor, config: Partial<AsyncConfig> = {}, wrap?: (s: JobStore) => JobStore) {
    const location = { host: "127.0.0.1", port: db.port, user: "root", password: "", database: `shared_${database}` };
    const store = new MySqlJobStore(location, "tap");
    const m = new JobManager({
      config: { ...DEFAULT_ASYNC, dir, concurrency: 1, replicaId: name, leaseSeconds: 0.6, pollSeconds: 0.05, ...config },
      store: wrap ? wrap(store) : store,
      results: new LocalDirResultStore(join(dir, "results")),
      executor,
      canResume: false,
    });
    managers.push(m);
    return m;
  }
  const anon = { owner: null, address: "192.0.2.1" };
  const q = [{ name: "QUERY", value: "SELECT 1" }];

  it("a job created on one replica is listed by the other, runs on either, and its result is seen by both", async () => {
    const c = controllable();
    const m1 = manager("m1", c.executor);
    const m2 = manager("m2", c.executor);
    await m1.start();
    await m2.start();
    const j = await m1.create(anon, q, new Map());
    expect((await m2.list(anon)).map((x) => x.id)).to.deep.equal([j.id]);
    await m2.run((await m2.get(j.id))!);
    await until("the job runs", () => c.started.length === 1);
    c.finish.get(j.id)!();
    await until("COMPLETED on both", async () => (await m1.get(j.id))?.phase === "COMPLETED" && (await m2.get(j.id))?.phase === "COMPLETED");
  });

  it("PHASE=ABORT on one replica stops the run on the other (through its lease)", async () => {
    const c = controllable();
    const m1 = manager("m1", c.executor);
    await m1.start();
    const j = await m1.create(anon, q, new Map(), { run: true });
    await until("the job runs on m1", () => c.started.length === 1);
    const m2 = manager("m2", controllable().executor);
    await m2.start();
    await m2.abort((await m2.get(j.id))!);
    await until("m1's run is stopped", () => c.started[0]!.signal.aborted);
    expect((await m1.get(j.id))!.phase).to.equal("ABORTED");
  });

  it("a replica that stops gracefully gives its running job back at once, not counted as a run", async () => {
    const c1 = controllable();
    const m1 = manager("m1", c1.executor, { maxRuns: 1 });
    await m1.start();
    const j = await m1.create(anon, q, new Map(), { run: true });
    await until("the job runs on m1", () => c1.started.length === 1);
    const c2 = controllable();
    const m2 = manager("m2", c2.executor, { maxRuns: 1 });
    await m2.start();
    managers.splice(managers.indexOf(m1), 1);
    await m1.close();
    // Well before m1's lease would have expired, and run although TAP_JOB_MAX_RUNS=1.
    await until("m2 runs it", () => c2.started.length === 1);
    c2.finish.get(j.id)!();
    await until("COMPLETED", async () => (await m2.get(j.id))?.phase === "COMPLETED");
  });

  const TAKEOVERS: [string, number, string, string | undefined][] = [
    // name, TAP_JOB_MAX_RUNS, the final phase, its error
    ["runs it again (TAP_JOB_MAX_RUNS=2, the default)", 2, "COMPLETED", undefined],
    ["puts it in ERROR with the documented message (TAP_JOB_MAX_RUNS=1)", 1, "ERROR", RESTARTED_MESSAGE],
  ];
  for (const [name, maxRuns, phase, error] of TAKEOVERS) {
    it(`takes over the job of a replica stalled past its lease, and ${name}; the stalled run's writes are refused`, async () => {
      const c1 = controllable();
      const stalled = { stall: () => {} };
      const m1 = manager("m1", c1.executor, { maxRuns }, (s) => {
        const w = stallable(s);
        stalled.stall = w.stall;
        return w.store;
      });
      await m1.start();
      const j = await m1.create(anon, q, new Map(), { run: true });
      await until("the job runs on m1", () => c1.started.length === 1);
      stalled.stall();
      const c2 = controllable();
      const m2 = manager("m2", c2.executor, { maxRuns });
      await m2.start();
      if (maxRuns > 1) {
        await until("m2 runs it again", () => c2.started.length === 1);
        c2.finish.get(j.id)!();
      }
      await until(`the job is ${phase}`, async () => (await m2.get(j.id))?.phase === phase);
      expect((await m2.get(j.id))!.error?.message).to.equal(error);
      // The stalled run ends now: its COMPLETED is refused, and the job stays as the takeover left it.
      const before = await m2.get(j.id);
      await c1.started[0]!.setWarnings(["late"]).then(
        () => expect.fail("a write without the lease"),
        (e: Error) => expect(e.name).to.equal("LeaseLostError"),
      );
      c1.finish.get(j.id)!();
      await until("m1's run has ended", () => m1.runningCount() === 0);
      expect(await m2.get(j.id)).to.deep.equal(before);
    });
  }

  describe("a job's bearer token (Execution.credential: SODA's Butler lookups), held in the memory of one replica only", () => {
    const TOKEN = "bearer-token-never-stored-0123456789";
    /** The store, counting the times this replica asked whether `holder` lives. */
    function counting(holder: string) {
      const asked = { n: 0 };
      const wrap = (store: JobStore) =>
        new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === "replicaAlive") {
              return (replica: string, ms: number) => {
                if (replica === holder) asked.n++;
                return target.replicaAlive!(replica, ms);
              };
            }
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        });
      return { asked, wrap };
    }

    it("is never stored: the job names the replica that holds it, which alone runs the job while it lives", async () => {
      const c1 = controllable();
      const m1 = manager("m1", c1.executor);
      await m1.start();
      // m1's one worker is busy, so m2 (free) sees the token's job QUEUED before m1 can take it.
      const busy = await m1.create(anon, q, new Map(), { run: true });
      await until("m1 is busy", () => c1.started.length === 1);
      const j = await m1.create({ owner: "alice", address: "192.0.2.2" }, q, new Map(), { run: true, credential: TOKEN });
      const c2 = controllable();
      const seen = counting("m1");
      const m2 = manager("m2", c2.executor, {}, seen.wrap);
      await m2.start();
      await until("m2 has looked at the job twice", () => seen.asked.n >= 2);
      expect(c2.started, "m2 ran a job whose token it does not have").to.deep.equal([]);
      expect((await m2.get(j.id))!.credentialHolder).to.equal("m1");
      c1.finish.get(busy.id)!();
      await until("m1 runs it, with the token", () => c1.started.length === 2);
      expect(c1.started[1]!.job.id).to.equal(j.id);
      expect(c1.started[1]!.credential).to.equal(TOKEN);
      c1.finish.get(j.id)!();
      await until("COMPLETED", async () => (await m2.get(j.id))?.phase === "COMPLETED");
      // Nowhere in the job store: every column of every table.
      const conn = await db.connect();
      try {
        for (const table of ["jobs", "job_runs", "job_replicas"]) {
          const [rows] = await conn.query(`SELECT * FROM shared_${database}.${table}`);
          expect(JSON.stringify(rows), table).not.to.include(TOKEN);
        }
      } finally {
        await conn.end();
      }
    });

    it("once its replica has stopped, another puts the jobs that needed it in ERROR, saying which replica held it, and runs the others", async () => {
      const c1 = controllable();
      const m1 = manager("m1", c1.executor);
      await m1.start();
      const alice = { owner: "alice", address: "192.0.2.2" };
      const running = await m1.create(alice, q, new Map(), { run: true, credential: TOKEN });
      await until("m1 runs the first", () => c1.started.length === 1);
      const queued = await m1.create(alice, q, new Map(), { run: true, credential: TOKEN });
      const plain = await m1.create(anon, q, new Map(), { run: true });
      // Stopped gracefully: the running job goes back to QUEUED, and m1's heartbeat ends with it.
      managers.splice(managers.indexOf(m1), 1);
      await m1.close();
      const c2 = controllable();
      const m2 = manager("m2", c2.executor);
      await m2.start();
      await until("m2 runs the job without a token", () => c2.started.length === 1);
      expect(c2.started[0]!.job.id).to.equal(plain.id);
      expect(c2.started[0]!.credential).to.equal(undefined);
      c2.finish.get(plain.id)!();
      for (const j of [running, queued]) {
        await until(`job ${j.id} in ERROR`, async () => (await m2.get(j.id))?.phase === "ERROR");
        expect((await m2.get(j.id))!.error!.message).to.match(/^The job's credentials .* were held only in the memory of replica m1, which stopped before the job ran; please run the job again$/);
      }
      await until("the job without a token COMPLETED", async () => (await m2.get(plain.id))?.phase === "COMPLETED");
      expect(c2.started.map((r) => r.job.id)).to.deep.equal([plain.id]);
    });
  });
});
