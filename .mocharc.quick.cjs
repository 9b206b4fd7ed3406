// npm run test:quick: the test files that test-kinds.json calls "quick", with .mocharc.json's settings, and
// test-support/quick-guard.ts, which fails any of them that starts a process. npm test runs every file.
// CommonJS, as mocha reads its configuration files with require().
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports */
const { files } = require("./test-kinds.json");
const base = require("./.mocharc.json");

/**
 * Where Node can require() ES modules (20.19 and later), mocha loads each file with require(), and through tsx the
 * files of its --require option are then evaluated twice (as CommonJS, and as ES modules when a test imports them),
 * and loading costs 1.6 s more CPU than with import(). Turned off where Node knows the flag (older Nodes use import()).
 */
const REQUIRE_ESM_OFF = "--no-experimental-require-module";
const nodeOption = process.allowedNodeEnvironmentFlags.has(REQUIRE_ESM_OFF) ? [...base["node-option"], REQUIRE_ESM_OFF.slice(2)] : base["node-option"];

module.exports = {
  ...base,
  "node-option": nodeOption,
  spec: Object.keys(files).filter((file) => files[file] === "quick"),
  require: [...base.require, "packages/server/src/test-support/quick-guard.ts"],
};
