/**
 * A UWS 1.1 job as this service keeps it (the durable record), and its XML representations
 * (UWS 1.1 §2.2.2, the `uws:job`, `uws:jobs`, `uws:parameters` and `uws:results` elements).
 */
import { escapeAttr, escapeText, XML_DECL, XSI } from "../xml.js";

export const PHASES = [
  "PENDING",
  "QUEUED",
  "EXECUTING",
  "COMPLETED",
  "ERROR",
  "ABORTED",
  "UNKNOWN",
  "HELD",
  "SUSPENDED",
  "ARCHIVED",
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases in which a job may still change by itself (UWS 1.1 §2.2.1.2: WAIT blocks only in these). */
export const ACTIVE_PHASES: ReadonlySet<Phase> = new Set(["PENDING", "QUEUED", "EXECUTING"]);
export const FINAL_PHASES: ReadonlySet<Phase> = new Set(["COMPLETED", "ERROR", "ABORTED", "ARCHIVED"]);

export interface JobParameter {
  /** The name as the client sent it, upper-cased (TAP parameter names are case-insensitive). */
  name: string;
  value: string;
}

export interface JobResult {
  id: string;
  mimeType: string;
  size: number;
  /** Where the results store keeps it. */
  location: string;
  /** MAXREC cut the result. */
  overflow?: boolean;
}

export interface Job {
  /** Record format, for later migrations. */
  v: 1;
  id: string;
  runId?: string;
  /** The authenticated owner, or null for anonymous use. */
  owner: string | null;
  /** Who the job is fair-queued as: the owner, or the client address for anonymous users. */
  queueKey: string;
  phase: Phase;
  creationTime: string;
  startTime?: string;
  endTime?: string;
  /** Seconds; 0 would mean unlimited, which this service never grants. */
  executionDuration: number;
  destruction: string;
  parameters: JobParameter[];
  /** Multipart parts posted with the job (inline uploads), kept in the results store. */
  inlineParts: string[];
  /** Their bytes, for the storage quotas. */
  inlineBytes?: number;
  results: JobResult[];
  error?: { message: string; type: "fatal" | "transient" };
  /** The database's reference to the running query (a Qserv query id), to re-attach after a restart. */
  backendRef?: string;
  /** How much of the query the database reports done (Qserv's chunks); shown in jobInfo. */
  progress?: { chunksCompleted: number; chunksTotal: number };
  /** What the ADQL compiler had to say about the query (CompileResult.warnings); shown in jobInfo. */
  warnings?: string[];
  /**
   * The replica (TAP_REPLICA_ID) that holds, in its memory only, the bearer token that the job runs with
   * (Execution.credential; SODA's Butler lookups): never the token itself. Another replica does not run such a job
   * while that replica lives, and puts it in ERROR once it has stopped. Not shown to clients.
   */
  credentialHolder?: string;
}

export function isoNow(ms = Date.now()): string {
  return new Date(ms).toISOString();
}

const UWS_NS = `xmlns:uws="http://www.ivoa.net/xml/UWS/v1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="${XSI}"`;

function timeEl(name: string, value: string | undefined): string {
  return value === undefined ? `  <uws:${name} xsi:nil="true"/>\n` : `  <uws:${name}>${escapeText(value)}</uws:${name}>\n`;
}

export interface Urls {
  job(id: string): string;
  result(id: string, name: string): string;
  parameter(id: string, name: string): string;
}

export function parametersXml(job: Job, urls: Urls, indent = "  "): string {
  const inline = job.inlineParts.map(
    (p) => `${indent}  <uws:parameter id="${escapeAttr(p)}" byReference="true">${escapeText(urls.parameter(job.id, p))}</uws:parameter>\n`,
  );
  const params = job.parameters.map((p) => `${indent}  <uws:parameter id="${escapeAttr(p.name.toLowerCase())}">${escapeText(p.value)}</uws:parameter>\n`);
  return `${indent}<uws:parameters>\n${params.join("")}${inline.join("")}${indent}</uws:parameters>\n`;
}

export function resultsXml(job: Job, urls: Urls, indent = "  "): string {
  return (
    `${indent}<uws:results>\n` +
    job.results
      .map(
        (r) =>
          `${indent}  <uws:result id="${escapeAttr(r.id)}" xlink:type="simple" xlink:href="${escapeAttr(urls.result(job.id, r.id))}" size="${r.size}" mime-type="${escapeAttr(r.mimeType)}"/>\n`,
      )
      .join("") +
    `${indent}</uws:results>\n`
  );
}

/**
 * The namespace of this service's `uws:jobInfo` content (UWS 1.1 §2.2.2.2 allows any element
 * there; the schema validates it laxly, so an undeclared namespace is valid).
 */
export const JOB_INFO_NS = "urn:x-qserv-tap:uws-jobinfo:1";

/**
 * `<uws:jobInfo>` with the query's progress and the compiler's warnings, or nothing when there
 * are neither:
 * `<progress xmlns="…" chunksCompleted="3" chunksTotal="8"/>` and `<warning xmlns="…">text</warning>`.
 */
export function jobInfoXml(job: Job, indent = "  "): string {
  const items: string[] = [];
  const p = job.progress;
  if (p) items.push(`${indent}  <progress xmlns="${JOB_INFO_NS}" chunksCompleted="${p.chunksCompleted}" chunksTotal="${p.chunksTotal}"/>\n`);
  for (const w of job.warnings ?? []) items.push(`${indent}  <warning xmlns="${JOB_INFO_NS}">${escapeText(w)}</warning>\n`);
  return items.length === 0 ? "" : `${indent}<uws:jobInfo>\n${items.join("")}${indent}</uws:jobInfo>\n`;
}

export function jobXml(job: Job, urls: Urls): string {
  return (
    XML_DECL +
    `<uws:job version="1.1" ${UWS_NS}>\n` +
    `  <uws:jobId>${escapeText(job.id)}</uws:jobId>\n` +
    (job.runId !== undefined ? `  <uws:runId>${escapeText(job.runId)}</uws:runId>\n` : "") +
    (job.owner === null ? `  <uws:ownerId xsi:nil="true"/>\n` : `  <uws:ownerId>${escapeText(job.owner)}</uws:ownerId>\n`) +
    `  <uws:phase>${job.phase}</uws:phase>\n` +
    `  <uws:quote xsi:nil="true"/>\n` +
    `  <uws:creationTime>${job.creationTime}</uws:creationTime>\n` +
    timeEl("startTime", job.startTime) +
    timeEl("endTime", job.endTime) +
    `  <uws:executionDuration>${job.executionDuration}</uws:executionDuration>\n` +
    timeEl("destruction", job.destruction) +
    parametersXml(job, urls) +
    resultsXml(job, urls) +
    (job.error
      ? `  <uws:errorSummary type="${job.error.type}" hasDetail="true">\n    <uws:message>${escapeText(job.error.message)}</uws:message>\n  </uws:errorSummary>\n`
      : "") +
    jobInfoXml(job) +
    `</uws:job>\n`
  );
}

export function jobListXml(jobs: readonly Job[], urls: Urls): string {
  return (
    XML_DECL +
    `<uws:jobs version="1.1" ${UWS_NS}>\n` +
    jobs
      .map(
        (j) =>
          `  <uws:jobref id="${escapeAttr(j.id)}" xlink:type="simple" xlink:href="${escapeAttr(urls.job(j.id))}">\n` +
          `    <uws:phase>${j.phase}</uws:phase>\n` +
          (j.runId !== undefined ? `    <uws:runId>${escapeText(j.runId)}</uws:runId>\n` : "") +
          (j.owner === null ? `    <uws:ownerId xsi:nil="true"/>\n` : `    <uws:ownerId>${escapeText(j.owner)}</uws:ownerId>\n`) +
          `    <uws:creationTime>${j.creationTime}</uws:creationTime>\n` +
          `  </uws:jobref>\n`,
      )
      .join("") +
    `</uws:jobs>\n`
  );
}

export function standaloneXml(body: string): string {
  return XML_DECL + body.replace(/^<uws:(parameters|results)>/, `<uws:$1 ${UWS_NS}>`);
}
