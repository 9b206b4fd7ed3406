/**
 * The image registry in production: Rubin's Butler server. An image ID names a Butler repository and a dataset UUID;
 * the Butler server's `get_file` route answers with the dataset (its type and data ID) and pre-signed URLs of its
 * file, which are read through HTTP Range. What the wire looks like (routes, models, error bodies, headers) is
 * recorded, with the daf_butler files and commit it was read from, in ../test-support/butler-double.ts.
 *
 * Three things make this more than one fetch:
 * - A pre-signed URL expires (one hour at Rubin). A cutout of a large image is many Range reads, possibly spread
 *   over time, so the source resolves the ID again shortly before its URL's expiry, and once more when the store
 *   refuses a read; the file must then still be the same (size, ETag), or the read fails instead of mixing bytes
 *   of two versions.
 * - The caller's bearer token is what the Butler server authorizes, so every resolution is made with it, and a
 *   resolution is cached (briefly, to spare one Butler round trip per Range read) under the token, never across
 *   tokens.
 * - The Butler server's answers are never trusted to be URLs we may follow anywhere: only http(s) URLs, as
 *   daf_butler's own client requires, and nothing of a URL's query string (a credential) goes into a message.
 */
import { createHash, randomUUID } from "node:crypto";
import { FitsError, HttpSource, type ByteSource, type SourceStat } from "@qserv-tap/fits";
import type { ImagesConfig } from "../config.js";
import { imageId, ImageServiceError, parseImageId, type Caller, type ImageDataset, type ImageRegistry } from "./registry.js";
import type { ServiceLog } from "../logging.js";

export interface ButlerRegistryOptions {
  /** The Butler server's root URL; `/api/butler/repo/{repo}/v1/…` is appended. */
  url: string;
  /** The repository labels it serves; an ID naming another one is unknown (404), as in Rubin's datalinker. */
  repos: readonly string[];
  /** The authority of canonical IDs, `ivo://{authority}/{repo}?repo={repo}&id={uuid}`. */
  authority: string;
  log?: ServiceLog;
  /** For the Butler server's requests (the store is read by the fits package's HttpSource). */
  fetch?: typeof fetch;
  /** Resolve again when a URL has less than this left (default 60 s): a read must not start on a dying URL. */
  refreshBeforeExpirySeconds?: number;
  /** Per request, to the Butler server and to the store (default 30 s). */
  timeoutMs?: number;
  /** A URL whose expiry cannot be read from it is assumed to live this long (default 3600 s, daf_butler's). */
  urlLifetimeSeconds?: number;
  /** How long a resolution is reused for the same token and ID (default 30 s), within its URL's lifetime. */
  cacheSeconds?: number;
  /** The clock, ms since the epoch (tests move it). */
  now?: () => number;
}

/** What one get_file answer gives: enough to describe the dataset and to read its file. */
interface Resolution {
  datasetType: string;
  dataId: Record<string, string | number>;
  url: string;
  /** Headers for the store: the caller's bearer token when the Butler says the file needs it (auth "gafaelfawr"). */
  headers: Record<string, string>;
  size?: number;
  /** When the URL stops working, ms since the epoch. */
  expiresAt: number;
  /** From when a read first resolves the ID again: the configured margin before expiry, at most half the lifetime. */
  refreshAt: number;
  /** When this resolution may no longer be reused from the cache. */
  reuseUntil: number;
}

const MAX_CACHED = 1000;
const MAX_BODY = 4 * 1024 * 1024;

export class ButlerRegistry implements ImageRegistry {
  readonly kind = "butler" as const;
  private readonly base: string;
  private readonly shownServer: string;
  /** The labels served, by their lower-case form (how parseImageId gives an ID's label). */
  private readonly repos: ReadonlyMap<string, string>;
  private readonly authority: string;
  private readonly log: ServiceLog;
  private readonly fetcher: typeof fetch;
  private readonly refreshMs: number;
  private readonly timeoutMs: number;
  private readonly lifetimeMs: number;
  private readonly cacheMs: number;
  private readonly now: () => number;
  /** (token hash, repo, uuid) → resolution, or the request that is getting it; oldest first. */
  private readonly cache = new Map<string, Promise<Resolution | undefined>>();

