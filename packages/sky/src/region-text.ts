/**
 * Regions as text: the DALI values of the xtypes point, circle, polygon and range (DALI §3.7–3.10;
 * section numbers of the DALI in ../shared/ivoa/specs), DALI's labelled shape ("circle 10 20 1", §3.12), and
 * the STC-S forms that archives (Rubin's ObsCore s_region) write: POSITION, CIRCLE, POLYGON and BOX with the
 * frame ICRS or none (TAP 1.0 §6, which ObsCore cites for s_region).
 */
import { SkyError } from "./errors.js";
import { circleAllowingZero, MAX_POLYGON_VERTICES, point, polygon, rangeBox, regionParams, type Region } from "./regions.js";
import { reduceAngle } from "./vector.js";

/** The DALI xtypes that hold a region; "shape" is the labelled form. */
export type RegionXtypeName = "point" | "circle" | "polygon" | "range" | "shape";

interface Token {
  readonly text: string;
  /** 1-based character position of the token's first character. */
  readonly pos: number;
}

function tokenize(value: string): Token[] {
  const out: Token[] = [];
  const re = /\S+/g;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) out.push({ text: m[0], pos: m.index + 1 });
  return out;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** SODA 1.0 §3.3 and DALI intervals write open bounds so; only a range's values may be infinite. */
const INFINITE = /^([+-]?)inf(?:inity)?$/i;

function bad(message: string): SkyError {
  return new SkyError("BAD_REGION", message);
}

/** What each kind of value holds, named for messages. */
const FIELDS: Record<"point" | "circle" | "range" | "box", readonly string[]> = {
  point: ["longitude", "latitude"],
  circle: ["centre longitude", "centre latitude", "radius"],
  range: ["longitude 1", "longitude 2", "latitude 1", "latitude 2"],
  box: ["centre longitude", "centre latitude", "width", "height"],
};

type Kind = "point" | "circle" | "polygon" | "range" | "box";

const LABELS: Record<string, Kind> = {
  point: "point",
  position: "point",
  circle: "circle",
  polygon: "polygon",
  range: "range",
  box: "box",
};

/**
 * Parses a region value of a DALI xtype. A value that starts with a letter is labelled, whatever the xtype:
 * a DALI shape (`circle 10 20 1`, `range 1 2 3 4`, `polygon ...`, and `point 10 20`) or STC-S (`CIRCLE ICRS
 * 10 20 1`, `POLYGON ICRS ...`, `POSITION ICRS 10 20`, `BOX ICRS clon clat width height`, which becomes the
 * range of centre ± half the width in longitude and ± half the height in latitude, clamped at the poles, as
 * the ADQL compiler reads ADQL's BOX). Keywords are case-insensitive; the frame is ICRS or absent. The
 * caller compares `kind` with the column's xtype if it must. A polygon may repeat its first vertex at the end
 * (DALI discourages it); that closing vertex is dropped.
 *
 * @throws SkyError BAD_REGION whose message names the problem and its 1-based character position.
 */
export function parseRegion(xtype: RegionXtypeName, value: string): Region {
  const toks = tokenize(value);
  const end = value.length + 1;
  if (toks.length === 0) throw bad(`${xtype}: empty value at character 1`);
  const first = toks[0]!;
  if (/^[A-Za-z]/.test(first.text)) {
    const label = first.text.toLowerCase();
    const kind = LABELS[label];
    if (kind === undefined) {
      throw bad(
        `unknown shape '${first.text}' at character ${first.pos}: expected circle, range, polygon or point (DALI), ` +
          "or POSITION, CIRCLE, POLYGON or BOX (STC-S)",
      );
    }
    let i = 1;
    const next = toks[1];
    if (next !== undefined && /^[A-Za-z]/.test(next.text) && !INFINITE.test(next.text)) {
      if (next.text.toUpperCase() !== "ICRS") {
        throw bad(`${first.text}: frame '${next.text}' at character ${next.pos} is not supported (only ICRS, or no frame)`);
      }
      i = 2;
    }
    return parseBody(first.text, kind, toks.slice(i), end);
  }
  if (xtype === "shape") {
    throw bad(`shape: expected a shape label (circle, range, polygon or point) at character ${first.pos}, got '${first.text}'`);
  }
  if (!(xtype in FIELDS) && xtype !== "polygon") throw bad(`unknown region xtype '${String(xtype)}'`);
  return parseBody(xtype, xtype, toks, end);
}

