import { expect } from "chai";
import { requireTool } from "./tools.js";

describe("test tools: a missing tool fails in CI and skips elsewhere", function () {
  const missing = { ok: false, why: "xmllint not found" };
  let saved: string | undefined;
  beforeEach(function () {
    saved = process.env.CI;
  });
  afterEach(function () {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  });

  it("CI set: the test fails", function () {
    process.env.CI = "true";
    expect(() => requireTool({ skip: () => undefined }, missing)).to.throw(/required test tool missing in CI/);
  });

  it("CI unset: the test is skipped, with a message", function () {
    delete process.env.CI;
    let skipped = false;
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      requireTool({ skip: () => void (skipped = true) }, missing);
    } finally {
      console.warn = warn;
    }
    expect(skipped).to.equal(true);
  });

  it("a present tool does neither", function () {
    process.env.CI = "true";
    let skipped = false;
    requireTool({ skip: () => void (skipped = true) }, { ok: true, why: "" });
    expect(skipped).to.equal(false);
  });
});
