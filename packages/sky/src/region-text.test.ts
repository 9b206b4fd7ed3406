/**
 * Region values as text: DALI §3.7–3.10 (point, circle, range, polygon: "lon lat", "lon lat r",
 * "lon1 lon2 lat1 lat2", "lon1 lat1 lon2 lat2 ..."), the labelled shape (DALI §3.12: "circle 12.3 45.6
 * 0.5"), and STC-S as archives write ObsCore's s_region (TAP 1.0 §6: "POLYGON ICRS ...").
 */
import { expect } from "chai";
import { SkyError } from "./errors.js";
import { formatRegion, parseRegion, type RegionXtypeName } from "./region-text.js";
import { circle, point, polygon, rangeBox } from "./regions.js";

describe("parseRegion and formatRegion (DALI §3.7–3.12, STC-S)", () => {
  const good: [RegionXtypeName, string, string, RegionXtypeName, string][] = [
    // xtype, value, kind, written as xtype, written value
    ["point", "10 20", "point", "point", "10 20"],
    ["point", "  10.5\t-20.25 \n", "point", "point", "10.5 -20.25"],
    ["circle", "12.3 45.6 0.5", "circle", "circle", "12.3 45.6 0.5"],
    ["circle", "359.9 -89.5 1e-4", "circle", "circle", "359.9 -89.5 0.0001"],
    ["circle", "10 20 0", "circle", "circle", "10 20 0"],
    ["circle", "+10 -0 180", "circle", "circle", "10 0 180"],
    ["polygon", "10.0 10.0 10.2 10.0 10.2 10.2 10.0 10.2", "polygon", "polygon", "10 10 10.2 10 10.2 10.2 10 10.2"],
    ["polygon", "10 20 11 20 11 21 10 20", "polygon", "polygon", "10 20 11 20 11 21"],
    ["range", "10.0 11.0 20.0 21.0", "range", "range", "10 11 20 21"],
    ["range", "359 1 -1 1", "range", "range", "359 1 -1 1"],
    ["range", "0 360 -90 90", "range", "range", "0 360 -90 90"],
    ["range", "-Inf +Inf 10 +Inf", "range", "range", "0 360 10 90"],
    ["range", "-inf inf -infinity -10", "range", "range", "0 360 -90 -10"],
    // DALI shape labels, any xtype.
    ["shape", "circle 12.3 45.6 0.5", "circle", "shape", "circle 12.3 45.6 0.5"],
    ["shape", "range 10.0 11.0 20.0 21.0", "range", "shape", "range 10 11 20 21"],
    ["shape", "polygon 10.0 10.0 10.2 10.0 10.2 10.2 10.0 10.2", "polygon", "shape", "polygon 10 10 10.2 10 10.2 10.2 10 10.2"],
    ["shape", "point 1 2", "point", "shape", "point 1 2"],
    ["shape", "CIRCLE 1 2 3", "circle", "circle", "1 2 3"],
    ["polygon", "circle 1 2 3", "circle", "shape", "circle 1 2 3"],
    // STC-S, frame ICRS or none, keywords in any case.
    ["polygon", "POLYGON ICRS 10 20 11 20 11 21", "polygon", "polygon", "10 20 11 20 11 21"],
    ["polygon", "Polygon 10 20 11 20 11 21", "polygon", "polygon", "10 20 11 20 11 21"],
    ["polygon", "polygon icrs 10 20 11 20 11 21", "polygon", "polygon", "10 20 11 20 11 21"],
    ["shape", "CIRCLE ICRS 10 20 1", "circle", "shape", "circle 10 20 1"],
    ["point", "POSITION ICRS 10 20", "point", "point", "10 20"],
    ["range", "BOX ICRS 10 20 2 4", "range", "range", "9 11 18 22"],
    ["range", "BOX 0 0 2 2", "range", "range", "359 1 -1 1"],
    ["range", "box icrs 10 89 2 4", "range", "range", "9 11 87 90"],
    ["range", "BOX ICRS 10 0 400 2", "range", "range", "0 360 -1 1"],
  ];
  for (const [xtype, value, kind, outType, out] of good) {
    it(`${xtype} ${JSON.stringify(value)} → ${kind}, written as ${outType} ${JSON.stringify(out)}`, () => {
      const r = parseRegion(xtype, value);
      expect(r.kind).to.equal(kind);
      const text = formatRegion(r, outType);
      expect(text).to.equal(out);
      // The written value reads back to the same region.
      expect(formatRegion(parseRegion(outType, text), outType)).to.equal(text);
    });
  }

  it("numbers round-trip exactly with the fewest digits (10000 random doubles)", () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    // The disagreements, checked at once: two expects per circle took most of the time.
    const wrong: string[] = [];
    for (let i = 0; i < 10000; i++) {
      const lon = rnd() * 720 - 360;
      const lat = rnd() * 180 - 90;
      const r = rnd() * 10 ** (-8 * rnd());
      const text = formatRegion(circle(lon, lat, r), "circle");
      const want = `${String(lon)} ${String(lat)} ${String(r)}`;
      if (text !== want) wrong.push(`written as ${text} instead of ${want}`);
      const again = formatRegion(parseRegion("circle", text), "circle");
      if (again !== text) wrong.push(`${text} read back and written as ${again}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it("a polygon's vertices are exposed in the order given (for scisql)", () => {
    const r = parseRegion("polygon", "10 20 10 21 11 21");
    expect(r.vertices).to.deep.equal([[10, 20], [10, 21], [11, 21]]);
    expect(circle(1, 2, 3).vertices).to.equal(undefined);
  });

  const bad: [RegionXtypeName, string, RegExp][] = [
    ["circle", "", /^circle: empty value at character 1$/],
    ["circle", "   ", /empty value at character 1/],
    ["circle", "10 20", /^circle: expected a number \(radius\) at character 6, got the end of the value$/],
    ["circle", "10 20 1 2", /^circle: unexpected '2' at character 9; a circle value has 3 numbers$/],
    ["polygon", "polygon 10 20 x", /^polygon: expected a number \(longitude of vertex 2\) at character 15, got 'x'$/],
    ["polygon", "10 20 11 20 11", /latitude of vertex 3\) at character 15, got the end/],
    ["polygon", "10 20 11 20", /a polygon needs at least 3 vertices, got 2, at character 12/],
    ["polygon", "10,20 11 20 12 21", /expected a number \(longitude of vertex 1\) at character 1, got '10,20'/],
    ["circle", "10 95 1", /^circle: centre latitude 95 at character 4 is not in \[-90, 90\]$/],
    ["circle", "10 20 -1", /^circle: radius -1 at character 7 is not in \[0, 180\]$/],
    ["circle", "10 20 181", /radius 181 at character 7/],
    ["point", "1e400 0", /longitude 1e400 at character 1 is not a finite number/],
    ["point", "0x10 0", /expected a number \(longitude\) at character 1, got '0x10'/],
    ["point", "NaN 0", /unknown shape 'NaN' at character 1/],
    ["range", "0 1 5 4", /^range: latitude 1 \(5\) at character 5 is greater than latitude 2 \(4\)$/],
    ["range", "+Inf 1 0 1", /longitude 1 \+Inf at character 1/],
    ["range", "0 1 -91 1", /latitude 1 -91 at character 5 is not in \[-90, 90\]/],
    ["shape", "10 20 1", /^shape: expected a shape label \(circle, range, polygon or point\) at character 1, got '10'$/],
    ["shape", "ellipse 1 2 3", /^unknown shape 'ellipse' at character 1/],
    ["shape", "CIRCLE FK5 10 20 1", /^CIRCLE: frame 'FK5' at character 8 is not supported \(only ICRS, or no frame\)$/],
    ["shape", "circle GALACTIC 1 2 3", /frame 'GALACTIC' at character 8/],
    ["shape", "  POLYGON ICRS UNKNOWNRefPos 1 2 3 4 5 6", /^POLYGON: expected a number \(longitude of vertex 1\) at character 16, got 'UNKNOWNRefPos'$/],
    ["polygon", "POLYGON ICRS 0 0 1 1 1 0 0 1", /^POLYGON: .*vertex \d.* \(vertex \d at character \d+\)$/],
    ["polygon", "0 0 0 0 1 1", /^polygon: vertices 1 and 2 are the same point .*\(vertex 1 at character 1\)$/],
    ["polygon", "0 0 1 0 2 0", /all vertices lie on one great circle/],
    ["range", "BOX ICRS 10 20 -1 2", /^BOX: width -1 at character 16 is negative$/],
    ["polygon", Array.from({ length: 1001 }, (_, i) => `${(i * 360) / 1001} 0.5`).join(" "), /needs 3 to 1000 vertices, got 1001 \(vertex 1001 at character \d+\)$/],
    ["polygon", "1 2 ".repeat(200000), /needs 3 to 1000 vertices, got 200000 \(vertex 1001 at character 4001\)$/],
    ["range", "BOX ICRS 10 20 1", /^BOX: expected a number \(height\) at character 17/],
  ];
  for (const [xtype, value, message] of bad) {
    it(`refuses ${xtype} ${JSON.stringify(value.length > 60 ? value.slice(0, 60) + "…" : value)} with BAD_REGION and its position`, () => {
      let err: unknown;
      try {
        parseRegion(xtype, value);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(SkyError);
      expect((err as SkyError).code).to.equal("BAD_REGION");
      expect((err as SkyError).message).to.match(message);
    });
  }

  const unwritable: [string, () => ReturnType<typeof point>, RegionXtypeName][] = [
    ["a circle as a polygon", () => circle(1, 2, 3), "polygon"],
    ["a range as a polygon (its sides are not great circles)", () => rangeBox(0, 1, 0, 1), "polygon"],
    ["a polygon as a circle", () => polygon([[0, 0], [1, 0], [1, 1]]), "circle"],
    ["a point as a circle", () => point(1, 2), "circle"],
  ];
  for (const [name, make, xtype] of unwritable) {
    it(`formatRegion refuses ${name}`, () => {
      expect(() => formatRegion(make(), xtype)).to.throw(SkyError, /cannot be written as a DALI/).with.property("code", "BAD_REGION");
    });
  }
});
