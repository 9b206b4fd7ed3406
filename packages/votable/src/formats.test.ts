import { expect } from "chai";
import { FORMATS, contentType, declaredOutputFormats, formatDescription, mediaType, resolveResponseFormat, type OutputFormat } from "./formats.js";

describe("the table of output formats", function () {
  it("names each format once: aliases and MIME types lead to one format only", function () {
    const aliases = FORMATS.flatMap((f) => f.aliases);
    expect(new Set(aliases).size).to.equal(aliases.length);
    expect(new Set(FORMATS.map((f) => f.format)).size).to.equal(FORMATS.length);
    for (const f of FORMATS) {
      // What the capabilities declare (TAPRegExt 1.0 §2.4) is accepted and gives this format.
      expect(resolveResponseFormat(f.mime)?.format, f.mime).to.equal(f.format);
      for (const a of f.aliases) expect(resolveResponseFormat(a), a).to.deep.equal({ format: f.format, contentType: f.contentType });
      expect(formatDescription(f.format)).to.equal(f);
    }
  });

  // DALI 1.2 §4.3.3: a MIME type asked for is the Content-Type of the answer; short forms get the format's own.
  const cases: [string, OutputFormat | undefined, string?][] = [
    ["votable", "binary2", "application/x-votable+xml;serialization=BINARY2"],
    ["VOTABLE/TD", "tabledata", "application/x-votable+xml;serialization=TABLEDATA"],
    ["application/x-votable+xml", "binary2", "application/x-votable+xml;serialization=BINARY2"],
    // VOTable 1.4 §1.4 and DALI's MIME type (issue 16: the server answered 400).
    ["application/votable+xml", "binary2", "application/votable+xml;serialization=BINARY2"],
    ["application/votable+xml;serialization=TABLEDATA", "tabledata", "application/votable+xml;serialization=TABLEDATA"],
    ['application/votable+xml; serialization="binary"', "binary", "application/votable+xml;serialization=BINARY"],
    ["Application/X-VOTable+XML;Serialization=BINARY2", "binary2", "application/x-votable+xml;serialization=BINARY2"],
    ["text/xml", "tabledata", "text/xml;charset=utf-8"],
    ["application/xml", "tabledata", "application/xml;charset=utf-8"],
    ["text/xml;serialization=BINARY2", "binary2", "text/xml;charset=utf-8"],
    ["application/x-votable+xml;serialization=FITS", undefined],
    ["application/x-votable+xml;content=datalink", undefined],
    ["text/csv", "csv", "text/csv;charset=utf-8;header=present"],
    ["text/csv;header=present", "csv", "text/csv;charset=utf-8;header=present"],
    ["text/csv;header=absent", undefined],
    ["text/csv;charset=utf-8", "csv", "text/csv;charset=utf-8;header=present"],
    ["text/csv;charset=latin1", undefined],
    // The document is UTF-8: another charset cannot be served (it was accepted for the VOTable types).
    ["application/x-votable+xml;charset=UTF-8", "binary2", "application/x-votable+xml;serialization=BINARY2"],
    ["application/x-votable+xml;charset=latin1", undefined],
    ["text/csv;serialization=BINARY2", undefined],
    ["tsv", "tsv", "text/tab-separated-values;charset=utf-8"],
    ["text/tab-separated-values", "tsv", "text/tab-separated-values;charset=utf-8"],
    // DALI 1.2 §4.3.3's table: Parquet, with VOParquet 1.0 metadata.
    ["parquet", "parquet", "application/vnd.apache.parquet"],
    ["application/vnd.apache.parquet", "parquet", "application/vnd.apache.parquet"],
    ["application/x-parquet", "parquet", "application/x-parquet"],
    ["application/vnd.apache.parquet;charset=utf-8", undefined],
    ["csv;x=1", undefined],
    ["text/csv;garbage", undefined],
    ["application/fits", undefined],
    ["text/html", undefined],
    ["", undefined],
  ];
  for (const [value, format, type] of cases) {
    it(`RESPONSEFORMAT "${value}" → ${String(format)}${type ? `, ${type}` : ""}`, function () {
      const r = resolveResponseFormat(value);
      expect(r?.format).to.equal(format);
      if (type !== undefined) expect(r?.contentType).to.equal(type);
    });
  }

  // TAPRegExt 1.0 §2.4: each declared mime and alias gives its format; each short name and media type accepted is declared.
  it("declares exactly what it accepts", function () {
    const declared = declaredOutputFormats();
    for (const d of declared) {
      expect(resolveResponseFormat(d.mime)?.format, d.mime).to.equal(d.format);
      for (const a of d.aliases) expect(resolveResponseFormat(a)?.format, a).to.equal(d.format);
    }
    expect(declared.flatMap((d) => d.aliases).sort()).to.deep.equal(FORMATS.flatMap((f) => f.aliases).sort());
    const types = new Set(declared.map((d) => mediaType(d.mime)));
    for (const f of FORMATS) for (const t of f.mimeTypes) expect([...types], t).to.include(t);
    // One outputFormat per row first, in the table's order (the default first), with its short names.
    expect(declared.slice(0, FORMATS.length).map((d) => d.format)).to.deep.equal(FORMATS.map((f) => f.format));
  });

  it("content types of the short forms", function () {
    expect(contentType("parquet")).to.equal("application/vnd.apache.parquet");
    expect(contentType("tabledata")).to.equal("application/x-votable+xml;serialization=TABLEDATA");
  });
});
