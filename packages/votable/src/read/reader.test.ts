import { expect } from "chai";
import { Readable } from "node:stream";
import { VOTableError } from "../errors.js";
import type { Row } from "../model.js";
import type { ReadInput, ReadOptions } from "./reader.js";
import { readVOTable } from "./reader.js";

const NS = 'xmlns="http://www.ivoa.net/xml/VOTable/v1.3"';

function doc(body: string, resourceExtra = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<VOTABLE version="1.4" ${NS}>\n<RESOURCE type="results">${resourceExtra}\n${body}\n</RESOURCE>\n</VOTABLE>\n`;
}

async function readAll(input: ReadInput, options?: ReadOptions): Promise<{ rows: Row[]; reader: Awaited<ReturnType<typeof readVOTable>> }> {
  const reader = await readVOTable(input, options);
  return { rows: await reader.toArray(), reader };
}

async function failure(input: ReadInput, options?: ReadOptions): Promise<VOTableError> {
  try {
    await readAll(input, options);
  } catch (err) {
    if (err instanceof VOTableError) return err;
    throw err;
  }
  throw new Error("expected the read to fail");
}

/** The §5.1 example of the VOTable 1.4 standard. */
const EXAMPLE = doc(`<TABLE>
  <FIELD name="aString" datatype="char"  arraysize="10"/>
  <FIELD name="aShort"  datatype="short"/>
  <FIELD name="varInts" datatype="int"   arraysize="*"/>
  <FIELD name="Floats"  datatype="float" arraysize="3"/>
  <DATA><TABLEDATA>
    <TR> <TD>Apple</TD>  <TD/>       <TD>1 2 4 8 16</TD> <TD>1.62 4.56 3.44</TD> </TR>
    <TR> <TD>Orange</TD> <TD>15</TD> <TD>23 -11 9</TD>   <TD>2.33 4.66 9.53</TD> </TR>
  </TABLEDATA></DATA>
</TABLE>`);

const f32 = (xs: number[]): number[] => xs.map(Math.fround);

describe("reader: VOTable structure", function () {
  it("reads the TABLEDATA example of VOTable 1.4 §5.1", async function () {
    const { rows, reader } = await readAll(EXAMPLE);
    expect(reader.fields.map((f) => [f.name, f.datatype, f.arraysize])).to.deep.equal([
      ["aString", "char", "10"],
      ["aShort", "short", undefined],
      ["varInts", "int", "*"],
      ["Floats", "float", "3"],
    ]);
    expect(reader.serialization).to.equal("TABLEDATA");
    expect(reader.resource.type).to.equal("results");
    expect(rows).to.deep.equal([
      ["Apple", null, [1, 2, 4, 8, 16], f32([1.62, 4.56, 3.44])],
      ["Orange", 15, [23, -11, 9], f32([2.33, 4.66, 9.53])],
    ]);
  });

  const MULTI = `<?xml version="1.0"?>
<VOTABLE version="1.4" ${NS}>
<DESCRIPTION>two resources</DESCRIPTION>
<RESOURCE name="first" type="meta">
  <TABLE name="t0" ID="T0"><FIELD name="a" datatype="int"/><DATA><TABLEDATA><TR><TD>1</TD></TR></TABLEDATA></DATA></TABLE>
</RESOURCE>
<RESOURCE name="second">
  <INFO name="QUERY_STATUS" value="OK"/>
  <RESOURCE name="inner">
    <TABLE name="t1"><DESCRIPTION>the <b>second</b> table</DESCRIPTION>
      <FIELD name="b" datatype="char" arraysize="*"><DESCRIPTION>bee</DESCRIPTION></FIELD>
      <PARAM name="p" datatype="double" value="1.5"/>
      <DATA><BINARY2><STREAM encoding="base64">AAAAAAJoaQ==</STREAM></BINARY2></DATA>
    </TABLE>
  </RESOURCE>
  <TABLE name="t2" ID="third"><FIELD name="c" datatype="double"/></TABLE>
  <INFO name="QUERY_STATUS" value="OVERFLOW"/>
</RESOURCE>
</VOTABLE>`;

  it("reads the first TABLE by default, across RESOURCEs (VOTable 1.4 §3.6)", async function () {
    const { rows, reader } = await readAll(MULTI);
    expect(reader.table.name).to.equal("t0");
    expect(reader.resource.name).to.equal("first");
    expect(reader.description).to.equal("two resources");
    expect(rows).to.deep.equal([[1]]);
  });

  it("selects a TABLE by position, in nested RESOURCEs", async function () {
    const { rows, reader } = await readAll(MULTI, { table: 1 });
    expect(reader.table).to.deep.equal({ name: "t1", description: "the second table" });
    expect(reader.resource.name).to.equal("inner");
    expect(reader.fields).to.deep.equal([{ name: "b", datatype: "char", arraysize: "*", description: "bee" }]);
    expect(reader.params).to.deep.equal([{ name: "p", datatype: "double", value: "1.5" }]);
    expect(reader.serialization).to.equal("BINARY2");
    expect(rows).to.deep.equal([["hi"]]);
  });

  it("selects a TABLE by name or ID; a table without DATA has no rows", async function () {
    const byId = await readAll(MULTI, { table: "third" });
    expect(byId.reader.table.name).to.equal("t2");
    expect(byId.rows).to.deep.equal([]);
    expect(byId.reader.serialization).to.equal(undefined);
    expect((await readAll(MULTI, { table: "t0" })).rows).to.deep.equal([[1]]);
  });

  it("a trailing QUERY_STATUS=OVERFLOW is seen once the rows are read (DALI 1.2 §5.4.1)", async function () {
    const reader = await readVOTable(MULTI, { table: 1 });
    await reader.toArray();
    expect(reader.queryStatus).to.equal("OVERFLOW");
    expect(reader.infos.map((i) => [i.name, i.value, i.parent])).to.deep.equal([
      ["QUERY_STATUS", "OK", "RESOURCE"],
      ["QUERY_STATUS", "OVERFLOW", "RESOURCE"],
    ]);
  });

  it("accepts namespace prefixes, CDATA, entities, character references and a UTF-8 BOM", async function () {
    const text = `\uFEFF<?xml version="1.0"?><vot:VOTABLE xmlns:vot="http://www.ivoa.net/xml/VOTable/v1.3"><vot:RESOURCE><vot:TABLE>
      <vot:FIELD name="s" datatype="char" arraysize="*"/><vot:DATA><vot:TABLEDATA>
      <vot:TR><vot:TD><![CDATA[<a>&]]></vot:TD></vot:TR><vot:TR><vot:TD>&lt;&amp;&#x3bb;&#955;&quot;</vot:TD></vot:TR>
      </vot:TABLEDATA></vot:DATA></vot:TABLE></vot:RESOURCE></vot:VOTABLE>`;
    expect((await readAll(Buffer.from(text))).rows).to.deep.equal([["<a>&"], ['<&λλ"']]);
  });

  it("respects VALUES null in TABLEDATA and BINARY2 (VOTable 1.4 §5.5: it must always be respected)", async function () {
    const td = doc(`<TABLE><FIELD name="a" datatype="int"><VALUES null="-99"/></FIELD>
      <DATA><TABLEDATA><TR><TD>-99</TD></TR><TR><TD>0x10</TD></TR></TABLEDATA></DATA></TABLE>`);
    expect((await readAll(td)).rows).to.deep.equal([[null], [16]]);
    // int -99 = ffffff9d; then 5
    const b2 = doc(`<TABLE><FIELD name="a" datatype="int"><VALUES null="-99"/></FIELD>
      <DATA><BINARY2><STREAM encoding="base64">${Buffer.from("00ffffff9d0000000005", "hex").toString("base64")}</STREAM></BINARY2></DATA></TABLE>`);
    expect((await readAll(b2)).rows).to.deep.equal([[null], [5]]);
  });

  it("reads BINARY with its magic nulls and NaN", async function () {
    const bytes = Buffer.from("80000000" + "7ff8000000000000" + "00000007" + "3ff0000000000000", "hex");
    const b = doc(`<TABLE><FIELD name="i" datatype="int"><VALUES null="-2147483648"/></FIELD><FIELD name="d" datatype="double"/>
      <DATA><BINARY><STREAM encoding="base64">\n${bytes.toString("base64").replace(/(.{8})/g, "$1\n  ")}\n</STREAM></BINARY></DATA></TABLE>`);
    const { rows } = await readAll(b);
    expect(rows).to.deep.equal([[null, NaN], [7, 1]]);
  });

  it("reads the same rows whatever the input chunking: one byte at a time", async function () {
    const bytes = Buffer.from(EXAMPLE.replace("Apple", "Äpple λ"));
    const oneByte = Readable.from((function* () {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    })());
    const { rows } = await readAll(oneByte);
    expect(rows[0]![0]).to.equal("Äpple λ");
    expect(rows.length).to.equal(2);
  });

  it("reads from an async iterable of strings", async function () {
    async function* parts(): AsyncGenerator<string> {
      yield EXAMPLE.slice(0, 100);
      yield EXAMPLE.slice(100);
    }
    expect((await readAll(parts())).rows.length).to.equal(2);
  });
});

describe("reader: TABLEDATA values (VOTable 1.4 §6)", function () {
  const cases: [string, string, string, unknown][] = [
    ["boolean T", 'datatype="boolean"', "T", true],
    ["boolean any capitalisation of true", 'datatype="boolean"', "tRUe", true],
    ["boolean 0", 'datatype="boolean"', "0", false],
    ["boolean ? is null", 'datatype="boolean"', "?", null],
    ["int with blanks around", 'datatype="int"', "  42 ", 42],
    ["int in hex", 'datatype="int"', "0xFFFFFFFF", -1],
    ["short in hex is two's complement", 'datatype="short"', "0x8000", -32768],
    ["unsignedByte in hex", 'datatype="unsignedByte"', "0xff", 255],
    ["long, every digit", 'datatype="long"', "-9223372036854775808", -(2n ** 63n)],
    ["long in hex", 'datatype="long"', "0xFFFFFFFFFFFFFFFF", -1n],
    ["float is rounded to float32", 'datatype="float"', "0.1", Math.fround(0.1)],
    ["double", 'datatype="double"', "1e-300", 1e-300],
    ["+Inf", 'datatype="double"', "+Inf", Infinity],
    ["-Inf", 'datatype="float"', "-Inf", -Infinity],
    ["astropy's +InF", 'datatype="double"', "+InF", Infinity],
    ["NaN", 'datatype="double"', "NaN", NaN],
    ["a blank numeric TD is null", 'datatype="double"', "   ", null],
    ["doubleComplex", 'datatype="doubleComplex"', "1 -2", [1, -2]],
    // §6: a complex value is two numbers, real then imaginary, each as its float or double; §5.1: blanks between.
    ["floatComplex: both parts rounded to float32", 'datatype="floatComplex"', " 0.1\n-2e3 ", [Math.fround(0.1), -2000]],
    ["doubleComplex: special values in either part", 'datatype="doubleComplex"', "+Inf NaN", [Infinity, NaN]],
    ["astropy's null complex, a single NaN", 'datatype="floatComplex"', "NaN", [NaN, NaN]],
    ["an empty complex TD is null (§5.1)", 'datatype="doubleComplex"', "", null],
    // §2.2 counts complex values: arraysize 2 of floatComplex is four numbers in the TD.
    ["floatComplex arraysize 2: four numbers, two [re, im] pairs", 'datatype="floatComplex" arraysize="2"', "1 2 3 4", [[1, 2], [3, 4]]],
    ["doubleComplex arraysize *, over several lines", 'datatype="doubleComplex" arraysize="*"', "1 2\n 3\t-4 5 6", [[1, 2], [3, -4], [5, 6]]],
    ["doubleComplex arraysize 2x*: whole slices of two complex values", 'datatype="doubleComplex" arraysize="2x*"', "1 2 3 4 5 6 7 8", [[1, 2], [3, 4], [5, 6], [7, 8]]],
    ["floatComplex arraysize 3*: fewer than the bound", 'datatype="floatComplex" arraysize="3*"', "1 2", [[1, 2]]],
    ["an empty complex array TD is null", 'datatype="floatComplex" arraysize="*"', "", null],
    ["bit array: 0/1 with or without blanks", 'datatype="bit" arraysize="*"', "10 1", [true, false, true]],
    ["blanks in strings are significant (§5.1)", 'datatype="char" arraysize="*"', "  a ", "  a "],
    ["multi-dimensional char", 'datatype="char" arraysize="2x*"', "abc d ", ["ab", "c", "d"]],
    ["an int array over several lines", 'datatype="int" arraysize="*"', "1\n 2\t3", [1, 2, 3]],
    ["an empty array TD is null", 'datatype="int" arraysize="*"', "", null],
  ];
  for (const [why, attrs, text, want] of cases) {
    it(why, async function () {
      const d = doc(`<TABLE><FIELD name="x" ${attrs}/><DATA><TABLEDATA><TR><TD>${text}</TD></TR></TABLEDATA></DATA></TABLE>`);
      const { rows } = await readAll(d);
      const got = rows[0]![0];
      if (typeof want === "number" && Number.isNaN(want)) expect(Number.isNaN(got), String(got)).to.equal(true);
      else expect(got).to.deep.equal(want);
    });
  }

  /** The case, the FIELD's attributes, the bad TD and, where it is worth pinning, what the message says. */
  const bad: [string, string, string, RegExp?][] = [
    ["not an integer", 'datatype="int"', "1.5"],
    ["int out of range", 'datatype="int"', "2147483648"],
    ["hex too long", 'datatype="short"', "0x10000"],
    ["not a number", 'datatype="double"', "1.2.3"],
    ["not a boolean", 'datatype="boolean"', "yes"],
    ["not a bit", 'datatype="bit"', "2"],
    ["wrong fixed array length", 'datatype="int" arraysize="3"', "1 2"],
    ["too many elements for n*", 'datatype="int" arraysize="2*"', "1 2 3"],
    ["half a complex", 'datatype="floatComplex"', "1", /: a floatComplex is two numbers, real and imaginary, not 1 \(line/],
    // §6: a complex scalar is one pair; §2.2 and §5.1: a complex array of arraysize n is 2n numbers.
    ["two complex values for a scalar", 'datatype="doubleComplex"', "1 2 3 4", /: a doubleComplex is two numbers, real and imaginary, not 4 \(line/],
    ["a complex part that is not a number", 'datatype="doubleComplex"', "1 i"],
    ["half a complex in an array", 'datatype="floatComplex" arraysize="2"', "1 2 3", /: 3 numbers are not whole floatComplex values, each two numbers \(real and imaginary\)/],
    ["one complex value for arraysize 2", 'datatype="floatComplex" arraysize="2"', "1 2", /: expected 2 complex values \(4 numbers\), got 1 complex value \(2 numbers\) \(line/],
    ["three complex values for arraysize 2", 'datatype="doubleComplex" arraysize="2"', "1 2 3 4 5 6", /: expected 2 complex values \(4 numbers\), got 3 complex values \(6 numbers\)/],
    ["more complex values than 2*", 'datatype="doubleComplex" arraysize="2*"', "1 2 3 4 5 6", /: 3 complex values \(6 numbers\) exceed arraysize "2\*"/],
    ["complex values that are not whole slices of 2x*", 'datatype="doubleComplex" arraysize="2x*"', "1 2 3 4 5 6", /: 3 complex values \(6 numbers\) is not a multiple of 2/],
  ];
  for (const [why, attrs, text, message] of bad) {
    it(`refuses ${why} with VOTABLE_BAD_VALUE, the field, the row and the position`, async function () {
      const d = doc(`<TABLE><FIELD name="x" ${attrs}/><DATA><TABLEDATA><TR><TD>1</TD></TR>\n<TR><TD>${text}</TD></TR></TABLEDATA></DATA></TABLE>`);
      const fixed = attrs.includes("arraysize") || attrs.includes("Complex") ? d.replace("<TD>1</TD>", `<TD>${text}</TD>`) : d;
      const err = await failure(fixed);
      expect(err.code).to.equal("VOTABLE_BAD_VALUE");
      expect(err.field).to.equal("x");
      expect(err.line).to.be.a("number");
      expect(err.column).to.be.a("number");
      if (message) expect(err.message).to.match(/^row 0, field "x": /).and.to.match(message);
    });
  }
});

describe("reader: complex values in BINARY and BINARY2 (VOTable 1.4 §5.3, §5.4, §6)", function () {
  // §6: a pair of big-endian IEEE numbers, real then imaginary, 8 bytes for floatComplex and 16 for doubleComplex.
  const F = { one: "3f800000" + "40000000", two: "40400000" + "c0800000", nan: "7fc00000" + "7fc00000" }; // 1+2i, 3-4i, NaN+NaNi
  const D = { one: "3ff0000000000000" + "4000000000000000", two: "4008000000000000" + "c010000000000000" };
  const cases: [string, string, "BINARY" | "BINARY2", string, Row[]][] = [
    ["floatComplex, and a null by its flag", 'datatype="floatComplex"', "BINARY2", "00" + F.one + "80" + F.nan, [[[1, 2]], [null]]],
    ["floatComplex NaN in BINARY, where there are no null flags", 'datatype="floatComplex"', "BINARY", F.one + F.nan, [[[1, 2]], [[NaN, NaN]]]],
    ["doubleComplex", 'datatype="doubleComplex"', "BINARY", D.one + D.two, [[[1, 2]], [[3, -4]]]],
    // §2.2: arraysize counts complex values, so arraysize 2 is 16 bytes of floatComplex.
    ["floatComplex arraysize 2", 'datatype="floatComplex" arraysize="2"', "BINARY2", "00" + F.one + F.two, [[[[1, 2], [3, -4]]]]],
    ["doubleComplex arraysize 2", 'datatype="doubleComplex" arraysize="2"', "BINARY", D.one + D.two, [[[[1, 2], [3, -4]]]]],
    // §5.3: a variable-length array's 4-byte prefix counts its items, here complex values of 16 bytes.
    ["doubleComplex arraysize *: two values, then none", 'datatype="doubleComplex" arraysize="*"', "BINARY2", "00" + "00000002" + D.one + D.two + "00" + "00000000", [[[[1, 2], [3, -4]]], [[]]]],
    ["floatComplex arraysize 2*, and a null by its flag", 'datatype="floatComplex" arraysize="2*"', "BINARY2", "00" + "00000001" + F.two + "80" + "00000000", [[[[3, -4]]], [null]]],
  ];
  for (const [why, attrs, serialization, hex, want] of cases) {
    it(`${serialization}: ${why}`, async function () {
      const stream = Buffer.from(hex, "hex").toString("base64");
      const d = doc(`<TABLE><FIELD name="x" ${attrs}/><DATA><${serialization}><STREAM encoding="base64">${stream}</STREAM></${serialization}></DATA></TABLE>`);
      expect((await readAll(d)).rows).to.deep.equal(want);
    });
  }

  const bad: [string, string, "BINARY" | "BINARY2", string, string, RegExp][] = [
    ["a floatComplex array cut after three of its four numbers", 'datatype="floatComplex" arraysize="2"', "BINARY", F.one + "40400000", "VOTABLE_BINARY_TRUNCATED", /ends inside row 0 \(12 bytes left over\)/],
    ["a doubleComplex cut in its imaginary part", 'datatype="doubleComplex"', "BINARY2", "00" + D.one.slice(0, 24), "VOTABLE_BINARY_TRUNCATED", /ends inside row 0/],
    ["more complex values than arraysize 2*", 'datatype="doubleComplex" arraysize="2*"', "BINARY2", "00" + "00000003" + D.one + D.two + D.one, "VOTABLE_BAD_VALUE", /row 0: array length 3 exceeds arraysize "2\*" of field "x"/],
  ];
  for (const [why, attrs, serialization, hex, code, message] of bad) {
    it(`${serialization}: refuses ${why} with ${code} and the position`, async function () {
      const stream = Buffer.from(hex, "hex").toString("base64");
      const d = doc(`<TABLE><FIELD name="x" ${attrs}/><DATA><${serialization}><STREAM encoding="base64">${stream}</STREAM></${serialization}></DATA></TABLE>`);
      const err = await failure(d);
      expect(err.code, err.message).to.equal(code);
      expect(err.message).to.match(message).and.to.match(/\(line \d+, column \d+\)$/);
    });
  }
});

describe("reader: bad input is refused quickly, with a code and a position", function () {
  const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<VOTABLE><RESOURCE><TABLE><FIELD name="a" datatype="char" arraysize="*"/>
<DATA><TABLEDATA><TR><TD>&lol9;</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`;

  const cases: [string, string, string, number?][] = [
    ["a DOCTYPE (no entity declarations, so no billion laughs)", BILLION_LAUGHS, "VOTABLE_DOCTYPE_FORBIDDEN", 2],
    ["an external entity DOCTYPE", '<?xml version="1.0"?>\n<!DOCTYPE v SYSTEM "file:///etc/passwd"><VOTABLE/>', "VOTABLE_DOCTYPE_FORBIDDEN", 2],
    ["an undefined entity", doc('<TABLE><FIELD name="a" datatype="char" arraysize="*"/><DATA><TABLEDATA><TR><TD>&xxe;</TD></TR></TABLEDATA></DATA></TABLE>'), "VOTABLE_XML_MALFORMED"],
    ["a mismatched end tag", doc("<TABLE></RESOURCE>"), "VOTABLE_XML_MALFORMED", 4],
    ["an unclosed document", `<VOTABLE ${NS}><RESOURCE>`, "VOTABLE_XML_MALFORMED"],
    ["text after the root", `<VOTABLE ${NS}><RESOURCE><TABLE><FIELD name="a" datatype="int"/></TABLE></RESOURCE></VOTABLE>junk`, "VOTABLE_XML_MALFORMED"],
    ["a bad attribute", `<VOTABLE ${NS} a=1/>`, "VOTABLE_XML_MALFORMED"],
    ["an empty input", "", "VOTABLE_XML_MALFORMED"],
    ["not XML at all", "\u0000\u0001 binary junk", "VOTABLE_XML_MALFORMED"],
    ["a root that is not VOTABLE", "<html><body/></html>", "VOTABLE_NOT_VOTABLE", 1],
    ["no TABLE", doc(""), "VOTABLE_NO_TABLE"],
    ["an unknown datatype", doc('<TABLE><FIELD name="a" datatype="integer"/></TABLE>'), "VOTABLE_BAD_FIELD"],
    ["a bad arraysize", doc('<TABLE><FIELD name="a" datatype="int" arraysize="x3"/><DATA><TABLEDATA/></DATA></TABLE>'), "VOTABLE_BAD_FIELD"],
    ["too many TD in a row", doc('<TABLE><FIELD name="a" datatype="int"/><DATA><TABLEDATA><TR><TD>1</TD><TD>2</TD></TR></TABLEDATA></DATA></TABLE>'), "VOTABLE_BAD_ROW"],
    ["too few TD in a row", doc('<TABLE><FIELD name="a" datatype="int"/><FIELD name="b" datatype="int"/><DATA><TABLEDATA><TR><TD>1</TD></TR></TABLEDATA></DATA></TABLE>'), "VOTABLE_BAD_ROW"],
    ["an invalid base64 character", doc('<TABLE><FIELD name="a" datatype="int"/><DATA><BINARY2><STREAM encoding="base64">AAAA*AAA</STREAM></BINARY2></DATA></TABLE>'), "VOTABLE_BAD_BASE64"],
    ["base64 continuing after its padding", doc('<TABLE><FIELD name="a" datatype="unsignedByte"/><DATA><BINARY><STREAM encoding="base64">AA== AAAA</STREAM></BINARY></DATA></TABLE>'), "VOTABLE_BAD_BASE64"],
    ["base64 that ends inside a row", doc('<TABLE><FIELD name="a" datatype="int"/><DATA><BINARY><STREAM encoding="base64">AAAAAAAA</STREAM></BINARY></DATA></TABLE>'), "VOTABLE_BINARY_TRUNCATED"],
    ["base64 with a dangling character", doc('<TABLE><FIELD name="a" datatype="unsignedByte"/><DATA><BINARY><STREAM encoding="base64">AAAAA</STREAM></BINARY></DATA></TABLE>'), "VOTABLE_BAD_BASE64"],
    ["a boolean byte that is not T, F, 1, 0, ?, blank or NUL", doc('<TABLE><FIELD name="a" datatype="boolean"/><DATA><BINARY><STREAM encoding="base64">WA==</STREAM></BINARY></DATA></TABLE>'), "VOTABLE_BAD_VALUE"],
    ["a negative array length", doc('<TABLE><FIELD name="a" datatype="int" arraysize="*"/><DATA><BINARY><STREAM encoding="base64">/////w==</STREAM></BINARY></DATA></TABLE>'), "VOTABLE_BAD_VALUE"],
    ["an array length beyond arraysize", doc('<TABLE><FIELD name="a" datatype="char" arraysize="2*"/><DATA><BINARY><STREAM encoding="base64">AAAAAw==</STREAM></BINARY></DATA></TABLE>'), "VOTABLE_BAD_VALUE"],
    ["a remote STREAM (no requests on the document's behalf)", doc('<TABLE><FIELD name="a" datatype="int"/><DATA><BINARY><STREAM href="http://127.0.0.1/x"/></BINARY></DATA></TABLE>'), "VOTABLE_UNSUPPORTED"],
    ["a gzip STREAM", doc('<TABLE><FIELD name="a" datatype="int"/><DATA><BINARY><STREAM encoding="gzip">x</STREAM></BINARY></DATA></TABLE>'), "VOTABLE_UNSUPPORTED"],
    ["FITS data", doc('<TABLE><FIELD name="a" datatype="int"/><DATA><FITS><STREAM href="x"/></FITS></DATA></TABLE>'), "VOTABLE_UNSUPPORTED"],
    ["an encoding other than UTF-8", '<?xml version="1.0" encoding="ISO-8859-1"?><VOTABLE/>', "VOTABLE_UNSUPPORTED_ENCODING", 1],
  ];
  for (const [why, input, code, line] of cases) {
    it(`${code}: ${why}`, async function () {
      const err = await failure(input);
      expect(err.code, err.message).to.equal(code);
      if (line !== undefined) expect(err.line, err.message).to.equal(line);
      expect(err.message).to.match(/line \d+, column \d+/);
    });
  }

  it("positions stay exact after STREAM text that bypassed saxes: a bad base64 character, then later markup", async function () {
    const b64 = Buffer.alloc(57 * 3, 7).toString("base64").replace(/(.{76})/g, "$1\n"); // 3 lines of 76
    const head = `<VOTABLE ${NS}>\n<RESOURCE>\n<TABLE><FIELD name="a" datatype="unsignedByte"/>\n<DATA><BINARY><STREAM encoding="base64">\n`;
    // line 5 is the first base64 line; put a '*' at column 11 of line 6
    const lines = b64.split("\n");
    lines[1] = lines[1]!.slice(0, 10) + "*" + lines[1]!.slice(11);
    const badChar = await failure(head + lines.join("\n") + "</STREAM></BINARY></DATA></TABLE></RESOURCE></VOTABLE>");
    expect([badChar.code, badChar.line, badChar.column]).to.deep.equal(["VOTABLE_BAD_BASE64", 6, 11]);
    // a mismatched tag after the STREAM: base64 on lines 5-7, line 8 empty, "</STREAM>..." on 9, the bad end tag on 10
    const badTag = await failure(head + b64 + "\n</STREAM></BINARY></DATA>\n</TABLE></RESOURCE></RESOURCE></VOTABLE>");
    expect([badTag.code, badTag.line]).to.deep.equal(["VOTABLE_XML_MALFORMED", 10]);
  });

  it("VOTABLE_UNSUPPORTED_ENCODING: UTF-16 input", async function () {
    const err = await failure(Buffer.from("\uFEFF<VOTABLE/>", "utf16le"));
    expect(err.code).to.equal("VOTABLE_UNSUPPORTED_ENCODING");
  });

  it("VOTABLE_NO_TABLE: a table number beyond the last", async function () {
    expect((await failure(EXAMPLE, { table: 3 })).code).to.equal("VOTABLE_NO_TABLE");
  });

  const big = (n: number): string => "x".repeat(n);
  const limits: [string, string, ReadOptions["limits"], string][] = [
    ["maxBytes", EXAMPLE, { maxBytes: 100 }, "VOTABLE_LIMIT_BYTES"],
    ["maxRows", EXAMPLE, { maxRows: 1 }, "VOTABLE_LIMIT_ROWS"],
    ["maxFields", EXAMPLE, { maxFields: 3 }, "VOTABLE_LIMIT_FIELDS"],
    ["maxInfos", doc(`${'<INFO name="a" value="b"/>'.repeat(20)}<TABLE><FIELD name="a" datatype="int"/></TABLE>`), { maxInfos: 10 }, "VOTABLE_LIMIT_INFOS"],
    ["maxDepth", `<VOTABLE ${NS}>${"<RESOURCE>".repeat(10)}${"</RESOURCE>".repeat(10)}</VOTABLE>`, { maxDepth: 8 }, "VOTABLE_LIMIT_DEPTH"],
    ["maxAttributeLength", doc(`<TABLE><FIELD name="${big(2000)}" datatype="int"/></TABLE>`), { maxAttributeLength: 1000 }, "VOTABLE_LIMIT_ATTRIBUTE"],
    ["maxTextLength in a TD", doc(`<TABLE><FIELD name="a" datatype="char" arraysize="*"/><DATA><TABLEDATA><TR><TD>${big(2000)}</TD></TR></TABLEDATA></DATA></TABLE>`), { maxTextLength: 1000 }, "VOTABLE_LIMIT_TEXT"],
    ["maxTextLength in a DESCRIPTION", doc(`<DESCRIPTION>${big(2000)}</DESCRIPTION><TABLE><FIELD name="a" datatype="int"/></TABLE>`), { maxTextLength: 1000 }, "VOTABLE_LIMIT_TEXT"],
    ["maxArrayLength", doc('<TABLE><FIELD name="a" datatype="int" arraysize="*"/><DATA><BINARY><STREAM encoding="base64">AAAQAA==</STREAM></BINARY></DATA></TABLE>'), { maxArrayLength: 1000 }, "VOTABLE_LIMIT_ARRAY"],
  ];
  for (const [name, input, lim, code] of limits) {
    it(`${code}: the ${name} limit`, async function () {
      const err = await failure(input, { limits: lim });
      expect(err.code, err.message).to.equal(code);
      expect(err.line).to.be.a("number");
    });
  }

  /** An input that never ends, counting how much was pulled. */
  function endless(prefix: string, unit: string): { input: AsyncGenerator<string>; pulled: () => number } {
    let pulled = 0;
    async function* gen(): AsyncGenerator<string> {
      yield prefix;
      const chunk = unit.repeat(Math.ceil(65536 / unit.length));
      for (;;) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    return { input: gen(), pulled: () => pulled };
  }

  const runaway: [string, string, string, string][] = [
    ["an attribute value that never ends", `<VOTABLE ${NS}><RESOURCE name="`, "a", "VOTABLE_LIMIT_ATTRIBUTE"],
    ["a text node that never ends", `<VOTABLE ${NS}><RESOURCE><DESCRIPTION>`, "blah ", "VOTABLE_LIMIT_TEXT"],
    ["a comment that never ends", `<VOTABLE ${NS}><!--`, "-x", "VOTABLE_LIMIT_TEXT"],
    ["a DOCTYPE internal subset that never ends", "<?xml version='1.0'?><!DOCTYPE x [", "<!ENTITY a 'b'>", "VOTABLE_DOCTYPE_FORBIDDEN"],
    ["an element name that never ends", "<VOTABLE", "A", "VOTABLE_LIMIT_ATTRIBUTE"],
    ["a TD that never ends", `<VOTABLE ${NS}><RESOURCE><TABLE><FIELD name="a" datatype="char" arraysize="*"/><DATA><TABLEDATA><TR><TD>`, "x", "VOTABLE_LIMIT_TEXT"],
  ];
  for (const [why, prefix, unit, code] of runaway) {
    it(`${code}: ${why} is refused after about the limit, not at the end of the input`, async function () {
      const { input, pulled } = endless(prefix, unit);
      const err = await failure(input, { limits: { maxAttributeLength: 100_000, maxTextLength: 200_000 } });
      expect(err.code, err.message).to.equal(code);
      expect(pulled()).to.be.below(400_000);
    });
  }
});

