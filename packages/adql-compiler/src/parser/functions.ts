/**
 * What ADQL says about each function's arguments, and the registry of user-defined functions.
 *
 * The grammar parses every call as `name ( arguments )`; the signatures of builtins.ts then check the
 * arity and the form of the arguments that the BNF fixes (ADQL 2.1 §2.3, §4.2, §4.4–4.9). One table
 * keeps the grammar small and the error messages specific ("ROUND takes 1 or 2 arguments").
 */
import type { BuiltinFunctionName } from "../ast/nodes.js";
import { BUILTINS, SCISQL_FUNCTIONS } from "../builtins.js";

export { SCISQL_FUNCTIONS };

/** Human-readable arity of a builtin, for error messages. */
export function describeArity(name: BuiltinFunctionName): string {
  const sigs = BUILTINS[name].signatures;
  if (sigs.some((s) => s.variadic)) return `at least ${sigs[0]!.args.length} argument${sigs[0]!.args.length === 1 ? "" : "s"}`;
  const counts = [...new Set(sigs.map((s) => s.args.length))];
  const words = counts.map(String);
  const last = words.pop()!;
  const n = words.length ? `${words.join(", ")} or ${last}` : last;
  return `${n} argument${last === "1" && !words.length ? "" : "s"}`;
}

// ---------------------------------------------------------------------------------------------
// User-defined functions (ADQL 2.1 §4.3)

/** A user-defined function that a service offers. `form` is the TAPRegExt signature, when known. */
export interface UdfDefinition {
  readonly name: string;
  readonly minArgs: number;
  /** `Infinity` for a variadic function. */
  readonly maxArgs: number;
  readonly form?: string;
  readonly description?: string;
}

/** Decides which user-defined function names a query may call. Names compare case-insensitively. */
export class FunctionRegistry {
  private readonly byName = new Map<string, UdfDefinition>();

  constructor(definitions: Iterable<UdfDefinition> = []) {
    for (const d of definitions) this.byName.set(d.name.toLowerCase(), d);
  }

  /** A registry from TAPRegExt forms such as `ivo_healpix_index(hpxOrder INTEGER, long REAL, lat REAL) -> BIGINT`. */
  static fromForms(forms: Iterable<string>): FunctionRegistry {
    return new FunctionRegistry([...forms].map(parseUdfForm));
  }

  lookup(name: string): UdfDefinition | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Names, for "did you mean" suggestions and for TAPRegExt. */
  definitions(): UdfDefinition[] {
    return [...this.byName.values()];
  }

  with(definitions: Iterable<UdfDefinition>): FunctionRegistry {
    return new FunctionRegistry([...this.byName.values(), ...definitions]);
  }
}

/** Parses a TAPRegExt UDF `form` (ADQL 2.1 §4.3.2): `name(arg TYPE, ...) -> TYPE`. */
export function parseUdfForm(form: string): UdfDefinition {
  const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*\(([^)]*)\)/.exec(form);
  if (!m) throw new Error(`not a UDF signature: ${form}`);
  const args = m[2]!.trim() === "" ? 0 : m[2]!.split(",").length;
  return { name: m[1]!, minArgs: args, maxArgs: args, form: form.trim() };
}

/** The ADQL type name after `->` in a UDF form (ADQL 2.1 §4.3.2), upper case, or undefined. */
export function udfReturnType(def: UdfDefinition): string | undefined {
  const m = def.form ? /->\s*([A-Za-z][A-Za-z ]*?)\s*(?:\(|$)/.exec(def.form) : null;
  return m ? m[1]!.toUpperCase() : undefined;
}

/** The scisql functions (builtins.ts): what a query may call by default. */
export const defaultFunctionRegistry = new FunctionRegistry(SCISQL_FUNCTIONS);
