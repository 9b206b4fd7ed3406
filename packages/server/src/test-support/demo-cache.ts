/**
 * The demo's data, made once per clone rather than once per service or per test process: the demo tables (demo.ts,
 * cacheDemoIn) and the demo images (testImagesDirs in child-server.ts), under node_modules/.cache/qserv-tap-demo/,
 * like the Qserv grammar's parser (adql-compiler's sql/test-support/qserv-grammar.ts). Each is keyed by the code
 * that generates it, so that a changed generator generates again. Generating them took 1 s of CPU per service
 * (the tables) and 4 s per test process (the images); a busy machine made that 13-35 s per start.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
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

/**
 * What a demo database is made from: the server's modules that make it (demo.ts, the image registry: those that
 * `DATABASE_MODULES` import, found by reading their imports), the other packages whole, except the compiler, of
 * which only the catalog model and the Felis reader (the tables' columns and types) go into it, the demo's YAML, and
 * the dependencies' versions (DuckDB's storage format). The compiler's rest compiles queries and writes nothing into
 * the file: editing it, as the edit loop mostly does, does not make the file again.
 */
const DATABASE_MODULES = ["demo.ts", "images/demo-images.ts", "catalog.ts", "compiler-extras.ts", "config.ts", "backends/duckdb.ts", "test-support/service.ts"];
const DATABASE_SOURCES = ["packages/adql-compiler/src/catalog", "packages/votable/src", "packages/fits/src", "packages/sky/src", "packages/server/demo", "package-lock.json"];

/** The server's modules that `entries` (under packages/server/src) import, themselves included, in a stable order. */
function serverModules(entries: string[]): string[] {
  const base = join(ROOT, "packages/server/src");
  const found = new Set<string>();
  const todo = entries.map((e) => join(base, e));
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (found.has(file) || !existsSync(file)) continue;
    found.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) todo.push(join(dirname(file), m[1]!.replace(/\.js$/, ".ts")));
  }
  return [...found].sort();
}

/**
 * The DuckDB file with the demo tables and, `withImages`, the demo images registered (test-support/service.ts
 * demoDatabase), made by `make` into the path it is given once per clone and version rather than once per test
 * process: it took 1 s of CPU (the tables from the cached Parquet, their index) and 1 s more with the images, in
 * each process and for each kind. Keyed by what it is made from (DATABASE_SOURCES), Node's version and the images'
 * directory (whose paths the registry holds). Made under another name, then renamed, so that a concurrent run never
 * copies a partial file. As an edit of that code makes another file (15 MB), files of other versions unused for 15
 * minutes go: each copy marks its file as used (service.ts), and a run whose file went all the same makes it again.
 */
export async function cachedDemoDatabase(withImages: boolean, make: (path: string) => Promise<void>): Promise<string> {
  const hash = createHash("sha256").update(process.version).update("\0").update(String(withImages)).update("\0");
  if (withImages) hash.update(demoImagesCacheDir()).update("\0");
  const files = [...serverModules(DATABASE_MODULES), ...DATABASE_SOURCES.flatMap((source) => sourceFiles(join(ROOT, source), /\.(ts|yaml|json)$/))];
  for (const file of files) hash.update(file.slice(ROOT.length)).update("\0").update(readFileSync(file)).update("\0");
  return cachedDatabase("db-", hash.digest("hex").slice(0, 16), make);
}

/**
 * A DuckDB database that a test makes with `make` from DuckDB's SQL alone (`what`, whose text is its key with the
 * dependencies' and Node's versions), kept like the demo database: made once per clone, not in each run.
 */
export async function cachedTestDatabase(what: string, make: (path: string) => Promise<void>): Promise<string> {
  const hash = createHash("sha256").update(process.version).update("\0").update(what).update("\0").update(readFileSync(join(ROOT, "package-lock.json")));
  return cachedDatabase("test-db-", hash.digest("hex").slice(0, 16), make);
}

/** `${prefix}${key}.duckdb` in the cache, made by `make` if it is not there; files of other keys unused for 15 minutes go. */
async function cachedDatabase(prefix: string, key: string, make: (path: string) => Promise<void>): Promise<string> {
  const name = `${prefix}${key}.duckdb`;
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
    if (!(other.startsWith(prefix) || other.startsWith("building-")) || other === name) continue;
    const file = join(DEMO_CACHE_DIR, other);
    if (Date.now() - statSync(file).mtimeMs > 15 * 60_000) rmSync(file, { recursive: true, force: true });
  }
  // Used now.
  utimesSync(path, new Date(), new Date());
  return path;
}
