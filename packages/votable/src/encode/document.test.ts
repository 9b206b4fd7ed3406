import { expect } from "chai";
import { VOTableError } from "../errors.js";
import type { Field } from "../model.js";
import { documentHead, documentTail, errorDocument } from "./document.js";

const FIELDS: Field[] = [
  {
    name: "ra",
    ID: "ra_id",
    datatype: "double",
    unit: "deg",
    ucd: "pos.eq.ra;meta.main",
    utype: "stc:Position",
    xtype: "x:angle",
    description: 'Right "ascension" <J2000>',
  },
  { name: "n", datatype: "int", arraysize: "*", nullValue: -1 },
];

describe("document structure (VOTable 1.4 §3, DALI 1.2 §5.4, TAP 1.1 §3)", function () {
  it("head: declaration, VOTABLE 1.4 in the 1.3 namespace, results RESOURCE, QUERY_STATUS first, FIELDs", function () {
    const head = documentHead(FIELDS, "TABLEDATA", {
      query: "SELECT ra\nFROM t WHERE x < 1 & y > 2",
      requestTime: new Date(Date.UTC(2025, 0, 1)),
      table: { name: "results" },
    });
    expect(head).to.equal(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">\n' +
        '<RESOURCE type="results">\n' +
        '<INFO name="QUERY_STATUS" value="OK"/>\n' +
        '<INFO name="QUERY" value="SELECT ra&#10;FROM t WHERE x &lt; 1 &amp; y &gt; 2"/>\n' +
        '<INFO name="REQUEST_TIME" value="2025-01-01T00:00:00Z" xtype="timestamp"/>\n' +
        '<TABLE name="results">\n' +
        '<FIELD name="ra" ID="ra_id" datatype="double" xtype="x:angle" unit="deg" ucd="pos.eq.ra;meta.main" utype="stc:Position">\n' +
        "<DESCRIPTION>Right \"ascension\" &lt;J2000&gt;</DESCRIPTION>\n" +
        "</FIELD>\n" +
        '<FIELD name="n" datatype="int" arraysize="*">\n<VALUES null="-1"/>\n</FIELD>\n' +
        "<DATA><TABLEDATA>\n",
    );
  });

  it("BINARY declares a magic null for every integer field (§5.5)", function () {
    const head = documentHead([{ name: "a", datatype: "long" }, { name: "b", datatype: "float" }], "BINARY");
    expect(head).to.contain('<FIELD name="a" datatype="long">\n<VALUES null="-9223372036854775808"/>\n</FIELD>');
    expect(head).to.contain('<FIELD name="b" datatype="float"/>');
    expect(head).to.contain('<DATA><BINARY><STREAM encoding="base64">');
  });

  it("BINARY2 needs no magic value", function () {
    expect(documentHead([{ name: "a", datatype: "long" }], "BINARY2")).to.contain('<FIELD name="a" datatype="long"/>');
  });

  it("status OVERFLOW known at the start goes first (DALI 1.2 §5.4.1)", function () {
    expect(documentHead(FIELDS, "BINARY2", { status: "OVERFLOW" })).to.contain('<RESOURCE type="results">\n<INFO name="QUERY_STATUS" value="OVERFLOW"/>');
  });

  it("status null leaves QUERY_STATUS out, for VOTables that are not DAL responses", function () {
    expect(documentHead(FIELDS, "BINARY2", { status: null })).not.to.contain("QUERY_STATUS");
  });

  it("tail: a trailing OVERFLOW INFO after the TABLE, inside the RESOURCE (DALI 1.2 §5.4.1)", function () {
    expect(documentTail("BINARY2", { status: "OVERFLOW" })).to.equal(
      '</STREAM></BINARY2></DATA>\n</TABLE>\n<INFO name="QUERY_STATUS" value="OVERFLOW"/>\n</RESOURCE>\n</VOTABLE>\n',
    );
  });

  it("tail: a trailing ERROR with its message (DALI 1.2 §5.4.2)", function () {
    expect(documentTail("TABLEDATA", { status: "ERROR", message: "lost <connection>" })).to.contain(
      '</TABLE>\n<INFO name="QUERY_STATUS" value="ERROR">lost &lt;connection&gt;</INFO>\n</RESOURCE>',
    );
  });

  it("error document: QUERY_STATUS=ERROR with the message as content, no TABLE (DALI 1.2 §5.2, TAP 1.1 §3.3)", function () {
    expect(errorDocument("Syntax error at line 1, column 8\u0000", { query: "SELEC 1" })).to.equal(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">\n' +
        '<RESOURCE type="results">\n' +
        '<INFO name="QUERY_STATUS" value="ERROR">Syntax error at line 1, column 8\uFFFD</INFO>\n' +
        '<INFO name="QUERY" value="SELEC 1"/>\n' +
        "</RESOURCE>\n</VOTABLE>\n",
    );
  });

  const bad: [string, () => unknown, string][] = [
    ["no fields (a TABLE needs one, VOTable schema)", () => documentHead([], "BINARY2"), "VOTABLE_INVALID_FIELD"],
    ["an ID that is not an NCName", () => documentHead([{ name: "a", ID: "1a", datatype: "int" }], "BINARY2"), "VOTABLE_INVALID_FIELD"],
    ["a duplicate ID", () => documentHead([{ name: "a", ID: "x", datatype: "int" }, { name: "b", ID: "x", datatype: "int" }], "BINARY2"), "VOTABLE_INVALID_FIELD"],
    ["an unknown datatype", () => documentHead([{ name: "a", datatype: "int64" as never }], "BINARY2"), "VOTABLE_INVALID_FIELD"],
    ["a bad arraysize", () => documentHead([{ name: "a", datatype: "int", arraysize: "x" }], "BINARY2"), "VOTABLE_INVALID_FIELD"],
    ["a multi-dimensional char with open storage", () => documentHead([{ name: "a", datatype: "char", arraysize: "*x3" }], "BINARY2"), "VOTABLE_INVALID_FIELD"],
    ["a nullValue out of range", () => documentHead([{ name: "a", datatype: "short", nullValue: 40000 }], "BINARY2"), "VOTABLE_INVALID_FIELD"],
    ["a nullValue for a string", () => documentHead([{ name: "a", datatype: "char", arraysize: "*", nullValue: "x" }], "BINARY2"), "VOTABLE_INVALID_FIELD"],
    ["an invalid requestTime", () => documentHead([{ name: "a", datatype: "int" }], "BINARY2", { requestTime: new Date(NaN) }), "VOTABLE_INVALID_OPTION"],
    ["a TABLE ID that is not an NCName", () => documentHead([{ name: "a", datatype: "int" }], "BINARY2", { table: { ID: "a b" } }), "VOTABLE_INVALID_OPTION"],
  ];
  for (const [why, f, code] of bad) {
    it(`refused with ${code}: ${why}`, function () {
      expect(f).to.throw(VOTableError).with.property("code", code);
    });
  }
});
