/**
 * Quoting and escaping (sql/generator.ts safety rules): every identifier is quoted with the dialect's
 * escape (backticks for MySQL and Qserv, double quotes for DuckDB), every string escaped (MySQL:
 * backslashes and NUL too), so that no input can end a quoted region early, start a comment or add a
 * statement.
 *
 * First without a database: hostile strings and delimited identifiers are compiled, the SQL is split
 * into quoted regions and the rest by a scanner of each dialect's lexical rules, and the rest must hold
 * no `--`, `#`, `/*` or `;` while each quoted region must decode to exactly the input. Then a property
 * test (fast-check) runs generated hostile strings and names on MariaDB and DuckDB: one statement runs,
 * and the values and names come back as they went in.
 */
import { expect } from "chai";
import fc from "fast-check";
import { compile } from "../compile.js";
import { AdqlError } from "../errors.js";
import type { Dialect } from "../passes/index.js";
import { HOSTILE_NAMES, testSchema } from "./test-support/catalog.js";
import { closeSharedEngines, type Engine } from "./test-support/engines.js";
import { skyEngine, theSky } from "./test-support/sky.js";

after(closeSharedEngines);

interface Scanned {
  /** Decoded identifiers and strings, in order. */
  readonly quoted: { kind: "ident" | "string"; value: string }[];
  /** Everything outside quotes. */
  readonly rest: string;
}

/** Splits SQL by the dialect's lexical rules; throws on an unterminated quote. */
function scan(sql: string, dialect: Dialect): Scanned {
  const quoted: Scanned["quoted"] = [];
  let rest = "";
  let i = 0;
  const mysql = dialect !== "duckdb";
  const identQuote = mysql ? "`" : '"';
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === identQuote) {
      let value = "";
      let j = i + 1;
      for (;; j++) {
        if (j >= sql.length) throw new Error(`unterminated name at ${i}: ${sql}`);
        if (sql[j] === identQuote) {
          if (sql[j + 1] === identQuote && dialect !== "qserv") { value += identQuote; j++; continue; }
          break;
        }
        value += sql[j];
      }
      quoted.push({ kind: "ident", value });
      rest += " ";
      i = j + 1;
    } else if (c === "'") {
      let value = "";
      let j = i + 1;
      for (;; j++) {
        if (j >= sql.length) throw new Error(`unterminated string at ${i}: ${sql}`);
        const d = sql[j]!;
        if (mysql && d === "\\") {
          const e = sql[++j]!;
          value += e === "0" ? "\0" : e === "n" ? "\n" : e === "t" ? "\t" : e === "r" ? "\r" : e === "Z" ? "\x1a" : e === "b" ? "\b" : e;
          continue;
        }
        if (d === "'") {
          if (sql[j + 1] === "'") { value += "'"; j++; continue; }
          break;
        }
        value += d;
      }
      quoted.push({ kind: "string", value });
      rest += " ";
      i = j + 1;
    } else {
      rest += c;
      i++;
    }
  }
  return { quoted, rest };
}

const adqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const adqlName = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** The decoded string of the SQL: DuckDB writes a NUL as `'a' || chr(0) || 'b'`. */
function stringValue(sql: string, dialect: Dialect): string {
  const s = scan(sql, dialect);
  const strings = s.quoted.filter((q) => q.kind === "string").map((q) => q.value);
  return dialect === "duckdb" ? strings.join("\0") : strings.join("");
}

const HOSTILE_STRINGS = [
  "it's", "''", "'; DROP TABLE demo.Object; --", "\\", "\\'", "a\\'; SELECT 1; #", "--", "-- x\n", "#", "/*", "*/",
  "/* ' */", ";", "`", "``; DROP", '"', '"; --', "\0", "a\0b", "\0'\0", "\n\r\t\x1a\b", "é€😀", "\\0", "\\\\'", "%_\\%",
];

