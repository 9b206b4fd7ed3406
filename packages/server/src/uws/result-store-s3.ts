/**
 * Job results and inline uploads in an S3-compatible bucket, `<prefix><jobId>/<name>`, so that
 * every replica of the service reads what any of them wrote, and a lost machine loses no result.
 *
 * A result streams into the bucket while the query runs, as a multipart upload: the stream is cut
 * into parts of partSize bytes, one part is on the wire while the next fills, and the writer's
 * callback waits for the part before that, so the query is slowed to the upload's pace and the
 * memory held is about two parts whatever the result's size. A result smaller than one part is
 * one PUT. Nothing is visible before commit (CompleteMultipartUpload, or that PUT); discard aborts
 * the upload, so a failed query leaves no object and no parts (a process killed mid-upload leaves
 * parts that only a bucket lifecycle rule removes: see the README).
 *
 * Requests are signed with AWS Signature Version 4 by aws4fetch over Node's fetch; the few XML
 * answers that matter (an upload's id, a listing, an error) are read here. Clients fetch results
 * from the bucket with a presigned GET URL (signedUrl), never through the service.
 */
import { Readable, Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import type { Config } from "../config.js";
import { escapeText } from "../xml.js";
import { checkObjectName, LocalDirResultStore, type ResultSink, type ResultStore } from "./result-store.js";
import type { ServiceLog } from "../logging.js";

export interface S3ResultStoreOptions {
  bucket: string;
  /** Before every key: "" or a path ending in "/". */
  prefix: string;
  /** An S3-compatible server (path-style addressing: <endpoint>/<bucket>/<key>); none: AWS, virtual-hosted. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** The lifetime of a presigned URL, in seconds (S3 allows at most 7 days). */
  urlLifetimeSeconds: number;
  /** Bytes in a part of a multipart upload (S3: at least 5 MiB, except the last). */
  partSize?: number;
  /** The longest one request may take, from its start to the last byte of its answer's headers. */
  requestTimeoutMs?: number;
  /** Where failures that nobody awaits (an abort after a failed query) are reported. */
  log?: ServiceLog;
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's limit on the parts of one upload. */
const MAX_PARTS = 10_000;

export class S3ResultStoreError extends Error {
  override name = "S3ResultStoreError";
}

/** The text of every <tag>…</tag> in an S3 XML answer, entities decoded. */
function tags(xml: string, tag: string): string[] {
  const out: string[] = [];
  for (const m of xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))) {
    out.push(
      m[1]!.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (e, name: string, dec?: string, hex?: string) =>
        dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" }[name] ?? e),
      ),
    );
  }
  return out;
}

/** Why fetch failed, in words: undici's "fetch failed" hides the system error in its cause. */
function reason(e: unknown): string {
  const err = e as Error & { cause?: { message?: string; code?: string; errors?: { message: string }[] } };
  if (err.name === "TimeoutError") return "no answer in time";
  const cause = err.cause;
  if (cause?.errors?.length) return cause.errors.map((x) => x.message).join("; ");
  return cause?.message ?? err.message;
}

export class S3ResultStore implements ResultStore {
  private readonly aws: AwsClient;
  private readonly base: string;
  private readonly partSize: number;
  private readonly timeoutMs: number;
  private readonly log: ServiceLog;
  /** s3://bucket/prefix: where the store is, for messages (no credential). */
  readonly location: string;

  constructor(readonly options: S3ResultStoreOptions) {
    if (options.prefix !== "" && !options.prefix.endsWith("/")) throw new Error(`the prefix ${options.prefix} must end in /`);
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (this.partSize < MIN_PART_SIZE) throw new Error(`parts must be at least ${MIN_PART_SIZE} bytes`);
    this.timeoutMs = options.requestTimeoutMs ?? 120_000;
    this.log = options.log ?? (() => {});
    this.aws = new AwsClient({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
      service: "s3",
      region: options.region,
      // 5xx and 429 only; a refused connection fails at once, so that a job does not hang on a store that is down.
      retries: 3,
      initRetryMs: 100,
    });
    this.base = options.endpoint
      ? `${options.endpoint.replace(/\/+$/, "")}/${options.bucket}`
      : `https://${options.bucket}.s3.${options.region}.amazonaws.com`;
    this.location = `s3://${options.bucket}/${options.prefix}`;
  }

  private key(jobId: string, name: string): string {
    checkObjectName(jobId, name);
    return `${this.options.prefix}${jobId}/${name}`;
  }

  private url(key: string, query = ""): string {
    return `${this.base}/${key.split("/").map(encodeURIComponent).join("/")}${query}`;
  }

