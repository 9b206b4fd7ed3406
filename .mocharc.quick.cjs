// npm run test:quick: the test files that test-kinds.json calls "quick", with .mocharc.json's settings, and
// test-support/quick-guard.ts, which fails any of them that starts a process. npm test runs every file.
// CommonJS, as mocha reads its configuration files with require().
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports */
const { files } = require("./test-kinds.json");
const base = require("./.mocharc.json");

const quick = Object.keys(files).filter((file) => files[file] === "quick");
// Two workers (the machine's two cores) take the files in this order: the longest first, so that neither is left
// with a long file at the end. Measured CPU time per file, the longest over 1 s; the others follow in the
// order of test-kinds.json.
const LONGEST = [
  "packages/server/src/demo.test.ts",
  "packages/server/src/backends/duckdb-limits.test.ts",
  "packages/server/src/backends/duckdb-pool.test.ts",
  "packages/server/src/metrics.test.ts",
  "packages/votable/src/batch.test.ts",
  "packages/adql-compiler/src/geometry/duckdb-functions.test.ts",
  "packages/server/src/query-router.test.ts",
  "packages/adql-compiler/src/geometry/latitude-range.test.ts",
  "packages/server/src/routes/limits.test.ts",
  "packages/votable/src/parquet.test.ts",
  "packages/server/src/caching.test.ts",
  "packages/server/src/auth.test.ts",
  "packages/server/src/soda/cutout.test.ts",
  "packages/votable/src/format.test.ts",
  "packages/adql-compiler/src/catalog/felis.test.ts",
  "packages/server/src/compression.test.ts",
  "packages/server/src/soda/executor.test.ts",
].filter((file) => quick.includes(file));

module.exports = {
  ...base,
  spec: [...LONGEST, ...quick.filter((file) => !LONGEST.includes(file))],
  parallel: true,
  jobs: 2,
  require: [...base.require, "packages/server/src/test-support/quick-guard.ts"],
};
