import { expect } from "chai";
import { compileColumns } from "../column.js";
import type { Row } from "../model.js";
import { Base64Decoder, Base64Error, verifyDecoded } from "./base64.js";
import { BinaryRowDecoder } from "./binary.js";

/** Decodes text given in pieces, as the reader does. */
function decode(pieces: string[]): Buffer {
  const dec = new Base64Decoder();
  const out: Buffer[] = [];
  const take = (p: ReturnType<Base64Decoder["push"]>): void => {
    if (!p) return;
    const b = Buffer.alloc(p.bytes + 3);
    const n = b.write(p.body, 0, "base64");
    verifyDecoded(p, n);
    out.push(b.subarray(0, n));
  };
  for (const p of pieces) take(dec.push(p));
  take(dec.end());
  return Buffer.concat(out);
}

describe("base64 in STREAM (RFC 2045 §6.8)", function () {
  it("decodes any split of any line layout back to the same bytes (randomised)", function () {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let k = 0; k < 300; k++) {
      const bytes = Buffer.from(Array.from({ length: rand(200) }, () => rand(256)));
      let text = bytes.toString("base64");
      // line breaks, CRLF, blanks and tabs anywhere
      const ws = ["\n", "\r\n", " ", "\t", "\n  "];
      for (let j = 0; j < rand(10); j++) {
        const at = rand(text.length + 1);
        text = text.slice(0, at) + ws[rand(ws.length)] + text.slice(at);
      }
      const pieces: string[] = [];
      for (let i = 0; i < text.length; ) {
        const n = 1 + rand(9);
        pieces.push(text.slice(i, i + n));
        i += n;
      }
      expect(decode(pieces).equals(bytes), JSON.stringify(pieces)).to.equal(true);
    }
  });

  it("accepts an unpadded final group", function () {
    expect(decode(["AAE"]).toString("hex")).to.equal("0001");
  });

  const bad: [string, string[]][] = [
    ["a character outside the alphabet", ["AAAA", "*AAA"]],
    ["the URL-safe alphabet (RFC 4648 §5) is not base64", ["AA-_"]],
    ["data after the padding", ["AA==", "AAAA"]],
    ["padding inside a group", ["A=AA"]],
    ["one dangling character", ["AAAAA"]],
    ["markup", ["AAAA&amp;"]],
    ["a control character", ["AAA\u0000"]],
  ];
  for (const [why, pieces] of bad) {
    it(`refuses ${why}`, function () {
      expect(() => decode(pieces)).to.throw(Base64Error);
    });
  }
});

describe("binary row decoder (VOTable 1.4 §5.3, §5.4)", function () {
  it("rows split across pushes at every byte are decoded whole", function () {
    const cols = compileColumns([
      { name: "a", datatype: "short" },
      { name: "s", datatype: "char", arraysize: "*" },
      { name: "d", datatype: "double", arraysize: "2" },
    ]);
    const row = Buffer.from("00" + "0007" + "00000002" + "6869" + "3ff0000000000000" + "c000000000000000", "hex");
    const rows: Row[] = [];
    const dec = new BinaryRowDecoder(cols, true, { maxArrayLength: 100 });
    const data = Buffer.concat([row, row, row]);
    for (let i = 0; i < data.length; i++) dec.push(data.subarray(i, i + 1), (r) => rows.push(r));
    expect(rows).to.deep.equal([
      [7, "hi", [1, -2]],
      [7, "hi", [1, -2]],
      [7, "hi", [1, -2]],
    ]);
    expect(dec.pending).to.equal(0);
  });
});
