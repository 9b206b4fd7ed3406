/**
 * Property: for random schemas and values (nulls, NaN, infinities, 64-bit integers, any Unicode, lone surrogates,
 * control characters), writer → reader gives back the values, as transformed by the documented conventions of each
 * serialization (test-support/expect.ts).
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Serialization } from "./encode/document.js";
import { readVOTable } from "./read/reader.js";
import { streamToBuffer, writeTable } from "./stream.js";
import { tableArb } from "./test-support/arbitraries.js";
import { describeDifference, expectRows } from "./test-support/expect.js";

const FORMATS: [Serialization, "tabledata" | "binary" | "binary2"][] = [
  ["TABLEDATA", "tabledata"],
  ["BINARY", "binary"],
  ["BINARY2", "binary2"],
];

describe("round trip: writer → reader, random schemas and values (fast-check)", function () {
  this.timeout(60_000);
  for (const [ser, format] of FORMATS) {
    it(`${ser}: the values come back as VOTable 1.4 §5 says they should`, async function () {
      await fc.assert(
        fc.asyncProperty(tableArb, async ({ fields, rows }) => {
          const bytes = await streamToBuffer(writeTable(fields, rows, { format, chunkSize: 64 }));
          const reader = await readVOTable(bytes);
          const got = (await reader.toArray()) as unknown[][];
          const diff = describeDifference(got, expectRows(fields, rows, ser), fields);
          expect(diff, diff).to.equal(undefined);
          expect(reader.fields.map((f) => [f.name, f.datatype, f.arraysize])).to.deep.equal(
            fields.map((f) => [f.name, f.datatype, f.arraysize]),
          );
        }),
        { numRuns: 150, seed: 20261124 },
      );
    });
  }
});
