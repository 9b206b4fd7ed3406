/**
 * One query, one answer, on every backend: each query of the table runs on the DuckDB service and on a MariaDB
 * service over the same uploaded table (TAP 1.1 §2.7.6), and both must answer the CSV written here. The cases are what
 * a differential probe of the two backends found them to answer differently, with no error: string comparisons that
 * ignored case on MariaDB, result columns typed by a UNION's first operand, MariaDB's short DECIMAL quotients.
 */
import { expect } from "chai";
import type { MariaDbServer } from "../../../adql-compiler/src/test-support/mariadb.js";
import { privateMariaDb, startService, syncWithUpload, type Running } from "../test-support/service.js";

/** id, a string, a one-character string, an int, a double, a float, a boolean. */
const TABLE = `<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>
<FIELD name="id" datatype="int"/><FIELD name="s" datatype="char" arraysize="*"/><FIELD name="c" datatype="char" arraysize="1"/>
<FIELD name="i" datatype="int"/><FIELD name="x" datatype="double"/><FIELD name="f" datatype="float"/><FIELD name="b" datatype="boolean"/>
<DATA><TABLEDATA>
<TR><TD>1</TD><TD>alpha</TD><TD>g</TD><TD>3</TD><TD>2.5</TD><TD>0.014</TD><TD>T</TD></TR>
<TR><TD>2</TD><TD>Beta</TD><TD>r</TD><TD>4</TD><TD>347.367</TD><TD>0.02</TD><TD>F</TD></TR>
<TR><TD>3</TD><TD>gamma</TD><TD>i</TD><TD>4</TD><TD/><TD>0.01</TD><TD/></TR>
</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`;

/** [what, ADQL over TAP_UPLOAD.t, the CSV both backends answer]. */
const CASES: [string, string, string][] = [
  [
    "string comparisons are case- and accent-sensitive, literals too (ADQL 2.1 §4.4.4: ILIKE is the insensitive form)",
    "SELECT COUNT(*) AS n FROM TAP_UPLOAD.t WHERE 'abc' = 'ABC' OR 'é' = 'E' OR 'ß' = 's' OR CAST(s AS VARCHAR(10)) = 'ALPHA'",
    "n\r\n0\r\n",
  ],
  [
    "DISTINCT keeps strings that differ in case, ordered by their bytes",
    "SELECT DISTINCT CASE WHEN id = 1 THEN 'a' ELSE 'A' END AS v FROM TAP_UPLOAD.t ORDER BY v",
    "v\r\nA\r\na\r\n",
  ],
  [
    "a UNION of a one-character column and a longer one keeps every character (SQL-92 §9.3)",
    "SELECT c AS v FROM TAP_UPLOAD.t WHERE id = 1 UNION ALL SELECT s FROM TAP_UPLOAD.t WHERE id = 1 ORDER BY v",
    "v\r\nalpha\r\ng\r\n",
  ],
  [
    "a UNION of an int and a double column keeps the fractions",
    "SELECT i AS v FROM TAP_UPLOAD.t WHERE id = 2 UNION ALL SELECT x FROM TAP_UPLOAD.t WHERE id = 2 ORDER BY v",
    "v\r\n4\r\n347.367\r\n",
  ],
  [
    "COALESCE of an int and a double, and CASE of a double and an int, are doubles",
    "SELECT COALESCE(x, i) AS k, CASE WHEN id = 1 THEN x ELSE i END AS w FROM TAP_UPLOAD.t ORDER BY id",
    "k,w\r\n2.5,2.5\r\n347.367,4\r\n4,4\r\n",
  ],
  [
    "a quotient of exact numbers and AVG of integers are doubles (docs/adr/0002), not 4-digit DECIMALs",
    "SELECT 1.0 / 3 AS q, AVG(i) AS a, SUM(i) / 3.0 AS s FROM TAP_UPLOAD.t",
    "q,a,s\r\n0.3333333333333333,3.6666666666666665,3.6666666666666665\r\n",
  ],
  [
    "integer arithmetic is 64-bit, as its FIELD (long) says: DuckDB stopped at 2^31 (Overflow in addition of INT32)",
    "SELECT 2147483647 + 1 AS a, i * 1000000 * 1000000 AS b, i - 2147483647 - 10 AS c FROM TAP_UPLOAD.t WHERE id = 1",
    "a,b,c\r\n2147483648,3000000000000,-2147483654\r\n",
  ],
  [
    "a float column is compared with a number by its value (SQL-92 §8.2): float(0.02) is below 0.02, float(0.014) is not 0.014",
    "SELECT COUNT(*) AS below, SUM(CASE WHEN f = 0.014 THEN 1 ELSE 0 END) AS equal, SUM(CASE WHEN f IN (0.01, 0.014) THEN 1 ELSE 0 END) AS listed FROM TAP_UPLOAD.t WHERE f < 0.02",
    "below,equal,listed\r\n3,0,0\r\n",
  ],
  [
    "arithmetic on float columns is double, as its FIELD says (DuckDB computed it in single precision)",
    "SELECT f + f AS s, f * 3 AS t FROM TAP_UPLOAD.t WHERE id = 1",
    `s,t\r\n${Math.fround(0.014) * 2},${Math.fround(0.014) * 3}\r\n`,
  ],
  [
    "a division by zero is NULL (MariaDB's answer; DuckDB's DOUBLE division gave Infinity, which WHERE then kept)",
    "SELECT x / (i - 3) AS d, MOD(x, i - 3) AS m, MOD(i, i - 3) AS k, (SELECT COUNT(*) FROM TAP_UPLOAD.t AS u WHERE u.x / (u.i - u.i) > 0) AS n FROM TAP_UPLOAD.t WHERE id = 1",
    "d,m,k,n\r\n,,,0\r\n",
  ],
  [
    "rounding an integer to tens past its type's largest value gives the next ten (DuckDB wrapped 32767 round to -32766)",
    "SELECT ROUND(CAST(32767 AS SMALLINT), -1) AS s, ROUND(CAST(2147483647 AS INTEGER), -1) AS i, ROUND(i * 10 + 5, -1) AS r FROM TAP_UPLOAD.t WHERE id = 1",
    "s,i,r\r\n32770,2147483650,40\r\n",
  ],
  [
    "a boolean cast to a string is 1 or 0 (DuckDB wrote true and false, MariaDB, whose BOOLEAN is a number, 1 and 0)",
    "SELECT id, CAST(b AS VARCHAR) AS v FROM TAP_UPLOAD.t ORDER BY id",
    "id,v\r\n1,1\r\n2,0\r\n3,\r\n",
  ],
];

