/**
 * What may happen to a job in each phase (UWS 1.1 §2.2.1, §2.2.3): one table read by the manager and by both job
 * stores (the SQL store turns each row into the WHERE of its conditional UPDATE), instead of `if`s over the methods.
 */
import { TapError } from "../errors.js";
import type { Phase } from "./job.js";

/** A change of phase: the phases it may start from, and the phase it leads to. */
export interface Transition {
  from: readonly Phase[];
  to: Phase;
}

export const TRANSITIONS = {
  /** PHASE=RUN (UWS 1.1 §2.2.3.1). */
  run: { from: ["PENDING", "HELD"], to: "QUEUED" },
  /** A replica takes the job with a lease. */
  claim: { from: ["QUEUED"], to: "EXECUTING" },
  complete: { from: ["EXECUTING"], to: "COMPLETED" },
  fail: { from: ["EXECUTING"], to: "ERROR" },
  /** PHASE=ABORT: any phase that is not final. */
  abort: { from: ["PENDING", "QUEUED", "EXECUTING", "HELD", "SUSPENDED", "UNKNOWN"], to: "ABORTED" },
  /** A lease expired (its replica died): run again... */
  requeue: { from: ["EXECUTING"], to: "QUEUED" },
  /** ...or give up ("the service restarted during execution"). */
  lost: { from: ["EXECUTING"], to: "ERROR" },
  /** A queued job whose bearer token was held only by a replica that stopped (manager.ts credentialsGone). */
  credentialsLost: { from: ["QUEUED"], to: "ERROR" },
} as const satisfies Record<string, Transition>;

/** The phase of a job that a replica runs under a lease. */
export const LEASED = TRANSITIONS.claim.to;

/** PHASE=RUN of a job in these phases changes nothing and is no error: it is queued or executing already. */
export const RUNNING: readonly Phase[] = [...TRANSITIONS.claim.from, TRANSITIONS.claim.to];

/** Changes that keep the phase: the phases in which a client may make them. */
export const EDITS = {
  /** Parameters (UWS 1.1 §2.1.11, DALI 1.1 §2.1: only while PENDING). */
  parameters: ["PENDING"],
  executionDuration: ["PENDING", "QUEUED"],
  /** The destruction time may change in any phase. */
  destruction: ["PENDING", "QUEUED", "EXECUTING", "COMPLETED", "ERROR", "ABORTED", "UNKNOWN", "HELD", "SUSPENDED", "ARCHIVED"],
} as const satisfies Record<string, readonly Phase[]>;

export function allows(from: readonly Phase[], phase: Phase): boolean {
  return from.includes(phase);
}

/** The code of a request that the job's phase forbids (SODA labels it as a usage error, not an authorization one). */
export const PHASE_CONFLICT = "UWS_PHASE_CONFLICT";

/**
 * A request that the job's phase forbids. UWS 1.1 §2.2: "if a request is made that is illegal for the current state
 * of the UWS then a 403 status should be returned"; a malformed value is still a 400.
 */
export function phaseConflict(message: string): TapError {
  return new TapError(403, message, PHASE_CONFLICT);
}
