/** A table with every datatype and shape the writer supports, and rows with the awkward values. */
import type { Field, Row } from "../model.js";
import { circleField, pointField, polygonField, timestampField } from "../model.js";

export const ALL_TYPES_FIELDS: Field[] = [
  { name: "b", datatype: "boolean" },
  { name: "bit", datatype: "bit" },
  { name: "ub", datatype: "unsignedByte" },
  { name: "s", datatype: "short" },
  { name: "i", datatype: "int", ucd: "meta.number", unit: "ct", description: "an <int> & more" },
  { name: "l", datatype: "long", ID: "col_l", utype: "x:y" },
  { name: "c1", datatype: "char" },
  { name: "c8", datatype: "char", arraysize: "8" },
  { name: "cv", datatype: "char", arraysize: "*" },
  { name: "c5v", datatype: "char", arraysize: "5*" },
  { name: "u", datatype: "unicodeChar", arraysize: "*" },
  { name: "u4", datatype: "unicodeChar", arraysize: "4" },
  { name: "f", datatype: "float" },
  { name: "d", datatype: "double" },
  { name: "fc", datatype: "floatComplex" },
  { name: "dc", datatype: "doubleComplex" },
  { name: "bits8", datatype: "bit", arraysize: "8" },
  { name: "bitsv", datatype: "bit", arraysize: "*" },
  { name: "bools", datatype: "boolean", arraysize: "3" },
  { name: "bytes", datatype: "unsignedByte", arraysize: "*" },
  { name: "i3", datatype: "int", arraysize: "3" },
  { name: "lv", datatype: "long", arraysize: "*" },
  { name: "f2x2", datatype: "float", arraysize: "2x2" },
  { name: "d2xv", datatype: "double", arraysize: "2x*" },
  { name: "dcv", datatype: "doubleComplex", arraysize: "*" },
  { name: "names", datatype: "char", arraysize: "4x*" },
  pointField("pos"),
  circleField("circ"),
  polygonField("poly"),
  timestampField("t"),
];

export const ALL_TYPES_ROWS: Row[] = [
  [
    true, true, 200, -1234, 123456789, 9007199254740993n, "x", "abcdefgh", "hello, \"world\" <&>", "abcde", "héllo λ",
    "αβγδ", 0.1, Math.PI, [1.5, -2.5], [1e300, -1e-300], [true, false, true, true, false, false, true, false],
    [true, true, false, true, false, true, false, true, true], [true, false, true], [0, 1, 255], [1, -2, 3],
    [0n, -1n, 2n ** 63n - 1n], [1, 2, 3, 4], [1, 2, 3, 4, 5, 6], [[1, 2], [3, 4]], ["ab", "cd", "efgh"],
    [10.5, -20.25], [10, 20, 0.5], [10, 10, 10.2, 10, 10.2, 10.2], new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
  ],
  [
    false, false, 0, -32767, -2147483647, -(2n ** 63n) + 1n, " ", "", "", "", "",
    "", -0, -0, [0, 0], [-0, 0], [false, false, false, false, false, false, false, false],
    [], [false, false, false], [], [-2147483647, 0, 2147483647],
    [], [0, -0, 1e-30, 3e38], [], [], [],
    [0, -90], [359.9, 89.9, 180], [], "1999-12-31",
  ],
  [
    null, null, null, null, null, null, null, null, null, null, null,
    null, null, null, null, null, null,
    null, null, null, null, null, null, null, null, null,
    null, null, null, null,
  ],
  [
    true, true, 255, 32767, 2147483647, 2n ** 63n - 1n, "~", "12345678\u0000", "tab\tnew\nline\rcr 😀 \u0001\uFFFE", "λλλ", "😀 \uD800 é",
    "a😀b", NaN, Infinity, [NaN, Infinity], [-Infinity, NaN], [true, true, true, true, true, true, true, true],
    [true], [null, true, null], [7], [7, 8, 9],
    [-(2n ** 63n) + 1n], [NaN, Infinity, -Infinity, 1], [NaN, -Infinity], [[NaN, 1]], ["abcdefgh", "λλλ", ""],
    [NaN, NaN], [1, 2, 3], [1, 2, 3, 4, 5, 6], "2024-02-29T23:59:59.999",
  ],
];
