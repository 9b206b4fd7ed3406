/**
 * Helpers for the tests that run tools no one here wrote: astropy (Debian's /usr/bin/python3), cfitsio's fpack,
 * funpack and imcopy, and fitsverify. A missing tool fails the test, everywhere: these checks are the point.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, "../../../..");
export const SHARED = resolve(REPO_ROOT, "../shared");
export const RUBIN_FILE = join(SHARED, "rubin/images/deep_coadd_5428_76_g.fits");
export const PYTHON = "/usr/bin/python3";
export const ASTROPY_HELPER = join(here, "astropy_fits.py");

const INSTALL: Record<string, string> = {
  fpack: "libcfitsio-bin",
  funpack: "libcfitsio-bin",
  imcopy: "libcfitsio-bin",
  fitsverify: "fitsverify",
};

/** Throws, naming the Debian package, when a tool is not on PATH or astropy is not importable. */
export function requireTools(...tools: string[]): void {
  for (const t of tools) {
    if (t === "astropy") {
      const r = spawnSync(PYTHON, ["-c", "import astropy.io.fits, astropy.nddata, numpy"]);
      if (r.status !== 0) throw new Error(`astropy is not importable by ${PYTHON} (apt-get install python3-astropy)`);
    } else if (spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0) {
      throw new Error(`${t} not found (apt-get install ${INSTALL[t] ?? t})`);
    }
  }
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs test-support/astropy_fits.py with a command and a JSON argument; returns its JSON answer. */
export function astropy<T = unknown>(command: string, arg: unknown): T {
  const r = spawnSync(PYTHON, [ASTROPY_HELPER, command], { input: JSON.stringify(arg), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`astropy_fits.py ${command} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as T;
}

export function run(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return `${r.stdout}${r.stderr}`;
}

/** fitsverify's totals for one file: "N error(s)" and "M warning(s)" from its summary line. */
export function fitsverify(file: string): { errors: number; warnings: number; output: string } {
  const r = spawnSync("fitsverify", [file], { encoding: "utf8" });
  const output = `${r.stdout}${r.stderr}`;
  const m = /\*\*\*\*\s*Verification found (\d+) warning\(s\) and (\d+) error\(s\)/.exec(output);
  if (!m) throw new Error(`fitsverify printed no summary for ${file}:\n${output}`);
  return { warnings: Number(m[1]), errors: Number(m[2]), output };
}

/** As astropy(), without blocking: the tests start python (slow to import astropy) while other tools run. */
export function astropyAsync<T = unknown>(command: string, arg: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [ASTROPY_HELPER, command], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`astropy_fits.py ${command} exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out) as T);
    });
    child.stdin.end(JSON.stringify(arg));
  });
}

export function runAsync(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`${cmd} ${args.join(" ")}: ${e.message} ${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}
