import { expect } from "chai";
import { formatDouble, formatFloat, formatTimestamp } from "./format.js";

describe("number and time formatting", function () {
  // VOTable 1.4 §6: "+Inf", "-Inf" and "NaN"; otherwise the shortest decimal that reads back to the same value.
  const doubles: [number, string][] = [
    [0, "0"],
    [-0, "-0"],
    [1.5, "1.5"],
    [0.1, "0.1"],
    [Math.PI, "3.141592653589793"],
    [1e21, "1e+21"],
    [1.5e-7, "1.5e-7"],
    [Number.MAX_VALUE, "1.7976931348623157e+308"],
    [5e-324, "5e-324"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ];
  for (const [x, s] of doubles) {
    it(`double ${String(x)} → ${s} (VOTable 1.4 §6)`, function () {
      expect(formatDouble(x)).to.equal(s);
    });
  }

  const floats: [number, string][] = [
    [0.1, "0.1"], // String(Math.fround(0.1)) would be 0.10000000149011612
    [Math.fround(0.1), "0.1"],
    [1 / 3, "0.33333334"],
    [16777217, "16777216"],
    [123456789, "123456790"],
    [3.4028234663852886e38, "3.4028235e+38"],
    [1.17549435e-38, "1.1754944e-38"],
    [1e-45, "1e-45"],
    [100, "100"],
    [-2.5, "-2.5"],
    [-0, "-0"],
    [1e21, "1e+21"],
    [1e-7, "1e-7"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [1e39, "+Inf"], // beyond float32: rounds to infinity, as BINARY would store it
    // The edges of shortestFloat's method. 10^-33 is inexact: 8 digits came out before, where 7 read back.
    [7.038531308148791e-26, "7.038531e-26"],
    // exactly half a gap away: 33555550 reads back as the neighbour with the even mantissa, 33555552
    [33555548, "33555548"],
    [33555552, "33555550"],
    // two candidates equally near (…3120 and …3130 around 0.533203125): a shorter one decides, else the larger
    [0.533203125, "0.5332031"],
    [0.3203125, "0.3203125"],
    [21.5, "21.5"],
    // a narrower gap below a power of two, and the smallest normal
    [2 ** 30, "1073741800"],
    [2 ** -20, "9.536743e-7"],
    [2 ** -126, "1.1754944e-38"],
    // the last scale of exact arithmetic (10^12) and the first beyond it
    [1.2345e-4, "0.00012345"],
    [9.87654e-5, "0.0000987654"],
    [8605759488, "8605760000"],
    // subnormals: the string route
    [1e-40, "1e-40"],
  ];
  for (const [x, s] of floats) {
    it(`float ${String(x)} → ${s}: shortest text that reads back to the same float32`, function () {
      expect(formatFloat(x)).to.equal(s);
      if (Number.isFinite(Math.fround(x))) expect(Math.fround(Number(s))).to.equal(Math.fround(x));
    });
  }

  // 5,000 patterns: V8 block coverage of format.ts is the same after the first 1,000 as after 20,000.
  it("float formatting gives the shortest decimal that reads back, the nearest of those (toPrecision), on 5,000 random float32 bit patterns", function () {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    let seed = 12345;
    // The failures, checked at once (an expect per pattern was most of the time).
    const wrong: string[] = [];
    for (let k = 0; k < 5000 && wrong.length < 10; k++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      u32[0] = seed ^ (seed << 7);
      const f = f32[0]!;
      if (!Number.isFinite(f)) continue;
      const s = formatFloat(f);
      if (Math.fround(Number(s)) !== f) wrong.push(`${f} → ${s}: reads back as ${Math.fround(Number(s))}`);
      // the fewest digits, and of those the nearest: toPrecision's decimal of the first precision that reads back
      let p = 1;
      while (p < 9 && Math.fround(Number(f.toPrecision(p))) !== f) p++;
      const want = String(Number(f.toPrecision(p)));
      if (s !== want) wrong.push(`${f} → ${s} instead of ${want}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  // DALI 1.2 §3.3: YYYY-MM-DD['T'hh:mm:ss[.SSS]], UTC, no time zone.
  const stamps: [number, string][] = [
    [0, "1970-01-01T00:00:00"],
    [-1, "1969-12-31T23:59:59.999"],
    [951782400000, "2000-02-29T00:00:00"],
    [1700000000123, "2023-11-14T22:13:20.123"],
    [-62135596800000, "0001-01-01T00:00:00"],
    [253402300799999, "9999-12-31T23:59:59.999"],
    [-62198755200000, "-000001-01-01T00:00:00"],
  ];
  for (const [t, s] of stamps) {
    it(`timestamp ${t} → ${s} (DALI 1.2 §3.3)`, function () {
      expect(formatTimestamp(new Date(t))).to.equal(s);
    });
  }

  // Against Date#toISOString over ±270,000 years (200,000 dates): format.property.test.ts.

  it("an invalid Date has no timestamp", function () {
    expect(formatTimestamp(new Date(NaN))).to.equal(undefined);
  });
});
