/**
 * compile(): what it returns besides the SQL. Result columns with their VOTable metadata and their
 * positions in the SQL row (a DALI point or circle takes several, DALI §3.3.5–3.3.6), MAXREC overflow
 * (TAP 1.1 §2.7.4, DALI §2.3.3), Qserv pruning, warnings, and the pass hook.
 */
import { tokenMatcher } from "./parser/chevrotain.js";
import { expect } from "chai";
import { BUILTIN_NAMES, BUILTINS, type ArgumentForm } from "./builtins.js";
import { compile, generatorFor, type ResultColumn } from "./compile.js";
import { AdqlError, formatError } from "./errors.js";
import { BuiltinFunction, isReservedWord, tokenize } from "./lexer/tokens.js";
import { parse } from "./parse.js";
import { firstSelect } from "./ast/transform.js";
import { evaluateResidue, residueSupport } from "./residue/evaluate.js";
import { testSchema } from "./sql/test-support/catalog.js";

const catalog = testSchema();

const shape = (c: ResultColumn) => ({ name: c.name, datatype: c.datatype, arraysize: c.arraysize, xtype: c.xtype, unit: c.unit, sqlColumns: c.sqlColumns });

describe("compile(): result columns", () => {
  const cases: [string, string, ReturnType<typeof shape>[]][] = [
    [
      "a POINT is one double[2] point column over two SQL columns (DALI §3.3.5)",
      "SELECT objectId, POINT(ra, dec) AS pos FROM demo.Object",
      [
        { name: "objectId", datatype: "long", arraysize: undefined, xtype: undefined, unit: undefined, sqlColumns: [0] },
        { name: "pos", datatype: "double", arraysize: "2", xtype: "point", unit: "deg", sqlColumns: [1, 2] },
      ],
    ],
    [
      "a CIRCLE is double[3] over three; the columns after it shift (DALI §3.3.6)",
      "SELECT CIRCLE(ra, dec, 0.5) AS c, dec FROM demo.Object",
      [
        { name: "c", datatype: "double", arraysize: "3", xtype: "circle", unit: "deg", sqlColumns: [0, 1, 2] },
        { name: "dec", datatype: "double", arraysize: undefined, xtype: undefined, unit: "deg", sqlColumns: [3] },
      ],
    ],
    [
      "a POLYGON of n vertices is double[2n] (DALI §3.3.7)",
      "SELECT POLYGON(1, 2, 3, 4, 5, 6) AS p FROM demo.Object",
      [{ name: "p", datatype: "double", arraysize: "6", xtype: "polygon", unit: "deg", sqlColumns: [0, 1, 2, 3, 4, 5] }],
    ],
    [
      "DISTANCE is in degrees; IN_UNIT takes the target unit",
      "SELECT DISTANCE(POINT(ra, dec), POINT(1, 2)) AS d, IN_UNIT(dec, 'arcsec') AS a FROM demo.Object",
      [
        { name: "d", datatype: "double", arraysize: undefined, xtype: undefined, unit: "deg", sqlColumns: [0] },
        { name: "a", datatype: "double", arraysize: undefined, xtype: undefined, unit: "arcsec", sqlColumns: [1] },
      ],
    ],
    [
      "integer division stays an integer (docs/adr/0002)",
      "SELECT flags / 2 AS h, flags / 2.0 AS d FROM demo.Object",
      [
        { name: "h", datatype: "long", arraysize: undefined, xtype: undefined, unit: undefined, sqlColumns: [0] },
        { name: "d", datatype: "double", arraysize: undefined, xtype: undefined, unit: undefined, sqlColumns: [1] },
      ],
    ],
  ];
  // SQL-92 §9.3: the values of several expressions have the type of all of them together (a one-character FIELD cut
  // the UNION's longer strings to one character; an int FIELD wrote its doubles as integers). Not on Qserv, which has no
  // UNION and computes CASE and COALESCE of the select list itself (residues, whose SQL columns come after).
  const together: typeof cases = [
    [
      "a UNION of a char(1) and a string column is a string of any length (SQL-92 §7.10, §9.3)",
      "SELECT band AS x FROM demo.Detection UNION ALL SELECT name FROM demo.Object",
      [{ name: "x", datatype: "char", arraysize: "*", xtype: undefined, unit: undefined, sqlColumns: [0] }],
    ],
    [
      "a UNION of an int and a double column is double; of two doubles, the first's metadata",
      "SELECT flags AS x, ra AS y FROM demo.Object UNION SELECT ra, dec FROM demo.Object",
      [
        { name: "x", datatype: "double", arraysize: undefined, xtype: undefined, unit: undefined, sqlColumns: [0] },
        { name: "y", datatype: "double", arraysize: undefined, xtype: undefined, unit: "deg", sqlColumns: [1] },
      ],
    ],
    [
      "CASE of a float and a double is double; COALESCE of an int and a double is double; NULLIF keeps its first argument's",
      "SELECT CASE WHEN objectId = 1 THEN g_mag ELSE ra END AS c, COALESCE(NULLIF(flags, 0), ra) AS k, NULLIF(flags, 0) AS n FROM demo.Object",
      [
        { name: "c", datatype: "double", arraysize: undefined, xtype: undefined, unit: undefined, sqlColumns: [0] },
        { name: "k", datatype: "double", arraysize: undefined, xtype: undefined, unit: undefined, sqlColumns: [1] },
        { name: "n", datatype: "int", arraysize: undefined, xtype: undefined, unit: undefined, sqlColumns: [2] },
      ],
    ],
    [
      "a derived table's UNION column keeps the type of both operands",
      "SELECT u.x FROM (SELECT band AS x FROM demo.Detection UNION SELECT name FROM demo.Object) AS u",
      [{ name: "x", datatype: "char", arraysize: "*", xtype: undefined, unit: undefined, sqlColumns: [0] }],
    ],
  ];
  for (const [what, adql, expected] of cases) {
    for (const dialect of ["qserv", "mysql", "duckdb"] as const) {
      it(`${what} (${dialect})`, () => {
        expect(compile(adql, { catalog, dialect }).columns!.map(shape)).to.deep.equal(expected);
      });
    }
  }
  for (const [what, adql, expected] of together) {
    for (const dialect of ["mysql", "duckdb"] as const) {
      it(`${what} (${dialect})`, () => {
        expect(compile(adql, { catalog, dialect }).columns!.map(shape)).to.deep.equal(expected);
      });
    }
  }

  it("Qserv's hidden ORDER BY items are SQL columns but not result columns (qserv/README §c)", () => {
    const r = compile("SELECT objectId, POINT(ra, dec) AS p FROM demo.Object ORDER BY g_mag - r_mag", { catalog, dialect: "qserv" });
    expect(r.columns!.map((c) => [c.name, c.sqlColumns])).to.deep.equal([["objectId", [0]], ["p", [1, 2]]]);
    expect(r.sql).to.contain("AS `orderby3`");
  });

  it("a column's catalog metadata comes along (UCD, description)", () => {
    const [c] = compile("SELECT ra FROM demo.Object", { catalog, dialect: "mysql" }).columns!;
    expect(c).to.include({ ucd: "pos.eq.ra;meta.main", description: "Right ascension (ICRS) of the object.", unit: "deg" });
  });

  it("DALI component names do not collide with the other result names", () => {
    const r = compile("SELECT POINT(ra, dec) AS pos, ra AS pos_1 FROM demo.Object", { catalog, dialect: "qserv" });
    expect(r.sql).to.equal("SELECT `Object`.`ra` AS `pos_1_`, `Object`.`dec` AS `pos_2`, `Object`.`ra` AS `pos_1` FROM `demo`.`Object`");
    expect(r.columns!.map((c) => c.sqlColumns)).to.deep.equal([[0, 1], [2]]);
  });

  it("without a catalog, SELECT * has no known columns", () => {
    expect(compile("SELECT * FROM t", { dialect: "mysql" }).columns).to.equal(null);
    expect(compile("SELECT a, b AS c FROM t", { dialect: "mysql" }).columns!.map((c) => c.name)).to.deep.equal(["a", "c"]);
  });
});

