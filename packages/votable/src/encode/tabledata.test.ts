import { expect } from "chai";
import { VOTableError } from "../errors.js";
import type { Field } from "../model.js";
import { TableDataEncoder } from "./tabledata.js";

/** One cell's TD, for a field and a value. */
function td(field: Omit<Field, "name">, value: unknown): string {
  const row = new TableDataEncoder([{ name: "x", ...field } as Field]).encodeRow([value]);
  return row.slice("<TR>".length, -"</TR>\n".length);
}

describe("TABLEDATA cells (VOTable 1.4 §5.1, §6)", function () {
  const cases: [string, Omit<Field, "name">, unknown, string][] = [
    ["a null is an empty TD (§5.1)", { datatype: "int" }, null, "<TD/>"],
    ["undefined is null too", { datatype: "double" }, undefined, "<TD/>"],
    ["boolean true as T (§6)", { datatype: "boolean" }, true, "<TD>T</TD>"],
    ["boolean false as F", { datatype: "boolean" }, false, "<TD>F</TD>"],
    ["bit", { datatype: "bit" }, true, "<TD>1</TD>"],
    ["bit array: 0 and 1, blank-separated as other arrays (§5.1, §6)", { datatype: "bit", arraysize: "5" }, [true, false, true, true, false], "<TD>1 0 1 1 0</TD>"],
    ["unsignedByte", { datatype: "unsignedByte" }, 255, "<TD>255</TD>"],
    ["short", { datatype: "short" }, -32768, "<TD>-32768</TD>"],
    ["int", { datatype: "int" }, 2147483647, "<TD>2147483647</TD>"],
    ["long as bigint, every digit kept", { datatype: "long" }, 9007199254740993n, "<TD>9007199254740993</TD>"],
    ["long minimum", { datatype: "long" }, -(2n ** 63n), "<TD>-9223372036854775808</TD>"],
    ["long from a safe integer number", { datatype: "long" }, 42, "<TD>42</TD>"],
    ["long from a decimal string (DECIMAL/BIGINT drivers)", { datatype: "long" }, "-12345678901234567", "<TD>-12345678901234567</TD>"],
    ["float: shortest float32 text", { datatype: "float" }, 0.1, "<TD>0.1</TD>"],
    ["double", { datatype: "double" }, 0.1, "<TD>0.1</TD>"],
    ["NaN is written as it is (§6)", { datatype: "double" }, NaN, "<TD>NaN</TD>"],
    ["+Inf", { datatype: "float" }, Infinity, "<TD>+Inf</TD>"],
    ["-Inf", { datatype: "double" }, -Infinity, "<TD>-Inf</TD>"],
    ["double from a numeric string", { datatype: "double" }, "1.25e3", "<TD>1250</TD>"],
    ["floatComplex: real and imaginary separated by a blank (§6)", { datatype: "floatComplex" }, [1.5, -0.1], "<TD>1.5 -0.1</TD>"],
    ["doubleComplex", { datatype: "doubleComplex" }, [NaN, Infinity], "<TD>NaN +Inf</TD>"],
    ["int array, blank-separated (§5.1)", { datatype: "int", arraysize: "*" }, [1, 2, 4, 8, 16], "<TD>1 2 4 8 16</TD>"],
    ["typed arrays are accepted", { datatype: "float", arraysize: "3" }, new Float32Array([1.62, 4.56, 3.44]), "<TD>1.62 4.56 3.44</TD>"],
    ["an empty variable array is an empty TD", { datatype: "int", arraysize: "*" }, [], "<TD/>"],
    ["long array", { datatype: "long", arraysize: "2" }, [1n, -1n], "<TD>1 -1</TD>"],
    ["a null float element is NaN", { datatype: "double", arraysize: "2" }, [1, null], "<TD>1 NaN</TD>"],
    ["a null int element is the declared magic value (§5.5)", { datatype: "int", arraysize: "2", nullValue: -99 }, [null, 3], "<TD>-99 3</TD>"],
    ["a null boolean element is ?", { datatype: "boolean", arraysize: "2" }, [null, true], "<TD>? T</TD>"],
    ["complex array", { datatype: "doubleComplex", arraysize: "*" }, [[1, 2], [3, 4]], "<TD>1 2 3 4</TD>"],
    ["DALI point", { datatype: "double", arraysize: "2", xtype: "point" }, [12.3, 45.6], "<TD>12.3 45.6</TD>"],
    ["char string", { datatype: "char", arraysize: "*" }, "Apple", "<TD>Apple</TD>"],
    ["whitespace in strings is kept (§5.1)", { datatype: "char", arraysize: "*" }, " a  b ", "<TD> a  b </TD>"],
    ["markup is escaped", { datatype: "char", arraysize: "*" }, "a<b & c>d", "<TD>a&lt;b &amp; c&gt;d</TD>"],
    ["forbidden characters are replaced, never written", { datatype: "char", arraysize: "*" }, "a\u0000b\u0007", "<TD>a\uFFFDb\uFFFD</TD>"],
    ["an empty string is an empty TD, as null (§5.5)", { datatype: "char", arraysize: "*" }, "", "<TD/>"],
    ["fixed char: not padded in TABLEDATA", { datatype: "char", arraysize: "10" }, "Apple", "<TD>Apple</TD>"],
    ["fixed char: cut to its storage", { datatype: "char", arraysize: "3" }, "Apple", "<TD>App</TD>"],
    ["char storage is UTF-8 bytes, never cut inside a character (§2.2)", { datatype: "char", arraysize: "4" }, "LΛCDM", "<TD>LΛC</TD>"],
    ["unicodeChar storage is UTF-16 units, never splitting a pair", { datatype: "unicodeChar", arraysize: "2" }, "a😀", "<TD>a</TD>"],
    ["bounded variable char", { datatype: "char", arraysize: "4*" }, "abcdef", "<TD>abcd</TD>"],
    ["timestamp from a Date (DALI 1.2 §3.3)", { datatype: "char", arraysize: "*", xtype: "timestamp" }, new Date(Date.UTC(2020, 0, 2, 3, 4, 5)), "<TD>2020-01-02T03:04:05</TD>"],
    ["multi-dimensional char: blank-padded storage", { datatype: "char", arraysize: "3x*" }, ["ab", "c"], "<TD>ab c  </TD>"],
  ];
  for (const [why, field, value, want] of cases) {
    it(why, function () {
      expect(td(field, value)).to.equal(want);
    });
  }

  it("a row is one TR with one TD per field (§5.1)", function () {
    const enc = new TableDataEncoder([
      { name: "a", datatype: "char", arraysize: "10" },
      { name: "b", datatype: "short" },
      { name: "c", datatype: "int", arraysize: "*" },
    ]);
    expect(enc.encodeRow(["Apple", null, [1, 2]])).to.equal("<TR><TD>Apple</TD><TD/><TD>1 2</TD></TR>\n");
  });

  const bad: [string, Omit<Field, "name">, unknown][] = [
    ["int out of range", { datatype: "int" }, 2 ** 31],
    ["a fraction for an int", { datatype: "short" }, 1.5],
    ["a long beyond 2^53 given as a number", { datatype: "long" }, 2 ** 60],
    ["a long beyond 64 bits", { datatype: "long" }, 2n ** 63n],
    ["text for a double", { datatype: "double" }, "abc"],
    ["wrong fixed array length", { datatype: "double", arraysize: "2" }, [1, 2, 3]],
    ["too long for n*", { datatype: "int", arraysize: "2*" }, [1, 2, 3]],
    ["not a multiple of the slice", { datatype: "int", arraysize: "2x*" }, [1, 2, 3]],
    ["a scalar for an array", { datatype: "int", arraysize: "*" }, 3],
    ["a null int element without nullValue", { datatype: "int", arraysize: "2" }, [1, null]],
    ["a null bit", { datatype: "bit", arraysize: "2" }, [true, null]],
    ["an object for a string", { datatype: "char", arraysize: "*" }, { a: 1 }],
    ["an invalid Date", { datatype: "char", arraysize: "*" }, new Date(NaN)],
    ["a complex that is not a pair", { datatype: "floatComplex" }, [1]],
  ];
  for (const [why, field, value] of bad) {
    it(`refused with VOTABLE_INVALID_VALUE: ${why}`, function () {
      expect(() => td(field, value)).to.throw(VOTableError).with.property("code", "VOTABLE_INVALID_VALUE");
    });
  }

  it("a row with the wrong number of cells is refused", function () {
    const enc = new TableDataEncoder([{ name: "a", datatype: "int" }]);
    expect(() => enc.encodeRow([1, 2])).to.throw(VOTableError).with.property("code", "VOTABLE_INVALID_VALUE");
  });
});
