/**
 * The newcomer's path (issue 16), exactly as the READMEs write it, in a fresh clone of this repository's HEAD: the root
 * README's quick start (`npm ci && npm start`), then packages/server/README.md's `npx tap-server load --schema
 * stars.yaml --table lab.stars stars.csv` followed by `npm start`. A loaded table must appear whatever the working
 * directory of the load and of the server: the default data location may not depend on it. The defaults are looked
 * at with XDG_DATA_HOME in a temporary directory (where config.ts puts them by default), and the TAP_DATA_DIR setting
 * with a directory of its own. npm ci takes its packages from npm's cache when it has them (--prefer-offline).
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./test-support/child-server.js";
import { runOk, start, tapCsv, userEnv } from "./test-support/commands.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const STARS_YAML = `---
name: lab
description: A lab catalog for the quick start.
tables:
- name: stars
  "@id": "#stars"
  description: Stars.
  primaryKey: "#stars.id"
  columns:
  - { name: id, "@id": "#stars.id", datatype: long, ivoa:ucd: meta.id;meta.main }
  - { name: ra, "@id": "#stars.ra", datatype: double, ivoa:unit: deg, ivoa:ucd: pos.eq.ra;meta.main }
  - { name: dec, "@id": "#stars.dec", datatype: double, ivoa:unit: deg, ivoa:ucd: pos.eq.dec;meta.main }
  - { name: mag, "@id": "#stars.mag", datatype: float, ivoa:unit: mag }
- name: galaxies
  "@id": "#galaxies"
  description: Galaxies.
  primaryKey: "#galaxies.id"
  columns:
  - { name: id, "@id": "#galaxies.id", datatype: long, ivoa:ucd: meta.id;meta.main }
  - { name: z, "@id": "#galaxies.z", datatype: double, ivoa:ucd: src.redshift }
`;
const STARS_CSV = "id,ra,dec,mag\n2,200,45.5,\n1,10.5,-20.25,15.5\n3,359.75,-89.5,17.25\n";
const STARS_ROWS = "id,mag\n1,15.5\n2,\n3,17.25";
const GALAXIES_CSV = "id,z\n10,0.5\n11,1.25\n";
const GALAXIES_ROWS = "id,z\n10,0.5\n11,1.25";

const READY = / at (http:\/\/127\.0\.0\.1:\d+\/tap)\n/;

describe("quick start: the READMEs' commands in a fresh clone (issue 16)", function () {
  this.timeout(900_000);
  let dir: string;
  let clone: string;
  let xdg: string;
  const times: string[] = [];

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "tap-quick-start-"));
    clone = join(dir, "qserv-tap");
    xdg = join(dir, "xdg");
    const cloned = await runOk("git", ["clone", "-q", ROOT, clone], { cwd: dir });
    times.push(`git clone ${cloned.ms} ms`);
    const ci = await runOk("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: clone, timeoutMs: 600_000 });
    times.push(`npm ci ${ci.ms} ms`);
    writeFileSync(join(clone, "stars.yaml"), STARS_YAML);
    writeFileSync(join(clone, "stars.csv"), STARS_CSV);
    writeFileSync(join(clone, "galaxies.csv"), GALAXIES_CSV);
  });

  after(function () {
    console.log(`      quick-start times: ${times.join(", ")}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A user's shell: no TAP_* settings, a free PORT, and the default data location under XDG_DATA_HOME in `dir`. */
  const shell = async (extra: Record<string, string> = {}) =>
    userEnv({ PORT: String(await freePort()), HOST: "127.0.0.1", XDG_DATA_HOME: xdg, ...extra });

  /** Starts the server as `command` in `cwd`, runs the queries and stops it; returns each query's CSV. */
  async function serveAndQuery(what: string, command: string[], cwd: string, queries: string[], extra: Record<string, string> = {}): Promise<string[]> {
    const t0 = Date.now();
    const server = await start(command[0]!, command.slice(1), { cwd, env: await shell(extra), ready: READY, timeoutMs: 600_000 });
    times.push(`${what} ${Date.now() - t0} ms`);
    try {
      const tap = READY.exec(server.output())![1]!;
      const answers: string[] = [];
      for (const q of queries) {
        const r = await tapCsv(tap, q);
        expect(r.status, `${q}: ${r.body}`).to.equal(200);
        answers.push(r.body.trim().replace(/\r\n/g, "\n"));
      }
      return answers;
    } finally {
      await server.stop();
    }
  }

  const load = async (cwd: string, args: string[], extra: Record<string, string> = {}) => {
    const r = await runOk("npx", ["tap-server", "load", ...args], { cwd, env: await shell(extra) });
    times.push(`tap-server load ${r.ms} ms`);
  };

  it("npm ci && npm start: TAP on the demo catalog (README's quick start, the curl it shows)", async function () {
    const [demo] = await serveAndQuery("first npm start (tsc -b, demo)", ["npm", "start"], clone, [
      "SELECT TOP 5 star_id, ra, dec, g_mag FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 180, 30, 1))",
    ]);
    expect(demo!.split("\n")[0]).to.equal("star_id,ra,dec,g_mag");
    expect(demo!.split("\n")).to.have.length(6);
  });

  it("npx tap-server load --schema stars.yaml --table lab.stars stars.csv from the root, then npm start: lab.stars is served", async function () {
    await load(clone, ["--schema", "stars.yaml", "--table", "lab.stars", "stars.csv"]);
    const [stars] = await serveAndQuery("npm start", ["npm", "start"], clone, ["SELECT id, mag FROM lab.stars ORDER BY id"]);
    expect(stars).to.equal(STARS_ROWS);
  });

  it("a load from another directory (docs/), and the server started from packages/server and from docs/: both tables are served", async function () {
    await load(join(clone, "docs"), ["--schema", "../stars.yaml", "--table", "lab.galaxies", "../galaxies.csv"]);
    const queries = ["SELECT id, mag FROM lab.stars ORDER BY id", "SELECT id, z FROM lab.galaxies ORDER BY id"];
    expect(await serveAndQuery("npm start in packages/server", ["npm", "start"], join(clone, "packages", "server"), queries)).to.deep.equal([
      STARS_ROWS,
      GALAXIES_ROWS,
    ]);
    expect(await serveAndQuery("npx tap-server serve in docs/", ["npx", "tap-server", "serve"], join(clone, "docs"), queries)).to.deep.equal([
      STARS_ROWS,
      GALAXIES_ROWS,
    ]);
  });

  it("nothing is written under the working directories: no data/ in the clone's root or in packages/server", function () {
    expect(existsSync(join(clone, "data")), "data/ in the root").to.equal(false);
    expect(existsSync(join(clone, "packages", "server", "data")), "packages/server/data").to.equal(false);
    expect(existsSync(join(clone, "docs", "data")), "docs/data").to.equal(false);
  });

  it("TAP_DATA_DIR: a load from docs/ and npm start from the root share the data directory that the environment names", async function () {
    const data = join(dir, "elsewhere");
    await load(join(clone, "docs"), ["--schema", "../stars.yaml", "--table", "lab.galaxies", "../galaxies.csv"], { TAP_DATA_DIR: data });
    const queries = ["SELECT id, z FROM lab.galaxies ORDER BY id", "SELECT COUNT(*) AS n FROM TAP_SCHEMA.tables WHERE table_name = 'lab.stars'"];
    const [galaxies, stars] = await serveAndQuery("npm start with TAP_DATA_DIR", ["npm", "start"], clone, queries, { TAP_DATA_DIR: data });
    expect(galaxies).to.equal(GALAXIES_ROWS);
    // lab.stars was loaded into the default location only: this data directory has just what was loaded into it.
    expect(stars).to.equal("n\n0");
    expect(existsSync(join(data, "tap.duckdb"))).to.equal(true);
  });
});
