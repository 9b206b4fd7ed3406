import { expect } from "chai";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { configFrom } from "../config.js";
import { launchService, type Launched } from "../startup.js";
import type { ServiceDeps } from "../service.js";
import { startService, type Running } from "../test-support/service.js";
import { notReadyBecause } from "./health.js";

/** A port on 127.0.0.1 where nothing listens (taken, then given back). */
async function closedPort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function probe(origin: string, path: string, method = "GET") {
  const r = await fetch(`${origin}${path}`, { method });
  return { status: r.status, type: r.headers.get("content-type"), cache: r.headers.get("cache-control"), text: await r.text() };
}

describe("/healthz and /readyz (issue 15, Operations: health, separate from VOSI availability)", () => {
  describe("before the database is reachable: the launcher answers", () => {
    let launched: Launched | undefined;
    let server: Server | undefined;
    let origin = "";
    before(async () => {
      const dbPort = await closedPort();
      const config = configFrom({
        backend: "mariadb",
        demo: false,
        port: 0,
        mariadb: { host: "127.0.0.1", port: dbPort, user: "tap", password: "secret-pw", database: "tap" },
      });
      launched = await launchService(config, { log: () => {}, retryMs: { first: 60_000, max: 60_000 } });
      server = createServer(launched.handler).listen(0, "127.0.0.1");
      await once(server, "listening");
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server?.closeAllConnections();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      await launched?.close();
    });

    const cases = [
      { path: "/healthz", method: "GET", status: 200, text: "ok\n", why: "alive, even with no database" },
      { path: "/healthz", method: "HEAD", status: 200, text: "", why: "HEAD: no body" },
      { path: "/readyz", method: "GET", status: 503, text: /^not ready: the MariaDB at 127\.0\.0\.1:\d+\/tap cannot be reached \(.*ECONNREFUSED.*\)\n$/, why: "not ready, and why" },
      { path: "/readyz?verbose", method: "GET", status: 503, text: /^not ready: /, why: "a query string does not matter" },
    ];
    for (const c of cases) {
      it(`${c.method} ${c.path} → ${c.status} (${c.why})`, async () => {
        const r = await probe(origin, c.path, c.method);
        expect(r.status).to.equal(c.status);
        expect(r.type).to.equal("text/plain; charset=utf-8");
        expect(r.cache).to.equal("no-store");
        if (typeof c.text === "string") expect(r.text).to.equal(c.text);
        else expect(r.text).to.match(c.text);
        expect(r.text).not.to.contain("secret-pw");
      });
    }

    it("other paths still get the launcher's 503, and while stopping /healthz stays 200 and /readyz says so", async () => {
      expect((await probe(origin, "/tap/capabilities")).status).to.equal(503);
      launched!.stopAccepting();
      expect(await probe(origin, "/healthz")).to.include({ status: 200, text: "ok\n" });
      expect(await probe(origin, "/readyz")).to.include({ status: 503, text: "not ready: the service is stopping\n" });
    });
  });

  describe("once the service is open: its own routes answer", () => {
    let running: Running | undefined;
    before(async () => {
      // Authentication required: probes are public all the same (they carry no credentials).
      running = await startService({ demo: true, auth: { mode: "trusted-header", allowAnonymous: false } });
    });
    after(async () => running?.close());

    const cases = [
      { path: "/healthz", status: 200, text: "ok\n" },
      { path: "/readyz", status: 200, text: "ready\n" },
    ];
    it("the rest of the service needs authentication (so the probes above passed without it)", async () => {
      expect((await probe(new URL(running!.url).origin, "/tap/tables")).status).to.equal(401);
    });
    for (const c of cases) {
      it(`GET ${c.path} → ${c.status}`, async () => {
        const origin = new URL(running!.url).origin;
        expect(await probe(origin, c.path)).to.deep.equal({ status: c.status, type: "text/plain; charset=utf-8", cache: "no-store", text: c.text });
      });
    }
  });

  describe("notReadyBecause: the database's answer, within a timeout", () => {
    const deps = (ping: () => Promise<void>) => {
      const backend = { ping };
      return { backend, tapSchemaStore: backend } as unknown as ServiceDeps;
    };
    const cases = [
      { what: "answers", ping: () => Promise.resolve(), expected: undefined },
      { what: "fails (no path shown)", ping: () => Promise.reject(new Error("IO Error: cannot open /var/lib/tap/db.duckdb")), expected: "the database does not answer: IO Error: cannot open (a path)" },
      { what: "hangs", ping: () => new Promise<void>(() => {}), expected: "the database does not answer: no answer within 0.05 s" },
    ];
    for (const c of cases) {
      it(`the database ${c.what}`, async () => {
        expect(await notReadyBecause(deps(c.ping), 50)).to.equal(c.expected);
      });
    }
  });
});
