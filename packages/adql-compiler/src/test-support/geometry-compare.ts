/**
 * Runs every scisql function over the grid × shapes of geometry-cases.ts in some SQL engine and
 * lists where the engine's answer differs from the TypeScript reference. The engine is reached
 * through one callback that runs a SELECT and returns its rows as arrays.
 */
import { scisqlAngSep, scisqlS2PtInBox, scisqlS2PtInCircle, scisqlS2PtInCPoly } from "../geometry/scisql.js";
import { boxes, circles, gridPoints, polygons, type GridPoint } from "./geometry-cases.js";

export type RunRows = (sql: string) => Promise<unknown[][]>;

export interface Mismatch {
  readonly what: string;
  readonly shape: number;
  readonly point: GridPoint;
  readonly got: unknown;
  readonly expected: number | null;
}

export interface Comparison {
  readonly checked: number;
  readonly mismatches: Mismatch[];
  /** For angSep: the largest |engine − reference| in degrees, and how many were not bit-identical. */
  readonly maxAngSepError: number;
  readonly angSepNotIdentical: number;
}

/** SQL that builds the tables `pts`, `circles`, `boxes` (the shape tables carry an `id`). */
export function geometryTablesSql(num: (x: number | null) => string): string[] {
  const pts = gridPoints();
  return [
    "CREATE TABLE pts (id INTEGER PRIMARY KEY, lon DOUBLE, lat DOUBLE)",
    `INSERT INTO pts VALUES ${pts.map((p) => `(${p.id}, ${num(p.lon)}, ${num(p.lat)})`).join(", ")}`,
    "CREATE TABLE circles (id INTEGER PRIMARY KEY, clon DOUBLE, clat DOUBLE, r DOUBLE)",
    `INSERT INTO circles VALUES ${circles.map((c, i) => `(${i}, ${c.map(num).join(", ")})`).join(", ")}`,
    "CREATE TABLE boxes (id INTEGER PRIMARY KEY, lonmin DOUBLE, latmin DOUBLE, lonmax DOUBLE, latmax DOUBLE)",
    `INSERT INTO boxes VALUES ${boxes.map((b, i) => `(${i}, ${b.map(num).join(", ")})`).join(", ")}`,
  ];
}

/**
 * Compares one predicate or angSep, given as SQL over `p` (pts) and `s` (a shape table), with
 * the reference. The SQL must select (s.id, p.id, value).
 */
export async function compare(
  run: RunRows,
  what: "angSep" | "circle" | "box" | "polygon",
  sql: string,
  polygonOf?: (shapeId: number) => ReadonlyArray<number | null>,
): Promise<Comparison> {
  const points = new Map(gridPoints().map((p) => [p.id, p]));
  const rows = await run(sql);
  const mismatches: Mismatch[] = [];
  let maxAngSepError = 0;
  let angSepNotIdentical = 0;
  for (const [shapeId, pointId, raw] of rows) {
    const shape = Number(shapeId);
    const point = points.get(Number(pointId))!;
    const got = raw === null ? null : Number(raw);
    const expected = reference(what, shape, point, polygonOf);
    if (what === "angSep" && got !== null && expected !== null) {
      const err = Math.abs(got - expected);
      if (err !== 0) angSepNotIdentical++;
      maxAngSepError = Math.max(maxAngSepError, err);
      if (err <= 1e-11) continue;
    }
    if (got !== expected) mismatches.push({ what, shape, point, got: raw, expected });
  }
  return { checked: rows.length, mismatches, maxAngSepError, angSepNotIdentical };
}

function reference(
  what: "angSep" | "circle" | "box" | "polygon",
  shape: number,
  p: GridPoint,
  polygonOf?: (shapeId: number) => ReadonlyArray<number | null>,
): number | null {
  switch (what) {
    case "angSep": {
      const [clon, clat] = circles[shape]!;
      return scisqlAngSep(p.lon, p.lat, clon, clat);
    }
    case "circle":
      return scisqlS2PtInCircle(p.lon, p.lat, ...circles[shape]!);
    case "box":
      return scisqlS2PtInBox(p.lon, p.lat, ...boxes[shape]!);
    case "polygon":
      return scisqlS2PtInCPoly(p.lon, p.lat, (polygonOf ?? ((i: number) => polygons[i]!))(shape));
  }
}

/** How many (shape, point) pairs each comparison should cover. */
export function expectedRowCount(what: "angSep" | "circle" | "box" | "polygon"): number {
  const n = gridPoints().length;
  switch (what) {
    case "angSep":
    case "circle":
      return n * circles.length;
    case "box":
      return n * boxes.length;
    case "polygon":
      return n * polygons.length;
  }
}

/** Several comparisons as one, for one function run over several queries. */
export function mergeComparisons(cs: readonly Comparison[]): Comparison {
  return {
    checked: cs.reduce((n, c) => n + c.checked, 0),
    mismatches: cs.flatMap((c) => c.mismatches),
    maxAngSepError: Math.max(...cs.map((c) => c.maxAngSepError)),
    angSepNotIdentical: cs.reduce((n, c) => n + c.angSepNotIdentical, 0),
  };
}
