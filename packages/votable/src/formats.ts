/**
 * The one table of output formats: what a RESPONSEFORMAT (or FORMAT) value may say (DALI 1.2 §4.3.3, TAP 1.1 §2.7.3),
 * what Content-Type answers it, how TAPRegExt 1.0 §2.4 declares it in the capabilities, and what the writer does.
 * The server's parameter check, its capabilities and the tests all read this table.
 */
import type { Serialization } from "./encode/document.js";

export type OutputFormat = "tabledata" | "binary" | "binary2" | "csv" | "tsv" | "parquet";

export interface FormatDescription {
  format: OutputFormat;
  /** The Content-Type of a result asked for by a short name (and the declared `mime` of TAPRegExt). */
  mime: string;
  /** Content-Type of the result. */
  contentType: string;
  /** MIME types (lower case, no parameters) that name this format; a VOTable type names it with its serialization. */
  mimeTypes: readonly string[];
  /** Short names (lower case). Those in `declaredAliases` go into the capabilities. */
  aliases: readonly string[];
  /** The TAPRegExt `alias` elements. */
  declaredAliases: readonly string[];
  /** TAPRegExt 1.0 §2.4 standard identifier of the format, where there is one. */
  ivoId?: string;
  /** The VOTable serialization, for VOTable formats. */
  serialization?: Serialization;
  /**
   * Whether an error or an overflow found after the first row can still be told in the result: VOTable's trailing
   * QUERY_STATUS INFO (DALI 1.2 §5.4.2), or, for Parquet, the INFO of the VOTable in the footer (VOParquet 1.0).
   * CSV and TSV cannot (DALI 1.2 §5.4.1).
   */
  statusInResult: boolean;
  /** Bytes, not text: nothing may re-encode it. */
  binaryContent: boolean;
  /** File name extension for a saved result. */
  extension: string;
}

/** The VOTable MIME types: VOTable 1.4 §1.4 and DALI 1.2 name application/x-votable+xml and application/votable+xml; DALI also text/xml. */
const VOTABLE_MIMES = ["application/x-votable+xml", "application/votable+xml", "text/xml", "application/xml"];

function votable(format: "tabledata" | "binary" | "binary2", serialization: Serialization, ivoId: string, aliases: string[], declared: string[]): FormatDescription {
  const mime = `application/x-votable+xml;serialization=${serialization}`;
  return {
    format,
    mime,
    contentType: mime,
    mimeTypes: VOTABLE_MIMES,
    aliases,
    declaredAliases: declared,
    ivoId,
    serialization,
    statusInResult: true,
    binaryContent: false,
    extension: "vot",
  };
}

/** Every format served, in the order of the capabilities (the default, BINARY2, first). */
export const FORMATS: readonly FormatDescription[] = [
  votable("binary2", "BINARY2", "ivo://ivoa.net/std/TAPRegExt#output-votable-binary2", ["votable", "votable/b2", "votable/binary2", "votableb2"], ["votable", "votable/b2"]),
  votable("tabledata", "TABLEDATA", "ivo://ivoa.net/std/TAPRegExt#output-votable-td", ["votable/td", "votable/tabledata", "votabletd"], ["votable/td"]),
  votable("binary", "BINARY", "ivo://ivoa.net/std/TAPRegExt#output-votable-binary", ["votable/b", "votable/binary", "votableb"], ["votable/b"]),
  {
    format: "csv",
    mime: "text/csv;header=present",
    // Text formats carry their charset: without one, RFC 2046 makes text US-ASCII.
    contentType: "text/csv;charset=utf-8;header=present",
    mimeTypes: ["text/csv"],
    aliases: ["csv"],
    declaredAliases: ["csv"],
    statusInResult: false,
    binaryContent: false,
    extension: "csv",
  },
  {
    format: "tsv",
    mime: "text/tab-separated-values",
    contentType: "text/tab-separated-values;charset=utf-8",
    mimeTypes: ["text/tab-separated-values"],
    aliases: ["tsv"],
    declaredAliases: ["tsv"],
    statusInResult: false,
    binaryContent: false,
    extension: "tsv",
  },
  {
    // DALI 1.2 §4.3.3 table of media types; the VOTable metadata travels as IVOA Note VOParquet 1.0 says.
    format: "parquet",
    mime: "application/vnd.apache.parquet",
    contentType: "application/vnd.apache.parquet",
    mimeTypes: ["application/vnd.apache.parquet", "application/x-parquet"],
    aliases: ["parquet", "voparquet"],
    declaredAliases: ["parquet"],
    statusInResult: true,
    binaryContent: true,
    extension: "parquet",
  },
];

