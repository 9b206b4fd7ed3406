/**
 * @duckdb/node-api decodes VARCHAR values with a default TextDecoder, which removes a leading
 * U+FEFF as if it were a byte-order mark: a value that begins with one loses it. Text in a
 * database is not a stream that may carry a BOM, so every character is kept. The library reads
 * the decoder from its module's exports at each call, so replacing it there is enough; this
 * module is imported before any query runs. (1.5.6-r.1; checked by backends/duckdb-text.test.ts.)
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const accessors = require("@duckdb/node-api/lib/vectors/dataAccessors.js") as { textDecoder: { decode(bytes: Uint8Array): string } };
accessors.textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
