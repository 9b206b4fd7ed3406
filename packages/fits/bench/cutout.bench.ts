/**
 * The fits package's figures (issue "Images, part 1"), each beside astropy's on the same file in the same run:
 *  - a 200×200 cutout from an uncompressed 2048×4096 float32 image: open + section, p50 (target < 3 ms);
 *  - a 100×100 cutout from GZIP_2 with one row per tile: p50 (target < 50 ms);
 *  - RICE_1 decoding, MB/s of output (target ≥ 100 MB/s);
 *  - memory when the whole image is streamed out: RSS growth (target: flat).
 * Run: npm run bench -w packages/fits. Needs /usr/bin/python3 with astropy and cfitsio's fpack.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { cutoutStream } from "../src/cutout.js";
import { type Section, readSection } from "../src/image.js";
import { FitsFile, LayoutCache } from "../src/layout.js";
import { riceDecode } from "../src/rice.js";
import { FileSource } from "../src/source.js";
import { fitsChunks, arrayData, gzip2Image, imageHeader, writeFitsFile, emptyPrimary } from "../src/write.js";
import { descriptor } from "../src/bintable.js";
import { imageInfo, toBigEndian } from "../src/image.js";

const here = dirname(fileURLToPath(import.meta.url));
const W = 2048;
const H = 4096;
const dir = mkdtempSync(join(tmpdir(), "fits-bench-"));
const plain = join(dir, "plain.fits");
const gzip2 = join(dir, "gzip2-rows.fits");
const rice = join(dir, "rice.fits");
const big = join(dir, "plain-big.fits");

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

let seed = 42;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

function centres(n: number, size: number): [number, number][] {
  return Array.from({ length: n }, () => [Math.floor(size / 2 + random() * (W - size)), Math.floor(size / 2 + random() * (H - size))]);
}

/** 0-based centre (as Cutout2D takes it) → the FITS box Cutout2D cuts for an even size: [c − s/2, c + s/2 − 1]. */
function box([x, y]: [number, number], size: number): Section {
  return [
    [x - size / 2 + 1, x + size / 2],
    [y - size / 2 + 1, y + size / 2],
  ];
}

