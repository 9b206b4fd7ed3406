/**
 * catalog.ts mainPositionColumn: the one rule by which the loaders (ordering, MariaDB's index) and DataLink (the
 * cutout around a row) find a table's position columns.
 */
import { expect } from "chai";
import { mainPositionColumn } from "./catalog.js";
import { loadFelis } from "./compiler-extras.js";

const column = (name: string, ucd?: string) => `  - name: ${name}\n    "@id": "#t.${name}"\n    datatype: double\n${ucd ? `    ivoa:ucd: ${ucd}\n` : ""}`;
const table = (head: string, ...columns: string[]) =>
  `name: s\n"@id": "#s"\ntables:\n- name: t\n  "@id": "#t"\n${head}  columns:\n${columns.join("").replace(/^/gm, "  ")}`;

const CASES: { name: string; yaml: string; ra: string | undefined; dec: string | undefined }[] = [
  {
    name: "Qserv's partitioning columns win over UCDs",
    yaml: table("  qserv:director: true\n  qserv:ra_column: a\n  qserv:dec_column: b\n", column("a"), column("b"), column("ra", "pos.eq.ra;meta.main"), column("dec", "pos.eq.dec;meta.main")),
    ra: "a",
    dec: "b",
  },
  {
    name: "the UCDs pos.eq.ra and pos.eq.dec with meta.main, in any case",
    yaml: table("", column("x", "POS.EQ.RA;META.MAIN"), column("y", "pos.eq.dec;meta.main"), column("z", "pos.eq.ra")),
    ra: "x",
    dec: "y",
  },
  {
    name: "without meta.main, no column is the main position",
    yaml: table("", column("x", "pos.eq.ra"), column("y", "pos.eq.dec")),
    ra: undefined,
    dec: undefined,
  },
  {
    name: "two candidates on an axis name none on it",
    yaml: table("", column("x", "pos.eq.ra;meta.main"), column("x2", "pos.eq.ra;meta.main"), column("y", "pos.eq.dec;meta.main")),
    ra: undefined,
    dec: "y",
  },
  { name: "no UCDs, no Qserv columns", yaml: table("", column("x"), column("y")), ra: undefined, dec: undefined },
];

describe("catalog: a table's main position columns (mainPositionColumn)", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const t = loadFelis(c.yaml).schemas[0]!.tables[0]!;
      expect([mainPositionColumn(t, "ra"), mainPositionColumn(t, "dec")]).to.deep.equal([c.ra, c.dec]);
    });
  }
});
