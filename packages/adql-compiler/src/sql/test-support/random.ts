/**
 * A seeded pseudo-random number generator, so that generated test data is the same on every run: a
 * 32-bit linear congruential generator (multiplier 1664525, increment 1013904223), using its high
 * bits only. Good enough to spread test cases; not for anything else.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const hi = state >>> 8;
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (hi * 256 + (state >>> 24)) / 4294967296;
  };
}
