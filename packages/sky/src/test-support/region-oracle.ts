/**
 * A brute-force oracle for the region operations, written from the definitions (DALI §3.7–3.10, ADQL 2.1
 * §4.2) and sharing no code with region-ops.ts or regions.ts: each region is a signed-distance function on
 * the sphere, and questions are answered by sampling.
 *
 * sd(x) ≥ 0 exactly when x is in the region, and |sd| is a lower bound of the angular distance (radians) from x
 * to the region's boundary; sd changes by at most the angle moved (it is 1-Lipschitz). So a grid whose every
 * point of a cap is within h of a sample decides:
 *   - A ∩ B ≠ ∅ if a sample is in both;          - A ∩ B = ∅ if every sample is out of A or of B by more than h;
 *   - A ⊄ B if a sample is in A and out of B;      - A ⊆ B if every sample with sd_A ≥ −h has sd_B ≥ h;
 * and anything else is "unclear" (left to the analytic cases).
 */

export interface V {
  x: number;
  y: number;
  z: number;
}

const D2R = Math.PI / 180;

export function vec(lonDeg: number, latDeg: number): V {
  const lo = lonDeg * D2R;
  const la = latDeg * D2R;
  return { x: Math.cos(la) * Math.cos(lo), y: Math.cos(la) * Math.sin(lo), z: Math.sin(la) };
}
function dt(a: V, b: V): number {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
function cr(a: V, b: V): V {
  return { x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x };
}
function unit(a: V): V {
  const l = Math.hypot(a.x, a.y, a.z);
  return { x: a.x / l, y: a.y / l, z: a.z / l };
}
/** Angle between unit vectors, radians. */
export function sep(a: V, b: V): number {
  const c = cr(a, b);
  return Math.atan2(Math.sqrt(c.x * c.x + c.y * c.y + c.z * c.z), dt(a, b));
}
function latOf(v: V): number {
  return Math.atan2(v.z, Math.hypot(v.x, v.y));
}
function lonOf(v: V): number {
  const l = Math.atan2(v.y, v.x) / D2R;
  return l < 0 ? l + 360 : l;
}

export type Spec =
  | { kind: "point"; lon: number; lat: number }
  | { kind: "circle"; lon: number; lat: number; r: number }
  | { kind: "polygon"; v: [number, number][] }
  | { kind: "range"; lon1: number; lon2: number; lat1: number; lat2: number };

export interface Oracle {
  sd(x: V): number;
  /** A cap (centre, radius rad) holding the region, for sampling. */
  center: V;
  radius: number;
  /** Boundary samples at most `step` rad apart. */
  boundary(step: number): V[];
  perimeter: number;
}

export function oracleOf(s: Spec): Oracle {
  switch (s.kind) {
    case "point": {
      const p = vec(s.lon, s.lat);
      return { sd: (x) => -sep(x, p), center: p, radius: 0, boundary: () => [p], perimeter: 0 };
    }
    case "circle": {
      const c = vec(s.lon, s.lat);
      const r = s.r * D2R;
      return {
        sd: (x) => r - sep(x, c),
        center: c,
        radius: r,
        perimeter: 2 * Math.PI * Math.sin(r),
        boundary: (step) => ringAround(c, r, step),
      };
    }
    case "polygon": {
      const vs = s.v.map(([a, b]) => vec(a, b));
      const n = vs.length;
      let ns = vs.map((a, i) => unit(cr(a, vs[(i + 1) % n]!)));
      const mean = unit(vs.reduce((acc, v) => ({ x: acc.x + v.x, y: acc.y + v.y, z: acc.z + v.z }), { x: 0, y: 0, z: 0 }));
      if (ns.reduce((acc, e) => acc + dt(e, mean), 0) < 0) ns = ns.map((e) => ({ x: -e.x, y: -e.y, z: -e.z }));
      const radius = Math.max(...vs.map((v) => sep(v, mean)));
      return {
        sd: (x) => {
          let m = Infinity;
          for (const e of ns) m = Math.min(m, dt(e, x));
          return Math.asin(Math.max(-1, Math.min(1, m)));
        },
        center: mean,
        radius,
        perimeter: vs.reduce((acc, v, i) => acc + sep(v, vs[(i + 1) % n]!), 0),
        boundary: (step) => {
          const out: V[] = [];
          vs.forEach((a, i) => {
            const b = vs[(i + 1) % n]!;
            const th = sep(a, b);
            const k = Math.max(1, Math.ceil(th / step));
            for (let j = 0; j <= k; j++) {
              const t = j / k;
              const wa = Math.sin((1 - t) * th) / Math.sin(th);
              const wb = Math.sin(t * th) / Math.sin(th);
              out.push(unit({ x: wa * a.x + wb * b.x, y: wa * a.y + wb * b.y, z: wa * a.z + wb * b.z }));
            }
          });
          return out;
        },
      };
    }
    case "range": {
      const full = s.lon2 - s.lon1 >= 360;
      const l0 = ((s.lon1 % 360) + 360) % 360;
      const w = full ? 360 : (((s.lon2 - s.lon1) % 360) + 360) % 360;
      const la1 = s.lat1 * D2R;
      const la2 = s.lat2 * D2R;
      // Normals of the two meridian planes (full great circles: a lower bound of the distance to the sides).
      const nw = { x: -Math.sin(l0 * D2R), y: Math.cos(l0 * D2R), z: 0 };
      const ne = { x: -Math.sin((l0 + w) * D2R), y: Math.cos((l0 + w) * D2R), z: 0 };
      const inLon = (x: V): boolean => {
        if (full || Math.abs(x.z) === 1) return true;
        const d = (((lonOf(x) - l0) % 360) + 360) % 360;
        return d <= w;
      };
      // Inside: the smaller of the distances to the band's parallels and to the sides' great circles. Outside:
      // minus the larger of the gap to the band and (outside the longitudes) the distance to those great
      // circles, which any path into the wedge must cross. Both are continuous across the edge.
      const sd = (x: V): number => {
        const lat = latOf(x);
        const band = Math.min(lat - la1, la2 - lat);
        const side = full ? Infinity : Math.min(toHalfMeridian(nw, l0, x), toHalfMeridian(ne, l0 + w, x));
        const inL = inLon(x);
        if (band >= 0 && inL) return Math.min(band, side);
        return -Math.max(Math.max(0, -band), inL ? 0 : side);
      };
      // Bounding cap for sampling: the smaller of the polar caps and, up to 180° of width, the cap about the
      // middle through the farthest corner (along a meridian less than 90° from the middle the distance from
      // the middle has no interior maximum, nor along a parallel).
      const capN = Math.PI / 2 - la1;
      const capS = Math.PI / 2 + la2;
      let center = capN <= capS ? { x: 0, y: 0, z: 1 } : { x: 0, y: 0, z: -1 };
      let radius = Math.min(capN, capS);
      if (!full && w <= 180) {
        const mid = vec(l0 + w / 2, (s.lat1 + s.lat2) / 2);
        const far = Math.max(...[l0, l0 + w].flatMap((lo) => [s.lat1, s.lat2].map((la) => sep(mid, vec(lo, la)))));
        if (far < radius) {
          center = mid;
          radius = far;
        }
      }
      const perimeter = (w * D2R) * (Math.cos(la1) + Math.cos(la2)) + (full ? 0 : 2 * (la2 - la1));
      return {
        sd,
        center,
        radius,
        perimeter,
        boundary: (step) => {
          const out: V[] = [];
          for (const la of [s.lat1, s.lat2]) {
            const k = Math.max(1, Math.ceil((w * D2R * Math.cos(la * D2R)) / step));
            for (let j = 0; j <= k; j++) out.push(vec(l0 + (w * j) / k, la));
          }
          if (!full) {
            const k = Math.max(1, Math.ceil((la2 - la1) / step));
            for (const lo of [l0, l0 + w]) for (let j = 0; j <= k; j++) out.push(vec(lo, s.lat1 + ((s.lat2 - s.lat1) * j) / k));
          }
          return out;
        },
      };
    }
  }
}

/**
 * The distance from x to the half great circle of longitude lon (pole to pole), whose plane has normal n: to
 * the plane while x's longitude is within 90° of lon, otherwise to the nearer pole.
 */
function toHalfMeridian(n: V, lonDeg: number, x: V): number {
  const m = vec(lonDeg, 0);
  if (dt(m, x) >= 0) return Math.abs(Math.asin(Math.max(-1, Math.min(1, dt(n, x)))));
  return Math.PI / 2 - Math.abs(latOf(x));
}

function basis(c: V): [V, V] {
  const axis = Math.abs(c.z) < 0.9 ? { x: 0, y: 0, z: 1 } : { x: 1, y: 0, z: 0 };
  const u = unit(cr(axis, c));
  return [u, cr(c, u)];
}

function at(c: V, u: V, w: V, rho: number, az: number): V {
  const s = Math.sin(rho);
  const k = Math.cos(rho);
  return unit({
    x: k * c.x + s * (Math.cos(az) * u.x + Math.sin(az) * w.x),
    y: k * c.y + s * (Math.cos(az) * u.y + Math.sin(az) * w.y),
    z: k * c.z + s * (Math.cos(az) * u.z + Math.sin(az) * w.z),
  });
}

function ringAround(c: V, r: number, step: number): V[] {
  const [u, w] = basis(c);
  const k = Math.max(8, Math.ceil((2 * Math.PI * Math.sin(r)) / step));
  return Array.from({ length: k }, (_, j) => at(c, u, w, r, (2 * Math.PI * j) / k));
}

/** Sample points with cell areas (sr) covering the cap (c, R): every point of it is within h of a sample. */
export function capGrid(c: V, R: number, h: number): { x: V; area: number }[] {
  const [u, w] = basis(c);
  const out: { x: V; area: number }[] = [{ x: c, area: 2 * Math.PI * (1 - Math.cos(Math.min(h / 2, R))) }];
  const rings = Math.ceil(R / h);
  for (let k = 1; k <= rings; k++) {
    const rho = k * h;
    if (rho - h / 2 >= Math.PI) break;
    const lo = rho - h / 2;
    const hi = Math.min(Math.PI, rho + h / 2);
    const m = Math.max(6, Math.ceil((2 * Math.PI * Math.sin(Math.min(rho, Math.PI))) / h));
    const cell = (2 * Math.PI * (Math.cos(lo) - Math.cos(hi))) / m;
    for (let j = 0; j < m; j++) out.push({ x: at(c, u, w, Math.min(rho, Math.PI), (2 * Math.PI * (j + 0.5 * (k % 2))) / m), area: cell });
  }
  return out;
}

export type Verdict = boolean | "unclear";

/** Sampling density: this many rings across the sampled cap. */
const RINGS = 50;

export function oracleIntersects(a: Oracle, b: Oracle): Verdict {
  // Caps of radius below 90° are convex, and these hold their regions: apart caps settle it.
  if (sep(a.center, b.center) > a.radius + b.radius + 1e-9) return false;
  const small = a.radius <= b.radius ? a : b;
  const h = Math.max(small.radius / RINGS, 1e-10);
  // Boundary samples only add witnesses (the grid alone is the proof), so they need not be as dense.
  const pts = [
    ...capGrid(small.center, small.radius + h, h).map((g) => g.x),
    ...a.boundary(Math.max(h, a.radius / 500)),
    ...b.boundary(Math.max(h, b.radius / 500)),
  ];
  let allApart = true;
  for (const x of pts) {
    const sa = a.sd(x);
    const sb = b.sd(x);
    // In both (a point region's own sample has sd exactly 0).
    if (Math.min(sa, sb) >= 0 && Math.max(sa, sb) >= 1e-9) return true;
    if (!(sa < -h * 1.01 || sb < -h * 1.01)) allApart = false;
  }
  // The samples of the grid cover the smaller cap, which holds A ∩ B.
  return allApart ? false : "unclear";
}

export function oracleWithin(a: Oracle, b: Oracle): Verdict {
  const h = Math.max(a.radius / RINGS, 1e-10);
  const grid = capGrid(a.center, a.radius + h, h).map((g) => g.x);
  let clearlyIn = true;
  for (const x of [...grid, ...a.boundary(h)]) {
    const sa = a.sd(x);
    const sb = b.sd(x);
    if (sa >= 0 && sb <= -1e-9) return false;
    if (sa >= -h * 1.01 && !(sb >= h * 1.01)) clearlyIn = false;
  }
  return clearlyIn ? true : "unclear";
}

/** Area (sr) and the integral of the position vector, by the midpoint rule on a grid of spacing h. */
export function oracleMoments(a: Oracle, h: number): { area: number; moment: V } {
  let area = 0;
  const m = { x: 0, y: 0, z: 0 };
  for (const g of capGrid(a.center, a.radius + h, h)) {
    if (a.sd(g.x) >= 0) {
      area += g.area;
      m.x += g.area * g.x.x;
      m.y += g.area * g.x.y;
      m.z += g.area * g.x.z;
    }
  }
  return { area, moment: m };
}
