/**
 * Chevrotain's LL(k) lookahead strategy, with its alternations (OR) dispatched on their first token.
 *
 * For an OR whose alternatives need more than one token to tell apart, or that has a GATE, Chevrotain's
 * lookahead function tries the alternatives in order, each path of each one token by token, and with a
 * GATE it first copies every alternative's GATE into a new array. `primary` is such an OR (thirteen
 * alternatives, the subquery one gated) and every operand of every expression goes through it: in a
 * profile of the realistic queries, about a tenth of the parse. Here the same function only tries the
 * alternatives that have a path starting with the next token's type (or an empty path), in the same
 * order and with the same checks, so it picks the same alternative: an alternative whose every path
 * starts with another token could not match. The GATEs of the skipped alternatives are not called;
 * this parser's GATEs only look ahead, so nothing else changes. Error messages do not come from these
 * functions (Chevrotain builds them from the grammar), and neither do the optional productions
 * (OPTION, MANY...), which keep Chevrotain's own functions.
 */
import { getLookaheadPaths, LLkLookaheadStrategy, tokenMatcher, type IOrAlt, type IToken, type Rule, type TokenType } from "./chevrotain.js";

type AlternationOptions = {
  prodOccurrence: number;
  rule: Rule;
  maxLookahead: number;
  hasPredicates: boolean;
  dynamicTokensEnabled: boolean;
};

/** What a lookahead function sees as `this`: the parser. */
interface Lookahead {
  LA(howMuch: number): IToken;
}

export class FirstTokenLookahead extends LLkLookaheadStrategy {
  override buildLookaheadForAlternation(options: AlternationOptions): (orAlts?: IOrAlt<unknown>[]) => number | undefined {
    const general = super.buildLookaheadForAlternation(options);
    if (options.dynamicTokensEnabled) return general;
    const paths = getLookaheadPaths({
      occurrence: options.prodOccurrence, rule: options.rule, prodType: "Alternation", maxLookahead: options.maxLookahead,
    });
    // One token decides and no GATE: Chevrotain's own function is a table lookup already.
    if (!options.hasPredicates && paths.every((alt) => alt.every((path) => path.length === 1))) return general;
    const { byFirst, anyToken } = candidatesByFirstToken(paths);
    const gated = options.hasPredicates;
    return function (this: Lookahead, orAlts?: IOrAlt<unknown>[]): number | undefined {
      const candidates = byFirst.get(this.LA(1).tokenTypeIdx) ?? anyToken;
      for (let c = 0; c < candidates.length; c++) {
        const t = candidates[c]!;
        if (gated) {
          const gate = orAlts?.[t]?.GATE;
          if (gate !== undefined && gate.call(this) === false) continue;
        }
        const altPaths = paths[t]!;
        nextPath: for (let j = 0; j < altPaths.length; j++) {
          const path = altPaths[j]!;
          for (let i = 0; i < path.length; i++) {
            if (!tokenMatcher(this.LA(i + 1), path[i]!)) continue nextPath;
          }
          return t;
        }
      }
      return undefined;
    };
  }
}

/**
 * For each token type that can start an alternative, the alternatives (in their order) that have a path
 * starting with it, a token category matching the types in it; `anyToken`, those with an empty path,
 * which match whatever comes next (they are in every list).
 */
function candidatesByFirstToken(paths: readonly (readonly (readonly TokenType[])[])[]): {
  byFirst: ReadonlyMap<number, readonly number[]>;
  anyToken: readonly number[];
} {
  const anyToken = new Set<number>();
  const sets = new Map<number, Set<number>>();
  paths.forEach((alt, t) => {
    for (const path of alt) {
      const first = path[0];
      if (first === undefined) {
        anyToken.add(t);
        continue;
      }
      for (const idx of [first.tokenTypeIdx!, ...(first.categoryMatches ?? [])]) {
        let set = sets.get(idx);
        if (!set) sets.set(idx, (set = new Set()));
        set.add(t);
      }
    }
  });
  const sorted = (s: Iterable<number>): number[] => [...s].sort((a, b) => a - b);
  const byFirst = new Map<number, readonly number[]>();
  for (const [idx, set] of sets) byFirst.set(idx, sorted([...set, ...anyToken]));
  return { byFirst, anyToken: sorted(anyToken) };
}
