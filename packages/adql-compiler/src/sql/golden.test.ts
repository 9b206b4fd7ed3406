/**
 * The golden tables (test-support/golden-*.ts): for each dialect, ADQL in and the exact SQL out (for
 * Qserv also whether it prunes, and every qserv SQL passes the §c checker), and the error cases with
 * their code, line and column. The common error cases run on every dialect.
 */
import { COMMON_ERRORS } from "./test-support/golden-common-errors.js";
import { DUCKDB_CASES, DUCKDB_ERRORS } from "./test-support/golden-duckdb.js";
import { MYSQL_CASES, MYSQL_ERRORS } from "./test-support/golden-mysql.js";
import { QSERV_CASES, QSERV_ERRORS } from "./test-support/golden-qserv.js";
import { errorSuite, goldenSuite } from "./test-support/golden.js";

describe("qserv dialect: ADQL → Qserv SQL, golden (qserv/README §a, §c)", () => {
  goldenSuite("qserv", QSERV_CASES);
});
describe("qserv dialect: what Qserv cannot run is refused with its position (qserv/README §c)", () => {
  errorSuite("qserv", QSERV_ERRORS);
});
describe("mysql dialect: ADQL → MariaDB/MySQL SQL, golden", () => {
  goldenSuite("mysql", MYSQL_CASES);
});
describe("mysql dialect: what MariaDB/MySQL cannot run is refused with its position", () => {
  errorSuite("mysql", MYSQL_ERRORS);
});
describe("duckdb dialect: ADQL → DuckDB SQL, golden", () => {
  goldenSuite("duckdb", DUCKDB_CASES);
});
describe("duckdb dialect: what DuckDB cannot run is refused with its position", () => {
  errorSuite("duckdb", DUCKDB_ERRORS);
});
for (const dialect of ["qserv", "mysql", "duckdb"] as const) {
  describe(`${dialect}: errors common to every dialect, with code, line and column`, () => {
    errorSuite(dialect, COMMON_ERRORS);
  });
}
