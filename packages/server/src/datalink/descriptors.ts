/**
 * DataLink 1.1 §4 service descriptors: the SODA sync cutout service (generic, for discovery results, or with one
 * dataset's bounds in VALUES, SODA 1.0 §4.2 and §4.3), the {links} service for ObsCore results (DataLink 1.1 §4.4),
 * and the "cutout around this row" service for catalogs with positions (ours, described in the server README).
 */
import type { MetaResource, ParamMeta } from "@qserv-tap/votable";
import type { ImageDataset } from "../images/registry.js";
import type { ImageBounds } from "./bounds.js";
import { DATALINK_CONTENT_TYPE, DATALINK_STANDARD_ID, SODA_SYNC_STANDARD_ID } from "./links.js";

const char = (name: string, value: string, extra: Partial<ParamMeta> = {}): ParamMeta => ({ name, datatype: "char", arraysize: "*", value, ...extra });

/** Where the services hang: the image service's public base URL (config.images.baseUrl). */
export function serviceUrls(base: string) {
  return {
    links: `${base}/datalink/links`,
    around: `${base}/datalink/around`,
    sodaSync: `${base}/soda/sync`,
    file: (id: string) => `${base}/images/files/${encodeURIComponent(id)}`,
    // "/" needs no escape in a query (RFC 3986 §3.4).
    preview: (id: string) => `${base}/soda/sync?ID=${encodeURIComponent(id)}&RESPONSEFORMAT=image/png`,
    cutout: (id: string, ra: number, dec: number, radius: number) =>
      `${base}/soda/sync?ID=${encodeURIComponent(id)}&CIRCLE=${encodeURIComponent(`${ra} ${dec} ${radius}`)}`,
  };
}

export interface SodaDescriptorOptions {
  /** XML ID, for service_def. */
  ID?: string;
  /** The dataset's ID as a fixed value, or the FIELD whose values are IDs. */
  id: { value: string } | { ref: string };
  /** One dataset's bounds and ranges, for the VALUES of SODA 1.0 §4.3; a generic descriptor has none. */
  bounds?: ImageBounds;
  dataset?: Pick<ImageDataset, "em" | "t" | "polStates">;
}

const num = (x: number) => String(x);

/** The SODA 1.0 sync service (§3.3 parameters, §4 integration), with Rubin's CUTOUTDETAIL. */
export function sodaDescriptor(base: string, o: SodaDescriptorOptions): MetaResource {
  const { bounds, dataset } = o;
  const idParam: ParamMeta = char("ID", "value" in o.id ? o.id.value : "", {
    ucd: "meta.ref.url;meta.curation",
    ...("ref" in o.id ? { ref: o.id.ref } : {}),
    description: "The publisher DID of the dataset of interest",
  });
  const inputs: ParamMeta[] = [
    idParam,
    char("POS", "", {
      ucd: "pos.outline;obs",
      description: "Region to cut out, as CIRCLE lon lat r, RANGE lon1 lon2 lat1 lat2 or POLYGON lon1 lat1 lon2 lat2 …, degrees (ICRS)",
    }),
    {
      name: "CIRCLE",
      datatype: "double",
      arraysize: "3",
      xtype: "circle",
      unit: "deg",
      ucd: "pos.outline;obs",
      value: "",
      description: "A circle (as a flattened array of ra, dec, radius) that should be covered by the cutout",
      // SODA 1.0 §4.3: for CIRCLE, only a MAX, a circle that covers the dataset.
      ...(bounds ? { values: { max: bounds.circle.map(num).join(" ") } } : {}),
    },
    {
      name: "POLYGON",
      datatype: "double",
      arraysize: "*",
      xtype: "polygon",
      unit: "deg",
      ucd: "pos.outline;obs",
      value: "",
      description: "A polygon (as a flattened array of ra, dec pairs) that should be covered by the cutout",
      ...(bounds ? { values: { max: bounds.polygon.map(num).join(" ") } } : {}),
    },
    {
      name: "BAND",
      datatype: "double",
      arraysize: "2",
      xtype: "interval",
      unit: "m",
      ucd: "em.wl;stat.interval",
      value: "",
      description: "Wavelength interval (vacuum, metres): the image is returned when its band overlaps it",
      ...(dataset?.em ? { values: { min: num(dataset.em[0]), max: num(dataset.em[1]) } } : {}),
    },
    {
      name: "TIME",
      datatype: "double",
      arraysize: "2",
      xtype: "interval",
      unit: "d",
      ucd: "time.interval;obs.exposure",
      value: "",
      description: "Time interval (MJD): the image is returned when its exposure overlaps it",
      ...(dataset?.t ? { values: { min: num(dataset.t[0]), max: num(dataset.t[1]) } } : {}),
    },
  ];
  // SODA 1.0 §3.3.5: POL only where the data has polarization states to choose from.
  const pol = dataset?.polStates?.split("/").filter((s) => s !== "");
  if (pol && pol.length > 0) {
    inputs.push(char("POL", "", { ucd: "meta.code;phys.polarization", description: "Polarization states to extract", values: { options: pol.map((value) => ({ value })) } }));
  }
  inputs.push(
    char("CUTOUTDETAIL", "", {
      description: "What the cutout holds: Image (the default) for the image pixels only; MaskedImage for the image, its mask and its variance",
      values: { options: [{ value: "Image" }, { value: "MaskedImage" }] },
    }),
    char("RESPONSEFORMAT", "", {
      ucd: "meta.code.mime",
      description: "application/fits (the default) for the cutout, image/png for a preview of it",
      values: { options: [{ value: "application/fits" }, { value: "image/png" }] },
    }),
  );
  return {
    ...(o.ID !== undefined ? { ID: o.ID } : {}),
    // Names of a document's descriptors are best distinct (STILTS warns otherwise).
    name: o.ID ?? "cutout",
    utype: "adhoc:service",
    description: "SODA cutout service: a FITS file of the part of the image that a region covers",
    params: [
      char("standardID", SODA_SYNC_STANDARD_ID),
      char("accessURL", serviceUrls(base).sodaSync, { ucd: "meta.ref.url" }),
      char("contentType", "application/fits"),
    ],
    groups: [{ name: "inputParams", params: inputs }],
  };
}