  constructor(options: ButlerRegistryOptions) {
    const u = new URL(options.url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`the Butler server URL must be http(s), not ${u.protocol}`);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    this.base = u.toString().replace(/\/+$/, "");
    this.shownServer = this.base;
    const repos = new Map<string, string>();
    for (const label of options.repos) {
      const other = repos.get(label.toLowerCase());
      // IVOIDs compare case-insensitively (SIA 2.0 §2.1.10): an ID could not tell these two apart.
      if (other !== undefined && other !== label) throw new Error(`the Butler repository labels ${other} and ${label} differ only in case`);
      repos.set(label.toLowerCase(), label);
    }
    this.repos = repos;
    this.authority = options.authority;
    this.log = options.log ?? (() => {});
    this.fetcher = options.fetch ?? fetch;
    this.refreshMs = (options.refreshBeforeExpirySeconds ?? 60) * 1000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.lifetimeMs = (options.urlLifetimeSeconds ?? 3600) * 1000;
    this.cacheMs = (options.cacheSeconds ?? 30) * 1000;
    this.now = options.now ?? Date.now;
  }

  static fromConfig(images: ImagesConfig, log?: ServiceLog): ButlerRegistry {
    return new ButlerRegistry({ url: images.butlerUrl, repos: images.butlerRepos, authority: images.authority, ...(log ? { log } : {}) });
  }

  async resolve(id: string, caller: Caller): Promise<ImageDataset | undefined> {
    const parsed = parseImageId(id);
    const { uuid } = parsed;
    // The label as configured (images.butlerRepos), the spelling the Butler server knows; the ID's may differ in case.
    const repo = this.repos.get(parsed.repo);
    if (repo === undefined) return undefined;
    const token = caller.token === "" ? undefined : caller.token;
    // RFC 6750 §2.1: a b64token is visible ASCII; anything else could not be sent, and must not reach a message.
    if (token !== undefined && !/^[\x21-\x7e]{1,8192}$/.test(token)) {
      throw new ImageServiceError("the caller's bearer token cannot be passed to the Butler server (not an RFC 6750 b64token)", 401);
    }
    const first = await this.lookup(repo, uuid, token, false);
    if (!first) return undefined;
    const canonical = imageId(this.authority, repo, uuid);
    return {
      id: canonical,
      datasetType: first.datasetType,
      dataId: first.dataId,
      // Rubin's datalinker offers no cutout of raw data.
      cutout: first.datasetType !== "raw",
      ...(first.size !== undefined ? { size: first.size } : {}),
      open: async () =>
        new ButlerSource(canonical, first, this.timeoutMs, this.now, async () => {
          const again = await this.lookup(repo, uuid, token, true);
          if (!again) throw new FitsError("FITS_SOURCE", `${canonical} is no longer known to the Butler server ${this.shownServer}`);
          return again;
        }),
    };
  }

  async close(): Promise<void> {
    this.cache.clear();
  }

  /** A resolution from the cache when still fresh enough, else from the Butler server (`fresh` skips the cache). */
  private lookup(repo: string, uuid: string, token: string | undefined, fresh: boolean): Promise<Resolution | undefined> {
    // The token is hashed so that the cache's keys are not credentials themselves.
    const key = `${token === undefined ? "-" : createHash("sha256").update(token).digest("hex")} ${repo} ${uuid}`;
    const now = this.now();
    const held = this.cache.get(key);
    if (held && !fresh) {
      return held.then((r) => (r && now < r.reuseUntil ? r : this.lookup(repo, uuid, token, true)));
    }
    const p = this.getFile(repo, uuid, token);
    this.cache.delete(key);
    this.cache.set(key, p);
    while (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    // Neither failures nor unknown IDs are remembered: the next request asks again.
    p.then(
      (r) => {
        if (!r && this.cache.get(key) === p) this.cache.delete(key);
      },
      () => {
        if (this.cache.get(key) === p) this.cache.delete(key);
      },
    );
    return p;
  }

  /** GET …/v1/get_file/{uuid}: the dataset, undefined for DatasetNotFoundError, else an ImageServiceError. */
  private async getFile(repo: string, uuid: string, token: string | undefined): Promise<Resolution | undefined> {
    const url = `${this.base}/api/butler/repo/${encodeURIComponent(repo)}/v1/get_file/${uuid}`;
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      Accept: "application/json",
      "User-Agent": "qserv-tap-images",
      "X-Butler-Client-Request-Id": requestId,
    };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    const where = `the Butler server ${this.shownServer} (repository ${repo}, request ${requestId})`;
    const asked = this.now();
    let res: Response;
    let text: string;
    try {
      res = await this.fetcher(url, { headers, signal: AbortSignal.timeout(this.timeoutMs), redirect: "error" });
      text = await readText(res);
    } catch (e) {
      const err = e as Error;
      const why = err.name === "TimeoutError" || err.name === "AbortError" ? `no answer within ${this.timeoutMs} ms` : describe(err);
      this.log(`butler: get_file ${uuid}: ${where}: ${why}`);
      throw new ImageServiceError(`${where} could not be asked for dataset ${uuid}: ${why}`);
    }
    const body = parseJson(text);
    if (res.status === 200) {
      const r = this.toResolution(body, uuid, token, asked);
      if ("unusable" in r) {
        this.log(`butler: get_file ${uuid}: ${where}: ${r.unusable}`);
        throw new ImageServiceError(`${where} gave an unusable answer for dataset ${uuid}: ${r.unusable}`);
      }
      if ("noFile" in r) {
        this.log(`butler: get_file ${uuid}: ${r.noFile}`);
        return undefined;
      }
      return r;
    }
    const error = errorModel(body);
    // daf_butler sends its user-facing errors as 422 with {error_type, detail}; 404 is accepted too.
    if ((res.status === 422 || res.status === 404) && error?.error_type === "dataset_not_found") return undefined;
    const detail = error?.detail ?? (typeof (body as { detail?: unknown } | undefined)?.detail === "string" ? (body as { detail: string }).detail : undefined);
    const said = detail ? `: ${clip(detail)}` : "";
    if (res.status === 401 || res.status === 403) {
      throw new ImageServiceError(`${where} refused access to dataset ${uuid} (HTTP ${res.status})${said}`, res.status);
    }
    const what = error ? `${error.error_type}${said}` : `HTTP ${res.status}${said}`;
    this.log(`butler: get_file ${uuid}: ${where}: ${what}`);
    throw new ImageServiceError(`${where} could not resolve dataset ${uuid}: ${what}`);
  }