async function time(f: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function main(): Promise<void> {
  // A sky-like image: a background, a gradient, noise and a few hundred stars.
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = 1000 + 0.01 * x + 0.02 * y + (random() - 0.5) * 40;
  for (let s = 0; s < 300; s++) {
    const cx = random() * W;
    const cy = random() * H;
    const flux = 500 + random() * 20000;
    for (let y = Math.max(0, Math.floor(cy - 8)); y < Math.min(H, cy + 8); y++) {
      for (let x = Math.max(0, Math.floor(cx - 8)); x < Math.min(W, cx + 8); x++) data[y * W + x] = data[y * W + x]! + flux * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 4);
    }
  }
  await writeFitsFile(plain, [{ header: imageHeader(-32, [W, H], { primary: true }), data: arrayData(data) }]);
  await writeFitsFile(gzip2, [emptyPrimary(), gzip2Image(data, -32, [W, H], { level: 1 })]);
  // A 4× larger plain image, written in bands, for the memory figure: flat means the same growth for both sizes.
  await writeFitsFile(big, [
    {
      header: imageHeader(-32, [W, 4 * H], { primary: true }),
      data: { bytes: 4 * data.byteLength, chunks: () => [0, 1, 2, 3].map(() => Buffer.from(toBigEndian(data))) },
    },
  ]);
  const fp = spawnSync("fpack", ["-r", "-qt", "4", "-O", rice, plain], { encoding: "utf8" });
  if (fp.status !== 0) throw new Error(`fpack: ${fp.stderr}`);

  const c200 = centres(300, 200);
  const c100 = centres(100, 100);
  const astropy = spawnSync("/usr/bin/python3", [join(here, "astropy_bench.py")], {
    input: JSON.stringify({ plain, gzip2, rice, boxes200: c200, boxes100: c100, slow_n: 5 }),
    encoding: "utf8",
  });
  if (astropy.status !== 0) throw new Error(`astropy_bench.py: ${astropy.stderr}`);
  const a = JSON.parse(astropy.stdout) as { plain200: [number, number]; gzip100: [number, number]; rice_mb_s: number; stream_rss_mb: number };

  // 1. 200×200 from the plain image: open (no cache) + section; then with the layout cached; then the whole
  //    cutout file in memory (header, data, padding, checksums).
  const rows: string[][] = [];
  const run = async (label: string, f: (c: [number, number]) => Promise<unknown>, cs: [number, number][], theirs: string, target: string) => {
    for (const c of cs.slice(0, 20)) await f(c); // warm-up: JIT and page cache
    const ts: number[] = [];
    for (const c of cs) ts.push(await time(() => f(c)));
    rows.push([label, percentile(ts, 50).toFixed(2), percentile(ts, 95).toFixed(2), theirs, target]);
  };
  await run(
    "200×200 from plain 2048×4096 float32: open + section",
    async (c) => {
      const f = await FitsFile.open(new FileSource(plain));
      await readSection(f, 0, box(c, 200));
      await f.close();
    },
    c200,
    `${a.plain200[0].toFixed(2)} / ${a.plain200[1].toFixed(2)}`,
    "p50 < 3 ms",
  );
  const cache = new LayoutCache();
  await run(
    "the same, layout cached",
    async (c) => {
      const f = await FitsFile.open(new FileSource(plain), { cache });
      await readSection(f, 0, box(c, 200));
      await f.close();
    },
    c200,
    "",
    "",
  );
  await run(
    "the same, whole cutout file with checksums",
    async (c) => {
      const f = await FitsFile.open(new FileSource(plain), { cache });
      for await (const _ of fitsChunks(cutoutStream(f, 0, box(c, 200)))) void _;
      await f.close();
    },
    c200,
    "",
    "",
  );
  await run(
    "100×100 from GZIP_2, one row per tile: open + section",
    async (c) => {
      const f = await FitsFile.open(new FileSource(gzip2));
      await readSection(f, 1, box(c, 100));
      await f.close();
    },
    c100,
    `${a.gzip100[0].toFixed(1)} / ${a.gzip100[1].toFixed(1)}`,
    "p50 < 50 ms",
  );

  // 3. RICE_1 (quantized floats): decoding and dequantizing every tile into a reused array, which is the decoder's
  //    throughput; into a new array, which adds the first touch of 32 MiB of fresh memory (slow on this VM); and
  //    the Rice decoder alone.
  const rf = await FitsFile.open(new FileSource(rice));
  const outMB = (W * H * 4) / 1e6;
  const reused = new Float32Array(W * H);
  let bestReused = Infinity;
  let bestNew = Infinity;
  for (let k = 0; k < 5; k++) {
    bestReused = Math.min(bestReused, await time(() => readSection(rf, 1, [], { into: reused })));
    bestNew = Math.min(bestNew, await time(() => readSection(rf, 1, [])));
  }
  const info = imageInfo(rf.hdus[1]!);
  const t = info.tiled!;
  const table = await rf.source.read(rf.hdus[1]!.dataOffset, t.rowBytes * t.rows);
  const tiles: Uint8Array[] = [];
  for (let r = 0; r < t.rows; r++) {
    const d = descriptor(new DataView(table.buffer, table.byteOffset + r * t.rowBytes, t.rowBytes), t.columns.data);
    tiles.push(await rf.source.read(rf.hdus[1]!.dataOffset + t.heapStart + d.offset, d.count));
  }
  const out = new Int32Array(W);
  let riceBest = Infinity;
  for (let k = 0; k < 5; k++) {
    riceBest = Math.min(
      riceBest,
      await time(async () => {
        for (const tile of tiles) riceDecode(tile, W, 4, t.blocksize, out, 1);
      }),
    );
  }
  await rf.close();
  rows.push(["RICE_1 (fpack -q 4): whole image decoded + dequantized into a reused array, MB/s of float32", (outMB / (bestReused / 1000)).toFixed(0), "", a.rice_mb_s.toFixed(0), "≥ 100 MB/s"]);
  rows.push(["the same into a new array (first touch of 32 MiB)", (outMB / (bestNew / 1000)).toFixed(0), "", "", ""]);
  rows.push(["Rice decoder alone, MB/s of int32", (outMB / (riceBest / 1000)).toFixed(0), "", "", ""]);

  // 4. Memory: the whole plain and the whole GZIP_2 image streamed out as FITS (two passes: DATASUM, then the
  //    data), each in a fresh process, ours beside astropy's (which reads the whole image, then writes it).
  for (const [label, path, hdu, mib] of [
    ["whole plain image streamed to a file", plain, 0, 32],
    ["whole plain image streamed to a file", big, 0, 128],
    ["whole GZIP_2 image streamed to a file", gzip2, 1, 32],
  ] as const) {
    const ours = spawnSync(process.execPath, ["--expose-gc", "--conditions=qserv-tap-source", "--import=tsx", fileURLToPath(import.meta.url), "--stream", path, String(hdu)], { encoding: "utf8" });
    if (ours.status !== 0) throw new Error(`--stream: ${ours.stderr}`);
    const o = JSON.parse(ours.stdout) as { rss_mb: number; ms: number };
    const py = spawnSync("/usr/bin/python3", [join(here, "astropy_bench.py"), "--stream", path, String(hdu)], { encoding: "utf8" });
    if (py.status !== 0) throw new Error(`astropy_bench.py --stream: ${py.stderr}`);
    const p = JSON.parse(py.stdout) as { rss_mb: number; ms: number };
    rows.push([`${label} (${mib} MiB): peak RSS growth MiB (ms)`, `${o.rss_mb.toFixed(1)} (${o.ms.toFixed(0)} ms)`, "", `${p.rss_mb.toFixed(1)} (${p.ms.toFixed(0)} ms)`, "flat"]);
  }

  const head = ["figure", "ours p50 (or value)", "ours p95 (or ms)", "astropy p50 / p95 (or value)", "target"];
  console.log(`Node ${process.version}; astropy via /usr/bin/python3; ${W}×${H} float32 images in ${dir}`);
  console.log(`| ${head.join(" | ")} |`);
  console.log(`|${head.map(() => "---").join("|")}|`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
}

/** Resets the kernel's peak RSS (VmHWM) to the current RSS (proc(5): clear_refs 5); returns it, in KiB. */
function resetPeakRss(): number {
  writeFileSync("/proc/self/clear_refs", "5");
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]);
}

function peakRss(): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]);
}

/** --stream FILE HDU: stream one whole image out as FITS to a sink; print the peak RSS growth. */
async function stream(path: string, hdu: number): Promise<void> {
  const f = await FitsFile.open(new FileSource(path));
  const info = imageInfo(f.hdus[hdu]!);
  global.gc?.();
  const base = resetPeakRss();
  const ms = await time(() => pipeline(Readable.from(fitsChunks(cutoutStream(f, hdu, info.axes.map((n) => [1, n] as [number, number])))), createWriteStream(`${path}.out`)));
  await f.close();
  rmSync(`${path}.out`);
  console.log(JSON.stringify({ rss_mb: (peakRss() - base) / 1024, ms }));
}

(process.argv[2] === "--stream" ? stream(process.argv[3]!, Number(process.argv[4])) : main())
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));

