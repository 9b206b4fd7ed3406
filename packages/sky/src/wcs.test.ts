import { expect } from "chai";
import { WcsError } from "./errors.js";
import { headerFile, runOracle, tempDir, wcsware, type OracleCase } from "./test-support/oracle.js";
import { angularSeparation, unitVector } from "./vector.js";
import { parseWcs, type HeaderValue, type Projection, type Wcs } from "./wcs.js";

/**
 * pixel ↔ sky against astropy.wcs and wcslib (libwcs.so.7 directly, and its wcsware tool), as issue 12 asks: every
 * projection and TAN-SIP, corners and centre, across RA 0 and within 0.1° of both poles, to 1e-10 degrees.
 */
const TOL_DEG = 1e-10;
/** See the slant SIN cases below. */
const SLANT_TOL_DEG = 1e-9;
/** wcsware prints world coordinates with 6 decimals. */
const WCSWARE_TOL_DEG = 6e-7;
const N = 2048;

type Header = Record<string, HeaderValue>;

function cd(scaleDeg: number, rotDeg: number): Header {
  const r = (rotDeg * Math.PI) / 180;
  return {
    CD1_1: -scaleDeg * Math.cos(r),
    CD1_2: scaleDeg * Math.sin(r),
    CD2_1: scaleDeg * Math.sin(r),
    CD2_2: scaleDeg * Math.cos(r),
  };
}

function celestial(proj: string, ra: number, dec: number, extra: Header): Header {
  return {
    WCSAXES: 2,
    CTYPE1: `RA---${proj}`,
    CTYPE2: `DEC--${proj}`,
    CRPIX1: 1024.5,
    CRPIX2: 1000.25,
    CRVAL1: ra,
    CRVAL2: dec,
    ...extra,
  };
}

const POINTINGS: { name: string; ra: number; dec: number; scale: number; rot: number }[] = [
  { name: "generic, rotated", ra: 150.1, dec: 2.2, scale: 0.2 / 3600, rot: 30 },
  { name: "wide field (20°)", ra: 210, dec: -40, scale: 0.01, rot: -12 },
  { name: "across RA 0", ra: 359.99, dec: -5, scale: 0.2 / 3600, rot: 5 },
  { name: "holding the north pole", ra: 45, dec: 89.95, scale: 0.5 / 3600, rot: 70 },
  { name: "holding the south pole", ra: 200, dec: -89.92, scale: 0.5 / 3600, rot: -20 },
  { name: "centred on the north pole", ra: 0, dec: 90, scale: 0.5 / 3600, rot: 0 },
];

const SIP: Header = {
  A_ORDER: 3,
  B_ORDER: 3,
  A_2_0: 2.1e-6,
  A_1_1: -1.3e-6,
  A_0_2: 4e-7,
  A_3_0: 3e-10,
  A_1_2: -2e-10,
  B_2_0: -6e-7,
  B_1_1: 1.7e-6,
  B_0_2: 2.5e-6,
  B_0_3: 4e-10,
  B_2_1: 1e-10,
};
const SIP_INVERSE: Header = {
  AP_ORDER: 3,
  BP_ORDER: 3,
  AP_2_0: -2.1e-6,
  AP_1_1: 1.3e-6,
  AP_0_2: -4e-7,
  BP_2_0: 6e-7,
  BP_1_1: -1.7e-6,
  BP_0_2: -2.5e-6,
};

interface Named {
  name: string;
  header: Header;
  alt: string;
  /** Pixel axes beyond the two celestial ones, for cubes. */
  extra: number[];
}

