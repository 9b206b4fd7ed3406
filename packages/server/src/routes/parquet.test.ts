/**
 * RESPONSEFORMAT=parquet (DALI 1.2 §4.3.3's application/vnd.apache.parquet) with the VOTable metadata of IVOA Note
 * VOParquet 1.0. The writer is JavaScript (hyparquet-writer, in the votable package), so the reader here is another
 * one: DuckDB's read_parquet and parquet_kv_metadata. Every cell and NULL is compared with the BINARY2 result of the
 * same query, read by the votable package; the embedded VOTable is parsed by the votable package and by astropy.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { readVOTable, VOPARQUET_CONTENT_KEY, VOPARQUET_VERSION_KEY } from "@qserv-tap/votable";
import { demoService, sync } from "../test-support/service.js";

async function readBinary2(body: Buffer): Promise<{ names: string[]; rows: unknown[][] }> {
  const reader = await readVOTable(body);
  const rows: unknown[][] = [];
  for await (const r of reader) rows.push([...r]);
  return { names: reader.fields.map((f) => f.name), rows };
}

/** The rows and key–value metadata of a Parquet file, as DuckDB reads them. */
async function readWithDuckDb(file: Buffer, dir: string): Promise<{ names: string[]; rows: unknown[][]; kv: Map<string, string> }> {
  const path = join(dir, `r${Math.random().toString(36).slice(2)}.parquet`);
  writeFileSync(path, file);
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    const lit = `'${path.replace(/'/g, "''")}'`;
    const reader = await c.runAndReadAll(`SELECT * FROM read_parquet(${lit})`);
    const kvr = await c.runAndReadAll(`SELECT decode(key), decode(value) FROM parquet_kv_metadata(${lit})`);
    const kv = new Map(kvr.getRowsJS().map((r) => [String(r[0]), String(r[1])]));
    return { names: reader.columnNames(), rows: reader.getRowsJS() as unknown[][], kv };
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** The same value whatever the reader: NULL as null, numbers (a BIGINT as bigint) and lists compared as arrays. */
function norm(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(norm);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>).map(norm);
  if (typeof v === "object" && v !== null && "items" in v) return norm((v as { items: unknown[] }).items);
  return v;
}

