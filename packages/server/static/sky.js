/* global document */
/**
 * A sky plot of result rows as an SVG scatter, with east (RA increasing) to the left and north up,
 * as the sky is seen from the ground. A field is drawn in the zenithal equidistant projection
 * about its centre, so that a field at a pole or across RA 0 keeps its shape; rows spread over
 * more than a hemisphere are drawn on the whole sky, 360° × 180°.
 */

const SVG = "http://www.w3.org/2000/svg";
const W = 340;
const H = 300;
const M = { left: 56, right: 12, top: 12, bottom: 34 };
const IW = W - M.left - M.right;
const IH = H - M.top - M.bottom;
const RAD = Math.PI / 180;

/** @param {string} name @param {Record<string, string | number>} attrs @param {string} [text] */
function svg(name, attrs = {}, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A round step (1, 2 or 5 × 10^n, or 15°, 30°, 45°, 90° for large spans) for about `n` ticks over `span`. */
function step(span, n) {
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const steps = raw > 10 ? [15, 30, 45, 90] : [1, 2, 5, 10].map((m) => m * p);
  // The nearest on a log scale, so that a span a little over 5 steps does not get 2 or 3.
  return steps.reduce((best, s) => (Math.abs(Math.log(s / raw)) < Math.abs(Math.log(best / raw)) ? s : best));
}

/** The multiples of `by` in [lo, hi]. */
function ticks(lo, hi, by) {
  const out = [];
  for (let t = Math.ceil(lo / by) * by; t <= hi + 1e-9; t += by) out.push(Number(t.toFixed(10)));
  return out;
}

/** Degrees as a label: at most 4 decimals, no trailing zeros. */
const deg = (d) => `${Number(d.toFixed(4))}°`;

/** Unit vector of (ra, dec) in degrees. */
function vec(ra, dec) {
  return [Math.cos(dec * RAD) * Math.cos(ra * RAD), Math.cos(dec * RAD) * Math.sin(ra * RAD), Math.sin(dec * RAD)];
}

/**
 * The zenithal equidistant projection about (ra0, dec0): a point's offsets in degrees, x east and
 * y north of the centre, at its true angular distance from the centre.
 */
function arcProjection(ra0, dec0) {
  const s0 = Math.sin(dec0 * RAD);
  const c0 = Math.cos(dec0 * RAD);
  return (ra, dec) => {
    const da = (ra - ra0) * RAD;
    const s = Math.sin(dec * RAD);
    const c = Math.cos(dec * RAD);
    const rho = Math.acos(Math.max(-1, Math.min(1, s0 * s + c0 * c * Math.cos(da)))) / RAD;
    const pa = Math.atan2(Math.sin(da) * c, c0 * s - s0 * c * Math.cos(da));
    return [rho * Math.sin(pa), rho * Math.cos(pa)];
  };
}

/**
 * @param {{ra: number, dec: number}[]} points
 * @returns {SVGSVGElement | undefined} undefined when no row has a position
 */
export function skyPlot(points) {
  const pts = points
    .filter((p) => Number.isFinite(p.ra) && Number.isFinite(p.dec) && Math.abs(p.dec) <= 90)
    .map((p) => ({ ra: ((p.ra % 360) + 360) % 360, dec: p.dec }));
  if (pts.length === 0) return undefined;
  // The centre: the direction of the mean unit vector; the field: its largest distance from it.
  const sum = pts.map((p) => vec(p.ra, p.dec)).reduce((a, v) => [a[0] + v[0], a[1] + v[1], a[2] + v[2]], [0, 0, 0]);
  const len = Math.hypot(...sum);
  const ra0 = len > 1e-9 ? ((Math.atan2(sum[1], sum[0]) / RAD) % 360 + 360) % 360 : 0;
  const dec0 = len > 1e-9 ? Math.asin(Math.max(-1, Math.min(1, sum[2] / len))) / RAD : 0;
  const arc = arcProjection(ra0, dec0);
  const radius = len > 1e-9 ? Math.max(...pts.map((p) => Math.hypot(...arc(p.ra, p.dec)))) : 180;
  const whole = radius > 80;

  /** Sky → plot coordinates. */
  let project;
  /** Degrees per pixel at the centre (projected fields only). */
  let perPixel = 0;
  if (whole) {
    project = (ra, dec) => [M.left + ((360 - ra) / 360) * IW, M.top + ((90 - dec) / 180) * IH];
  } else {
    const xy = pts.map((p) => arc(p.ra, p.dec));
    const half = Math.max(1 / 120, ...xy.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y)))) * 1.12;
    const scale = Math.min(IW, IH) / (2 * half);
    perPixel = 1 / scale;
    const cx = M.left + IW / 2;
    const cy = M.top + IH / 2;
    project = (ra, dec) => {
      const [x, y] = arc(ra, dec);
      return [cx - x * scale, cy - y * scale];
    };
  }

  const root = /** @type {SVGSVGElement} */ (svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", class: "skyplot" }));
  root.append(svg("title", {}, `Sky positions of ${pts.length} row${pts.length === 1 ? "" : "s"}; RA increases to the left`));
  const clip = svg("clipPath", { id: "sky-frame" });
  clip.append(svg("rect", { x: M.left, y: M.top, width: IW, height: IH }));
  root.append(clip, svg("rect", { x: M.left, y: M.top, width: IW, height: IH, class: "frame" }));
  const grid = svg("g", { class: "graticule", "clip-path": "url(#sky-frame)" });
  const labels = svg("g", { class: "axes" });
  root.append(grid, labels);

  // The graticule: meridians and parallels drawn through the projection, labelled where they
  // leave the frame at the bottom (RA) and at the left (Dec).
  let raTicks;
  let decTicks;
  if (whole) {
    raTicks = [0, 60, 120, 180, 240, 300, 360];
    decTicks = [-90, -60, -30, 0, 30, 60, 90];
  } else {
    // Steps for about 5 lines across the frame; lines over all that the frame's corners reach.
    const reach = (Math.hypot(IW, IH) / 2) * perPixel;
    const decLo = Math.max(-90, dec0 - reach);
    const decHi = Math.min(90, dec0 + reach);
    decTicks = ticks(decLo, decHi, step(IH * perPixel, 5)).filter((d) => Math.abs(d) < 90);
    if (decHi >= 90 || decLo <= -90) {
      raTicks = ticks(0, 345, 45);
    } else {
      const cosMin = Math.max(0.02, Math.cos(Math.max(Math.abs(decLo), Math.abs(decHi)) * RAD));
      const raStep = step((IW * perPixel) / Math.max(0.02, Math.cos(dec0 * RAD)), 5);
      const wide = reach / cosMin;
      raTicks = wide >= 180 ? ticks(0, 360 - raStep / 2, raStep) : ticks(ra0 - wide, ra0 + wide, raStep);
    }
  }
  const line = (/** @type {[number, number][]} */ sky) => sky.map(([ra, dec]) => project(ra, dec));
  const path = (/** @type {number[][]} */ xy) => xy.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`).join("");
  const inside = (x, y) => x >= M.left - 0.5 && x <= M.left + IW + 0.5 && y >= M.top - 0.5 && y <= M.top + IH + 0.5;
  const bottom = M.top + IH;
  const used = [];
  /** Whether a label fits at (x, y) without covering another; if so, the place is taken. */
  const room = (x, y) => {
    if (!used.every(([ux, uy]) => Math.abs(ux - x) > 30 || Math.abs(uy - y) > 11)) return false;
    used.push([x, y]);
    return true;
  };
  for (const t of raTicks) {
    const sky = Array.from({ length: 121 }, (_, i) => [t, -90 + (180 * i) / 120]);
    const xy = line(/** @type {[number, number][]} */ (sky));
    grid.append(svg("path", { d: path(xy), class: "gridline" }));
    // Where the meridian crosses the bottom edge.
    for (let i = 1; i < xy.length; i++) {
      const [x1, y1] = xy[i - 1];
      const [x2, y2] = xy[i];
      if ((y1 - bottom) * (y2 - bottom) > 0 || y1 === y2 || Math.abs(x2 - x1) > IW / 2) continue;
      const x = x1 + ((bottom - y1) / (y2 - y1)) * (x2 - x1);
      if (x >= M.left && x <= M.left + IW && room(x, bottom)) labels.append(svg("text", { x, y: bottom + 14, "text-anchor": "middle" }, deg(((t % 360) + 360) % 360)));
      break;
    }
  }
  for (const t of decTicks) {
    const sky = Array.from({ length: 241 }, (_, i) => [(360 * i) / 240, t]);
    const xy = line(/** @type {[number, number][]} */ (sky));
    // A parallel that crosses RA 0 in the whole-sky plot is drawn as one straight line.
    grid.append(svg("path", { d: whole ? path([xy[0], xy.at(-1)]) : path(xy), class: "gridline" }));
    let at;
    for (let i = 1; i < xy.length && !at; i++) {
      const [x1, y1] = xy[i - 1];
      const [x2, y2] = xy[i];
      if ((x1 - M.left) * (x2 - M.left) > 0 || x1 === x2) continue;
      const y = y1 + ((M.left - x1) / (x2 - x1)) * (y2 - y1);
      if (y >= M.top && y <= bottom) at = [M.left, y];
    }
    // A parallel that stays inside the frame (around a pole) is labelled at its leftmost point.
    if (!at) at = xy.filter(([x, y]) => inside(x, y)).sort((a, b) => a[0] - b[0])[0];
    if (at && room(at[0] - 5, at[1])) labels.append(svg("text", { x: at[0] - 5, y: at[1] + 4, "text-anchor": "end" }, deg(t)));
  }
  labels.append(svg("text", { x: M.left + IW / 2, y: H - 4, "text-anchor": "middle", class: "axis-title" }, "RA ←"));
  labels.append(svg("text", { x: 10, y: M.top + IH / 2, "text-anchor": "middle", class: "axis-title", transform: `rotate(-90 10 ${M.top + IH / 2})` }, "Dec"));

  const dots = svg("g", { class: "dots" });
  const r = pts.length > 2000 ? 1.2 : pts.length > 200 ? 2 : 3;
  for (const p of pts) {
    const [x, y] = project(p.ra, p.dec);
    const c = svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r });
    c.append(svg("title", {}, `RA ${p.ra}, Dec ${p.dec}`));
    dots.append(c);
  }
  root.append(dots);
  return root;
}