  /** One signed request; an answer outside `ok` (and the 404 that `missing` allows) is an error that says what S3 said. */
  private async request(
    what: string,
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: Buffer | string },
    ok: (status: number) => boolean = (s) => s >= 200 && s < 300,
  ): Promise<Response> {
    let res: Response;
    try {
      res = await this.aws.fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new S3ResultStoreError(`result store ${this.location}: ${what}: cannot reach ${new URL(this.base).origin} (${reason(e)})`);
    }
    if (ok(res.status)) return res;
    const text = await res.text().catch(() => "");
    const code = tags(text, "Code")[0];
    const message = tags(text, "Message")[0];
    throw new S3ResultStoreError(`result store ${this.location}: ${what}: ${res.status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`);
  }

  locationOf(jobId: string, name: string): string {
    return `${this.location}${this.key(jobId, name).slice(this.options.prefix.length)}`;
  }

  async create(jobId: string, name: string): Promise<ResultSink> {
    return new MultipartSink(this, this.key(jobId, name), this.partSize);
  }

  /** @internal for MultipartSink */
  async putObject(key: string, body: Buffer): Promise<void> {
    await (await this.request(`PUT ${key}`, this.url(key), { method: "PUT", body })).arrayBuffer();
  }

  /** @internal */
  async createUpload(key: string): Promise<string> {
    const res = await this.request(`starting the upload of ${key}`, this.url(key, "?uploads"), { method: "POST" });
    const id = tags(await res.text(), "UploadId")[0];
    if (!id) throw new S3ResultStoreError(`result store ${this.location}: starting the upload of ${key}: no UploadId in the answer`);
    return id;
  }

  /** @internal */
  async uploadPart(key: string, uploadId: string, n: number, body: Buffer): Promise<string> {
    const res = await this.request(`part ${n} of ${key}`, this.url(key, `?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`), { method: "PUT", body });
    await res.arrayBuffer();
    const etag = res.headers.get("etag");
    if (!etag) throw new S3ResultStoreError(`result store ${this.location}: part ${n} of ${key}: no ETag in the answer`);
    return etag;
  }

  /** @internal */
  async completeUpload(key: string, uploadId: string, etags: string[]): Promise<void> {
    const body =
      "<CompleteMultipartUpload>" +
      etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeText(e)}</ETag></Part>`).join("") +
      "</CompleteMultipartUpload>";
    const res = await this.request(`completing the upload of ${key}`, this.url(key, `?uploadId=${encodeURIComponent(uploadId)}`), {
      method: "POST",
      headers: { "Content-Type": "application/xml" },
      body,
    });
    // S3 may answer 200 and still fail, with an <Error> in the body.
    const text = await res.text();
    if (/<Error>/.test(text)) throw new S3ResultStoreError(`result store ${this.location}: completing the upload of ${key}: ${tags(text, "Code")[0] ?? ""} ${tags(text, "Message")[0] ?? ""}`.trim());
  }

  /** @internal: failures are logged, not thrown (nobody waits for an abort). */
  async abortUpload(key: string, uploadId: string): Promise<void> {
    try {
      const res = await this.request(`aborting the upload of ${key}`, this.url(key, `?uploadId=${encodeURIComponent(uploadId)}`), { method: "DELETE" }, (s) => s < 300 || s === 404);
      await res.arrayBuffer();
    } catch (e) {
      this.log(`${(e as Error).message} (its parts stay until the bucket's lifecycle rule removes them)`, "warn");
    }
  }

  async put(jobId: string, name: string, data: Buffer | (() => Readable)): Promise<void> {
    const key = this.key(jobId, name);
    if (Buffer.isBuffer(data)) return this.putObject(key, data);
    const sink = await this.create(jobId, name);
    try {
      await pipeline(data(), sink.stream);
      await sink.commit();
    } catch (e) {
      await sink.discard();
      throw e;
    }
  }

  async size(jobId: string, name: string): Promise<number | undefined> {
    const key = this.key(jobId, name);
    const res = await this.request(`HEAD ${key}`, this.url(key), { method: "HEAD" }, (s) => (s >= 200 && s < 300) || s === 404);
    if (res.status === 404) return undefined;
    return Number(res.headers.get("content-length"));
  }

  read(jobId: string, name: string, range?: { start: number; end: number }): Readable {
    const key = this.key(jobId, name);
    const request = () =>
      this.request(`GET ${key}`, this.url(key), { method: "GET", ...(range ? { headers: { Range: `bytes=${range.start}-${range.end}` } } : {}) });
    // Nothing is fetched before the stream is read; a destroyed stream cancels the body (for await's return).
    return Readable.from(responseBody(request), { objectMode: false });
  }

  /** A URL that lets its holder GET the object for urlLifetimeSeconds, served with this Content-Type. */
  async signedUrl(jobId: string, name: string, options: { contentType?: string } = {}): Promise<string> {
    const url = new URL(this.url(this.key(jobId, name)));
    url.searchParams.set("X-Amz-Expires", String(this.options.urlLifetimeSeconds));
    if (options.contentType) url.searchParams.set("response-content-type", options.contentType);
    const signed = await this.aws.sign(url.toString(), { method: "GET", aws: { signQuery: true } });
    return signed.url;
  }

  /** Keys (whole, prefix included) under a prefix, or with a delimiter the common prefixes; every page of the listing. */
  private async list(prefix: string, delimiter?: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const q = new URLSearchParams({ "list-type": "2", prefix, ...(delimiter ? { delimiter } : {}), ...(token ? { "continuation-token": token } : {}) });
      const res = await this.request(`listing ${prefix || "the bucket"}`, `${this.base}?${q.toString()}`, { method: "GET" });
      const xml = await res.text();
      if (delimiter) for (const p of tags(xml, "CommonPrefixes")) out.push(...tags(p, "Prefix"));
      else for (const c of tags(xml, "Contents")) out.push(...tags(c, "Key"));
      token = tags(xml, "IsTruncated")[0] === "true" ? tags(xml, "NextContinuationToken")[0] : undefined;
    } while (token);
    return out;
  }

  async removeJob(jobId: string): Promise<void> {
    checkObjectName(jobId);
    const keys = await this.list(`${this.options.prefix}${jobId}/`);
    // A job has few objects (its result and inline uploads): DELETEs in parallel, few at a time.
    for (let i = 0; i < keys.length; i += 8) {
      await Promise.all(
        keys.slice(i, i + 8).map(async (key) => {
          const res = await this.request(`DELETE ${key}`, this.url(key), { method: "DELETE" }, (s) => (s >= 200 && s < 300) || s === 404);
          await res.arrayBuffer();
        }),
      );
    }
  }

  async jobIds(): Promise<string[]> {
    const prefix = this.options.prefix;
    return (await this.list(prefix, "/")).map((p) => p.slice(prefix.length).replace(/\/$/, "")).filter((id) => id !== "");
  }
}

