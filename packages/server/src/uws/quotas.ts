/**
 * The quotas of async jobs (what one client and everyone together may keep), checked against the store's usage: one
 * rule for the files store and the shared store, where the usage is counted over every replica.
 */
import type { Quotas } from "../config.js";
import { TapError } from "../errors.js";
import type { Job } from "./job.js";
import { parameterBytesOf, storedBytesOf, type Usage } from "./store.js";

/**
 * Refuses a job (or more inline bytes, or parameters) over the quotas: the client's own with a
 * 429, which only the client can cure by deleting jobs; the service's with a 503, which time
 * cures. `job` is the new or changed job, with its parameters applied; `before` its stored state; `u` the usage of
 * every other job.
 */
export function checkQuotas(q: Quotas, job: Job, before: Job | undefined, u: Usage, newJobs: number, newBytes: number): void {
  const own = parameterBytesOf(job);
  // Parameters accumulate (UPLOAD) over POSTs to a PENDING job: one job may hold no more than
  // one request may carry.
  if (own > q.parameterBytesPerJob) {
    throw new TapError(413, `The parameters of this job would be ${own} bytes long; this service keeps at most ${q.parameterBytesPerJob} per job`, "TAP_TOO_LARGE");
  }
  const kept = before ? storedBytesOf(before) : 0;
  const jobs = u.jobs + (before ? 1 : 0);
  const myBytes = u.clientBytes + kept;
  const allBytes = u.bytes + kept;
  if (u.parameterBytes + own > q.parameterBytesTotal) {
    throw new TapError(503, `This service holds as many job parameters as it can keep in memory: try again later`, "UWS_FULL", 600);
  }
  if (newJobs > 0 && u.clientJobs + newJobs > q.jobsPerClient) {
    throw new TapError(429, `You have ${u.clientJobs} jobs, the most this service keeps for one client: delete some to create more`, "UWS_QUOTA_JOBS");
  }
  if (newJobs > 0 && jobs + newJobs > q.jobsTotal) {
    throw new TapError(503, `This service holds ${jobs} jobs, its limit: try again later`, "UWS_FULL", 600);
  }
  if (myBytes + newBytes > q.storedBytesPerClient) {
    throw new TapError(
      newBytes > q.storedBytesPerClient ? 413 : 429,
      `Your jobs keep ${myBytes} bytes of results and uploads; this service keeps at most ${q.storedBytesPerClient} bytes for one client: delete some jobs`,
      "UWS_QUOTA_BYTES",
    );
  }
  if (allBytes + newBytes > q.storedBytesTotal) {
    throw new TapError(503, `This service's storage for job results is full: try again later`, "UWS_FULL", 600);
  }
}
