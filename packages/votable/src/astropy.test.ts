/**
 * Cross-checks with astropy (Debian's python3-astropy 5.2, an implementation no one here wrote):
 *  - astropy reads our TABLEDATA, BINARY and BINARY2 output and finds exactly our values: nulls, NaN, infinities,
 *    64-bit integers, unicode, arrays;
 *  - our reader reads tables that astropy wrote, in all three serializations, and finds what astropy finds.
 *
 * Known astropy 5.2 departures from VOTable 1.4, kept out of the shared columns and checked where astropy is right:
 *  - a scalar `bit` is read from bit 3 (mask 0x08) instead of the most significant bit (§6): TABLEDATA only;
 *  - a variable `bit` array is read as one byte per bit instead of packed bits: TABLEDATA only;
 *  - `char` with arraysize "n*" is read as fixed "n": TABLEDATA only;
 *  - `char` is read as ASCII in BINARY/BINARY2 (UTF-8 char is VOTable 1.5+): non-ASCII text goes in unicodeChar;
 *  - multi-dimensional `char` is not supported at all, so it is left out;
 *  - BINARY2 null flags are ignored for strings, which read as "".
 */
import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Column } from "./column.js";
import { compileColumns, defaultBinaryNull } from "./column.js";
import type { Serialization } from "./encode/document.js";
import type { Field, Row } from "./model.js";
import { pointField, polygonField, timestampField } from "./model.js";
import { readVOTable } from "./read/reader.js";
import { streamToBuffer, writeTable } from "./stream.js";
import { expectCell, show } from "./test-support/expect.js";
import { ASTROPY_SCRIPT, checkAstropy, requireTool, runPython, tempDir } from "./test-support/tools.js";

type AstropyScalar = null | boolean | number | string | { i: string } | { c: [number | string, number | string] };
type AstropyCell = [boolean, AstropyScalar] | { a: [boolean, AstropyScalar][] };
interface AstropyTable {
  fields: { name: string; datatype: string; arraysize: string | null }[];
  rows: AstropyCell[][];
  infos: [string, string][];
}

const SHARED_FIELDS: Field[] = [
  { name: "b", datatype: "boolean" },
  { name: "ub", datatype: "unsignedByte" },
  { name: "s", datatype: "short" },
  { name: "i", datatype: "int", ucd: "meta.number" },
  { name: "l", datatype: "long" },
  { name: "c1", datatype: "char" },
  { name: "c8", datatype: "char", arraysize: "8" },
  { name: "cv", datatype: "char", arraysize: "*" },
  { name: "u", datatype: "unicodeChar", arraysize: "*" },
  { name: "u4", datatype: "unicodeChar", arraysize: "4" },
  { name: "f", datatype: "float" },
  { name: "d", datatype: "double" },
  { name: "fc", datatype: "floatComplex" },
  { name: "dc", datatype: "doubleComplex" },
  { name: "bits10", datatype: "bit", arraysize: "10" },
  { name: "bools", datatype: "boolean", arraysize: "3" },
  { name: "bytes", datatype: "unsignedByte", arraysize: "*" },
  { name: "i3", datatype: "int", arraysize: "3", nullValue: -1 },
  { name: "lv", datatype: "long", arraysize: "*" },
  { name: "f2x2", datatype: "float", arraysize: "2x2" },
  { name: "d2xv", datatype: "double", arraysize: "2x*" },
  { name: "dcv", datatype: "doubleComplex", arraysize: "*" },
  pointField("pos"),
  polygonField("poly"),
  timestampField("t"),
];

const SHARED_ROWS: Row[] = [
  [true, 200, -1234, 123456789, 9007199254740993n, "x", "abcdefgh", 'hello, "world" <&>', "h\u00e9llo \u03bb \u{1F600}", "\u03b1\u03b2\u03b3\u03b4", 0.1, Math.PI, [1.5, -2.5], [1e300, -1e-300],
    [true, false, true, true, false, false, true, false, false, true], [true, false, true], [0, 1, 255], [1, -2, 3], [0n, -1n, 2n ** 63n - 1n],
    [1, 2, 3, 4], [1, 2, 3, 4, 5, 6], [[1, 2], [3, 4]], [10.5, -20.25], [10, 10, 10.2, 10, 10.2, 10.2], new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))],
  [false, 0, -32767, -2147483647, -(2n ** 63n) + 1n, "~", "abc", "", "", "", -0, -0, [0, 0], [-0, 0],
    new Array(10).fill(false), [false, false, false], [], [-2147483647, 0, 2147483647], [],
    [0, -0, 1e-30, 3e38], [], [], [0, -90], [], "1999-12-31"],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null,
    null, null, null, null, null, null, null, null, null, null, null],
  [true, 255, 32767, 2147483647, 2n ** 63n - 1n, "A", "12345678", "tab\there", "\u00e5\u00e4\u00f6 \u{1F600}", "a\u{1F600}b", NaN, Infinity, [NaN, Infinity], [-Infinity, 2],
    new Array(10).fill(true), [null, true, null], [7], [null, 8, 9], [-(2n ** 63n) + 1n],
    [NaN, Infinity, -Infinity, 1], [NaN, -Infinity], [[3, 4]], [359.9, 89.9], [1, 2, 3, 4, 5, 6], "2024-02-29T23:59:59.999"],
];

