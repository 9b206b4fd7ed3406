/**
 * Sky regions for fits-cutout. They need a WCS and the region → pixel box of @qserv-tap/sky, which is not yet
 * available to this package: until it is, a sky region is refused with that reason (exit status 2).
 */
import { FitsError } from "../errors.js";
import type { ImageInfo, Section } from "../image.js";
import type { Hdu } from "../layout.js";
import type { Region } from "./fits-cutout.js";

export async function skyRegionBox(hdu: Hdu, _info: ImageInfo, region: Region): Promise<Section | undefined> {
  throw new FitsError("FITS_UNSUPPORTED", `--${region.kind} needs the WCS of @qserv-tap/sky, which fits-cutout does not use yet; use --pixels`, { hdu: hdu.index });
}
