/**
 * `tap-server` as an operator starts it: a database it cannot reach is named in one line, with
 * exit status 1 and no stack trace; a configuration error exits with 2.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
// Resolved here, since the child runs in an empty directory where "tsx" would not resolve.
const TSX = import.meta.resolve("tsx");

const CASES: [string, Record<string, string>, number, RegExp][] = [
  ["a MariaDB that refuses the connection", { TAP_BACKEND: "mariadb", TAP_MARIADB_URL: "mysql://tap@127.0.0.1:1/cat" }, 1, /^tap-server: cannot open the MariaDB at 127\.0\.0\.1:1\/cat \(user tap\): connect ECONNREFUSED 127\.0\.0\.1:1\n$/],
  ["a Qserv czar whose host does not exist", { TAP_BACKEND: "qserv", TAP_QSERV_URL: "mysql://qsmaster@czar.invalid:4040/dp02" }, 1, /^tap-server: cannot open the Qserv czar at czar\.invalid:4040\/dp02 \(user qsmaster\): getaddrinfo (ENOTFOUND|EAI_AGAIN) czar\.invalid\n$/],
  ["an unknown backend", { TAP_BACKEND: "oracle" }, 2, /^tap-server: backend must be duckdb, mariadb or qserv, not "oracle"\n$/],
];

describe("server tap-server start-up errors", function () {
  this.timeout(60_000);
  for (const [name, env, status, stderr] of CASES) {
    it(`reports ${name} in one line, exit ${status}`, () => {
      // No configuration file: run in an empty directory, without TAP_CONFIG.
      const cwd = mkdtempSync(join(tmpdir(), "tap-main-"));
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TAP_")));
      const r = spawnSync(process.execPath, ["--import", TSX, "--conditions", "source", MAIN, "serve"], {
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
});
