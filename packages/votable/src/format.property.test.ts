/**
 * formatTimestamp against an independent oracle at volume: Date#toISOString over all of Date's range (±270,000 years,
 * 200,000 dates), where format.test.ts has the edges as a table (DALI 1.2 §3.3). A quarter of a second, so not in
 * npm run test:quick.
 */
import { expect } from "chai";
import { writeDouble } from "./encode/direct.js";
import { ByteSink } from "./encode/sink.js";
import { formatDouble, formatTimestamp } from "./format.js";

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

  it("doubles: writeDouble gives V8's Number#toString for 3,000,000 values", function () {
    this.timeout(60_000);
    // Kinds that stress the method (random bits; log-uniform over its range and beyond; next to powers of two and
    // of ten; 15-17 significant digits) and those that catalogs hold (angles, magnitudes, MJDs), both signs.
    let seed = 2026;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const unit = (): number => rand() / 2 ** 32 + rand() / 2 ** 64;
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    const kinds: (() => number)[] = [
      () => {
        u32[0] = rand();
        u32[1] = rand();
        return f64[0]!;
      },
      () => 10 ** (unit() * 30 - 9),
      () => 2 ** Math.floor(unit() * 80 - 22) * (1 + (Math.floor(unit() * 5) - 2) * Number.EPSILON),
      () => 10 ** Math.floor(unit() * 26 - 8) * (1 + (Math.floor(unit() * 9) - 4) * Number.EPSILON),
      () => Number((unit() * 10).toPrecision(15 + Math.floor(unit() * 3)) + "e" + Math.floor(unit() * 24 - 7)),
      () => unit() * 360,
      () => (Math.asin(2 * unit() - 1) * 180) / Math.PI,
      () => Math.round(unit() * 30000) / 1000,
      () => Math.round((60310 + unit() * 900) * 1e6) / 1e6,
    ];
    const sink = new ByteSink(64 * 1024);
    const wrong: string[] = [];
    for (let i = 0; i < 3_000_000; i++) {
      const x = kinds[i % kinds.length]!() * (i & 1 ? -1 : 1);
      sink.len = 0;
      writeDouble(sink, x);
      const got = Buffer.from(sink.buf.buffer, sink.buf.byteOffset, sink.len).toString("latin1");
      if (got !== formatDouble(x) && wrong.push(`${x}: ${got}`) >= 10) break;
    }
    expect(wrong).to.deep.equal([]);
  });
});
