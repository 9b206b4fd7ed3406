/**
 * A plain-JavaScript build of the parser, for the benchmark's "compiled" column.
 *
 * Under tsx, every source file goes through esbuild with `keepNames`, which wraps each function
 * expression in a `__name(fn, "name")` call; the parser creates closures on every rule call, so the
 * source runs several times slower under tsx than the same code compiled by tsc, which is what the
 * service runs. This transpiles the parser's import closure with TypeScript's `transpileModule`
 * (no type check, no renaming: what `tsc -b` emits, minus declarations) into
 * node_modules/.cache/adql-compiler-bench/, whence `chevrotain` resolves as from the package.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
export const CACHE_DIR = resolve(PACKAGE_DIR, "../../node_modules/.cache/adql-compiler-bench");

/** Relative module specifiers of a source file: static imports, re-exports and dynamic imports. */
function relativeImports(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\b[^;'"`]*?\bfrom\s*["'](\.[^"']+)["']/g, /\bimport\s*\(?\s*["'](\.[^"']+)["']/g];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

/** The file that a `./x.js` specifier means in the sources: x.ts if there is one. */
function sourceFile(from: string, specifier: string): string {
  const target = resolve(dirname(from), specifier);
  const asTs = target.replace(/\.js$/, ".ts");
  return existsSync(asTs) ? asTs : target;
}

/**
 * Transpiles `entries` (absolute .ts paths in the package) and everything they import, relatively,
 * to CACHE_DIR, keeping the package's layout. Returns the file URL of each entry's output.
 */
export function buildCompiled(entries: readonly string[]): string[] {
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(join(CACHE_DIR, "package.json"), '{ "type": "module", "private": true }\n');
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const spec of relativeImports(source)) queue.push(sourceFile(file, spec));
    const out = join(CACHE_DIR, relative(PACKAGE_DIR, file)).replace(/\.ts$/, ".js");
    const js = file.endsWith(".ts")
      ? ts.transpileModule(source, {
        fileName: file,
        reportDiagnostics: false,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
          sourceMap: false,
        },
      }).outputText
      : source;
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
  }
  return entries.map((e) => pathToFileURL(join(CACHE_DIR, relative(PACKAGE_DIR, e)).replace(/\.ts$/, ".js")).href);
}
