/** DALI 1.1 §2.3 examples: an XHTML+RDFa document, one `example` per query. */
import Router from "@koa/router";
import type { ServiceDeps } from "../service.js";
import { cachedDocument, sendCached, startTime } from "../caching.js";
import { escapeAttr, escapeText } from "../xml.js";

export function examplesDocument(deps: ServiceDeps): string {
  const examples = deps.examples ?? [];
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML+RDFa 1.1//EN" "http://www.w3.org/MarkUp/DTD/xhtml-rdfa-2.dtd">\n` +
    `<html xmlns="http://www.w3.org/1999/xhtml" version="XHTML+RDFa 1.1">\n<head>\n<title>Example queries</title>\n</head>\n` +
    `<body vocab="http://www.ivoa.net/rdf/examples#">\n<h1>Example queries</h1>\n` +
    `<p>Each query below runs on this service: send it to <a href="${escapeAttr(deps.config.baseUrl)}/sync">${escapeText(deps.config.baseUrl)}/sync</a> with LANG=ADQL.</p>\n` +
    examples
      .map(
        (e) =>
          `<div typeof="example" id="${escapeAttr(e.id)}" resource="#${escapeAttr(e.id)}">\n` +
          `<h2 property="name">${escapeText(e.title)}</h2>\n<p>${escapeText(e.description)}</p>\n` +
          `<pre property="query">${escapeText(e.query)}</pre>\n</div>\n`,
      )
      .join("") +
    `</body>\n</html>\n`
  );
}

export function examplesRouter(deps: ServiceDeps): Router {
  const router = new Router();
  const doc = cachedDocument(examplesDocument(deps));
  const started = startTime();
  router.get("/examples", (ctx) => sendCached(ctx, doc, started, "application/xhtml+xml; charset=utf-8"));
  return router;
}
