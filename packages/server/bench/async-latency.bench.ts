/**
 * Async job latency: a small query (a 1° cone, TOP 10) submitted with PHASE=RUN, from PENDING
 * to COMPLETED. Server side: the job's endTime − creationTime (the record's millisecond
 * timestamps: queueing, compiling, DuckDB, writing and fsyncing the result and the job record).
 * Client side: from sending the POST to the WAIT request that returns COMPLETED.
 *
 *   node --conditions=qserv-tap-source --import=tsx bench/async-latency.bench.ts [jobs]
 */
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFrom } from "../src/config.js";
import { openService } from "../src/startup.js";
import { tag } from "../src/test-support/uws.js";

const N = Number(process.argv[2] ?? 200);
const WARMUP = 20;
const QUERY = "SELECT TOP 10 star_id, ra, dec FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 180, 30, 1))";

const dir = mkdtempSync(join(tmpdir(), "tap-async-bench-"));
const server = createServer();
server.listen(0, "127.0.0.1");
await once(server, "listening");
const port = (server.address() as AddressInfo).port;
// Warnings only: the access log of 220 jobs (a line per request) would bury the figures.
const config = configFrom({ duckdb: { path: ":memory:" }, demo: true, port, logLevel: "warn", async: { dir, concurrency: 2 } });
const service = await openService(config, { log: () => {} });
server.on("request", service.app.callback());
const base = config.baseUrl;

const serverSide: number[] = [];
const clientSide: number[] = [];
for (let i = 0; i < WARMUP + N; i++) {
  const t0 = performance.now();
  const res = await fetch(`${base}/async`, {
    method: "POST",
    body: new URLSearchParams({ LANG: "ADQL", QUERY, RESPONSEFORMAT: "votable", PHASE: "RUN" }),
    redirect: "manual",
  });
  const job = res.headers.get("location")!;
  await res.arrayBuffer();
  let xml = await (await fetch(job)).text();
  while (tag(xml, "phase") !== "COMPLETED") {
    if (tag(xml, "phase") === "ERROR") throw new Error(xml);
    xml = await (await fetch(`${job}?WAIT=10&PHASE=${tag(xml, "phase")}`)).text();
  }
  const t1 = performance.now();
  if (i >= WARMUP) {
    serverSide.push(Date.parse(tag(xml, "endTime")!) - Date.parse(tag(xml, "creationTime")!));
    clientSide.push(t1 - t0);
  }
  await fetch(job, { method: "DELETE", redirect: "manual" });
}

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const fmt = (xs: number[]) => `median ${q(xs, 0.5).toFixed(1)} ms, p95 ${q(xs, 0.95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
console.log(`async job PENDING -> COMPLETED, ${N} jobs (small cone query, BINARY2, DuckDB in memory, job store and results on ${tmpdir()}):`);
console.log(`  server side (endTime - creationTime): ${fmt(serverSide)}`);
console.log(`  client side (POST .. WAIT returns COMPLETED): ${fmt(clientSide)}`);

server.closeAllConnections();
server.close();
await service.close();
rmSync(dir, { recursive: true, force: true });
