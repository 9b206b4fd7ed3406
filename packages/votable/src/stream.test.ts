import { expect } from "chai";
import { once } from "node:events";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { VOTableError } from "./errors.js";
import type { Field, Row } from "./model.js";
import { readVOTable } from "./read/reader.js";
import type { OutputFormat } from "./stream.js";
import { contentType, parseResponseFormat, streamToBuffer, writeTable } from "./stream.js";
import { until } from "./test-support/until.js";

const FIELDS: Field[] = [
  { name: "id", datatype: "long" },
  { name: "x", datatype: "double" },
  { name: "s", datatype: "char", arraysize: "*" },
];

function row(i: number): Row {
  return [BigInt(i), i / 7, `row ${i}`];
}

const VOTABLE_FORMATS: OutputFormat[] = ["tabledata", "binary", "binary2"];

describe("stream: writing tables", function () {
  it("an array, an async generator and an object-mode Readable give the same bytes", async function () {
    const rows = Array.from({ length: 1000 }, (_, i) => row(i));
    async function* gen(): AsyncGenerator<Row> {
      for (const r of rows) yield r;
    }
    for (const format of ["binary2", "tabledata", "csv"] as OutputFormat[]) {
      const a = await streamToBuffer(writeTable(FIELDS, rows, { format }));
      const b = await streamToBuffer(writeTable(FIELDS, gen(), { format }));
      const c = await streamToBuffer(writeTable(FIELDS, Readable.from(rows), { format }));
      expect(b.equals(a), format).to.equal(true);
      expect(c.equals(a), format).to.equal(true);
    }
  });

  it("BINARY/BINARY2 base64 comes in chunks of whole 3-byte groups: no padding before the end (RFC 2045 §6.8)", async function () {
    const rows = Array.from({ length: 500 }, (_, i) => row(i));
    for (const format of ["binary", "binary2"] as OutputFormat[]) {
      const text = (await streamToBuffer(writeTable(FIELDS, rows, { format, chunkSize: 256 }))).toString();
      const stream = /<STREAM encoding="base64">\n([\s\S]*)<\/STREAM>/.exec(text)![1]!;
      const lines = stream.split("\n").filter((l) => l !== "");
      expect(lines.length).to.be.greaterThan(10);
      for (const line of lines.slice(0, -1)) {
        expect(line.length % 4).to.equal(0);
        expect(line).not.to.contain("=");
        expect(Buffer.from(line, "base64").length % 3).to.equal(0);
      }
    }
  });

  it("the overflow is decided after the last row: end() runs once, after the source is exhausted (DALI 1.2 §5.4.1)", async function () {
    let exhausted = false;
    let calls = 0;
    async function* gen(): AsyncGenerator<Row> {
      for (let i = 0; i < 5; i++) yield row(i);
      exhausted = true;
    }
    for (const format of VOTABLE_FORMATS) {
      exhausted = false;
      calls = 0;
      const out = await streamToBuffer(
        writeTable(FIELDS, gen(), {
          format,
          end: () => {
            calls++;
            expect(exhausted).to.equal(true);
            return { status: "OVERFLOW" };
          },
        }),
      );
      expect(calls).to.equal(1);
      const reader = await readVOTable(out);
      expect((await reader.toArray()).length).to.equal(5);
      expect(reader.infos.map((i) => i.value)).to.deep.equal(["OK", "OVERFLOW"]);
      expect(out.toString()).to.match(/<\/TABLE>\n<INFO name="QUERY_STATUS" value="OVERFLOW"\/>\n<\/RESOURCE>/);
    }
  });

  it("a generator may return the trailer itself when it is done", async function () {
    async function* limited(): AsyncGenerator<Row, { status: "OVERFLOW" }> {
      yield row(0);
      return { status: "OVERFLOW" };
    }
    const reader = await readVOTable(await streamToBuffer(writeTable(FIELDS, limited(), { format: "binary2" })));
    expect((await reader.toArray()).length).to.equal(1);
    expect(reader.queryStatus).to.equal("OVERFLOW");
  });

  it("an async end() may compute the overflow", async function () {
    const out = await streamToBuffer(
      writeTable(FIELDS, [row(1)], { format: "binary2", end: async () => ({ status: "OVERFLOW", message: "MAXREC=1" }) }),
    );
    expect(out.toString()).to.contain('<INFO name="QUERY_STATUS" value="OVERFLOW">MAXREC=1</INFO>');
  });

  it("a source that fails mid-stream ends the VOTable with the rows so far and a trailing ERROR (DALI 1.2 §5.4.2)", async function () {
    for (const format of VOTABLE_FORMATS) {
      const seen: unknown[] = [];
      async function* failing(): AsyncGenerator<Row> {
        yield row(0);
        yield row(1);
        throw new Error("connection to czar lost");
      }
      const stream = writeTable(FIELDS, failing(), {
        format,
        onError: (err) => {
          seen.push(err);
          return "the query failed while the results were sent";
        },
      });
      const out = await streamToBuffer(stream);
      expect(seen.length).to.equal(1);
      expect(stream.failure).to.be.instanceOf(Error);
      const reader = await readVOTable(out);
      expect((await reader.toArray()).length, format).to.equal(2);
      expect(reader.queryStatus).to.equal("ERROR");
      expect(reader.infos.at(-1)!.content).to.equal("the query failed while the results were sent");
    }
  });

  it("a value that cannot be encoded ends the document with an ERROR naming the row and field", async function () {
    const rows = [row(0), row(1), [2n, "not a number", "x"], row(3)];
    for (const format of VOTABLE_FORMATS) {
      const stream = writeTable(FIELDS, rows, { format });
      const out = await streamToBuffer(stream);
      const reader = await readVOTable(out);
      expect((await reader.toArray()).length).to.equal(2);
      expect(reader.queryStatus).to.equal("ERROR");
      expect(reader.infos.at(-1)!.content).to.match(/^row 2: field "x"/);
      expect((stream.failure as VOTableError).code).to.equal("VOTABLE_INVALID_VALUE");
    }
  });

  it("CSV and TSV cannot report an error in-band: the stream is destroyed with it", async function () {
    for (const format of ["csv", "tsv"] as OutputFormat[]) {
      async function* failing(): AsyncGenerator<Row> {
        yield row(0);
        throw new Error("boom");
      }
      let caught: unknown;
      try {
        await streamToBuffer(writeTable(FIELDS, failing(), { format }));
      } catch (err) {
        caught = err;
      }
      expect((caught as Error).message).to.equal("boom");
    }
  });

  it("metadata errors throw at once, before any byte", function () {
    expect(() => writeTable([], [], { format: "binary2" })).to.throw(VOTableError);
    expect(() => writeTable(FIELDS, [], { format: "fits" as OutputFormat })).to.throw(VOTableError);
    expect(() => writeTable(FIELDS, 42 as never, { format: "csv" })).to.throw(VOTableError);
  });

  it("zero rows still make a complete document", async function () {
    for (const format of VOTABLE_FORMATS) {
      const reader = await readVOTable(await streamToBuffer(writeTable(FIELDS, [], { format })));
      expect(await reader.toArray()).to.deep.equal([]);
      expect(reader.fields.length).to.equal(3);
    }
    expect((await streamToBuffer(writeTable(FIELDS, [], { format: "csv" }))).toString()).to.equal("id,x,s\r\n");
    expect((await streamToBuffer(writeTable(FIELDS, [], { format: "csv", header: false }))).toString()).to.equal("");
  });
});

