/**
 * The parser's shortcut for bare operands (parser.ts bareOperand) against its rules alone: conformance.test.ts
 * compares the two on the corpus, fuzz.test.ts on mutants.
 */
import { AdqlError } from "../../errors.js";
import { parse, parserInstance } from "../../parse.js";
import type { FunctionRegistry } from "../functions.js";

/** The outcome of `parse(input)` as text: the tree's JSON with its spans, or the error's code, message and span. */
function outcomeText(input: string, functions: FunctionRegistry): string {
  try {
    return JSON.stringify(parse(input, { functions }));
  } catch (e) {
    return e instanceof AdqlError ? `${e.code} ${e.message} ${JSON.stringify(e.span)}` : `threw ${String(e)}`;
  }
}

/** Where the shortcut and the rules alone disagree on `input`, the two outcomes; null where they agree, as they must. */
export function shortcutDisagrees(input: string, functions: FunctionRegistry): string | null {
  const parser = parserInstance();
  const fast = outcomeText(input, functions);
  parser.bareOperands = false;
  try {
    const slow = outcomeText(input, functions);
    return fast === slow ? null : `with the shortcut ${fast}\n      by the rules alone ${slow}`;
  } finally {
    parser.bareOperands = true;
  }
}
