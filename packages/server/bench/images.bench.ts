/**
 * SODA sync cutouts end to end over HTTP, against the figures of issue 13 and of the peers measured or published
 * (shared/notes/environment.md: DaCHS 2.7 on this machine, 200 × 200 cutouts of uncompressed 600 × 600 float32
 * images, median 16 ms one at a time, 62 cutouts/s; Rubin's cutout service, about 0.5 s for a 100 × 100 coadd
 * cutout, DMTN-326):
 *
 * 1. 200 × 200 from the demo's 1024 × 1024 afw-layout coadd (uncompressed float32), at seeded random positions: one
 *    connection (p50 < 10 ms), then 8 connections (at least 200 cutouts/s).
 * 2. 100 × 100 from a demo coadd in the lsst.images container, GZIP_2 with one row per tile (p50 < 50 ms).
 * 3. The shape of DMS-REQ-0375: 51 × 51 stamps of one object from 800 visit images (GZIP_2), one stamp per image,
 *    8 connections, each file opened for the first time since the server started (under 10 s); then the same again
 *    with the layouts cached.
 *
 * The service runs as `tap-server serve` in a child process on a DuckDB file of its own in a temporary directory
 * (the demo catalog, the demo images it generates, the visit images registered beforehand by this process through
 * ingest.ts); this process is only the client (node:http, keep-alive). Every response is checked: status 200,
 * application/fits, a body of the Content-Length, and the image HDU's NAXIS1 × NAXIS2 and BITPIX read from its
 * header. The visit images are generated once into a cache under the OS temp directory (visit-images.ts); their
 * generation and registration are timed apart and not counted.
 *
 *   node --conditions=qserv-tap-source --import=tsx bench/images.bench.ts [seconds per run] [visit images]
 *
 * BENCH_PROFILE=DIR runs the server with --cpu-prof, writing its profile into DIR when it stops.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDbBackend } from "../src/backends/duckdb.js";
import { loadFelis } from "../src/compiler-extras.js";
import { loadConfig } from "../src/config.js";
import { DEMO_SCHEMA_PATH, ensureDemo, Random } from "../src/demo.js";
import {
  chooseDemoCentres,
  demoImageSpecs,
  demoUuid,
  specRadius,
  specWcs,
  starsAround,
  type DemoImageSpec,
} from "../src/images/demo-images.js";
import { ingestFile } from "../src/images/ingest.js";
import { LocalRegistry, nameUuid } from "../src/images/local-registry.js";
import { imageId } from "../src/images/registry.js";
import { freePort, spawnServer, type ChildServer } from "../src/test-support/child-server.js";
import { ensureVisitImages, visitCacheDir, visitSpecs } from "./visit-images.js";

const SECONDS = Number(process.argv[2] ?? 10);
const VISITS = Number(process.argv[3] ?? 800);
const CONNECTIONS = 8;
const DACHS_MS = 16;
const DACHS_PER_S = 62;
const RUBIN_MS = 500;
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const quantile = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const spread = (xs: readonly number[]) => `p50 ${ms(quantile(xs, 0.5))} ms, p90 ${ms(quantile(xs, 0.9))} ms, p99 ${ms(quantile(xs, 0.99))} ms`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
const verdict = (ok: boolean) => (ok ? "met" : "MISSED");

// ---------------------------------------------------------------------------------------------------------------
// The client: keep-alive GETs, and a check that each answer is the FITS cutout asked for.

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });

interface Answer {
  status: number;
  type: string;
  length: number | undefined;
  body: Buffer;
  ms: number;
}

function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"] ?? ""),
          length: res.headers["content-length"] === undefined ? undefined : Number(res.headers["content-length"]),
          body: Buffer.concat(chunks),
          ms: performance.now() - t0,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** NAXIS1, NAXIS2 and BITPIX of the first HDU with two axes, and where the file's data should end. */
function fitsImageShape(body: Buffer): { width: number; height: number; bitpix: number; end: number } | undefined {
  let at = 0;
  while (at + 2880 <= body.length) {
    const cards = new Map<string, string>();
    let end = -1;
    for (let o = at; o + 80 <= body.length; o += 80) {
      const card = body.toString("latin1", o, o + 80);
      const key = card.slice(0, 8).trim();
      if (key === "END") {
        end = o + 80;
        break;
      }
      if (card[8] === "=") cards.set(key, card.slice(10).split("/")[0]!.trim());
    }
    if (end < 0) return undefined;
    const data = Math.ceil(end / 2880) * 2880;
    const naxis = Number(cards.get("NAXIS") ?? 0);
    const bitpix = Number(cards.get("BITPIX"));
    if (naxis >= 2) {
      const width = Number(cards.get("NAXIS1"));
      const height = Number(cards.get("NAXIS2"));
      return { width, height, bitpix, end: data + width * height * (Math.abs(bitpix) / 8) };
    }
    at = data;
  }
  return undefined;
}

