import { expect } from "chai";
import { MariaDbUnavailableError, startMariaDbOrSkip } from "./mariadb.js";

describe("startMariaDbOrSkip without MariaDB", () => {
  const missing = { ok: false as const, reason: "MariaDB is not installed" };
  let savedCi: string | undefined;
  before(() => {
    savedCi = process.env.CI;
  });
  after(() => {
    if (savedCi === undefined) delete process.env.CI;
    else process.env.CI = savedCi;
  });

  it("skips the suite when CI is not set", async () => {
    delete process.env.CI;
    let skipped = false;
    const ctx = {
      skip(): never {
        skipped = true;
        throw new Error("skipped");
      },
    };
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      await startMariaDbOrSkip(ctx, missing).catch(() => undefined);
    } finally {
      console.warn = warn;
    }
    expect(skipped).to.equal(true);
  });

  it("fails when CI is set, so that CI never passes without the database tests", async () => {
    process.env.CI = "true";
    const ctx = { skip: () => expect.fail("must not skip under CI") };
    const err = await startMariaDbOrSkip(ctx, missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(MariaDbUnavailableError);
    expect(err).to.have.property("code", "MARIADB_UNAVAILABLE");
  });
});
