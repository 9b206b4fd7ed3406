/**
 * Directories for the files that tests make and remove again (DuckDB databases, job stores): in RAM (/dev/shm) where
 * the machine has it, else in the system's temporary directory. DuckDB syncs its write-ahead log at each commit and
 * the file at its checkpoint, and the job store syncs each job: on a disk, a demo service's start and close took
 * 400-500 ms, in RAM 300-350 (a tenth of npm run test:quick went to such starts).
 */
import { accessSync, constants, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RAM = "/dev/shm";

let base: string | undefined;

/** Where scratch directories go: /dev/shm when it is a directory this process may write, else tmpdir(). */
function scratchBase(): string {
  if (base !== undefined) return base;
  try {
    accessSync(RAM, constants.W_OK);
    base = statSync(RAM).isDirectory() ? RAM : tmpdir();
  } catch {
    base = tmpdir();
  }
  return base;
}

/** A new directory for a test's scratch files (mkdtemp), which the test removes. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(scratchBase(), prefix));
}
