/**
 * The walkers written out per kind (transform.ts childWalkers) against the generic loop, on random trees
 * of every kind that the parser makes (test-support/arbitrary.ts): the same nodes in the same order,
 * the same rebuilt trees, and the tree itself when nothing changes. transform.test.ts has the table cases.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Query } from "../index.js";
import { queryArbitrary } from "./test-support/arbitrary.js";
import { generic, renumber, visitOrder, written } from "./test-support/walkers.js";

describe("AST walkers on random trees (ast/transform.ts)", () => {
  it("the same nodes in the same order, and the same rebuilt trees", () => {
    fc.assert(
      fc.property(queryArbitrary(), (q: Query) => {
        for (const [w, g] of [[written.all, generic.all], [written.values, generic.values]] as const) {
          const order = visitOrder(q, w);
          const expected = visitOrder(q, g);
          expect(order.length).to.equal(expected.length);
          order.forEach((n, i) => expect(n).to.equal(expected[i]));
          expect(renumber(q, w)).to.deep.equal(renumber(q, g));
          expect(w.map.get("Query")!(q, (c) => c)).to.equal(q);
        }
      }),
      { numRuns: 300, seed: 19 },
    );
  });
});
