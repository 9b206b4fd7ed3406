import { expect } from "chai";
import { MAX_POLYGON_VERTICES } from "@qserv-tap/sky";
import { SodaError } from "./errors.js";
import { MAX_ASYNC_CUTOUTS, parseNumber, parseSodaRequest, type SodaRequest } from "./params.js";

const ID = "ivo://qserv-tap.test/test?repo=test&id=3f2a6c1e-0b9d-4c57-8e2a-1d2c3b4a5f60";

/** Parameters as readParams gives them: names upper-cased, values in order. */
function values(pairs: [string, string][]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of pairs) m.set(k.toUpperCase(), [...(m.get(k.toUpperCase()) ?? []), v]);
  return m;
}

const polygonText = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const a = (2 * Math.PI * i) / n;
    return `${(10 + 0.1 * Math.cos(a)).toFixed(6)} ${(0.1 * Math.sin(a)).toFixed(6)}`;
  }).join(" ");

describe("SODA parameters (SODA 1.0 §3, DALI 1.1 §3)", () => {
  describe("numbers in VOTable's serialisation", () => {
    const cases: [string, number | undefined][] = [
      ["12", 12],
      ["-3.5", -3.5],
      [".5", 0.5],
      ["1e-7", 1e-7],
      ["+Inf", Infinity],
      ["-Inf", -Infinity],
      ["Inf", Infinity],
      ["NaN", NaN],
      ["1e999", Infinity],
      ["0x10", undefined],
      ["12deg", undefined],
      ["", undefined],
      ["1,5", undefined],
    ];
    for (const [text, want] of cases) {
      it(`"${text}" → ${want}`, () => {
        const got = parseNumber(text);
        if (want === undefined) expect(got).to.equal(undefined);
        else if (Number.isNaN(want)) expect(Number.isNaN(got)).to.equal(true);
        else expect(got).to.equal(want);
      });
    }
  });

  describe("good requests", () => {
    const cases: { name: string; pairs: [string, string][]; check: (r: SodaRequest) => void }[] = [
      { name: "ID alone: the whole image, FITS, Image", pairs: [["ID", ID]], check: (r) => expect([r.spatial.length, r.detail, r.format, r.contentType]).to.deep.equal([0, "Image", "fits", "application/fits"]) },
      { name: "names are case-insensitive (DALI 1.1 §3.1)", pairs: [["id", ID], ["circle", "12 34 0.5"], ["Band", "5e-7 6e-7"]], check: (r) => expect([r.spatial[0]!.shape, r.bands[0]!.lo]).to.deep.equal(["CIRCLE", 5e-7]) },
      { name: "POS=CIRCLE (SODA 1.0 §3.3.1)", pairs: [["ID", ID], ["POS", "CIRCLE 12 34 0.5"]], check: (r) => expect(r.spatial[0]!.region.contains(12, 34.4)).to.equal(true) },
      { name: "POS shape keywords in lower case (DALI shape xtype)", pairs: [["ID", ID], ["POS", "circle 12 34 0.5"]], check: (r) => expect(r.spatial[0]!.shape).to.equal("CIRCLE") },
      { name: "POS=RANGE", pairs: [["ID", ID], ["POS", "RANGE 12 14 34 36"]], check: (r) => expect([r.spatial[0]!.region.contains(13, 35), r.spatial[0]!.region.contains(15, 35)]).to.deep.equal([true, false]) },
      { name: "POS=RANGE across RA 0 (DALI range)", pairs: [["ID", ID], ["POS", "RANGE 359 1 -1 1"]], check: (r) => expect(r.spatial[0]!.region.contains(0, 0)).to.equal(true) },
      { name: "POS=RANGE with open ends", pairs: [["ID", ID], ["POS", "RANGE -Inf +Inf 89 +Inf"]], check: (r) => expect(r.spatial[0]!.region.contains(123, 89.5)).to.equal(true) },
      { name: "POS=RANGE 0 360 89 90: the north pole (SODA's example)", pairs: [["ID", ID], ["POS", "RANGE 0 360 89 90"]], check: (r) => expect(r.spatial[0]!.region.contains(200, 89.9)).to.equal(true) },
      { name: "POS=POLYGON", pairs: [["ID", ID], ["POS", "POLYGON 12 34 14 34 14 36 12 36"]], check: (r) => expect(r.spatial[0]!.region.contains(13, 35)).to.equal(true) },
      { name: "POLYGON (SODA 1.0 §3.3.3)", pairs: [["ID", ID], ["POLYGON", "12 34 14 34 14 36 12 36"]], check: (r) => expect(r.spatial[0]!.param).to.equal("POLYGON") },
      { name: `POLYGON of ${MAX_POLYGON_VERTICES} vertices`, pairs: [["ID", ID], ["POLYGON", polygonText(MAX_POLYGON_VERTICES)]], check: (r) => expect(r.spatial).to.have.length(1) },
      { name: "CIRCLE the size of the sky", pairs: [["ID", ID], ["CIRCLE", "0 0 180"]], check: (r) => expect(r.spatial[0]!.region.contains(123, -45)).to.equal(true) },
      { name: "BAND with an open end (SODA 1.0 §3.3.5)", pairs: [["ID", ID], ["BAND", "-Inf 3e-7"]], check: (r) => expect([r.bands[0]!.lo, r.bands[0]!.hi]).to.deep.equal([-Infinity, 3e-7]) },
      { name: "BAND as a scalar", pairs: [["ID", ID], ["BAND", "5.5e-7 5.5e-7"]], check: (r) => expect(r.bands[0]!.lo).to.equal(5.5e-7) },
      { name: "TIME (SODA 1.0 §3.3.6)", pairs: [["ID", ID], ["TIME", " 55100.0 +Inf"]], check: (r) => expect(r.times[0]!.hi).to.equal(Infinity) },
      { name: "POL, several values one filter (SODA 1.0 §3.3.7)", pairs: [["ID", ID], ["POL", "I"], ["POL", "q"], ["POL", "U"]], check: (r) => expect(r.pol).to.deep.equal(["I", "Q", "U"]) },
      { name: "CUTOUTDETAIL=MaskedImage (Rubin)", pairs: [["ID", ID], ["CUTOUTDETAIL", "MaskedImage"]], check: (r) => expect(r.detail).to.equal("MaskedImage") },
      { name: "CUTOUTDETAIL=image, any case", pairs: [["ID", ID], ["cutoutdetail", "image"]], check: (r) => expect(r.detail).to.equal("Image") },
      { name: "RESPONSEFORMAT=application/fits (DALI 1.1 §3.3.3)", pairs: [["ID", ID], ["RESPONSEFORMAT", "application/fits"]], check: (r) => expect(r.contentType).to.equal("application/fits") },
      { name: "RESPONSEFORMAT=image/fits is answered as image/fits", pairs: [["ID", ID], ["RESPONSEFORMAT", "image/fits"]], check: (r) => expect(r.contentType).to.equal("image/fits") },
      { name: "RESPONSEFORMAT=fits", pairs: [["ID", ID], ["RESPONSEFORMAT", "fits"]], check: (r) => expect(r.format).to.equal("fits") },
      { name: "RESPONSEFORMAT=image/png", pairs: [["ID", ID], ["RESPONSEFORMAT", "image/png"]], check: (r) => expect([r.format, r.contentType]).to.deep.equal(["png", "image/png"]) },
      { name: "the same single-valued value twice", pairs: [["ID", ID], ["RESPONSEFORMAT", "png"], ["RESPONSEFORMAT", "png"]], check: (r) => expect(r.format).to.equal("png") },
      { name: "unknown parameters are ignored", pairs: [["ID", ID], ["FOO", "bar"]], check: (r) => expect(r.ids).to.deep.equal([ID]) },
    ];
    for (const c of cases) it(c.name, () => c.check(parseSodaRequest(values(c.pairs), "sync")));
  });

  describe("bad requests: 400 naming the parameter and the problem", () => {
    const cases: { name: string; pairs: [string, string][]; label?: string; fragment: string }[] = [
      { name: "no ID", pairs: [["CIRCLE", "1 2 3"]], fragment: "ID is missing" },
      { name: "an empty ID", pairs: [["ID", " "]], fragment: "ID is missing" },
      { name: "two IDs in sync (SODA 1.0 §3.1)", pairs: [["ID", ID], ["ID", `${ID}x`]], label: "MultiValuedParamNotSupported", fragment: "ID was given 2 values" },
      { name: "two CIRCLEs in sync", pairs: [["ID", ID], ["CIRCLE", "1 2 0.1"], ["CIRCLE", "1 2 0.2"]], label: "MultiValuedParamNotSupported", fragment: "CIRCLE was given 2 values" },
      { name: "POS and CIRCLE together in sync", pairs: [["ID", ID], ["POS", "CIRCLE 1 2 0.1"], ["CIRCLE", "1 2 0.2"]], label: "MultiValuedParamNotSupported", fragment: "POS, CIRCLE and POLYGON together" },
      { name: "two BANDs in sync", pairs: [["ID", ID], ["BAND", "1 2"], ["BAND", "3 4"]], label: "MultiValuedParamNotSupported", fragment: "BAND was given 2" },
      { name: "two TIMEs in sync", pairs: [["ID", ID], ["TIME", "1 2"], ["TIME", "3 4"]], label: "MultiValuedParamNotSupported", fragment: "TIME was given 2" },
      { name: "two RESPONSEFORMATs", pairs: [["ID", ID], ["RESPONSEFORMAT", "png"], ["RESPONSEFORMAT", "fits"]], label: "MultiValuedParamNotSupported", fragment: "RESPONSEFORMAT takes one value" },
      { name: "CIRCLE with 2 numbers", pairs: [["ID", ID], ["CIRCLE", "1 2"]], fragment: "CIRCLE: a circle is 3 numbers" },
      { name: "CIRCLE with a word", pairs: [["ID", ID], ["CIRCLE", "1 2 big"]], fragment: 'CIRCLE: "big" is not a number' },
      { name: "CIRCLE with NaN", pairs: [["ID", ID], ["CIRCLE", "NaN 2 0.1"]], fragment: "CIRCLE: the centre (NaN, 2) is not a position on the sphere" },
      { name: "CIRCLE with a huge latitude", pairs: [["ID", ID], ["CIRCLE", "10 1e300 0.1"]], fragment: "is not a position on the sphere" },
      { name: "CIRCLE with an overflowing number", pairs: [["ID", ID], ["CIRCLE", "1e999 0 0.1"]], fragment: "(Infinity, 0) is not a position" },
      { name: "CIRCLE with radius 0", pairs: [["ID", ID], ["CIRCLE", "10 0 0"]], fragment: "CIRCLE: the radius 0 is not in (0, 180]" },
      { name: "CIRCLE with radius 200", pairs: [["ID", ID], ["CIRCLE", "10 0 200"]], fragment: "the radius 200" },
      { name: "POS without a shape", pairs: [["ID", ID], ["POS", "12 34 0.5"]], fragment: "POS: \"12 34 0.5\" does not start with a shape" },
      { name: "POS with an unknown shape", pairs: [["ID", ID], ["POS", "BOX 12 34 1 1"]], fragment: "does not start with a shape: CIRCLE, RANGE or POLYGON" },
      { name: "POS=RANGE with 3 numbers", pairs: [["ID", ID], ["POS", "RANGE 1 2 3"]], fragment: "POS: a RANGE is 4 numbers" },
      { name: "POS=RANGE with lat1 > lat2", pairs: [["ID", ID], ["POS", "RANGE 1 2 30 20"]], fragment: "POS: " },
      { name: "POS=RANGE with NaN", pairs: [["ID", ID], ["POS", "RANGE 1 2 NaN 20"]], fragment: "NaN is not a bound" },
      { name: "POLYGON of 2 vertices", pairs: [["ID", ID], ["POLYGON", "1 2 3 4"]], fragment: "POLYGON: " },
      { name: "POLYGON of an odd count of numbers", pairs: [["ID", ID], ["POLYGON", "1 2 3 4 5"]], fragment: "an even count of numbers, not 5" },
      { name: "POLYGON of 10,000 vertices", pairs: [["ID", ID], ["POLYGON", polygonText(10000)]], fragment: "POLYGON: " },
      { name: "POLYGON not convex", pairs: [["ID", ID], ["POLYGON", "0 0 2 0 1 0.2 2 2 0 2"]], fragment: "POLYGON: " },
      { name: "POS=POLYGON with a latitude of 100", pairs: [["ID", ID], ["POS", "POLYGON 0 0 1 0 1 100"]], fragment: "POS: " },
      { name: "BAND with one number", pairs: [["ID", ID], ["BAND", "5e-7"]], fragment: "BAND: an interval is 2 numbers" },
      { name: "BAND with NaN (SODA uses ±Inf for open ends)", pairs: [["ID", ID], ["BAND", "NaN 5e-7"]], fragment: "BAND: NaN is not a bound" },
      { name: "BAND upside down", pairs: [["ID", ID], ["BAND", "6e-7 5e-7"]], fragment: "BAND: the interval 6e-7 5e-7 is empty" },
      { name: "BAND +Inf +Inf", pairs: [["ID", ID], ["BAND", "+Inf +Inf"]], fragment: "holds no value" },
      { name: "TIME with text", pairs: [["ID", ID], ["TIME", "2020-01-01 2020-01-02"]], fragment: 'TIME: "2020-01-01" is not a number' },
      { name: "POL with an unknown state", pairs: [["ID", ID], ["POL", "W"]], fragment: 'POL: "W" is not a polarization state' },
      { name: "CUTOUTDETAIL=Exposure", pairs: [["ID", ID], ["CUTOUTDETAIL", "Exposure"]], fragment: "CUTOUTDETAIL=Exposure is not served here" },
      { name: "CUTOUTDETAIL=Everything", pairs: [["ID", ID], ["CUTOUTDETAIL", "Everything"]], fragment: 'CUTOUTDETAIL: "Everything" is not Image or MaskedImage' },
      { name: "RESPONSEFORMAT=votable", pairs: [["ID", ID], ["RESPONSEFORMAT", "votable"]], fragment: 'RESPONSEFORMAT: "votable" is not served' },
    ];
    for (const c of cases) {
      it(c.name, () => {
        let err: unknown;
        try {
          parseSodaRequest(values(c.pairs), "sync");
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(SodaError);
        const e = err as SodaError;
        expect(e.status).to.equal(400);
        expect(e.label).to.equal(c.label ?? "UsageError");
        expect(e.message).to.contain(c.fragment);
      });
    }
  });

  describe("async jobs (SODA 1.0 §6)", () => {
    it("take several values of every filter, and several IDs", () => {
      const r = parseSodaRequest(
        values([
          ["ID", ID],
          ["ID", ID.replace("5f60", "5f61")],
          ["CIRCLE", "1 2 0.1"],
          ["POS", "RANGE 1 2 3 4"],
          ["BAND", "1 2"],
          ["BAND", "3 4"],
          ["TIME", "5 6"],
        ]),
        "async",
      );
      expect([r.ids.length, r.spatial.length, r.bands.length, r.times.length]).to.deep.equal([2, 2, 2, 1]);
    });
    it(`refuse more than ${MAX_ASYNC_CUTOUTS} combinations`, () => {
      const pairs: [string, string][] = [["ID", ID]];
      for (let i = 0; i < 20; i++) pairs.push(["CIRCLE", `1 2 0.${i + 1}`], ["BAND", `${i} ${i + 1}`]);
      expect(() => parseSodaRequest(values(pairs), "async")).to.throw(SodaError, "400 cutouts");
    });
  });
});
