import { expect } from "chai";
import { VOTableError } from "../errors.js";
import type { Field, MetaResource } from "../model.js";
import { readVOTable } from "../read/reader.js";
import { streamToBuffer, writeTable, type OutputFormat } from "../stream.js";
import { documentTail } from "./document.js";
import { checkMetaResources, metaResourceElement } from "./meta.js";

/** DataLink 1.1 §4.4's example, in our element order. */
const LINKS: MetaResource = {
  name: "RawAndCatalogDataLinks",
  utype: "adhoc:service",
  description: "Links & more <for> the datasets",
  params: [
    { name: "standardID", datatype: "char", arraysize: "*", value: "ivo://ivoa.net/std/DataLink#links-1.1" },
    { name: "accessURL", datatype: "char", arraysize: "*", value: "http://example.com/mylinks?a=1&b=2" },
  ],
  groups: [{ name: "inputParams", params: [{ name: "ID", datatype: "char", arraysize: "*", value: "", ref: "primaryID" }] }],
};

/** SODA 1.0 §4.3's per-dataset VALUES. */
const SODA: MetaResource = {
  ID: "cutout",
  utype: "adhoc:service",
  groups: [
    {
      name: "inputParams",
      params: [
        { name: "CIRCLE", datatype: "double", arraysize: "3", xtype: "circle", unit: "deg", ucd: "pos.outline;obs", value: "", values: { max: "12 34 0.5" } },
        { name: "BAND", datatype: "double", arraysize: "2", xtype: "interval", unit: "m", value: "", values: { min: "3e-7", max: "8e-7", maxInclusive: false } },
        {
          name: "CUTOUTDETAIL",
          datatype: "char",
          arraysize: "*",
          value: "Image",
          description: "What to cut",
          values: { options: [{ value: "Image" }, { value: "MaskedImage", name: "with mask and variance" }] },
        },
      ],
    },
  ],
};

const FIELDS: Field[] = [
  { name: "obs_publisher_did", ID: "primaryID", datatype: "char", arraysize: "*" },
  { name: "n", datatype: "int" },
];

