/**
 * Golden tables: one row per ADQL input (and compile options), with what each dialect makes of it: the
 * exact SQL (and, for Qserv, whether the query prunes chunks, qserv/README §a), or the error's code, line
 * and column. A dialect missing from a row is not tested on that input. The layout follows sqlglot's
 * validate_all and kysely's testSql, so the dialects of one input are read side by side.
 *
 * The inline forms of scisql_angSep, scisql_s2PtInCircle and scisql_s2PtInCPoly (geometry/inline-sql.ts)
 * are a page of SQL each; expected SQL writes them as placeholders, expanded here with the same
 * functions the generators call:
 *
 *     ⟦angSep: a ¦ b ¦ c ¦ d⟧    ⟦circle: a ¦ b ¦ c ¦ d ¦ r⟧    ⟦cpoly: a ¦ b ¦ v1lon, v1lat, ...⟧
 *
 * so a golden case says which arguments the generator passed, and the execution tests say that the
 * forms compute what scisql computes.
 *
 * Every qserv SQL of the tables must also pass Qserv's own grammar and listener rules: qserv-check.test.ts
 * checks it, once per SQL (the grammar takes seconds to load and warm, so npm run test:quick leaves it out).
 */
import { expect } from "chai";
import { compile, type CompileOptions, type CompileResult } from "../../compile.js";
import type { SchemaLookup } from "../../analysis/schema.js";
import { AdqlError } from "../../errors.js";
import { inlineAngSepSql, inlinePtInCircleSql, inlinePtInCPolySql } from "../../geometry/inline-sql.js";
import type { Dialect } from "../../passes/index.js";
import { DIALECT_NAMES, type DialectName } from "../dialects/index.js";
import { testSchema } from "./catalog.js";

/** The SQL a dialect writes for the row's input. */
export interface SqlExpected {
  /** The test's name on this dialect, where it says more than the row's. */
  readonly name?: string;
  readonly sql: string;
  /** Qserv only: the pruning form that compile() reports. */
  readonly prune?: "scisql" | "areaspec" | "none";
  /** Extra checks on the whole result. */
  readonly check?: (r: CompileResult) => void;
}

/** The error a dialect gives for the row's input. */
export interface ErrorExpected {
  readonly name?: string;
  readonly code: string;
  readonly line: number;
  readonly column: number;
  /** A fragment the message must contain (the construct it names, what to do). */
  readonly message?: string;
}

/** A bare string is the expected SQL. */
export type Expected = string | SqlExpected | ErrorExpected;

/** Every dialect of the registry: a row may give each its expected SQL or error (a row without one is not run there). */
export const GOLDEN_DIALECTS = DIALECT_NAMES;
type GoldenDialect = DialectName;

export interface GoldenRow extends Partial<Record<GoldenDialect, Expected>> {
  /** What the case shows, with the section it follows ("ADQL 2.1 §4.2.7", "qserv/README §c"). */
  readonly name: string;
  readonly adql: string;
  /** Compile options besides the catalog and the dialect (MAXREC...). */
  readonly options?: Omit<CompileOptions, "dialect" | "catalog">;
}

/** An error case that every dialect shares (golden-common-errors.ts). */
export interface ErrorCase extends ErrorExpected {
  readonly name: string;
  readonly adql: string;
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

function sqlExpected(e: Expected): SqlExpected | undefined {
  if (typeof e === "string") return { sql: e };
  return "sql" in e ? e : undefined;
}

/** The rows that a dialect compiles, as name and expected SQL (for checks on all the SQL of a dialect). */
export function sqlCases(rows: readonly GoldenRow[], dialect: GoldenDialect): { name: string; adql: string; options?: GoldenRow["options"]; sql: string }[] {
  return rows.flatMap((r) => {
    const e = r[dialect] === undefined ? undefined : sqlExpected(r[dialect]);
    return e === undefined ? [] : [{ name: e.name ?? r.name, adql: r.adql, ...(r.options === undefined ? {} : { options: r.options }), sql: e.sql }];
  });
}

/** One `describe` per dialect, one `it` per row that names the dialect. */
export function goldenSuite(title: string, rows: readonly GoldenRow[], catalog: () => SchemaLookup = testSchema): void {
  for (const dialect of GOLDEN_DIALECTS) {
    describe(`${dialect} dialect: ${title}`, () => {
      for (const row of rows) {
        const expected = row[dialect];
        if (expected === undefined) continue;
        const sql = sqlExpected(expected);
        const options = { catalog: catalog(), ...row.options };
        it(typeof expected === "string" ? row.name : expected.name ?? row.name, () => {
          if (sql === undefined) {
            expectError(compileError(dialect, row.adql, options), expected as ErrorExpected);
            return;
          }
          const r = compileFor(dialect, row.adql, options);
          expect(r.sql).to.equal(expandInline(sql.sql));
          if (sql.prune !== undefined) expect(r.qserv?.restrictor, "qserv pruning").to.equal(sql.prune);
          sql.check?.(r);
        });
      }
    });
  }
}

function expectError(e: AdqlError, c: ErrorExpected): void {
  expect({ code: e.code, line: e.line, column: e.column }, e.message).to.deep.equal({ code: c.code, line: c.line, column: c.column });
  if (c.message !== undefined) expect(e.message).to.contain(c.message);
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
      expectError(compileError(dialect, c.adql, c.options), c);
    });
  }
}
