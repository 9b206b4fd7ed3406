/**
 * The DataLink 1.1 {links} document (§3): a results RESOURCE with INFO standardID, a TABLEDATA table whose FIELDs
 * are those of §3.2's table, then the service descriptors its rows name in service_def (§4). The FIELDs carry the
 * IDs and UCDs that Rubin's datalinker writes, so that a descriptor's PARAM may ref the ID column.
 */
import { writeTable, type Field, type MetaResource, type TableStream } from "@qserv-tap/votable";

export const DATALINK_STANDARD_ID = "ivo://ivoa.net/std/DataLink#links-1.1";
/** DataLink 1.1 §3.1: the preferred MIME type of a {links} response. */
export const DATALINK_CONTENT_TYPE = "application/x-votable+xml;content=datalink";
export const SODA_SYNC_STANDARD_ID = "ivo://ivoa.net/std/SODA#sync-1.0";

const text = (name: string, ucd?: string): Field => ({ name, ID: name, datatype: "char", arraysize: "*", ...(ucd ? { ucd } : {}) });

/** DataLink 1.1 §3.2, Table 1: the required FIELDs, then the optional ones of 1.1. */
export const LINK_FIELDS: readonly Field[] = [
  text("ID", "meta.id;meta.main"),
  text("access_url", "meta.ref.url"),
  text("service_def", "meta.ref"),
  text("error_message", "meta.code.error"),
  text("description", "meta.note"),
  text("semantics", "meta.code"),
  text("content_type", "meta.code.mime"),
  { name: "content_length", ID: "content_length", datatype: "long", unit: "byte", ucd: "phys.size;meta.file" },
  // §3.2.9: no UCD is given for content_qualifier.
  text("content_qualifier"),
  text("local_semantics", "meta.id.assoc"),
  text("link_auth", "meta.code"),
  { name: "link_authorized", ID: "link_authorized", datatype: "boolean", ucd: "meta.code" },
];

/** One row: exactly one of accessUrl, serviceDef and errorMessage (§3.2). */
export interface LinkRow {
  id: string;
  accessUrl?: string;
  serviceDef?: string;
  errorMessage?: string;
  description?: string;
  /** A datalink/core term as `#term` (§3.2.6). */
  semantics: string;
  contentType?: string;
  contentLength?: number;
  /** A product-type term as `#term` (§3.2.9). */
  contentQualifier?: string;
  localSemantics?: string;
  /** §3.2.11: "false", "optional" or "true". */
  linkAuth?: "false" | "optional" | "true";
  linkAuthorized?: boolean;
}

function cells(r: LinkRow): unknown[] {
  return [
    r.id,
    r.accessUrl ?? null,
    r.serviceDef ?? null,
    r.errorMessage ?? null,
    r.description ?? null,
    r.semantics,
    r.contentType ?? null,
    r.contentLength ?? null,
    r.contentQualifier ?? null,
    r.localSemantics ?? null,
    r.linkAuth ?? null,
    r.linkAuthorized ?? null,
  ];
}

export interface LinksOptions {
  /** The service stopped at its limit of IDs (§3.1.1): DALI's OVERFLOW. */
  overflow?: boolean;
  description?: string;
}

/** The {links} document, in TABLEDATA (§3.1.2: the serialization every client reads). */
export function linksDocument(rows: readonly LinkRow[], descriptors: readonly MetaResource[], options: LinksOptions = {}): TableStream {
  return writeTable(LINK_FIELDS, rows.map(cells), {
    format: "tabledata",
    status: options.overflow ? "OVERFLOW" : "OK",
    // §3.3.1: the INFO standardID in the results RESOURCE, before the TABLE.
    infos: [{ name: "standardID", value: DATALINK_STANDARD_ID }],
    ...(options.description !== undefined ? { table: { description: options.description } } : {}),
    ...(descriptors.length > 0 ? { metaResources: descriptors } : {}),
  });
}
