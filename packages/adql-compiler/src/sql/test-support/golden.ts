/**
 * Golden tables: ADQL in, the exact SQL of one dialect out (and, for Qserv, whether the query
 * prunes chunks), or ADQL in and the error's code, line and column out.
 *
 * The inline forms of scisql_angSep, scisql_s2PtInCircle and scisql_s2PtInCPoly (geometry/inline-sql.ts)
 * are a page of SQL each; expected SQL writes them as placeholders, expanded here with the same
 * functions the generators call:
 *
 *     ⟦angSep: a ¦ b ¦ c ¦ d⟧    ⟦circle: a ¦ b ¦ c ¦ d ¦ r⟧    ⟦cpoly: a ¦ b ¦ v1lon, v1lat, ...⟧
 *
 * so a golden case says which arguments the generator passed, and the execution tests say that the
 * forms compute what scisql computes.
 */
import { expect } from "chai";
import { compile, type CompileOptions, type CompileResult } from "../../compile.js";
import { AdqlError } from "../../errors.js";
import { inlineAngSepSql, inlinePtInCircleSql, inlinePtInCPolySql } from "../../geometry/inline-sql.js";
import type { Dialect } from "../../passes/index.js";
import { testSchema } from "./catalog.js";
import { qservProblems } from "./qserv-check.js";

export interface GoldenCase {
  /** What the case shows, with the section it follows ("ADQL 2.1 §4.2.7", "qserv/README §c"). */
  readonly name: string;
  readonly adql: string;
  readonly sql: string;
  /** Qserv only: the pruning form that compile() reports. */
  readonly prune?: "scisql" | "areaspec" | "none";
  readonly maxrec?: number;
  /** Extra checks on the whole result. */
  readonly check?: (r: CompileResult) => void;
}

export interface ErrorCase {
  readonly name: string;
  readonly adql: string;
  readonly code: string;
  readonly line: number;
  readonly column: number;
  /** A fragment the message must contain (the construct it names, what to do). */
  readonly message?: string;
  /** Compile options besides the catalog and the dialect. */
  readonly options?: Omit<CompileOptions, "dialect">;
}

const PLACEHOLDER = /⟦(angSep|circle|cpoly): (.*?)⟧/g;

/** Expected SQL with its placeholders replaced by the inline forms. */
export function expandInline(sql: string): string {
  return sql.replace(PLACEHOLDER, (_, fn: string, body: string) => {
    const args = body.split(" ¦ ");
    switch (fn) {
      case "angSep": return inlineAngSepSql(...(args as [string, string, string, string]));
      case "circle": return inlinePtInCircleSql(...(args as [string, string, string, string, string]));
      default: return inlinePtInCPolySql(args[0]!, args[1]!, args[2]!.split(",").map((v) => Number(v)));
    }
  });
}

export function compileFor(dialect: Dialect, adql: string, options: Omit<CompileOptions, "dialect"> = {}): CompileResult {
  return compile(adql, { catalog: testSchema(), dialect, ...options });
}

/** One `it` per case. */
export function goldenSuite(dialect: Dialect, cases: readonly GoldenCase[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const r = compileFor(dialect, c.adql, c.maxrec === undefined ? {} : { maxrec: c.maxrec });
      expect(r.sql).to.equal(expandInline(c.sql));
      if (c.prune !== undefined) expect(r.qserv?.restrictor, "qserv pruning").to.equal(c.prune);
      // Whatever the qserv dialect writes must also pass the independent §c checker.
      if (dialect === "qserv") expect(qservProblems(r.sql), "qserv/README §c").to.deep.equal([]);
      c.check?.(r);
    });
  }
}

/** The error a query gives, or a failure if it compiles. */
export function compileError(dialect: Dialect, adql: string, options: Omit<CompileOptions, "dialect"> = {}): AdqlError {
  try {
    const r = compileFor(dialect, adql, options);
    expect.fail(`compiled to ${r.sql}`);
  } catch (e) {
    if (e instanceof AdqlError) return e;
    throw e;
  }
}

export function errorSuite(dialect: Dialect, cases: readonly ErrorCase[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const e = compileError(dialect, c.adql, c.options);
      expect({ code: e.code, line: e.line, column: e.column }, e.message).to.deep.equal({ code: c.code, line: c.line, column: c.column });
      if (c.message !== undefined) expect(e.message).to.contain(c.message);
    });
  }
}
