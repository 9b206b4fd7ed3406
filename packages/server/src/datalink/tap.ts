/**
 * Service descriptors for TAP results (DataLink 1.1 §4; SODA 1.0 §4.2): a result with ivoa.ObsCore's
 * obs_publisher_did gets the {links} service and the generic SODA service, both taking ID from that column; a
 * result with the position columns of a catalog table gets the "cutout around this row" service, taking RA and
 * DEC from them. The columns they reference get FIELD IDs. A result to which none applies is left exactly as it was.
 *
 * Where a result column comes from is read from the compiled query: a plain column reference of the outermost
 * SELECT, bound to a table of the catalog (not to a subquery, a common table expression or an upload).
 */
import type { CompileResult, Query, QueryBody, Select, TableReference } from "@qserv-tap/adql-compiler";
import type { Field, MetaResource } from "@qserv-tap/votable";
import type { Catalog, Table } from "../compiler-extras.js";
import type { ServiceDeps } from "../service.js";
import { mainPositionColumn } from "../catalog.js";
import { obsCoreTable } from "./around.js";
import { derivedOnce } from "./derived.js";
import { aroundDescriptor, linksDescriptor, sodaDescriptor } from "./descriptors.js";

export interface Described {
  fields: Field[];
  metaResources: MetaResource[];
}

interface Origin {
  /** The relation's qualifier in SQL: which table reference the column came through. */
  relation: string;
  table: Table;
  column: string;
}

function outermostSelect(q: Query): Select | undefined {
  let body: QueryBody = q.body;
  while (body.kind === "Query") body = body.body;
  // A set operation's columns come from several SELECTs: none of them is "the" origin.
  return body.kind === "Select" ? body : undefined;
}

/** Each catalog's tables by lower-case schema and name; of names equal but for case, the first, as a scan would find. */
const tableIndex = derivedOnce((catalog: Catalog) => {
  const index = new Map<string, Table>();
  for (const s of catalog.schemas) {
    for (const t of s.tables) {
      const key = `${s.name.toLowerCase()}.${t.name.toLowerCase()}`;
      if (!index.has(key)) index.set(key, t);
    }
  }
  return index;
});

function findTable(catalog: Catalog, schema: string, name: string): Table | undefined {
  return tableIndex(catalog).get(`${schema.toLowerCase()}.${name.toLowerCase()}`);
}

/** The catalog tables of the FROM clause, by the qualifier their columns are bound through. */
function relations(from: readonly TableReference[], catalog: Catalog): Map<string, Table> {
  const out = new Map<string, Table>();
  const visit = (t: TableReference) => {
    if (t.kind === "Join") {
      visit(t.left);
      visit(t.right);
    } else if (t.kind === "TableRef" && t.sqlName && t.sqlName.length === 2) {
      const table = findTable(catalog, t.sqlName[0]!, t.sqlName[1]!);
      if (table) out.set(t.alias?.name ?? t.sqlName[1]!, table);
    }
  };
  from.forEach(visit);
  return out;
}

/** The origin of each result column, or undefined where it is not a column of a catalog table. */
function origins(compiled: CompileResult, catalog: Catalog): (Origin | undefined)[] | undefined {
  const select = outermostSelect(compiled.ast);
  if (!select) return undefined;
  const tables = relations(select.from, catalog);
  const out: (Origin | undefined)[] = [];
  for (const item of select.items) {
    if (item.kind !== "SelectColumn" || item.hidden) continue;
    const e = item.expr;
    const table = e.kind === "ColumnRef" && e.binding ? tables.get(e.binding.relation) : undefined;
    out.push(e.kind === "ColumnRef" && e.binding && table ? { relation: e.binding.relation, table, column: e.binding.column } : undefined);
  }
  return out;
}

/** A table's position columns (catalog.ts mainPositionColumn), both or none. */
const positionColumns = derivedOnce((t: Table): { ra: string; dec: string } | undefined => {
  const ra = mainPositionColumn(t, "ra");
  const dec = mainPositionColumn(t, "dec");
  return ra !== undefined && dec !== undefined ? { ra, dec } : undefined;
});

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** An NCName from a column name, unique among those given out. */
function fieldId(name: string, taken: Set<string>): string {
  let base = name.replace(/[^A-Za-z0-9_.-]/g, "_");
  if (!/^[A-Za-z_]/.test(base)) base = `col_${base}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
  taken.add(id);
  return id;
}

/**
 * The descriptors that apply to a result, with its fields given the IDs they reference; undefined when none applies
 * (the result is then written exactly as without this function), or when the image service is off.
 */
export function resultDescriptors(deps: ServiceDeps, compiled: CompileResult, fields: readonly Field[]): Described | undefined {
  if (!deps.images || !compiled.columns) return undefined;
  const from = origins(compiled, deps.catalog);
  if (!from || from.length !== fields.length) return undefined;
  const base = deps.config.images.baseUrl;
  const obscore = obsCoreTable(deps.catalog);
  const out = fields.map((f) => ({ ...f }));
  const taken = new Set<string>(fields.flatMap((f) => (f.ID !== undefined ? [f.ID] : [])));
  const idOf = (i: number) => (out[i]!.ID ??= fieldId(out[i]!.name, taken));
  const metaResources: MetaResource[] = [];

  const did = obscore
    ? from.findIndex((o) => o !== undefined && same(o.table.schemaName, obscore.schema) && same(o.table.name, obscore.table) && same(o.column, "obs_publisher_did"))
    : -1;
  if (did >= 0) {
    const ref = idOf(did);
    metaResources.push(linksDescriptor(base, ref), sodaDescriptor(base, { id: { ref } }));
  }

  // Only where images can be found by position; not for ObsCore itself, whose rows are the images.
  if (obscore) {
    for (let i = 0; i < from.length; i++) {
      const o = from[i];
      if (!o || (same(o.table.schemaName, obscore.schema) && same(o.table.name, obscore.table))) continue;
      const pos = positionColumns(o.table);
      if (!pos || !same(o.column, pos.ra)) continue;
      const j = from.findIndex((p) => p !== undefined && p.relation === o.relation && same(p.column, pos.dec));
      if (j < 0) continue;
      metaResources.push(aroundDescriptor(base, idOf(i), idOf(j)));
      break;
    }
  }
  return metaResources.length === 0 ? undefined : { fields: out, metaResources };
}
