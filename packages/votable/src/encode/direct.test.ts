import { expect } from "chai";
import { formatDouble, formatFloat, formatTimestamp } from "../format.js";
import { doubleWriter, writeFloat, writeInteger, writeShortDouble, writeTimestamp } from "./direct.js";
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
    const values = [0, 1, -1, 9, 10, -10, 255, -32768, 2147483647, -2147483648, 2 ** 53 - 1, -(2 ** 53) + 1];
    for (let k = 0; k < 5000; k++) values.push((rand() - 2 ** 31) * (k % 3 === 0 ? 1000 : 1));
    for (const n of values) expect(bytes((s) => writeInteger(s, n))).to.equal(String(n));
  });

  it("floats: 30,000 random float32 bit patterns and the special values", function () {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const values = [0, -0, NaN, Infinity, -Infinity, 0.1, 1e-45, 3.4028234663852886e38, 1e21, 1e-7, 123456789, 16777217, 100, 1e20, 9.999999e20];
    for (let k = 0; k < 30000; k++) {
      u32[0] = rand();
      values.push(f32[0]!);
    }
    for (const x of values) expect(bytes((s) => writeFloat(s, x)), String(x)).to.equal(formatFloat(x));
  });

  it("doubles: short decimals, integers, powers of ten, random bit patterns, each written as formatDouble writes it", function () {
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    const values = [0, -0, NaN, Infinity, -Infinity, 0.1, -0.1, 0.3, 1.5, 12.25, 1e-7, 1e-8, 1.2e-7, 9.99e-8, 123456789012345, 0.123456789012345,
      1234567890123456, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e15, 1e15 + 0.5, 999999999999999.9, 1e21, 1e20, 123.456e18, Number.MAX_VALUE, 5e-324,
      0.1 + 0.2, 1 / 3, 100, 1e14 + 0.5, 99.99999999999999, 0.000001, 0.0000001, 1e-6 - 1e-22];
    for (let e = -12; e <= 22; e++) values.push(10 ** e, -(10 ** e), 10 ** e * 1.0000000000001, 10 ** e * 0.9999999999999);
    for (let k = 0; k < 20000; k++) {
      const digits = rand() % 10 ** (1 + (k % 9));
      const scale = 10 ** ((k % 23) - 11);
      values.push(digits * scale, -digits / scale, Number((rand() / 997).toFixed(k % 12)), Number(`${rand()}${rand() % 100000}e${(k % 40) - 25}`));
      u32[0] = rand();
      u32[1] = rand();
      values.push(f64[0]!);
    }
    const write = doubleWriter();
    for (const x of values) {
      expect(bytes((s) => write(s, x)), String(x)).to.equal(formatDouble(x));
      const short = bytes((s) => void writeShortDouble(s, x));
      if (short !== "") expect(short, String(x)).to.equal(formatDouble(x));
    }
  });

  it("doubles: a column of full-precision values stops trying the short route, and takes it again later", function () {
    const write = doubleWriter();
    for (let k = 0; k < 3000; k++) {
      const x = k % 1500 < 1000 ? (rand() / 2 ** 32) * 360 : k / 4;
      expect(bytes((s) => write(s, x))).to.equal(formatDouble(x));
    }
  });

  it("timestamps over years 1 to 9999", function () {
    for (let t = -62135596800000; t < 253402300799999; t += 86400000 * 7.77 * 1000 + 1234567) {
      const ms = Math.round(t);
      expect(bytes((s) => writeTimestamp(s, ms))).to.equal(formatTimestamp(new Date(ms)));
    }
  });
});
