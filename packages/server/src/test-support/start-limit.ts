/**
 * Tests wait for a service to be ready (its start resolves, or a child prints its URL) without a start-up timeout
 * of their own that a busy machine exceeds: the wait does not count against the test's or hook's mocha timeout, and
 * only a much larger bound, SERVICE_START_LIMIT_MS, reports a start that hangs.
 */
import { createRequire } from "node:module";

/**
 * How long a service may take to start before the test or hook that waits for it fails: a last resort, so that a
 * hang is still reported. An idle machine starts the demo service in about a second; a busy one (2 cores shared by
 * several test runs) has taken 13-35 s, more than the 20-30 s that tests give themselves for what they check.
 */
export const SERVICE_START_LIMIT_MS = 10 * 60_000;

/** The test or hook that mocha runs now (set as each starts), whose timeout a service's start does not use up. */
let runnable: Mocha.Runnable | undefined;
const { Runnable } = createRequire(import.meta.url)("mocha") as { Runnable: { prototype: { run(fn: unknown): unknown } } };
const run = Runnable.prototype.run;
Runnable.prototype.run = function (this: Mocha.Runnable, fn: unknown) {
  // eslint-disable-next-line @typescript-eslint/no-this-alias -- mocha names the runnable it starts only here.
  runnable = this;
  return run.call(this, fn);
};

/**
 * Runs `start` with the current test's or hook's timeout raised by SERVICE_START_LIMIT_MS, then gives it back its
 * own timeout plus the time the start took: the test's own steps keep their bound, the start waits for the service
 * to be ready however busy the machine is, and a start that hangs still fails, after SERVICE_START_LIMIT_MS.
 */
export async function whileStarting<T>(start: () => Promise<T>, limitMs = SERVICE_START_LIMIT_MS): Promise<T> {
  const r = runnable;
  const own = r?.timeout() ?? 0;
  // No runnable (at import), or one without a timeout (mocha's --no-timeouts, a debugger): nothing to raise.
  if (!r || own === 0) return start();
  const t0 = Date.now();
  r.timeout(own + limitMs);
  try {
    return await start();
  } finally {
    r.timeout(own + (Date.now() - t0));
  }
}

