/**
 * What a cutout takes from a dataset: the image HDU (and the mask and variance planes), its WCS, and for a request's
 * filters the pixel box (sky regions through @qserv-tap/sky's regionPixelBox) or the answer that nothing overlaps
 * (SODA 1.0 §5.1). BAND and TIME filter a 2-D image by its ObsCore em_* and t_* ranges; POL by its pol_states.
 *
 * Layouts are cached by file (fits' LayoutCache, keyed by path, size and mtime or ETag); the parsed WCS and the HDUs
 * chosen hang on the cached layout (a WeakMap keyed by it), so that a repeated cutout of a dataset reads no header and
 * parses no WCS.
 */
import {
  type ByteSource,
  type FitsFile,
  FitsFile as Fits,
  type Hdu,
  type ImageInfo,
  LayoutCache,
  type Section,
  type SourceStat,
  firstImage,
  headerValues,
  imageInfo,
  isImage,
} from "@qserv-tap/fits";
import { parseWcs, regionPixelBox, WcsError, type Wcs } from "@qserv-tap/sky";
import type { ImageDataset } from "../images/registry.js";
import { SodaError, usage } from "./errors.js";
import type { IntervalFilter, SpatialFilter } from "./params.js";

export interface ImageView {
  image: Hdu;
  info: ImageInfo;
  /** The celestial WCS, or why there is none usable. */
  wcs: Wcs | WcsError;
  mask?: Hdu;
  variance?: Hdu;
}

export interface OpenedImage extends ImageView {
  file: FitsFile;
}


const extname = (h: Hdu) => (h.header.string("EXTNAME") ?? "").trim().toUpperCase();

function viewOf(hdus: readonly Hdu[], file: FitsFile): ImageView {
  // The image plane is the HDU named IMAGE (afw and lsst.images layouts), or else the file's first image.
  const image = hdus.find((h) => extname(h) === "IMAGE" && isImage(h)) ?? firstImage(file);
  const info = imageInfo(image);
  let wcs: Wcs | WcsError;
  try {
    wcs = parseWcs(headerValues(image));
    const cel = wcs.celestial;
    if (!cel || cel.lonAxis > 1 || cel.latAxis > 1) wcs = new WcsError("NO_CELESTIAL_AXES", "the image has no celestial coordinates on pixel axes 1 and 2");
  } catch (e) {
    if (!(e instanceof WcsError)) throw e;
    wcs = e;
  }
  const plane = (name: string) => {
    const h = hdus.find((x) => extname(x) === name && isImage(x));
    if (!h) return undefined;
    const i = imageInfo(h);
    return i.axes.length === info.axes.length && i.axes.every((n, k) => n === info.axes[k]) ? h : undefined;
  };
  const mask = plane("MASK");
  const variance = plane("VARIANCE");
  return { image, info, wcs, ...(mask ? { mask } : {}), ...(variance ? { variance } : {}) };
}

/** How long an opened file (and its size and version) is reused by the cutouts that follow. */
export const SOURCE_TTL_MS = 5000;
const MAX_OPEN_SOURCES = 64;

interface Pooled {
  dataset: ImageDataset;
  source: Promise<ByteSource>;
  stat?: Promise<SourceStat>;
  opened: number;
  users: number;
  retired: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * A dataset's byte source shared by the cutouts of a few seconds: opening, stat-ing and closing a file cost as much
 * as reading a 200 × 200 section. A source is used for SOURCE_TTL_MS from its opening (so a replaced file is seen
 * within that time), closed when its last user is done after that, or when idle for that long.
 */
class SourcePool {
  private readonly entries = new Map<string, Pooled>();

  async acquire(dataset: ImageDataset): Promise<ByteSource> {
    const now = Date.now();
    let e = this.entries.get(dataset.id);
    if (e && (e.dataset !== dataset || now - e.opened >= SOURCE_TTL_MS)) {
      this.retire(e);
      e = undefined;
    }
    if (!e) {
      e = { dataset, source: dataset.open(), opened: now, users: 0, retired: false };
      const entry = e;
      this.entries.set(dataset.id, entry);
      entry.source.catch(() => this.retire(entry));
      this.evict();
    }
    const entry = e;
    entry.users++;
    clearTimeout(entry.timer);
    let source: ByteSource;
    try {
      source = await entry.source;
    } catch (err) {
      this.release(entry);
      throw err;
    }
    let released = false;
    return {
      id: source.id,
      stat: () => (entry.stat ??= source.stat().catch((err: unknown) => {
        delete entry.stat;
        this.retire(entry);
        throw err;
      })),
      read: (offset, length) =>
        source.read(offset, length).catch((err: unknown) => {
          // A source that failed once is not trusted again.
          this.retire(entry);
          throw err;
        }),
      close: async () => {
        if (released) return;
        released = true;
        this.release(entry);
      },
    };
  }

