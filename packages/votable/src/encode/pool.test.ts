import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import type { ColumnBatch, RowOrBatch } from "../batch.js";
import { headOfBatch } from "../batch.js";
import { VOTableError } from "../errors.js";
import type { Field } from "../model.js";
import type { OutputFormat, RowSource } from "../stream.js";
import { streamToBuffer, writeTable } from "../stream.js";
import { until } from "../test-support/until.js";
import { TextEncodingPool, threadExecArgv } from "./pool.js";

const TEXT_FORMATS: OutputFormat[] = ["tabledata", "csv", "tsv"];

const FIELDS: Field[] = [
  { name: "id", datatype: "long" },
  { name: "ra", datatype: "double" },
  { name: "mag", datatype: "float" },
  { name: "flags", datatype: "int" },
  { name: "band", datatype: "short" },
  { name: "quality", datatype: "unsignedByte" },
  { name: "variable", datatype: "boolean" },
  { name: "name", datatype: "char", arraysize: "*" },
  { name: "note", datatype: "unicodeChar", arraysize: "*" },
  { name: "seen", datatype: "char", arraysize: "*", xtype: "timestamp" },
  { name: "pos", datatype: "double", arraysize: "2", xtype: "point" },
];

/** A batch of every kind of column, with nulls; `from` numbers its rows. */
function batch(from: number, n: number): ColumnBatch {
  const id = new BigInt64Array(n);
  const ra = new Float64Array(n);
  const mag = new Float32Array(n);
  const flags = new Int32Array(n);
  const band = new Int16Array(n);
  const quality = new Uint8Array(n);
  const nulls = new Uint8Array(n);
  const seen = new Float64Array(n);
  const variable: (boolean | null)[] = [];
  const name: (string | null)[] = [];
  const note: string[] = [];
  const pos: number[][] = [];
  for (let i = 0; i < n; i++) {
    const k = from + i;
    id[i] = k % 97 === 0 ? 2n ** 60n + BigInt(k) : BigInt(k);
    ra[i] = (k * 0.7390851332151607) % 360;
    mag[i] = 14 + ((k * 7919) % 1000) / 137;
    flags[i] = k % 5 === 0 ? -2147483648 : k * 31;
    band[i] = k % 6;
    quality[i] = k % 256;
    nulls[i] = k % 11 === 0 ? 1 : 0;
    seen[i] = 1.7e12 + k * 1000.25;
    variable.push(k % 13 === 0 ? null : k % 2 === 0);
    name.push(k % 17 === 0 ? null : `star <${k}> & "${k % 3}",\tb`);
    note.push(k % 3 === 0 ? "" : `Ω ${k} ✓ 𝄞`);
    pos.push([k / 3, -k / 7]);
  }
  return {
    rowCount: n,
    columns: [
      { values: id },
      { values: ra, nulls },
      { values: mag, nulls },
      { values: flags },
      { values: band },
      { values: quality },
      { values: variable },
      { values: name },
      { values: note },
      { values: seen, timestamps: true },
      { values: pos },
    ],
  };
}

/** The batch's columns as views inside larger buffers, as a database's vectors may be. */
function viewsOf(b: ColumnBatch): ColumnBatch {
  return {
    rowCount: b.rowCount,
    columns: b.columns.map((c) => {
      if (!ArrayBuffer.isView(c.values)) return c;
      const v = c.values as unknown as Uint8Array;
      const Kind = v.constructor as Uint8ArrayConstructor;
      const big = new Kind(v.length + 64);
      big.set(v, 5);
      return { ...c, values: big.subarray(5, 5 + v.length) };
    }),
  };
}

function row(k: number): unknown[] {
  return [BigInt(k), k / 9, 1.5, k, 1, 2, true, `row ${k}`, "ü", new Date(1e12 + k), [1, 2]];
}

/** Sources of the same-bytes table: each is made anew for each format and each writer. */
const SOURCES: [string, () => RowOrBatch[]][] = [
  ["batches of 2,048 rows", () => Array.from({ length: 6 }, (_, b) => batch(b * 2048, 2048))],
  ["views into larger buffers, and a batch cut short (MAXREC)", () => [viewsOf(batch(0, 3000)), headOfBatch(batch(3000, 4000), 2500)]],
  ["rows one by one, small batches and large ones, mixed", () => [row(0), batch(1, 1000), batch(1001, 10), row(1011), row(1012), batch(1013, 700), batch(1713, 0), batch(1713, 300), row(2013)]],
  ["one batch of 50,000 rows", () => [batch(0, 50_000)]],
  ["no rows", () => []],
];

