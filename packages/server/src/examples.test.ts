/**
 * Every query of /examples (DALI 1.1 §2.3; TAP 1.1 §2.8) runs on the demo service and returns rows. The ObsTAP
 * examples (ObsCore 1.1 Appendix A; ADQL 2.1 §4.2: CONTAINS, INTERSECTS, AREA, CENTROID on s_region) return
 * exactly what a brute force over the demo's ivoa.ObsCore rows with @qserv-tap/sky gives.
 */
import { expect } from "chai";
import { circle, parseRegion, type Region } from "@qserv-tap/sky";
import { DEMO_EXAMPLES, OBSTAP_EXAMPLES, TAP_SCHEMA_EXAMPLES } from "./examples.js";
import { demoService, get, sync, type Running } from "./test-support/service.js";

/** RFC 4180 CSV: quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    }
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

interface Result {
  header: string[];
  rows: Record<string, string>[];
}

async function run(url: string, query: string): Promise<Result> {
  const r = await sync(url, { LANG: "ADQL", QUERY: query, RESPONSEFORMAT: "csv" });
  expect(r.status, `${query}\n${r.text}`).to.equal(200);
  const [header, ...rows] = parseCsv(r.text);
  return { header: header!, rows: rows.map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? ""]))) };
}

/** One row of the demo's ivoa.ObsCore, with its footprint read by sky. */
interface Image {
  obs_id: string;
  subtype: string;
  s_ra: number;
  s_dec: number;
  region: Region;
}

const SQ_DEG_PER_SR = (180 / Math.PI) ** 2;

/** Angular distance in degrees (haversine, precise at small angles). */
function distance(a: readonly [number, number], b: readonly [number, number]): number {
  const r = Math.PI / 180;
  const s = Math.sin(((b[1] - a[1]) * r) / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(((b[0] - a[0]) * r) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(s)))) / r;
}

const ids = (images: Image[]) => images.map((i) => i.obs_id).sort();

/**
 * Each ObsTAP example: the shape its query names (so that the query and the brute force agree) and what the
 * brute force expects of its rows.
 */
const OBSTAP_CHECKS: Record<string, { names: string; check(result: Result, images: Image[]): void }> = {
  "obstap-contains-point": {
    names: "POINT('ICRS', 0.005, -15.43)",
    check(result, images) {
      const want = ids(images.filter((i) => i.region.contains(0.005, -15.43)));
      expect(result.rows.map((r) => r.obs_id)).to.deep.equal(want);
      // Across RA 0: footprints with vertices on both sides of it.
      expect(want.length).to.be.at.least(2);
    },
  },
  "obstap-intersects-circle": {
    names: "CIRCLE('ICRS', 0, 90, 2)",
    check(result, images) {
      const disc = circle(0, 90, 2);
      const want = ids(images.filter((i) => i.region.intersects(disc)));
      expect(result.rows.map((r) => r.obs_id)).to.deep.equal(want);
    },
  },
  "obstap-intersects-polygon": {
    names: "POLYGON('ICRS', 350, -10, 50, -10, 40, -50)",
    check(result, images) {
      const triangle = parseRegion("polygon", "350 -10 50 -10 40 -50");
      const want = ids(images.filter((i) => i.region.intersects(triangle)));
      expect(result.rows.map((r) => r.obs_id)).to.deep.equal(want);
    },
  },
  "obstap-within-circle": {
    names: "CIRCLE('ICRS', 0, 90, 4)",
    check(result, images) {
      const disc = circle(0, 90, 4);
      const want = ids(images.filter((i) => i.region.within(disc)));
      expect(result.rows.map((r) => r.obs_id)).to.deep.equal(want);
      // Some images meet the circle without lying inside it.
      expect(images.filter((i) => i.region.intersects(disc)).length).to.be.above(want.length);
    },
  },
  "obstap-area": {
    names: "AREA(s_region)",
    check(result, images) {
      const coadds = images.filter((i) => i.subtype === "lsst.deep_coadd");
      expect(result.rows.map((r) => r.obs_id).sort()).to.deep.equal(ids(coadds));
      for (const r of result.rows) {
        const want = coadds.find((i) => i.obs_id === r.obs_id)!.region.area() * SQ_DEG_PER_SR;
        expect(Number(r.area_deg2), r.obs_id).to.be.closeTo(want, want * 1e-9);
      }
      const areas = result.rows.map((r) => Number(r.area_deg2));
      expect(areas).to.deep.equal([...areas].sort((a, b) => b - a));
    },
  },
  "obstap-centroid": {
    names: "CENTROID(s_region)",
    check(result, images) {
      expect(result.rows.map((r) => r.obs_id).sort()).to.deep.equal(ids(images));
      for (const r of result.rows) {
        const image = images.find((i) => i.obs_id === r.obs_id)!;
        const want = image.region.centroid();
        const got = r.footprint_centre!.split(" ").map(Number) as [number, number];
        expect(distance(got, want) * 3600, `${r.obs_id} centroid`).to.be.below(1e-6);
        expect([Number(r.s_ra), Number(r.s_dec)]).to.deep.equal([image.s_ra, image.s_dec]);
      }
    },
  },
};

describe("the examples (/examples, DALI 1.1 §2.3)", function () {
  this.timeout(120_000);
  let running: Running;
  let images: Image[];

  before(async () => {
    running = await demoService();
    const all = await run(running.url, "SELECT obs_id, dataproduct_subtype, s_ra, s_dec, s_region FROM ivoa.ObsCore");
    images = all.rows.map((r) => ({
      obs_id: r.obs_id!,
      subtype: r.dataproduct_subtype!,
      s_ra: Number(r.s_ra),
      s_dec: Number(r.s_dec),
      region: parseRegion("shape", r.s_region!),
    }));
    expect(images).to.have.length(24);
  });

  it("lists every example of the demo service, ObsTAP's among them", async () => {
    const r = await get(`${running.url}/examples`);
    expect(r.status).to.equal(200);
    for (const e of [...DEMO_EXAMPLES, ...OBSTAP_EXAMPLES, ...TAP_SCHEMA_EXAMPLES]) expect(r.text).to.include(`id="${e.id}"`);
  });

  for (const e of [...DEMO_EXAMPLES, ...TAP_SCHEMA_EXAMPLES]) {
    it(`runs ${e.id}: ${e.title}`, async () => {
      const result = await run(running.url, e.query);
      expect(result.rows.length, e.query).to.be.above(0);
    });
  }

  it("has a brute-force check for each ObsTAP example, and an example for each check", () => {
    expect(OBSTAP_EXAMPLES.map((e) => e.id).sort()).to.deep.equal(Object.keys(OBSTAP_CHECKS).sort());
  });

  for (const e of OBSTAP_EXAMPLES) {
    it(`runs ${e.id} (${e.title}) with the rows of a brute force over ivoa.ObsCore`, async () => {
      const c = OBSTAP_CHECKS[e.id]!;
      expect(e.query.replace(/\s+/g, " ")).to.include(c.names);
      const result = await run(running.url, e.query);
      expect(result.rows.length, e.query).to.be.above(0);
      c.check(result, images);
      console.log(`      ${e.id}: ${result.rows.length} rows`);
    });
  }
});
