/**
 * Fetching a URL that a client names (UPLOAD=name,http(s)://..., DALI 1.1 §4.3.5) without letting
 * the client reach what only the service can reach: server-side request forgery. Each URL, and
 * each redirect's target, is resolved, and refused when any of its addresses is loopback,
 * private, link-local (with the cloud metadata services), shared (CGNAT), multicast, reserved or
 * the service itself, unless an operator's allowlist entry (a URL prefix) covers it. The
 * connection then goes to the address that was checked, not to a second lookup's answer, so a
 * name that changes its address between the check and the connection (DNS rebinding) gains
 * nothing.
 *
 * Every failure is a UrlFetchError whose message says what happened, for the service's log; the
 * client is told the same thing whatever it was, so that the service is no port scanner.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { networkInterfaces } from "node:os";

/** A failed or refused fetch; the message is for the log, never for the client. */
export class UrlFetchError extends Error {
  override name = "UrlFetchError";
}

// ---------------------------------------------------------------------------------------------
// Addresses

interface Address {
  family: 4 | 6;
  value: bigint;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const words = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (const [i, p] of parts.entries()) {
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseV4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-f]{1,4}$/i.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...Array<number>(missing).fill(0), ...tail].reduce((v, w) => (v << 16n) | BigInt(w), 0n);
}

/** An IP address in any of its textual forms ([::1], fe80::1%eth0 included), or undefined. */
export function parseAddress(text: string): Address | undefined {
  const bare = text.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return { family, value: parseV4(bare)! };
  if (family === 6) {
    const value = parseV6(bare);
    return value === undefined ? undefined : { family, value };
  }
  return undefined;
}

function v4Text(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join(".");
}

interface Range {
  cidr: string;
  family: 4 | 6;
  base: bigint;
  bits: number;
  what: string;
}

function range(cidr: string, what: string): Range {
  const [addr, bits] = cidr.split("/") as [string, string];
  const a = parseAddress(addr)!;
  return { cidr, family: a.family, base: a.value, bits: Number(bits), what };
}

function inRange(a: Address, r: Range): boolean {
  const width = a.family === 4 ? 32n : 128n;
  const shift = width - BigInt(r.bits);
  return a.family === r.family && a.value >> shift === r.base >> shift;
}

/**
 * The addresses a client's URL may not reach, the first match naming it (IANA's IPv4 and IPv6
 * special-purpose address registries, RFC 6890, and the metadata services of the clouds, which
 * the broader ranges already cover but the log names).
 */
