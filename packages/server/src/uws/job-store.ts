/**
 * The durable job store: one JSON file per job, `<dir>/<id>.json`, replaced atomically (write a
 * temporary file, fsync it, rename it over the old one, fsync the directory). A crash at any
 * point leaves either the old or the new record, never a torn one; leftover temporary files are
 * removed at start-up.
 *
 * Why this and not an append-only log or DuckDB: a job's record is small and changes a handful
 * of times, always as a whole, so replacing one file is the simplest correct update; deleting a
 * job is an unlink; nothing needs compaction; and no other process or library version is
 * involved (DuckDB allows one writer process and is already the backend's database file).
 * Writes of the same job are serialised and coalesced: while one is in flight, later updates
 * collapse into one write of the newest state.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { createHash } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Job } from "./job.js";
import type { ServiceLog } from "../logging.js";

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface JobStore {
  /** Every stored job (called once, at start-up). */
  loadAll(): Job[];
  /** Makes this state of the job durable; resolves once it is on disk. */
  save(job: Job): Promise<void>;
  remove(id: string): Promise<void>;
  /** Resolves when every write started so far has finished. */
  flush(): Promise<void>;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Another live process holds the job directory: an operator's mistake, said in one line (exit 2). */
export class JobDirectoryInUse extends Error {
  override readonly name = "JobDirectoryInUse";
  readonly usage = true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class JsonFileJobStore implements JobStore {
  /**
   * Jobs with a write to come (null: a removal). The job itself, not its text: the text is made
   * when the write starts, and dropped when it ends, so that the store holds no copy of a job.
   */
  private readonly pending = new Map<string, Job | null>();
  /** A digest of each job's text on disk, to skip writes that would change nothing. */
  private readonly written = new Map<string, string>();
  private readonly chains = new Map<string, Promise<void>>();
  private tmpCounter = 0;

  constructor(
    readonly dir: string,
    private readonly log: ServiceLog = () => {},
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Takes the directory for this process (`.lock`: pid@host). The files store is one process's (README, TAP_JOB_STORE):
   * a second server on the same directory failed the first one's executing jobs as if after a restart, and rewrote
   * their files (the operator probe). A lock whose process is gone (same host) is taken over; one of this process is
   * its own (a test that reopens the directory).
   */
  lock(): void {
    const path = join(this.dir, ".lock");
    const mine = `${process.pid}@${hostname()}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(path, mine, { flag: "wx" });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      let held: string;
      try {
        held = readFileSync(path, "utf8").trim();
      } catch {
        continue; // released meanwhile
      }
      if (held === mine) return;
      const [pid, host] = held.split("@");
      if (host === hostname() && Number.isInteger(Number(pid)) && !alive(Number(pid))) {
        unlinkSync(path);
        continue;
      }
      throw new JobDirectoryInUse(
        `the job directory ${this.dir} is in use by process ${held} (files keep the jobs of one process: give each server its own async.dir, or share jobs with TAP_JOB_STORE=mysql://...; if that process is gone, remove ${path})`,
      );
    }
    throw new JobDirectoryInUse(`cannot take the job directory ${this.dir}: its lock ${path} keeps changing`);
  }

  /** Gives the directory back (at close). */
  unlock(): void {
    const path = join(this.dir, ".lock");
    try {
      if (readFileSync(path, "utf8").trim() === `${process.pid}@${hostname()}`) unlinkSync(path);
    } catch {
      // already gone
    }
  }

  loadAll(): Job[] {
    const jobs: Job[] = [];
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (name.endsWith(".tmp")) {
        unlinkSync(path);
        continue;
      }
      if (!name.endsWith(".json")) continue;
      try {
        const job = JSON.parse(readFileSync(path, "utf8")) as Job;
        if (job.v !== 1 || !ID.test(job.id) || `${job.id}.json` !== name) throw new Error("not a job record");
        jobs.push(job);
      } catch (e) {
        this.log(`job store: ignoring ${path}: ${(e as Error).message}`, "warn");
      }
    }
    return jobs;
  }

  private enqueue(id: string, step: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(step);
    const settled = next.catch(() => {});
    this.chains.set(id, settled);
    void settled.then(() => {
      if (this.chains.get(id) === settled) this.chains.delete(id);
    });
    return next;
  }

  save(job: Job): Promise<void> {
    if (!ID.test(job.id)) return Promise.reject(new Error(`bad job id ${job.id}`));
    this.pending.set(job.id, job);
    return this.enqueue(job.id, async () => {
      // A write that started after this save() took the newest state, this one's included.
      const latest = this.pending.get(job.id);
      if (latest === undefined || latest === null) return;
      this.pending.delete(job.id);
      const text = JSON.stringify(latest);
      const digest = createHash("sha1").update(text).digest("base64");
      if (this.written.get(job.id) === digest) return;
      const path = join(this.dir, `${job.id}.json`);
      const tmp = `${path}.${process.pid}.${++this.tmpCounter}.tmp`;
      try {
        const fh = await open(tmp, "w");
        try {
          await fh.writeFile(text);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path);
      } catch (e) {
        // A write cut short (ENOSPC) leaves no half file behind.
        await unlink(tmp).catch(() => {});
        throw e;
      }
      await fsyncDir(this.dir);
      this.written.set(job.id, digest);
    });
  }

  remove(id: string): Promise<void> {
    this.pending.set(id, null);
    return this.enqueue(id, async () => {
      await unlink(join(this.dir, `${id}.json`)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
      await fsyncDir(this.dir);
      this.written.delete(id);
      if (this.pending.get(id) === null) this.pending.delete(id);
    });
  }

  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
