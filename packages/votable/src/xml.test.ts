import { expect } from "chai";
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
