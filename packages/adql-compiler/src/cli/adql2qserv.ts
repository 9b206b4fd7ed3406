#!/usr/bin/env node
/**
 * adql2qserv: a thin shell over compile(), for debugging translations.
 * Exit status: 0 on success, 2 for an ADQL error, 1 for anything else (DEVELOPERS.md, STYLE.md habit 6).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { astToJson } from "../ast/json.js";
import { printAdql } from "../ast/print.js";
import { compile, type CompileOptions, type QuerySplit } from "../compile.js";
import { AdqlError, formatError } from "../errors.js";
import { parse } from "../parse.js";
import type { SchemaLookup } from "../analysis/schema.js";
import { DIALECT_NAMES, dialectChoices, isDialectName } from "../sql/dialects/index.js";

const USAGE = `usage: adql2qserv [options] [ADQL | -f FILE]
Translates ADQL 2.1 to SQL. Reads the query from the argument, from -f FILE, or from standard input.

options:
${`  --dialect ${DIALECT_NAMES.join("|")}`.padEnd(32)} target SQL (default: qserv)
  --schema FILE.yaml             Felis schema; repeatable. With it, names must resolve.
  --maxrec N                     the service's MAXREC (adds LIMIT N+1)
  --ast                          print the parsed AST as JSON instead of SQL
  --explain                      print the SQL after each pass
  -f, --file FILE                read the query from FILE
  -h, --help                     this text

exit status: 0 ok, 2 ADQL error (printed as line:column: CODE message), 1 other error`;

/** A file that cannot be read or a schema that is not Felis is the user's mistake, said in one line; anything else is rethrown. */
function inputError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === "string" || err?.name === "CatalogError" || err?.name === "YAMLException") return err.message;
  throw e;
}

function failed(message: string): number {
  process.stderr.write(`adql2qserv: ${message}\n`);
  return 1;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Loads Felis files through the catalog module, imported lazily so the CLI starts fast without --schema. */
async function loadSchemas(files: string[]): Promise<SchemaLookup | undefined> {
  if (files.length === 0) return undefined;
  const { schemaLookupFromFelis } = await import("../catalog/lookup.js");
  return schemaLookupFromFelis(files);
}

export async function main(argv: string[]): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dialect: { type: "string", default: "qserv" },
        schema: { type: "string", multiple: true, default: [] },
        maxrec: { type: "string" },
        ast: { type: "boolean", default: false },
        explain: { type: "boolean", default: false },
        file: { type: "string", short: "f" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`adql2qserv: ${(e as Error).message}\n${USAGE}\n`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dialect = values.dialect;
  if (!isDialectName(dialect)) {
    process.stderr.write(`adql2qserv: unknown dialect ${dialect}: use ${dialectChoices()}\n`);
    return 1;
  }
  let maxrec: number | undefined;
  if (values.maxrec !== undefined) {
    maxrec = /^\d+$/.test(values.maxrec) ? Number(values.maxrec) : NaN;
    if (!Number.isSafeInteger(maxrec)) {
      process.stderr.write(`adql2qserv: --maxrec must be a non-negative integer up to ${Number.MAX_SAFE_INTEGER}, not ${values.maxrec}\n`);
      return 1;
    }
  }
  if (values.file !== undefined && positionals.length > 0) {
    process.stderr.write(`adql2qserv: give the query as an argument or with -f FILE, not both\n${USAGE}\n`);
    return 1;
  }
  let adql: string;
  try {
    adql = values.file !== undefined ? readFileSync(values.file, "utf8") : positionals.length > 0 ? positionals.join(" ") : await readStdin();
  } catch (e) {
    return failed(`cannot read the query: ${inputError(e)}`);
  }
  try {
    if (values.ast) {
      process.stdout.write(`${astToJson(parse(adql), 2)}\n`);
      return 0;
    }
    let catalog: SchemaLookup | undefined;
    try {
      catalog = await loadSchemas(values.schema as string[]);
    } catch (e) {
      return failed(`cannot load --schema: ${inputError(e)}`);
    }
    const options: CompileOptions = { dialect, ...(catalog ? { catalog } : {}), ...(maxrec !== undefined ? { maxrec } : {}) };
    if (values.explain) {
      options.onPass = (name, _q, sql) => process.stdout.write(`-- after ${name}\n${sql()}\n\n`);
    }
    const result = compile(adql, options);
    if (values.explain) process.stdout.write("-- result\n");
    process.stdout.write(`${result.sql}\n`);
    if (values.explain && result.qserv) process.stdout.write(`-- qserv chunk pruning: ${JSON.stringify(result.qserv)}\n`);
    // The SQL alone is not the whole query when it is split: say what the service computes (on stderr without --explain).
    for (const line of splitLines(result.split)) {
      if (values.explain) process.stdout.write(`-- ${line}\n`);
      else process.stderr.write(`${line}\n`);
    }
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    return 0;
  } catch (e) {
    if (e instanceof AdqlError) {
      process.stderr.write(`${formatError(e, adql)}\n`);
      return 2;
    }
    process.stderr.write(`adql2qserv: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

/** A split query's server part (compile.ts QuerySplit), one line each. */
function splitLines(split: QuerySplit | undefined): string[] {
  if (!split) return [];
  const out: string[] = [];
  if (split.offset !== undefined) out.push(`split: the service skips the first ${split.offset} rows (ADQL OFFSET; the SQL's LIMIT includes them)`);
  for (const r of split.residues) {
    const inputs = Object.entries(r.inputs).map(([name, p]) => `${name} = SQL column ${p + 1}`).join(", ");
    out.push(`split: the service computes ${r.name} = ${printAdql(r.expr)}${inputs ? ` (${inputs})` : ""}`);
  }
  return out;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write(`adql2qserv: ${String(e)}\n`);
  process.exitCode = 1;
});
