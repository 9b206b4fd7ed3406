// npm run test:quick: the test files that test-kinds.json calls "quick", with .mocharc.json's settings, and
// test-support/quick-guard.ts, which fails any of them that starts a process. npm test runs every file.
// CommonJS, as mocha reads its configuration files with require().
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports */
const { files } = require("./test-kinds.json");
const base = require("./.mocharc.json");

module.exports = {
  ...base,
  spec: Object.keys(files).filter((file) => files[file] === "quick"),
  require: [...base.require, "packages/server/src/test-support/quick-guard.ts"],
};