/** FITS pixel coordinates (1-based) of the largest value of a big-endian float32 image (the data after the header). */
function brightest(body: Buffer): [number, number] {
  const shape = fitsImageShape(body)!;
  const start = shape.end - shape.width * shape.height * 4;
  let best = -Infinity;
  let at = 0;
  for (let k = 0; k < shape.width * shape.height; k++) {
    const v = body.readFloatBE(start + 4 * k);
    if (v > best) {
      best = v;
      at = k;
    }
  }
  return [(at % shape.width) + 1, Math.floor(at / shape.width) + 1];
}

/** Throws unless the answer is a whole FITS file of a width × height float32 image; returns the shape. */
function check(a: Answer, url: string, width: number, height: number): string {
  const fail = (why: string) => new Error(`${url}: ${why}`);
  if (a.status !== 200) throw fail(`status ${a.status}: ${a.body.toString("utf8", 0, 300)}`);
  if (a.type !== "application/fits") throw fail(`Content-Type ${a.type}`);
  if (a.length !== a.body.length) throw fail(`Content-Length ${a.length}, body ${a.body.length} bytes`);
  if (a.body.length % 2880 !== 0) throw fail(`${a.body.length} bytes, not a whole number of FITS blocks`);
  if (a.body.toString("latin1", 0, 30) !== `SIMPLE  =${" ".repeat(20)}T`) throw fail("not a FITS file");
  const shape = fitsImageShape(a.body);
  if (!shape) throw fail("no image HDU");
  if (shape.bitpix !== -32) throw fail(`BITPIX ${shape.bitpix}`);
  if (shape.width !== width || shape.height !== height) throw fail(`${shape.width} × ${shape.height} pixels`);
  if (shape.end > a.body.length) throw fail(`the data ends past the file (${shape.end} > ${a.body.length})`);
  return `${shape.width}×${shape.height}`;
}

interface Run {
  latencies: number[];
  seconds: number;
  shapes: Map<string, number>;
  bytes: number;
  /** CPU milliseconds (user + system) used by the server process and by this client during the run. */
  serverCpu: number;
  clientCpu: number;
}