/** Only in TABLEDATA, where astropy 5.2 follows the standard for them (see above). */
const TABLEDATA_ONLY_FIELDS: Field[] = [
  { name: "bit", datatype: "bit" },
  { name: "bitsv", datatype: "bit", arraysize: "*" },
  { name: "c5v", datatype: "char", arraysize: "5*" },
  { name: "cuni", datatype: "char", arraysize: "*" },
];
const TABLEDATA_ONLY_ROWS: Row[] = [
  [true, [true, false, true], "abcde", "h\u00e9llo \u03bb"],
  [false, [], "", ""],
  [null, null, null, null],
  [true, [false], "ab", "\u{1F600} <&> \u00e5"],
];

function num(x: number | string): number {
  return x === "NaN" ? NaN : x === "Inf" ? Infinity : x === "-Inf" ? -Infinity : (x as number);
}

/** Whether astropy's scalar (with its mask) is our value. */
function scalarMatches(ours: unknown, masked: boolean, theirs: AstropyScalar, col: Column): boolean {
  if (col.strings) return ours === null ? theirs === "" || masked : ours === theirs;
  if (ours === null || ours === undefined) return masked;
  if (typeof ours === "number") {
    // astropy masks NaN floats (its null test is isnan), so NaN shows as masked.
    if (Number.isNaN(ours)) return masked && (typeof theirs !== "number" && typeof theirs !== "string" ? true : Number.isNaN(num(theirs as number | string)));
    if (masked || theirs === null || typeof theirs === "boolean") return false;
    if (typeof theirs === "object") return "i" in theirs && Number(theirs.i) === ours;
    return num(theirs) === ours;
  }
  if (typeof ours === "bigint") return !masked && theirs !== null && typeof theirs === "object" && "i" in theirs && BigInt(theirs.i) === ours;
  if (typeof ours === "boolean") return !masked && theirs === ours;
  if (Array.isArray(ours) && ours.length === 2 && col.datatype.endsWith("Complex")) {
    const [re, im] = ours as [number, number];
    if (Number.isNaN(re) || Number.isNaN(im)) return masked;
    return !masked && theirs !== null && typeof theirs === "object" && "c" in theirs && num(theirs.c[0]) === re && num(theirs.c[1]) === im;
  }
  return false;
}

function cellMatches(ours: unknown, theirs: AstropyCell, col: Column): boolean {
  if (col.strings || col.shape.scalar) {
    if (!Array.isArray(theirs)) return false;
    return scalarMatches(ours, theirs[0], theirs[1], col);
  }
  if (Array.isArray(theirs)) return false;
  const items = theirs.a;
  if (ours === null) {
    // A null array: astropy shows an empty variable array, or a fixed array with every element masked.
    return col.shape.variable ? items.length === 0 : items.every(([m]) => m);
  }
  const arr = ours as unknown[];
  const isComplex = col.datatype.endsWith("Complex");
  if (items.length !== arr.length) return false;
  return arr.every((x, k) => {
    const [m, v] = items[k]!;
    return isComplex ? scalarMatches(x, m, v, { ...col, shape: { ...col.shape, scalar: true } }) : scalarMatches(x, m, v, col);
  });
}

function compare(columns: Column[], ours: unknown[][], theirs: AstropyTable, what: string): number {
  expect(theirs.rows.length, `${what}: rows`).to.equal(ours.length);
  let cells = 0;
  ours.forEach((row, r) => {
    columns.forEach((col, c) => {
      const t = theirs.rows[r]![c]!;
      expect(cellMatches(row[c], t, col), `${what}: row ${r}, field ${col.field.name}: ours ${show(row[c])}, astropy ${JSON.stringify(t)}`).to.equal(true);
      cells++;
    });
  });
  return cells;
}