const HEADERS: Named[] = [];
for (const proj of ["TAN", "SIN", "ZEA", "ARC", "STG"] as Projection[]) {
  for (const p of POINTINGS) {
    HEADERS.push({ name: `${proj} ${p.name}`, header: celestial(proj, p.ra, p.dec, cd(p.scale, p.rot)), alt: " ", extra: [] });
  }
  HEADERS.push({
    name: `${proj} PC×CDELT with LONPOLE 170`,
    header: celestial(proj, 30, 60, { CDELT1: -0.005, CDELT2: 0.004, PC1_1: 0.9, PC1_2: 0.2, PC2_1: -0.1, PC2_2: 1.1, LONPOLE: 170 }),
    alt: " ",
    extra: [],
  });
}
for (const p of POINTINGS) {
  HEADERS.push({
    name: `TAN-SIP with AP/BP, ${p.name}`,
    header: { ...celestial("TAN-SIP", p.ra, p.dec, cd(p.scale, p.rot)), ...SIP, ...SIP_INVERSE },
    alt: " ",
    extra: [],
  });
  HEADERS.push({
    name: `TAN-SIP without AP/BP (Newton), ${p.name}`,
    header: { ...celestial("TAN-SIP", p.ra, p.dec, cd(p.scale, p.rot)), ...SIP },
    alt: " ",
    extra: [],
  });
}
HEADERS.push({
  name: "TAN with the axes transposed (DEC first)",
  header: {
    CTYPE1: "DEC--TAN",
    CTYPE2: "RA---TAN",
    CRPIX1: 500,
    CRPIX2: 700,
    CRVAL1: -60,
    CRVAL2: 359.9,
    CD1_1: 0,
    CD1_2: 1e-4,
    CD2_1: -1e-4,
    CD2_2: 0,
  },
  alt: " ",
  extra: [],
});
HEADERS.push({
  name: "TAN-SIP with PC×CDELT",
  header: {
    ...celestial("TAN-SIP", 359.95, 89.9, { CDELT1: -5e-5, CDELT2: 5e-5, PC1_1: 0.96, PC1_2: -0.28, PC2_1: 0.28, PC2_2: 0.96 }),
    ...SIP,
  },
  alt: " ",
  extra: [],
});
const RAD = Math.PI / 180;
// SIN with slant (paper II §5.1.5): NCP as SIN with η = cot δ0 (paper II §6.1.2), and a general slant.
for (const p of POINTINGS.filter((q) => !q.name.startsWith("wide"))) {
  const ncpEta = p.dec === 90 || p.dec === -90 ? 0.01 : 1 / Math.tan(p.dec * RAD);
  HEADERS.push({
    name: `SIN slant (NCP-like η = cot δ0 = ${ncpEta.toPrecision(3)}), ${p.name}`,
    header: celestial("SIN", p.ra, p.dec, { ...cd(p.scale, p.rot), PV2_1: 0, PV2_2: Math.max(-5, Math.min(5, ncpEta)) }),
    alt: " ",
    extra: [],
  });
  HEADERS.push({
    name: `SIN slant (ξ 0.1, η −0.2), ${p.name}`,
    header: celestial("SIN", p.ra, p.dec, { ...cd(p.scale, p.rot), PV2_1: 0.1, PV2_2: -0.2 }),
    alt: " ",
    extra: [],
  });
}
HEADERS.push({
  name: "SIN slant (ξ 0.3, η 0.4), 20° field",
  header: celestial("SIN", 30, 20, { ...cd(0.01, 10), PV2_1: 0.3, PV2_2: 0.4 }),
  alt: " ",
  extra: [],
});

