import { expect } from "chai";
import { demoService } from "./test-support/service.js";

const PATHS = ["/capabilities", "/tables", "/tables?detail=min", "/tables/demo.stars", "/examples"];

/** RFC 9110 §13.1.2 (If-None-Match), §13.1.3 (If-Modified-Since), §13.2.2 (precedence), §15.4.5 (304). */
describe("ETag, Last-Modified and 304 (RFC 9110 §13; issue 15, Operations: caching)", () => {
  for (const path of PATHS) {
    it(`${path}: a strong ETag and Last-Modified, and 304 or 200 by the conditions`, async () => {
      const { url } = await demoService();
      const first = await fetch(`${url}${path}`, { headers: { "Accept-Encoding": "identity" } });
      const body = await first.text();
      expect(first.status).to.equal(200);
      const etag = first.headers.get("etag")!;
      const lastModified = first.headers.get("last-modified")!;
      expect(etag).to.match(/^"[A-Za-z0-9_-]+"$/);
      expect(Date.parse(lastModified)).to.be.at.most(Date.now());
      const later = new Date(Date.parse(lastModified) + 1000).toUTCString();
      const earlier = new Date(Date.parse(lastModified) - 1000).toUTCString();
      const cases: { headers: Record<string, string>; status: number; why: string }[] = [
        { headers: { "If-None-Match": etag }, status: 304, why: "the same tag" },
        { headers: { "If-None-Match": `W/${etag}` }, status: 304, why: "weak comparison (§13.1.2)" },
        { headers: { "If-None-Match": `"other", ${etag}` }, status: 304, why: "a list" },
        { headers: { "If-None-Match": "*" }, status: 304, why: "*" },
        { headers: { "If-None-Match": `${etag.slice(0, -1)}-gzip"` }, status: 304, why: "the tag of the gzip encoding" },
        { headers: { "If-None-Match": '"other"' }, status: 200, why: "another tag" },
        { headers: { "If-Modified-Since": lastModified }, status: 304, why: "not modified since" },
        { headers: { "If-Modified-Since": later }, status: 304, why: "a later date" },
        { headers: { "If-Modified-Since": earlier }, status: 200, why: "an earlier date" },
        { headers: { "If-Modified-Since": "yesterday" }, status: 200, why: "not a date: ignored" },
        { headers: { "If-None-Match": '"other"', "If-Modified-Since": later }, status: 200, why: "If-None-Match wins (§13.2.2)" },
      ];
      for (const c of cases) {
        const r = await fetch(`${url}${path}`, { headers: { "Accept-Encoding": "identity", ...c.headers } });
        const text = await r.text();
        expect(r.status, c.why).to.equal(c.status);
        expect(r.headers.get("etag"), c.why).to.equal(etag);
        expect(r.headers.get("last-modified"), c.why).to.equal(lastModified);
        expect(text, c.why).to.equal(c.status === 304 ? "" : body);
      }
    });
  }

  it("the tag changes with the document: /tables?detail=min and max differ", async () => {
    const { url } = await demoService();
    const tag = async (p: string) => (await fetch(`${url}${p}`)).headers.get("etag");
    expect(await tag("/tables?detail=min")).not.to.equal(await tag("/tables?detail=max"));
  });
});
