/**
 * Header cards (FITS 4.0 §4): a table of cards as they appear in files and the values they carry; round trips
 * through our writer; and astropy reading what we write, card for card.
 */
import { expect } from "chai";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FitsError } from "./errors.js";
import { type Card, type CardValue, Header, formatCard, parseCard } from "./header.js";
import { astropy, requireTools, tempDir } from "./test-support/tools.js";

const pad = (s: string) => s.padEnd(80);

describe("header cards", () => {
  const cases: [string, string, Partial<Card>][] = [
    ["fixed logical", "SIMPLE  =                    T / conforms", { keyword: "SIMPLE", value: true, comment: "conforms" }],
    ["free logical", "EXTEND  = F", { keyword: "EXTEND", value: false }],
    ["fixed integer", "NAXIS1  =                 2048", { keyword: "NAXIS1", value: 2048 }],
    ["negative integer", "BITPIX  =                  -32 / array", { keyword: "BITPIX", value: -32, comment: "array" }],
    ["64-bit integer", "BIG     = 9223372036854775807", { keyword: "BIG", value: 9223372036854775807n }],
    ["real with D exponent", "X       =   1.5D-03", { keyword: "X", value: 1.5e-3, real: true }],
    ["real 1.0", "CDELT1  =                  1.0", { keyword: "CDELT1", value: 1, real: true }],
    ["real without a point", "Y       = 1E5", { keyword: "Y", value: 1e5, real: true }],
    ["string padded (§4.2.1.1)", "XTENSION= 'IMAGE   '           / ext", { keyword: "XTENSION", value: "IMAGE", comment: "ext" }],
    ["string with '' escape", "OBJECT  = 'O''Brien''s'", { keyword: "OBJECT", value: "O'Brien's" }],
    ["leading spaces kept", "S       = '  a  '", { keyword: "S", value: "  a" }],
    ["empty string", "S       = ''", { keyword: "S", value: "" }],
    ["spaces mean one space", "S       = '    '", { keyword: "S", value: " " }],
    ["slash inside a string", "S       = 'a/b' / c", { keyword: "S", value: "a/b", comment: "c" }],
    ["undefined value", "UNDEF   =                      / nothing", { keyword: "UNDEF", value: null, comment: "nothing" }],
    ["complex", "Z       = (1.5, -2)", { keyword: "Z", value: { re: 1.5, im: -2 } }],
    ["COMMENT", "COMMENT   some text = 'x'", { keyword: "COMMENT", comment: "  some text = 'x'" }],
    ["HISTORY", "HISTORY done", { keyword: "HISTORY", comment: "done" }],
    ["blank keyword", "        just text", { keyword: "", comment: "just text" }],
    ["no '= ' is commentary (§4.1.2.2)", "NOTVAL  =1", { keyword: "NOTVAL", comment: "=1" }],
    ["HIERARCH", "HIERARCH ESO DET CHIP NAME = 'ccd1' / chip", { keyword: "ESO DET CHIP NAME", value: "ccd1", comment: "chip" }],
  ];
  for (const [name, text, want] of cases) {
    it(`reads ${name}`, () => {
      const card = parseCard(pad(text), { hdu: 0 });
      expect(card).to.deep.equal(want);
    });
  }

  const bad: [string, string, string][] = [
    ["unclosed string", "S       = 'abc", "FITS_BAD_CARD"],
    ["junk value", "S       = abc", "FITS_BAD_CARD"],
    ["lower-case keyword", "naxis   = 1", "FITS_BAD_CARD"],
    ["text after a string", "S       = 'a' b", "FITS_BAD_CARD"],
  ];
  for (const [name, text, code] of bad) {
    it(`refuses ${name} with ${code}, naming the HDU and the card`, () => {
      try {
        parseCard(pad(text), { hdu: 3 });
        expect.fail("no error");
      } catch (e) {
        expect(e).to.be.instanceOf(FitsError);
        expect((e as FitsError).code).to.equal(code);
        expect((e as FitsError).message).to.match(/^HDU 3, card /);
      }
    });
  }
});

describe("headers with a malformed card", () => {
  it("keep it, without a value and with the reason, until something needs it", () => {
    const text = ["SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    0", "bad key = 1", "OBJECT  = 'M31' junk", "GOOD    = 2", "END"]
      .map(pad)
      .join("");
    const h = Header.parse(Buffer.from(text.padEnd(2880), "latin1"), { hdu: 2 });
    expect(h.get("GOOD")).to.equal(2);
    expect(h.get("OBJECT")).to.equal(undefined);
    expect(h.invalidCard("OBJECT")!.invalid).to.match(/^HDU 2, card OBJECT: unexpected text "junk"/);
    expect(h.invalidCard("BAD KEY")!.invalid).to.match(/characters outside A-Z/);
    // Writers leave them out.
    expect(Header.parse(h.toBytes()).cards.map((c) => c.keyword)).to.deep.equal(["SIMPLE", "BITPIX", "NAXIS", "GOOD"]);
  });
});