/** The WCS cards of the image HDU of ../shared/rubin/images/deep_coadd_5428_76_g.fits, as Rubin writes them. */
const RUBIN: Header = {
  WCSAXES: 2,
  CRPIX1: 41.128586,
  CRPIX2: 17.996563,
  PC1_1: 5.9036335991114e-5,
  PC2_2: 6.0141728636419e-5,
  CDELT1: 1.0,
  CDELT2: 1.0,
  CUNIT1: "deg",
  CUNIT2: "deg",
  CTYPE1: "RA---TAN",
  CTYPE2: "DEC--TAN",
  CRVAL1: 0.25744424357927,
  CRVAL2: -3.0377464568745,
  PV1_3: 180.0,
  PV1_4: -3.0377464568745,
  LONPOLE: 180.0,
  LATPOLE: -3.0377464568745,
  RADESYS: "ICRS",
  CTYPE1A: "LINEAR",
  CTYPE2A: "LINEAR",
  CRPIX1A: 1.0,
  CRPIX2A: 1.0,
  CRVAL1A: 128.0,
  CRVAL2A: 0.0,
  CUNIT1A: "PIXEL",
  CUNIT2A: "PIXEL",
};
HEADERS.push({ name: "Rubin coadd (PV1_3/PV1_4 beside LONPOLE/LATPOLE, a LINEAR alternate)", header: RUBIN, alt: " ", extra: [] });
HEADERS.push({
  name: "ZEA with LONPOLE given as PV1_3 only",
  header: celestial("ZEA", 120, 45, { ...cd(1e-3, 0), PV1_3: 150, PV1_1: 0, PV1_2: 90 }),
  alt: " ",
  extra: [],
});
const ALT: Header = {
  ...celestial("TAN", 10, 20, cd(1e-4, 0)),
  WCSAXESA: 2,
  CTYPE1A: "GLON-ZEA",
  CTYPE2A: "GLAT-ZEA",
  CRPIX1A: 10,
  CRPIX2A: 20,
  CRVAL1A: 0.5,
  CRVAL2A: 89.97,
  CD1_1A: -1e-4,
  CD1_2A: 2e-5,
  CD2_1A: 1e-5,
  CD2_2A: 1e-4,
};
HEADERS.push({ name: "alternate WCS A (GLON/GLAT ZEA near the pole)", header: ALT, alt: "A", extra: [] });
HEADERS.push({ name: "primary WCS beside an alternate", header: ALT, alt: " ", extra: [] });
HEADERS.push({
  name: "cube: RA, DEC, linear FREQ",
  header: {
    WCSAXES: 3,
    CTYPE1: "RA---SIN",
    CTYPE2: "DEC--SIN",
    CTYPE3: "FREQ",
    CUNIT3: "Hz",
    CRPIX1: 64,
    CRPIX2: 64,
    CRPIX3: 1,
    CRVAL1: 0.1,
    CRVAL2: -30,
    CRVAL3: 1.4e9,
    CDELT1: -0.001,
    CDELT2: 0.001,
    CDELT3: 1e6,
    RESTFRQ: 1.420405752e9,
    SPECSYS: "TOPOCENT",
  },
  alt: " ",
  extra: [7],
});
HEADERS.push({
  name: "RA, DEC, linear WAVE, TIME",
  header: {
    WCSAXES: 4,
    CTYPE1: "RA---TAN",
    CTYPE2: "DEC--TAN",
    CTYPE3: "WAVE",
    CTYPE4: "TIME",
    CUNIT3: "m",
    CUNIT4: "s",
    CRPIX1: 100,
    CRPIX2: 100,
    CRPIX3: 5,
    CRPIX4: 1,
    CRVAL1: 359.999,
    CRVAL2: 10,
    CRVAL3: 5e-7,
    CRVAL4: 0,
    CD1_1: -1e-4,
    CD2_2: 1e-4,
    CD3_3: 1e-9,
    CD4_4: 30,
    MJDREF: 60000,
    TIMESYS: "TAI",
  },
  alt: " ",
  extra: [3, 12],
});

function pixelsFor(h: Named): number[][] {
  const c = (N + 1) / 2;
  const xy: [number, number][] = [
    [1, 1], [N, 1], [1, N], [N, N], [c, c], [0.5, 0.5], [N + 0.5, N + 0.5], [1, c], [c, N], [317.25, 1999.75],
  ];
  return xy.map(([x, y]) => [x, y, ...h.extra]);
}

