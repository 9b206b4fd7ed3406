// The public API of @qserv-tap/votable. Everything else is internal.
export type {
  Complex,
  CellValue,
  Datatype,
  Field,
  GroupMeta,
  Info,
  MetaResource,
  OptionMeta,
  ParamMeta,
  ResourceMeta,
  Row,
  Shape,
  TableMeta,
  ValuesMeta,
} from "./model.js";
export {
  DATATYPES,
  circleField,
  parseArraysize,
  pointField,
  polygonField,
  timestampField,
} from "./model.js";
export type { VOTableErrorCode, VOTableErrorDetails } from "./errors.js";
export { VOTableError, isVOTableError } from "./errors.js";
export type { OutputFormat, RowSource, WriteOptions } from "./stream.js";
export { TableStream, streamToBuffer, writeTable } from "./stream.js";
export type { DeclaredOutputFormat, FormatDescription, ResponseFormat } from "./formats.js";
export {
  DEFAULT_FORMAT,
  FORMATS,
  OUTPUT_FORMATS,
  contentType,
  declaredOutputFormats,
  findFormat,
  formatDescription,
  mediaType,
  parseResponseFormat,
  resolveResponseFormat,
} from "./formats.js";
export type { ParquetWriteOptions } from "./parquet.js";
export { ParquetStream, VOPARQUET_CONTENT_KEY, VOPARQUET_VERSION, VOPARQUET_VERSION_KEY } from "./parquet.js";
export type { DocumentOptions, ErrorDocumentOptions, QueryStatus, Serialization, Trailer } from "./encode/document.js";
export { VOTABLE_NAMESPACE, VOTABLE_VERSION, documentHead, documentTail, errorDocument, metadataDocument } from "./encode/document.js";
export { TableDataEncoder } from "./encode/tabledata.js";
export { BinaryEncoder } from "./encode/binary.js";
export { Binary2Encoder } from "./encode/binary2.js";
export { DelimitedEncoder } from "./encode/csv.js";
export { ByteSink } from "./encode/sink.js";
export type { TextEncodingPoolOptions } from "./encode/pool.js";
export { TextEncodingPool } from "./encode/pool.js";
export type { Param, ReadInfo, ReadInput, ReadLimits, ReadOptions } from "./read/reader.js";
export { DEFAULT_READ_LIMITS, VOTableReader, readVOTable } from "./read/reader.js";
export { escapeAttr, escapeText, xmlSafe } from "./xml.js";
export type { BatchColumn, ColumnBatch, RowOrBatch } from "./batch.js";
export { batchRow, headOfBatch, isColumnBatch } from "./batch.js";