describe("encode/pool: text formats encoded in threads give the bytes of the same rows encoded here", function () {
  this.timeout(120_000);
  let pool: TextEncodingPool;
  before(async function () {
    pool = new TextEncodingPool({ threads: 2, minRows: 256 });
    await pool.start();
  });
  after(async function () {
    await pool.close();
  });

  for (const [name, source] of SOURCES) {
    for (const format of TEXT_FORMATS) {
      it(`${format}: ${name}`, async function () {
        const before = pool.batches;
        const here = await streamToBuffer(writeTable(FIELDS, source(), { format, requestTime: new Date(0) }));
        const there = await streamToBuffer(writeTable(FIELDS, source(), { format, requestTime: new Date(0), pool }));
        expect(there.length).to.equal(here.length);
        expect(there.equals(here)).to.equal(true);
        const big = source().filter((x) => !Array.isArray(x) && (x as ColumnBatch).rowCount >= pool.minRows).length;
        expect(pool.batches - before, "batches encoded by the threads").to.equal(big);
        expect(pool.tables, "tables still open in the threads").to.equal(0);
      });
    }
  }

  it("the caller's typed arrays stay as they were: copies are transferred, not the arrays (a Buffer's too)", async function () {
    const b = batch(0, 1000);
    const quality = Buffer.alloc(1000, 7);
    const sent: ColumnBatch = { rowCount: 1000, columns: b.columns.map((c, i) => (i === 5 ? { values: quality } : c)) };
    const out = await streamToBuffer(writeTable(FIELDS, [sent], { format: "csv", pool }));
    expect(out.length).to.be.greaterThan(1000);
    for (const c of sent.columns) if (ArrayBuffer.isView(c.values)) expect((c.values as Uint8Array).length).to.equal(1000);
    expect(quality[999]).to.equal(7);
  });

  it("other formats do not use the threads", async function () {
    const before = pool.batches;
    for (const format of ["binary2", "binary"] as OutputFormat[]) await streamToBuffer(writeTable(FIELDS, [batch(0, 3000)], { format, pool }));
    expect(pool.batches).to.equal(before);
  });
});

