/**
 * A TEST DOUBLE of Rubin's Butler server (lsst/daf_butler, `remote_butler/server`) and of the S3 store behind it:
 * one HTTP server on 127.0.0.1 that answers the one route the image registry uses with recorded responses in the
 * shape of daf_butler's models, and serves the files through HTTP Range at pre-signed-style URLs. It is not a Butler:
 * no registry database, no queries, no collections; the datasets are whatever the test adds.
 *
 * What it mimics, read in lsst/daf_butler at commit 78e7f29047312e01d1df99bd1f6acf5b349898b9 (2026-08-14):
 * - Route (`python/lsst/daf/butler/remote_butler/server/_server.py`, `handlers/_external.py`): the repository
 *   routers hang from `/api/butler/repo/{repository}`; `GET …/v1/get_file/{dataset_id}` (a UUID, else FastAPI's 422
 *   validation error) answers `GetFileResponseModel`.
 * - `GetFileResponseModel` (`remote_butler/server_models.py`): `dataset_ref` (a `SerializedDatasetRef`) and
 *   `artifact` (a `FileInfoPayload`, or null when the registry knows the dataset but the datastore has no file).
 *   `SerializedDatasetRef` (`_dataset_ref.py`, `to_simple()`): `id`, `datasetType`, `dataId`, `run`, `component`,
 *   camelCase on the wire; `SerializedDatasetType` (`_dataset_type.py`): `name`, `storageClass`, `dimensions`
 *   (list of names), `parentStorageClass`, `isCalibration`; `dataId` is a `SerializedDataCoordinate`
 *   (`dimensions/_coordinate.py`): `{dataId: {dimension: int | str}, records: … | null}`.
 *   `FileInfoPayload`: `datastore_type: "file"`, `file_info: [FileInfoRecord]`; `FileInfoRecord`: `url` (an http(s)
 *   URL only, "for security reasons"), `datastoreRecords` (a `SerializedStoredFileInfo`,
 *   `datastore/stored_file_info.py`: `formatter`, `path` (made relative), `storage_class`, `component`, `checksum`,
 *   `file_size`), `auth` (`FileAuthenticationMode`: "none" | "gafaelfawr" | "datastore"; `_get.py`
 *   `convert_http_url_to_resource_path` sends no header for "none" and the server's headers for "gafaelfawr").
 *   A disassembled composite has one FileInfoRecord per component.
 * - Pre-signed URLs (`handlers/_file_info.py`): at the Rubin Science Platform the URL is pre-signed for GET with
 *   an expiry of 1 hour (`url_expiration_time_seconds = 1 * 60 * 60`) and `auth = "none"`.
 * - Errors: a `ButlerUserError` is sent as HTTP 422 (`ERROR_STATUS_CODE`, server_models.py) with JSON
 *   `ErrorResponseModel` `{error_type, detail}` (`_server.py` `butler_exception_handler`, `_errors.py`); get_file
 *   raises `DatasetNotFoundError(f"Dataset ID {dataset_id} not found")`, whose `error_type` is
 *   `"dataset_not_found"` (`_exceptions.py`). Authorization (`server/_dependencies.py`): a user not in the
 *   repository's groups gets FastAPI's 403 `{"detail": "User {user} does not have permission to access Butler
 *   repository '{repository}'"}`; no token at all is refused by Gafaelfawr in front of the server (401 with a
 *   `WWW-Authenticate: Bearer` challenge). Other failures are 500 `Internal Server Error` (text).
 * - Client headers (`remote_butler/_http_connection.py`, `authentication/rubin.py`): `Authorization: Bearer
 *   <token>`, `X-Butler-Client-Request-Id: <uuid4>` (`CLIENT_REQUEST_ID_HEADER_NAME`), `user-agent:
 *   RemoteButler/<version>`. The client retries 503 and 429 only when `Retry-After` is given.
 * - Formatters (`configs/datastores/formatters.yaml`): `CellCoadd: lsst.images.formatters.GenericFormatter`,
 *   `ExposureF: lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter`.
 *
 * The store (S3 behaviour, general knowledge, not from daf_butler): SigV4 query-string signing with
 * `X-Amz-Algorithm=AWS4-HMAC-SHA256`, `X-Amz-Credential`, `X-Amz-Date` (YYYYMMDDTHHMMSSZ), `X-Amz-Expires` (s),
 * `X-Amz-SignedHeaders`, `X-Amz-Signature`; an expired URL gets 403 with an XML `<Error><Code>AccessDenied</Code>
 * <Message>Request has expired</Message>…`, a bad signature 403 `SignatureDoesNotMatch`; `Range: bytes=a-b` gets
 * 206 with `Content-Range: bytes a-b/size` and a quoted ETag, an unsatisfiable range 416 `InvalidRange`. The
 * signature here is an HMAC of the path, date and expiry under a key of this double, which is all a test needs:
 * a URL altered or expired is refused. `urlStyle: "opaque"` signs with parameters that do not say when the URL
 * expires, so that the registry must assume a lifetime.
 *
 * The double's clock (`now`) decides expiry, so a test moves time instead of waiting. Counters and the request
 * lists let a test assert that a resolution was cached or repeated, and what headers arrived.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface DoubleDataset {
  repo: string;
  uuid: string;
  datasetType: string;
  dataId: Record<string, string | number>;
  storageClass?: string;
  run?: string;
  /** The local file served as the dataset's artifact. */
  file: string;
  /** The datastore path recorded in `datastoreRecords.path` (relative, as the server makes it). */
  path?: string;
  formatter?: string;
  /** FileInfoRecord.auth: "gafaelfawr" makes the store require the caller's bearer token too. */
  auth?: "none" | "gafaelfawr";
  /** `artifact: null`: the registry knows the dataset, the datastore has no file. */
  noArtifact?: boolean;
}