/** `v`, or for an integer (or integer array element) equal to BINARY's picked null value, the value beside it. */
function besidePickedNull(field: Field, v: unknown): unknown {
  const magic = field.nullValue === undefined ? defaultBinaryNull(field.datatype) : undefined;
  if (magic === undefined) return v;
  const beside = (x: unknown): unknown =>
    typeof x === "bigint" ? (x === magic ? x + 1n : x) : typeof x === "number" && x === Number(magic) ? (x === 255 ? 254 : x + 1) : x;
  return Array.isArray(v) ? v.map(beside) : beside(v);
}

const FORMATS: [Serialization, "tabledata" | "binary" | "binary2"][] = [
  ["TABLEDATA", "tabledata"],
  ["BINARY", "binary"],
  ["BINARY2", "binary2"],
];

describe("astropy cross-checks (Debian python3-astropy)", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir> | undefined;

  before(function () {
    requireTool(this, checkAstropy());
    dir = tempDir("votable-astropy-");
  });
  after(function () {
    dir?.remove();
  });

  it("astropy reads exactly our values in TABLEDATA, BINARY and BINARY2", async function () {
    const docs: { file: string; fields: Field[]; rows: Row[]; ser: Serialization }[] = [];
    for (const [ser, format] of FORMATS) {
      // BINARY refuses a value equal to the null value it picks for an integer field (255 for unsignedByte): its
      // document has the next value instead (encode/binary.ts, pickedNullCollision).
      const rows = ser === "BINARY" ? SHARED_ROWS.map((r) => r.map((v, i) => besidePickedNull(SHARED_FIELDS[i]!, v))) : SHARED_ROWS;
      docs.push({ file: join(dir!.path, `ours-${format}.xml`), fields: SHARED_FIELDS, rows, ser });
    }
    const tdFields = [...SHARED_FIELDS, ...TABLEDATA_ONLY_FIELDS];
    const tdRows = SHARED_ROWS.map((r, i) => [...r, ...TABLEDATA_ONLY_ROWS[i]!]);
    docs.push({ file: join(dir!.path, "ours-tabledata-extra.xml"), fields: tdFields, rows: tdRows, ser: "TABLEDATA" });
    for (const d of docs) {
      const format = d.ser.toLowerCase() as "tabledata" | "binary" | "binary2";
      writeFileSync(d.file, await streamToBuffer(writeTable(d.fields, d.rows, { format, query: "SELECT * FROM t", end: () => ({ status: "OVERFLOW" }) })));
    }
    const read = JSON.parse(runPython(ASTROPY_SCRIPT, ["dump", ...docs.map((d) => d.file)])) as Record<string, AstropyTable>;
    let cells = 0;
    for (const d of docs) {
      const columns = compileColumns(d.fields);
      const expected = d.rows.map((r) => columns.map((c, i) => expectCell(c, r[i], d.ser)));
      const theirs = read[d.file]!;
      expect(theirs.fields.map((f) => f.name)).to.deep.equal(d.fields.map((f) => f.name));
      // Both QUERY_STATUS INFOs, the trailing OVERFLOW after the TABLE (DALI 1.2 §5.4.1), are seen by astropy.
      expect(theirs.infos.filter(([n]) => n === "QUERY_STATUS")).to.deep.equal([["QUERY_STATUS", "OK"], ["QUERY_STATUS", "OVERFLOW"]]);
      cells += compare(columns, expected, theirs, d.file);
    }
    console.log(`      astropy read ${docs.length} of our documents: ${cells} cells agree`);
  });

  it("we read exactly what astropy reads in tables astropy wrote (TABLEDATA, BINARY, BINARY2)", async function () {
    const written = JSON.parse(runPython(ASTROPY_SCRIPT, ["write", dir!.path])) as Record<string, { path: string; read: AstropyTable }>;
    let cells = 0;
    for (const [ser] of FORMATS) {
      const { path, read } = written[ser.toLowerCase()]!;
      const reader = await readVOTable(await import("node:fs").then((fs) => fs.createReadStream(path)));
      expect(reader.serialization).to.equal(ser);
      const rows = (await reader.toArray()) as unknown[][];
      const columns = compileColumns(reader.fields);
      expect(reader.fields.map((f) => f.name)).to.deep.equal(read.fields.map((f) => f.name));
      expect(reader.queryStatus).to.equal("OK");
      cells += compare(columns, rows, read, path);
    }
    console.log(`      we read 3 astropy documents: ${cells} cells agree`);
  });
});
