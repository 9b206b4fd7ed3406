/**
 * The visit images of images.bench.ts's DMS-REQ-0375 case: N epochs of one object, each a demo visit image
 * (visitSpec: 400 × 400, TAN-SIP, rotated, band r, the lsst.images container with GZIP_2 row tiles) centred on the
 * object with a seeded dither of up to ±20″, at dates spread over demo.detections' years.
 *
 * Generating 800 takes minutes on this machine, so they are written once into a cache directory under the OS temp
 * directory named by a stamp of everything they depend on (the specs, the stars, demo-images.ts's generator version
 * through demoStamp, and this file's), and reused while it matches; a generation that was interrupted goes on where
 * it stopped (each file is renamed into place whole). A finished generation removes the caches of other stamps
 * (of the same count). The work is shared between two
 * worker threads, and the tiles are gzipped at level 1: with one row per tile (1,600 bytes) zlib's cost is mostly
 * per call, and level 6 would only add about 20% for the same compressed size on noise.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { gzip2Image, writeFitsFile, type Bitpix, type Card, type HduToWrite, type StoredArray } from "@qserv-tap/fits";
import { Random } from "../src/demo.js";
import {
  DETECTION_MJD,
  demoStamp,
  imageHdus,
  lsstImagesContainer,
  renderImage,
  visitSpec,
  type CatalogStar,
  type DemoImageSpec,
  type RenderedImage,
} from "../src/images/demo-images.js";

/** Bumped when the files would differ for the same specs (the writing below). */
const VERSION = 1;
const ZLIB_LEVEL = 1;
const DITHER_ARCSEC = 20;
/** lsst.images' schema URL of a visit image, as demo-images.ts writes it. */
const VISIT_DATA_MODEL = "https://images.lsst.io/schemas/visit_image-1.0.0";

/** The specs of `count` epochs of `object`: one per night from the start of demo.detections' range. */
export function visitSpecs(object: CatalogStar, count: number): DemoImageSpec[] {
  const rnd = new Random(375);
  const step = (DETECTION_MJD[1] - DETECTION_MJD[0] - 2) / count;
  return Array.from({ length: count }, (_, k) => {
    const dx = (2 * rnd.next() - 1) * DITHER_ARCSEC;
    const dy = (2 * rnd.next() - 1) * DITHER_ARCSEC;
    const dec = object.dec + dy / 3600;
    const ra = (object.ra + dx / 3600 / Math.cos((dec * Math.PI) / 180) + 360) % 360;
    // 0.1 d after midnight UTC: night in Chile, so that each epoch has its own day_obs.
    const mjd = Math.floor(DETECTION_MJD[0] + 1 + k * step) + 0.1;
    return visitSpec({ ...object, ra, dec }, mjd, { index: k });
  });
}

const CACHE_PREFIX = "qserv-tap-bench-visits-";

/** The cache directory of these specs and stars, drawn by this version of the demo renderer (demoStamp). */
export function visitCacheDir(specs: readonly DemoImageSpec[], stars: readonly CatalogStar[]): string {
  const stamp = createHash("sha256").update(JSON.stringify({ VERSION, ZLIB_LEVEL, demo: demoStamp(specs), stars })).digest("hex");
  return join(tmpdir(), `${CACHE_PREFIX}${specs.length}-${stamp.slice(0, 16)}`);
}

/**
 * Removes the finished caches of as many images under other stamps (earlier versions of the renderer or of this
 * file): hundreds of MB each. Caches of another count are another run's choice, and stay.
 */
async function removeStaleCaches(keep: string, count: number): Promise<void> {
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    const path = join(tmpdir(), name);
    if (!name.startsWith(`${CACHE_PREFIX}${count}-`) || path === keep || !existsSync(join(path, "complete"))) continue;
    await rm(path, { recursive: true, force: true });
  }
}

const STRUCTURAL = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|EXTNAME|INHERIT|EXTTYPE|CHECKSUM|DATASUM|END)$/;

/**
 * The HDUs writeImage would write for an lsst.images spec, but gzipped at `level`: demo-images.ts's afw layout gives
 * the cards (observation, WCS, mask planes), which are moved into GZIP_2 planes and the lsst.images container.
 */
function visitHdus(spec: DemoImageSpec, planes: Pick<RenderedImage, "image" | "mask" | "variance">, level: number): HduToWrite[] {
  const [primary, ...afw] = imageHdus({ ...spec, layout: "afw" }, planes);
  const keep = (cards: readonly Card[]) => cards.filter((c) => !STRUCTURAL.test(c.keyword));
  const data: [string, StoredArray, Bitpix][] = [
    ["IMAGE", planes.image, -32],
    ["MASK", planes.mask, 32],
    ["VARIANCE", planes.variance, -32],
  ];
  const extensions = data.map(([extname, pixels, bitpix], k) =>
    gzip2Image(pixels, bitpix, [spec.nx, spec.ny], { extname, cards: keep(afw[k]!.header.cards), tile: [spec.nx, 1], level }),
  );
  const comment: Card = { keyword: "COMMENT", comment: "A demo image of qserv-tap: the lsst.images container, without its JSON tree." };
  return lsstImagesContainer([...keep(primary!.header.cards), comment], extensions, VISIT_DATA_MODEL);
}

async function writeVisit(dir: string, spec: DemoImageSpec, stars: readonly CatalogStar[]): Promise<void> {
  const path = join(dir, spec.file);
  if (existsSync(path)) return;
  const partial = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.partial`;
  await writeFitsFile(partial, visitHdus(spec, renderImage(spec, stars), ZLIB_LEVEL));
  await rename(partial, path);
}

interface Job {
  dir: string;
  specs: DemoImageSpec[];
  stars: CatalogStar[];
}

/**
 * Writes the files of `specs` that are not in `dir` yet, with `threads` worker threads; returns how many it wrote
 * and the milliseconds it took.
 */
export async function ensureVisitImages(dir: string, specs: readonly DemoImageSpec[], stars: readonly CatalogStar[], threads = 2): Promise<{ written: number; ms: number }> {
  await mkdir(dir, { recursive: true });
  const missing = specs.filter((s) => !existsSync(join(dir, s.file)));
  const t0 = performance.now();
  if (missing.length > 0) {
    const shares = Array.from({ length: Math.min(threads, missing.length) }, (_, w) => missing.filter((_, k) => k % threads === w));
    await Promise.all(
      shares.map(
        (share) =>
          new Promise<void>((resolve, reject) => {
            const job: Job = { dir, specs: share, stars: [...stars] };
            // A worker does not get the parent's --import=tsx hooks: it registers tsx before loading this file.
            const self = JSON.stringify(import.meta.url);
            const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${self}); })`;
            const worker = new Worker(boot, { eval: true, workerData: job });
            worker.once("error", reject);
            worker.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`a visit image worker exited with ${code}`))));
          }),
      ),
    );
    await writeFile(join(dir, "complete"), `${specs.length} files\n`);
    await removeStaleCaches(dir, specs.length);
  }
  return { written: missing.length, ms: performance.now() - t0 };
}

if (!isMainThread && parentPort) {
  const job = workerData as Job;
  for (const spec of job.specs) await writeVisit(job.dir, spec, job.stars);
}
