/**
 * The one table of output formats: what a RESPONSEFORMAT (or FORMAT) value may say (DALI 1.2 §4.3.3, TAP 1.1 §2.7.3),
 * what Content-Type answers it, how TAPRegExt 1.0 §2.4 declares it in the capabilities, and what the writer does.
 * The writer (stream.ts: which encoder), the server's parameter check, its capabilities (declaredOutputFormats) and
 * the tests all read this table; adding a format is a row here and its writer.
 */
import type { Serialization } from "./encode/document.js";

export type OutputFormat = "tabledata" | "binary" | "binary2" | "csv" | "tsv" | "parquet";

export interface FormatDescription {
  format: OutputFormat;
  /** The MIME type the capabilities declare (TAPRegExt 1.0 §2.4 `mime`); the Content-Type of a short name. */
  mime: string;
  /** Content-Type of the result asked for by a short name: `mime`, with a charset for text. */
  contentType: string;
  /**
   * The media types (lower case, no parameters) that ask for this format when they come without parameters. A
   * VOTable media type with a `serialization` parameter asks for that serialization instead (VOTable 1.4 §1.4).
   */
  mimeTypes: readonly string[];
  /** The short names (lower case) RESPONSEFORMAT accepts, the first the usual one; all are declared as TAPRegExt `alias`. */
  aliases: readonly string[];
  /** TAPRegExt 1.0 §2.4 standard identifier of the format, where there is one. */
  ivoId?: string;
  /** The VOTable serialization, for VOTable formats. */
  serialization?: Serialization;
  /** Which writer makes it: the VOTable document, the delimited text, or VOParquet. */
  writer: "votable" | "delimited" | "parquet";
  /**
   * Whether an error or an overflow found after the first row can still be told in the result: VOTable's trailing
   * QUERY_STATUS INFO (DALI 1.2 §5.4.2), or, for Parquet, the INFO of the VOTable in the footer (VOParquet 1.0).
   * CSV and TSV cannot (DALI 1.2 §5.4.1).
   */
  statusInResult: boolean;
  /** Bytes, not text: nothing may re-encode it. */
  binaryContent: boolean;
  /** Whether gzip Content-Encoding is worth its CPU (RFC 9110 §8.4.1): text is; Parquet is compressed already. */
  gzip: boolean;
  /** File name extension for a saved result. */
  extension: string;
  /**
   * Whether a FIELD may declare a string's bound ("24*"). astropy 5.2 reads a bounded variable-length string in BINARY
   * and BINARY2 as if it were fixed-length (24 bytes), and so misreads every following cell; "*" it reads correctly.
   * The bound is advisory (VOTable 1.4 §2.2), so the binary serializations declare strings as "*".
   */
  boundedStrings: boolean;
}

function votable(format: "tabledata" | "binary" | "binary2", serialization: Serialization, ivoId: string, aliases: string[], mimeTypes: string[]): FormatDescription {
  const mime = `application/x-votable+xml;serialization=${serialization}`;
  return {
    format,
    mime,
    contentType: mime,
    mimeTypes,
    aliases,
    ivoId,
    serialization,
    writer: "votable",
    statusInResult: true,
    binaryContent: false,
    gzip: true,
    extension: "vot",
    boundedStrings: serialization === "TABLEDATA",
  };
}

/**
 * Every format served, in the order of the capabilities (the default, BINARY2, first). VOTable 1.4 §1.4 and DALI 1.2
 * name application/x-votable+xml and application/votable+xml; DALI 1.2 §4.3.3 also text/xml, which, like
 * application/xml, is what a browser shows: TABLEDATA, the readable one, unless a serialization is asked for.
 */
export const FORMATS: readonly FormatDescription[] = [
  votable("binary2", "BINARY2", "ivo://ivoa.net/std/TAPRegExt#output-votable-binary2", ["votable", "votable/b2", "votable/binary2", "votableb2"], ["application/x-votable+xml", "application/votable+xml"]),
  votable("tabledata", "TABLEDATA", "ivo://ivoa.net/std/TAPRegExt#output-votable-td", ["votable/td", "votable/tabledata", "votabletd"], ["text/xml", "application/xml"]),
  votable("binary", "BINARY", "ivo://ivoa.net/std/TAPRegExt#output-votable-binary", ["votable/b", "votable/binary", "votableb"], []),
  {
    format: "csv",
    mime: "text/csv;header=present",
    // Text formats carry their charset: without one, RFC 2046 makes text US-ASCII.
    contentType: "text/csv;charset=utf-8;header=present",
    mimeTypes: ["text/csv"],
    aliases: ["csv"],
    writer: "delimited",
    statusInResult: false,
    binaryContent: false,
    gzip: true,
    extension: "csv",
    boundedStrings: true,
  },
  {
    format: "tsv",
    mime: "text/tab-separated-values",
    contentType: "text/tab-separated-values;charset=utf-8",
    mimeTypes: ["text/tab-separated-values"],
    aliases: ["tsv"],
    writer: "delimited",
    statusInResult: false,
    binaryContent: false,
    gzip: true,
    extension: "tsv",
    boundedStrings: true,
  },
  {
    // DALI 1.2 §4.3.3 table of media types; the VOTable metadata travels as IVOA Note VOParquet 1.0 says.
    format: "parquet",
    mime: "application/vnd.apache.parquet",
    contentType: "application/vnd.apache.parquet",
    mimeTypes: ["application/vnd.apache.parquet", "application/x-parquet"],
    aliases: ["parquet", "voparquet"],
    writer: "parquet",
    statusInResult: true,
    binaryContent: true,
    gzip: false,
    extension: "parquet",
    boundedStrings: true,
  },
];