const LONG = "A description that is much longer than sixty-eight characters, so it needs CONTINUE cards, with 'quotes' and ''.";

const LONG_PLAIN = "A description that is much longer than sixty-eight characters, so it needs CONTINUE cards: plain words only.";

const roundTrip: [string, CardValue, boolean?][] = [
  ["I", 0],
  ["NEG", -123456789],
  ["BIGINT", -9223372036854775808n],
  ["R1", 1, true],
  ["R2", 0.1, true],
  ["R3", -1.2345678901234567e-123, true],
  ["R4", 6.02214076e23, true],
  ["T", true],
  ["F", false],
  ["S", "IMAGE"],
  ["Q", "it's"],
  ["E", ""],
  ["SP", " x"],
  ["LONG", LONG],
  ["LONGP", LONG_PLAIN],
  ["LONGQ", "'".repeat(200)],
  ["U", null],
  ["ESO TEL ALT", 45.5, true],
];

describe("header round trip", () => {
  const header = new Header(roundTrip.map(([keyword, value, real]) => (real ? { keyword, value, real } : { keyword, value, comment: `c ${keyword}` })));
  header.cards.push({ keyword: "COMMENT", comment: "x".repeat(100) }, { keyword: "HISTORY", comment: "h" });

  it("reads back every value it writes", () => {
    const back = Header.parse(header.toBytes());
    for (const [k, v] of roundTrip) expect(back.get(k), k).to.deep.equal(v);
    expect(back.string("LONGSTRN")).to.equal("OGIP 1.0");
    expect(back.cards.filter((c) => c.keyword === "COMMENT").map((c) => c.comment)).to.deep.equal(["x".repeat(72), "x".repeat(28)]);
  });

  it("writes whole blocks of 80-character cards ending in END", () => {
    const bytes = header.toBytes();
    expect(bytes.length % 2880).to.equal(0);
    const text = bytes.toString("latin1");
    expect(text).to.match(/^[\x20-\x7e]+$/);
    expect(text.indexOf("END     ") % 80).to.equal(0);
  });

  it("writes fixed format: logicals and numbers right-justified to column 30, strings from column 11", () => {
    expect(formatCard({ keyword: "SIMPLE", value: true })[0]!.slice(0, 30)).to.equal("SIMPLE  =                    T");
    expect(formatCard({ keyword: "NAXIS", value: 2 })[0]!.slice(0, 30)).to.equal("NAXIS   =                    2");
    expect(formatCard({ keyword: "XTENSION", value: "IMAGE" })[0]!.slice(0, 20)).to.equal("XTENSION= 'IMAGE   '");
  });

  it("refuses what a header cannot hold", () => {
    for (const card of [
      { keyword: "N", value: Number.NaN },
      { keyword: "S", value: "é" },
      { keyword: "ESO " + "X".repeat(60), value: 1 },
    ]) {
      expect(() => formatCard(card)).to.throw(FitsError).with.property("code", "FITS_INVALID_VALUE");
    }
  });

  it("is read by astropy to the same values", function () {
    this.timeout(30000);
    requireTools("astropy");
    const dir = tempDir("fits-header-");
    try {
      const h = new Header([
        { keyword: "SIMPLE", value: true },
        { keyword: "BITPIX", value: 8 },
        { keyword: "NAXIS", value: 0 },
        ...header.cards,
      ]);
      const path = join(dir.path, "h.fits");
      writeFileSync(path, h.toBytes());
      const cards = astropy<[string, unknown, string][]>("cards", { path });
      const byKey = new Map(cards.map(([k, v]) => [k, v]));
      // astropy 5.2.1 cuts a CONTINUE string after a '' escape, its own output included (Card.fromstring(str(
      // Card("K", v))).value != v), so the long strings with quotes are checked by our round trip only.
      for (const [k, v] of roundTrip.filter(([k]) => k !== "LONG" && k !== "LONGQ")) {
        const want = typeof v === "bigint" ? Number(v) : v;
        expect(byKey.get(k), k).to.deep.equal(want);
      }
    } finally {
      dir.remove();
    }
  });
});
