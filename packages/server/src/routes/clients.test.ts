/**
 * Independent clients against the running demo service: STILTS taplint (the IVOA TAP validator)
 * and pyvo. Both must be installed in CI.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { demoService, hasPython, hasTool, needTool } from "../test-support/service.js";

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * taplint reports that we accept, each for a reason (see README, "taplint"):
 * - no /async endpoint yet: QAS, UWS and UPL submit jobs to /async and get 404;
 * - features-adql-conditional (COALESCE) is the key ADQL 2.1 §4.x defines, which taplint 3.4.7 predates.
 */
const EXPLAINED: { code: RegExp; text: RegExp; why: string }[] = [
  { code: /^E-(QAS|UWS|UPL)-/, text: /Non-303 response \(404 Not Found\)/, why: "no async (UWS) endpoint" },
  { code: /^E-CAP-KEYX-/, text: /features-adql-conditional/, why: "ADQL 2.1 key unknown to taplint 3.4.7" },
];

describe("server against STILTS taplint and pyvo", function () {
  let url: string;
  before(async function () {
    this.timeout(60_000);
    url = (await demoService()).url;
  });

  it("passes taplint (stages=-LOC) with only explained reports", async function () {
    this.timeout(120_000);
    needTool(this, hasTool("stilts"), "stilts");
    const r = await run("stilts", ["taplint", `tapurl=${url}`, "stages=-LOC"], 110_000);
    const lines = r.stdout.split("\n");
    const totals = lines.find((l) => l.startsWith("Totals:"));
    expect(totals, r.stdout.slice(-2000) + r.stderr).to.not.equal(undefined);
    const reports = lines.filter((l) => /^[EW]-[A-Z0-9]{3}-/.test(l));
    const perStage = new Map<string, { E: number; W: number }>();
    const unexplained: string[] = [];
    for (const line of reports) {
      const stage = line.slice(2, 5);
      const s = perStage.get(stage) ?? { E: 0, W: 0 };
      s[line[0] as "E" | "W"]++;
      perStage.set(stage, s);
      const code = line.split(" ")[0]!;
      if (!EXPLAINED.some((e) => e.code.test(code) && e.text.test(line))) unexplained.push(line);
    }
    console.log(`      taplint ${totals}`);
    for (const [stage, c] of perStage) console.log(`      taplint ${stage}: ${c.E} errors, ${c.W} warnings`);
    expect(unexplained, unexplained.join("\n")).to.deep.equal([]);
  });

  it("works with pyvo: capabilities, tables, counts, overflow, NULLs, uploads, cone search, errors", async function () {
    this.timeout(120_000);
    needTool(this, hasPython(["pyvo", "astropy"]), "pyvo and astropy for /usr/bin/python3");
    const script = fileURLToPath(new URL("../test-support/pyvo_checks.py", import.meta.url));
    const r = await run("/usr/bin/python3", [script, url], 110_000);
    expect(r.code, r.stderr).to.equal(0);
    const checks = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, string>;
    const failed = Object.entries(checks).filter(([, v]) => v !== "ok");
    console.log(`      pyvo: ${Object.keys(checks).length - failed.length}/${Object.keys(checks).length} checks ok`);
    expect(failed, JSON.stringify(failed, null, 2)).to.deep.equal([]);
  });
});
