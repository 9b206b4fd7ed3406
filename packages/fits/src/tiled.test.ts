/**
 * Tile-compressed images (FITS 4.0 §10) against cfitsio, bit for bit: astropy writes the images, cfitsio's fpack
 * compresses them (RICE_1, GZIP_1, GZIP_2, NOCOMPRESS; floats lossless or quantized with -q (SUBTRACTIVE_DITHER_1),
 * -qz (SUBTRACTIVE_DITHER_2) and -q0 (NO_DITHER); row and square tiles), and each of our sections must equal
 * cfitsio's `imcopy 'file[1][x1:x2,y1:y2]'` exactly (stored values, NaN for NaN) and astropy's Cutout2D of the
 * decompressed image on the same box (physical values and types; numpy slices for 3-D).
 */
import { expect } from "chai";
import { join } from "node:path";
import { FitsError } from "./errors.js";
import { type Section, physical, readSection } from "./image.js";
import { FitsFile } from "./layout.js";
import { FileSource, type ByteSource } from "./source.js";
import { type Dump, firstDifference, loadDump } from "./test-support/compare.js";
import { astropy, astropyAsync, fitsverify, requireTools, run, runAsync, tempDir } from "./test-support/tools.js";
import { cutout } from "./cutout.js";
import { writeFitsFile } from "./write.js";
import { ditherRandoms } from "./tiled.js";
import { main } from "./cli/fits-cutout.js";

const NANS = [[3, 4], [30, 60], [46, 0]];
const ZEROS = [[10, 10], [11, 10], [12, 10]];
const BASES: Record<string, Record<string, unknown>> = {
  i16: { shape: [47, 61], dtype: "int16", kind: "int", range: [-30000, 30000] },
  i32: { shape: [47, 61], dtype: "int32", kind: "int", range: [-2000000000, 2000000000] },
  u8: { shape: [47, 61], dtype: "uint8", kind: "int", range: [0, 255] },
  u16: { shape: [47, 61], dtype: "uint16", kind: "int", range: [0, 65535] },
  f32: { shape: [47, 61], dtype: "float32", nans: NANS, zeros: ZEROS },
  f64: { shape: [47, 61], dtype: "float64", nans: NANS },
  c3: { shape: [4, 9, 13], dtype: "float32" },
};

// [name, base, fpack flags, ZCMPTYPE, ZQUANTIZ or undefined]
const VARIANTS: [string, string, string[], string, string?][] = [
  ["RICE_1 int16, row tiles", "i16", ["-r"], "RICE_1"],
  ["RICE_1 int32, 16×16 tiles", "i32", ["-r", "-t", "16,16"], "RICE_1"],
  ["RICE_1 uint8", "u8", ["-r"], "RICE_1"],
  ["RICE_1 uint16 (BZERO 32768)", "u16", ["-r", "-t", "16,16"], "RICE_1"],
  ["GZIP_2 int16", "i16", ["-g2"], "GZIP_2"],
  ["GZIP_2 int32, 16×16 tiles", "i32", ["-g2", "-t", "16,16"], "GZIP_2"],
  ["GZIP_2 float32 lossless", "f32", ["-g2", "-q", "0"], "GZIP_2"],
  ["GZIP_2 float64 lossless, 16×16 tiles", "f64", ["-g2", "-q", "0", "-t", "16,16"], "GZIP_2"],
  ["GZIP_1 int32", "i32", ["-g"], "GZIP_1"],
  ["GZIP_1 float32 lossless", "f32", ["-g", "-q", "0", "-t", "16,16"], "GZIP_1"],
  ["NOCOMPRESS int16", "i16", ["-d"], "NOCOMPRESS"],
  ["RICE_1 float32 -q (SUBTRACTIVE_DITHER_1), row tiles", "f32", ["-r", "-qt", "4"], "RICE_1", "SUBTRACTIVE_DITHER_1"],
  ["RICE_1 float32 -q, 16×16 tiles", "f32", ["-r", "-qt", "4", "-t", "16,16"], "RICE_1", "SUBTRACTIVE_DITHER_1"],
  ["RICE_1 float32 -qz (SUBTRACTIVE_DITHER_2)", "f32", ["-r", "-qzt", "4", "-t", "16,16"], "RICE_1", "SUBTRACTIVE_DITHER_2"],
  ["RICE_1 float32 -q0 (NO_DITHER)", "f32", ["-r", "-q0", "4"], "RICE_1", "NO_DITHER"],
  ["GZIP_2 float32 -q", "f32", ["-g2", "-qt", "2"], "GZIP_2", "SUBTRACTIVE_DITHER_1"],
  ["GZIP_1 float32 -qz", "f32", ["-g", "-qzt", "4"], "GZIP_1", "SUBTRACTIVE_DITHER_2"],
  ["RICE_1 float64 -q", "f64", ["-r", "-qt", "4", "-t", "16,16"], "RICE_1", "SUBTRACTIVE_DITHER_1"],
  ["RICE_1 3-D float32 -q, 8×8×1 tiles", "c3", ["-r", "-qt", "4", "-t", "8,8,1"], "RICE_1", "SUBTRACTIVE_DITHER_1"],
  ["GZIP_2 3-D float32 lossless, 13×3×2 tiles", "c3", ["-g2", "-q", "0", "-t", "13,3,2"], "GZIP_2"],
];

