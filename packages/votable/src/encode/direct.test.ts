import { expect } from "chai";
import { formatDouble, formatFloat, formatTimestamp, shortestDouble } from "../format.js";
import { writeDouble, writeFloat, writeInteger, writeTimestamp } from "./direct.js";
import { ByteSink } from "./sink.js";

function bytes(write: (sink: ByteSink) => void): string {
  const sink = new ByteSink(8);
  write(sink);
  return Buffer.from(sink.view0()).toString("latin1");
}

describe("direct number and timestamp writers give exactly the text of format.ts", function () {
  let seed = 99;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };

  it("integers, including the int32 and 2^53 edges", function () {
    // beyond 2^31 the digits come as hi·10^8 + lo: the edges of int32 and of that split
    const values = [0, 1, -1, 9, 10, -10, 255, -32768, 2147483647, -2147483648, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 31, -(2 ** 31) - 1,
      99999999, 100000000, 100000001, 1e15 - 1, 1e15, 1e15 + 1, 199999999999, 2 ** 52 + 1, 9007199200000000, 9007199199999999,
      8999999999999999, 7999999999999999, -8999999999999999];
    for (let k = 0; k < 5000; k++) values.push((rand() - 2 ** 31) * (k % 3 === 0 ? 1000 : 1));
    // The disagreements, checked at once: an expect per value took most of the time.
    const wrong = values.filter((n) => bytes((s) => writeInteger(s, n)) !== String(n)).map((n) => `${n}: ${bytes((s) => writeInteger(s, n))}`);
    expect(wrong).to.deep.equal([]);
  });

  it("floats: 30,000 random float32 bit patterns and the special values", function () {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const values = [0, -0, NaN, Infinity, -Infinity, 0.1, 1e-45, 3.4028234663852886e38, 1e21, 1e-7, 123456789, 16777217, 100, 1e20, 9.999999e20];
    for (let k = 0; k < 30000; k++) {
      u32[0] = rand();
      values.push(f32[0]!);
    }
    // The disagreements, checked at once: an expect per value took most of the time.
    const wrong = values.filter((x) => bytes((s) => writeFloat(s, x)) !== formatFloat(x)).map((x) => `${x}: ${bytes((s) => writeFloat(s, x))} instead of ${formatFloat(x)}`);
    expect(wrong).to.deep.equal([]);
  });

  // ECMA-262 Number::toString, which formatDouble is (V8's): writeDouble decides most doubles itself (shortestDouble)
  // and hands the rest to formatDouble. The edges of its method: the range [1e-6, 1e17), the 15-digit exact check,
  // the 16-digit multiples of ten, the 17-digit nearest integer, the split at 10^8, powers of two (a narrower gap below), the notation's
  // switch to exponents at 1e21 and below 1e-6. format.property.test.ts has millions more.
  const DOUBLE_EDGES = [
    0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, Number.EPSILON,
    1e-6, 1.0000000000000002e-6, 1e-7, 1e17, 1e16, 1e15, 9999999999999998, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 54,
    2 ** 56, 2 ** -20, 0.5, 0.25, 1, 2, 3, 10, 100, 1e21, 1e22, 1e-5, 0.1, 0.2, 0.30000000000000004, 1 / 3, 2 / 3,
    Math.PI, Math.E, 123.456, 359.99999999999994, 180, -90, 89.99999999999999, 17976931348.623158, 4.35,
    0.000001234, 60310.123456, 1.0000000000000002, 0.9999999999999999, 1.5, 5e-7, 0.000012345678901234568,
    // decimals that are not doubles: the double that a reader makes of them
    ...["9.999999999999999e-7", "99999999999999980", "99999999999999990", "999999999999999.9", "123456789012345680", "9007199254740993"].map(Number),
  ];

  it("doubles: the method's edges, 5,000 random bit patterns, 5,000 values of each kind that catalogs hold", function () {
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    const values = [...DOUBLE_EDGES];
    for (const x of DOUBLE_EDGES) if (x > 0) values.push(-x, x * (1 + Number.EPSILON), x * (1 - Number.EPSILON / 2));
    for (let e = -21; e <= 57; e++) values.push(2 ** e, 2 ** e * (1 + Number.EPSILON), 2 ** e * (1 - Number.EPSILON / 2));
    for (let e = -7; e <= 17; e++) values.push(10 ** e, Number(`1e${e}`), Number(`9.999999999999999e${e}`), Number(`1.000000000000001e${e}`));
    // Just below a multiple of 10^8 at the 17-digit scale, where hi / 10^8 comes nearest to rounding up.
    const below = new Float64Array(1);
    const bits = new BigUint64Array(below.buffer);
    for (let k = 0; k < 1000; k++) {
      below[0] = (100_000_001 + (rand() % 899_999_999)) * 1e8;
      bits[0] = bits[0]! - BigInt(1 + (k % 3));
      values.push(below[0]!);
    }
    const unit = (): number => rand() / 2 ** 32 + rand() / 2 ** 64;
    for (let k = 0; k < 5000; k++) {
      u32[0] = rand();
      u32[1] = rand();
      values.push(f64[0]!);
      values.push(unit() * 360, (Math.asin(2 * unit() - 1) * 180) / Math.PI, Math.round(unit() * 5e6) / 1e3, Math.round((60310 + unit() * 900) * 1e6) / 1e6);
      values.push(10 ** (unit() * 26 - 8), Math.floor(unit() * 2 ** 53));
    }
    // The disagreements, checked at once: an expect per value took most of the time.
    const wrong = values.filter((x) => bytes((s) => writeDouble(s, x)) !== formatDouble(x)).map((x) => `${x}: ${bytes((s) => writeDouble(s, x))}`);
    expect(wrong).to.deep.equal([]);
  });

  it("doubles: the coordinates of a catalog are decided without V8 (the fast method is in use)", function () {
    let decided = 0;
    for (let k = 0; k < 10000; k++) if (shortestDouble((rand() / 2 ** 32) * 360 + rand() / 2 ** 64) !== undefined) decided++;
    expect(decided).to.be.above(9990);
  });

  it("doubles: the binary exponent's estimate of floor(log10) is exact or one low over the method's range", function () {
    for (let e2 = -21; e2 <= 57; e2++) {
      const low = Math.floor(e2 * 0.30103);
      const exact = Math.floor(Math.log10(2 ** e2));
      expect(exact - low, `2^${e2}`).to.be.oneOf([0, 1]);
      expect(Math.floor(Math.log10(2 ** (e2 + 1) * (1 - Number.EPSILON))) - low, `2^${e2 + 1}-`).to.be.oneOf([0, 1]);
    }
  });

  it("timestamps over years 1 to 9999", function () {
    for (let t = -62135596800000; t < 253402300799999; t += 86400000 * 7.77 * 1000 + 1234567) {
      const ms = Math.round(t);
      expect(bytes((s) => writeTimestamp(s, ms))).to.equal(formatTimestamp(new Date(ms)));
    }
  });
});
