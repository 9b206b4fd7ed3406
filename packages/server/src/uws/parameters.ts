/**
 * UWS job parameters as the manager keeps them (UWS 1.1 §2.2.3): the control parameters EXECUTIONDURATION and
 * DESTRUCTION read into the job's fields with the service's caps, RUNID kept, the protocol's own (TAP, SODA) stored
 * as posted; and the inline upload parts that the parameters name. Also the parameters of the requests themselves
 * (routes/async.ts): PHASE posted to create, run or abort a job, WAIT and PHASE of a blocking GET, and the job
 * list's PHASE, AFTER and LAST filters. Every UWS parameter is read here, and nowhere else.
 */
import { createHash } from "node:crypto";
import { TapError } from "../errors.js";
import { DALI_TIMESTAMP_FORM, parseDaliTimestamp, TimestampError, timestampMicros } from "../timestamp.js";
import { isoNow, PHASES, type Job, type JobParameter, type Phase } from "./job.js";
import type { UploadPart } from "../params.js";

export interface ParameterLimits {
  maxExecutionSeconds: number;
  maxDestructionSeconds: number;
  /** The time of the request (ms): a DESTRUCTION must come after it. */
  now: number;
}

/**
 * UWS control parameters in a creation POST (or a POST to the parameters of a PENDING job); others are the protocol's.
 * A multi-valued parameter (TAP's UPLOAD: TAP 1.1 §2.2, several tables) accumulates; a single-valued one posted again
 * replaces its earlier value (taplint checks this with RUNID).
 */
export function applyParameters(job: Job, parameters: readonly JobParameter[], multi: ReadonlySet<string>, limits: ParameterLimits): void {
  const replaced = new Set(parameters.map((p) => p.name).filter((n) => !multi.has(n)));
  job.parameters = job.parameters.filter((p) => !replaced.has(p.name));
  for (const p of parameters) {
    switch (p.name) {
      case "PHASE":
      case "ACTION":
        break;
      case "EXECUTIONDURATION":
        job.executionDuration = executionDurationOf(p.value, limits);
        break;
      case "DESTRUCTION":
        job.destruction = destructionOf(job, p.value, limits);
        break;
      default:
        if (p.name === "RUNID") job.runId = p.value;
        job.parameters.push(p);
    }
  }
}

/**
 * 0 (unlimited) and anything above the service's limit become the limit, which UWS 1.1 §2.2.3.4 allows ("the service
 * may override the request"); a negative duration means nothing, and is refused like any other non-duration.
 */
export function executionDurationOf(value: string, limits: ParameterLimits): number {
  if (!/^\s*-?\d+\s*$/.test(value)) throw new TapError(400, `EXECUTIONDURATION must be an integer number of seconds, not "${clip(value)}"`);
  const n = Number(value);
  if (n < 0) throw new TapError(400, `EXECUTIONDURATION must be 0 (no limit) or a positive integer number of seconds, not "${clip(value)}"`);
  const max = limits.maxExecutionSeconds;
  return n === 0 || n > max ? max : n;
}

/**
 * A time parameter of UWS (DESTRUCTION, AFTER) in ms since the epoch. UWS 1.1 §2.2.1 wants ISO 8601 with a T and
 * UTC; DALI 1.1 §3.3.3 says which ISO 8601 exactly: `YYYY-MM-DD['T'hh:mm:ss[.SSS]['Z']]`, UTC with or without the Z,
 * a date alone being its midnight. Anything else is refused rather than guessed at (Date.parse reads offsets, spaces
 * and "42").
 */
export function uwsTime(name: string, value: string): number {
  let micros: bigint;
  try {
    micros = timestampMicros(parseDaliTimestamp(value));
  } catch (e) {
    if (!(e instanceof TimestampError)) throw e;
    throw new TapError(400, `${name} must be a DALI timestamp, ${DALI_TIMESTAMP_FORM} in UTC (DALI 1.1 §3.3.3), not "${clip(value)}": ${e.message}`);
  }
  // Floored, not truncated toward 0: an instant before 1970 stays in its millisecond.
  return Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n));
}

/**
 * The destruction time asked for, at most maxDestructionSeconds after the creation (UWS 1.1 §2.2.3.3 lets the service
 * choose). A time already past is refused: §2.2.3.3's 303 must lead to the job, which would be gone, and a slip of
 * the year would destroy the results for good; DELETE destroys a job now (§2.2.3.2).
 */
export function destructionOf(job: Pick<Job, "creationTime">, value: string, limits: ParameterLimits): string {
  const latest = Date.parse(job.creationTime) + limits.maxDestructionSeconds * 1000;
  const asked = uwsTime("DESTRUCTION", value);
  if (asked <= limits.now) {
    throw new TapError(400, `DESTRUCTION ${isoNow(asked)} is not in the future (it is ${isoNow(limits.now)}): to destroy a job now, DELETE it (UWS 1.1 §2.2.3.2)`);
  }
  return isoNow(Math.min(asked, latest));
}

/**
 * A POST to a job's parameters (UWS 1.1 §2.1.11, DALI 1.1 §2.1) carries job parameters. PHASE and ACTION are requests
 * to the job's phase and to the job (UWS 1.1 §2.2.3.2, §2.2.3.5-6), never stored as parameters: refused, naming where
 * they go, rather than ignored while the client believes its job runs or is gone.
 */
