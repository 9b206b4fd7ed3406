import { expect } from "chai";
import { formatDouble, formatFloat, formatTimestamp } from "../format.js";
import { writeFloat, writeInteger, writeTimestamp } from "./direct.js";
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

  it("doubles keep using formatDouble", function () {
    expect(formatDouble(-0)).to.equal("-0");
  });

  it("timestamps over years 1 to 9999", function () {
    for (let t = -62135596800000; t < 253402300799999; t += 86400000 * 7.77 * 1000 + 1234567) {
      const ms = Math.round(t);
      expect(bytes((s) => writeTimestamp(s, ms))).to.equal(formatTimestamp(new Date(ms)));
    }
  });
});
