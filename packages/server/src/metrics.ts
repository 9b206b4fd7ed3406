/**
 * /metrics in the Prometheus text format (prom-client). Each service has its own registry, not
 * prom-client's global one, so that several services in one process (the tests) do not clash.
 * Labels are route patterns and statuses, never raw paths or users: their number stays bounded.
 */
import Router from "@koa/router";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RequestRecord } from "./logging.js";
import type { JobManager } from "./uws/manager.js";

export interface MetricsSources {
  /** Job managers by name ("tap" for /tap/async, "soda" for /soda/async). */
  jobs?: Record<string, JobManager | undefined>;
  /** Sync queries running and waiting for a slot (admission.ts's Admission.counts). */
  syncQueue?: () => { running: number; waiting: number };
  /** The database's connections: open, idle in the pool, and requests waiting for one (Backend.connectionCounts). */
  connections?: () => { open: number; idle: number; waiting: number } | undefined;
  /** The threads that encode text results (ServiceDeps.encoders): batches encoded so far, and in a thread now. */
  encoding?: () => { batches: number; queued: number } | undefined;
}

/** What the query path reports as it runs (ServiceDeps.metrics), sync and async alike. */
export interface QueryObserver {
  /** A table uploaded (TAP 1.1 §3.5): its rows, or `ok` false when it was refused or failed. */
  upload(ok: boolean, rows?: number): void;
  /** The time from sending a query to its first rows (or its end): the database's share of a response. */
  firstRows(backend: string, seconds: number): void;
}

export class Metrics implements QueryObserver {
  readonly registry = new Registry();
  private readonly uploads: Counter<"outcome">;
  private readonly uploadRows: Counter;
  private readonly firstRowsTime: Histogram<"backend">;
  private readonly requests: Counter<"method" | "endpoint" | "status">;
  private readonly duration: Histogram<"method" | "endpoint" | "status">;
  private readonly rows: Counter<"endpoint">;
  private readonly bytes: Counter<"endpoint">;
  private readonly aborted: Counter<"endpoint">;

  private sources: MetricsSources = {};

  constructor(sources: MetricsSources = {}) {
    this.sources = sources;
    const registers = [this.registry];
    this.uploads = new Counter({ name: "tap_uploads_total", help: "Tables uploaded (TAP_UPLOAD), loaded or refused", labelNames: ["outcome"], registers });
    this.uploadRows = new Counter({ name: "tap_upload_rows_total", help: "Rows of the uploaded tables that were loaded", registers });
    this.firstRowsTime = new Histogram({
      name: "tap_query_first_rows_seconds",
      help: "Time from sending a query to the database until its first rows (the database's share of a response)",
      labelNames: ["backend"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    // The gauges' collect() has the gauge as `this`; the sources are read through this arrow function.
    const current = (): MetricsSources => this.sources;
    new Gauge({
      name: "tap_db_connections",
      help: "The database's connections: open, idle in the pool, and requests waiting for one",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        const c = current().connections?.();
        if (!c) return;
        this.set({ state: "open" }, c.open);
        this.set({ state: "idle" }, c.idle);
        this.set({ state: "waiting" }, c.waiting);
      },
    });
    this.requests = new Counter({
      name: "tap_http_requests_total",
      help: "HTTP requests answered, by method, route pattern and status",
      labelNames: ["method", "endpoint", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: "tap_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its response (streamed results included)",
      labelNames: ["method", "endpoint", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.rows = new Counter({ name: "tap_result_rows_total", help: "Result rows streamed by sync queries", labelNames: ["endpoint"], registers });
    this.bytes = new Counter({ name: "tap_response_bytes_total", help: "Response body bytes sent", labelNames: ["endpoint"], registers });
    this.aborted = new Counter({
      name: "tap_http_responses_cut_total",
      help: "Responses cut before their end (client gone or stream failed)",
      labelNames: ["endpoint"],
      registers,
    });
    new Gauge({
      name: "tap_async_jobs",
      help: "Async jobs kept, by service and UWS phase",
      labelNames: ["service", "phase"],
      registers,
      collect() {
        this.reset();
        for (const [service, manager] of Object.entries(current().jobs ?? {})) {
          if (!manager) continue;
          for (const [phase, n] of manager.phaseCounts()) this.set({ service, phase }, n);
        }
      },
    });
    new Gauge({
      name: "tap_async_blocked_waits",
      help: "Clients blocked in a WAIT on a job (UWS 1.1 §2.2.1.2), by service",
      labelNames: ["service"],
      registers,
      collect() {
        this.reset();
        for (const [service, manager] of Object.entries(current().jobs ?? {})) {
          if (manager) this.set({ service }, manager.blockedWaits());
        }
      },
    });
    // A counter kept by the pool, reported as it stands at each scrape.
    new Counter({
      name: "tap_encoded_batches_total",
      help: "Result batches encoded as text (TABLEDATA, CSV, TSV) by the encoding threads",
      registers,
      collect() {
        this.reset();
        const c = current().encoding?.();
        if (c) this.inc(c.batches);
      },
    });
    new Gauge({
      name: "tap_encoding_queued_batches",
      help: "Result batches sent to the encoding threads and not yet encoded",
      registers,
      collect() {
        this.set(current().encoding?.()?.queued ?? 0);
      },
    });
    new Gauge({
      name: "tap_sync_queries",
      help: "Sync queries running, and waiting for a slot",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        const c = current().syncQueue?.();
        if (!c) return;
        this.set({ state: "running" }, c.running);
        this.set({ state: "waiting" }, c.waiting);
      },
    });
  }

  /**
   * Where the gauges read from: the service's parts that exist only once the app is made (the sync
   * admission, the job managers), while the query path reports to this object from the start.
   */
  attach(sources: MetricsSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  upload(ok: boolean, rows?: number): void {
    this.uploads.inc({ outcome: ok ? "loaded" : "refused" });
    if (ok && rows !== undefined) this.uploadRows.inc(rows);
  }

  firstRows(backend: string, seconds: number): void {
    this.firstRowsTime.observe({ backend }, seconds);
  }

  /** Counts one finished request (logging.ts's accessLog calls it). */
  observe(r: RequestRecord): void {
    const labels = { method: r.method, endpoint: r.endpoint, status: String(r.status) };
    this.requests.inc(labels);
    this.duration.observe(labels, r.seconds);
    this.bytes.inc({ endpoint: r.endpoint }, r.bytes);
    if (r.rows !== undefined) this.rows.inc({ endpoint: r.endpoint }, r.rows);
    if (r.aborted) this.aborted.inc({ endpoint: r.endpoint });
  }

  /** GET /metrics, at the root. */
  router(): Router {
    const router = new Router();
    router.get("/metrics", async (ctx) => {
      ctx.set("Content-Type", this.registry.contentType);
      ctx.set("Cache-Control", "no-store");
      ctx.body = await this.registry.metrics();
    });
    return router;
  }
}
