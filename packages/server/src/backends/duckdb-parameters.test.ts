/**
 * Queries with placeholders on the DuckDB backend (the compiler's `parameters` option): the values are bound as DOUBLE at
 * each run, so the statement that a connection keeps for an SQL text answers each run with that run's values, never
 * with the last ones.
 */
import { expect } from "chai";
import { batchRow } from "@qserv-tap/votable";
import { compile, loadFelis } from "@qserv-tap/adql-compiler";
import { DEMO_SCHEMA_PATH } from "../demo.js";
import { DuckDbBackend } from "./duckdb.js";

async function rows(backend: DuckDbBackend, sql: string, parameters?: readonly number[]): Promise<unknown[][]> {
  const session = await backend.session();
  try {
    const out: unknown[][] = [];
    const cursor = await session.query(sql, undefined, parameters);
    for await (const batch of cursor) {
      for (let r = 0; r < batch.rowCount; r++) out.push(batchRow(batch, r));
    }
    return out;
  } finally {
    await session.release();
  }
}

describe("server DuckDB: queries with placeholders", function () {
  let backend: DuckDbBackend;
  const catalog = loadFelis(DEMO_SCHEMA_PATH);
  before(async () => {
    backend = await DuckDbBackend.open(":memory:");
    await backend.run("CREATE SCHEMA demo");
    await backend.run(
      "CREATE TABLE demo.stars AS SELECT i AS star_id, (i * 7.3) % 360 AS ra, (i * 0.0179) % 180 - 90 AS dec, 15 + i % 10 AS g_mag FROM range(20000) AS t(i)",
    );
  });
  after(async () => {
    await backend.close();
  });

  // Centres (ra, dec, r): the same SQL text for all, so the second and later runs use the statement kept on the connection.
  const CONES: readonly (readonly [number, number, number])[] = [
    [10, 20, 5],
    [200, -45, 8],
    [10, 20, 5],
    [359, 89, 3],
    [0, -89.5, 2],
  ];
  for (const [ra, dec, r] of CONES) {
    it(`a cone at (${ra}, ${dec}), r = ${r}: the rows of its self-contained SQL`, async () => {
      const adql = `SELECT star_id FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${ra}, ${dec}, ${r})) ORDER BY star_id`;
      const plain = compile(adql, { catalog, dialect: "duckdb" });
      const bound = compile(adql, { catalog, dialect: "duckdb", parameters: true });
      expect(bound.parameters, bound.sql).to.have.length.greaterThan(2);
      const expected = await rows(backend, plain.sql);
      expect(expected.length).to.be.greaterThan(0);
      expect(await rows(backend, bound.sql, bound.parameters)).to.deep.equal(expected);
    });
  }

  it("one SQL text for the cones away from the poles (a band on both sides), so one statement to keep", () => {
    const sqls = new Set(
      CONES.filter(([, dec, r]) => Math.abs(dec) + r < 90).map(([ra, dec, r]) => compile(`SELECT star_id FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ${ra}, ${dec}, ${r}))`, { catalog, dialect: "duckdb", parameters: true }).sql),
    );
    expect(sqls.size).to.equal(1);
  });

  it("refuses a run with a value missing, with DuckDB's message, and the connection serves the next query", async () => {
    const error = await rows(backend, "SELECT star_id FROM demo.stars WHERE ra > $1 AND dec > $2", [1]).catch((e: unknown) => e);
    expect(String(error)).to.match(/parameter/i);
    expect(await rows(backend, "SELECT count(*) FROM demo.stars WHERE ra > $1", [360])).to.deep.equal([[0n]]);
  });
});
