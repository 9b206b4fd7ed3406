/**
 * Writing (FITS 4.0 §3, §4.4, Appendix J): every file we write passes fitsverify with 0 errors and 0 warnings,
 * astropy reads it back to our values with its checksum verification on, and DATASUM equals astropy's.
 */
import { expect } from "chai";
import { join } from "node:path";
import { OnesSum, encodeChecksum } from "./checksum.js";
import { type Bitpix, type StoredArray, physical, readSection, storedArray } from "./image.js";
import { FitsFile } from "./layout.js";
import { FileSource } from "./source.js";
import { type Dump, firstDifference, loadDump } from "./test-support/compare.js";
import { astropy, fitsverify, requireTools, tempDir } from "./test-support/tools.js";
import { type HduToWrite, arrayData, emptyPrimary, fitsChunks, gzip2Image, imageHeader, writeFitsFile } from "./write.js";

function generated(bitpix: Bitpix, n: number, seed: number): StoredArray {
  const a = storedArray(bitpix, n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const v = (x / 2147483648) * 2 - 1;
    if (a instanceof BigInt64Array) a[i] = BigInt(Math.round(v * 2 ** 52)) * 1024n + BigInt(i);
    else if (a instanceof Float32Array || a instanceof Float64Array) a[i] = i % 97 === 5 ? Number.NaN : v * 1000 + Math.sin(i);
    else if (a instanceof Uint8Array) a[i] = Math.floor((v + 1) * 127.9);
    else a[i] = Math.round(v * (a instanceof Int16Array ? 32767 : 2147483647));
  }
  return a;
}

const BITPIXES: Bitpix[] = [8, 16, 32, 64, -32, -64];

interface Written {
  name: string;
  hdus: HduToWrite[];
  /** The stored arrays, per HDU (undefined for none). */
  arrays: (StoredArray | undefined)[];
}

function cases(): Written[] {
  const out: Written[] = [];
  const wcs = [
    { keyword: "CTYPE1", value: "RA---TAN" },
    { keyword: "CRPIX1", value: 10.5, real: true },
    { keyword: "CRVAL1", value: 0.25744424357927, real: true },
    { keyword: "CD1_1", value: -5.9e-5, real: true },
    { keyword: "OBSERVER", value: "A long text, " + "well beyond one card, ".repeat(5) + "to use CONTINUE" },
    { keyword: "HISTORY", comment: "written by @qserv-tap/fits tests" },
  ];
  for (const bitpix of BITPIXES) {
    const axes = [33, 21];
    const a = generated(bitpix, 33 * 21, 7 + bitpix);
    out.push({ name: `primary image, BITPIX ${bitpix}`, hdus: [{ header: imageHeader(bitpix, axes, { primary: true, cards: wcs }), data: arrayData(a) }], arrays: [a] });
  }
  const cube = generated(-32, 5 * 4 * 3, 3);
  const i16 = generated(16, 40 * 30, 5);
  const f64 = generated(-64, 40 * 30, 9);
  const u8 = generated(8, 17 * 3, 11);
  out.push({
    name: "extensions: a cube, an unsigned 16-bit image, GZIP_2 tiles of three types",
    hdus: [
      emptyPrimary([{ keyword: "ORIGIN", value: "tests" }]),
      { header: imageHeader(-32, [5, 4, 3], { extname: "CUBE" }), data: arrayData(cube) },
      { header: imageHeader(16, [40, 30], { extname: "U16", cards: [{ keyword: "BZERO", value: 32768 }, { keyword: "BSCALE", value: 1 }] }), data: arrayData(i16) },
      gzip2Image(f64, -64, [40, 30], { extname: "F64_ROWS", cards: wcs }),
      gzip2Image(i16, 16, [40, 30], { extname: "I16_SQUARE", tile: [16, 16], cards: [{ keyword: "BZERO", value: 32768 }] }),
      gzip2Image(u8, 8, [17, 3], { extname: "U8_WHOLE", tile: [17, 3] }),
    ],
    arrays: [undefined, cube, i16, f64, i16, u8],
  });
  return out;
}

describe("writing", function () {
  this.timeout(60000);
  const dir = tempDir("fits-write-");
  const all = cases();
  after(() => dir.remove());

  it("makes every HDU sum to −0 (Appendix J), and sums split words as whole ones", async () => {
    const chunks: Uint8Array[] = [];
    for await (const c of fitsChunks(all[1]!.hdus)) chunks.push(c);
    expect(new OnesSum().add(Buffer.concat(chunks)).value()).to.equal(0xffffffff);
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const whole = new OnesSum().add(bytes).value();
    expect(new OnesSum().add(bytes.subarray(0, 5)).add(bytes.subarray(5, 7)).add(bytes.subarray(7)).value()).to.equal(whole);
    expect(new OnesSum().add(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1])).value()).to.equal(1);
    expect(encodeChecksum(0x12345678)).to.match(/^[0-9A-Za-z]{16}$/);
  });

  it("writes files that fitsverify passes with 0 errors and 0 warnings, and astropy reads to our values with checksums verified", async () => {
    requireTools("astropy", "fitsverify");
    const paths = all.map((_, i) => join(dir.path, `${i}.fits`));
    for (const [i, c] of all.entries()) await writeFitsFile(paths[i]!, c.hdus);
    let verified = 0;
    for (const p of paths) {
      const v = fitsverify(p);
      expect({ errors: v.errors, warnings: v.warnings }, v.output).to.deep.equal({ errors: 0, warnings: 0 });
      verified++;
    }
    const answers = astropy<{ warnings: string[]; datasums: (string | null)[]; dumps: (Dump | null)[] }[]>(
      "checked_many",
      paths.map((path) => ({ path, out: path })),
    );
    let hdus = 0;
    for (const [n, c] of all.entries()) {
      const a = answers[n]!;
      expect(a.warnings, c.name).to.deep.equal([]);
      const f = await FitsFile.open(new FileSource(paths[n]!));
      try {
        for (const [i, arr] of c.arrays.entries()) {
          const hdu = f.hdus[i]!;
          if (!hdu.header.has("ZIMAGE")) expect(hdu.header.string("DATASUM"), `${c.name}, HDU ${i} DATASUM`).to.equal(a.datasums[i]);
          hdus++;
          if (!arr) continue;
          const ours = await readSection(f, i, []);
          expect(firstDifference(ours.data, arr), `${c.name}, HDU ${i}: our reader`).to.equal(-1);
          const theirs = loadDump(`${paths[n]}.${i}`, a.dumps[i]!);
          expect(firstDifference(physical(ours), theirs), `${c.name}, HDU ${i}: astropy`).to.equal(-1);
        }
      } finally {
        await f.close();
      }
    }
    console.log(`      fitsverify: ${verified} files, 0 errors, 0 warnings; astropy: ${hdus} HDUs read back with checksums verified`);
  });

  it("streams: the chunks are whole blocks and the data is read twice, not held", async () => {
    let passes = 0;
    const rows = 64;
    const row = new Float32Array(2048).fill(1.5);
    const data = {
      bytes: rows * row.byteLength,
      *chunks() {
        passes++;
        for (let i = 0; i < rows; i++) yield Buffer.from(row.buffer).swap32();
      },
    };
    let total = 0;
    for await (const chunk of fitsChunks([{ header: imageHeader(-32, [2048, rows], { primary: true }), data }])) total += chunk.length;
    expect(passes).to.equal(2);
    expect(total % 2880).to.equal(0);
  });
});
