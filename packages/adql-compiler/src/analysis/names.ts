/** ADQL name comparison (ADQL 2.1 §2.1.7): regular identifiers ignore case, delimited ones do not. */
import type { Identifier } from "../ast/nodes.js";

export function sameName(id: Pick<Identifier, "name" | "delimited">, name: string): boolean {
  return id.delimited ? id.name === name : id.name.toLowerCase() === name.toLowerCase();
}

/** The closest candidate within a small edit distance, as a "did you mean" hint, or undefined. */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    // Bounded by the best so far: a long unknown name costs no more than the candidates' lengths.
    const d = editDistance(lower, c.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best === undefined ? undefined : `did you mean ${best}?`;
}

/**
 * Edit distance where a transposition of adjacent characters counts as one edit (optimal
 * string alignment). Stops early and returns a value above `max` once the distance must exceed it.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}
