import { expect } from "chai";
import { until } from "../../votable/src/test-support/until.js";
import { startService, type Running } from "./test-support/service.js";

/** One sample of the Prometheus text format 0.0.4: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)$`);
const COMMENT = new RegExp(`^# (HELP ${NAME} .*|TYPE ${NAME} (counter|gauge|histogram|summary|untyped))$`);

/** Parses the exposition; a line in no known form fails the test. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      expect(COMMENT.test(line), line).to.equal(true);
      continue;
    }
    const m = SAMPLE.exec(line);
    expect(m, line).not.to.equal(null);
    const labels: Record<string, string> = {};
    for (const l of (m![2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m![1]!, labels, value: Number(m![3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe("/metrics (issue 15, Operations: Prometheus text format)", function () {
  let svc: Running;
  let root: string;
  before(async () => {
    // No image service: the metrics here are TAP's, and registering the demo images took half of the start.
    svc = await startService({ demo: true, images: { registry: "none" }, http: { encodingThreads: 1 } });
    root = svc.url.replace(/\/tap$/, "");
  });
  after(async () => svc?.close());

  async function scrape(): Promise<Sample[]> {
    const r = await fetch(`${root}/metrics`);
    expect(r.status).to.equal(200);
    expect(r.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
    return parse(await r.text());
  }

  it("parses: every line a HELP, TYPE or sample line; the declared families are there", async () => {
    const samples = await scrape();
    const names = new Set(samples.map((s) => s.name));
    for (const n of ["tap_sync_queries", "tap_encoded_batches_total", "tap_encoding_queued_batches"]) expect(names, n).to.include(n);
    expect(value(samples, "tap_sync_queries", { state: "running" })).to.equal(0);
    expect(value(samples, "tap_sync_queries", { state: "waiting" })).to.equal(0);
  });

  it("counts a sync query: request, latency histogram, rows and bytes by route pattern and status", async () => {
    const query = new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", QUERY: "SELECT TOP 5 ra FROM demo.stars" });
    const body = Buffer.from(await (await fetch(`${svc.url}/sync?${query}`, { headers: { "accept-encoding": "identity" } })).arrayBuffer());
    const labels = { method: "GET", endpoint: "/tap/sync", status: "200" };
    let samples: Sample[] = [];
    await until("the request counted", async () => (value((samples = await scrape()), "tap_http_requests_total", labels) ?? 0) >= 1, 10_000);
    const cases: [string, Record<string, string>, (v: number | undefined) => boolean][] = [
      ["tap_http_requests_total", labels, (v) => v === 1],
      ["tap_http_request_duration_seconds_count", labels, (v) => v === 1],
      ["tap_http_request_duration_seconds_bucket", { ...labels, le: "+Inf" }, (v) => v === 1],
      ["tap_result_rows_total", { endpoint: "/tap/sync" }, (v) => v === 5],
      ["tap_response_bytes_total", { endpoint: "/tap/sync" }, (v) => v === body.length],
    ];
    for (const [name, l, ok] of cases) expect(ok(value(samples, name, l)), `${name} ${JSON.stringify(l)}: ${value(samples, name, l)}`).to.equal(true);
  });

  it("counts the batches that the encoding threads wrote: a CSV result of 5,000 rows is at least two (DuckDB's hold 2,048)", async () => {
    const before = value(await scrape(), "tap_encoded_batches_total", {}) ?? 0;
    const query = new URLSearchParams({ LANG: "ADQL", RESPONSEFORMAT: "csv", QUERY: "SELECT TOP 5000 ra, dec FROM demo.stars" });
    const text = await (await fetch(`${svc.url}/sync?${query}`)).text();
    expect(text.trim().split("\n")).to.have.length(5001);
    const samples = await scrape();
    expect(value(samples, "tap_encoded_batches_total", {})! - before).to.be.at.least(2);
    expect(value(samples, "tap_encoding_queued_batches", {})).to.equal(0);
  });

  it("labels by route pattern, not raw path; an unknown path is `unmatched`", async () => {
    await (await fetch(`${svc.url}/async/no-such-job-123`)).arrayBuffer();
    await (await fetch(`${root}/no/such/path/42`)).arrayBuffer();
    let samples: Sample[] = [];
    await until(
      "both counted",
      async () => {
        samples = await scrape();
        return samples.some((s) => s.name === "tap_http_requests_total" && s.labels.endpoint === "unmatched");
      },
      10_000,
    );
    const endpoints = samples.filter((s) => s.name === "tap_http_requests_total").map((s) => s.labels.endpoint!);
    expect(endpoints).to.include("/tap/async/:id");
    expect(endpoints.some((e) => e.includes("no-such-job") || e.includes("42"))).to.equal(false);
  });

  it("async jobs by phase, from the job manager", async () => {
    const r = await fetch(`${svc.url}/async`, {
      method: "POST",
      body: new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", QUERY: "SELECT TOP 1 ra FROM demo.stars" }),
      redirect: "manual",
    });
    expect(r.status).to.equal(303);
    const samples = await scrape();
    expect(value(samples, "tap_async_jobs", { service: "tap", phase: "PENDING" })).to.equal(1);
    expect(value(samples, "tap_async_blocked_waits", { service: "tap" })).to.equal(0);
    // A client blocked in WAIT on it, then let go by a phase change
    const abort = new AbortController();
    const blocked = fetch(`${r.headers.get("location")!}?WAIT=30`, { signal: abort.signal }).catch(() => undefined);
    await until("the WAIT is counted", async () => value(await scrape(), "tap_async_blocked_waits", { service: "tap" }) === 1, 10_000);
    abort.abort();
    await blocked;
    await until("the WAIT is over", async () => value(await scrape(), "tap_async_blocked_waits", { service: "tap" }) === 0, 10_000);
  });

  it("the database: its connections, and the time to a query's first rows by backend", async () => {
    const query = new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", QUERY: "SELECT TOP 3 ra FROM demo.stars" });
    await (await fetch(`${svc.url}/sync?${query}`)).arrayBuffer();
    let samples: Sample[] = [];
    await until("the query timed", async () => (value((samples = await scrape()), "tap_query_first_rows_seconds_count", { backend: "duckdb" }) ?? 0) >= 1, 10_000);
    expect(value(samples, "tap_query_first_rows_seconds_bucket", { backend: "duckdb", le: "+Inf" })).to.be.at.least(1);
    // DuckDB holds a connection per running session, kept idle for the next once the query is over (every open
    // connection idle); nobody waits for one.
    await until(
      "the session released",
      async () => value((samples = await scrape()), "tap_db_connections", { state: "open" }) === value(samples, "tap_db_connections", { state: "idle" }),
      10_000,
    );
    expect(value(samples, "tap_db_connections", { state: "idle" })).to.be.at.least(1);
    expect(value(samples, "tap_db_connections", { state: "waiting" })).to.equal(0);
  });

  it("uploads: tables loaded with their rows, and tables refused (TAP 1.1 §3.5)", async () => {
    const before = await scrape();
    const votable = (rows: number) =>
      `<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE><FIELD name="id" datatype="int"/><DATA><TABLEDATA>${"<TR><TD>1</TD></TR>".repeat(rows)}</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`;
    const upload = async (body: string) => {
      const form = new FormData();
      form.set("REQUEST", "doQuery");
      form.set("LANG", "ADQL");
      form.set("QUERY", "SELECT COUNT(*) AS n FROM TAP_UPLOAD.t");
      form.set("UPLOAD", "t,param:t");
      form.set("t", new Blob([body], { type: "application/x-votable+xml" }), "t.xml");
      return (await fetch(`${svc.url}/sync`, { method: "POST", body: form })).status;
    };
    expect(await upload(votable(4))).to.equal(200);
    expect(await upload("not a VOTable")).to.equal(400);
    let samples: Sample[] = [];
    const n = (ss: Sample[], name: string, labels: Record<string, string> = {}) => value(ss, name, labels) ?? 0;
    await until("both uploads counted", async () => n((samples = await scrape()), "tap_uploads_total", { outcome: "refused" }) > n(before, "tap_uploads_total", { outcome: "refused" }), 10_000);
    expect(n(samples, "tap_uploads_total", { outcome: "loaded" }) - n(before, "tap_uploads_total", { outcome: "loaded" })).to.equal(1);
    expect(n(samples, "tap_uploads_total", { outcome: "refused" }) - n(before, "tap_uploads_total", { outcome: "refused" })).to.equal(1);
    expect(n(samples, "tap_upload_rows_total") - n(before, "tap_upload_rows_total")).to.equal(4);
  });

  it("a registry per service: a second service starts at zero", async () => {
    // Any second service: without the demo catalog, which takes most of a start, nor an image service.
    const other = await startService({ demo: false, images: { registry: "none" } });
    try {
      const text = await (await fetch(`${other.url.replace(/\/tap$/, "")}/metrics`)).text();
      expect(value(parse(text), "tap_http_requests_total", { endpoint: "/tap/sync" })).to.equal(undefined);
    } finally {
      await other.close();
    }
  });
});