export function checkParametersPost(names: Iterable<string>, jobUrl: string): void {
  for (const name of names) {
    if (name === "PHASE") {
      throw new TapError(400, `PHASE is not a job parameter: post PHASE=RUN or PHASE=ABORT to ${jobUrl}/phase (UWS 1.1 §2.2.3.5)`, "UWS_BAD_PHASE");
    }
    if (name === "ACTION") throw new TapError(400, `ACTION is not a job parameter: post ACTION=DELETE to ${jobUrl}, or send it DELETE (UWS 1.1 §2.2.3.2)`);
  }
}

/** A value as a message quotes it: a long one is cut. */
function clip(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}

/**
 * The parts that the job's UPLOAD parameters name (`name,param:part`): only those are kept, so
 * that parts sent along with a job cost no storage unless the job reads them.
 */
export function uploadedParts(job: Job, inline: Map<string, UploadPart>): Map<string, UploadPart> {
  const named = new Set<string>();
  for (const p of job.parameters) {
    if (p.name !== "UPLOAD") continue;
    for (const item of p.value.split(";")) {
      const uri = item.slice(item.indexOf(",") + 1).trim();
      if (item.includes(",") && uri.startsWith("param:")) named.add(uri.slice("param:".length));
    }
  }
  return new Map([...inline].filter(([name]) => named.has(name)));
}

export function sizeOf(parts: Map<string, UploadPart>): number {
  let n = 0;
  for (const p of parts.values()) n += p.size;
  return n;
}

/**
 * The results-store object of an inline upload part. A part name that is not a safe file name
 * (or is long) is hashed, so that two names never share an object ("a b" and "a_b").
 */
export function inlineName(part: string): string {
  return /^[A-Za-z0-9_-]{1,100}$/.test(part) ? `upload.${part}` : `upload.h${createHash("sha256").update(part).digest("hex").slice(0, 40)}`;
}

// ---------------------------------------------------------------------------------------------
// The parameters of the requests

/** A query string's parameters by upper-cased name (DALI 1.1 §3.1: parameter names are case-insensitive). */
export function queryParameters(querystring: string): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(querystring)) {
    const key = name.toUpperCase();
    const values = out.get(key);
    if (values) values.push(value);
    else out.set(key, [value]);
  }
  return out;
}

function phaseOf(value: string): Phase {
  const up = value.toUpperCase() as Phase;
  if (!PHASES.includes(up)) throw new TapError(400, `PHASE=${value} is not a UWS phase`);
  return up;
}

/** What the job list shows (UWS 1.1 §2.2.2.1): the phases asked for (PHASE, repeated), the jobs created AFTER a time, the LAST n. */
export interface JobListFilter {
  phases: Phase[];
  /** Milliseconds since the epoch. */
  after?: number;
  last?: number;
}

/** The job list's filters from the query; AFTER is read as DESTRUCTION is (uwsTime). */
export function jobListFilterOf(query: ReadonlyMap<string, readonly string[]>): JobListFilter {
  const phases = (query.get("PHASE") ?? []).map(phaseOf);
  const afterText = query.get("AFTER")?.[0];
  const after = afterText === undefined ? undefined : uwsTime("AFTER", afterText);
  const lastText = query.get("LAST")?.[0];
  if (lastText !== undefined && !/^\s*[1-9]\d*\s*$/.test(lastText)) throw new TapError(400, `LAST must be an integer greater than 0, not "${lastText}"`);
  return { phases, ...(after !== undefined ? { after } : {}), ...(lastText !== undefined ? { last: Number(lastText) } : {}) };
}

/**
 * A blocking GET of a job (UWS 1.1 §2.2.1.2): WAIT seconds (negative: as long as the service allows), while the job
 * is in PHASE if given; undefined when the request does not block.
 */
export function blockingOf(query: ReadonlyMap<string, readonly string[]>): { seconds: number; phase?: Phase } | undefined {
  const waitText = query.get("WAIT")?.[0];
  if (waitText === undefined) return undefined;
  if (!/^\s*-?\d+\s*$/.test(waitText)) throw new TapError(400, `WAIT must be an integer number of seconds, not "${waitText}"`);
  const phaseText = query.get("PHASE")?.[0];
  return { seconds: Number(waitText), ...(phaseText !== undefined ? { phase: phaseOf(phaseText.toUpperCase()) } : {}) };
}

/** PHASE posted to a job or its phase (UWS 1.1 §2.2.3.5-6): RUN or ABORT. */
export function phaseActionOf(value: string): "RUN" | "ABORT" {
  const up = value.toUpperCase();
  if (up === "RUN" || up === "ABORT") return up;
  throw new TapError(400, `PHASE=${value} is not allowed: use PHASE=RUN or PHASE=ABORT`, "UWS_BAD_PHASE");
}

/** PHASE in the POST that creates a job (UWS 1.1 §2.2.3.1, DALI 1.1 §2.1): RUN starts it at once, none leaves it PENDING. */
export function runsOnCreation(phase: string | undefined): boolean {
  if (phase !== undefined && phase.toUpperCase() !== "RUN") {
    throw new TapError(400, `PHASE=${phase} is not allowed when creating a job: use PHASE=RUN or nothing`, "UWS_BAD_PHASE");
  }
  return phase !== undefined;
}