describe("WCS against astropy.wcs and wcslib", function () {
  this.timeout(120000);
  const cases: OracleCase[] = [];
  const ours = HEADERS.map((h) => parseWcs(h.header, h.alt));
  for (const [i, h] of HEADERS.entries()) {
    const pixels = pixelsFor(h);
    // Our pixel → sky of every pixel, first and in order (the slant SIN check maps them back).
    const worlds = pixels.map((p) => ours[i]!.pixelToWorld(p)).filter((w): w is number[] => w !== null);
    if (worlds.length !== pixels.length) throw new Error(`${h.name}: a test pixel outside the projection`);
    const cel = ours[i]!.celestial!;
    // The poles, and a point 155° from the reference point (outside TAN's and SIN's domains, but not the exact
    // antipode, where the native longitude is undefined). SIP is a fit to the image alone, so SIP headers are
    // only asked about positions in or near the image.
    const crval1 = h.header[`CRVAL${cel.lonAxis + 1}${h.alt.trim()}`] as number;
    const crval2 = h.header[`CRVAL${cel.latAxis + 1}${h.alt.trim()}`] as number;
    const far: [number, number] = [crval1 + 180, -crval2 + 25 <= 90 ? -crval2 + 25 : -crval2 - 25];
    for (const [lon, lat] of [[0, 90], [0, -90], far]) {
      const w = [...worlds[0]!];
      w[cel.lonAxis] = lon!;
      w[cel.latAxis] = lat!;
      const p = ours[i]!.worldToPixel(w);
      // At the reference point's antipode the native longitude is undefined (zenithal projections map it to a
      // circle or to nowhere), so the oracles may rightly disagree there.
      const antipode = angularSeparation(unitVector(lon!, lat!), unitVector(crval1 + 180, -crval2)) < 1;
      if (antipode) continue;
      const inImage = p !== null && p[0]! > -100 && p[0]! < N + 100 && p[1]! > -100 && p[1]! < N + 100;
      if (!cel.sip || inImage) worlds.push(w);
    }
    cases.push({ header: h.header, alt: h.alt, pixels, worlds });
  }
  let oracle: ReturnType<typeof runOracle>;
  const tally: Record<string, { cases: number; agree: number }> = {};
  const count = (check: string, ok: boolean) => {
    const t = (tally[check] ??= { cases: 0, agree: 0 });
    t.cases++;
    if (ok) t.agree++;
  };

  before(() => {
    oracle = runOracle(cases);
  });
  after(() => {
    for (const [k, v] of Object.entries(tally)) console.log(`      oracle ${k}: ${v.agree}/${v.cases} agree`);
  });

  for (const [i, h] of HEADERS.entries()) {
    it(`${h.name}: pixel → sky and sky → pixel agree with astropy and libwcs to 1e-10°`, () => {
      const w = ours[i]!;
      const cel = w.celestial!;
      for (const [name, o] of [
        ["astropy", oracle.astropy[i]!],
        ["libwcs", oracle.wcslib[i]!],
      ] as const) {
        cases[i]!.pixels.forEach((p, k) => {
          const mine = w.pixelToWorld(p);
          const theirs = o.world[k] ?? null;
          if (cel.slant) {
            // wcslib 7.12 (astropy uses the same library here) deprojects slant SIN through asin of sin θ, which
            // loses up to ~5e-10° within arcseconds of the reference point, where θ is close to 90°. There we
            // ask for 1e-9° against the oracle and check exactness through the oracle's sky → pixel instead,
            // which has no such loss: our sky position must map back to the pixel we started from.
            const ok = agreeWorld(mine, theirs, cel.lonAxis, cel.latAxis, SLANT_TOL_DEG);
            count(`${name} pixel→sky (slant SIN, to 1e-9°)`, ok);
            // Reported, not asserted: how often the oracle's loss shows at 1e-10°.
            count(`${name} pixel→sky (slant SIN, to 1e-10°, not asserted)`, agreeWorld(mine, theirs, cel.lonAxis, cel.latAxis, TOL_DEG));
            expect(ok, `${name} pixel ${p}: ours ${mine}, theirs ${theirs}`).to.equal(true);
            const back = o.pixel[k] ?? null;
            const exact = back !== null && p.every((v, j) => Math.abs(v - back[j]!) <= TOL_DEG / maxStretch(w, p[0]!, p[1]!));
            count(`${name} slant SIN: our pixel→sky mapped back by the oracle, to 1e-10°`, exact);
            expect(exact, `${name} pixel ${p} → ours ${mine} → theirs ${back}`).to.equal(true);
            return;
          }
          const ok = agreeWorld(mine, theirs, cel.lonAxis, cel.latAxis, TOL_DEG);
          count(`${name} pixel→sky`, ok);
          expect(ok, `${name} pixel ${p}: ours ${mine}, theirs ${theirs}`).to.equal(true);
        });
        cases[i]!.worlds.forEach((wc, k) => {
          const mine = w.worldToPixel(wc);
          const theirs = o.pixel[k] ?? null;
          // 1e-10 degrees on the sky, in pixels at that place (far from the reference point a pixel of TAN or
          // STG covers much less sky); linear axes to 1e-9 pixel.
          const ok = agreePixel(mine, theirs, mine ? TOL_DEG / maxStretch(w, mine[0]!, mine[1]!) : 0);
          count(`${name} sky→pixel`, ok);
          expect(ok, `${name} world ${wc}: ours ${mine}, theirs ${theirs}`).to.equal(true);
        });
      }
    });
  }

  it("wcsware -x and -w agree at the 6 decimals that they print", async () => {
    const { dir, remove } = tempDir();
    try {
      // Two cores: a few wcsware processes at a time.
      const queue = [...HEADERS.entries()];
      const worker = async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await checkWcsware(dir, next[0], next[1]);
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
    } finally {
      remove();
    }
  });

  async function checkWcsware(dir: string, i: number, h: Named): Promise<void> {
    const file = headerFile(dir, `h${i}.fits`, h.header);
    const w = ours[i]!;
    const cel = w.celestial!;
    const worlds = await wcsware(file, h.alt, "-x", cases[i]!.pixels);
    cases[i]!.pixels.forEach((p, k) => {
      const ok = agreeWorld(w.pixelToWorld(p), worlds[k] ?? null, cel.lonAxis, cel.latAxis, WCSWARE_TOL_DEG);
      count("wcsware -x pixel→sky (6 decimals)", ok);
      expect(ok, `${h.name}: pixel ${p}: ours ${w.pixelToWorld(p)}, wcsware ${worlds[k]}`).to.equal(true);
    });
    const valid = cases[i]!.worlds.filter((wc) => w.worldToPixel(wc) !== null);
    const pixels = await wcsware(file, h.alt, "-w", valid);
    valid.forEach((wc, k) => {
      const mine = w.worldToPixel(wc)!;
      const theirs = pixels[k] ?? null;
      // wcsware prints about 9 significant digits of a pixel coordinate.
      const local = maxStretch(w, mine[0]!, mine[1]!);
      const ok =
        theirs !== null && mine.every((v, j) => Math.abs(v - theirs[j]!) <= Math.max(1e-8 * Math.abs(v), WCSWARE_TOL_DEG / local));
      count("wcsware -w sky→pixel (printed digits)", ok);
      expect(ok, `${h.name}: world ${wc}: ours ${mine}, wcsware ${theirs}`).to.equal(true);
    });
  }
});

