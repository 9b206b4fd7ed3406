/**
 * Loaded by mocha's configuration (.mocharc.json `require`), before the test files: chevrotain (the ADQL parser's
 * library) is loaded from the single-file build that its package ships (lib/chevrotain.mjs, the same version and
 * code, lodash-es included), not from lib/src/api.js, which imports about 700 modules, 640 of them lodash-es's. Each
 * module costs about 2 ms of CPU through tsx's loader hooks: 1.3 s of each test process's start. Tests only: the
 * package's exports name api.js alone, so the service and the library load that.
 *
 * zod, hyparquet and hyparquet-writer ship no such build, and their ES modules are 95, 27 and 24 files: each is
 * loaded from one file that esbuild (tsx's own) bundles from the package's entry, the same version and code, made
 * once per clone and version in node_modules/.cache/qserv-tap-deps/ (0.2-0.3 s of a test process's start). A bundle
 * that cannot be made leaves the package loaded as it is.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire, register } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread } from "node:worker_threads";

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>;

const BUNDLED = new Set(["zod", "hyparquet", "hyparquet-writer"]);
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const CACHE = join(ROOT, "node_modules", ".cache", "qserv-tap-deps");

/** The bundle of each package entry seen (its URL), or null when it cannot be made. */
const bundles = new Map<string, string | null>();

/** The file URL of the bundle of a package's entry, made if it is not there yet; null if it cannot be made. */
function bundleOf(name: string, entryUrl: string): string | null {
  const known = bundles.get(entryUrl);
  if (known !== undefined) return known;
  let url: string | null;
  try {
    const entry = fileURLToPath(entryUrl);
    const packageDir = entry.slice(0, entry.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}`.length);
    const version = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }).version;
    // esbuild as tsx (a dependency of the repository) ships it.
    const esbuild = createRequire(createRequire(join(ROOT, "package.json")).resolve("tsx/package.json"))("esbuild") as {
      version: string;
      buildSync(options: Record<string, unknown>): unknown;
    };
    const key = createHash("sha256").update(`${entry}\0${version}\0${esbuild.version}\0${process.version}`).digest("hex").slice(0, 16);
    const file = join(CACHE, `${name}-${version}-${key}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(CACHE, { recursive: true });
      // Made under another name, then renamed: a concurrent run never loads a partial file.
      const building = mkdtempSync(join(CACHE, "building-"));
      try {
        esbuild.buildSync({ entryPoints: [entry], bundle: true, format: "esm", platform: "node", outfile: join(building, "bundle.mjs"), logLevel: "silent" });
        renameSync(join(building, "bundle.mjs"), file);
      } finally {
        rmSync(building, { recursive: true, force: true });
      }
    }
    url = pathToFileURL(file).href;
  } catch {
    url = null;
  }
  bundles.set(entryUrl, url);
  return url;
}

/** The loader hook (it runs in Node's loader thread). */
export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<Resolved> {
  const resolved = await next(specifier, context);
  if (specifier === "chevrotain" && resolved.url.endsWith("/chevrotain/lib/src/api.js")) {
    return { ...resolved, url: resolved.url.replace(/lib\/src\/api\.js$/, "lib/chevrotain.mjs"), format: "module" };
  }
  if (BUNDLED.has(specifier) && resolved.url.startsWith("file:") && resolved.url.includes(`/node_modules/${specifier}/`) && resolved.format !== "commonjs") {
    const url = bundleOf(specifier, resolved.url);
    if (url) return { ...resolved, url, format: "module" };
  }
  return resolved;
}

// Registered from the main thread only: the loader thread evaluates this module again, as the hooks' module.
if (isMainThread) register(import.meta.url);
