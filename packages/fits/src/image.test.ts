/**
 * Plain images (FITS 4.0 §5, §4.4.2.5): every BITPIX, the unsigned conventions, BSCALE/BZERO and BLANK, in
 * sections of 2-D and 3-D images, against astropy reading the same files that astropy wrote: the same values and
 * the same types (astropy's Cutout2D for 2-D boxes, numpy slices beyond). A section reads only its rows.
 */
import { expect } from "chai";
import { join } from "node:path";
import { FitsError } from "./errors.js";
import { type Section, physical, readSection } from "./image.js";
import { FitsFile } from "./layout.js";
import { FileSource, type ByteSource } from "./source.js";
import { type Dump, firstDifference, loadDump } from "./test-support/compare.js";
import { astropy, requireTools, tempDir } from "./test-support/tools.js";

type Spec = Record<string, unknown> & { shape: number[]; dtype: string };

const IMAGES: [string, Spec][] = [
  ["BITPIX 8", { shape: [37, 41], dtype: "uint8", kind: "int", range: [0, 255] }],
  ["BITPIX 16", { shape: [37, 41], dtype: "int16", kind: "int", range: [-32768, 32767] }],
  ["BITPIX 32", { shape: [37, 41], dtype: "int32", kind: "int", range: [-2147483648, 2147483647] }],
  ["BITPIX 64", { shape: [37, 41], dtype: "int64", kind: "int", range: [-9007199254740991, 9007199254740991] }],
  ["BITPIX -32 with NaN", { shape: [37, 41], dtype: "float32", nans: [[3, 4], [36, 40]] }],
  ["BITPIX -64", { shape: [37, 41], dtype: "float64" }],
  ["unsigned 16 (BZERO 32768)", { shape: [37, 41], dtype: "uint16", kind: "int", range: [0, 65535] }],
  ["unsigned 32 (BZERO 2^31)", { shape: [37, 41], dtype: "uint32", kind: "int", range: [0, 4294967295] }],
  ["signed 8 (BZERO -128)", { shape: [37, 41], dtype: "int8", kind: "int", range: [-128, 127] }],
  ["scaled 16 with BLANK", { shape: [37, 41], dtype: "float32", bscale: 0.25, bzero: 1000, blank: 32000, kind: "int", range: [8990, 9000] }],
  ["scaled 32", { shape: [37, 41], dtype: "float64", bscale: 1e-3, bzero: -5, scaled_type: "int32" }],
  ["3-D cube", { shape: [4, 9, 13], dtype: "float32" }],
];

const SECTIONS_2D: [string, Section][] = [
  ["the whole image", [[1, 41], [1, 37]]],
  ["an inner box", [[5, 17], [9, 29]]],
  ["one pixel in a corner", [[41, 41], [37, 37]]],
  ["one row", [[1, 41], [20, 20]]],
  ["one column", [[7, 7], [1, 37]]],
];
const SECTIONS_3D: [string, Section][] = [
  ["the whole cube", [[1, 13], [1, 9], [1, 4]]],
  ["a sub-cube", [[2, 11], [3, 5], [2, 3]]],
  ["one plane", [[1, 13], [1, 9], [4, 4]]],
];

/** A byte source that records what it is asked for. */
function counting(inner: ByteSource): ByteSource & { bytes: number } {
  const c = {
    id: inner.id,
    bytes: 0,
    stat: () => inner.stat(),
    read: (o: number, n: number) => {
      c.bytes += n;
      return inner.read(o, n);
    },
    close: () => inner.close(),
  };
  return c;
}

