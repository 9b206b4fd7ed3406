/**
 * Bad input: every damaged or hostile file ends in a FitsError with a stable code and a message that names the HDU
 * and the card or tile, after reading a bounded number of bytes. Then a seeded mutation run over Rubin's real
 * file: whatever the damage, either the cut succeeds or a FitsError says why; never another exception.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { FitsError, type FitsErrorCode } from "./errors.js";
import { type Card, Header } from "./header.js";
import { isImage, readSection } from "./image.js";
import { FitsFile } from "./layout.js";
import { MemorySource } from "./source.js";
import { RUBIN_FILE, requireTools, run, tempDir } from "./test-support/tools.js";
import { type HduToWrite, arrayData, emptyPrimary, fitsChunks, gzip2Image, imageHeader, writeFitsFile } from "./write.js";
import { join } from "node:path";

function headerBytes(cards: Card[], end = true): Buffer {
  const b = new Header(cards).toBytes();
  if (end) return b;
  // The same cards with END blanked out.
  const at = b.toString("latin1").lastIndexOf("END     ");
  b.write("   ", at, "latin1");
  return b;
}

const primary = (more: Card[] = []): Card[] => [
  { keyword: "SIMPLE", value: true },
  { keyword: "BITPIX", value: 8 },
  { keyword: "NAXIS", value: 0 },
  { keyword: "EXTEND", value: true },
  ...more,
];
const image = (bitpix: number, axes: number[], more: Card[] = []): Card[] => [
  { keyword: "XTENSION", value: "IMAGE" },
  { keyword: "BITPIX", value: bitpix },
  { keyword: "NAXIS", value: axes.length },
  ...axes.map((n, k) => ({ keyword: `NAXIS${k + 1}`, value: n })),
  { keyword: "PCOUNT", value: 0 },
  { keyword: "GCOUNT", value: 1 },
  ...more,
];

async function bytesOf(hdus: HduToWrite[]): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of fitsChunks(hdus, { checksum: false })) chunks.push(c);
  return Buffer.concat(chunks);
}

/** A GZIP_2 file of a 20×10 int32 image in row tiles, to damage. */
async function compressed(): Promise<{ bytes: Buffer; table: number; heap: number }> {
  const data = new Int32Array(200).map((_, i) => i * 7);
  const hdu = gzip2Image(data, 32, [20, 10]);
  const bytes = await bytesOf([{ header: new Header(primary()) }, hdu]);
  const table = 2880 + hdu.header.toBytes().length;
  return { bytes, table, heap: table + 10 * 8 };
}

type Case = [string, () => Promise<Buffer>, FitsErrorCode, RegExp];

