import { expect } from "chai";
import { SaxesParser } from "saxes";
import { escapeAttr, escapeText, isNCName, xmlSafe } from "./xml.js";

describe("XML escaping (XML 1.0 §2.2, §2.4, §3.3.3)", function () {
  const text: [string, string, string][] = [
    ["plain", "abc", "abc"],
    ["markup", "a<b>&c", "a&lt;b&gt;&amp;c"],
    ["]]> cannot appear in character data", "x]]>y", "x]]&gt;y"],
    ["quotes are fine in text", `"'`, `"'`],
    ["tab and newline are kept", "a\tb\nc", "a\tb\nc"],
    ["CR survives as a reference (§2.11 would normalise it)", "a\r\nb", "a&#13;\nb"],
    ["NUL and other C0 controls are replaced", "a\u0000b\u0001c\u001f", "a\uFFFDb\uFFFDc\uFFFD"],
    ["U+FFFE and U+FFFF are replaced", "\uFFFE\uFFFF", "\uFFFD\uFFFD"],
    ["a lone high surrogate is replaced", "a\uD800b", "a\uFFFDb"],
    ["a lone low surrogate is replaced", "a\uDC00", "a\uFFFD"],
    ["a surrogate pair is kept", "😀", "😀"],
    ["non-ASCII is kept", "λ é", "λ é"],
  ];
  for (const [why, input, output] of text) {
    it(`text: ${why}`, function () {
      expect(escapeText(input)).to.equal(output);
    });
  }

  const attr: [string, string, string][] = [
    ["quote", `say "hi"`, "say &quot;hi&quot;"],
    ["newline and tab survive attribute normalisation", "a\nb\tc", "a&#10;b&#9;c"],
    ["markup", "<&>", "&lt;&amp;&gt;"],
    ["forbidden characters", "\u0000\uD800", "\uFFFD\uFFFD"],
  ];
  for (const [why, input, output] of attr) {
    it(`attribute: ${why}`, function () {
      expect(escapeAttr(input)).to.equal(output);
    });
  }

  it("xmlSafe replaces only what XML forbids", function () {
    expect(xmlSafe("a\u0000b\r\n\t<&😀\uDBFF")).to.equal("a\uFFFDb\r\n\t<&😀\uFFFD");
  });

  const names: [string, boolean][] = [
    ["col1", true],
    ["_x.y-z", true],
    ["λ", true],
    ["1col", false],
    ["a b", false],
    ["a:b", false],
    ["", false],
  ];
  for (const [name, ok] of names) {
    it(`"${name}" is ${ok ? "" : "not "}an NCName (XML Namespaces §3), as xs:ID requires`, function () {
      expect(isNCName(name)).to.equal(ok);
    });
  }
});

/** What a parser reads back: the text of `<a>` and the value of its attribute `b`. */
function parsedBack(doc: string): { text: string; attr: string | undefined } {
  const sax = new SaxesParser();
  let text = "";
  let attr: string | undefined;
  sax.on("error", (e) => {
    throw e;
  });
  sax.on("opentag", (t) => {
    attr = t.attributes.b as string | undefined;
  });
  sax.on("text", (t) => (text += t));
  sax.write(doc).close();
  return { text, attr };
}

/**
 * One table of cases for both contexts, each written into a document and parsed back: what comes back is the input
 * with what XML 1.0 §2.2 forbids replaced (xmlSafe), and nothing else changed. The server's VOSI, UWS and examples
 * documents use these escapers (one copy, issue 19).
 */
describe("XML escaping in text and attributes, read back by a parser (XML 1.0 §2.2, §2.4, §2.11, §3.3.3)", function () {
  const cases: [string, string, string, string][] = [
    // why, input, as text, as attribute value
    ["ampersand", "a&b", "a&amp;b", "a&amp;b"],
    ["less-than", "a<b", "a&lt;b", "a&lt;b"],
    ["greater-than (]]> is not allowed in text)", "]]>", "]]&gt;", "]]&gt;"],
    ["double quote (attributes are double-quoted)", 'say "hi"', 'say "hi"', "say &quot;hi&quot;"],
    ["apostrophe", "it's", "it's", "it's"],
    ["entity-like text is not an entity", "&amp;&#1;", "&amp;amp;&amp;#1;", "&amp;amp;&amp;#1;"],
    ["tab", "a\tb", "a\tb", "a&#9;b"],
    ["newline", "a\nb", "a\nb", "a&#10;b"],
    ["CR (end-of-line handling would drop it)", "a\r\nb", "a&#13;\nb", "a&#13;&#10;b"],
    ["NUL", "a\u0000b", "a\uFFFDb", "a\uFFFDb"],
    ["C0 controls forbidden in XML 1.0", "\u0001\u0008\u000B\u000C\u000E\u001F", "\uFFFD".repeat(6), "\uFFFD".repeat(6)],
    ["DEL and C1 controls are allowed", "\u007F\u0085\u009F", "\u007F\u0085\u009F", "\u007F\u0085\u009F"],
    ["U+FFFE and U+FFFF", "\uFFFE\uFFFF", "\uFFFD\uFFFD", "\uFFFD\uFFFD"],
    ["a lone high surrogate", "x\uD83D", "x\uFFFD", "x\uFFFD"],
    ["a lone low surrogate", "\uDE00x", "\uFFFDx", "\uFFFDx"],
    ["reversed surrogates", "\uDE00\uD83D", "\uFFFD\uFFFD", "\uFFFD\uFFFD"],
    ["a surrogate pair (outside the BMP)", "\u{1F600}\u{10FFFF}", "\u{1F600}\u{10FFFF}", "\u{1F600}\u{10FFFF}"],
    ["everything at once", '<a href="x">&\u0000\uD800', '&lt;a href="x"&gt;&amp;\uFFFD\uFFFD', "&lt;a href=&quot;x&quot;&gt;&amp;\uFFFD\uFFFD"],
    ["nothing to do", "plain λ text", "plain λ text", "plain λ text"],
  ];
  for (const [why, input, text, attr] of cases) {
    it(why, function () {
      expect(escapeText(input), "text").to.equal(text);
      expect(escapeAttr(input), "attribute").to.equal(attr);
      const back = parsedBack(`<a b="${escapeAttr(input)}">${escapeText(input)}</a>`);
      expect(back.text, "text read back").to.equal(xmlSafe(input));
      expect(back.attr, "attribute read back").to.equal(xmlSafe(input));
    });
  }
});