describe("plain images against astropy", function () {
  this.timeout(60000);
  const dir = tempDir("fits-image-");
  const jobs: { name: string; file: string; section: Section; out: string; odd: boolean }[] = [];
  let answers: Dump[] = [];

  before(() => {
    requireTools("astropy");
    astropy("write_many", IMAGES.map(([, spec], i) => ({ path: join(dir.path, `${i}.fits`), images: [spec] })));
    IMAGES.forEach(([name, spec], i) => {
      const sections = spec.shape.length === 3 ? SECTIONS_3D : SECTIONS_2D;
      for (const [sname, section] of sections) {
        const odd = section.length === 2 && section.every(([a, b]) => (b - a) % 2 === 0);
        jobs.push({ name: `${name}: ${sname}`, file: join(dir.path, `${i}.fits`), section, out: join(dir.path, `${i}-${jobs.length}.raw`), odd });
      }
    });
    // 2-D boxes of odd size go through Cutout2D (centre and size, as a SODA service would call it); the others
    // are numpy slices of the same data.
    answers = astropy<Dump[]>(
      "batch",
      jobs.map((j) =>
        j.odd
          ? { path: j.file, hdu: 1, out: j.out, position: [(j.section[0]![0] + j.section[0]![1]) / 2 - 1, (j.section[1]![0] + j.section[1]![1]) / 2 - 1], size: [j.section[1]![1] - j.section[1]![0] + 1, j.section[0]![1] - j.section[0]![0] + 1] }
          : { path: j.file, hdu: 1, out: j.out, section: j.section },
      ),
    );
  });
  after(() => dir.remove());

  it("gives astropy's values and types for every image and section", async () => {
    let agree = 0;
    const failures: string[] = [];
    for (const [i, j] of jobs.entries()) {
      const f = await FitsFile.open(new FileSource(j.file));
      try {
        const s = await readSection(f, 1, j.section);
        const ours = physical(s);
        const theirs = loadDump(j.out, answers[i]!);
        if (answers[i]!.box) expect(answers[i]!.box, `${j.name}: Cutout2D's box`).to.deep.equal(j.section);
        if (j.name.startsWith("scaled 16 with BLANK: the whole")) expect(Array.from(ours as Float32Array).filter(Number.isNaN).length, "NaN from BLANK").to.be.greaterThan(50);
        const d = firstDifference(ours, theirs);
        if (d === -1) agree++;
        else failures.push(`${j.name}: ${d === -2 ? `type ${ours.constructor.name} vs ${answers[i]!.dtype}` : `index ${d}: ${ours[d]} vs ${theirs[d]}`}`);
      } finally {
        await f.close();
      }
    }
    console.log(`      astropy agreement, plain images: ${agree} of ${jobs.length} sections`);
    expect(failures).to.deep.equal([]);
  });

  it("reads only the rows a section touches", async () => {
    const src = counting(new FileSource(join(dir.path, "5.fits")));
    const f = await FitsFile.open(src);
    const before = src.bytes;
    // 3 rows of 41 float64 in an image whose rows are 328 bytes: with no gap allowed, exactly 3 × 5 × 8 bytes.
    await readSection(f, 1, [[1, 5], [10, 12]], { gap: 0 });
    expect(src.bytes - before).to.equal(3 * 5 * 8);
    await f.close();
  });

  const bad: [string, Section, string][] = [
    ["a range beyond the axis", [[1, 42], [1, 37]], "FITS_BAD_SECTION"],
    ["a reversed range", [[5, 4], [1, 2]], "FITS_BAD_SECTION"],
    ["too many axes", [[1, 2], [1, 2], [1, 1]], "FITS_BAD_SECTION"],
    ["a zero", [[0, 2], [1, 2]], "FITS_BAD_SECTION"],
  ];
  for (const [name, section, code] of bad) {
    it(`refuses ${name}`, async () => {
      const f = await FitsFile.open(new FileSource(join(dir.path, "0.fits")));
      const e = await readSection(f, 1, section).then(() => undefined, (x: unknown) => x);
      await f.close();
      expect(e).to.be.instanceOf(FitsError).with.property("code", code);
      expect((e as Error).message).to.match(/^HDU 1: /);
    });
  }

  it("refuses an HDU that is not an image", async () => {
    const f = await FitsFile.open(new FileSource(join(dir.path, "0.fits")));
    const e = await readSection(f, 0, [[1, 1]]).then(() => undefined, (x: unknown) => x);
    await f.close();
    expect(e).to.be.instanceOf(FitsError).with.property("code", "FITS_NOT_AN_IMAGE");
  });
});
