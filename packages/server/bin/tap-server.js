#!/usr/bin/env node
// The bin is this file, not dist/main.js, because npm links a workspace package's bins when it installs (`npm ci`),
// and only those whose file exists then: in a fresh clone dist/ is not built yet, and `npx tap-server` would then
// look for a package of that name in the registry instead.
import { existsSync } from "node:fs";
import { URL } from "node:url";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("tap-server: not built yet: run `npm run build` (or `npm start`) at the repository's root first");
  process.exit(1);
}
await import(main.href);
