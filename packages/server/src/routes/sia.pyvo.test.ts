/**
 * The check of SIA 2.0 as a thin layer: for a table of parameter sets, pyvo's SIA2 client
 * (pyvo.dal.sia2.SIA2Service, SIAService in pyvo 1.2) on /sia finds the same rows (obs_publisher_did sets) as the
 * equivalent ObsTAP query through pyvo's TAPService on the same running demo service. pyvo finds /sia/query from
 * /sia/capabilities (SIA 2.0 §2.3), encodes the parameters itself (intervals with inf, MJD times from astropy Time,
 * POS shapes from tuples), and reads the VOTable, so this also checks what a client sees.
 */
import { execFile } from "node:child_process";
import { expect } from "chai";
import { demoService, type Running } from "../test-support/service.js";

/** One parameter set: pyvo search() keywords, each a list of values (a list is a tuple, "inf"/"-inf" floats, times MJDs). */
interface Case {
  name: string;
  sia: Record<string, unknown>;
  adql: string;
}

const SCRIPT = String.raw`
import json, sys, warnings
warnings.simplefilter("ignore")
from astropy.time import Time
import pyvo
from pyvo.dal import sia2

root, tap_url, cases = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
Service = getattr(sia2, "SIA2Service", None) or sia2.SIAService
svc = Service(root + "/sia")
tap = pyvo.dal.TAPService(tap_url)

def item(key, v):
    if isinstance(v, str) and v in ("inf", "-inf"):
        return float(v)
    if isinstance(v, list):
        return tuple(item(key, x) for x in v)
    if key == "time":
        return Time(v, format="mjd")
    return v

out = {"query_ep": svc.query_ep, "cases": {}}
for case in cases:
    entry = out["cases"][case["name"]] = {}
    try:
        # pyvo's keywords take a list of values (repeats); an upper-case name is a raw DALI parameter.
        kwargs = {k: v if k.isupper() else [item(k, x) for x in v] for k, v in case["sia"].items()}
        result = svc.search(**kwargs).to_table()
        entry["sia"] = sorted(str(x) for x in result["obs_publisher_did"])
        entry["columns"] = len(result.colnames)
    except Exception as e:
        entry["sia_error"] = f"{type(e).__name__}: {e}"
    try:
        rows = tap.search(case["adql"]).to_table()
        entry["tap"] = sorted(str(x) for x in rows["obs_publisher_did"])
    except Exception as e:
        entry["tap_error"] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
`;