describe("reader: streaming", function () {
  function binary2Doc(rows: number): { head: string; body: Buffer; tail: string } {
    const row = Buffer.from("0000000001", "hex"); // flags 00, int 1
    return {
      head: `<VOTABLE ${NS}><RESOURCE><TABLE><FIELD name="a" datatype="int"/><DATA><BINARY2><STREAM encoding="base64">\n`,
      body: Buffer.concat(Array.from({ length: rows }, () => row)),
      tail: "</STREAM></BINARY2></DATA></TABLE></RESOURCE></VOTABLE>",
    };
  }

  it("yields rows of a STREAM before the STREAM ends, and pulls input only as rows are consumed", async function () {
    const { head, body, tail } = binary2Doc(300_000); // 1.5 MB of rows, 2 MB of base64
    const b64 = body.toString("base64");
    let pulled = 0;
    async function* input(): AsyncGenerator<string> {
      yield head;
      for (let i = 0; i < b64.length; i += 4096) {
        pulled += 4096;
        yield b64.slice(i, i + 4096) + "\n";
      }
      yield tail;
    }
    const reader = await readVOTable(input());
    let n = 0;
    for await (const row of reader) {
      expect(row).to.deep.equal([1]);
      if (++n === 10) break; // closes the reader
    }
    expect(pulled).to.be.below(20_000);
  });

  it("reads a STREAM far longer than maxTextLength: saxes' text buffer is drained as it goes", async function () {
    const { head, body, tail } = binary2Doc(200_000); // 1.3 MB of base64 on one line
    const input = Buffer.from(head + body.toString("base64") + tail);
    const reader = await readVOTable(input, { limits: { maxTextLength: 100_000 } });
    let n = 0;
    for await (const _row of reader) n++;
    expect(n).to.equal(200_000);
  });

  it("a huge input chunk is taken a piece at a time: rows come out before the chunk is all parsed", async function () {
    const { head, body, tail } = binary2Doc(400_000);
    const whole = Buffer.from(head + body.toString("base64") + tail); // one 2.7 MB chunk
    const reader = await readVOTable(Readable.from([whole]));
    let n = 0;
    for await (const _row of reader) {
      // one piece of 64 KiB of base64 holds fewer than 10,000 of these 5-byte rows
      if (n === 0) expect((reader as unknown as { engine: { queue: unknown[] } }).engine.queue.length).to.be.below(10_000);
      if (++n === 10) break;
    }
    expect(n).to.equal(10);
  });

  it("closing early destroys a Readable input", async function () {
    const readable = Readable.from([Buffer.from(EXAMPLE)]);
    const reader = await readVOTable(readable);
    await reader.close();
    expect(readable.destroyed).to.equal(true);
  });

  it("the rows can be iterated once", async function () {
    const reader = await readVOTable(EXAMPLE);
    await reader.toArray();
    expect(() => reader.rows().next()).to.throw(VOTableError);
  });

  it("an input that fails is reported as VOTABLE_INPUT", async function () {
    async function* broken(): AsyncGenerator<string> {
      yield "<VOTABLE>";
      throw new Error("socket reset");
    }
    const err = await failure(broken());
    expect(err.code).to.equal("VOTABLE_INPUT");
    expect(err.message).to.contain("socket reset");
  });
});
