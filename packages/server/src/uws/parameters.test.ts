/**
 * The UWS parameters of the requests (routes/async.ts reads them only through uws/parameters.ts), as tables: the
 * query or posted value in, the reading or the error (status, message, code) out.
 */
import { expect } from "chai";
import { TapError } from "../errors.js";
import { blockingOf, jobListFilterOf, phaseActionOf, queryParameters, runsOnCreation } from "./parameters.js";

/** The result of f, or the TapError it throws as [status, message, code]. */
function outcome<T>(f: () => T): T | [number, string, string] {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof TapError)) throw e;
    return [e.status, e.message, e.code];
  }
}

describe("server UWS request parameters (uws/parameters.ts)", () => {
  const LIST: [string, unknown][] = [
    // UWS 1.1 §2.2.2.1: PHASE repeats, AFTER is a time (UTC without a zone), LAST a positive integer.
    ["", { phases: [] }],
    ["PHASE=EXECUTING&phase=pending", { phases: ["EXECUTING", "PENDING"] }],
    ["AFTER=2026-01-02T03:04:05", { phases: [], after: Date.UTC(2026, 0, 2, 3, 4, 5) }],
    ["after=2026-01-02T03:04:05%2B01:00", { phases: [], after: Date.UTC(2026, 0, 2, 2, 4, 5) }],
    ["AFTER=2026-01-02T03:04:05.250Z&LAST=3", { phases: [], after: Date.UTC(2026, 0, 2, 3, 4, 5, 250), last: 3 }],
    ["last=%207%20", { phases: [], last: 7 }],
    ["PHASE=DONE", [400, "PHASE=DONE is not a UWS phase", "TAP_BAD_REQUEST"]],
    ["PHASE=done", [400, "PHASE=done is not a UWS phase", "TAP_BAD_REQUEST"]],
    ["AFTER=yesterday", [400, 'AFTER must be an ISO 8601 date and time, not "yesterday"', "TAP_BAD_REQUEST"]],
    ["LAST=0", [400, 'LAST must be an integer greater than 0, not "0"', "TAP_BAD_REQUEST"]],
    ["LAST=-2", [400, 'LAST must be an integer greater than 0, not "-2"', "TAP_BAD_REQUEST"]],
    ["LAST=1.5", [400, 'LAST must be an integer greater than 0, not "1.5"', "TAP_BAD_REQUEST"]],
  ];
  for (const [query, expected] of LIST) {
    it(`job list ?${query}: ${JSON.stringify(expected)}`, () => {
      expect(outcome(() => jobListFilterOf(queryParameters(query)))).to.deep.equal(expected);
    });
  }

  const BLOCKING: [string, unknown][] = [
    // UWS 1.1 §2.2.1.2: WAIT in seconds, negative for as long as the service allows; PHASE the phase to leave.
    ["", undefined],
    ["PHASE=EXECUTING", undefined],
    ["WAIT=5", { seconds: 5 }],
    ["wait=-1&phase=queued", { seconds: -1, phase: "QUEUED" }],
    ["WAIT=0&PHASE=EXECUTING&PHASE=QUEUED", { seconds: 0, phase: "EXECUTING" }],
    ["WAIT=5&WAIT=9", { seconds: 5 }],
    ["WAIT=soon", [400, 'WAIT must be an integer number of seconds, not "soon"', "TAP_BAD_REQUEST"]],
    ["WAIT=1.5", [400, 'WAIT must be an integer number of seconds, not "1.5"', "TAP_BAD_REQUEST"]],
    ["WAIT=5&PHASE=busy", [400, "PHASE=BUSY is not a UWS phase", "TAP_BAD_REQUEST"]],
  ];
  for (const [query, expected] of BLOCKING) {
    it(`blocking GET ?${query}: ${JSON.stringify(expected)}`, () => {
      expect(outcome(() => blockingOf(queryParameters(query)))).to.deep.equal(expected);
    });
  }

  const ACTIONS: [string, unknown][] = [
    // UWS 1.1 §2.2.3.5-6: PHASE=RUN starts the job, PHASE=ABORT aborts it; nothing else is posted.
    ["RUN", "RUN"],
    ["run", "RUN"],
    ["Abort", "ABORT"],
    ["SUSPEND", [400, "PHASE=SUSPEND is not allowed: use PHASE=RUN or PHASE=ABORT", "UWS_BAD_PHASE"]],
    ["", [400, "PHASE= is not allowed: use PHASE=RUN or PHASE=ABORT", "UWS_BAD_PHASE"]],
  ];
  for (const [value, expected] of ACTIONS) {
    it(`PHASE=${value} posted to a job: ${JSON.stringify(expected)}`, () => {
      expect(outcome(() => phaseActionOf(value))).to.deep.equal(expected);
    });
  }

  const CREATION: [string | undefined, unknown][] = [
    // UWS 1.1 §2.2.3.1 and DALI 1.1 §2.1: a job is created PENDING, or run at once with PHASE=RUN.
    [undefined, false],
    ["RUN", true],
    ["run", true],
    ["ABORT", [400, "PHASE=ABORT is not allowed when creating a job: use PHASE=RUN or nothing", "UWS_BAD_PHASE"]],
  ];
  for (const [value, expected] of CREATION) {
    it(`PHASE=${value ?? "(none)"} when creating a job: ${JSON.stringify(expected)}`, () => {
      expect(outcome(() => runsOnCreation(value))).to.deep.equal(expected);
    });
  }
});
