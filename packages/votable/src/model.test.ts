import { expect } from "chai";
import { VOTableError } from "./errors.js";
import { parseArraysize } from "./model.js";

describe("arraysize (VOTable 1.4 §2.2)", function () {
  const good: [string | undefined, object][] = [
    [undefined, { scalar: true, variable: false, count: 1 }],
    ["1", { scalar: false, dims: [1], count: 1 }],
    ["10", { scalar: false, dims: [10], variable: false, count: 10, sliceSize: 10 }],
    ["*", { variable: true, dims: [undefined], sliceSize: 1, maxSlices: undefined, count: undefined }],
    ["10*", { variable: true, dims: [10], sliceSize: 1, maxSlices: 10 }],
    ["2x3", { variable: false, dims: [2, 3], count: 6, sliceSize: 6 }],
    ["2x3*", { variable: true, dims: [2, 3], sliceSize: 2, maxSlices: 3 }],
    ["64x64x10*", { variable: true, sliceSize: 4096, maxSlices: 10 }],
    ["2x*", { variable: true, dims: [2, undefined], sliceSize: 2, maxSlices: undefined }],
  ];
  for (const [text, want] of good) {
    it(`"${String(text)}" parses`, function () {
      expect(parseArraysize(text)).to.deep.include(want);
    });
  }

  for (const bad of ["x", "0", "2x", "*x2", "2*x3", "a", "-1", "3x0"]) {
    it(`"${bad}" is refused with VOTABLE_INVALID_FIELD`, function () {
      expect(() => parseArraysize(bad)).to.throw(VOTableError).with.property("code", "VOTABLE_INVALID_FIELD");
    });
  }
});