const CASES: Case[] = [
  ["a file shorter than a block", async () => Buffer.from("SIMPLE  =                    T"), "FITS_TRUNCATED", /the file is 30 bytes/],
  ["a primary header without END", async () => headerBytes(primary(), false), "FITS_NO_END", /^HDU 0, byte 0: the header has no END card/],
  ["an extension header without END", async () => Buffer.concat([headerBytes(primary()), headerBytes(image(8, [1]), false)]), "FITS_NO_END", /^HDU 1, /],
  ["10 MB of blank cards with no END", async () => Buffer.alloc(10 * 1024 * 1024 - (10 * 1024 * 1024) % 2880, 0x20).fill("SIMPLE  =                    T", 0, 30), "FITS_NO_END", /first 2949120 bytes/],
  ["a file cut inside the data", async () => Buffer.concat([headerBytes(primary()), headerBytes(image(-32, [100, 100])), Buffer.alloc(2880)]), "FITS_TRUNCATED", /^HDU 1, byte 8640: the data needs 40000 bytes/],
  ["a file cut inside a header", async () => Buffer.concat([headerBytes(primary()), Buffer.from("XTENSION= 'IMAGE   '".padEnd(2880 * 2, " ")).subarray(0, 4000)]), "FITS_TRUNCATED", /^HDU 1, /],
  ["NAXIS = 100000", async () => Buffer.concat([headerBytes(primary()), headerBytes(image(8, [1]).map((c) => (c.keyword === "NAXIS" ? { ...c, value: 100000 } : c)))]), "FITS_ABSURD_SIZE", /^HDU 1, card NAXIS: /],
  ["NAXIS1 × NAXIS2 beyond 2^53", async () => Buffer.concat([headerBytes(primary()), headerBytes(image(8, [1e15, 1e15]))]), "FITS_ABSURD_SIZE", /^HDU 1, card NAXIS2: /],
  ["a 64-bit NAXIS1", async () => Buffer.concat([headerBytes(primary()), headerBytes(image(8, [1]).map((c) => (c.keyword === "NAXIS1" ? { ...c, value: 2n ** 62n } : c)))]), "FITS_ABSURD_SIZE", /^HDU 1, card NAXIS1: /],
  ["PCOUNT of 10^12 in a small file", async () => Buffer.concat([headerBytes(primary()), headerBytes(image(8, [1]).map((c) => (c.keyword === "PCOUNT" ? { ...c, value: 1e12 } : c))), Buffer.alloc(2880)]), "FITS_TRUNCATED", /^HDU 1, .*needs 1000000000001 bytes/],
  ["a negative PCOUNT", async () => Buffer.concat([headerBytes(primary()), headerBytes(image(8, [1]).map((c) => (c.keyword === "PCOUNT" ? { ...c, value: -5 } : c))), Buffer.alloc(2880)]), "FITS_BAD_HEADER", /^HDU 1, card PCOUNT: /],
  ["BITPIX = 12", async () => headerBytes(primary().map((c) => (c.keyword === "BITPIX" ? { ...c, value: 12 } : c))), "FITS_BAD_HEADER", /^HDU 0, card BITPIX: /],
  ["NAXIS1 as a string", async () => Buffer.concat([headerBytes(primary()), headerBytes(image(8, [1]).map((c) => (c.keyword === "NAXIS1" ? { ...c, value: "ten" } : c)))]), "FITS_BAD_HEADER", /^HDU 1, card NAXIS1: /],
  ["a first card that is not SIMPLE", async () => headerBytes(primary().slice(1)), "FITS_BAD_HEADER", /^HDU 0, card SIMPLE: not a FITS file: it starts with "BITPIX {2}= "/],
  ["a malformed card", async () => Buffer.from(headerBytes(primary()).toString("latin1").replace("NAXIS   =                    0", "NAXIS   = zero                "), "latin1"), "FITS_BAD_CARD", /^HDU 0, card NAXIS: /],
  [
    "a tile descriptor beyond the heap",
    async () => {
      const c = await compressed();
      c.bytes.writeInt32BE(1 << 30, c.table + 3 * 8 + 4);
      return c.bytes;
    },
    "FITS_BAD_TILE",
    /^HDU 1, tile 4: descriptor .* points outside the heap/,
  ],
  [
    "a negative tile length",
    async () => {
      const c = await compressed();
      c.bytes.writeInt32BE(-1, c.table);
      return c.bytes;
    },
    "FITS_BAD_TILE",
    /^HDU 1, tile 1: /,
  ],
  [
    "a tile that is not gzip",
    async () => {
      const c = await compressed();
      c.bytes.fill(0x55, c.heap, c.heap + 16);
      return c.bytes;
    },
    "FITS_BAD_TILE",
    /^HDU 1, tile 1: gzip data does not inflate/,
  ],
  [
    "a decompression bomb (a tile that inflates to 64 MB)",
    async () => {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
      const h = gzip2Image(new Int32Array(200), 32, [20, 10]);
      const table = Buffer.alloc(80);
      for (let r = 0; r < 10; r++) {
        table.writeInt32BE(bomb.length, r * 8);
        table.writeInt32BE(0, r * 8 + 4);
      }
      h.header.set("PCOUNT", bomb.length);
      h.header.set("TFORM1", `1PB(${bomb.length})`);
      const data = Buffer.concat([table, bomb]);
      return bytesOf([{ header: new Header(primary()) }, { header: h.header, data: { bytes: data.length, chunks: () => [data] } }]);
    },
    "FITS_DECOMPRESSION_LIMIT",
    /^HDU 1, tile 1: the tile inflates to more than its 80 bytes/,
  ],
  [
    "a tile of 2^40 pixels",
    async () => {
      const h = gzip2Image(new Int32Array(200), 32, [20, 10]);
      h.header.set("ZNAXIS1", 2 ** 40);
      h.header.set("ZTILE1", 2 ** 40);
      return bytesOf([{ header: new Header(primary()) }, h]);
    },
    "FITS_ABSURD_SIZE",
    /^HDU 1, card ZTILE1: /,
  ],
  [
    "fewer table rows than tiles",
    async () => {
      const h = gzip2Image(new Int32Array(200), 32, [20, 10]);
      h.header.set("ZNAXIS2", 11);
      return bytesOf([{ header: new Header(primary()) }, h]);
    },
    "FITS_BAD_HEADER",
    /^HDU 1, card NAXIS2: the table has 10 rows for 11 tiles/,
  ],
  [
    "PLIO_1",
    async () => {
      const h = gzip2Image(new Int32Array(200), 32, [20, 10]);
      h.header.set("ZCMPTYPE", "PLIO_1");
      return bytesOf([{ header: new Header(primary()) }, h]);
    },
    "FITS_UNSUPPORTED",
    /^HDU 1, card ZCMPTYPE: PLIO_1 .* not supported/,
  ],
];