export interface ButlerDoubleOptions {
  /** Valid bearer tokens and the repositories each may read (all when omitted). Without this, no token is needed. */
  tokens?: Record<string, { user: string; repos?: string[] }>;
  /** Lifetime of the pre-signed URLs, s (default 3600, as at Rubin). */
  urlLifetimeSeconds?: number;
  urlStyle?: "s3" | "opaque";
  /** The double's clock, ms since the epoch. */
  now?: () => number;
}

/** What get_file answers instead of its normal answer: a status and body, or no answer at all. */
export type GetFileFault = { status: number; body: string; contentType?: string; headers?: Record<string, string> } | "stall";

export interface SeenRequest {
  url: string;
  headers: IncomingHttpHeaders;
}

export class ButlerServerDouble {
  readonly counts = { getFile: 0, fileRequests: 0, expired: 0, badSignature: 0, unauthorized: 0 };
  readonly getFileRequests: SeenRequest[] = [];
  readonly fileRequests: SeenRequest[] = [];
  /** Set by a test: every get_file answers this until cleared. */
  fault: GetFileFault | undefined;
  private readonly datasets = new Map<string, DoubleDataset>();
  private readonly key = randomBytes(32);
  private readonly stalled = new Set<ServerResponse>();
  private server!: Server;
  url = "";

  private constructor(private readonly options: ButlerDoubleOptions) {}

