/**
 * Which S3 client the result store uses: @aws-sdk/client-s3 (+ lib-storage's Upload) or aws4fetch
 * (a signer over fetch, the multipart calls written by hand). For each: the cold-start import time
 * (a fresh process), and the wall time, CPU time and RSS growth of a 100 MB streamed multipart
 * upload (8 MB parts) to s3rver in another process. Runs alternate between the clients.
 *
 *   node --conditions=qserv-tap-source --import=tsx bench/s3-client.bench.ts [MB] [rounds]
 *
 * The service depends on aws4fetch only (the README says why); to compare again, install the SDK without saving it:
 *   npm install --no-save @aws-sdk/client-s3@3.1178.0 @aws-sdk/lib-storage@3.1178.0
 */
import { execFileSync } from "node:child_process";
import { Readable } from "node:stream";
import { AwsClient } from "aws4fetch";
import { S3RVER_CREDENTIALS, startS3 } from "../src/test-support/s3.js";

const MB = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 3);
const PART = 8 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, "<TR><TD>1.2345</TD><TD>abc</TD></TR>\n");

function source(): Readable {
  let left = MB * 1024 * 1024;
  return new Readable({
    read() {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      this.push(n > 0 ? CHUNK.subarray(0, n) : null);
    },
  });
}

function importMs(spec: string): number {
  const out = execFileSync(
    process.execPath,
    ["--input-type=module", "-e", `const t = performance.now(); await import(${JSON.stringify(spec)}); console.log(performance.now() - t);`],
    { cwd: new URL("..", import.meta.url).pathname, encoding: "utf8" },
  );
  return Number(out.trim());
}

interface Sdk {
  S3Client: new (o: object) => { destroy(): void };
  Upload: new (o: object) => { done(): Promise<unknown> };
}
/** The SDK, if installed (it is not a dependency). */
const sdkModules: Sdk | undefined = await Promise.all([import("@aws-sdk/client-s3" as string), import("@aws-sdk/lib-storage" as string)]).then(
  ([c, l]) => ({ S3Client: (c as Sdk).S3Client, Upload: (l as Sdk).Upload }),
  () => undefined,
);

async function sdk(endpoint: string, bucket: string, key: string): Promise<void> {
  const { S3Client, Upload } = sdkModules!;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: "us-east-1", credentials: S3RVER_CREDENTIALS, requestChecksumCalculation: "WHEN_REQUIRED" });
  await new Upload({ client, params: { Bucket: bucket, Key: key, Body: source() }, partSize: PART, queueSize: 2 }).done();
  client.destroy();
}

/** The hand-written part: create, upload parts from the stream in PART-sized buffers, complete. */
async function a4f(endpoint: string, bucket: string, key: string): Promise<void> {
  const aws = new AwsClient({ ...S3RVER_CREDENTIALS, service: "s3", region: "us-east-1" });
  const url = `${endpoint}/${bucket}/${key}`;
  const created = await aws.fetch(`${url}?uploads`, { method: "POST" });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await created.text())![1]!;
  const etags: string[] = [];
  let chunks: Buffer[] = [];
  let size = 0;
  const flush = async () => {
    const body = Buffer.concat(chunks, size);
    chunks = [];
    size = 0;
    const n = etags.length + 1;
    const r = await aws.fetch(`${url}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`, { method: "PUT", body });
    if (!r.ok) throw new Error(`part ${n}: ${r.status}`);
    await r.arrayBuffer();
    etags.push(r.headers.get("etag")!);
  };
  for await (const c of source()) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
    if (size >= PART) await flush();
  }
  if (size > 0) await flush();
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
  const done = await aws.fetch(`${url}?uploadId=${encodeURIComponent(uploadId)}`, { method: "POST", body: xml });
  if (!done.ok) throw new Error(`complete: ${done.status}`);
  await done.text();
}

const s3 = await startS3("bench");
try {
  if (!sdkModules) console.log("@aws-sdk/client-s3 and lib-storage are not installed: aws4fetch only");
  const sdkImport = sdkModules ? `@aws-sdk/client-s3 + lib-storage ${(importMs("@aws-sdk/client-s3") + importMs("@aws-sdk/lib-storage")).toFixed(0)}, ` : "";
  console.log(`cold import (ms): ${sdkImport}aws4fetch ${importMs("aws4fetch").toFixed(0)}`);
  const clients = [...(sdkModules ? [["aws-sdk", sdk] as const] : []), ["aws4fetch", a4f] as const];
  const runs: Record<string, { wall: number; cpu: number; rss: number }[]> = Object.fromEntries(clients.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of clients) {
      (globalThis as { gc?: () => void }).gc?.();
      const rss0 = process.memoryUsage().rss;
      let peak = rss0;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await fn(s3.endpoint, s3.bucket, `${name}-${round}`);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      clearInterval(timer);
      runs[name]!.push({ wall, cpu: (cpu.user + cpu.system) / 1000, rss: (peak - rss0) / 2 ** 20 });
    }
  }
  for (const [name, r] of Object.entries(runs)) {
    const med = (f: (x: (typeof r)[0]) => number) => r.map(f).sort((a, b) => a - b)[Math.floor(r.length / 2)]!;
    console.log(
      `${name}: ${MB} MB in ${med((x) => x.wall).toFixed(0)} ms wall (${((MB / med((x) => x.wall)) * 1000).toFixed(0)} MB/s), ` +
        `client CPU ${med((x) => x.cpu).toFixed(0)} ms, RSS growth ${med((x) => x.rss).toFixed(0)} MB (medians of ${r.length})`,
    );
  }
} finally {
  await s3.stop();
}
