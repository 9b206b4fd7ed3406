/**
 * formatTimestamp against an independent oracle at volume: Date#toISOString over all of Date's range (±270,000 years,
 * 200,000 dates), where format.test.ts has the edges as a table (DALI 1.2 §3.3). A quarter of a second, so not in
 * npm run test:quick.
 */
import { expect } from "chai";
import { formatTimestamp } from "./format.js";

describe("number and time formatting", function () {
  it("timestamps agree with Date#toISOString over ±270,000 years", function () {
    // The disagreements, checked at once: an expect per date took most of the time (200,000 dates).
    const wrong: string[] = [];
    for (let t = -8.64e15; t < 8.64e15; t += 86400000 * 997.3 + 12345) {
      const d = new Date(Math.round(t));
      const want = d.toISOString().replace("Z", "").replace(".000", "");
      const got = formatTimestamp(d);
      if (got !== want && wrong.push(`${d.getTime()}: ${got} instead of ${want}`) >= 10) break;
    }
    expect(wrong).to.deep.equal([]);
  });
});
