/**
 * The IVOA ADQL conformance corpus (lyonetia: ivoa/, gavo/, roe/): every query marked valid parses and
 * survives parse → print → parse unchanged; every query marked invalid is refused with an AdqlError.
 * Where we disagree with the corpus, conformance/deviations.json says why, and this test asserts that
 * list exactly.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { AdqlError, FunctionRegistry, parse, printAdql, SCISQL_FUNCTIONS, stripSpans } from "../index.js";
import { corpusAvailable, loadCorpus, type CorpusQuery } from "./test-support/lyonetia.js";
import { shortcutDisagrees } from "./test-support/shortcut.js";

interface Deviation { key: string; corpus: string; ours: string; spec: string; reason: string }

const deviations: Deviation[] = (JSON.parse(
  readFileSync(new URL("../../conformance/deviations.json", import.meta.url), "utf8"),
) as { deviations: Deviation[] }).deviations;

function registryFor(q: CorpusQuery): FunctionRegistry {
  // The corpus declares the UDFs that each file or query may call (queries.xsd <functions>).
  return new FunctionRegistry(SCISQL_FUNCTIONS).with(FunctionRegistry.fromForms(q.functionForms).definitions());
}

describe("ADQL conformance corpus (lyonetia)", function () {
  before(function () {
    if (!corpusAvailable()) {
      if (process.env.CI) throw new Error("../shared/conformance/lyonetia is missing");
      this.skip();
    }
  });

  it("accepts every valid query and refuses every invalid one, but for the listed deviations", function () {
    const corpus = loadCorpus();
    const disagreements: string[] = [];
    let validAccepted = 0;
    let invalidRefused = 0;
    for (const q of corpus) {
      let accepted = true;
      try {
        parse(q.adql, { functions: registryFor(q) });
      } catch (e) {
        if (!(e instanceof AdqlError)) throw new Error(`${q.key}: threw ${String(e)}, not an AdqlError`, { cause: e });
        expect(e.line, q.key).to.be.at.least(1);
        expect(e.column, q.key).to.be.at.least(1);
        accepted = false;
      }
      if (accepted === q.valid) {
        if (q.valid) validAccepted++;
        else invalidRefused++;
      } else {
        disagreements.push(q.key);
      }
    }
    const valid = corpus.filter((q) => q.valid).length;
    console.log(
      `      lyonetia: ${corpus.length} queries; valid accepted ${validAccepted}/${valid}, ` +
      `invalid refused ${invalidRefused}/${corpus.length - valid}, deviations ${disagreements.length}`,
    );
    expect(corpus.length).to.be.at.least(490);
    expect(disagreements.sort()).to.deep.equal(deviations.map((d) => d.key).sort());
  });

  it("prints every valid query so that it parses back to the same AST", function () {
    let n = 0;
    for (const q of loadCorpus()) {
      if (!q.valid || deviations.some((d) => d.key === q.key)) continue;
      const functions = registryFor(q);
      const ast = parse(q.adql, { functions });
      const printed = printAdql(ast);
      let again;
      try {
        again = parse(printed, { functions });
      } catch (e) {
        throw new Error(`${q.key}: the printed form does not parse: ${printed}`, { cause: e });
      }
      expect(stripSpans(again), `${q.key}: ${printed}`).to.deep.equal(stripSpans(ast));
      n++;
    }
    expect(n).to.be.at.least(390);
  });

  it("gives the same tree or the same error with the parser's shortcut for bare operands as by its rules alone (parser.ts bareOperand)", function () {
    const disagreements = loadCorpus().flatMap((q) => {
      const d = shortcutDisagrees(q.adql, registryFor(q));
      return d === null ? [] : [`${q.key}: ${d}`];
    });
    expect(disagreements).to.deep.equal([]);
  });
});
