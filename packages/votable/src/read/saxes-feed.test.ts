import { expect } from "chai";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { SaxesParser } from "saxes";
import { S_TEXT, SAXES_CHECKED, internals } from "./saxes-feed.js";

/**
 * saxes-feed.ts reads and writes saxes' private fields (the reader's limits and its STREAM bypass need them). These
 * tests state what it relies on, on the version installed: on another saxes they fail, and saxes-feed.ts must be
 * checked again (and SAXES_CHECKED moved) before the pin in package.json is.
 */
describe("saxes' private fields, as saxes-feed.ts uses them", function () {
  const installed = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve("saxes/package.json"), "utf8")) as { version: string }).version;

  it(`saxes is the version checked (${SAXES_CHECKED})`, function () {
    expect(installed).to.equal(SAXES_CHECKED);
    const pinned = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> }).dependencies.saxes;
    expect(pinned, "package.json pins saxes exactly").to.equal(SAXES_CHECKED);
  });

  /** A parser that has been given these writes, and what it reported as text. */
  function fed(...writes: string[]): { x: ReturnType<typeof internals>; texts: string[] } {
    const sax = new SaxesParser({ position: true, xmlns: false });
    const texts: string[] = [];
    sax.on("text", (t) => texts.push(t));
    for (const w of writes) sax.write(w);
    return { x: internals(sax), texts };
  }

  it("a new parser has the fields, with their types", function () {
    const { x } = fed();
    expect(x.state).to.be.a("number");
    expect(x.text).to.equal("");
    expect(x.name).to.equal("");
    expect(x.entity).to.equal("");
    expect(x.carriedFromPrevious).to.equal(undefined);
    expect(S_TEXT).to.be.a("number");
  });

  // Each row: what was written, and the field that holds what is pending (the limits check these lengths).
  const cases: [string, string[], Partial<ReturnType<typeof internals>>, boolean][] = [
    ["character data is buffered in text, in the text state", ["<a>hello"], { text: "hello", name: "", entity: "" }, true],
    ["text grows over writes until the next markup", ["<a>he", "llo"], { text: "hello" }, true],
    ["an attribute value being read is in text, outside the text state", ['<a b="vvv'], { text: "vvv", name: "b" }, false],
    ["an element name being read is in name", ["<abcdef"], { name: "abcdef", text: "" }, false],
    ["a reference being read is in entity", ["<a>&ampxyz"], { entity: "ampxyz" }, false],
    ["a CR at the end of a write is carried over", ["<a>x\r"], { text: "x", carriedFromPrevious: "\r" }, true],
    ["half a surrogate pair at the end of a write is carried over", ["<a>x\uD83D"], { text: "x", carriedFromPrevious: "\uD83D" }, true],
  ];
  for (const [why, writes, fields, inText] of cases) {
    it(why, function () {
      const { x } = fed(...writes);
      for (const [k, v] of Object.entries(fields)) expect(x[k as keyof typeof x], k).to.equal(v);
      expect(x.state === S_TEXT, "in the text state").to.equal(inText);
    });
  }

  it("text taken out of the buffer is not reported again: the STREAM bypass empties it", function () {
    const sax = new SaxesParser({ position: true, xmlns: false });
    const texts: string[] = [];
    sax.on("text", (t) => texts.push(t));
    sax.write("<a>abc");
    const x = internals(sax);
    expect(x.text).to.equal("abc");
    x.text = "";
    sax.write("def</a>").close();
    expect(texts).to.deep.equal(["def"]);
  });
});