async function csv(svc: Running, query: string, votable: string): Promise<{ status: number; text: string }> {
  const { status, body } = await syncWithUpload(svc.url, "t", "csv", query, votable);
  return { status, text: body.toString("utf8") };
}

describe("the backends agree: the same query over the same table, the same answer on DuckDB and MariaDB", function () {
  this.timeout(120_000);
  const services: Partial<Record<"duckdb" | "mariadb", Running>> = {};
  let db: MariaDbServer | undefined;

  before(async function () {
    services.duckdb = await startService({ demo: false });
    const m = await privateMariaDb(this);
    db = m.db;
    services.mariadb = await startService({ backend: "mariadb", demo: false, mariadb: m.mariadb });
  });
  after(async () => {
    await services.duckdb?.close();
    await services.mariadb?.close();
    await db?.stop();
  });

  for (const [what, query, expected] of CASES) {
    for (const backend of ["duckdb", "mariadb"] as const) {
      it(`${backend}: ${what}`, async () => {
        const r = await csv(services[backend]!, query, TABLE);
        expect(r.status, r.text.slice(0, 600)).to.equal(200);
        expect(r.text, query).to.equal(expected);
      });
    }
  }

  it("an uploaded infinite double: DuckDB keeps it; MariaDB, which cannot store one, refuses the upload with a 400 naming the column", async () => {
    const infinite = TABLE.replace("<TD>347.367</TD>", "<TD>+Inf</TD>");
    const duck = await csv(services.duckdb!, "SELECT x FROM TAP_UPLOAD.t WHERE id = 2", infinite);
    expect([duck.status, duck.text]).to.deep.equal([200, "x\r\n+Inf\r\n"]);
    const maria = await csv(services.mariadb!, "SELECT x FROM TAP_UPLOAD.t WHERE id = 2", infinite);
    expect(maria.status, maria.text.slice(0, 600)).to.equal(400);
    expect(maria.text).to.contain("The upload TAP_UPLOAD.t, column x: Infinity cannot be stored in this service's database");
  });
});
