/**
 * Every test file of the repository has a kind in test-kinds.json (at the root): "quick", or the reason it
 * is slow (property, fuzz, processes, tools). `npm run test:quick` (.mocharc.quick.cjs) runs the quick
 * ones and fails any of them that starts a process (test-support/quick-guard.ts); `npm test` runs every
 * file. These checks make a new test file choose its kind, and keep slow work out of the quick run.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const require = createRequire(import.meta.url);

interface TestKinds {
  readonly kinds: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
}
const table = JSON.parse(readFileSync(join(ROOT, "test-kinds.json"), "utf8")) as TestKinds;

/** Every *.test.ts under packages/<name>/src, as a path from the root. */
function testFiles(): string[] {
  return readdirSync(join(ROOT, "packages"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      (readdirSync(join(ROOT, "packages", d.name, "src"), { recursive: true }) as string[])
        .filter((f) => f.endsWith(".test.ts") && !f.split("/").includes("node_modules"))
        .map((f) => `packages/${d.name}/src/${f}`),
    )
    .sort();
}

/** Names that say the kind: a file so named cannot be quick. */
const NAMED: readonly [RegExp, string][] = [
  [/\.property\.test\.ts$/, "property"],
  [/\/fuzz[^/]*\.test\.ts$/, "fuzz"],
  [/\.execution\.test\.ts$/, "processes"],
  [/\.pyvo\.test\.ts$/, "tools"],
  [/\.xsd\.test\.ts$/, "tools"],
];

/**
 * Imports that start processes or generate inputs at volume; a quick file importing one is misfiled.
 * (The quick run's guard catches the rest: a process started through any other module.)
 */
const SLOW_IMPORTS: readonly RegExp[] = [
  /^fast-check$/,
  /^node:child_process$/,
  /test-support\/child-server\.js$/,
  /test-support\/commands\.js$/,
  /test-support\/mariadb\.js$/,
  /sql\/test-support\/(engines|sky)\.js$/,
  /test-support\/(oracle|region-oracle)\.js$/,
];

function imports(file: string): string[] {
  return [...readFileSync(join(ROOT, file), "utf8").matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)].map((m) => m[1]!);
}

describe("test kinds (test-kinds.json): npm run test:quick and npm test", () => {
  it("every test file has a kind, and every file listed exists", () => {
    const files = testFiles();
    expect(files.filter((f) => !(f in table.files)), "test files without a kind: add them to test-kinds.json").to.deep.equal([]);
    expect(Object.keys(table.files).filter((f) => !files.includes(f)), "listed in test-kinds.json but missing").to.deep.equal([]);
  });

  it("each kind is one that the table describes", () => {
    const unknown = Object.entries(table.files).filter(([, kind]) => !(kind in table.kinds));
    expect(unknown).to.deep.equal([]);
    expect(Object.keys(table.kinds)).to.include("quick");
  });

  it("a file whose name says its kind has that kind", () => {
    const wrong = Object.entries(table.files).flatMap(([file, kind]) =>
      NAMED.filter(([pattern, named]) => pattern.test(file) && named !== kind).map(([, named]) => `${file}: ${kind}, named ${named}`),
    );
    expect(wrong).to.deep.equal([]);
  });

  it("a quick file imports nothing that starts a process or generates inputs at volume", () => {
    const misfiled = Object.entries(table.files)
      .filter(([, kind]) => kind === "quick")
      .flatMap(([file]) => imports(file).filter((i) => SLOW_IMPORTS.some((p) => p.test(i))).map((i) => `${file} imports ${i}`));
    expect(misfiled).to.deep.equal([]);
  });

  it("test:quick runs exactly the quick files with the guard; npm test runs every file and skips none", () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["test:quick"]).to.match(/--config \.mocharc\.quick\.cjs/);
    expect(scripts.test).to.equal("tsc -b && mocha");
    const quick = require(join(ROOT, ".mocharc.quick.cjs")) as { spec: string[]; require: string[] };
    expect([...quick.spec].sort()).to.deep.equal(Object.keys(table.files).filter((f) => table.files[f] === "quick").sort());
    expect(quick.require).to.include("packages/server/src/test-support/quick-guard.ts");
    const full = JSON.parse(readFileSync(join(ROOT, ".mocharc.json"), "utf8")) as Record<string, unknown>;
    expect(full.spec).to.deep.equal(["packages/*/src/**/*.test.ts"]);
    for (const narrowing of ["grep", "fgrep", "ignore", "exclude", "invert"]) expect(full, narrowing).not.to.have.property(narrowing);
  });
});
