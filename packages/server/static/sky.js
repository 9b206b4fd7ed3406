/* global document */
/**
 * A sky plot of result rows as an SVG scatter: RA increases to the left, as on the sky seen from
 * inside the sphere. A small field is drawn with RA scaled by cos(Dec) so that shapes keep their
 * proportions; a field wider than half the sky is drawn whole, 360° × 180°.
 */

const SVG = "http://www.w3.org/2000/svg";
const W = 340;
const H = 300;
const M = { left: 44, right: 14, top: 12, bottom: 34 };

/** @param {string} name @param {Record<string, string | number>} attrs */
function svg(name, attrs = {}, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * The RA interval that holds every point, starting after the widest empty gap, so that a field
 * across RA 0 (359°…1°) is drawn as one field and not as the whole sky.
 */
function raInterval(ras) {
  const s = [...ras].sort((a, b) => a - b);
  let gap = 360 - s.at(-1) + s[0];
  let start = s[0];
  for (let i = 1; i < s.length; i++) {
    if (s[i] - s[i - 1] > gap) {
      gap = s[i] - s[i - 1];
      start = s[i];
    }
  }
  return { start, span: 360 - gap };
}

/** Ticks at a round step, about `n` of them, over [lo, hi]. */
function ticks(lo, hi, n) {
  const raw = (hi - lo) / n;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Number(t.toFixed(10)));
  return out;
}

/**
 * @param {{ra: number, dec: number}[]} points
 * @returns {SVGSVGElement | undefined} undefined when no row has a position
 */
export function skyPlot(points) {
  const pts = points.filter((p) => Number.isFinite(p.ra) && Number.isFinite(p.dec));
  if (pts.length === 0) return undefined;
  const ras = pts.map((p) => ((p.ra % 360) + 360) % 360);
  let { start, span } = raInterval(ras);
  let decLo = Math.min(...pts.map((p) => p.dec));
  let decHi = Math.max(...pts.map((p) => p.dec));
  const whole = span > 180;
  if (whole) {
    start = 0;
    span = 360;
    decLo = -90;
    decHi = 90;
  }
  // Unwrapped RA: start ≤ ra < start + 360.
  const unwrap = (ra) => (ra < start ? ra + 360 : ra);
  const pad = Math.max(span, decHi - decLo, 1 / 60) * 0.06;
  let raLo = whole ? 0 : start - pad;
  let raHi = whole ? 360 : start + span + pad;
  if (!whole) {
    decLo = Math.max(-90, decLo - pad);
    decHi = Math.min(90, decHi + pad);
  }
  const cosDec = whole ? 1 : Math.max(0.05, Math.cos((((decLo + decHi) / 2) * Math.PI) / 180));
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  // One scale for both axes (degrees on the sky per pixel), centred in the plot area.
  let sx = iw / ((raHi - raLo) * cosDec);
  let sy = ih / (decHi - decLo);
  if (whole) {
    sx = iw / 360;
    sy = ih / 180;
  } else {
    const s = Math.min(sx, sy);
    const extraRa = (iw / s / cosDec - (raHi - raLo)) / 2;
    const extraDec = (ih / s - (decHi - decLo)) / 2;
    raLo -= extraRa;
    raHi += extraRa;
    decLo -= extraDec;
    decHi += extraDec;
    sx = s * cosDec;
    sy = s;
  }
  const x = (ra) => M.left + (raHi - ra) * sx;
  const y = (dec) => M.top + (decHi - dec) * sy;

  const root = /** @type {SVGSVGElement} */ (svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", class: "skyplot" }));
  root.append(svg("title", {}, `Sky positions of ${pts.length} row${pts.length === 1 ? "" : "s"}; RA increases to the left`));
  root.append(svg("rect", { x: M.left, y: M.top, width: iw, height: ih, class: "frame" }));
  const axes = svg("g", { class: "axes" });
  for (const t of whole ? [0, 60, 120, 180, 240, 300, 360] : ticks(raLo, raHi, 5)) {
    const label = ((t % 360) + 360) % 360;
    axes.append(svg("line", { x1: x(t), x2: x(t), y1: M.top, y2: M.top + ih, class: "gridline" }));
    axes.append(svg("text", { x: x(t), y: H - M.bottom + 14, "text-anchor": "middle" }, `${Number(label.toFixed(6))}°`));
  }
  for (const t of whole ? [-90, -60, -30, 0, 30, 60, 90] : ticks(decLo, decHi, 5)) {
    axes.append(svg("line", { x1: M.left, x2: M.left + iw, y1: y(t), y2: y(t), class: "gridline" }));
    axes.append(svg("text", { x: M.left - 5, y: y(t) + 4, "text-anchor": "end" }, `${Number(t.toFixed(6))}°`));
  }
  axes.append(svg("text", { x: M.left + iw / 2, y: H - 4, "text-anchor": "middle", class: "axis-title" }, "RA ←"));
  axes.append(svg("text", { x: 12, y: M.top + ih / 2, "text-anchor": "middle", class: "axis-title", transform: `rotate(-90 12 ${M.top + ih / 2})` }, "Dec"));
  root.append(axes);
  const dots = svg("g", { class: "dots" });
  const r = pts.length > 2000 ? 1.2 : pts.length > 200 ? 2 : 3;
  for (const p of pts) {
    const ra = ((p.ra % 360) + 360) % 360;
    const c = svg("circle", { cx: x(whole ? ra : unwrap(ra)).toFixed(1), cy: y(p.dec).toFixed(1), r });
    c.append(svg("title", {}, `RA ${p.ra}, Dec ${p.dec}`));
    dots.append(c);
  }
  root.append(dots);
  return root;
}