describe("compile(): MAXREC overflow (TAP 1.1 §2.7.4)", () => {
  const cases: [string, string, number | undefined, string, number | undefined][] = [
    ["no MAXREC: no limit, no overflow", "SELECT ra FROM demo.Object", undefined, "", undefined],
    ["MAXREC 100: LIMIT 101, overflow after 100", "SELECT ra FROM demo.Object", 100, " LIMIT 101", 100],
    ["TOP 10 within MAXREC: LIMIT 10, no overflow", "SELECT TOP 10 ra FROM demo.Object", 100, " LIMIT 10", undefined],
    ["TOP 100 = MAXREC: LIMIT 100, no overflow", "SELECT TOP 100 ra FROM demo.Object", 100, " LIMIT 100", undefined],
    ["TOP 1000 over MAXREC: LIMIT 101, overflow after 100", "SELECT TOP 1000 ra FROM demo.Object", 100, " LIMIT 101", 100],
    ["MAXREC 0: LIMIT 1 to see whether there is any row", "SELECT ra FROM demo.Object", 0, " LIMIT 1", 0],
  ];
  for (const [what, adql, maxrec, limit, overflow] of cases) {
    it(what, () => {
      const r = compile(adql, { catalog, dialect: "qserv", ...(maxrec === undefined ? {} : { maxrec }) });
      expect(r.sql.endsWith(`FROM \`demo\`.\`Object\`${limit}`), r.sql).to.equal(true);
      expect(r.overflowAfter).to.equal(overflow);
    });
  }

  // The type says number, but JavaScript callers pass what they have (a request's string): it goes into the SQL.
  const refused: [string, unknown][] = [
    ["a string that is SQL", "0 UNION SELECT password FROM mysql.user -- "],
    ["a numeric string (\"3\" + 1 was \"31\")", "3"],
    ["a negative number", -5],
    ["a fraction", 1.5],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["beyond 2^53", 2 ** 53],
    ["null", null],
  ];
  for (const [what, maxrec] of refused) {
    it(`refuses maxrec ${what}, naming it (TypeError)`, () => {
      expect(() => compile("SELECT ra FROM demo.Object", { catalog, maxrec: maxrec as number })).to.throw(TypeError, /the compile option maxrec must be a non-negative safe integer, not /);
    });
  }
});

