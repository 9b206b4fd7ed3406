/**
 * A small checker of what Qserv's parser and analyser accept (qserv/README §c), written
 * independently of the generator: it tokenizes the SQL text the way Qserv's MySQL-based lexer does
 * and lists every rule a statement breaks. The tests run it on every SQL string that the qserv dialect
 * produces, so a change in a pass or the generator cannot slip a construct past Qserv's parser.
 */

type TokenKind = "ident" | "string" | "number" | "word" | "op" | "dquote";

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly at: number;
}

/** Words that may appear bare: the keywords the generator writes for Qserv. */
const KEYWORDS = new Set([
  "SELECT", "DISTINCT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "LIMIT", "AS",
  "JOIN", "INNER", "CROSS", "NATURAL", "ON", "USING", "AND", "OR", "NOT", "BETWEEN", "IN", "IS", "NULL",
  "LIKE", "DIV",
]);

/** Functions Qserv can call (built-ins through functionNameBase, and the scisql UDFs, exact case). */
const FUNCTIONS = new Set([
  "ABS", "CEILING", "FLOOR", "ROUND", "TRUNCATE", "SQRT", "EXP", "LN", "LOG10", "POWER", "MOD", "SIN", "COS", "TAN",
  "COT", "ASIN", "ACOS", "ATAN", "ATAN2", "DEGREES", "RADIANS", "LOWER", "UPPER", "CONCAT", "COALESCE", "NULLIF",
  "GREATEST", "LEAST", "COUNT", "SUM", "AVG", "MIN", "MAX",
  "scisql_angSep", "scisql_s2PtInCircle", "scisql_s2PtInBox", "scisql_s2PtInCPoly", "scisql_s2PtInEllipse",
  "scisql_fluxToAbMag", "scisql_fluxToAbMagSigma", "scisql_nanojanskyToAbMag", "scisql_nanojanskyToAbMagSigma",
  "qserv_areaspec_circle", "qserv_areaspec_box", "qserv_areaspec_poly",
]);

const AGGREGATES = new Set(["COUNT", "SUM", "AVG", "MIN", "MAX"]);

