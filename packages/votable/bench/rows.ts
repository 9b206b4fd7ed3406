/** The benchmark table: 10 columns of the kinds a Qserv result has (issue 5). */
import type { Field, Row } from "../src/index.js";
import { timestampField } from "../src/index.js";

export const FIELDS: Field[] = [
  { name: "objectId", datatype: "long", ucd: "meta.id;meta.main" },
  { name: "ra", datatype: "double", unit: "deg", ucd: "pos.eq.ra" },
  { name: "dec", datatype: "double", unit: "deg", ucd: "pos.eq.dec" },
  { name: "g_flux", datatype: "float", unit: "nJy" },
  { name: "r_flux", datatype: "float", unit: "nJy" },
  { name: "i_flux", datatype: "float", unit: "nJy" },
  { name: "nDetections", datatype: "int" },
  timestampField("lastModified"),
  { name: "band", datatype: "char", arraysize: "*" },
  { name: "comment", datatype: "char", arraysize: "*" },
];

const BANDS = ["u", "g", "r", "i", "z", "y"];
const COMMENTS = Array.from({ length: 997 }, (_, i) => `object ${i} of field ${i % 37}`);

/** A deterministic generator (no Math.random), so that every run encodes the same bytes. */
export function makeRow(i: number): Row {
  const x = (i * 2654435761) % 4294967296;
  const f = x / 4294967296;
  return [
    BigInt(i) * 1000003n + 7n,
    f * 360,
    f * 180 - 90,
    i % 10 === 3 ? null : f * 1e5,
    i % 10 === 5 ? null : (1 - f) * 1e4,
    i % 7 === 0 ? null : f * 123.456,
    i % 1000,
    new Date(1700000000000 + i * 1000),
    BANDS[i % 6],
    COMMENTS[i % 997],
  ];
}

export async function* asyncRows(n: number): AsyncGenerator<Row> {
  for (let i = 0; i < n; i++) yield makeRow(i);
}
