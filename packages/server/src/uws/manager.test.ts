/**
 * The job manager on its own, with a stand-in executor: the bounded pool, fairness between
 * users, the execution-duration limit, abort, WAIT, destruction, and the restart rules over the
 * real JSON-file store.
 */
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { DEFAULT_ASYNC, DEFAULT_QUOTAS, type AsyncConfig, type Quotas } from "../config.js";
import { TapError } from "../errors.js";
import { JsonFileJobStore } from "./job-store.js";
import type { Job } from "./job.js";
import { inlineName, JobManager, RESTARTED_MESSAGE, type Execution, type Executor } from "./manager.js";
import { LocalDirResultStore } from "./result-store.js";
import { ManualClock } from "./clock.js";
import { until } from "../../../votable/src/test-support/until.js";
import { scratchDir } from "../test-support/scratch.js";


/** An executor whose jobs finish when told to (or when aborted), recording what it was given. */
function controllable() {
  const started: Execution[] = [];
  const finish = new Map<string, () => void>();
  const waiters: (() => void)[] = [];
  /** Resolves once the n-th job (from 1) has started: the event, not a guess at how long it takes. */
  const nthStarted = (n: number) =>
    new Promise<Execution>((resolve) => {
      const check = () => (started.length >= n ? resolve(started[n - 1]!) : waiters.push(check));
      check();
    });
  const executor: Executor = (run) => {
    started.push(run);
    for (const w of waiters.splice(0)) w();
    return new Promise((resolve, reject) => {
      finish.set(run.job.id, () => resolve({ results: [] }));
      run.signal.addEventListener("abort", () => reject(run.signal.reason), { once: true });
    });
  };
  return { started, finish, executor, nthStarted };
}