function agreeWorld(a: number[] | null, b: number[] | null, lonAxis: number, latAxis: number, tol: number): boolean {
  if (a === null || b === null) return a === b;
  return a.every((v, j) => {
    const u = b[j]!;
    if (j === lonAxis) {
      // At a pole every longitude is the same point.
      if (Math.abs(a[latAxis]!) > 90 - 1e-9) return true;
      const d = Math.abs(((v - u + 540) % 360) - 180);
      return d * Math.cos((a[latAxis]! * Math.PI) / 180) <= tol;
    }
    if (j === latAxis) return Math.abs(v - u) <= tol;
    return Math.abs(v - u) <= 1e-12 * Math.max(1, Math.abs(v));
  });
}

/**
 * The most sky, in degrees, that a one-pixel step covers at (x, y) in any direction (the Jacobian's largest
 * singular value): pixel differences are converted to degrees with it, so "1e-10 degrees" holds in every
 * direction, also where a projection stretches one direction far more than the other.
 */
function maxStretch(w: Wcs, x: number, y: number): number {
  const h = 1e-3;
  const at = (px: number, py: number) => {
    const s = w.pixelToSky(px, py)!;
    return unitVector(s[0], s[1]);
  };
  const v0 = at(x, y);
  const vx = at(x + h, y);
  const vy = at(x, y + h);
  const a = [vx.x - v0.x, vx.y - v0.y, vx.z - v0.z].map((d) => (d / h) * (180 / Math.PI));
  const b = [vy.x - v0.x, vy.y - v0.y, vy.z - v0.z].map((d) => (d / h) * (180 / Math.PI));
  const aa = a.reduce((t, d) => t + d * d, 0);
  const bb = b.reduce((t, d) => t + d * d, 0);
  const ab = a.reduce((t, d, i) => t + d * b[i]!, 0);
  const tr = aa + bb;
  const det = aa * bb - ab * ab;
  return Math.sqrt(tr / 2 + Math.sqrt(Math.max(0, (tr * tr) / 4 - det)));
}

