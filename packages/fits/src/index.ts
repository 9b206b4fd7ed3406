export { FitsError, type FitsErrorCode, type FitsErrorDetails, BLOCK } from "./errors.js";
export { Header, type Card, type CardValue, type FitsComplex, formatCard, parseCard } from "./header.js";
export { type ByteSource, type SourceStat, type Range, FileSource, HttpSource, type HttpSourceOptions, MemorySource, readRanges } from "./source.js";
export { FitsFile, LayoutCache, type Hdu, type OpenOptions, dataSizeOf } from "./layout.js";
