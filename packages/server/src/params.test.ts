/**
 * Request parameters (DALI 1.1 §4.1: names case-insensitive) and multipart parts, which are
 * spooled to files in $TMPDIR as they arrive and removed when the response closes.
 */
import { expect } from "chai";
import { EventEmitter } from "node:events";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import type { Context } from "koa";
import { TapError } from "./errors.js";
import { readParams, single, type ParamLimits } from "./params.js";
import { until } from "../../votable/src/test-support/until.js";

/** Bodies and parts of a few times 64 KiB (a stream's chunk), so that they are read and written in many chunks. */
const KIB64 = 64 * 1024;
const LIMITS: ParamLimits = { maxParamsBytes: 1024, maxParams: 5, maxRequestBytes: 6 * KIB64, maxFileBytes: 4 * KIB64, maxFiles: 2 };

/** A POST context whose body is `form`, as koa would give it to a route. */
async function context(form: FormData | string, query = ""): Promise<{ ctx: Context; res: EventEmitter }> {
  const request = new Request("http://localhost/", { method: "POST", body: form });
  const type = typeof form === "string" ? "multipart/form-data; boundary=nothing" : request.headers.get("content-type")!;
  const body = Buffer.from(await request.arrayBuffer());
  const req = Object.assign(Readable.from([body]), { headers: { "content-type": type } });
  const res = new EventEmitter();
  const ctx = { method: "POST", querystring: query, req, res, get: (h: string) => (h.toLowerCase() === "content-type" ? type : "") };
  return { ctx: ctx as unknown as Context, res };
}

async function bytes(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of stream) parts.push(b as Buffer);
  return Buffer.concat(parts);
}

/** A POST context with these request headers and this body. */
function withHeaders(headers: Record<string, string>, body: Buffer): Context {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const req = Object.assign(Readable.from([body]), { headers: lower });
  return { method: "POST", querystring: "", req, res: new EventEmitter(), get: (h: string) => lower[h.toLowerCase()] ?? "" } as unknown as Context;
}