function runPython(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("/usr/bin/python3", ["-c", SCRIPT, ...args], { maxBuffer: 1 << 24, timeout: 300_000 }, (e, stdout, stderr) =>
      e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

describe("pyvo SIA2 search = the equivalent TAP query (routes/sia, issue 14)", function () {
  this.timeout(400_000);
  let running: Running;
  let results: { query_ep: string; cases: Record<string, { sia?: string[]; tap?: string[]; sia_error?: string; tap_error?: string; columns?: number }> };
  let cases: Case[];

  before(async () => {
    running = await demoService();
    const root = running.url.replace(/\/tap$/, "");
    // A coadd away from RA 0 and the poles, read through TAP, to centre shapes on and to name by ID.
    const r = await fetch(`${running.url}/sync`, {
      method: "POST",
      body: new URLSearchParams({
        LANG: "ADQL",
        RESPONSEFORMAT: "csv",
        QUERY: "SELECT TOP 1 obs_publisher_did, s_ra, s_dec FROM ivoa.ObsCore WHERE dataproduct_subtype = 'lsst.deep_coadd' AND s_ra BETWEEN 10 AND 350 AND ABS(s_dec) < 60 ORDER BY obs_publisher_did",
      }),
    });
    const [id, ra, dec] = (await r.text()).trim().split(/\r?\n/)[1]!.split(",") as [string, string, string];
    const [x, y] = [Number(ra), Number(dec)];
    const T = "SELECT obs_publisher_did FROM ivoa.ObsCore";
    cases = [
      { name: "no constraint", sia: {}, adql: T },
      { name: "POS circle", sia: { pos: [[x, y, 0.01]] }, adql: `${T} WHERE INTERSECTS(CIRCLE('ICRS', ${x}, ${y}, 0.01), s_region) = 1` },
      { name: "POS range", sia: { pos: [[x - 0.02, x + 0.02, y - 0.02, y + 0.02]] }, adql: `${T} WHERE INTERSECTS(BOX('ICRS', ${x}, ${y}, 0.04, 0.04), s_region) = 1` },
      {
        name: "POS polygon",
        sia: { pos: [[x - 0.01, y - 0.01, x + 0.01, y - 0.01, x, y + 0.01]] },
        adql: `${T} WHERE INTERSECTS(POLYGON('ICRS', ${x - 0.01}, ${y - 0.01}, ${x + 0.01}, ${y - 0.01}, ${x}, ${y + 0.01}), s_region) = 1`,
      },
      {
        name: "POS two circles (OR)",
        sia: { pos: [[x, y, 0.01], [268.47, -43.37, 0.05]] },
        adql: `${T} WHERE INTERSECTS(CIRCLE('ICRS', ${x}, ${y}, 0.01), s_region) = 1 OR INTERSECTS(CIRCLE('ICRS', 268.47, -43.37, 0.05), s_region) = 1`,
      },
      { name: "POS range across RA 0 (as a raw POS)", sia: { POS: "RANGE 359.9 0.1 -16 -15" }, adql: `${T} WHERE INTERSECTS(BOX('ICRS', 0, -15.5, 0.2, 1), s_region) = 1` },
      { name: "POS range around the north pole", sia: { pos: [[0, 360, 89.5, 90]] }, adql: `${T} WHERE INTERSECTS(BOX('ICRS', 180, 89.75, 360, 0.5), s_region) = 1` },
      { name: "POS circle on the south pole", sia: { pos: [[0, -90, 1]] }, adql: `${T} WHERE INTERSECTS(CIRCLE('ICRS', 0, -90, 1), s_region) = 1` },
      { name: "BAND value", sia: { band: [6e-7] }, adql: `${T} WHERE em_min <= 6e-7 AND em_max >= 6e-7` },
      { name: "BAND interval", sia: { band: [[4e-7, 4.5e-7]] }, adql: `${T} WHERE em_min <= 4.5e-7 AND em_max >= 4e-7` },
      { name: "BAND open below", sia: { band: [["-inf", 4.1e-7]] }, adql: `${T} WHERE em_min <= 4.1e-7` },
      { name: "TIME interval (MJD)", sia: { time: [[60412.1, 60412.25]] }, adql: `${T} WHERE t_min <= 60412.25 AND t_max >= 60412.1` },
      { name: "TIME instant", sia: { time: [60807.4501] }, adql: `${T} WHERE t_min <= 60807.4501 AND t_max >= 60807.4501` },
      { name: "FOV open above", sia: { field_of_view: [[1, "inf"]] }, adql: `${T} WHERE s_fov >= 1` },
      { name: "SPATRES", sia: { spatial_resolution: [[0, 0.85]] }, adql: `${T} WHERE s_resolution BETWEEN 0 AND 0.85` },
      { name: "EXPTIME either short or long", sia: { exptime: [[0, 60], [1000, "inf"]] }, adql: `${T} WHERE t_exptime <= 60 OR t_exptime >= 1000` },
      { name: "SPECRP", sia: { spectral_resolving_power: [[4, 5]] }, adql: `${T} WHERE em_res_power BETWEEN 4 AND 5` },
      { name: "TIMERES (unknown: no row)", sia: { timeres: [["-inf", "inf"]] }, adql: `${T} WHERE t_resolution IS NOT NULL` },
      { name: "POL (unknown: no row)", sia: { pol: ["I", "Q"] }, adql: `${T} WHERE pol_states LIKE '%/I/%' OR pol_states LIKE '%/Q/%'` },
      { name: "ID, upper-cased", sia: { publisher_did: [id.toUpperCase()] }, adql: `${T} WHERE obs_publisher_did = '${id}'` },
      { name: "COLLECTION", sia: { collection: ["LSST.demo"] }, adql: `${T} WHERE obs_collection = 'LSST.demo'` },
      { name: "FACILITY", sia: { facility: ["Rubin:Simonyi (demo)"] }, adql: `${T} WHERE facility_name = 'Rubin:Simonyi (demo)'` },
      { name: "INSTRUMENT", sia: { instrument: ["LSSTCam (demo)", "HSC"] }, adql: `${T} WHERE instrument_name IN ('LSSTCam (demo)', 'HSC')` },
      { name: "DPTYPE", sia: { data_type: ["cube"] }, adql: `${T} WHERE dataproduct_type = 'cube'` },
      { name: "CALIB two levels", sia: { calib_level: [2, 3] }, adql: `${T} WHERE calib_level IN (2, 3)` },
      { name: "TARGET", sia: { target_name: ["M31"] }, adql: `${T} WHERE target_name = 'M31'` },
      { name: "FORMAT (access_format)", sia: { res_format: ["application/fits"] }, adql: `${T} WHERE access_format = 'application/fits'` },
      {
        name: "POS, BAND and CALIB together (AND)",
        sia: { pos: [[x, y, 0.01]], band: [6e-7], calib_level: [3] },
        adql: `${T} WHERE INTERSECTS(CIRCLE('ICRS', ${x}, ${y}, 0.01), s_region) = 1 AND em_min <= 6e-7 AND em_max >= 6e-7 AND calib_level = 3`,
      },
    ];
    results = JSON.parse(await runPython([root, running.url, JSON.stringify(cases)])) as typeof results;
    results.query_ep = results.query_ep.trim();
    expect(results.query_ep).to.equal(`${root}/sia/query`);
  });

  it("finds /sia/query from /sia/capabilities", () => {
    expect(results.query_ep).to.match(/\/sia\/query$/);
  });

  // The names are known before the cases (which need the running service): one test per name.
  const names = [
    "no constraint",
    "POS circle",
    "POS range",
    "POS polygon",
    "POS two circles (OR)",
    "POS range across RA 0 (as a raw POS)",
    "POS range around the north pole",
    "POS circle on the south pole",
    "BAND value",
    "BAND interval",
    "BAND open below",
    "TIME interval (MJD)",
    "TIME instant",
    "FOV open above",
    "SPATRES",
    "EXPTIME either short or long",
    "SPECRP",
    "TIMERES (unknown: no row)",
    "POL (unknown: no row)",
    "ID, upper-cased",
    "COLLECTION",
    "FACILITY",
    "INSTRUMENT",
    "DPTYPE",
    "CALIB two levels",
    "TARGET",
    "FORMAT (access_format)",
    "POS, BAND and CALIB together (AND)",
  ];
  for (const name of names) {
    it(`${name}: the same obs_publisher_did as TAP`, () => {
      expect(cases.map((c) => c.name)).to.include(name);
      const r = results.cases[name]!;
      expect(r.sia_error, r.sia_error).to.equal(undefined);
      expect(r.tap_error, r.tap_error).to.equal(undefined);
      expect(r.sia).to.deep.equal(r.tap);
    });
  }

  it("covers every parameter set, and some sets find rows, some none", () => {
    expect(names).to.deep.equal(cases.map((c) => c.name));
    const sizes = names.map((n) => results.cases[n]!.tap?.length ?? -1);
    expect(sizes.filter((n) => n > 0).length).to.be.greaterThan(15);
    expect(sizes.filter((n) => n === 0).length).to.be.greaterThan(3);
  });
});
