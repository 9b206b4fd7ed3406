/**
 * `tap-server` as an operator starts it: a configuration error is named in one line, with exit
 * status 2 and no stack trace. (A database that cannot be reached does not stop the start, and
 * one that refuses the configured user or database does, with 2: see faults.test.ts.) What it loads before it reads
 * its configuration is checked too.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PRINT_RESOLVED, resolvedUrls } from "../../adql-compiler/src/test-support/resolved-modules.js";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
// Resolved here, since the child runs in an empty directory where "tsx" would not resolve.
const TSX = import.meta.resolve("tsx");

const CASES: [string, Record<string, string>, number, RegExp][] = [
  ["a DuckDB memory limit that is not a size", { TAP_DUCKDB_MEMORY_LIMIT: "lots" }, 2, /^tap-server: TAP_DUCKDB_MEMORY_LIMIT \(duckdb\.memoryLimit\) must be a size such as 512MiB or 2GiB, not "lots"\n$/],
  ["a negative shutdown grace", { TAP_SHUTDOWN_GRACE: "-1" }, 2, /^tap-server: TAP_SHUTDOWN_GRACE \(http\.shutdownGraceSeconds\) must be a non-negative number of seconds up to 2147483 \(24\.8 days\), not "-1"\n$/],
  // What the operator probe met as stack traces with exit 1
  ["a base URL that is not one", { TAP_BASE_URL: "notaurl" }, 2, /^tap-server: baseUrl \(TAP_BASE_URL\) must be the public http\(s\) URL of the service's TAP .*, not "notaurl"\n$/],
  ["a schema file that is not there", { TAP_SCHEMAS: "/nonexistent/schema.yaml", TAP_DUCKDB_PATH: ":memory:" }, 2, /^tap-server: ENOENT: no such file or directory, open '\/nonexistent\/schema\.yaml'\n$/],
  ["a data directory that is a file", { TAP_DATA_DIR: "/etc/passwd" }, 2, /^tap-server: EEXIST: file already exists, mkdir '\/etc\/passwd'\n$/],
  ["an argument to serve (it was ignored: --port 9999 served on PORT)", { TAP_ARGS: "--port 9999" }, 2, /^tap-server: serve takes no arguments, not --port 9999: set PORT, HOST and the TAP_\* variables, or TAP_CONFIG \(tap-server help\)\n$/],
  ["a host that does not resolve", { HOST: "not..a..host", TAP_DUCKDB_PATH: ":memory:", TAP_DEMO: "false", TAP_IMAGES_REGISTRY: "none" }, 2, /^tap-server: cannot listen on not\.\.a\.\.host:0: getaddrinfo (ENOTFOUND|EAI_AGAIN) not\.\.a\.\.host\n$/],
  ["an unknown backend", { TAP_BACKEND: "oracle" }, 2, /^tap-server: TAP_BACKEND \(backend\) must be duckdb, mariadb or qserv, not "oracle"\n$/],
  // Issue 16's three examples, in a configuration file: one line each, with the file, the key, the value and what is expected.
  [
    "a misspelt key, a port and a hard MAXREC that are not numbers, in the file",
    { TAP_CONFIG: "bad.json", BAD_JSON: JSON.stringify({ backnd: "duckdb", port: "abc", limits: { hardMaxrec: "lots" } }) },
    2,
    /^tap-server: \/\S+\/bad\.json: port must be an integer from 0 to 65535, not "abc"\ntap-server: \/\S+\/bad\.json: limits\.hardMaxrec must be a non-negative integer, not "lots"\ntap-server: \/\S+\/bad\.json: backnd is not a setting \(did you mean backend\?\)\n$/,
  ],
];

describe("server tap-server start-up errors", function () {
  this.timeout(60_000);
  for (const [name, env, status, stderr] of CASES) {
    it(`reports ${name} in one line, exit ${status}`, () => {
      // No configuration file: run in an empty directory, without TAP_CONFIG.
      const cwd = mkdtempSync(join(tmpdir(), "tap-main-"));
      if (env.BAD_JSON) writeFileSync(join(cwd, "bad.json"), env.BAD_JSON);
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TAP_")));
      const r = spawnSync(process.execPath, ["--import", TSX, "--conditions", "qserv-tap-source", MAIN, "serve", ...(env.TAP_ARGS?.split(" ") ?? [])], {
        cwd,
        env: { ...base, PORT: "0", ...env },
        encoding: "utf8",
        timeout: 50_000,
      });
      rmSync(cwd, { recursive: true, force: true });
      expect(r.status, r.stderr).to.equal(status);
      expect(r.stderr).to.match(stderr);
    });
  }

  /**
   * Every module that `tap-server` imports before it reads its configuration is loaded here, before the error: a
   * resolve hook (module.register, in a data: URL) prints each one. mysql2 (for the mariadb and qserv backends and the
   * shared job store) and hyparquet-writer (for Parquet results) are loaded when first used, so that the default
   * service neither spends the 0.1 s that each takes to load nor keeps them in its heap (26.5 MB after the import
   * instead of 35).
   */
  it("loads neither mysql2 nor hyparquet-writer before they are needed", () => {
    const cwd = mkdtempSync(join(tmpdir(), "tap-main-"));
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TAP_")));
    const r = spawnSync(process.execPath, [...PRINT_RESOLVED, "--import", TSX, "--conditions", "qserv-tap-source", MAIN, "serve"], {
      cwd,
      env: { ...base, PORT: "0", TAP_BACKEND: "oracle" },
      encoding: "utf8",
      timeout: 50_000,
    });
    rmSync(cwd, { recursive: true, force: true });
    expect(r.status, r.stderr).to.equal(2);
    const resolved = resolvedUrls(r.stderr);
    // The modules of the service itself, and its database, were loaded.
    expect(resolved.filter((l) => /\/server\/src\/(startup|app|backends\/duckdb)\.ts$/.test(l))).to.have.length(3);
    expect(resolved.filter((l) => /\/node_modules\/@duckdb\/node-api\//.test(l))).to.have.length.above(0);
    expect(resolved.filter((l) => /\/node_modules\/(mysql2|hyparquet|hyparquet-writer)\/|\/(store-mysql|mariadb)\.ts$/.test(l))).to.deep.equal([]);
  });
});
