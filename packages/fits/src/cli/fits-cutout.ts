#!/usr/bin/env node
/**
 * fits-cutout: a thin shell over the fits package, for debugging cutouts, as adql2qserv is for the compiler.
 * Exit status: 0 ok, 3 when the region does not overlap the image, 2 for bad arguments or a bad file (with the
 * FitsError's message), 1 for anything else.
 */
import { SkyError, WcsError } from "@qserv-tap/sky";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { clipSection, cutoutStream, firstImage } from "../cutout.js";
import { FitsError } from "../errors.js";
import { type Section, imageInfo, isImage } from "../image.js";
import { FitsFile, type Hdu } from "../layout.js";
import { type ByteSource, FileSource, HttpSource } from "../source.js";
import { writeFitsFile } from "../write.js";
import { skyRegionBox } from "./sky-region.js";

export const USAGE = `usage: fits-cutout --info FILE
       fits-cutout FILE [--hdu N|NAME] (--circle RA DEC R | --polygon RA DEC RA DEC ... |
                   --range RA1 RA2 DEC1 DEC2 | --pixels "[x1:x2,y1:y2]") -o OUT.fits
Cuts a box out of a FITS image (plain or tile-compressed). FILE may be a path or an http(s) URL (read with Range).

  --info            list the HDUs: index, name, type, dimensions, BITPIX, compression
  --hdu N|NAME      the HDU to cut: N counts from 0 (the primary HDU), as astropy and cfitsio's file[N] do;
                    default: the first HDU with an image
  --circle RA DEC R a circle on the sky (degrees)
  --polygon RA DEC ...  a polygon on the sky (degrees, at least 3 vertices, great-circle edges)
  --range RA1 RA2 DEC1 DEC2  a longitude and latitude range (degrees; RA1 > RA2 crosses RA 0)
  --pixels "[x1:x2,y1:y2]"   a pixel box, 1-based and inclusive as in FITS (clipped to the image)
  -o, --output OUT.fits      the output file
  -h, --help        this text

exit status: 0 ok, 3 the region does not overlap the image, 2 bad arguments or a bad file, 1 other errors`;

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

class UsageError extends Error {}

export type Region =
  | { kind: "circle"; ra: number; dec: number; radius: number }
  | { kind: "polygon"; vertices: [number, number][] }
  | { kind: "range"; ra1: number; ra2: number; dec1: number; dec2: number };

interface Args {
  file?: string;
  info: boolean;
  hdu?: number | string;
  pixels?: Section;
  region?: Region;
  output?: string;
  help: boolean;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numbers(argv: string[], i: number, n: number, option: string): number[] {
  const out = argv.slice(i, i + n);
  if (out.length < n || out.some((s) => !NUMBER.test(s))) throw new UsageError(`${option} needs ${n} numbers`);
  return out.map(Number);
}

export function parsePixels(text: string): Section {
  const m = /^\[(.*)\]$/.exec(text.trim());
  if (!m) throw new UsageError(`--pixels ${JSON.stringify(text)}: expected "[x1:x2,y1:y2]"`);
  return m[1]!.split(",").map((r) => {
    const p = /^\s*(-?\d+)\s*:\s*(-?\d+)\s*$/.exec(r);
    if (!p) throw new UsageError(`--pixels ${JSON.stringify(text)}: ${JSON.stringify(r)} is not a range a:b of integers`);
    const a = Number(p[1]);
    const b = Number(p[2]);
    if (a > b) throw new UsageError(`--pixels ${JSON.stringify(text)}: ${a}:${b} runs backwards`);
    return [a, b] as [number, number];
  });
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { info: false, help: false };
  const shapes: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case "-h":
      case "--help":
        args.help = true;
        break;
      case "--info":
        args.info = true;
        break;
      case "--hdu": {
        const v = argv[++i];
        if (v === undefined) throw new UsageError("--hdu needs a number or a name");
        args.hdu = /^\d+$/.test(v) ? Number(v) : v;
        break;
      }
      case "-o":
      case "--output":
        args.output = argv[++i];
        if (args.output === undefined) throw new UsageError(`${a} needs a file name`);
        break;
      case "--pixels":
        if (argv[i + 1] === undefined) throw new UsageError("--pixels needs a box");
        args.pixels = parsePixels(argv[++i]!);
        shapes.push(a);
        break;
      case "--circle": {
        const [ra, dec, radius] = numbers(argv, i + 1, 3, a) as [number, number, number];
        i += 3;
        args.region = { kind: "circle", ra, dec, radius };
        shapes.push(a);
        break;
      }
      case "--range": {
        const [ra1, ra2, dec1, dec2] = numbers(argv, i + 1, 4, a) as [number, number, number, number];
        i += 4;
        args.region = { kind: "range", ra1, ra2, dec1, dec2 };
        shapes.push(a);
        break;
      }
      case "--polygon": {
        let n = 0;
        while (argv[i + 1 + n] !== undefined && NUMBER.test(argv[i + 1 + n]!)) n++;
        if (n < 6 || n % 2 !== 0) throw new UsageError("--polygon needs at least 3 vertices, as RA DEC pairs");
        const v = numbers(argv, i + 1, n, a);
        i += n;
        args.region = { kind: "polygon", vertices: Array.from({ length: n / 2 }, (_, k) => [v[2 * k]!, v[2 * k + 1]!] as [number, number]) };
        shapes.push(a);
        break;
      }
      default:
        if (a.startsWith("-") && !NUMBER.test(a)) throw new UsageError(`unknown option ${a}`);
        if (args.file !== undefined) throw new UsageError(`one FILE only (got ${args.file} and ${a})`);
        args.file = a;
    }
  }
  if (args.help) return args;
  if (args.file === undefined) throw new UsageError("no FILE given");
  if (args.info) {
    if (shapes.length || args.output) throw new UsageError("--info takes only FILE");
    return args;
  }
  if (shapes.length !== 1) throw new UsageError(shapes.length ? `one region only (got ${shapes.join(", ")})` : "give one of --circle, --polygon, --range, --pixels");
  if (!args.output) throw new UsageError("no output file (-o OUT.fits)");
  return args;
}