  private release(e: Pooled): void {
    e.users--;
    if (e.users > 0) return;
    if (e.retired) return void this.closeNow(e);
    e.timer = setTimeout(() => this.retire(e), SOURCE_TTL_MS);
    e.timer.unref();
  }

  private retire(e: Pooled): void {
    if (this.entries.get(e.dataset.id) === e) this.entries.delete(e.dataset.id);
    e.retired = true;
    clearTimeout(e.timer);
    if (e.users === 0) this.closeNow(e);
  }

  private closeNow(e: Pooled): void {
    e.source.then((s) => s.close()).catch(() => {});
  }

  /** Idle sources beyond MAX_OPEN_SOURCES go, oldest first. */
  private evict(): void {
    if (this.entries.size <= MAX_OPEN_SOURCES) return;
    for (const e of this.entries.values()) {
      if (this.entries.size <= MAX_OPEN_SOURCES) return;
      if (e.users === 0) this.retire(e);
    }
  }
}

/** Opens datasets' files through one layout cache and a pool of open sources, and keeps each layout's image view. */
export class ImageOpener {
  readonly layouts: LayoutCache;
  private readonly views = new WeakMap<readonly Hdu[], ImageView>();
  private readonly pool = new SourcePool();

  constructor(size = 1024) {
    this.layouts = new LayoutCache(size);
  }

  async open(dataset: ImageDataset): Promise<OpenedImage> {
    const source = await this.pool.acquire(dataset);
    try {
      const file = await Fits.open(source, { cache: this.layouts });
      let view = this.views.get(file.hdus);
      if (!view) {
        view = viewOf(file.hdus, file);
        this.views.set(file.hdus, view);
      }
      return { file, ...view };
    } catch (e) {
      await source.close().catch(() => {});
      throw e;
    }
  }
}

/** One combination of filters (one file). */
export interface Filters {
  spatial?: SpatialFilter;
  band?: IntervalFilter;
  time?: IntervalFilter;
  pol: readonly string[];
}

export type Plan = { overlap: false; reason: string } | { overlap: true; section: Section; pixels: number };

const overlaps = (f: IntervalFilter, range: readonly [number, number] | undefined) => range === undefined || (f.lo <= range[1] && f.hi >= range[0]);

/**
 * The section to cut, or why nothing overlaps. A cutout over `maxPixels` (its 2-D box; the planes of a MaskedImage
 * share it) is a UsageError naming the limit.
 */
export function planCutout(view: ImageView, dataset: ImageDataset, f: Filters, maxPixels: number): Plan {
  if (f.band && !overlaps(f.band, dataset.em)) {
    return { overlap: false, reason: `BAND ${f.band.text.trim()} does not overlap the dataset's wavelengths ${dataset.em![0]} to ${dataset.em![1]} m` };
  }
  if (f.time && !overlaps(f.time, dataset.t)) {
    return { overlap: false, reason: `TIME ${f.time.text.trim()} does not overlap the dataset's times, MJD ${dataset.t![0]} to ${dataset.t![1]}` };
  }
  if (f.pol.length > 0) {
    const states = (dataset.polStates ?? "").split("/").filter((s) => s !== "");
    if (states.length === 0) return { overlap: false, reason: `POL ${f.pol.join(" ")}: the dataset has no polarization axis (no pol_states)` };
    if (!f.pol.some((p) => states.includes(p))) return { overlap: false, reason: `POL ${f.pol.join(" ")}: the dataset has only ${states.join(", ")}` };
  }
  const axes = view.info.axes;
  const section: Section = axes.map((n) => [1, n] as [number, number]);
  if (f.spatial) {
    if (view.wcs instanceof WcsError) {
      throw new SodaError(422, "Error", `${f.spatial.param}: the dataset's WCS cannot map sky regions to pixels: ${view.wcs.message}`, "SODA_NO_WCS");
    }
    const box = regionPixelBox(f.spatial.region, view.wcs, axes[0]!, axes[1] ?? 1);
    if (!box.overlap) return { overlap: false, reason: `${f.spatial.param} ${f.spatial.text.trim()} does not overlap the image` };
    section[0] = [box.x1, box.x2];
    if (axes.length > 1) section[1] = [box.y1, box.y2];
  }
  const width = section[0]![1] - section[0]![0] + 1;
  const height = section.length > 1 ? section[1]![1] - section[1]![0] + 1 : 1;
  let pixels = 1;
  for (const [a, b] of section) pixels *= b - a + 1;
  if (pixels > maxPixels) {
    throw usage(
      `${f.spatial?.param ?? "the request"}: the cutout would be ${width} × ${height} = ${pixels} pixels, more than this service's limit of ${maxPixels} (images.maxCutoutPixels)`,
      "SODA_TOO_LARGE",
    );
  }
  return { overlap: true, section, pixels };
}
