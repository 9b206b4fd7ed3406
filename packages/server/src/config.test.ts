/**
 * The configuration (issue 16): one data directory whatever the working directory, and one declaration (zod) that
 * the file and the environment are both checked against, that the usage text lists and that the README's table
 * documents — every variable and key, and nothing that does not exist.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CONFIG_FILE_ENV,
  CONFIG_SCHEMA,
  ConfigError,
  configFrom,
  defaultDataDir,
  defaultEncodingThreads,
  ENV_VARS,
  loadConfig,
  SECTIONS,
  SETTINGS_LIST,
  type Config,
} from "./config.js";
import "./test-support/data-dir.js";

const PACKAGE = fileURLToPath(new URL("../", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
// Resolved here: tsx's transform leaves import.meta.resolve only at the top level of a module.
const TSX = import.meta.resolve("tsx");

describe("server configuration: one data directory", () => {
  /** [XDG_DATA_HOME, home, the default data directory]: the XDG Base Directory Specification's rules. */
  const defaults: [string | undefined, string, string][] = [
    [undefined, "/home/ann", "/home/ann/.local/share/qserv-tap"],
    ["", "/home/ann", "/home/ann/.local/share/qserv-tap"],
    ["/srv/data", "/home/ann", "/srv/data/qserv-tap"],
    // "If an implementation encounters a relative path in any of these variables it should consider the path invalid and ignore it."
    ["relative/dir", "/home/ann", "/home/ann/.local/share/qserv-tap"],
  ];
  for (const [xdg, home, want] of defaults) {
    it(`XDG_DATA_HOME=${JSON.stringify(xdg)}, home ${home}: ${want}`, () => {
      expect(defaultDataDir(xdg === undefined ? {} : { XDG_DATA_HOME: xdg }, home)).to.equal(want);
    });
  }

  type Paths = Pick<Config, "dataDir"> & { duckdb: string; async: string; images: string; registry: string };
  const paths = (c: Config): Paths => ({
    dataDir: c.dataDir,
    duckdb: c.duckdb.path,
    async: c.async.dir,
    images: c.images.dir,
    registry: c.images.registryPath,
  });
  const under = (d: string): Paths => ({
    dataDir: d,
    duckdb: `${d}/tap.duckdb`,
    async: `${d}/async`,
    images: `${d}/images`,
    registry: `${d}/images.duckdb`,
  });
  /** [what, file, environment, the paths]: cwd /work/here, the file in /etc/tap; the file's relative paths are the file's, the environment's the cwd's. */
  const cases: [string, Record<string, unknown>, Record<string, string>, Paths][] = [
    ["nothing: under XDG_DATA_HOME", {}, { XDG_DATA_HOME: "/xdg" }, under("/xdg/qserv-tap")],
    ["dataDir in the file, relative to the file", { dataDir: "var" }, { XDG_DATA_HOME: "/xdg" }, under("/etc/tap/var")],
    ["TAP_DATA_DIR, relative to the working directory", { dataDir: "var" }, { TAP_DATA_DIR: "d" }, under("/work/here/d")],
    ["TAP_DATA_DIR absolute", {}, { TAP_DATA_DIR: "/data/tap" }, under("/data/tap")],
    [
      "an explicit location moves only its own file",
      { duckdb: { path: "db/tap.duckdb" } },
      { TAP_DATA_DIR: "/d", TAP_ASYNC_DIR: "jobs" },
      { ...under("/d"), duckdb: "/etc/tap/db/tap.duckdb", async: "/work/here/jobs" },
    ],
    ["an in-memory DuckDB", {}, { TAP_DATA_DIR: "/d", TAP_DUCKDB_PATH: ":memory:" }, { ...under("/d"), duckdb: ":memory:" }],
    [
      "the image locations",
      { images: { dir: "img" } },
      { TAP_DATA_DIR: "/d", TAP_IMAGES_REGISTRY_PATH: "/r/images.duckdb" },
      { ...under("/d"), images: "/etc/tap/img", registry: "/r/images.duckdb" },
    ],
  ];
  for (const [what, file, env, want] of cases) {
    it(what, () => {
      expect(paths(configFrom(file, env, "/work/here", "/etc/tap"))).to.deep.equal(want);
    });
  }

  it("is the same from any working directory, so that `tap-server load` and `npm start` open the same database (issue 16)", () => {
    const root = mkdtempSync(join(tmpdir(), "tap-config-cwd-"));
    try {
      const dirs = [root, join(root, "packages", "server"), join(root, "docs")];
      for (const d of dirs) mkdirSync(d, { recursive: true });
      const env = { XDG_DATA_HOME: join(root, "xdg") };
      const seen = dirs.map((d) => paths(loadConfig(env, d)));
      for (const s of seen) expect(s).to.deep.equal(under(join(root, "xdg", "qserv-tap")));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("server configuration: refused at start, one line per problem", () => {
  /** [file, environment, the error's lines]: the key (and the variable), the value, and what is expected. */
  const refused: [Record<string, unknown>, Record<string, string>, (string | RegExp)[]][] = [
    // Issue 16's three examples.
    [{ backnd: "duckdb" }, {}, ["backnd is not a setting (did you mean backend?)"]],
    [{ port: "abc" }, {}, ['port must be an integer from 0 to 65535, not "abc"']],
    [{ limits: { hardMaxrec: "lots" } }, {}, ['limits.hardMaxrec must be a non-negative integer, not "lots"']],
    [{}, { PORT: "abc" }, ['PORT (port) must be an integer from 0 to 65535, not "abc"']],
    [{}, { TAP_HARD_MAXREC: "lots" }, ['TAP_HARD_MAXREC (limits.hardMaxrec) must be a non-negative integer, not "lots"']],
    // All at once: every problem, file first.
    [
      { backnd: "duckdb", port: "abc", limits: { hardMaxrec: "lots" } },
      { TAP_DEMO: "yes" },
      [
        'port must be an integer from 0 to 65535, not "abc"',
        'limits.hardMaxrec must be a non-negative integer, not "lots"',
        "backnd is not a setting (did you mean backend?)",
        'TAP_DEMO (demo) must be true or false, not "yes"',
      ],
    ],
    [{ limits: { hardMaxRec: 5 } }, {}, ["limits.hardMaxRec is not a setting (did you mean limits.hardMaxrec?)"]],
    [{ images: { registy: "none" } }, {}, ["images.registy is not a setting (did you mean images.registry?)"]],
    [{ zzz: 1 }, {}, [/^zzz is not a setting; the settings are dataDir, host, port, .*, images$/]],
    [{ port: 70000 }, {}, ["port must be an integer from 0 to 65535, not 70000"]],
    [{ port: 80.5 }, {}, ["port must be an integer from 0 to 65535, not 80.5"]],
    [{ backend: "oracle" }, {}, ['backend must be duckdb, mariadb or qserv, not "oracle"']],
    [{}, { TAP_BACKEND: "oracle" }, ['TAP_BACKEND (backend) must be duckdb, mariadb or qserv, not "oracle"']],
    [{ demo: "yes" }, {}, ['demo must be true or false, not "yes"']],
    [{ schemas: "a.yaml" }, {}, ['schemas must be a list of paths, not "a.yaml"']],
    [{ auth: { trustedProxies: ["10.0.0.1", 7] } }, {}, ["auth.trustedProxies[1] must be a string, not 7"]],
    [{ limits: 5 }, {}, ["limits must be an object, not 5"]],
    [{ duckdb: { memoryLimit: "lots" } }, {}, ['duckdb.memoryLimit must be a size such as 512MiB or 2GiB, not "lots"']],
    [{}, { TAP_DUCKDB_MAX_TEMP_SIZE: "4 gigs" }, ['TAP_DUCKDB_MAX_TEMP_SIZE (duckdb.maxTempDirectorySize) must be a size such as 512MiB or 2GiB, not "4 gigs"']],
    [{ duckdb: { threads: 0 } }, {}, ["duckdb.threads must be a positive integer, not 0"]],
    [{ http: { shutdownGraceSeconds: -1 } }, {}, ["http.shutdownGraceSeconds must be a non-negative number of seconds up to 2147483 (24.8 days), not -1"]],
    // Node's timers wait at most 2^31 - 1 ms, and fire at once beyond (a grace of none, every sync query cut)
    [{}, { TAP_SHUTDOWN_GRACE: "3000000" }, ['TAP_SHUTDOWN_GRACE (http.shutdownGraceSeconds) must be a non-negative number of seconds up to 2147483 (24.8 days), not "3000000"']],
    [{}, { TAP_SYNC_TIMEOUT: "3000000" }, ['TAP_SYNC_TIMEOUT (limits.syncTimeoutSeconds) must be an integer from 1 to 2147483, not "3000000"']],
    [{}, { TAP_SYNC_TIMEOUT: "0" }, ['TAP_SYNC_TIMEOUT (limits.syncTimeoutSeconds) must be an integer from 1 to 2147483, not "0"']],
    [{}, { TAP_ENCODING_THREADS: "-1" }, ['TAP_ENCODING_THREADS (http.encodingThreads) must be an integer from 0 to 64, not "-1"']],
    [{}, { TAP_HTTP_HEADERS_TIMEOUT: "0.5" }, ['TAP_HTTP_HEADERS_TIMEOUT (http.headersTimeoutSeconds) must be a number of seconds of at least 1 up to 2147483 (24.8 days), not "0.5"']],
    [{ quotas: { jobsTotal: 0 } }, {}, ["quotas.jobsTotal must be a positive integer, not 0"]],
    [{}, { TAP_QUOTA_BYTES: "10GiB" }, ['TAP_QUOTA_BYTES (quotas.storedBytesPerClient) must be a positive integer, not "10GiB"']],
    [{ mariadb: { port: "3306" } }, {}, ['mariadb.port must be an integer from 0 to 65535, not "3306"']],
    [{}, { TAP_MARIADB_URL: "localhost:3306" }, ['TAP_MARIADB_URL (mariadb) must be a URL like mysql://user:password@host:3306/database, not "localhost:3306"']],
    // No password in a message (the operator probe found them on stderr): masked in a URL, not shown as a value.
    [{}, { TAP_MARIADB_URL: "http://u:topsecretpw@h/db" }, ['TAP_MARIADB_URL (mariadb) must be a URL like mysql://user:password@host:3306/database, not "http://u:***@h/db"']],
    [{}, { TAP_MARIADB_URL: "mysql://u:Pw%ZZbad@h:3306/db" }, ['TAP_MARIADB_URL (mariadb) must be a URL like mysql://user:password@host:3306/database, not "mysql://u:***@h:3306/db"']],
    [{ mariadb: { password: 987654321 } }, {}, ["mariadb.password must be a string, not ***"]],
    [{ mariadb: "http://u:topsecretpw@h/db" }, {}, ['mariadb must be a URL like mysql://user:password@host:3306/database, not "http://u:***@h/db"']],
    [{}, { TAP_DB_QUEUE_LIMIT: "-1" }, ['TAP_DB_QUEUE_LIMIT (mariadb.queueLimit) must be a non-negative integer, not "-1"', 'TAP_DB_QUEUE_LIMIT (qserv.queueLimit) must be a non-negative integer, not "-1"']],
    [{}, { TAP_AUTH: "basic" }, ['TAP_AUTH (auth.mode) must be none, token or trusted-header, not "basic"']],
    [{}, { TAP_IMAGES_MAX_CUTOUT_PIXELS: "1e99" }, ['TAP_IMAGES_MAX_CUTOUT_PIXELS (images.maxCutoutPixels) must be a positive integer, not "1e99"']],
    [{ uploadUrls: { maxRedirects: -1 } }, {}, ["uploadUrls.maxRedirects must be a non-negative integer, not -1"]],
    // TAP_BASE_URL as the README says it: an http(s) URL ending in /tap
    [{}, { TAP_BASE_URL: "notaurl" }, ["baseUrl (TAP_BASE_URL) must be the public http(s) URL of the service's TAP (e.g. https://data.example.org/api/tap), without credentials, query or fragment, not \"notaurl\""]],
    [{ baseUrl: "ftp://example.org/tap" }, {}, ["baseUrl (TAP_BASE_URL) must be the public http(s) URL of the service's TAP (e.g. https://data.example.org/api/tap), without credentials, query or fragment, not \"ftp://example.org/tap\""]],
    [{}, { TAP_BASE_URL: "https://u:pw@example.org/tap" }, ["baseUrl (TAP_BASE_URL) must be the public http(s) URL of the service's TAP (e.g. https://data.example.org/api/tap), without credentials, query or fragment, not \"https://u:***@example.org/tap\""]],
    // Rules between settings, after the declaration's.
    [{ images: { registry: "butler" } }, {}, [/^images\.butlerUrl \(TAP_BUTLER_URL\) must be an http\(s\) URL when images\.registry is butler/]],
  ];
  for (const [file, env, lines] of refused) {
    it(`${JSON.stringify(file)} ${JSON.stringify(env)}`, () => {
      let error: unknown;
      try {
        configFrom(file, env);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ConfigError);
      const got = (error as Error).message.split("\n");
      expect(got).to.have.length(lines.length);
      lines.forEach((want, i) => (want instanceof RegExp ? expect(got[i]).to.match(want) : expect(got[i]).to.equal(want)));
    });
  }

  it("a file that is not JSON: where, without the text around it (which may be a password)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-config-json-"));
    try {
      writeFileSync(join(dir, "tap.json"), '{"mariadb": {"password": FileSecretUnquoted}}');
      let message = "";
      try {
        loadConfig({ TAP_CONFIG: "tap.json" }, dir);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.match(new RegExp(`^${join(dir, "tap.json")}: not valid JSON( at character \\d+| at line \\d+, column \\d+)?$`));
      expect(message).not.to.contain("FileSecret");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the file in front of a file's problem, not in front of a variable's", () => {
    const dir = mkdtempSync(join(tmpdir(), "tap-config-file-"));
    try {
      writeFileSync(join(dir, "tap.json"), JSON.stringify({ backnd: "duckdb" }));
      expect(() => loadConfig({ TAP_CONFIG: "tap.json", PORT: "abc" }, dir)).to.throw(
        ConfigError,
        new RegExp(`^${join(dir, "tap.json")}: backnd is not a setting \\(did you mean backend\\?\\)\nPORT \\(port\\) must be`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("server configuration: the environment, with the file's types", () => {
  /** [environment, file, a part of the configuration that must result]. */
  const accepted: [Record<string, string>, Record<string, unknown>, (c: Config) => unknown, unknown][] = [
    [{ PORT: "9000" }, {}, (c) => [c.port, c.baseUrl], [9000, "http://127.0.0.1:9000/tap"]],
    [{ PORT: "9000" }, { port: 7000 }, (c) => c.port, 9000],
    [{ PORT: "" }, { port: 7000 }, (c) => c.port, 7000],
    [{ TAP_DEMO: "0" }, {}, (c) => c.demo, false],
    [{ TAP_DEMO: "true" }, { backend: "mariadb" }, (c) => c.demo, true],
    [{}, { schemas: ["a.yaml"] }, (c) => [c.schemas, c.demo], [["/etc/tap/a.yaml"], false]],
    [{ TAP_SCHEMAS: "a.yaml, /s/b.yaml" }, { schemas: ["c.yaml"] }, (c) => c.schemas, ["/work/here/a.yaml", "/s/b.yaml"]],
    [{ TAP_HARD_MAXREC: "1000" }, { limits: { defaultMaxrec: 5000 } }, (c) => [c.limits.defaultMaxrec, c.limits.hardMaxrec], [1000, 1000]],
    [{ TAP_HTTP_HEADERS_TIMEOUT: "1.5" }, {}, (c) => c.http.headersTimeoutSeconds, 1.5],
    [{ TAP_ENCODING_THREADS: "0" }, { http: { encodingThreads: 3 } }, (c) => c.http.encodingThreads, 0],
    [{}, {}, (c) => c.http.encodingThreads, defaultEncodingThreads(availableParallelism())],
    [{ TAP_DB_QUEUE_LIMIT: "3" }, {}, (c) => [c.mariadb.queueLimit, c.qserv.queueLimit], [3, 3]],
    [
      { TAP_MARIADB_URL: "mysql://tap:s%40cret@db.example:3307/cat", TAP_DB_CONNECT_TIMEOUT: "4" },
      { mariadb: { connectionLimit: 2, host: "x" } },
      (c) => c.mariadb,
      { host: "db.example", port: 3307, user: "tap", password: "s@cret", database: "cat", connectionLimit: 2, connectTimeoutSeconds: 4, acquireTimeoutSeconds: 10, queueLimit: 64 },
    ],
    [{ TAP_QSERV_URL: "mysql://qsmaster@qserv:4040" }, {}, (c) => [c.qserv.host, c.qserv.port, c.qserv.user, c.qserv.database], ["qserv", 4040, "qsmaster", ""]],
    // The file takes a database's URL too, as its variable does (it was refused as "must be a URL like mysql://...").
    [{}, { mariadb: "mysql://tap:pw@db.example:3307/cat" }, (c) => [c.mariadb.host, c.mariadb.port, c.mariadb.user, c.mariadb.password, c.mariadb.database], ["db.example", 3307, "tap", "pw", "cat"]],
    [{ TAP_AUTH: "token", TAP_AUTH_TOKEN_FILE: "tokens.json" }, {}, (c) => [c.auth.mode, c.auth.tokenFile], ["token", "/work/here/tokens.json"]],
    [{}, { auth: { mode: "token", tokenFile: "tokens.json" } }, (c) => c.auth.tokenFile, "/etc/tap/tokens.json"],
    [{ TAP_TRUSTED_PROXIES: "10.0.0.1, 10.0.0.2" }, { auth: { mode: "trusted-header" } }, (c) => c.auth.trustedProxies, ["10.0.0.1", "10.0.0.2"]],
    [{ TAP_ASYNC_OWNER_HEADER: "X-Remote-User" }, {}, (c) => [c.auth.mode, c.auth.header], ["trusted-header", "X-Remote-User"]],
    [{ TAP_AUTH_ANONYMOUS: "false" }, {}, (c) => c.auth.allowAnonymous, false],
    [{ TAP_ASYNC_CONCURRENCY: "0" }, {}, (c) => c.async.concurrency, 1],
    [{ TAP_DUCKDB_MEMORY_LIMIT: "512MiB", TAP_DUCKDB_THREADS: "2" }, {}, (c) => [c.duckdb.memoryLimit, c.duckdb.threads], ["512MiB", 2]],
    [{ TAP_BUTLER_REPOS: "dp1,dp2", TAP_BUTLER_URL: "https://data.example/", TAP_IMAGES_REGISTRY: "butler" }, {}, (c) => [c.images.butlerUrl, c.images.butlerRepos], ["https://data.example", ["dp1", "dp2"]]],
    [{ TAP_BASE_URL: "https://tap.example/api/tap/" }, {}, (c) => [c.baseUrl, c.images.baseUrl], ["https://tap.example/api/tap", "https://tap.example/api"]],
    [{ TAP_UPLOAD_URL_HOSTS: "" }, { uploadUrlHosts: [] }, (c) => c.uploadUrls.enabled, true],
  ];
  for (const [env, file, part, want] of accepted) {
    it(`${JSON.stringify(env)} over ${JSON.stringify(file)}`, () => {
      expect(part(configFrom(file, env, "/work/here", "/etc/tap"))).to.deep.equal(want);
    });
  }

  it("every declared variable sets its key", () => {
    const sample: Record<string, string> = { int: "3", number: "3", bool: "false", string: "x", path: "/p", list: "a,b", paths: "/a,/b" };
    for (const s of SETTINGS_LIST) {
      if (!s.env || s.retired || s.kind === "mysql-url") continue;
      const text = s.key === "async.jobStore" ? "files" : s.key === "resultStore.location" ? "local" : s.key === "resultStore.s3Endpoint" ? "http://h:9000" : s.key === "uploadUrls.allow" ? "http://a/,http://b/" : s.key === "backend" ? "qserv" : s.key === "auth.mode" ? "none" : s.key === "images.registry" ? "none" : s.key === "logLevel" ? "debug" : s.expected.startsWith("a size") ? "1GiB" : s.key.endsWith("aseUrl") ? "http://h/tap" : sample[s.kind]!;
      for (const name of s.env) {
        const c = configFrom({}, { [name]: text }) as unknown as Record<string, unknown>;
        const got = s.key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c);
        expect(got, `${name} → ${s.key}`).to.not.equal(undefined);
        const want = s.kind === "int" || s.kind === "number" ? 3 : s.kind === "bool" ? false : s.key === "uploadUrls.allow" ? ["http://a/", "http://b/"] : s.kind === "list" ? ["a", "b"] : s.kind === "paths" ? ["/a", "/b"] : undefined;
        if (want !== undefined) expect(got, `${name} → ${s.key}`).to.deep.equal(want);
      }
    }
  });

  it("the example file, packages/server/tap-server.example.json, is valid", () => {
    const example = JSON.parse(readFileSync(join(PACKAGE, "tap-server.example.json"), "utf8")) as Record<string, unknown>;
    expect(CONFIG_SCHEMA.safeParse(example).success).to.equal(true);
    expect(() => configFrom(example, {}, "/work/here", "/etc/tap")).not.to.throw();
  });
});

describe("server configuration: the encoding threads' default", () => {
  // cores → threads: none where the download's other work and its client have the cores already (docs/performance.md).
  const cases: [number, number][] = [[1, 0], [2, 0], [3, 2], [4, 3], [5, 4], [8, 4], [64, 4]];
  for (const [cores, threads] of cases) {
    it(`${cores} core${cores === 1 ? "" : "s"}: ${threads}`, () => expect(defaultEncodingThreads(cores)).to.equal(threads));
  }
});

describe("server configuration: the usage text and the README follow the declaration", () => {
  const documented = ENV_VARS.filter((v) => v !== CONFIG_FILE_ENV);
  const leaves = SETTINGS_LIST.filter((s) => !SECTIONS.includes(s.key) && s.kind !== "mysql-url");

  /** The rows of the README's table under "## Configuration": [variables, keys]. */
  function readmeTable(): { vars: Set<string>; keys: Set<string>; retired: Set<string> } {
    const text = readFileSync(join(PACKAGE, "README.md"), "utf8");
    // The table under "## Configuration" whose header is "| variable | setting | default |", to its last row.
    const lines = text.slice(text.indexOf("\n## Configuration\n")).split("\n");
    const start = lines.indexOf("| variable | setting | default |");
    expect(start).to.be.greaterThan(0);
    const end = lines.findIndex((l, i) => i > start && !l.startsWith("|"));
    const rows = lines.slice(start + 2, end);
    expect(rows.length).to.be.greaterThan(30);
    const vars = new Set<string>();
    const keys = new Set<string>();
    const retired = new Set<string>();
    for (const row of rows) {
      const [varCell = "", keyCell = ""] = row.split(" | ");
      for (const m of varCell.matchAll(/(~~)?`([A-Z][A-Z0-9_]*)`/g)) (m[1] ? retired : vars).add(m[2]!);
      // A key is a backticked name that starts the setting cell or follows "and" / "(" / ","; values (`:memory:`, `none`) are not keys.
      // Names may hold digits after their first letter (resultStore.s3Endpoint).
      for (const m of keyCell.matchAll(/(~~)?`([a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)?)`/g)) {
        const k = m[2]!;
        if (m[1]) retired.add(k);
        else if (/^[a-z][A-Za-z0-9]*\.[A-Za-z0-9]+$/.test(k) || SETTINGS_LIST.some((s) => s.key === k) || /^[a-z][A-Za-z0-9]+$/.test(k)) keys.add(k);
      }
    }
    return { vars, keys, retired };
  }

  it("the README's table documents every variable and nothing else", () => {
    const { vars, retired } = readmeTable();
    expect([...vars].filter((v) => !documented.includes(v)), "documented but not declared").to.deep.equal([]);
    expect(documented.filter((v) => !vars.has(v)), "declared but not documented").to.deep.equal([]);
    const retiredVars = SETTINGS_LIST.filter((s) => s.retired).flatMap((s) => s.env ?? []);
    expect([...retired].filter((v) => /^[A-Z]/.test(v))).to.deep.equal(retiredVars);
  });

  it("the README's table documents every key of the file and nothing else", () => {
    const { keys } = readmeTable();
    const declared = new Set(SETTINGS_LIST.map((s) => s.key));
    const values = new Set(["none", "token", "duckdb", "mariadb", "qserv", "local", "butler", "true", "false", "memory", "jobs", "results"]);
    const mentioned = [...keys].filter((k) => !values.has(k));
    // Dotted names must be keys; the sections (`mariadb`, `qserv`) are keys too.
    expect(mentioned.filter((k) => !declared.has(k)), "documented but not declared").to.deep.equal([]);
    // The pools have the same keys: a row names mariadb's and says "the same under qserv".
    const undocumented = leaves.filter((s) => !s.retired && !keys.has(s.key) && !keys.has(s.key.replace(/^qserv\./, "mariadb.")));
    expect(undocumented.map((s) => s.key), "declared but not documented").to.deep.equal([]);
  });

  it("`tap-server help` lists every variable", () => {
    const r = spawnSync(process.execPath, ["--import", TSX, "--conditions", "qserv-tap-source", join(PACKAGE, "src", "main.ts"), "help"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 50_000,
    });
    expect(r.status, r.stderr).to.equal(0);
    const listed = new Set(r.stdout.match(/\b(TAP_[A-Z0-9_]+|PORT|HOST)\b/g));
    expect(ENV_VARS.filter((v) => !listed.has(v))).to.deep.equal([]);
    expect([...listed].filter((v) => !ENV_VARS.includes(v))).to.deep.equal([]);
  });
});
