/** The small pieces every element writer shares: attributes, DESCRIPTION, INFO, ID checks. */
import { VOTableError } from "../errors.js";
import type { Info } from "../model.js";
import { escapeAttr, escapeText, isNCName } from "../xml.js";

export type Attrs = readonly (readonly [string, string | number | undefined])[];

export function attrs(list: Attrs): string {
  let out = "";
  for (const [k, v] of list) if (v !== undefined) out += ` ${k}="${escapeAttr(String(v))}"`;
  return out;
}

export function checkId(id: string | undefined, what: string): void {
  if (id !== undefined && !isNCName(id)) {
    throw new VOTableError("VOTABLE_INVALID_OPTION", `${what} ID "${id}" is not an XML NCName`);
  }
}

export function infoElement(info: Info): string {
  if (typeof info.name !== "string" || typeof info.value !== "string") {
    throw new VOTableError("VOTABLE_INVALID_OPTION", "an INFO needs a string name and value");
  }
  checkId(info.ID, "INFO");
  const a = attrs([
    ["name", info.name],
    ["value", info.value],
    ["ID", info.ID],
    ["unit", info.unit],
    ["xtype", info.xtype],
    ["ucd", info.ucd],
    ["utype", info.utype],
  ]);
  return info.content === undefined || info.content === ""
    ? `<INFO${a}/>\n`
    : `<INFO${a}>${escapeText(info.content)}</INFO>\n`;
}

export function description(text: string | undefined): string {
  return text === undefined ? "" : `<DESCRIPTION>${escapeText(text)}</DESCRIPTION>\n`;
}