describe("RESPONSEFORMAT values (DALI 1.2 §4.3.3, TAP 1.1 §2.7.3)", function () {
  const cases: [string, OutputFormat | undefined][] = [
    ["application/x-votable+xml", "binary2"],
    ["votable", "binary2"],
    ["application/x-votable+xml;serialization=TABLEDATA", "tabledata"],
    ['application/x-votable+xml; serialization="BINARY"', "binary"],
    ["application/x-votable+xml;serialization=binary2", "binary2"],
    ["application/x-votable+xml;serialization=FITS", undefined],
    ["votable/td", "tabledata"],
    ["text/csv", "csv"],
    ["text/csv;header=present", "csv"],
    ["csv", "csv"],
    ["text/tab-separated-values", "tsv"],
    ["tsv", "tsv"],
    ["application/fits", undefined],
    ["text/html", undefined],
  ];
  for (const [value, want] of cases) {
    it(`"${value}" → ${String(want)}`, function () {
      expect(parseResponseFormat(value)).to.equal(want);
    });
  }
  it("content types name the serialization", function () {
    expect(contentType("binary2")).to.equal("application/x-votable+xml;serialization=BINARY2");
    expect(contentType("csv")).to.equal("text/csv;charset=utf-8;header=present");
    expect(contentType("tsv")).to.equal("text/tab-separated-values;charset=utf-8");
  });
});