let serverPid: number | undefined;
/** The server's CPU time so far (ms), from /proc: on a shared machine, what a cutout costs is clearer than a rate. */
function serverCpuMs(): number {
  if (serverPid === undefined) return 0;
  const stat = readFileSync(`/proc/${serverPid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime, fields 14 and 15 of proc(5), in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
const clientCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * `connections` workers, each sending its next request as soon as the previous answer is read, until `seconds`
 * have passed or the URLs run out.
 */
async function run(
  next: () => string | undefined,
  expect: [number, number],
  connections: number,
  seconds = Infinity,
  inspect?: (body: Buffer) => void,
): Promise<Run> {
  const latencies: number[] = [];
  const shapes = new Map<string, number>();
  let bytes = 0;
  const cpu0 = [serverCpuMs(), clientCpuMs()];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let url = next(); url !== undefined && performance.now() < end; url = next()) {
        const a = await get(url);
        const shape = check(a, url, ...expect);
        shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
        latencies.push(a.ms);
        bytes += a.body.length;
        inspect?.(a.body);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return { latencies, seconds: elapsed, shapes, bytes, serverCpu: serverCpuMs() - cpu0[0]!, clientCpu: clientCpuMs() - cpu0[1]! };
}

const rate = (r: Run) => r.latencies.length / r.seconds;
/** CPU per request of the server and of this client, and the server's share of one core. */
const cpu = (r: Run) =>
  `server CPU ${(r.serverCpu / r.latencies.length).toFixed(2)} ms/cutout (${((100 * r.serverCpu) / 1000 / r.seconds).toFixed(0)}% of a core), client ${(r.clientCpu / r.latencies.length).toFixed(2)} ms`;
const shapes = (r: Run) => [...r.shapes].map(([s, n]) => (r.shapes.size > 1 ? `${s} (${n})` : s)).join(", ");

// ---------------------------------------------------------------------------------------------------------------
// The service's data: the demo catalog, the visit images registered, then the server (which draws the demo images).

const dir = mkdtempSync(join(tmpdir(), "tap-images-bench-"));
const port = await freePort();
const env: Record<string, string> = {
  TAP_DUCKDB_PATH: join(dir, "tap.duckdb"),
  TAP_ASYNC_DIR: join(dir, "async"),
  TAP_IMAGES_REGISTRY: "local",
  TAP_IMAGES_DIR: join(dir, "images"),
  TAP_IMAGES_DEMO: "1",
};
const config = loadConfig({ ...process.env, ...env, TAP_CONFIG: "", PORT: String(port), HOST: "127.0.0.1" }, ROOT);
const { authority, repo } = config.images;
let server: ChildServer | undefined;

try {
  console.log(`SODA sync cutouts over HTTP (GET, FITS, keep-alive), the service in a child process; ${SECONDS} s per run`);
  let t = performance.now();
  const duck = await DuckDbBackend.open(env.TAP_DUCKDB_PATH!);
  let demo: DemoImageSpec[];
  let visits: { spec: DemoImageSpec; id: string; ra: number; dec: number }[];
  try {
    await ensureDemo(duck, loadFelis(DEMO_SCHEMA_PATH));
    const centres = await chooseDemoCentres(duck);
    demo = demoImageSpecs(centres);
    console.log(`setup: the demo catalog in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // One object (the demo visits' first centre), and the stars that any of its dithered visits can hold.
    const object = centres.cells[3]!;
    const specs = visitSpecs(object, VISITS);
    const stars = await starsAround(duck, object.ra, object.dec, specRadius(specs[0]!) + 30 / 3600);
    const cache = visitCacheDir(specs, stars);
    const made = await ensureVisitImages(cache, specs, stars);
    console.log(
      made.written > 0
        ? `setup: generated ${made.written} visit images (400×400, GZIP_2 row tiles, lsst.images) in ${(made.ms / 1000).toFixed(1)} s into ${cache} (not counted)`
        : `setup: the ${specs.length} visit images are in the cache ${cache} (generated by an earlier run)`,
    );

    t = performance.now();
    const registry = await LocalRegistry.open(duck, { authority });
    try {
      // The registry alone (SODA resolves IDs from it); ivoa.ObsCore rows would only lengthen the setup.
      const ctx = { registry, obscore: undefined, repo, imagesBaseUrl: config.images.baseUrl, collection: "bench.visits" };
      visits = [];
      for (const spec of specs) {
        const uuid = nameUuid(`bench/visits/${spec.file}`);
        await ingestFile(join(cache, spec.file), ctx, { uuid, datasetType: spec.datasetType, dataId: spec.dataId });
        visits.push({ spec, id: imageId(authority, repo, uuid), ra: object.ra, dec: object.dec });
      }
    } finally {
      await registry.close();
    }
    console.log(`setup: registered the ${specs.length} visit images in the local registry in ${((performance.now() - t) / 1000).toFixed(1)} s (not counted)`);
  } finally {
    await duck.close();
  }

  t = performance.now();
  const profile = process.env.BENCH_PROFILE;
  server = await spawnServer(env, { port, timeoutMs: 600_000, ...(profile ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profile}`] } : {}) });
  serverPid = server.proc.pid;
  const base = server.url.replace(/\/tap$/, "");
  console.log(`setup: the server started (drawing the ${demo.length} demo images) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const sync = (id: string, ra: number, dec: number, radius: number) =>
    `${base}/soda/sync?ID=${encodeURIComponent(id)}&CIRCLE=${encodeURIComponent(`${ra.toFixed(7)} ${dec.toFixed(7)} ${radius.toPrecision(8)}`)}`;
  const random = new Random(20261205);
  /**
   * A circle whose pixel box is `side` pixels across (regionPixelBox takes every pixel the region touches): of radius
   * (side/2 − 0.25) pixels, centred on the pixel corner nearest (x, y) when `side` is even, on the pixel's centre
   * when it is odd, so that a quarter of a pixel is left on each side for the projection's and SIP's change of scale.
   */
  const circle = (spec: DemoImageSpec, side: number, id: string, x: number, y: number) => {
    const snap = (v: number) => (side % 2 === 1 ? Math.round(v) : Math.floor(v) + 0.5);
    const [ra, dec] = specWcs(spec).pixelToSky(snap(x), snap(y))!;
    return sync(id, ra, dec, ((side / 2 - 0.25) * spec.scale) / 3600);
  };
  /** Such circles at random positions wholly inside a demo image. */
  const positions = (spec: DemoImageSpec, side: number) => {
    const id = imageId(authority, repo, demoUuid(repo, spec));
    return () => circle(spec, side, id, side / 2 + 2 + random.next() * (spec.nx - side - 4), side / 2 + 2 + random.next() * (spec.ny - side - 4));
  };
  const afw = demo.find((s) => s.layout === "afw" && s.datasetType === "deep_coadd" && s.band === "g")!;
  const gzip = demo.find((s) => s.layout === "lsst.images" && s.tile === "row" && s.datasetType === "deep_coadd" && s.nx === 400)!;
  const big = positions(afw, 200);
  const small = positions(gzip, 100);

  console.log(`load average before: ${load()} (2 cores shared with other work; the server and this client share them)`);
  await run(big, [200, 200], CONNECTIONS, 2); // warm-up
  await run(small, [100, 100], 2, 1);

  /** One run's line: latencies and rate, the peer's ratio and the target, then what the cutouts cost in CPU. */
  const report = (label: string, r: Run, versus = "") => {
    const head = label.trim() === "" ? label : `${label}:`;
    console.log(`   ${head} ${spread(r.latencies)}; ${rate(r).toFixed(0)} cutouts/s (${r.latencies.length} in ${r.seconds.toFixed(1)} s, ${shapes(r)})${versus ? `; ${versus}` : ""}`);
    console.log(`   ${" ".repeat(head.length)} ${cpu(r)}`);
  };

  console.log(`1. 200×200 (float32, 160 KB) from ${afw.file} (${afw.nx}×${afw.ny}, afw layout, uncompressed), random positions (load average ${load()}):`);
  const one = await run(big, [200, 200], 1, SECONDS);
  const p50 = quantile(one.latencies, 0.5);
  report("1 connection ", one, `${(DACHS_MS / p50).toFixed(1)}x faster than DaCHS (median ${DACHS_MS} ms) [target p50 < 10 ms: ${verdict(p50 < 10)}]`);
  const eight = await run(big, [200, 200], CONNECTIONS, SECONDS);
  report(`${CONNECTIONS} connections`, eight, `${(rate(eight) / DACHS_PER_S).toFixed(1)}x DaCHS (${DACHS_PER_S}/s) [target >= 200/s: ${verdict(rate(eight) >= 200)}]`);

  console.log(`2. 100×100 from ${gzip.file} (${gzip.nx}×${gzip.ny}, lsst.images, GZIP_2, one row per tile), random positions (load average ${load()}):`);
  const gz = await run(small, [100, 100], 1, SECONDS);
  const gz50 = quantile(gz.latencies, 0.5);
  report("1 connection ", gz, `${(RUBIN_MS / gz50).toFixed(0)}x faster than Rubin (about ${RUBIN_MS} ms, DMTN-326) [target p50 < 50 ms: ${verdict(gz50 < 50)}]`);
  const gz8 = await run(small, [100, 100], CONNECTIONS, SECONDS);
  report(`${CONNECTIONS} connections`, gz8, `${(RUBIN_MS / quantile(gz8.latencies, 0.5)).toFixed(0)}x faster than Rubin at p50`);

  // Each stamp is centred on the pixel nearest the object in that visit (within 0.1″ of it).
  const stamps = visits.map((v) => {
    const [x, y] = specWcs(v.spec).skyToPixel(v.ra, v.dec)!;
    return circle(v.spec, 51, v.id, x, y);
  });
  console.log(`3. DMS-REQ-0375's shape: ${visits.length} stamps of 51×51 of one object, one from each of ${visits.length} visit images (400×400, GZIP_2 row tiles), ${CONNECTIONS} connections (load average ${load()}):`);
  // The files are in the OS page cache (just registered); the server has not opened them (its layout cache is empty).
  for (const pass of ["first cutout of each file since the server started", "again, layouts cached"]) {
    let k = 0;
    // The object is the brightest star in its stamp: its peak pixel lies at the stamp's centre (26, 26), give or take a pixel.
    let centred = 0;
    const r = await run(() => stamps[k++], [51, 51], CONNECTIONS, Infinity, (body) => {
      const [x, y] = brightest(body);
      if (Math.abs(x - 26) <= 1 && Math.abs(y - 26) <= 1) centred++;
    });
    if (r.latencies.length !== stamps.length) throw new Error(`${r.latencies.length} stamps of ${stamps.length}`);
    if (centred < stamps.length) throw new Error(`the object's peak is off the centre of ${stamps.length - centred} of ${stamps.length} stamps`);
    console.log(
      `   ${pass}: ${r.seconds.toFixed(2)} s for ${r.latencies.length} stamps, the object's peak at the centre of each` +
        (pass.startsWith("first") ? ` [target < 10 s: ${verdict(r.seconds < 10)}]` : ""),
    );
    report("  ", r);
  }
  console.log(`load average after: ${load()}`);
} finally {
  await server?.stop();
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
}
