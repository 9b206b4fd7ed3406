/**
 * Who a request comes from: a user (authenticated by a bearer token, or named by a trusted
 * proxy's header) or an anonymous client, known by its address. The answer decides who owns an
 * async job, which jobs a job list shows, and which quotas and concurrency limits a request
 * counts against.
 *
 * Tokens are kept as SHA-256 digests, so that a token is looked up without being compared
 * character by character and is never held, logged or repeated in an error message.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import type { Context, Next } from "koa";
import type { AuthConfig } from "./config.js";
import { ConfigError } from "./config.js";
import { TapError } from "./errors.js";

export interface Client {
  /** The authenticated user, or null for an anonymous client. */
  user: string | null;
  /** The client's address (through trusted proxies, the address they received the request from). */
  address: string;
  /** What quotas, limits and fair queuing count by: `user:NAME` or `addr:ADDRESS`. */
  key: string;
}

export function clientOf(ctx: Context): Client {
  const c = (ctx.state as { client?: Client }).client;
  if (!c) throw new Error("no authentication middleware before this route");
  return c;
}

/** IPv4 in IPv6 (::ffff:1.2.3.4, what a dual-stack socket reports) as plain IPv4. */
export function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** A BlockList of addresses and CIDR blocks ("10.0.0.0/8", "::1", "fd00::/8"). */
export function addressList(entries: readonly string[], what: string): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr = "", prefix] = entry.trim().split("/");
    const family = isIP(addr);
    if (family === 0) throw new ConfigError(`${what}: "${entry}" is not an IP address or CIDR block`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) {
      list.addAddress(addr, type);
    } else {
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new ConfigError(`${what}: "${entry}" has a bad prefix length`);
      list.addSubnet(addr, bits, type);
    }
  }
  return list;
}

function listed(list: BlockList, address: string): boolean {
  const a = plainAddress(address);
  const family = isIP(a);
  return family !== 0 && list.check(a, family === 4 ? "ipv4" : "ipv6");
}

/** `{"tokens": {"<token>": "<user>"}}` as digests → users. The messages never quote a token. */
export function readTokenFile(path: string): Map<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`auth.tokenFile ${path}: ${(e as NodeJS.ErrnoException).code ?? "not JSON"}: cannot be read as JSON`);
  }
  const tokens = (doc as { tokens?: unknown })?.tokens;
  if (typeof tokens !== "object" || tokens === null || Array.isArray(tokens)) {
    throw new ConfigError(`auth.tokenFile ${path}: expected {"tokens": {"<token>": "<user>", ...}}`);
  }
  const out = new Map<string, string>();
  let n = 0;
  for (const [token, user] of Object.entries(tokens as Record<string, unknown>)) {
    n++;
    if (token.length < 16) throw new ConfigError(`auth.tokenFile ${path}: token number ${n} is shorter than 16 characters`);
    if (typeof user !== "string" || !isUserName(user)) {
      throw new ConfigError(`auth.tokenFile ${path}: token number ${n} must map to a user name (1 to 128 characters, no spaces)`);
    }
    out.set(digest(token), user);
  }
  if (out.size === 0) throw new ConfigError(`auth.tokenFile ${path} has no tokens`);
  return out;
}

/** 1 to 128 characters, none of them white space or a control character. */
function isUserName(name: string): boolean {
  return name.length >= 1 && name.length <= 128 && ![...name].some((c) => c.codePointAt(0)! < 0x20 || c.codePointAt(0) === 0x7f || /\s/.test(c));
}

/**
 * A header's value as text: Node reads header bytes as latin1, and a proxy sends a name beyond ASCII in UTF-8
 * ("josé" arrived as "josÃ©"). Bytes that are not UTF-8 stay latin1.
 */
function headerText(raw: string): string {
  if (!/[\x80-\xff]/.test(raw)) return raw;
  const utf8 = Buffer.from(raw, "latin1").toString("utf8");
  return utf8.includes("\uFFFD") ? raw : utf8;
}

function digest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * The client address: the socket's peer, or, when the peer is a trusted proxy, the nearest
 * address in X-Forwarded-For that is not one (each proxy appends the address it received from).
 */
function clientAddress(ctx: Context, proxies: BlockList | undefined): string {
  let address = plainAddress(ctx.req.socket.remoteAddress ?? "unknown");
  if (!proxies || !listed(proxies, address)) return address;
  const hops = (ctx.get("x-forwarded-for") || "").split(",").map((h) => plainAddress(h.trim())).filter((h) => isIP(h) !== 0);
  while (hops.length > 0) {
    address = hops.pop()!;
    if (!listed(proxies, address)) break;
  }
  return address;
}

/** The Koa middleware that sets ctx.state.client, or refuses the request with a 401. */
export function authMiddleware(config: AuthConfig) {
  const tokens = config.mode === "token" ? readTokenFile(config.tokenFile) : undefined;
  const proxies = config.trustedProxies.length > 0 ? addressList(config.trustedProxies, "auth.trustedProxies") : undefined;
  const header = config.header.toLowerCase();
  const anonymous = (address: string, path: string): Client => {
    // VOSI stays public: a client learns from the capabilities how to authenticate.
    if (config.mode !== "none" && !config.allowAnonymous && !/\/(capabilities|availability)$/.test(path)) {
      throw new TapError(401, "This service needs authentication", "TAP_UNAUTHENTICATED");
    }
    return { user: null, address, key: `addr:${address}` };
  };
  const user = (name: string, address: string): Client => ({ user: name, address, key: `user:${name}` });

  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    const address = clientAddress(ctx, proxies);
    let client: Client;
    switch (config.mode) {
      case "none":
        client = anonymous(address, ctx.path);
        break;
      case "token": {
        const auth = ctx.get("authorization");
        if (auth === "") {
          client = anonymous(address, ctx.path);
          break;
        }
        const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
        const name = m ? tokens!.get(digest(m[1]!)) : undefined;
        if (name === undefined) throw new TapError(401, "The bearer token is not valid for this service", "TAP_BAD_TOKEN");
        client = user(name, address);
        break;
      }
      case "trusted-header": {
        const name = headerText(ctx.get(header).trim());
        if (name === "") {
          client = anonymous(address, ctx.path);
          break;
        }
        // Only the proxy may say who the user is; from anyone else the header is an attempt to
        // be someone else, refused rather than ignored so that a misrouted deployment shows.
        if (!listed(proxies!, ctx.req.socket.remoteAddress ?? "")) {
          throw new TapError(403, `The ${config.header} header is accepted only from the service's proxy`, "TAP_UNTRUSTED_HEADER");
        }
        if (!isUserName(name)) throw new TapError(400, `The ${config.header} header is not a user name`);
        client = user(name, address);
        break;
      }
    }
    ctx.state.client = client;
    await next();
  };
}
