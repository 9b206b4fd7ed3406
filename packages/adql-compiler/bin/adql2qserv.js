#!/usr/bin/env node
// The bin is this file, not dist/cli/adql2qserv.js, because npm links a workspace package's bins when it installs
// (`npm ci`), and only those whose file exists then: in a fresh clone dist/ is not built yet, and `npx adql2qserv`
// would then look for a package of that name in the registry instead.
import { existsSync } from "node:fs";
import { URL } from "node:url";

const cli = new URL("../dist/cli/adql2qserv.js", import.meta.url);
if (!existsSync(cli)) {
  console.error("adql2qserv: not built yet: run `npm run build` at the repository's root first");
  process.exit(1);
}
await import(cli.href);
