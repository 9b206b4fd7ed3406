/**
 * Property: for random schemas and values (nulls, NaN, infinities, 64-bit integers, any Unicode, lone surrogates,
 * control characters), writer → reader gives back the values, as transformed by the documented conventions of each
 * serialization (test-support/expect.ts); in BINARY, up to a value that equals the null value picked for its field,
 * which the writer refuses.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Serialization } from "./encode/document.js";
import { readVOTable } from "./read/reader.js";
import { streamToBuffer, writeTable } from "./stream.js";
import { tableArb } from "./test-support/arbitraries.js";
import { describeDifference, expectRows, firstPickedNullCollision } from "./test-support/expect.js";

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
          // BINARY refuses a value equal to the null value it picked: the rows before it, then QUERY_STATUS=ERROR.
          const refused = firstPickedNullCollision(fields, rows, ser);
          const kept = refused < 0 ? rows : rows.slice(0, refused);
          if (refused >= 0) {
            const status = reader.infos.filter((i) => i.name === "QUERY_STATUS").at(-1);
            expect(status?.value).to.equal("ERROR");
            expect(status?.content).to.match(/is the null value that BINARY declares/);
          }
          const diff = describeDifference(got, expectRows(fields, kept, ser), fields);
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
