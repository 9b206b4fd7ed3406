/**
 * UWS job parameters as the manager keeps them (UWS 1.1 §2.2.3): the control parameters EXECUTIONDURATION and
 * DESTRUCTION read into the job's fields with the service's caps, RUNID kept, the protocol's own (TAP, SODA) stored
 * as posted; and the inline upload parts that the parameters name.
 */
import { createHash } from "node:crypto";
import { TapError } from "../errors.js";
import { isoNow, type Job, type JobParameter } from "./job.js";
import type { UploadPart } from "../params.js";

export interface ParameterLimits {
  maxExecutionSeconds: number;
  maxDestructionSeconds: number;
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

/** 0 (unlimited) and anything above the service's limit become the limit (UWS 1.1 §2.2.3.4). */
export function executionDurationOf(value: string, limits: ParameterLimits): number {
  if (!/^\s*-?\d+\s*$/.test(value)) throw new TapError(400, `EXECUTIONDURATION must be an integer number of seconds, not "${value}"`);
  const max = limits.maxExecutionSeconds;
  const n = Number(value);
  return n <= 0 || n > max ? max : n;
}

/** An ISO 8601 time, at most maxDestructionSeconds after the creation; times without a zone are UTC (UWS 1.1 §2.2.1). */
export function destructionOf(job: Pick<Job, "creationTime">, value: string, limits: ParameterLimits): string {
  const t = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value.trim()) || Number.isNaN(t)) {
    throw new TapError(400, `DESTRUCTION must be an ISO 8601 date and time, not "${value}"`);
  }
  const latest = Date.parse(job.creationTime) + limits.maxDestructionSeconds * 1000;
  const ms = /[zZ]|[+-]\d\d:?\d\d$/.test(value.trim()) ? t : Date.parse(`${value.trim()}Z`);
  return isoNow(Math.min(ms, latest));
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