describe("compile(): without a catalog, ORDER BY names a result column by its position or its name (ADQL 2.1 §2.2.1)", () => {
  const cases: [string, string, Record<"qserv" | "mysql" | "duckdb", string>][] = [
    ["a position: the column, not a constant to sort by (qserv wrote `2 AS orderby3`)", "SELECT ra, dec FROM t ORDER BY 2", {
      qserv: "SELECT `ra` AS `ra`, `dec` AS `dec` FROM `t` ORDER BY `dec`",
      mysql: "SELECT `ra` AS `ra`, `dec` AS `dec` FROM `t` ORDER BY `dec`",
      duckdb: 'SELECT "ra" AS "ra", "dec" AS "dec" FROM "t" ORDER BY "dec" ASC NULLS FIRST',
    }],
    ["a DISTINCT column by name (qserv refused it as missing from the select list)", "SELECT DISTINCT a FROM t ORDER BY a DESC", {
      qserv: "SELECT DISTINCT `a` AS `a` FROM `t` ORDER BY `a` DESC",
      mysql: "SELECT DISTINCT `a` AS `a` FROM `t` ORDER BY `a` DESC",
      duckdb: 'SELECT DISTINCT "a" AS "a" FROM "t" ORDER BY "a" DESC NULLS LAST',
    }],
  ];
  for (const [what, adql, sql] of cases) {
    for (const dialect of ["qserv", "mysql", "duckdb"] as const) {
      it(`${what} (${dialect})`, () => expect(compile(adql, { dialect }).sql).to.equal(sql[dialect]));
    }
  }
  it("a position beyond the select list is refused, at its place, as with a catalog", () => {
    for (const [adql, message, at] of [["SELECT a FROM t ORDER BY 5", "ORDER BY 5: the select list has 1 column", 25], ["SELECT a, b FROM t ORDER BY 0", "ORDER BY 0: the select list has 2 columns", 28]] as const) {
      expect(() => compile(adql, { dialect: "qserv" }), adql).to.throw(AdqlError, message).with.nested.property("span.start.offset", at);
    }
  });
});

describe("compile(): errors", () => {
  it("an error found after parsing carries the excerpt with its caret, as a parse error does (README: formatError(e))", () => {
    const cases: [string, string][] = [
      ["unknown column", "SELECT nothing FROM demo.Object"],
      ["unknown table", "SELECT ra FROM demo.Nothing"],
      ["type error", "SELECT ra + POINT('ICRS', 1, 2) FROM demo.Object"],
    ];
    for (const [what, adql] of cases) {
      const err = (() => {
        try {
          compile(adql, { catalog });
        } catch (e) {
          return e as AdqlError;
        }
        throw new Error(`${what}: compiled`);
      })();
      expect(err, what).to.be.instanceOf(AdqlError);
      expect(err.excerpt, what).to.be.a("string").and.contain(adql).and.contain("^");
      expect(formatError(err), what).to.contain("^");
    }
  });
});

