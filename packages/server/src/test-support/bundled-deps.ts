/**
 * Loaded by mocha's configuration (.mocharc.json `require`), before the test files: chevrotain (the ADQL parser's
 * library) is loaded from the single-file build that its package ships (lib/chevrotain.mjs, the same version and
 * code, lodash-es included), not from lib/src/api.js, which imports about 700 modules, 640 of them lodash-es's. Each
 * module costs about 2 ms of CPU through tsx's loader hooks: 1.3 s of each test process's start. Tests only: the
 * package's exports name api.js alone, so the service and the library load that.
 */
import { register } from "node:module";
import { isMainThread } from "node:worker_threads";

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>;

/** The loader hook (it runs in Node's loader thread). */
export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<Resolved> {
  const resolved = await next(specifier, context);
  if (specifier !== "chevrotain" || !resolved.url.endsWith("/chevrotain/lib/src/api.js")) return resolved;
  return { ...resolved, url: resolved.url.replace(/lib\/src\/api\.js$/, "lib/chevrotain.mjs"), format: "module" };
}

// Registered from the main thread only: the loader thread evaluates this module again, as the hooks' module.
if (isMainThread) register(import.meta.url);
