/**
 * The result store's contract (result-store.ts), as one table of cases run against each store:
 * the local directory and an S3 bucket (s3rver in a child process, on 127.0.0.1). Then what only
 * the bucket does: multipart uploads with bounded memory, aborted uploads, presigned URLs, and a
 * store that is down.
 */
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect } from "chai";
import { LocalDirResultStore, type ResultStore } from "./result-store.js";
import { S3ResultStore, type S3ResultStoreOptions } from "./result-store-s3.js";
import { until } from "../../../votable/src/test-support/until.js";
import { recordingProxy, S3RVER_CREDENTIALS, startS3, type TestS3 } from "../test-support/s3.js";

const MiB = 1024 * 1024;

async function text(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** n bytes of a repeating pattern, streamed in 64 KiB chunks (never held whole). */
function pattern(n: number, chunk = 64 * 1024): Readable {
  const block = Buffer.alloc(chunk);
  for (let i = 0; i < chunk; i++) block[i] = 97 + (i % 26);
  let left = n;
  return new Readable({
    read() {
      const k = Math.min(left, chunk);
      left -= k;
      this.push(k > 0 ? block.subarray(0, k) : null);
    },
  });
}

function failingAfter(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) return this.destroy(new Error("the query failed"));
      sent += 64 * 1024;
      this.push(Buffer.alloc(64 * 1024, 120));
    },
  });
}

async function write(store: ResultStore, job: string, name: string, data: Readable): Promise<number> {
  const sink = await store.create(job, name);
  await pipeline(data, sink.stream);
  return sink.commit();
}

