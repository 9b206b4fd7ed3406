/**
 * ObsCore rows from headers (ObsCore 1.1 §4), against values computed by hand from the cards, and the refusals of
 * images without a usable celestial WCS.
 */
import { expect } from "chai";
import { type Card, Header, imageHeader } from "@qserv-tap/fits";
import { LSST_BANDS, ObsCoreError, dataIdFromHeaders, obsCoreRow, type ObsCoreRow } from "./obscore.js";

const real = (keyword: string, value: number): Card => ({ keyword, value, real: true });

/** 200 × 100 pixels of 0.2″, north up, centred (CRPIX at the middle) on RA 150, Dec 2.5. */
function tan(extra: Card[] = [], axes = [200, 100]): Card[] {
  const s = 0.2 / 3600;
  return [
    { keyword: "CTYPE1", value: "RA---TAN" },
    { keyword: "CTYPE2", value: "DEC--TAN" },
    real("CRPIX1", (axes[0]! + 1) / 2),
    real("CRPIX2", (axes[1]! + 1) / 2),
    real("CRVAL1", 150),
    real("CRVAL2", 2.5),
    real("CD1_1", -s),
    real("CD2_2", s),
    { keyword: "RADESYS", value: "ICRS" },
    ...extra,
  ];
}

function row(imageCards: Card[], primaryCards: Card[] = [], options: { axes?: number[]; datasetType?: string; size?: number } = {}): ObsCoreRow {
  const axes = options.axes ?? [200, 100];
  const header = imageHeader(-32, axes, { extname: "IMAGE", cards: imageCards });
  const primary = new Header([{ keyword: "SIMPLE", value: true }, ...primaryCards]);
  return obsCoreRow({
    primary,
    image: { index: 1, headerOffset: 2880, dataOffset: 5760, dataSize: 0, header },
    id: "ivo://qserv-tap.test/r?repo=r&id=00000000-0000-4000-8000-000000000000",
    ...(options.datasetType ? { datasetType: options.datasetType } : {}),
    accessUrl: "http://127.0.0.1:1/images/files/x",
    size: options.size ?? 81_000,
    collection: "LSST.test",
  });
}

