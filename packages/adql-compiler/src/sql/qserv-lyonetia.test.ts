/**
 * The qserv output of every query of the IVOA conformance corpus (lyonetia) that compiles for Qserv
 * passes Qserv's own grammar and listener rules (test-support/qserv-grammar.ts). The corpus names tables
 * that no catalog here has, so it compiles without a catalog (names unchecked), with the UDFs that each
 * query declares, as parser/conformance.test.ts parses it.
 */
import { expect } from "chai";
import { compile } from "../compile.js";
import { AdqlError } from "../errors.js";
import { FunctionRegistry, SCISQL_FUNCTIONS } from "../parser/functions.js";
import { corpusAvailable, loadCorpus } from "../parser/test-support/lyonetia.js";
import { checkSource, EXPECTED_KNOWN_BY_SOURCE } from "./test-support/qserv-check.js";

/** The known defects (test-support/qserv-check.ts, issue 17) that this source still shows: must shrink. */
const EXPECTED_KNOWN = EXPECTED_KNOWN_BY_SOURCE.lyonetia;

describe("lyonetia queries compiled for Qserv pass Qserv's grammar", function () {
  before(function () {
    if (!corpusAvailable()) throw new Error("../shared/conformance/lyonetia is missing");
  });

  it("every query that compiles for qserv is accepted, but for the known defects listed", function () {
    const statements: { label: string; sql: string }[] = [];
    for (const q of loadCorpus()) {
      const functions = new FunctionRegistry(SCISQL_FUNCTIONS).with(FunctionRegistry.fromForms(q.functionForms).definitions());
      try {
        statements.push({ label: `${q.key}: ${q.adql.replace(/\s+/g, " ").trim()}`, sql: compile(q.adql, { dialect: "qserv", functions }).sql });
      } catch (e) {
        if (!(e instanceof AdqlError)) throw e;
      }
    }
    const r = checkSource("lyonetia (queries that compile for qserv)", statements);
    expect(r.checked).to.be.at.least(200);
    expect(r.refused, r.refused.join("\n")).to.deep.equal([]);
    expect([...r.known.keys()].sort(), "known defects met (remove fixed ones from the list)").to.deep.equal([...EXPECTED_KNOWN].sort());
  });
});
