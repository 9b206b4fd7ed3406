/**
 * Byte sources: ranged reads from a local file or over HTTP. A cutout reads only the headers and the rows or
 * tiles it needs, never the whole file, so this is the one thing every reader here goes through.
 */
import { open, stat, type FileHandle } from "node:fs/promises";
import { FitsError } from "./errors.js";

export interface SourceStat {
  size: number;
  /** Changes when the content may have changed: mtime for a file, the ETag (or Last-Modified) for HTTP. */
  version: string;
}

export interface ByteSource {
  /** A path or URL, for cache keys and messages. */
  readonly id: string;
  stat(): Promise<SourceStat>;
  /** Exactly `length` bytes from `offset`; FITS_TRUNCATED if the source ends first. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface Range {
  offset: number;
  length: number;
}

/**
 * Reads several ranges, merging those closer than `gap` bytes into one read (one HTTP request, one syscall),
 * and returns each range's bytes in the order asked. The merged reads are views of one buffer, not copies.
 */
export async function readRanges(source: ByteSource, ranges: readonly Range[], gap = 64 * 1024): Promise<Uint8Array[]> {
  const order = ranges.map((r, i) => ({ ...r, i })).filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
  const out: Uint8Array[] = ranges.map(() => new Uint8Array(0));
  const groups: { offset: number; end: number; members: typeof order }[] = [];
  for (const r of order) {
    const last = groups[groups.length - 1];
    if (last && r.offset <= last.end + gap) {
      last.end = Math.max(last.end, r.offset + r.length);
      last.members.push(r);
    } else groups.push({ offset: r.offset, end: r.offset + r.length, members: [r] });
  }
  await Promise.all(
    groups.map(async (g) => {
      const bytes = await source.read(g.offset, g.end - g.offset);
      for (const m of g.members) out[m.i] = bytes.subarray(m.offset - g.offset, m.offset - g.offset + m.length);
    }),
  );
  return out;
}

/** Positioned reads on one FileHandle, opened on first use. */
export class FileSource implements ByteSource {
  readonly id: string;
  private handle: Promise<FileHandle> | undefined;

  constructor(path: string) {
    this.id = path;
  }

  async stat(): Promise<SourceStat> {
    const s = await stat(this.id).catch((e: NodeJS.ErrnoException) => {
      throw new FitsError("FITS_SOURCE", `cannot open ${this.id}: ${e.code ?? e.message}`);
    });
    return { size: s.size, version: `${s.mtimeMs}:${s.ino}` };
  }

  private fh(): Promise<FileHandle> {
    this.handle ??= open(this.id, "r").catch((e: NodeJS.ErrnoException) => {
      this.handle = undefined;
      throw new FitsError("FITS_SOURCE", `cannot open ${this.id}: ${e.code ?? e.message}`);
    });
    return this.handle;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const fh = await this.fh();
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) {
        throw new FitsError("FITS_TRUNCATED", `the file ends at byte ${offset + got}, before byte ${offset + length}`, { offset: offset + got });
      }
      got += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}

export interface HttpSourceOptions {
  /** Extra request headers (an Authorization header; pre-signed URLs need none). */
  headers?: Record<string, string>;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
}

/**
 * HTTP Range reads (RFC 9110 §14): every read is a GET with one byte range and must be answered 206. The size and
 * version come from a first `bytes=0-0` GET rather than HEAD, because a pre-signed object-store URL is signed for
 * GET only. A response whose ETag differs from the first one means the object changed under us: an error, never a
 * mix of two versions.
 */
export class HttpSource implements ByteSource {
  readonly id: string;
  private readonly options: HttpSourceOptions;
  private known: SourceStat | undefined;
  private etag: string | undefined;

  constructor(url: string, options: HttpSourceOptions = {}) {
    this.id = url;
    this.options = options;
  }

  private async get(first: number, last: number): Promise<Response> {
    const res = await fetch(this.id, {
      headers: { ...this.options.headers, Range: `bytes=${first}-${last}` },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30000),
    }).catch((e: Error) => {
      throw new FitsError("FITS_SOURCE", `GET ${redact(this.id)}: ${e.message}`);
    });
    if (res.status === 416) {
      await res.body?.cancel();
      throw new FitsError("FITS_TRUNCATED", `bytes ${first}-${last} are beyond the end of ${redact(this.id)}`, { offset: first });
    }
    if (res.status !== 206) {
      await res.body?.cancel();
      const why = res.status === 200 ? "the server ignored the Range header (200, not 206)" : `HTTP ${res.status}`;
      throw new FitsError("FITS_SOURCE", `GET ${redact(this.id)} bytes ${first}-${last}: ${why}`);
    }
    const etag = res.headers.get("etag") ?? undefined;
    if (this.etag !== undefined && etag !== undefined && etag !== this.etag) {
      await res.body?.cancel();
      throw new FitsError("FITS_SOURCE", `${redact(this.id)} changed while being read (ETag ${this.etag} became ${etag})`);
    }
    return res;
  }

  async stat(): Promise<SourceStat> {
    if (this.known) return this.known;
    const res = await this.get(0, 0);
    await res.arrayBuffer();
    const m = /\/(\d+)\s*$/.exec(res.headers.get("content-range") ?? "");
    if (!m) throw new FitsError("FITS_SOURCE", `GET ${redact(this.id)}: no total size in Content-Range`);
    this.etag = res.headers.get("etag") ?? undefined;
    this.known = { size: Number(m[1]), version: this.etag ?? res.headers.get("last-modified") ?? "" };
    return this.known;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const res = await this.get(offset, offset + length - 1);
    const m = /^bytes (\d+)-(\d+)\//.exec(res.headers.get("content-range") ?? "");
    const body = new Uint8Array(await res.arrayBuffer());
    if (!m || Number(m[1]) !== offset) {
      throw new FitsError("FITS_SOURCE", `GET ${redact(this.id)}: Content-Range does not start at byte ${offset}`);
    }
    if (body.length < length) {
      throw new FitsError("FITS_TRUNCATED", `${redact(this.id)} ends at byte ${offset + body.length}, before byte ${offset + length}`, {
        offset: offset + body.length,
      });
    }
    return body.length === length ? body : body.subarray(0, length);
  }

  async close(): Promise<void> {}
}

/** A pre-signed URL's query string is a credential: messages show the URL without it. */
function redact(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}

/** An in-memory source, for bytes already at hand (and tests). */
export class MemorySource implements ByteSource {
  readonly id: string;
  constructor(
    private readonly bytes: Uint8Array,
    id = "memory",
  ) {
    this.id = id;
  }
  async stat(): Promise<SourceStat> {
    return { size: this.bytes.length, version: "" };
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.bytes.length) {
      throw new FitsError("FITS_TRUNCATED", `the data ends at byte ${this.bytes.length}, before byte ${offset + length}`, {
        offset: this.bytes.length,
      });
    }
    return this.bytes.subarray(offset, offset + length);
  }
  async close(): Promise<void> {}
}