describe("meta RESOURCEs after the results (VOTable 1.4 §4, DataLink 1.1 §4)", function () {
  it("a service descriptor: DESCRIPTION, PARAMs, GROUP inputParams with a ref'd PARAM (DataLink 1.1 §4.4)", function () {
    expect(metaResourceElement(LINKS)).to.equal(
      '<RESOURCE type="meta" name="RawAndCatalogDataLinks" utype="adhoc:service">\n' +
        "<DESCRIPTION>Links &amp; more &lt;for&gt; the datasets</DESCRIPTION>\n" +
        '<PARAM name="standardID" datatype="char" arraysize="*" value="ivo://ivoa.net/std/DataLink#links-1.1"/>\n' +
        '<PARAM name="accessURL" datatype="char" arraysize="*" value="http://example.com/mylinks?a=1&amp;b=2"/>\n' +
        '<GROUP name="inputParams">\n<PARAM name="ID" datatype="char" arraysize="*" ref="primaryID" value=""/>\n</GROUP>\n' +
        "</RESOURCE>\n",
    );
  });

  it("VALUES: MIN, MAX (inclusive unless said), OPTIONs with names, after the DESCRIPTION (SODA 1.0 §4.3)", function () {
    const xml = metaResourceElement(SODA);
    expect(xml).to.contain('<PARAM name="CIRCLE" datatype="double" arraysize="3" xtype="circle" unit="deg" ucd="pos.outline;obs" value="">\n<VALUES>\n<MAX value="12 34 0.5"/>\n</VALUES>\n</PARAM>');
    expect(xml).to.contain('<VALUES>\n<MIN value="3e-7"/>\n<MAX value="8e-7" inclusive="no"/>\n</VALUES>');
    expect(xml).to.contain(
      '<PARAM name="CUTOUTDETAIL" datatype="char" arraysize="*" value="Image">\n<DESCRIPTION>What to cut</DESCRIPTION>\n<VALUES>\n<OPTION value="Image"/>\n<OPTION name="with mask and variance" value="MaskedImage"/>\n</VALUES>\n</PARAM>',
    );
  });

  it("the tail writes them after the results RESOURCE, before </VOTABLE>", function () {
    expect(documentTail("TABLEDATA", {}, [{ utype: "adhoc:service" }])).to.equal(
      '</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n<RESOURCE type="meta" utype="adhoc:service">\n</RESOURCE>\n</VOTABLE>\n',
    );
  });

  for (const format of ["tabledata", "binary", "binary2"] as OutputFormat[]) {
    it(`${format}: without meta resources, or with an empty list, the bytes are exactly those of before`, async function () {
      const rows = [["a", 1], [null, null]];
      const t = new Date(Date.UTC(2025, 0, 1));
      const plain = await streamToBuffer(writeTable(FIELDS, rows, { format, requestTime: t }));
      const empty = await streamToBuffer(writeTable(FIELDS, rows, { format, requestTime: t, metaResources: [] }));
      expect(empty.equals(plain)).to.equal(true);
      const withMeta = (await streamToBuffer(writeTable(FIELDS, rows, { format, requestTime: t, metaResources: [LINKS] }))).toString();
      // Only the tail differs: the meta RESOURCE is inserted before </VOTABLE>.
      expect(withMeta.replace(metaResourceElement(LINKS), "")).to.equal(plain.toString());
    });
  }

  it("the reader still reads the table of a document that ends with service descriptors", async function () {
    const doc = await streamToBuffer(writeTable(FIELDS, [["x", 2]], { format: "binary2", metaResources: [LINKS, SODA] }));
    const reader = await readVOTable(doc);
    expect(await reader.toArray()).to.deep.equal([["x", 2]]);
  });

  it("the error trailer keeps them (the FIELDs they reference were written)", async function () {
    async function* failing() {
      yield ["x", 1];
      throw new Error("lost");
    }
    const doc = (await streamToBuffer(writeTable(FIELDS, failing(), { format: "tabledata", metaResources: [LINKS] }))).toString();
    expect(doc).to.match(/<INFO name="QUERY_STATUS" value="ERROR">lost<\/INFO>\n<\/RESOURCE>\n<RESOURCE type="meta"[^]*<\/RESOURCE>\n<\/VOTABLE>\n$/);
  });

  it("CSV and TSV have no place for them: ignored", async function () {
    const csv = await streamToBuffer(writeTable(FIELDS, [["x", 1]], { format: "csv", metaResources: [LINKS] }));
    expect(csv.toString()).to.equal("obs_publisher_did,n\r\nx,1\r\n");
  });

  const bad: [string, MetaResource[], RegExp][] = [
    ["a ref to no ID of the document (an IDREF in the schema)", [{ groups: [{ params: [{ name: "ID", datatype: "char", value: "", ref: "nope" }] }] }], /ref "nope" names no ID/],
    ["an ID that is not an NCName", [{ ID: "1x" }], /not an XML NCName/],
    ["an ID used by a FIELD", [{ ID: "primaryID" }], /not unique/],
    ["an ID used twice", [{ ID: "a" }, { ID: "a" }], /not unique/],
    ["a PARAM without a value (required by the schema)", [{ params: [{ name: "x", datatype: "char" } as never] }], /string value is required/],
    ["a PARAM with an unknown datatype", [{ params: [{ name: "x", datatype: "string" as never, value: "" }] }], /unknown datatype/],
    ["a PARAM with a bad arraysize", [{ params: [{ name: "x", datatype: "char", arraysize: "x", value: "" }] }], /bad arraysize/],
    ["a PARAM without a name", [{ params: [{ name: "", datatype: "char", value: "" }] }], /a name is required/],
  ];
  for (const [why, resources, message] of bad) {
    it(`refused before any byte is written: ${why}`, function () {
      expect(() => writeTable(FIELDS, [], { format: "tabledata", metaResources: resources }))
        .to.throw(VOTableError, message)
        .with.property("code", "VOTABLE_INVALID_OPTION");
    });
  }

  it("refs may name PARAM IDs of another meta RESOURCE", function () {
    expect(() => checkMetaResources([{ params: [{ name: "a", ID: "pa", datatype: "int", value: "1" }] }, { params: [{ name: "b", datatype: "int", value: "", ref: "pa" }] }], new Set())).not.to.throw();
  });
});
