export { FitsError, type FitsErrorCode, type FitsErrorDetails, BLOCK } from "./errors.js";
export { Header, type Card, type CardValue, type FitsComplex, formatCard, parseCard } from "./header.js";
export { type ByteSource, type SourceStat, type Range, FileSource, HttpSource, type HttpSourceOptions, MemorySource, readRanges } from "./source.js";
export { FitsFile, LayoutCache, type Hdu, type OpenOptions, dataSizeOf } from "./layout.js";
export {
  type Bitpix,
  type ImageInfo,
  type ImageSection,
  type PhysicalArray,
  type ReadOptions,
  type Section,
  type StoredArray,
  bytesPerPixel,
  checkSection,
  forEachRow,
  fromBigEndian,
  headerValues,
  imageInfo,
  isImage,
  physical,
  readSection,
  readSectionBytes,
  sectionShape,
  storedArray,
  toBigEndian,
} from "./image.js";
export { type Compression, type Quantize, type TiledInfo, ditherRandoms, tiledInfo } from "./tiled.js";
export { riceDecode } from "./rice.js";
export { OnesSum, addSums, encodeChecksum } from "./checksum.js";
export {
  type Gzip2Options,
  type HduData,
  type HduToWrite,
  type ImageHeaderOptions,
  type WriteOptions,
  arrayData,
  bytesData,
  emptyPrimary,
  fitsByteLength,
  fitsChunks,
  gzip2Image,
  imageHeader,
  isStructural,
  withChecksum,
  writeFitsFile,
} from "./write.js";
export { type Cutout, clipSection, cutCards, cutout, cutoutStream, firstImage, sectionData } from "./cutout.js";
export { type ZScaleOptions, asinhStretch, crc32, encodePng, greyLevels, previewPng, zscale } from "./preview.js";
export { type Column as TableColumn, tableColumns, cell as tableCell, descriptor as arrayDescriptor } from "./bintable.js";
