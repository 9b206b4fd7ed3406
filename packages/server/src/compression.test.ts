import { expect } from "chai";
import Koa from "koa";
import { once } from "node:events";
import { request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { createGunzip, gunzipSync } from "node:zlib";
import { until } from "../../votable/src/test-support/until.js";
import { SMALL_BODY, compression } from "./compression.js";
import { demoService, startService, type Running } from "./test-support/service.js";
import { createJob, waitFor } from "./test-support/uws.js";

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with exactly these headers (fetch would ask for gzip and decode it unseen). */
function get(url: string, headers: Record<string, string> = {}, method = "GET", onHeaders?: () => void): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      onHeaders?.();
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const GZIP = { "Accept-Encoding": "gzip" };
/** VOTables carry their request's time (DALI 1.2 §5.4.2 REQUEST_TIME): two requests differ there only. */
const sameRequestTime = (text: string) => text.replace(/(<INFO name="REQUEST_TIME" value=")[^"]*"/, '$1"');
const QUERY = "SELECT TOP 200 star_id, ra, dec, g_mag FROM demo.stars ORDER BY star_id";
const syncUrl = (base: string, format: string, query = QUERY) => `${base}/sync?${new URLSearchParams({ LANG: "ADQL", QUERY: query, RESPONSEFORMAT: format })}`;

describe("gzip Content-Encoding (RFC 9110 §8.4.1, §12.5.3; issue 15, Operations: compression)", () => {
  // The same bytes, compressed or not: each format, sync and async.
  const compressed = [
    { what: "VOTable BINARY2 (the default)", format: "votable", type: /^application\/x-votable\+xml/ },
    { what: "VOTable TABLEDATA", format: "votable/td", type: /^application\/x-votable\+xml/ },
    { what: "CSV", format: "csv", type: /^text\/csv/ },
    { what: "TSV", format: "tsv", type: /^text\/tab-separated-values/ },
  ];
  for (const c of compressed) {
    it(`sync ${c.what}: gzip when asked, the same bytes once gunzipped; identity when not asked`, async () => {
      const { url } = await demoService();
      const plain = await get(syncUrl(url, c.format));
      const gz = await get(syncUrl(url, c.format), GZIP);
      expect(plain.status).to.equal(200);
      expect(gz.status).to.equal(200);
      expect(plain.headers["content-type"]).to.match(c.type);
      expect(plain.headers["content-encoding"]).to.equal(undefined);
      expect(gz.headers["content-encoding"]).to.equal("gzip");
      // A streamed result has no length; one that the service had whole (routes/sync.ts sends a small document whose
      // writer finished within its wait as one Buffer) is compressed whole, with the length of the gzip bytes (RFC 9110 §8.6).
      if (gz.headers["content-length"] !== undefined) expect(gz.headers["content-length"]).to.equal(String(gz.body.length));
      for (const r of [plain, gz]) expect(r.headers.vary).to.match(/accept-encoding/i);
      expect(sameRequestTime(gunzipSync(gz.body).toString("latin1"))).to.equal(sameRequestTime(plain.body.toString("latin1")));
      expect(gz.body.length).to.be.below(plain.body.length);
    });

    it(`async ${c.what} from the results store: gzip when asked, identity when not, ranges of the identity bytes`, async () => {
      const { url } = await demoService();
      const job = await createJob(url, { LANG: "ADQL", QUERY, RESPONSEFORMAT: c.format, PHASE: "RUN" });
      await waitFor(job, ["COMPLETED"]);
      const plain = await get(`${job}/results/result`);
      const gz = await get(`${job}/results/result`, GZIP);
      expect(plain.headers["content-length"]).to.equal(String(plain.body.length));
      expect(gz.headers["content-encoding"]).to.equal("gzip");
      expect(gz.headers["content-length"]).to.equal(undefined);
      expect(gunzipSync(gz.body).equals(plain.body)).to.equal(true);
      const head = await get(`${job}/results/result`, GZIP, "HEAD");
      expect(head.headers["content-encoding"]).to.equal("gzip");
      expect(head.headers["content-length"]).to.equal(undefined);
      const part = await get(`${job}/results/result`, { ...GZIP, Range: "bytes=10-19" });
      expect(part.status).to.equal(206);
      expect(part.headers["content-encoding"]).to.equal(undefined);
      expect(part.body.equals(plain.body.subarray(10, 20))).to.equal(true);
    });
  }

  // /tables is large; the others may fall under SMALL_BODY, and are then sent as they are, under their own tag.
  const documents = ["/tables", "/tables?detail=min", "/tables/demo.stars", "/capabilities", "/examples"];
  for (const path of documents) {
    it(`${path}: gzip when asked (unless under ${SMALL_BODY} bytes), the same bytes; the ETag names the encoding`, async () => {
      const { url } = await demoService();
      const plain = await get(`${url}${path}`);
      const gz = await get(`${url}${path}`, GZIP);
      expect(plain.status).to.equal(200);
      if (path === "/tables") expect(plain.body.length).to.be.at.least(SMALL_BODY);
      if (plain.body.length < SMALL_BODY) {
        expect(gz.headers["content-encoding"]).to.equal(undefined);
        expect(gz.body.equals(plain.body)).to.equal(true);
        expect(gz.headers.etag).to.equal(plain.headers.etag);
        expect(gz.headers.vary).to.match(/accept-encoding/i);
        return;
      }
      expect(gz.headers["content-encoding"]).to.equal("gzip");
      expect(gunzipSync(gz.body).equals(plain.body)).to.equal(true);
      expect(gz.headers.etag).to.equal(`${plain.headers.etag!.slice(0, -1)}-gzip"`);
    });
  }

  // A small answer (a cone search's few rows) costs a zlib stream per response for a few hundred bytes saved: sent as it is.
  const small = [
    { what: "VOTable BINARY2, 3 rows", format: "votable" },
    { what: "VOTable TABLEDATA, 3 rows", format: "votable/td" },
    { what: "CSV, 3 rows", format: "csv" },
  ];
  describe("a small answer", function () {
    // Whether an answer ends within the wait (25 ms by default) depends on the machine's load: this service waits a
    // minute for it, so that the rule, not the load, decides (the wait's own cases are below, and readStart's in
    // stream-start.test.ts).
    let waiting: Running | undefined;
    before(async () => {
      // No image service: the answers here are TAP's, and registering the demo images took half of the start.
      waiting = await startService({ demo: true, http: { smallBodyWaitSeconds: 60 }, images: { registry: "none" } });
    });
    after(async () => waiting?.close());
    for (const c of small) {
      it(`sync ${c.what}: under ${SMALL_BODY} bytes, identity with its Content-Length and Vary even when gzip is asked`, async () => {
        const { url } = waiting!;
        const q = syncUrl(url, c.format, "SELECT TOP 3 star_id, ra, dec FROM demo.stars ORDER BY star_id");
        const plain = await get(q);
        const gz = await get(q, GZIP);
        expect(gz.status).to.equal(200);
        expect(gz.headers["content-encoding"]).to.equal(undefined);
        expect(gz.headers["content-length"]).to.equal(String(gz.body.length));
        expect(gz.headers.vary).to.match(/accept-encoding/i);
        expect(gz.body.length).to.be.below(SMALL_BODY);
        expect(sameRequestTime(gz.body.toString("latin1"))).to.equal(sameRequestTime(plain.body.toString("latin1")));
      });
    }
  });

  // Not compressed: binary or compressed already, or the client refuses gzip.
  const identity = [
    { what: "Parquet", url: (b: string) => syncUrl(b, "parquet"), headers: GZIP },
    { what: "CSV, gzip;q=0", url: (b: string) => syncUrl(b, "csv"), headers: { "Accept-Encoding": "gzip;q=0, identity" } },
    { what: "CSV, br only", url: (b: string) => syncUrl(b, "csv"), headers: { "Accept-Encoding": "br" } },
    { what: "an error document (400)", url: (b: string) => syncUrl(b, "csv", "SELECT nothing FROM demo.stars"), headers: GZIP },
  ];
  for (const c of identity) {
    it(`not compressed: ${c.what}`, async () => {
      const { url } = await demoService();
      const r = await get(c.url(url), c.headers);
      expect(r.headers["content-encoding"]).to.equal(undefined);
      expect(r.body.length).to.be.above(0);
    });
  }

  // The middleware alone, in a Koa app of its own: the decision is by media type (FITS from /images/files, PNG previews).
  const types = [
    { type: "application/fits", gzip: false },
    { type: "image/fits", gzip: false },
    { type: "image/png", gzip: false },
    { type: "application/vnd.apache.parquet", gzip: false },
    { type: "application/octet-stream", gzip: false },
    { type: "text/plain; charset=utf-8", gzip: false },
    { type: "application/x-votable+xml;serialization=TABLEDATA", gzip: true },
    { type: "text/csv;charset=utf-8;header=present", gzip: true },
    { type: "text/tab-separated-values", gzip: true },
    { type: "text/xml; charset=utf-8", gzip: true },
  ];
  for (const t of types) {
    it(`${t.type}: ${t.gzip ? "compressed" : "not compressed"}, as a stream and as a buffer`, async () => {
      const bytes = Buffer.from("SIMPLE  =                    T".repeat(400));
      expect(bytes.length).to.be.at.least(SMALL_BODY);
      const app = new Koa();
      app.use(compression());
      app.use((ctx) => {
        ctx.set("Content-Type", t.type);
        ctx.body = ctx.path === "/stream" ? Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]) : bytes;
      });
      const server = app.listen(0, "127.0.0.1");
      await once(server, "listening");
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        for (const path of ["/stream", "/buffer"]) {
          const r = await get(`${base}${path}`, GZIP);
          expect(r.headers["content-encoding"], path).to.equal(t.gzip ? "gzip" : undefined);
          expect((t.gzip ? gunzipSync(r.body) : r.body).equals(bytes), path).to.equal(true);
        }
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });
  }

  // The middleware alone: the size rule, for bodies of each kind. A stream is read until SMALL_BODY bytes, its end, or
  // the wait (http.smallBodyWaitSeconds); a failure before then still gives the gzip answer cut short, as a failure later would.
  const chunked = (...parts: Buffer[]) => ({ body: Readable.from(parts), bytes: Buffer.concat(parts) });
  // `end`: called once the response's headers reach the client, i.e. once the service has chosen the encoding.
  const sizes: { what: string; make: () => { body: Buffer | string | Readable; bytes: Buffer; end?: () => void }; gzip: boolean; cut?: boolean }[] = [
    { what: "a small buffer", make: () => ({ body: Buffer.alloc(SMALL_BODY - 1, "a"), bytes: Buffer.alloc(SMALL_BODY - 1, "a") }), gzip: false },
    { what: "a buffer of SMALL_BODY bytes", make: () => ({ body: Buffer.alloc(SMALL_BODY, "a"), bytes: Buffer.alloc(SMALL_BODY, "a") }), gzip: true },
    {
      what: "a small string (its UTF-8 bytes counted)",
      make: () => ({ body: "é".repeat(SMALL_BODY / 2 - 1), bytes: Buffer.from("é".repeat(SMALL_BODY / 2 - 1)) }),
      gzip: false,
    },
    { what: "a string of SMALL_BODY UTF-8 bytes", make: () => ({ body: "é".repeat(SMALL_BODY / 2), bytes: Buffer.from("é".repeat(SMALL_BODY / 2)) }), gzip: true },
    { what: "a small stream in several chunks", make: () => chunked(Buffer.alloc(1000, "a"), Buffer.alloc(1000, "b")), gzip: false },
    { what: "a stream that passes SMALL_BODY", make: () => chunked(Buffer.alloc(5000, "a"), Buffer.alloc(5000, "b"), Buffer.alloc(10, "c")), gzip: true },
    { what: "a stream whose last chunk passes SMALL_BODY", make: () => chunked(Buffer.alloc(1000, "a"), Buffer.alloc(SMALL_BODY, "b")), gzip: true },
    {
      // routes/sync.ts reads a result's start itself and leaves the stream paused, its bytes put back: a 'data' listener
      // alone does not restart an explicitly paused stream, and the start would wait the wait (http.smallBodyWaitSeconds) for nothing
      // (then be gzipped although it had ended).
      what: "a small stream left paused, with its end already read",
      make: () => {
        const body = new Readable({ read() {} });
        body.push(Buffer.alloc(100, "a"));
        body.push(null);
        body.pause();
        return { body, bytes: Buffer.alloc(100, "a") };
      },
      gzip: false,
    },
    {
      what: "a small stream that ends after the wait (http.smallBodyWaitSeconds)",
      make: () => {
        // It ends only after the headers have gone out: whatever the machine's load, the wait is over by then.
        const body = new Readable({ read() {} });
        body.push(Buffer.alloc(100, "a"));
        return { body, bytes: Buffer.alloc(100, "a"), end: () => body.push(null) };
      },
      gzip: true,
    },
    {
      what: "a stream that fails before SMALL_BODY bytes",
      make: () => {
        let n = 0;
        const body = new Readable({
          read() {
            if (n++ === 0) this.push(Buffer.alloc(100, "a"));
            else this.destroy(new Error("the query failed"));
          },
        });
        return { body, bytes: Buffer.alloc(100, "a") };
      },
      gzip: true,
      cut: true,
    },
  ];
  for (const c of sizes) {
    it(`${c.what}: ${c.gzip ? "gzip" : "identity, with its Content-Length"}${c.cut ? ", a 200 cut short" : ""}`, async () => {
      const app = new Koa();
      app.silent = true;
      app.use(compression());
      const { body, bytes, end } = c.make();
      app.use((ctx) => {
        ctx.set("Content-Type", "text/csv");
        ctx.body = body;
      });
      const server = app.listen(0, "127.0.0.1");
      await once(server, "listening");
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        if (c.cut) {
          // The headers go out (200, gzip), then the connection is cut: node:http reports an error on the body.
          const got = await new Promise<{ status: number; encoding: unknown; error: unknown }>((resolve, reject) => {
            request(url, { headers: GZIP }, (res) => {
              res.on("error", (error) => resolve({ status: res.statusCode!, encoding: res.headers["content-encoding"], error }));
              res.on("end", () => resolve({ status: res.statusCode!, encoding: res.headers["content-encoding"], error: undefined }));
              res.resume();
            })
              .on("error", reject)
              .end();
          });
          expect(got).to.include({ status: 200, encoding: "gzip" });
          expect(got.error).to.be.instanceOf(Error);
          return;
        }
        const r = await get(url, GZIP, "GET", end);
        expect(r.status).to.equal(200);
        expect(r.headers.vary).to.match(/accept-encoding/i);
        expect(r.headers["content-encoding"]).to.equal(c.gzip ? "gzip" : undefined);
        if (c.gzip) expect(gunzipSync(r.body).equals(bytes)).to.equal(true);
        else {
          expect(r.body.equals(bytes)).to.equal(true);
          expect(r.headers["content-length"]).to.equal(String(r.body.length));
        }
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });
  }

  it("each chunk of a stream is flushed: the client decodes the first chunk before the stream ends (Z_SYNC_FLUSH)", async () => {
    const source = new Readable({ read() {} });
    const app = new Koa();
    app.use(compression());
    app.use((ctx) => {
      ctx.set("Content-Type", "text/csv");
      ctx.body = source;
    });
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      source.push("a,b\n1,2\n");
      const decoded: string[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { headers: GZIP }, (res) => {
          expect(res.headers["content-encoding"]).to.equal("gzip");
          const gunzip = createGunzip();
          res.pipe(gunzip);
          gunzip.on("data", (c: Buffer) => decoded.push(c.toString()));
          gunzip.on("end", () => resolve());
          gunzip.on("error", reject);
        })
          .on("error", reject)
          .end();
      });
      // The source has not ended: only a flush can have sent these bytes.
      await until("the first chunk is decoded", () => decoded.join("") === "a,b\n1,2\n", 10_000);
      source.push("3,4\n");
      source.push(null);
      await ended;
      expect(decoded.join("")).to.equal("a,b\n1,2\n3,4\n");
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("a trailing INFO after the rows (here MAXREC's OVERFLOW, DALI 1.2 §5.4.2) arrives whole inside the gzip stream", async () => {
    const { url } = await demoService();
    // The error INFO of a query that fails mid-way is written by the same document tail (votable stream.ts).
    const q = `${url}/sync?${new URLSearchParams({ LANG: "ADQL", QUERY: "SELECT star_id, ra FROM demo.stars", RESPONSEFORMAT: "votable/td", MAXREC: "30000" })}`;
    const plain = await get(q);
    const gz = await get(q, GZIP);
    expect(gz.status).to.equal(200);
    expect(gz.headers["content-encoding"]).to.equal("gzip");
    const text = gunzipSync(gz.body).toString("utf8");
    expect(text).to.match(/<\/TABLE>\s*<INFO name="QUERY_STATUS" value="OVERFLOW"\/>\s*<\/RESOURCE>\s*<\/VOTABLE>\s*$/);
    expect(sameRequestTime(text)).to.equal(sameRequestTime(plain.body.toString("utf8")));
  });
});