function agreePixel(a: number[] | null, b: number[] | null, tolPixels: number): boolean {
  if (a === null || b === null) return a === b;
  return a.every((v, j) => Math.abs(v - b[j]!) <= (j < 2 ? tolPixels : 1e-9));
}

describe("WCS refusals", () => {
  const base = celestial("TAN", 10, 10, cd(1e-4, 0));
  const refused: { name: string; header: Header; alt?: string; code: string; keyword?: string }[] = [
    { name: "TPV", header: { ...base, CTYPE1: "RA---TPV", CTYPE2: "DEC--TPV" }, code: "UNSUPPORTED", keyword: "CTYPE1" },
    { name: "ZPN", header: { ...base, CTYPE1: "RA---ZPN", CTYPE2: "DEC--ZPN" }, code: "UNSUPPORTED", keyword: "CTYPE1" },
    { name: "-TAB", header: { ...base, CTYPE3: "WAVE-TAB", WCSAXES: 3 }, code: "UNSUPPORTED", keyword: "CTYPE3" },
    { name: "-LOG", header: { ...base, CTYPE3: "FREQ-LOG", WCSAXES: 3 }, code: "UNSUPPORTED", keyword: "CTYPE3" },
    { name: "non-linear spectral", header: { ...base, CTYPE3: "VRAD-F2V", WCSAXES: 3 }, code: "UNSUPPORTED", keyword: "CTYPE3" },
    { name: "a lookup-table distortion", header: { ...base, CPDIS1: "Lookup" }, code: "UNSUPPORTED", keyword: "CPDIS1" },
    { name: "projection parameters", header: { ...base, PV2_1: 0.5 }, code: "UNSUPPORTED", keyword: "PV2_1" },
    { name: "LONPOLE and PV1_3 that disagree", header: { ...base, LONPOLE: 180, PV1_3: 170 }, code: "BAD_KEYWORD", keyword: "PV1_3" },
    { name: "a moved reference point (PV1_1)", header: { ...base, PV1_1: 10 }, code: "UNSUPPORTED", keyword: "PV1_1" },
    { name: "a parameter SIN does not take (PV2_3)", header: { ...base, CTYPE1: "RA---SIN", CTYPE2: "DEC--SIN", PV2_3: 0.3 }, code: "UNSUPPORTED", keyword: "PV2_3" },
    { name: "CROTA2", header: { ...base, CROTA2: 12 }, code: "UNSUPPORTED", keyword: "CROTA2" },
    { name: "arcsec units", header: { ...base, CUNIT1: "arcsec" }, code: "UNSUPPORTED", keyword: "CUNIT1" },
    { name: "SIP coefficients without -SIP", header: { ...base, ...SIP }, code: "UNSUPPORTED" },
    { name: "-SIP without A_ORDER", header: { ...base, CTYPE1: "RA---TAN-SIP", CTYPE2: "DEC--TAN-SIP" }, code: "BAD_KEYWORD", keyword: "A_ORDER" },
    { name: "a singular CD matrix", header: { ...base, CD1_1: 1, CD1_2: 2, CD2_1: 2, CD2_2: 4 }, code: "SINGULAR_MATRIX" },
    { name: "RA without DEC", header: { ...base, CTYPE2: "GLAT-TAN" }, code: "BAD_KEYWORD" },
    { name: "a string CRVAL", header: { ...base, CRVAL1: "ten" }, code: "BAD_KEYWORD", keyword: "CRVAL1" },
    { name: "a missing alternate", header: base, alt: "Q", code: "WCS_NOT_FOUND" },
    { name: "an empty header", header: {}, code: "WCS_NOT_FOUND" },
  ];
  for (const r of refused) {
    it(`refuses ${r.name} (${r.code})`, () => {
      let err: unknown;
      try {
        parseWcs(r.header, r.alt);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(WcsError);
      expect((err as WcsError).code).to.equal(r.code);
      if (r.keyword) expect((err as WcsError).keyword).to.equal(r.keyword);
    });
  }

  it("gives null for non-finite coordinates, and refuses pixelToSky when the celestial axes are not pixel axes 1 and 2", () => {
    const w = parseWcs(base);
    expect(w.pixelToSky(Number.NaN, 1)).to.equal(null);
    expect(w.skyToPixel(Number.POSITIVE_INFINITY, 1)).to.equal(null);
    expect(w.skyToPixel(0, 91)).to.equal(null);
    const cube = parseWcs({ CTYPE1: "FREQ", CTYPE2: "RA---TAN", CTYPE3: "DEC--TAN", CRVAL3: 10 });
    expect(() => cube.pixelToSky(1, 1)).to.throw(WcsError).with.property("code", "NO_CELESTIAL_AXES");
    expect(cube.pixelToWorld([1, 1, 1])).to.have.length(3);
    expect(() => parseWcs({ CTYPE1: "FREQ", CRVAL1: 1 }).skyToPixel(0, 0)).to.throw(WcsError).with.property("code", "NO_CELESTIAL_AXES");
  });

  it("reads Rubin's LINEAR alternate WCS (pixel coordinates of the parent image)", () => {
    const w = parseWcs(RUBIN, "A");
    expect(w.celestial).to.equal(null);
    expect(w.axes.map((a) => a.kind)).to.deep.equal(["linear", "linear"]);
    expect(w.pixelToWorld([1, 1])).to.deep.equal([128, 0]);
    expect(w.pixelToWorld([10.5, 20])).to.deep.equal([137.5, 19]);
    expect(w.worldToPixel([137.5, 19])).to.deep.equal([10.5, 20]);
  });

  it("accepts a Map of card values and numbers given as strings with D exponents", () => {
    const w = parseWcs(new Map<string, HeaderValue>(Object.entries({ ...base, CRVAL1: "1.0D1" })));
    const [lon, lat] = w.pixelToSky(1024.5, 1000.25)!;
    expect(lon).to.be.closeTo(10, 1e-13);
    expect(lat).to.be.closeTo(10, 1e-13);
  });
});