describe("ObsCore rows from FITS headers", () => {
  const visit = row(tan([real("MJD-OBS", 60400.5), real("EXPTIME", 30), real("SEEING", 0.7)]), [
    { keyword: "BAND", value: "i" },
    { keyword: "LSST BUTLER DATAID VISIT", value: 2024041100110 },
    { keyword: "LSST BUTLER DATAID DETECTOR", value: 42 },
    { keyword: "TELESCOP", value: "Rubin:Simonyi (demo)" },
    { keyword: "INSTRUME", value: "LSSTCam (demo)" },
    { keyword: "BUNIT", value: "nJy" },
  ]);
  const cases: [string, keyof ObsCoreRow, unknown][] = [
    // §4.1, §4.2, §4.3, §4.5, §4.7: constants and what the caller gives.
    ["dataproduct_type (§4.1)", "dataproduct_type", "image"],
    ["calib_level of a processed visit image (§4.2)", "calib_level", 2],
    ["obs_collection (§4.3)", "obs_collection", "LSST.test"],
    ["obs_publisher_did (§4.5)", "obs_publisher_did", "ivo://qserv-tap.test/r?repo=r&id=00000000-0000-4000-8000-000000000000"],
    ["access_format (§4.7)", "access_format", "application/fits"],
    // §4.8: kilobytes, approximate.
    ["access_estsize in kbyte (§4.8), VOUnit's 1000 bytes: 81,000 bytes", "access_estsize", 81],
    // §4.10: the image's centre; CRPIX is the middle pixel, so it is CRVAL.
    ["s_ra (§4.10)", "s_ra", 150],
    ["s_dec (§4.10)", "s_dec", 2.5],
    // §4.13: the seeing's FWHM, in arcseconds.
    ["s_resolution (§4.13)", "s_resolution", 0.7],
    // §4.14, §4.15: MJD-OBS is the start; EXPTIME gives the stop and the exposure.
    ["t_min (§4.14)", "t_min", 60400.5],
    ["t_max (§4.14)", "t_max", 60400.5 + 30 / 86400],
    ["t_exptime (§4.15)", "t_exptime", 30],
    // §4.17: vacuum wavelengths in metres, from the band.
    ["em_min (§4.17)", "em_min", LSST_BANDS.i![0]],
    ["em_max (§4.17)", "em_max", LSST_BANDS.i![1]],
    ["pol_states (§4.19): no polarization", "pol_states", null],
    ["o_ucd (§4.20): a flux density in nJy", "o_ucd", "phot.flux.density"],
    // §4.21: NAXISn.
    ["s_xel1 (§4.21)", "s_xel1", 200],
    ["s_xel2 (§4.21)", "s_xel2", 100],
    ["facility_name", "facility_name", "Rubin:Simonyi (demo)"],
    ["instrument_name", "instrument_name", "LSSTCam (demo)"],
    ["lsst_visit from the data ID cards", "lsst_visit", 2024041100110],
    ["lsst_detector", "lsst_detector", 42],
    ["lsst_band", "lsst_band", "i"],
    ["lsst_tract of a visit", "lsst_tract", null],
    ["obs_id of a visit: visit_detector", "obs_id", "2024041100110_42"],
  ];
  for (const [name, column, want] of cases) {
    it(name, () => {
      const got = visit[column];
      if (typeof want === "number" && typeof got === "number") expect(got).to.be.closeTo(want, Math.abs(want) * 1e-12 + 1e-12);
      else expect(got).to.equal(want);
    });
  }

  it("s_fov is the diameter of the circle through the corners (§4.11): the diagonal, 44.72″", () => {
    // The vertices are given to 1e-7° (0.36 mas), and s_fov from them.
    expect(visit.s_fov * 3600).to.be.closeTo(Math.hypot(200, 100) * 0.2, 1e-3);
  });

  it("s_region is a DALI shape polygon of the four outer corners (ObsCore 1.1 §4.12; DALI 1.2 shape), counter-clockwise as SODA's example", () => {
    const m = /^polygon ((?:-?[\d.]+ ?){8})$/.exec(visit.s_region);
    expect(m, visit.s_region).to.not.equal(null);
    const v = m![1]!.trim().split(" ").map(Number);
    const dra = 100 * (0.2 / 3600) / Math.cos((2.5 * Math.PI) / 180);
    const ddec = 50 * (0.2 / 3600);
    const corners = [
      [v[0]!, v[1]!],
      [v[2]!, v[3]!],
      [v[4]!, v[5]!],
      [v[6]!, v[7]!],
    ];
    for (const [ra, dec] of corners) {
      expect(Math.abs(Math.abs(ra! - 150) - dra)).to.be.below(1e-6);
      expect(Math.abs(Math.abs(dec! - 2.5) - ddec)).to.be.below(1e-6);
    }
    // Signed area in (RA, Dec) with RA to the right: positive is counter-clockwise.
    let area = 0;
    corners.forEach(([x1, y1], i) => {
      const [x2, y2] = corners[(i + 1) % 4]!;
      area += x1! * y2! - x2! * y1!;
    });
    expect(area).to.be.above(0);
  });

  it("a coadd takes MJD-BEG and MJD-END (§4.14: the first start and the last stop), tract and patch, calib_level 3", () => {
    const r = row(tan([real("MJD-OBS", 60320.1), real("MJD-BEG", 60320.1), real("MJD-END", 61190.3), real("EXPTIME", 1200), real("PSFSIGMA", 1.7)]), [
      { keyword: "LSST BUTLER DATAID TRACT", value: 9018 },
      { keyword: "LSST BUTLER DATAID PATCH", value: 35 },
      { keyword: "LSST BUTLER DATAID BAND", value: "g" },
    ], { datasetType: "deep_coadd" });
    expect([r.t_min, r.t_max, r.t_exptime, r.calib_level, r.lsst_tract, r.lsst_patch, r.lsst_band, r.obs_id, r.em_min]).to.deep.equal([
      60320.1, 61190.3, 1200, 3, 9018, 35, "g", "9018_35_g", LSST_BANDS.g![0],
    ]);
    // §4.13 from a Gaussian sigma: FWHM = 2√(2 ln 2) σ, times the pixel scale.
    expect(r.s_resolution!).to.be.closeTo(2 * Math.sqrt(2 * Math.log(2)) * 1.7 * 0.2, 1e-4);
    expect(r.dataproduct_subtype).to.equal("lsst.deep_coadd");
  });

  it("without times, band or seeing, those columns are NULL", () => {
    const r = row(tan());
    expect([r.t_min, r.t_max, r.t_exptime, r.em_min, r.em_max, r.s_resolution, r.lsst_band]).to.deep.equal([null, null, null, null, null, null, null]);
  });

  it("takes the band from FILTER when the data ID has none (Rubin's physical filter names start with it)", () => {
    const primary = new Header([{ keyword: "FILTER", value: "r_57" }]);
    const image = { index: 1, headerOffset: 0, dataOffset: 0, dataSize: 0, header: new Header([]) };
    expect(dataIdFromHeaders({ primary, image })).to.deep.equal({ band: "r" });
  });

  const refusals: [string, Card[], RegExp, number[]?][] = [
    ["no WCS at all", [], /no usable WCS: the header has no WCS/],
    ["linear axes only", [{ keyword: "CTYPE1", value: "LINEAR" }, { keyword: "CTYPE2", value: "LINEAR" }], /no celestial WCS/],
    ["a projection the sky package does not implement (TPV)", tan().map((c) => (c.keyword.startsWith("CTYPE") ? { ...c, value: `${String(c.value).slice(0, 4)}-TPV` } : c)), /no usable WCS/],
    ["FK4 axes (§4.10 asks for ICRS)", tan().map((c) => (c.keyword === "RADESYS" ? { ...c, value: "FK4" } : c)), /not ICRS/],
    ["a 1-D image", tan(), /no 2-D image/, [200]],
  ];
  for (const [name, cards, message, axes] of refusals) {
    it(`refuses ${name}`, () => {
      expect(() => row(cards, [], axes ? { axes } : {})).to.throw(ObsCoreError, message);
    });
  }
});
