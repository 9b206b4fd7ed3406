/**
 * The hand-read tokens of common query text (tokens.ts scanCommon) against the Chevrotain lexer's: the
 * same tokens (type, image, offsets, lines, columns) wherever the reader does not leave the query to
 * the lexer, on the conformance corpus (ADQL 2.1 §2.1 tokens), its queries cut and spliced, and random
 * text over the characters where the two could part (blanks, quotes, exponents, operators, non-ASCII).
 */
import { expect } from "chai";
import { Lexer, type IToken } from "../parser/chevrotain.js";
import { lexerTokens, scanCommon } from "./tokens.js";
import { corpusAvailable, loadCorpus } from "../parser/test-support/lyonetia.js";

const lexer = new Lexer(lexerTokens, { positionTracking: "full" });

const fields = (t: IToken): unknown[] =>
  [t.tokenType.name, t.image, t.startOffset, t.endOffset, t.startLine, t.endLine, t.startColumn, t.endColumn, t.tokenTypeIdx];

/** Whether the reader agreed with the lexer on `text`; undefined when it left `text` to the lexer. */
function agrees(text: string): boolean | undefined {
  const mine = scanCommon(text);
  if (mine === undefined) return undefined;
  const theirs = lexer.tokenize(text);
  expect(theirs.errors, JSON.stringify(text)).to.deep.equal([]);
  expect(mine.map(fields), JSON.stringify(text)).to.deep.equal(theirs.tokens.map(fields));
  expect(mine.map((t) => Object.keys(t)), JSON.stringify(text)).to.deep.equal(theirs.tokens.map((t) => Object.keys(t)));
  return true;
}

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  "a", "Z", "x", "X", "e", "E", "_", "0", "1", "9", " ", "  ", "\t", "\n", "\r", "\r\n", "\f", "\v", "\u00a0", "\u2028", "é",
  "'", "''", '"', ".", ",", "(", ")", "-", "--", "+", "*", "/", "<", ">", "=", "!", "|", "&", "^", "~", "?", ";", "\\",
  "0x1F", "1e5", "2.5E-3", ".5", "1.", "SELECT", "ra", "'a b'",
];

describe("lexer: hand-read common text gives the Chevrotain lexer's tokens", () => {
  it("on the realistic and corner-case queries", () => {
    const queries = [
      "SELECT TOP 100 objectId, ra, dec FROM demo.Object WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 62.0, -37.0, 0.1)) = 1",
      "SELECT a.objectId FROM demo.Object AS a WHERE a.objectId <> 3 AND x != 4 AND y <= 2 AND z >= .5 OR s || 'it''s' LIKE 'NGC%'",
      "SELECT\r\n  ra -- a comment\n\t, dec\rFROM t\n\nWHERE 1.=1. AND 2desc < 3",
      "", "   ", "\n", "x", "'unterminated", "1e5", "0x1F", "\"quoted\"", "ra\u00a0dec", "a\fb", "_a", "a!b",
    ];
    let read = 0;
    for (const q of queries) if (agrees(q)) read++;
    expect(read).to.equal(7);
  });

  it("on the conformance corpus and on its queries cut and spliced", function () {
    if (!corpusAvailable()) {
      if (process.env.CI) throw new Error("../shared/conformance/lyonetia is missing");
      this.skip();
    }
    const texts = loadCorpus().map((q) => q.adql);
    const next = random(15);
    let read = 0;
    let all = 0;
    for (const t of texts) {
      all++;
      if (agrees(t)) read++;
      for (let k = 0; k < 5; k++) {
        const other = texts[Math.floor(next() * texts.length)]!;
        const cut = Math.floor(next() * (t.length + 1));
        const from = Math.floor(next() * (other.length + 1));
        all++;
        if (agrees(t.slice(0, cut) + other.slice(from, from + 1 + Math.floor(next() * 20)) + t.slice(cut))) read++;
      }
    }
    // Most of the corpus is common text: the comparison is not vacuous.
    expect(read).to.be.greaterThan(all / 3);
  });

  it("on random text over the characters where they could part", () => {
    const next = random(2026);
    let read = 0;
    for (let k = 0; k < 20000; k++) {
      let text = "";
      const length = Math.floor(next() * 12);
      for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)]!;
      if (agrees(text)) read++;
    }
    expect(read).to.be.greaterThan(1000);
  });
});
