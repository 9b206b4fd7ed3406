/**
 * Imported for its effect by the test helpers (child-server.ts, and through it service.ts) and by mocha's
 * configuration (.mocharc.json): every service that a test process starts, in the process or as a child, finds its
 * default data directory in a temporary directory of that process, never in the developer's
 * ~/.local/share/qserv-tap (config.ts defaultDataDir). XDG_DATA_HOME covers configFrom() in the process and children
 * whose environment drops TAP_* variables; TAP_DATA_DIR covers the children that keep them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MARK = "QSERV_TAP_TEST_DATA_HOME";

if (process.env[MARK] === undefined) {
  const home = mkdtempSync(join(tmpdir(), "tap-data-home-"));
  process.env[MARK] = home;
  process.env.XDG_DATA_HOME = home;
  process.env.TAP_DATA_DIR = join(home, "qserv-tap");
  // Only the process that made it removes it (children inherit the mark, and the directory).
  process.once("exit", () => rmSync(home, { recursive: true, force: true }));
}

/** The data directory that services of this test process use by default. */
export const testDataDir: string = process.env.TAP_DATA_DIR!;
