/**
 * Waits until a condition holds, for tests whose event cannot be awaited directly (a file
 * removed, a process's state, a session released). The deadline is generous, since a busy CI
 * machine is slow, and only bounds a failure: a passing test waits as long as the event takes.
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