describe("async job manager", function () {
  let dir: string;
  const managers: JobManager[] = [];
  beforeEach(() => {
    dir = scratchDir("tap-jobs-");
  });
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `clock`: the deadlines' time, moved by the test (a limit of seconds is not waited for); the system's by default. */
  function manager(executor: Executor, config: Partial<AsyncConfig> = {}, canResume = false, quotas: Partial<Quotas> = {}, clock?: ManualClock) {
    const m = new JobManager({
      config: { ...DEFAULT_ASYNC, dir, concurrency: 1, ...config },
      store: new JsonFileJobStore(join(dir, "jobs")),
      results: new LocalDirResultStore(join(dir, "results")),
      executor,
      canResume,
      quotas: { ...DEFAULT_QUOTAS, ...quotas },
      ...(clock ? { clock } : {}),
    });
    managers.push(m);
    return m;
  }
  const anon = (address: string) => ({ owner: null, address });
  const user = (owner: string) => ({ owner, address: "10.0.0.1" });
  const part = (text: string) => ({ size: Buffer.byteLength(text), open: () => Readable.from([Buffer.from(text)]) });
  /** A turn of the event loop: what a fired timer set off has settled. */
  const turn = () => new Promise((r) => setImmediate(r));
  const q = (query: string) => [
    { name: "LANG", value: "ADQL" },
    { name: "QUERY", value: query },
  ];

  it("runs at most `concurrency` jobs; the others wait in QUEUED", async () => {
    const c = controllable();
    const m = manager(c.executor, { concurrency: 2 });
    await m.start();
    const jobs: Job[] = [];
    for (let i = 0; i < 4; i++) jobs.push(await m.create(anon("a"), q(`q${i}`), new Map()));
    for (const j of jobs) await m.run(j);
    await c.nthStarted(2);
    expect(jobs.map((j) => j.phase)).to.deep.equal(["EXECUTING", "EXECUTING", "QUEUED", "QUEUED"]);
    expect(m.runningCount()).to.equal(2);
    c.finish.get(jobs[0]!.id)!();
    await c.nthStarted(3);
    expect(jobs.map((j) => j.phase)).to.deep.equal(["COMPLETED", "EXECUTING", "EXECUTING", "QUEUED"]);
  });

  it("is fair between users: round robin over owners and anonymous client addresses", async () => {
    const c = controllable();
    const m = manager(c.executor, { concurrency: 1 });
    await m.start();
    const order: string[] = [];
    const submit = async (who: { owner: string | null; address: string }, name: string) => {
      const j = await m.create(who, q(name), new Map());
      await m.run(j);
      return j;
    };
    const first = await submit({ owner: "alice", address: "x" }, "a0");
    for (const name of ["a1", "a2", "a3"]) await submit({ owner: "alice", address: "x" }, name);
    await submit({ owner: "bob", address: "x" }, "b1");
    await submit(anon("10.0.0.7"), "c1");
    await submit({ owner: "bob", address: "x" }, "b2");
    void first;
    for (let i = 0; i < 7; i++) {
      const run = await c.nthStarted(i + 1);
      order.push(run.job.parameters.find((p) => p.name === "QUERY")!.value);
      c.finish.get(run.job.id)!();
    }
    expect(order).to.deep.equal(["a0", "a1", "b1", "c1", "a2", "b2", "a3"]);
  });

  it("stops a job at its EXECUTIONDURATION and puts it in ERROR with a message naming the limit", async () => {
    const c = controllable();
    const clock = new ManualClock();
    const m = manager(c.executor, {}, false, {}, clock);
    await m.start();
    const j = await m.create(anon("a"), [...q("slow"), { name: "EXECUTIONDURATION", value: "1" }], new Map());
    expect(j.executionDuration).to.equal(1);
    await m.run(j);
    await c.nthStarted(1);
    expect(j.phase).to.equal("EXECUTING");
    // Still running 1 ms before the limit, stopped at it.
    clock.advance(999);
    await turn();
    expect(c.started[0]!.signal.aborted).to.equal(false);
    expect(j.phase).to.equal("EXECUTING");
    const ended = m.wait(j, 5, "EXECUTING");
    clock.advance(1);
    await ended;
    expect(j.phase).to.equal("ERROR");
    expect(c.started[0]!.signal.aborted).to.equal(true);
    expect(j.error!.message).to.match(/execution duration limit \(EXECUTIONDURATION\) of 1 s/);
  });

  it("runs a job whose EXECUTIONDURATION is beyond Node's longest timeout (30 days) to its end, not stopped at once", async () => {
    // setTimeout takes at most 2^31-1 ms (24.8 days) and fires a longer one after 1 ms, with a TimeoutOverflowWarning.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const c = controllable();
      const m = manager(c.executor, { maxExecutionSeconds: 30 * 86400, defaultExecutionSeconds: 30 * 86400 });
      await m.start();
      const j = await m.create(anon("a"), q("long"), new Map(), { run: true });
      expect(j.executionDuration).to.equal(30 * 86400);
      const run = await c.nthStarted(1);
      await new Promise((r) => setImmediate(r));
      expect(warnings).to.deep.equal([]);
      expect(run.signal.aborted).to.equal(false);
      c.finish.get(j.id)!();
      await m.wait(j, 10, "EXECUTING");
      expect(j.phase).to.equal("COMPLETED");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("caps EXECUTIONDURATION (0 = unlimited becomes the limit) and DESTRUCTION", async () => {
    const m = manager(controllable().executor, { maxExecutionSeconds: 100, maxDestructionSeconds: 3600 });
    await m.start();
    const j = await m.create(anon("a"), [{ name: "EXECUTIONDURATION", value: "0" }], new Map());
    expect(j.executionDuration).to.equal(100);
    await m.setExecutionDuration(j, "5000");
    expect(j.executionDuration).to.equal(100);
    await m.setDestruction(j, "2999-01-01T00:00:00Z");
    expect(Date.parse(j.destruction) - Date.parse(j.creationTime)).to.equal(3600_000);
  });

  it("aborts a running job: its signal fires and the job is ABORTED", async () => {
    const c = controllable();
    const m = manager(c.executor);
    await m.start();
    const j = await m.create(anon("a"), q("x"), new Map());
    await m.run(j);
    await c.nthStarted(1);
    await m.abort(j);
    expect(j.phase).to.equal("ABORTED");
    expect(c.started[0]!.signal.aborted).to.equal(true);
    // The worker is free once the executor's promise has settled (a turn of the event loop).
    for (let i = 0; i < 100 && m.runningCount() > 0; i++) await new Promise((r) => setImmediate(r));
    expect(m.runningCount()).to.equal(0);
  });

  it("WAIT returns on a phase change, at once for another PHASE or a final phase, else after the timeout", async () => {
    const c = controllable();
    const clock = new ManualClock();
    const m = manager(c.executor, {}, false, {}, clock);
    await m.start();
    const j = await m.create(anon("a"), q("x"), new Map());
    let t = Date.now();
    // Returns with the clock standing still: a WAIT that did block would wait for 5 s of it.
    await m.wait(j, 5, "QUEUED");
    expect(Date.now() - t).to.be.below(2500);
    let returned = false;
    const timeout = m.wait(j, 1, undefined).then(() => (returned = true));
    clock.advance(999);
    await turn();
    expect(returned, "before its 1 s").to.equal(false);
    clock.advance(1);
    await timeout;
    t = Date.now();
    const w = m.wait(j, 10, "PENDING");
    await m.run(j);
    await w;
    expect(Date.now() - t).to.be.below(5000);
    await m.wait(j, 10, "QUEUED");
    await c.nthStarted(1);
    c.finish.get(j.id)!();
    await m.wait(j, 10, "EXECUTING");
    expect(j.phase).to.equal("COMPLETED");
    t = Date.now();
    await m.wait(j, 10, undefined);
    expect(Date.now() - t).to.be.below(5000);
  });

  it("holds its job directory: a second process on it is refused, naming the process; a lock whose process is gone is taken over", async () => {
    const m = manager(controllable().executor);
    await m.start();
    const lock = join(dir, "jobs", ".lock");
    expect(readFileSync(lock, "utf8")).to.equal(`${process.pid}@${hostname()}`);
    // Another live process's lock (the parent of this one is alive)
    writeFileSync(lock, `${process.ppid}@${hostname()}`);
    const other = manager(controllable().executor);
    const err = await other.start().then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).to.match(new RegExp(`^the job directory .*jobs is in use by process ${process.ppid}@`));
    expect((err as { usage?: boolean }).usage, "exit 2, one line").to.equal(true);
    // A process that is gone: taken over
    writeFileSync(lock, `2147483646@${hostname()}`);
    const third = manager(controllable().executor);
    await third.start();
    expect(readFileSync(lock, "utf8")).to.equal(`${process.pid}@${hostname()}`);
  });

  it("a job that cannot be stored (a full disk) does not exist: not listed, not queued, no parts or temporary file left", async () => {
    const c = controllable();
    const m = manager(c.executor);
    await m.start();
    // The job directory replaced by a file: every write of a job file fails (ENOTDIR), as on a full disk (ENOSPC).
    rmSync(join(dir, "jobs"), { recursive: true, force: true });
    writeFileSync(join(dir, "jobs"), "");
    const err = await m.create(anon("a"), [...q("x"), { name: "UPLOAD", value: "t,param:t1" }], new Map([["t1", part("<VOTABLE/>")]]), { run: true }).then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(err?.code).to.equal("ENOTDIR");
    expect(await m.list(anon("a"))).to.deep.equal([]);
    expect(m.queueLength()).to.equal(0);
    expect(readdirSync(join(dir, "results"))).to.deep.equal([]);
    expect(c.started).to.have.length(0);
  });

  it("endWaits (the service stops): a blocked WAIT returns at once, with its job unchanged, and so does any later one", async () => {
    const clock = new ManualClock();
    const m = manager(controllable().executor, {}, false, {}, clock);
    await m.start();
    const j = await m.create(anon("a"), q("x"), new Map());
    let returned = false;
    const blocked = m.wait(j, -1, undefined).then(() => (returned = true));
    await turn();
    expect(returned, "blocked while the clock stands still").to.equal(false);
    m.endWaits();
    await blocked;
    expect((await m.get(j.id))!.phase).to.equal("PENDING");
    // With the clock still standing: a WAIT that blocked would never return.
    await m.wait(j, 60, "PENDING");
  });

  it("WAIT also returns when the reported progress changes (jobInfo), not when it is reported unchanged", async () => {
    const c = controllable();
    const m = manager(c.executor);
    await m.start();
    const j = await m.create(anon("a"), q("x"), new Map(), { run: true });
    const run = await c.nthStarted(1);
    await m.wait(j, 10, "QUEUED");
    expect(j.phase).to.equal("EXECUTING");
    const w = m.wait(j, 30, "EXECUTING");
    expect(m.waiting(j.id)).to.equal(1);
    run.setProgress({ chunksCompleted: 1, chunksTotal: 3 });
    await w;
    expect(j.progress).to.deep.equal({ chunksCompleted: 1, chunksTotal: 3 });
    // The same counts again are no change: the WAIT stays blocked until the job ends.
    const w2 = m.wait(j, 30, "EXECUTING");
    run.setProgress({ chunksCompleted: 1, chunksTotal: 3 });
    // A WAIT that returns stops listening at once (the event is synchronous).
    expect(m.waiting(j.id)).to.equal(1);
    c.finish.get(j.id)!();
    await w2;
    expect(j.phase).to.equal("COMPLETED");
    expect(m.waiting(j.id)).to.equal(0);
  });

  it("destroys a job when its destruction time passes, with its results", async () => {
    const clock = new ManualClock();
    const m = manager(controllable().executor, {}, false, {}, clock);
    await m.start();
    const j = await m.create(anon("a"), [...q("x"), { name: "UPLOAD", value: "t,param:t1" }], new Map([["t1", part("<VOTABLE/>")]]));
    expect(existsSync(join(dir, "results", j.id))).to.equal(true);
    await m.setDestruction(j, new Date(clock.now() + 200).toISOString());
    await until("the sweep waits for the new destruction time", () => clock.nextIn() === 200);
    clock.advance(199);
    await turn();
    expect(await m.get(j.id), "before its destruction time").not.to.equal(undefined);
    clock.advance(1);
    await until("the job is destroyed with its results and record", async () => (await m.get(j.id)) === undefined && !existsSync(join(dir, "results", j.id)) && !existsSync(join(dir, "jobs", `${j.id}.json`)));
    expect(await m.get(j.id)).to.equal(undefined);
    expect(existsSync(join(dir, "results", j.id))).to.equal(false);
    // Only the directory's lock (this process's) is left
    expect(readdirSync(join(dir, "jobs"))).to.deep.equal([".lock"]);
  });

  /** The TapError that `p` rejects with, checked against a status and a message. */
  async function expectTapError(p: Promise<unknown>, status: number, message: RegExp): Promise<void> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TapError);
    expect((err as TapError).status).to.equal(status);
    expect((err as TapError).message).to.match(message);
  }

  it("refuses a destruction time that is not in the future, leaving the job as it was (UWS 1.1 §2.2.3.3)", async () => {
    const clock = new ManualClock();
    const m = manager(controllable().executor, {}, false, {}, clock);
    await m.start();
    const j = await m.create(anon("a"), [...q("x"), { name: "UPLOAD", value: "t,param:t1" }], new Map([["t1", part("<VOTABLE/>")]]));
    const before = (await m.get(j.id))!.destruction;
    for (const value of [new Date(clock.now()).toISOString(), "2001-01-01"]) {
      await expectTapError(m.setDestruction(j, value), 400, /is not in the future/);
      await expectTapError(m.addParameters(j, [{ name: "DESTRUCTION", value }], new Map()), 400, /is not in the future/);
      expect((await m.get(j.id))!.destruction, value).to.equal(before);
    }
    expect(existsSync(join(dir, "results", j.id))).to.equal(true);
  });

  it("destroys a job at a destruction time posted among its parameters, as at one set with setDestruction", async () => {
    const clock = new ManualClock();
    const m = manager(controllable().executor, {}, false, {}, clock);
    await m.start();
    const j = await m.create(anon("a"), q("x"), new Map());
    await m.addParameters(j, [{ name: "DESTRUCTION", value: new Date(clock.now() + 200).toISOString() }], new Map());
    await until("the sweep waits for the new destruction time", () => clock.nextIn() === 200);
    clock.advance(199);
    await turn();
    expect(await m.get(j.id), "before its destruction time").not.to.equal(undefined);
    clock.advance(1);
    await until("the job is destroyed", async () => (await m.get(j.id)) === undefined);
  });

  it("after a restart: EXECUTING fails or resumes (with its backend reference), QUEUED runs, expired jobs go", async () => {
    const c = controllable();
    const clock = new ManualClock();
    const m1 = manager(c.executor, { concurrency: 2 }, false, {}, clock);
    await m1.start();
    const a = await m1.create(anon("a"), q("a"), new Map());
    const b = await m1.create(anon("a"), q("b"), new Map());
    const queued = await m1.create(anon("a"), q("queued"), new Map());
    const old = await m1.create(anon("a"), q("old"), new Map());
    await m1.run(a);
    await m1.run(b);
    await m1.run(queued);
    await c.nthStarted(2);
    await c.started[1]!.setBackendRef("qserv-77");
    await m1.setDestruction(old, new Date(clock.now() + 150).toISOString());
    // close() stops the queries but writes nothing more: the store is left as a crash leaves it
    // (the restart test kills a real server with SIGKILL).
    managers.splice(managers.indexOf(m1), 1);
    await m1.close();
    expect((await m1.get(a.id))!.phase).to.equal("EXECUTING");
    // The restart comes after old's destruction time.
    clock.advance(151);

    // A backend that cannot re-attach: both EXECUTING jobs fail.
    const failing = manager(controllable().executor, { concurrency: 2 }, false, {}, clock);
    const copy = scratchDir("tap-jobs-copy-");
    try {
      const { cpSync } = await import("node:fs");
      cpSync(dir, copy, { recursive: true });
      const stats = await failing.start();
      expect(stats).to.deep.equal({ resumed: 0, failed: 2, requeued: 1, destroyed: 1 });
      expect((await failing.get(a.id))!.phase).to.equal("ERROR");
      expect((await failing.get(a.id))!.error!.message).to.equal(RESTARTED_MESSAGE);
      await failing.close();
      managers.splice(managers.indexOf(failing), 1);

      // A backend that can (Qserv): the job with a reference resumes with it.
      rmSync(dir, { recursive: true, force: true });
      cpSync(copy, dir, { recursive: true });
      const c2 = controllable();
      const resuming = manager(c2.executor, { concurrency: 2 }, true, {}, clock);
      const s2 = await resuming.start();
      expect(s2).to.deep.equal({ resumed: 1, failed: 1, requeued: 1, destroyed: 1 });
      await c2.nthStarted(2);
      const resumed = c2.started.find((r) => r.job.id === b.id)!;
      expect(resumed.resume).to.equal("qserv-77");
      expect((await resuming.get(b.id))!.phase).to.equal("EXECUTING");
      expect(await resuming.get(old.id)).to.equal(undefined);
      expect(c2.started.map((r) => r.job.id)).to.include(queued.id);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("keeps each inline part in an object of its own, whatever its name", () => {
    const names = ["t1", "a b", "a_b", "a/b", "../x", "x".repeat(101), "x".repeat(100), "é"];
    const objects = names.map(inlineName);
    expect(new Set(objects).size).to.equal(names.length);
    for (const o of objects) expect(o).to.match(/^upload\.[A-Za-z0-9_-]{1,100}$/);
    expect(inlineName("t1")).to.equal("upload.t1");
  });

  // Issue 11: jobs belong to who made them; ids are capabilities; quotas; only named parts kept.
  it("gives jobs ids of 160 random bits", async () => {
    const m = manager(controllable().executor);
    await m.start();
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await m.create(anon("a"), q("x"), new Map())).id);
    expect(ids.size).to.equal(20);
    for (const id of ids) expect(id).to.match(/^[0-9a-f]{40}$/);
  });

  it("lists to each client only its own jobs, and shows another user's job to no one else", async () => {
    const m = manager(controllable().executor);
    await m.start();
    const a1 = await m.create(anon("192.0.2.1"), q("a1"), new Map());
    const a2 = await m.create(anon("192.0.2.2"), q("a2"), new Map());
    const alice = await m.create(user("alice"), q("alice"), new Map());
    const ids = async (r: { owner: string | null; address: string }) => (await m.list(r)).map((j) => j.id);
    const cases: [string, { owner: string | null; address: string }, string[]][] = [
      ["anonymous 192.0.2.1", anon("192.0.2.1"), [a1.id]],
      ["anonymous 192.0.2.2", anon("192.0.2.2"), [a2.id]],
      ["anonymous elsewhere", anon("198.51.100.7"), []],
      ["alice", user("alice"), [alice.id]],
      ["bob, from alice's address", user("bob"), []],
    ];
    for (const [who, req, expected] of cases) expect(await ids(req), who).to.deep.equal(expected);
    // An anonymous job's URL is its capability; a user's job is no one else's.
    expect(m.visibleTo(a1, anon("198.51.100.7"))).to.equal(true);
    expect(m.visibleTo(alice, user("bob"))).to.equal(false);
    expect(m.visibleTo(alice, anon("10.0.0.1"))).to.equal(false);
    expect(m.visibleTo(alice, user("alice"))).to.equal(true);
  });

  it("keeps only the parts that UPLOAD names", async () => {
    const m = manager(controllable().executor);
    await m.start();
    const parts = new Map([
      ["t1", part("<VOTABLE/>")],
      ["unused", part("x".repeat(1000))],
    ]);
    const j = await m.create(anon("a"), [...q("x"), { name: "UPLOAD", value: "t,param:t1" }], parts);
    expect(j.inlineParts).to.deep.equal(["t1"]);
    expect(j.inlineBytes).to.equal(10);
    expect(readdirSync(join(dir, "results", j.id))).to.deep.equal([inlineName("t1")]);
    const none = await m.create(anon("a"), q("x"), parts);
    expect(none.inlineParts).to.deep.equal([]);
    expect(existsSync(join(dir, "results", none.id))).to.equal(false);
  });

  const QUOTAS: [string, Partial<Quotas>, number, string, number | undefined][] = [
    // name, quotas, jobs that fit, the refusal's code, its Retry-After
    ["jobs per client", { jobsPerClient: 3 }, 3, "UWS_QUOTA_JOBS", undefined],
    ["jobs in total", { jobsTotal: 2 }, 2, "UWS_FULL", 600],
    ["bytes per client", { storedBytesPerClient: 25 }, 2, "UWS_QUOTA_BYTES", undefined],
    ["bytes in total", { storedBytesTotal: 35 }, 3, "UWS_FULL", 600],
  ];
  for (const [name, quotas, fit, code, retryAfter] of QUOTAS) {
    it(`refuses a job over the quota of ${name}, and takes one again after a deletion`, async () => {
      const m = manager(controllable().executor, {}, false, quotas);
      await m.start();
      const upload = () => new Map([["t", part("0123456789")]]);
      const params = [...q("x"), { name: "UPLOAD", value: "t,param:t" }];
      const made: Job[] = [];
      for (let i = 0; i < fit; i++) made.push(await m.create(anon("a"), params, upload()));
      const err = await m.create(anon("a"), params, upload()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(TapError);
      expect((err as TapError).code).to.equal(code);
      expect((err as TapError).status).to.equal(code === "UWS_FULL" ? 503 : 429);
      expect((err as TapError).retryAfter).to.equal(retryAfter);
      // Nothing of the refused job is kept.
      expect(readdirSync(join(dir, "results")).length).to.equal(fit);
      await m.destroy(made[0]!.id);
      await m.create(anon("a"), params, upload());
    });
  }

  it("bounds a job's parameters over all its POSTs (413, the job unchanged), and all jobs' together (503)", async () => {
    const m = manager(controllable().executor, {}, false, { parameterBytesPerJob: 100, parameterBytesTotal: 200 });
    await m.start();
    const upload = (n: number) => [{ name: "UPLOAD", value: `t${n},http://example.org/${"x".repeat(20)}` }];
    const j = await m.create(anon("a"), upload(0), new Map());
    await m.addParameters(j, upload(1), new Map());
    const err = await m.addParameters(j, [...upload(2), { name: "RUNID", value: "r" }], new Map()).then(
      () => undefined,
      (e: TapError) => e,
    );
    expect(err?.status).to.equal(413);
    expect(j.parameters.map((p) => p.value.slice(0, 2))).to.deep.equal(["t0", "t1"]);
    expect(j.runId).to.equal(undefined);
    await m.create(anon("b"), upload(0), new Map());
    const full = await m.create(anon("c"), [...upload(0), ...upload(1)], new Map()).then(
      () => undefined,
      (e: TapError) => e,
    );
    expect(full?.status).to.equal(503);
    expect(full?.retryAfter).to.equal(600);
  });

  it("counts quotas per client: another client still gets jobs", async () => {
    const m = manager(controllable().executor, {}, false, { jobsPerClient: 1 });
    await m.start();
    await m.create(anon("192.0.2.1"), q("x"), new Map());
    await m.create(anon("192.0.2.2"), q("x"), new Map());
    await m.create(user("alice"), q("x"), new Map());
    await m.create(anon("192.0.2.1"), q("x"), new Map()).then(
      () => expect.fail("over the quota"),
      (e: TapError) => expect(e.status).to.equal(429),
    );
  });

  it("refuses with 413 an upload larger than a client may ever keep", async () => {
    const m = manager(controllable().executor, {}, false, { storedBytesPerClient: 5 });
    await m.start();
    const err = await m.create(anon("a"), [...q("x"), { name: "UPLOAD", value: "t,param:t" }], new Map([["t", part("0123456789")]])).then(
      () => undefined,
      (e: TapError) => e,
    );
    expect(err?.status).to.equal(413);
  });
  describe("a request that the job's phase forbids: 403; a bad value: 400 (UWS 1.1 §2.2)", () => {
    type Setup = "PENDING" | "EXECUTING" | "COMPLETED" | "ABORTED";
    /** A job brought to `phase` through the manager's own requests. */
    async function jobIn(phase: Setup): Promise<{ m: JobManager; job: Job }> {
      const c = controllable();
      const m = manager(c.executor);
      await m.start();
      const j = await m.create(anon("a"), q("x"), new Map(), { run: phase !== "PENDING" });
      if (phase !== "PENDING") await c.nthStarted(1);
      if (phase === "COMPLETED") {
        c.finish.get(j.id)!();
        await m.wait(j, 5, "EXECUTING");
      }
      if (phase === "ABORTED") await m.abort(j);
      const job = (await m.get(j.id))!;
      expect(job.phase).to.equal(phase);
      return { m, job };
    }
    const REQUESTS: Record<string, (m: JobManager, j: Job) => Promise<unknown>> = {
      "PHASE=RUN": (m, j) => m.run(j),
      "POST /parameters": (m, j) => m.addParameters(j, q("y"), new Map()),
      "POST /parameters EXECUTIONDURATION=-5": (m, j) => m.addParameters(j, [{ name: "EXECUTIONDURATION", value: "-5" }], new Map()),
      "EXECUTIONDURATION=60": (m, j) => m.setExecutionDuration(j, "60"),
      "EXECUTIONDURATION=-5": (m, j) => m.setExecutionDuration(j, "-5"),
      "DESTRUCTION=2030-01-01": (m, j) => m.setDestruction(j, "2030-01-01"),
      "DESTRUCTION=2030-01-01 00:00:00": (m, j) => m.setDestruction(j, "2030-01-01 00:00:00"),
    };
    const conflict = (message: string) => [403, message, "UWS_PHASE_CONFLICT"];
    const CASES: [Setup, keyof typeof REQUESTS, unknown][] = [
      // UWS 1.1 §2.2.3.5: a PENDING job runs; a running one is left running; a finished one cannot run again.
      ["PENDING", "PHASE=RUN", "ok"],
      ["EXECUTING", "PHASE=RUN", "ok"],
      ["COMPLETED", "PHASE=RUN", conflict("Job {id} cannot be run: it is COMPLETED")],
      ["ABORTED", "PHASE=RUN", conflict("Job {id} cannot be run: it is ABORTED")],
      // UWS 1.1 §2.1.11, DALI 1.1 §2.1: parameters change only while PENDING.
      ["PENDING", "POST /parameters", "ok"],
      ["EXECUTING", "POST /parameters", conflict("The parameters of job {id} cannot change: it is EXECUTING, not PENDING")],
      ["COMPLETED", "POST /parameters", conflict("The parameters of job {id} cannot change: it is COMPLETED, not PENDING")],
      ["ABORTED", "POST /parameters", conflict("The parameters of job {id} cannot change: it is ABORTED, not PENDING")],
      ["PENDING", "POST /parameters EXECUTIONDURATION=-5", [400, 'EXECUTIONDURATION must be 0 (no limit) or a positive integer number of seconds, not "-5"', "TAP_BAD_REQUEST"]],
      // UWS 1.1 §2.2.3.4: the execution duration, before the job runs.
      ["PENDING", "EXECUTIONDURATION=60", "ok"],
      ["PENDING", "EXECUTIONDURATION=-5", [400, 'EXECUTIONDURATION must be 0 (no limit) or a positive integer number of seconds, not "-5"', "TAP_BAD_REQUEST"]],
      ["EXECUTING", "EXECUTIONDURATION=60", conflict("The execution duration of job {id} cannot change: it is EXECUTING")],
      ["COMPLETED", "EXECUTIONDURATION=60", conflict("The execution duration of job {id} cannot change: it is COMPLETED")],
      ["ABORTED", "EXECUTIONDURATION=60", conflict("The execution duration of job {id} cannot change: it is ABORTED")],
      // UWS 1.1 §2.2.3.3: the destruction time, in any phase; DALI 1.1 §3.3.3: a date alone is a timestamp.
      ["COMPLETED", "DESTRUCTION=2030-01-01", "ok"],
      ["ABORTED", "DESTRUCTION=2030-01-01", "ok"],
      ["PENDING", "DESTRUCTION=2030-01-01 00:00:00", [400, `DESTRUCTION must be a DALI timestamp, YYYY-MM-DD['T'hh:mm:ss[.SSS]['Z']] in UTC (DALI 1.1 §3.3.3), not "2030-01-01 00:00:00": the date and the time must be separated by T, not a space`, "TAP_BAD_REQUEST"]],
    ];
    for (const [phase, request, expected] of CASES) {
      it(`${request} on a job in ${phase}: ${JSON.stringify(expected)}`, async () => {
        const { m, job } = await jobIn(phase);
        const got = await REQUESTS[request]!(m, job).then(
          () => "ok",
          (e: unknown) => (e instanceof TapError ? [e.status, e.message, e.code] : e),
        );
        const want = Array.isArray(expected) ? [expected[0], String(expected[1]).replace("{id}", job.id), expected[2]] : expected;
        expect(got).to.deep.equal(want);
      });
    }

    it("refuses a negative EXECUTIONDURATION when the job is created (400), and creates none", async () => {
      const m = manager(controllable().executor);
      await m.start();
      const e = await m.create(anon("a"), [...q("x"), { name: "EXECUTIONDURATION", value: "-5" }], new Map()).then(
        () => undefined,
        (x: TapError) => x,
      );
      expect([e?.status, e?.message]).to.deep.equal([400, 'EXECUTIONDURATION must be 0 (no limit) or a positive integer number of seconds, not "-5"']);
      expect(await m.list(anon("a"))).to.deep.equal([]);
    });
  });
});