const REFUSED: readonly Range[] = [
  range("169.254.169.254/32", "a cloud metadata service (AWS, Azure, Google, OpenStack)"),
  range("169.254.170.2/32", "a cloud metadata service (AWS ECS task)"),
  range("100.100.100.200/32", "a cloud metadata service (Alibaba)"),
  range("192.0.0.192/32", "a cloud metadata service (Oracle)"),
  range("fd00:ec2::254/128", "a cloud metadata service (AWS, IPv6)"),
  range("0.0.0.0/8", "unspecified ('this network', RFC 1122)"),
  range("10.0.0.0/8", "private (RFC 1918)"),
  range("100.64.0.0/10", "shared address space, carrier-grade NAT (RFC 6598)"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local (RFC 3927)"),
  range("172.16.0.0/12", "private (RFC 1918)"),
  range("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
  range("192.0.2.0/24", "documentation (RFC 5737)"),
  range("192.88.99.0/24", "6to4 relay anycast (RFC 7526)"),
  range("192.168.0.0/16", "private (RFC 1918)"),
  range("198.18.0.0/15", "benchmarking (RFC 2544)"),
  range("198.51.100.0/24", "documentation (RFC 5737)"),
  range("203.0.113.0/24", "documentation (RFC 5737)"),
  range("224.0.0.0/4", "multicast"),
  range("255.255.255.255/32", "broadcast"),
  range("240.0.0.0/4", "reserved (RFC 1112)"),
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"),
  range("100::/64", "discard-only (RFC 6666)"),
  range("2001::/23", "IETF protocol assignments (Teredo, ORCHID and others; RFC 2928)"),
  range("2001:db8::/32", "documentation (RFC 3849)"),
  range("3fff::/20", "documentation (RFC 9637)"),
  range("fc00::/7", "unique local (private, RFC 4193)"),
  range("fe80::/10", "link-local"),
  range("fec0::/10", "site-local (deprecated, RFC 3879)"),
  range("ff00::/8", "multicast"),
];

/** IPv6 forms that carry an IPv4 address, which is what they reach: [range, bit offset of the IPv4 address from the right]. */
const EMBEDDING: readonly [Range, bigint][] = [
  [range("::ffff:0:0/96", "IPv4-mapped"), 0n],
  [range("64:ff9b::/96", "NAT64 (RFC 6052)"), 0n],
  [range("2002::/16", "6to4 (RFC 3056)"), 80n],
];

const GLOBAL_UNICAST = range("2000::/3", "global unicast");

/**
 * Why a client's URL may not reach this address (for the log), or undefined when it may: the
 * address is a public unicast one.
 */
export function addressRefusal(text: string): string | undefined {
  const a = parseAddress(text);
  if (!a) return "not an IP address";
  if (a.family === 6) {
    for (const [r, offset] of EMBEDDING) {
      if (inRange(a, r)) {
        const v4 = (a.value >> offset) & 0xffffffffn;
        const inner = addressRefusal(v4Text(v4));
        return inner === undefined ? undefined : `${r.what} form of ${v4Text(v4)}, ${inner}`;
      }
    }
  }
  const hit = REFUSED.find((r) => inRange(a, r));
  if (hit) return `${hit.what} (${hit.cidr})`;
  if (a.family === 6 && !inRange(a, GLOBAL_UNICAST)) return "reserved (outside 2000::/3, IPv6's global unicast)";
  return undefined;
}

function sameAddress(a: Address, b: Address): boolean {
  const v4 = (x: Address): Address => (x.family === 6 && inRange(x, EMBEDDING[0]![0]) ? { family: 4, value: x.value & 0xffffffffn } : x);
  const [p, q] = [v4(a), v4(b)];
  return p.family === q.family && p.value === q.value;
}

// ---------------------------------------------------------------------------------------------
// Allowlist: URL prefixes

/** An allowlist entry: scheme, host, port and path prefix. */
export interface UrlPrefix {
  text: string;
  protocol: string;
  hostname: string;
  port: string;
  path: string;
}

function hostOf(url: URL): string {
  // A name's trailing dot (the root) does not make it another host.
  return url.hostname.replace(/\.$/, "");
}

function portOf(url: URL): string {
  return url.port || (url.protocol === "https:" ? "443" : "80");
}

/** Reads an allowlist entry such as http://127.0.0.1:9000/votables/; throws Error saying what is wrong. */
export function parseUrlPrefix(text: string): UrlPrefix {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL prefix like http://10.1.2.3:9000/votables/`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`"${text}": only http and https URLs can be allowed`);
  if (u.username || u.password) throw new Error(`"${text}": a URL prefix has no user or password`);
  if (u.search || u.hash || text.includes("?") || text.includes("#")) throw new Error(`"${text}": a URL prefix has no query or fragment`);
  return { text, protocol: u.protocol, hostname: hostOf(u), port: portOf(u), path: u.pathname };
}

/**
 * Whether the URL is under the prefix: same scheme, host and port, and a path that is the
 * prefix's or below it (a prefix /data matches /data and /data/x, not /database). A path with
 * an encoded slash or backslash is never covered: the server behind could decode it into a
 * separator and climb out of the prefix.
 */
export function underPrefix(url: URL, p: UrlPrefix): boolean {
  if (url.protocol !== p.protocol || hostOf(url) !== p.hostname || portOf(url) !== p.port) return false;
  const path = url.pathname;
  if (/%2f|%5c/i.test(path)) return false;
  if (p.path.endsWith("/")) return path.startsWith(p.path);
  return path === p.path || path.startsWith(p.path + "/");
}

// ---------------------------------------------------------------------------------------------
// The fetch

/** The service's own addresses: a URL that leads back to it is refused (one request would make many). */
export interface ServiceAddress {
  /** The public URL (config.baseUrl). */
  baseUrl: string;
  /** Where the server listens (config.host, config.port). */
  host: string;
  port: number;
}

export interface GuardedFetchOptions {
  /** Prefixes whose URLs may reach otherwise refused addresses. */
  allow: readonly UrlPrefix[];
  service: ServiceAddress;
  /** From the first lookup to the last byte of the body. */
  timeoutMs: number;
  /** For each connection. */
  connectTimeoutMs: number;
  maxRedirects: number;
  signal?: AbortSignal;
  /** Resolves a name to all its addresses: node:dns's lookup by default. */
  lookup?: (hostname: string) => Promise<string[]>;
}

export interface Fetched {
  /** The URL that answered, after redirects. */
  url: URL;
  contentLength: number | undefined;
  /** The body; a failure while reading it (the time limit included) is a UrlFetchError. */
  body: AsyncIterable<Uint8Array>;
  /** Ends the fetch (idempotent); reading the body to its end does it too. */
  close(): void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function defaultLookup(hostname: string): Promise<string[]> {
  return (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
}

/** The URL without its user, password, query and fragment, for the log. */
export function redactUrl(url: URL): string {
  const path = url.pathname.length > 200 ? `${url.pathname.slice(0, 200)}…` : url.pathname;
  return `${url.protocol}//${url.host}${path}${url.search ? "?…" : ""}`;
}

function isUnspecified(host: string): boolean {
  const a = parseAddress(host);
  return a !== undefined && a.value === 0n;
}

/** Whether the URL names the service's public host (before any lookup). */
function ownUrl(url: URL, service: ServiceAddress): string | undefined {
  const base = new URL(service.baseUrl);
  return hostOf(url) === hostOf(base) && publicPorts(base).includes(portOf(url)) ? `it is the service's own URL (${base.origin})` : undefined;
}

/**
 * The ports at which the public URL's host may reach the service: its own, and those of http and
 * https, since a proxy in front commonly answers on both (one of them with a redirect).
 */
function publicPorts(base: URL): string[] {
  return [portOf(base), "80", "443"];
}

/** Why the URL, at these addresses, is the service itself; undefined if it is not. */
async function selfReason(url: URL, addresses: readonly Address[], service: ServiceAddress, lookup: (h: string) => Promise<string[]>): Promise<string | undefined> {
  const base = new URL(service.baseUrl);
  const port = portOf(url);
  if (port === String(service.port)) {
    const listening = parseAddress(service.host);
    const local = isUnspecified(service.host)
      ? Object.values(networkInterfaces())
          .flatMap((list) => list ?? [])
          .map((i) => parseAddress(i.address)!)
          .concat([{ family: 4, value: 0n }, { family: 6, value: 0n }])
      : listening
        ? [listening]
        : (await lookup(service.host).catch(() => [])).map((a) => parseAddress(a)!);
    if (addresses.some((a) => local.some((l) => l && sameAddress(a, l)))) return `it is the service's own listening address (port ${service.port})`;
  }
  if (publicPorts(base).includes(port)) {
    const bare = base.hostname.replace(/^\[(.*)\]$/, "$1");
    const own = isIP(bare) ? [bare] : await lookup(bare).catch(() => []);
    const ownAddresses = own.map((a) => parseAddress(a)).filter((a): a is Address => a !== undefined);
    if (addresses.some((a) => ownAddresses.some((o) => sameAddress(a, o)))) return `it reaches the service's public address (${base.host})`;
  }
  return undefined;
}

/** Resolves and checks one URL; returns the addresses that may be connected to (all it has). */
async function check(url: URL, options: GuardedFetchOptions): Promise<string[]> {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UrlFetchError(`the scheme ${url.protocol} is not http or https`);
  const lookup = options.lookup ?? defaultLookup;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const own = ownUrl(url, options.service);
  if (own) throw new UrlFetchError(own);
  let texts: string[];
  if (isIP(host)) texts = [host];
  else {
    try {
      texts = await lookup(host);
    } catch (e) {
      throw new UrlFetchError(`the name ${host} does not resolve (${(e as { code?: string }).code ?? (e as Error).message})`);
    }
  }
  const addresses = texts.map((t) => parseAddress(t));
  if (addresses.length === 0 || addresses.some((a) => a === undefined)) throw new UrlFetchError(`the name ${host} resolves to no usable address (${texts.join(", ")})`);
  const self = await selfReason(url, addresses as Address[], options.service, lookup);
  if (self) throw new UrlFetchError(self);
  if (!options.allow.some((p) => underPrefix(url, p))) {
    // Every address, not only the first: the connection could be made to any of them.
    for (const t of texts) {
      const why = addressRefusal(t);
      if (why) throw new UrlFetchError(`${host === t ? t : `${host} has the address ${t}, which`} is ${why}, and no allowlist entry covers the URL`);
    }
  }
  return texts;
}

interface FetchState {
  failure?: Error;
  request?: ClientRequest;
  response?: IncomingMessage;
}

/** One GET to the checked addresses; resolves with the response head. */
function get(url: URL, addresses: readonly string[], options: GuardedFetchOptions, state: FetchState): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const checked = addresses.map((address) => ({ address, family: isIP(address) }));
    // The name is kept for the Host header, the TLS server name and the certificate check; only
    // the addresses it resolves to are fixed, to those that were checked (all of them, so that
    // Node's happy eyeballs can still try IPv4 when IPv6 fails).
    const pinned: LookupFunction = (_hostname, opts, callback) => {
      if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, checked);
      else callback(null, checked[0]!.address, checked[0]!.family);
    };
    const request: RequestOptions = {
      protocol: url.protocol,
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      path: url.pathname + url.search,
      method: "GET",
      // A fresh connection each time: a pooled one could lead to an address checked for another URL.
      agent: false,
      lookup: pinned,
      headers: {
        host: url.host,
        accept: "application/x-votable+xml, text/xml;q=0.9, */*;q=0.5",
        "accept-encoding": "identity",
        "user-agent": "qserv-tap (TAP_UPLOAD)",
      },
    };
    if (url.port) request.port = Number(url.port);
    if (url.username || url.password) request.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(request);
    state.request = req;
    let settled = false;
    const connectTimer = setTimeout(() => req.destroy(new UrlFetchError(`no connection within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
    req.once("socket", (socket) => socket.once(url.protocol === "https:" ? "secureConnect" : "connect", () => clearTimeout(connectTimer)));
    req.once("response", (res) => {
      clearTimeout(connectTimer);
      settled = true;
      // Errors after this are the body's, reported by its reader.
      res.on("error", () => {});
      resolve(res);
    });
    req.on("error", (e: Error & { code?: string }) => {
      clearTimeout(connectTimer);
      if (settled) return;
      settled = true;
      reject(state.failure ?? (e instanceof UrlFetchError ? e : new UrlFetchError(e.code ? `${e.code}: ${e.message}` : e.message)));
    });
    req.end();
  });
}

/**
 * GETs the URL behind the guard, following at most options.maxRedirects redirects (each target
 * checked as the first URL was), and resolves once a 200 answer's head is in. Throws
 * UrlFetchError for everything that is refused or fails.
 */
export async function guardedFetch(start: URL, options: GuardedFetchOptions): Promise<Fetched> {
  const state: FetchState = {};
  let rejectStop!: (e: Error) => void;
  const stopped = new Promise<never>((_, reject) => (rejectStop = reject));
  stopped.catch(() => {});
  const stop = (e: Error) => {
    state.failure ??= e;
    state.request?.destroy(state.failure);
    state.response?.destroy(state.failure);
    rejectStop(state.failure);
  };
  const timer = setTimeout(() => stop(new UrlFetchError(`no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs);
  const signal = options.signal;
  const onAbort = () => stop(signal?.reason instanceof Error ? signal.reason : new UrlFetchError("the request was abandoned"));
  signal?.addEventListener("abort", onAbort, { once: true });
  const finish = () => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
  if (signal?.aborted) onAbort();
  let url = start;
  try {
    for (let redirects = 0; ; redirects++) {
      const addresses = await Promise.race([check(url, options), stopped]);
      const res = await Promise.race([get(url, addresses, options, state), stopped]);
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        res.destroy();
        const location = res.headers.location;
        if (!location) throw new UrlFetchError(`HTTP ${status} without a Location`);
        if (redirects >= options.maxRedirects) throw new UrlFetchError(`more than ${options.maxRedirects} redirects`);
        try {
          url = new URL(location, url);
        } catch {
          throw new UrlFetchError(`HTTP ${status} to an invalid URL`);
        }
        continue;
      }
      if (status !== 200) {
        res.destroy();
        throw new UrlFetchError(`HTTP ${status}`);
      }
      const encoding = res.headers["content-encoding"];
      if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
        res.destroy();
        throw new UrlFetchError(`Content-Encoding ${encoding}, although identity was asked for`);
      }
      state.response = res;
      res.once("close", finish);
      const length = res.headers["content-length"];
      return {
        url,
        contentLength: length === undefined || !/^\d+$/.test(length) ? undefined : Number(length),
        body: read(res, state),
        close: () => res.destroy(),
      };
    }
  } catch (e) {
    finish();
    state.request?.destroy();
    const failure = state.failure ?? e;
    if (failure instanceof UrlFetchError && url !== start) throw new UrlFetchError(`${failure.message} (at ${redactUrl(url)}, after a redirect)`);
    throw failure;
  }
}

async function* read(res: IncomingMessage, state: FetchState): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of res) yield chunk as Uint8Array;
  } catch (e) {
    throw state.failure ?? new UrlFetchError(`the answer broke off: ${(e as Error).message}`);
  } finally {
    res.destroy();
  }
}
