/**
 * Small test images and a registry that knows only them: for the SODA, DataLink and file tests, which need an image
 * with a known WCS, not the demo's. The pixel value at FITS pixel (x, y) is x + 1000·y (exact in float32), so that a
 * cutout's pixels say where they came from.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { type Card, FileSource, arrayData, emptyPrimary, gzip2Image, imageHeader, writeFitsFile } from "@qserv-tap/fits";
import { imageId, type ImageDataset, type ImageRegistry } from "../images/registry.js";

export interface TestImageSpec {
  ra: number;
  dec: number;
  /** Pixels on each side. */
  nx: number;
  ny: number;
  /** Arcseconds per pixel. */
  scale?: number;
  /** Degrees. */
  rotation?: number;
  /** afw: IMAGE, MASK, VARIANCE extensions, uncompressed; gzip2: the same three, GZIP_2 one row per tile. */
  layout?: "afw" | "gzip2";
  /** MJD-OBS and EXPTIME (s), and the band's wavelength range in metres, for the ObsCore-like ranges. */
  mjd?: number;
  exptime?: number;
  em?: readonly [number, number];
}

export function wcsCards(s: TestImageSpec): Card[] {
  const scale = (s.scale ?? 0.2) / 3600;
  const r = ((s.rotation ?? 0) * Math.PI) / 180;
  const real = (keyword: string, value: number): Card => ({ keyword, value, real: true });
  return [
    { keyword: "CTYPE1", value: "RA---TAN" },
    { keyword: "CTYPE2", value: "DEC--TAN" },
    real("CRPIX1", (s.nx + 1) / 2),
    real("CRPIX2", (s.ny + 1) / 2),
    real("CRVAL1", s.ra),
    real("CRVAL2", s.dec),
    real("CD1_1", -scale * Math.cos(r)),
    real("CD1_2", scale * Math.sin(r)),
    real("CD2_1", scale * Math.sin(r)),
    real("CD2_2", scale * Math.cos(r)),
    { keyword: "RADESYS", value: "ICRS" },
    ...(s.mjd !== undefined ? [real("MJD-OBS", s.mjd)] : []),
    ...(s.exptime !== undefined ? [real("EXPTIME", s.exptime)] : []),
  ];
}

/** Writes the image to `path`: an empty primary HDU, then IMAGE (float32), MASK (int32) and VARIANCE (float32). */
export async function writeTestImage(path: string, s: TestImageSpec): Promise<void> {
  const n = s.nx * s.ny;
  const image = new Float32Array(n);
  const mask = new Int32Array(n);
  const variance = new Float32Array(n);
  for (let y = 1; y <= s.ny; y++) {
    for (let x = 1; x <= s.nx; x++) {
      const i = (y - 1) * s.nx + (x - 1);
      image[i] = x + 1000 * y;
      mask[i] = (x + y) % 3 === 0 ? 1 : 0;
      variance[i] = 1;
    }
  }
  const cards = wcsCards(s);
  const planes = [
    ["IMAGE", image, -32],
    ["MASK", mask, 32],
    ["VARIANCE", variance, -32],
  ] as const;
  const hdus = planes.map(([extname, data, bitpix]) =>
    s.layout === "gzip2"
      ? gzip2Image(data, bitpix, [s.nx, s.ny], { extname, cards })
      : { header: imageHeader(bitpix, [s.nx, s.ny], { extname, cards }), data: arrayData(data) },
  );
  await writeFitsFile(path, [emptyPrimary(), ...hdus]);
}

/** A registry of test images by ID, in the shape of the local registry's IDs (repo "test"). */
export class TestRegistry implements ImageRegistry {
  readonly kind = "local" as const;
  private readonly byUuid = new Map<string, ImageDataset>();

  /** Writes the image into `dir` and registers it; returns its ID. */
  async add(dir: string, s: TestImageSpec, datasetType = "deep_coadd"): Promise<ImageDataset> {
    const uuid = randomUUID();
    const path = join(dir, `${uuid}.fits`);
    await writeTestImage(path, s);
    const d: ImageDataset = {
      id: imageId("qserv-tap.test", "test", uuid),
      datasetType,
      dataId: { band: "r" },
      cutout: datasetType !== "raw",
      ...(s.em ? { em: s.em } : {}),
      ...(s.mjd !== undefined ? { t: [s.mjd, s.mjd + (s.exptime ?? 30) / 86400] as const } : {}),
      open: async () => new FileSource(path),
    };
    this.byUuid.set(uuid, d);
    return d;
  }

  async resolve(id: string): Promise<ImageDataset | undefined> {
    const { parseImageId } = await import("../images/registry.js");
    const { repo, uuid } = parseImageId(id);
    return repo === "test" ? this.byUuid.get(uuid) : undefined;
  }

  async close(): Promise<void> {}
}
