/**
 * What a child process loads: a Node option (`--import` of a data: URL that registers a resolve hook with
 * module.register) under which the process prints each module URL it resolves to stderr, and the reading of those
 * lines back. For the tests that a start-up leaves a module graph out (the CLI without lodash-es, the service without
 * mysql2 until it is used).
 */
const HOOK = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  process.stderr.write("resolved " + r.url + "\\n");
  return r;
}`;

const REGISTER = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

/** The Node options that make a process print the URL of each module it resolves. */
export const PRINT_RESOLVED: readonly string[] = ["--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`];

/** The module URLs printed under PRINT_RESOLVED, once each, in the order first resolved. */
export function resolvedUrls(stderr: string): string[] {
  return [...new Set(stderr.split("\n").flatMap((l) => (l.startsWith("resolved ") ? [l.slice("resolved ".length)] : [])))];
}
