/**
 * VOSI 1.1 tables: /tables (detail=min without columns, detail=max with them; max by default)
 * and /tables/{schema.table}. Table names are qualified as in TAP_SCHEMA.tables.table_name.
 */
import Router from "@koa/router";
import { isReservedWord } from "@qserv-tap/adql-compiler";
import type { Column, Schema, Table } from "../compiler-extras.js";
import { publishedColumns } from "../catalog.js";
import { TapError } from "../errors.js";
import type { ServiceDeps } from "../service.js";
import { cachedDocument, sendCached, startTime } from "../caching.js";
import { el, escapeAttr, escapeText, XML_DECL, XSI } from "../xml.js";
import { XML_CONTENT_TYPE } from "./vosi.js";

const REGULAR = /^[A-Za-z][A-Za-z0-9_]*$/;
function adqlName(name: string): string {
  return REGULAR.test(name) && !isReservedWord(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

export function qualifiedName(t: Table): string {
  return `${adqlName(t.schemaName)}.${adqlName(t.name)}`;
}

function columnXml(c: Column, t: Table, indent: string): string {
  const attrs = [c.arraysize ? ` arraysize="${escapeAttr(c.arraysize)}"` : "", c.xtype ? ` extendedType="${escapeAttr(c.xtype)}"` : ""].join("");
  const flags = [
    c.indexed ? "indexed" : null,
    t.primaryKey.includes(c.name) ? "primary" : null,
    c.nullable ? "nullable" : null,
  ].filter((f) => f !== null);
  return (
    `${indent}<column${c.std ? ' std="true"' : ""}>` +
    el("name", adqlName(c.name)) +
    el("description", c.description) +
    el("unit", c.unit) +
    el("ucd", c.ucd) +
    el("utype", c.utype) +
    `<dataType xsi:type="vs:VOTableType"${attrs}>${escapeText(c.datatype)}</dataType>` +
    flags.map((f) => `<flag>${f}</flag>`).join("") +
    `</column>\n`
  );
}

function tableXml(t: Table, detail: "min" | "max", indent: string, element = "table", rootAttrs = ""): string {
  let out = `${indent}<${element}${rootAttrs} type="${t.tableType === "view" ? "view" : "table"}">\n`;
  out += `${indent}  ${el("name", qualifiedName(t))}\n`;
  if (t.description) out += `${indent}  ${el("description", t.description)}\n`;
  if (t.utype) out += `${indent}  ${el("utype", t.utype)}\n`;
  if (detail === "max") {
    // Not the storage columns beside region columns (catalog.ts, withRegionStorage).
    for (const c of publishedColumns(t)) out += columnXml(c, t, `${indent}  `);
    for (const fk of t.foreignKeys) {
      out +=
        `${indent}  <foreignKey><targetTable>${escapeText(`${adqlName(fk.targetSchema)}.${adqlName(fk.targetTable)}`)}</targetTable>` +
        fk.fromColumns
          .map(
            (from, i) =>
              `<fkColumn><fromColumn>${escapeText(adqlName(from))}</fromColumn><targetColumn>${escapeText(adqlName(fk.targetColumns[i]!))}</targetColumn></fkColumn>`,
          )
          .join("") +
        el("description", fk.description) +
        el("utype", fk.utype) +
        `</foreignKey>\n`;
    }
  }
  return out + `${indent}</${element}>\n`;
}

function schemaXml(s: Schema, detail: "min" | "max"): string {
  return (
    `  <schema>\n    ${el("name", adqlName(s.name))}\n` +
    (s.description ? `    ${el("description", s.description)}\n` : "") +
    (s.utype ? `    ${el("utype", s.utype)}\n` : "") +
    s.tables.map((t) => tableXml(t, detail, "    ")).join("") +
    `  </schema>\n`
  );
}

const NS = `xmlns:vosi="http://www.ivoa.net/xml/VOSITables/v1.0" xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" xmlns:xsi="${XSI}"`;

export function tablesetDocument(deps: ServiceDeps, detail: "min" | "max"): string {
  return XML_DECL + `<vosi:tableset ${NS}>\n` + deps.catalog.schemas.map((s) => schemaXml(s, detail)).join("") + `</vosi:tableset>\n`;
}

export function findTable(deps: ServiceDeps, name: string): Table | undefined {
  const wanted = name.toLowerCase();
  for (const s of deps.catalog.schemas) {
    for (const t of s.tables) {
      if (qualifiedName(t).toLowerCase() === wanted || `${s.name}.${t.name}`.toLowerCase() === wanted) return t;
    }
  }
  return undefined;
}

export function tableDocument(t: Table): string {
  return XML_DECL + tableXml(t, "max", "", "vosi:table", ` ${NS}`);
}

function detailOf(value: string | undefined): "min" | "max" {
  if (value === undefined || value === "" || value.toLowerCase() === "max") return "max";
  if (value.toLowerCase() === "min") return "min";
  throw new TapError(400, `detail must be min or max, not ${value}`);
}

export function tablesRouter(deps: ServiceDeps): Router {
  const router = new Router();
  const docs = { min: cachedDocument(tablesetDocument(deps, "min")), max: cachedDocument(tablesetDocument(deps, "max")) };
  const started = startTime();
  router.get("/tables", (ctx) => {
    const detail = detailOf(new URLSearchParams(ctx.querystring).get("detail") ?? undefined);
    sendCached(ctx, docs[detail], started, XML_CONTENT_TYPE);
  });
  router.get("/tables/:name", (ctx) => {
    const name = ctx.params.name ?? "";
    const t = findTable(deps, name);
    if (!t) throw new TapError(404, `No table ${name}`, "TAP_NOT_FOUND");
    sendCached(ctx, cachedDocument(tableDocument(t)), started, XML_CONTENT_TYPE);
  });
  return router;
}
