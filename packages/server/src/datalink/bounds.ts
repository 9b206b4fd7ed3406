/**
 * The sky an image covers, from its own header: the WCS of its image HDU (through @qserv-tap/sky), its footprint,
 * and the covering circle. SODA 1.0 §4.3 asks a dataset's descriptor to say these in the VALUES of CIRCLE and
 * POLYGON; the "around" service asks whether an image holds a position. Headers are read once per ID and kept.
 */
import { FitsFile, firstImage, headerValues, imageInfo, type Hdu } from "@qserv-tap/fits";
import { angularSeparation, footprint, parseWcs, unitVector, type Wcs } from "@qserv-tap/sky";
import type { ImageDataset } from "../images/registry.js";

export interface ImageBounds {
  wcs: Wcs;
  naxis1: number;
  naxis2: number;
  /** The file's size in bytes. */
  size: number;
  /** Footprint vertices, lon lat pairs flattened (DALI polygon), counter-clockwise as SODA 1.0 §3.3.1's example. */
  polygon: number[];
  /** A circle holding the whole image: centre lon, lat and radius, degrees (DALI circle). */
  circle: [number, number, number];
}


/** The image HDU whose pixels SODA cuts: the one named IMAGE (Rubin's layouts), else the first image. */
function imageHdu(file: FitsFile): Hdu {
  return file.hdus.find((h) => String(h.header.get("EXTNAME") ?? "").trim().toUpperCase() === "IMAGE") ?? firstImage(file);
}

/** Rounds outwards to 1e-8° (36 µas), so that the printed circle still holds the image. */
const up = (x: number) => Math.ceil(x * 1e8) / 1e8;
const round = (x: number) => Math.round(x * 1e8) / 1e8;

export async function readBounds(dataset: ImageDataset): Promise<ImageBounds> {
  const source = await dataset.open();
  let file: FitsFile | undefined;
  try {
    file = await FitsFile.open(source);
    const hdu = imageHdu(file);
    const info = imageInfo(hdu);
    const [naxis1, naxis2] = [info.axes[0] ?? 1, info.axes[1] ?? 1];
    const wcs = parseWcs(headerValues(hdu, file.hdus[0]));
    const f = footprint(wcs, naxis1, naxis2);
    const centre = wcs.pixelToSky((naxis1 + 1) / 2, (naxis2 + 1) / 2);
    if (!centre) throw new Error("the image's centre has no sky position");
    const c = unitVector(centre[0], centre[1]);
    // The distance from the centre along a short great-circle edge peaks at one of its ends, so the vertices
    // (which follow the edge to 0.01 pixel) bound the image.
    let radius = 0;
    for (const [lon, lat] of f.vertices) radius = Math.max(radius, angularSeparation(c, unitVector(lon, lat)));
    return {
      wcs,
      naxis1,
      naxis2,
      size: file.size,
      polygon: f.vertices.flatMap(([lon, lat]) => [round(lon), round(lat)]),
      circle: [round(centre[0]), round(centre[1]), up(radius + 1e-8)],
    };
  } finally {
    if (file) await file.close().catch(() => {});
    else await source.close().catch(() => {});
  }
}

/** Whether the image holds the position: its pixel (FITS, 1-based) falls within the outer edges of the edge pixels. */
export function covers(b: ImageBounds, ra: number, dec: number): boolean {
  const p = b.wcs.skyToPixel(ra, dec);
  if (!p) return false;
  const [x, y] = p;
  return x >= 0.5 && x <= b.naxis1 + 0.5 && y >= 0.5 && y <= b.naxis2 + 0.5;
}

/**
 * Bounds by image ID, read at most once each (concurrent askers share the read); a failed read is not kept, so the
 * next request tries again. At most `max` entries, the oldest dropped first.
 */
export class BoundsCache {
  private readonly entries = new Map<string, Promise<ImageBounds>>();
  constructor(private readonly max = 10_000) {}

  get(dataset: ImageDataset): Promise<ImageBounds> {
    const hit = this.entries.get(dataset.id);
    if (hit) {
      // Map order is insertion order: re-inserting keeps recently used entries last.
      this.entries.delete(dataset.id);
      this.entries.set(dataset.id, hit);
      return hit;
    }
    const p = readBounds(dataset);
    this.entries.set(dataset.id, p);
    p.catch(() => {
      if (this.entries.get(dataset.id) === p) this.entries.delete(dataset.id);
    });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    return p;
  }
}
