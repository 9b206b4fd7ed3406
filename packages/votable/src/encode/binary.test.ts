import { expect } from "chai";
import { VOTableError } from "../errors.js";
import type { Field } from "../model.js";
import { BinaryEncoder } from "./binary.js";
import { Binary2Encoder } from "./binary2.js";
import { ByteSink } from "./sink.js";

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function bin(field: Omit<Field, "name">, value: unknown): string {
  return hex(new BinaryEncoder([{ name: "x", ...field } as Field], { nullFlags: false }).encodeRow([value]));
}

function bin2(field: Omit<Field, "name">, value: unknown): string {
  return hex(new Binary2Encoder([{ name: "x", ...field } as Field]).encodeRow([value]));
}

describe("BINARY cells (VOTable 1.4 §5.3, §6): big-endian, MSB first", function () {
  const cases: [string, Omit<Field, "name">, unknown, string][] = [
    ["boolean T", { datatype: "boolean" }, true, "54"],
    ["boolean F", { datatype: "boolean" }, false, "46"],
    ["boolean null is ? (§6)", { datatype: "boolean" }, null, "3f"],
    ["bit: the most significant bit", { datatype: "bit" }, true, "80"],
    ["bit array in the fewest bytes, padding 0", { datatype: "bit", arraysize: "10" }, [true, false, true, false, false, false, false, true, true, true], "a1c0"],
    ["variable bit array: count of bits, then bytes", { datatype: "bit", arraysize: "*" }, [true, true, true], "00000003e0"],
    // The row encoder's buffer starts at 256 bytes: the UTF-8 write grows it, and the count must land in the new one.
    ["a variable string longer than the buffer: its byte count, then its bytes", { datatype: "char", arraysize: "*" }, "x".repeat(100), "00000064" + "78".repeat(100)],
    ["unsignedByte", { datatype: "unsignedByte" }, 200, "c8"],
    ["short", { datatype: "short" }, -2, "fffe"],
    ["int", { datatype: "int" }, 1, "00000001"],
    ["long keeps 64 bits", { datatype: "long" }, 2n ** 62n + 1n, "4000000000000001"],
    ["float", { datatype: "float" }, 1.5, "3fc00000"],
    ["double", { datatype: "double" }, -2, "c000000000000000"],
    ["NaN is written as it is", { datatype: "double" }, NaN, "7ff8000000000000"],
    ["-Inf", { datatype: "float" }, -Infinity, "ff800000"],
    ["floatComplex: real then imaginary", { datatype: "floatComplex" }, [1, -1], "3f800000bf800000"],
    ["int null: the magic value of VALUES null, by default the minimum (§5.5)", { datatype: "int" }, null, "80000000"],
    ["short null: minimum", { datatype: "short" }, null, "8000"],
    ["unsignedByte null: 255", { datatype: "unsignedByte" }, null, "ff"],
    ["long null: minimum", { datatype: "long" }, null, "8000000000000000"],
    ["int null: the declared nullValue", { datatype: "int", nullValue: -1 }, null, "ffffffff"],
    ["float null is NaN (§5.5)", { datatype: "float" }, null, "7fc00000"],
    ["double null is NaN", { datatype: "double" }, null, "7ff8000000000000"],
    ["complex null is NaN NaN", { datatype: "floatComplex" }, null, "7fc000007fc00000"],
    ["variable array: 4-byte count of items, then the items (§5.3)", { datatype: "short", arraysize: "*" }, [1, 2], "0000000200010002"],
    ["null variable array: count 0", { datatype: "short", arraysize: "*" }, null, "00000000"],
    ["2x* counts slices of the last dimension", { datatype: "unsignedByte", arraysize: "2x*" }, [1, 2, 3, 4], "0000000201020304"],
    ["fixed array", { datatype: "unsignedByte", arraysize: "3" }, [1, 2, 3], "010203"],
    ["null fixed float array: NaNs", { datatype: "float", arraysize: "2" }, null, "7fc000007fc00000"],
    ["null fixed int array: magic values", { datatype: "short", arraysize: "2" }, null, "80008000"],
    ["null element in an int array: magic", { datatype: "short", arraysize: "2" }, [null, 1], "80000001"],
    ["char *: count of bytes, then UTF-8 (VOTable 1.5 and later)", { datatype: "char", arraysize: "*" }, "hé", "0000000368c3a9"],
    ["char fixed: NUL padded (§6)", { datatype: "char", arraysize: "4" }, "ab", "61620000"],
    ["char fixed: cut at a character boundary", { datatype: "char", arraysize: "2" }, "aé", "6100"],
    ["char null: empty", { datatype: "char", arraysize: "*" }, null, "00000000"],
    ["char scalar", { datatype: "char" }, "A", "41"],
    ["unicodeChar *: count of UTF-16 units, big-endian", { datatype: "unicodeChar", arraysize: "*" }, "aλ", "000000020061 03bb".replace(" ", "")],
    ["unicodeChar keeps surrogate pairs", { datatype: "unicodeChar", arraysize: "*" }, "😀", "00000002d83dde00"],
    ["unicodeChar fixed: NUL padded", { datatype: "unicodeChar", arraysize: "2" }, "a", "00610000"],
    ["a lone surrogate becomes U+FFFD", { datatype: "char", arraysize: "*" }, "\uD800", "00000003efbfbd"],
    ["multi-dimensional char: fixed-storage strings", { datatype: "char", arraysize: "2x*" }, ["a", "bc"], "0000000261006263"],
    ["timestamp from a Date", { datatype: "char", arraysize: "*", xtype: "timestamp" }, new Date(0), "00000013" + Buffer.from("1970-01-01T00:00:00").toString("hex")],
  ];
  for (const [why, field, value, want] of cases) {
    it(why, function () {
      expect(bin(field, value)).to.equal(want);
    });
  }
});

