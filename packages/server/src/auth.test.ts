/**
 * Who owns a job, over HTTP (issue 11, findings 5 and 6): anonymous clients see only their own
 * jobs in the list and reach a job only through its URL; a user's job is a 404 for anyone else,
 * exactly like a missing job; bearer tokens from a file; a proxy's user header believed only
 * from the proxy. Requests come from different loopback addresses (127.0.0.2, .3, ...), which
 * Linux routes to this host, to play different clients.
 */
import { expect } from "chai";
import { request } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFrom, ConfigError } from "./config.js";
import { startService, type Running } from "./test-support/service.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request from a chosen source address. */
function send(url: string, o: { from: string; method?: string; headers?: Record<string, string>; form?: Record<string, string> }): Promise<Reply> {
  const body = o.form ? new URLSearchParams(o.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: o.method ?? (body ? "POST" : "GET"),
        localAddress: o.from,
        headers: { ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...(o.headers ?? {}) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(parts).toString("utf8") }));
      },
    );
    req.on("error", reject);
    // A Buffer: with a string body, Node writes the headers in the body's encoding (UTF-8), not as the bytes given.
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

const JOB = { LANG: "ADQL", QUERY: "SELECT TOP 1 table_name FROM TAP_SCHEMA.tables" };
const jobIds = (xml: string) => [...xml.matchAll(/<uws:jobref id="([^"]+)"/g)].map((m) => m[1]);

/** Creates a job as `who`; returns its URL. */
async function create(base: string, who: { from: string; headers?: Record<string, string> }): Promise<string> {
  const r = await send(`${base}/async`, { ...who, form: JOB });
  expect(r.status, r.text).to.equal(303);
  return String(r.headers.location);
}

