/**
 * The guard in front of URL uploads (DALI 1.1 §4.3.5 makes http(s) uploads mandatory; the guard
 * keeps them from reaching what only the service can reach): which addresses are refused, how
 * the URL forms that URL parsing normalises reach them, the allowlist of URL prefixes, the
 * service's own URLs, and a connection made to the checked address. No case uses the network:
 * names are resolved by a table, and the one server is on 127.0.0.1.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { ConfigError, configFrom, type UploadUrlConfig } from "./config.js";
import { hasTool, needTool } from "./test-support/service.js";
import { addressRefusal, guardedFetch, parseUrlPrefix, redactUrl, underPrefix, UrlFetchError, type GuardedFetchOptions } from "./url-fetch.js";

/** [address, what the refusal says, or null when the address is public]. */
const ADDRESSES: [string, RegExp | null][] = [
  ["127.0.0.1", /^loopback \(127\.0\.0\.0\/8\)$/],
  ["127.255.255.254", /^loopback/],
  ["10.1.2.3", /^private \(RFC 1918\)/],
  ["172.16.0.1", /^private \(RFC 1918\)/],
  ["172.31.255.255", /^private \(RFC 1918\)/],
  ["172.32.0.1", null],
  ["192.168.1.1", /^private \(RFC 1918\)/],
  ["169.254.169.254", /^a cloud metadata service \(AWS, Azure, Google, OpenStack\)/],
  ["169.254.170.2", /^a cloud metadata service \(AWS ECS task\)/],
  ["169.254.1.1", /^link-local/],
  ["100.64.0.1", /carrier-grade NAT/],
  ["100.127.255.255", /carrier-grade NAT/],
  ["100.128.0.1", null],
  ["100.100.100.200", /^a cloud metadata service \(Alibaba\)/],
  ["192.0.0.192", /^a cloud metadata service \(Oracle\)/],
  ["0.0.0.0", /^unspecified/],
  ["0.1.2.3", /^unspecified/],
  ["224.0.0.1", /^multicast/],
  ["239.255.255.250", /^multicast/],
  ["255.255.255.255", /^broadcast/],
  ["240.0.0.1", /^reserved/],
  ["192.0.2.1", /^documentation/],
  ["198.18.0.1", /^benchmarking/],
  ["8.8.8.8", null],
  ["1.1.1.1", null],
  ["93.184.215.14", null],
  ["::1", /^loopback \(::1\/128\)$/],
  ["0:0:0:0:0:0:0:1", /^loopback/],
  ["[::1]", /^loopback/],
  ["::", /^unspecified/],
  ["::ffff:127.0.0.1", /^IPv4-mapped form of 127\.0\.0\.1, loopback/],
  ["::ffff:7f00:1", /^IPv4-mapped form of 127\.0\.0\.1, loopback/],
  ["::ffff:169.254.169.254", /^IPv4-mapped form of 169\.254\.169\.254, a cloud metadata service/],
  ["::ffff:10.0.0.1", /^IPv4-mapped form of 10\.0\.0\.1, private/],
  ["::ffff:8.8.8.8", null],
  ["64:ff9b::7f00:1", /^NAT64 \(RFC 6052\) form of 127\.0\.0\.1, loopback/],
  ["64:ff9b::808:808", null],
  ["64:ff9b:1::1", /^local-use NAT64/],
  ["2002:7f00:1::1", /^6to4 \(RFC 3056\) form of 127\.0\.0\.1, loopback/],
  ["2002:a9fe:a9fe::1", /^6to4 .* form of 169\.254\.169\.254, a cloud metadata service/],
  ["2002:808:808::1", null],
  ["::7f00:1", /^reserved \(outside 2000::\/3/],
  ["fc00::1", /^unique local \(private, RFC 4193\)/],
  ["fd12:3456::1", /^unique local/],
  ["fd00:ec2::254", /^a cloud metadata service \(AWS, IPv6\)/],
  ["fe80::1", /^link-local/],
  ["fe80::1%eth0", /^link-local/],
  ["febf::1", /^link-local/],
  ["fec0::1", /^site-local/],
  ["ff02::1", /^multicast/],
  ["100::1", /^discard-only/],
  ["2001:db8::1", /^documentation/],
  ["3fff::1", /^documentation/],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", /^IETF protocol assignments \(Teredo/],
  ["4000::1", /^reserved/],
  ["2606:4700:4700::1111", null],
  ["2a00:1450:4001:80b::200e", null],
  ["localhost", /^not an IP address$/],
  ["1.2.3", /^not an IP address$/],
  ["1.2.3.256", /^not an IP address$/],
];

/**
 * URLs whose host URL parsing (WHATWG) rewrites, and what the guard then refuses: [URL, the
 * names the lookup table knows, what the log says]. None reaches a connection.
 */
const URLS: [string, Record<string, string[]>, RegExp][] = [
  ["http://127.0.0.1/", {}, /^127\.0\.0\.1 is loopback/],
  ["http://2130706433/", {}, /^127\.0\.0\.1 is loopback/],
  ["http://0x7f.1/", {}, /^127\.0\.0\.1 is loopback/],
  ["http://0x7f000001/", {}, /^127\.0\.0\.1 is loopback/],
  ["http://0177.0.0.1/", {}, /^127\.0\.0\.1 is loopback/],
  ["http://127.1/", {}, /^127\.0\.0\.1 is loopback/],
  ["http://127.0.0.1./", {}, /^127\.0\.0\.1 is loopback/],
  ["http://%31%32%37.0.0.1/", {}, /^127\.0\.0\.1 is loopback/],
  ["http://evil@127.0.0.1/", {}, /^127\.0\.0\.1 is loopback/],
  ["http://user:secret@127.0.0.1:8443/x", {}, /^127\.0\.0\.1 is loopback/],
  ["http://0/", {}, /^0\.0\.0\.0 is unspecified/],
  ["http://0xa9fea9fe/latest/meta-data/", {}, /^169\.254\.169\.254 is a cloud metadata service/],
  ["http://[::1]:8080/", {}, /^::1 is loopback/],
  ["http://[0:0:0:0:0:0:0:1]/", {}, /^::1 is loopback/],
  ["http://[::ffff:127.0.0.1]/", {}, /^::ffff:7f00:1 is IPv4-mapped form of 127\.0\.0\.1, loopback/],
  ["http://[::ffff:a9fe:a9fe]/", {}, /IPv4-mapped form of 169\.254\.169\.254, a cloud metadata service/],
  ["http://[fd00:ec2::254]/", {}, /^fd00:ec2::254 is a cloud metadata service/],
  // The user part is not the host: example.org is, and it is looked up.
  ["http://127.0.0.1@example.org/", { "example.org": ["10.0.0.1"] }, /^example\.org has the address 10\.0\.0\.1, which is private/],
  ["http://127.0.0.1:80@example.org/", { "example.org": ["10.0.0.1"] }, /^example\.org has the address 10\.0\.0\.1/],
  ["http://metadata.google.internal/computeMetadata/v1/", { "metadata.google.internal": ["169.254.169.254"] }, /which is a cloud metadata service/],
  ["http://localhost./", { "localhost.": ["127.0.0.1", "::1"] }, /^localhost\. has the address 127\.0\.0\.1, which is loopback/],
  ["http://LOCALHOST/", { localhost: ["::1"] }, /^localhost has the address ::1, which is loopback/],
  // Every address counts, not only the first: the connection could go to any.
  ["http://mixed.example/", { "mixed.example": ["93.184.215.14", "192.168.0.7"] }, /^mixed\.example has the address 192\.168\.0\.7, which is private/],
  ["http://mapped.example/", { "mapped.example": ["::ffff:127.0.0.1"] }, /has the address ::ffff:127\.0\.0\.1, which is IPv4-mapped form of 127\.0\.0\.1/],
  ["http://nowhere.invalid/", {}, /^the name nowhere\.invalid does not resolve \(ENOTFOUND\)/],
  ["http://empty.example/", { "empty.example": [] }, /resolves to no usable address/],
];

/** [prefix, URL, covered]. */
const PREFIXES: [string, string, boolean][] = [
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votables/a.xml", true],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votables/deep/a.xml?x=1", true],
  ["http://127.0.0.1:9000/votables/", "http://user:pw@127.0.0.1:9000/votables/a.xml", true],
  ["http://127.0.0.1:9000/votables/", "http://2130706433:9000/votables/a.xml", true],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1.:9000/votables/a.xml", true],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9001/votables/a.xml", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1/votables/a.xml", false],
  ["http://127.0.0.1:9000/votables/", "https://127.0.0.1:9000/votables/a.xml", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.2:9000/votables/a.xml", false],
  ["http://127.0.0.1:9000/votables/", "http://localhost:9000/votables/a.xml", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/other/a.xml", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votables", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votablesX/a.xml", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votables/../secret", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votables/%2e%2e/secret", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votables/.%2E/secret", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votables/..%2fsecret", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votables/..%5Csecret", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000/votables\\..\\secret", false],
  ["http://127.0.0.1:9000/votables/", "http://127.0.0.1:9000@evil.example/votables/a.xml", false],
  ["http://files.internal/data", "http://files.internal/data", true],
  ["http://files.internal/data", "http://files.internal/data/x.xml", true],
  ["http://files.internal/data", "http://files.internal/database", false],
  ["http://files.internal/data", "http://FILES.Internal:80/data/x.xml", true],
  ["http://files.internal/data", "http://files.internal./data/x.xml", true],
  ["http://files.internal./data", "http://files.internal/data/x.xml", true],
  ["http://files.internal/data", "http://files.internal:8080/data/x.xml", false],
  ["https://files.internal/", "https://files.internal:443/x.xml", true],
  ["https://files.internal/", "http://files.internal/x.xml", false],
  ["http://[::1]:9000/", "http://[0:0::1]:9000/x.xml", true],
  ["http://[::1]:9000/", "http://127.0.0.1:9000/x.xml", false],
];

const BAD_PREFIXES: [string, RegExp][] = [
  ["files.internal/data", /is not a URL prefix like http:\/\/10\.1\.2\.3:9000\/votables\//],
  ["ftp://files.internal/", /only http and https URLs can be allowed/],
  ["file:///etc/", /only http and https URLs can be allowed/],
  ["http://user:pw@files.internal/", /has no user or password/],
  ["http://files.internal/data?x=1", /has no query or fragment/],
  ["http://files.internal/data#top", /has no query or fragment/],
];

function options(names: Record<string, string[]>, extra: Partial<GuardedFetchOptions> = {}): GuardedFetchOptions {
  return {
    allow: [],
    service: { baseUrl: "http://tap.example.org/tap", host: "127.0.0.1", port: 8080 },
    timeoutMs: 5000,
    connectTimeoutMs: 1000,
    maxRedirects: 5,
    lookup: (name) => {
      const known = names[name];
      return known ? Promise.resolve(known) : Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" }));
    },
    ...extra,
  };
}

async function refusal(url: string, opts: GuardedFetchOptions): Promise<string> {
  try {
    const fetched = await guardedFetch(new URL(url), opts);
    fetched.close();
  } catch (e) {
    expect(e).to.be.instanceOf(UrlFetchError);
    return (e as Error).message;
  }
  throw new Error(`${url} was fetched`);
}

describe("server URL upload guard: addresses (IANA special-purpose registries)", () => {
  for (const [address, want] of ADDRESSES) {
    it(`${address}: ${want === null ? "public" : want.source}`, () => {
      const got = addressRefusal(address);
      if (want === null) expect(got).to.equal(undefined);
      else expect(got).to.match(want);
    });
  }
});

describe("server URL upload guard: URL forms that reach a refused address", () => {
  for (const [url, names, want] of URLS) {
    it(url, async () => {
      expect(await refusal(url, options(names))).to.match(want);
    });
  }
});

describe("server URL upload guard: the allowlist of URL prefixes", () => {
  for (const [prefix, url, covered] of PREFIXES) {
    it(`${prefix} ${covered ? "covers" : "does not cover"} ${url}`, () => {
      expect(underPrefix(new URL(url), parseUrlPrefix(prefix))).to.equal(covered);
    });
  }
  for (const [prefix, want] of BAD_PREFIXES) {
    it(`refuses the entry ${prefix}`, () => {
      expect(() => parseUrlPrefix(prefix)).to.throw(want);
    });
  }
});

describe("server URL upload guard: the service's own URLs, even when allowlisted", () => {
  /** [service, URL, names, what the log says]. */
  const cases: [GuardedFetchOptions["service"], string, Record<string, string[]>, RegExp][] = [
    [{ baseUrl: "https://tap.example.org/tap", host: "127.0.0.1", port: 8080 }, "https://tap.example.org/tap/sync?QUERY=x", {}, /service's own URL \(https:\/\/tap\.example\.org\)/],
    [{ baseUrl: "https://tap.example.org/tap", host: "127.0.0.1", port: 8080 }, "https://TAP.example.org.:443/other", {}, /service's own URL/],
    [{ baseUrl: "https://tap.example.org/tap", host: "127.0.0.1", port: 8080 }, "http://tap.example.org:443/tap", {}, /service's own URL/],
    // A proxy in front commonly answers http too (redirecting to https).
    [{ baseUrl: "https://tap.example.org/tap", host: "127.0.0.1", port: 8080 }, "http://tap.example.org/tap/sync", {}, /service's own URL/],
    [{ baseUrl: "http://tap.example.org:8000/tap", host: "127.0.0.1", port: 8080 }, "https://tap.example.org/tap/sync", {}, /service's own URL/],
    [{ baseUrl: "https://tap.example.org/tap", host: "127.0.0.1", port: 8080 }, "http://127.0.0.1:8080/tap/sync", {}, /service's own listening address \(port 8080\)/],
    [{ baseUrl: "https://tap.example.org/tap", host: "0.0.0.0", port: 8080 }, "http://127.0.0.1:8080/tap/sync", {}, /service's own listening address/],
    [{ baseUrl: "https://tap.example.org/tap", host: "::", port: 8080 }, "http://[::ffff:127.0.0.1]:8080/tap", {}, /service's own listening address/],
    [{ baseUrl: "https://tap.example.org/tap", host: "localhost", port: 8080 }, "http://me.example:8080/tap", { localhost: ["127.0.0.1"], "me.example": ["127.0.0.1"] }, /service's own listening address/],
    [
      { baseUrl: "https://tap.example.org/tap", host: "127.0.0.1", port: 8080 },
      "https://alias.example.net/tap/sync",
      { "tap.example.org": ["93.184.215.14"], "alias.example.net": ["93.184.215.14"] },
      /service's public address \(tap\.example\.org\)/,
    ],
  ];
  for (const [service, url, names, want] of cases) {
    it(`${url} for a service at ${service.baseUrl}, listening on ${service.host}:${service.port}`, async () => {
      const allow = ["https://tap.example.org/", "http://tap.example.org:443/", "http://tap.example.org/", "http://127.0.0.1:8080/", "http://[::ffff:7f00:1]:8080/", "http://me.example:8080/", "https://alias.example.net/"].map(parseUrlPrefix);
      expect(await refusal(url, options(names, { service, allow }))).to.match(want);
    });
  }
});

describe("server URL upload guard: the connection", () => {
  it("goes to the checked address, with the URL's host name in the Host header, never to a second lookup's", async () => {
    const hosts: string[] = [];
    const server = createServer((req, res) => {
      hosts.push(req.headers.host ?? "");
      res.end("<VOTABLE/>");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    try {
      // The system cannot resolve rebind.invalid: only the guard's own lookup can, once.
      let lookups = 0;
      const opts = options({}, {
        allow: [parseUrlPrefix(`http://rebind.invalid:${port}/`)],
        lookup: () => (lookups++ === 0 ? Promise.resolve(["127.0.0.1"]) : Promise.resolve(["10.9.9.9"])),
      });
      const fetched = await guardedFetch(new URL(`http://rebind.invalid:${port}/t.xml`), opts);
      const chunks: Buffer[] = [];
      for await (const c of fetched.body) chunks.push(Buffer.from(c));
      expect(Buffer.concat(chunks).toString()).to.equal("<VOTABLE/>");
      expect(hosts).to.deep.equal([`rebind.invalid:${port}`]);
      expect(lookups).to.equal(1);
    } finally {
      server.close();
    }
  });

  it("tries each checked address of a name in turn (an IPv6 one that refuses, then IPv4)", async () => {
    const server = createServer((_req, res) => res.end("<VOTABLE/>"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    try {
      const opts = options({ "dual.invalid": ["::1", "127.0.0.1"] }, { allow: [parseUrlPrefix(`http://dual.invalid:${port}/`)] });
      const fetched = await guardedFetch(new URL(`http://dual.invalid:${port}/t.xml`), opts);
      const chunks: Buffer[] = [];
      for await (const c of fetched.body) chunks.push(Buffer.from(c));
      expect(Buffer.concat(chunks).toString()).to.equal("<VOTABLE/>");
    } finally {
      server.close();
    }
  });

  it("is not made to an address that a redirect leads to, and the redirect is named in the log", async () => {
    const server = createServer((req, res) => {
      res.statusCode = 302;
      res.setHeader("location", "http://169.254.169.254/latest/meta-data/");
      res.end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    try {
      const message = await refusal(`http://127.0.0.1:${port}/r`, options({}, { allow: [parseUrlPrefix(`http://127.0.0.1:${port}/`)] }));
      expect(message).to.equal("169.254.169.254 is a cloud metadata service (AWS, Azure, Google, OpenStack) (169.254.169.254/32), and no allowlist entry covers the URL (at http://169.254.169.254/latest/meta-data/, after a redirect)");
    } finally {
      server.close();
    }
  });

  it("over https, names the URL's host to TLS (SNI) and checks the certificate against it", async function () {
    needTool(this, hasTool("openssl"), "openssl");
    const dir = mkdtempSync(join(tmpdir(), "tap-tls-"));
    try {
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=tls.invalid", "-days", "1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
      const names: string[] = [];
      const server = createTlsServer({
        key: readFileSync(join(dir, "key.pem")),
        cert: readFileSync(join(dir, "cert.pem")),
        SNICallback: (name, cb) => {
          names.push(name);
          cb(null);
        },
      }, (_req, res) => res.end("<VOTABLE/>"));
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      const port = (server.address() as AddressInfo).port;
      try {
        const opts = options({ "tls.invalid": ["127.0.0.1"] }, { allow: [parseUrlPrefix(`https://tls.invalid:${port}/`)] });
        // A certificate no authority signed: the connection is refused, so it was checked.
        expect(await refusal(`https://tls.invalid:${port}/t.xml`, opts)).to.match(/self.signed certificate/);
        expect(names).to.deep.equal(["tls.invalid"]);
      } finally {
        server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is logged without the URL's user, password, query or fragment", () => {
    expect(redactUrl(new URL("https://alice:s3cret@data.example.org:8443/t.xml?token=abc#x"))).to.equal("https://data.example.org:8443/t.xml?…");
  });
});

describe("server URL upload configuration (uploadUrls, TAP_UPLOAD_URL_*)", () => {
  /** [JSON file, environment, the settings or the start-up error]. */
  const cases: [Record<string, unknown>, Record<string, string>, Partial<UploadUrlConfig> | RegExp][] = [
    [{}, {}, { enabled: true, allow: [], timeoutSeconds: 120, connectTimeoutSeconds: 10, maxRedirects: 5 }],
    [{ uploadUrls: { enabled: false } }, {}, { enabled: false }],
    [{}, { TAP_UPLOAD_URLS: "false" }, { enabled: false }],
    [{ uploadUrls: { enabled: false } }, { TAP_UPLOAD_URLS: "1" }, { enabled: true }],
    [{}, { TAP_UPLOAD_URLS: "off" }, /TAP_UPLOAD_URLS \(uploadUrls\.enabled\) must be true or false, not "off"/],
    [{ uploadUrls: { allow: ["http://10.1.2.3:9000/votables/"] } }, {}, { allow: ["http://10.1.2.3:9000/votables/"] }],
    [{}, { TAP_UPLOAD_URL_ALLOW: "http://10.1.2.3:9000/a/, https://files.internal/" }, { allow: ["http://10.1.2.3:9000/a/", "https://files.internal/"] }],
    [{}, { TAP_UPLOAD_URL_ALLOW: "10.1.2.3" }, /uploadUrls\.allow \(TAP_UPLOAD_URL_ALLOW\): "10\.1\.2\.3" is not a URL prefix/],
    [{ uploadUrls: { allow: ["http://u:p@files.internal/"] } }, {}, /has no user or password/],
    [{ uploadUrls: { timeoutSeconds: 0.5, connectTimeoutSeconds: 0.25 } }, {}, { timeoutSeconds: 0.5, connectTimeoutSeconds: 0.25 }],
    [{}, { TAP_UPLOAD_URL_TIMEOUT: "30", TAP_UPLOAD_URL_CONNECT_TIMEOUT: "2" }, { timeoutSeconds: 30, connectTimeoutSeconds: 2 }],
    [{}, { TAP_UPLOAD_URL_TIMEOUT: "0" }, /TAP_UPLOAD_URL_TIMEOUT \(uploadUrls\.timeoutSeconds\) must be a positive number of seconds up to 2147483 \(24\.8 days\), not "0"/],
    [{ uploadUrls: { connectTimeoutSeconds: "5" } }, {}, /uploadUrls\.connectTimeoutSeconds must be a positive number of seconds up to 2147483 \(24\.8 days\), not "5"/],
    [{ uploadUrls: { maxRedirects: -1 } }, {}, /uploadUrls\.maxRedirects must be a non-negative integer/],
    // The host allowlist of earlier versions let any port and path through: refused at start, with the way out.
    [{ uploadUrlHosts: ["data.example.org"] }, {}, /uploadUrlHosts \(TAP_UPLOAD_URL_HOSTS\) is no longer read: .* uploadUrls\.allow \(TAP_UPLOAD_URL_ALLOW\), e\.g\. http:\/\/data\.example\.org:8000\/votables\//],
    [{}, { TAP_UPLOAD_URL_HOSTS: "127.0.0.1" }, /uploadUrlHosts \(TAP_UPLOAD_URL_HOSTS\) is no longer read/],
    [{ uploadUrlHosts: [] }, { TAP_UPLOAD_URL_HOSTS: "" }, { enabled: true, allow: [] }],
  ];
  for (const [file, env, want] of cases) {
    it(`${JSON.stringify(file)} ${JSON.stringify(env)}`, () => {
      if (want instanceof RegExp) {
        expect(() => configFrom(file, env)).to.throw(ConfigError, want);
      } else {
        expect(configFrom(file, env).uploadUrls).to.deep.include(want);
      }
    });
  }
});
