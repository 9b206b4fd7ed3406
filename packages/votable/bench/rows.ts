/** The benchmark table: 10 columns of the kinds a Qserv result has (issue 5). */
import type { ColumnBatch, Field, Row } from "../src/index.js";
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

/**
 * Rows start..start+n of the same table as one column batch, as the DuckDB cursor hands them over: typed arrays of
 * the column's own type for the numbers (Float32Array for float; nulls in a byte mask), the timestamps as
 * milliseconds in a Float64Array (BatchColumn.timestamps), arrays of values for the strings.
 */
export function makeBatch(start: number, n: number): ColumnBatch {
  const rows = Array.from({ length: n }, (_, k) => makeRow(start + k));
  return {
    rowCount: n,
    columns: FIELDS.map((f, c) => {
      const cells = rows.map((r) => r[c]);
      const nulls = cells.some((v) => v === null) ? Uint8Array.from(cells, (v) => (v === null ? 1 : 0)) : undefined;
      switch (f.datatype) {
        case "long":
          return { values: BigInt64Array.from(cells, (v) => (v as bigint | null) ?? 0n), nulls };
        case "double":
          return { values: Float64Array.from(cells, (v) => (v as number | null) ?? 0), nulls };
        case "float":
          return { values: Float32Array.from(cells, (v) => (v as number | null) ?? 0), nulls };
        case "int":
          return { values: Int32Array.from(cells, (v) => (v as number | null) ?? 0), nulls };
        default:
          if (f.xtype === "timestamp") return { values: Float64Array.from(cells, (v) => (v as Date).getTime()), nulls, timestamps: true };
          return { values: cells };
      }
    }),
  };
}

export async function* asyncBatches(n: number, size = 2048): AsyncGenerator<ColumnBatch> {
  for (let i = 0; i < n; i += size) yield makeBatch(i, Math.min(size, n - i));
}
