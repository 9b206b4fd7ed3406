/**
 * SIA 2.0 parameters → ADQL on ivoa.ObsCore: one row per parameter form (SIA 2.0 §2.1.x), repeats (OR within a
 * parameter, AND between, §2.1), DALI intervals with open ends (DALI 1.2 §3.3.3), and refused values naming the
 * parameter. The ADQL these produce runs in routes/sia.test.ts and is compared with TAP through pyvo in
 * routes/sia.pyvo.test.ts.
 */
import { expect } from "chai";
import { adqlBoxToLonLatBox } from "@qserv-tap/adql-compiler";
import { siaAdql, siaConditions, SiaUsageError } from "./sia-query.js";

const map = (params: [string, string][]) => {
  const m = new Map<string, string[]>();
  for (const [k, v] of params) m.set(k.toUpperCase(), [...(m.get(k.toUpperCase()) ?? []), v]);
  return m;
};

describe("SIA 2.0 parameters as ADQL (sia-query)", () => {
  const cases: [string, [string, string][], string[]][] = [
    // §2.1.1 POS: the shape intersects s_region.
    ["POS CIRCLE", [["POS", "CIRCLE 12.0 34.0 0.5"]], ["INTERSECTS(CIRCLE('ICRS', 12, 34, 0.5), s_region) = 1"]],
    ["POS shape keyword in any case", [["POS", "circle 12 34 0.5"]], ["INTERSECTS(CIRCLE('ICRS', 12, 34, 0.5), s_region) = 1"]],
    ["POS RANGE (the spec's example)", [["POS", "RANGE 12.0 12.5 34.0 36.0"]], ["INTERSECTS(BOX('ICRS', 12.25, 35, 0.5, 2), s_region) = 1"]],
    ["POS RANGE across RA 0 (DALI: 359 1 is 2° wide)", [["POS", "RANGE 359 1 -1 1"]], ["INTERSECTS(BOX('ICRS', 0, 0, 2, 2), s_region) = 1"]],
    ["POS RANGE across RA 0, asymmetric", [["POS", "RANGE 350 4 -1 1"]], ["INTERSECTS(BOX('ICRS', 357, 0, 14, 2), s_region) = 1"]],
    ["POS RANGE band around the equator", [["POS", "RANGE 0 360.0 -2.0 2.0"]], ["INTERSECTS(BOX('ICRS', 180, 0, 360, 4), s_region) = 1"]],
    ["POS RANGE the north pole (open latitude)", [["POS", "RANGE 0 360.0 89.0 +Inf"]], ["INTERSECTS(BOX('ICRS', 180, 89.5, 360, 1), s_region) = 1"]],
    ["POS RANGE the south pole", [["POS", "RANGE 0 360 -Inf -88"]], ["INTERSECTS(BOX('ICRS', 180, -89, 360, 2), s_region) = 1"]],
    ["POS RANGE the whole sky", [["POS", "RANGE -Inf +Inf -Inf +Inf"]], ["INTERSECTS(BOX('ICRS', 180, 0, 360, 180), s_region) = 1"]],
    ["POS RANGE open longitude end", [["POS", "RANGE 300 +Inf 10 20"]], ["INTERSECTS(BOX('ICRS', 330, 15, 60, 10), s_region) = 1"]],
    ["POS RANGE inf as pyvo writes it", [["POS", "RANGE -inf inf -inf 0"]], ["INTERSECTS(BOX('ICRS', 180, -45, 360, 90), s_region) = 1"]],
    [
      "POS POLYGON (the spec's example)",
      [["POS", "POLYGON 12.0 34.0 14.0 35.0 14. 36.0 12.0 35.0"]],
      ["INTERSECTS(POLYGON('ICRS', 12, 34, 14, 35, 14, 36, 12, 35), s_region) = 1"],
    ],
    ["POS POLYGON clockwise", [["POS", "POLYGON 10 10 10 11 11 11"]], ["INTERSECTS(POLYGON('ICRS', 10, 10, 10, 11, 11, 11), s_region) = 1"]],
    // §2.1.2 BAND, §2.1.3 TIME: the interval overlaps [min, max]; a scalar is [v, v]; an open end still needs a value.
    ["BAND interval", [["BAND", "500e-9 550e-9"]], ["em_min <= 5.5e-7 AND em_max >= 5e-7"]],
    ["BAND scalar", [["BAND", "0.21"]], ["em_min <= 0.21 AND em_max >= 0.21"]],
    ["BAND open above", [["BAND", "300 +Inf"]], ["em_min IS NOT NULL AND em_max >= 300"]],
    ["BAND open below", [["BAND", "-Inf 0.21"]], ["em_min <= 0.21 AND em_max IS NOT NULL"]],
    ["BAND all values", [["BAND", "-Inf +Inf"]], ["em_min IS NOT NULL AND em_max IS NOT NULL"]],
    ["TIME interval (MJD)", [["TIME", "55123.456 55123.466"]], ["t_min <= 55123.466 AND t_max >= 55123.456"]],
    ["TIME instant", [["TIME", "55678.123456"]], ["t_min <= 55678.123456 AND t_max >= 55678.123456"]],
    // §2.1.4 POL: pol_states holds the state (ObsCore 1.1 §4.20: "/I/Q/U/").
    ["POL", [["POL", "I"]], ["pol_states LIKE '%/I/%'"]],
    ["POL repeated: any of them", [["POL", "I"], ["POL", "Q"], ["POL", "U"]], ["((pol_states LIKE '%/I/%') OR (pol_states LIKE '%/Q/%') OR (pol_states LIKE '%/U/%'))"]],
    // §2.1.5–2.1.9: the column's value is in the range.
    ["FOV range", [["FOV", "1.0 2.0"]], ["s_fov >= 1 AND s_fov <= 2"]],
    ["FOV open above", [["FOV", "1.0 +Inf"]], ["s_fov >= 1"]],
    ["FOV the spec's either-or", [["FOV", "-Inf 0.01"], ["FOV", "2.0 +Inf"]], ["((s_fov <= 0.01) OR (s_fov >= 2))"]],
    ["FOV scalar", [["FOV", "0.5"]], ["s_fov = 0.5"]],
    ["SPATRES", [["SPATRES", "-Inf 0.2"]], ["s_resolution <= 0.2"]],
    ["SPECRP", [["SPECRP", "10000 20000"]], ["em_res_power >= 10000 AND em_res_power <= 20000"]],
    ["EXPTIME", [["EXPTIME", "600 1800"]], ["t_exptime >= 600 AND t_exptime <= 1800"]],
    ["TIMERES all values (only known ones)", [["TIMERES", "-Inf +Inf"]], ["t_resolution IS NOT NULL"]],
    // §2.1.10 ID: IVOIDs compare case-insensitively.
    ["ID", [["ID", "ivo://x/y?Z"]], ["LOWER(obs_publisher_did) = LOWER('ivo://x/y?Z')"]],
    // §2.1.11–2.1.17: exact, case-sensitive matches.
    ["COLLECTION", [["COLLECTION", "LSST.demo"]], ["obs_collection = 'LSST.demo'"]],
    ["FACILITY with a quote", [["FACILITY", "O'Brien"]], ["facility_name = 'O''Brien'"]],
    ["INSTRUMENT", [["INSTRUMENT", "LSSTCam"]], ["instrument_name = 'LSSTCam'"]],
    ["DPTYPE", [["DPTYPE", "cube"]], ["dataproduct_type = 'cube'"]],
    ["CALIB repeated", [["CALIB", "0"], ["CALIB", "1"]], ["((calib_level = 0) OR (calib_level = 1))"]],
    ["TARGET", [["TARGET", "M 31"]], ["target_name = 'M 31'"]],
    ["FORMAT (access_format, not the response's)", [["FORMAT", "application/fits"]], ["access_format = 'application/fits'"]],
    // §2.1: AND between parameters, in a fixed order; repeated identical values count once; blank values are no constraint.
    [
      "several parameters",
      [["calib", "2"], ["pos", "CIRCLE 1 2 3"], ["BAND", "5e-7"]],
      ["INTERSECTS(CIRCLE('ICRS', 1, 2, 3), s_region) = 1", "em_min <= 5e-7 AND em_max >= 5e-7", "calib_level = 2"],
    ],
    ["identical repeats once", [["DPTYPE", "image"], ["DPTYPE", "image"]], ["dataproduct_type = 'image'"]],
    ["blank values", [["POS", ""], ["BAND", "  "]], []],
    ["other parameters are not SIA's concern", [["MAXREC", "3"], ["RESPONSEFORMAT", "csv"], ["FOO", "bar"]], []],
  ];
  for (const [name, params, expected] of cases) {
    it(`${name}: ${params.map(([k, v]) => `${k}=${v}`).join("&")}`, () => {
      expect(siaConditions(map(params))).to.deep.equal(expected);
    });
  }

  it("makes a parameter on a column the table lacks unsatisfiable (SIA 2.0 §2.1: unknown values match nothing), still checking its values", () => {
    const rubin = new Set(["calib_level", "em_min", "em_max", "s_region"]);
    expect(siaConditions(map([["POL", "I"], ["CALIB", "2"]]), rubin)).to.deep.equal(["1 = 0", "calib_level = 2"]);
    expect(() => siaConditions(map([["POL", "W"]]), rubin)).to.throw(SiaUsageError, /^POL: "W"/);
    expect(siaConditions(map([["BAND", "5e-7"]]), new Set(["em_min"]))).to.deep.equal(["1 = 0"]);
  });

  it("writes one query on ivoa.ObsCore, conditions ANDed", () => {
    expect(siaAdql(map([]))).to.equal("SELECT * FROM ivoa.ObsCore");
    expect(siaAdql(map([["DPTYPE", "image"], ["CALIB", "3"]]))).to.equal("SELECT * FROM ivoa.ObsCore WHERE dataproduct_type = 'image' AND calib_level = 3");
  });

  // The compiler reads BOX as coordinate ranges (adqlBoxToLonLatBox): the ranges must be the RANGE's.
  const ranges: [string, [number, number, number, number]][] = [
    ["RANGE 12.0 12.5 34.0 36.0", [12, 34, 12.5, 36]],
    ["RANGE 359 1 -1 1", [359, -1, 1, 1]],
    ["RANGE 350 4 -1 1", [350, -1, 4, 1]],
    ["RANGE 0 360 89 +Inf", [0, 89, 360, 90]],
    ["RANGE 0 360 -Inf -88", [0, -90, 360, -88]],
    ["RANGE 200 100 -10 10", [200, -10, 100, 10]],
  ];
  for (const [pos, [lonMin, latMin, lonMax, latMax]] of ranges) {
    it(`${pos} is the BOX of the same coordinate ranges`, () => {
      const [c] = siaConditions(map([["POS", pos]]));
      const args = /BOX\('ICRS', ([^,]+), ([^,]+), ([^,]+), ([^)]+)\)/.exec(c!)!.slice(1).map(Number) as [number, number, number, number];
      const b = adqlBoxToLonLatBox(...args);
      expect(b.lonMin).to.be.closeTo(lonMin, 1e-9);
      expect(b.latMin).to.be.closeTo(latMin, 1e-9);
      expect(b.lonMax).to.be.closeTo(lonMax, 1e-9);
      expect(b.latMax).to.be.closeTo(latMax, 1e-9);
    });
  }

  const refused: [string, string, RegExp][] = [
    ["POS", "BOX 1 2 3 4", /^POS: "BOX 1 2 3 4" does not start with a shape: CIRCLE, RANGE or POLYGON/],
    ["POS", "12 34 0.5", /does not start with a shape/],
    ["POS", "CIRCLE 12 34", /^POS: CIRCLE takes 3 numbers .* not 2$/],
    ["POS", "CIRCLE 12 34 abc", /^POS: "abc" is not a number$/],
    ["POS", "CIRCLE 400 34 1", /^POS: CIRCLE longitude 400 is not in \[0, 360\]/],
    ["POS", "CIRCLE 12 95 1", /^POS: CIRCLE latitude 95 is not in \[-90, 90\]/],
    ["POS", "CIRCLE NaN 0 1", /CIRCLE longitude NaN/],
    ["POS", "CIRCLE 12 34 0", /^POS: the radius 0 is not in \(0, 180\]/],
    ["POS", "CIRCLE 12 34 200", /radius 200/],
    ["POS", "RANGE 1 2 3", /^POS: RANGE takes 4 numbers/],
    ["POS", "RANGE 1 2 10 5", /^POS: RANGE latitude1 10 is above latitude2 5$/],
    ["POS", "RANGE +Inf 2 3 4", /\+Inf can only be an upper bound/],
    ["POS", "RANGE 1 2 -100 5", /latitude1 -100 is not in \[-90, 90\]/],
    ["POS", "RANGE 1 2 NaN 5", /NaN is not a RANGE bound/],
    ["POS", "POLYGON 1 2 3 4", /^POS: POLYGON takes 3 or more .* not 4$/],
    ["POS", "POLYGON 1 2 3 4 5", /not 5$/],
    ["POS", "POLYGON 0 0 10 0 10 10 5 1 0 10", /^POS: vertex \d+ lies outside the edge/],
    ["POS", "POLYGON 0 0 10 0 20 0", /^POS: all vertices lie on one great circle/],
    ["BAND", "abc", /^BAND: "abc" is not a number$/],
    ["BAND", "1 2 3", /^BAND: "1 2 3" is 3 numbers/],
    ["BAND", "2 1", /^BAND: the interval 2 1 is empty/],
    ["BAND", "NaN 1", /^BAND: NaN is not a bound/],
    ["BAND", "+Inf +Inf", /holds no value/],
    ["BAND", "+Inf", /^BAND: a single value must be finite/],
    ["TIME", "2020-01-01", /^TIME: "2020-01-01" is not a number$/],
    ["FOV", "1 0", /^FOV: the interval 1 0 is empty/],
    ["POL", "i", /^POL: "i" is not a polarization state/],
    ["POL", "Z", /^POL: "Z"/],
    ["CALIB", "2.5", /^CALIB: "2.5" is not an integer/],
    ["CALIB", "raw", /^CALIB: "raw"/],
  ];
  for (const [param, value, message] of refused) {
    it(`refuses ${param}=${value}, naming the parameter`, () => {
      let thrown: unknown;
      try {
        siaAdql(map([[param, value]]));
      } catch (e) {
        thrown = e;
      }
      expect(thrown).to.be.instanceOf(SiaUsageError);
      const e = thrown as SiaUsageError;
      expect(e.status).to.equal(400);
      expect(e.param).to.equal(param);
      expect(e.code).to.equal("SIA_BAD_PARAMETER");
      expect(e.message).to.match(message);
    });
  }

  it("refuses a bad value among good repeats", () => {
    expect(() => siaAdql(map([["CALIB", "1"], ["CALIB", "x"]]))).to.throw(SiaUsageError, /^CALIB: "x"/);
  });
});