describe("encode/pool: errors, ends and threads that stop", function () {
  this.timeout(120_000);
  let pool: TextEncodingPool;
  before(async function () {
    pool = new TextEncodingPool({ threads: 2, minRows: 100 });
    await pool.start();
  });
  after(async function () {
    await pool.close();
  });

  /** Batches 0-4 of 1,000 rows; in batch 3, row `at` of the batch holds a value that an int field cannot take. */
  function badAt(at: number): ColumnBatch[] {
    return Array.from({ length: 5 }, (_, b) => {
      const x = batch(b * 1000, 1000);
      if (b !== 3) return x;
      const flags: unknown[] = Array.from(x.columns[3]!.values as Int32Array);
      flags[at] = "not a number";
      return { rowCount: 1000, columns: x.columns.map((c, i) => (i === 3 ? { values: flags } : c)) };
    });
  }

  /** What a writer gives: its bytes until it ended or failed, and its error. */
  async function outcome(format: OutputFormat, source: RowSource, withPool: boolean): Promise<{ bytes: Buffer; error: string | undefined }> {
    const parts: Buffer[] = [];
    try {
      for await (const chunk of writeTable(FIELDS, source, { format, requestTime: new Date(0), ...(withPool ? { pool } : {}) })) parts.push(chunk as Buffer);
      return { bytes: Buffer.concat(parts), error: undefined };
    } catch (err) {
      return { bytes: Buffer.concat(parts), error: (err as Error).message };
    }
  }

  const CASES: [string, () => RowSource, RegExp][] = [
    // VOTable 1.4's TABLEDATA ends with a trailing INFO (DALI 1.2 §5.4.2); CSV and TSV streams are destroyed with it.
    ["a value that cannot be encoded in the middle of a batch", () => badAt(517), /row 3517: .*flags/],
    ["a value that cannot be encoded in a batch's first row", () => badAt(0), /row 3000: .*flags/],
    [
      "a value that cannot be copied to a thread (a function): that batch is encoded here",
      () => {
        const b = badAt(0);
        (b[3]!.columns[3]!.values as unknown[])[0] = () => 1;
        return b;
      },
      /row 3000: .*flags/,
    ],
    [
      "a source that fails after batches still in threads",
      () =>
        (async function* () {
          yield batch(0, 1000);
          yield batch(1000, 1000);
          throw new Error("the database went away");
        })(),
      /the database went away/,
    ],
  ];

  for (const [name, source, message] of CASES) {
    for (const format of TEXT_FORMATS) {
      it(`${format}: ${name}: the rows before it, then the same error`, async function () {
        const here = await outcome(format, source(), false);
        const there = await outcome(format, source(), true);
        const said = format === "tabledata" ? /<INFO name="QUERY_STATUS" value="ERROR">([^<]*)<\/INFO>/.exec(here.bytes.toString())?.[1] : here.error;
        expect(said).to.match(message);
        expect(there.error).to.equal(here.error);
        if (format === "tabledata") expect(there.bytes.equals(here.bytes), "the same document").to.equal(true);
        else {
          // A destroyed stream drops what its consumer has not read yet, with threads or without: one is a prefix of the other.
          const [short, long] = there.bytes.length <= here.bytes.length ? [there.bytes, here.bytes] : [here.bytes, there.bytes];
          expect(long.subarray(0, short.length).equals(short), "the same bytes, as far as both go").to.equal(true);
        }
        await until("the threads have answered", () => pool.queued === 0);
        expect(pool.tables).to.equal(0);
      });
    }
  }

  it("a thread that stops under a batch ends the document with an ERROR for that batch's first row; the pool starts another", async function () {
    const started = pool.workers().length;
    const victim = new TextEncodingPool({ threads: 1, minRows: 100 });
    await victim.start();
    try {
      const source = (async function* () {
        yield batch(0, 1000);
        yield batch(1000, 100_000);
        // Pulled right after the large batch was sent: its thread stops before it can have encoded it.
        await victim.workers()[0]!.terminate();
        yield batch(101_000, 1000);
      })();
      const text = (await streamToBuffer(writeTable(FIELDS, source, { format: "tabledata", pool: victim }))).toString();
      expect(text).to.match(/<INFO name="QUERY_STATUS" value="ERROR">row 1000: the encoding thread stopped \(exit code 1\)<\/INFO>/);
      expect(text.match(/<TR>/g)).to.have.length(1000);
      const again = await streamToBuffer(writeTable(FIELDS, [batch(0, 1000)], { format: "csv", pool: victim }));
      const here = await streamToBuffer(writeTable(FIELDS, [batch(0, 1000)], { format: "csv" }));
      expect(again.equals(here)).to.equal(true);
      expect(victim.workers()).to.have.length(1);
    } finally {
      await victim.close();
    }
    expect(pool.workers().length).to.equal(started);
  });

  it("after close(), batches in flight fail and later streams encode here", async function () {
    const closing = new TextEncodingPool({ threads: 1, minRows: 100 });
    await closing.start();
    const source = (async function* () {
      yield batch(0, 100_000);
      await closing.close();
      yield batch(100_000, 1000);
    })();
    const text = (await streamToBuffer(writeTable(FIELDS, source, { format: "tabledata", pool: closing }))).toString();
    expect(text).to.match(/value="ERROR">row 0: the encoding threads were closed</);
    const after = await streamToBuffer(writeTable(FIELDS, [batch(0, 1000)], { format: "tsv", pool: closing }));
    expect(after.equals(await streamToBuffer(writeTable(FIELDS, [batch(0, 1000)], { format: "tsv" })))).to.equal(true);
    expect(closing.batches).to.equal(0);
  });

  it("a consumer that stops reading holds the source back: batches pulled stay within the pool's share in flight", async function () {
    let pulled = 0;
    let closed = false;
    const source = (async function* () {
      try {
        for (let b = 0; ; b++) {
          pulled++;
          yield batch(b * 1000, 1000);
        }
      } finally {
        closed = true;
      }
    })();
    const stream = writeTable(FIELDS, source, { format: "csv", pool, chunkSize: 16 * 1024 });
    await once(stream, "readable");
    // Nothing is read: the stream's buffer fills and the pump stops once the threads have answered.
    await until("the threads have answered and the buffer is full", () => pool.queued === 0 && stream.readableLength >= stream.readableHighWaterMark);
    const share = pool.inFlight;
    expect(pulled).to.be.at.most(share + 2);
    // A consumer that reads slowly from here on: the lead of batches pulled over batches read stays bounded.
    let read = 0;
    let maxLead = 0;
    const bytesPerBatch = (await streamToBuffer(writeTable(FIELDS, [batch(0, 1000)], { format: "csv", header: false }))).length;
    let n = 0;
    await pipeline(
      stream,
      new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _enc, cb) {
          read += chunk.length;
          maxLead = Math.max(maxLead, pulled - read / bytesPerBatch);
          if (++n % 10 === 0) setImmediate(cb);
          else cb();
          if (pulled >= 200) stream.destroy();
        },
      }),
    ).catch(() => undefined);
    expect(pulled).to.be.at.least(200);
    expect(maxLead).to.be.below(share + 4);
    await until("the source is released", () => closed);
    await until("the threads have answered", () => pool.queued === 0);
    expect(pool.tables).to.equal(0);
  });

  it("an AbortSignal stops the stream, the source and the table in the threads", async function () {
    let closed = false;
    const source = (async function* () {
      try {
        for (let b = 0; ; b++) yield batch(b * 1000, 1000);
      } finally {
        closed = true;
      }
    })();
    const ac = new AbortController();
    const stream = writeTable(FIELDS, source, { format: "tabledata", pool, signal: ac.signal });
    stream.on("error", () => undefined);
    await once(stream, "readable");
    ac.abort();
    await until("the stream and the source stop, and the threads answer", () => stream.destroyed && closed && pool.queued === 0);
    expect(pool.tables).to.equal(0);
  });

  it("a slow source still streams: a batch's bytes are pushed while the source waits for the next", async function () {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const source = (async function* () {
      yield batch(0, 1000);
      await gate;
      yield batch(1000, 1000);
    })();
    const stream = writeTable(FIELDS, source, { format: "tabledata", pool });
    let rows = 0;
    stream.on("data", (chunk: Buffer) => (rows += chunk.toString().split("<TR>").length - 1));
    await until("the first batch's rows are sent while the source waits", () => rows === 1000);
    release();
    await once(stream, "end");
    expect(rows).to.equal(2000);
  });

  it("start() waits for the threads' encoders, also for a thread that a batch started; it fails for one that stops first", async function () {
    const late = new TextEncodingPool({ threads: 1, minRows: 1 });
    try {
      await streamToBuffer(writeTable(FIELDS, [batch(0, 10)], { format: "csv", pool: late }));
      await late.start();
      expect(late.workers()).to.have.length(1);
    } finally {
      await late.close();
    }
    const stopped = new TextEncodingPool({ threads: 1 });
    const starting = stopped.start();
    // Terminated in the same turn: it cannot have loaded its module yet.
    await stopped.workers()[0]!.terminate();
    const err = await starting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(VOTableError);
    expect((err as VOTableError).code).to.equal("VOTABLE_ENCODING_THREAD");
    await stopped.close();
  });

  it("options are checked", function () {
    for (const options of [{ threads: 0 }, { threads: 1.5 }, { threads: 65 }, { minRows: 0 }]) {
      expect(() => new TextEncodingPool(options), JSON.stringify(options)).to.throw(VOTableError, /must be/);
    }
  });

  it("threads keep a process alive while they have batches, and not when idle: a script that never closes its pool ends", function () {
    const script = `
      import { TextEncodingPool, writeTable, streamToBuffer } from ${JSON.stringify(fileURLToPath(new URL("../index.ts", import.meta.url)))};
      const pool = new TextEncodingPool({ threads: 1, minRows: 1 });
      const values = Float64Array.from({ length: 20000 }, (_, i) => i / 3);
      const out = await streamToBuffer(writeTable([{ name: "x", datatype: "double" }], [{ rowCount: 20000, columns: [{ values }] }], { format: "csv", pool }));
      console.log(out.length, pool.batches);
    `;
    const child = spawnSync(process.execPath, [...process.execArgv, "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(child.error, "the script ended within 60 s").to.equal(undefined);
    expect(child.stderr).to.equal("");
    expect(child.status).to.equal(0);
    const [bytes, batches] = child.stdout.trim().split(" ").map(Number);
    expect(batches).to.equal(1);
    expect(bytes).to.be.greaterThan(20000 * 4);
  });
  it("the built package's threads start in a script run with --input-type, which a thread that runs a file refuses", function () {
    // npm test builds first (tsc -b); the sources' threads are started from a string, where Node takes the option.
    const script = `
      import { TextEncodingPool } from ${JSON.stringify(fileURLToPath(new URL("../../dist/index.js", import.meta.url)))};
      const pool = new TextEncodingPool({ threads: 1 });
      await pool.start();
      await pool.close();
      console.log("started");
    `;
    for (const inputType of [["--input-type=module"], ["--input-type", "module"]]) {
      const child = spawnSync(process.execPath, [...inputType, "-e", script], { encoding: "utf8", timeout: 60_000 });
      expect(child.error, "the script ended within 60 s").to.equal(undefined);
      expect(child.stderr, inputType.join(" ")).to.equal("");
      expect(child.stdout).to.equal("started\n");
    }
  });

  it("threadExecArgv drops --input-type and its value, and keeps the rest", function () {
    const cases: [string[], string[]][] = [
      [["--input-type=module", "-e", "x"], ["-e", "x"]],
      [["--input-type", "commonjs", "--conditions=qserv-tap-source"], ["--conditions=qserv-tap-source"]],
      [["--import=tsx", "--max-old-space-size=100"], ["--import=tsx", "--max-old-space-size=100"]],
      [[], []],
    ];
    for (const [argv, expected] of cases) expect(threadExecArgv(argv), argv.join(" ")).to.deep.equal(expected);
  });
});