  static async start(options: ButlerDoubleOptions = {}): Promise<ButlerServerDouble> {
    const d = new ButlerServerDouble(options);
    d.server = createServer((req, res) => {
      d.handle(req, res).catch((e: Error) => {
        if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", `Internal Server Error: ${e.message}`);
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => d.server.listen(0, "127.0.0.1", resolve));
    d.url = `http://127.0.0.1:${(d.server.address() as AddressInfo).port}`;
    return d;
  }

  add(dataset: DoubleDataset): void {
    this.datasets.set(dataset.uuid.toLowerCase(), dataset);
  }

  /** The dataset's artifact is now this file (a re-ingested file: new size, new ETag). */
  replaceFile(uuid: string, file: string): void {
    const d = this.datasets.get(uuid.toLowerCase());
    if (!d) throw new Error(`no dataset ${uuid}`);
    d.file = file;
  }

  async close(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double");
    const getFile = /^\/api\/butler\/repo\/([^/]+)\/v1\/get_file\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && getFile) return this.getFile(decodeURIComponent(getFile[1]!), getFile[2]!, req, res);
    const file = /^\/s3\/butler-store\/([^/]+)\/([0-9a-f-]{36})\.fits$/.exec(url.pathname);
    if (req.method === "GET" && file) return this.serveFile(url, file[2]!, req, res);
    send(res, 404, "application/json", JSON.stringify({ detail: "Not Found" }));
  }

  private async getFile(repo: string, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.getFile++;
    this.getFileRequests.push({ url: req.url ?? "", headers: req.headers });
    if (this.fault === "stall") {
      this.stalled.add(res);
      return;
    }
    if (this.fault) {
      res.writeHead(this.fault.status, { "Content-Type": this.fault.contentType ?? "application/json", ...this.fault.headers });
      res.end(this.fault.body);
      return;
    }
    const tokens = this.options.tokens;
    if (tokens) {
      const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
      const who = m ? tokens[m[1]!] : undefined;
      if (!who) {
        this.counts.unauthorized++;
        res.writeHead(401, { "Content-Type": "text/plain; charset=utf-8", "WWW-Authenticate": 'Bearer realm="double", error="invalid_token"' });
        res.end("Authentication required");
        return;
      }
      if (who.repos && !who.repos.includes(repo)) {
        this.counts.unauthorized++;
        send(res, 403, "application/json", JSON.stringify({ detail: `User ${who.user} does not have permission to access Butler repository '${repo}'` }));
        return;
      }
    }
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
      send(res, 422, "application/json", JSON.stringify({ detail: [{ type: "uuid_parsing", loc: ["path", "dataset_id"], msg: "Input should be a valid UUID", input: id }] }));
      return;
    }
    const d = this.datasets.get(id.toLowerCase());
    if (!d || d.repo !== repo) {
      send(res, 422, "application/json", JSON.stringify({ error_type: "dataset_not_found", detail: `Dataset ID ${id.toLowerCase()} not found` }));
      return;
    }
    const bytes = await readFile(d.file);
    const storageClass = d.storageClass ?? "ExposureF";
    const body = {
      dataset_ref: {
        id: d.uuid,
        datasetType: {
          name: d.datasetType,
          storageClass,
          dimensions: Object.keys(d.dataId),
          parentStorageClass: null,
          isCalibration: false,
        },
        dataId: { dataId: d.dataId, records: null },
        run: d.run ?? "test/run",
        component: null,
      },
      artifact: d.noArtifact
        ? null
        : {
            datastore_type: "file",
            file_info: [
              {
                url: this.presign(d),
                datastoreRecords: {
                  formatter: d.formatter ?? "lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter",
                  path: d.path ?? `${d.run ?? "test/run"}/${d.datasetType}/${d.uuid}.fits`,
                  storage_class: storageClass,
                  component: null,
                  checksum: null,
                  file_size: bytes.length,
                },
                auth: d.auth ?? "none",
              },
            ],
          },
    };
    send(res, 200, "application/json", JSON.stringify(body));
  }

  /** A URL in the shape of an S3 SigV4 pre-signed GET (or an opaque one), valid for the configured lifetime from now. */
  private presign(d: DoubleDataset): string {
    const path = `/s3/butler-store/${encodeURIComponent(d.repo)}/${d.uuid}.fits`;
    const date = amzDate(this.now());
    const expires = String(this.options.urlLifetimeSeconds ?? 3600);
    const signature = this.sign(path, date, expires);
    if (this.options.urlStyle === "opaque") {
      return `${this.url}${path}?t=${date}&l=${expires}&sig=${signature}`;
    }
    const q = new URLSearchParams({
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": `DOUBLEKEY/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
      "X-Amz-Date": date,
      "X-Amz-Expires": expires,
      "X-Amz-SignedHeaders": "host",
      "X-Amz-Signature": signature,
    });
    return `${this.url}${path}?${q}`;
  }

  private sign(path: string, date: string, expires: string): string {
    return createHmac("sha256", this.key).update(`${path}\n${date}\n${expires}`).digest("hex");
  }

  private async serveFile(url: URL, uuid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.fileRequests++;
    this.fileRequests.push({ url: `${url.pathname}?…`, headers: req.headers });
    const q = url.searchParams;
    const opaque = q.has("sig");
    const date = (opaque ? q.get("t") : q.get("X-Amz-Date")) ?? "";
    const expires = (opaque ? q.get("l") : q.get("X-Amz-Expires")) ?? "";
    const given = Buffer.from((opaque ? q.get("sig") : q.get("X-Amz-Signature")) ?? "", "utf8");
    const wanted = Buffer.from(this.sign(url.pathname, date, expires), "utf8");
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      this.counts.badSignature++;
      return s3Error(res, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
    }
    const expiry = parseAmzDate(date) + Number(expires) * 1000;
    if (this.now() > expiry) {
      this.counts.expired++;
      return s3Error(res, 403, "AccessDenied", "Request has expired", `<X-Amz-Expires>${expires}</X-Amz-Expires><Expires>${new Date(expiry).toISOString()}</Expires><ServerTime>${new Date(this.now()).toISOString()}</ServerTime>`);
    }
    const d = this.datasets.get(uuid);
    if (!d || d.noArtifact) return s3Error(res, 404, "NoSuchKey", "The specified key does not exist.");
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
    if (d.auth === "gafaelfawr" && !(m && this.options.tokens?.[m[1]!])) return s3Error(res, 403, "AccessDenied", "Access Denied");
    const bytes = await readFile(d.file);
    const size = bytes.length;
    const etag = `"${createHash("md5").update(bytes).digest("hex")}"`;
    const headers = { ETag: etag, "Accept-Ranges": "bytes", "Content-Type": "application/fits" };
    const range = req.headers.range;
    if (range === undefined) {
      res.writeHead(200, { ...headers, "Content-Length": String(size) });
      res.end(bytes);
      return;
    }
    const r = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let first: number;
    let last: number;
    if (!r || (r[1] === "" && r[2] === "")) {
      res.writeHead(200, { ...headers, "Content-Length": String(size) });
      res.end(bytes);
      return;
    }
    if (r[1] === "") {
      first = Math.max(0, size - Number(r[2]));
      last = size - 1;
    } else {
      first = Number(r[1]);
      last = r[2] === "" ? size - 1 : Math.min(Number(r[2]), size - 1);
    }
    if (first >= size || first > last) {
      res.setHeader("Content-Range", `bytes */${size}`);
      return s3Error(res, 416, "InvalidRange", "The requested range is not satisfiable");
    }
    res.writeHead(206, { ...headers, "Content-Range": `bytes ${first}-${last}/${size}`, "Content-Length": String(last - first + 1) });
    res.end(bytes.subarray(first, last + 1));
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}

function s3Error(res: ServerResponse, status: number, code: string, message: string, extra = ""): void {
  const id = randomBytes(8).toString("hex").toUpperCase();
  send(res, status, "application/xml", `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${id}</RequestId><HostId>double</HostId></Error>`);
}

/** YYYYMMDDTHHMMSSZ, as X-Amz-Date writes a UTC time. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
}
