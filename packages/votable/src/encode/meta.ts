/**
 * RESOURCE type="meta" elements written after the results RESOURCE: PARAMs, GROUPs and VALUES with no table, as
 * DataLink 1.1 §4 service descriptors are. Pure functions returning strings, and the checks that keep the document
 * valid against the VOTable 1.4 schema (NCName IDs, unique IDs, every `ref` naming an ID of the document).
 */
import { VOTableError } from "../errors.js";
import type { GroupMeta, MetaResource, OptionMeta, ParamMeta, ValuesMeta } from "../model.js";
import { DATATYPES, parseArraysize } from "../model.js";
import { isNCName } from "../xml.js";
import { attrs, description, infoElement } from "./elements.js";

function optionElement(o: OptionMeta): string {
  const a = attrs([
    ["name", o.name],
    ["value", o.value],
  ]);
  const inner = (o.options ?? []).map(optionElement).join("");
  return inner === "" ? `<OPTION${a}/>\n` : `<OPTION${a}>\n${inner}</OPTION>\n`;
}

const yesNo = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : b ? "yes" : "no");

/** VOTable 1.4 schema: MIN, then MAX, then OPTIONs. */
function valuesElement(v: ValuesMeta): string {
  let out = "<VALUES>\n";
  if (v.min !== undefined) out += `<MIN${attrs([["value", v.min], ["inclusive", yesNo(v.minInclusive)]])}/>\n`;
  if (v.max !== undefined) out += `<MAX${attrs([["value", v.max], ["inclusive", yesNo(v.maxInclusive)]])}/>\n`;
  for (const o of v.options ?? []) out += optionElement(o);
  return out + "</VALUES>\n";
}

export function paramElement(p: ParamMeta): string {
  const a = attrs([
    ["name", p.name],
    ["ID", p.ID],
    ["datatype", p.datatype],
    ["arraysize", p.arraysize],
    ["xtype", p.xtype],
    ["unit", p.unit],
    ["ucd", p.ucd],
    ["utype", p.utype],
    ["ref", p.ref],
    ["value", p.value],
  ]);
  // VOTable 1.4 schema (Field): DESCRIPTION, then VALUES.
  const body = description(p.description) + (p.values ? valuesElement(p.values) : "");
  return body === "" ? `<PARAM${a}/>\n` : `<PARAM${a}>\n${body}</PARAM>\n`;
}

function groupElement(g: GroupMeta): string {
  const a = attrs([
    ["name", g.name],
    ["ID", g.ID],
    ["ucd", g.ucd],
    ["utype", g.utype],
  ]);
  const body = description(g.description) + (g.params ?? []).map(paramElement).join("") + (g.groups ?? []).map(groupElement).join("");
  return body === "" ? `<GROUP${a}/>\n` : `<GROUP${a}>\n${body}</GROUP>\n`;
}

/** One RESOURCE type="meta": DESCRIPTION, INFOs, PARAMs, GROUPs (the order the VOTable 1.4 schema allows). */
export function metaResourceElement(r: MetaResource): string {
  const a = attrs([
    ["type", "meta"],
    ["name", r.name],
    ["ID", r.ID],
    ["utype", r.utype],
  ]);
  return (
    `<RESOURCE${a}>\n` +
    description(r.description) +
    (r.infos ?? []).map(infoElement).join("") +
    (r.params ?? []).map(paramElement).join("") +
    (r.groups ?? []).map(groupElement).join("") +
    "</RESOURCE>\n"
  );
}

/**
 * Checks the resources before any byte is written: names and datatypes present, arraysizes that parse, IDs that
 * are NCNames and unique in the document (`ids` holds those already used, the FIELD IDs), and every `ref` naming an
 * ID of the document (an IDREF in the schema). Throws VOTableError VOTABLE_INVALID_OPTION.
 */
export function checkMetaResources(resources: readonly MetaResource[], ids: ReadonlySet<string>): void {
  const used = new Set(ids);
  const refs: [string, string][] = [];
  const fail = (where: string, msg: string): never => {
    throw new VOTableError("VOTABLE_INVALID_OPTION", `${where}: ${msg}`);
  };
  const id = (value: string | undefined, where: string): void => {
    if (value === undefined) return;
    if (!isNCName(value)) fail(where, `ID "${value}" is not an XML NCName`);
    if (used.has(value)) fail(where, `ID "${value}" is not unique in the document`);
    used.add(value);
  };
  const param = (p: ParamMeta, where0: string): void => {
    const where = `${where0}, PARAM ${typeof p?.name === "string" ? `"${p.name}"` : "?"}`;
    if (p === null || typeof p !== "object") fail(where, "not an object");
    if (typeof p.name !== "string" || p.name === "") fail(where, "a name is required");
    if (!DATATYPES.includes(p.datatype)) fail(where, `unknown datatype "${String(p.datatype)}"`);
    if (typeof p.value !== "string") fail(where, "a string value is required (the schema requires the attribute)");
    if (p.arraysize !== undefined) {
      try {
        parseArraysize(p.arraysize, where);
      } catch (e) {
        fail(where, (e as Error).message);
      }
    }
    id(p.ID, where);
    if (p.ref !== undefined) refs.push([p.ref, where]);
  };
  const group = (g: GroupMeta, where0: string): void => {
    const where = `${where0}, GROUP${g.name !== undefined ? ` "${g.name}"` : ""}`;
    id(g.ID, where);
    for (const p of g.params ?? []) param(p, where);
    for (const sub of g.groups ?? []) group(sub, where);
  };
  resources.forEach((r, i) => {
    const where = `meta RESOURCE ${i + 1}${r.ID !== undefined ? ` "${r.ID}"` : ""}`;
    id(r.ID, where);
    for (const info of r.infos ?? []) {
      if (typeof info.name !== "string" || typeof info.value !== "string") fail(where, "an INFO needs a string name and value");
      id(info.ID, where);
    }
    for (const p of r.params ?? []) param(p, where);
    for (const g of r.groups ?? []) group(g, where);
  });
  for (const [ref, where] of refs) {
    if (!used.has(ref)) fail(where, `ref "${ref}" names no ID of the document`);
  }
}
