/**
 * Sky regions for fits-cutout, through @qserv-tap/sky: the HDU's WCS (FITS WCS papers I and II, SIP) and the
 * smallest pixel box holding every image pixel that the region touches.
 */
import { circle, parseWcs, polygon, rangeBox, regionPixelBox, type HeaderValue } from "@qserv-tap/sky";
import { FitsError } from "../errors.js";
import type { ImageInfo, Section } from "../image.js";
import type { Hdu } from "../layout.js";
import type { Region } from "./fits-cutout.js";

/** The header's values as the WCS parser takes them; a tile-compressed HDU's image axes replace its table's. */
function headerValues(hdu: Hdu, info: ImageInfo): Map<string, HeaderValue> {
  const values = new Map<string, HeaderValue>();
  for (const c of hdu.header.cards) {
    if (values.has(c.keyword) || c.value === undefined || c.value === null) continue;
    const v = c.value;
    if (typeof v === "bigint") values.set(c.keyword, Number(v));
    else if (typeof v !== "object") values.set(c.keyword, v);
  }
  if (info.tiled) {
    for (const k of [...values.keys()]) if (/^NAXIS\d*$/.test(k)) values.delete(k);
  }
  // Paper II §2.5: PVi_3 and PVi_4 of the longitude axis are LONPOLE and LATPOLE by another name (Rubin's
  // headers carry both). @qserv-tap/sky refuses PVi_m, so the aliases are given under their own names here.
  for (const [key, v] of values) {
    const m = /^CTYPE(\d+)$/.exec(key);
    if (!m || typeof v !== "string" || !/^(RA--|[A-Z]LON|[A-Z]{2}LN)/.test(v)) continue;
    for (const [pv, name] of [[`PV${m[1]}_3`, "LONPOLE"], [`PV${m[1]}_4`, "LATPOLE"]] as const) {
      const alias = values.get(pv);
      if (alias === undefined || (values.has(name) && values.get(name) !== alias)) continue;
      values.set(name, alias);
      values.delete(pv);
    }
  }
  values.set("NAXIS", info.axes.length);
  info.axes.forEach((n, k) => values.set(`NAXIS${k + 1}`, n));
  return values;
}

/** The pixel box of the region in the image, or undefined when they do not overlap. */
export async function skyRegionBox(hdu: Hdu, info: ImageInfo, region: Region): Promise<Section | undefined> {
  const wcs = parseWcs(headerValues(hdu, info));
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