describe("damaged RICE_1 tiles", function () {
  this.timeout(60000);
  it("end in a FitsError or in pixels, never in another exception (200 seeded mutations of the heap)", async () => {
    requireTools("fpack");
    const dir = tempDir("fits-rice-");
    try {
      const plain = join(dir.path, "i.fits");
      const data = new Float32Array(64 * 40).map((_, i) => 1000 + 50 * Math.sin(i / 7) + (i % 13));
      await writeFitsFile(plain, [emptyPrimary(), { header: imageHeader(-32, [64, 40]), data: arrayData(data) }]);
      const packed = join(dir.path, "r.fits");
      run("fpack", ["-r", "-qt", "4", "-t", "16,16", "-O", packed, plain]);
      const original = readFileSync(packed);
      const f = await FitsFile.open(new MemorySource(original));
      const heap = f.hdus[1]!.dataOffset + f.hdus[1]!.header.number("NAXIS1")! * f.hdus[1]!.header.number("NAXIS2")!;
      const end = f.hdus[1]!.dataOffset + f.hdus[1]!.dataSize;
      let seed = 7;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return Math.floor((seed / 2147483648) * n);
      };
      const others: string[] = [];
      let errors = 0;
      for (let k = 0; k < 200; k++) {
        const b = Buffer.from(original);
        for (let j = 0; j < 1 + (k % 8); j++) b[heap + rand(end - heap)] = rand(256);
        try {
          await cut(b);
        } catch (e) {
          if (e instanceof FitsError) errors++;
          else others.push((e as Error).stack ?? String(e));
        }
      }
      expect(others.slice(0, 3)).to.deep.equal([]);
      console.log(`      RICE_1 mutations: ${200 - errors} read, ${errors} FitsError, 0 other`);
    } finally {
      dir.remove();
    }
  });
});

describe("bad input that is still read", () => {
  it("a malformed card that nothing needs does not stop a cut", async () => {
    const cards = primary([{ keyword: "OBJECT", value: "x" }]);
    const bytes = Buffer.concat([headerBytes(cards), headerBytes(image(8, [2, 2])), Buffer.alloc(2880)]);
    const text = bytes.toString("latin1").replace("OBJECT  = 'x       '", "OBJECT  = 'x' junk  ");
    await cut(Buffer.from(text, "latin1"));
  });
});

/** Opens the bytes and reads the first image whole: the way any reader meets a file. */
async function cut(bytes: Uint8Array): Promise<void> {
  const f = await FitsFile.open(new MemorySource(bytes));
  for (const hdu of f.hdus) if (isImage(hdu)) await readSection(f, hdu.index, []);
}

describe("bad input", function () {
  this.timeout(60000);
  for (const [name, make, code, message] of CASES) {
    it(`${name}: ${code}`, async () => {
      const bytes = await make();
      const e = await cut(bytes).then(() => undefined, (x: unknown) => x);
      expect(e, "an error").to.be.instanceOf(FitsError);
      expect((e as FitsError).code, (e as Error).message).to.equal(code);
      expect((e as Error).message).to.match(message);
    });
  }

  it("never throws anything but a FitsError on a damaged Rubin file (300 seeded mutations)", async () => {
    const original = readFileSync(RUBIN_FILE);
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const outcomes = { ok: 0, fitsError: 0 };
    const others: string[] = [];
    for (let k = 0; k < 300; k++) {
      const b = Buffer.from(original);
      const kind = k % 3;
      // Damage: random bytes anywhere; bytes in headers (digits and quotes matter most); or a truncation.
      if (kind === 0) for (let j = 0; j < 8; j++) b[rand(b.length)] = rand(256);
      else if (kind === 1) {
        const hdr = [0, 2880, 25920, 37440, 158400][rand(5)]!;
        for (let j = 0; j < 4; j++) b[hdr + rand(2880)] = "0123456789'-= E"[rand(15)]!.charCodeAt(0);
      } else {
        const heapish = rand(b.length);
        for (let j = 0; j < 64; j++) b[heapish + j] = rand(256);
      }
      const input = kind === 2 && k % 2 === 0 ? b.subarray(0, rand(b.length)) : b;
      try {
        await cut(input);
        outcomes.ok++;
      } catch (e) {
        if (e instanceof FitsError) outcomes.fitsError++;
        else others.push(`mutation ${k}: ${(e as Error).stack}`);
      }
    }
    console.log(`      mutations: ${outcomes.ok} read, ${outcomes.fitsError} FitsError, ${others.length} other`);
    expect(others.slice(0, 3)).to.deep.equal([]);
  });
});
