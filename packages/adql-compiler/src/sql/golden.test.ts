/**
 * The golden table (test-support/golden-cases.ts): one row per ADQL input, with the exact SQL (for Qserv
 * also whether it prunes; qserv-check.test.ts passes every qserv SQL through Qserv's grammar) or the error with its code, line and
 * column, for each dialect. The common error cases run on every dialect.
 */
import { COMMON_ERRORS } from "./test-support/golden-common-errors.js";
import { GOLDEN } from "./test-support/golden-cases.js";
import { errorSuite, GOLDEN_DIALECTS, goldenSuite } from "./test-support/golden.js";

goldenSuite("ADQL → SQL, golden, or refused with its position (qserv/README §a, §c)", GOLDEN);
for (const dialect of GOLDEN_DIALECTS) {
  describe(`${dialect}: errors common to every dialect, with code, line and column`, () => {
    errorSuite(dialect, COMMON_ERRORS);
  });
}
