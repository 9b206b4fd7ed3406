/**
 * The VOParquet writer (IVOA Note VOParquet 1.0) on its own: every datatype and NULL, row groups, the footer's
 * VOTable (overflow, errors), and streaming with a bounded pull-ahead. The server's test (routes/parquet.test.ts)
 * reads its output with DuckDB, a reader independent of the writer; these read with hyparquet, for the file's
 * structure (row groups), which DuckDB does not show as directly.
 */
import { expect } from "chai";
import { once } from "node:events";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import type { Field, Row } from "./model.js";
import { readVOTable } from "./read/reader.js";
import { streamToBuffer, writeTable } from "./stream.js";
import { VOPARQUET_CONTENT_KEY, VOPARQUET_VERSION_KEY } from "./parquet.js";
import { until } from "./test-support/until.js";
import { VOTableError } from "./errors.js";

function arrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
}

async function read(b: Buffer): Promise<{ rows: Record<string, unknown>[]; kv: Map<string, string>; groups: number[] }> {
  const file = arrayBuffer(b);
  const md = parquetMetadata(file);
  const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  return {
    rows,
    kv: new Map((md.key_value_metadata ?? []).map((k) => [k.key, k.value ?? ""])),
    groups: md.row_groups.map((g) => Number(g.num_rows)),
  };
}

const nul = (v: unknown) => (v === undefined ? null : v);