const S2: Section[] = [
  [[1, 61], [1, 47]],
  [[5, 41], [9, 33]],
  [[61, 61], [47, 47]],
];
const S3: Section[] = [
  [[1, 13], [1, 9], [1, 4]],
  [[2, 11], [3, 7], [2, 3]],
];
const fitsSection = (s: Section) => `[${s.map(([a, b]) => `${a}:${b}`).join(",")}]`;

function counting(inner: ByteSource): ByteSource & { reads: number } {
  const c = { id: inner.id, reads: 0, stat: () => inner.stat(), read: (o: number, n: number) => (c.reads++, inner.read(o, n)), close: () => inner.close() };
  return c;
}

describe("tile-compressed images against cfitsio and astropy", function () {
  this.timeout(120000);
  const dir = tempDir("fits-tiled-");
  const path = (name: string) => join(dir.path, name);
  const jobs: { name: string; file: string; section: Section; imcopy: string; raw: string }[] = [];
  let answers: Dump[] = [];

  before(async () => {
    requireTools("astropy", "fpack", "imcopy");
    astropy("write_many", Object.entries(BASES).map(([k, spec]) => ({ path: path(`${k}.fits`), images: [spec] })));
    VARIANTS.forEach(([name, base, flags], v) => {
      run("fpack", [...flags, "-O", path(`v${v}.fits`), path(`${base}.fits`)]);
      for (const section of BASES[base]!.shape instanceof Array && (BASES[base]!.shape as number[]).length === 3 ? S3 : S2) {
        const i = jobs.length;
        const imcopy = path(`v${v}-${i}.imcopy.fits`);
        jobs.push({ name: `${name} ${fitsSection(section)}`, file: path(`v${v}.fits`), section, imcopy, raw: path(`v${v}-${i}.raw`) });
      }
    });
    // 2-D boxes (all of odd size) go through astropy's Cutout2D, as in a SODA service; 3-D ones are numpy slices.
    const python = astropyAsync<Dump[]>(
      "batch",
      jobs.map((j) =>
        j.section.length === 2
          ? { path: j.file, hdu: 1, out: j.raw, position: [(j.section[0]![0] + j.section[0]![1]) / 2 - 1, (j.section[1]![0] + j.section[1]![1]) / 2 - 1], size: [j.section[1]![1] - j.section[1]![0] + 1, j.section[0]![1] - j.section[0]![0] + 1] }
          : { path: j.file, hdu: 1, section: j.section, out: j.raw },
      ),
    );
    for (let k = 0; k < jobs.length; k += 4) {
      await Promise.all(jobs.slice(k, k + 4).map((j) => runAsync("imcopy", [`${j.file}[1]${fitsSection(j.section)}`, j.imcopy])));
    }
    answers = await python;
  });
  after(() => dir.remove());

  it("writes the compression and quantization that each case is named for", async () => {
    for (const [v, [name, , , cmp, quantize]] of VARIANTS.entries()) {
      const f = await FitsFile.open(new FileSource(path(`v${v}.fits`)));
      const h = f.hdus[1]!.header;
      // fpack 1.7 writes RICE_1 under its old name, RICE_ONE.
      expect(h.string("ZCMPTYPE"), name).to.be.oneOf(cmp === "RICE_1" ? ["RICE_1", "RICE_ONE"] : [cmp]);
      if (quantize) expect([h.string("ZQUANTIZ"), h.has("ZSCALE") || h.cards.some((c) => c.value === "ZSCALE")], name).to.deep.equal([quantize, true]);
      await f.close();
    }
  });

  it("equals imcopy's sections bit for bit and astropy's values", async () => {
    let imcopyAgree = 0;
    let astropyAgree = 0;
    const astropyCannot = new Set<string>();
    let astropyZblank = 0;
    let astropyUnread = 0;
    const failures: string[] = [];
    for (const [i, j] of jobs.entries()) {
      const f = await FitsFile.open(new FileSource(j.file));
      const ref = await FitsFile.open(new FileSource(j.imcopy));
      try {
        const ours = await readSection(f, 1, j.section);
        const theirs = await readSection(ref, 0, []);
        const d1 = firstDifference(ours.data, theirs.data);
        if (d1 === -1) imcopyAgree++;
        else failures.push(`imcopy, ${j.name}: ${d1 < 0 ? `type or length ${d1}` : `index ${d1}: ${ours.data[d1]} vs ${theirs.data[d1]}`}`);
        // astropy 5.2.1 ignores a ZBLANK keyword (fpack writes a keyword, not a column) and gives numbers where
        // cfitsio gives NaN: there the check is cfitsio's, and astropy's differences are counted.
        if (!answers[i]!.error) {
          const a = loadDump(j.raw, answers[i]!) as Float32Array;
          for (let k = 0; k < a.length; k++) {
            if (Number.isNaN(theirs.data[k] as number) && !Number.isNaN(a[k]!)) {
              a[k] = Number.NaN;
              astropyZblank++;
            }
          }
          answers[i]!.patched = a;
        }
        if (answers[i]!.error) {
          astropyCannot.add(`${j.name.replace(/ \[.*$/, "")}: ${answers[i]!.error}`);
          astropyUnread++;
          continue;
        }
        if (answers[i]!.box) expect(answers[i]!.box, `${j.name}: Cutout2D's box`).to.deep.equal(j.section);
        const p = physical(ours);
        const a = answers[i]!.patched!;
        const d2 = firstDifference(p, a);
        if (d2 === -1) astropyAgree++;
        else failures.push(`astropy, ${j.name}: ${d2 < 0 ? `type ${p.constructor.name} vs ${answers[i]!.dtype}` : `index ${d2}: ${p[d2]} vs ${a[d2]}`}`);
      } finally {
        await f.close();
        await ref.close();
      }
    }
    console.log(
      `      cfitsio imcopy agreement: ${imcopyAgree} of ${jobs.length} sections; astropy: ${astropyAgree} of ${jobs.length - astropyUnread} that it reads (${astropyZblank} pixels where astropy ignores ZBLANK)`,
    );
    // astropy 5.2.1 does not know NOCOMPRESS; nothing else may be missing.
    expect([...astropyCannot].filter((m) => !m.startsWith("NOCOMPRESS"))).to.deep.equal([]);
    expect(failures).to.deep.equal([]);
  });

  it("writes cutouts of every variant that fitsverify passes with 0 errors and 0 warnings", async () => {
    requireTools("fitsverify");
    let files = 0;
    for (const [v, [name, base]] of VARIANTS.entries()) {
      const f = await FitsFile.open(new FileSource(path(`v${v}.fits`)));
      const out = path(`cut${v}.fits`);
      const section = (BASES[base]!.shape as number[]).length === 3 ? S3[1]! : S2[1]!;
      await writeFitsFile(out, (await cutout(f, 1, section)).hdus);
      await f.close();
      const r = fitsverify(out);
      expect({ errors: r.errors, warnings: r.warnings }, `${name}\n${r.output}`).to.deep.equal({ errors: 0, warnings: 0 });
      files++;
    }
    console.log(`      fitsverify on cutouts of compressed images: ${files} files, 0 errors, 0 warnings`);
  });

  it("reads only the tiles a section touches", async () => {
    // Row tiles of 61 pixels, 47 rows: a 3-row section reads 3 table rows and 3 tiles, nothing else.
    const src = counting(new FileSource(path("v0.fits")));
    const f = await FitsFile.open(src);
    const before = src.reads;
    await readSection(f, 1, [[1, 5], [10, 12]], { gap: 0 });
    expect(src.reads - before).to.be.at.most(2 + 3 + 3);
    await f.close();
  });

  it("uses the standard's random sequence (§10.2.2: the 10,000th seed is 1043618065)", () => {
    const r = ditherRandoms();
    expect(r[9999]).to.equal(Math.fround(1043618065 / 2147483647));
    expect(r[0]).to.equal(Math.fround(16807 / 2147483647));
  });

  it("refuses PLIO_1 and HCOMPRESS_1 with a reason", async () => {
    for (const [flag, name] of [["-p", "PLIO_1"], ["-h", "HCOMPRESS_1"]] as const) {
      const out = path(`refused-${name}.fits`);
      run("fpack", [flag, "-O", out, path(name === "PLIO_1" ? "u8.fits" : "i16.fits")]);
      const f = await FitsFile.open(new FileSource(out));
      const e = await readSection(f, 1, [[1, 1], [1, 1]]).then(() => undefined, (x: unknown) => x);
      await f.close();
      expect(e, name).to.be.instanceOf(FitsError).with.property("code", "FITS_UNSUPPORTED");
      expect((e as Error).message).to.contain(name).and.to.contain("funpack");
      let listed = "";
      expect(await main(["--info", out], { out: (x) => (listed += x), err: () => undefined })).to.equal(0);
      expect(listed).to.match(new RegExp(`^1 .* image +61×47 +\\d+ +${name} \\(FITS_UNSUPPORTED\\)$`, "m"));
    }
  });
});
