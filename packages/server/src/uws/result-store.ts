/**
 * Where job results (and inline uploads) are kept: put an object, stream it back whole or by byte
 * range, delete a job's objects. Two implementations: a local directory here (the default,
 * `<dir>/<jobId>/<name>`), and an S3-compatible bucket (result-store-s3.ts), which several
 * replicas of the service can share. In the local directory a result is
 * written to a temporary file and renamed into place when complete, so a reader never sees a
 * partial result, even after a crash.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { open, rename, rm, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { Readable, type Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";

export interface ResultSink {
  stream: Writable;
  /** Makes the object visible once the stream has finished; returns its size in bytes. */
  commit(): Promise<number>;
  discard(): Promise<void>;
}

export interface ResultStore {
  /** A human-readable location, kept in the job record. */
  locationOf(jobId: string, name: string): string;
  create(jobId: string, name: string): Promise<ResultSink>;
  /** Stores an object; a function is called for the stream only once the object can be written. */
  put(jobId: string, name: string, data: Buffer | (() => Readable)): Promise<void>;
  /** Size in bytes, or undefined when there is no such object. */
  size(jobId: string, name: string): Promise<number | undefined>;
  /** The object, or the bytes start..end (inclusive). */
  read(jobId: string, name: string, range?: { start: number; end: number }): Readable;
  removeJob(jobId: string): Promise<void>;
  /** Jobs that have objects (to find orphans after a crash). */
  jobIds(): Promise<string[]>;
  /**
   * Where a client may fetch the object itself, on another origin (a presigned URL of a bucket),
   * served with this Content-Type; absent when the service serves its objects.
   */
  signedUrl?(jobId: string, name: string, options?: { contentType?: string }): Promise<string>;
}

const SAFE = /^[A-Za-z0-9_.-]{1,128}$/;

/** Job IDs and object names are single path segments of safe characters, in a file path as in an object key. */
export function checkObjectName(...names: string[]): void {
  for (const n of names) if (!SAFE.test(n) || n.startsWith(".")) throw new Error(`bad object name ${n}`);
}

/** This machine's name as one safe segment of a file name. */
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, "-").slice(0, 63) || "host";

/** `<name>.<host>.<pid>.<n>.partial`, and the form before replicas, `<name>.<n>.partial`. */
const PARTIAL = /\.(?:([A-Za-z0-9-]+)\.(\d+)\.)?\d+\.partial$/;

/** A partial file of another machine is only known to be abandoned once it has not changed for this long. */
const FOREIGN_PARTIAL_AGE_MS = 24 * 3600 * 1000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Numbers the partial files of this process, whatever the store (two stores may share a directory). */
let partialCounter = 0;

export class LocalDirResultStore implements ResultStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.removePartials();
  }

  /**
   * A result being written when the process died stays a `.partial` file, never renamed into place
   * and never read: at start, before any is written, the abandoned ones are removed. Several replicas
   * may share the directory, so a partial file names its machine and process, and only a file of a
   * process that is gone (on this machine), or that has not changed for a day (on another), is
   * abandoned; a replica's run and another's re-run of the same job never write the same file.
   */
  private removePartials(): void {
    const now = Date.now();
    for (const job of readdirSync(this.dir, { withFileTypes: true })) {
      if (!job.isDirectory()) continue;
      for (const f of readdirSync(join(this.dir, job.name))) {
        const m = PARTIAL.exec(f);
        if (!m) continue;
        const path = join(this.dir, job.name, f);
        const [, host, pid] = m;
        let abandoned: boolean;
        if (host === undefined) abandoned = true;
        else if (host === HOST) abandoned = !processAlive(Number(pid));
        else {
          try {
            abandoned = now - statSync(path).mtimeMs > FOREIGN_PARTIAL_AGE_MS;
          } catch {
            continue;
          }
        }
        if (abandoned) rmSync(path, { force: true });
      }
    }
  }

  private path(jobId: string, name: string): string {
    checkObjectName(jobId, name);
    return join(this.dir, jobId, name);
  }

  locationOf(jobId: string, name: string): string {
    return `file://${this.path(jobId, name)}`;
  }

  async create(jobId: string, name: string): Promise<ResultSink> {
    const path = this.path(jobId, name);
    mkdirSync(join(this.dir, jobId), { recursive: true });
    const tmp = `${path}.${HOST}.${process.pid}.${++partialCounter}.partial`;
    const stream = createWriteStream(tmp);
    return {
      stream,
      async commit() {
        await finished(stream);
        const fh = await open(tmp, "r+");
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path);
        return (await stat(path)).size;
      },
      async discard() {
        stream.destroy();
        await unlink(tmp).catch(() => {});
      },
    };
  }

  async put(jobId: string, name: string, data: Buffer | (() => Readable)): Promise<void> {
    const sink = await this.create(jobId, name);
    try {
      await pipeline(Buffer.isBuffer(data) ? Readable.from([data]) : data(), sink.stream);
      await sink.commit();
    } catch (e) {
      await sink.discard();
      throw e;
    }
  }

  async size(jobId: string, name: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(jobId, name))).size;
    } catch {
      return undefined;
    }
  }

  read(jobId: string, name: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.path(jobId, name), range ? { start: range.start, end: range.end } : {});
  }

  async removeJob(jobId: string): Promise<void> {
    checkObjectName(jobId);
    await rm(join(this.dir, jobId), { recursive: true, force: true });
  }

  async jobIds(): Promise<string[]> {
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  }
}