describe("stream: backpressure and early stops", function () {
  /** An endless source that counts what was pulled from it and whether it was closed. */
  function counting(): { rows: AsyncGenerator<Row>; pulled: () => number; closed: () => boolean } {
    let pulled = 0;
    let closed = false;
    async function* gen(): AsyncGenerator<Row> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield row(i);
        }
      } finally {
        closed = true;
      }
    }
    return { rows: gen(), pulled: () => pulled, closed: () => closed };
  }

  it("a slow consumer holds the source back: rows pulled stay within a few chunks of bytes consumed", async function () {
    for (const format of ["binary2", "tabledata", "csv"] as OutputFormat[]) {
      const src = counting();
      const stream = writeTable(FIELDS, src.rows, { format, chunkSize: 4096 });
      let consumed = 0;
      for (let k = 0; k < 30; k++) {
        let chunk = stream.read() as Buffer | null;
        while (chunk === null) {
          await once(stream, "readable");
          chunk = stream.read() as Buffer | null;
        }
        consumed += chunk.length;
        // A consumer slower than the source: it yields to the event loop before each read.
        await new Promise((r) => setImmediate(r));
      }
      const bytesPerRow = 20; // at least, in every format, for these rows
      const pulledBytes = src.pulled() * bytesPerRow;
      // what was consumed, plus the stream's buffer (highWaterMark = chunkSize) and one batch being built
      expect(pulledBytes, format).to.be.below(consumed + 4 * 4096 + 4096 * 3);
      stream.destroy();
      await until(`${format}: the source is released`, () => src.closed());
      expect(src.closed(), `${format}: the source was released`).to.equal(true);
    }
  });

  it("memory stays flat: 200,000 rows through a consumer that pauses, with the pull-ahead bounded throughout", async function () {
    const src = counting();
    const stream = writeTable(FIELDS, src.rows, { format: "binary2", chunkSize: 16 * 1024 });
    let consumed = 0;
    let maxLead = 0;
    let n = 0;
    await pipeline(
      stream,
      new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _enc, cb) {
          consumed += chunk.length;
          maxLead = Math.max(maxLead, src.pulled() * 30 - consumed);
          if (++n % 50 === 0) setTimeout(cb, 1);
          else cb();
          if (src.pulled() >= 200_000) stream.destroy();
        },
      }),
    ).catch(() => undefined);
    expect(src.pulled()).to.be.at.least(200_000);
    // about 30 bytes of base64 per row: the lead of rows over bytes stays within a few chunks
    expect(maxLead).to.be.below(6 * 16 * 1024);
    expect(src.closed()).to.equal(true);
  });

  it("a consumer that goes away releases an object-mode Readable source", async function () {
    let i = 0;
    const source = new Readable({
      objectMode: true,
      read() {
        this.push(row(i++));
      },
    });
    const stream = writeTable(FIELDS, source, { format: "tabledata", chunkSize: 1024 });
    await once(stream, "readable");
    stream.read();
    stream.destroy();
    await until("the source is destroyed", () => source.destroyed);
    expect(source.destroyed).to.equal(true);
  });

  it("an AbortSignal stops the stream and the source", async function () {
    const src = counting();
    const ac = new AbortController();
    const stream = writeTable(FIELDS, src.rows, { format: "csv", signal: ac.signal, chunkSize: 1024 });
    await once(stream, "readable");
    ac.abort();
    await until("the stream and the source stop", () => stream.destroyed && src.closed());
    expect(stream.destroyed).to.equal(true);
    expect(src.closed()).to.equal(true);
  });

  it("a slow source still streams: rows waiting for the next one are pushed after a short delay", async function () {
    // The source holds its second row back until the first has reached the consumer: a writer
    // that waited for a fuller chunk would never send it.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow(): AsyncGenerator<Row> {
      yield row(0);
      await gate;
      yield row(1);
    }
    const stream = writeTable(FIELDS, slow(), { format: "tabledata" });
    let firstRowSeen = false;
    stream.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("<TR>")) firstRowSeen = true;
    });
    await until("the first row is sent while the source waits", () => firstRowSeen, 10_000);
    release();
    await once(stream, "end");
  });
});
