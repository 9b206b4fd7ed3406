import { expect } from "chai";
import { Readable } from "node:stream";
import { readStart } from "./stream-start.js";

/** A stream of these chunks, each pushed when the consumer reads (the first at once), then `tail`. */
function chunks(parts: string[], tail: "end" | Error | "never"): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < parts.length) this.push(Buffer.from(parts[i++]!));
      else if (tail === "end") this.push(null);
      else if (tail instanceof Error) this.destroy(tail);
    },
  });
}

async function rest(stream: Readable): Promise<string> {
  let out = "";
  for await (const c of stream) out += String(c);
  return out;
}

describe("the start of a body stream, read before the response is sent (readStart)", function () {
  const cases: [name: string, parts: string[], tail: "end" | Error | "never", limit: number, expected: { ended: boolean; bytes: string; error?: string; rest?: string }][] = [
    ["a document that ends at once", ["<a>", "b", "</a>"], "end", 100, { ended: true, bytes: "<a>b</a>" }],
    ["an empty document", [], "end", 100, { ended: true, bytes: "" }],
    ["a document over the limit: its start put back, the rest streamed on", ["aaaa", "bbbb", "cc"], "end", 6, { ended: false, bytes: "aaaabbbb", rest: "aaaabbbbcc" }],
    ["a document that fails: its bytes and the error", ["<a>"], new Error("lost"), 100, { ended: false, bytes: "<a>", error: "lost" }],
    ["a document that does not end within the wait: streamed on", ["<a>"], "never", 100, { ended: false, bytes: "<a>" }],
  ];
  for (const [name, parts, tail, limit, expected] of cases) {
    it(name, async function () {
      const stream = chunks(parts, tail);
      const head = await readStart(stream, limit, 20);
      expect({ ended: head.ended, bytes: head.bytes.toString(), ...(head.error ? { error: head.error.message } : {}) }).to.deep.equal({
        ended: expected.ended,
        bytes: expected.bytes,
        ...(expected.error !== undefined ? { error: expected.error } : {}),
      });
      if (expected.rest !== undefined) expect(await rest(stream)).to.equal(expected.rest);
      else if (tail === "never") {
        // Still readable: the bytes read were put back.
        expect(String(stream.read())).to.equal(expected.bytes);
      }
    });
  }
});

describe("readStart: a stream whose wait ran out", function () {
  it("is not waited for again: a second read takes what the stream holds, at once (the sync route, then compression)", async () => {
    const stream = chunks(["<a>"], "never");
    const first = await readStart(stream, 100, 20);
    expect({ ended: first.ended, bytes: first.bytes.toString() }).to.deep.equal({ ended: false, bytes: "<a>" });
    // A minute's wait would outlast the test's timeout: it must not be waited.
    const second = await readStart(stream, 100, 60_000);
    expect({ ended: second.ended, bytes: second.bytes.toString() }).to.deep.equal({ ended: false, bytes: "<a>" });
    expect(String(stream.read())).to.equal("<a>");
  });
});

