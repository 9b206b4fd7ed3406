/**
 * How database errors become DALI errors (DALI 1.1 §5.2): what the query's own values cause is
 * the client's error (400); the rest is the service's (500).
 */
import { expect } from "chai";
import { TapError } from "./errors.js";
import { isDuckDbValueError } from "./backends/duckdb.js";
import { isMariaDbValueError } from "./backends/mariadb.js";
import { dbError } from "./query.js";

/** Each backend says which of its errors the query's values cause; the case's name says which backend. */
const backendOf = (name: string) => ({ isQueryValueError: name.includes("DuckDB") ? isDuckDbValueError : isMariaDbValueError });

const CASES: [string, Error & { errno?: number }, number][] = [
  ["a DuckDB cast out of range", new Error("Conversion Error: Type DOUBLE with value 1e+30 can't be cast because the value is out of range"), 400],
  ["a DuckDB overflow", new Error("Out of Range Error: Overflow in multiplication of INT64 (9223372036854775807 * 2)!"), 400],
  ["a DuckDB invalid argument", new Error("Invalid Input Error: Invalid unit for IN_UNIT"), 400],
  ["a DuckDB missing table (the catalog does not match the database)", new Error("Catalog Error: Table with name other does not exist!"), 500],
  ["a DuckDB parser error (SQL we generated)", new Error('Parser Error: syntax error at or near "FROM"'), 500],
  ["a MariaDB BIGINT out of range", Object.assign(new Error("BIGINT value is out of range in '9223372036854775807 + 1'"), { errno: 1690 }), 400],
  ["a MariaDB division by zero in strict mode", Object.assign(new Error("Division by 0"), { errno: 1365 }), 400],
  ["a MariaDB lost connection", Object.assign(new Error("Lost connection to server during query"), { errno: 2013 }), 500],
  ["a MariaDB unknown column (the catalog does not match the database)", Object.assign(new Error("Unknown column 'x' in 'field list'"), { errno: 1054 }), 500],
];

describe("server database errors as DALI errors", () => {
  for (const [name, error, status] of CASES) {
    it(`${name}: ${status}`, () => {
      const e = dbError(error, backendOf(name)) as TapError;
      expect(e).to.be.instanceOf(TapError);
      expect(e.status).to.equal(status);
      expect(e.message).to.contain(error.message);
    });
  }

  it("passes a TapError through", () => {
    const e = new TapError(503, "Query exceeded the synchronous time limit of 2 s");
    expect(dbError(e, backendOf("DuckDB"))).to.equal(e);
  });
});