/** DataLink 1.1 §4.4: the {links} service, its ID taken from a result column. */
export function linksDescriptor(base: string, ref: string): MetaResource {
  return {
    name: "links",
    utype: "adhoc:service",
    description: "DataLink service: the files, cutout service and preview of each dataset",
    params: [
      char("standardID", DATALINK_STANDARD_ID),
      char("accessURL", serviceUrls(base).links, { ucd: "meta.ref.url" }),
      char("contentType", DATALINK_CONTENT_TYPE),
    ],
    groups: [{ name: "inputParams", params: [char("ID", "", { ucd: "meta.id;meta.main", ref, description: "The publisher DID of the dataset" })] }],
  };
}

/** The default and largest SIZE of the around service, degrees. */
export const AROUND_DEFAULT_SIZE = 0.005;
export const AROUND_MAX_SIZE = 1;

/**
 * Ours: the images that hold a row's position, each with a ready cutout around it. A custom service (DataLink 1.1
 * §4.2: no standardID), answering a {links} document.
 */
export function aroundDescriptor(base: string, raRef: string, decRef: string): MetaResource {
  const deg = (name: string, ref: string, ucd: string, description: string): ParamMeta => ({ name, datatype: "double", unit: "deg", ucd, value: "", ref, description });
  return {
    name: "cutout-around",
    utype: "adhoc:service",
    description:
      "Cutouts around this row: a DataLink table with, for each image that holds the row's position, a cutout (#cutout) of a circle of radius SIZE around it and the whole file (#this)",
    params: [
      char("accessURL", serviceUrls(base).around, { ucd: "meta.ref.url" }),
      char("contentType", DATALINK_CONTENT_TYPE),
      char("exampleURL", `${serviceUrls(base).around}?RA=0&DEC=0&SIZE=${AROUND_DEFAULT_SIZE}`, { description: "The images around RA 0, Dec 0 (perhaps none)" }),
    ],
    groups: [
      {
        name: "inputParams",
        params: [
          deg("RA", raRef, "pos.eq.ra", "Right ascension of the position (ICRS)"),
          deg("DEC", decRef, "pos.eq.dec", "Declination of the position (ICRS)"),
          {
            name: "SIZE",
            datatype: "double",
            unit: "deg",
            ucd: "phys.angSize",
            // The default as the value, for the user to change: pyvo 1.2.1's DatalinkQuery.from_resource fails on a
            // scalar numeric PARAM with an empty value (astropy reads it as None), and it keeps keyword arguments
            // over given values, so from_resource(row, descriptor, SIZE=…) chooses another.
            value: String(AROUND_DEFAULT_SIZE),
            description: `Radius of the cutouts, degrees: ${AROUND_DEFAULT_SIZE} unless another is given, up to ${AROUND_MAX_SIZE}`,
            values: { min: "0", minInclusive: false, max: String(AROUND_MAX_SIZE) },
          },
        ],
      },
    ],
  };
}
