/**
 * The XML around the rows: everything before the first row (`documentHead`) and after the last (`documentTail`),
 * and the DALI error document. Pure functions returning strings.
 */
import type { Column } from "../column.js";
import { compileColumns } from "../column.js";
import { VOTableError } from "../errors.js";
import { formatTimestamp } from "../format.js";
import type { Info, MetaResource, ResourceMeta, TableMeta } from "../model.js";
import type { Field } from "../model.js";
import { escapeAttr } from "../xml.js";
import { binaryNullValue } from "./binary.js";
import { attrs, checkId, description, infoElement } from "./elements.js";
import { metaResourceElement } from "./meta.js";
import { isColumns } from "./tabledata.js";

export { infoElement };

export type Serialization = "TABLEDATA" | "BINARY" | "BINARY2";

/** VOTable 1.4 keeps the 1.3 namespace (VOTable 1.4 §3 and its XML schema). */
export const VOTABLE_NAMESPACE = "http://www.ivoa.net/xml/VOTable/v1.3";
export const VOTABLE_VERSION = "1.4";

/** DALI 1.2 §5.4 values of INFO name="QUERY_STATUS". */
export type QueryStatus = "OK" | "ERROR" | "OVERFLOW";

export interface DocumentOptions {
  /** DESCRIPTION of the whole VOTABLE. */
  description?: string;
  /** The RESOURCE; its type defaults to "results" (DALI 1.2 §5.4). */
  resource?: ResourceMeta;
  table?: TableMeta;
  /**
   * The leading INFO name="QUERY_STATUS" (DALI 1.2 §5.4). Defaults to "OK"; `null` leaves it out (for VOTables
   * that are not DAL responses). When the overflow is only known at the end, leave this "OK" and report the overflow
   * in the trailer.
   */
  status?: QueryStatus | null;
  /** Text content of the leading QUERY_STATUS INFO. */
  statusMessage?: string;
  /** INFO name="QUERY" (TAP 1.1 §3.1): the query as received. */
  query?: string;
  /** INFO name="REQUEST_TIME": when the request was received, as an ISO 8601 UTC timestamp. */
  requestTime?: Date;
  /** More INFO elements for the RESOURCE, after the ones above and before the TABLE. */
  infos?: readonly Info[];
  /**
   * RESOURCE type="meta" elements after the results RESOURCE, such as DataLink 1.1 §4 service descriptors. Their
   * PARAMs may `ref` the IDs of the table's FIELDs. With none (or an empty list) the document is exactly as without
   * the option.
   */
  metaResources?: readonly MetaResource[];
}

export interface Trailer {
  /** A trailing QUERY_STATUS after the TABLE (DALI 1.2 §5.4.1, §5.4.2): written unless the leading one said so. */
  status?: "OVERFLOW" | "ERROR";
  message?: string;
  /** More INFO elements after the TABLE. */
  infos?: readonly Info[];
}

function fieldElement(col: Column, serialization: Serialization | undefined): string {
  const f = col.field;
  const a = attrs([
    ["name", f.name],
    ["ID", f.ID],
    ["datatype", f.datatype],
    ["arraysize", f.arraysize],
    ["xtype", f.xtype],
    ["unit", f.unit],
    ["ucd", f.ucd],
    ["utype", f.utype],
    ["ref", f.ref],
    ["width", f.width],
    ["precision", f.precision],
  ]);
  // Without DATA (VOParquet's header) only a declared null value remains: the rows elsewhere have nulls of their own.
  const magic = serialization === "TABLEDATA" || serialization === undefined ? col.nullValue : binaryNullValue(col, serialization === "BINARY2");
  const body = description(f.description) + (magic === undefined ? "" : `<VALUES null="${escapeAttr(String(magic))}"/>\n`);
  return body === "" ? `<FIELD${a}/>\n` : `<FIELD${a}>\n${body}</FIELD>\n`;
}

