/**
 * The packages as the registry would serve them (issue 16): `npm pack` of each workspace package, the tarballs
 * installed with `npm install` in an empty directory, and the commands a user then runs there: `npx tap-server serve`
 * on the zero-configuration demo (one TAP query and one SODA cutout, both from the sample it prints) and
 * `npx adql2qserv`, and `npx fits-cutout`. Dependencies come from npm's cache when it has them (--prefer-offline),
 * else from the registry.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./test-support/child-server.js";
import { run, runOk, start, userEnv } from "./test-support/commands.js";
import { writeTestImage } from "./test-support/images.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PACKAGES = ["adql-compiler", "votable", "sky", "fits", "server"];
const NPM_QUIET = ["--prefer-offline", "--no-audit", "--no-fund"];

interface Pkg {
  name: string;
  main: string;
  types: string;
  bin?: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  publishConfig?: { access?: string };
}

describe("packaging: the tarballs install and run from an empty directory (issue 16)", function () {
  this.timeout(600_000);
  let dir: string;
  let app: string;
  const tarballs = new Map<string, { file: string; entries: string[] }>();
  const times: string[] = [];

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "tap-packaging-"));
    app = join(dir, "app");
    mkdirSync(app);
    // What is packed is dist/, so it must be current (npm test has just run tsc -b; alone, this test builds).
    const built = await runOk("npm", ["run", "build"], { cwd: ROOT });
    times.push(`build ${built.ms} ms`);
    const packed = await runOk("npm", ["pack", "--json", "--pack-destination", dir, ...PACKAGES.flatMap((p) => ["-w", `packages/${p}`])], { cwd: ROOT });
    times.push(`npm pack ${packed.ms} ms`);
    for (const t of JSON.parse(packed.stdout) as { name: string; filename: string; files: { path: string }[] }[]) {
      tarballs.set(t.name, { file: join(dir, t.filename.replace(/^@/, "").replace("/", "-")), entries: t.files.map((f) => f.path) });
    }
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "newcomer", private: true }));
    const installed = await runOk("npm", ["install", ...NPM_QUIET, ...[...tarballs.values()].map((t) => t.file)], { cwd: app });
    times.push(`npm install ${installed.ms} ms`);
  });

  after(function () {
    console.log(`      packaging times: ${times.join(", ")}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("packs every workspace package", function () {
    expect([...tarballs.keys()].sort()).to.deep.equal(PACKAGES.map((p) => `@qserv-tap/${p}`).sort());
  });

  for (const p of PACKAGES) {
    it(`@qserv-tap/${p}: the tarball has LICENSE, README, its entry points and bins, and no tests`, function () {
      const pkg = JSON.parse(readFileSync(join(ROOT, "packages", p, "package.json"), "utf8")) as Pkg;
      const { entries } = tarballs.get(pkg.name)!;
      const strip = (f: string) => f.replace(/^\.\//, "");
      const needed = [
        "LICENSE",
        "README.md",
        "package.json",
        pkg.main,
        pkg.types,
        ...Object.values(pkg.bin ?? {}),
        ...Object.values(pkg.exports).flatMap((e) => (typeof e === "string" ? [e] : [e.types!, e.default!])),
      ].map(strip);
      expect(entries).to.include.members(needed);
      // Every condition of the exports leads into the tarball but the repository's own, for its sources (src/ is not
      // shipped): a consumer whose tools set a common one ("source", in monorepos like this one) must not be sent there.
      for (const e of Object.values(pkg.exports)) {
        if (typeof e === "string") continue;
        for (const [condition, target] of Object.entries(e)) if (condition !== "qserv-tap-source") expect(entries, `${p}: ${condition}`).to.include(strip(target));
      }
      expect(entries.filter((f) => /\.test\.|test-support\/|(^|\/)src\//.test(f))).to.deep.equal([]);
      expect(pkg.publishConfig?.access).to.equal("public");
      // The GPL-3.0-or-later of every package.json, as its full text.
      expect(readFileSync(join(app, "node_modules", pkg.name, "LICENSE"), "utf8")).to.match(/GNU GENERAL PUBLIC LICENSE\s+Version 3, 29 June 2007/);
    });
  }

  it("@qserv-tap/server ships the demo's Felis schemas and the query page", function () {
    expect(tarballs.get("@qserv-tap/server")!.entries).to.include.members(["demo/demo.yaml", "demo/obscore.yaml", "static/index.html"]);
  });

  it("each package imports by its name in plain Node (no source condition, no tsx)", async function () {
    const names = PACKAGES.map((p) => `@qserv-tap/${p}`).concat(["@qserv-tap/adql-compiler/duckdb", "@qserv-tap/adql-compiler/mariadb"]);
    const script = `for (const n of ${JSON.stringify(names)}) { const m = await import(n); if (Object.keys(m).length === 0) throw new Error(n + " exports nothing"); }`;
    await runOk(process.execPath, ["--input-type=module", "-e", script], { cwd: app });
  });

  it("npx tap-server serve: the demo with no configuration, one TAP query and one SODA cutout from the printed sample", async function () {
    const data = join(dir, "data");
    const port = await freePort();
    const server = await start("npx", ["tap-server", "serve"], {
      cwd: app,
      env: userEnv({
        PORT: String(port),
        HOST: "127.0.0.1",
        TAP_CONFIG: "",
        // The one data setting (DuckDB file, async jobs, demo images), so that nothing lands in the user's data home.
        TAP_DATA_DIR: data,
      }),
      ready: /curl -s -o cutout\.fits '[^']+'\n/,
    });
    try {
      const out = server.output();
      const tap = / at (http:\/\/127\.0\.0\.1:\d+\/tap)\n/.exec(out)![1]!;
      expect(tap).to.equal(`http://127.0.0.1:${port}/tap`);
      const query = /--data-urlencode "QUERY=([^"]+)"/.exec(out)![1]!;
      // TAP 1.1 §2.7.1: sync query; the sample asks for 5 stars of demo.stars as CSV.
      const r = await fetch(`${tap}/sync`, { method: "POST", body: new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: "csv", QUERY: query }) });
      const csv = await r.text();
      expect(r.status, csv).to.equal(200);
      const lines = csv.trim().split(/\r?\n/);
      expect(lines[0]).to.equal("star_id,ra,dec,g_mag");
      expect(lines).to.have.length(6);
      // SODA 1.0 §3.3: a CIRCLE cutout answers a FITS file.
      const cutoutUrl = /curl -s -o cutout\.fits '([^']+)'/.exec(out)![1]!;
      const c = await fetch(cutoutUrl);
      const fits = Buffer.from(await c.arrayBuffer());
      expect(c.status, fits.toString("latin1", 0, 400)).to.equal(200);
      expect(c.headers.get("content-type")).to.match(/^application\/fits/);
      expect(fits.toString("latin1", 0, 30)).to.match(/^SIMPLE {2}=\s+T/);
      expect(fits.length % 2880).to.equal(0);
      expect(existsSync(join(data, "tap.duckdb")), "the DuckDB file in TAP_DATA_DIR").to.equal(true);
    } finally {
      await server.stop();
    }
  });

  const schema = "node_modules/@qserv-tap/adql-compiler/schemas/example.yaml";
  const cases: { what: string; args: string[]; status: number; out: RegExp }[] = [
    {
      what: "a cone on the example schema, to Qserv SQL",
      args: ["--schema", schema, "SELECT TOP 3 objectId, ra FROM demo.Object WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 20, 0.5))"],
      status: 0,
      out: /^SELECT .*FROM `demo`\.`Object` WHERE scisql_s2PtInCircle\(`Object`\.`ra`, `Object`\.`dec`, 10, 20, 0\.5\) = 1 LIMIT 3\n$/,
    },
    { what: "the DuckDB dialect", args: ["--dialect", "duckdb", "SELECT TOP 1 1 AS one FROM t"], status: 0, out: /LIMIT 1\n$/ },
    { what: "an ADQL syntax error: exit 2 and line:column", args: ["SELECT FROM t"], status: 2, out: /^1:8: ADQL_SYNTAX_ERROR / },
  ];
  for (const c of cases) {
    it(`npx adql2qserv: ${c.what}`, async function () {
      const r = await run("npx", ["adql2qserv", ...c.args], { cwd: app });
      expect(r.status, r.stderr).to.equal(c.status);
      expect(c.status === 0 ? r.stdout : r.stderr).to.match(c.out);
    });
  }

  it("npx fits-cutout: --info and a CIRCLE cutout of an afw-layout image (the fits package's bin)", async function () {
    const image = join(dir, "image.fits");
    await writeTestImage(image, { ra: 150, dec: 2, nx: 64, ny: 64, layout: "afw" });
    const info = await run("npx", ["fits-cutout", "--info", image], { cwd: app });
    expect(info.status, info.stderr).to.equal(0);
    expect(info.stdout).to.match(/IMAGE/).and.match(/VARIANCE/);
    const out = join(dir, "cutout.fits");
    const cut = await run("npx", ["fits-cutout", image, "--hdu", "IMAGE", "--circle", "150", "2", "0.002", "-o", out], { cwd: app });
    expect(cut.status, cut.stderr).to.equal(0);
    expect(readFileSync(out).toString("latin1", 0, 30)).to.match(/^SIMPLE {2}=\s+T/);
  });
});