let s3: TestS3;
let dir: string;
before(async () => {
  s3 = await startS3("contract");
  dir = mkdtempSync(join(tmpdir(), "tap-results-"));
});
after(async () => {
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const s3Options = (prefix: string, more: Partial<S3ResultStoreOptions> = {}): S3ResultStoreOptions => ({
  bucket: s3.bucket,
  prefix,
  endpoint: s3.endpoint,
  region: "us-east-1",
  ...S3RVER_CREDENTIALS,
  urlLifetimeSeconds: 60,
  partSize: 5 * MiB,
  ...more,
});

const STORES: { name: string; open: (run: number) => ResultStore }[] = [
  { name: "LocalDirResultStore", open: (run) => new LocalDirResultStore(join(dir, String(run))) },
  { name: "S3ResultStore", open: (run) => new S3ResultStore(s3Options(`run${run}/`)) },
];

const CASES: { name: string; run: (store: ResultStore) => Promise<void> }[] = [
  {
    name: "create, write, commit: the object, its size, its bytes",
    run: async (store) => {
      expect(await write(store, "job1", "result", Readable.from([Buffer.from("<VOTABLE/>\n")]))).to.equal(11);
      expect(await store.size("job1", "result")).to.equal(11);
      expect(await text(store.read("job1", "result"))).to.equal("<VOTABLE/>\n");
      expect(store.locationOf("job1", "result")).to.match(/job1\/result$/);
    },
  },
  {
    name: "an empty result is an object of 0 bytes",
    run: async (store) => {
      expect(await write(store, "job1", "empty", Readable.from([]))).to.equal(0);
      expect(await store.size("job1", "empty")).to.equal(0);
      expect(await text(store.read("job1", "empty"))).to.equal("");
    },
  },
  {
    name: "a result of several parts (12 MiB; parts of 5 MiB in the bucket) reads back whole",
    run: async (store) => {
      expect(await write(store, "big", "result", pattern(12 * MiB))).to.equal(12 * MiB);
      expect(await store.size("big", "result")).to.equal(12 * MiB);
      let n = 0;
      let ok = true;
      for await (const c of store.read("big", "result")) {
        for (const b of c as Buffer) ok &&= b === 97 + (n++ % (64 * 1024)) % 26;
      }
      expect(n).to.equal(12 * MiB);
      expect(ok).to.equal(true);
    },
  },
  {
    name: "nothing is visible before commit; discard leaves no object",
    run: async (store) => {
      const sink = await store.create("job2", "result");
      await pipeline(pattern(100), sink.stream);
      expect(await store.size("job2", "result")).to.equal(undefined);
      await sink.discard();
      expect(await store.size("job2", "result")).to.equal(undefined);
    },
  },
  {
    name: "a query that fails mid-stream (after two parts), then discard: no object",
    run: async (store) => {
      const sink = await store.create("job3", "result");
      let failure: Error | undefined;
      await pipeline(failingAfter(11 * MiB), sink.stream).catch((e: Error) => (failure = e));
      expect(failure?.message).to.equal("the query failed");
      await sink.discard();
      expect(await store.size("job3", "result")).to.equal(undefined);
    },
  },
  {
    name: "put: a buffer, a stream, and a second put replaces the first",
    run: async (store) => {
      await store.put("job4", "upload_t1", Buffer.from("first"));
      expect(await text(store.read("job4", "upload_t1"))).to.equal("first");
      await store.put("job4", "upload_t1", () => Readable.from([Buffer.from("second, longer")]));
      expect(await store.size("job4", "upload_t1")).to.equal(14);
      expect(await text(store.read("job4", "upload_t1"))).to.equal("second, longer");
    },
  },
  {
    name: "read a byte range (RFC 9110 §14.1.2: start..end inclusive)",
    run: async (store) => {
      await store.put("job5", "result", Buffer.from("0123456789"));
      expect(await text(store.read("job5", "result", { start: 2, end: 5 }))).to.equal("2345");
      expect(await text(store.read("job5", "result", { start: 9, end: 9 }))).to.equal("9");
    },
  },
  {
    name: "a missing object has no size",
    run: async (store) => {
      expect(await store.size("nojob", "result")).to.equal(undefined);
    },
  },
  {
    name: "jobIds lists the jobs with objects; removeJob deletes all of a job's objects",
    run: async (store) => {
      await store.put("job6", "result", Buffer.from("r"));
      await store.put("job6", "upload_a", Buffer.from("a"));
      await store.put("job7", "result", Buffer.from("r"));
      expect(await store.jobIds()).to.include.members(["job6", "job7"]);
      await store.removeJob("job6");
      expect(await store.size("job6", "result")).to.equal(undefined);
      expect(await store.size("job6", "upload_a")).to.equal(undefined);
      expect(await store.jobIds()).not.to.include("job6");
      expect(await store.jobIds()).to.include("job7");
      await store.removeJob("job6");
    },
  },
  {
    name: "bad job IDs and names are refused (no path or key outside the job's)",
    run: async (store) => {
      for (const [job, name] of [
        ["../etc", "result"],
        ["job", "../../x"],
        ["job", "a/b"],
        [".hidden", "result"],
        ["job", ".result"],
        ["", "result"],
        ["job", "x".repeat(129)],
      ] as const) {
        let refused = false;
        await store.create(job, name).catch(() => (refused = true));
        expect(refused, `create ${job} ${name}`).to.equal(true);
        refused = false;
        await store.put(job, name, Buffer.from("x")).catch(() => (refused = true));
        expect(refused, `put ${job} ${name}`).to.equal(true);
        expect(() => store.read(job, name), `read ${job} ${name}`).to.throw(/bad object name/);
        expect(await store.size(job, name).catch(() => undefined)).to.equal(undefined);
      }
      let refused = false;
      await store.removeJob("..").catch(() => (refused = true));
      expect(refused).to.equal(true);
    },
  },
];

describe("result store contract", () => {
  let run = 0;
  for (const s of STORES) {
    describe(s.name, () => {
      for (const c of CASES) it(c.name, () => c.run(s.open(++run)));
    });
  }
});

describe("LocalDirResultStore on a directory that several replicas share", () => {
  const host = hostname().replace(/[^A-Za-z0-9-]/g, "-").slice(0, 63) || "host";
  const day = 24 * 3600 * 1000;
  // A pid that is not running: far above Linux's default pid_max (4,194,304 at most).
  const deadPid = 99_999_999;
  // Which `.partial` files a new store removes at start (issue 18: a replica's start must not delete
  // the result that another replica is writing).
  const CASES: Array<{ file: string; ageMs: number; removed: boolean; why: string }> = [
    { file: `result.${host}.${process.pid}.1.partial`, ageMs: 0, removed: false, why: "a live process of this machine is writing it" },
    { file: `result.${host}.${deadPid}.1.partial`, ageMs: 0, removed: true, why: "its process on this machine is gone" },
    { file: "result.other-host.1234.1.partial", ageMs: 0, removed: false, why: "another machine's, changed just now" },
    { file: "result.other-host.1234.1.partial", ageMs: 2 * day, removed: true, why: "another machine's, unchanged for two days" },
    { file: "result.7.partial", ageMs: 0, removed: true, why: "the form of a single process (before replicas): always abandoned" },
    { file: "result", ageMs: 2 * day, removed: false, why: "a complete result" },
  ];
  for (const c of CASES) {
    it(`${c.removed ? "removes" : "keeps"} ${c.file}: ${c.why}`, () => {
      const dir = mkdtempSync(join(tmpdir(), "result-store-partials-"));
      try {
        mkdirSync(join(dir, "job1"));
        const path = join(dir, "job1", c.file);
        writeFileSync(path, "x");
        const t = (Date.now() - c.ageMs) / 1000;
        utimesSync(path, t, t);
        new LocalDirResultStore(dir);
        expect(existsSync(path)).to.equal(!c.removed);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("two stores on one directory writing the same object use different partial files, and the last commit wins whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "result-store-partials-"));
    try {
      const a = new LocalDirResultStore(dir);
      const b = new LocalDirResultStore(dir);
      const sa = await a.create("job1", "result");
      const sb = await b.create("job1", "result");
      sa.stream.write("from a, ");
      sb.stream.write("from b");
      sa.stream.end("complete");
      sb.stream.end();
      await sa.commit();
      await sb.commit();
      const text = await new Promise<string>((resolve, reject) => {
        let t = "";
        a.read("job1", "result").on("data", (d: Buffer) => (t += d.toString())).on("end", () => resolve(t)).on("error", reject);
      });
      expect(text).to.equal("from b");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("S3ResultStore", () => {
  // Live memory (V8's heap and the Buffers, sampled right after a full collection) rather than RSS: freed Buffers go
  // back to the allocator when the collector gets to them, which on a busy or an idle machine comes at different
  // times, and RSS followed that (81 MiB once, under 64 MiB otherwise); what is held is what the store keeps.
  it("streams a large result with bounded memory: 160 MiB through 8 MiB parts, live memory growth under 64 MiB", async function () {
    this.timeout(120_000);
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const live = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const store = new S3ResultStore(s3Options("memory/", { partSize: 8 * MiB }));
    const live0 = live();
    let peak = live0;
    const timer = setInterval(() => (peak = Math.max(peak, live())), 20);
    try {
      expect(await write(store, "big", "result", pattern(160 * MiB))).to.equal(160 * MiB);
    } finally {
      clearInterval(timer);
    }
    expect(await store.size("big", "result")).to.equal(160 * MiB);
    console.log(`      160 MiB through the S3 store: live memory grew by at most ${((peak - live0) / MiB).toFixed(1)} MiB`);
    expect((peak - live0) / MiB).to.be.below(64);
    await store.removeJob("big");
  });

  it("the query stream waits for the upload (backpressure): with a part held back, at most two parts are taken", async () => {
    let hold = true;
    const held: (() => void)[] = [];
    const proxy = await recordingProxy(s3.endpoint, (req) =>
      hold && /partNumber=/.test(req.url) ? new Promise<void>((resolve) => held.push(resolve)) : Promise.resolve(),
    );
    try {
      const store = new S3ResultStore(s3Options("pressure/", { endpoint: proxy.endpoint }));
      const sink = await store.create("job", "result");
      let produced = 0;
      const source = pattern(64 * MiB).on("data", (c: Buffer) => (produced += c.length));
      const done = pipeline(source, sink.stream);
      await until("the writer waits for the held part", () => held.length === 1 && sink.stream.writableNeedDrain);
      // One part on the wire (held), one filled, and the streams' own buffers.
      expect(produced / MiB).to.be.within(10, 11);
      hold = false;
      held.shift()!();
      await done;
      expect(await sink.commit()).to.equal(64 * MiB);
      expect(await store.size("job", "result")).to.equal(64 * MiB);
      await store.removeJob("job");
    } finally {
      await proxy.close();
    }
  });

  it("discard of a multipart upload aborts it (AbortMultipartUpload: DELETE ?uploadId=), and no object is left", async () => {
    const proxy = await recordingProxy(s3.endpoint);
    try {
      const logged: string[] = [];
      const store = new S3ResultStore(s3Options("abort/", { endpoint: proxy.endpoint, log: (m) => logged.push(m) }));
      const sink = await store.create("job", "result");
      await pipeline(failingAfter(6 * MiB), sink.stream).catch(() => {});
      await sink.discard();
      const created = proxy.requests.find((r) => r.method === "POST" && /\?uploads/.test(r.url));
      expect(created, "a multipart upload was started").not.to.equal(undefined);
      const abort = proxy.requests.find((r) => r.method === "DELETE" && /uploadId=/.test(r.url));
      expect(abort, "the upload was aborted").not.to.equal(undefined);
      // s3rver implements no AbortMultipartUpload (405): the store says so in the log, not as a failure.
      expect(logged.every((m) => /aborting the upload of abort\/job\/result/.test(m))).to.equal(true);
      expect(await store.size("job", "result")).to.equal(undefined);
      expect(await store.jobIds()).to.deep.equal([]);
    } finally {
      await proxy.close();
    }
  });

  it("a presigned URL: the object for its lifetime, with the Content-Type asked for, signed by the service's key only", async () => {
    // s3rver checks the access key only: a secret of its own shows that the secret never travels.
    const secretAccessKey = "a-secret-that-no-url-may-show";
    const store = new S3ResultStore(s3Options("signed/", { urlLifetimeSeconds: 123, secretAccessKey }));
    await store.put("job", "result", Buffer.from("<VOTABLE/>"));
    const url = new URL(await store.signedUrl("job", "result", { contentType: "application/x-votable+xml" }));
    expect(url.origin).to.equal(s3.endpoint);
    expect(url.pathname).to.equal(`/${s3.bucket}/signed/job/result`);
    expect(url.searchParams.get("X-Amz-Expires")).to.equal("123");
    expect(url.searchParams.get("X-Amz-Algorithm")).to.equal("AWS4-HMAC-SHA256");
    expect(url.searchParams.get("X-Amz-Credential")).to.match(/^S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(url.searchParams.get("X-Amz-Signature")).to.match(/^[0-9a-f]{64}$/);
    // The secret signs, it is never sent.
    expect(url.toString()).not.to.include(secretAccessKey);
    const res = await fetch(url);
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.equal("application/x-votable+xml");
    expect(await res.text()).to.equal("<VOTABLE/>");
  });

  it("a store that is down: every operation fails at once with a message that names the store, not a hang", async () => {
    const down = await startS3("down");
    const store = new S3ResultStore(s3Options("x/", { endpoint: down.endpoint, bucket: "down" }));
    await down.stop();
    const t0 = Date.now();
    const failures: string[] = [];
    await store.put("job", "result", Buffer.from("x")).catch((e: Error) => failures.push(e.message));
    await write(store, "job", "result", pattern(100)).catch((e: Error) => failures.push(e.message));
    await store.size("job", "result").catch((e: Error) => failures.push(e.message));
    await store.jobIds().catch((e: Error) => failures.push(e.message));
    await text(store.read("job", "result")).catch((e: Error) => failures.push(e.message));
    expect(failures).to.have.length(5);
    for (const m of failures) expect(m).to.match(new RegExp(`^result store s3://down/x/: .*cannot reach ${down.endpoint} \\(.*ECONNREFUSED`));
    expect(Date.now() - t0).to.be.below(10_000);
  });

  it("an answer that never comes fails after requestTimeoutMs", async () => {
    const silent = createServer(() => {});
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    try {
      const port = (silent.address() as { port: number }).port;
      const store = new S3ResultStore(s3Options("x/", { endpoint: `http://127.0.0.1:${port}`, requestTimeoutMs: 300 }));
      let message = "";
      await store.put("job", "result", Buffer.from("x")).catch((e: Error) => (message = e.message));
      expect(message).to.match(/cannot reach .*no answer in time/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
