/**
 * The scisql functions that the DuckDB dialect registers: which exist, their arity and argument types. Their
 * results against the TypeScript reference, over a grid of points and every test shape, are in
 * duckdb-functions.property.test.ts.
 */
import { expect } from "chai";
import { SCISQL_FUNCTIONS } from "../builtins.js";
import { scisqlDuckDb } from "../test-support/scisql-duckdb.js";

describe("scisql functions on DuckDB: which, their arity and their argument types (qserv/README §b)", function () {
  const { conn, run } = scisqlDuckDb();

  it("defines exactly the scisql functions that builtins.ts lists for duckdb", async () => {
    const rows = await run("SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name LIKE 'scisql%' ORDER BY 1");
    const listed = SCISQL_FUNCTIONS.filter((f) => f.dialects.includes("duckdb")).map((f) => f.name).sort();
    expect(rows.map((r) => r[0])).to.deep.equal(listed);
  });

  it("scisql_s2PtInCPoly refuses 2 or 21 vertices for the whole query, as scisql does", async () => {
    for (const args of ["1, 2, 3, 4", "1, 2, 3, 4, 5", Array.from({ length: 42 }, (_, i) => i % 80).join(", ")]) {
      let message = "";
      try {
        await conn().run(`SELECT scisql_s2PtInCPoly(1, 1, ${args}) FROM range(3)`);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, args).to.contain("scisql_s2PtInCPoly expects between 4 and 21 spherical coordinate pairs");
    }
  });

  it("integer and DECIMAL arguments are cast to DOUBLE; NULL literals give 0, not NULL", async () => {
    const [row] = await run(
      "SELECT scisql_s2PtInCircle(1, 1, 0, 0, 2), scisql_s2PtInBox(5.5, 5, 0, 0, 10, 10), scisql_s2PtInCircle(NULL, 1, 0, 0, 2), scisql_angSep(NULL, 0, 0, 90), scisql_angSep(0, 0, 0, 90)",
    );
    expect(row!.slice(0, 4)).to.deep.equal([1, 1, 0, null]);
    expect(row![4]).to.be.closeTo(90, 1e-13);
  });

  it("a column with NULLs among its values, over several vectors: each row as the reference gives it", async () => {
    // Rows without a NULL in their vector are read from the vector's memory, the others value by value.
    const rows = await run(
      "SELECT i, scisql_s2PtInCircle(CASE WHEN i % 1000 = 7 THEN NULL ELSE i * 0.001 END, 0.5, 2, 0.5, 1) FROM range(5000) AS t(i) ORDER BY i",
    );
    const wrong = rows.filter(([i, inside]) => {
      const n = Number(i);
      const expected = n % 1000 === 7 ? 0 : Math.abs(n * 0.001 - 2) <= 1 ? 1 : 0;
      return inside !== expected && Math.abs(Math.abs(n * 0.001 - 2) - 1) > 1e-9;
    });
    expect(wrong).to.deep.equal([]);
  });

  it("finds the fields of @duckdb/node-api's DOUBLE vectors that the functions read directly (items, validity.data)", async () => {
    // Private in the package's types: an upgrade that renames them would make every call take the slow path unseen.
    const chunk = (await (await conn().run("SELECT i::DOUBLE AS a, CASE WHEN i = 3 THEN NULL ELSE i::DOUBLE END AS b FROM range(10) AS t(i)")).fetchChunk())!;
    const shape = (c: number) => chunk.getColumnVector(c) as unknown as { items: unknown; validity: { data: unknown } };
    expect(shape(0).items).to.be.instanceOf(Float64Array);
    expect(shape(0).validity.data).to.equal(null);
    expect(shape(1).validity.data).to.be.instanceOf(BigUint64Array);
  });
});
