/**
 * /images/files/{id}: whole files, byte ranges (RFC 9110 §14), conditional requests (§13), HEAD, and hostile paths
 * and IDs, against a service with a registry of small test images; the range parser and the chunked stream on
 * their own.
 */
import { expect } from "chai";
import { request } from "node:http";
import { FileSource, type ByteSource } from "@qserv-tap/fits";
import { until } from "../../../votable/src/test-support/until.js";
import { startFixture, type Fixture } from "../datalink/test-support/fixture.js";
import { byteStream, CHUNK_BYTES, parseRange, type RangeRequest } from "./files.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request with the path sent exactly as written (fetch would resolve `..` segments before sending). */
function raw(base: string, path: string, method = "GET", headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("/images/files/{id}", function () {
  this.timeout(120_000);
  let f: Fixture;
  let path: string;
  let file: Buffer;
  let size: number;

  before(async function () {
    f = await startFixture({ demo: false, obscore: false });
    path = `/images/files/${encodeURIComponent(f.images.coadd.id)}`;
    const source = await f.images.coadd.open();
    size = (await source.stat()).size;
    file = Buffer.from(await source.read(0, size));
    await source.close();
  });
  after(async () => {
    await f?.close();
  });

  it("GET: the whole file, with Content-Length, Accept-Ranges, an ETag and application/fits", async function () {
    const r = await raw(f.base, path);
    expect(r.status).to.equal(200);
    expect(r.headers["content-type"]).to.equal("application/fits");
    expect(r.headers["content-length"]).to.equal(String(size));
    expect(r.headers["accept-ranges"]).to.equal("bytes");
    expect(r.headers.etag).to.match(/^"[A-Za-z0-9_-]{32}"$/);
    expect(r.body.equals(file)).to.equal(true);
  });

  it("Range (RFC 9110 §14): one range → 206, unsatisfiable → 416 with bytes */size, malformed or several → 200 whole", async function () {
    const S = file.length;
    // [Range header, status, [first, last] of the body for 206]
    const cases: [string, number, [number, number]?][] = [
      ["bytes=0-99", 206, [0, 99]],
      ["bytes=0-0", 206, [0, 0]],
      ["bytes=-100", 206, [S - 100, S - 1]],
      ["bytes=100-", 206, [100, S - 1]],
      [`bytes=${S - 10}-${S + 1000}`, 206, [S - 10, S - 1]], // §14.1.2: a last-pos beyond the end is the end
      [`bytes=-${S + 5}`, 206, [0, S - 1]], // a suffix longer than the file is the whole file
      [" bytes = 2880 - 5759 ", 206, [2880, 5759]],
      [`bytes=${S}-`, 416],
      [`bytes=${S}-${S + 10}`, 416],
      ["bytes=-0", 416], // §14.1.3: a suffix of length 0 satisfies nothing
      [`bytes=${S}-,${S + 5}-`, 416],
      ["bytes=abc", 200], // §14.2: an invalid ranges-specifier is ignored
      ["bytes=5-2", 200], // last-pos below first-pos: invalid
      ["bytes=0-1-2", 200],
      ["bytes=", 200],
      ["items=0-10", 200], // another unit: ignored
      ["bytes=0-9,20-29", 200], // several ranges: we send the whole file (no multipart/byteranges)
      [`bytes=0-9,${S}-`, 200],
      [`bytes=${"9".repeat(30)}-`, 200], // beyond any integer we read: invalid, ignored
    ];
    for (const [range, status, span] of cases) {
      const r = await raw(f.base, path, "GET", { Range: range });
      expect(r.status, range).to.equal(status);
      if (status === 206) {
        const [a, b] = span!;
        expect(r.headers["content-range"], range).to.equal(`bytes ${a}-${b}/${S}`);
        expect(r.headers["content-length"], range).to.equal(String(b - a + 1));
        expect(r.body.equals(file.subarray(a, b + 1)), range).to.equal(true);
      } else if (status === 416) {
        expect(r.headers["content-range"], range).to.equal(`bytes */${S}`);
      } else {
        expect(r.headers["content-range"], range).to.equal(undefined);
        expect(r.body.equals(file), range).to.equal(true);
      }
    }
  });

  it("If-Range (§13.1.5): the current ETag keeps the range, another sends the whole file", async function () {
    const { etag } = (await raw(f.base, path, "HEAD")).headers as { etag: string };
    expect((await raw(f.base, path, "GET", { Range: "bytes=0-9", "If-Range": etag })).status).to.equal(206);
    const stale = await raw(f.base, path, "GET", { Range: "bytes=0-9", "If-Range": '"something-else"' });
    expect(stale.status).to.equal(200);
    expect(stale.body.length).to.equal(file.length);
  });

  it("If-None-Match (§13.1.2): 304 for the current ETag", async function () {
    const { etag } = (await raw(f.base, path, "HEAD")).headers as { etag: string };
    expect((await raw(f.base, path, "GET", { "If-None-Match": etag })).status).to.equal(304);
    expect((await raw(f.base, path, "GET", { "If-None-Match": `"x", W/${etag}` })).status).to.equal(304);
    expect((await raw(f.base, path, "GET", { "If-None-Match": '"x"' })).status).to.equal(200);
  });

  it("HEAD: the whole file's headers and no body; Range is for GET only (§14.2)", async function () {
    const r = await raw(f.base, path, "HEAD", { Range: "bytes=0-9" });
    expect(r.status).to.equal(200);
    expect(r.headers["content-length"]).to.equal(String(file.length));
    expect(r.body.length).to.equal(0);
  });

  it("other methods: 405", async function () {
    expect((await raw(f.base, path, "POST")).status).to.equal(405);
    expect((await raw(f.base, path, "DELETE")).status).to.equal(405);
  });

  it("hostile paths and IDs: 400 or 404, never a file: the registry knows IDs, not paths", async function () {
    const unknown = encodeURIComponent("ivo://qserv-tap.test/test?repo=test&id=00000000-0000-4000-8000-000000000000");
    const cases: [string, number][] = [
      ["/images/files/../../etc/passwd", 404], // several segments: no such route
      ["/images/files/..%2f..%2fetc%2fpasswd", 400],
      ["/images/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 400],
      ["/images/files/%2e%2e", 400],
      ["/images/files/..", 400],
      ["/images/files/%2Fetc%2Fpasswd", 400],
      [`/images/files/${encodeURIComponent("file:///etc/passwd")}`, 400],
      [`/images/files/${encodeURIComponent("http://127.0.0.1:1/x.fits")}`, 400],
      [`/images/files/${encodeURIComponent("butler://test/../../../etc/passwd")}`, 400],
      [`/images/files/${encodeURIComponent("ivo://x/y?repo=..&id=00000000-0000-4000-8000-000000000000")}`, 400],
      ["/images/files/%ZZ%00", 400],
      [`/images/files/${"a".repeat(8000)}`, 400],
      [`/images/files/${unknown}`, 404],
      [`/images/files/${encodeURIComponent("butler://test/00000000-0000-4000-8000-000000000000")}`, 404],
      ["/images/files/", 404],
      ["/images/files", 404],
    ];
    for (const [p, status] of cases) {
      const r = await raw(f.base, p);
      expect(r.status, p).to.equal(status);
      expect(r.body.subarray(0, 6).toString(), p).not.to.equal("SIMPLE");
      expect(r.body.toString(), p).not.to.contain("root:");
    }
    expect((await raw(f.base, path)).status).to.equal(200);
  });

  it("a dataset whose file cannot be read: 503, and the path is not told", async function () {
    const inner = f.registry;
    const gone = "/nonexistent/dir/secret-name.fits";
    f.running.service.deps.images = {
      kind: "local",
      resolve: async (id) => {
        const d = await inner.resolve(id);
        return d && { ...d, open: async () => new FileSource(gone) };
      },
      close: async () => {},
    };
    try {
      const r = await raw(f.base, path);
      expect(r.status).to.equal(503);
      expect(r.body.toString()).to.equal("TransientFault: the file of this dataset cannot be read now\n");
    } finally {
      f.running.service.deps.images = inner;
    }
  });

  it("the caller's bearer token reaches the registry (Butler: the caller's own rights)", async function () {
    const seen: (string | undefined)[] = [];
    const inner = f.registry;
    f.running.service.deps.images = {
      kind: "local",
      resolve: (id, caller) => {
        seen.push(caller.token);
        return inner.resolve(id);
      },
      close: async () => {},
    };
    try {
      await raw(f.base, path, "HEAD", { Authorization: "Bearer secret-token-123" });
    } finally {
      f.running.service.deps.images = inner;
    }
    expect(seen).to.deep.equal(["secret-token-123"]);
  });
});

describe("parseRange (RFC 9110 §14.1.2, §14.2)", function () {
  const cases: [string | undefined, number, RangeRequest][] = [
    [undefined, 10, { kind: "whole" }],
    ["bytes=0-4", 10, { kind: "range", start: 0, end: 4 }],
    ["BYTES=2-", 10, { kind: "range", start: 2, end: 9 }],
    ["bytes=-3", 10, { kind: "range", start: 7, end: 9 }],
    ["bytes=-3", 0, { kind: "unsatisfiable" }],
    ["bytes=0-", 0, { kind: "unsatisfiable" }],
    ["bytes=10-", 10, { kind: "unsatisfiable" }],
    ["bytes=1-2,3-4", 10, { kind: "whole" }],
    ["bytes=1-2,", 10, { kind: "range", start: 1, end: 2 }],
    ["bytes=x-2", 10, { kind: "whole" }],
    ["bytes=+1-2", 10, { kind: "whole" }],
    ["bytes=1.5-2", 10, { kind: "whole" }],
    [`bytes=${Array.from({ length: 101 }, (_, i) => `${i}-${i}`).join(",")}`, 1000, { kind: "whole" }],
  ];
  for (const [header, size, expected] of cases) {
    const shown = header !== undefined && header.length > 40 ? `${header.slice(0, 40)}… (101 ranges)` : header;
    it(`${JSON.stringify(shown)} of ${size} bytes → ${JSON.stringify(expected)}`, function () {
      expect(parseRange(header, size)).to.deep.equal(expected);
    });
  }
});

describe("byteStream: bounded chunks, read as the consumer asks", function () {
  /** A source of `size` bytes (byte i = i mod 251) that counts its reads. */
  function counting(size: number): ByteSource & { reads: number; closed: boolean } {
    return {
      id: "memory",
      reads: 0,
      closed: false,
      async stat() {
        return { size, version: "1" };
      },
      async read(offset, length) {
        this.reads++;
        return Uint8Array.from({ length }, (_, i) => (offset + i) % 251);
      },
      async close() {
        this.closed = true;
      },
    };
  }

  it("a consumer that does not read holds the source back: a few chunks are read, not the file", async function () {
    const source = counting(100 * CHUNK_BYTES);
    const s = byteStream(source, 0, 100 * CHUNK_BYTES - 1);
    // Listening for "readable" without reading: the stream fills its buffer to the high-water mark and stops.
    s.on("readable", () => {});
    await until("the stream's buffer fills", () => s.readableLength >= s.readableHighWaterMark);
    expect(source.reads).to.be.at.most(3);
    s.destroy();
    await until("the source is closed", () => source.closed);
  });

  it("a range comes out whole and exact, in chunks of at most CHUNK_BYTES, and the source is closed at the end", async function () {
    const source = counting(3 * CHUNK_BYTES + 17);
    const parts: Buffer[] = [];
    for await (const c of byteStream(source, 5, 3 * CHUNK_BYTES + 10)) parts.push(c as Buffer);
    expect(Math.max(...parts.map((p) => p.length))).to.be.at.most(CHUNK_BYTES);
    const all = Buffer.concat(parts);
    expect(all.length).to.equal(3 * CHUNK_BYTES + 6);
    expect(all[0]).to.equal(5);
    expect(all[all.length - 1]).to.equal((3 * CHUNK_BYTES + 10) % 251);
    expect(source.closed).to.equal(true);
  });

  it("a source that fails mid-way ends the stream with its error and is closed", async function () {
    const source = counting(4 * CHUNK_BYTES);
    const read = source.read.bind(source);
    source.read = async (offset, length) => {
      if (offset >= 2 * CHUNK_BYTES) throw new Error("disk went away");
      return read(offset, length);
    };
    let error: Error | undefined;
    try {
      for await (const _ of byteStream(source, 0, 4 * CHUNK_BYTES - 1)) void _;
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.equal("disk went away");
    await until("the source is closed", () => source.closed);
  });
});
