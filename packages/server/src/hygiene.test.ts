/**
 * What a crash or a client must not find (issue 11, "Hygiene"): result files that a killed
 * process left half-written are removed at the next start, and /availability does not show
 * where the server keeps its DuckDB file.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalDirResultStore } from "./uws/result-store.js";
import { get, startService } from "./test-support/service.js";

describe("server hygiene: leftovers of a crash, paths in public documents", function () {
  this.timeout(60_000);

  it("removes result.N.partial files at start, and keeps complete results and uploads", () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-results-"));
    try {
      mkdirSync(join(dir, "job1"));
      // name, what a crash left, whether it stays
      const FILES: [string, boolean][] = [
        ["result.3.partial", false],
        ["upload_t1.12.partial", false],
        ["result", true],
        ["upload_t1", true],
        ["notes.partial", true],
      ];
      for (const [name] of FILES) writeFileSync(join(dir, "job1", name), "x");
      new LocalDirResultStore(dir);
      expect(readdirSync(join(dir, "job1")).sort()).to.deep.equal(FILES.filter(([, stays]) => stays).map(([n]) => n).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("/availability names the DuckDB backend without its file path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-duckfile-"));
    const path = join(dir, "secret-place", "tap.duckdb");
    const running = await startService({ demo: false, duckdb: { path } });
    try {
      const r = await get(`${running.url}/availability`);
      expect(r.text).to.contain("<vosi:available>true</vosi:available>");
      expect(r.text).to.contain("The embedded DuckDB answers queries.");
      expect(r.text).not.to.contain("secret-place");
      expect(existsSync(path)).to.equal(true);
    } finally {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