describe("compile(): options from JavaScript", () => {
  it("a catalog that is neither a Catalog nor a SchemaLookup is a TypeError that says what it must be", () => {
    for (const bad of [{ foo: 1 }, "demo", 42]) {
      expect(() => compile("SELECT ra FROM demo.Object", { catalog: bad as never }), JSON.stringify(bad)).to.throw(TypeError, /the compile option catalog must be a Catalog/);
    }
  });
});

describe("compile(): warnings", () => {
  it("a BOX says how it is read (docs/adr/0003)", () => {
    const r = compile("SELECT ra FROM demo.Object WHERE CONTAINS(POINT(ra, dec), BOX(1, 2, 3, 4)) = 1", { catalog, dialect: "mysql" });
    expect(r.warnings).to.have.length(1);
    expect(r.warnings[0]).to.contain("ranges of coordinates");
  });
  it("a Qserv query on a partitioned table that cannot prune says so", () => {
    const r = compile("SELECT ra FROM demo.Object WHERE g_mag < 20", { catalog, dialect: "qserv" });
    expect(r.warnings.join()).to.contain("Qserv cannot limit this query to some chunks");
  });
  it("nothing to say: no warnings", () => {
    expect(compile("SELECT ra FROM demo.Object WHERE DISTANCE(POINT(ra, dec), POINT(1, 2)) < 1", { catalog, dialect: "qserv" }).warnings).to.deep.equal([]);
    expect(compile("SELECT band FROM ext.Exposure", { catalog, dialect: "qserv" }).warnings).to.deep.equal([]);
  });
});