function tokenize(sql: string, problems: string[]): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === " ") { i++; continue; }
    if (/\s/.test(c)) { problems.push(`whitespace other than a space at ${i}`); i++; continue; }
    if (c === "`") {
      const end = sql.indexOf("`", i + 1);
      if (end < 0) { problems.push(`unterminated backtick name at ${i}`); return out; }
      out.push({ kind: "ident", text: sql.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) { problems.push(`unterminated string at ${i}`); return out; }
        if (sql[j] === "\\") { j += 2; continue; }
        if (sql[j] === "'" && sql[j + 1] === "'") { j += 2; continue; }
        if (sql[j] === "'") break;
        j++;
      }
      out.push({ kind: "string", text: sql.slice(i, j + 1), at: i });
      i = j + 1;
      continue;
    }
    if (c === '"') { out.push({ kind: "dquote", text: c, at: i }); i++; continue; }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i));
    if (num) { out.push({ kind: "number", text: num[0], at: i }); i += num[0].length; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
    if (word) { out.push({ kind: "word", text: word[0], at: i }); i += word[0].length; continue; }
    const op = /^(<=|>=|<>|!=|\|\||--|\/\*|\*\/|[-+*/%(),.=<>&|^~!;#])/.exec(sql.slice(i));
    if (op) { out.push({ kind: "op", text: op[0], at: i }); i += op[0].length; continue; }
    problems.push(`unexpected character ${JSON.stringify(c)} at ${i}`);
    i++;
  }
  return out;
}

const OPERAND_END: ReadonlySet<TokenKind> = new Set(["ident", "string", "number"]);

/** The problems that Qserv would have with this statement; empty if none. */
export function qservProblems(sql: string): string[] {
  const problems: string[] = [];
  const t = tokenize(sql, problems);
  const upper = (k: Token | undefined): string => (k?.kind === "word" ? k.text.toUpperCase() : "");
  // Per parenthesis depth: the logical operators seen, and whether a BETWEEN waits for its AND.
  const logical: Set<string>[] = [new Set()];
  const between: boolean[] = [false];
  let clause = "";
  let areaspecs = 0;
  for (let k = 0; k < t.length; k++) {
    const tok = t[k]!;
    const prev = t[k - 1];
    const next = t[k + 1];
    const depth = logical.length - 1;
    switch (tok.kind) {
      case "dquote":
        problems.push(`a double quote at ${tok.at}: a string in Qserv, never an identifier`);
        break;
      case "ident":
        if (tok.text === "") problems.push(`an empty name at ${tok.at}`);
        if (tok.text.startsWith("_")) problems.push(`the name ${tok.text} starts with an underscore`);
        break;
      case "number":
        if (/[eE]\+/.test(tok.text)) problems.push(`the exponent of ${tok.text} has a +`);
        break;
      case "word": {
        const w = tok.text;
        const W = w.toUpperCase();
        if (next?.text === "(" && !KEYWORDS.has(W)) {
          if (!FUNCTIONS.has(w) && !FUNCTIONS.has(W)) problems.push(`the function ${w} is not one Qserv takes`);
          if (w.startsWith("scisql_") && !FUNCTIONS.has(w)) problems.push(`${w} is not spelled as scisql spells it`);
          if (t[k + 2]?.text === ")") problems.push(`${w}() has no arguments`);
          if (AGGREGATES.has(W)) {
            const arg = t.slice(k + 2, t.findIndex((x, i) => i > k && x.text === ")"));
            const plainColumn = arg.every((x, i) => (i % 2 === 0 ? x.kind === "ident" : x.text === "."));
            if (upper(arg[0]) === "DISTINCT") problems.push(`${W}(DISTINCT ...)`);
            else if (!(arg.length === 1 && arg[0]!.text === "*") && !plainColumn) problems.push(`${W} of an expression`);
          }
          if (w.startsWith("qserv_areaspec_")) {
            areaspecs++;
            if (!(prev && upper(prev) === "WHERE")) problems.push(`${w} is not the first condition of WHERE`);
          }
        } else if (!KEYWORDS.has(W)) {
          problems.push(`the bare word ${w} at ${tok.at} (${["CASE", "CAST", "OFFSET", "UNION", "WITH", "LEFT", "RIGHT", "FULL", "EXISTS", "COLLATE", "BINARY"].includes(W) ? "not supported" : "not a keyword Qserv takes, or an unquoted name"})`);
        }
        if (W === "SELECT" && prev?.text === "(") problems.push(`a subquery at ${tok.at}`);
        if (["WHERE", "HAVING", "ORDER", "GROUP", "LIMIT", "FROM", "SELECT"].includes(W)) clause = W;
        if (W === "BETWEEN") between[depth] = true;
        if (W === "AND" || W === "OR") {
          if (W === "AND" && between[depth]) between[depth] = false;
          else {
            logical[depth]!.add(W);
            if (logical[depth]!.size > 1) problems.push(`AND and OR mixed without parentheses at ${tok.at}`);
            if (clause === "HAVING" && depth === 0) problems.push(`HAVING with ${W}`);
          }
        }
        if (W === "LIMIT" && (t[k + 2] !== undefined || next?.kind !== "number")) problems.push("LIMIT is not last, or not one number (OFFSET)");
        if (W === "BY" && clause === "ORDER") {
          // ORDER BY names result columns only: `name [ASC|DESC] [, ...]`.
          let j = k + 1;
          for (;;) {
            if (t[j]?.kind !== "ident" || t[j + 1]?.text === ".") { problems.push(`ORDER BY something other than a result column at ${t[j]?.at ?? "end"}`); break; }
            j++;
            if (upper(t[j]) === "ASC" || upper(t[j]) === "DESC") j++;
            if (t[j]?.text !== ",") {
              if (t[j] !== undefined && upper(t[j]) !== "LIMIT") problems.push(`ORDER BY something other than a result column at ${t[j]!.at}`);
              break;
            }
            j++;
          }
        }
        break;
      }
      case "op":
        switch (tok.text) {
          case "(": logical.push(new Set()); between.push(false); break;
          case ")": logical.pop(); between.pop(); if (logical.length === 0) { problems.push("unbalanced )"); logical.push(new Set()); between.push(false); } break;
          case "||": problems.push("|| (which is OR in Qserv)"); break;
          case ";": case "--": case "/*": case "*/": case "#": problems.push(`${tok.text} outside a string or name at ${tok.at}`); break;
          case "~": case "!": problems.push(`the operator ${tok.text}`); break;
          case "-": case "+": {
            const unary = !prev || prev.text === "(" || prev.text === "," || (prev.kind === "op" && prev.text !== ")") ||
              (prev.kind === "word" && KEYWORDS.has(upper(prev)));
            if (unary && !(tok.text === "-" && next?.kind === "number")) problems.push(`a unary ${tok.text} on something other than a number at ${tok.at}`);
            if (unary && tok.text === "+") problems.push(`a unary + at ${tok.at}`);
            if (!unary && !(prev && (OPERAND_END.has(prev.kind) || prev.text === ")"))) problems.push(`${tok.text} after ${prev?.text}`);
            break;
          }
          default: break;
        }
        break;
      default: break;
    }
  }
  if (logical.length !== 1) problems.push("unbalanced (");
  if (areaspecs > 1) problems.push("more than one qserv_areaspec_*");
  return problems;
}