describe("hostile strings and names stay inside their quotes (no database)", () => {
  for (const dialect of ["qserv", "mysql", "duckdb"] as const) {
    for (const s of HOSTILE_STRINGS) {
      it(`${dialect}: the string ${JSON.stringify(s)} decodes to itself, nothing outside quotes`, () => {
        const sql = compile(`SELECT ${adqlString(s)} AS v FROM demo.Object WHERE name = ${adqlString(s)}`, { catalog: testSchema(), dialect }).sql;
        const scanned = scan(sql, dialect);
        expect(scanned.rest).not.to.match(/--|#|\/\*|;/);
        // The select list and the WHERE have the same string.
        const parts = sql.split(" FROM ");
        expect(stringValue(parts[0]!, dialect)).to.equal(s);
        expect(stringValue(parts.slice(1).join(" FROM ").split(" WHERE ")[1]!, dialect)).to.equal(s);
      });
    }
    for (const name of [...HOSTILE_STRINGS.filter((s) => s !== "" && !s.includes("\0") && !/[\u{10000}-\u{10FFFF}]/u.test(s)), "a`b", "`"]) {
      it(`${dialect}: the name ${JSON.stringify(name)} is one quoted name, or refused`, () => {
        let sql: string;
        try {
          sql = compile(`SELECT objectId AS ${adqlName(name)} FROM demo.Object`, { catalog: testSchema(), dialect }).sql;
        } catch (e) {
          // Qserv cannot quote a backtick (qserv/README §c); that is its only refusal here.
          expect(e).to.be.instanceOf(AdqlError);
          expect(dialect === "qserv" && name.includes("`")).to.equal(true);
          return;
        }
        const scanned = scan(sql, dialect);
        expect(scanned.rest).not.to.match(/--|#|\/\*|;/);
        expect(scanned.quoted.filter((q) => q.kind === "ident").map((q) => q.value)).to.deep.equal(["Object", "objectId", name, "demo", "Object"]);
      });
    }
  }
  it("hostile column names of the catalog are quoted (ext.Weird)", () => {
    for (const dialect of ["mysql", "duckdb"] as const) {
      const sql = compile("SELECT * FROM ext.Weird", { catalog: testSchema(), dialect }).sql;
      expect(scan(sql, dialect).rest).not.to.match(/--|#|\/\*|;/);
      const items = scan(sql.split(" FROM ")[0]!, dialect).quoted;
      expect(items.filter((_, i) => i % 3 === 1).map((q) => q.value)).to.deep.equal([...HOSTILE_NAMES]);
    }
  });
});

/** Hostile characters, and letters, for generated strings and names. */
const HOSTILE_UNIT = fc.oneof(
  fc.constantFrom("'", '"', "`", "\\", "-", "#", "/", "*", ";", "\0", "\n", "%", "_", " ", "é", "€", "😀", "\x1a"),
  fc.constantFrom("a", "B", "0", "x"),
);

for (const kind of ["mariadb", "duckdb"] as const) {
  describe(`generated hostile strings and names round-trip on ${kind === "mariadb" ? "MariaDB (mysql dialect)" : "DuckDB (duckdb dialect)"}`, function () {
    let engine: Engine;
    before(async function () {
      this.timeout(60_000);
      engine = await skyEngine(kind, this);
    });

    it("200 strings and names: one statement, the same value and name back, the tables intact", async function () {
      this.timeout(30_000);
      const objects = theSky().objects.length;
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: HOSTILE_UNIT, maxLength: 12 }),
          fc.string({ unit: HOSTILE_UNIT, minLength: 1, maxLength: 12 }),
          async (s, name) => {
            const adql = `SELECT ${adqlString(s)} AS ${adqlName(name)}, objectId FROM demo.Object WHERE objectId = 1 AND ${adqlString(s)} = ${adqlString(s)}`;
            let sql: string;
            try {
              sql = compile(adql, { catalog: testSchema(), dialect: engine.dialect }).sql;
            } catch (e) {
              // Refused names: NUL anywhere, and characters beyond U+FFFF on MariaDB (check-identifiers).
              expect(e).to.be.instanceOf(AdqlError);
              expect(name.includes("\0") || (kind === "mariadb" && /[\u{10000}-\u{10FFFF}]/u.test(name))).to.equal(true);
              return;
            }
            // The text protocol with several statements allowed: a second statement would show.
            const r = await engine.query(sql, { text: true });
            expect(r.rows).to.deep.equal([[s, 1]]);
            // MariaDB drops leading spaces and control characters of an alias; the service names
            // columns from compile(), not from the database.
            if (!(/^\s/.test(name) || name.charCodeAt(0) <= 0x20)) expect(r.columns[0]).to.equal(name);
          },
        ),
        { numRuns: 200, seed: 20261124 },
      );
      expect((await engine.query("SELECT COUNT(*) FROM demo.Object")).rows).to.deep.equal([[objects]]);
    });

    it("the hostile column names of ext.Weird select their values", async () => {
      const r = await engine.query(compile("SELECT * FROM ext.Weird ORDER BY 1", { catalog: testSchema(), dialect: engine.dialect }).sql);
      expect(r.columns).to.deep.equal([...HOSTILE_NAMES]);
      expect(r.rows).to.deep.equal([HOSTILE_NAMES.map((_, i) => -(i + 1)), HOSTILE_NAMES.map((_, i) => i + 1)]);
    });
  });
}