describe("compile(): the pass hook and the generators", () => {
  it("onPass sees every pass of the dialect in order (the common ones and the dialect's own), with the SQL so far or why there is none yet", () => {
    const seen: [string, string][] = [];
    compile("SELECT TOP 3 POINT(ra, dec) AS p FROM demo.Object", { catalog, dialect: "duckdb", onPass: (name, _q, sql) => seen.push([name, sql()]) });
    expect(seen.map(([n]) => n)).to.deep.equal([
      "check-identifiers", "check-limits", "resolve-names", "check-expressions", "check-coordinate-systems", "geometry-to-scisql", "in-unit",
      "bound-declination", "top-to-limit",
    ]);
    expect(seen[2]![1]).to.match(/^\(not yet SQL: /);
    expect(seen[8]![1]).to.equal('SELECT "Object"."ra" AS "p_1", "Object"."dec" AS "p_2" FROM "demo"."Object" LIMIT 3');
  });
  it("one generator per dialect, reused; an unknown dialect is a TypeError", () => {
    expect(generatorFor("mysql")).to.equal(generatorFor("mysql"));
    expect(() => generatorFor("postgres" as never)).to.throw(TypeError, /unknown dialect/);
  });
});

describe("the table of functions (builtins.ts) feeds the lexer, the parser, typeOf and the residue evaluator", () => {
  const ARG: Record<ArgumentForm, string> = {
    value: "1", signedInteger: "1", unsignedInteger: "1", string: "'deg'", geometry: "CIRCLE(0, 0, 1)", coord: "POINT(0, 0)",
  };
  /** A call of `name` by its first signature, with literal arguments of the right forms. */
  const call = (name: keyof typeof BUILTINS): string => `${name}(${BUILTINS[name].signatures[0]!.args.map((f) => ARG[f]).join(", ")})`;
  const callExpr = (name: keyof typeof BUILTINS) => {
    const item = firstSelect(parse(`SELECT ${call(name)} FROM t`)).items[0]!;
    if (item.kind !== "SelectColumn") throw new Error("not a column");
    return item.expr;
  };

  it("every name is a reserved function name in any case (ADQL 2.1 §2.1.2, §2.1.4)", () => {
    for (const name of BUILTIN_NAMES) {
      expect(isReservedWord(name), name).to.equal(true);
      const [tok] = tokenize(name.toLowerCase());
      expect(tokenMatcher(tok!, BuiltinFunction), name).to.equal(true);
    }
  });

  it("every call by a listed signature parses; one with five arguments more is refused by its arity (ADQL 2.1 §2.3)", () => {
    for (const name of BUILTIN_NAMES) {
      expect(callExpr(name)).to.include({ kind: "FunctionCall", name });
      if (BUILTINS[name].signatures.some((s) => s.variadic)) continue;
      const args = Array.from({ length: 5 + Math.max(...BUILTINS[name].signatures.map((s) => s.args.length)) }, () => "1");
      const e = (() => { try { parse(`SELECT ${name}(${args.join(", ")}) FROM t`); } catch (x) { return x; } return undefined; })();
      expect(e, name).to.be.instanceOf(AdqlError);
      expect((e as AdqlError).code, name).to.equal("ADQL_BAD_ARGUMENTS");
      expect((e as AdqlError).message, name).to.match(new RegExp(`^${name} takes`));
    }
  });

  it("the server computes exactly the functions marked server (compile's QuerySplit)", () => {
    for (const name of BUILTIN_NAMES) {
      const e = callExpr(name);
      if (BUILTINS[name].server) {
        expect(residueSupport(e), name).to.equal(undefined);
        expect(() => evaluateResidue(e, () => null), name).not.to.throw();
      } else {
        expect(residueSupport(e), name).to.equal(name);
      }
    }
  });

  const typed: [why: string, expr: string, want: Partial<ResultColumn>][] = [
    ["DEGREES is in degrees", "DEGREES(1)", { datatype: "double", unit: "deg" }],
    ["ACOS is in radians", "ACOS(0.5)", { datatype: "double", unit: "rad" }],
    ["ROUND of a long stays a long", "ROUND(objectId)", { datatype: "long" }],
    ["ROUND of a double keeps its unit", "ROUND(ra, 2)", { datatype: "double", unit: "deg" }],
    ["ABS keeps the storage type and unit", "ABS(dec)", { datatype: "double", unit: "deg" }],
    ["MOD of two integers is a long", "MOD(objectId, 2)", { datatype: "long" }],
    ["COALESCE takes its first known argument's type", "COALESCE(NULL, ra)", { datatype: "double", unit: "deg" }],
    ["IN_UNIT in the unit it names (ADQL 2.1 §4.9)", "IN_UNIT(ra, 'arcsec')", { datatype: "double", unit: "arcsec" }],
    ["LOWER is a string", "LOWER('A')", { datatype: "char", arraysize: "*" }],
    // A char field holds ASCII in VOTable 1.4, and astropy 5 reads binary char as ASCII: text beyond it is unicodeChar.
    ["a literal beyond ASCII is unicodeChar", "'é'", { datatype: "unicodeChar", arraysize: "*" }],
    ["an ASCII literal is char", "'e'", { datatype: "char", arraysize: "*" }],
    ["|| with a unicodeChar operand is unicodeChar", "name || 'λ'", { datatype: "unicodeChar", arraysize: "*" }],
    ["|| of char operands is char", "name || 'x'", { datatype: "char", arraysize: "*" }],
    ["UPPER of unicodeChar is unicodeChar", "UPPER('ß')", { datatype: "unicodeChar", arraysize: "*" }],
    ["EXP is a double", "EXP(1)", { datatype: "double", unit: undefined }],
    ["DISTANCE is an angular distance in degrees", "DISTANCE(POINT(ra, dec), POINT(0, 0))", { datatype: "double", unit: "deg", ucd: "pos.angDistance" }],
    ["scisql_angSep likewise", "scisql_angSep(ra, dec, 0, 0)", { datatype: "double", unit: "deg", ucd: "pos.angDistance" }],
    ["scisql's point-in predicates are int", "scisql_s2PtInBox(ra, dec, 0, 0, 1, 1)", { datatype: "int", unit: undefined }],
    ["scisql's magnitudes are in mag", "scisql_fluxToAbMagSigma(ra, dec)", { datatype: "double", unit: "mag" }],
    ["scisql_s2HtmId is a BIGINT: long", "scisql_s2HtmId(ra, dec, 10)", { datatype: "long" }],
    ["scisql_dnToFlux is a DOUBLE without a unit", "scisql_dnToFlux(ra, dec)", { datatype: "double", unit: undefined }],
  ];
  for (const [why, expr, want] of typed) {
    it(`type: ${why}`, () => {
      const [column] = compile(`SELECT ${expr} AS v FROM demo.Object`, { catalog, dialect: "mysql" }).columns!;
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, column![k as keyof ResultColumn]]));
      expect(got).to.deep.equal(want);
    });
  }
});
