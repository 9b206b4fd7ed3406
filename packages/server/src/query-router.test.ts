/**
 * QueryRouter keeps the queries it compiled without uploads once they come a second time (issue 15: a repeated
 * cone skips the parse and the passes; one seen once is not kept). What is kept must be what a fresh compile gives; MAXREC is part of the key
 * (TAP 1.1 §2.7.4: it changes the SQL's limit); uploads and errors are not kept. On DuckDB (the demo service here) a
 * query seen once is compiled with placeholders for its DOUBLE constants, and the kept one with its constants written in.
 */
import { expect } from "chai";
import { AdqlError, type SchemaTable } from "@qserv-tap/adql-compiler";
import { QueryRouter } from "./query-router.js";
import { demoService, type Running } from "./test-support/service.js";

describe("server QueryRouter: the compiled-query cache", function () {
  this.timeout(60_000);
  let running: Running;
  // The process's demo service: each test makes routers of its own on the service's deps, and changes nothing there.
  before(async () => (running = await demoService()));

  const cone = "SELECT star_id FROM demo.stars WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 20, 1))";

  /** The query's second compile by a new router: the one it keeps. */
  const kept = (adql: string, maxrec: number) => {
    const router = new QueryRouter(running.service.deps);
    router.route(adql, maxrec, []);
    return router.route(adql, maxrec, []);
  };

  it("answers the same ADQL and MAXREC with the same compile from its second time on, and another MAXREC with its own", () => {
    const router = new QueryRouter(running.service.deps);
    const first = router.route(cone, 100, []);
    expect(first.compiled.parameters, "seen once: placeholders").to.deep.equal([18.99999999, 21.00000001, 10, 20, 1]);
    const a = router.route(cone, 100, []);
    expect(a, "a query seen once is not kept").to.not.equal(first);
    expect(a.compiled.parameters, "kept: its constants written in").to.equal(undefined);
    // The same SQL with the values in their places (positive numbers here, written alike either way).
    expect(first.compiled.sql.replace(/\$(\d+)/g, (_, n: string) => String(first.compiled.parameters![Number(n) - 1]))).to.equal(a.compiled.sql);
    const b = router.route(cone, 100, []);
    expect(b).to.equal(a);
    expect(a.compiled.sql).to.equal(kept(cone, 100).compiled.sql);
    router.route(cone, 7, []);
    const other = router.route(cone, 7, []);
    expect(other).to.not.equal(a);
    expect(router.route(cone, 7, [])).to.equal(other);
    expect(other.compiled.sql).to.equal(kept(cone, 7).compiled.sql);
    expect(other.compiled.sql).to.not.equal(a.compiled.sql);
  });

  it("routes a cached TAP_SCHEMA query to the TAP_SCHEMA store again", () => {
    const router = new QueryRouter(running.service.deps);
    const q = "SELECT table_name FROM TAP_SCHEMA.tables";
    for (let i = 0; i < 3; i++) expect(router.route(q, 10, []).target).to.equal(running.service.deps.tapSchemaStore);
  });

  it("keeps no query seen only once (cones at random centres), so that none outlives the young generation", () => {
    const router = new QueryRouter(running.service.deps);
    const at = (i: number) => cone.replace("10, 20", `${i}, 20`);
    const once = Array.from({ length: 300 }, (_, i) => router.route(at(i), 100, []));
    expect(once.map((r, i) => router.route(at(i), 100, []) === r).filter(Boolean)).to.have.length(0);
  });

  it("compiles a query with uploads each time, and an ADQL error each time", () => {
    const router = new QueryRouter(running.service.deps);
    const upload: SchemaTable = { schema: "TAP_UPLOAD", name: "mine", sqlName: ["tap_upload_mine"], columns: [{ name: "id", datatype: "int" }] } as SchemaTable;
    const withUpload = "SELECT id FROM TAP_UPLOAD.mine";
    const a = router.route(withUpload, 10, [upload]);
    expect(router.route(withUpload, 10, [upload])).to.not.equal(a);
    for (let i = 0; i < 2; i++) expect(() => router.route("SELECT nope FROM demo.stars", 10, [])).to.throw(AdqlError);
  });
});
