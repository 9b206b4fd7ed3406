/**
 * The UWS parameters of the requests (routes/async.ts reads them only through uws/parameters.ts), as tables: the
 * query or posted value in, the reading or the error (status, message, code) out.
 */
import { expect } from "chai";
import { TapError } from "../errors.js";
import { blockingOf, checkParametersPost, destructionOf, executionDurationOf, jobListFilterOf, phaseActionOf, queryParameters, runsOnCreation } from "./parameters.js";

/** The result of f, or the TapError it throws as [status, message, code]. */
function outcome<T>(f: () => T): T | [number, string, string] {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof TapError)) throw e;
    return [e.status, e.message, e.code];
  }
}

const FORM = "YYYY-MM-DD['T'hh:mm:ss[.SSS]['Z']]";

describe("server UWS request parameters (uws/parameters.ts)", () => {
  const LIST: [string, unknown][] = [
    // UWS 1.1 §2.2.2.1: PHASE repeats, AFTER is a time, LAST a positive integer. AFTER is a DALI 1.1 §3.3.3
    // timestamp, UTC with or without the Z, as DESTRUCTION is (below).
    ["", { phases: [] }],
    ["PHASE=EXECUTING&phase=pending", { phases: ["EXECUTING", "PENDING"] }],
    ["AFTER=2026-01-02T03:04:05", { phases: [], after: Date.UTC(2026, 0, 2, 3, 4, 5) }],
    ["AFTER=2026-01-02", { phases: [], after: Date.UTC(2026, 0, 2) }],
    ["AFTER=2026-01-02T03:04:05.250Z&LAST=3", { phases: [], after: Date.UTC(2026, 0, 2, 3, 4, 5, 250), last: 3 }],
    ["last=%207%20", { phases: [], last: 7 }],
    ["PHASE=DONE", [400, "PHASE=DONE is not a UWS phase", "TAP_BAD_REQUEST"]],
    ["PHASE=done", [400, "PHASE=done is not a UWS phase", "TAP_BAD_REQUEST"]],
    ["AFTER=yesterday", [400, `AFTER must be a DALI timestamp, ${FORM} in UTC (DALI 1.1 §3.3.3), not "yesterday": it does not have the form ${FORM}`, "TAP_BAD_REQUEST"]],
    [
      "after=2026-01-02T03:04:05%2B01:00",
      [400, `AFTER must be a DALI timestamp, ${FORM} in UTC (DALI 1.1 §3.3.3), not "2026-01-02T03:04:05+01:00": the only time zone allowed is Z (UTC)`, "TAP_BAD_REQUEST"],
    ],
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
  /** The requests come at the job's creation, 2030-01-01T00:00:00Z. */
  const LIMITS = { maxExecutionSeconds: 600, maxDestructionSeconds: 30 * 86400, now: Date.parse("2030-01-01T00:00:00Z") };

  const DURATIONS: [string, unknown][] = [
    // UWS 1.1 §2.2.3.4: seconds; the service may override (0, no limit, and too much get its limit); a negative
    // duration is no duration.
    ["60", 60],
    [" 600 ", 600],
    ["0", 600],
    ["-0", 600],
    ["601", 600],
    ["99999999999999999999", 600],
    ["-5", [400, 'EXECUTIONDURATION must be 0 (no limit) or a positive integer number of seconds, not "-5"', "TAP_BAD_REQUEST"]],
    ["-86400", [400, 'EXECUTIONDURATION must be 0 (no limit) or a positive integer number of seconds, not "-86400"', "TAP_BAD_REQUEST"]],
    ["abc", [400, 'EXECUTIONDURATION must be an integer number of seconds, not "abc"', "TAP_BAD_REQUEST"]],
    ["1.5", [400, 'EXECUTIONDURATION must be an integer number of seconds, not "1.5"', "TAP_BAD_REQUEST"]],
    ["+5", [400, 'EXECUTIONDURATION must be an integer number of seconds, not "+5"', "TAP_BAD_REQUEST"]],
    ["", [400, 'EXECUTIONDURATION must be an integer number of seconds, not ""', "TAP_BAD_REQUEST"]],
  ];
  for (const [value, expected] of DURATIONS) {
    it(`EXECUTIONDURATION=${value}: ${JSON.stringify(expected)}`, () => {
      expect(outcome(() => executionDurationOf(value, LIMITS))).to.deep.equal(expected);
    });
  }

  const created = { creationTime: "2030-01-01T00:00:00.000Z" };
  const bad = (value: string, why: string) => [400, `DESTRUCTION must be a DALI timestamp, ${FORM} in UTC (DALI 1.1 §3.3.3), not "${value}": ${why}`, "TAP_BAD_REQUEST"];
  const past = (iso: string) => [400, `DESTRUCTION ${iso} is not in the future (it is 2030-01-01T00:00:00.000Z): to destroy a job now, DELETE it (UWS 1.1 §2.2.3.2)`, "TAP_BAD_REQUEST"];
  const DESTRUCTIONS: [string, unknown][] = [
    // DALI 1.1 §3.3.3: YYYY-MM-DD['T'hh:mm:ss[.SSS]['Z']], the time optional (a date is its 00:00:00), UTC with or
    // without the Z; UWS 1.1 §2.2.3.3: the service may choose an earlier time (its limit, 30 days here).
    ["2030-01-02", "2030-01-02T00:00:00.000Z"],
    ["2030-01-02T03:04:05", "2030-01-02T03:04:05.000Z"],
    ["2030-01-02T03:04:05Z", "2030-01-02T03:04:05.000Z"],
    ["2030-01-02T03:04:05.678Z", "2030-01-02T03:04:05.678Z"],
    // pyvo 1.2's IVOA_DATETIME_FORMAT, %Y-%m-%dT%H:%M:%S.%fZ: microseconds.
    ["2030-01-02T03:04:05.678901Z", "2030-01-02T03:04:05.678Z"],
    [" 2030-01-02 ", "2030-01-02T00:00:00.000Z"],
    ["2031-06-01", "2030-01-31T00:00:00.000Z"],
    // Not in the future: refused, not a job destroyed at once (its 303 would lead nowhere; DELETE destroys a job).
    ["2029-12-31T23:59:59Z", past("2029-12-31T23:59:59.000Z")],
    ["2030-01-01T00:00:00Z", past("2030-01-01T00:00:00.000Z")],
    ["2030-01-01T00:00:00.001Z", "2030-01-01T00:00:00.001Z"],
    ["2030-01-01 00:00:00", bad("2030-01-01 00:00:00", "the date and the time must be separated by T, not a space")],
    ["2030-01-02T03:04:05+01:00", bad("2030-01-02T03:04:05+01:00", "the only time zone allowed is Z (UTC)")],
    ["2030-01-02T03:04:05-0500", bad("2030-01-02T03:04:05-0500", "the only time zone allowed is Z (UTC)")],
    ["2030-01-02Z", bad("2030-01-02Z", "a date without a time cannot have the zone Z")],
    ["2030-01-02T03:04", bad("2030-01-02T03:04", `it does not have the form ${FORM}`)],
    ["2030-02-30", bad("2030-02-30", "February 2030 has 28 days")],
    ["42", bad("42", `it does not have the form ${FORM}`)],
    ["tomorrow", bad("tomorrow", `it does not have the form ${FORM}`)],
    ["Wed, 02 Jan 2030 00:00:00 GMT", bad("Wed, 02 Jan 2030 00:00:00 GMT", `it does not have the form ${FORM}`)],
  ];
  for (const [value, expected] of DESTRUCTIONS) {
    it(`DESTRUCTION=${value}: ${JSON.stringify(expected)}`, () => {
      expect(outcome(() => destructionOf(created, value, LIMITS))).to.deep.equal(expected);
    });
  }

  const JOB = "http://h/tap/async/j1";
  const PARAMETERS_POST: [string[], unknown][] = [
    // UWS 1.1 §2.1.11, DALI 1.1 §2.1: a POST to /parameters carries job parameters; PHASE goes to /phase (§2.2.3.5-6)
    // and ACTION=DELETE to the job (§2.2.3.2): refused, not ignored.
    [["QUERY", "LANG"], undefined],
    [["EXECUTIONDURATION", "DESTRUCTION", "RUNID"], undefined],
    [[], undefined],
    [["QUERY", "PHASE"], [400, `PHASE is not a job parameter: post PHASE=RUN or PHASE=ABORT to ${JOB}/phase (UWS 1.1 §2.2.3.5)`, "UWS_BAD_PHASE"]],
    [["ACTION"], [400, `ACTION is not a job parameter: post ACTION=DELETE to ${JOB}, or send it DELETE (UWS 1.1 §2.2.3.2)`, "TAP_BAD_REQUEST"]],
  ];
  for (const [names, expected] of PARAMETERS_POST) {
    it(`POST to /parameters of ${names.join(", ") || "nothing"}: ${JSON.stringify(expected)}`, () => {
      expect(outcome(() => checkParametersPost(names, JOB))).to.deep.equal(expected);
    });
  }
});
