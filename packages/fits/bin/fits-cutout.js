#!/usr/bin/env node
// The bin is this file, not dist/cli/fits-cutout.js, because npm links a workspace package's bins when it installs
// (`npm ci`), and only those whose file exists then: in a fresh clone dist/ is not built yet, and `npx fits-cutout`
// would then look for a package of that name in the registry instead.
import { existsSync } from "node:fs";
import { fileURLToPath, URL } from "node:url";

const cli = new URL("../dist/cli/fits-cutout.js", import.meta.url);
if (!existsSync(cli)) {
  console.error("fits-cutout: not built yet: run `npm run build` at the repository's root first");
  process.exit(1);
}
// The CLI runs its main() only when it is the script that node was given (it is also imported by its tests).
process.argv[1] = fileURLToPath(cli);
await import(cli.href);