export const OUTPUT_FORMATS: readonly OutputFormat[] = FORMATS.map((f) => f.format);

const BY_FORMAT = new Map(FORMATS.map((f) => [f.format, f]));

/** The table's row for a format. */
export function formatDescription(format: OutputFormat): FormatDescription {
  const d = BY_FORMAT.get(format);
  if (!d) throw new TypeError(`unknown output format "${String(format)}"`);
  return d;
}

/** What a RESPONSEFORMAT value asks for. */
export interface ResponseFormat {
  format: OutputFormat;
  /**
   * The Content-Type of the answer: the format's own for a short name; for a MIME type, that type (DALI 1.2 §4.3.3:
   * "the response that delivers that content must set that media type in the Content-Type header").
   */
  contentType: string;
}

const SERIALIZATIONS: Record<string, OutputFormat> = { TABLEDATA: "tabledata", BINARY: "binary", BINARY2: "binary2" };

/**
 * The format asked for by a RESPONSEFORMAT (or FORMAT) value: a short name or a MIME type (case-insensitive, spaces
 * and quotes around parameters ignored). A VOTable MIME type may carry `serialization` (VOTable 1.4 §1.4); without it,
 * `votable` (default BINARY2, the one VOTable 1.4 §5.3 advises), or TABLEDATA for text/xml and application/xml. CSV's `header` must be `present` if given (RFC 4180
 * §3). Undefined when the value names no format of ours.
 */
export function resolveResponseFormat(value: string, votable: OutputFormat = "binary2"): ResponseFormat | undefined {
  const [type0 = "", ...params] = value.split(";").map((p) => p.trim());
  const type = type0.toLowerCase();
  const p = new Map<string, string>();
  for (const part of params) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) return undefined;
    const k = part.slice(0, eq).trim().toLowerCase();
    const v = part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    p.set(k, v);
  }
  const alias = FORMATS.find((f) => f.aliases.includes(type));
  if (alias) return p.size === 0 ? { format: alias.format, contentType: alias.contentType } : undefined;
  if (VOTABLE_MIMES.includes(type)) {
    for (const k of p.keys()) if (k !== "serialization" && k !== "charset") return undefined;
    const s = p.get("serialization");
    // The plain XML types are what a browser shows: TABLEDATA, the readable one, unless told otherwise.
    const plainXml = type === "text/xml" || type === "application/xml";
    const format = s === undefined ? (plainXml ? "tabledata" : votable) : SERIALIZATIONS[s.toUpperCase()];
    if (format === undefined) return undefined;
    const serialization = formatDescription(format).serialization!;
    // The XML types are text: their charset is said, as for CSV.
    const contentType = plainXml ? `${type};charset=utf-8` : `${type};serialization=${serialization}`;
    return { format, contentType };
  }
  const byMime = FORMATS.find((f) => f.mimeTypes.includes(type));
  if (!byMime) return undefined;
  for (const [k, v] of p) {
    if (k === "charset" && !byMime.binaryContent && v.toLowerCase() === "utf-8") continue;
    if (k === "header" && byMime.format === "csv" && v.toLowerCase() === "present") continue;
    return undefined;
  }
  // The type as asked for, with the format's own parameters (charset, header).
  const own = byMime.contentType;
  return { format: byMime.format, contentType: type + own.slice(own.indexOf(";") < 0 ? own.length : own.indexOf(";")) };
}

/** The format of a RESPONSEFORMAT value (see resolveResponseFormat). */
export function parseResponseFormat(value: string, votable: OutputFormat = "binary2"): OutputFormat | undefined {
  return resolveResponseFormat(value, votable)?.format;
}

/** The Content-Type of each format when asked for by its short name. */
export function contentType(format: OutputFormat): string {
  return formatDescription(format).contentType;
}
