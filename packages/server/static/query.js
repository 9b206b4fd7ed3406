/* global document, window, location, fetch, URL, URLSearchParams, AbortController, performance, setTimeout, clearTimeout, Event */
/**
 * The query page: an ADQL editor, the service's examples and tables, a result grid with a sky
 * plot, errors at their line and column, and the async job list. Every request goes to a URL
 * relative to the page, so that the page works behind a proxy at any base URL.
 */
import {
  caretExcerpt,
  errorPosition,
  isNumeric,
  jobQuery,
  offsetOf,
  parseCapabilities,
  parseExamples,
  parseJobList,
  parseTableColumns,
  parseTableset,
  parseVOTable,
  positionColumns,
} from "./parse.js";
import { skyPlot } from "./sky.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const editor = /** @type {HTMLTextAreaElement} */ ($("query"));
const gutter = $("gutter");
const runButton = /** @type {HTMLButtonElement} */ ($("run"));
const maxrec = /** @type {HTMLSelectElement} */ ($("maxrec"));
const statusLine = $("status");

/** @param {string} tag @param {Record<string, string>} [attrs] @param {(Node | string)[]} children */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** GET a document of the service, as text; a failure names the URL and the HTTP status. */
async function getText(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

// ---- the editor -----------------------------------------------------------------------------

let gutterLines = 0;
function updateGutter() {
  const n = editor.value.split("\n").length;
  if (n !== gutterLines) gutter.textContent = Array.from({ length: (gutterLines = n) }, (_, i) => i + 1).join("\n");
  gutter.scrollTop = editor.scrollTop;
}
editor.addEventListener("input", updateGutter);
editor.addEventListener("scroll", () => (gutter.scrollTop = editor.scrollTop));
editor.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    run();
  }
});