describe("VOParquet output (IVOA Note VOParquet 1.0; DALI 1.2 §4.3.3)", function () {
  this.timeout(120_000);
  let url: string;
  let dir: string;
  before(async () => {
    url = (await demoService()).url;
    dir = mkdtempSync(join(tmpdir(), "voparquet-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // long, double, float, char (with NULLs), int, boolean, timestamp, and a DALI point (double[2]) array.
  const QUERY =
    "SELECT TOP 3000 star_id, ra, dec, designation, g_mag, r_mag, parallax, flags, is_variable, first_seen, POINT('ICRS', ra, dec) AS pos " +
    "FROM demo.stars ORDER BY star_id";

  it("answers parquet and application/vnd.apache.parquet with a Parquet file", async () => {
    for (const f of ["parquet", "application/vnd.apache.parquet", "PARQUET"]) {
      const r = await sync(url, { LANG: "ADQL", QUERY: "SELECT TOP 3 star_id FROM demo.stars", RESPONSEFORMAT: f });
      expect(r.status, f).to.equal(200);
      expect(r.type, f).to.equal("application/vnd.apache.parquet");
      expect(r.body.subarray(0, 4).toString("latin1"), f).to.equal("PAR1");
      expect(r.body.subarray(-4).toString("latin1"), f).to.equal("PAR1");
    }
  });

  it("holds every value and NULL of the BINARY2 result, read by DuckDB", async () => {
    const pq = await sync(url, { LANG: "ADQL", QUERY, RESPONSEFORMAT: "parquet" });
    const b2 = await sync(url, { LANG: "ADQL", QUERY, RESPONSEFORMAT: "votable/b2" });
    expect(pq.status).to.equal(200);
    const want = await readBinary2(b2.body);
    const got = await readWithDuckDb(pq.body, dir);
    expect(got.names).to.deep.equal(want.names);
    expect(got.rows.length).to.equal(3000);
    expect(want.rows.length).to.equal(3000);
    const nulls = new Array<number>(want.names.length).fill(0);
    for (let i = 0; i < want.rows.length; i++) {
      for (let j = 0; j < want.names.length; j++) {
        const a = norm(got.rows[i]![j]);
        const b = norm(want.rows[i]![j]);
        if (b === null) nulls[j]!++;
        if (typeof b === "number" && Number.isNaN(b)) expect(Number.isNaN(a), `row ${i} ${want.names[j]}`).to.equal(true);
        else expect(a, `row ${i} ${want.names[j]}`).to.deep.equal(b);
      }
    }
    // The comparison saw NULLs where the demo has them: designation, g_mag, r_mag, parallax.
    for (const name of ["designation", "g_mag", "r_mag", "parallax"]) expect(nulls[want.names.indexOf(name)], name).to.be.greaterThan(0);
  });

  it("embeds the VOTable header: FIELDs with units, UCDs and descriptions, the query's INFOs, no DATA", async () => {
    const pq = await sync(url, { LANG: "ADQL", QUERY, RESPONSEFORMAT: "parquet", RUNID: "vop-1" });
    const b2 = await sync(url, { LANG: "ADQL", QUERY, RESPONSEFORMAT: "votable/b2" });
    const { kv } = await readWithDuckDb(pq.body, dir);
    expect(kv.get(VOPARQUET_VERSION_KEY)).to.equal("1.0");
    const xml = kv.get(VOPARQUET_CONTENT_KEY)!;
    expect(xml).to.match(/^<\?xml/);
    expect(xml).to.not.contain("<DATA");
    const header = await readVOTable(Buffer.from(xml));
    const rowsInHeader = await header.toArray();
    expect(rowsInHeader).to.deep.equal([]);
    const b2r = await readVOTable(b2.body);
    await b2r.toArray();
    const strip = (fs: typeof header.fields) => fs.map((f) => ({ name: f.name, datatype: f.datatype, unit: f.unit, ucd: f.ucd, xtype: f.xtype, description: f.description }));
    expect(strip(header.fields)).to.deep.equal(strip(b2r.fields));
    const infos = new Map(header.infos.map((i) => [i.name, i.value]));
    expect(infos.get("QUERY_STATUS")).to.equal("OK");
    expect(infos.get("QUERY")).to.equal(QUERY);
    expect(infos.get("RUNID")).to.equal("vop-1");

    // astropy 5.2 predates VOParquet: it parses the XML taken from the metadata.
    const file = join(dir, "header.xml");
    writeFileSync(file, xml);
    const py = spawnSync(
      "/usr/bin/python3",
      [
        "-c",
        [
          "import json, sys",
          "from astropy.io.votable import parse",
          "v = parse(sys.argv[1], verify='exception')",
          "r = v.resources[0]",
          "t = r.tables[0]",
          "print(json.dumps({'fields': [[f.name, f.datatype, str(f.unit) if f.unit is not None else None, f.ucd] for f in t.fields],",
          "  'infos': {i.name: i.value for i in r.infos}, 'rows': len(t.array)}))",
        ].join("\n"),
        file,
      ],
      { encoding: "utf8" },
    );
    expect(py.status, py.stderr).to.equal(0);
    const out = JSON.parse(py.stdout) as { fields: [string, string, string | null, string | null][]; infos: Record<string, string>; rows: number };
    expect(out.rows).to.equal(0);
    expect(out.fields.map((f) => f[0])).to.deep.equal(b2r.fields.map((f) => f.name));
    expect(out.fields.map((f) => f[1])).to.deep.equal(b2r.fields.map((f) => f.datatype));
    expect(out.fields.map((f) => f[3])).to.deep.equal(b2r.fields.map((f) => f.ucd ?? null));
    expect(out.fields[1]![2]).to.equal("deg");
    expect(out.infos.QUERY_STATUS).to.equal("OK");
  });

  it("MAXREC cuts the rows and the embedded VOTable says OVERFLOW after the TABLE (DALI 1.2 §5.4.1)", async () => {
    const pq = await sync(url, { LANG: "ADQL", QUERY: "SELECT star_id, g_mag FROM demo.stars", RESPONSEFORMAT: "parquet", MAXREC: "7" });
    const { rows, kv } = await readWithDuckDb(pq.body, dir);
    expect(rows.length).to.equal(7);
    const xml = kv.get(VOPARQUET_CONTENT_KEY)!;
    expect(xml).to.match(/<\/TABLE>\n<INFO name="QUERY_STATUS" value="OVERFLOW"\/>/);
    const header = await readVOTable(Buffer.from(xml));
    await header.toArray();
    expect(header.infos.filter((i) => i.name === "QUERY_STATUS").map((i) => i.value)).to.deep.equal(["OK", "OVERFLOW"]);
  });

  it("an async job writes the same Parquet file as /sync", async () => {
    const body = new URLSearchParams({ LANG: "ADQL", QUERY, RESPONSEFORMAT: "parquet", PHASE: "RUN" });
    const created = await fetch(`${url}/async`, { method: "POST", body, redirect: "manual" });
    const job = created.headers.get("location")!;
    // UWS 1.1 §2.2.3.3 WAIT: blocks until the phase leaves QUEUED or EXECUTING (or the wait ends).
    let phase = "";
    for (let i = 0; i < 20 && phase !== "COMPLETED" && phase !== "ERROR"; i++) {
      const xml = await (await fetch(`${job}?WAIT=10`)).text();
      phase = /<uws:phase>([A-Z]+)<\/uws:phase>/.exec(xml)?.[1] ?? "";
    }
    expect(phase).to.equal("COMPLETED");
    const res = await fetch(`${job}/results/result`);
    expect(res.headers.get("content-type")).to.match(/^application\/vnd\.apache\.parquet/);
    const asyncRows = await readWithDuckDb(Buffer.from(await res.arrayBuffer()), dir);
    const syncRows = await readWithDuckDb((await sync(url, { LANG: "ADQL", QUERY, RESPONSEFORMAT: "parquet" })).body, dir);
    expect(asyncRows.rows.map((r) => r.map(norm))).to.deep.equal(syncRows.rows.map((r) => r.map(norm)));
  });
});
