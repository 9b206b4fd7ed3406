/* global DOMParser */
/**
 * The service's documents, read in the browser: DALI examples (XHTML+RDFa), VOSI tables and
 * capabilities, VOTable TABLEDATA results and error documents, and UWS job lists. Elements are
 * matched by local name, so that the namespace prefixes a service chooses do not matter.
 */

/** @param {string} text @param {string} [type] */
export function xml(text, type = "application/xml") {
  const doc = new DOMParser().parseFromString(text, type);
  const bad = doc.getElementsByTagName("parsererror")[0];
  if (bad) throw new Error(`not well-formed XML: ${bad.textContent?.trim().split("\n")[0] ?? ""}`);
  return doc;
}

/** @param {Element} el @param {string} name @returns {Element[]} */
export function kids(el, name) {
  return [...el.children].filter((c) => c.localName === name);
}

/** @param {Element} el @param {string} name */
function kidText(el, name) {
  const k = kids(el, name)[0];
  return k ? (k.textContent ?? "").trim() : "";
}

/** @param {Document | Element} root @param {string} name @returns {Element[]} */
function all(root, name) {
  return [...root.getElementsByTagNameNS("*", name)];
}

/**
 * DALI 1.1 §2.3: each `typeof="example"` element holds a `property="name"` and a
 * `property="query"`; the rest of its text is the description.
 */
export function parseExamples(text) {
  const doc = xml(text, "application/xhtml+xml");
  return [...doc.querySelectorAll("[typeof]")]
    .filter((el) => (el.getAttribute("typeof") ?? "").split(/\s+/).includes("example"))
    .map((el) => {
      const prop = (/** @type {string} */ p) =>
        [...el.querySelectorAll("[property]")].find((e) => (e.getAttribute("property") ?? "").split(/\s+/).includes(p));
      const described = [...el.children].filter((e) => !e.hasAttribute("property") && e.localName === "p");
      return {
        id: el.getAttribute("id") ?? "",
        name: (prop("name")?.textContent ?? "").trim(),
        query: (prop("query")?.textContent ?? "").trim(),
        description: described.map((p) => (p.textContent ?? "").trim()).join(" "),
      };
    })
    .filter((e) => e.query !== "");
}

/** VOSI tables with detail=min: schemas and their tables, without columns. */
export function parseTableset(text) {
  const doc = xml(text);
  return all(doc, "schema").map((s) => ({
    name: kidText(s, "name"),
    description: kidText(s, "description"),
    tables: kids(s, "table").map((t) => ({ name: kidText(t, "name"), description: kidText(t, "description"), type: t.getAttribute("type") ?? "table" })),
  }));
}

/** One VOSI table (/tables/{name}): its columns. */
export function parseTableColumns(text) {
  const doc = xml(text);
  return all(doc, "column").map((c) => {
    const dt = kids(c, "dataType")[0];
    return {
      name: kidText(c, "name"),
      description: kidText(c, "description"),
      unit: kidText(c, "unit"),
      ucd: kidText(c, "ucd"),
      datatype: (dt?.textContent ?? "").trim() + (dt?.getAttribute("arraysize") ? `[${dt.getAttribute("arraysize")}]` : ""),
    };
  });
}

/** TAPRegExt outputFormat elements: the RESPONSEFORMAT values a client may send. */
export function parseCapabilities(text) {
  const doc = xml(text);
  const formats = all(doc, "outputFormat").map((f) => ({
    mime: kidText(f, "mime"),
    aliases: kids(f, "alias").map((a) => (a.textContent ?? "").trim()),
  }));
  return { formats };
}

/**
 * A VOTable with TABLEDATA (the result of RESPONSEFORMAT=votable/td), or a DALI error document.
 * `status` is the QUERY_STATUS before the table (ERROR: the query failed), `trailing` the one after
 * it (OVERFLOW: MAXREC cut the result; ERROR: a failure while rows streamed, DALI 1.1 §5.4.4).
 */
