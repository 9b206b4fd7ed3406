import { expect } from "chai";
import type { Field } from "../model.js";
import { DelimitedEncoder } from "./csv.js";

const FIELDS: Field[] = [
  { name: "id", datatype: "long" },
  { name: "name, with comma", datatype: "char", arraysize: "*" },
  { name: "x", datatype: "double" },
  { name: "ok", datatype: "boolean" },
  { name: "pos", datatype: "double", arraysize: "2" },
];

describe("CSV (RFC 4180) and TSV", function () {
  const csv = new DelimitedEncoder(FIELDS, "csv");
  const tsv = new DelimitedEncoder(FIELDS, "tsv");

  it("CSV header: field names, quoted when needed, CRLF (RFC 4180 §2.1, §2.3)", function () {
    expect(csv.header()).to.equal('id,"name, with comma",x,ok,pos\r\n');
  });

  const rows: [string, unknown[], string][] = [
    ["plain values; arrays blank-separated", [1n, "abc", 1.5, true, [1, 2]], "1,abc,1.5,true,1 2\r\n"],
    ["a null is an empty field", [null, null, null, null, null], ",,,,\r\n"],
    ["an empty string is a quoted empty field, not null", [1n, "", NaN, false, null], '1,"",NaN,false,\r\n'],
    ["commas, quotes and line breaks are quoted, quotes doubled (§2.6, §2.7)", [2n, 'a,"b"\r\nc', -Infinity, null, null], '2,"a,""b""\r\nc",-Inf,,\r\n'],
    ["non-ASCII is written as UTF-8", [3n, "λ😀", 0, null, null], "3,λ😀,0,,\r\n"],
  ];
  for (const [why, row, want] of rows) {
    it(`CSV: ${why}`, function () {
      expect(csv.encodeRow(row)).to.equal(want);
    });
  }

  it("TSV: tab-separated, LF", function () {
    expect(tsv.header()).to.equal("id\tname, with comma\tx\tok\tpos\n");
    expect(tsv.encodeRow([1n, "a,b", 2, true, [1, 2]])).to.equal("1\ta,b\t2\ttrue\t1 2\n");
  });

  it("TSV: values may not contain tabs (TAP 1.1 §3.2), nor line breaks: they become blanks", function () {
    expect(tsv.encodeRow([1n, "a\tb\nc\rd", null, null, null])).to.equal("1\ta b c d\t\t\t\n");
  });
});
