import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HeaderValue } from "../wcs.js";

/** Debian's python, which sees python3-astropy (the first python3 on PATH may be a pyenv build that does not). */
export const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./wcs_oracle.py", import.meta.url));

export interface OracleCase {
  header: Record<string, HeaderValue>;
  alt?: string;
  pixels: number[][];
  worlds: number[][];
}

export interface OracleBox {
  header: Record<string, HeaderValue>;
  inside: [number, number][];
  boundary: [number, number][];
  /** Pixels along the image's edge, for astropy to map to the sky. */
  edges: [number, number][];
}

type Coords = (number[] | null)[];
export interface OracleResult {
  astropy: { world: Coords; pixel: Coords }[];
  wcslib: { world: Coords; pixel: Coords }[];
  boxes: { inside: Coords; boundary: Coords; edges: Coords }[];
}

/** One python process for all the cases of a test file. A missing tool is a failure, never a skip. */
export function runOracle(cases: OracleCase[], boxes: OracleBox[] = []): OracleResult {
  const r = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify({ cases, boxes }),
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`wcs_oracle.py exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as OracleResult;
}

/** A FITS file holding only a primary header with these cards, for wcsware. */
export function headerFile(dir: string, name: string, values: Record<string, HeaderValue>): string {
  const cards = [card("SIMPLE", true), card("BITPIX", 8), card("NAXIS", 0)];
  for (const [k, v] of Object.entries(values)) cards.push(card(k, v));
  cards.push("END".padEnd(80));
  let text = cards.join("");
  text += " ".repeat((2880 - (text.length % 2880)) % 2880);
  const path = join(dir, name);
  writeFileSync(path, text, "latin1");
  return path;
}

function card(key: string, v: HeaderValue): string {
  let value: string;
  if (typeof v === "boolean") value = (v ? "T" : "F").padStart(20);
  else if (typeof v === "string") value = `'${v.replace(/'/g, "''").padEnd(8)}'`;
  else if (Number.isInteger(v) && Math.abs(v) < 1e15) value = String(v).padStart(20);
  else value = v.toExponential(16).toUpperCase().padStart(20);
  const c = `${key.padEnd(8)}= ${value}`;
  if (c.length > 80) throw new Error(`card too long: ${c}`);
  return c.padEnd(80);
}

/**
 * wcslib's own command-line tool: `wcsware -x` (pixel → world) and `-w` (world → pixel), one coordinate per
 * line on stdin. It prints world coordinates with 6 decimals and pixels with about 9 significant digits.
 */
export async function wcsware(file: string, alt: string, mode: "-x" | "-w", coords: number[][]): Promise<Coords> {
  const args: string[] = [mode];
  if (alt.trim() !== "") args.push(`-a${alt.trim()}`);
  args.push(file);
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn("wcsware", args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`wcsware exited ${code}: ${err}`))));
    child.stdin.end(coords.map((c) => c.join(" ")).join("\n") + "\n");
  });
  const label = mode === "-x" ? "World:" : "Pixel:";
  // Each coordinate's answer starts with a prompt; an error in between leaves that coordinate without a value.
  const blocks = stdout.split(/Enter \d+ (?:pixel|world) coordinate elements:/).slice(1, coords.length + 1);
  return blocks.map((b) => {
    const line = b.split("\n").find((l) => l.trim().startsWith(label));
    if (!line) return null;
    const nums = line.trim().slice(label.length).split(",").map((s) => Number(s.trim()));
    return nums.every(Number.isFinite) ? nums : null;
  });
}

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "sky-wcs-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