/** Puts text at the editor's cursor, with a space before it after a word. */
function insert(text) {
  const at = editor.selectionStart;
  const before = editor.value.slice(0, at);
  const glue = /[\w"]$/.test(before) ? " " : "";
  editor.focus();
  editor.setRangeText(glue + text, at, editor.selectionEnd, "end");
  editor.dispatchEvent(new Event("input"));
}

function setQuery(text) {
  editor.value = text;
  editor.dispatchEvent(new Event("input"));
  editor.focus();
  editor.setSelectionRange(text.length, text.length);
}

// ---- examples and tables --------------------------------------------------------------------

async function loadExamples() {
  const list = $("examples");
  try {
    const examples = parseExamples(await getText("examples"));
    list.replaceChildren(
      ...examples.map((ex) => {
        const b = h("button", { type: "button", class: "link", title: `${ex.description}\n\n${ex.query}` }, ex.name || ex.id);
        b.addEventListener("click", () => setQuery(ex.query));
        return h("li", {}, b);
      }),
    );
    if (examples.length === 0) list.replaceChildren(h("li", { class: "muted" }, "This service has no examples."));
  } catch (e) {
    list.replaceChildren(h("li", { class: "bad" }, `Examples: ${e.message}`));
  }
}

async function loadTables() {
  const list = $("tables");
  try {
    const schemas = parseTableset(await getText("tables?detail=min"));
    list.replaceChildren(...schemas.map(schemaItem));
  } catch (e) {
    list.replaceChildren(h("li", { class: "bad" }, `Tables: ${e.message}`));
  }
}

function schemaItem(schema) {
  const tables = h("ul", { class: "plain" }, ...schema.tables.map(tableItem));
  const name = h("button", { type: "button", class: "toggle", "aria-expanded": "true", title: schema.description }, schema.name);
  name.addEventListener("click", () => {
    const open = name.getAttribute("aria-expanded") !== "true";
    name.setAttribute("aria-expanded", String(open));
    tables.hidden = !open;
  });
  // TAP_SCHEMA describes the service itself: folded, so that the data tables come first.
  if (schema.name.toUpperCase() === "TAP_SCHEMA") {
    name.setAttribute("aria-expanded", "false");
    tables.hidden = true;
  }
  return h("li", { class: "schema", "data-name": schema.name }, name, tables);
}

function tableItem(table) {
  const columns = h("ul", { class: "plain columns" });
  columns.hidden = true;
  const name = h("button", { type: "button", class: "toggle", "aria-expanded": "false", title: table.description || table.name }, table.name);
  const put = h("button", { type: "button", class: "insert", title: `Insert ${table.name} at the cursor` }, "+");
  put.addEventListener("click", () => insert(table.name));
  let loaded = false;
  name.addEventListener("click", async () => {
    const open = name.getAttribute("aria-expanded") !== "true";
    name.setAttribute("aria-expanded", String(open));
    columns.hidden = !open;
    if (!open || loaded) return;
    loaded = true;
    columns.replaceChildren(h("li", { class: "muted" }, "loading…"));
    try {
      const cols = parseTableColumns(await getText(`tables/${encodeURIComponent(table.name)}`));
      columns.replaceChildren(...(table.description ? [h("li", { class: "description" }, table.description)] : []), ...cols.map(columnItem));
    } catch (e) {
      loaded = false;
      columns.replaceChildren(h("li", { class: "bad" }, e.message));
    }
  });
  return h("li", { class: "table", "data-name": table.name }, h("div", { class: "row" }, name, put), columns);
}

function columnItem(col) {
  const b = h(
    "button",
    { type: "button", class: "column", title: [col.description, col.ucd && `UCD ${col.ucd}`, `${col.datatype}`].filter(Boolean).join("\n") },
    h("span", { class: "name" }, col.name),
    h("span", { class: "unit" }, col.unit),
  );
  b.addEventListener("click", () => insert(col.name));
  return h("li", { "data-name": col.name }, b, col.description ? h("div", { class: "description" }, col.description) : "");
}

$("table-filter").addEventListener("input", (e) => {
  const words = /** @type {HTMLInputElement} */ (e.target).value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  for (const li of document.querySelectorAll("#tables li.table")) {
    const name = (li.getAttribute("data-name") ?? "").toLowerCase();
    /** @type {HTMLElement} */ (li).hidden = !words.every((w) => name.includes(w));
  }
});

// ---- output formats -------------------------------------------------------------------------

/** @type {{mime: string, aliases: string[]}[]} */
let formats = [];

async function loadCapabilities() {
  try {
    formats = parseCapabilities(await getText("capabilities")).formats;
  } catch {
    formats = [];
  }
}

function extension(mime) {
  if (/votable/i.test(mime)) return "vot";
  if (/csv/i.test(mime)) return "csv";
  if (/tab-separated/i.test(mime)) return "tsv";
  if (/parquet/i.test(mime)) return "parquet";
  if (/fits/i.test(mime)) return "fits";
  return "dat";
}

/**
 * Links to the same query, without MAXREC, one per output format the capabilities declare: the outputFormat elements
 * with a short name (the others declare further media types of the same formats, TAPRegExt 1.0 §2.4).
 */
function downloads(query) {
  const links = formats.filter((f) => f.aliases.length > 0).map((f) => {
    const value = f.aliases[0];
    const params = new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", RESPONSEFORMAT: value, QUERY: query });
    return h("a", { href: `sync?${params}`, download: `result.${extension(f.mime)}`, title: f.mime, "data-format": value }, value);
  });
  return links.length ? ["Download all rows: ", ...links] : [];
}

// ---- running a query ------------------------------------------------------------------------

/** @type {AbortController | undefined} */
let running;

async function run() {
  if (running) {
    running.abort();
    return;
  }
  const query = editor.value;
  if (query.trim() === "") return;
  running = new AbortController();
  runButton.textContent = "Cancel";
  document.body.classList.add("busy");
  statusLine.textContent = "running…";
  const started = performance.now();
  try {
    const body = new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", RESPONSEFORMAT: "votable/td", MAXREC: maxrec.value, QUERY: query });
    const res = await fetch("sync", { method: "POST", body, signal: running.signal });
    const text = await res.text();
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    let table;
    try {
      table = parseVOTable(text);
    } catch {
      showError(query, `HTTP ${res.status}: ${text.slice(0, 500)}`);
      statusLine.textContent = `failed after ${seconds} s`;
      return;
    }
    if (table.status?.value === "ERROR" || !res.ok) {
      showError(query, table.status?.message || `HTTP ${res.status}`);
      statusLine.textContent = `failed after ${seconds} s`;
      return;
    }
    hideError();
    showResult(query, table);
    if (table.trailing?.value === "ERROR") showError(query, `After ${table.rows.length} rows: ${table.trailing.message}`);
    statusLine.textContent = `${table.rows.length} row${table.rows.length === 1 ? "" : "s"} in ${seconds} s`;
  } catch (e) {
    statusLine.textContent = e.name === "AbortError" ? "cancelled" : `failed: ${e.message}`;
  } finally {
    running = undefined;
    runButton.textContent = "Run";
    document.body.classList.remove("busy");
  }
}

function hideError() {
  $("error").hidden = true;
}

/** The server's message, and, for an ADQL error, its line with a caret under the column. */
function showError(query, message) {
  $("error").hidden = false;
  $("error-message").textContent = message;
  const at = errorPosition(message);
  $("error-position").textContent = at ? `line ${at.line}, column ${at.column}` : "";
  $("error-excerpt").hidden = !at;
  if (at) {
    const { text, caret } = caretExcerpt(query, at.line, at.column);
    const width = String(at.line).length;
    $("error-excerpt").replaceChildren(
      h("span", { class: "lineno" }, `${at.line} | `),
      text,
      "\n",
      h("span", { class: "lineno" }, `${" ".repeat(width)} | `),
      h("span", { class: "caret" }, caret),
    );
    // The editor's cursor goes to the error too, if the query is still the one that failed.
    if (editor.value === query) {
      const offset = offsetOf(query, at.line, at.column);
      editor.focus();
      editor.setSelectionRange(offset, Math.min(query.length, offset + 1));
    }
  }
  $("results").hidden = true;
}

function cell(field, value) {
  if (value === null) return h("td", { class: "null" });
  const shown = field.datatype === "boolean" ? ({ T: "true", F: "false", 1: "true", 0: "false" }[value] ?? value) : value;
  return h("td", isNumeric(field) ? { class: "num" } : {}, shown);
}

function showResult(query, table) {
  const { fields, rows } = table;
  const head = h(
    "tr",
    {},
    ...fields.map((f) =>
      h(
        "th",
        { title: [f.description, f.ucd && `UCD ${f.ucd}`, f.datatype + (f.arraysize ? `[${f.arraysize}]` : "")].filter(Boolean).join("\n"), class: isNumeric(f) ? "num" : "" },
        h("span", { class: "name" }, f.name),
        h("span", { class: "unit" }, f.unit),
      ),
    ),
  );
  const body = h("tbody", {}, ...rows.map((r) => h("tr", {}, ...fields.map((f, i) => cell(f, r[i] ?? null)))));
  $("grid").replaceChildren(h("thead", {}, head), body);
  const overflow = table.trailing?.value === "OVERFLOW";
  $("result-note").textContent = overflow ? `the first ${rows.length} rows; the result has more` : `${rows.length} row${rows.length === 1 ? "" : "s"}`;
  $("downloads").replaceChildren(...downloads(query));
  const sky = $("sky");
  const pos = positionColumns(fields);
  const points = !pos
    ? []
    : rows.map((r) => {
        if ("point" in pos) {
          const [ra, dec] = (r[pos.point] ?? "").trim().split(/\s+/).map(Number);
          return { ra, dec };
        }
        return { ra: Number(r[pos.ra] ?? NaN), dec: Number(r[pos.dec] ?? NaN) };
      });
  const plot = points.length ? skyPlot(points) : undefined;
  sky.hidden = !plot;
  sky.replaceChildren(...(plot ? [plot, h("figcaption", {}, "RA increases to the left")] : []));
  $("results").hidden = false;
}

runButton.addEventListener("click", () => run());

// ---- async jobs -----------------------------------------------------------------------------

/** Queries of jobs already seen: a job's parameters do not change once it has run. */
const queries = new Map();
let poll;

async function loadJobs() {
  clearTimeout(poll);
  const table = $("jobs");
  const note = $("jobs-note");
  try {
    const res = await fetch("async?LAST=20");
    if (res.status === 404) {
      // A service without async jobs (no job directory configured).
      note.textContent = "This service runs no async jobs.";
      $("submit-async").hidden = true;
      $("refresh-jobs").hidden = true;
      return;
    }
    if (!res.ok) throw new Error(`async: HTTP ${res.status}`);
    // Most recent first (UWS 1.1 §2.2.2.1 LAST).
    const jobs = parseJobList(await res.text());
    for (const j of jobs) {
      if (!queries.has(j.id)) queries.set(j.id, getText(`async/${encodeURIComponent(j.id)}`).then(jobQuery, () => ""));
    }
    const texts = await Promise.all(jobs.map((j) => queries.get(j.id)));
    note.textContent = jobs.length ? "" : "No jobs yet. “Submit as async job” runs the editor's query as one.";
    table.replaceChildren(
      ...(jobs.length ? [h("thead", {}, h("tr", {}, h("th", {}, "job"), h("th", {}, "phase"), h("th", {}, "created (UTC)"), h("th", {}, "query"), h("th", {}, "")))] : []),
      h("tbody", {}, ...jobs.map((j, i) => jobRow(j, texts[i]))),
    );
    // While a job is still on its way, the list follows it.
    if (jobs.some((j) => j.phase === "QUEUED" || j.phase === "EXECUTING")) poll = setTimeout(loadJobs, 2000);
  } catch (e) {
    note.textContent = `Async jobs: ${e.message}`;
  }
}

function jobRow(j, query) {
  const base = `async/${encodeURIComponent(j.id)}`;
  const links = [];
  if (j.phase === "COMPLETED") links.push(h("a", { href: `${base}/results/result`, download: `${j.id}.vot` }, "result"));
  if (j.phase === "ERROR") links.push(h("a", { href: `${base}/error` }, "error"));
  const load = h("button", { type: "button", class: "link", title: "Put this query in the editor" }, query.split("\n")[0] || "(no query)");
  load.addEventListener("click", () => setQuery(query));
  return h(
    "tr",
    { "data-job": j.id },
    h("td", {}, h("a", { href: base, class: "mono" }, j.id.slice(0, 10))),
    h("td", {}, h("span", { class: `phase ${j.phase.toLowerCase()}` }, j.phase)),
    h("td", { class: "mono" }, j.creationTime.replace("T", " ").replace(/\.\d+Z$|Z$/, "")),
    h("td", { class: "query" }, load),
    h("td", {}, ...links),
  );
}

$("submit-async").addEventListener("click", async () => {
  const query = editor.value;
  if (query.trim() === "") return;
  const body = new URLSearchParams({ REQUEST: "doQuery", LANG: "ADQL", PHASE: "RUN", QUERY: query });
  try {
    const res = await fetch("async", { method: "POST", body });
    if (!res.ok) {
      let message = `HTTP ${res.status}`;
      try {
        message = parseVOTable(await res.text()).status?.message || message;
      } catch {
        // not a VOTable: the status says it
      }
      showError(query, message);
      return;
    }
    statusLine.textContent = "async job submitted";
  } catch (e) {
    statusLine.textContent = `failed: ${e.message}`;
  }
  await loadJobs();
});
$("refresh-jobs").addEventListener("click", () => loadJobs());

// ---- start ----------------------------------------------------------------------------------

$("service-url").textContent = new URL(".", location.href).href.replace(/\/$/, "");
updateGutter();
window.addEventListener("load", () => editor.focus());
await Promise.all([loadExamples(), loadTables(), loadCapabilities(), loadJobs()]);
document.body.dataset.ready = "true";
