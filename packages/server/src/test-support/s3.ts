/**
 * An S3-compatible server for tests and benchmarks: s3rver in a child process (so that its CPU is
 * not the measured process's, and a test can stop it to see the store fail), on 127.0.0.1 and a
 * port the system chose, with its own temporary directory and one bucket.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** s3rver's built-in credentials: it refuses other access keys (and does not check v4 signatures). */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface TestS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  proc: ChildProcess;
  /** s3rver's directory: objects, and the parts of unfinished multipart uploads. */
  dir: string;
  /** Files under dir whose name does not start with "." (s3rver's metadata), with their sizes. */
  files(): { path: string; size: number }[];
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const SCRIPT = `
const S3rver = require("s3rver");
const [dir, bucket] = process.argv.slice(1);
new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: bucket }] })
  .run()
  .then((a) => process.stdout.write("listening " + a.port + "\\n"), (e) => { console.error(e); process.exit(1); });
`;

export async function startS3(bucket = "tap-results"): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), "tap-s3rver-"));
  const proc = spawn(process.execPath, ["--input-type=commonjs", "-e", SCRIPT, dir, bucket], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.once("exit", (code) => reject(new Error(`s3rver exited (${code}): ${err}`)));
  });
  const files = (d = dir): { path: string; size: number }[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(d, e.name)) : [{ path: join(d, e.name).slice(dir.length + 1), size: statSync(join(d, e.name)).size }],
    );
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    proc,
    dir,
    files: () => files(),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        await once(proc, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * A forwarding proxy in front of an S3 server that records every request (to see what a client
 * sends to the bucket: an abort, an Authorization header), on 127.0.0.1 and a free port.
 */
export async function recordingProxy(
  target: string,
  /** Awaited before a request is forwarded (to hold one back). */
  gate?: (req: Recorded) => Promise<void>,
): Promise<{ endpoint: string; requests: Recorded[]; server: Server; close(): Promise<void> }> {
  const t = new URL(target);
  const requests: Recorded[] = [];
  const server = createServer(async (req, res) => {
    const recorded = { method: req.method!, url: req.url!, headers: req.headers };
    requests.push(recorded);
    await gate?.(recorded);
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode!, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