function openSource(file: string): ByteSource {
  return /^https?:\/\//.test(file) ? new HttpSource(file) : new FileSource(file);
}

function describe(hdu: Hdu): { type: string; dims: string; bitpix: string; compression: string } {
  const h = hdu.header;
  const xt = hdu.index === 0 ? "primary" : (h.string("XTENSION") ?? "?").toLowerCase();
  if (isImage(hdu)) {
    let info;
    try {
      info = imageInfo(hdu);
    } catch (e) {
      // An image we cannot read (PLIO_1, HCOMPRESS_1, a bad tile header) is still listed, with the reason.
      if (!(e instanceof FitsError)) throw e;
      const cmp = (h.string("ZCMPTYPE") ?? "").trim();
      const dims = Array.from({ length: h.number("ZNAXIS") ?? 0 }, (_, k) => h.number(`ZNAXIS${k + 1}`) ?? 0).join("×");
      return { type: "image", dims, bitpix: String(h.number("ZBITPIX") ?? ""), compression: `${cmp || "?"} (${e.code})` };
    }
    const t = info.tiled;
    const compression = t
      ? `${t.compression} (tiles ${t.tile.join("×")}${info.bitpix < 0 ? `, ${t.quantize ?? "lossless"}` : ""})`
      : "-";
    return { type: "image", dims: info.axes.join("×"), bitpix: String(info.bitpix), compression };
  }
  const naxis = h.number("NAXIS") ?? 0;
  const dims = naxis === 0 ? "-" : Array.from({ length: naxis }, (_, k) => h.number(`NAXIS${k + 1}`) ?? 0).join("×");
  const type = xt === "bintable" ? "table" : xt === "table" ? "ascii table" : hdu.index === 0 || xt === "image" ? (naxis === 0 ? "empty" : "image") : xt;
  return { type, dims, bitpix: String(h.number("BITPIX") ?? ""), compression: "-" };
}

export function infoTable(file: FitsFile): string {
  const rows = file.hdus.map((hdu) => {
    const d = describe(hdu);
    const name = (hdu.header.string("EXTNAME") ?? (hdu.index === 0 ? "PRIMARY" : "")).trim();
    return [String(hdu.index), name, d.type, d.dims, d.bitpix, d.compression];
  });
  const head = ["HDU", "NAME", "TYPE", "DIMENSIONS", "BITPIX", "COMPRESSION"];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (r: string[]) => r.map((c, k) => (k === r.length - 1 ? c : c.padEnd(widths[k]!))).join("  ");
  const via = file.via === "index" ? "the INDEX HDU" : file.via === "cache" ? "the cache" : "scanning the headers";
  return [line(head), ...rows.map(line), `${file.hdus.length} HDUs, ${file.size} bytes; layout from ${via}`].join("\n");
}

export async function main(argv: string[], io: Io): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`fits-cutout: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  // The source is closed here, also when it is not FITS and no FitsFile is made from it.
  const source = openSource(args.file!);
  try {
    const file = await FitsFile.open(source);
    if (args.info) {
      io.out(`${infoTable(file)}\n`);
      return 0;
    }
    const hdu = args.hdu === undefined ? firstImage(file) : file.hdu(args.hdu);
    const info = imageInfo(hdu);
    let box: Section | undefined;
    if (args.pixels) box = clipSection(info.axes, args.pixels);
    else {
      const found = await skyRegionBox(hdu, info, args.region!);
      box = found === undefined ? undefined : clipSection(info.axes, found);
    }
    if (!box) {
      io.err(`fits-cutout: the region does not overlap HDU ${hdu.index} (${info.axes.join("×")} pixels)\n`);
      return 3;
    }
    // Streamed in bands: a cut of a whole large image needs no more memory than a small one.
    await writeFitsFile(args.output!, cutoutStream(file, hdu.index, box));
    io.out(`HDU ${hdu.index} [${box.map(([a, b]) => `${a}:${b}`).join(",")}] → ${args.output} (${box.map(([a, b]) => b - a + 1).join("×")} pixels)\n`);
    return 0;
  } catch (e) {
    if (e instanceof FitsError) {
      io.err(`fits-cutout: ${e.code}: ${e.message}\n`);
      return 2;
    }
    // A region that is not one (SkyError) is a bad argument; a WCS that cannot be used, a bad file.
    if (e instanceof SkyError) {
      io.err(`fits-cutout: bad region: ${e.code}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof WcsError) {
      io.err(`fits-cutout: WCS: ${e.code}: ${e.keyword ? `${e.keyword}: ` : ""}${e.message}\n`);
      return 2;
    }
    io.err(`fits-cutout: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  } finally {
    await source.close().catch(() => undefined);
  }
}

const invoked = process.argv[1] ? realpathSync(process.argv[1]) : "";
if (invoked === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      process.stderr.write(`fits-cutout: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