function votableOpen(description0: string | undefined): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<VOTABLE version="${VOTABLE_VERSION}" xmlns="${VOTABLE_NAMESPACE}">\n` +
    description(description0)
  );
}

function resourceOpen(options: DocumentOptions): string {
  const r = options.resource ?? {};
  checkId(r.ID, "RESOURCE");
  let out =
    `<RESOURCE${attrs([
      ["type", r.type ?? "results"],
      ["name", r.name],
      ["ID", r.ID],
      ["utype", r.utype],
    ])}>\n` + description(r.description);
  // DALI 1.2 §5.4: the QUERY_STATUS INFO comes first in the results RESOURCE, before the TABLE.
  const status = options.status === undefined ? "OK" : options.status;
  if (status !== null) {
    out += infoElement({ name: "QUERY_STATUS", value: status, content: options.statusMessage });
  }
  if (options.query !== undefined) out += infoElement({ name: "QUERY", value: options.query });
  if (options.requestTime !== undefined) {
    const t = formatTimestamp(options.requestTime);
    if (t === undefined) throw new VOTableError("VOTABLE_INVALID_OPTION", "requestTime is an invalid Date");
    out += infoElement({ name: "REQUEST_TIME", value: t + "Z", xtype: "timestamp" });
  }
  for (const info of options.infos ?? []) out += infoElement(info);
  return out;
}

const DATA_OPEN: Record<Serialization, string> = {
  TABLEDATA: "<DATA><TABLEDATA>\n",
  BINARY: '<DATA><BINARY><STREAM encoding="base64">\n',
  BINARY2: '<DATA><BINARY2><STREAM encoding="base64">\n',
};

const DATA_CLOSE: Record<Serialization, string> = {
  TABLEDATA: "</TABLEDATA></DATA>\n",
  BINARY: "</STREAM></BINARY></DATA>\n",
  BINARY2: "</STREAM></BINARY2></DATA>\n",
};

/** Everything up to the first row: the XML declaration, VOTABLE, RESOURCE, INFOs, TABLE, FIELDs and DATA. */
export function documentHead(
  fields: readonly Field[] | readonly Column[],
  serialization: Serialization,
  options: DocumentOptions = {},
): string {
  return tableHead(fields, serialization, options) + DATA_OPEN[serialization];
}

/**
 * A whole document whose TABLE has FIELDs and no DATA: the metadata of rows kept elsewhere, such as the
 * `IVOA.VOTable-Parquet.content` of a VOParquet file (IVOA Note VOParquet 1.0). The trailer goes after the TABLE.
 */
export function metadataDocument(
  fields: readonly Field[] | readonly Column[],
  options: DocumentOptions = {},
  trailer: Trailer = {},
  metaResources: readonly MetaResource[] = [],
): string {
  return tableHead(fields, undefined, options) + "</TABLE>\n" + resourceTail(trailer, metaResources);
}

function tableHead(fields: readonly Field[] | readonly Column[], serialization: Serialization | undefined, options: DocumentOptions): string {
  const columns = isColumns(fields) ? fields : compileColumns(fields);
  // VOTable 1.4 schema: a TABLE needs at least one FIELD, PARAM or GROUP.
  if (columns.length === 0) throw new VOTableError("VOTABLE_INVALID_FIELD", "a table needs at least one field");
  const t = options.table ?? {};
  checkId(t.ID, "TABLE");
  let out = votableOpen(options.description) + resourceOpen(options);
  out += `<TABLE${attrs([
    ["name", t.name],
    ["ID", t.ID],
    ["ucd", t.ucd],
    ["utype", t.utype],
    ["nrows", t.nrows],
  ])}>\n${description(t.description)}`;
  for (const col of columns) out += fieldElement(col, serialization);
  return out;
}

/**
 * Everything after the last row. The trailer's INFO elements go after the TABLE, as DALI 1.2 §5.4.1 shows; the meta
 * RESOURCEs after the results RESOURCE, written as given (writeTable checks them first).
 */
export function documentTail(serialization: Serialization, trailer: Trailer = {}, metaResources: readonly MetaResource[] = []): string {
  return DATA_CLOSE[serialization] + "</TABLE>\n" + resourceTail(trailer, metaResources);
}

function resourceTail(trailer: Trailer, metaResources: readonly MetaResource[]): string {
  let out = "";
  if (trailer.status !== undefined) {
    out += infoElement({ name: "QUERY_STATUS", value: trailer.status, content: trailer.message });
  }
  for (const info of trailer.infos ?? []) out += infoElement(info);
  out += "</RESOURCE>\n";
  for (const r of metaResources) out += metaResourceElement(r);
  return out + "</VOTABLE>\n";
}

export interface ErrorDocumentOptions {
  query?: string;
  requestTime?: Date;
  infos?: readonly Info[];
  description?: string;
}

/**
 * The error document of DALI 1.2 §5.2 and §5.4.2 and TAP 1.1 §3.3: a results RESOURCE whose QUERY_STATUS INFO is
 * ERROR, with the message as its content (and no TABLE).
 */
export function errorDocument(message: string, options: ErrorDocumentOptions = {}): string {
  return (
    votableOpen(options.description) +
    resourceOpen({ ...options, status: "ERROR", statusMessage: message }) +
    "</RESOURCE>\n</VOTABLE>\n"
  );
}