export function parseVOTable(text) {
  const doc = xml(text);
  const resource = all(doc, "RESOURCE").find((r) => r.getAttribute("type") === "results") ?? all(doc, "RESOURCE")[0];
  if (!resource) throw new Error("the answer is not a VOTable");
  const status = (/** @type {Element | undefined} */ info) =>
    info ? { value: info.getAttribute("value") ?? "", message: (info.textContent ?? "").trim() } : undefined;
  const infos = kids(resource, "INFO").filter((i) => i.getAttribute("name") === "QUERY_STATUS");
  const table = kids(resource, "TABLE")[0];
  const before = infos.filter((i) => !table || i.compareDocumentPosition(table) & 4 /* FOLLOWING */);
  const after = infos.filter((i) => table && table.compareDocumentPosition(i) & 4);
  const fields = table
    ? kids(table, "FIELD").map((f) => ({
        name: f.getAttribute("name") ?? "",
        datatype: f.getAttribute("datatype") ?? "char",
        arraysize: f.getAttribute("arraysize") ?? "",
        unit: f.getAttribute("unit") ?? "",
        ucd: f.getAttribute("ucd") ?? "",
        xtype: f.getAttribute("xtype") ?? "",
        description: kidText(f, "DESCRIPTION"),
      }))
    : [];
  const rows = table
    ? all(table, "TR").map((tr) => kids(tr, "TD").map((td) => (td.firstChild === null ? null : (td.textContent ?? ""))))
    : [];
  return { status: status(before.at(-1)), trailing: status(after.at(-1)), fields, rows };
}

/** The position an ADQL error names ("line L, column C", as AdqlError.toOneLine() writes it). */
export function errorPosition(message) {
  const m = /\bline (\d+), column (\d+)\b/.exec(message);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/**
 * The source line at `line` and a caret under `column` (1-based). Tabs are kept in the caret line
 * so that the caret stays under its character.
 */
export function caretExcerpt(source, line, column) {
  const lines = source.split(/\r\n|\r|\n/);
  const text = lines[line - 1] ?? "";
  const pad = text.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, " ") + " ".repeat(Math.max(0, column - 1 - text.length));
  return { text, caret: `${pad}^` };
}

/** The 0-based offset of a line and column in `source`. */
export function offsetOf(source, line, column) {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf("\n", offset);
    if (nl < 0) return source.length;
    offset = nl + 1;
  }
  return Math.min(source.length, offset + column - 1);
}

/** UWS 1.1 §2.2.2.1 job list: id, phase, creation time. */
export function parseJobList(text) {
  const doc = xml(text);
  return all(doc, "jobref").map((j) => ({
    id: j.getAttribute("id") ?? "",
    phase: kidText(j, "phase"),
    runId: kidText(j, "runId"),
    creationTime: kidText(j, "creationTime"),
  }));
}

/** The QUERY parameter of a UWS job document. */
export function jobQuery(text) {
  const doc = xml(text);
  const p = all(doc, "parameter").find((e) => (e.getAttribute("id") ?? "").toUpperCase() === "QUERY");
  return p ? (p.textContent ?? "").trim() : "";
}

/** Whether a VOTable datatype is a number (right-aligned in the grid). */
export function isNumeric(field) {
  return ["short", "int", "long", "float", "double", "unsignedByte"].includes(field.datatype) && field.arraysize === "";
}

/**
 * The columns that hold a position: RA and Dec by UCD (pos.eq.ra / pos.eq.dec, the main ones
 * first), else by name, else one DALI point column.
 */
export function positionColumns(fields) {
  const byUcd = (/** @type {string} */ ucd) => {
    const has = fields.map((f, i) => ({ i, words: f.ucd.toLowerCase().split(";") })).filter((f) => f.words.includes(ucd));
    return (has.find((f) => f.words.includes("meta.main")) ?? has[0])?.i;
  };
  const byName = (/** @type {string[]} */ names) => {
    const i = fields.findIndex((f) => names.includes(f.name.toLowerCase()));
    return i < 0 ? undefined : i;
  };
  const ra = byUcd("pos.eq.ra") ?? byName(["ra", "ra_icrs", "raj2000"]);
  const dec = byUcd("pos.eq.dec") ?? byName(["dec", "dec_icrs", "dej2000", "decj2000"]);
  if (ra !== undefined && dec !== undefined) return { ra, dec };
  const point = fields.findIndex((f) => f.xtype === "point");
  return point < 0 ? undefined : { point };
}
