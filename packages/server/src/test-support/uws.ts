/** UWS 1.1 over HTTP, for the async tests and benchmark: create a job, read its document, wait for a phase. */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The text of a uws: element of a job document. */
export const tag = (xml: string, name: string): string | undefined => new RegExp(`<uws:${name}>([^<]*)</uws:${name}>`).exec(xml)?.[1];

/** A POST that does not follow the 303 (UWS answers a creation or a change with one). */
export async function post(url: string, params: Record<string, string> | FormData): Promise<Response> {
  const body = params instanceof FormData ? params : new URLSearchParams(params);
  return fetch(url, { method: "POST", body, redirect: "manual" });
}

/** A one-column VOTable of longs named id, for uploads. */
export function idsVOTable(ids: readonly number[]): string {
  return (
    '<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE><TABLE>' +
    `<FIELD name="id" datatype="long"/><DATA><TABLEDATA>${ids.map((i) => `<TR><TD>${i}</TD></TR>`).join("")}</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>`
  );
}

/**
 * A multipart request with `vot` inline as the upload part t1, read as the table TAP_UPLOAD.mine (TAP 1.1 §4.2:
 * UPLOAD=mine,param:t1), with LANG=ADQL, RESPONSEFORMAT=csv, the query and any other parameters.
 */
export function uploadForm(vot: string, query: string, params: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries({ LANG: "ADQL", RESPONSEFORMAT: "csv", UPLOAD: "mine,param:t1", QUERY: query, ...params })) form.set(k, v);
  form.set("t1", new Blob([vot], { type: "application/x-votable+xml" }), "t1.xml");
  return form;
}

/** Creates a job; its URL. */
export async function createJob(base: string, params: Record<string, string>): Promise<string> {
  const res = await post(`${base}/async`, params);
  expect(res.status, await res.clone().text()).to.equal(303);
  return res.headers.get("location")!;
}

/** The job document once the job is in one of `phases`, or after `seconds` (blocking with WAIT). */
export async function waitFor(job: string, phases: string[], seconds = 10): Promise<string> {
  const end = Date.now() + seconds * 1000;
  let xml = await (await fetch(job)).text();
  while (!phases.includes(tag(xml, "phase")!) && Date.now() < end) {
    xml = await (await fetch(`${job}?WAIT=2&PHASE=${tag(xml, "phase")}`)).text();
  }
  return xml;
}

/** A fresh temporary directory for each test of the calling describe (its hooks), removed after the test. */
export function dirPerTest(prefix: string): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => dir!;
}

