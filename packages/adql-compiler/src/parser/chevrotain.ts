/**
 * Chevrotain, loaded from the one-file build that its package ships (lib/chevrotain.mjs, in its "files") rather than
 * from its entry point (lib/src/api.js). The entry point is some 40 modules that import lodash-es, itself some 600
 * modules: importing it took 340-380 ms, a third of a second before `adql2qserv` could compile one query, and the same
 * again in every process that loads the compiler (the server, each test worker, each child server of the tests). The
 * one file is the same code, lodash included, built by Chevrotain's release: 17-22 ms.
 *
 * Chevrotain's package exports only its entry point, so the file is found beside it and loaded with require(), which
 * loads an ES module synchronously from Node 20.19 on (the engines field): a dynamic import() would need a top-level
 * await, and a module with one cannot itself be require()d by a service written in CommonJS. The rest of the compiler
 * takes Chevrotain's values from here only (eslint's no-restricted-imports); types come from the package as before.
 * chevrotain.test.ts checks that the file is the package's version and exports what the entry point does.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as Chevrotain from "chevrotain";

const require = createRequire(import.meta.url);

/** The path of Chevrotain's one-file build, beside its entry point (lib/src/api.js → lib/chevrotain.mjs). */
export const CHEVROTAIN_BUNDLE = join(dirname(require.resolve("chevrotain")), "..", "chevrotain.mjs");

const chevrotain = require(CHEVROTAIN_BUNDLE) as typeof Chevrotain;

export const { createToken, EmbeddedActionsParser, EOF, getLookaheadPaths, Lexer, LLkLookaheadStrategy, tokenMatcher, VERSION } = chevrotain;
/* The classes' instance types, under the same names as their values. */
export type EmbeddedActionsParser = Chevrotain.EmbeddedActionsParser;
export type Lexer = Chevrotain.Lexer;
export type LLkLookaheadStrategy = InstanceType<typeof Chevrotain.LLkLookaheadStrategy>;
export type { IOrAlt, IParserErrorMessageProvider, IToken, Rule, TokenType } from "chevrotain";
