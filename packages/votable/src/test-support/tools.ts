/**
 * Helpers for the tests that run independent tools (xmllint through ../shared/ivoa/validate-xml, astropy through
 * Debian's /usr/bin/python3). In CI (process.env.CI set) a missing tool fails the test; elsewhere it skips with
 * a message saying what to install.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** The monorepo root: packages/votable/src/test-support → ../../../.. */
export const REPO_ROOT = resolve(here, "../../../..");
/** ../shared beside the repository, as in development and CI. */
export const SHARED = resolve(REPO_ROOT, "../shared");
export const VALIDATE_XML = join(SHARED, "ivoa/validate-xml");
export const PYTHON = "/usr/bin/python3";

export interface ToolCheck {
  ok: boolean;
  why: string;
}

let xsdCheck: ToolCheck | undefined;
let astropyCheck: ToolCheck | undefined;

export function checkXsdTool(): ToolCheck {
  if (xsdCheck) return xsdCheck;
  if (!existsSync(VALIDATE_XML)) xsdCheck = { ok: false, why: `${VALIDATE_XML} not found (../shared missing)` };
  else if (spawnSync("sh", ["-c", "command -v xmllint"]).status !== 0) {
    xsdCheck = { ok: false, why: "xmllint not found (apt-get install -y libxml2-utils)" };
  } else xsdCheck = { ok: true, why: "" };
  return xsdCheck;
}

export function checkAstropy(): ToolCheck {
  if (astropyCheck) return astropyCheck;
  const r = existsSync(PYTHON) ? spawnSync(PYTHON, ["-c", "import astropy.io.votable, numpy"]) : undefined;
  astropyCheck =
    r?.status === 0
      ? { ok: true, why: "" }
      : { ok: false, why: `astropy not importable by ${PYTHON} (apt-get install -y python3-astropy)` };
  return astropyCheck;
}

/** Call from a `before` hook: fails in CI, skips elsewhere. */
export function requireTool(ctx: { skip(): void }, check: ToolCheck): void {
  if (check.ok) return;
  if (process.env.CI) throw new Error(`required test tool missing in CI: ${check.why}`);
  console.warn(`    skipped: ${check.why}`);
  ctx.skip();
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs validate-xml on the files; returns the names that did not validate, with xmllint's messages. */
export function validateXml(files: readonly string[]): { failures: string[]; output: string } {
  const r = spawnSync(VALIDATE_XML, files, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const output = `${r.stdout}${r.stderr}`;
  const validated = new Set(
    output
      .split("\n")
      .filter((l) => l.endsWith(" validates"))
      .map((l) => l.slice(0, -" validates".length)),
  );
  return { failures: files.filter((f) => !validated.has(f)), output };
}

export function runPython(script: string, args: readonly string[]): string {
  return execFileSync(PYTHON, [script, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

export const ASTROPY_SCRIPT = join(here, "astropy_votable.py");