/** RFC 9110 §8.3, §8.4: what the body is, and how it is coded, as the request's headers say. */
const BODIES: readonly (readonly [what: string, headers: Record<string, string>, body: Buffer, status: number | "read", message?: RegExp])[] = [
  ["a form", { "Content-Type": "application/x-www-form-urlencoded" }, Buffer.from("LANG=ADQL"), "read"],
  ["a form without a Content-Type", {}, Buffer.from("LANG=ADQL"), "read"],
  ["a form in the identity coding", { "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "identity" }, Buffer.from("LANG=ADQL"), "read"],
  ["a gzipped form (RFC 9110 §15.5.16)", { "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "gzip" }, gzipSync("LANG=ADQL"), 415, /Unsupported request Content-Encoding gzip: send the body without a content coding/],
  ["a JSON body", { "Content-Type": "application/json" }, Buffer.from('{"LANG":"ADQL"}'), 415, /Unsupported request Content-Type application\/json: use application\/x-www-form-urlencoded or multipart\/form-data/],
];

describe("server request bodies by their headers", function () {
  for (const [what, headers, body, status, message] of BODIES) {
    it(`${what}: ${status === "read" ? "read" : status}`, async () => {
      const outcome = await readParams(withHeaders(headers, body), LIMITS).then(
        (p) => p,
        (e: unknown) => e,
      );
      if (status === "read") {
        expect(single(outcome as Awaited<ReturnType<typeof readParams>>, "LANG")).to.equal("ADQL");
      } else {
        expect(outcome).to.be.instanceOf(TapError);
        expect((outcome as TapError).status).to.equal(status);
        expect((outcome as Error).message).to.match(message!);
      }
    });
  }
});

describe("server request parameters", function () {
  let spool: string;
  let saved: string | undefined;
  const spooled = () => readdirSync(spool).filter((f) => f.startsWith("tap-upload-"));

  beforeEach(() => {
    saved = process.env.TMPDIR;
    spool = mkdtempSync(join(tmpdir(), "tap-params-test-"));
    process.env.TMPDIR = spool;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(spool, { recursive: true, force: true });
  });

  it("reads names case-insensitively from the query string and the form, in order", async () => {
    const form = new FormData();
    form.set("query", "SELECT 1");
    form.set("Lang", "ADQL");
    const { ctx } = await context(form, "MAXREC=5&maxrec=5");
    const p = await readParams(ctx, LIMITS);
    expect(single(p, "QUERY")).to.equal("SELECT 1");
    expect(single(p, "LANG")).to.equal("ADQL");
    expect(p.values.get("MAXREC")).to.deep.equal(["5", "5"]);
    expect(p.files.size).to.equal(0);
    expect(spooled()).to.deep.equal([]);
  });

  it("keeps a multipart part in a file, not in memory, until the response closes", async () => {
    const data = Buffer.alloc(3 * KIB64, "<TR><TD>1</TD></TR>");
    const form = new FormData();
    form.set("UPLOAD", "t,param:part");
    form.set("part", new Blob([data]), "t.xml");
    const { ctx, res } = await context(form);
    const p = await readParams(ctx, LIMITS);
    const part = p.files.get("part")!;
    expect(part.size).to.equal(data.length);
    const [dir] = spooled();
    expect(dir).to.be.a("string");
    const onDisk = readdirSync(join(spool, dir!));
    expect(onDisk).to.deep.equal(["part-1"]);
    expect(statSync(join(spool, dir!, "part-1")).size).to.equal(data.length);
    // It can be read more than once (an async job copies it, then the job reads it).
    expect((await bytes(part.open())).equals(data)).to.equal(true);
    expect((await bytes(part.open())).equals(data)).to.equal(true);
    res.emit("close");
    await until("the spooled part is removed", () => spooled().length === 0);
    expect(spooled()).to.deep.equal([]);
  });

  const REFUSED: [string, () => FormData | string, number, RegExp][] = [
    [
      "a part over the upload limit",
      () => {
        const f = new FormData();
        f.set("part", new Blob([Buffer.alloc(LIMITS.maxFileBytes + 1, "x")]), "t.xml");
        return f;
      },
      413,
      /Upload part is larger than the limit of 262144 bytes/,
    ],
    [
      "more parts than allowed",
      () => {
        const f = new FormData();
        for (const n of ["a", "b", "c"]) f.set(n, new Blob(["<VOTABLE/>"]), `${n}.xml`);
        return f;
      },
      413,
      /More than 2 uploaded files/,
    ],
    [
      "a form field over the form limit",
      () => {
        const f = new FormData();
        f.set("QUERY", "x".repeat(LIMITS.maxParamsBytes + 1));
        return f;
      },
      413,
      /The request's parameters are longer than 1024 bytes together/,
    ],
    [
      "fields that are short but too long together",
      () => {
        const f = new FormData();
        for (const n of ["a", "b", "c"]) f.set(n, "x".repeat(400));
        return f;
      },
      413,
      /The request's parameters are longer than 1024 bytes together/,
    ],
    [
      "more fields than allowed",
      () => {
        const f = new FormData();
        for (let i = 0; i < 6; i++) f.set(`p${i}`, "1");
        return f;
      },
      413,
      /The request has more than 5 parameters/,
    ],
    [
      "a body over the request limit (two parts each within the part limit)",
      () => {
        const f = new FormData();
        for (const n of ["a", "b"]) f.set(n, new Blob([Buffer.alloc(3.5 * KIB64, "x")]), `${n}.xml`);
        return f;
      },
      413,
      /The request body is larger than 393216 bytes/,
    ],
    ["a body that is not multipart", () => "this is not a multipart body", 400, /Bad multipart request/],
  ];
  for (const [name, form, status, message] of REFUSED) {
    it(`refuses ${name} and leaves no file behind`, async () => {
      const { ctx } = await context(form());
      const err = await readParams(ctx, LIMITS).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(TapError);
      expect((err as TapError).status).to.equal(status);
      expect((err as Error).message).to.match(message);
      expect(spooled()).to.deep.equal([]);
    });
  }

  /** A multipart request whose body the test writes: `boundary` XX, one file part begun. */
  function streamingContext(): { ctx: Context; req: PassThrough; res: EventEmitter } {
    const type = "multipart/form-data; boundary=XX";
    const req = Object.assign(new PassThrough(), { headers: { "content-type": type } });
    const res = new EventEmitter();
    const ctx = { method: "POST", querystring: "", req, res, get: (h: string) => (h.toLowerCase() === "content-type" ? type : "") };
    req.write('--XX\r\nContent-Disposition: form-data; name="t"; filename="t.xml"\r\n\r\n');
    req.write(Buffer.alloc(3 * KIB64, "x"));
    return { ctx: ctx as unknown as Context, req, res };
  }

  /** How `p` settles, or "still pending" at a deadline far beyond the test's need (a hang, not a wait). */
  async function settle(p: Promise<unknown>, ms = 20_000): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((r) => (timer = setTimeout(() => r("still pending"), ms)));
    try {
      return await Promise.race([p.then(() => "resolved", (e: Error) => e), timeout]);
    } finally {
      // A pending timer would keep mocha's process alive for the rest of the 20 s.
      clearTimeout(timer);
    }
  }

  it("ends (400) when the client goes away in the middle of a part, and keeps nothing", async () => {
    const { ctx, req } = streamingContext();
    const reading = readParams(ctx, LIMITS);
    await until("the part is being spooled", () => spooled().length > 0);
    req.destroy(new Error("aborted"));
    const outcome = await settle(reading);
    expect(outcome).to.be.instanceOf(TapError);
    expect((outcome as TapError).status).to.equal(400);
    expect((outcome as Error).message).to.match(/aborted/);
    expect(spooled()).to.deep.equal([]);
  });

  it("keeps nothing when the response closes while the parts are read", async () => {
    const { ctx, req, res } = streamingContext();
    const reading = readParams(ctx, LIMITS);
    await until("the part is being spooled", () => spooled().length > 0);
    res.emit("close");
    req.end(Buffer.from('\r\n--XX--\r\n'));
    await settle(reading);
    await until("the spooled part is removed", () => spooled().length === 0);
    expect(spooled()).to.deep.equal([]);
  });

  it("ends (500) when a part cannot be written, instead of waiting for ever", async () => {
    process.env.TMPDIR = join(spool, "does-not-exist");
    const form = new FormData();
    form.set("part", new Blob([Buffer.alloc(3 * KIB64, "x")]), "t.xml");
    form.set("QUERY", "SELECT 1");
    const { ctx } = await context(form);
    const outcome = await settle(readParams(ctx, LIMITS));
    expect(outcome).to.be.instanceOf(TapError);
    expect((outcome as TapError).status).to.equal(500);
    expect((outcome as Error).message).to.match(/^Could not keep upload part: ENOENT/);
  });
});
