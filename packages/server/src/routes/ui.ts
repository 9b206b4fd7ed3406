/**
 * The query page at /tap/: static files from the package's static/ directory, read once at start.
 * Only the files of UI_FILES are served, each at its fixed path: no part of a request's URL ever
 * becomes a file name, so no request can reach another file.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import Router from "@koa/router";
import type { ServiceDeps } from "../service.js";

/** The static/ directory, the same relative to src/routes/ (tsx) and to dist/routes/ (built). */
export const STATIC_DIR = new URL("../../static/", import.meta.url);

/** Path under /tap → file in static/ and its content type. */
export const UI_FILES: readonly { path: string; file: string; type: string }[] = [
  { path: "/", file: "index.html", type: "text/html; charset=utf-8" },
  { path: "/ui/query.css", file: "query.css", type: "text/css; charset=utf-8" },
  { path: "/ui/query.js", file: "query.js", type: "text/javascript; charset=utf-8" },
  { path: "/ui/parse.js", file: "parse.js", type: "text/javascript; charset=utf-8" },
  { path: "/ui/sky.js", file: "sky.js", type: "text/javascript; charset=utf-8" },
  { path: "/ui/icon.svg", file: "icon.svg", type: "image/svg+xml" },
];

/**
 * Scripts, styles and requests from the service's own origin only: no inline script or style, no
 * other site, and the page may not be framed (a framed query page could be clicked on unseen).
 */
export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function uiRouter(deps: ServiceDeps): Router {
  const router = new Router();
  // The page's URLs are relative, so it must be at .../tap/ and not .../tap. The redirect names
  // the last segment of the public base URL, which is right however a proxy maps the path.
  const last = new URL(deps.config.baseUrl).pathname.split("/").pop() ?? "";
  const slashed = last === "" ? `${deps.config.baseUrl}/` : `${last}/`;
  for (const f of UI_FILES) {
    const body = readFileSync(new URL(f.file, STATIC_DIR));
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
    router.get(f.path, (ctx) => {
      if (f.path === "/" && !ctx.path.endsWith("/")) {
        ctx.status = 301;
        ctx.set("Location", slashed);
        return;
      }
      ctx.set("Content-Security-Policy", UI_CSP);
      ctx.set("X-Content-Type-Options", "nosniff");
      ctx.set("Referrer-Policy", "same-origin");
      // Revalidated on each use, so that an upgraded service is seen at once; 304 when unchanged.
      ctx.set("Cache-Control", "no-cache");
      ctx.etag = etag;
      ctx.type = f.type;
      ctx.status = 200;
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.body = body;
    });
  }
  return router;
}
