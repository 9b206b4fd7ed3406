import { expect } from "chai";
import { GeometryError } from "./errors.js";
import { inlinePtInCPolySql, sqlDoubleLiteral } from "./inline-sql.js";

// The inline forms are checked against the reference on MariaDB and DuckDB (scisql-mariadb.test.ts,
// duckdb-functions.test.ts); these cases cover what is decided when the SQL is written.
describe("inlinePtInCPolySql: what is decided at compile time (qserv/README §b)", () => {
  const cases: Array<[string, (number | null)[], RegExp]> = [
    ["a NULL vertex: 0 once the point is known valid", [0, 0, 10, null, 0, 10], / ELSE 0 END\)$/],
    ["an invalid vertex: NULL", [0, 0, 10, 95, 0, 10], / ELSE NULL END\)$/],
    ["a degenerate polygon: NULL", [0, 0, 0, 0, 10, 10], / ELSE NULL END\)$/],
    ["anticlockwise: every edge >= 0", [0, 0, 10, 0, 10, 10, 0, 10], /(>= 0 AND .*){3}>= 0 THEN 1 ELSE 0 END\)$/],
    ["clockwise: every edge <= 0", [0, 10, 10, 10, 10, 0, 0, 0], /(<= 0 AND .*){3}<= 0 THEN 1 ELSE 0 END\)$/],
  ];
  for (const [name, coords, pattern] of cases) {
    it(`${name}`, () => {
      const sql = inlinePtInCPolySql("t.ra", "t.dec", coords);
      expect(sql).to.match(/^\(CASE WHEN CAST\(\(t\.ra\) AS DOUBLE\) IS NULL OR CAST\(\(t\.dec\) AS DOUBLE\) IS NULL THEN 0 /);
      expect(sql).to.match(pattern);
    });
  }

  it("refuses 2 or 21 vertices as scisql does (SCISQL_CPOLY_ARITY)", () => {
    for (const coords of [[0, 0, 1, 1], Array.from({ length: 42 }, (_, i) => i % 80)]) {
      expect(() => inlinePtInCPolySql("ra", "dec", coords)).to.throw(GeometryError).with.property("code", "SCISQL_CPOLY_ARITY");
    }
  });
});

describe("sqlDoubleLiteral: a DOUBLE literal that reads back exactly", () => {
  const cases: Array<[number, string]> = [
    [10, "1e1"],
    [-0.5, "-5e-1"],
    [0.1, "1e-1"],
    [359.99999999999994, "3.5999999999999994e2"],
    [1e-300, "1e-300"],
  ];
  for (const [x, text] of cases) {
    it(`${x} → ${text}`, () => {
      expect(sqlDoubleLiteral(x)).to.equal(text);
      expect(Number(text)).to.equal(x);
    });
  }
});