/** A result on its way into the bucket: see the file's comment. */
class MultipartSink implements ResultSink {
  readonly stream: Writable;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private total = 0;
  private uploadId?: Promise<string>;
  private etags: string[] = [];
  private parts = 0;
  /** The part on the wire. */
  private inFlight: Promise<void> = Promise.resolve();
  private failure?: Error;
  private done = false;

  constructor(
    private readonly store: S3ResultStore,
    private readonly key: string,
    private readonly partSize: number,
  ) {
    this.stream = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.chunks.push(chunk);
        this.buffered += chunk.length;
        this.total += chunk.length;
        if (this.buffered < this.partSize) return callback();
        this.send(this.take()).then(() => callback(), callback);
      },
      // The remainder waits for commit: until then the query may still fail.
      final: (callback) => {
        this.inFlight.then(() => callback(this.failure ?? null), callback);
      },
    });
  }

  private take(): Buffer {
    const body = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    return body;
  }

  /** Waits for the part before, then puts this one on the wire and returns. */
  private async send(body: Buffer): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure;
    const n = ++this.parts;
    if (n > MAX_PARTS) throw new S3ResultStoreError(`${this.key}: a result larger than ${MAX_PARTS} parts of ${this.partSize} bytes`);
    this.uploadId ??= this.store.createUpload(this.key);
    const uploadId = this.uploadId;
    this.inFlight = uploadId
      .then((id) => this.store.uploadPart(this.key, id, n, body))
      .then(
        (etag) => void (this.etags[n - 1] = etag),
        (e: unknown) => void (this.failure ??= e as Error),
      );
  }

  async commit(): Promise<number> {
    await finished(this.stream);
    await this.inFlight;
    if (this.failure) throw this.failure;
    if (this.uploadId === undefined) {
      await this.store.putObject(this.key, this.take());
    } else {
      if (this.buffered > 0) {
        await this.send(this.take());
        await this.inFlight;
        if (this.failure) throw this.failure;
      }
      await this.store.completeUpload(this.key, await this.uploadId, this.etags);
    }
    this.done = true;
    return this.total;
  }

  async discard(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.stream.destroy();
    this.chunks = [];
    await this.inFlight;
    const id = await this.uploadId?.catch(() => undefined);
    if (id !== undefined) await this.store.abortUpload(this.key, id);
  }
}

/**
 * The configured store of one service's jobs: TAP's ("tap") or SODA's ("soda"). Each has its own
 * directory under async.dir, or its own prefix in the bucket (`<prefix>tap/`, `<prefix>soda/`), so
 * that neither takes the other's jobs for orphans.
 */
export function openResultStore(config: Config, service: "tap" | "soda", log?: ServiceLog): ResultStore {
  const r = config.resultStore;
  if (!r.s3) return new LocalDirResultStore(service === "tap" ? join(config.async.dir, "results") : join(config.async.dir, "soda", "results"));
  return new S3ResultStore({
    bucket: r.s3.bucket,
    prefix: `${r.s3.prefix}${service}/`,
    ...(r.s3Endpoint ? { endpoint: r.s3Endpoint } : {}),
    region: r.s3.region,
    ...r.s3.credentials,
    urlLifetimeSeconds: r.urlLifetimeSeconds,
    ...(log ? { log } : {}),
  });
}

/** The body of the response that `request` gets, once read (module-level, not a generator made per call: eslint.config.js). */
async function* responseBody(request: () => Promise<Response>): AsyncGenerator<Buffer> {
  const res = await request();
  if (!res.body) return;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
