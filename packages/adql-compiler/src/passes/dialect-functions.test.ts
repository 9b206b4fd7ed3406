/**
 * The dialects column of builtins.ts refuses, at compile time, a call of a function that the target
 * dialect lacks (passes/check-limits.ts), with its position, as the other compile errors do; a function
 * the dialect has compiles. geometry/duckdb-functions.test.ts checks the column against the functions
 * that DuckDB really defines.
 */
import { expect } from "chai";
import { availableOn, BUILTIN_NAMES, BUILTINS, builtinsMissingOn, SCISQL_FUNCTIONS } from "../builtins.js";
import { AdqlError } from "../errors.js";
import { compile } from "../compile.js";
import { FunctionRegistry, parseUdfForm } from "../parser/functions.js";
import { DIALECT_NAMES } from "../sql/dialects/index.js";
import { dialectOf } from "../sql/dialects/index.js";
import { unavailableIn } from "./check-limits.js";
import type { SchemaLookup } from "../analysis/schema.js";

const schema: SchemaLookup = {
  tables: [{ schema: "s", name: "t", columns: [{ name: "ra", datatype: "double" }, { name: "dec", datatype: "double" }] }],
};

/** A call with the function's smallest number of arguments, all columns or numbers. */
function callOf(name: string, args: number): string {
  return `${name}(${Array.from({ length: args }, (_, i) => (i === 0 ? "ra" : i === 1 ? "dec" : String(i))).join(", ")})`;
}

function compileError(adql: string, options: Parameters<typeof compile>[1]): AdqlError | undefined {
  try {
    compile(adql, options);
    return undefined;
  } catch (e) {
    if (e instanceof AdqlError) return e;
    throw e;
  }
}

describe("the dialects column of builtins.ts: calls the dialect lacks are refused at compile time", () => {
  for (const def of SCISQL_FUNCTIONS) {
    for (const dialect of DIALECT_NAMES) {
      const has = def.dialects.includes(dialect);
      // In WHERE and in the select list, on a column of its own: the position is the name's.
      const adql = `SELECT ${callOf(def.name, def.minArgs)} AS u FROM s.t`;
      it(`${dialect}: ${def.name} ${has ? "compiles" : "is refused with the function, the dialect and where it is"}`, () => {
        const err = compileError(adql, { catalog: schema, dialect });
        if (has) {
          expect(err?.message, adql).to.equal(undefined);
          return;
        }
        expect(err, adql).to.be.instanceOf(AdqlError);
        expect(err!.code).to.equal("ADQL_UNSUPPORTED");
        expect([err!.line, err!.column]).to.deep.equal([1, 8]);
        expect(err!.message).to.equal(
          `not supported on ${dialectOf(dialect).traits.databaseName} (the ${dialect} dialect): the function ${def.name}; ` +
            `the ${def.dialects.join(" and ")} dialects have it`,
        );
      });
    }
  }

  it("a call in WHERE, in any case of the name, is refused where it stands (line and column of the name)", () => {
    const err = compileError("SELECT ra\nFROM s.t\nWHERE SCISQL_FLUXTOABMAG(ra) > 20", { catalog: schema, dialect: "duckdb" });
    expect([err?.code, err?.line, err?.column]).to.deep.equal(["ADQL_UNSUPPORTED", 3, 7]);
    expect(err?.message).to.contain("the function SCISQL_FLUXTOABMAG");
  });

  it("a registry that defines the name itself (a service's own function) is not refused", () => {
    const functions = new FunctionRegistry(SCISQL_FUNCTIONS).with([parseUdfForm("scisql_fluxToAbMag(flux DOUBLE) -> DOUBLE")]);
    const r = compile("SELECT scisql_fluxToAbMag(ra) AS m FROM s.t", { catalog: schema, dialect: "duckdb", functions });
    expect(r.sql).to.equal('SELECT scisql_fluxToAbMag("t"."ra") AS "m" FROM "s"."t"');
  });

  it("the service's list of functions its database lacks keeps its own message, and comes first", () => {
    const err = compileError("SELECT scisql_fluxToAbMag(ra) AS m FROM s.t", { catalog: schema, dialect: "duckdb", unavailableFunctions: ["scisql_fluxtoabmag"] });
    expect(err?.message).to.match(/^not supported by this service's database: the function scisql_fluxToAbMag/);
  });

  it("ADQL's own functions: every dialect has each today (the geometry ones after the passes' rewrites), so none is refused by the column", () => {
    for (const dialect of DIALECT_NAMES) {
      expect([...builtinsMissingOn(dialect)], dialect).to.deep.equal(BUILTIN_NAMES.filter((n) => !availableOn(BUILTINS[n].dialects, dialect)));
      expect([...builtinsMissingOn(dialect)], dialect).to.deep.equal([]);
      // Nothing to add to the service's list: the same set, so the passes pay nothing for the column.
      const service = new Set(["lower"]);
      expect(unavailableIn({ dialect, unavailableFunctions: service })).to.equal(service);
      expect(unavailableIn({ dialect })).to.equal(undefined);
    }
  });

  it("a dialect added to the registry has ADQL's own functions without a change to builtins.ts, and scisql's only where listed", () => {
    expect(BUILTIN_NAMES.filter((n) => !availableOn(BUILTINS[n].dialects, "a-new-dialect"))).to.deep.equal([]);
    expect(SCISQL_FUNCTIONS.filter((f) => availableOn(f.dialects, "a-new-dialect"))).to.deep.equal([]);
  });
});