/**
 * BINARY has no null flags: an integer field without a declared null value gets one picked here (the minimum, 255 for
 * unsignedByte), and a real value equal to it would be read back as NULL (VOTable 1.4 §5.5, the VALUES null). Such a
 * value is refused, by the row encoder and by the batch encoder alike, rather than changed without a word.
 */
describe("BINARY: a value equal to the null value picked for its field is refused", function () {
  const cases: [string, Omit<Field, "name">, unknown, ArrayLike<unknown>][] = [
    ["int -2147483648", { datatype: "int" }, -2147483648, Int32Array.of(1, -2147483648)],
    ["short -32768", { datatype: "short" }, -32768, Int16Array.of(-32768)],
    ["unsignedByte 255", { datatype: "unsignedByte" }, 255, Uint8Array.of(0, 255)],
    ["long -2^63", { datatype: "long" }, -(2n ** 63n), BigInt64Array.of(5n, -(2n ** 63n))],
    ["int -2147483648 among plain values", { datatype: "int" }, -2147483648, [7, -2147483648]],
  ];
  const refused = /is the null value that BINARY declares for \w+ fields \(VALUES null\), so a reader would take it for NULL; BINARY2/;
  for (const [what, field, value, batch] of cases) {
    it(`${what}: a row`, function () {
      expect(() => bin(field, value)).to.throw(VOTableError, refused).with.property("code", "VOTABLE_UNREPRESENTABLE");
    });
    it(`${what}: a batch, whose rows before it are written (batch.ts, BatchRangeEncoder)`, function () {
      const enc = new BinaryEncoder([{ name: "x", ...field } as Field], { nullFlags: false });
      const range = enc.batchRange({ rowCount: batch.length, columns: [{ values: batch }] });
      const sink = new ByteSink(64);
      const at = batch.length - 1;
      if (at > 0) expect(range(0, sink, Infinity)).to.equal(at);
      const before = sink.len;
      expect(() => range(at, sink, Infinity)).to.throw(VOTableError, refused);
      expect(sink.len).to.equal(before);
    });
    it(`${what}: BINARY2 writes it, with the null flags apart`, function () {
      expect(bin2(field, value)).to.match(/^00/);
    });
  }
  it("a null cell of a batch is written as the picked value, and is no collision", function () {
    const enc = new BinaryEncoder([{ name: "x", datatype: "int" }], { nullFlags: false });
    const sink = new ByteSink(64);
    const range = enc.batchRange({ rowCount: 2, columns: [{ values: Int32Array.of(-2147483648, 3), nulls: Uint8Array.of(1, 0) }] });
    expect(range(0, sink, Infinity)).to.equal(2);
    expect(hex(sink.take())).to.equal("8000000000000003");
  });
  it("a value equal to a declared null value is NULL by that declaration, and written", function () {
    expect(bin({ datatype: "int", nullValue: -2147483648 }, -2147483648)).to.equal("80000000");
  });
});

describe("BINARY2 (VOTable 1.4 §5.4): null flags before each row", function () {
  it("one flag bit per field, the first field in the most significant bit", function () {
    const fields: Field[] = Array.from({ length: 9 }, (_, i) => ({ name: `c${i}`, datatype: "unsignedByte" }));
    const enc = new Binary2Encoder(fields);
    const row = [null, 1, 2, 3, 4, 5, 6, 7, null];
    // flags 1000 0000, 1000 0000 (unused bits 0); nulls are zero bytes.
    expect(hex(enc.encodeRow(row))).to.equal("8080" + "00" + "01020304050607" + "00");
  });

  const cases: [string, Omit<Field, "name">, unknown, string][] = [
    ["not null: flag 0 then the value", { datatype: "int" }, 7, "0000000007"],
    ["null int: flag, then zero bytes (no magic needed)", { datatype: "int" }, null, "8000000000"],
    ["null double: flag, then NaN (recommended)", { datatype: "double" }, null, "807ff8000000000000"],
    ["NaN is not null", { datatype: "double" }, NaN, "007ff8000000000000"],
    ["null variable array: flag, then count 0", { datatype: "double", arraysize: "*" }, null, "8000000000"],
    ["null string: flag, then count 0", { datatype: "char", arraysize: "*" }, null, "8000000000"],
    ["null boolean: flag, then a zero byte", { datatype: "boolean" }, null, "8000"],
    ["empty string is not null", { datatype: "char", arraysize: "*" }, "", "0000000000"],
  ];
  for (const [why, field, value, want] of cases) {
    it(why, function () {
      expect(bin2(field, value)).to.equal(want);
    });
  }

  it("a bad value leaves the sink as it was", function () {
    const enc = new Binary2Encoder([
      { name: "a", datatype: "int" },
      { name: "b", datatype: "int" },
    ]);
    expect(() => enc.encodeRow([1, "x"])).to.throw(VOTableError).with.property("code", "VOTABLE_INVALID_VALUE");
  });
});
