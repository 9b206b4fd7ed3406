/**
 * Sky regions for fits-cutout, through @qserv-tap/sky: the HDU's WCS (FITS WCS papers I and II, SIP) and the
 * smallest pixel box holding every image pixel that the region touches.
 */
import { circle, parseWcs, polygon, rangeBox, regionPixelBox } from "@qserv-tap/sky";
import { FitsError } from "../errors.js";
import { headerValues, type ImageInfo, type Section } from "../image.js";
import type { Hdu } from "../layout.js";
import type { Region } from "./fits-cutout.js";


/** The pixel box of the region in the image, or undefined when they do not overlap. */
export async function skyRegionBox(hdu: Hdu, info: ImageInfo, region: Region): Promise<Section | undefined> {
  const wcs = parseWcs(headerValues(hdu));
  const cel = wcs.celestial;
  if (!cel || cel.lonAxis > 1 || cel.latAxis > 1) {
    throw new FitsError("FITS_UNSUPPORTED", "a sky region needs celestial coordinates on pixel axes 1 and 2", { hdu: hdu.index, card: "CTYPE1" });
  }
  const r =
    region.kind === "circle"
      ? circle(region.ra, region.dec, region.radius)
      : region.kind === "polygon"
        ? polygon(region.vertices)
        : rangeBox(region.ra1, region.ra2, region.dec1, region.dec2);
  const box = regionPixelBox(r, wcs, info.axes[0]!, info.axes[1] ?? 1);
  if (!box.overlap) return undefined;
  return [
    [box.x1, box.x2],
    [box.y1, box.y2],
  ];
}
