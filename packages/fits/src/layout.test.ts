/**
 * File layout (FITS 4.0 §3.3 and §4.4.1): our HDU offsets against astropy's `fileinfo()` on files that astropy
 * wrote and on Rubin's real lsst.images file, found by scanning and by its INDEX HDU; the layout cache; byte sources
 * over a local file and over HTTP Range.
 */
import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FitsError } from "./errors.js";
import { FitsFile, LayoutCache } from "./layout.js";
import { FileSource, HttpSource, MemorySource, readRanges } from "./source.js";
import { rangeServer } from "./test-support/http.js";
import { RUBIN_FILE, astropy, requireTools, tempDir } from "./test-support/tools.js";

interface AstropyInfo {
  name: string;
  hdrLoc: number;
  datLoc: number;
  datSpan: number;
}

const ours = (f: FitsFile) =>
  f.hdus.map((h) => ({ name: (h.header.string("EXTNAME") ?? (h.index === 0 ? "PRIMARY" : "")).trim(), hdrLoc: h.headerOffset, datLoc: h.dataOffset, datSpan: Math.ceil(h.dataSize / 2880) * 2880 }));

describe("layout", function () {
  this.timeout(60000);
  const dir = tempDir("fits-layout-");
  const mef = join(dir.path, "mef.fits");
  let infos: AstropyInfo[][] = [];
  before(() => {
    requireTools("astropy");
    // One python process writes the test file and reads both files' layouts (astropy is slow to import).
    infos = astropy<AstropyInfo[][]>("write_then_info", {
      paths: [mef, RUBIN_FILE],
      path: mef,
      images: [
        { primary: true, shape: [3, 5], dtype: "int16", kind: "int" },
        { name: "SCI", shape: [40, 30], dtype: "float32" },
        { name: "EMPTY", shape: [0], dtype: "uint8" },
        { name: "CUBE", shape: [2, 3, 7], dtype: "float64", cards: { LONGVAL: "x".repeat(150), "HIERARCH ESO DET CHIP": 3 } },
        { name: "BYTE", shape: [1, 1], dtype: "uint8", kind: "int", range: [0, 255] },
      ],
    });
  });
  after(() => dir.remove());

  it("finds astropy's offsets in a file that astropy wrote", async () => {
    const f = await FitsFile.open(new FileSource(mef));
    try {
      const theirs = infos[0]!;
      expect(ours(f)).to.deep.equal(theirs);
      expect(f.via).to.equal("scan");
      expect(f.hdu("cube").header.string("LONGVAL")).to.equal("x".repeat(150));
      expect(f.hdu("CUBE").header.number("ESO DET CHIP")).to.equal(3);
    } finally {
      await f.close();
    }
  });

  it("reads Rubin's file through its INDEX HDU, to the offsets a scan and astropy find", async () => {
    const indexed = await FitsFile.open(new FileSource(RUBIN_FILE));
    const scanned = await FitsFile.open(new FileSource(RUBIN_FILE), { useIndex: false });
    try {
      expect(indexed.via).to.equal("index");
      expect(scanned.via).to.equal("scan");
      expect(indexed.hdus.length).to.equal(14);
      expect(ours(indexed)).to.deep.equal(ours(scanned));
      expect(ours(indexed)).to.deep.equal(infos[1]!);
      expect(indexed.hdus[12]!.header.string("EXTNAME")).to.equal("JSON");
      expect(indexed.hdus[13]!.headerOffset).to.equal(158400);
    } finally {
      await indexed.close();
      await scanned.close();
    }
  });

  it("scans instead when the INDEX does not agree with the file", async () => {
    const bytes = Buffer.from(readFileSync(RUBIN_FILE));
    // INDXADDR pointing at the JSON HDU, which is not an index.
    const text = bytes.subarray(0, 2880).toString("latin1");
    const at = text.indexOf("INDXADDR=");
    bytes.write("INDXADDR=               129600", at, "latin1");
    const f = await FitsFile.open(new MemorySource(bytes), { useIndex: true });
    expect(f.via).to.equal("scan");
    expect(f.hdus.length).to.equal(14);
  });

  it("caches a layout by path, size and version, and forgets it when the file changes", async () => {
    const cache = new LayoutCache(2);
    const copy = join(dir.path, "copy.fits");
    writeFileSync(copy, readFileSync(mef));
    const opened: FitsFile[] = [];
    const open = async () => {
      const f = await FitsFile.open(new FileSource(copy), { cache });
      opened.push(f);
      return f;
    };
    expect((await open()).via).to.equal("scan");
    expect((await open()).via).to.equal("cache");
    writeFileSync(copy, readFileSync(RUBIN_FILE));
    const changed = await open();
    expect(changed.via).to.equal("index");
    expect(changed.hdus.length).to.equal(14);
    await Promise.all(opened.map((f) => f.close()));
    expect(cache.size).to.equal(2);
  });
});

