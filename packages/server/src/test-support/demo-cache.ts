/**
 * The demo's data, made once per clone rather than once per service or per test process: the demo tables (demo.ts,
 * cacheDemoIn) and the demo images (testImagesDirs in child-server.ts), under node_modules/.cache/qserv-tap-demo/,
 * like the Qserv grammar's parser (adql-compiler's sql/test-support/qserv-grammar.ts). Each is keyed by the code
 * that generates it, so that a changed generator generates again. Generating them took 1 s of CPU per service
 * (the tables) and 4 s per test process (the images); a busy machine made that 13-35 s per start.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDemoIn } from "../demo.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const DEMO_CACHE_DIR = join(ROOT, "node_modules", ".cache", "qserv-tap-demo");

cacheDemoIn(DEMO_CACHE_DIR);

/** What the demo images are made from: the catalog's generator, the renderer, and the FITS and WCS code (and Node's zlib). */
const IMAGE_SOURCES = ["packages/server/src/demo.ts", "packages/server/demo/demo.yaml", "packages/server/src/images/demo-images.ts", "packages/fits/src", "packages/sky/src"];

function sourceFiles(path: string, names = /\.ts$/): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter((f) => names.test(f) && !f.endsWith(".test.ts") && !f.includes("test-support"))
    .sort()
    .map((f) => join(path, f));
}

let imagesDir: string | undefined;

/**
 * The directory of the demo images that every test service of this clone uses (the first draws them, the others
 * register the files there: demo-images.ts ensureDemoImages). Directories of other versions unused for a day are
 * removed (not sooner: a test run of another checkout state may be reading them); this one is marked as used.
 */
export function demoImagesCacheDir(): string {
  if (imagesDir) return imagesDir;
  // Node's version too: its zlib compresses the GZIP_2 tiles.
  const hash = createHash("sha256").update(process.version).update("\0");
  for (const source of IMAGE_SOURCES) {
    for (const file of sourceFiles(join(ROOT, source))) hash.update(file.slice(ROOT.length)).update("\0").update(readFileSync(file)).update("\0");
  }
  const name = `images-${hash.digest("hex").slice(0, 16)}`;
  mkdirSync(DEMO_CACHE_DIR, { recursive: true });
  for (const other of readdirSync(DEMO_CACHE_DIR)) {
    if (!other.startsWith("images-") || other === name) continue;
    const path = join(DEMO_CACHE_DIR, other);
    if (Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { recursive: true, force: true });
  }
  imagesDir = join(DEMO_CACHE_DIR, name);
  mkdirSync(imagesDir, { recursive: true });
  // Used now: not removed by another version's run for a day.
  utimesSync(imagesDir, new Date(), new Date());
  return imagesDir;
}

/** What a demo database is made from: all the packages' code (the tables, the catalog, the image registry), the demo's YAML and the dependencies. */
const DATABASE_SOURCES = ["packages/adql-compiler/src", "packages/votable/src", "packages/fits/src", "packages/sky/src", "packages/server/src", "packages/server/demo", "package-lock.json"];

/**
 * The DuckDB file with the demo tables and, `withImages`, the demo images registered (test-support/service.ts
 * demoDatabase), made by `make` into the path it is given once per clone rather than once per test process: it took
 * 1 s of CPU (the tables from the cached Parquet, their index) and 1 s more with the images, in each process and for
 * each kind. Keyed by all the packages' code, the demo's YAML, the lock file (DuckDB's version: its storage format),
 * Node's version and the images' directory (whose paths the registry holds). Written under another name, then
 * renamed, so that a concurrent run never copies a partial file. As any edit of the code makes another, files of
 * other versions unused for an hour go (15 MB each; a run copies its file as long as it runs: npm test takes minutes).
 */
export async function cachedDemoDatabase(withImages: boolean, make: (path: string) => Promise<void>): Promise<string> {
  const hash = createHash("sha256").update(process.version).update("\0").update(String(withImages)).update("\0");
  if (withImages) hash.update(demoImagesCacheDir()).update("\0");
  for (const source of DATABASE_SOURCES) {
    for (const file of sourceFiles(join(ROOT, source), /\.(ts|yaml|json)$/)) hash.update(file.slice(ROOT.length)).update("\0").update(readFileSync(file)).update("\0");
  }
  const name = `db-${hash.digest("hex").slice(0, 16)}.duckdb`;
  mkdirSync(DEMO_CACHE_DIR, { recursive: true });
  const path = join(DEMO_CACHE_DIR, name);
  if (!existsSync(path)) {
    // Made as template.duckdb in a directory of its own (its name is the database's, as before the cache).
    const building = mkdtempSync(join(DEMO_CACHE_DIR, "building-"));
    try {
      await make(join(building, "template.duckdb"));
      renameSync(join(building, "template.duckdb"), path);
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
  }
  for (const other of readdirSync(DEMO_CACHE_DIR)) {
    // A run stopped while it made its file leaves a building- directory.
    if (!(other.startsWith("db-") || other.startsWith("building-")) || other === name) continue;
    const file = join(DEMO_CACHE_DIR, other);
    if (Date.now() - statSync(file).mtimeMs > 3_600_000) rmSync(file, { recursive: true, force: true });
  }
  // Used now: not removed by another version's run for an hour.
  utimesSync(path, new Date(), new Date());
  return path;
}