export const OUTPUT_FORMATS: readonly OutputFormat[] = FORMATS.map((f) => f.format);

/** The format of a request that names none (TAP 1.1 §2.7.3 leaves the default to the service): the table's first. */
export const DEFAULT_FORMAT: FormatDescription = FORMATS[0]!;

const BY_FORMAT = new Map(FORMATS.map((f) => [f.format, f]));

/** The table's row for a format, or undefined for a name that is none. */
export function findFormat(format: string): FormatDescription | undefined {
  return BY_FORMAT.get(format as OutputFormat);
}

/** The table's row for a format. */
export function formatDescription(format: OutputFormat): FormatDescription {
  const d = BY_FORMAT.get(format);
  if (!d) throw new TypeError(`unknown output format "${String(format)}"`);
  return d;
}

/** The media type of a MIME type: lower case, without parameters. */
export function mediaType(mime: string): string {
  const semi = mime.indexOf(";");
  return (semi < 0 ? mime : mime.slice(0, semi)).trim().toLowerCase();
}

/** One TAPRegExt 1.0 §2.4 `outputFormat` element. */
export interface DeclaredOutputFormat {
  format: OutputFormat;
  ivoId?: string;
  mime: string;
  aliases: readonly string[];
}

/**
 * The capabilities' `outputFormat` elements: exactly what RESPONSEFORMAT accepts. One per format (its `mime` and all
 * its short names); then one for each media type accepted that no `mime` above has, so that every media type a
 * client may send is declared (TAPRegExt 1.0 §2.4: "the service has to accept this string").
 */
export function declaredOutputFormats(): DeclaredOutputFormat[] {
  const out: DeclaredOutputFormat[] = FORMATS.map((f) => ({ format: f.format, ...(f.ivoId ? { ivoId: f.ivoId } : {}), mime: f.mime, aliases: f.aliases }));
  const declared = new Set(FORMATS.map((f) => mediaType(f.mime)));
  for (const f of FORMATS) {
    for (const t of f.mimeTypes) {
      if (declared.has(t)) continue;
      declared.add(t);
      out.push({ format: f.format, ...(f.ivoId ? { ivoId: f.ivoId } : {}), mime: t, aliases: [] });
    }
  }
  return out;
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

/** The media types of VOTable: a `serialization` parameter with any of them picks the VOTable format. */
const VOTABLE_TYPES = new Set(FORMATS.filter((f) => f.writer === "votable").flatMap((f) => [mediaType(f.mime), ...f.mimeTypes]));

/**
 * The format asked for by a RESPONSEFORMAT (or FORMAT) value: a short name or a MIME type (case-insensitive, spaces
 * and quotes around parameters ignored), as the table says. A VOTable MIME type may carry `serialization` (VOTable
 * 1.4 §1.4); without it, the format that lists the type (BINARY2, the one VOTable 1.4 §5.3 advises, for the VOTable
 * types). `charset` may only be utf-8 (what is written), and only for text; CSV's `header` must be `present` if given
 * (RFC 4180 §3). Undefined when the value names no format of ours.
 */
export function resolveResponseFormat(value: string): ResponseFormat | undefined {
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
  const s = p.get("serialization");
  const named = s !== undefined && VOTABLE_TYPES.has(type) ? FORMATS.find((f) => f.serialization === s.toUpperCase()) : FORMATS.find((f) => f.mimeTypes.includes(type));
  if (!named) return undefined;
  for (const [k, v] of p) {
    if (k === "charset" && !named.binaryContent && v.toLowerCase() === "utf-8") continue;
    if (k === "header" && named.format === "csv" && v.toLowerCase() === "present") continue;
    if (k === "serialization" && named.serialization !== undefined) continue;
    return undefined;
  }
  // VOTable 1.4 §1.4 gives the VOTable types a serialization parameter; text/xml and application/xml have none, and
  // are text: their charset is said, as for CSV.
  if (named.serialization !== undefined) {
    return { format: named.format, contentType: type.endsWith("votable+xml") ? `${type};serialization=${named.serialization}` : `${type};charset=utf-8` };
  }
  // The type as asked for, with the format's own parameters (charset, header).
  const own = named.contentType;
  const semi = own.indexOf(";");
  return { format: named.format, contentType: type + (semi < 0 ? "" : own.slice(semi)) };
}

/** The format of a RESPONSEFORMAT value (see resolveResponseFormat). */
export function parseResponseFormat(value: string): OutputFormat | undefined {
  return resolveResponseFormat(value)?.format;
}

/** The Content-Type of each format when asked for by its short name. */
export function contentType(format: OutputFormat): string {
  return formatDescription(format).contentType;
}