function parseBody(label: string, kind: Kind, toks: readonly Token[], end: number): Region {
  const nums: number[] = [];
  const fieldName = (i: number): string =>
    kind === "polygon" ? `${i % 2 === 0 ? "longitude" : "latitude"} of vertex ${(i >> 1) + 1}` : FIELDS[kind][i]!;
  // A polygon may repeat its first vertex at the end; past that, the vertex count is refused before any more
  // numbers are read (a hostile value can be long).
  const expected = kind === "polygon" ? Infinity : FIELDS[kind].length;
  if (kind === "polygon" && toks.length > 2 * (MAX_POLYGON_VERTICES + 1)) {
    const t = toks[2 * MAX_POLYGON_VERTICES]!;
    throw bad(`${label}: a polygon needs 3 to ${MAX_POLYGON_VERTICES} vertices, got ${Math.ceil(toks.length / 2)} (vertex ${MAX_POLYGON_VERTICES + 1} at character ${t.pos})`);
  }
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (i >= expected) {
      throw bad(`${label}: unexpected '${t.text}' at character ${t.pos}; a ${kind} value has ${expected} numbers`);
    }
    const inf = INFINITE.exec(t.text);
    if (inf && kind === "range") {
      nums.push(inf[1] === "-" ? -Infinity : Infinity);
      continue;
    }
    if (!NUMBER.test(t.text)) throw bad(`${label}: expected a number (${fieldName(i)}) at character ${t.pos}, got '${t.text}'`);
    const x = Number(t.text);
    if (!Number.isFinite(x)) throw bad(`${label}: ${fieldName(i)} ${t.text} at character ${t.pos} is not a finite number`);
    nums.push(x);
  }
  if (kind === "polygon") {
    if (nums.length % 2 === 1) throw bad(`${label}: expected a number (${fieldName(nums.length)}) at character ${end}, got the end of the value`);
  } else if (nums.length < expected) {
    throw bad(`${label}: expected a number (${fieldName(nums.length)}) at character ${end}, got the end of the value`);
  }
  // Latitudes, checked here so that the message can point at the number.
  const latIndices =
    kind === "polygon" ? nums.map((_, i) => i).filter((i) => i % 2 === 1) : kind === "range" ? [2, 3] : [1];
  for (const i of latIndices) {
    const v = nums[i]!;
    const infOk = kind === "range" && ((i === 2 && v === -Infinity) || (i === 3 && v === Infinity));
    if (!infOk && !(v >= -90 && v <= 90)) {
      throw bad(`${label}: ${fieldName(i)} ${toks[i]!.text} at character ${toks[i]!.pos} is not in [-90, 90]`);
    }
  }
  switch (kind) {
    case "point":
      return point(nums[0]!, nums[1]!);
    case "circle": {
      const r = nums[2]!;
      if (!(r >= 0 && r <= 180)) throw bad(`${label}: radius ${toks[2]!.text} at character ${toks[2]!.pos} is not in [0, 180]`);
      return circleAllowingZero(nums[0]!, nums[1]!, r);
    }
    case "range": {
      for (const i of [0, 1]) {
        const v = nums[i]!;
        if (v === (i === 0 ? Infinity : -Infinity)) {
          throw bad(`${label}: ${fieldName(i)} ${toks[i]!.text} at character ${toks[i]!.pos} is not a lower/upper bound`);
        }
      }
      const la1 = nums[2] === -Infinity ? -90 : nums[2]!;
      const la2 = nums[3] === Infinity ? 90 : nums[3]!;
      if (la1 > la2) {
        throw bad(`${label}: latitude 1 (${toks[2]!.text}) at character ${toks[2]!.pos} is greater than latitude 2 (${toks[3]!.text})`);
      }
      return rangeBox(nums[0]!, nums[1]!, nums[2]!, nums[3]!);
    }
    case "box": {
      const [clon, clat, w, h] = nums as [number, number, number, number];
      for (const i of [2, 3]) {
        if (nums[i]! < 0) throw bad(`${label}: ${fieldName(i)} ${toks[i]!.text} at character ${toks[i]!.pos} is negative`);
      }
      const lat1 = Math.max(-90, clat - h / 2);
      const lat2 = Math.min(90, clat + h / 2);
      if (w >= 360) return rangeBox(0, 360, lat1, lat2);
      return rangeBox(reduceAngle(clon - w / 2), reduceAngle(clon + w / 2), lat1, lat2);
    }
    case "polygon": {
      const verts: [number, number][] = [];
      for (let i = 0; i < nums.length; i += 2) verts.push([nums[i]!, nums[i + 1]!]);
      // A last vertex that repeats the first: polygon() drops it (withoutClosingVertex).
      if (verts.length < 3) {
        throw bad(`${label}: a polygon needs at least 3 vertices, got ${verts.length}, at character ${end}`);
      }
      try {
        return polygon(verts);
      } catch (e) {
        if (!(e instanceof SkyError)) throw e;
        // The polygon checks name vertices by number; point at the first one named, or at the first vertex
        // past the limit.
        const m = /vert(?:ex|ices) (\d+)/.exec(e.message);
        const v = e.code === "POLYGON_VERTEX_COUNT" ? MAX_POLYGON_VERTICES + 1 : m ? Number(m[1]) : 1;
        const tok = toks[2 * (v - 1)] ?? toks[0];
        const at = tok ? tok.pos : end;
        throw bad(`${label}: ${e.message} (vertex ${v} at character ${at})`);
      }
    }
  }
}

/** The fewest digits that read back to the same double. */
function num(x: number): string {
  return String(x);
}

/**
 * The value of a region in a DALI xtype: "lon lat" (point), "lon lat r" (circle), "lon1 lat1 lon2 lat2 ..."
 * (polygon), "lon1 lon2 lat1 lat2" (range); "shape" writes the labelled form ("circle 10 20 1"; a point as
 * "point 10 20"). Numbers are written with the fewest digits that read back to the same double.
 *
 * @throws SkyError BAD_REGION when the region is not of that xtype (a circle in a polygon column).
 */
export function formatRegion(region: Region, xtype: RegionXtypeName): string {
  const p = regionParams(region);
  if (xtype !== "shape" && xtype !== p.kind) {
    throw bad(`a ${p.kind} cannot be written as a DALI ${xtype} value`);
  }
  let body: string;
  switch (p.kind) {
    case "point":
      body = `${num(p.lon)} ${num(p.lat)}`;
      break;
    case "circle":
      body = `${num(p.lon)} ${num(p.lat)} ${num(p.radius)}`;
      break;
    case "polygon":
      body = p.vertices.map(([lon, lat]) => `${num(lon)} ${num(lat)}`).join(" ");
      break;
    case "range":
      body = `${num(p.lon1)} ${num(p.lon2)} ${num(p.lat1)} ${num(p.lat2)}`;
      break;
  }
  return xtype === "shape" ? `${p.kind} ${body}` : body;
}
