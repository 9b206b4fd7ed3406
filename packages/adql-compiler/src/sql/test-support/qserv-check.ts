/**
 * The check that the tests run on every SQL string meant for Qserv: Qserv's own grammar, driven as
 * Qserv drives it, with its parse listener's rules and the few rules that the grammar does not express
 * (test-support/qserv-grammar.ts, each residual rule citing lsst/qserv's ParseAdapters.h or qserv/README).
 * It replaces a hand-kept allowlist of keywords and functions, which was wrong in places (it let MOD(a, b)
 * through).
 *
 * KNOWN_QSERV_DEFECTS lists what the qserv dialect still emits and Qserv refuses, each with its issue, and
 * EXPECTED_KNOWN_BY_SOURCE which of them each checked source still shows. Both must shrink: a source's test
 * fails when a defect listed for it no longer occurs there (or one not listed does), and qserv-check.test.ts
 * fails when a known defect is listed for no source. (MOD(a, b), bit operations on parenthesised operands
 * and parenthesised joins were listed here until the issue-17 dialect fixes removed them.)
 */
import { qservGrammarProblems } from "./qserv-grammar.js";

export { qservGrammarProblems };

export interface KnownDefect {
  readonly id: string;
  readonly issue: number;
  readonly what: string;
  /** Whether this refusal (one entry of qservGrammarProblems) of this SQL is this defect. */
  readonly matches: (sql: string, problem: string) => boolean;
}

/** None left: the last ones (nested NOT, * after other items, three-part table names) are fixed or refused with a reason. */
export const KNOWN_QSERV_DEFECTS: readonly KnownDefect[] = [];

/** Which known defects each source's test still meets (ids of KNOWN_QSERV_DEFECTS). */
export const EXPECTED_KNOWN_BY_SOURCE: Readonly<Record<"golden" | "regions" | "lyonetia" | "property", readonly string[]>> = {
  golden: [],
  regions: [],
  lyonetia: [],
  property: [],
};

/** The known defect that explains these problems, if one does. */
export function knownDefect(sql: string, problems: readonly string[]): KnownDefect | undefined {
  if (problems.length === 0) return undefined;
  return KNOWN_QSERV_DEFECTS.find((d) => problems.every((p) => d.matches(sql, p)));
}

/** Tally of known defects met by qservProblems in this process. */
export const knownDefectsMet = new Map<string, number>();

/** What qservProblems checked in this process; QSERV_GRAMMAR_TALLY=1 prints it at exit (for counts per source). */
export const tally = { checked: 0, accepted: 0 };
if (process.env.QSERV_GRAMMAR_TALLY) {
  process.on("exit", () => {
    const known = [...knownDefectsMet].map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(`Qserv grammar tally: accepted ${tally.accepted}/${tally.checked}${known ? `; known defects: ${known}` : ""}`);
  });
}

/**
 * The problems that Qserv would have with this statement; empty if none, or if they are a known
 * defect of KNOWN_QSERV_DEFECTS (counted in knownDefectsMet).
 */
export function qservProblems(sql: string): string[] {
  const problems = qservGrammarProblems(sql);
  tally.checked++;
  if (problems.length === 0) tally.accepted++;
  const known = knownDefect(sql, problems);
  if (known === undefined) return problems;
  knownDefectsMet.set(known.id, (knownDefectsMet.get(known.id) ?? 0) + 1);
  return [];
}

export interface SourceCheck {
  readonly checked: number;
  readonly accepted: number;
  /** Known defect id → the labels of the statements that show it. */
  readonly known: ReadonlyMap<string, string[]>;
  /** Statements refused for a reason that is not a known defect, with the reason. */
  readonly refused: string[];
}

/**
 * Checks every statement of one source and prints the count (accepted out of checked, and the known
 * defects met), for the closing note of issue 17.
 */
export function checkSource(source: string, statements: readonly { label: string; sql: string }[]): SourceCheck {
  const known = new Map<string, string[]>();
  const refused: string[] = [];
  let accepted = 0;
  for (const s of statements) {
    const problems = qservGrammarProblems(s.sql);
    if (problems.length === 0) { accepted++; continue; }
    const d = knownDefect(s.sql, problems);
    if (d === undefined) refused.push(`${s.label}\n  SQL: ${s.sql}\n  ${problems.join("; ")}`);
    else known.set(d.id, [...(known.get(d.id) ?? []), s.label]);
  }
  const knownText = [...known].map(([id, labels]) => `${id} ${labels.length}`).join(", ");
  console.log(`      Qserv grammar, ${source}: accepted ${accepted}/${statements.length}${knownText ? `; known defects: ${knownText}` : ""}${refused.length ? `; refused otherwise ${refused.length}` : ""}`);
  return { checked: statements.length, accepted, known, refused };
}