describe("VOParquet writer (IVOA Note VOParquet 1.0)", function () {
  // One column per VOTable datatype the writer maps (VOTable 1.4 §2.1), each with a NULL in row 2.
  const cases: [Field, unknown, unknown][] = [
    [{ name: "b", datatype: "boolean" }, true, true],
    [{ name: "u8", datatype: "unsignedByte" }, 255, 255],
    [{ name: "i16", datatype: "short" }, -32768, -32768],
    [{ name: "i32", datatype: "int" }, 2147483647, 2147483647],
    [{ name: "i64", datatype: "long" }, 9007199254740993n, 9007199254740993n],
    [{ name: "i64n", datatype: "long" }, 42, 42n],
    [{ name: "f32", datatype: "float", unit: "mag" }, 0.1, Math.fround(0.1)],
    [{ name: "f64", datatype: "double", unit: "deg", ucd: "pos.eq.ra" }, 1 / 3, 1 / 3],
    [{ name: "s", datatype: "char", arraysize: "*" }, "abc", "abc"],
    [{ name: "u", datatype: "unicodeChar", arraysize: "*" }, "λ ü 星", "λ ü 星"],
    [{ name: "t", datatype: "char", arraysize: "*", xtype: "timestamp" }, new Date(Date.UTC(2020, 1, 29, 12, 0, 0, 500)), "2020-02-29T12:00:00.500"],
    [{ name: "pos", datatype: "double", arraysize: "2", xtype: "point", unit: "deg" }, [10.5, -20.25], [10.5, -20.25]],
    [{ name: "poly", datatype: "double", arraysize: "*", xtype: "polygon" }, [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]],
    [{ name: "ia", datatype: "int", arraysize: "3" }, [1, -2, 3], [1, -2, 3]],
  ];
  const fields = cases.map((c) => c[0]);

  it("writes every datatype, and NULL as a Parquet null", async function () {
    const rows: Row[] = [cases.map((c) => c[1]), cases.map(() => null), cases.map((c) => c[1])];
    const { rows: got, kv } = await read(await streamToBuffer(writeTable(fields, rows, { format: "parquet" })));
    expect(got.length).to.equal(3);
    for (const [i, [f, , want]] of cases.entries()) {
      expect(got[0]![f.name], f.name).to.deep.equal(want);
      expect(nul(got[1]![f.name]), `${f.name} NULL`).to.equal(null);
      expect(got[2]![f.name], f.name).to.deep.equal(want);
      expect(i).to.be.a("number");
    }
    expect(kv.get(VOPARQUET_VERSION_KEY)).to.equal("1.0");
    const header = await readVOTable(Buffer.from(kv.get(VOPARQUET_CONTENT_KEY)!));
    expect(await header.toArray()).to.deep.equal([]);
    expect(header.fields.map((f) => [f.name, f.datatype, f.arraysize, f.xtype, f.unit, f.ucd])).to.deep.equal(
      fields.map((f) => [f.name, f.datatype, f.arraysize, f.xtype, f.unit, f.ucd]),
    );
  });

  it("keeps NaN apart from NULL in floating-point columns", async function () {
    const { rows } = await read(
      await streamToBuffer(writeTable([{ name: "x", datatype: "double" }], [[NaN], [null], [-0]], { format: "parquet" })),
    );
    expect(Number.isNaN(rows[0]!.x)).to.equal(true);
    expect(nul(rows[1]!.x)).to.equal(null);
    expect(Object.is(rows[2]!.x, -0)).to.equal(true);
  });

  it("cuts row groups: a small first one, then rowGroupRows each", async function () {
    const rows = Array.from({ length: 5500 }, (_, i) => [BigInt(i)]);
    const { rows: got, groups } = await read(
      await streamToBuffer(writeTable([{ name: "id", datatype: "long" }], rows, { format: "parquet", rowGroupRows: 2000 })),
    );
    expect(groups).to.deep.equal([1000, 2000, 2000, 500]);
    expect(got.map((r) => r.id)).to.deep.equal(rows.map((r) => r[0]));
  });

  it("an empty result is a valid file with the header and no row", async function () {
    const { rows, kv } = await read(await streamToBuffer(writeTable(fields, [], { format: "parquet", query: "SELECT 1" })));
    expect(rows).to.deep.equal([]);
    expect(kv.get(VOPARQUET_CONTENT_KEY)).to.contain('<INFO name="QUERY" value="SELECT 1"/>');
  });

  it("an overflow known at the end is an INFO after the TABLE (DALI 1.2 §5.4.1)", async function () {
    const { kv } = await read(
      await streamToBuffer(writeTable(fields.slice(0, 2), [[true, 1]], { format: "parquet", end: () => ({ status: "OVERFLOW" }) })),
    );
    expect(kv.get(VOPARQUET_CONTENT_KEY)).to.match(/<\/TABLE>\n<INFO name="QUERY_STATUS" value="OVERFLOW"\/>\n<\/RESOURCE>/);
  });

  it("an error after some rows keeps them, and the footer says ERROR with the message (DALI 1.2 §5.4.2)", async function () {
    async function* failing(): AsyncGenerator<Row> {
      for (let i = 0; i < 1500; i++) yield [BigInt(i)];
      throw new Error("the database went away");
    }
    const stream = writeTable([{ name: "id", datatype: "long" }], failing(), { format: "parquet", onError: (e) => `failed: ${(e as Error).message}` });
    const { rows, kv } = await read(await streamToBuffer(stream));
    expect(rows.length).to.equal(1500);
    expect(kv.get(VOPARQUET_CONTENT_KEY)).to.contain('<INFO name="QUERY_STATUS" value="ERROR">failed: the database went away</INFO>');
    expect((stream.failure as Error).message).to.equal("the database went away");
  });

  it("a value of the wrong type is an error of the row, not a crash", async function () {
    const stream = writeTable([{ name: "x", datatype: "double" }], [[1], ["not a number"]], { format: "parquet" });
    const { rows, kv } = await read(await streamToBuffer(stream));
    expect(rows.length).to.equal(1);
    expect(kv.get(VOPARQUET_CONTENT_KEY)).to.match(/QUERY_STATUS" value="ERROR">field "x"/);
  });

  it("refuses what it cannot write at once: complex fields", function () {
    expect(() => writeTable([{ name: "z", datatype: "doubleComplex" }], [], { format: "parquet" })).to.throw(VOTableError, /complex/);
  });

  it("gives repeated FIELD names distinct Parquet names, keeping the FIELDs as they are", async function () {
    const { rows, kv } = await read(
      await streamToBuffer(writeTable([{ name: "a", datatype: "int" }, { name: "a", datatype: "int" }], [[1, 2]], { format: "parquet" })),
    );
    expect(rows).to.deep.equal([{ a: 1, a_2: 2 }]);
    expect(kv.get(VOPARQUET_CONTENT_KEY)!.match(/<FIELD name="a"/g)!.length).to.equal(2);
  });

  it("streams: row groups go out as they fill, the source is held back by a slow consumer and released on destroy", async function () {
    let pulled = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<Row> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield [BigInt(i), i / 7, `row ${i}`];
        }
      } finally {
        closed = true;
      }
    }
    const f: Field[] = [
      { name: "id", datatype: "long" },
      { name: "x", datatype: "double" },
      { name: "s", datatype: "char", arraysize: "*" },
    ];
    // A small buffer (64 KiB, about 5,000 rows here; 1 MiB by default) and row groups: the same behaviour in a
    // sixteenth of the rows.
    const stream = writeTable(f, endless(), { format: "parquet", rowGroupRows: 1000, highWaterMark: 64 * 1024 });
    let consumed = 0;
    // Each read takes what the writer has buffered (its highWaterMark): two show it going on.
    for (let k = 0; k < 2; k++) {
      let chunk = stream.read() as Buffer | null;
      while (chunk === null) {
        await once(stream, "readable");
        chunk = stream.read() as Buffer | null;
      }
      consumed += chunk.length;
    }
    expect(consumed).to.be.greaterThan(0);
    // Nobody reads now: the writer stops once the stream's buffer is full, with at most one row group more.
    await until("the stream's buffer is full", () => stream.readableLength >= stream.readableHighWaterMark);
    const atFull = pulled;
    for (let k = 0; k < 20; k++) await new Promise((r) => setImmediate(r));
    expect(stream.readableHighWaterMark).to.equal(64 * 1024);
    expect(pulled - atFull).to.be.at.most(1000);
    // What waits unread is the buffer and at most the row group that filled it (about 12 KB).
    expect(stream.readableLength).to.be.below(stream.readableHighWaterMark + 32 * 1024);
    stream.destroy();
    await until("the source is released", () => closed);
  });
});