describe("byte sources", function () {
  this.timeout(20000);
  const rubin = readFileSync(RUBIN_FILE);

  it("reads the same layout over HTTP Range, redacting the query string from messages", async () => {
    const server = await rangeServer(rubin);
    try {
      const f = await FitsFile.open(new HttpSource(server.url));
      const local = await FitsFile.open(new FileSource(RUBIN_FILE));
      expect(ours(f)).to.deep.equal(ours(local));
      await local.close();
      expect(f.via).to.equal("index");
      expect(server.ranges.every((r) => /^bytes=\d+-\d+$/.test(r))).to.equal(true);
      // The headers of the 13 indexed HDUs come in one coalesced request.
      expect(server.ranges.length).to.be.at.most(6);
      const src = new HttpSource(server.url);
      const e = await src.read(rubin.length - 10, 20).then(() => undefined, (x: unknown) => x);
      expect(e).to.be.instanceOf(FitsError).with.property("code", "FITS_TRUNCATED");
      expect((e as Error).message).to.not.contain("secret");
    } finally {
      await server.close();
    }
  });

  it("refuses a server that ignores Range, and an object that changes between reads", async () => {
    const ignoring = await rangeServer(rubin, { ignoreRange: true });
    const changing = await rangeServer(rubin);
    try {
      const e1 = await FitsFile.open(new HttpSource(ignoring.url)).then(() => undefined, (x: unknown) => x);
      expect(e1).to.be.instanceOf(FitsError).with.property("code", "FITS_SOURCE");
      expect((e1 as Error).message).to.match(/ignored the Range header/);
      const src = new HttpSource(changing.url);
      await src.stat();
      changing.setBytes(rubin);
      const e2 = await src.read(0, 2880).then(() => undefined, (x: unknown) => x);
      expect((e2 as Error).message).to.match(/changed while being read/);
    } finally {
      await ignoring.close();
      await changing.close();
    }
  });

  const coalesce: [string, [number, number][], number, number][] = [
    ["adjacent ranges: one read", [[0, 10], [10, 10], [20, 5]], 0, 1],
    ["a gap within the limit: one read", [[0, 10], [100, 10]], 1000, 1],
    ["a gap beyond the limit: two reads", [[0, 10], [5000, 10]], 1000, 2],
    ["unordered and overlapping", [[500, 100], [0, 10], [550, 10]], 0, 2],
  ];
  for (const [name, ranges, gap, reads] of coalesce) {
    it(`coalesces ${name}`, async () => {
      const server = await rangeServer(rubin);
      try {
        const got = await readRanges(new HttpSource(server.url), ranges.map(([offset, length]) => ({ offset, length })), gap);
        expect(server.ranges.length).to.equal(reads);
        ranges.forEach(([o, n], i) => expect(Buffer.from(got[i]!).equals(rubin.subarray(o, o + n))).to.equal(true));
      } finally {
        await server.close();
      }
    });
  }

  it("reads a local file with positioned reads and reports where it ends", async () => {
    const src = new FileSource(RUBIN_FILE);
    try {
      expect(Buffer.from(await src.read(158400, 80)).toString("latin1")).to.match(/^XTENSION= 'BINTABLE'/);
      const e = await src.read(rubin.length - 1, 2).then(() => undefined, (x: unknown) => x);
      expect(e).to.be.instanceOf(FitsError).with.property("code", "FITS_TRUNCATED");
    } finally {
      await src.close();
    }
  });
});
