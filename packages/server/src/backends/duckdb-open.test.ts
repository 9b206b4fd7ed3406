/**
 * DuckDbBackend.open on a database file: the file is attached (for its row group size) and made the default database
 * under the name that DuckDB gives it, the file's stem, however the path reaches it.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DuckDbBackend } from "./duckdb.js";

describe("server DuckDB: opening a database file", function () {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "tap-duckdb-open-"));
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "link"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const PATHS: readonly (readonly [what: string, path: () => string, stem: string])[] = [
    ["an absolute path", () => join(dir, "real", "tap.duckdb"), "tap"],
    ["a path through a symbolic link to its directory", () => join(dir, "link", "linked.duckdb"), "linked"],
    ["a relative path", () => relative(process.cwd(), join(dir, "real", "rel-ative.db")), "rel-ative"],
  ];
  for (const [what, path, stem] of PATHS) {
    it(`${what}: the file's stem is the default database, and what is written stays in the file`, async () => {
      const first = await DuckDbBackend.open(path());
      try {
        expect(await first.rows("SELECT current_database()")).to.deep.equal([[stem]]);
        await first.run("CREATE TABLE kept AS SELECT 42 AS answer");
      } finally {
        await first.close();
      }
      const again = await DuckDbBackend.open(path());
      try {
        expect(await again.rows(`SELECT answer FROM "${stem}".main.kept`)).to.deep.equal([[42]]);
      } finally {
        await again.close();
      }
    });
  }
});
