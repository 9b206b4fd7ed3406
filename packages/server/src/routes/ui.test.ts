/**
 * The query page: the router's fixed table of files (types, caching, CSP, nothing else served),
 * and the page itself in headless Chromium, driven by puppeteer-core, on the demo service and
 * behind a proxy that serves it under another path.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { demoService, startService, sync, type Running } from "../test-support/service.js";
import { STATIC_DIR, UI_CSP, UI_FILES } from "./ui.js";

/** A GET with the path sent as written: fetch() would resolve "..", and this test must not. */
function raw(url: string, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      endField();
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endField();
      rows.push(row);
      row = [];
    } else {
      field += c;
    }
  }
  if (field !== "" || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

/** Pearson's correlation coefficient. */
function correlation(a: number[], b: number[]): number {
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe("query page: the files of /tap/", () => {
  let base: string;
  let path: string;
  before(async () => {
    base = (await demoService()).url;
    path = new URL(base).pathname;
  });

  it("serves exactly the files of static/, each once", () => {
    const files = readdirSync(STATIC_DIR).sort();
    expect(UI_FILES.map((f) => f.file).sort()).to.deep.equal(files);
    expect(new Set(UI_FILES.map((f) => f.path)).size).to.equal(UI_FILES.length);
  });

  for (const f of UI_FILES) {
    it(`${f.path} is ${f.file} as ${f.type}, with an ETag, revalidation and the CSP; 304 when unchanged`, async () => {
      const res = await raw(base, path + f.path);
      expect(res.status).to.equal(200);
      expect(res.headers["content-type"]).to.equal(f.type);
      expect(res.body.equals(readFileSync(new URL(f.file, STATIC_DIR)))).to.equal(true);
      expect(res.headers["cache-control"]).to.equal("no-cache");
      expect(res.headers["content-security-policy"]).to.equal(UI_CSP);
      expect(res.headers["x-content-type-options"]).to.equal("nosniff");
      const etag = res.headers.etag!;
      expect(etag).to.match(/^"[A-Za-z0-9_-]{27}"$/);
      const again = await raw(base, path + f.path, { "if-none-match": etag });
      expect(again.status).to.equal(304);
      expect(again.body.length).to.equal(0);
      const head = await raw(base, path + f.path, {}, "HEAD");
      expect([head.status, head.headers.etag, head.body.length]).to.deep.equal([200, etag, 0]);
    });
  }

  it("no inline script or style in the page (the CSP allows none)", () => {
    const html = readFileSync(new URL("index.html", STATIC_DIR), "utf8");
    expect(html).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.to.match(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  // Paths that name other files, or these files by other paths: none is served.
  const refused = [
    "/ui/",
    "/ui/index.html",
    "/index.html",
    "/query.js",
    "/static/query.js",
    "/ui/../package.json",
    "/ui/../../package.json",
    "/ui/%2e%2e/%2e%2e/package.json",
    "/ui/..%2f..%2fpackage.json",
    "/ui/%2F..%2F..%2Fsrc%2Fapp.ts",
    "/ui/query.js%00.html",
    "/ui/..\\..\\package.json",
    "/ui/nothing.js",
    "/../package.json",
  ];
  for (const p of refused) {
    it(`${p} is 404`, async () => {
      const res = await raw(base, path + p);
      expect(res.status).to.equal(404);
      expect(res.headers["content-type"]).to.match(/votable/);
      expect(res.body.toString()).not.to.contain("@qserv-tap/server");
    });
  }

  it("a query string is not a file name", async () => {
    const res = await raw(base, `${path}/ui/query.js?f=../../package.json`);
    expect(res.status).to.equal(200);
    expect(res.body.equals(readFileSync(new URL("query.js", STATIC_DIR)))).to.equal(true);
  });

  it("the base URL without its slash redirects to it (the page's URLs are relative)", async () => {
    const res = await raw(base, path);
    expect([res.status, res.headers.location]).to.deep.equal([301, "tap/"]);
  });

  it("POST to the page is 405", async () => {
    expect((await raw(base, `${path}/`, {}, "POST")).status).to.equal(405);
  });
});

/** Debian's chromium: a required tool, so its absence fails the test. */
function chromiumPath(): string {
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("chromium is required for the query page's browser test (apt-get install chromium; .ci/run installs it)");
  }
}

/** The page's text of the grid: header names and cell texts (NULL cells are empty). */
function gridOf(page: Page): Promise<{ names: string[]; rows: string[][] }> {
  return page.evaluate(`(() => ({
    names: [...document.querySelectorAll("#grid thead th .name")].map((e) => e.textContent),
    rows: [...document.querySelectorAll("#grid tbody tr")].map((tr) => [...tr.children].map((td) => td.textContent)),
  }))()`) as Promise<{ names: string[]; rows: string[][] }>;
}

async function typeQuery(page: Page, query: string): Promise<void> {
  await page.click("#query");
  await page.keyboard.down("Control");
  await page.keyboard.press("a");
  await page.keyboard.up("Control");
  await page.keyboard.press("Backspace");
  await page.type("#query", query);
}

async function runWithShortcut(page: Page): Promise<void> {
  // The status line is cleared by a run's start, and then says how it ended.
  await page.evaluate(`document.getElementById("status").textContent = ""`);
  await page.keyboard.down("Control");
  await page.keyboard.press("Enter");
  await page.keyboard.up("Control");
  await page.waitForFunction(`/ in \\d|failed|cancelled/.test(document.getElementById("status").textContent)`);
}

function shot(page: Page, name: string): Promise<string> {
  const file = join(tmpdir(), `qserv-tap-${name}.png`);
  // From the top, so that the sticky side bar is drawn where a reader first sees it.
  return page
    .evaluate("window.scrollTo(0, 0)")
    .then(() => page.screenshot({ path: file as `${string}.png`, fullPage: true }))
    .then(() => {
      console.log(`      screenshot: ${file}`);
      return file;
    });
}

describe("query page in Chromium", function () {
  this.timeout(120_000);
  let browser: Browser;
  let page: Page;
  let base: string;
  const problems: string[] = [];

  before(async () => {
    const executablePath = chromiumPath();
    base = (await demoService()).url;
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      // CI runs as root, where Chromium's sandbox cannot start.
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1360, height: 900 });
    // A CSP violation or a script error is a console error, and an HTTP error a response: the
    // only one expected is the bad query's 400.
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(String(e)));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    await page.goto(`${base}/`);
    await page.waitForSelector("body[data-ready=true]");
  });
  after(async () => {
    await browser?.close();
  });

  it("the table browser lists demo.stars; a click on a column inserts its name", async () => {
    await page.waitForSelector('#tables li.table[data-name="demo.stars"]');
    await typeQuery(page, "SELECT ");
    await page.click('#tables li.table[data-name="demo.stars"] button.toggle');
    await page.waitForSelector('#tables li.table[data-name="demo.stars"] li[data-name="g_mag"] button.column');
    const unit = await page.$eval('#tables li.table[data-name="demo.stars"] li[data-name="g_mag"] .unit', (e) => e.textContent);
    expect(unit).to.equal("mag");
    await page.click('#tables li.table[data-name="demo.stars"] li[data-name="g_mag"] button.column');
    expect(await page.$eval("#query", (e) => (e as unknown as { value: string }).value)).to.equal("SELECT g_mag");
  });

  it("an example is one click away", async () => {
    const names = await page.$$eval("#examples button", (bs) => bs.map((b) => b.textContent));
    expect(names).to.include("Cone search");
    const cone = (await page.$$("#examples button"))[names.indexOf("Cone search")]!;
    await cone.click();
    const query = await page.$eval("#query", (e) => (e as unknown as { value: string }).value);
    expect(query).to.match(/^SELECT star_id, ra, dec, g_mag,\n {2}DISTANCE\(/);
  });

  it("a typed query run with Ctrl+Enter: the grid equals the same query's CSV, with a sky plot and download links", async () => {
    const query =
      "SELECT star_id, ra, dec, designation, g_mag, parallax, is_variable, first_seen\n" +
      "FROM demo.stars\n" +
      "WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 0.5, 10, 4))\n" +
      "ORDER BY star_id";
    await typeQuery(page, query);
    await runWithShortcut(page);
    const maxrec = await page.$eval("#maxrec", (e) => (e as unknown as { value: string }).value);
    const csv = await sync(base, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "csv", MAXREC: maxrec });
    expect(csv.status).to.equal(200);
    const [header, ...rows] = parseCsv(csv.text);
    const grid = await gridOf(page);
    expect(rows.length).to.be.greaterThan(10);
    expect(grid.names).to.deep.equal(header);
    expect(grid.rows).to.deep.equal(rows);
    expect(await page.$eval("#status", (e) => e.textContent)).to.match(new RegExp(`^${rows.length} rows in `));

    // The field straddles RA 0: one cluster, with RA increasing to the left and Dec upwards.
    const dots = (await page.$$eval("#sky circle", (cs) => cs.map((c) => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))]))) as [number, number][];
    expect(dots.length).to.equal(rows.length);
    const raCol = header!.indexOf("ra");
    const decCol = header!.indexOf("dec");
    const ras = rows.map((r) => (Number(r[raCol]) > 180 ? Number(r[raCol]) - 360 : Number(r[raCol])));
    const decs = rows.map((r) => Number(r[decCol]));
    expect(correlation(ras, dots.map((d) => d[0])), "RA against x").to.be.below(-0.99);
    expect(correlation(decs, dots.map((d) => d[1])), "Dec against y (down the screen)").to.be.below(-0.99);
    // A circle on the sky is drawn round, not cut in two at RA 0 nor stretched.
    const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
    expect(spread(dots.map((d) => d[0])) / spread(dots.map((d) => d[1]))).to.be.within(0.85, 1.15);

    // Each output format of the capabilities (one link per format: its first short name; the outputFormat elements
    // without one declare further media types of a format listed already), for all rows of the same query.
    const formats = await page.$$eval("#downloads a", (as) => as.map((a) => [a.getAttribute("data-format"), a.getAttribute("href")]));
    const caps = await (await fetch(`${base}/capabilities`)).text();
    const declared = [...caps.matchAll(/<outputFormat[^>]*>([\s\S]*?)<\/outputFormat>/g)].flatMap((m) => /<alias>([^<]*)<\/alias>/.exec(m[1]!)?.[1] ?? []);
    expect(declared.length, "formats with a short name").to.be.at.least(6);
    expect(formats.map((f) => f[0])).to.deep.equal(declared);
    const csvLink = formats.find((f) => f[0] === "csv")![1]!;
    const all = await (await fetch(new URL(csvLink, `${base}/`))).text();
    expect(all).to.equal((await sync(base, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "csv" })).text);
  });

  it("an async job appears in the job list and reaches COMPLETED", async () => {
    const before = await page.$$eval("#jobs tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-job")));
    // The editor still holds the query of the grid above.
    const query = await page.$eval("#query", (e) => (e as unknown as { value: string }).value);
    await page.click("#submit-async");
    const known = JSON.stringify(before);
    // The page follows a running job by itself; waiting for its row to say COMPLETED.
    const id = (await (
      await page.waitForFunction(
        `(() => {
          const row = [...document.querySelectorAll("#jobs tbody tr")].find((tr) => !${known}.includes(tr.getAttribute("data-job")));
          return row && row.querySelector(".phase").textContent === "COMPLETED" ? row.getAttribute("data-job") : false;
        })()`,
        { polling: 200 },
      )
    ).jsonValue()) as string;
    const list = await (await fetch(`${base}/async`)).text();
    expect(list).to.contain(`id="${id}"`);
    const result = await page.$eval(`#jobs tr[data-job="${id}"] a[download]`, (a) => a.getAttribute("href"));
    expect(result).to.equal(`async/${id}/results/result`);
    expect(await page.$eval(`#jobs tr[data-job="${id}"] td.query`, (td) => td.textContent)).to.equal(query.split("\n")[0]);
    await shot(page, "query-page");
  });

  it("a bad query: the server's message, its line and column, and a caret under the column", async () => {
    const query = "SELECT star_id,\n  ra\nFROM demo.stars\nWHERE\tnosuch > 1";
    await typeQuery(page, query);
    await page.click("#run");
    await page.waitForSelector("#error:not([hidden])");
    const server = await sync(base, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "votable/td" });
    const message = /<INFO name="QUERY_STATUS" value="ERROR">([^<]*)<\/INFO>/.exec(server.text)![1]!;
    expect(message).to.contain("line 4, column 7");
    expect(await page.$eval("#error-message", (e) => e.textContent)).to.equal(message);
    expect(await page.$eval("#error-position", (e) => e.textContent)).to.equal("line 4, column 7");
    const excerpt = (await page.$eval("#error-excerpt", (e) => e.textContent))!.split("\n");
    // The tab stays a tab in the caret line, so that the caret is under "n" however tabs are drawn.
    expect(excerpt).to.deep.equal(["4 | WHERE\tnosuch > 1", "  |      \t^"]);
    const selection = await page.$eval("#query", (e) => {
      const t = e as unknown as { selectionStart: number };
      return t.selectionStart;
    });
    expect(query.slice(selection)).to.equal("nosuch > 1");
    expect(await page.$eval("#results", (e) => e.hasAttribute("hidden"))).to.equal(true);
    await shot(page, "query-page-error");
  });

  it("no console errors (CSP violations, script errors) and no HTTP errors but the bad query's", () => {
    expect(problems).to.deep.equal([`400 POST ${base}/sync`]);
  });
});

