/**
 * Every kind of document the writer produces validates against the official VOTable 1.4 schema, checked by
 * xmllint through ../shared/ivoa/validate-xml: a fixed corpus (every datatype, empty, overflow, error trailer,
 * all metadata, error documents) and random tables from the round-trip arbitraries.
 */
import { expect } from "chai";
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Serialization, WriteOptions } from "./index.js";
import { errorDocument, streamToBuffer, writeTable } from "./index.js";
import type { Field, MetaResource, Row } from "./model.js";
import { tableArb } from "./test-support/arbitraries.js";
import { ALL_TYPES_FIELDS, ALL_TYPES_ROWS } from "./test-support/fixtures.js";
import { checkXsdTool, requireTool, tempDir, validateXml } from "./test-support/tools.js";

type Format = "tabledata" | "binary" | "binary2";
const FORMATS: [Format, Serialization][] = [
  ["tabledata", "TABLEDATA"],
  ["binary", "BINARY"],
  ["binary2", "BINARY2"],
];

interface Doc {
  name: string;
  bytes: () => Promise<Buffer | string>;
}

function table(name: string, fields: Field[], rows: Iterable<Row> | AsyncIterable<Row>, options: WriteOptions): Doc {
  return { name, bytes: () => streamToBuffer(writeTable(fields, rows, options)) };
}

const SERVICE_DESCRIPTORS: MetaResource[] = [
  {
    ID: "dl",
    name: "datalink",
    utype: "adhoc:service",
    description: "Links <& more>",
    params: [
      { name: "standardID", datatype: "char", arraysize: "*", value: "ivo://ivoa.net/std/DataLink#links-1.1" },
      { name: "accessURL", datatype: "char", arraysize: "*", value: "http://example.com/links?a=1&b=2" },
    ],
    groups: [{ name: "inputParams", params: [{ name: "ID", datatype: "char", arraysize: "*", ucd: "meta.id;meta.main", value: "", ref: "pubdid" }] }],
  },
  {
    utype: "adhoc:service",
    infos: [{ name: "note", value: "x" }],
    groups: [
      {
        name: "inputParams",
        description: "inputs",
        params: [
          { name: "RA", datatype: "double", unit: "deg", ucd: "pos.eq.ra", value: "", ref: "ra" },
          { name: "CIRCLE", datatype: "double", arraysize: "3", xtype: "circle", unit: "deg", ucd: "pos.outline;obs", value: "", values: { max: "1 2 0.5" } },
          { name: "BAND", datatype: "double", arraysize: "2", xtype: "interval", unit: "m", value: "", values: { min: "3e-7", max: "8e-7", minInclusive: true, maxInclusive: false } },
          { name: "CUTOUTDETAIL", datatype: "char", arraysize: "*", value: "Image", description: "d", values: { options: [{ value: "Image", name: "n", options: [{ value: "sub" }] }, { value: "MaskedImage" }] } },
        ],
        groups: [{ name: "nested", ID: "g1" }],
      },
    ],
  },
];

function corpus(): Doc[] {
  const docs: Doc[] = [];
  for (const [format] of FORMATS) {
    docs.push(table(`${format}-all-types`, ALL_TYPES_FIELDS, ALL_TYPES_ROWS, { format }));
    docs.push(table(`${format}-empty`, ALL_TYPES_FIELDS, [], { format }));
    docs.push(table(`${format}-overflow`, ALL_TYPES_FIELDS, ALL_TYPES_ROWS.slice(0, 2), { format, end: () => ({ status: "OVERFLOW" }) }));
    async function* failing(): AsyncGenerator<Row> {
      yield ALL_TYPES_ROWS[0]!;
      throw new Error("lost the <database> & more\u0000");
    }
    docs.push(table(`${format}-error-trailer`, ALL_TYPES_FIELDS, failing(), { format }));
    docs.push(
      table(`${format}-all-metadata`, [{ name: "x y", ID: "x_y", datatype: "double", unit: "deg", ucd: "pos.eq.ra;meta.main", utype: "a:b", xtype: "x:y", width: 10, precision: "F3", description: "d\u0001 <&>" }, { name: "n", datatype: "short", nullValue: "0x7FFF", ref: "x_y" }], [[1.5, 3], [null, null]], {
        format,
        description: "A <test> document & more",
        resource: { name: "r", ID: "res", utype: "u", description: "resource" },
        table: { name: "t", ID: "tab", ucd: "meta.table", utype: "tu", description: "table\ttab", nrows: 2 },
        status: "OVERFLOW",
        statusMessage: "truncated at MAXREC=2",
        query: 'SELECT "x y" FROM t WHERE a < 1 AND b > 2 -- \u00e9\n',
        requestTime: new Date(Date.UTC(2025, 5, 1, 12, 0, 0, 5)),
        infos: [{ name: "standardID", value: "ivo://ivoa.net/std/TAP" }, { name: "citation", value: "2024ApJ...1..1", ucd: "meta.bib.bibcode", content: "cite us" }],
        end: () => ({ infos: [{ name: "elapsed", value: "12 ms", unit: "ms" }] }),
      }),
    );
    // DataLink 1.1 §4 service descriptors after the results: PARAMs with ref, GROUP inputParams, VALUES.
    docs.push(table(`${format}-service-descriptors`, [{ name: "obs_publisher_did", ID: "pubdid", datatype: "char", arraysize: "*" }, { name: "ra", ID: "ra", datatype: "double", unit: "deg" }], [["ivo://x/y?z", 1.5]], { format, metaResources: SERVICE_DESCRIPTORS }));
    docs.push(table(`${format}-no-status`, [{ name: "a", datatype: "int" }], [[1]], { format, status: null, resource: { type: "meta" } }));
  }
  docs.push({ name: "error-document", bytes: async () => errorDocument("Table foo.bar does not exist") });
  docs.push({
    name: "error-document-query",
    bytes: async () => errorDocument("line 1, column 8: syntax error near <\u0007>", { query: "SELEC * FROM t", requestTime: new Date(0), infos: [{ name: "HINT", value: "check the spelling" }] }),
  });
  // Random schemas and values, as in the round-trip property.
  const random = fc.sample(tableArb, { numRuns: 12, seed: 424242 });
  random.forEach(({ fields, rows }, i) => {
    const [format] = FORMATS[i % 3]!;
    docs.push(table(`random-${i}-${format}`, fields, rows, { format }));
  });
  return docs;
}

describe("XSD validation of everything the writer produces (VOTable 1.4 schema, xmllint)", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir> | undefined;

  before(function () {
    requireTool(this, checkXsdTool());
    dir = tempDir("votable-xsd-");
  });
  after(function () {
    dir?.remove();
  });

  it("the whole corpus validates", async function () {
    const docs = corpus();
    const files: string[] = [];
    for (const d of docs) {
      const file = join(dir!.path, `${d.name}.xml`);
      writeFileSync(file, await d.bytes());
      files.push(file);
    }
    const { failures, output } = validateXml(files);
    expect(failures, output).to.deep.equal([]);
    console.log(`      xsd: ${files.length} documents validated`);
  });

  it("the validator is not vacuous: an invalid document fails", function () {
    const file = join(dir!.path, "invalid.xml");
    writeFileSync(file, '<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE/></RESOURCE></VOTABLE>');
    expect(validateXml([file]).failures).to.deep.equal([file]);
  });
});