describe("server authentication and job ownership", function () {
  this.timeout(60_000);
  let dir: string;
  const running: Running[] = [];
  const logs: string[] = [];
  const TOKENS = { "alice-token-0123456789abcdef": "alice", "bob-token-0123456789abcdef00": "bob" };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tap-auth-"));
    writeFileSync(join(dir, "tokens.json"), JSON.stringify({ tokens: TOKENS }));
  });
  after(async () => {
    for (const r of running) await r.close();
    rmSync(dir, { recursive: true, force: true });
    // No token ever reaches a log line (DEVELOPERS: "No token is ever logged").
    for (const token of Object.keys(TOKENS)) expect(logs.join("\n")).not.to.include(token);
  });
  // Without the demo catalog (TAP_SCHEMA is enough to own jobs), whose tables and images take most of a start, nor an
  // image service (its registry and ivoa.ObsCore took a fifth of the rest). One service per settings: the token tests
  // share theirs.
  const started = new Map<string, Promise<string>>();
  const start = (auth: Record<string, unknown>): Promise<string> => {
    const key = JSON.stringify(auth);
    let url = started.get(key);
    if (!url) {
      url = startService({ auth, demo: false, images: { registry: "none" } }, { log: (m) => logs.push(m) }).then((r) => {
        running.push(r);
        return r.url;
      });
      started.set(key, url);
    }
    return url;
  };

  it("anonymous: each client lists only its own jobs; a job URL is a capability", async () => {
    const base = await start({ mode: "none" });
    const a = await create(base, { from: "127.0.0.2" });
    const b = await create(base, { from: "127.0.0.3" });
    const idOf = (u: string) => u.slice(u.lastIndexOf("/") + 1);
    expect(idOf(a)).to.match(/^[0-9a-f]{40}$/);
    const LISTS: [string, string[]][] = [
      ["127.0.0.2", [idOf(a)]],
      ["127.0.0.3", [idOf(b)]],
      ["127.0.0.4", []],
    ];
    for (const [from, expected] of LISTS) expect(jobIds((await send(`${base}/async`, { from })).text), from).to.deep.equal(expected);
    // Whoever holds the URL holds the job.
    expect((await send(a, { from: "127.0.0.4" })).status).to.equal(200);
  });

  it("token: a user's job is a 404 for everyone else, as a missing job is", async () => {
    const base = await start({ mode: "token", tokenFile: join(dir, "tokens.json") });
    const alice = { from: "127.0.0.2", headers: { authorization: "Bearer alice-token-0123456789abcdef" } };
    const bob = { from: "127.0.0.2", headers: { authorization: "Bearer bob-token-0123456789abcdef00" } };
    const anonymous = { from: "127.0.0.2" };
    const job = await create(base, alice);
    const id = job.slice(job.lastIndexOf("/") + 1);
    expect((await send(`${job}/owner`, alice)).text).to.equal("alice");
    expect(jobIds((await send(`${base}/async`, alice)).text)).to.deep.equal([id]);
    expect(jobIds((await send(`${base}/async`, bob)).text)).to.deep.equal([]);
    expect(jobIds((await send(`${base}/async`, anonymous)).text)).to.deep.equal([]);
    const missing = await send(`${base}/async/${"0".repeat(40)}`, bob);
    expect(missing.status).to.equal(404);
    const REQUESTS: [string, string, string, Record<string, string>?][] = [
      ["GET", "", "the job"],
      ["GET", "/results", "its results"],
      ["GET", "/parameters", "its parameters"],
      ["GET", "/phase", "its phase"],
      ["POST", "/phase", "a phase change", { PHASE: "RUN" }],
      ["POST", "", "a deletion", { ACTION: "DELETE" }],
      ["DELETE", "", "a DELETE"],
    ];
    const others: [string, { from: string; headers?: Record<string, string> }][] = [
      ["bob", bob],
      ["anonymous", anonymous],
    ];
    for (const [name, who] of others) {
      for (const [method, path, what, form] of REQUESTS) {
        const r = await send(`${job}${path}`, { ...who, method, ...(form ? { form } : {}) });
        expect(r.status, `${what} by ${name}`).to.equal(404);
        expect(r.text.replace(id, "ID")).to.equal(missing.text.replace("0".repeat(40), "ID"));
      }
    }
    // Still there, untouched.
    expect((await send(`${job}/phase`, alice)).text).to.equal("PENDING");
  });

  it("token: a token that is not in the file is a 401 with WWW-Authenticate, and is never repeated", async () => {
    const base = await start({ mode: "token", tokenFile: join(dir, "tokens.json") });
    const r = await send(`${base}/sync`, { from: "127.0.0.2", headers: { authorization: "Bearer not-a-token-of-ours-0000" }, form: JOB });
    expect(r.status).to.equal(401);
    expect(r.headers["www-authenticate"]).to.match(/^Bearer/);
    expect(r.text).to.include("QUERY_STATUS").and.include("The bearer token is not valid").and.not.include("not-a-token-of-ours");
  });

  it("token without anonymous access: 401 without a token, except for the VOSI documents", async () => {
    const base = await start({ mode: "token", tokenFile: join(dir, "tokens.json"), allowAnonymous: false });
    const CASES: [string, string, number][] = [
      ["POST", "/sync", 401],
      ["GET", "/async", 401],
      ["GET", "/tables", 401],
      ["GET", "/capabilities", 200],
      ["GET", "/availability", 200],
    ];
    for (const [method, path, status] of CASES) {
      const r = await send(`${base}${path}`, { from: "127.0.0.2", method, ...(method === "POST" ? { form: JOB } : {}) });
      expect(r.status, path).to.equal(status);
    }
    const ok = await send(`${base}/sync`, { from: "127.0.0.2", headers: { authorization: "Bearer alice-token-0123456789abcdef" }, form: JOB });
    expect(ok.status).to.equal(200);
  });

  it("trusted-header: the user header counts only from the configured proxy", async () => {
    const base = await start({ mode: "trusted-header", header: "X-Auth-Request-User", trustedProxies: ["127.0.0.5"] });
    const viaProxy = { from: "127.0.0.5", headers: { "x-auth-request-user": "alice", "x-forwarded-for": "198.51.100.9" } };
    const job = await create(base, viaProxy);
    expect((await send(`${job}/owner`, viaProxy)).text).to.equal("alice");
    // A name beyond ASCII comes in UTF-8 (Node reads header bytes as latin1); bytes that are not UTF-8 as latin1.
    for (const [bytes, owner] of [[Buffer.from("josé", "utf8"), "josé"], [Buffer.from("jos\xe9", "latin1"), "josé"]] as const) {
      const as = { from: "127.0.0.5", headers: { "x-auth-request-user": bytes.toString("latin1") } };
      expect((await send(`${await create(base, as)}/owner`, as)).text, bytes.toString("hex")).to.equal(owner);
    }
    const direct = await send(`${base}/async`, { from: "127.0.0.2", headers: { "x-auth-request-user": "alice" } });
    expect(direct.status).to.equal(403);
    expect(direct.text).to.include("accepted only from the service's proxy");
    // Without the header, the direct client is anonymous and sees nothing of alice's.
    expect(jobIds((await send(`${base}/async`, { from: "127.0.0.2" })).text)).to.deep.equal([]);
    expect((await send(job, { from: "127.0.0.2" })).status).to.equal(404);
  });

  const CONFIGS: [string, Record<string, unknown>, Record<string, string>, RegExp | null][] = [
    ["trusted-header on all interfaces without proxies", { host: "0.0.0.0", auth: { mode: "trusted-header" } }, {}, /needs auth.trustedProxies/],
    ["trusted-header on loopback without proxies", { auth: { mode: "trusted-header" } }, {}, null],
    ["the old owner header, on all interfaces", { host: "0.0.0.0" }, { TAP_ASYNC_OWNER_HEADER: "X-Remote-User" }, /needs auth.trustedProxies/],
    ["token without a file", { auth: { mode: "token" } }, {}, /needs auth.tokenFile/],
    ["an unknown mode", {}, { TAP_AUTH: "basic" }, /must be none, token or trusted-header/],
    ["a proxy that is not an address", { auth: { mode: "trusted-header", trustedProxies: ["proxy.example"] } }, {}, null],
  ];
  for (const [name, file, env, error] of CONFIGS) {
    it(`configuration: ${name} ${error ? "is refused at start" : "is accepted"}`, () => {
      const load = () => configFrom(file, env);
      if (error) expect(load).to.throw(ConfigError, error);
      else expect(load).not.to.throw();
    });
  }

  it("configuration: a proxy that is not an address stops the start of the service", async () => {
    // Without the demo catalog nor images, as above: the start reads the proxies after loading them, and stops all the same.
    const err = await startService({ auth: { mode: "trusted-header", trustedProxies: ["proxy.example"] }, demo: false, images: { registry: "none" } }).then(
      (r) => {
        running.push(r);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/"proxy.example" is not an IP address/);
  });
});