  /** A GetFileResponseModel to a resolution, or what is wrong with it, or why the dataset has no file to serve. */
  private toResolution(body: unknown, uuid: string, token: string | undefined, asked: number): Resolution | { unusable: string } | { noFile: string } {
    const unusable = (why: string) => ({ unusable: why });
    if (!isObject(body)) return unusable("not a JSON object");
    const ref = body.dataset_ref;
    if (!isObject(ref)) return unusable("no dataset_ref");
    if (typeof ref.id !== "string" || ref.id.toLowerCase() !== uuid) return unusable("dataset_ref.id is not the dataset asked for");
    const type = ref.datasetType;
    if (!isObject(type) || typeof type.name !== "string") return unusable("no dataset_ref.datasetType.name");
    const coordinate = ref.dataId;
    const dataId: Record<string, string | number> = {};
    if (isObject(coordinate) && isObject(coordinate.dataId)) {
      for (const [k, v] of Object.entries(coordinate.dataId)) if (typeof v === "string" || typeof v === "number") dataId[k] = v;
    }
    const artifact = body.artifact;
    // null: "known to registry but not known to datastore" (an intermediate file deleted to save space).
    if (artifact === null || artifact === undefined) return { noFile: "known to the Butler's registry, but its file is gone (artifact null)" };
    if (!isObject(artifact) || !Array.isArray(artifact.file_info)) return unusable("no artifact.file_info");
    // One file with no component: a dataset stored whole. A disassembled composite (one file per component) is not
    // one FITS file, and an image service cannot serve it.
    const whole = artifact.file_info.filter((f): f is Record<string, unknown> => isObject(f) && (!isObject(f.datastoreRecords) || f.datastoreRecords.component == null));
    if (whole.length === 0) return { noFile: `no file of the whole dataset (${artifact.file_info.length} component files)` };
    if (whole.length > 1) return unusable(`${whole.length} files for the whole dataset`);
    const file = whole[0]!;
    if (typeof file.url !== "string") return unusable("no file_info url");
    let url: URL;
    try {
      url = new URL(file.url);
    } catch {
      return unusable("the file_info url is not a URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return unusable("the file_info url is not http(s)");
    const records = isObject(file.datastoreRecords) ? file.datastoreRecords : {};
    const size = typeof records.file_size === "number" && Number.isSafeInteger(records.file_size) && records.file_size >= 0 ? records.file_size : undefined;
    // "none": pre-signed, no header; "gafaelfawr": the server's own token; "datastore": credentials of the store,
    // which this service does not hold (Rubin's client sends none either).
    const headers: Record<string, string> = file.auth === "gafaelfawr" && token !== undefined ? { Authorization: `Bearer ${token}` } : {};
    const expiresAt = presignedExpiry(url.toString()) ?? asked + this.lifetimeMs;
    // A URL that lives less than twice the margin is refreshed at half its life, not at every read.
    const refreshAt = expiresAt - Math.min(this.refreshMs, Math.max(0, (expiresAt - asked) / 2));
    return {
      datasetType: type.name,
      dataId,
      url: url.toString(),
      headers,
      ...(size !== undefined ? { size } : {}),
      expiresAt,
      refreshAt,
      reuseUntil: Math.min(asked + this.cacheMs, refreshAt),
    };
  }
}

/**
 * When a pre-signed URL expires (ms since the epoch), from its own query: S3's SigV4 `X-Amz-Date` (YYYYMMDDTHHMMSSZ)
 * + `X-Amz-Expires` (s), or GCS's V4 `X-Goog-Date` + `X-Goog-Expires`; S3's older V2 `Expires` (epoch s). Undefined
 * when the URL does not say.
 */
export function presignedExpiry(url: string): number | undefined {
  let q: URLSearchParams;
  try {
    q = new URL(url).searchParams;
  } catch {
    return undefined;
  }
  const get = (name: string): string | undefined => {
    for (const [k, v] of q) if (k.toLowerCase() === name.toLowerCase()) return v;
    return undefined;
  };
  for (const prefix of ["X-Amz-", "X-Goog-"]) {
    const date = get(`${prefix}Date`);
    const expires = get(`${prefix}Expires`);
    if (date === undefined || expires === undefined) continue;
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
    if (!m || !/^\d{1,9}$/.test(expires)) return undefined;
    const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    return Number.isFinite(t) ? t + Number(expires) * 1000 : undefined;
  }
  const v2 = get("Expires");
  if (v2 !== undefined && /^\d{1,12}$/.test(v2) && get("Signature") !== undefined) return Number(v2) * 1000;
  return undefined;
}

/**
 * A dataset's file read through its pre-signed URL, resolved again before the URL expires and once after a failed
 * read (an expired URL is a 403 from S3). Its id is the canonical image ID, not the URL: stable across resolutions
 * (the fits package's layout cache keys on it) and no credential.
 */
class ButlerSource implements ByteSource {
  private current: Resolution;
  private inner: HttpSource;
  /** Size and ETag seen first; every later source of this dataset must show the same. */
  private first: SourceStat | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    readonly id: string,
    resolution: Resolution,
    private readonly timeoutMs: number,
    private readonly now: () => number,
    private readonly reresolve: () => Promise<Resolution>,
  ) {
    this.current = resolution;
    this.inner = this.source(resolution);
  }

  private source(r: Resolution): HttpSource {
    return new HttpSource(r.url, { headers: r.headers, timeoutMs: this.timeoutMs });
  }

  async stat(): Promise<SourceStat> {
    if (this.now() >= this.current.refreshAt) await this.refresh();
    if (this.first) return this.first;
    const s = await this.retried((inner) => inner.stat());
    if (this.current.size !== undefined && s.size !== this.current.size) {
      throw new FitsError("FITS_SOURCE", `${this.id}: the Butler records ${this.current.size} bytes, the store serves ${s.size}`);
    }
    this.first = s;
    return s;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    await this.stat();
    return this.retried((inner) => inner.read(offset, length));
  }

  /**
   * Any failure of the store (a 403 for an expired or revoked URL, a dropped connection) gets one new URL; a changed
   * file fails the check in refresh(), so the retry never mixes two versions.
   */
  private async retried<T>(op: (inner: HttpSource) => Promise<T>): Promise<T> {
    const inner = this.inner;
    try {
      return await op(inner);
    } catch (e) {
      if (!(e instanceof FitsError) || e.code !== "FITS_SOURCE") throw e;
      if (this.inner === inner) await this.refresh();
      return await op(this.inner);
    }
  }

  /** A new resolution and source, checked against the first: same size, same ETag. Concurrent callers share one. */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const r = await this.reresolve();
        const inner = this.source(r);
        if (this.first) {
          if (r.size !== undefined && r.size !== this.first.size) {
            throw new FitsError("FITS_SOURCE", `${this.id} changed while being read: ${this.first.size} bytes became ${r.size}`);
          }
          const s = await inner.stat();
          if (s.size !== this.first.size || (s.version !== "" && this.first.version !== "" && s.version !== this.first.version)) {
            throw new FitsError("FITS_SOURCE", `${this.id} changed while being read (${this.first.size} bytes, version ${this.first.version}; now ${s.size}, ${s.version})`);
          }
        }
        this.current = r;
        this.inner = inner;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

async function readText(res: Response): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY) {
    await res.body?.cancel();
    throw new Error(`an answer of ${declared} bytes`);
  }
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_BODY) {
      await reader.cancel();
      throw new Error(`an answer of more than ${MAX_BODY} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** daf_butler's ErrorResponseModel: {error_type, detail}. */
function errorModel(body: unknown): { error_type: string; detail: string } | undefined {
  return isObject(body) && typeof body.error_type === "string" && typeof body.detail === "string" ? { error_type: body.error_type, detail: body.detail } : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/**
 * A fetch failure's cause (ECONNREFUSED, a TLS error), which undici hides behind "fetch failed". Only the cause:
 * fetch's own messages may quote a request header, the token included.
 */
function describe(e: Error): string {
  const cause = (e as Error & { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return /^an answer of /.test(e.message) ? e.message : "the request failed";
}