describe("query page behind a proxy under another path", function () {
  this.timeout(120_000);
  let service: Running;
  let proxy: Server;
  let browser: Browser;

  before(async () => {
    const executablePath = chromiumPath();
    proxy = createServer();
    proxy.listen(0, "127.0.0.1");
    await once(proxy, "listening");
    const port = (proxy.address() as AddressInfo).port;
    service = await startService({ demo: true, baseUrl: `http://127.0.0.1:${port}/archive/lsst-tap` });
    const upstreamPort = (service.server.address() as AddressInfo).port;
    // The proxy maps /archive/lsst-tap/... to the service's /tap/..., and nothing else.
    proxy.on("request", (req, res) => {
      const url = req.url ?? "";
      if (!url.startsWith("/archive/lsst-tap")) {
        res.writeHead(404).end();
        return;
      }
      const up = request(
        { host: "127.0.0.1", port: upstreamPort, path: "/tap" + url.slice("/archive/lsst-tap".length), method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    browser = await puppeteer.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"] });
  });
  after(async () => {
    await browser?.close();
    proxy?.closeAllConnections();
    await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
    await service?.close();
  });

  it("opened without its slash, the page loads its tables and runs a query through the proxy", async () => {
    const page = await browser.newPage();
    const port = (proxy.address() as AddressInfo).port;
    const res = await page.goto(`http://127.0.0.1:${port}/archive/lsst-tap`);
    expect(res!.url()).to.equal(`http://127.0.0.1:${port}/archive/lsst-tap/`);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector('#tables li.table[data-name="demo.stars"]');
    await typeQuery(page, "SELECT TOP 3 star_id FROM demo.stars ORDER BY star_id");
    await runWithShortcut(page);
    expect((await gridOf(page)).rows).to.deep.equal([["1"], ["2"], ["3"]]);
    expect(await page.$eval("#service-url", (e) => e.textContent)).to.equal(`http://127.0.0.1:${port}/archive/lsst-tap`);
  });
});
